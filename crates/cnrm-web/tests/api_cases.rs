//! Case management through the JSON API, on both backends: same rules as the pages.

mod support;

use axum::http::StatusCode;
use cnrm_app::test_both_backends;
use serde_json::json;
use support::Platform;

fn registration(family: &str, given: &str) -> serde_json::Value {
    json!({
        "person": { "family_name": family, "given_names": given, "sex": "female", "date_of_birth": "1997",
                    "phones": ["+223 66 00 11 22"], "intended_settlement": "ML0901" },
        "return": { "arrival_date": "2025-04-02", "returned_from": "DZ", "return_type": "forced",
                    "immediate_assistance": ["reception", "cash"] },
        "consent_method": "oral_witnessed",
        "vulnerabilities": ["single_parent"]
    })
}

test_both_backends! {
    async fn cases_through_the_api(db) {
        let p = Platform::on(db).await;
        let worker = p.token("oim.agent").await.unwrap();
        let created = p.api("POST", "/api/v1/cases", Some(&worker), Some(registration("Doumbia", "Kadiatou"))).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let case = created.json();
        let id = case["id"].as_str().unwrap().to_string();
        assert!(case["case_number"].as_str().unwrap().starts_with("OIM-"));
        assert_eq!(case["priority"], "high");

        let again = p.api("POST", "/api/v1/cases", Some(&worker), Some(registration("DOUMBIA", "kadiatou"))).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        let problem = again.json();
        assert_eq!(problem["code"], "possible_matches");
        assert_eq!(problem["matches"][0]["case_id"], id.as_str());

        let file = p.api("GET", &format!("/api/v1/cases/{id}"), Some(&worker), None).await.json();
        assert_eq!(file["person"]["family_name"], "Doumbia");
        assert_eq!(file["person"]["phones"][0], "+22366001122");
        let version = file["case"]["version"].as_i64().unwrap();
        let change = json!({ "version": version, "return": { "arrival_date": "2025-04-03", "returned_from": "NE", "return_type": "avr" } });
        assert_eq!(p.api("PUT", &format!("/api/v1/cases/{id}/return"), Some(&worker), Some(change.clone())).await.status, StatusCode::OK);
        let stale = p.api("PUT", &format!("/api/v1/cases/{id}/return"), Some(&worker), Some(change)).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert_eq!(stale.json()["code"], "stale");

        let list = p.api("GET", "/api/v1/cases?q=doumbia", Some(&worker), None).await.json();
        assert_eq!(list["total"], 1);
        // The work queue: the positive screening created a follow-up task for this case.
        let work = p.api("GET", "/api/v1/work", Some(&worker), None).await;
        assert_eq!(work.status, StatusCode::OK, "{}", work.body);
        let tasks = work.json()["queue"]["tasks"].as_array().unwrap().clone();
        assert!(tasks.iter().any(|t| t["task"]["case_id"] == id.as_str()), "{tasks:?}");
        let partner_work = p.api("GET", "/api/v1/work", Some(&p.token("anpe.focal").await.unwrap()), None).await.json();
        assert_eq!(partner_work["queue"]["tasks"], json!([]), "a partner sees no case task");
        assert_eq!(partner_work["queue"]["my_cases"], json!([]));
        assert_eq!(p.api("GET", "/api/v1/work", None, None).await.status, StatusCode::UNAUTHORIZED);
        // Out of reach: another organisation, a partner, a donor-less secretariat.
        for username in ["anpe.focal", "secretariat"] {
            let token = p.token(username).await.unwrap();
            assert_eq!(p.api("GET", &format!("/api/v1/cases/{id}"), Some(&token), None).await.status, StatusCode::FORBIDDEN, "{username}");
            assert_eq!(p.api("GET", "/api/v1/cases", Some(&token), None).await.status, StatusCode::FORBIDDEN, "{username}");
        }
        let manager = p.token("oim.gestion").await.unwrap();
        let timeline = p.api("GET", &format!("/api/v1/cases/{id}/timeline"), Some(&manager), None).await.json();
        let actions: Vec<&str> = timeline.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert!(actions.contains(&"case.create") && actions.contains(&"case.return_update"), "{actions:?}");
        let spec = p.api("GET", "/api/v1/openapi.json", None, None).await.json();
        assert!(spec["paths"]["/api/v1/cases/{id}/consents"].is_object());
        assert!(spec["paths"]["/api/v1/work"].is_object());
    }
}

