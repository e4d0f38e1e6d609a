//! Services against real databases, on both backends.

use cnrm_app::actor::Via;
use cnrm_app::testing::TestDb;
use cnrm_app::{audit, auth, organisations, test_both_backends, users, Actor, AppError};
use cnrm_domain::organisation::OrganisationInput;
use cnrm_domain::paging::{PageQuery, PageRequest};
use cnrm_domain::user::UserInput;
use cnrm_store::AuditFilter;

fn org_input(name: &str) -> OrganisationInput {
    OrganisationInput {
        name: name.into(),
        acronym: "T".into(),
        kind: "national_ngo".into(),
        regions: vec!["ML01".into()],
        active: true,
        ..Default::default()
    }
}

async fn make_user(db: &TestDb, org: uuid::Uuid, username: &str, role: &str) -> (Actor, String) {
    let input = UserInput {
        username: username.into(),
        display_name: "Test User".into(),
        organisation_id: org.to_string(),
        role: role.into(),
        ..Default::default()
    };
    let account = users::create(&db.app, &Actor::console(), &input).await.unwrap();
    (Actor { user: account.user, ip: Some("10.0.0.1".into()), via: Via::Web }, account.password)
}

fn first_page() -> PageRequest {
    PageRequest::from_query(&PageQuery::default(), &["name"])
}

