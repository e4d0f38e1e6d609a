//! Collective projects through the pages and the API, on both backends: a case manager records a
//! cooperative, adds members by case number with the plan item funding their share, moves it along;
//! a case worker of another team sees the member they follow, and only counts the others.

mod support;

use axum::http::StatusCode;
use cnrm_app::plans::{self, PlanItemInput};
use cnrm_app::{test_both_backends, testing};
use cnrm_domain::Role;
use serde_json::json;
use support::{version_in, Client, Platform, Reply};
use uuid::Uuid;

/// A case registered by `by`; returns its id and number.
async fn case(p: &Platform, by: &str, family: &str) -> (Uuid, String) {
    let input = testing::registration(family, "Seydou", "male", "1992", "2025-09-10");
    let case = testing::register(&p.db, &p.actor(by).await, &input).await;
    (case.id, case.case_number)
}

async fn collective_item(p: &Platform, by: &str, case_id: Uuid, level: &str, budget: &str) -> Uuid {
    let input = PlanItemInput {
        dimension: "economic".into(),
        assistance_type: "collective_business".into(),
        level: level.into(),
        channel: "direct".into(),
        budget_xof: budget.into(),
        ..Default::default()
    };
    plans::add_item(&p.db.app, &p.actor(by).await, case_id, &input).await.unwrap().id
}

fn project_form(name: &str, budget: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", name.to_string()),
        ("level", "collective".into()),
        ("sector", "tailoring".into()),
        ("location", "ML0901".into()),
        ("description", "Atelier de couture et de teinture".into()),
        ("budget_xof", budget.to_string()),
        ("start_on", "2026-03-01".into()),
    ]
}

async fn post(client: &mut Client, path: &str, fields: &[(&str, String)]) -> Reply {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    client.post(path, &fields).await
}

fn project_id_of(reply: &Reply) -> Uuid {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let location = reply.location().unwrap();
    let id = location.strip_prefix("/projects/").and_then(|r| r.split('?').next()).expect("a project page");
    Uuid::parse_str(id).unwrap()
}

