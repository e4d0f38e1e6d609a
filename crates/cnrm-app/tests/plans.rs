//! Reintegration plans, on both backends: approval by someone else, item lifecycle, follow-ups.

use cnrm_app::cases;
use cnrm_app::plans::{self, PlanItemAction, PlanItemInput};
use cnrm_app::testing::{self, actor, TestDb};
use cnrm_app::{test_both_backends, AppError};
use cnrm_domain::followup::PlanTimeliness;
use cnrm_domain::lifecycle::plan::PlanItemStatus;
use time::{Duration, OffsetDateTime};

async fn case(db: &TestDb, arrived: time::Date) -> uuid::Uuid {
    testing::load_demo(db).await;
    // The same name may be registered twice in one test: two cases, on purpose.
    let input = testing::registration("Magassa", "Demba", "male", "1994", &arrived.to_string());
    testing::register(db, &actor(db, "oim.agent").await, &input).await.id
}

fn training() -> PlanItemInput {
    PlanItemInput {
        dimension: "economic".into(),
        assistance_type: "vocational_training".into(),
        level: "individual".into(),
        channel: "referral".into(),
        description: "Formation en électricité".into(),
        budget_xof: "350 000".into(),
        ..Default::default()
    }
}

test_both_backends! {
    async fn a_plan_is_approved_by_a_manager_who_did_not_write_it(db) {
        let today = OffsetDateTime::now_utc().date();
        let case_id = case(&db, today - Duration::days(10)).await;
        let worker = actor(&db, "oim.agent").await;
        let manager = actor(&db, "oim.gestion").await;
        let item = plans::add_item(&db.app, &worker, case_id, &training()).await.unwrap();
        assert_eq!(item.budget_xof, 350_000);
        assert_eq!(item.status, PlanItemStatus::Planned);
        let (plan, timeliness) = plans::of_case(&db.app, &worker, case_id).await.unwrap();
        let plan = plan.unwrap();
        assert_eq!(timeliness, PlanTimeliness::Pending);
        assert!(matches!(plans::approve(&db.app, &worker, case_id, plan.plan.version).await, Err(AppError::Forbidden)), "a case worker does not approve");
        let approved = plans::approve(&db.app, &manager, case_id, plan.plan.version).await.unwrap();
        assert_eq!(approved.items[0].status, PlanItemStatus::Approved);
        assert_eq!(approved.plan.approved_by, Some(manager.user.id));
        assert!(matches!(plans::approve(&db.app, &manager, case_id, approved.plan.version).await, Err(AppError::Refused("error-plan-nothing-to-approve"))));

        // A plan written by the manager needs another approver.
        let other = case(&db, today - Duration::days(3)).await;
        let mine = plans::add_item(&db.app, &manager, other, &training()).await.unwrap();
        let (plan, _) = plans::of_case(&db.app, &manager, other).await.unwrap();
        assert!(matches!(plans::approve(&db.app, &manager, other, plan.unwrap().plan.version).await, Err(AppError::Refused("error-plan-self-approval"))));
        assert_eq!(mine.status, PlanItemStatus::Planned);
    }

    async fn items_move_through_their_lifecycle_and_follow_ups_are_scheduled(db) {
        let today = OffsetDateTime::now_utc().date();
        let arrival = today - Duration::days(60);
        let case_id = case(&db, arrival).await;
        let worker = actor(&db, "oim.agent").await;
        let manager = actor(&db, "oim.gestion").await;
        let mut bad = training();
        bad.budget_xof = "12,5".into();
        bad.start_on = "2025-03-10".into();
        bad.end_on = "2025-03-01".into();
        match plans::add_item(&db.app, &worker, case_id, &bad).await {
            Err(AppError::Invalid(errors)) => {
                assert!(errors.for_field("budget_xof").is_some());
                assert_eq!(errors.for_field("end_on"), Some("error-end-before-start"));
            }
            other => panic!("expected invalid input, got {other:?}"),
        }
        let item = plans::add_item(&db.app, &worker, case_id, &training()).await.unwrap();
        let (plan, _) = plans::of_case(&db.app, &worker, case_id).await.unwrap();
        let plan = plan.unwrap();
        let early = (arrival - Duration::days(1)).to_string();
        assert!(matches!(plans::agree(&db.app, &worker, case_id, plan.plan.version, &early).await, Err(AppError::Invalid(_))));
        let agreed = plans::agree(&db.app, &worker, case_id, plan.plan.version, &(arrival + Duration::days(45)).to_string()).await.unwrap();
        let (_, timeliness) = plans::of_case(&db.app, &worker, case_id).await.unwrap();
        assert_eq!(timeliness, PlanTimeliness::Late, "agreed 45 days after arrival");
        let file = cases::get(&db.app, &worker, case_id).await.unwrap();
        assert_eq!(file.tasks.iter().filter(|t| t.kind == "follow-up").count(), 3, "3, 6 and 12 months");

        let start = PlanItemAction { action: "start".into(), version: item.version, ..Default::default() };
        assert!(matches!(plans::act_on_item(&db.app, &worker, case_id, item.id, &start).await, Err(AppError::Refused(_))), "not approved yet");
        let approved = plans::approve(&db.app, &manager, case_id, agreed.version).await.unwrap();
        let item = &approved.items[0];
        let started = plans::act_on_item(&db.app, &worker, case_id, item.id, &PlanItemAction { action: "start".into(), version: item.version, ..Default::default() }).await.unwrap();
        let stale = PlanItemAction { action: "deliver".into(), version: item.version, ..Default::default() };
        assert!(matches!(plans::act_on_item(&db.app, &worker, case_id, item.id, &stale).await, Err(AppError::Stale)));
        let delivered = plans::act_on_item(&db.app, &worker, case_id, item.id, &PlanItemAction { action: "deliver".into(), spent_xof: "360000".into(), version: started.version, ..Default::default() }).await.unwrap();
        assert_eq!(delivered.status, PlanItemStatus::Delivered);
        assert_eq!(delivered.spent_xof, 360_000);
        let cancel = PlanItemAction { action: "cancel".into(), reason: "Trop tard".into(), version: delivered.version, ..Default::default() };
        assert!(matches!(plans::act_on_item(&db.app, &worker, case_id, item.id, &cancel).await, Err(AppError::Refused(_))), "delivered is final");
        let history: Vec<String> = cases::timeline(&db.app, &worker, case_id).await.unwrap().into_iter().map(|e| e.action).collect();
        for a in ["plan.item_add", "plan.agree", "plan.approve", "plan.item_start", "plan.item_deliver"] {
            assert!(history.iter().any(|h| h == a), "{a} not in {history:?}");
        }
        // Out of reach for others.
        assert!(matches!(plans::of_case(&db.app, &actor(&db, "anpe.focal").await, case_id).await, Err(AppError::NotFound)));
    }
}

