//! Counselling sessions, needs and skills assessments, on both backends: validation against the
//! case's dates, history newest first, who may see and add them, closed cases, audit.

use cnrm_app::cases;
use cnrm_app::counselling;
use cnrm_app::testing::{self, actor, TestDb};
use cnrm_app::{demo, test_both_backends, AppError};
use cnrm_domain::assessment::{
    Need, NeedLevel, NeedsInput, Pathway, Proficiency, Sector, SessionInput, SessionKind, SkillsInput,
};
use cnrm_domain::Role;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// The demo organisations and accounts, and a few more: a case manager of another organisation
/// (CRM) and a case worker of the same organisation in another team.
async fn platform(db: &TestDb) {
    testing::load_demo(db).await;
    testing::add_account(db, "crm.gestion", Role::CaseManager, "CRM", None).await;
    testing::add_account(db, "oim.mopti", Role::CaseWorker, "OIM", Some("Mopti")).await;
}

/// A case registered by the demo case worker (team Kayes), arrived on `arrived`.
async fn case(db: &TestDb, arrived: Date) -> Uuid {
    let input = testing::registration("Dembélé", "Awa", "female", "1996", &arrived.to_string());
    testing::register(db, &actor(db, "oim.agent").await, &input).await.id
}

fn session(held_on: Date) -> SessionInput {
    SessionInput {
        held_on: held_on.to_string(),
        kind: "individual".into(),
        duration_minutes: "45".into(),
        summary: "Entretien d'accueil : la personne souhaite ouvrir un atelier de couture.".into(),
        next_steps: "Chercher un local.".into(),
        ..Default::default()
    }
}

fn needs(assessed_on: Date) -> NeedsInput {
    NeedsInput {
        assessed_on: assessed_on.to_string(),
        economic_level: "high".into(),
        economic_needs: vec!["income".into(), "business_capital".into()],
        social_level: "moderate".into(),
        social_needs: vec!["documents".into()],
        psychosocial_level: "low".into(),
        psychosocial_needs: vec!["isolation".into()],
        psychosocial_notes: "Peu de contacts depuis le retour.".into(),
        ..Default::default()
    }
}

fn skills(assessed_on: Date) -> SkillsInput {
    SkillsInput {
        assessed_on: assessed_on.to_string(),
        skills: vec!["Couture".into(), "Teinture".into()],
        experience_years: "4".into(),
        experience_sectors: vec!["tailoring".into()],
        interest_sectors: vec!["tailoring".into(), "trade".into()],
        literacy: "basic".into(),
        numeracy: "fluent".into(),
        pathway: "self_employment".into(),
        ..Default::default()
    }
}

