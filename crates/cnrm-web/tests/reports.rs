//! The periodic CNRM report through the router: the form on the dashboard, the PDF and XLSX
//! downloads (their figures read back), in French and English, the API, and who may have them.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use cnrm_app::test_both_backends;
use cnrm_app::testing;
use support::{get_raw, send, Platform};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Two returnees of the programme `PILOTE-RAPPORT` arrived in the third quarter of 2025 (Kayes,
/// Koulikoro), a third in the fourth quarter.
async fn returnees(p: &Platform) {
    let agent = p.actor("oim.agent").await;
    for (family, given, sex, arrived, place) in [
        ("Diarra", "Aïssata", "female", "2025-07-10", "ML0101"),
        ("Traoré", "Seydou", "male", "2025-08-20", "ML0201"),
        ("Keïta", "Mamadou", "male", "2025-11-02", "ML0102"),
    ] {
        let mut input = testing::registration(family, given, sex, "1995-01-01", arrived);
        input.person.intended_settlement = place.into();
        input.ret.programme = "PILOTE-RAPPORT".into();
        testing::register(&p.db, &agent, &input).await;
    }
}

type Sheets = Vec<(String, Vec<Vec<String>>)>;

/// The row of a sheet whose first cell is `code`.
fn row<'a>(sheets: &'a Sheets, sheet: &str, code: &str) -> &'a Vec<String> {
    let (_, rows) = sheets.iter().find(|(name, _)| name == sheet).unwrap_or_else(|| panic!("no sheet {sheet}"));
    rows.iter()
        .find(|r| r.first().map(String::as_str) == Some(code))
        .unwrap_or_else(|| panic!("no row {code} in {sheet}"))
}

