//! Case list exports with a choice of fields, on both backends: only the chosen columns, only the
//! cases the reader may see (never another organisation's), personal fields only with the
//! permission, one audit entry per export and none for a refused one.

use cnrm_app::cases::{self, CaseQuery};
use cnrm_app::exports::{self, ExportValue};
use cnrm_app::surveys::{self, SurveyInput};
use cnrm_app::testing::{self, actor, add_account, load_demo, register, TestDb};
use cnrm_app::{test_both_backends, Actor, AppError};
use cnrm_domain::export_fields::{parse_fields, ExportField, ExportFormat, ExportList};
use cnrm_domain::paging::PageRequest;
use cnrm_domain::person::DocumentInput;
use cnrm_domain::questionnaire::Answers;
use cnrm_domain::Role;
use cnrm_store::AuditFilter;

fn fields(codes: &str) -> Vec<&'static ExportField> {
    parse_fields(ExportList::Cases, &[codes]).unwrap()
}

fn text(value: &ExportValue) -> &str {
    match value {
        ExportValue::Text(t) => t,
        ExportValue::Number(_) => panic!("a number"),
    }
}

/// The `export.cases` audit entries: (username, details).
async fn export_entries(db: &TestDb) -> Vec<(String, serde_json::Value)> {
    let filter = AuditFilter { action_prefix: Some("export.cases".into()), ..Default::default() };
    let page = PageRequest { page: 1, per_page: 200, sort: "seq", descending: false, search: None };
    let entries = db.app.db.audit_entries(&filter, &page).await.unwrap().items;
    entries.into_iter().map(|e| (e.actor_username, serde_json::from_str(&e.details).unwrap())).collect()
}

/// Every case number of the actor's case list with this query.
async fn listed(db: &TestDb, who: &Actor, query: &CaseQuery) -> Vec<String> {
    let mut numbers = Vec::new();
    let mut query = CaseQuery { per_page: Some(200), page: Some(1), ..query.clone() };
    loop {
        let page = cases::list(&db.app, who, &query).await.unwrap();
        let done = page.items.len() < 200;
        numbers.extend(page.items.into_iter().map(|c| c.case_number));
        if done {
            break;
        }
        query.page = Some(query.page.unwrap() + 1);
    }
    numbers.sort();
    numbers
}

fn column(export: &exports::ListExport, code: &str) -> Vec<String> {
    let i = export.fields.iter().position(|f| f.code == code).unwrap();
    export.rows.iter().map(|r| text(&r[i]).to_string()).collect()
}

