//! Case management services against real databases, on both backends.

use cnrm_app::cases::{self, CaseQuery, Registration, RegistrationOutcome};
use cnrm_app::testing::{self, actor, load_demo as platform, register, TestDb};
use cnrm_app::{demo, test_both_backends, AppError};
use cnrm_domain::consent::ConsentInput;
use cnrm_domain::lifecycle::case::CaseStatus;
use cnrm_domain::person::{DocumentInput, PersonInput, ReturnInput};
use cnrm_domain::vulnerability::Priority;
use cnrm_domain::Role;

/// A registration as the matching tests want it: stops on possible matches (no confirmation).
fn registration(family: &str, given: &str, born: &str, arrived: &str) -> Registration {
    let mut input = testing::registration(family, given, "male", born, arrived);
    input.person.phones = vec!["76 12 34 56".into()];
    input.person.place_of_origin = "ML0103".into();
    input.person.intended_settlement = "ML0103".into();
    input.confirm_new_person = false;
    input
}

fn query(q: &str) -> CaseQuery {
    CaseQuery { q: q.into(), ..Default::default() }
}

test_both_backends! {
    async fn a_registration_stores_the_whole_case_and_numbers_it(db) {
        platform(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let mut input = registration("Traoré", "Mamadou", "1998-04-02", "2025-03-10");
        input.documents = vec![DocumentInput { doc_type: "passport".into(), number: "b 1234-567".into(), issuing_country: "ML".into() }];
        input.vulnerabilities = vec!["medical_condition".into()];
        let case = register(&db, &worker, &input).await;
        let year = time::OffsetDateTime::now_utc().year();
        assert_eq!(case.case_number, format!("OIM-{year}-000001"));
        assert_eq!(case.assigned_to, Some(worker.user.id), "a case worker's own registration is theirs");
        assert_eq!(case.priority, Priority::High);
        let file = cases::get(&db.app, &worker, case.id).await.unwrap();
        assert_eq!(file.person.draft.phones, vec!["+22376123456"]);
        assert_eq!(file.person.documents[0].number, "B1234567");
        assert_eq!(file.consents.len(), 1);
        assert_eq!(file.flags.len(), 1);
        assert_eq!(file.tasks.len(), 1, "a positive screen creates a follow-up task");
        let second = register(&db, &worker, &registration("Diarra", "Seydou", "1990", "2025-01-05")).await;
        assert_eq!(second.case_number, format!("OIM-{year}-000002"));

        // Found by name without accents, by phone, by document and by case number.
        for q in ["traore", "TRAORÉ mam", "+223 76 12 34 56", "B1234567", &case.case_number] {
            let found = cases::list(&db.app, &worker, &query(q)).await.unwrap();
            assert!(found.items.iter().any(|c| c.id == case.id), "{q} did not find the case");
        }
        assert_eq!(cases::list(&db.app, &worker, &query("keita")).await.unwrap().total, 0);
        let timeline = cases::timeline(&db.app, &worker, case.id).await.unwrap();
        assert!(timeline.iter().any(|e| e.action == "case.create"));
        assert!(timeline.iter().any(|e| e.action == "case.view"));
    }

    async fn bad_input_is_refused_field_by_field_and_nothing_is_written(db) {
        platform(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let mut input = registration("", "Awa", "2001-05-05", "1999-01-01");
        input.person.intended_settlement = "XX99".into();
        input.consent_method = String::new();
        match cases::register(&db.app, &worker, &input).await {
            Err(AppError::Invalid(errors)) => {
                assert_eq!(errors.for_field("family_name"), Some("error-required"));
                assert_eq!(errors.for_field("arrival_date"), Some("error-arrival-before-birth"));
                assert_eq!(errors.for_field("intended_settlement"), Some("error-unknown-admin-unit"));
                assert_eq!(errors.for_field("consent_method"), Some("error-consent-required"));
            }
            _ => panic!("expected invalid input"),
        }
        let mut with_document = registration("Keïta", "Fanta", "2000", "2025-02-02");
        with_document.documents = vec![DocumentInput { doc_type: "nina".into(), number: "12345678901234A".into(), issuing_country: "ML".into() }];
        register(&db, &worker, &with_document).await;
        let mut duplicate = registration("Sissoko", "Oumou", "1995", "2025-02-02");
        duplicate.documents = with_document.documents.clone();
        match cases::register(&db.app, &worker, &duplicate).await {
            Err(AppError::Invalid(errors)) => assert_eq!(errors.for_field("documents"), Some("error-document-taken")),
            _ => panic!("a duplicate document number must be refused"),
        }
        let all = cases::list(&db.app, &actor(&db, "oim.gestion").await, &CaseQuery::default()).await.unwrap();
        assert_eq!(all.total, 1, "only the valid registration was stored");
    }

    async fn possible_existing_persons_are_shown_before_saving(db) {
        platform(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let first = register(&db, &worker, &registration("Coulibaly", "Boubacar", "1996", "2024-11-02")).await;
        match cases::register(&db.app, &worker, &registration("COULIBALY", "boubacar", "1997-01-01", "2025-06-01")).await.unwrap() {
            RegistrationOutcome::PossibleMatches(matches) => {
                assert_eq!(matches.len(), 1);
                assert_eq!(matches[0].case_id, Some(first.id), "same organisation: the case is shown");
            }
            RegistrationOutcome::Registered(_) => panic!("the possible match was not shown"),
        }
        // Another organisation learns only that a match exists, and where.
        let other = testing::add_account(&db, "anpe.agent", Role::CaseWorker, "ANPE", None).await;
        match cases::register(&db.app, &other, &registration("Coulibaly", "Boubacar", "1996", "2025-06-01")).await.unwrap() {
            RegistrationOutcome::PossibleMatches(matches) => {
                assert_eq!(matches[0].case_id, None);
                assert_eq!(matches[0].name, None);
                assert_eq!(matches[0].organisation_id, first.organisation_id);
            }
            RegistrationOutcome::Registered(_) => panic!("the match elsewhere was not signalled"),
        }
        let mut confirmed = registration("Coulibaly", "Boubacar", "1996", "2025-06-01");
        confirmed.confirm_new_person = true;
        register(&db, &other, &confirmed).await;
        // The same person again, on purpose: a new case for the known person.
        let mut again = registration("", "", "", "2025-07-01");
        again.existing_person_id = Some(first.person_id);
        let second = register(&db, &worker, &again).await;
        assert_eq!(second.person_id, first.person_id);
    }

    async fn cases_are_seen_only_within_reach(db) {
        platform(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let manager = actor(&db, "oim.gestion").await;
        let mut child = registration("Dembélé", "Ali", "2012-01-01", "2025-05-01");
        child.vulnerabilities = vec!["unaccompanied_child".into()];
        let protection = register(&db, &worker, &child).await;
        assert!(protection.protection);
        assert_eq!(protection.priority, Priority::Urgent);
        let ordinary = register(&db, &worker, &registration("Konaté", "Issa", "1990", "2025-05-01")).await;
        // Another case worker of the same team sees ordinary team cases but not the protection case.
        let colleague = testing::add_account(&db, "oim.agent2", Role::CaseWorker, "OIM", Some("Kayes")).await;
        assert!(cases::get(&db.app, &colleague, ordinary.id).await.is_ok());
        assert!(matches!(cases::get(&db.app, &colleague, protection.id).await, Err(AppError::NotFound)));
        let listed = cases::list(&db.app, &colleague, &CaseQuery::default()).await.unwrap();
        assert!(listed.items.iter().all(|c| c.id != protection.id));
        assert_eq!(cases::list(&db.app, &colleague, &query("dembele")).await.unwrap().total, 0, "search does not reveal it either");
        assert!(cases::get(&db.app, &manager, protection.id).await.is_ok());
        // The possible-match panel follows the same rule: the colleague learns only that a match exists.
        match cases::register(&db.app, &colleague, &registration("Dembélé", "Ali", "2012-01-01", "2025-06-01")).await.unwrap() {
            RegistrationOutcome::PossibleMatches(matches) => {
                assert!(matches.iter().all(|m| m.case_id.is_none() && m.name.is_none()), "{matches:?}");
            }
            RegistrationOutcome::Registered(_) => panic!("the match was not signalled"),
        }
        // Partners, the secretariat, M&E and donors see no case.
        for username in ["anpe.focal", "secretariat", "oim.suivi", "ue.observateur"] {
            let someone = actor(&db, username).await;
            assert!(matches!(cases::list(&db.app, &someone, &CaseQuery::default()).await, Err(AppError::Forbidden)), "{username}");
            assert!(cases::get(&db.app, &someone, ordinary.id).await.is_err(), "{username}");
        }
        // Assigning the protection case to the colleague opens it to them.
        let file = cases::get(&db.app, &manager, protection.id).await.unwrap();
        assert!(matches!(cases::assign(&db.app, &worker, protection.id, file.case.version, Some(colleague.user.id)).await, Err(AppError::Forbidden)));
        cases::assign(&db.app, &manager, protection.id, file.case.version, Some(colleague.user.id)).await.unwrap();
        assert!(cases::get(&db.app, &colleague, protection.id).await.is_ok());
    }

    async fn concurrent_edits_are_refused_not_overwritten(db) {
        platform(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let manager = actor(&db, "oim.gestion").await;
        let case = register(&db, &worker, &registration("Sangaré", "Adama", "1993", "2025-01-20")).await;
        let read = cases::get(&db.app, &worker, case.id).await.unwrap();
        let mut first = ReturnInput { arrival_date: "2025-01-21".into(), returned_from: "DZ".into(), return_type: "forced".into(), ..Default::default() };
        cases::update_return(&db.app, &worker, case.id, read.case.version, &first).await.unwrap();
        first.returned_from = "NE".into();
        assert!(matches!(cases::update_return(&db.app, &manager, case.id, read.case.version, &first).await, Err(AppError::Stale)));
        let stored = cases::get(&db.app, &worker, case.id).await.unwrap();
        assert_eq!(stored.case.ret.returned_from, "DZ", "the first save stands");
        let mut person = PersonInput { family_name: "Sangaré".into(), given_names: "Adama Moussa".into(), sex: "male".into(), date_of_birth: "1993".into(), ..Default::default() };
        cases::update_person(&db.app, &worker, case.id, stored.person.version, &person).await.unwrap();
        person.given_names = "Adama".into();
        assert!(matches!(cases::update_person(&db.app, &manager, case.id, stored.person.version, &person).await, Err(AppError::Stale)));
        assert_eq!(cases::list(&db.app, &worker, &query("moussa")).await.unwrap().total, 1, "name tokens follow the edit");
    }

    async fn closure_reopening_and_consent_withdrawal(db) {
        platform(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let case = register(&db, &worker, &registration("Cissé", "Hawa", "1999", "2025-02-11")).await;
        let closed = cases::close(&db.app, &worker, case.id, case.version, "lost_contact").await.unwrap();
        assert_eq!(closed.status, CaseStatus::Closed);
        assert!(matches!(cases::close(&db.app, &worker, case.id, closed.version, "deceased").await, Err(AppError::Refused("error-case-already-closed"))));
        assert!(matches!(cases::reopen(&db.app, &worker, case.id, closed.version, " ").await, Err(AppError::Invalid(_))));
        let reopened = cases::reopen(&db.app, &worker, case.id, closed.version, "La personne a repris contact").await.unwrap();
        assert_eq!(reopened.status, CaseStatus::Open);
        let filter = CaseQuery { status: "closed".into(), ..Default::default() };
        assert_eq!(cases::list(&db.app, &worker, &filter).await.unwrap().total, 0);

        let partner = db.app.db.organisation_names().await.unwrap().into_iter().find(|o| o.acronym == "ANPE").unwrap();
        let today = time::OffsetDateTime::now_utc().date().to_string();
        let input = ConsentInput { purpose: "referral_sharing".into(), partner_organisation_id: partner.id.to_string(), method: "written".into(), granted_on: today };
        let consent = cases::add_consent(&db.app, &worker, case.id, &input).await.unwrap();
        let file = cases::get(&db.app, &worker, case.id).await.unwrap();
        let records: Vec<_> = file.consents.iter().map(|c| c.record).collect();
        assert!(cnrm_domain::consent::consent_allows(&records, cnrm_domain::consent::ConsentPurpose::ReferralSharing, Some(partner.id)).is_ok());
        cases::withdraw_consent(&db.app, &worker, case.id, consent.id).await.unwrap();
        let file = cases::get(&db.app, &worker, case.id).await.unwrap();
        let records: Vec<_> = file.consents.iter().map(|c| c.record).collect();
        assert!(cnrm_domain::consent::consent_allows(&records, cnrm_domain::consent::ConsentPurpose::ReferralSharing, Some(partner.id)).is_err());
        assert!(matches!(cases::withdraw_consent(&db.app, &worker, case.id, consent.id).await, Err(AppError::Refused(_))));
        let actions: Vec<String> = cases::timeline(&db.app, &worker, case.id).await.unwrap().into_iter().map(|e| e.action).collect();
        for action in ["case.create", "case.close", "case.reopen", "consent.grant", "consent.withdraw"] {
            assert!(actions.iter().any(|a| a == action), "{action} not in {actions:?}");
        }
    }
}

test_both_backends! {
    async fn lists_and_searches_follow_every_write_and_show_each_case_once(db) {
        platform(&db).await;
        let manager = actor(&db, "oim.gestion").await;
        let mut input = registration("Maïga", "Mamadou Mariam", "1995-06-01", "2025-04-02");
        input.documents = vec![DocumentInput { doc_type: "passport".into(), number: "AB1234567".into(), issuing_country: "ML".into() }];
        let maiga = register(&db, &manager, &input).await;
        let bah = register(&db, &manager, &registration("Bah", "Oumar", "1991", "2025-04-03")).await;
        let total = |q: CaseQuery| {
            let app = db.app.clone();
            let manager = manager.clone();
            async move { cases::list(&app, &manager, &q).await.unwrap().total }
        };
        // Three of Maïga's names start with "ma": the case is still listed once.
        assert_eq!(total(query("ma")).await, 1);
        assert_eq!(total(query("MAIGA mar")).await, 1, "every word must start one of the names");
        assert_eq!(total(query("maiga mo")).await, 0);
        assert_eq!(total(query("ma%")).await, 1, "wildcards are plain characters");
        assert_eq!(total(query(&maiga.case_number)).await, 1);
        assert_eq!(total(query("ab1234567")).await, 1);
        assert_eq!(total(query("76 12 34 56")).await, 2, "both were registered with this phone");
        let by_name = CaseQuery { sort: Some("name".into()), dir: Some("asc".into()), ..Default::default() };
        let names: Vec<String> = cases::list(&db.app, &manager, &by_name).await.unwrap().items.into_iter().map(|c| c.family_name).collect();
        assert_eq!(names, ["Bah", "Maïga"]);
        let newest = cases::list(&db.app, &manager, &CaseQuery::default()).await.unwrap();
        assert_eq!(newest.items.iter().map(|c| c.id).collect::<Vec<_>>(), [bah.id, maiga.id], "newest arrival first");

        // A change of name, return, status or assignment is seen by the next search.
        let file = cases::get(&db.app, &manager, maiga.id).await.unwrap();
        let person = PersonInput { family_name: "Touré".into(), given_names: "Mamadou".into(), sex: "male".into(), date_of_birth: "1995-06-01".into(), intended_settlement: "ML0201".into(), ..Default::default() };
        cases::update_person(&db.app, &manager, maiga.id, file.person.version, &person).await.unwrap();
        assert_eq!(total(query("maiga")).await, 0);
        assert_eq!(total(query("toure mam")).await, 1);
        assert_eq!(total(CaseQuery { settlement: "ML02".into(), ..Default::default() }).await, 1);
        assert_eq!(total(CaseQuery { settlement: "ML01".into(), ..Default::default() }).await, 1, "Bah stays in Kayes");
        let ret = ReturnInput { arrival_date: "2025-04-02".into(), returned_from: "DZ".into(), return_type: "forced".into(), ..Default::default() };
        cases::update_return(&db.app, &manager, maiga.id, file.case.version, &ret).await.unwrap();
        assert_eq!(total(CaseQuery { returned_from: "DZ".into(), return_type: "forced".into(), ..Default::default() }).await, 1);
        let file = cases::get(&db.app, &manager, maiga.id).await.unwrap();
        cases::close(&db.app, &manager, maiga.id, file.case.version, "lost_contact").await.unwrap();
        assert_eq!(total(CaseQuery { status: "open".into(), ..Default::default() }).await, 1);
        assert_eq!(total(CaseQuery { status: "closed".into(), q: "toure".into(), ..Default::default() }).await, 1);
        // Assignment moves a case into a case worker's list ("my cases").
        let gao = testing::add_account(&db, "oim.gao", Role::CaseWorker, "OIM", Some("Gao")).await;
        let mine = CaseQuery { assigned: "me".into(), ..Default::default() };
        assert_eq!(cases::list(&db.app, &gao, &mine).await.unwrap().total, 0);
        let file = cases::get(&db.app, &manager, bah.id).await.unwrap();
        cases::assign(&db.app, &manager, bah.id, file.case.version, Some(gao.user.id)).await.unwrap();
        assert_eq!(cases::list(&db.app, &gao, &mine).await.unwrap().total, 1);
        assert_eq!(cases::list(&db.app, &gao, &query("bah")).await.unwrap().total, 1);
        assert_eq!(cases::list(&db.app, &gao, &query("toure")).await.unwrap().total, 0, "not in reach");
    }

    async fn demo_returnees_are_reproducible_and_numbering_continues(db) {
        platform(&db).await;
        let added = demo::load_returnees(&db.app, 7, 1_200, &indicatif::ProgressBar::hidden()).await.unwrap();
        assert_eq!(added, 1_200);
        assert_eq!(demo::load_returnees(&db.app, 7, 10, &indicatif::ProgressBar::hidden()).await.unwrap(), 0, "loaded once");
        let manager = actor(&db, "oim.gestion").await;
        let mine = cases::list(&db.app, &manager, &CaseQuery { per_page: Some(200), ..Default::default() }).await.unwrap();
        assert!(mine.total > 700 && mine.total < 1_000, "about 70% at OIM: {}", mine.total);
        // The same seed gives the same people, in another database.
        let other = TestDb::new(cnrm_app::testing::TestBackend::Sqlite).await;
        platform(&other).await;
        demo::load_returnees(&other.app, 7, 1_200, &indicatif::ProgressBar::hidden()).await.unwrap();
        let manager_there = actor(&other, "oim.gestion").await;
        let theirs = cases::list(&other.app, &manager_there, &CaseQuery { per_page: Some(200), ..Default::default() }).await.unwrap();
        let key = |p: &cnrm_domain::paging::Page<cnrm_store::CaseSummary>| {
            p.items.iter().map(|c| (c.case_number.clone(), c.family_name.clone(), c.arrival_date)).collect::<Vec<_>>()
        };
        assert_eq!(key(&mine), key(&theirs));
        assert_eq!(mine.items[0].id, theirs.items[0].id);
        // Searches work on generated data, and a new registration continues the numbering.
        let traore = cases::list(&db.app, &manager, &query("traore")).await.unwrap();
        assert!(traore.total > 0);
        assert!(traore.items.iter().all(|c| cnrm_domain::person::fold_name(&c.family_name).contains("traore")));
        let year = time::OffsetDateTime::now_utc().year();
        let by_number =
            CaseQuery { sort: Some("case_number".into()), dir: Some("desc".into()), per_page: Some(1), ..Default::default() };
        let highest = cases::list(&db.app, &manager, &by_number).await.unwrap().items.first()
            .and_then(|c| cnrm_domain::case_number::parse_case_number(&c.case_number))
            .filter(|n| n.year == year)
            .map_or(0, |n| n.seq);
        let worker = actor(&db, "oim.agent").await;
        let mut input = registration("Nouveau", "Retour", "1999", "2025-05-05");
        input.confirm_new_person = true;
        let case = register(&db, &worker, &input).await;
        let given = cnrm_domain::case_number::parse_case_number(&case.case_number).unwrap();
        assert_eq!(given.seq, highest + 1, "{} after {highest}", case.case_number);
        cnrm_app::audit::verify(db.app.db.as_ref(), |_, _| {}).await.unwrap();
    }
}