test_both_backends! {
    async fn a_cooperative_is_recorded_its_members_added_and_it_moves_along(db) {
        let p = Platform::on(db).await;
        p.add_account("oim.gao", Role::CaseWorker, "OIM", Some("Gao")).await;
        let (kayes_case, kayes_number) = case(&p, "oim.agent", "Kanté").await;
        let (gao_case, gao_number) = case(&p, "oim.gao", "Touré").await;
        let (other_case, _) = case(&p, "oim.agent", "Sacko").await;
        let kayes_share = collective_item(&p, "oim.agent", kayes_case, "collective", "600 000").await;
        let gao_share = collective_item(&p, "oim.gao", gao_case, "community", "400 000").await;
        let not_theirs = collective_item(&p, "oim.agent", other_case, "collective", "100 000").await;

        // The navigation leads case managers and workers to the projects, not partners.
        let mut manager = p.logged_in("oim.gestion").await;
        let home = manager.get("/").await;
        assert!(home.body.contains("href=\"/projects\""));
        let mut partner = p.logged_in("anpe.focal").await;
        assert!(!partner.get("/").await.body.contains("href=\"/projects\""));
        assert_eq!(partner.get("/projects").await.status, StatusCode::FORBIDDEN);

        // An incomplete project comes back with its messages next to the fields, typed values kept.
        let list = manager.get("/projects").await;
        assert!(list.body.contains("Projets collectifs") && list.body.contains("href=\"/projects/new\""));
        manager.get("/projects/new").await;
        let mut bad = project_form("Atelier des rapatriées", "2,5 millions");
        bad[1].1 = "individual".into();
        let reply = post(&mut manager, "/projects", &bad).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        for field in ["level", "budget_xof"] {
            assert!(reply.body.contains(&format!("id=\"{field}-error\"")), "no message for {field}");
        }
        assert!(reply.body.contains("Un projet est collectif ou communautaire."));
        assert!(reply.body.contains("value=\"Atelier des rapatriées\"") && reply.body.contains("value=\"2,5 millions\""));
        assert!(reply.body.contains("value=\"tailoring\" selected") && reply.body.contains("value=\"ML0901\" selected"));

        let reply = post(&mut manager, "/projects", &project_form("Atelier des rapatriées", "2 000 000")).await;
        let id = project_id_of(&reply);
        let page_path = format!("/projects/{id}");
        let page = manager.get(&page_path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Atelier des rapatriées") && page.body.contains("Couture et teinture") && page.body.contains("Prévu"));
        assert!(page.body.contains("2 000 000 F CFA"));
        assert!(page.body.contains(&format!("<option value=\"{kayes_share}\">")), "the shares may be chosen");

        // Members by case number, with the item of their own plan; errors next to their fields.
        let members = format!("/projects/{id}/members");
        let reply = post(&mut manager, &members, &[("case_number", kayes_number.clone()), ("plan_item_id", not_theirs.to_string())]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"plan_item_id-error\"") && reply.body.contains("Choisissez une assistance du plan de ce dossier."));
        assert!(reply.body.contains(&format!("value=\"{kayes_number}\"")), "the typed number is kept");
        let reply = post(&mut manager, &members, &[("case_number", "OIM-1999-000001".into()), ("plan_item_id", String::new())]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"case_number-error\""));
        for (number, share) in [(&kayes_number, kayes_share), (&gao_number, gao_share)] {
            let reply = post(&mut manager, &members, &[("case_number", number.clone()), ("plan_item_id", share.to_string())]).await;
            assert_eq!(reply.location(), Some(format!("/projects/{id}?msg=saved").as_str()), "{}", reply.body);
        }
        let reply = post(&mut manager, &members, &[("case_number", kayes_number.clone()), ("plan_item_id", String::new())]).await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert!(reply.body.contains("Ce dossier est déjà membre du projet."));
        let page = manager.get(&page_path).await;
        assert!(page.body.contains(&format!("href=\"/cases/{kayes_case}\"")) && page.body.contains(&format!("href=\"/cases/{gao_case}\"")));
        assert!(page.body.contains("1 000 000 F CFA"), "the shares add up next to the budget");
        assert!(!page.body.contains("data-testid=\"other-members\""));

        // A case worker of the Kayes team sees their member; the Gao member is counted, not named.
        let mut worker = p.logged_in("oim.agent").await;
        let seen = worker.get(&page_path).await;
        assert_eq!(seen.status, StatusCode::OK);
        assert!(seen.body.contains(&kayes_number) && seen.body.contains("Kanté Seydou"));
        assert!(!seen.body.contains(&gao_number) && !seen.body.contains("Touré") && !seen.body.contains(&gao_case.to_string()));
        assert!(seen.body.contains("Autres membres, dont vous ne voyez pas le dossier : 1"));
        assert!(!seen.body.contains(&format!("action=\"/projects/{id}/members\"")), "workers do not change members");
        assert_eq!(worker.post(&members, &[("case_number", &kayes_number)]).await.status, StatusCode::FORBIDDEN);
        // The case page lists the project; its history says the case joined.
        let case_page = worker.get(&format!("/cases/{kayes_case}")).await;
        assert!(case_page.body.contains("data-testid=\"case-projects\"") && case_page.body.contains(&format!("href=\"/projects/{id}\"")));
        assert!(case_page.body.contains("Ajouté à un projet collectif"));

        // Edits need the version that was read: a second, older form is refused, its text kept.
        let edit = manager.get(&format!("/projects/{id}/edit")).await;
        assert_eq!(edit.status, StatusCode::OK);
        let version = version_in(&edit.body, &page_path);
        let mut renamed = project_form("Atelier couture de Gao", "2 200 000");
        renamed.push(("version", version.clone()));
        let reply = post(&mut manager, &page_path, &renamed).await;
        assert_eq!(reply.location(), Some(format!("/projects/{id}?msg=saved").as_str()), "{}", reply.body);
        let mut late = project_form("Atelier de la concurrence", "1 000 000");
        late.push(("version", version));
        let reply = post(&mut manager, &page_path, &late).await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert!(reply.body.contains("Quelqu&#39;un a enregistré ce projet") || reply.body.contains("Quelqu'un a enregistré ce projet"));
        assert!(reply.body.contains("value=\"Atelier de la concurrence\""));
        assert!(manager.get(&page_path).await.body.contains("Atelier couture de Gao"));

        // Start it; a cancellation needs its reason; removing a member.
        let page = manager.get(&page_path).await.body;
        let version = version_in(&page, &format!("/projects/{id}/action"));
        let reply = manager.post(&format!("/projects/{id}/action"), &[("action", "start"), ("version", &version)]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let page = manager.get(&page_path).await.body;
        assert!(page.contains("data-testid=\"project-status\">En cours"));
        let version = version_in(&page, &format!("/projects/{id}/action"));
        let reply = manager.post(&format!("/projects/{id}/action"), &[("action", "cancel"), ("reason", " "), ("version", &version)]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"reason-error\""));
        let reply = manager.post(&format!("/projects/{id}/members/{gao_case}/remove"), &[]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        let page = manager.get(&page_path).await.body;
        assert!(!page.contains(&format!("href=\"/cases/{gao_case}\"")) && page.contains("600 000 F CFA"));
        assert!(page.contains(&format!("<option value=\"{gao_share}\">")), "its share may be linked again");
        let actions: Vec<String> = p.audit_actions().await.into_iter().map(|(a, _)| a).filter(|a| a.starts_with("project.")).collect();
        for action in ["project.create", "project.member_add", "project.update", "project.start", "project.member_remove"] {
            assert!(actions.iter().any(|a| a == action), "{action} not audited: {actions:?}");
        }

        // The list filters by status.
        let list = manager.get("/projects?status=active").await;
        assert!(list.body.contains("Atelier couture de Gao"));
        assert!(!manager.get("/projects?status=completed").await.body.contains("Atelier couture de Gao"));
    }

    async fn the_api_offers_the_same_services(db) {
        let p = Platform::on(db).await;
        let (case_id, _) = case(&p, "oim.agent", "Bagayoko").await;
        let share = collective_item(&p, "oim.agent", case_id, "collective", "750 000").await;
        let individual = collective_item(&p, "oim.agent", case_id, "individual", "50 000").await;
        let manager = p.token("oim.gestion").await.unwrap();
        let worker = p.token("oim.agent").await.unwrap();
        let body = json!({ "name": "Coopérative de pêche de Mopti", "level": "community", "sector": "fishing",
            "location": "ML05", "budget_xof": "4 000 000" });
        let reply = p.api("POST", "/api/v1/projects", Some(&worker), Some(body.clone())).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        let reply = p.api("POST", "/api/v1/projects", Some(&manager), Some(json!({ "name": "x", "level": "individual" }))).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.json()["code"], "invalid_input");
        let reply = p.api("POST", "/api/v1/projects", Some(&manager), Some(body.clone())).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let project = reply.json();
        let id = project["id"].as_str().unwrap().to_string();
        assert_eq!((project["status"].as_str(), project["budget_xof"].as_i64()), (Some("planned"), Some(4_000_000)));

        let listed = p.api("GET", "/api/v1/projects?status=planned", Some(&worker), None).await.json();
        assert_eq!(listed["total"], 1);
        assert_eq!(listed["items"][0]["member_count"], 0);
        assert_eq!(p.api("GET", "/api/v1/projects?status=active", Some(&worker), None).await.json()["total"], 0);

        let members = format!("/api/v1/projects/{id}/members");
        let reply = p.api("POST", &members, Some(&manager), Some(json!({ "case_id": case_id, "plan_item_id": individual }))).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.json()["errors"][0]["field"], "plan_item_id");
        let reply = p.api("POST", &members, Some(&manager), Some(json!({ "case_id": case_id, "plan_item_id": share }))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let view = reply.json();
        assert_eq!(view["members"][0]["case_id"], case_id.to_string());
        assert_eq!((view["shares_xof"].as_i64(), view["other_members"].as_i64()), (Some(750_000), Some(0)));
        let reply = p.api("POST", &members, Some(&manager), Some(json!({ "case_id": case_id }))).await;
        assert_eq!((reply.status, reply.json()["code"].as_str()), (StatusCode::CONFLICT, Some("refused")));
        let unknown = p.api("POST", &members, Some(&manager), Some(json!({ "case_id": Uuid::now_v7() }))).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);

        // Optimistic locking on PUT.
        let path = format!("/api/v1/projects/{id}");
        let mut update = body.clone();
        update["name"] = json!("Coopérative de pêche de Mopti-Sévaré");
        update["version"] = json!(1);
        let reply = p.api("PUT", &path, Some(&manager), Some(update.clone())).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.json()["version"], 2);
        let reply = p.api("PUT", &path, Some(&manager), Some(update)).await;
        assert_eq!((reply.status, reply.json()["code"].as_str()), (StatusCode::CONFLICT, Some("stale")));

        let reply = p.api("POST", &format!("{path}/action"), Some(&manager), Some(json!({ "action": "start", "version": 2 }))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.json()["status"], "active");
        let reply = p.api("GET", &path, Some(&worker), None).await;
        assert_eq!(reply.json()["may_change"], false);
        assert_eq!(reply.json()["members"][0]["name"], "Bagayoko Seydou");
        let reply = p.api("POST", &format!("{path}/members/{case_id}/remove"), Some(&manager), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.json()["members"].as_array().unwrap().len(), 0);

        // Another organisation does not find it; the OpenAPI document lists the endpoints.
        assert_eq!(p.api("GET", &path, Some(&p.token("anpe.focal").await.unwrap()), None).await.status, StatusCode::FORBIDDEN);
        let spec = p.api("GET", "/api/v1/openapi.json", None, None).await.json();
        for endpoint in ["/api/v1/projects", "/api/v1/projects/{id}", "/api/v1/projects/{id}/members",
            "/api/v1/projects/{id}/members/{case_id}/remove", "/api/v1/projects/{id}/action"] {
            assert!(spec["paths"][endpoint].is_object(), "{endpoint} not documented");
        }
        assert!(spec["paths"]["/api/v1/projects/{id}"]["put"].is_object());
    }
}

#[test]
fn every_project_value_is_labelled_in_both_languages() {
    for locale in cnrm_domain::Locale::ALL {
        let tr = cnrm_web::i18n::Tr::new(locale);
        let keys = cnrm_domain::project::ProjectStatus::ALL
            .iter()
            .map(|s| s.label_key())
            .chain(cnrm_domain::project::Sector::ALL.iter().map(|s| s.label_key()));
        for key in keys {
            assert_ne!(tr.t(&key), key, "{key} in {locale:?}");
        }
    }
}
