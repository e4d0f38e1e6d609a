//! Reintegration plans through the case page, and "My work", on both backends: the case worker
//! writes the plan and records when the returnee agreed to it, a case manager who did not write it
//! approves it from their work queue, the worker starts and delivers the assistance.

mod support;

use axum::http::StatusCode;
use cnrm_app::test_both_backends;
use cnrm_domain::lifecycle::plan::PlanItemStatus;
use support::{case_id_of, form, today, today_fr, version_in, Client, Platform, Reply};
use uuid::Uuid;

fn registration() -> Vec<(&'static str, &'static str)> {
    vec![
        ("family_name", "Coulibaly"),
        ("given_names", "Moussa"),
        ("sex", "male"),
        ("date_of_birth", "03/02/1993"),
        ("nationality", "ML"),
        ("phones", "76 55 44 33"),
        ("arrival_date", "2025-03-18"),
        ("returned_from", "LY"),
        ("return_type", "avr"),
        ("consent_method", "written"),
    ]
}

async fn items_of(p: &Platform, case: Uuid) -> Vec<cnrm_store::PlanItem> {
    p.db.app.db.plan_of_case(case).await.unwrap().map(|f| f.items).unwrap_or_default()
}

/// Posts an action on a plan item from the case page, as its form does.
async fn act(client: &mut Client, case: Uuid, item: Uuid, fields: &[(&str, &str)]) -> Reply {
    let page = client.get(&format!("/cases/{case}")).await.body;
    let path = format!("/cases/{case}/plan/items/{item}/action");
    let version = version_in(&page, &path);
    let mut all = fields.to_vec();
    all.push(("version", &version));
    client.post(&path, &all).await
}

