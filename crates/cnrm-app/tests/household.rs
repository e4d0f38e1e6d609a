//! Households, follow-up contact outcomes and the follow-up offsets setting, on both backends.

use cnrm_app::cases::{self, Registration, RegistrationOutcome};
use cnrm_app::family::{self, LinkInput};
use cnrm_app::followups;
use cnrm_app::plans::{self, PlanItemInput};
use cnrm_app::settings::{self, OffsetsInput};
use cnrm_app::testing::{self, actor, invalid, load_demo as platform, register, TestDb};
use cnrm_app::{demo, test_both_backends, Actor, AppError};
use cnrm_domain::contact::{OutcomeInput, Situation};
use cnrm_domain::family::Relation;
use cnrm_domain::followup::add_months;
use cnrm_domain::Role;
use cnrm_store::{CaseRecord, FamilyLink};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// A case worker of the Red Cross (CRM), another case-holding organisation.
async fn red_cross_worker(db: &TestDb) -> Actor {
    testing::add_account(db, "crm.agent", Role::CaseWorker, "CRM", Some("Kayes")).await
}

fn registration(family: &str, given: &str, sex: &str, born: &str, arrived: &str) -> Registration {
    let mut input = testing::registration(family, given, sex, born, arrived);
    input.person.intended_settlement = "ML0103".into();
    input.ret.point_of_arrival = "Aéroport de Bamako-Sénou".into();
    input.ret.programme = "MPRR".into();
    input
}

fn link_input(case_number: &str, relation: &str) -> LinkInput {
    LinkInput { case_number: case_number.into(), relation: relation.into() }
}

async fn audited(db: &TestDb, case_id: Uuid, action: &str) -> usize {
    let worker = actor(db, "oim.gestion").await;
    cases::timeline(&db.app, &worker, case_id).await.unwrap().iter().filter(|e| e.action == action).count()
}

