//! Identity resolution through the pages and the API, on both backends: the match panel at
//! registration (same organisation: the case; elsewhere: only where and the assistance given there,
//! and a way to ask), contact requests in the receiving organisation's work queue, the data
//! steward's review queue with decisions and splits, and linked records on the case page.

mod support;

use axum::http::StatusCode;
use cnrm_app::identity;
use cnrm_app::plans::{self, PlanItemInput};
use cnrm_app::test_both_backends;
use cnrm_domain::Role;
use support::{case_id_of, form, version_in, Platform};
use uuid::Uuid;

fn registration(family: &'static str, given: &'static str, phone: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("family_name", family),
        ("given_names", given),
        ("sex", "male"),
        ("date_of_birth", "09/04/1988"),
        ("nationality", "ML"),
        ("phones", phone),
        ("arrival_date", "2025-03-18"),
        ("returned_from", "LY"),
        ("return_type", "avr"),
        ("consent_method", "written"),
    ]
}

/// The match panel of a registration page.
fn panel(body: &str) -> &str {
    let start = body.find("data-testid=\"possible-matches\"").unwrap_or_else(|| panic!("no match panel: {body}"));
    let end = body[start..].find("</section>").map_or(body.len(), |e| start + e);
    &body[start..end]
}

fn confirmed(fields: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut all = fields.to_vec();
    all.push(("confirm_new_person", "true"));
    all
}

/// The first `href="…"` in `html` that starts with `prefix`, unescaped.
fn href(html: &str, prefix: &str) -> String {
    let marker = format!("href=\"{prefix}");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no link {prefix} in {html}")) + 6;
    html[start..].split('"').next().unwrap().replace("&amp;", "&").replace("&#38;", "&")
}