test_both_backends! {
    async fn the_work_queue_gathers_what_waits_for_each_role(db) {
        let today = OffsetDateTime::now_utc().date();
        let case_id = case(&db, today - Duration::days(5)).await;
        let worker = actor(&db, "oim.agent").await;
        let manager = actor(&db, "oim.gestion").await;
        cases::screen(&db.app, &worker, case_id, 1, &["medical_condition".to_string()]).await.unwrap();
        plans::add_item(&db.app, &worker, case_id, &training()).await.unwrap();
        let mine = cnrm_app::work::queue(&db.app, &worker).await.unwrap();
        assert!(mine.my_cases.iter().any(|c| c.id == case_id));
        assert!(mine.tasks.iter().any(|t| t.task.case_id == case_id && t.task.kind == "screening-follow-up"));
        assert!(mine.plans_to_approve.is_empty(), "a case worker approves nothing");
        let theirs = cnrm_app::work::queue(&db.app, &manager).await.unwrap();
        assert!(theirs.plans_to_approve.iter().any(|p| p.case_id == case_id && p.planned_items == 1));
        let partner = cnrm_app::work::queue(&db.app, &actor(&db, "anpe.focal").await).await.unwrap();
        assert!(partner.my_cases.is_empty() && partner.tasks.is_empty() && partner.plans_to_approve.is_empty());

        // A case the manager hands to a worker shows as recently assigned to that worker only.
        assert!(mine.recently_assigned.iter().all(|r| r.case_id != case_id), "registering is not being assigned");
        let colleague = testing::add_account(&db, "oim.agent3", cnrm_domain::Role::CaseWorker, "OIM", Some("Mopti")).await;
        let version = cases::get(&db.app, &manager, case_id).await.unwrap().case.version;
        cases::assign(&db.app, &manager, case_id, version, Some(colleague.user.id)).await.unwrap();
        let theirs = cnrm_app::work::queue(&db.app, &colleague).await.unwrap();
        let recent: Vec<_> = theirs.recently_assigned.iter().filter(|r| r.case_id == case_id).collect();
        assert_eq!(recent.len(), 1, "{:?}", theirs.recently_assigned);
        assert_eq!(recent[0].assigned_by, "oim.gestion");
        let mine = cnrm_app::work::queue(&db.app, &worker).await.unwrap();
        assert!(mine.recently_assigned.iter().all(|r| r.case_id != case_id), "no longer the worker's");
        // Handed back: the colleague's list no longer holds it.
        let version = cases::get(&db.app, &manager, case_id).await.unwrap().case.version;
        cases::assign(&db.app, &manager, case_id, version, Some(worker.user.id)).await.unwrap();
        let theirs = cnrm_app::work::queue(&db.app, &colleague).await.unwrap();
        assert!(theirs.recently_assigned.iter().all(|r| r.case_id != case_id));
        let mine = cnrm_app::work::queue(&db.app, &worker).await.unwrap();
        assert!(mine.recently_assigned.iter().any(|r| r.case_id == case_id));
    }
}