test_both_backends! {
    async fn family_members_are_linked_once_and_never_to_themselves(db) {
        platform(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let husband = register(&db, &worker, &registration("Diarra", "Seydou", "male", "1990", "2025-06-02")).await;
        let wife = register(&db, &worker, &registration("Diarra", "Awa", "female", "1994", "2025-06-02")).await;
        let crm = red_cross_worker(&db).await;
        let elsewhere = register(&db, &crm, &registration("Touré", "Bakary", "male", "1980", "2025-06-02")).await;

        assert_eq!(invalid(family::link(&db.app, &worker, husband.id, &link_input(&husband.case_number, "spouse")).await, "case_number"), "error-family-self");
        assert_eq!(invalid(family::link(&db.app, &worker, husband.id, &link_input(&wife.case_number, "")).await, "relation"), "error-required");
        // Another organisation's case, and a number that does not exist, are both "not found".
        assert_eq!(invalid(family::link(&db.app, &worker, husband.id, &link_input(&elsewhere.case_number, "sibling")).await, "case_number"), "error-family-case-not-found");
        assert_eq!(invalid(family::link(&db.app, &worker, husband.id, &link_input("OIM-2025-999999", "sibling")).await, "case_number"), "error-family-case-not-found");

        let link = family::link(&db.app, &worker, husband.id, &link_input(&wife.case_number.to_lowercase(), "spouse")).await.unwrap();
        assert_eq!((link.person_a, link.person_b, link.relation), (husband.person_id, wife.person_id, Relation::Spouse));
        assert_eq!(invalid(family::link(&db.app, &worker, husband.id, &link_input(&wife.case_number, "spouse")).await, "case_number"), "error-family-already-linked");
        // Nor a second link the other way, with another relation.
        assert_eq!(invalid(family::link(&db.app, &worker, wife.id, &link_input(&husband.case_number, "sibling")).await, "case_number"), "error-family-already-linked");

        let members = family::members(&db.app, &worker, wife.id).await.unwrap();
        assert_eq!(members.len(), 1);
        assert_eq!(members[0].relation, Some(Relation::Spouse));
        assert_eq!(members[0].name.as_deref(), Some("Diarra Seydou"));
        assert_eq!(members[0].cases[0].case_id, husband.id);
        assert_eq!(audited(&db, husband.id, "family.link").await, 1);

        // Out of sight, out of reach: the partner sees nothing, the M&E officer changes nothing.
        assert!(matches!(family::members(&db.app, &actor(&db, "anpe.focal").await, wife.id).await, Err(AppError::NotFound | AppError::Forbidden)));
        assert!(family::unlink(&db.app, &actor(&db, "oim.suivi").await, wife.id, link.id).await.is_err());
        // A link is removed from a case of one of its two persons only.
        assert!(matches!(family::unlink(&db.app, &crm, elsewhere.id, link.id).await, Err(AppError::NotFound)));
        family::unlink(&db.app, &worker, wife.id, link.id).await.unwrap();
        assert!(family::members(&db.app, &worker, husband.id).await.unwrap().is_empty());
        assert_eq!(audited(&db, wife.id, "family.unlink").await, 1);
        assert!(matches!(family::unlink(&db.app, &worker, wife.id, link.id).await, Err(AppError::NotFound)));
    }

    async fn a_member_followed_elsewhere_is_shown_without_a_name(db) {
        platform(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let crm = red_cross_worker(&db).await;
        let mother = register(&db, &worker, &registration("Sissoko", "Hawa", "female", "1975", "2025-02-11")).await;
        let son = register(&db, &crm, &registration("Sissoko", "Drissa", "male", "2000", "2025-02-11")).await;
        // Linked across organisations (as demonstration data or a transfer may leave them).
        let (id, now) = cnrm_store::new_id_and_time();
        let link = FamilyLink { id, person_a: mother.person_id, person_b: son.person_id, relation: Relation::Child, created_by: None, created_at: now };
        let event = Actor::console().event("family.link", "case", None, serde_json::json!({}));
        db.app.db.insert_family_links(&[link], &event).await.unwrap();

        let seen = family::members(&db.app, &worker, mother.id).await.unwrap();
        assert_eq!(seen.len(), 1);
        let member = &seen[0];
        assert!(member.hidden());
        assert_eq!((member.name.clone(), member.person_id, member.relation), (None, None, None));
        assert!(member.cases.is_empty());
        assert_eq!(member.followed_by, vec![son.organisation_id]);
        let text = serde_json::to_string(&seen).unwrap();
        assert!(!text.contains("Drissa") && !text.contains(&son.case_number) && !text.contains(&son.id.to_string()), "{text}");

        // The other side sees the mother the same way, and the relation read backwards is kept for
        // those who see both.
        let other = family::members(&db.app, &crm, son.id).await.unwrap();
        assert!(other[0].hidden() && other[0].followed_by == vec![mother.organisation_id]);
        assert_eq!(FamilyLink { person_a: mother.person_id, person_b: son.person_id, relation: Relation::Child, id, created_by: None, created_at: now }.other_side(son.person_id), (mother.person_id, Relation::Parent));
    }

    async fn a_family_member_is_registered_with_the_return_of_the_case(db) {
        platform(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let father = register(&db, &worker, &registration("Kanté", "Modibo", "male", "1978", "2025-05-20")).await;
        let prefill = family::registration_prefill(&db.app, &worker, father.id).await.unwrap();
        assert_eq!(prefill.case_number, father.case_number);
        assert_eq!((prefill.ret.arrival_date.as_str(), prefill.ret.returned_from.as_str(), prefill.ret.return_type.as_str()), ("2025-05-20", "LY", "avr"));
        assert_eq!((prefill.ret.point_of_arrival.as_str(), prefill.ret.programme.as_str()), ("Aéroport de Bamako-Sénou", "MPRR"));
        assert_eq!(prefill.settlement.as_deref(), Some("ML0103"));

        let mut child = registration("Kanté", "Fanta", "female", "2010", "");
        child.ret = prefill.ret.clone();
        assert_eq!(invalid(family::register_member(&db.app, &worker, father.id, "cousin", &child).await, "family_relation"), "error-choose-from-list");
        let self_link = Registration { existing_person_id: Some(father.person_id), ..child.clone() };
        assert_eq!(invalid(family::register_member(&db.app, &worker, father.id, "child", &self_link).await, "family_relation"), "error-family-self");
        let before = cases::list(&db.app, &worker, &Default::default()).await.unwrap().total;
        assert_eq!(before, 1, "nothing registered by refused attempts");

        let RegistrationOutcome::Registered(new) = family::register_member(&db.app, &worker, father.id, "child", &child).await.unwrap() else {
            panic!("registered expected");
        };
        assert_eq!(new.ret.arrival_date, father.ret.arrival_date);
        let members = family::members(&db.app, &worker, father.id).await.unwrap();
        assert_eq!(members.len(), 1);
        assert_eq!((members[0].relation, members[0].person_id), (Some(Relation::Child), Some(new.person_id)));
        let back = family::members(&db.app, &worker, new.id).await.unwrap();
        assert_eq!(back[0].relation, Some(Relation::Parent));
        assert_eq!(back[0].cases[0].case_number, father.case_number);
        // Nobody registers into a family they cannot change.
        assert!(family::register_member(&db.app, &actor(&db, "anpe.focal").await, father.id, "child", &child).await.is_err());
    }
}

fn training() -> PlanItemInput {
    PlanItemInput {
        dimension: "economic".into(),
        assistance_type: "vocational_training".into(),
        level: "individual".into(),
        channel: "direct".into(),
        budget_xof: "100000".into(),
        ..Default::default()
    }
}

/// A case whose plan was agreed `agreed_days_ago`, so that follow-up contacts are scheduled.
async fn agreed_case(db: &TestDb, worker: &Actor, agreed_days_ago: i64) -> (CaseRecord, time::Date) {
    let today = OffsetDateTime::now_utc().date();
    let arrival = today - Duration::days(agreed_days_ago + 10);
    let case = register(db, worker, &registration("Camara", "Lassana", "male", "1992", &arrival.to_string())).await;
    plans::add_item(&db.app, worker, case.id, &training()).await.unwrap();
    let (plan, _) = plans::of_case(&db.app, worker, case.id).await.unwrap();
    let agreed_on = today - Duration::days(agreed_days_ago);
    plans::agree(&db.app, worker, case.id, plan.unwrap().plan.version, &agreed_on.to_string()).await.unwrap();
    (case, agreed_on)
}

fn outcome(contacted_on: time::Date, reached: bool, situation: &str) -> OutcomeInput {
    OutcomeInput {
        contacted_on: contacted_on.to_string(),
        method: "phone".into(),
        reached: Some(reached),
        situation: situation.into(),
        notes: "Numéro sur messagerie".into(),
        ..Default::default()
    }
}

test_both_backends! {
    async fn an_outcome_closes_the_task_and_an_unreached_returnee_is_tried_again(db) {
        platform(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let today = OffsetDateTime::now_utc().date();
        let (case, _) = agreed_case(&db, &worker, 100).await;
        let tasks = followups::tasks_of_case(&db.app, &worker, case.id).await.unwrap();
        let first = tasks.iter().find(|t| t.task.kind == "follow-up").unwrap().task.clone();
        assert!(first.done_at.is_none() && tasks.iter().all(|t| t.outcome.is_none()));

        // The future is refused, as is a situation that contradicts the contact; nothing changes.
        let tomorrow = outcome(today + Duration::days(1), false, "not_reached");
        assert_eq!(invalid(followups::record_outcome(&db.app, &worker, case.id, first.id, &tomorrow).await, "contacted_on"), "error-date-in-future");
        assert_eq!(invalid(followups::record_outcome(&db.app, &worker, case.id, first.id, &outcome(today, true, "not_reached")).await, "situation"), "error-situation-needs-not-reached");
        assert!(followups::tasks_of_case(&db.app, &worker, case.id).await.unwrap().iter().all(|t| t.task.done_at.is_none()));

        let contacted = today - Duration::days(2);
        let mut input = outcome(contacted, false, "not_reached");
        input.reschedule = true;
        let recorded = followups::record_outcome(&db.app, &worker, case.id, first.id, &input).await.unwrap();
        assert_eq!((recorded.outcome.situation, recorded.outcome.reached), (Situation::NotReached, false));
        let next = recorded.next_task.expect("a new contact is scheduled");
        assert_eq!((next.kind.as_str(), next.due_on), ("follow-up", contacted + Duration::days(14)));

        let tasks = followups::tasks_of_case(&db.app, &worker, case.id).await.unwrap();
        let done = tasks.iter().find(|t| t.task.id == first.id).unwrap();
        assert!(done.task.done_at.is_some(), "the task is done");
        assert_eq!(done.outcome.as_ref().map(|o| (o.contacted_on, o.next_task_id)), Some((contacted, Some(next.id))));
        assert!(tasks.iter().any(|t| t.task.id == next.id && t.task.done_at.is_none()));
        assert_eq!(tasks.iter().filter(|t| t.task.kind == "follow-up").count(), 4, "3 scheduled + 1 again");
        assert_eq!(audited(&db, case.id, "follow_up.outcome").await, 1);

        // Once only; and the next contact reaches them.
        assert!(matches!(followups::record_outcome(&db.app, &worker, case.id, first.id, &input).await, Err(AppError::Refused("error-task-done"))));
        let reached = followups::record_outcome(&db.app, &worker, case.id, next.id, &outcome(today, true, "progressing")).await.unwrap();
        assert!(reached.next_task.is_none());
        assert_eq!(followups::outcomes_of_case(&db.app, &worker, case.id).await.unwrap().len(), 2);

        // Only follow-up contacts take an outcome, and only from those who may change the case.
        let screened = cases::screen(&db.app, &worker, case.id, case.version, &["medical_condition".to_string()]).await.unwrap();
        let screening = cases::get(&db.app, &worker, screened.id).await.unwrap().tasks.into_iter().find(|t| t.kind == "screening-follow-up").unwrap();
        assert!(matches!(followups::record_outcome(&db.app, &worker, case.id, screening.id, &outcome(today, true, "stable")).await, Err(AppError::Refused("error-task-not-follow-up"))));
        let third = followups::tasks_of_case(&db.app, &worker, case.id).await.unwrap().into_iter().find(|t| t.task.kind == "follow-up" && t.task.done_at.is_none()).unwrap();
        assert!(matches!(followups::record_outcome(&db.app, &actor(&db, "anpe.focal").await, case.id, third.task.id, &outcome(today, true, "stable")).await, Err(AppError::NotFound | AppError::Forbidden)));
        assert!(matches!(followups::record_outcome(&db.app, &worker, case.id, Uuid::now_v7(), &outcome(today, true, "stable")).await, Err(AppError::NotFound)));
    }

    async fn plans_agreed_after_a_change_of_offsets_follow_the_new_ones(db) {
        platform(&db).await;
        let admin = actor(&db, "admin").await;
        let worker = actor(&db, "oim.agent").await;
        let current = settings::offsets(&db.app, &admin).await.unwrap();
        assert_eq!((current.offsets, current.is_default), (vec![3, 6, 12], true));
        assert!(matches!(settings::offsets(&db.app, &worker).await, Err(AppError::Forbidden)));
        assert!(matches!(settings::update_offsets(&db.app, &actor(&db, "oim.admin").await, &OffsetsInput { offsets: vec![1, 2] }).await, Err(AppError::Forbidden)));
        for (offsets, message) in [
            (vec![], "error-offsets-count"),
            (vec![1, 2, 3, 4, 5, 6, 7], "error-offsets-count"),
            (vec![6, 3], "error-offsets-ascending"),
            (vec![3, 3], "error-offsets-ascending"),
            (vec![0, 3], "error-offsets-range"),
            (vec![3, 61], "error-offsets-range"),
        ] {
            assert_eq!(invalid(settings::update_offsets(&db.app, &admin, &OffsetsInput { offsets: offsets.clone() }).await, "offsets"), message, "{offsets:?}");
        }
        assert_eq!(invalid(settings::update_offsets_text(&db.app, &admin, "2, deux").await, "offsets"), "error-offsets-number");
        assert_eq!(settings::follow_up_offsets(&db.app).await.unwrap(), vec![3, 6, 12], "nothing saved");

        let saved = settings::update_offsets_text(&db.app, &admin, "1, 2, 24, 36").await.unwrap();
        assert_eq!(saved.offsets, vec![1, 2, 24, 36]);
        let read = settings::offsets(&db.app, &admin).await.unwrap();
        assert_eq!((read.offsets, read.is_default, read.updated_by), (vec![1, 2, 24, 36], false, Some(admin.user.id)));
        let page = cnrm_domain::paging::PageRequest { page: 1, per_page: 50, sort: "seq", descending: true, search: None };
        let filter = cnrm_store::AuditFilter { action_prefix: Some("settings.update".into()), ..Default::default() };
        let entries = db.app.db.audit_entries(&filter, &page).await.unwrap().items;
        assert_eq!(entries.len(), 1);
        assert!(entries[0].details.contains("[1,2,24,36]") && entries[0].details.contains("[3,6,12]"), "{}", entries[0].details);

        let (case, agreed_on) = agreed_case(&db, &worker, 5).await;
        let mut due: Vec<time::Date> = cases::get(&db.app, &worker, case.id).await.unwrap().tasks.into_iter().filter(|t| t.kind == "follow-up").map(|t| t.due_on).collect();
        due.sort();
        let expected: Vec<time::Date> = [1, 2, 24, 36].iter().map(|m| add_months(agreed_on, *m).unwrap()).collect();
        assert_eq!(due, expected);
    }

    async fn demo_data_links_families(db) {
        platform(&db).await;
        demo::load_returnees(&db.app, 7, 120, &indicatif::ProgressBar::hidden()).await.unwrap();
        let manager = actor(&db, "oim.gestion").await;
        let page = cnrm_app::cases::CaseQuery { per_page: Some(100), ..Default::default() };
        let mut linked = 0;
        for case in cases::list(&db.app, &manager, &page).await.unwrap().items {
            linked += family::members(&db.app, &manager, case.id).await.unwrap().len();
        }
        assert!(linked >= 2, "OIM holds most cases, so some demo families are OIM's: {linked}");
    }
}
