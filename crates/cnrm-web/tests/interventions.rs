//! Interventions (4W) through the pages and the API, on both backends: an NGO records one (bad
//! input comes back with its messages, nothing written), reports on a quarter, cannot touch
//! another organisation's; the secretariat validates and locks the quarter, after which reports
//! are refused; the 4W export round-trips as CSV and XLSX with its HXL row and P-codes.

mod support;

use axum::http::{header, StatusCode};
use cnrm_app::interventions::{self, InterventionQuery};
use cnrm_app::test_both_backends;
use cnrm_domain::intervention::Period;
use serde_json::json;
use support::{Client, Platform, Reply};
use uuid::Uuid;

fn last_quarter() -> Period {
    Period::containing(time::OffsetDateTime::now_utc().date()).previous()
}

fn form(anpe: Uuid) -> Vec<(&'static str, String)> {
    let today = time::OffsetDateTime::now_utc().date();
    vec![
        ("title", "Insertion des jeunes rapatriés dans le maraîchage".into()),
        ("description", "Formation et kits".into()),
        ("dimension", "economic".into()),
        ("sector", "livelihoods".into()),
        ("category", "vocational_training".into()),
        ("level", "collective".into()),
        ("target_group", "youth".into()),
        ("units", "ML0101".into()),
        ("units", "ML09".into()),
        ("implementers", anpe.to_string()),
        ("funders", "Enabel\nCoopération suisse".into()),
        ("start_on", (last_quarter().first_day() - time::Duration::days(10)).to_string()),
        ("end_on", (today + time::Duration::days(300)).to_string()),
        ("status", "ongoing".into()),
        ("targeted_f_18_24", "40".into()),
        ("targeted_m_18_24", "60".into()),
        ("currency", "USD".into()),
        ("budget", "20000.50".into()),
        ("rate", "600".into()),
        ("published", "true".into()),
    ]
}

