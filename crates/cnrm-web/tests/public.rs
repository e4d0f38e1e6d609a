//! The public page, on both backends: served without login, small counts hidden (with a complement),
//! no name ever shown, kept between data changes and recomputed after one, and switched off by an
//! administrator only.

mod support;

use axum::http::StatusCode;
use cnrm_app::public;
use cnrm_app::test_both_backends;
use cnrm_app::testing;
use cnrm_domain::disclosure::Cell;
use support::Platform;

/// Family names distinct enough that no registration is taken for another's duplicate.
const FAMILIES: [&str; 10] =
    ["Sissoko", "Diakité", "Kouyaté", "Dembélé", "Sangaré", "Bagayoko", "Doumbia", "Fofana", "Guindo", "Tangara"];

/// Registers returnees settled in `cercle`, one per given name (all different people).
async fn settle(p: &Platform, cercle: &str, given: &[&str]) {
    let agent = p.actor("oim.agent").await;
    for name in given {
        let k = name.bytes().map(usize::from).sum::<usize>();
        let born = (1970 + k % 30).to_string();
        let mut input = testing::registration(FAMILIES[k % FAMILIES.len()], name, "male", &born, "2026-01-10");
        input.person.intended_settlement = cercle.into();
        testing::register(&p.db, &agent, &input).await;
    }
}

fn region<'a>(f: &'a public::PublicFigures, pcode: &str) -> &'a public::RegionFigures {
    f.regions.iter().find(|r| r.pcode == pcode).unwrap_or_else(|| panic!("no region {pcode}"))
}

test_both_backends! {
    async fn anyone_reads_protected_figures_without_logging_in(db) {
        let p = Platform::on(db).await;
        // Kayes (ML01): 7 returnees; Ségou (ML04): 2. Ségou is hidden for itself, and one more entry of
        // the list with it, so that it cannot be worked out from the national total.
        settle(&p, "ML0101", &["Adama", "Bakary", "Cheick", "Daouda", "Fousseyni", "Gaoussou", "Hamidou"]).await;
        settle(&p, "ML0401", &["Issa", "Karim"]).await;

        let f = public::figures(&p.db.app).await.unwrap();
        assert_eq!(region(&f, "ML04").registered, Cell::Suppressed, "2 is below 5");
        let hidden = f.regions.iter().filter(|r| r.registered.is_suppressed()).count()
            + usize::from(f.registered_unknown_region.is_suppressed())
            + usize::from(f.registered.is_suppressed());
        assert!(hidden >= 2, "a lone hidden count would be recovered from the total");
        assert_eq!(region(&f, "ML02").registered, Cell::Shown(0), "true zeros are shown");
        assert_eq!(f.by_sex.rows.iter().find(|(k, _)| k == "male").map(|(_, c)| *c), Some(Cell::Shown(9)));

        let mut visitor = p.client();
        let page = visitor.get("/public").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("data-testid=\"public-map\""), "the map is drawn");
        assert!(page.body.contains("&lt; 5") || page.body.contains("< 5"), "hidden counts are written < 5");
        assert!(!FAMILIES.iter().any(|f| page.body.contains(f)) && !page.body.contains("Adama"), "no name on the public page");

        // English on request.
        let english = visitor.post("/locale", &[("locale", "en"), ("next", "/public")]).await;
        assert!(english.status.is_redirection());
        assert!(visitor.get("/public").await.body.contains("Reintegration in figures"));
    }

    async fn the_figures_are_kept_until_the_data_change(db) {
        let p = Platform::on(db).await;
        settle(&p, "ML0101", &["Adama", "Bakary", "Cheick", "Daouda", "Fousseyni"]).await;
        let first = public::figures(&p.db.app).await.unwrap();
        let again = public::figures(&p.db.app).await.unwrap();
        assert!(std::sync::Arc::ptr_eq(&first, &again), "nothing changed: the same figures are served");
        assert_eq!(region(&first, "ML01").registered, Cell::Shown(5));

        settle(&p, "ML0101", &["Gaoussou"]).await;
        let after = public::figures(&p.db.app).await.unwrap();
        assert_eq!(region(&after, "ML01").registered, Cell::Shown(6), "a registration refreshes the page");
    }

    async fn only_an_administrator_switches_the_page_off(db) {
        let p = Platform::on(db).await;
        let mut worker = p.logged_in("oim.agent").await;
        assert_eq!(worker.get("/work").await.status, StatusCode::OK);
        let refused = worker.post("/admin/settings/public-page", &[]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(p.client().get("/public").await.status, StatusCode::OK, "still served");
        assert!(p.client().get("/login").await.body.contains("href=\"/public\""), "linked from the login page");

        let mut admin = p.logged_in("admin").await;
        let settings = admin.get("/admin/settings").await;
        assert!(settings.body.contains("data-testid=\"public-page-enabled\" checked"), "on by default");
        let saved = admin.post("/admin/settings/public-page", &[]).await;
        assert!(saved.status.is_redirection(), "{}", saved.body);
        assert_eq!(p.client().get("/public").await.status, StatusCode::NOT_FOUND, "switched off");
        assert!(!p.client().get("/login").await.body.contains("href=\"/public\""), "and no longer linked");
        assert!(p.audit_actions().await.iter().any(|(action, _)| action == "settings.update"));

        let saved = admin.post("/admin/settings/public-page", &[("enabled", "on")]).await;
        assert!(saved.status.is_redirection());
        assert_eq!(p.client().get("/public").await.status, StatusCode::OK, "switched on again");
    }
}
