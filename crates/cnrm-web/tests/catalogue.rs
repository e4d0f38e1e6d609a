//! The service catalogue through the pages and the API, on both backends: a partner describes a
//! service, nobody else sees the draft, the secretariat returns then publishes it, a change waits
//! while the published version stays visible; the referral form offers the partners the catalogue
//! lists for the need where the returnee settles.

mod support;

use axum::http::StatusCode;
use cnrm_app::{test_both_backends, testing};
use serde_json::json;
use support::{form, version_in, Client, Platform, Reply};
use uuid::Uuid;

fn service_form(name: &str, unit: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", name.to_string()),
        ("category", "job_placement".into()),
        ("dimension", "economic".into()),
        ("description", "Mise en relation avec des employeurs de Mopti".into()),
        ("units", unit.to_string()),
        ("units", "ML0506".into()),
        ("age_min", "18".into()),
        ("age_max", "40".into()),
        ("cost_xof", "0".into()),
        ("contact_name", "Oumar Sangaré".into()),
        ("contact_phone", "+223 76 00 00 00".into()),
        ("languages", "fr".into()),
        ("languages", "ff".into()),
        ("opening_hours", "Lun–ven 8h–16h".into()),
    ]
}

async fn post(client: &mut Client, path: &str, fields: &[(&str, String)]) -> Reply {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    client.post(path, &fields).await
}

fn service_id_of(reply: &Reply) -> Uuid {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let location = reply.location().unwrap();
    let id = location.strip_prefix("/catalogue/").and_then(|r| r.split('?').next()).expect("a service page");
    Uuid::parse_str(id).unwrap()
}

