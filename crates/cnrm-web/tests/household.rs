//! Households, follow-up contact outcomes and platform settings through the pages and the API, on
//! both backends.

mod support;

use axum::http::StatusCode;
use cnrm_app::{test_both_backends, testing, Actor};
use cnrm_domain::family::Relation;
use cnrm_domain::Role;
use cnrm_store::{CaseRecord, FamilyLink};
use serde_json::json;
use support::{Platform, Reply};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// A case registered by `username`: a forced return from Algeria through Gao, programme MPRR.
async fn register(p: &Platform, username: &str, family: &str, given: &str, sex: &str, arrived: &str) -> CaseRecord {
    let mut input = testing::registration(family, given, sex, "1990", arrived);
    input.person.intended_settlement = "ML0103".into();
    input.ret.returned_from = "DZ".into();
    input.ret.return_type = "forced".into();
    input.ret.point_of_arrival = "Gao".into();
    input.ret.programme = "MPRR".into();
    testing::register(&p.db, &p.actor(username).await, &input).await
}

/// A case worker of another case-holding organisation (CRM).
async fn red_cross_worker(p: &Platform) {
    p.add_account("crm.agent", Role::CaseWorker, "CRM", Some("Kayes")).await;
}

fn assert_field_error(reply: &Reply, field: &str) {
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    assert!(reply.body.contains(&format!("id=\"{field}-error\"")), "no message for {field}: {}", reply.body);
    assert!(reply.body.contains(&format!("aria-describedby=\"{field}-error")), "{field} not linked to its message");
}