test_both_backends! {
    async fn organisations_are_created_updated_and_audited(db) {
        let org = organisations::create(&db.app, &Actor::console(), &org_input("Stop Sahel")).await.unwrap();
        let (admin, _) = make_user(&db, org.id, "sahel.admin", "org_admin").await;
        let mut input = org_input("Stop Sahel Mali");
        input.regions = vec!["ML01".into(), "ML0103".into()];
        input.active = false;
        let updated = organisations::update(&db.app, &admin, org.id, &input).await.unwrap();
        assert_eq!(updated.name, "Stop Sahel Mali");
        assert_eq!(updated.regions, vec!["ML01", "ML0103"]);
        assert!(updated.active, "an organisation administrator cannot deactivate their organisation");
        let stored = db.app.db.organisation(org.id).await.unwrap().unwrap();
        assert_eq!(stored, updated);

        let filter = AuditFilter { action_prefix: Some("organisation.update".into()), ..Default::default() };
        let entries = db.app.db.audit_entries(&filter, &first_page()).await.unwrap();
        assert_eq!(entries.total, 1);
        let details: serde_json::Value = serde_json::from_str(&entries.items[0].details).unwrap();
        assert_eq!(details["name"]["before"], "Stop Sahel");
        assert_eq!(details["name"]["after"], "Stop Sahel Mali");
        assert!(details.get("active").is_none());
        assert_eq!(entries.items[0].actor_username, "sahel.admin");

        // Bad input changes nothing and names the fields.
        let mut bad = org_input("");
        bad.regions = vec!["XX".into()];
        match organisations::update(&db.app, &admin, org.id, &bad).await {
            Err(AppError::Invalid(errors)) => {
                assert_eq!(errors.for_field("name"), Some("error-required"));
                assert_eq!(errors.for_field("regions"), Some("error-unknown-admin-unit"));
            }
            other => panic!("expected invalid input, got {:?}", other.map(|o| o.name)),
        }
        assert_eq!(db.app.db.organisation(org.id).await.unwrap().unwrap(), updated);
        // Duplicate names are refused on the name field.
        let dup = organisations::create(&db.app, &Actor::console(), &org_input("stop sahel mali")).await;
        assert!(matches!(dup, Err(AppError::Invalid(e)) if e.for_field("name") == Some("error-name-taken")));
    }

    async fn another_organisations_records_are_invisible(db) {
        let a = organisations::create(&db.app, &Actor::console(), &org_input("Org A")).await.unwrap();
        let b = organisations::create(&db.app, &Actor::console(), &org_input("Org B")).await.unwrap();
        let (admin_a, _) = make_user(&db, a.id, "a.admin", "org_admin").await;
        let (_, _) = make_user(&db, b.id, "b.worker", "case_worker").await;
        let b_user = db.app.db.user_by_username("b.worker").await.unwrap().unwrap();
        let listed = users::list(&db.app, &admin_a, &first_page()).await.unwrap();
        assert!(listed.items.iter().all(|u| u.organisation_id == a.id));
        assert!(matches!(users::get(&db.app, &admin_a, b_user.id).await, Err(AppError::NotFound)));
        assert!(matches!(users::reset_password(&db.app, &admin_a, b_user.id).await, Err(AppError::NotFound)));
        let steal = UserInput { username: "intruder".into(), display_name: "Intruder".into(), organisation_id: b.id.to_string(), role: "case_worker".into(), ..Default::default() };
        assert!(matches!(users::create(&db.app, &admin_a, &steal).await, Err(AppError::Invalid(e)) if e.for_field("organisation_id").is_some()));
        assert!(matches!(organisations::update(&db.app, &admin_a, b.id, &org_input("Mine now")).await, Err(AppError::Forbidden)));
        let promote = UserInput { username: "boss".into(), display_name: "Boss".into(), organisation_id: a.id.to_string(), role: "platform_admin".into(), ..Default::default() };
        assert!(matches!(users::create(&db.app, &admin_a, &promote).await, Err(AppError::Invalid(e)) if e.for_field("role") == Some("error-role-not-assignable")));
    }

    async fn login_locks_after_repeated_failures(db) {
        let org = organisations::create(&db.app, &Actor::console(), &org_input("Org L")).await.unwrap();
        let (_, password) = make_user(&db, org.id, "locked.out", "case_worker").await;
        assert!(matches!(auth::login(&db.app, "locked.out", "wrong password!", "10.1.1.1", "t").await, Err(AppError::BadCredentials)));
        assert!(matches!(auth::login(&db.app, "nobody", "wrong password!", "10.1.1.1", "t").await, Err(AppError::BadCredentials)));
        let ok = auth::login(&db.app, "LOCKED.OUT", &password, "10.1.1.1", "t").await.unwrap();
        assert!(auth::session_user(&db.app, &ok.token).await.unwrap().is_some());
        for _ in 0..4 {
            assert!(matches!(auth::login(&db.app, "locked.out", "nope nope nope", "10.1.1.2", "t").await, Err(AppError::BadCredentials)));
        }
        assert!(matches!(auth::login(&db.app, "locked.out", "nope nope nope", "10.1.1.2", "t").await, Err(AppError::AccountLocked { .. })));
        // Locked: even the right password is refused until the window passes.
        assert!(matches!(auth::login(&db.app, "locked.out", &password, "10.1.1.3", "t").await, Err(AppError::AccountLocked { .. })));
        let filter = AuditFilter { action_prefix: Some("login".into()), ..Default::default() };
        let entries = db.app.db.audit_entries(&filter, &first_page()).await.unwrap();
        let actions: Vec<_> = entries.items.iter().map(|e| e.action.as_str()).collect();
        // 1 wrong password, 1 unknown account, 4 more wrong, and the one that locked.
        assert_eq!(actions.iter().filter(|a| **a == "login.failure").count(), 7);
        assert_eq!(actions.iter().filter(|a| **a == "login.success").count(), 1);
        assert_eq!(actions.iter().filter(|a| **a == "login.refused").count(), 1);
    }

    async fn sessions_end_at_logout_password_change_and_disable(db) {
        let org = organisations::create(&db.app, &Actor::console(), &org_input("Org S")).await.unwrap();
        let (_, password) = make_user(&db, org.id, "sess.user", "case_worker").await;
        let login = auth::login(&db.app, "sess.user", &password, "10.2.0.1", "t").await.unwrap();
        let (user, session) = auth::session_user(&db.app, &login.token).await.unwrap().unwrap();
        let actor = Actor { user, ip: None, via: Via::Web };
        auth::logout(&db.app, &actor, &session).await.unwrap();
        assert!(auth::session_user(&db.app, &login.token).await.unwrap().is_none());

        let login = auth::login(&db.app, "sess.user", &password, "10.2.0.1", "t").await.unwrap();
        let new_password = "un nouveau mot de passe solide";
        assert!(matches!(auth::change_password(&db.app, &actor, "wrong", new_password, new_password).await, Err(AppError::Invalid(e)) if e.for_field("current_password").is_some()));
        assert!(matches!(auth::change_password(&db.app, &actor, &password, new_password, "other").await, Err(AppError::Invalid(e)) if e.for_field("confirm_password").is_some()));
        auth::change_password(&db.app, &actor, &password, new_password, new_password).await.unwrap();
        assert!(auth::session_user(&db.app, &login.token).await.unwrap().is_none());
        assert!(matches!(auth::login(&db.app, "sess.user", &password, "10.2.0.1", "t").await, Err(AppError::BadCredentials)));
        let login = auth::login(&db.app, "sess.user", new_password, "10.2.0.1", "t").await.unwrap();
        users::disable(&db.app, &Actor::console(), login.user.id).await.unwrap();
        assert!(auth::session_user(&db.app, &login.token).await.unwrap().is_none());
        assert!(matches!(auth::login(&db.app, "sess.user", new_password, "10.2.0.1", "t").await, Err(AppError::AccountDisabled)));
    }

    async fn api_tokens_expire_and_revoke(db) {
        let org = organisations::create(&db.app, &Actor::console(), &org_input("Org T")).await.unwrap();
        let (actor, _) = make_user(&db, org.id, "token.user", "case_manager").await;
        let (token, secret) = auth::create_api_token(&db.app, &actor, "import script", 30).await.unwrap();
        assert!(secret.starts_with(&token.prefix));
        let api = auth::api_actor(&db.app, &secret, None).await.unwrap();
        assert_eq!(api.user.id, actor.user.id);
        assert!(matches!(auth::api_actor(&db.app, "cnrm_forged", None).await, Err(AppError::Unauthenticated)));
        assert!(matches!(auth::create_api_token(&db.app, &actor, "too long", 400).await, Err(AppError::Invalid(_))));
        auth::revoke_api_token(&db.app, &actor, token.id).await.unwrap();
        assert!(matches!(auth::api_actor(&db.app, &secret, None).await, Err(AppError::Unauthenticated)));
    }

    async fn tampering_with_the_audit_trail_is_detected(db) {
        for name in ["Org 1", "Org 2", "Org 3"] {
            organisations::create(&db.app, &Actor::console(), &org_input(name)).await.unwrap();
        }
        let total = audit::verify(db.app.db.as_ref(), |_, _| {}).await.unwrap();
        assert!(total >= 5, "{total}");
        // The database refuses changes to the trail...
        let sql_update = "UPDATE audit_log SET actor_username = 'mallory' WHERE seq = 3";
        assert!(raw(&db, sql_update).await.is_err());
        // ...so a tamperer with direct access removes the guard first; verification still names the entry.
        let original = db.app.db.audit_chain(2, 1).await.unwrap()[0].actor_username.clone();
        drop_guards(&db).await;
        raw(&db, sql_update).await.unwrap();
        let error = audit::verify(db.app.db.as_ref(), |_, _| {}).await.unwrap_err().to_string();
        assert!(error.contains("entry 3 "), "{error}");
        raw(&db, &format!("UPDATE audit_log SET actor_username = '{original}' WHERE seq = 3")).await.unwrap();
        audit::verify(db.app.db.as_ref(), |_, _| {}).await.unwrap();
        raw(&db, "DELETE FROM audit_log WHERE seq = 2").await.unwrap();
        let error = audit::verify(db.app.db.as_ref(), |_, _| {}).await.unwrap_err().to_string();
        assert!(error.contains("entry 3 "), "{error}");
    }
}

async fn raw(db: &TestDb, sql: &str) -> Result<(), cnrm_store::StoreError> {
    cnrm_app::testing::execute(db, sql).await
}

async fn drop_guards(db: &TestDb) {
    match db.app.db.backend() {
        cnrm_store::Backend::Sqlite => {
            raw(db, "DROP TRIGGER audit_log_no_update").await.unwrap();
            raw(db, "DROP TRIGGER audit_log_no_delete").await.unwrap();
        }
        cnrm_store::Backend::Postgres => raw(db, "DROP TRIGGER audit_log_no_change ON audit_log").await.unwrap(),
    }
}