test_both_backends! {
    async fn an_anonymised_export_has_the_chosen_fields_only_and_the_lists_cases(db) {
        load_demo(&db).await;
        let manager = actor(&db, "oim.gestion").await;
        let elsewhere = add_account(&db, "crm.gestion", Role::CaseManager, "CRM", None).await;
        let theirs = register(&db, &elsewhere, &testing::registration("Koné", "Awa", "female", "1999", "2025-04-01")).await;
        let mut input = testing::registration("Coulibaly", "Sékou", "male", "2001-06-15", "2025-03-10");
        input.person.intended_settlement = "ML0103".into();
        let ours = register(&db, &manager, &input).await;

        let chosen = fields("case_number,sex,age_group,arrival_month,region_code,cercle");
        let all = CaseQuery::default();
        let export = exports::export_cases(&db.app, &manager, &all, &chosen, ExportFormat::Csv).await.unwrap();
        let codes: Vec<&str> = export.fields.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["case_number", "sex", "age_group", "arrival_month", "region_code", "cercle"]);
        assert!(export.rows.iter().all(|r| r.len() == 6));
        let mut numbers = column(&export, "case_number");
        numbers.sort();
        assert_eq!(numbers, listed(&db, &manager, &all).await, "the export holds the list's cases, no more");
        assert!(numbers.contains(&ours.case_number));
        assert!(!numbers.contains(&theirs.case_number), "another organisation's case never appears");
        assert!(numbers.iter().all(|n| n.starts_with("OIM-")));
        let row = export.rows.iter().find(|r| text(&r[0]) == ours.case_number).unwrap();
        let cells: Vec<&str> = row.iter().map(text).collect();
        assert_eq!(cells[1..5], ["male", "18_24", "2025-03", "ML01"]);
        assert!(!cells[5].is_empty(), "the cercle's name");
        for r in &export.rows {
            assert!(!r.iter().any(|c| text(c).contains("Coulibaly")), "no name in an anonymised export");
        }

        // The list's filters apply: searching the case number gives that case alone.
        let one = CaseQuery { q: ours.case_number.clone(), ..Default::default() };
        let export = exports::export_cases(&db.app, &manager, &one, &chosen, ExportFormat::Xlsx).await.unwrap();
        assert_eq!(column(&export, "case_number"), std::slice::from_ref(&ours.case_number));

        // Each export wrote one entry: who, which list, which fields, which filters, how many rows.
        let entries = export_entries(&db).await;
        assert_eq!(entries.len(), 2);
        let (who, details) = &entries[1];
        assert_eq!(who, "oim.gestion");
        assert_eq!(details["list"], "cases");
        assert_eq!(details["fields"][0], "case_number");
        assert_eq!(details["personal"], false);
        assert_eq!(details["format"], "xlsx");
        assert_eq!(details["filters"]["q"], ours.case_number.as_str());
        assert_eq!(details["rows"], 1);
        assert_eq!(entries[0].1["rows"], numbers.len());

        // The other organisation's manager sees their case only.
        let export = exports::export_cases(&db.app, &elsewhere, &all, &chosen, ExportFormat::Csv).await.unwrap();
        assert_eq!(column(&export, "case_number"), [theirs.case_number]);
    }

    async fn personal_fields_need_the_permission_and_refusals_write_nothing(db) {
        load_demo(&db).await;
        let manager = actor(&db, "oim.gestion").await;
        let worker = actor(&db, "oim.agent").await;
        let mut input = testing::registration("Sangaré", "Fanta", "female", "1996-02-03", "2025-05-20");
        input.person.phones = vec!["76 12 34 56".into()];
        input.documents =
            vec![DocumentInput { doc_type: "passport".into(), number: "b 1234-567".into(), issuing_country: "ML".into() }];
        input.ret.programme = "MPRR".into();
        let case = register(&db, &worker, &input).await;
        let personal = fields("case_number,family_name,given_names,birth_date,phones,documents,programme");
        let one = CaseQuery { q: case.case_number.clone(), ..Default::default() };

        // A case worker may export their reach anonymised, not names.
        let refused = exports::export_cases(&db.app, &worker, &one, &personal, ExportFormat::Csv).await;
        assert!(matches!(refused, Err(AppError::Forbidden)), "{refused:?}");
        assert!(export_entries(&db).await.is_empty(), "a refused export writes no export entry");
        let all = CaseQuery::default();
        let gao = add_account(&db, "oim.gao", Role::CaseWorker, "OIM", Some("Gao")).await;
        let other_team = register(&db, &gao, &testing::registration("Maïga", "Alou", "male", "1994", "2025-06-01")).await;
        let anonymised = exports::export_cases(&db.app, &worker, &all, &fields("case_number,status"), ExportFormat::Csv)
            .await
            .unwrap();
        let mut numbers = column(&anonymised, "case_number");
        numbers.sort();
        assert_eq!(numbers, listed(&db, &worker, &all).await, "a case worker's export is their list");
        assert!(numbers.contains(&case.case_number));
        assert!(!numbers.contains(&other_team.case_number), "another team's case is outside a case worker's export");
        assert!(listed(&db, &manager, &all).await.contains(&other_team.case_number));

        // Neither the M&E officer (no case list) nor an observer may export cases.
        for username in ["oim.suivi", "ue.observateur", "anpe.focal"] {
            let someone = actor(&db, username).await;
            let refused = exports::export_cases(&db.app, &someone, &all, &fields("case_number"), ExportFormat::Csv).await;
            assert!(matches!(refused, Err(AppError::Forbidden)), "{username}: {refused:?}");
        }
        assert_eq!(export_entries(&db).await.len(), 1);

        // The case manager holds the permission: the personal fields come out, audited as such.
        let export = exports::export_cases(&db.app, &manager, &one, &personal, ExportFormat::Csv).await.unwrap();
        assert_eq!(export.rows.len(), 1);
        let cells: Vec<&str> = export.rows[0].iter().map(text).collect();
        assert_eq!(cells, [case.case_number.as_str(), "Sangaré", "Fanta", "1996-02-03", "+22376123456", "passport: B1234567", "MPRR"]);
        let entries = export_entries(&db).await;
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].0, "oim.gestion");
        assert_eq!(entries[1].1["personal"], true);
        assert_eq!(entries[1].1["fields"][1], "family_name");
    }
    async fn protection_cases_follow_the_lists_rule(db) {
        load_demo(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let manager = actor(&db, "oim.gestion").await;
        let mut child = testing::registration("Dembélé", "Ali", "male", "2012-01-01", "2025-05-01");
        child.vulnerabilities = vec!["unaccompanied_child".into()];
        let protection = register(&db, &worker, &child).await;
        assert!(protection.protection);
        let colleague = add_account(&db, "oim.agent2", Role::CaseWorker, "OIM", Some("Kayes")).await;
        let ordinary = register(&db, &colleague, &testing::registration("Konaté", "Issa", "male", "1990", "2025-05-01")).await;
        let all = CaseQuery::default();
        let chosen = fields("case_number,age_group");
        let theirs = exports::export_cases(&db.app, &colleague, &all, &chosen, ExportFormat::Csv).await.unwrap();
        let numbers = column(&theirs, "case_number");
        assert!(numbers.contains(&ordinary.case_number));
        assert!(!numbers.contains(&protection.case_number), "a protection case assigned to someone else stays hidden");
        let searched = CaseQuery { q: "dembele".into(), ..Default::default() };
        assert!(exports::export_cases(&db.app, &colleague, &searched, &chosen, ExportFormat::Csv).await.unwrap().rows.is_empty());
        let mine = exports::export_cases(&db.app, &worker, &searched, &chosen, ExportFormat::Csv).await.unwrap();
        assert_eq!(column(&mine, "case_number"), std::slice::from_ref(&protection.case_number));
        assert_eq!(column(&mine, "age_group"), ["0_17"]);
        let protection_flag = fields("case_number,protection");
        let managed = exports::export_cases(&db.app, &manager, &searched, &protection_flag, ExportFormat::Csv).await.unwrap();
        assert_eq!(column(&managed, "protection"), ["yes"]);
    }
    async fn survey_scores_export_one_row_per_survey_and_say_whether_weights_are_provisional(db) {
        load_demo(&db).await;
        let admin = actor(&db, "admin").await;
        surveys::add_version(&db.app, &admin, &testing::small_rss(1.0, "test-1")).await.unwrap();
        let worker = actor(&db, "oim.agent").await;
        let manager = actor(&db, "oim.gestion").await;
        let arrived = time::OffsetDateTime::now_utc().date() - time::Duration::days(60);
        let mut input = testing::registration("Dembélé", "Awa", "female", "1996", &arrived.to_string());
        input.person.intended_settlement = "ML0103".into();
        let case = register(&db, &worker, &input).await;
        let answers = Answers::from_pairs([("economic_satisfaction", "5"), ("children", "no"), ("support_network", "1")]);
        let survey = |kind: &str, days: i64| SurveyInput {
            kind: kind.into(),
            answered_on: (arrived + time::Duration::days(days)).to_string(),
            answers: answers.clone(),
        };
        surveys::submit(&db.app, &worker, case.id, &survey("baseline", 10)).await.unwrap();
        surveys::add_version(&db.app, &admin, &testing::small_rss(2.0, "test-2")).await.unwrap();
        surveys::submit(&db.app, &worker, case.id, &survey("follow_up", 50)).await.unwrap();

        let one = CaseQuery { q: case.case_number.clone(), ..Default::default() };
        let chosen = parse_fields(ExportList::Surveys, &["case_number,region_code,kind,economic,composite"]).unwrap();
        let export = exports::export_surveys(&db.app, &manager, &one, &chosen, ExportFormat::Csv).await.unwrap();
        let codes: Vec<&str> = export.fields.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["case_number", "region_code", "kind", "economic", "composite", "weights"], "scores bring the weights column");
        assert_eq!(export.rows.len(), 2, "one row per survey");
        let cells = |i: usize| export.rows[i].iter().map(|c| text(c).to_string()).collect::<Vec<_>>();
        assert_eq!(cells(0), [case.case_number.as_str(), "ML01", "baseline", "1.000", "0.500", "provisional"]);
        assert_eq!(cells(1), [case.case_number.as_str(), "ML01", "follow_up", "1.000", "0.667", "official"]);
        let entries = {
            let filter = AuditFilter { action_prefix: Some("export.surveys".into()), ..Default::default() };
            let page = PageRequest { page: 1, per_page: 10, sort: "seq", descending: false, search: None };
            db.app.db.audit_entries(&filter, &page).await.unwrap().items
        };
        assert_eq!(entries.len(), 1);
        let details: serde_json::Value = serde_json::from_str(&entries[0].details).unwrap();
        assert_eq!((details["list"].as_str(), details["rows"].as_i64()), (Some("surveys"), Some(2)));

        // Names need the permission here too; another organisation sees none of these surveys.
        let named = parse_fields(ExportList::Surveys, &["family_name,composite"]).unwrap();
        let refused = exports::export_surveys(&db.app, &worker, &one, &named, ExportFormat::Csv).await;
        assert!(matches!(refused, Err(AppError::Forbidden)), "{refused:?}");
        let elsewhere = add_account(&db, "crm.gestion", Role::CaseManager, "CRM", None).await;
        let all = CaseQuery::default();
        let theirs = exports::export_surveys(&db.app, &elsewhere, &all, &chosen, ExportFormat::Csv).await.unwrap();
        assert!(theirs.rows.iter().all(|r| text(&r[0]) != case.case_number));
    }
}
