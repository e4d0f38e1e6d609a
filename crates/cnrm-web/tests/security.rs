//! Authentication, CSRF, isolation between organisations, forms and audit, through the router,
//! on both backends.

mod support;

use axum::http::StatusCode;
use cnrm_app::test_both_backends;
use support::{Platform, DEMO_PASSWORD};

test_both_backends! {
    async fn session_cookies_are_http_only_same_site_and_secure_over_https(db) {
        let settings = cnrm_web::WebSettings { secure_cookies: true, trust_forwarded_for: false };
        let p = Platform::with_settings(db, settings).await;
        p.accept_conduct("oim.agent").await;
        let cookies = p.client().login_cookies("oim.agent", DEMO_PASSWORD).await;
        let session = cookies.iter().find(|c| c.starts_with("cnrm_session=")).expect("a session cookie");
        for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
            assert!(session.contains(attribute), "{attribute} missing from {session}");
        }
        let plain = Platform::on(cnrm_app::testing::TestDb::new(cnrm_app::testing::TestBackend::Sqlite).await).await;
        let cookies = plain.client().login_cookies("oim.agent", DEMO_PASSWORD).await;
        let session = cookies.iter().find(|c| c.starts_with("cnrm_session=")).unwrap();
        assert!(session.contains("HttpOnly") && !session.contains("Secure"), "{session}");
    }

    async fn wrong_password_then_lockout_with_a_clear_message(db) {
        let p = Platform::on(db).await;
        let mut client = p.client();
        let reply = client.login("oim.agent", "not the password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(reply.body.contains("role=\"alert\""));
        assert!(reply.body.contains("Identifiant ou mot de passe incorrect."));
        assert!(reply.body.contains("value=\"oim.agent\""), "the username typed is kept");
        for _ in 0..3 {
            client.post("/login", &[("username", "oim.agent"), ("password", "still wrong")]).await;
        }
        let reply = client.post("/login", &[("username", "oim.agent"), ("password", "still wrong")]).await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(reply.body.contains("bloqué pendant 15 minutes"), "{}", reply.body);
        let reply = client.post("/login", &[("username", "oim.agent"), ("password", DEMO_PASSWORD)]).await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "locked even with the right password");
        assert!(!client.cookies.contains_key("cnrm_session"));
    }

    async fn forms_without_a_valid_csrf_token_are_refused(db) {
        let p = Platform::on(db).await;
        let mut anonymous = p.client();
        anonymous.get("/login").await;
        let reply = anonymous.post_raw("/login", &[("username", "oim.agent"), ("password", DEMO_PASSWORD)]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "login without token");
        let mut admin = p.logged_in("admin").await;
        let form = [("name", "Organisation sans jeton"), ("type", "national_ngo")];
        let reply = admin.post_raw("/organisations", &form).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert!(reply.body.contains("Formulaire expiré"));
        let mut forged = vec![("_csrf", "0000000000000000000000000000000000000000000000000000000000000000")];
        forged.extend_from_slice(&form);
        assert_eq!(admin.post_raw("/organisations", &forged).await.status, StatusCode::FORBIDDEN);
        assert_eq!(admin.post_raw("/logout", &[]).await.status, StatusCode::FORBIDDEN);
        let names = p.db.app.db.organisation_names().await.unwrap();
        assert!(names.iter().all(|o| o.name != "Organisation sans jeton"), "nothing was created");
        assert!(p.audit_actions().await.iter().any(|(a, u)| a == "access.csrf_rejected" && u == "admin"));
        // With the page's token, the same form goes through.
        admin.get("/organisations/new").await;
        assert_eq!(admin.post("/organisations", &form).await.status, StatusCode::SEE_OTHER);
    }

    async fn a_session_is_dead_after_logout(db) {
        let p = Platform::on(db).await;
        let mut client = p.logged_in("oim.gestion").await;
        assert_eq!(client.get("/").await.status, StatusCode::OK);
        let stolen = client.cookies.clone();
        let reply = client.post("/logout", &[]).await;
        assert_eq!(reply.location(), Some("/login"));
        let mut replay = p.client();
        replay.cookies = stolen;
        let reply = replay.get("/").await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert!(reply.location().unwrap().starts_with("/login"));
    }

    async fn expired_and_revoked_api_tokens_get_401(db) {
        let p = Platform::on(db).await;
        let token = p.token("oim.gestion").await.unwrap();
        assert_eq!(p.api("GET", "/api/v1/me", Some(&token), None).await.status, StatusCode::OK);
        cnrm_app::testing::execute(&p.db, "UPDATE api_tokens SET expires_at = '2000-01-01T00:00:00Z'").await.unwrap();
        let reply = p.api("GET", "/api/v1/me", Some(&token), None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.headers["www-authenticate"], "Bearer");
        assert_eq!(reply.json()["code"], "unauthenticated");

        let token = p.token("oim.gestion").await.unwrap();
        let mut client = p.logged_in("oim.gestion").await;
        let page = client.get("/account").await;
        let id = p.db.app.db.api_tokens_of(p.user_id("oim.gestion").await).await.unwrap()[0].id;
        assert!(page.body.contains(&id.to_string()));
        assert_eq!(client.post(&format!("/account/tokens/{id}/revoke"), &[]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(p.api("GET", "/api/v1/me", Some(&token), None).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(p.api("GET", "/api/v1/me", Some("cnrm_guess"), None).await.status, StatusCode::UNAUTHORIZED);
        // Someone else's token cannot be revoked, nor its existence learnt.
        let other = p.token("oim.agent").await.unwrap();
        let other_id = p.db.app.db.api_tokens_of(p.user_id("oim.agent").await).await.unwrap()[0].id;
        assert_eq!(client.post(&format!("/account/tokens/{other_id}/revoke"), &[]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(p.api("GET", "/api/v1/me", Some(&other), None).await.status, StatusCode::OK);
    }

    async fn one_organisation_cannot_see_anothers_accounts(db) {
        let p = Platform::on(db).await;
        let anpe_user = p.user_id("anpe.focal").await;
        let mut oim = p.logged_in("oim.admin").await;
        let list = oim.get("/users?per_page=200").await;
        assert!(list.body.contains("oim.agent"));
        assert!(!list.body.contains("anpe.focal"), "other organisation's account listed");
        let search = oim.get("/users?q=anpe").await;
        assert!(!search.body.contains("anpe.focal"));
        assert!(search.body.contains("Aucun résultat."));
        assert_eq!(oim.get(&format!("/users/{anpe_user}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(oim.get(&format!("/users/{}", uuid::Uuid::now_v7())).await.status, StatusCode::NOT_FOUND);
        let token = p.token("oim.admin").await.unwrap();
        let api = p.api("GET", "/api/v1/users?per_page=200", Some(&token), None).await.json();
        let oim_id = p.org_id("OIM").await.to_string();
        assert!(api["items"].as_array().unwrap().iter().all(|u| u["organisation_id"] == oim_id.as_str()));
        let api = p.api("GET", "/api/v1/users?q=anpe", Some(&token), None).await.json();
        assert_eq!(api["total"], 0);
        assert_eq!(p.api("GET", &format!("/api/v1/users/{anpe_user}"), Some(&token), None).await.status, StatusCode::NOT_FOUND);
        // The audit trail an organisation administrator sees holds only their organisation's actors.
        let mut anpe = p.logged_in("anpe.focal").await;
        anpe.get("/").await;
        let audit = p.api("GET", "/api/v1/audit?per_page=200", Some(&token), None).await.json();
        let items = audit["items"].as_array().unwrap();
        assert!(!items.is_empty());
        assert!(items.iter().all(|e| e["actor_organisation_id"] == oim_id.as_str()), "{items:?}");
        let page = oim.get("/audit?actor=anpe").await;
        assert!(!page.body.contains("anpe.focal"));
    }

    async fn invalid_forms_come_back_with_messages_and_typed_values(db) {
        let p = Platform::on(db).await;
        let mut admin = p.logged_in("admin").await;
        admin.get("/organisations/new").await;
        let reply = admin.post("/organisations", &[("name", "Association Bamako Retour"), ("type", ""), ("contact_email", "pas-une-adresse"), ("regions", "ML09")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("value=\"Association Bamako Retour\""), "typed name kept");
        assert!(reply.body.contains("value=\"pas-une-adresse\""), "typed e-mail kept");
        assert!(reply.body.contains("id=\"type-error\""));
        assert!(reply.body.contains("Choisissez un type dans la liste."));
        assert!(reply.body.contains("id=\"contact_email-error\""));
        assert!(reply.body.contains("value=\"ML09\" checked"), "ticked region kept");
        assert!(p.db.app.db.organisation_names().await.unwrap().iter().all(|o| o.name != "Association Bamako Retour"));
        // The API says the same in a problem document.
        let token = p.token("admin").await.unwrap();
        let reply = p.api("POST", "/api/v1/organisations", Some(&token), Some(serde_json::json!({"name": "X", "type": "club"}))).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let problem = reply.json();
        assert_eq!(problem["code"], "invalid_input");
        let fields: Vec<_> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect();
        assert_eq!(fields, vec!["name", "type"]);
        let reply = p.api("POST", "/api/v1/organisations", Some(&token), Some(serde_json::json!("not an object"))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.json()["code"], "invalid_json");
    }

    async fn the_language_choice_is_remembered(db) {
        let p = Platform::on(db).await;
        let mut client = p.logged_in("oim.agent").await;
        assert!(client.get("/").await.body.contains("<h1>Accueil</h1>"));
        let reply = client.post("/locale", &[("locale", "en"), ("next", "/organisations")]).await;
        assert_eq!(reply.location(), Some("/organisations"));
        assert!(client.get("/").await.body.contains("<h1>Home</h1>"));
        assert_eq!(p.db.app.db.user_by_username("oim.agent").await.unwrap().unwrap().locale, cnrm_domain::Locale::En);
        // A new session on another browser starts in English too.
        let mut other = p.client();
        other.login("oim.agent", DEMO_PASSWORD).await;
        assert!(other.get("/").await.body.contains("lang=\"en\""));
        let reply = client.post("/locale", &[("locale", "fr"), ("next", "https://evil.example/")]).await;
        assert_eq!(reply.location(), Some("/"), "no open redirect");
    }

    async fn first_login_requires_the_code_of_conduct_and_a_new_password(db) {
        let p = Platform::on(db).await;
        let mut admin = p.logged_in("admin").await;
        admin.get("/users/new").await;
        let oim = p.org_id("OIM").await.to_string();
        let reply = admin.post("/users", &[("username", "nouvel.agent"), ("display_name", "Awa Konaté"), ("organisation_id", &oim), ("role", "case_worker")]).await;
        assert_eq!(reply.status, StatusCode::OK);
        let marker = "data-testid=\"one-time-password\">";
        let start = reply.body.find(marker).unwrap() + marker.len();
        let password = reply.body[start..].split('<').next().unwrap().to_string();
        let mut newcomer = p.client();
        assert_eq!(newcomer.login("nouvel.agent", &password).await.status, StatusCode::SEE_OTHER);
        assert_eq!(newcomer.get("/organisations").await.location(), Some("/code-of-conduct"));
        let page = newcomer.get("/code-of-conduct").await;
        assert!(page.body.contains("data-testid=\"accept-conduct\""));
        let version = p.db.app.db.current_code_of_conduct().await.unwrap().unwrap().version.to_string();
        assert_eq!(newcomer.post("/code-of-conduct", &[("version", &version)]).await.location(), Some("/"));
        assert_eq!(newcomer.get("/organisations").await.location(), Some("/account/password"));
        let reply = newcomer.post("/account/password", &[("current_password", &password), ("new_password", "court"), ("confirm_password", "court")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("au moins 12 caractères"));
        let fresh = "la pluie tombe sur Kayes en août";
        let reply = newcomer.post("/account/password", &[("current_password", &password), ("new_password", fresh), ("confirm_password", fresh)]).await;
        assert_eq!(reply.location(), Some("/login?msg=password-changed"));
        let mut again = p.client();
        assert_eq!(again.login("nouvel.agent", fresh).await.status, StatusCode::SEE_OTHER);
        assert_eq!(again.get("/organisations").await.status, StatusCode::OK);
        // A new version of the code must be accepted again.
        admin.get("/admin/code-of-conduct").await;
        let text = "Nouvelle version du code de conduite, plus stricte encore.";
        assert_eq!(admin.post("/admin/code-of-conduct", &[("text_fr", text), ("text_en", "A new, stricter version of the code of conduct.")]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(again.get("/organisations").await.location(), Some("/code-of-conduct"));
        assert!(again.get("/code-of-conduct").await.body.contains(text));
    }

    async fn every_action_leaves_an_audit_entry(db) {
        let p = Platform::on(db).await;
        let mut client = p.client();
        client.login("admin", "wrong password here").await;
        let mut admin = p.logged_in("admin").await;
        admin.get("/organisations/new").await;
        let reply = admin.post("/organisations", &[("name", "Stop Sahel"), ("type", "national_ngo"), ("regions", "ML09")]).await;
        let org = reply.location().unwrap().trim_start_matches("/organisations/").split('?').next().unwrap().to_string();
        admin.get(&format!("/organisations/{org}/edit")).await;
        admin.post(&format!("/organisations/{org}"), &[("name", "Stop Sahel Mali"), ("type", "national_ngo"), ("regions", "ML09"), ("active", "true")]).await;
        let target = p.user_id("oim.agent").await;
        admin.get(&format!("/users/{target}")).await;
        admin.post(&format!("/users/{target}"), &[("display_name", "Mariam Sissoko"), ("role", "case_worker"), ("team", "Gao")]).await;
        admin.get("/audit").await;
        let mut worker = p.logged_in("oim.agent").await;
        worker.get("/audit").await;
        admin.post("/logout", &[]).await;
        let actions = p.audit_actions().await;
        for (action, actor) in [
            ("login.failure", "admin"),
            ("login.success", "admin"),
            ("organisation.create", "admin"),
            ("organisation.update", "admin"),
            ("user.view", "admin"),
            ("user.update", "admin"),
            ("audit.view", "admin"),
            ("access.denied", "oim.agent"),
            ("logout", "admin"),
        ] {
            assert!(actions.iter().any(|(a, u)| a == action && u == actor), "no {action} by {actor} in {actions:?}");
        }
        let filter = cnrm_store::AuditFilter { action_prefix: Some("user.update".into()), ..Default::default() };
        let page = cnrm_domain::paging::PageRequest { page: 1, per_page: 10, sort: "seq", descending: false, search: None };
        let entry = &p.db.app.db.audit_entries(&filter, &page).await.unwrap().items[0];
        let details: serde_json::Value = serde_json::from_str(&entry.details).unwrap();
        assert_eq!(details["team"], serde_json::json!({"before": "Kayes", "after": "Gao"}));
        assert!(entry.ip.is_some());
        cnrm_app::audit::verify(p.db.app.db.as_ref(), |_, _| {}).await.unwrap();
    }
}
