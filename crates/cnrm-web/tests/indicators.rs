//! Indicators through the pages (catalogue, definition with value and breakdown, dashboard with its
//! charts and map), the CSV download and the API, on both backends.

mod support;

use axum::http::StatusCode;
use cnrm_app::test_both_backends;
use cnrm_app::testing;
use support::Platform;

/// Two returnees of the programme `PILOTE-WEB`: a woman in Bafoulabé (Kayes), a man in Banamba (Koulikoro).
async fn two_returnees(p: &Platform) {
    let agent = p.actor("oim.agent").await;
    for (family, given, sex, place) in
        [("Diarra", "Aïssata", "female", "ML0101"), ("Traoré", "Seydou", "male", "ML0201")]
    {
        let mut input = testing::registration(family, given, sex, "1995", "2025-03-10");
        input.person.intended_settlement = place.into();
        input.ret.programme = "PILOTE-WEB".into();
        testing::register(&p.db, &agent, &input).await;
    }
}

test_both_backends! {
    async fn pages_show_definitions_values_and_the_dashboard(db) {
        let p = Platform::on(db).await;
        two_returnees(&p).await;
        let mut secretariat = p.logged_in("secretariat").await;

        let home = secretariat.get("/").await;
        assert!(home.body.contains("href=\"/indicators\"") && home.body.contains("href=\"/dashboard\""), "nav links");

        let catalogue = secretariat.get("/indicators").await;
        assert_eq!(catalogue.status, StatusCode::OK, "{}", catalogue.body);
        assert!(catalogue.body.contains("href=\"/indicators/returnees_registered\""));
        assert!(catalogue.body.contains("Migrants de retour enregistrés"));

        let page = secretariat.get("/indicators/returnees_registered?programme=PILOTE-WEB&by=region").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("data-testid=\"indicator-definition\""));
        assert!(page.body.contains("dont la date d"), "the definition says what it counts");
        let value = page.body.split("data-testid=\"indicator-value\"").nth(1).unwrap();
        assert!(value[..value.find("</p>").unwrap()].contains("<strong>2</strong>"), "{value}");
        let table = page.body.split("data-testid=\"indicator-breakdown\"").nth(1).unwrap();
        assert!(table.contains("Kayes") && table.contains("Koulikoro"), "{table}");

        // In English, the definition in English.
        secretariat.post("/locale", &[("locale", "en"), ("next", "/indicators/returnees_registered")]).await;
        let en = secretariat.get("/indicators/returnees_registered?programme=PILOTE-WEB").await;
        assert_eq!(en.status, StatusCode::OK);
        assert!(en.body.contains("Returnees registered") && en.body.contains("arrival date"), "{}", en.body);
        secretariat.post("/locale", &[("locale", "fr"), ("next", "/indicators")]).await;

        // A bad filter: the page names the field, nothing computed.
        let bad = secretariat.get("/indicators/returnees_registered?region=ZZ99&sex=x").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("id=\"sex-error\""), "{}", bad.body);
        assert!(!bad.body.contains("data-testid=\"indicator-value\""));
        assert_eq!(secretariat.get("/indicators/nothing").await.status, StatusCode::NOT_FOUND);

        // The CSV: a header row, the total, one row per sex.
        let csv = secretariat.get("/indicators/returnees_registered?programme=PILOTE-WEB&format=csv").await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
        let lines: Vec<&str> = csv.body.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines[0], "indicateur,ventilation,cle,libelle,valeur,effectif,sur,note");
        assert_eq!(lines[1], "returnees_registered,,,Total,2,2,,");
        assert_eq!(lines.len(), 4, "{lines:?}");

        // The dashboard: key figures, charts and a map whose regions filter it.
        let dashboard = secretariat.get("/dashboard?programme=PILOTE-WEB").await;
        assert_eq!(dashboard.status, StatusCode::OK, "{}", dashboard.body);
        assert!(dashboard.body.contains("Tableau de bord national"));
        assert!(dashboard.body.contains("data-testid=\"dashboard-figures\""));
        assert!(dashboard.body.contains("<svg"), "charts drawn by the server");
        assert!(
            dashboard.body.contains("data-testid=\"provisional-weights\""),
            "scores are shown with the notice that the shipped weights are provisional"
        );
        assert!(dashboard.body.contains("/dashboard?programme=PILOTE-WEB&amp;region=ML01"), "regions link to their dashboard");
        let region = secretariat.get("/dashboard?programme=PILOTE-WEB&region=ML01").await;
        assert_eq!(region.status, StatusCode::OK);
        assert!(region.body.contains("Tableau de bord : Kayes"));

        // An organisation's case manager sees its own organisation's dashboard, without the choice.
        let mut manager = p.logged_in("oim.gestion").await;
        let own = manager.get("/dashboard").await;
        assert_eq!(own.status, StatusCode::OK, "{}", own.body);
        assert!(own.body.contains("data-testid=\"organisation-forced\""));
        // A case worker has no aggregates.
        let mut worker = p.logged_in("oim.agent").await;
        assert_eq!(worker.get("/indicators").await.status, StatusCode::FORBIDDEN);
        assert_eq!(worker.get("/dashboard").await.status, StatusCode::FORBIDDEN);
    }

    async fn the_api_gives_the_catalogue_json_and_csv(db) {
        let p = Platform::on(db).await;
        two_returnees(&p).await;
        let token = p.token("secretariat").await.unwrap();

        let list = p.api("GET", "/api/v1/indicators", Some(&token), None).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        let json = list.json();
        let first = &json[0];
        assert_eq!(first["code"], "returnees_registered");
        assert!(first["definition"]["fr"].as_str().unwrap().contains("arrivée"));

        let one = p.api("GET", "/api/v1/indicators/returnees_registered?programme=PILOTE-WEB&by=sex", Some(&token), None).await;
        assert_eq!(one.status, StatusCode::OK, "{}", one.body);
        let json = one.json();
        assert_eq!(json["result"]["total"]["value"], 2.0);
        assert_eq!(json["result"]["breakdown"], "sex");
        assert_eq!(json["result"]["rows"][0]["key"], "female");
        assert_eq!(json["result"]["rows"][0]["value"], 1.0);

        let csv = p.api("GET", "/api/v1/indicators/returnees_registered?programme=PILOTE-WEB&format=csv", Some(&token), None).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
        // In the caller's language (the secretariat's account is in French).
        assert!(csv.body.starts_with("indicateur,ventilation,cle,libelle,valeur,effectif,sur,note\r\n"), "{}", csv.body);
        // A score travels with the provisional-weights notice while the shipped equal weights apply,
        // on every line; a count does not.
        let score = p.api("GET", "/api/v1/indicators/sustainability_score?format=csv", Some(&token), None).await;
        assert_eq!(score.status, StatusCode::OK);
        let lines: Vec<&str> = score.body.split("\r\n").filter(|l| !l.is_empty()).skip(1).collect();
        assert!(!lines.is_empty() && lines.iter().all(|l| l.contains("pondérations égales provisoires")), "{}", score.body);
        assert!(!csv.body.contains("provisoires"));

        let bad = p.api("GET", "/api/v1/indicators/returnees_registered?from=2025-02-30", Some(&token), None).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["errors"][0]["field"], "from");
        assert_eq!(p.api("GET", "/api/v1/indicators/nothing", Some(&token), None).await.status, StatusCode::NOT_FOUND);

        let spec = p.api("GET", "/api/v1/openapi.json", Some(&token), None).await;
        assert!(spec.json()["paths"]["/api/v1/indicators/{code}"].is_object());
    }
}
