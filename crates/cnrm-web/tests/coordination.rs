//! Coordination through the pages and the API, on both backends: the secretariat records a
//! meeting and its action points, a partner updates an action point of its organisation (not
//! another's) from its work queue, the minutes come as PDF, the data-sharing setting, the hub.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use cnrm_app::test_both_backends;
use cnrm_domain::coordination::ActionStatus;
use support::{form, form_token, get_raw, multipart, post_multipart, send, version_in, Part, Platform, BOUNDARY};
use time::{Duration, OffsetDateTime};
use tower::ServiceExt;
use uuid::Uuid;

/// A small but complete PDF document.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn day(offset: i64) -> String {
    (OffsetDateTime::now_utc().date() + Duration::days(offset)).to_string()
}

fn id_after(location: &str, prefix: &str) -> Uuid {
    let rest = location.strip_prefix(prefix).unwrap_or_else(|| panic!("{location}"));
    Uuid::parse_str(rest.split(['?', '#']).next().unwrap()).unwrap()
}

test_both_backends! {
    async fn a_partner_updates_an_action_point(db) {
        let p = Platform::on(db).await;
        let anpe = p.org_id("ANPE").await.to_string();
        let oim = p.org_id("OIM").await.to_string();
        let mut secretariat = p.logged_in("secretariat").await;

        // The hub and the navigation lead to the meetings.
        let hub = secretariat.get("/coordination").await;
        assert_eq!(hub.status, StatusCode::OK);
        assert!(hub.body.contains("href=\"/meetings\"") && hub.body.contains("href=\"/practices\""));
        assert!(hub.body.contains("href=\"/coordination\""), "a navigation entry");

        // A meeting with a mistake comes back with the message next to the field, values kept.
        let page = secretariat.get("/meetings/new").await;
        assert!(page.body.contains(&format!("value=\"{anpe}\"")), "organisations to tick");
        let fields = |held_on: &'static str| vec![
            ("title", "Réunion régionale de Kayes"), ("level", "regional"), ("location", "ML01"), ("held_on", held_on),
            ("place", "Gouvernorat de Kayes"), ("agenda", "Référencements\nFormations"),
            ("attendees", "Moussa Keïta, secrétariat\nOumar Sangaré, ANPE"), ("minutes", "Séance ouverte à 9 h."),
            ("decisions", "Créer un groupe de travail « données »"),
        ];
        let mut bad = fields("2026-02-31");
        bad.push(("organisations", &anpe));
        let reply = secretariat.post("/meetings", &bad).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"held_on-error\"") && reply.body.contains("aria-describedby=\"held_on-error"));
        assert!(reply.body.contains("value=\"Réunion régionale de Kayes\"") && reply.body.contains(&format!("value=\"{anpe}\" checked")));
        assert_eq!(p.db.app.db.meetings(&cnrm_domain::paging::PageRequest { page: 1, per_page: 100, sort: "held", descending: true, search: None }).await.unwrap().total, 8, "only the demo's");
        let held = day(-7);
        let mut good: Vec<(&str, &str)> = fields("").into_iter().filter(|(k, _)| *k != "held_on").collect();
        good.push(("held_on", &held));
        good.push(("organisations", &anpe));
        good.push(("organisations", &oim));
        let reply = secretariat.post("/meetings", &good).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let meeting = id_after(reply.location().unwrap(), "/meetings/");
        let page = secretariat.get(&format!("/meetings/{meeting}")).await;
        assert!(page.body.contains("Créer un groupe de travail « données »"), "{}", page.body);
        assert!(page.body.contains("Oumar Sangaré, ANPE"));

        // An action point owned by ANPE, due two days ago.
        let due = day(-2);
        let reply = secretariat.post(&format!("/meetings/{meeting}/action-points"), &[("description", "Partager la liste des formations"), ("owner_organisation_id", &anpe), ("due_on", &due)]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let point = p.db.app.db.meeting(meeting).await.unwrap().unwrap().action_points[0].id;

        // ANPE's focal point finds it overdue in their work, and updates it with a comment.
        let mut focal = p.logged_in("anpe.focal").await;
        let work = focal.get("/work").await;
        assert!(work.body.contains(&format!("href=\"/meetings/{meeting}#point-{point}\"")), "{}", work.body);
        let page = focal.get(&format!("/meetings/{meeting}")).await;
        let updating = form(&page.body, &format!("/action-points/{point}"));
        assert!(updating.contains("value=\"in_progress\"") && updating.contains("name=\"_csrf\""));
        let version = version_in(&page.body, &format!("/action-points/{point}"));
        // No comment: the message comes next to the field of this point, nothing written.
        let reply = focal.post(&format!("/action-points/{point}"), &[("status", "in_progress"), ("comment", ""), ("version", &version)]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains(&format!("id=\"comment-{point}-error\"")));
        assert_eq!(p.db.app.db.action_point(point).await.unwrap().unwrap().status, ActionStatus::Open);
        let reply = focal.post(&format!("/action-points/{point}"), &[("status", "in_progress"), ("comment", "Liste en préparation avec le FAFPA"), ("version", &version)]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        assert!(reply.location().unwrap().starts_with(&format!("/meetings/{meeting}?msg=saved")));
        let saved = p.db.app.db.action_point(point).await.unwrap().unwrap();
        assert_eq!(saved.status, ActionStatus::InProgress);
        let page = focal.get(&format!("/meetings/{meeting}")).await;
        assert!(page.body.contains("Liste en préparation avec le FAFPA") && page.body.contains("En cours"));
        // The same form again is stale: refused with an alert.
        let reply = focal.post(&format!("/action-points/{point}"), &[("status", "done"), ("comment", "Fait"), ("version", &version)]).await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert!(reply.body.contains("role=\"alert\""));

        // OIM may not update ANPE's point: no form, and refused when posting anyway.
        let mut oim_admin = p.logged_in("oim.admin").await;
        let page = oim_admin.get(&format!("/meetings/{meeting}")).await;
        assert!(!page.body.contains(&format!("action=\"/action-points/{point}\"")));
        let reply = oim_admin.post(&format!("/action-points/{point}"), &[("status", "done"), ("comment", "Pas à nous"), ("version", "2")]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert!(!oim_admin.get("/work").await.body.contains(&format!("#point-{point}")), "not in OIM's work");
        assert_eq!(p.db.app.db.action_point(point).await.unwrap().unwrap().status, ActionStatus::InProgress);
        let actions = p.audit_actions().await;
        assert!(actions.contains(&("action_point.update".to_string(), "anpe.focal".to_string())));

        // The minutes as PDF hold the title, the attendance and the action points.
        let cookie = focal.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let request = Request::get(format!("/meetings/{meeting}/minutes.pdf")).header(header::COOKIE, cookie).body(Body::empty()).unwrap();
        let response = p.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/pdf");
        let bytes = axum::body::to_bytes(response.into_body(), 20 * 1024 * 1024).await.unwrap();
        assert!(bytes.starts_with(b"%PDF"));
        assert!(cnrm_pdf::contains_text(&bytes, "Réunion régionale de Kayes"));
        assert!(cnrm_pdf::contains_text(&bytes, "Oumar Sangaré, ANPE"));
        assert!(cnrm_pdf::contains_text(&bytes, "Partager la liste des formations"));
        assert!(!cnrm_pdf::contains_text(&bytes, "Réunion nationale"));
    }

    async fn the_api_serves_meetings_action_points_agreements_trainings_and_practices(db) {
        let p = Platform::on(db).await;
        let anpe = p.org_id("ANPE").await;
        let secretariat = p.token("secretariat").await.unwrap();
        let focal = p.token("anpe.focal").await.unwrap();
        let oim_admin = p.token("oim.admin").await.unwrap();
        let body = serde_json::json!({
            "title": "Réunion nationale — API", "level": "national", "held_on": day(-3), "place": "Bamako",
            "organisations": [anpe], "decisions": "Une décision\nUne autre",
        });
        let reply = p.api("POST", "/api/v1/meetings", Some(&focal), Some(body.clone())).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        let reply = p.api("POST", "/api/v1/meetings", Some(&secretariat), Some(serde_json::json!({ "title": "x" }))).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let reply = p.api("POST", "/api/v1/meetings", Some(&secretariat), Some(body)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let meeting = reply.json()["id"].as_str().unwrap().to_string();
        assert_eq!(reply.json()["decisions"], serde_json::json!(["Une décision", "Une autre"]));
        let point = serde_json::json!({ "description": "Envoyer les chiffres", "owner_organisation_id": anpe, "due_on": day(-1) });
        let reply = p.api("POST", &format!("/api/v1/meetings/{meeting}/action-points"), Some(&secretariat), Some(point)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let point = reply.json()["id"].as_str().unwrap().to_string();
        let update = serde_json::json!({ "status": "done", "comment": "Chiffres envoyés", "version": 1 });
        let reply = p.api("PUT", &format!("/api/v1/action-points/{point}"), Some(&oim_admin), Some(update.clone())).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        let reply = p.api("PUT", &format!("/api/v1/action-points/{point}"), Some(&focal), Some(update)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.json()["status"], "done");
        let reply = p.api("GET", &format!("/api/v1/meetings/{meeting}"), Some(&oim_admin), None).await;
        assert_eq!(reply.json()["action_points"][0]["updates"][0]["comment"], "Chiffres envoyés");
        assert_eq!(reply.json()["action_points"][0]["overdue"], false);

        // An agreement ending before it starts is refused with the field named.
        let agreement = serde_json::json!({ "title": "Accord API", "kind": "mou", "parties": [anpe], "scope": "Référencements",
            "start_on": day(0), "end_on": day(-1) });
        let reply = p.api("POST", "/api/v1/agreements", Some(&oim_admin), Some(agreement)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("end_on"), "{}", reply.body);
        let listed = p.api("GET", "/api/v1/agreements", Some(&focal), None).await.json();
        assert!(listed["items"].as_array().unwrap().iter().any(|a| a["kind"] == "data_sharing" && a["status_today"] == "active"));
        let trainings = p.api("GET", &format!("/api/v1/trainings?organisation={anpe}"), Some(&focal), None).await.json();
        assert!(trainings["total"].as_i64().unwrap() >= 3, "ANPE's staff was trained in the demo");
        let published = p.api("GET", "/api/v1/practices?status=published", Some(&focal), None).await.json();
        assert!(published["items"].as_array().unwrap().iter().all(|x| x["status"] == "published"));

        let spec = p.api("GET", "/api/v1/openapi.json", None, None).await.json();
        for path in ["/api/v1/meetings", "/api/v1/meetings/{id}", "/api/v1/action-points/{id}", "/api/v1/agreements",
            "/api/v1/trainings", "/api/v1/practices", "/api/v1/practices/{id}/action"] {
            assert!(spec["paths"][path].is_object(), "{path} is documented");
        }
    }

    async fn the_administrator_turns_the_data_sharing_rule_on(db) {
        let p = Platform::on(db).await;
        let mut admin = p.logged_in("admin").await;
        let page = admin.get("/admin/settings").await;
        assert!(page.body.contains("data-testid=\"data-sharing-required\"") && !page.body.contains("data-testid=\"data-sharing-required\" checked"));
        let reply = admin.post("/admin/settings/data-sharing", &[("required", "on")]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert!(cnrm_app::settings::referrals_require_data_sharing(&p.db.app).await.unwrap());
        assert!(admin.get("/admin/settings").await.body.contains("data-testid=\"data-sharing-required\" checked"));
        let reply = admin.post("/admin/settings/data-sharing", &[]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert!(!cnrm_app::settings::referrals_require_data_sharing(&p.db.app).await.unwrap());
        let mut manager = p.logged_in("oim.gestion").await;
        assert_eq!(manager.get("/coordination").await.status, StatusCode::OK);
        assert_eq!(manager.post("/admin/settings/data-sharing", &[("required", "on")]).await.status, StatusCode::FORBIDDEN);
    }

    async fn trainings_are_edited_and_participants_corrected_in_the_pages_and_the_api(db) {
        let p = Platform::on(db).await;
        let anpe = p.org_id("ANPE").await.to_string();
        let mut oim = p.logged_in("oim.admin").await;
        oim.get("/trainings/new").await;
        let reply = oim.post("/trainings", &[("title", "Gestion de cas"), ("topic", "case_management"), ("trainers", "Équipe OIM"),
            ("start_on", &day(-3)), ("end_on", &day(-1)), ("place", "Kayes")]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let training = id_after(reply.location().unwrap(), "/trainings/");
        let page = oim.get(&format!("/trainings/{training}")).await;
        assert!(page.body.contains(&format!("href=\"/trainings/{training}/edit\"")));
        let edit = oim.get(&format!("/trainings/{training}/edit")).await;
        assert!(edit.body.contains("value=\"Kayes\""));
        let version = version_in(&edit.body, &format!("/trainings/{training}"));
        // Bad input: 422, the message next to the field, the values kept, nothing written.
        let fields = |place: &'static str, end_on: String| vec![("title", "Gestion de cas".to_string()), ("topic", "case_management".into()),
            ("trainers", "Équipe OIM".into()), ("start_on", day(-3)), ("end_on", end_on), ("place", place.into())];
        let mut bad = fields("Bamako", day(-4));
        bad.push(("version", version.clone()));
        let as_refs = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
        let bad = as_refs(&bad);
        let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = oim.post(&format!("/trainings/{training}"), &bad).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"end_on-error\"") && reply.body.contains("value=\"Bamako\""));
        let mut good = fields("Bamako", day(-1));
        good.push(("version", version.clone()));
        let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = oim.post(&format!("/trainings/{training}"), &good).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        assert!(oim.get(&format!("/trainings/{training}")).await.body.contains("Bamako"));
        // The same form again is stale.
        let reply = oim.post(&format!("/trainings/{training}"), &good).await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert!(reply.body.contains("role=\"alert\""));
        let mut focal = p.logged_in("anpe.focal").await;
        assert_eq!(focal.get(&format!("/trainings/{training}/edit")).await.status, StatusCode::FORBIDDEN);

        // A participant's scores corrected, then the participant removed.
        oim.post(&format!("/trainings/{training}/participants"), &[("name", "Awa Diarra"), ("sex", "female"),
            ("organisation_id", &anpe), ("pre_score", "40"), ("post_score", "")]).await;
        let participant = p.db.app.db.training(training).await.unwrap().unwrap().participants[0].id;
        let page = oim.get(&format!("/trainings/{training}")).await;
        let edit_path = format!("/trainings/{training}/participants/{participant}/edit");
        assert!(page.body.contains(&format!("href=\"{edit_path}\"")));
        let edit = oim.get(&edit_path).await;
        assert!(edit.body.contains("value=\"Awa Diarra\""));
        let action = format!("/trainings/{training}/participants/{participant}");
        let version = version_in(&edit.body, &action);
        let reply = oim.post(&action, &[("name", "Awa Diarra"), ("sex", "female"), ("organisation_id", &anpe), ("pre_score", "40"),
            ("post_score", "200"), ("version", &version)]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"post_score-error\""));
        let reply = oim.post(&action, &[("name", "Awa Diarra"), ("sex", "female"), ("organisation_id", &anpe), ("pre_score", "40"),
            ("post_score", "90"), ("certified", "on"), ("version", &version)]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        assert!(oim.get(&format!("/trainings/{training}")).await.body.contains("+50.0"));
        assert_eq!(focal.post(&format!("{action}/remove"), &[("version", "2")]).await.status, StatusCode::FORBIDDEN);
        let reply = oim.post(&format!("{action}/remove"), &[("version", "2")]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        assert!(p.db.app.db.training(training).await.unwrap().unwrap().participants.is_empty());

        // The API: the same rules, the version read in the body (or the query, to remove).
        let token = p.token("oim.admin").await.unwrap();
        let focal_token = p.token("anpe.focal").await.unwrap();
        let update = serde_json::json!({ "title": "Gestion de cas (API)", "topic": "case_management", "trainers": "Équipe OIM",
            "start_on": day(-3), "end_on": day(-1), "place": "Ségou", "version": 2 });
        assert_eq!(p.api("PUT", &format!("/api/v1/trainings/{training}"), Some(&focal_token), Some(update.clone())).await.status, StatusCode::FORBIDDEN);
        let reply = p.api("PUT", &format!("/api/v1/trainings/{training}"), Some(&token), Some(update.clone())).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!((reply.json()["place"].as_str(), reply.json()["version"].as_i64()), (Some("Ségou"), Some(3)));
        assert_eq!(p.api("PUT", &format!("/api/v1/trainings/{training}"), Some(&token), Some(update)).await.status, StatusCode::CONFLICT);
        let person = serde_json::json!({ "name": "Issa Coulibaly", "sex": "male", "organisation_id": anpe, "pre_score": "50", "post_score": "60" });
        let added = p.api("POST", &format!("/api/v1/trainings/{training}/participants"), Some(&token), Some(person)).await.json();
        let participant = added["id"].as_str().unwrap().to_string();
        let corrected = serde_json::json!({ "name": "Issa Coulibaly", "sex": "male", "organisation_id": anpe, "pre_score": "50", "post_score": "70", "certified": "true", "version": 1 });
        let reply = p.api("PUT", &format!("/api/v1/trainings/{training}/participants/{participant}"), Some(&token), Some(corrected)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!((reply.json()["post_score"].as_i64(), reply.json()["certified"].as_bool()), (Some(70), Some(true)));
        let path = format!("/api/v1/trainings/{training}/participants/{participant}");
        assert_eq!(p.api("DELETE", &format!("{path}?version=1"), Some(&token), None).await.status, StatusCode::CONFLICT);
        assert_eq!(p.api("DELETE", &format!("{path}?version=2"), Some(&token), None).await.status, StatusCode::NO_CONTENT);
        let actions = p.audit_actions().await;
        for action in ["training.update", "training.participant_update", "training.participant_remove"] {
            assert!(actions.iter().any(|(a, u)| a == action && u == "oim.admin"), "{action}");
        }
    }

    async fn agreement_documents_are_uploaded_replaced_and_downloaded(db) {
        let p = Platform::on(db).await;
        let anpe = p.org_id("ANPE").await.to_string();
        let mut oim = p.logged_in("oim.admin").await;
        oim.get("/agreements/new").await;
        let reply = oim.post("/agreements", &[("title", "Protocole OIM–ANPE"), ("kind", "mou"), ("parties", &anpe), ("scope", "Emploi"),
            ("start_on", &day(-10)), ("document", "Réf. 2026/17")]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let agreement = id_after(reply.location().unwrap(), "/agreements/");
        let path = format!("/agreements/{agreement}/documents");
        let page = get_raw(&p, &oim, &format!("/agreements/{agreement}")).await.text();
        assert!(page.contains("Réf. 2026/17"), "the text reference stays");
        let form_start = page.find("enctype=\"multipart/form-data\"").expect("an upload form");
        let form = &page[form_start..];
        assert!(form.find("name=\"_csrf\"").unwrap() < form.find("name=\"file\"").unwrap(), "the token comes first");
        let token = form_token(&page);

        // Not a document: refused next to the field, nothing written.
        let reply = post_multipart(&p, &oim, &path, &[Part::Text("_csrf", &token), Part::File("file", "notes.txt", b"Juste du texte.")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.text().contains("data-testid=\"file-error\""), "{}", reply.text());
        assert!(p.db.app.db.agreement_documents(agreement).await.unwrap().is_empty());
        let reply = post_multipart(&p, &oim, &path, &[Part::Text("_csrf", &token), Part::Text("description", "Signé le 3 mars"), Part::File("file", "Protocole signé.pdf", PDF)]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let mut docx = b"PK\x03\x04".to_vec();
        docx.resize(0x1E, 0);
        docx.extend_from_slice(b"word/document.xml ...");
        let reply = post_multipart(&p, &oim, &path, &[Part::Text("_csrf", &token), Part::File("file", "Avenant.docx", &docx)]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let versions = p.db.app.db.agreement_documents(agreement).await.unwrap();
        assert_eq!(versions.len(), 2);
        let page = get_raw(&p, &oim, &format!("/agreements/{agreement}")).await.text();
        assert_eq!(page.matches("data-testid=\"agreement-document\"").count(), 2);
        assert_eq!(page.matches("data-testid=\"document-current\"").count(), 1);
        assert!(page.contains("Version remplacée") && page.contains("Signé le 3 mars"));
        let file = get_raw(&p, &oim, &format!("{path}/{}", versions[1].id)).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.body, PDF);
        assert_eq!(file.header(header::CONTENT_TYPE), "application/pdf");
        assert!(file.header(header::CONTENT_DISPOSITION).starts_with("attachment;"));
        let file = get_raw(&p, &oim, &format!("{path}/{}", versions[0].id)).await;
        assert_eq!(file.header(header::CONTENT_TYPE), "application/vnd.openxmlformats-officedocument.wordprocessingml.document");

        // A draft is its organisation's: others get "not found"; once active, every reader downloads.
        let observer = p.logged_in("ue.observateur").await;
        assert_eq!(get_raw(&p, &observer, &format!("{path}/{}", versions[0].id)).await.status, StatusCode::NOT_FOUND);
        let page = oim.get(&format!("/agreements/{agreement}")).await;
        let version = version_in(&page.body, &format!("/agreements/{agreement}/action"));
        oim.post(&format!("/agreements/{agreement}/action"), &[("action", "activate"), ("version", &version)]).await;
        assert_eq!(get_raw(&p, &observer, &format!("{path}/{}", versions[0].id)).await.body, docx);
        let seen = get_raw(&p, &observer, &format!("/agreements/{agreement}")).await.text();
        assert!(seen.contains("data-testid=\"agreement-document\"") && !seen.contains("enctype=\"multipart/form-data\""), "no upload form");

        // The API: list, upload (multipart, no CSRF), download.
        let api_token = p.token("oim.admin").await.unwrap();
        let focal_token = p.token("anpe.focal").await.unwrap();
        let upload = |token: &str, parts: &[Part]| {
            Request::post(format!("/api/v1{path}"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
                .body(Body::from(multipart(parts)))
                .unwrap()
        };
        let third = b"%PDF-1.4\n% troisieme version\n%%EOF\n";
        assert_eq!(send(&p, upload(&focal_token, &[Part::File("file", "v3.pdf", third)])).await.status, StatusCode::FORBIDDEN);
        let refused = send(&p, upload(&api_token, &[Part::File("file", "v3.txt", b"texte")])).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().contains("\"field\":\"file\""), "{}", refused.text());
        let created = send(&p, upload(&api_token, &[Part::Text("description", "Version 3"), Part::File("file", "v3.pdf", third)])).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let listed = p.api("GET", &format!("/api/v1{path}"), Some(&focal_token), None).await.json();
        assert_eq!(listed.as_array().unwrap().len(), 3);
        assert_eq!(listed[0]["description"], "Version 3");
        let id = listed[2]["id"].as_str().unwrap();
        let content = send(&p, Request::get(format!("/api/v1{path}/{id}/content")).header(header::AUTHORIZATION, format!("Bearer {focal_token}")).body(Body::empty()).unwrap()).await;
        assert_eq!(content.body, PDF);
        let spec = p.api("GET", "/api/v1/openapi.json", None, None).await.json();
        for doc_path in ["/api/v1/agreements/{id}/documents", "/api/v1/agreements/{id}/documents/{document_id}/content",
            "/api/v1/trainings/{id}", "/api/v1/trainings/{id}/participants/{participant_id}"] {
            assert!(spec["paths"][doc_path].is_object(), "{doc_path} is documented");
        }
    }

    async fn practices_link_interventions_in_the_form_and_show_their_figures(db) {
        let p = Platform::on(db).await;
        let oim_actor = p.actor("oim.admin").await;
        let intervention = cnrm_app::interventions::visible_to(&p.db.app, &oim_actor).await.unwrap().into_iter().find(|i| i.published).unwrap();
        let chosen = intervention.id.to_string();
        let mut oim = p.logged_in("oim.admin").await;
        let form_page = oim.get("/practices/new").await;
        assert!(form_page.body.contains("name=\"link_intervention\"") && form_page.body.contains(&format!("value=\"{chosen}\"")));
        let fields = |id: &'static str| vec![("title", "Suivi conjoint"), ("summary", "Un suivi conjoint des micro-entreprises par deux partenaires."),
            ("dimension", "economic"), ("link_intervention", id), ("link_results", "80 % des entreprises actives à un an"),
            ("link_intervention", ""), ("link_results", "")];
        let reply = oim.post("/practices", &fields("0190f5e0-0000-7000-8000-000000000000")).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"interventions-error\"") && reply.body.contains("80 % des entreprises actives à un an"), "{}", reply.body);
        let chosen_static: &'static str = Box::leak(chosen.clone().into_boxed_str());
        let reply = oim.post("/practices", &fields(chosen_static)).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let practice = id_after(reply.location().unwrap(), "/practices/");
        let page = oim.get(&format!("/practices/{practice}")).await;
        assert!(page.body.contains("data-testid=\"practice-intervention\"") && page.body.contains(&format!("href=\"/interventions/{chosen}\"")));
        let escaped = intervention.title.replace('&', "&amp;").replace('\'', "&#39;").replace('"', "&quot;");
        assert!(page.body.contains(&escaped), "{}", intervention.title);
        let edit = oim.get(&format!("/practices/{practice}/edit")).await;
        assert!(edit.body.contains(&format!("value=\"{chosen}\" selected")), "the link is kept in the form");
        let token = p.token("oim.admin").await.unwrap();
        let view = p.api("GET", &format!("/api/v1/practices/{practice}"), Some(&token), None).await.json();
        assert_eq!(view["interventions"][0]["intervention_id"], chosen.as_str());
        assert_eq!(view["linked"][0]["targeted"].as_i64(), Some(intervention.targeted.total()));
        assert!(view["linked"][0]["reached"].is_i64());
        let body = serde_json::json!({ "title": "Via l'API", "summary": "Une pratique décrite par l'API avec une intervention.", "dimension": "social",
            "interventions": [{ "intervention_id": Uuid::now_v7(), "results": "Des résultats" }] });
        let reply = p.api("POST", "/api/v1/practices", Some(&token), Some(body)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("interventions"), "{}", reply.body);
    }

    async fn agreements_trainings_and_practices_pages(db) {
        let p = Platform::on(db).await;
        let anpe = p.org_id("ANPE").await.to_string();
        let mut oim = p.logged_in("oim.admin").await;
        assert_eq!(oim.get("/agreements/new").await.status, StatusCode::OK);
        // Bad input: 422 with messages, typed values kept, nothing written.
        let reply = oim.post("/agreements", &[("title", "Accord de test"), ("kind", "mou"), ("parties", &anpe), ("scope", "Tests"),
            ("start_on", "2026-05-01"), ("end_on", "2026-04-01")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"end_on-error\"") && reply.body.contains("value=\"Accord de test\""));
        let reply = oim.post("/agreements", &[("title", "Accord de test"), ("kind", "mou"), ("parties", &anpe), ("scope", "Tests"),
            ("start_on", &day(-10)), ("end_on", &day(30))]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let agreement = id_after(reply.location().unwrap(), "/agreements/");
        let page = oim.get(&format!("/agreements/{agreement}")).await;
        assert!(page.body.contains("Projet"));
        let version = version_in(&page.body, &format!("/agreements/{agreement}/action"));
        let reply = oim.post(&format!("/agreements/{agreement}/action"), &[("action", "activate"), ("version", &version)]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert!(oim.get("/work").await.body.contains(&format!("href=\"/agreements/{agreement}\"")), "renewal reminder");

        let reply = oim.post("/trainings", &[("title", "Gestion de cas"), ("topic", "case_management"), ("trainers", "Équipe OIM"),
            ("start_on", &day(-3)), ("end_on", &day(-1)), ("place", "Kayes")]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let training = id_after(reply.location().unwrap(), "/trainings/");
        let reply = oim.post(&format!("/trainings/{training}/participants"), &[("name", "Awa Diarra"), ("sex", "female"),
            ("organisation_id", &anpe), ("pre_score", "40"), ("post_score", "140")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"post_score-error\""));
        let reply = oim.post(&format!("/trainings/{training}/participants"), &[("name", "Awa Diarra"), ("sex", "female"),
            ("organisation_id", &anpe), ("pre_score", "40"), ("post_score", "75"), ("certified", "on")]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        let page = oim.get(&format!("/trainings/{training}")).await;
        assert!(page.body.contains("+35.0") && page.body.contains("Awa Diarra"));
        let mut observer = p.logged_in("ue.observateur").await;
        let seen = observer.get(&format!("/trainings/{training}")).await;
        assert!(seen.status == StatusCode::OK && !seen.body.contains("Awa Diarra"), "observers see counts only");
        let history = observer.get(&format!("/trainings?organisation={anpe}")).await;
        assert!(history.body.contains(&format!("href=\"/trainings/{training}\"")));

        let reply = oim.post("/practices", &[("title", "Accueil conjoint"), ("summary", "Trop court"), ("dimension", "social")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"summary-error\""));
        let reply = oim.post("/practices", &[("title", "Accueil conjoint"), ("summary", "Accueil des arrivants par plusieurs partenaires à la fois."),
            ("dimension", "social"), ("region", "ML09"), ("tags", "accueil, aéroport")]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let practice = id_after(reply.location().unwrap(), "/practices/");
        assert_eq!(observer.get(&format!("/practices/{practice}")).await.status, StatusCode::NOT_FOUND, "a draft is not public");
        let page = oim.get(&format!("/practices/{practice}")).await;
        let version = version_in(&page.body, &format!("/practices/{practice}/action"));
        assert_eq!(oim.post(&format!("/practices/{practice}/action"), &[("action", "submit"), ("version", &version)]).await.status, StatusCode::SEE_OTHER);
        let reply = oim.post(&format!("/practices/{practice}/action"), &[("action", "validate"), ("version", "2")]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "the secretariat validates");
        let mut secretariat = p.logged_in("secretariat").await;
        for (action, version) in [("validate", "2"), ("publish", "3")] {
            secretariat.get(&format!("/practices/{practice}")).await;
            let reply = secretariat.post(&format!("/practices/{practice}/action"), &[("action", action), ("version", version)]).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{action}: {}", reply.body);
        }
        let public = observer.get("/practices").await;
        assert!(public.body.contains(&format!("href=\"/practices/{practice}\"")) && public.body.contains("Publiée"));
    }
}