fn with(fields: &[(&'static str, String)], changes: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> =
        fields.iter().filter(|(k, _)| !changes.iter().any(|(c, _)| c == k)).cloned().collect();
    out.extend(changes.iter().map(|(k, v)| (*k, v.to_string())));
    out
}

async fn post(client: &mut Client, path: &str, fields: &[(&str, String)]) -> Reply {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    client.post(path, &fields).await
}

fn report(period: &str, men: &str, explanation: &str) -> Vec<(&'static str, String)> {
    vec![
        ("period", period.to_string()),
        ("reached_f_18_24", "5".into()),
        ("reached_m_18_24", men.into()),
        ("spent_xof", "2 000 000".into()),
        ("narrative", "Deux sessions de formation".into()),
        ("explanation", explanation.into()),
    ]
}

fn csv_rows(body: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(body.as_bytes());
    reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
}

test_both_backends! {
    async fn an_ngo_records_and_reports_and_the_secretariat_locks_the_quarter(db) {
        let p = Platform::on(db).await;
        let anpe = p.org_id("ANPE").await;
        let mut focal = p.logged_in("anpe.focal").await;
        let home = focal.get("/").await;
        assert!(home.body.contains("href=\"/interventions\""), "the 4W is in the navigation");
        let list = focal.get("/interventions").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("Interventions (4W)") && list.body.contains("data-testid=\"intervention-row\""));
        assert!(list.body.contains("href=\"/interventions/new\"") && !list.body.contains("href=\"/interventions/periods\""));

        // Bad input comes back with its messages next to the fields, typed values kept, nothing written.
        let before = p.db.app.db.interventions(&Default::default(), None).await.unwrap().total;
        focal.get("/interventions/new").await;
        let bad = with(&form(anpe), &[("end_on", "2020-01-01"), ("currency", "GBP"), ("units", "ML9999")]);
        let reply = post(&mut focal, "/interventions", &bad).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        for field in ["end_on", "currency", "units"] {
            assert!(reply.body.contains(&format!("id=\"{field}-error\"")), "no message for {field}");
        }
        assert!(reply.body.contains("La fin ne peut pas précéder le début."));
        assert!(reply.body.contains("Devise inconnue : XOF, EUR ou USD."));
        assert!(reply.body.contains("value=\"Insertion des jeunes rapatriés dans le maraîchage\""));
        assert!(reply.body.contains("value=\"60\""), "the counts typed are kept");
        assert_eq!(p.db.app.db.interventions(&Default::default(), None).await.unwrap().total, before);

        let reply = post(&mut focal, "/interventions", &form(anpe)).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let location = reply.location().unwrap().to_string();
        let id: Uuid = location.strip_prefix("/interventions/").and_then(|r| r.split('?').next()).unwrap().parse().unwrap();
        let page_path = format!("/interventions/{id}");
        let page = focal.get(&page_path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Insertion des jeunes rapatriés") && page.body.contains("Enabel, Coopération suisse"));
        assert!(page.body.contains("20000.50 USD × 600 = 12 000 300 F CFA"), "{}", page.body);
        assert!(page.body.contains(&format!("action=\"/interventions/{id}/reports\"")));

        // A report beyond the target needs an explanation; then it is saved.
        let reports = format!("/interventions/{id}/reports");
        let quarter = last_quarter().code();
        let reply = post(&mut focal, &reports, &report(&quarter, "120", "")).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"explanation-error\"") && reply.body.contains("Plus de personnes atteintes que ciblées"));
        assert!(reply.body.contains("value=\"120\""));
        let reply = post(&mut focal, &reports, &report(&quarter, "20", "")).await;
        assert_eq!(reply.location(), Some(format!("{page_path}?msg=saved").as_str()), "{}", reply.body);
        let page = focal.get(&page_path).await;
        assert!(page.body.contains("data-testid=\"report-row\"") && page.body.contains("data-testid=\"reached-total\">25<"));

        // Another organisation's case manager reads it but changes nothing.
        let mut oim = p.logged_in("oim.gestion").await;
        assert_eq!(oim.get(&page_path).await.status, StatusCode::OK);
        assert!(!oim.get(&page_path).await.body.contains(&format!("action=\"/interventions/{id}/reports\"")));
        assert_eq!(oim.get(&format!("{page_path}/edit")).await.status, StatusCode::FORBIDDEN);
        assert_eq!(post(&mut oim, &page_path, &with(&form(anpe), &[("version", "1")])).await.status, StatusCode::FORBIDDEN);
        assert_eq!(post(&mut oim, &reports, &report(&quarter, "1", "")).await.status, StatusCode::FORBIDDEN);

        // Its own organisation edits it with the version read.
        let edit = focal.get(&format!("{page_path}/edit")).await;
        assert_eq!(edit.status, StatusCode::OK);
        assert!(edit.body.contains("value=\"ML0101\" selected") && edit.body.contains("value=\"20000.50\""));
        let renamed = with(&form(anpe), &[("title", "Maraîchage des jeunes rapatriés"), ("version", "1")]);
        assert_eq!(post(&mut focal, &page_path, &renamed).await.location(), Some(format!("{page_path}?msg=saved").as_str()));
        let stale = post(&mut focal, &page_path, &renamed).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.body.contains("data-testid=\"alert\""));

        // The secretariat validates then locks the quarter; reports of it are refused from then on.
        let mut secretariat = p.logged_in("secretariat").await;
        let periods = secretariat.get("/interventions/periods").await;
        assert_eq!(periods.status, StatusCode::OK);
        assert!(periods.body.contains(&format!("action=\"/interventions/periods/{quarter}\"")));
        let period_path = format!("/interventions/periods/{quarter}");
        let reply = secretariat.post(&period_path, &[("action", "lock")]).await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert!(reply.body.contains("Validez le trimestre avant de le verrouiller."));
        for action in ["validate", "lock"] {
            let reply = secretariat.post(&period_path, &[("action", action)]).await;
            assert_eq!(reply.location(), Some("/interventions/periods?msg=saved"), "{action}: {}", reply.body);
        }
        assert_eq!(focal.post(&period_path, &[("action", "unlock")]).await.status, StatusCode::FORBIDDEN);
        let reply = post(&mut focal, &reports, &report(&quarter, "22", "")).await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert!(reply.body.contains("Ce trimestre est verrouillé par le secrétariat"));
        let stored = p.db.app.db.intervention_reports(&[id]).await.unwrap();
        assert_eq!(stored[0].reached.total(), 25, "nothing written");
        let actions = p.audit_actions().await;
        for action in ["intervention.create", "intervention.report.create", "intervention.update", "period.validate", "period.lock"] {
            assert!(actions.iter().any(|(a, _)| a == action), "{action} audited");
        }
    }

    async fn the_4w_exports_round_trip_with_hxl_tags_and_p_codes(db) {
        let p = Platform::on(db).await;
        let anpe = p.org_id("ANPE").await;
        let mut focal = p.logged_in("anpe.focal").await;
        focal.get("/interventions/new").await;
        let mut fields = form(anpe);
        fields[0].1 = "=HYPERLINK(\"http://example.org\")".into();
        let reply = post(&mut focal, "/interventions", &fields).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let id = reply.location().unwrap().strip_prefix("/interventions/").unwrap().split('?').next().unwrap().to_string();

        let reply = focal.get(&format!("/interventions/export.csv?organisation={anpe}")).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.headers.get(header::CONTENT_TYPE).unwrap(), "text/csv; charset=utf-8");
        assert!(reply.headers.get(header::CONTENT_DISPOSITION).unwrap().to_str().unwrap().contains("cnrm-4w.csv"));
        let rows = csv_rows(&reply.body);
        assert_eq!(&rows[0][..3], &["Identifiant", "Intervention", "Organisation"]);
        assert_eq!(rows[0][19], "Ciblés Femmes 0–17");
        assert_eq!(&rows[1][..18], &[
            "#activity+code", "#activity+name", "#org+name", "#org+acronym", "#org+impl", "#org+funder",
            "#sector+dimension", "#sector", "#activity+type", "#activity+level", "#population+type",
            "#adm1+name", "#adm1+code", "#adm2+name", "#adm2+code", "#date+start", "#date+end", "#status",
        ]);
        assert_eq!(&rows[1][18..21], &["#targeted", "#targeted+f+age0_17", "#targeted+f+age18_24"]);
        assert_eq!(rows[1][27], "#reached");
        assert_eq!(&rows[1][36..], &["#currency", "#value+budget", "#value+rate+xof", "#value+budget+xof", "#value+spent+xof"]);
        let mine: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == id).collect();
        assert_eq!(mine.len(), 2, "one row per admin unit");
        assert_eq!((mine[0][11].as_str(), mine[0][12].as_str(), mine[0][14].as_str()), ("Kayes", "ML01", "ML0101"));
        assert_eq!((mine[1][11].as_str(), mine[1][12].as_str(), mine[1][13].as_str(), mine[1][14].as_str()), ("Bamako", "ML09", "", ""));
        assert_eq!(mine[0][1], "'=HYPERLINK(\"http://example.org\")", "formulas are neutralised");
        assert_eq!((mine[0][18].as_str(), mine[0][20].as_str(), mine[0][36].as_str(), mine[0][39].as_str()), ("100", "40", "USD", "12000300"));
        assert!(rows[2..].iter().all(|r| r[4].contains("Agence nationale pour l'emploi") || r[2].contains("emploi")));
        assert!(p.audit_actions().await.iter().any(|(a, u)| a == "export.4w" && u == "anpe.focal"));

        // Through the API, with the same headers (the account's language), hashtags and codes.
        let token = p.token("anpe.focal").await.unwrap();
        let api = p.api("GET", &format!("/api/v1/interventions/export.csv?unit=ML01&organisation={anpe}"), Some(&token), None).await;
        assert_eq!(api.status, StatusCode::OK);
        let rows = csv_rows(&api.body);
        assert_eq!(rows[0][0], "Identifiant");
        assert_eq!(rows[1][12], "#adm1+code");
        assert!(rows[2..].iter().all(|r| r[12] == "ML01"), "the region filter keeps Kayes's rows");
        assert!(rows[2..].iter().any(|r| r[0] == id));

        // The XLSX download, and the same table opened back with calamine.
        let xlsx = focal.get("/interventions/export.xlsx").await;
        assert_eq!(xlsx.status, StatusCode::OK);
        assert_eq!(xlsx.headers.get(header::CONTENT_TYPE).unwrap(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        assert!(xlsx.body.starts_with("PK"), "a zip archive");
        let actor = p.actor("anpe.focal").await;
        let query = InterventionQuery { organisation: anpe.to_string(), ..Default::default() };
        let table = interventions::export(&p.db.app, &actor, &query).await.unwrap();
        let tr = cnrm_web::i18n::Tr::new(cnrm_domain::Locale::Fr);
        let bytes = cnrm_export::to_xlsx(&cnrm_web::pages::interventions::export_table(tr, table), "4W").unwrap();
        use calamine::Reader;
        let mut workbook: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = workbook.worksheet_range("4W").unwrap();
        let sheet: Vec<Vec<calamine::Data>> = range.rows().map(|r| r.to_vec()).collect();
        assert_eq!(sheet[1][12], calamine::Data::String("#adm1+code".into()));
        assert_eq!(sheet[1][14], calamine::Data::String("#adm2+code".into()));
        let row = sheet.iter().find(|r| r[0] == calamine::Data::String(id.clone())).expect("the intervention's row");
        assert_eq!(row[12], calamine::Data::String("ML01".into()));
        assert_eq!(row[14], calamine::Data::String("ML0101".into()));
        assert_eq!(row[18], calamine::Data::Float(100.0));
        assert_eq!(row[1], calamine::Data::String("'=HYPERLINK(\"http://example.org\")".into()));

        // The service catalogue exports the same way: its HXL row, P-codes, audited.
        let services = focal.get("/catalogue/export.csv").await;
        assert_eq!(services.status, StatusCode::OK);
        let rows = csv_rows(&services.body);
        assert_eq!(&rows[1][..4], &["#service+code", "#service+name", "#org+name", "#org+acronym"]);
        assert_eq!(&rows[1][6..10], &["#adm1+name", "#adm1+code", "#adm2+name", "#adm2+code"]);
        assert!(rows.len() > 2, "the demo's published services");
        assert!(rows[2..].iter().all(|r| r[7].starts_with("ML") && r[7].len() == 4 && r[16] == "published"));
        assert!(rows[2..].iter().all(|r| r[9].is_empty() || r[9].starts_with(&r[7])), "a cercle lies in its region");
        let xlsx = focal.get("/catalogue/export.xlsx?category=vocational_training").await;
        assert_eq!((xlsx.status, xlsx.body.starts_with("PK")), (StatusCode::OK, true));
        assert!(p.audit_actions().await.iter().any(|(a, u)| a == "export.catalogue" && u == "anpe.focal"));
    }

    async fn the_api_applies_the_same_rules(db) {
        let p = Platform::on(db).await;
        let anpe = p.org_id("ANPE").await;
        let (focal, oim, secretariat, observer) = (
            p.token("anpe.focal").await.unwrap(),
            p.token("oim.gestion").await.unwrap(),
            p.token("secretariat").await.unwrap(),
            // Observers have no API tokens: the platform administrator reads from outside the organisation.
            p.token("admin").await.unwrap(),
        );
        let today = time::OffsetDateTime::now_utc().date();
        let body = json!({
            "title": "Soutien psychosocial de groupe à Gao",
            "dimension": "psychosocial", "sector": "protection", "category": "psychosocial_counselling",
            "level": "collective", "target_group": "returnees", "units": ["ML07"], "implementers": [anpe],
            "funders": "GIZ", "start_on": (last_quarter().first_day()).to_string(),
            "end_on": (today + time::Duration::days(90)).to_string(), "status": "ongoing",
            "targeted_f_25_59": "10", "targeted_m_25_59": "15", "currency": "EUR", "budget": "5000",
        });
        let bad = p.api("POST", "/api/v1/interventions", Some(&focal), Some(json!({ "title": "x", "currency": "JPY" }))).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("currency"));
        let created = p.api("POST", "/api/v1/interventions", Some(&focal), Some(body.clone())).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let created = created.json();
        assert_eq!(created["budget_xof"], 3_279_785);
        assert_eq!(created["rate_micro"], 655_957_000);
        let id = created["id"].as_str().unwrap().to_string();

        // Unpublished: outside readers do not see it; OIM reads nothing of it either.
        assert_eq!(p.api("GET", &format!("/api/v1/interventions/{id}"), Some(&observer), None).await.status, StatusCode::NOT_FOUND);
        assert_eq!(p.api("GET", &format!("/api/v1/interventions/{id}"), Some(&oim), None).await.status, StatusCode::NOT_FOUND);
        let mut update = body.clone();
        update["published"] = json!(true);
        update["version"] = json!(1);
        let put = p.api("PUT", &format!("/api/v1/interventions/{id}"), Some(&focal), Some(update.clone())).await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.body);
        update["version"] = json!(2);
        assert_eq!(p.api("PUT", &format!("/api/v1/interventions/{id}"), Some(&oim), Some(update)).await.status, StatusCode::FORBIDDEN);
        let got = p.api("GET", &format!("/api/v1/interventions/{id}"), Some(&observer), None).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.json()["may_change"], false);

        let quarter = last_quarter().code();
        let report = json!({ "period": quarter, "reached_f_25_59": "4", "reached_m_25_59": "6", "spent_xof": "900000" });
        let saved = p.api("POST", &format!("/api/v1/interventions/{id}/reports"), Some(&focal), Some(report.clone())).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
        assert_eq!(saved.json()["reached"]["m_25_59"], 6);
        // Outside readers see no figures of an unvalidated quarter.
        assert_eq!(p.api("GET", &format!("/api/v1/interventions/{id}"), Some(&observer), None).await.json()["reports"], json!([]));

        let lock = format!("/api/v1/periods/{quarter}/lock");
        assert_eq!(p.api("POST", &lock, Some(&focal), None).await.status, StatusCode::FORBIDDEN);
        assert_eq!(p.api("POST", &lock, Some(&secretariat), None).await.status, StatusCode::CONFLICT);
        let validated = p.api("POST", &format!("/api/v1/periods/{quarter}/validate"), Some(&secretariat), None).await;
        assert_eq!(validated.status, StatusCode::OK, "{}", validated.body);
        let locked = p.api("POST", &lock, Some(&secretariat), None).await;
        assert_eq!((locked.status, locked.json()["status"].clone()), (StatusCode::OK, json!("locked")));
        let refused = p.api("POST", &format!("/api/v1/interventions/{id}/reports"), Some(&focal), Some(report)).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert_eq!(refused.json()["code"], "refused");
        let seen = p.api("GET", &format!("/api/v1/interventions/{id}"), Some(&observer), None).await.json();
        assert_eq!(seen["reports"][0]["period_status"], "locked");
        let periods = p.api("GET", "/api/v1/periods", Some(&secretariat), None).await.json();
        assert!(periods.as_array().unwrap().iter().any(|q| q["period"] == quarter.as_str() && q["status"] == "locked"));
        let list = p.api("GET", "/api/v1/interventions?unit=ML07&per_page=100", Some(&observer), None).await.json();
        assert!(list["items"].as_array().unwrap().iter().any(|i| i["id"] == id.as_str()));

        // Unlocked, then reopened, as the periods page allows: the API offers the same actions.
        let unlocked = p.api("POST", &format!("/api/v1/periods/{quarter}/unlock"), Some(&secretariat), None).await;
        assert_eq!(unlocked.status, StatusCode::OK, "{}", unlocked.body);
        let reopen = format!("/api/v1/periods/{quarter}/reopen");
        assert_eq!(p.api("POST", &reopen, Some(&focal), None).await.status, StatusCode::FORBIDDEN);
        let reopened = p.api("POST", &reopen, Some(&secretariat), None).await;
        assert_eq!((reopened.status, reopened.json()["status"].clone()), (StatusCode::OK, json!("open")), "{}", reopened.body);

        // The OpenAPI document lists the endpoints.
        let doc = p.api("GET", "/api/v1/openapi.json", None, None).await.body;
        for path in ["/api/v1/interventions", "/api/v1/interventions/{id}/reports", "/api/v1/interventions/export.csv", "/api/v1/periods/{period}/lock", "/api/v1/periods/{period}/reopen"] {
            assert!(doc.contains(&format!("\"{path}\"")), "{path} documented");
        }
    }
}
