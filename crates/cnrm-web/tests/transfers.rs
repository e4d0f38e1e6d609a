//! Transfers of cases through the pages and the API, on both backends: a case manager proposes from
//! the case page (only with the returnee's consent), the receiving organisation's case manager sees
//! only the shared fields, accepts, and the case moves with a new number out of the sender's sight.

mod support;

use axum::http::StatusCode;
use cnrm_app::test_both_backends;
use cnrm_domain::Role;
use serde_json::json;
use support::{case_id_of, form, version_in, Platform};

/// Case managers at CRM (the receiver) and AME (a third organisation).
async fn managers(p: &Platform) {
    for (username, acronym) in [("crm.gestion", "CRM"), ("ame.gestion", "AME")] {
        p.add_account(username, Role::CaseManager, acronym, None).await;
    }
}

fn registration() -> Vec<(&'static str, &'static str)> {
    vec![
        ("family_name", "Konaté"),
        ("given_names", "Adama"),
        ("sex", "male"),
        ("date_of_birth", "03/05/1993"),
        ("nationality", "ML"),
        ("phones", "76 98 76 54"),
        ("skills", "Menuiserie métallique"),
        ("intended_settlement", "ML0103"),
        ("arrival_date", "2025-03-18"),
        ("returned_from", "LY"),
        ("return_type", "avr"),
        ("consent_method", "written"),
        ("vulnerabilities", "medical_condition"),
    ]
}