test_both_backends! {
    async fn registration_shows_matches_by_organisation_and_asks_the_other(db) {
        let p = Platform::on(db).await;
        let mut agent = p.logged_in("oim.agent").await;
        let case = case_id_of(&agent.register(&registration("Tapily", "Sékou", "76 41 22 90")).await);
        let number = p.db.app.db.case_file(case).await.unwrap().unwrap().case.case_number;
        let item = PlanItemInput {
            dimension: "economic".into(),
            assistance_type: "vocational_training".into(),
            level: "individual".into(),
            channel: "referral".into(),
            description: "Formation en soudure".into(),
            budget_xof: "200 000".into(),
            ..Default::default()
        };
        plans::add_item(&p.db.app, &p.actor("oim.agent").await, case, &item).await.unwrap();

        // Same organisation: the case, with its number, the name and the reasons.
        let mut manager = p.logged_in("oim.gestion").await;
        let same = manager.register(&registration("TAPILY", "Sekou", "+223 76 41 22 90")).await;
        assert_eq!(same.status, StatusCode::OK, "{}", same.body);
        let shown = panel(&same.body);
        assert!(shown.contains(&format!("href=\"/cases/{case}\"")) && shown.contains(&number), "{shown}");
        assert!(shown.contains("Tapily Sékou"), "{shown}");
        assert!(shown.contains("même téléphone"), "{shown}");

        // Another organisation: only where, and the assistance given there; no name, phone or number.
        p.add_account("anpe.agent", Role::CaseWorker, "ANPE", None).await;
        let mut anpe = p.logged_in("anpe.agent").await;
        let elsewhere = anpe.register(&registration("TAPILY", "Sekou", "+223 76 41 22 90")).await;
        assert_eq!(elsewhere.status, StatusCode::OK, "{}", elsewhere.body);
        let shown = panel(&elsewhere.body);
        assert!(shown.contains("OIM"), "{shown}");
        assert!(shown.contains("data-testid=\"match-assistance\""), "{shown}");
        for secret in ["Tapily", "TAPILY", "76 41 22 90", "76412290", number.as_str(), &case.to_string()] {
            assert!(!shown.contains(secret), "{secret} disclosed: {shown}");
        }
        // The API answers the same, and keeps the same secrets.
        let token = p.token("anpe.agent").await.unwrap();
        let body = serde_json::json!({
            "person": { "family_name": "Tapily", "given_names": "Sekou", "sex": "male", "date_of_birth": "1988-04-09", "nationality": "ML", "phones": ["76412290"] },
            "return": { "arrival_date": "2025-03-18", "returned_from": "LY", "return_type": "avr" },
            "consent_method": "written"
        });
        let reply = p.api("POST", "/api/v1/cases", Some(&token), Some(body)).await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
        let matches = reply.json()["matches"].clone();
        assert_eq!(matches.as_array().unwrap().len(), 1, "{matches}");
        assert_eq!(matches[0]["assistance"], serde_json::json!(["vocational_training"]));
        assert!(matches[0]["name"].is_null() && matches[0]["case_id"].is_null());
        let text = matches.to_string();
        for secret in ["Tapily", "76412290", number.as_str(), &case.to_string()] {
            assert!(!text.contains(secret), "{secret} disclosed: {text}");
        }

        // "Ask OIM": a small form, then the request lands in OIM's work queue with the case.
        let ask = href(shown, "/identity/ask?");
        let page = anpe.get(&ask).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let fields_of = |name: &str| {
            let marker = format!("name=\"{name}\" value=\"");
            let start = page.body.find(&marker).unwrap() + marker.len();
            page.body[start..].split('"').next().unwrap().to_string()
        };
        let (org, reference) = (fields_of("organisation_id"), fields_of("contact_ref"));
        let sent = anpe.post("/identity/ask", &[("organisation_id", &org), ("contact_ref", &reference), ("message", "Bonjour, suivez-vous ce monsieur ?")]).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        assert!(sent.body.contains("data-testid=\"identity-ask-sent\""), "{}", sent.body);
        let work = manager.get("/work").await.body;
        assert!(work.contains("data-testid=\"work-contact-requests\""), "{work}");
        assert!(work.contains(&format!("href=\"/cases/{case}\"")) && work.contains("suivez-vous ce monsieur"), "{work}");
        assert!(!anpe.get("/work").await.body.contains("work-contact-requests"));
        let long = "x".repeat(1001);
        let refused = anpe.post("/identity/ask", &[("organisation_id", &org), ("contact_ref", &reference), ("message", &long)]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.audit_actions().await.iter().any(|(a, u)| a == "identity.contact_request" && u == "anpe.agent"));
    }

    async fn a_data_steward_reviews_pairs_links_and_splits(db) {
        let p = Platform::on(db).await;
        let mut agent = p.logged_in("oim.agent").await;
        p.add_account("anpe.agent", Role::CaseWorker, "ANPE", None).await;
        let mut anpe = p.logged_in("anpe.agent").await;
        let c = case_id_of(&agent.register(&confirmed(&registration("Samassékou", "Modibo", "65 10 20 30"))).await);
        let d = case_id_of(&anpe.register(&confirmed(&registration("SAMASSEKOU", "Modibo", "+223 65 10 20 30"))).await);
        let person = |case: Uuid| {
            let app = p.db.app.clone();
            async move { app.db.case_file(case).await.unwrap().unwrap().person.id }
        };
        let (pc, pd) = (person(c).await, person(d).await);
        let report = identity::dedup_database(&p.db.app, &cnrm_app::Actor::console(), 0.9, &|_, _, _| {}).await.unwrap();
        assert!(report.added >= 1, "{report:?}");

        // The queue: names side by side, the pair's page with the evidence, no case contents.
        let mut steward = p.logged_in("cnrm.donnees").await;
        let home = steward.get("/").await.body;
        assert!(home.contains("href=\"/identity/review\""), "navigation entry");
        let list = steward.get("/identity/review?status=pending").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("Samassékou Modibo") && list.body.contains("SAMASSEKOU Modibo"), "{}", list.body);
        let token = p.token("cnrm.donnees").await.unwrap();
        let api_list = p.api("GET", "/api/v1/identity/candidates?status=pending&per_page=100", Some(&token), None).await;
        assert_eq!(api_list.status, StatusCode::OK, "{}", api_list.body);
        let (a, b) = if pc < pd { (pc, pd) } else { (pd, pc) };
        let item = api_list.json()["items"].as_array().unwrap().iter()
            .find(|i| i["candidate"]["person_a"] == a.to_string() && i["candidate"]["person_b"] == b.to_string())
            .cloned()
            .expect("the pair is queued");
        let id = item["candidate"]["id"].as_str().unwrap().to_string();
        let page = steward.get(&format!("/identity/review/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("data-testid=\"identity-evidence\"") && page.body.contains("+22365102030"), "{}", page.body);
        assert!(!page.body.contains("written") && !page.body.contains("Libye"), "no consent nor return details");
        let detail = p.api("GET", &format!("/api/v1/identity/candidates/{id}"), Some(&token), None).await.json();
        assert!(detail["candidate"]["evidence"].as_array().unwrap().iter().any(|e| e["field"] == "phone"));
        assert!(detail.get("consents").is_none() && !detail.to_string().contains("vulnerab"));

        // "Same person": linked; the case page shows the link as far as the reader may know.
        let action = format!("/identity/review/{id}/decision");
        let version = version_in(&page.body, &action);
        let decided = steward.post(&action, &[("decision", "same"), ("version", &version)]).await;
        assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
        let case_page = agent.get(&format!("/cases/{c}")).await.body;
        assert!(case_page.contains("data-testid=\"case-linked\"") && case_page.contains("Liée à une fiche chez ANPE"), "{case_page}");
        assert!(!case_page.contains("SAMASSEKOU"), "the other record's data stays at ANPE");
        let again = steward.post(&action, &[("decision", "not_same"), ("version", &version)]).await;
        assert_eq!(again.status, StatusCode::CONFLICT);

        // Split, through the API: separate again, nothing deleted.
        let page = steward.get(&format!("/identity/review/{id}")).await.body;
        assert!(form(&page, &format!("/identity/review/{id}/split")).contains("name=\"version\""));
        let version: i64 = version_in(&page, &format!("/identity/review/{id}/split")).parse().unwrap();
        let agent_token = p.token("oim.agent").await.unwrap();
        let denied = p.api("POST", &format!("/api/v1/identity/links/{id}/split"), Some(&agent_token), Some(serde_json::json!({ "version": version }))).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
        let split = p.api("POST", &format!("/api/v1/identity/links/{id}/split"), Some(&token), Some(serde_json::json!({ "version": version }))).await;
        assert_eq!(split.status, StatusCode::OK, "{}", split.body);
        assert_eq!(split.json()["status"], "split");
        assert!(!agent.get(&format!("/cases/{c}")).await.body.contains("data-testid=\"case-linked\""));
        // Now "not the same", through the API: remembered.
        let not_same = p.api("POST", &format!("/api/v1/identity/candidates/{id}/decision"), Some(&token), Some(serde_json::json!({ "decision": "not_same", "version": version + 1 }))).await;
        assert_eq!(not_same.status, StatusCode::OK, "{}", not_same.body);
        let report = identity::dedup_database(&p.db.app, &cnrm_app::Actor::console(), 0.9, &|_, _, _| {}).await.unwrap();
        assert_eq!(report.added, 0, "{report:?}");
        let decided = p.api("GET", "/api/v1/identity/candidates?status=not_same", Some(&token), None).await.json();
        assert_eq!(decided["total"], 1);
        let actions = p.audit_actions().await;
        for action in ["identity.decide", "identity.split", "identity.view", "identity.dedup"] {
            assert!(actions.iter().any(|(a, _)| a == action), "{action} audited");
        }

        // The API document lists the endpoints.
        let doc = p.api("GET", "/api/v1/openapi.json", None, None).await.body;
        for path in ["/api/v1/identity/candidates", "/api/v1/identity/candidates/{id}/decision", "/api/v1/identity/links/{id}/split"] {
            assert!(doc.contains(path), "{path} missing from the OpenAPI document");
        }
    }
}

