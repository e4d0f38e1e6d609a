//! The gap and overlap matrix through the page, its CSV download and the API, on both backends.

mod support;

use axum::http::StatusCode;
use cnrm_app::plans::{self, PlanItemInput};
use cnrm_app::test_both_backends;
use cnrm_app::testing;
use support::Platform;

/// One returnee settled in Bafoulabé (ML0101) with a housing item pending in their plan.
async fn one_need(p: &Platform) {
    let agent = p.actor("oim.agent").await;
    let mut input = testing::registration("Magassa", "Demba", "male", "1994", "2026-01-10");
    input.person.intended_settlement = "ML0101".into();
    let case = testing::register(&p.db, &agent, &input).await;
    let item = PlanItemInput {
        dimension: "social".into(),
        assistance_type: "housing".into(),
        level: "individual".into(),
        channel: "direct".into(),
        description: "Aide au loyer".into(),
        budget_xof: "100 000".into(),
        ..Default::default()
    };
    plans::add_item(&p.db.app, &agent, case.id, &item).await.unwrap();
}

test_both_backends! {
    async fn the_secretariat_reads_the_matrix_and_downloads_it(db) {
        let p = Platform::on(db).await;
        one_need(&p).await;
        let mut secretariat = p.logged_in("secretariat").await;

        // All regions, each a link that opens its cercles; the cell's status is written, not only coloured.
        let page = secretariat.get("/gaps").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("data-testid=\"gap-matrix\""));
        assert!(page.body.contains("<caption>"));
        assert!(page.body.contains("href=\"/gaps?region=ML01&amp;"), "regions expand");
        assert!(page.body.contains("Logement"), "categories as columns");
        assert!(!page.body.contains("Bafoulabé (ML0101)"), "cercles only once their region is opened");
        let map = page.body.split("data-testid=\"gaps-map\"").nth(1).expect("the map of uncovered needs");
        let map = &map[..map.find("</figure>").unwrap()];
        assert!(map.contains("<svg") && map.contains("href=\"/gaps?region=ML01&amp;from="), "a region opens its cercles");
        let kayes = map.split("<title>Kayes").nth(1).expect("Kayes on the map");
        assert!(kayes.starts_with("\u{a0}: 1</title>"), "Kayes's one uncovered need");

        // Kayes opened on housing: Bafoulabé has one returnee in need, with its status spelled out.
        let page = secretariat.get("/gaps?region=ML01&category=housing").await;
        assert_eq!(page.status, StatusCode::OK);
        let row = page.body.split("Bafoulabé (ML0101)").nth(1).expect("the cercle's row");
        let cell = &row[..row.find("</tr>").unwrap()];
        assert!(cell.contains(">1 / "), "{cell}");
        assert!(
            cell.contains("Non couvert") || cell.contains("Capacité insuffisante") || cell.contains("Couvert"),
            "{cell}"
        );
        assert!(!cell.contains("gap-none"));

        // The API says the same.
        let token = p.token("secretariat").await.unwrap();
        let api = p.api("GET", "/api/v1/gaps?region=ML01&category=housing", Some(&token), None).await;
        assert_eq!(api.status, StatusCode::OK, "{}", api.body);
        let json = api.json();
        assert_eq!(json["categories"], serde_json::json!(["housing"]));
        let cercles = json["regions"][0]["cercles"].as_array().unwrap();
        let bafoulabe = cercles.iter().find(|c| c["pcode"] == "ML0101").unwrap();
        assert_eq!(bafoulabe["cells"][0]["needs"], 1);
        assert_ne!(bafoulabe["cells"][0]["status"], "no_need");
        assert_eq!(json["regions"][0]["pcode"], "ML01");

        // Wrong filters come back with their messages, status 422.
        let page = secretariat.get("/gaps?region=ML0101&from=2026-05-01&to=2026-01-01").await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("id=\"region-error\"") && page.body.contains("id=\"to-error\""), "{}", page.body);

        // The CSV: headers then HXL hashtags, one row per cercle and category.
        let csv = secretariat.get("/gaps.csv?region=ML01&category=housing").await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
        let lines: Vec<&str> = csv.body.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "Région (P-code),Cercle (P-code),Catégorie,Personnes ayant un besoin,Capacité mensuelle,Interventions en cours,Statut"
        );
        assert_eq!(lines[1], "#adm1+code,#adm2+code,#sector,#inneed,#capacity,#activity+num,#status");
        let bafoulabe = lines.iter().find(|l| l.starts_with("ML01,ML0101,housing,")).expect("Bafoulabé's row");
        assert!(bafoulabe.starts_with("ML01,ML0101,housing,1,"), "{bafoulabe}");
        let cercles = p.db.app.db.admin_units().await.unwrap().iter().filter(|u| u.parent_pcode.as_deref() == Some("ML01") && u.current).count();
        assert_eq!(lines.iter().filter(|l| l.starts_with("ML01,")).count(), cercles);
    }

    async fn observers_see_counts_but_never_a_name(db) {
        let p = Platform::on(db).await;
        one_need(&p).await;
        let mut observer = p.logged_in("ue.observateur").await;
        let page = observer.get("/gaps?region=ML01").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("href=\"/gaps\""), "listed in the navigation");
        assert!(!page.body.contains("Magassa") && !page.body.contains("Demba"));
        let csv = observer.get("/gaps.csv").await;
        assert!(!csv.body.contains("Magassa"));
        let openapi = p.api("GET", "/api/v1/openapi.json", None, None).await;
        assert!(openapi.body.contains("\"/api/v1/gaps\""));
    }
}