test_both_backends! {
    async fn a_case_is_transferred_through_the_pages(db) {
        let p = Platform::on(db).await;
        managers(&p).await;
        let mut agent = p.logged_in("oim.agent").await;
        let case = case_id_of(&agent.register(&registration()).await);
        let case_page = format!("/cases/{case}");
        let propose = format!("/cases/{case}/transfers");
        let crm = p.org_id("CRM").await.to_string();
        let oim = p.org_id("OIM").await.to_string();
        let number = p.db.app.db.case_file(case).await.unwrap().unwrap().case.case_number;

        // A case worker sees the section, not the form; a case manager gets the form.
        let page = agent.get(&case_page).await.body;
        assert!(page.contains("Transfert à une autre organisation") && page.contains("Aucun transfert pour ce dossier."));
        assert!(!page.contains(&format!("action=\"{propose}\"")));
        assert!(!page.contains("href=\"/transfers\""), "case workers do not receive transfers");
        let mut manager = p.logged_in("oim.gestion").await;
        let page = manager.get(&case_page).await.body;
        assert!(page.contains("href=\"/transfers\""));
        let sending = form(&page, &propose);
        assert!(sending.contains(&format!("value=\"{crm}\"")) && !sending.contains(&format!("value=\"{oim}\"")));
        assert!(sending.contains("value=\"settlement\" checked"), "the default allow-list");
        assert!(sending.contains("value=\"vulnerabilities\"> Vulnérabilités constatées <span class=\"badge sensitive\">"));

        // Without consent: refused, saying why, nothing written; an empty reason: the form comes back.
        let refused = manager.post(&propose, &[("to_organisation_id", &crm), ("reason", "Déménagement à Ségou")]).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(refused.body.contains("data-testid=\"transfer-refused\""), "{}", refused.body);
        assert!(refused.body.contains("Déménagement à Ségou"), "what was typed is kept");
        let invalid = manager.post(&propose, &[("to_organisation_id", &crm), ("reason", " ")]).await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(invalid.body.contains("id=\"transfer-reason-error\""));
        assert!(invalid.body.contains(&format!("value=\"{crm}\" selected")));
        assert!(p.db.app.db.transfers_of_case(case).await.unwrap().is_empty());

        p.consent_to(case, "CRM").await;
        let sent = manager.post(&propose, &[("to_organisation_id", &crm), ("reason", "Déménagement à Ségou")]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let transfer = p.db.app.db.transfers_of_case(case).await.unwrap().remove(0);
        let page = manager.get(&case_page).await.body;
        assert!(page.contains("data-testid=\"transfer-pending\"") && page.contains("Déménagement à Ségou"));
        assert!(page.contains(&format!("action=\"/transfers/{}/action\"", transfer.id)), "the sender may cancel");
        assert!(!page.contains(&format!("action=\"{propose}\"")), "one pending transfer at a time");
        let page = agent.get(&case_page).await.body;
        assert!(page.contains("data-testid=\"transfer-pending\"") && !page.contains(&format!("/transfers/{}/action", transfer.id)));

        // The receiver: navigation, work queue, list, the shared fields only; not the case yet.
        let mut receiver = p.logged_in("crm.gestion").await;
        let transfer_page = format!("/transfers/{}", transfer.id);
        assert_eq!(receiver.get(&case_page).await.status, StatusCode::NOT_FOUND);
        let work = receiver.get("/work").await.body;
        assert!(work.contains("data-testid=\"work-transfers\"") && work.contains(&number), "{work}");
        let list = receiver.get("/transfers").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains(&number) && list.body.contains(&format!("href=\"{transfer_page}\"")));
        let shown = receiver.get(&transfer_page).await;
        assert_eq!(shown.status, StatusCode::OK);
        assert!(shown.body.contains("Konaté") && shown.body.contains("+22376987654"), "{}", shown.body);
        for secret in ["Menuiserie", "Problème de santé"] {
            assert!(!shown.body.contains(secret), "{secret} shown to the receiver");
        }
        let mut stranger = p.logged_in("ame.gestion").await;
        assert_eq!(stranger.get(&transfer_page).await.status, StatusCode::NOT_FOUND);
        assert!(!stranger.get("/transfers").await.body.contains(&number));

        // Declining needs a reason; accepting moves the case.
        let path = format!("/transfers/{}/action", transfer.id);
        let version = version_in(&shown.body, &path);
        let no_reason = receiver.post(&path, &[("action", "decline"), ("reason", ""), ("version", &version)]).await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_reason.body.contains("id=\"reason-error\""));
        let accepted = receiver.post(&path, &[("action", "accept"), ("version", &version)]).await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
        assert!(accepted.location().unwrap().starts_with(&case_page));
        let moved = p.db.app.db.case_file(case).await.unwrap().unwrap().case;
        assert!(moved.case_number.starts_with("CRM-") && moved.case_number != number);
        let page = receiver.get(&case_page).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Menuiserie métallique") && page.body.contains("Problème de santé"), "the full case now");
        assert!(page.body.contains(&format!("{number} (devenu {})", moved.case_number)), "the former number in the history");
        assert!(page.body.contains("Transfert accepté"));
        assert_eq!(manager.get(&case_page).await.status, StatusCode::NOT_FOUND);
        assert_eq!(agent.get(&case_page).await.status, StatusCode::NOT_FOUND);
        let outgoing = manager.get("/transfers").await.body;
        assert!(outgoing.contains(&number) && outgoing.contains("Accepté"));
        let actions: Vec<String> = p.audit_actions().await.into_iter().map(|(a, _)| a).collect();
        for a in ["transfer.propose", "transfer.disclosure", "transfer.accept"] {
            assert!(actions.iter().any(|x| x == a), "{a} not audited");
        }
    }

    async fn the_sender_cancels_from_the_case_page(db) {
        let p = Platform::on(db).await;
        managers(&p).await;
        let mut agent = p.logged_in("oim.agent").await;
        let case = case_id_of(&agent.register(&registration()).await);
        p.consent_to(case, "CRM").await;
        let case_page = format!("/cases/{case}");
        let crm = p.org_id("CRM").await.to_string();
        let mut manager = p.logged_in("oim.gestion").await;
        manager.get(&case_page).await;
        let sent = manager.post(&format!("/cases/{case}/transfers"), &[("to_organisation_id", &crm), ("reason", "Déménagement")]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER);
        let transfer = p.db.app.db.transfers_of_case(case).await.unwrap().remove(0);
        let path = format!("/transfers/{}/action", transfer.id);
        let page = manager.get(&case_page).await.body;
        let version = version_in(&page, &path);
        // The case worker may not cancel; the manager may.
        agent.get(&case_page).await;
        assert_eq!(agent.post(&path, &[("action", "cancel"), ("version", &version), ("back", &case_page)]).await.status, StatusCode::FORBIDDEN);
        let cancelled = manager.post(&path, &[("action", "cancel"), ("version", &version), ("back", &case_page)]).await;
        assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
        assert_eq!(cancelled.location().unwrap(), format!("{case_page}?msg=saved"));
        let page = manager.get(&case_page).await.body;
        assert!(!page.contains("data-testid=\"transfer-pending\"") && page.contains("Annulé"));
        assert!(page.contains(&format!("action=\"/cases/{case}/transfers\"")), "a new proposal is possible");
        // Too late for the receiver.
        let mut receiver = p.logged_in("crm.gestion").await;
        receiver.get("/transfers").await;
        let late = receiver.post(&path, &[("action", "accept")]).await;
        assert_eq!(late.status, StatusCode::CONFLICT);
        assert!(late.body.contains("Ce transfert a déjà été décidé."));
        assert_eq!(p.db.app.db.case_file(case).await.unwrap().unwrap().case.organisation_id, p.org_id("OIM").await);
    }

    async fn the_receivers_api_response_holds_nothing_outside_the_allow_list(db) {
        let p = Platform::on(db).await;
        managers(&p).await;
        let mut agent = p.logged_in("oim.agent").await;
        let case = case_id_of(&agent.register(&registration()).await);
        let worker = p.token("oim.agent").await.unwrap();
        let manager = p.token("oim.gestion").await.unwrap();
        let receiver = p.token("crm.gestion").await.unwrap();
        let stranger = p.token("ame.gestion").await.unwrap();
        let crm = p.org_id("CRM").await.to_string();
        let propose = format!("/api/v1/cases/{case}/transfers");
        let body = json!({ "to_organisation_id": crm, "reason": "Installation à Ségou", "shared_fields": ["age"] });

        let denied = p.api("POST", &propose, Some(&worker), Some(body.clone())).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
        assert_eq!(denied.json()["code"], "forbidden");
        let blocked = p.api("POST", &propose, Some(&manager), Some(body.clone())).await;
        assert_eq!(blocked.status, StatusCode::CONFLICT);
        assert_eq!(blocked.json()["code"], "refused");
        p.consent_to(case, "CRM").await;
        let created = p.api("POST", &propose, Some(&manager), Some(body.clone())).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let created = created.json();
        assert_eq!(created["status"], "proposed");
        assert_eq!(p.api("POST", &propose, Some(&manager), Some(body)).await.status, StatusCode::CONFLICT, "one pending");
        let id = created["id"].as_str().unwrap();
        let allowed: Vec<String> =
            created["shared_fields"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();

        let lists = p.api("GET", "/api/v1/transfers", Some(&receiver), None).await.json();
        assert_eq!(lists["incoming"].as_array().unwrap().len(), 1);
        assert_eq!(lists["outgoing"].as_array().unwrap().len(), 0);
        let stranger_lists = p.api("GET", "/api/v1/transfers", Some(&stranger), None).await.json();
        assert!(stranger_lists["incoming"].as_array().unwrap().is_empty());
        assert_eq!(p.api("GET", &format!("/api/v1/transfers/{id}"), Some(&stranger), None).await.status, StatusCode::NOT_FOUND);

        let seen = p.api("GET", &format!("/api/v1/transfers/{id}"), Some(&receiver), None).await;
        assert_eq!(seen.status, StatusCode::OK);
        let seen = seen.json();
        assert_eq!(seen["side"], "receiver");
        let person = seen["person"].as_object().unwrap();
        assert!(person.keys().all(|k| allowed.contains(k)), "{:?} outside {allowed:?}", person.keys().collect::<Vec<_>>());
        assert!(person.contains_key("age") && !person.contains_key("skills"));
        let text = serde_json::to_string(&seen).unwrap();
        for secret in ["Menuiserie", "medical_condition", "\"LY\"", "ML0103", "avr"] {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }

        let action = format!("/api/v1/transfers/{id}/action");
        let no_reason = p.api("POST", &action, Some(&receiver), Some(json!({ "action": "decline" }))).await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        let wrong_side = p.api("POST", &action, Some(&manager), Some(json!({ "action": "accept" }))).await;
        assert_eq!(wrong_side.status, StatusCode::CONFLICT);
        let accepted = p.api("POST", &action, Some(&receiver), Some(json!({ "action": "accept", "version": 1 }))).await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
        let new_number = accepted.json()["new_case_number"].as_str().unwrap().to_string();
        assert!(new_number.starts_with("CRM-"));
        let file = p.api("GET", &format!("/api/v1/cases/{case}"), Some(&receiver), None).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.json()["case"]["case_number"], new_number.as_str());
        assert_eq!(p.api("GET", &format!("/api/v1/cases/{case}"), Some(&manager), None).await.status, StatusCode::NOT_FOUND);

        let spec = p.api("GET", "/api/v1/openapi.json", None, None).await.json();
        for path in ["/api/v1/cases/{id}/transfers", "/api/v1/transfers", "/api/v1/transfers/{id}", "/api/v1/transfers/{id}/action"] {
            assert!(spec["paths"][path].is_object(), "{path} missing from the OpenAPI document");
        }
    }
}