test_both_backends! {
    async fn a_family_is_linked_and_unlinked_from_the_family_tab(db) {
        let p = Platform::on(db).await;
        red_cross_worker(&p).await;
        let father = register(&p, "oim.agent", "Diarra", "Seydou", "male", "2025-06-02").await;
        let daughter = register(&p, "oim.agent", "Diarra", "Kadiatou", "female", "2025-06-02").await;
        let elsewhere = register(&p, "crm.agent", "Diarra", "Oumou", "female", "2025-06-02").await;
        let mut agent = p.logged_in("oim.agent").await;

        let case_page = agent.get(&format!("/cases/{}", father.id)).await;
        assert!(case_page.body.contains(&format!("href=\"/cases/{}/family\"", father.id)) && case_page.body.contains(">Famille</a>"));
        let tab = agent.get(&format!("/cases/{}/family", father.id)).await;
        assert_eq!(tab.status, StatusCode::OK);
        assert!(tab.body.contains("aria-current=\"page\">Famille") && tab.body.contains("Aucun membre de la famille"));
        assert!(tab.body.contains(&format!("href=\"/cases/new?family_of={}\"", father.id)));

        // Another organisation's case is "not found", the typed number is kept.
        let path = format!("/cases/{}/family/links", father.id);
        let reply = agent.post(&path, &[("case_number", &elsewhere.case_number), ("relation", "child")]).await;
        assert_field_error(&reply, "case_number");
        assert!(reply.body.contains("Aucun dossier avec ce numéro") && reply.body.contains(&format!("value=\"{}\"", elsewhere.case_number)));
        let reply = agent.post(&path, &[("case_number", &father.case_number), ("relation", "child")]).await;
        assert_field_error(&reply, "case_number");
        assert!(reply.body.contains("ne peut pas être liée à elle-même"));
        let reply = agent.post(&path, &[("case_number", &daughter.case_number), ("relation", "")]).await;
        assert_field_error(&reply, "relation");

        let reply = agent.post(&path, &[("case_number", &daughter.case_number), ("relation", "child")]).await;
        assert_eq!(reply.location(), Some(format!("/cases/{}/family?msg=saved", father.id).as_str()), "{}", reply.body);
        let tab = agent.get(&format!("/cases/{}/family", father.id)).await;
        assert!(tab.body.contains("Diarra Kadiatou") && tab.body.contains("<td>Enfant</td>") && tab.body.contains(&format!("href=\"/cases/{}\"", daughter.id)));
        let other = agent.get(&format!("/cases/{}/family", daughter.id)).await;
        assert!(other.body.contains("Diarra Seydou") && other.body.contains("<td>Parent</td>"), "{}", other.body);
        let reply = agent.post(&format!("/cases/{}/family/links", daughter.id), &[("case_number", &father.case_number), ("relation", "parent")]).await;
        assert_field_error(&reply, "case_number");
        assert!(reply.body.contains("déjà liées"));

        let link = p.db.app.db.family_links_of_person(father.person_id).await.unwrap()[0].id;
        let reply = agent.post(&format!("/cases/{}/family/links/{link}/remove", daughter.id), &[]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert!(agent.get(&format!("/cases/{}/family", father.id)).await.body.contains("Aucun membre de la famille"));
        let actions: Vec<String> = p.audit_actions().await.into_iter().map(|(a, _)| a).collect();
        assert!(actions.contains(&"family.link".to_string()) && actions.contains(&"family.unlink".to_string()));

        // Outside the case's reach there is no family tab either.
        let mut partner = p.logged_in("anpe.focal").await;
        assert!(matches!(partner.get(&format!("/cases/{}/family", father.id)).await.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN));
    }

    async fn a_member_followed_elsewhere_has_no_name_on_the_tab_nor_in_the_api(db) {
        let p = Platform::on(db).await;
        red_cross_worker(&p).await;
        let mother = register(&p, "oim.agent", "Sissoko", "Hawa", "female", "2025-02-11").await;
        let son = register(&p, "crm.agent", "Sissoko", "Drissa", "male", "2025-02-11").await;
        let (id, now) = cnrm_store::new_id_and_time();
        let link = FamilyLink { id, person_a: mother.person_id, person_b: son.person_id, relation: Relation::Child, created_by: None, created_at: now };
        let event = Actor::console().event("family.link", "case", None, json!({}));
        p.db.app.db.insert_family_links(&[link], &event).await.unwrap();

        let mut agent = p.logged_in("oim.agent").await;
        let tab = agent.get(&format!("/cases/{}/family", mother.id)).await;
        assert!(tab.body.contains("Un membre de la famille suivi par CRM (Croix-Rouge malienne)"), "{}", tab.body);
        assert!(!tab.body.contains("Drissa") && !tab.body.contains(&son.case_number) && !tab.body.contains("<td>Enfant</td>"));

        let token = p.token("oim.agent").await.unwrap();
        let reply = p.api("GET", &format!("/api/v1/cases/{}/family-links", mother.id), Some(&token), None).await;
        assert_eq!(reply.status, StatusCode::OK);
        let members = reply.json();
        assert_eq!(members[0]["name"], serde_json::Value::Null);
        assert_eq!(members[0]["relation"], serde_json::Value::Null);
        assert_eq!(members[0]["followed_by"], json!([son.organisation_id]));
        assert!(!reply.body.contains("Drissa") && !reply.body.contains(&son.id.to_string()));
    }

    async fn a_family_member_is_registered_from_the_family_tab(db) {
        let p = Platform::on(db).await;
        let father = register(&p, "oim.agent", "Kanté", "Modibo", "male", "2025-05-20").await;
        let mut agent = p.logged_in("oim.agent").await;
        let form = agent.get(&format!("/cases/new?family_of={}", father.id)).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains(&format!("name=\"family_of\" value=\"{}\"", father.id)) && form.body.contains(&father.case_number));
        for prefilled in ["value=\"2025-05-20\"", "value=\"DZ\"", "value=\"forced\" selected", "value=\"Gao\"", "value=\"MPRR\"", "value=\"ML0103\" selected"] {
            assert!(form.body.contains(prefilled), "{prefilled} not prefilled");
        }
        let family_of = father.id.to_string();
        let mut fields = vec![
            ("family_name", "Kanté"), ("given_names", "Fanta"), ("sex", "female"), ("date_of_birth", "2012"),
            ("nationality", "ML"), ("arrival_date", "2025-05-20"), ("returned_from", "DZ"), ("return_type", "forced"),
            ("consent_method", "guardian"), ("confirm_new_person", "true"), ("family_of", family_of.as_str()),
        ];
        let reply = agent.post("/cases", &fields).await;
        assert_field_error(&reply, "family_relation");
        assert!(reply.body.contains(&format!("name=\"family_of\" value=\"{}\"", father.id)), "still a family registration");
        fields.push(("family_relation", "child"));
        let reply = agent.post("/cases", &fields).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let links = p.db.app.db.family_links_of_person(father.person_id).await.unwrap();
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].relation, Relation::Child);
        let tab = agent.get(&format!("/cases/{}/family", father.id)).await;
        assert!(tab.body.contains("Kanté Fanta") && tab.body.contains("<td>Enfant</td>"));
    }
}