test_both_backends! {
    async fn the_review_shows_the_filiation_side_by_side(db) {
        let p = Platform::on(db).await;
        let mut agent = p.logged_in("oim.agent").await;
        p.add_account("anpe.agent", Role::CaseWorker, "ANPE", None).await;
        let mut anpe = p.logged_in("anpe.agent").await;
        let mut first = confirmed(&registration("Samassékou", "Modibo", "65 10 20 30"));
        first.extend([("father_name", "Seydou"), ("mother_name", "Awa Diallo")]);
        let mut second = confirmed(&registration("SAMASSEKOU", "Modibo", "+223 65 10 20 30"));
        second.extend([("father_name", "Seydou"), ("mother_name", "Awa Dialo")]);
        case_id_of(&agent.register(&first).await);
        case_id_of(&anpe.register(&second).await);
        let report = identity::dedup_database(&p.db.app, &cnrm_app::Actor::console(), 0.9, &|_, _, _| {}).await.unwrap();
        assert!(report.added >= 1, "{report:?}");

        let token = p.token("cnrm.donnees").await.unwrap();
        let queue = p.api("GET", "/api/v1/identity/candidates?status=pending&per_page=100", Some(&token), None).await.json();
        let id = queue["items"][0]["candidate"]["id"].as_str().unwrap().to_string();
        let detail = p.api("GET", &format!("/api/v1/identity/candidates/{id}"), Some(&token), None).await.json();
        let evidence = detail["candidate"]["evidence"].as_array().unwrap();
        for field in ["father_name", "mother_name"] {
            let compared = evidence.iter().find(|e| e["field"] == field).unwrap_or_else(|| panic!("no {field}: {evidence:?}"));
            assert_ne!(compared["level"], "missing", "the batch reads {field} from the database: {evidence:?}");
        }
        let mut steward = p.logged_in("cnrm.donnees").await;
        let page = steward.get(&format!("/identity/review/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        let body = page.body.replace("&#39;", "'");
        for needle in ["Filiation : prénom du père", "Filiation : nom et prénom de la mère", "Seydou", "Awa Diallo", "Awa Dialo"] {
            assert!(body.contains(needle), "{needle} missing from the review page");
        }
        let table = &body[body.find("data-testid=\"identity-evidence\"").expect("evidence table")..];
        assert!(table.contains("Filiation : prénom du père"), "the evidence names the field in words");
        assert!(!table.contains(">father_name<") && !table.contains("identity-field-"), "no raw field code");
    }
}