test_both_backends! {
    async fn a_plan_is_written_agreed_approved_by_another_manager_and_delivered(db) {
        let p = Platform::on(db).await;
        let mut agent = p.logged_in("oim.agent").await;
        let case = case_id_of(&agent.register(&registration()).await);
        let case_page = format!("/cases/{case}");
        let anpe = p.org_id("ANPE").await.to_string();

        // No plan yet: the month since arrival is over, the form to add an assistance is there.
        let page = agent.get(&case_page).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Plan de réintégration") && page.body.contains("Plan en retard (délai d&#39;un mois dépassé)")
            || page.body.contains("Plan en retard (délai d'un mois dépassé)"), "{}", page.body);
        let adding = form(&page.body, &format!("/cases/{case}/plan/items"));
        assert!(adding.contains("name=\"_csrf\"") && adding.contains("value=\"vocational_training\"") && adding.contains(&format!("value=\"{anpe}\"")));
        assert!(!page.body.contains("/plan/agree\""), "nothing to agree to yet");

        // An incomplete or wrong item comes back with messages next to its fields, typed values kept.
        let path = format!("/cases/{case}/plan/items");
        let reply = agent.post(&path, &[("dimension", "economic"), ("assistance_type", ""), ("level", "individual"), ("channel", "referral"),
            ("provider_organisation_id", ""), ("description", "Formation en mécanique"), ("budget_xof", "350.000"), ("start_on", ""), ("end_on", "")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        for field in ["assistance_type", "budget_xof"] {
            assert!(reply.body.contains(&format!("id=\"{field}-error\"")), "no message for {field}");
            assert!(reply.body.contains(&format!("aria-describedby=\"{field}-error")), "{field} not linked to its message");
        }
        assert!(reply.body.contains("Formation en mécanique") && reply.body.contains("value=\"economic\" selected") && reply.body.contains("value=\"350.000\""));
        assert!(items_of(&p, case).await.is_empty());

        // A good one is added.
        let reply = agent.post(&path, &[("dimension", "economic"), ("assistance_type", "vocational_training"), ("level", "individual"), ("channel", "referral"),
            ("provider_organisation_id", &anpe), ("description", "Formation en mécanique"), ("budget_xof", "350 000"), ("start_on", ""), ("end_on", "")]).await;
        assert_eq!(reply.location(), Some(format!("/cases/{case}?msg=saved").as_str()), "{}", reply.body);
        let items = items_of(&p, case).await;
        assert_eq!(items.len(), 1);
        let item = items[0].id;
        assert_eq!((items[0].budget_xof, items[0].status), (350_000, PlanItemStatus::Planned));
        let page = agent.get(&case_page).await;
        assert!(page.body.contains("350 000 F CFA") && page.body.contains("Prévue") && page.body.contains("Formation en mécanique"));
        assert!(page.body.contains("Plan non approuvé"));
        // The worker may not approve: no button, and refused when posting anyway.
        assert!(!page.body.contains("/plan/approve\""), "the worker sees no approve button");
        assert!(page.body.contains(&format!("<option value=\"{item}\">")), "the item may be chosen for a referral");
        assert!(!form(&page.body, &format!("/cases/{case}/plan/items/{item}/action")).contains("value=\"start\""), "not approved yet");
        let plan_version = version_in(&page.body, &format!("/cases/{case}/plan/agree"));
        let reply = agent.post(&format!("/cases/{case}/plan/approve"), &[("version", &plan_version)]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);

        // The agreement date: not before arrival; then today (late: the month is over).
        agent.get(&case_page).await;
        let reply = agent.post(&format!("/cases/{case}/plan/agree"), &[("version", &plan_version), ("agreed_on", "2025-01-01")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"agreed_on-error\"") && reply.body.contains("value=\"2025-01-01\""));
        let reply = agent.post(&format!("/cases/{case}/plan/agree"), &[("version", &plan_version), ("agreed_on", &today())]).await;
        assert_eq!(reply.location(), Some(format!("/cases/{case}?msg=saved").as_str()), "{}", reply.body);
        let page = agent.get(&case_page).await;
        assert!(page.body.contains(&today_fr()) && page.body.contains("Plan convenu après le délai d&#39;un mois")
            || page.body.contains("Plan convenu après le délai d'un mois"));

        // The manager finds the plan in their work and approves it.
        let mut manager = p.logged_in("oim.gestion").await;
        let work = manager.get("/work").await;
        assert_eq!(work.status, StatusCode::OK);
        assert!(work.body.contains("Plans à approuver") && work.body.contains(&format!("href=\"/cases/{case}#plan-title\"")), "{}", work.body);
        assert!(manager.get("/").await.body.contains("href=\"/work\""));
        let page = manager.get(&case_page).await;
        let approving = form(&page.body, &format!("/cases/{case}/plan/approve"));
        assert!(approving.contains("Approuver le plan") && approving.contains("name=\"_csrf\""));
        let version = version_in(&page.body, &format!("/cases/{case}/plan/approve"));
        let reply = manager.post(&format!("/cases/{case}/plan/approve"), &[("version", &version)]).await;
        assert_eq!(reply.location(), Some(format!("/cases/{case}?msg=saved").as_str()), "{}", reply.body);
        assert_eq!(items_of(&p, case).await[0].status, PlanItemStatus::Approved);
        assert!(!manager.get("/work").await.body.contains(&format!("href=\"/cases/{case}#plan-title\"")), "no longer waiting");

        // The worker sees who approved it, starts and delivers it (more than budgeted).
        let page = agent.get(&case_page).await;
        assert!(page.body.contains("Approuvé par") && page.body.contains("Approuvée"));
        let old_version = version_in(&page.body, &format!("/cases/{case}/plan/items/{item}/action"));
        assert_eq!(act(&mut agent, case, item, &[("action", "start")]).await.status, StatusCode::SEE_OTHER);
        let page = agent.get(&case_page).await;
        assert!(page.body.contains("En cours") && form(&page.body, &format!("/cases/{case}/plan/items/{item}/action")).contains("value=\"deliver\""));
        // A form from before the start is stale: refused with a message, nothing changed.
        let stale = agent.post(&format!("/cases/{case}/plan/items/{item}/action"), &[("action", "deliver"), ("spent_xof", "1"), ("version", &old_version)]).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.body.contains("role=\"alert\""));
        assert_eq!(items_of(&p, case).await[0].status, PlanItemStatus::InProgress);
        // A wrong amount comes back next to its field.
        let reply = act(&mut agent, case, item, &[("action", "deliver"), ("spent_xof", "12,5")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains(&format!("id=\"spent-{item}-error\"")) && reply.body.contains("value=\"12,5\""));
        let reply = act(&mut agent, case, item, &[("action", "deliver"), ("spent_xof", "400 000")]).await;
        assert_eq!(reply.location(), Some(format!("/cases/{case}?msg=saved").as_str()), "{}", reply.body);
        let done = &items_of(&p, case).await[0];
        assert_eq!((done.status, done.spent_xof), (PlanItemStatus::Delivered, 400_000));
        let page = agent.get(&case_page).await;
        assert!(page.body.contains("400 000 F CFA") && page.body.contains("Réalisée") && page.body.contains("dépassement"));
        assert!(page.body.contains("Assistance réalisée"), "in the history");
    }

    async fn my_work_shows_my_cases_and_referrals_waiting_for_my_organisation(db) {
        let p = Platform::on(db).await;
        let mut agent = p.logged_in("oim.agent").await;
        let case = case_id_of(&agent.register(&registration()).await);
        let work = agent.get("/work").await;
        assert_eq!(work.status, StatusCode::OK);
        assert!(work.body.contains("Mes dossiers ouverts") && work.body.contains(&format!("href=\"/cases/{case}\"")) && work.body.contains("Coulibaly Moussa"));
        assert!(!work.body.contains("Plans à approuver"), "a worker approves no plans");
        let nav = work.body.find("href=\"/work\"").expect("in the navigation");
        assert!(work.body.find("href=\"/cases\"").unwrap() > nav, "right after the home page");

        let mut partner = p.logged_in("anpe.focal").await;
        let work = partner.get("/work").await;
        assert!(work.body.contains("Orientations reçues en attente de réponse") && work.body.contains("Rien en attente."));
        assert!(!work.body.contains("Mes dossiers ouverts"));
    }
}