test_both_backends! {
    async fn the_report_downloads_as_pdf_and_xlsx_with_the_figures(db) {
        let p = Platform::on(db).await;
        returnees(&p).await;
        let mut secretariat = p.logged_in("secretariat").await;

        // The dashboard offers the report, with its filters carried along.
        let dashboard = secretariat.get("/dashboard?programme=PILOTE-RAPPORT").await;
        assert_eq!(dashboard.status, StatusCode::OK, "{}", dashboard.body);
        let section = dashboard.body.split("data-testid=\"dashboard-report\"").nth(1).expect("the report form");
        assert!(section.contains("action=\"/reports/cnrm\"") && section.contains("name=\"quarter\""), "{section}");
        assert!(section.contains("name=\"programme\" value=\"PILOTE-RAPPORT\""), "{section}");
        assert!(section.contains("href=\"/reports/cnrm?programme=PILOTE-RAPPORT\""), "{section}");
        let form = secretariat.get("/reports/cnrm?programme=PILOTE-RAPPORT").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert!(form.body.contains("data-testid=\"report-form\"") && form.body.contains("value=\"PILOTE-RAPPORT\""));

        // XLSX: one sheet per part, numbers as numbers.
        let xlsx = get_raw(&p, &secretariat, "/reports/cnrm.xlsx?programme=PILOTE-RAPPORT&quarter=2025-Q3").await;
        assert_eq!(xlsx.status, StatusCode::OK, "{}", xlsx.text());
        assert_eq!(xlsx.header(header::CONTENT_TYPE), XLSX);
        assert!(xlsx.header(header::CONTENT_DISPOSITION).contains("cnrm-rapport-2025-Q3.xlsx"));
        let sheets = cnrm_export::read_workbook(&xlsx.body).unwrap();
        let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
        for name in ["Indicateurs", "Mois", "Région", "Sexe", "Tranche d'âge", "Dimension", "Étape", "4W"] {
            assert!(names.contains(&name), "{name} in {names:?}");
        }
        let indicators = &sheets[0].1;
        assert!(indicators[0][0].contains("Rapport périodique du CNRM — 2025-Q3"), "{indicators:?}");
        assert!(indicators.iter().any(|r| r[0].contains("du 2025-07-01 au 2025-09-30")), "{indicators:?}");
        assert!(indicators.iter().any(|r| r[0].contains("pondérations égales provisoires")), "the provisional-weights notice");
        let registered = row(&sheets, "Indicateurs", "returnees_registered");
        assert_eq!((registered[1].as_str(), registered[3].as_str()), ("Migrants de retour enregistrés", "2"), "{registered:?}");
        let regions: Vec<(String, String)> = sheets.iter().find(|(n, _)| n == "Région").unwrap().1.iter()
            .filter(|r| r.first().map(String::as_str) == Some("returnees_registered"))
            .map(|r| (r[3].clone(), r[4].clone()))
            .collect();
        assert_eq!(regions, [("Kayes".to_string(), "1".to_string()), ("Koulikoro".to_string(), "1".to_string())]);

        // PDF: the title, the period, the indicators, the map and the charts drawn, the 4W totals.
        let pdf = get_raw(&p, &secretariat, "/reports/cnrm.pdf?programme=PILOTE-RAPPORT&quarter=2025-Q3").await;
        assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
        assert_eq!(pdf.header(header::CONTENT_TYPE), "application/pdf");
        assert!(pdf.body.starts_with(b"%PDF"));
        for text in [
            "Rapport périodique du CNRM — 2025-Q3",
            "du 2025-07-01 au 2025-09-30",
            "Programme : PILOTE-RAPPORT",
            "Migrants de retour enregistrés",
            "pondérations égales provisoires",
            "Migrants de retour enregistrés par région",
            "Résumé 4W",
        ] {
            assert!(cnrm_pdf::contains_text(&pdf.body, text), "{text}");
        }
        // Over all dates, the 4W summary of the demo interventions: the same totals in both files.
        let all = get_raw(&p, &secretariat, "/reports/cnrm.xlsx?programme=PILOTE-RAPPORT").await;
        let sheets = cnrm_export::read_workbook(&all.body).unwrap();
        let fourw = &sheets.iter().find(|(n, _)| n == "4W").unwrap().1;
        let total = fourw.last().unwrap();
        assert_eq!(total[0], "Total");
        assert!(total[4].parse::<i64>().unwrap() > 0, "the demo interventions: {total:?}");
        let budget: i64 = total[7].parse().unwrap();
        assert!(budget > 1000, "{total:?}");
        let all_pdf = get_raw(&p, &secretariat, "/reports/cnrm.pdf?programme=PILOTE-RAPPORT").await;
        let budget = cnrm_charts::format_count(budget as u64, cnrm_domain::Locale::Fr);
        assert!(cnrm_pdf::contains_text(&all_pdf.body, &budget), "the 4W total budget {budget} as in the workbook");
        assert!(cnrm_pdf::drawn_shapes(&pdf.body) >= cnrm_charts::Geography::mali().shapes().len() + 2, "map and bars drawn");
        // The format field of the form gives the same file.
        let via_form = get_raw(&p, &secretariat, "/reports/cnrm?programme=PILOTE-RAPPORT&quarter=2025-Q3&format=pdf").await;
        assert_eq!(via_form.header(header::CONTENT_TYPE), "application/pdf");

        // A bad quarter: the form again, the field named, no file.
        let bad = secretariat.get("/reports/cnrm.pdf?programme=PILOTE-RAPPORT&quarter=2025-T3").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("id=\"quarter-error\"") && bad.body.contains("2026-Q3"), "{}", bad.body);

        // In English, the report in English.
        secretariat.post("/locale", &[("locale", "en"), ("next", "/dashboard")]).await;
        let en = get_raw(&p, &secretariat, "/reports/cnrm.pdf?programme=PILOTE-RAPPORT&quarter=2025-Q3").await;
        assert_eq!(en.status, StatusCode::OK);
        assert!(cnrm_pdf::contains_text(&en.body, "CNRM periodic report — 2025-Q3"));
        assert!(cnrm_pdf::contains_text(&en.body, "Returnees registered"));
        assert!(!cnrm_pdf::contains_text(&en.body, "Rapport périodique"));
    }

    async fn only_readers_of_aggregates_get_the_report(db) {
        let p = Platform::on(db).await;
        returnees(&p).await;
        // Not logged in: no file.
        let anonymous = p.client();
        let reply = get_raw(&p, &anonymous, "/reports/cnrm.pdf?quarter=2025-Q3").await;
        assert_ne!(reply.status, StatusCode::OK);
        assert!(!reply.body.starts_with(b"%PDF"));
        // A case worker: forbidden.
        let worker = p.logged_in("oim.agent").await;
        assert_eq!(get_raw(&p, &worker, "/reports/cnrm.pdf?quarter=2025-Q3").await.status, StatusCode::FORBIDDEN);
        assert_eq!(get_raw(&p, &worker, "/reports/cnrm").await.status, StatusCode::FORBIDDEN);
        // An organisation's manager: their organisation's figures, said so.
        let manager = p.logged_in("oim.gestion").await;
        let own = get_raw(&p, &manager, "/reports/cnrm.xlsx?quarter=2025-Q3").await;
        assert_eq!(own.status, StatusCode::OK);
        let sheets = cnrm_export::read_workbook(&own.body).unwrap();
        assert!(sheets[0].1.iter().any(|r| r[0].contains("(imposée par votre rôle)")), "{:?}", sheets[0].1);
    }

    async fn the_api_gives_the_report(db) {
        let p = Platform::on(db).await;
        returnees(&p).await;
        let token = p.token("secretariat").await.unwrap();
        let get = |path: &str, token: Option<&str>| {
            let mut request = Request::get(path.to_string());
            if let Some(token) = token {
                request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
            request.body(Body::empty()).unwrap()
        };
        let pdf = send(&p, get("/api/v1/reports/cnrm?quarter=2025-Q3&programme=PILOTE-RAPPORT", Some(&token))).await;
        assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
        assert_eq!(pdf.header(header::CONTENT_TYPE), "application/pdf");
        assert!(cnrm_pdf::contains_text(&pdf.body, "Migrants de retour enregistrés"));
        let xlsx = send(&p, get("/api/v1/reports/cnrm?format=xlsx&quarter=2025-Q3&programme=PILOTE-RAPPORT", Some(&token))).await;
        assert_eq!(xlsx.header(header::CONTENT_TYPE), XLSX);
        let sheets = cnrm_export::read_workbook(&xlsx.body).unwrap();
        assert_eq!(row(&sheets, "Indicateurs", "returnees_registered")[3], "2");

        let bad = p.api("GET", "/api/v1/reports/cnrm?quarter=2025-Q9", Some(&token), None).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["errors"][0]["field"], "quarter");
        assert_eq!(p.api("GET", "/api/v1/reports/cnrm?quarter=2025-Q3", None, None).await.status, StatusCode::UNAUTHORIZED);
        let spec = p.api("GET", "/api/v1/openapi.json", Some(&token), None).await;
        assert!(spec.json()["paths"]["/api/v1/reports/cnrm"]["get"].is_object());
    }
}
