//! The `cnrm` command line against real databases, on both backends.

use cnrm_app::test_both_backends;
use cnrm_app::testing::TestDb;
use std::process::Command;

mod support;
use support::{cnrm, text};

async fn drop_guards(db: &TestDb) {
    let statements: &[&str] = match db.app.db.backend() {
        cnrm_store::Backend::Sqlite => &["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"],
        cnrm_store::Backend::Postgres => &["DROP TRIGGER audit_log_no_change ON audit_log"],
    };
    for sql in statements {
        cnrm_app::testing::execute(db, sql).await.unwrap();
    }
}

test_both_backends! {
    async fn audit_verify_names_the_first_tampered_entry(db) {
        let demo = cnrm(&db, &["demo"]);
        assert!(demo.status.success(), "{}", text(&demo));
        let ok = cnrm(&db, &["audit", "verify"]);
        assert!(ok.status.success(), "{}", text(&ok));
        assert!(text(&ok).contains("Audit trail intact"), "{}", text(&ok));

        drop_guards(&db).await;
        cnrm_app::testing::execute(&db, "UPDATE audit_log SET details = '{\"forged\":true}' WHERE seq = 7").await.unwrap();
        let broken = cnrm(&db, &["audit", "verify"]);
        assert!(!broken.status.success());
        assert!(text(&broken).contains("entry 7 "), "{}", text(&broken));

        cnrm_app::testing::execute(&db, "DELETE FROM audit_log WHERE seq >= 7 AND seq <= 8").await.unwrap();
        let broken = cnrm(&db, &["audit", "verify"]);
        assert!(!broken.status.success());
        assert!(text(&broken).contains("entry 9 "), "{}", text(&broken));
    }

    async fn accounts_are_managed_from_the_console(db) {
        let added = cnrm(&db, &["user", "add", "--username", "kayes.agent", "--name", "Seydou Diarra", "--organisation", "CNRM", "--role", "case_worker", "--team", "Kayes"]);
        assert!(added.status.success(), "{}", text(&added));
        let password = text(&added).split("One-time password: ").nth(1).unwrap().trim().to_string();
        let user = db.app.db.user_by_username("kayes.agent").await.unwrap().unwrap();
        assert!(user.must_change_password);
        assert!(cnrm_app::auth::verify_password(&password, Some(&user.password_hash)).await);

        let bad = cnrm(&db, &["user", "add", "--username", "x", "--name", "", "--organisation", "CNRM", "--role", "king"]);
        assert!(!bad.status.success());
        let message = text(&bad);
        assert!(message.contains("--username") && message.contains("--role") && message.contains("--display-name"), "{message}");
        let unknown = cnrm(&db, &["user", "add", "--username", "abc", "--name", "Abc", "--organisation", "Nowhere", "--role", "case_worker"]);
        assert!(text(&unknown).contains("no organisation called"), "{}", text(&unknown));

        let reset = cnrm(&db, &["user", "reset-password", "kayes.agent"]);
        assert!(reset.status.success(), "{}", text(&reset));
        let user = db.app.db.user_by_username("kayes.agent").await.unwrap().unwrap();
        assert!(!cnrm_app::auth::verify_password(&password, Some(&user.password_hash)).await);

        let disabled = cnrm(&db, &["user", "disable", "kayes.agent"]);
        assert!(disabled.status.success(), "{}", text(&disabled));
        assert!(db.app.db.user_by_username("kayes.agent").await.unwrap().unwrap().disabled);
        let audit = db.app.db.audit_entries(&Default::default(), &cnrm_domain::paging::PageRequest { page: 1, per_page: 100, sort: "seq", descending: false, search: None }).await.unwrap();
        let actions: Vec<_> = audit.items.iter().filter(|e| e.actor_username == "console").map(|e| e.action.as_str()).collect();
        assert_eq!(actions, vec!["user.create", "user.password_reset", "user.disable"]);
        assert!(audit.items.iter().filter(|e| e.actor_username == "console").all(|e| e.details.contains("\"via\":\"cli\"")));
    }

    async fn admin_units_load_as_new_versions(db) {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("units.csv");
        std::fs::write(&good, "level,pcode,parent_pcode,iso_3166_2,name\n1,ML01,,ML-1,Kayes\n1,ML11,,,Nioro\n2,ML1101,ML11,,Nioro du Sahel\n").unwrap();
        let loaded = cnrm(&db, &["import", "admin-units", good.to_str().unwrap(), "--version", "reform-2023"]);
        assert!(loaded.status.success(), "{}", text(&loaded));
        let units = db.app.db.admin_units().await.unwrap();
        assert!(units.iter().any(|u| u.pcode == "ML1101" && u.current && u.dataset_version == "reform-2023"));
        assert!(units.iter().any(|u| u.pcode == "ML0103" && !u.current), "units no longer listed are kept, retired");
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, "level,pcode,parent_pcode,iso_3166_2,name\n2,ML9999,ML98,,Nowhere\n").unwrap();
        let refused = cnrm(&db, &["import", "admin-units", bad.to_str().unwrap(), "--version", "broken"]);
        assert!(!refused.status.success());
        assert!(text(&refused).contains("line 2"), "{}", text(&refused));
        assert!(db.app.db.admin_units().await.unwrap().iter().all(|u| u.pcode != "ML9999"), "nothing loaded");
    }
}

#[test]
fn help_lists_every_command() {
    let output = Command::new(env!("CARGO_BIN_EXE_cnrm")).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for command in ["serve", "migrate", "demo", "user", "audit", "import"] {
        assert!(help.contains(command), "{command} missing from:\n{help}");
    }
}