test_both_backends! {
    async fn a_service_is_described_validated_and_published_through_the_pages(db) {
        let p = Platform::on(db).await;
        let mut anpe = p.logged_in("anpe.focal").await;
        assert!(anpe.get("/").await.body.contains("href=\"/catalogue\""));
        let mut steward = p.logged_in("cnrm.donnees").await;
        assert!(!steward.get("/").await.body.contains("href=\"/catalogue\""));
        assert_eq!(steward.get("/catalogue").await.status, StatusCode::FORBIDDEN);

        // An unknown area: the form comes back with the message next to the field, nothing written.
        let form_page = anpe.get("/catalogue/new").await;
        assert_eq!(form_page.status, StatusCode::OK);
        let bad = post(&mut anpe, "/catalogue", &service_form("Placement à Mopti", "XX99")).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("Zone inconnue"), "{}", bad.body);
        assert!(bad.body.contains("value=\"Placement à Mopti\""));
        assert!(!anpe.get("/catalogue?status=draft").await.body.contains("Placement à Mopti"));

        let created = post(&mut anpe, "/catalogue", &service_form("Placement à Mopti", "ML05")).await;
        let id = service_id_of(&created);
        let page = anpe.get(&format!("/catalogue/{id}")).await;
        assert!(page.body.contains("Brouillon"), "{}", page.body);
        // A draft does not exist for the others.
        let mut observer = p.logged_in("ue.observateur").await;
        let mut oim = p.logged_in("oim.gestion").await;
        assert_eq!(observer.get(&format!("/catalogue/{id}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(oim.get(&format!("/catalogue/{id}")).await.status, StatusCode::NOT_FOUND);
        assert!(!observer.get("/catalogue?category=job_placement").await.body.contains("Placement à Mopti"));

        let version = version_in(&page.body, &format!("/catalogue/{id}/submit"));
        let submitted = post(&mut anpe, &format!("/catalogue/{id}/submit"), &[("version", version)]).await;
        assert_eq!(submitted.status, StatusCode::SEE_OTHER, "{}", submitted.body);

        // The secretariat's queue; returning needs a comment.
        let mut secretariat = p.logged_in("secretariat").await;
        let list = secretariat.get("/catalogue").await;
        assert!(list.body.contains(&format!("data-testid=\"queued-service\"><a href=\"/catalogue/{id}\"")));
        assert!(list.body.contains("Placement à Mopti"));
        let page = secretariat.get(&format!("/catalogue/{id}")).await;
        let version = version_in(&page.body, &format!("/catalogue/{id}/validate"));
        let no_comment = post(
            &mut secretariat,
            &format!("/catalogue/{id}/validate"),
            &[("version", version.clone()), ("decision", "return".into()), ("comment", String::new())],
        )
        .await;
        assert_eq!(no_comment.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_comment.body.contains("Expliquez ce qu"));
        let approved = post(
            &mut secretariat,
            &format!("/catalogue/{id}/validate"),
            &[("version", version), ("decision", "approve".into())],
        )
        .await;
        assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);

        // Published: everyone finds it by need and place; another organisation cannot change it.
        let seen = observer.get(&format!("/catalogue/{id}")).await;
        assert_eq!(seen.status, StatusCode::OK);
        assert!(seen.body.contains("Publié") && !seen.body.contains("/edit"));
        let found = observer.get("/catalogue?category=job_placement&unit=ML0506").await;
        assert!(found.body.contains("Placement à Mopti"));
        let not_here = observer.get("/catalogue?category=job_placement&unit=ML0305").await;
        assert!(!not_here.body.contains("Placement à Mopti"));
        let mut taken = service_form("Pris par l'OIM", "ML05");
        taken.push(("version", "1".into()));
        assert_eq!(post(&mut oim, &format!("/catalogue/{id}"), &taken).await.status, StatusCode::FORBIDDEN);
        assert_eq!(oim.get(&format!("/catalogue/{id}/edit")).await.status, StatusCode::FORBIDDEN);

        // A change waits for validation; the published version stays what others see.
        let edit = anpe.get(&format!("/catalogue/{id}/edit")).await;
        let version = version_in(&edit.body, &format!("/catalogue/{id}"));
        let mut changed = service_form("Placement à Mopti et Djenné", "ML05");
        changed.push(("version", version));
        let saved = post(&mut anpe, &format!("/catalogue/{id}"), &changed).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let own = anpe.get(&format!("/catalogue/{id}")).await.body;
        assert!(own.contains("Modification en cours") && own.contains("Placement à Mopti et Djenné"));
        let theirs = observer.get(&format!("/catalogue/{id}")).await.body;
        assert!(!theirs.contains("Djenné") && theirs.contains("Placement à Mopti"));
        // A second save with the old version is stale.
        let stale = post(&mut anpe, &format!("/catalogue/{id}"), &changed).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);

        let actions: Vec<String> = p.audit_actions().await.into_iter().map(|(a, _)| a).collect();
        for action in ["catalogue.create", "catalogue.submit", "catalogue.approve", "catalogue.update"] {
            assert!(actions.iter().any(|a| a == action), "{action} not audited");
        }
    }

    async fn the_referral_form_offers_the_partners_the_catalogue_lists_there(db) {
        let p = Platform::on(db).await;
        let mut input = testing::registration("Keïta", "Sekou", "male", "1995", "2025-01-10");
        input.person.intended_settlement = "ML0103".into();
        let case = testing::register(&p.db, &p.actor("oim.agent").await, &input).await;
        let mut agent = p.logged_in("oim.agent").await;
        let action = format!("/cases/{}/referrals", case.id);

        // No need chosen: every organisation, no note.
        let page = agent.get(&format!("/cases/{}", case.id)).await;
        assert_eq!(page.status, StatusCode::OK);
        let plain = form(&page.body, &action);
        assert!(plain.contains("CRM") && plain.contains("ANPE") && !plain.contains("destination-note"));
        assert!(page.body.contains("data-testid=\"find-partners\""));

        // Job placement in the cercle of Kayes: ANPE (it covers the region), with its service.
        let page = agent.get(&format!("/cases/{}?service=job_placement", case.id)).await;
        let offered = form(&page.body, &action);
        assert!(offered.contains("ANPE") && offered.contains("Placement en emploi et intermédiation"), "{offered}");
        assert!(!offered.contains("CRM") && !offered.contains("FAFPA"));
        assert!(offered.contains("Partenaires du catalogue offrant"));
        assert!(offered.contains("value=\"job_placement\" selected"));
        // The fields shared by default are those of the need asked for (no skills for psychosocial support).
        let page = agent.get(&format!("/cases/{}?service=psychosocial_counselling", case.id)).await;
        let offered = form(&page.body, &action);
        assert!(offered.contains("CRM") && !offered.contains("ANPE"), "{offered}");
        assert!(offered.contains("value=\"languages\" checked") && !offered.contains("value=\"skills\" checked"));

        // Nothing published for apprenticeship there: all organisations, with a note.
        let page = agent.get(&format!("/cases/{}?service=apprenticeship", case.id)).await;
        let offered = form(&page.body, &action);
        assert!(offered.contains("Aucun partenaire du catalogue"));
        assert!(offered.contains("CRM") && offered.contains("ANPE"));

        // A form sent back keeps the need chosen and offers its partners.
        let sent = agent
            .post(&action, &[("to_organisation_id", ""), ("service", "family_tracing"), ("note", "")])
            .await;
        assert_eq!(sent.status, StatusCode::UNPROCESSABLE_ENTITY);
        let offered = form(&sent.body, &action);
        assert!(offered.contains("Rétablissement des liens familiaux") && !offered.contains("ANPE"), "{offered}");
    }

    async fn the_api_follows_the_same_workflow_and_rules(db) {
        let p = Platform::on(db).await;
        let anpe = p.token("anpe.focal").await.unwrap();
        let oim = p.token("oim.gestion").await.unwrap();
        let secretariat = p.token("secretariat").await.unwrap();
        let body = json!({
            "name": "Placement à Mopti",
            "category": "job_placement",
            "dimension": "economic",
            "units": ["ML05"],
            "age_min": "18",
            "contact_name": "Oumar Sangaré",
            "contact_email": "placement@anpe.ml",
            "languages": ["fr", "ff"],
        });
        let unknown = p
            .api("POST", "/api/v1/catalogue", Some(&anpe), Some(json!({ "name": "Placement", "category": "job_placement", "dimension": "economic", "units": ["XX99"], "contact_name": "Oumar", "contact_phone": "1" })))
            .await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unknown.body);
        assert!(unknown.body.contains("units"), "{}", unknown.body);
        let created = p.api("POST", "/api/v1/catalogue", Some(&anpe), Some(body)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.json()["id"].as_str().unwrap().to_string();
        let path = format!("/api/v1/catalogue/{id}");
        assert_eq!(p.api("GET", &path, Some(&oim), None).await.status, StatusCode::NOT_FOUND);

        let submitted = p.api("POST", &format!("{path}/submit"), Some(&anpe), Some(json!({ "version": 1 }))).await;
        assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);
        assert_eq!(submitted.json()["service"]["pending"]["status"], "submitted");
        let refused = p.api("POST", &format!("{path}/validate"), Some(&anpe), Some(json!({ "version": 2, "decision": "approve" }))).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let no_comment = p
            .api("POST", &format!("{path}/validate"), Some(&secretariat), Some(json!({ "version": 2, "decision": "return" })))
            .await;
        assert_eq!(no_comment.status, StatusCode::UNPROCESSABLE_ENTITY);
        let approved = p
            .api("POST", &format!("{path}/validate"), Some(&secretariat), Some(json!({ "version": 2, "decision": "approve" })))
            .await;
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
        assert_eq!(approved.json()["service"]["published"]["status"], "published");

        let seen = p.api("GET", &path, Some(&oim), None).await;
        assert_eq!(seen.status, StatusCode::OK);
        assert_eq!(seen.json()["may_edit"], false);
        let update = json!({ "version": 3, "name": "Pris", "category": "job_placement", "dimension": "economic", "units": ["ML05"], "contact_name": "X Y", "contact_phone": "1" });
        assert_eq!(p.api("PUT", &path, Some(&oim), Some(update.clone())).await.status, StatusCode::FORBIDDEN);
        let revised = p.api("PUT", &path, Some(&anpe), Some(update)).await;
        assert_eq!(revised.status, StatusCode::OK, "{}", revised.body);
        assert_eq!(revised.json()["service"]["pending"]["number"], 2);
        assert_eq!(p.api("GET", &path, Some(&oim), None).await.json()["service"]["published"]["name"], "Placement à Mopti");

        let found = p.api("GET", "/api/v1/catalogue?category=job_placement&unit=ML0506", Some(&oim), None).await;
        assert_eq!(found.status, StatusCode::OK);
        let names: Vec<String> = found.json()["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_string()).collect();
        assert_eq!(names, vec!["Placement à Mopti"]);
        let bad_filter = p.api("GET", "/api/v1/catalogue?unit=XX99", Some(&oim), None).await;
        assert_eq!(bad_filter.status, StatusCode::UNPROCESSABLE_ENTITY);

        let doc = p.api("GET", "/api/v1/openapi.json", None, None).await;
        for path in ["/api/v1/catalogue", "/api/v1/catalogue/{id}", "/api/v1/catalogue/{id}/submit", "/api/v1/catalogue/{id}/validate"] {
            assert!(doc.json()["paths"][path].is_object(), "{path} missing from the OpenAPI document");
        }
    }
}