fn field_error<T: std::fmt::Debug>(result: Result<T, AppError>, field: &str) -> Option<&'static str> {
    match result {
        Err(AppError::Invalid(errors)) => errors.for_field(field),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

test_both_backends! {
    async fn sessions_are_validated_listed_newest_first_and_audited(db) {
        platform(&db).await;
        let arrival = today() - Duration::days(30);
        let case_id = case(&db, arrival).await;
        let worker = actor(&db, "oim.agent").await;
        let manager = actor(&db, "oim.gestion").await;

        let before = counselling::add_session(&db.app, &worker, case_id, &session(arrival - Duration::days(1))).await;
        assert_eq!(field_error(before, "held_on"), Some("error-counselling-before-arrival"));
        let future = counselling::add_session(&db.app, &worker, case_id, &session(today() + Duration::days(1))).await;
        assert_eq!(field_error(future, "held_on"), Some("error-date-in-future"));
        let mut bad = session(today());
        bad.summary = " ".into();
        bad.duration_minutes = "601".into();
        bad.counsellor_id = actor(&db, "anpe.focal").await.user.id.to_string();
        let result = counselling::add_session(&db.app, &worker, case_id, &bad).await;
        match result {
            Err(AppError::Invalid(errors)) => {
                assert_eq!(errors.for_field("summary"), Some("error-required"));
                assert_eq!(errors.for_field("duration_minutes"), Some("error-counselling-duration"));
                assert_eq!(errors.for_field("counsellor_id"), Some("error-counselling-staff"), "another organisation's user");
            }
            other => panic!("expected invalid input, got {other:?}"),
        }
        let mut other_org = session(today());
        other_org.counsellor_id = actor(&db, "crm.gestion").await.user.id.to_string();
        assert_eq!(field_error(counselling::add_session(&db.app, &worker, case_id, &other_org).await, "counsellor_id"), Some("error-counselling-staff"));
        assert!(db.app.db.counselling_sessions(case_id).await.unwrap().is_empty(), "nothing written");

        // On the arrival day, by default counselled by the person recording it.
        let first = counselling::add_session(&db.app, &worker, case_id, &session(arrival)).await.unwrap();
        assert_eq!(first.counsellor_id, Some(worker.user.id));
        assert_eq!((first.kind, first.duration_minutes), (SessionKind::Individual, Some(45)));
        // Held by a colleague of the organisation, recorded later but held earlier than today.
        let mut by_manager = session(today());
        by_manager.kind = "psychosocial".into();
        by_manager.counsellor_id = manager.user.id.to_string();
        by_manager.duration_minutes = "".into();
        let latest = counselling::add_session(&db.app, &worker, case_id, &by_manager).await.unwrap();
        assert_eq!((latest.counsellor_id, latest.recorded_by), (Some(manager.user.id), Some(worker.user.id)));
        assert_eq!(latest.duration_minutes, None);
        let middle = counselling::add_session(&db.app, &manager, case_id, &session(today() - Duration::days(10))).await.unwrap();

        let listed: Vec<Uuid> = counselling::sessions(&db.app, &worker, case_id).await.unwrap().iter().map(|s| s.id).collect();
        assert_eq!(listed, vec![latest.id, middle.id, first.id], "newest first");
        let view = counselling::overview(&db.app, &manager, case_id).await.unwrap();
        assert!(view.may_add);
        assert_eq!(view.sessions.len(), 3);
        assert_eq!(view.sessions[0].summary, latest.summary);
        assert_eq!(view.name_of(latest.counsellor_id).as_deref(), Some("Ibrahim Traoré"));
        assert!(view.staff.iter().any(|s| s.id == worker.user.id && s.eligible));
        let stranger = actor(&db, "crm.gestion").await.user.id;
        assert!(view.staff.iter().all(|s| s.id != stranger), "only the case's organisation");

        let history: Vec<String> = cases::timeline(&db.app, &worker, case_id).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(history.iter().filter(|a| *a == "counselling.session_add").count(), 3);
        assert!(history.iter().any(|a| a == "counselling.view"), "readings are audited");
        let entry = cases::timeline(&db.app, &worker, case_id).await.unwrap().into_iter().find(|e| e.action == "counselling.session_add").unwrap();
        assert!(!entry.details.contains("couture"), "what was said stays out of the audit trail: {}", entry.details);
    }

    async fn only_those_who_reach_the_case_see_or_add_counselling(db) {
        platform(&db).await;
        let case_id = case(&db, today() - Duration::days(5)).await;
        let worker = actor(&db, "oim.agent").await;
        counselling::add_session(&db.app, &worker, case_id, &session(today())).await.unwrap();

        // Another organisation's case manager, a case worker of another team: not found.
        for username in ["crm.gestion", "oim.mopti"] {
            let other = actor(&db, username).await;
            assert!(matches!(counselling::overview(&db.app, &other, case_id).await, Err(AppError::NotFound)), "{username}");
            assert!(matches!(counselling::sessions(&db.app, &other, case_id).await, Err(AppError::NotFound)), "{username}");
            assert!(matches!(counselling::needs_assessments(&db.app, &other, case_id).await, Err(AppError::NotFound)), "{username}");
            assert!(matches!(counselling::skills_assessments(&db.app, &other, case_id).await, Err(AppError::NotFound)), "{username}");
            assert!(matches!(counselling::add_session(&db.app, &other, case_id, &session(today())).await, Err(AppError::NotFound)), "{username}");
            assert!(matches!(counselling::add_needs_assessment(&db.app, &other, case_id, &needs(today())).await, Err(AppError::NotFound)), "{username}");
        }
        // Roles that see no case at all (a partner's focal point, M&E, a donor): refused, whatever the case.
        for username in ["anpe.focal", "oim.suivi", "ue.observateur", "oim.admin"] {
            let other = actor(&db, username).await;
            for result in [
                counselling::overview(&db.app, &other, case_id).await.map(|_| ()),
                counselling::add_session(&db.app, &other, case_id, &session(today())).await.map(|_| ()),
                counselling::add_skills_assessment(&db.app, &other, case_id, &skills(today())).await.map(|_| ()),
            ] {
                assert!(matches!(result, Err(AppError::Forbidden | AppError::NotFound)), "{username}: {result:?}");
            }
        }
        assert!(matches!(counselling::overview(&db.app, &worker, Uuid::now_v7()).await, Err(AppError::NotFound)));
        assert_eq!(db.app.db.counselling_sessions(case_id).await.unwrap().len(), 1, "nothing added by others");
        assert_eq!(db.app.db.needs_assessments(case_id).await.unwrap().len(), 0);

        // A closed case keeps its counselling visible but takes no more.
        let manager = actor(&db, "oim.gestion").await;
        let file = cases::get(&db.app, &manager, case_id).await.unwrap();
        cases::close(&db.app, &manager, case_id, file.case.version, "assistance_completed").await.unwrap();
        assert!(matches!(
            counselling::add_session(&db.app, &worker, case_id, &session(today())).await,
            Err(AppError::Refused("error-counselling-case-closed"))
        ));
        assert!(matches!(
            counselling::add_needs_assessment(&db.app, &manager, case_id, &needs(today())).await,
            Err(AppError::Refused("error-counselling-case-closed"))
        ));
        assert!(matches!(
            counselling::add_skills_assessment(&db.app, &manager, case_id, &skills(today())).await,
            Err(AppError::Refused("error-counselling-case-closed"))
        ));
        let view = counselling::overview(&db.app, &worker, case_id).await.unwrap();
        assert!(!view.may_add);
        assert_eq!(view.sessions.len(), 1);
    }

    async fn assessments_keep_their_history_newest_first(db) {
        platform(&db).await;
        let arrival = today() - Duration::days(90);
        let case_id = case(&db, arrival).await;
        let worker = actor(&db, "oim.agent").await;
        let manager = actor(&db, "oim.gestion").await;

        // Needs: validation first.
        let mut wrong = needs(today());
        wrong.economic_needs.push("housing".into());
        assert_eq!(field_error(counselling::add_needs_assessment(&db.app, &worker, case_id, &wrong).await, "economic_needs"), Some("error-assessment-need-wrong-dimension"));
        assert_eq!(field_error(counselling::add_needs_assessment(&db.app, &worker, case_id, &needs(arrival - Duration::days(1))).await, "assessed_on"), Some("error-counselling-before-arrival"));
        assert_eq!(field_error(counselling::add_needs_assessment(&db.app, &worker, case_id, &needs(today() + Duration::days(1))).await, "assessed_on"), Some("error-date-in-future"));
        let mut stranger = needs(today());
        stranger.assessor_id = actor(&db, "crm.gestion").await.user.id.to_string();
        assert_eq!(field_error(counselling::add_needs_assessment(&db.app, &worker, case_id, &stranger).await, "assessor_id"), Some("error-counselling-staff"));

        // Recorded out of order: the list follows the assessment dates.
        let recent = counselling::add_needs_assessment(&db.app, &worker, case_id, &needs(today() - Duration::days(2))).await.unwrap();
        let mut older_input = needs(arrival + Duration::days(3));
        older_input.economic_level = "moderate".into();
        older_input.assessor_id = manager.user.id.to_string();
        let older = counselling::add_needs_assessment(&db.app, &worker, case_id, &older_input).await.unwrap();
        assert_eq!(older.assessor_id, Some(manager.user.id));
        let history = counselling::needs_assessments(&db.app, &worker, case_id).await.unwrap();
        assert_eq!(history.iter().map(|a| a.id).collect::<Vec<_>>(), vec![recent.id, older.id]);
        let current = &history[0];
        assert_eq!(current.economic.level, NeedLevel::High);
        assert_eq!(current.economic.needs, vec![Need::Income, Need::BusinessCapital]);
        assert_eq!(current.social.needs, vec![Need::Documents]);
        assert_eq!(current.psychosocial.notes.as_deref(), Some("Peu de contacts depuis le retour."));
        assert_eq!(current.assessor_id, Some(worker.user.id));
        assert_eq!(history[1].economic.level, NeedLevel::Moderate);

        // Skills.
        let mut too_many = skills(today());
        too_many.skills = (0..31).map(|i| format!("Compétence {i}")).collect();
        assert_eq!(field_error(counselling::add_skills_assessment(&db.app, &worker, case_id, &too_many).await, "skills"), Some("error-assessment-too-many-skills"));
        let first = counselling::add_skills_assessment(&db.app, &worker, case_id, &skills(arrival + Duration::days(10))).await.unwrap();
        let mut later_input = skills(today());
        later_input.pathway = "".into();
        later_input.experience_years = "".into();
        let later = counselling::add_skills_assessment(&db.app, &manager, case_id, &later_input).await.unwrap();
        let history = counselling::skills_assessments(&db.app, &worker, case_id).await.unwrap();
        assert_eq!(history.iter().map(|a| a.id).collect::<Vec<_>>(), vec![later.id, first.id]);
        assert_eq!(history[1], first, "stored as given");
        assert_eq!(history[1].skills, vec!["Couture".to_string(), "Teinture".to_string()]);
        assert_eq!(history[1].interest_sectors, vec![Sector::Tailoring, Sector::Trade]);
        assert_eq!((history[1].literacy, history[1].numeracy), (Proficiency::Basic, Proficiency::Fluent));
        assert_eq!(history[1].pathway, Some(Pathway::SelfEmployment));
        assert_eq!((history[0].pathway, history[0].experience_years), (None, None));

        let actions: Vec<String> = cases::timeline(&db.app, &worker, case_id).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(actions.iter().filter(|a| *a == "assessment.needs_add").count(), 2);
        assert_eq!(actions.iter().filter(|a| *a == "assessment.skills_add").count(), 2);
    }

    async fn demo_counselling_is_small_and_loaded_once(db) {
        demo::load(&db.app, 7, &indicatif::ProgressBar::hidden()).await.unwrap();
        demo::load_returnees(&db.app, 7, 120, &indicatif::ProgressBar::hidden()).await.unwrap();
        let manager = actor(&db, "oim.gestion").await;
        let scope = cases::scope_for(&manager).unwrap();
        let page = cnrm_domain::paging::PageRequest { page: 1, per_page: 200, sort: "arrival", descending: false, search: None };
        let oim_cases = db.app.db.cases(&scope, &Default::default(), &page).await.unwrap().items;
        let (mut sessions, mut assessed) = (0, 0);
        for c in &oim_cases {
            let s = db.app.db.counselling_sessions(c.id).await.unwrap();
            let n = db.app.db.needs_assessments(c.id).await.unwrap();
            assert!(s.iter().all(|s| s.held_on >= c.arrival_date && s.held_on <= today()));
            assert!(n.iter().all(|a| a.economic.needs.iter().all(|x| x.dimension() == cnrm_domain::lifecycle::plan::Dimension::Economic)));
            sessions += s.len();
            assessed += usize::from(!n.is_empty());
        }
        assert!((50..=150).contains(&sessions), "{sessions}");
        assert!(assessed > 0 && assessed <= 50, "{assessed}");
        assert_eq!(demo::load_counselling(&db.app, 7).await.unwrap(), 0, "not loaded twice");
    }
}
