//! Surveys on both backends: submitting (valid, invalid: nothing written), scores stored with the
//! version answered, version pinning and recomputing, the schedule and the work queue, who may
//! see and submit a case's surveys.

use cnrm_app::surveys::{self, SurveyInput};
use cnrm_app::testing::{self, actor, TestDb};
use cnrm_app::{test_both_backends, work, AppError};
use cnrm_domain::questionnaire::Answers;
use cnrm_domain::survey::SurveyKind;
use cnrm_domain::Role;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// The demo platform, the test questionnaire as the current RSS, and an account of another
/// organisation.
async fn platform(db: &TestDb) {
    testing::load_demo(db).await;
    testing::add_account(db, "crm.gestion", Role::CaseManager, "CRM", None).await;
    surveys::add_version(&db.app, &actor(db, "admin").await, &testing::small_rss(1.0, "test-1")).await.unwrap();
}

/// A case registered by the demo case worker, arrived two months ago.
async fn case(db: &TestDb) -> Uuid {
    let arrived = today() - Duration::days(60);
    let input = testing::registration("Dembélé", "Awa", "female", "1996", &arrived.to_string());
    testing::register(db, &actor(db, "oim.agent").await, &input).await.id
}

fn input(kind: &str, answered_on: Date, answers: &[(&str, &str)]) -> SurveyInput {
    SurveyInput {
        kind: kind.into(),
        answered_on: answered_on.to_string(),
        answers: Answers::from_pairs(answers.iter().copied()),
    }
}

/// Economic 5 (1.0), no children (social not asked), support network 1 (0.0).
fn baseline_answers() -> Vec<(&'static str, &'static str)> {
    vec![("economic_satisfaction", "5"), ("children", "no"), ("support_network", "1")]
}

