//! The filiation (father's given name, mother's full name) of a returnee, on both backends: stored
//! with the registration and its changes, read by the identity matcher, refused when not a name in
//! Latin letters, and added by migration 0023 to databases that already hold persons.

use cnrm_app::cases::{self, CaseQuery};
use cnrm_app::exports::{self, ExportValue};
use cnrm_app::identity;
use cnrm_app::test_both_backends;
use cnrm_app::testing::{self, actor, execute, load_demo, register};
use cnrm_app::AppError;
use cnrm_domain::export_fields::{includes_personal, parse_fields, ExportFormat, ExportList};
use cnrm_domain::person::PersonInput;
use cnrm_domain::sharing::SharedField;

fn with_parents(family: &str, given: &str, father: &str, mother: &str) -> cnrm_app::cases::Registration {
    let mut input = testing::registration(family, given, "male", "1994", "2025-03-10");
    input.person.father_name = father.into();
    input.person.mother_name = mother.into();
    input
}

test_both_backends! {
    async fn the_filiation_is_stored_changed_and_read_by_the_matcher(db) {
        load_demo(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let case = register(&db, &worker, &with_parents("Sangaré", "Adama", "Mamadou", "Fatoumata  Diarra")).await;
        let file = db.app.db.case_file(case.id).await.unwrap().unwrap();
        assert_eq!(file.person.draft.father_name.as_deref(), Some("Mamadou"));
        assert_eq!(file.person.draft.mother_name.as_deref(), Some("Fatoumata Diarra"));
        let record = db.app.db.identity_records_of(&[file.person.id]).await.unwrap().remove(0);
        let seen = identity::match_record(&record);
        assert_eq!((seen.father_name.as_str(), seen.mother_name.as_str()), ("Mamadou", "Fatoumata Diarra"));

        let change = PersonInput { mother_name: "Oumou Sangaré".into(), ..with_parents("Sangaré", "Adama", "Mamadou", "").person };
        let person = cases::update_person(&db.app, &worker, case.id, file.person.version, &change).await.unwrap();
        assert_eq!(person.draft.mother_name.as_deref(), Some("Oumou Sangaré"));
        let stored = db.app.db.case_file(case.id).await.unwrap().unwrap().person.draft;
        assert_eq!((stored.father_name.as_deref(), stored.mother_name.as_deref()), (Some("Mamadou"), Some("Oumou Sangaré")));
        let record = db.app.db.identity_records_of(&[person.id]).await.unwrap().remove(0);
        assert_eq!(record.mother_name, "Oumou Sangaré", "the matcher reads the change");
        assert_eq!(db.app.db.case_file(case.id).await.unwrap().unwrap().person.version, file.person.version + 1);
    }

    async fn a_bad_filiation_is_refused_with_its_field_and_nothing_written(db) {
        load_demo(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let before = cases::list(&db.app, &worker, &CaseQuery::default()).await.unwrap().total;
        let digits = cases::register(&db.app, &worker, &with_parents("Sangaré", "Adama", "1975", "")).await;
        assert_eq!(testing::invalid(digits, "father_name"), "error-name-letters");
        let arabic = cases::register(&db.app, &worker, &with_parents("Sangaré", "Adama", "", "فاطمة ديارا")).await;
        assert_eq!(testing::invalid(arabic, "mother_name"), "error-name-latin");
        assert_eq!(cases::list(&db.app, &worker, &CaseQuery::default()).await.unwrap().total, before, "nothing written");

        let case = register(&db, &worker, &with_parents("Sangaré", "Adama", "Mamadou", "")).await;
        let version = db.app.db.case_file(case.id).await.unwrap().unwrap().person.version;
        let change = with_parents("Sangaré", "Adama", "مامادو", "").person;
        assert_eq!(testing::invalid(cases::update_person(&db.app, &worker, case.id, version, &change).await, "father_name"), "error-name-latin");
        let stored = db.app.db.case_file(case.id).await.unwrap().unwrap().person;
        assert_eq!((stored.draft.father_name.as_deref(), stored.version), (Some("Mamadou"), version), "unchanged");
    }

    async fn the_filiation_is_a_personal_export_field_and_never_shared(db) {
        load_demo(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let manager = actor(&db, "oim.gestion").await;
        let case = register(&db, &worker, &with_parents("Sangaré", "Adama", "Mamadou", "Fatoumata Diarra")).await;
        let chosen = parse_fields(ExportList::Cases, &["case_number,father_name,mother_name"]).unwrap();
        assert!(includes_personal(&chosen), "personal data");
        let one = CaseQuery { q: case.case_number.clone(), ..Default::default() };
        let refused = exports::export_cases(&db.app, &worker, &one, &chosen, ExportFormat::Csv).await;
        assert!(matches!(refused, Err(AppError::Forbidden)), "not in an anonymised export: {refused:?}");
        let export = exports::export_cases(&db.app, &manager, &one, &chosen, ExportFormat::Csv).await.unwrap();
        let cells: Vec<String> = export.rows[0]
            .iter()
            .map(|v| match v {
                ExportValue::Text(t) => t.clone(),
                ExportValue::Number(n) => n.to_string(),
            })
            .collect();
        assert_eq!(cells, [case.case_number.as_str(), "Mamadou", "Fatoumata Diarra"]);
        assert!(parse_fields(ExportList::Surveys, &["father_name"]).is_err(), "not in the survey export");
        // Need to know: no referral may carry the parents' names.
        assert!(SharedField::ALL.iter().all(|f| !f.code().contains("father") && !f.code().contains("mother")));
    }

    async fn migration_0023_gives_existing_persons_an_empty_filiation(db) {
        load_demo(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let case = register(&db, &worker, &with_parents("Konaté", "Moussa", "", "")).await;
        // Back to the database as it was before 0023, with a person in it.
        execute(&db, "ALTER TABLE persons DROP COLUMN father_name").await.unwrap();
        execute(&db, "ALTER TABLE persons DROP COLUMN mother_name").await.unwrap();
        execute(&db, "DELETE FROM _sqlx_migrations WHERE version = 23").await.unwrap();
        assert!(execute(&db, "SELECT father_name FROM persons").await.is_err(), "the column is gone");

        db.app.db.migrate().await.expect("0023 applies to a database with persons");
        assert!(execute(&db, "SELECT father_name, mother_name FROM persons").await.is_ok());
        let person = db.app.db.case_file(case.id).await.unwrap().unwrap().person;
        assert_eq!((person.draft.father_name, person.draft.mother_name), (None, None), "registered before 0023");
        let record = db.app.db.identity_records_of(&[person.id]).await.unwrap().remove(0);
        assert_eq!((record.father_name.as_str(), record.mother_name.as_str()), ("", ""), "empty strings, not NULL");
        let with = register(&db, &worker, &with_parents("Konaté", "Moussa", "Bakary", "Awa Keïta")).await;
        let stored = db.app.db.case_file(with.id).await.unwrap().unwrap().person.draft;
        assert_eq!(stored.father_name.as_deref(), Some("Bakary"), "new rows use the columns");
    }
}