test_both_backends! {
    async fn a_partner_api_response_holds_nothing_outside_the_allow_list(db) {
        let p = Platform::on(db).await;
        let worker = p.token("oim.agent").await.unwrap();
        let mut body = registration("Kanté", "Oumou");
        body["person"]["skills"] = json!("Couture");
        body["person"]["education_level"] = json!("secondary");
        let case = p.api("POST", "/api/v1/cases", Some(&worker), Some(body)).await.json();
        let id = case["id"].as_str().unwrap();
        let anpe = p.org_id("ANPE").await.to_string();
        let referral = json!({ "to_organisation_id": anpe, "service": "housing", "note": "Logement temporaire" });
        let blocked = p.api("POST", &format!("/api/v1/cases/{id}/referrals"), Some(&worker), Some(referral.clone())).await;
        assert_eq!(blocked.status, StatusCode::CONFLICT);
        assert_eq!(blocked.json()["code"], "refused");
        let today = time::OffsetDateTime::now_utc().date().to_string();
        let consent = json!({ "purpose": "referral_sharing", "partner_organisation_id": anpe, "method": "written", "granted_on": today });
        assert_eq!(p.api("POST", &format!("/api/v1/cases/{id}/consents"), Some(&worker), Some(consent)).await.status, StatusCode::CREATED);
        let sent = p.api("POST", &format!("/api/v1/cases/{id}/referrals"), Some(&worker), Some(referral)).await;
        assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
        let sent = sent.json();
        let allowed: Vec<String> = sent["shared_fields"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();
        let partner = p.token("anpe.focal").await.unwrap();
        let incoming = p.api("GET", "/api/v1/referrals", Some(&partner), None).await.json();
        assert_eq!(incoming["total"], 1);
        let rid = sent["id"].as_str().unwrap();
        let seen = p.api("GET", &format!("/api/v1/referrals/{rid}"), Some(&partner), None).await.json();
        let person = seen["person"].as_object().unwrap();
        assert!(person.keys().all(|k| allowed.contains(k)), "{:?} outside {allowed:?}", person.keys().collect::<Vec<_>>());
        assert!(!person.contains_key("skills") && !person.contains_key("vulnerabilities"), "housing needs neither");
        let text = serde_json::to_string(&seen).unwrap();
        for secret in ["Couture", "single_parent", "DZ", "forced"] {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
        // The partner accepts; the case itself stays closed to them.
        let accept = json!({ "action": "accept", "version": 1 });
        assert_eq!(p.api("POST", &format!("/api/v1/referrals/{rid}/actions"), Some(&partner), Some(accept)).await.status, StatusCode::OK);
        assert_eq!(p.api("GET", &format!("/api/v1/cases/{id}"), Some(&partner), None).await.status, StatusCode::FORBIDDEN);
        let revoke = json!({ "action": "revoke", "version": 2 });
        assert_eq!(p.api("POST", &format!("/api/v1/referrals/{rid}/actions"), Some(&worker), Some(revoke)).await.status, StatusCode::OK);
        assert_eq!(p.api("GET", &format!("/api/v1/referrals/{rid}"), Some(&partner), None).await.status, StatusCode::NOT_FOUND);
    }
}

test_both_backends! {
    async fn a_plan_through_the_api(db) {
        let p = Platform::on(db).await;
        let worker = p.token("oim.agent").await.unwrap();
        let manager = p.token("oim.gestion").await.unwrap();
        let case = p.api("POST", "/api/v1/cases", Some(&worker), Some(registration("Berthé", "Salimata"))).await.json();
        let id = case["id"].as_str().unwrap();
        let empty = p.api("GET", &format!("/api/v1/cases/{id}/plan"), Some(&worker), None).await.json();
        assert!(empty["plan"].is_null());
        assert_eq!(empty["timeliness"], "overdue", "arrived in April 2025, no plan yet");
        let item = json!({ "dimension": "economic", "assistance_type": "business_start_up", "level": "individual",
                           "channel": "direct", "description": "Petit commerce", "budget_xof": "500000" });
        let added = p.api("POST", &format!("/api/v1/cases/{id}/plan/items"), Some(&worker), Some(item)).await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
        let view = p.api("GET", &format!("/api/v1/cases/{id}/plan"), Some(&worker), None).await.json();
        let version = view["plan"]["plan"]["version"].as_i64().unwrap();
        let refused = p.api("POST", &format!("/api/v1/cases/{id}/plan/approve"), Some(&worker), Some(json!({ "version": version }))).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let approved = p.api("POST", &format!("/api/v1/cases/{id}/plan/approve"), Some(&manager), Some(json!({ "version": version }))).await;
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
        assert_eq!(approved.json()["items"][0]["status"], "approved");
        let bad = json!({ "dimension": "economic", "assistance_type": "rocket", "level": "individual", "channel": "direct", "budget_xof": "-5" });
        let invalid = p.api("POST", &format!("/api/v1/cases/{id}/plan/items"), Some(&worker), Some(bad)).await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<String> = invalid.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect();
        assert!(fields.contains(&"assistance_type".to_string()) && fields.contains(&"budget_xof".to_string()), "{fields:?}");
    }
}

test_both_backends! {
    async fn the_filiation_round_trips_through_the_api(db) {
        let p = Platform::on(db).await;
        let worker = p.token("oim.agent").await.unwrap();
        let mut body = registration("Coulibaly", "Rokia");
        body["person"]["father_name"] = json!("Bakary");
        body["person"]["mother_name"] = json!(" Hawa  Sidibé ");
        let created = p.api("POST", "/api/v1/cases", Some(&worker), Some(body)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.json()["id"].as_str().unwrap().to_string();
        let file = p.api("GET", &format!("/api/v1/cases/{id}"), Some(&worker), None).await.json();
        assert_eq!(file["person"]["father_name"], "Bakary");
        assert_eq!(file["person"]["mother_name"], "Hawa Sidibé");

        let version = file["person"]["version"].as_i64().unwrap();
        let person = json!({ "family_name": "Coulibaly", "given_names": "Rokia", "sex": "female", "date_of_birth": "1997",
                             "father_name": "", "mother_name": "Awa Sidibé" });
        let change = json!({ "version": version, "person": person });
        let changed = p.api("PUT", &format!("/api/v1/cases/{id}/person"), Some(&worker), Some(change)).await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
        assert_eq!(changed.json()["mother_name"], "Awa Sidibé");
        assert_eq!(changed.json()["father_name"], serde_json::Value::Null, "emptied");

        let mut bad = registration("Coulibaly", "Rokia");
        bad["person"]["father_name"] = json!("بكاري");
        let refused = p.api("POST", "/api/v1/cases", Some(&worker), Some(bad)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
        let errors = refused.json()["errors"].clone();
        assert_eq!(errors[0]["field"], "father_name", "{errors}");
        assert_eq!(errors[0]["code"], "name-latin", "{errors}");
        let list = p.api("GET", "/api/v1/cases?q=coulibaly", Some(&worker), None).await.json();
        assert_eq!(list["total"], 1, "nothing written");

        let spec = p.api("GET", "/api/v1/openapi.json", None, None).await.json();
        let schemas = &spec["components"]["schemas"];
        let input = schemas["PersonInput"].to_string();
        assert!(input.contains("father_name") && input.contains("mother_name"), "{input}");
        // The output flattens the draft into the record.
        let output = format!("{}{}", schemas["PersonRecord"], schemas["PersonDraft"]);
        assert!(output.contains("father_name") && output.contains("mother_name"), "{output}");
    }
}