test_both_backends! {
    async fn a_valid_survey_is_stored_with_its_scores_and_schedules_follow_ups(db) {
        platform(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let case_id = case(&db).await;
        let answered = today() - Duration::days(1);
        let mut answers = baseline_answers();
        answers.push(("schooling", "3")); // not relevant without children: dropped
        let stored = surveys::submit(&db.app, &worker, case_id, &input("baseline", answered, &answers)).await.unwrap();
        assert_eq!(stored.kind, SurveyKind::Baseline);
        assert_eq!(stored.scores.economic, Some(1.0));
        assert_eq!(stored.scores.social, None);
        assert_eq!(stored.scores.psychosocial, Some(0.0));
        assert_eq!(stored.scores.composite, Some(0.5));
        assert!(stored.answers.get("schooling").is_none(), "{:?}", stored.answers);

        let view = surveys::of_case(&db.app, &worker, case_id).await.unwrap();
        assert_eq!(view.submissions.len(), 1);
        assert!(view.submissions[0].provisional_weights);
        assert_eq!(view.submissions[0].submission.id, stored.id);
        let steps: Vec<(SurveyKind, i64, bool)> =
            view.schedule.iter().map(|s| (s.kind, s.months_after_baseline, s.done_submission_id.is_some())).collect();
        assert_eq!(steps, vec![
            (SurveyKind::Baseline, 0, true),
            (SurveyKind::FollowUp, 3, false),
            (SurveyKind::FollowUp, 6, false),
            (SurveyKind::FollowUp, 12, false),
        ]);

        // A follow-up completes the first follow-up step.
        let follow = surveys::submit(&db.app, &worker, case_id, &input("follow_up", today(), &baseline_answers())).await.unwrap();
        let view = surveys::of_case(&db.app, &worker, case_id).await.unwrap();
        let three = view.schedule.iter().find(|s| s.months_after_baseline == 3).unwrap();
        assert_eq!(three.done_submission_id, Some(follow.id));
        assert_eq!(view.submissions.len(), 2);
    }

    async fn an_invalid_survey_writes_nothing(db) {
        platform(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let case_id = case(&db).await;
        let head = db.app.db.audit_head().await.unwrap();
        let bad = input("baseline", today() + Duration::days(3), &[("economic_satisfaction", "9"), ("children", "yes")]);
        match surveys::submit(&db.app, &worker, case_id, &bad).await {
            Err(AppError::Invalid(errors)) => {
                assert_eq!(errors.for_field("answered_on"), Some("error-date-in-future"));
                assert_eq!(errors.for_field("answers.economic_satisfaction"), Some("error-choose-from-list"));
                assert_eq!(errors.for_field("answers.support_network"), Some("error-required"));
            }
            other => panic!("expected invalid input, got {other:?}"),
        }
        assert_eq!(testing::invalid(
            surveys::submit(&db.app, &worker, case_id, &input("weekly", today(), &baseline_answers())).await, "kind"),
            "error-choose-from-list");
        assert!(db.app.db.survey_submissions_of_case(case_id).await.unwrap().is_empty());
        assert_eq!(db.app.db.audit_head().await.unwrap(), head);
    }

    async fn new_weights_make_a_version_and_old_scores_stay_until_recomputed(db) {
        platform(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let admin = actor(&db, "admin").await;
        let case_id = case(&db).await;
        let first = surveys::submit(&db.app, &worker, case_id, &input("baseline", today(), &baseline_answers())).await.unwrap();
        let before = surveys::current(&db.app, "rss").await.unwrap();

        // Only an administrator loads a version.
        assert!(matches!(surveys::add_version(&db.app, &worker, &testing::small_rss(3.0, "official")).await, Err(AppError::Forbidden)));
        let official = surveys::add_version(&db.app, &admin, &testing::small_rss(3.0, "official")).await.unwrap();
        assert_eq!(official.version, before.version + 1);
        assert!(!official.provisional_weights);
        assert_eq!(surveys::current(&db.app, "rss").await.unwrap().id, official.id);

        let kept = db.app.db.survey_submission(first.id).await.unwrap().unwrap();
        assert_eq!(kept.scores.composite, Some(0.5));
        assert_eq!(kept.scored_with_version, before.id);
        // A new submission is answered and scored with the new version.
        let second = surveys::submit(&db.app, &worker, case_id, &input("follow_up", today(), &baseline_answers())).await.unwrap();
        assert_eq!(second.version_id, official.id);
        assert_eq!(second.scores.composite, Some(0.75));

        assert!(matches!(surveys::recompute(&db.app, &worker, "rss").await, Err(AppError::Forbidden)));
        assert!(surveys::recompute(&db.app, &admin, "rss").await.unwrap() >= 1);
        let recomputed = db.app.db.survey_submission(first.id).await.unwrap().unwrap();
        assert_eq!(recomputed.scores.composite, Some(0.75));
        assert_eq!(recomputed.scored_with_version, official.id);
        assert_eq!(recomputed.version_id, before.id, "the version answered never changes");
        let view = surveys::of_case(&db.app, &worker, case_id).await.unwrap();
        let shown = view.submissions.iter().find(|s| s.submission.id == first.id).unwrap();
        assert_eq!((shown.version, shown.scored_with, shown.provisional_weights), (before.version, official.version, false));
    }

    async fn a_due_baseline_is_in_the_work_queue_until_taken(db) {
        platform(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let case_id = case(&db).await;
        let queued = |q: &work::WorkQueue| q.surveys_due.iter().any(|s| s.survey.case_id == case_id);
        // Registered today: the baseline is due in a month, not yet in the queue.
        let schedule = db.app.db.survey_schedule_of_case(case_id).await.unwrap();
        assert_eq!(schedule.len(), 1);
        assert_eq!(schedule[0].due_on, today() + Duration::days(30));
        assert!(!queued(&work::queue(&db.app, &worker).await.unwrap()));

        // A needs assessment brings it forward to the assessment's date.
        let needs = cnrm_domain::assessment::NeedsInput {
            assessed_on: today().to_string(),
            economic_level: "high".into(),
            social_level: "low".into(),
            psychosocial_level: "low".into(),
            ..Default::default()
        };
        cnrm_app::counselling::add_needs_assessment(&db.app, &worker, case_id, &needs).await.unwrap();
        assert!(queued(&work::queue(&db.app, &worker).await.unwrap()));
        // Another organisation's manager does not see it.
        assert!(!queued(&work::queue(&db.app, &actor(&db, "crm.gestion").await).await.unwrap()));

        surveys::submit(&db.app, &worker, case_id, &input("baseline", today(), &baseline_answers())).await.unwrap();
        assert!(!queued(&work::queue(&db.app, &worker).await.unwrap()));
    }

    async fn another_organisation_cannot_see_nor_submit(db) {
        platform(&db).await;
        let case_id = case(&db).await;
        let other = actor(&db, "crm.gestion").await;
        let good = input("baseline", today(), &baseline_answers());
        assert!(matches!(surveys::submit(&db.app, &other, case_id, &good).await, Err(AppError::NotFound)));
        assert!(matches!(surveys::of_case(&db.app, &other, case_id).await, Err(AppError::NotFound)));
        // An observer without case rights is refused too.
        let observer = actor(&db, "ue.observateur").await;
        assert!(matches!(surveys::submit(&db.app, &observer, case_id, &good).await, Err(AppError::Forbidden)));
        assert!(db.app.db.survey_submissions_of_case(case_id).await.unwrap().is_empty());
    }

    async fn the_demo_surveys_a_share_of_cases_with_scores_that_vary(db) {
        testing::load_demo(&db).await;
        cnrm_app::demo::load_returnees(&db.app, 7, 300, &indicatif::ProgressBar::hidden()).await.unwrap();
        let everything = cnrm_store::CaseScope {
            organisation_id: None,
            assigned_or_team: None,
            protection: cnrm_store::ProtectionVisibility::All,
        };
        let all = cnrm_domain::paging::PageRequest { page: 1, per_page: 200, sort: "arrival", descending: false, search: None };
        let mut cases = db.app.db.cases(&everything, &Default::default(), &all).await.unwrap().items;
        cases.extend(db.app.db.cases(&everything, &Default::default(), &cnrm_domain::paging::PageRequest { page: 2, ..all.clone() }).await.unwrap().items);
        let (mut surveyed, mut composites, mut follow_ups) = (0, Vec::new(), 0);
        let mut by_region: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
        for case in &cases {
            let submissions = db.app.db.survey_submissions_of_case(case.id).await.unwrap();
            assert!(!db.app.db.survey_schedule_of_case(case.id).await.unwrap().is_empty(), "every case has a schedule");
            if submissions.iter().any(|s| s.kind == SurveyKind::Baseline) {
                surveyed += 1;
            }
            follow_ups += submissions.iter().filter(|s| s.kind == SurveyKind::FollowUp).count();
            for s in submissions.iter().filter(|s| s.kind == SurveyKind::Baseline) {
                let composite = s.scores.composite.expect("a baseline has a composite score");
                assert!((0.0..=1.0).contains(&composite));
                composites.push(composite);
                let region = case.settlement_pcode.clone().unwrap_or_default().chars().take(4).collect();
                by_region.entry(region).or_default().push(composite);
            }
        }
        let share = surveyed as f64 / cases.len() as f64;
        assert!((0.4..0.75).contains(&share), "{surveyed} of {} surveyed", cases.len());
        assert!(follow_ups > 0);
        let means: Vec<f64> = by_region.values().filter(|v| v.len() >= 5).map(|v| v.iter().sum::<f64>() / v.len() as f64).collect();
        let spread = means.iter().cloned().fold(f64::MIN, f64::max) - means.iter().cloned().fold(f64::MAX, f64::min);
        assert!(spread > 0.05, "scores vary by region: {by_region:?}");
        // The same seed gives the same surveys.
        let other = TestDb::new(testing::TestBackend::Sqlite).await;
        testing::load_demo(&other).await;
        cnrm_app::demo::load_returnees(&other.app, 7, 300, &indicatif::ProgressBar::hidden()).await.unwrap();
        let first = &cases[0];
        let mirrored = other.app.db.cases(&everything, &Default::default(), &all).await.unwrap().items;
        let twin = mirrored.iter().find(|c| c.case_number == first.case_number).expect("the same case");
        let scores = |s: Vec<cnrm_store::SurveySubmission>| s.into_iter().map(|s| (s.kind, s.answered_on, s.scores.composite)).collect::<Vec<_>>();
        assert_eq!(
            scores(db.app.db.survey_submissions_of_case(first.id).await.unwrap()),
            scores(other.app.db.survey_submissions_of_case(twin.id).await.unwrap())
        );
    }
}