/// A case with an agreed plan, hence follow-up tasks; returns it and its first follow-up task.
async fn followed_case(p: &Platform) -> (CaseRecord, Uuid) {
    let today = OffsetDateTime::now_utc().date();
    let worker = p.actor("oim.agent").await;
    let case = register(p, "oim.agent", "Camara", "Lassana", "male", &(today - Duration::days(120)).to_string()).await;
    let item = cnrm_app::plans::PlanItemInput {
        dimension: "economic".into(),
        assistance_type: "vocational_training".into(),
        level: "individual".into(),
        channel: "direct".into(),
        ..Default::default()
    };
    cnrm_app::plans::add_item(&p.db.app, &worker, case.id, &item).await.unwrap();
    let (plan, _) = cnrm_app::plans::of_case(&p.db.app, &worker, case.id).await.unwrap();
    let agreed = (today - Duration::days(100)).to_string();
    cnrm_app::plans::agree(&p.db.app, &worker, case.id, plan.unwrap().plan.version, &agreed).await.unwrap();
    let file = p.db.app.db.case_file(case.id).await.unwrap().unwrap();
    let first = file.tasks.iter().filter(|t| t.kind == "follow-up").min_by_key(|t| t.due_on).unwrap().id;
    (case, first)
}

test_both_backends! {
    async fn follow_up_outcomes_are_recorded_from_the_case_tasks(db) {
        let p = Platform::on(db).await;
        let (case, task) = followed_case(&p).await;
        let today = OffsetDateTime::now_utc().date();
        let mut agent = p.logged_in("oim.agent").await;
        let page = agent.get(&format!("/cases/{}", case.id)).await;
        let href = format!("/cases/{}/tasks/{task}/outcome", case.id);
        assert!(page.body.contains(&format!("href=\"{href}\"")) && page.body.contains("Enregistrer le résultat"));
        let form = agent.get(&href).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("value=\"home_visit\"") && form.body.contains("value=\"not_reached\"") && form.body.contains("value=\"14\""));

        let tomorrow = (today + Duration::days(1)).to_string();
        let reply = agent.post(&href, &[("contacted_on", &tomorrow), ("method", "phone"), ("reached", "false"), ("situation", "not_reached"), ("notes", "Messagerie"), ("reschedule_days", "14")]).await;
        assert_field_error(&reply, "contacted_on");
        assert!(reply.body.contains("dans le futur") && reply.body.contains("Messagerie") && reply.body.contains("value=\"not_reached\" selected"));
        let reply = agent.post(&href, &[("contacted_on", &today.to_string()), ("method", "phone"), ("reached", "true"), ("situation", "not_reached"), ("reschedule_days", "14")]).await;
        assert_field_error(&reply, "situation");

        let contacted = (today - Duration::days(1)).to_string();
        let reply = agent.post(&href, &[("contacted_on", &contacted), ("method", "phone"), ("reached", "false"), ("situation", "not_reached"), ("reschedule", "true"), ("reschedule_days", "10")]).await;
        assert_eq!(reply.location(), Some(format!("/cases/{}?msg=saved", case.id).as_str()), "{}", reply.body);
        let page = agent.get(&format!("/cases/{}", case.id)).await;
        assert!(page.body.contains("data-testid=\"task-outcome\"") && page.body.contains("(Téléphone) : Non joint(e)"), "{}", page.body);
        assert!(!page.body.contains(&format!("href=\"{href}\"")), "a done task takes no second outcome");
        let file = p.db.app.db.case_file(case.id).await.unwrap().unwrap();
        let next = today - Duration::days(1) + Duration::days(10);
        assert!(file.tasks.iter().any(|t| t.kind == "follow-up" && t.due_on == next && t.done_at.is_none()));
        assert!(file.tasks.iter().any(|t| t.id == task && t.done_at.is_some()));
        // A second post on the done task is refused.
        let again = agent.post(&href, &[("contacted_on", &contacted), ("method", "phone"), ("reached", "true"), ("situation", "stable")]).await;
        assert_eq!(again.status, StatusCode::CONFLICT);

        // The API records and shows outcomes the same way.
        let token = p.token("oim.agent").await.unwrap();
        let tasks = p.api("GET", &format!("/api/v1/cases/{}/tasks", case.id), Some(&token), None).await;
        assert_eq!(tasks.status, StatusCode::OK);
        let open: Vec<String> = tasks.json().as_array().unwrap().iter()
            .filter(|t| t["kind"] == "follow-up" && t["done_at"].is_null()).map(|t| t["id"].as_str().unwrap().to_string()).collect();
        assert_eq!(open.len(), 3);
        assert!(tasks.json().as_array().unwrap().iter().any(|t| t["outcome"]["situation"] == "not_reached"));
        let path = format!("/api/v1/cases/{}/tasks/{}/outcome", case.id, open[0]);
        let bad = p.api("POST", &path, Some(&token), Some(json!({ "contacted_on": tomorrow, "method": "phone", "reached": true, "situation": "stable" }))).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["errors"][0]["field"], "contacted_on");
        let ok = p.api("POST", &path, Some(&token), Some(json!({ "contacted_on": today.to_string(), "method": "home_visit", "reached": true, "situation": "progressing", "notes": "Atelier ouvert" }))).await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
        assert_eq!(ok.json()["outcome"]["method"], "home_visit");
        assert!(ok.json()["next_task"].is_null());
        let partner = p.token("anpe.focal").await.unwrap();
        assert_eq!(p.api("POST", &path, Some(&partner), Some(json!({}))).await.status, StatusCode::FORBIDDEN);
    }

    async fn administrators_choose_the_follow_up_offsets(db) {
        let p = Platform::on(db).await;
        let mut admin = p.logged_in("admin").await;
        let page = admin.get("/admin/settings").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("href=\"/admin/settings\"") && page.body.contains("value=\"3, 6, 12\"") && page.body.contains("data-testid=\"offsets-default\""));
        let reply = admin.post("/admin/settings", &[("offsets", "6, 3")]).await;
        assert_field_error(&reply, "offsets");
        assert!(reply.body.contains("strictement croissantes") && reply.body.contains("value=\"6, 3\""));
        let reply = admin.post("/admin/settings", &[("offsets", "2, 4")]).await;
        assert_eq!(reply.location(), Some("/admin/settings?msg=saved"));
        let page = admin.get("/admin/settings").await;
        assert!(page.body.contains("value=\"2, 4\"") && page.body.contains("Aminata Diallo") && !page.body.contains("offsets-default"));

        let mut agent = p.logged_in("oim.agent").await;
        assert!(!agent.get("/").await.body.contains("href=\"/admin/settings\""), "no link for those who may not");
        assert_eq!(agent.get("/admin/settings").await.status, StatusCode::FORBIDDEN);
        assert_eq!(agent.post("/admin/settings", &[("offsets", "1")]).await.status, StatusCode::FORBIDDEN);

        let token = p.token("admin").await.unwrap();
        let read = p.api("GET", "/api/v1/settings/follow-up-offsets", Some(&token), None).await;
        assert_eq!(read.json()["offsets"], json!([2, 4]));
        let bad = p.api("PUT", "/api/v1/settings/follow-up-offsets", Some(&token), Some(json!({ "offsets": [1, 2, 3, 4, 5, 6, 7] }))).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["errors"][0]["code"], "offsets-count");
        let put = p.api("PUT", "/api/v1/settings/follow-up-offsets", Some(&token), Some(json!({ "offsets": [1, 60] }))).await;
        assert_eq!((put.status, put.json()["offsets"].clone()), (StatusCode::OK, json!([1, 60])));
        let worker = p.token("oim.agent").await.unwrap();
        assert_eq!(p.api("PUT", "/api/v1/settings/follow-up-offsets", Some(&worker), Some(json!({ "offsets": [1] }))).await.status, StatusCode::FORBIDDEN);

        // The next plan agreed follows the new offsets.
        let (case, _) = followed_case(&p).await;
        let file = p.db.app.db.case_file(case.id).await.unwrap().unwrap();
        assert_eq!(file.tasks.iter().filter(|t| t.kind == "follow-up").count(), 2);
        let actions: Vec<String> = p.audit_actions().await.into_iter().map(|(a, _)| a).collect();
        assert_eq!(actions.iter().filter(|a| *a == "settings.update").count(), 2);
    }

    async fn family_links_through_the_api(db) {
        let p = Platform::on(db).await;
        let husband = register(&p, "oim.agent", "Traoré", "Issa", "male", "2025-04-01").await;
        let wife = register(&p, "oim.agent", "Traoré", "Rokia", "female", "2025-04-01").await;
        let token = p.token("oim.agent").await.unwrap();
        let path = format!("/api/v1/cases/{}/family-links", husband.id);
        let bad = p.api("POST", &path, Some(&token), Some(json!({ "case_number": "OIM-2025-999999", "relation": "spouse" }))).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["errors"][0]["code"], "family-case-not-found");
        let created = p.api("POST", &path, Some(&token), Some(json!({ "case_number": wife.case_number, "relation": "spouse" }))).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let link = created.json()["id"].as_str().unwrap().to_string();
        let listed = p.api("GET", &format!("/api/v1/cases/{}/family-links", wife.id), Some(&token), None).await.json();
        assert_eq!((listed[0]["relation"].clone(), listed[0]["name"].clone()), (json!("spouse"), json!("Traoré Issa")));
        let duplicate = p.api("POST", &path, Some(&token), Some(json!({ "case_number": wife.case_number, "relation": "sibling" }))).await;
        assert_eq!(duplicate.json()["errors"][0]["code"], "family-already-linked");
        let partner = p.token("anpe.focal").await.unwrap();
        assert_eq!(p.api("GET", &path, Some(&partner), None).await.status, StatusCode::FORBIDDEN);
        let removed = p.api("POST", &format!("{path}/{link}/remove"), Some(&token), None).await;
        assert_eq!(removed.status, StatusCode::NO_CONTENT);
        assert_eq!(p.api("GET", &path, Some(&token), None).await.json(), json!([]));

        let spec = p.api("GET", "/api/v1/openapi.json", None, None).await.json();
        for path in ["/api/v1/cases/{id}/family-links", "/api/v1/cases/{id}/family-links/{link}/remove", "/api/v1/cases/{id}/tasks/{task_id}/outcome", "/api/v1/settings/follow-up-offsets"] {
            assert!(spec["paths"][path].is_object(), "{path} not in the OpenAPI document");
        }
    }
}
