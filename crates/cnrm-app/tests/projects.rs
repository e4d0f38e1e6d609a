//! Collective projects, on both backends: lifecycle, member rules, who sees which member,
//! optimistic locking, and the demo's plans, referrals and cooperative.

use cnrm_app::cases;
use cnrm_app::plans::{self, PlanItemInput};
use cnrm_app::projects::{self, MemberInput, ProjectAction};
use cnrm_app::testing::{self, actor, TestDb};
use cnrm_app::{demo, test_both_backends, AppError};
use cnrm_domain::lifecycle::plan::PlanItemStatus;
use cnrm_domain::lifecycle::referral::ReferralStatus;
use cnrm_domain::paging::PageRequest;
use cnrm_domain::project::{ProjectInput, ProjectStatus};
use cnrm_domain::Role;
use uuid::Uuid;

/// The demo accounts, a case worker of OIM's Gao team and a case manager of the Red Cross.
async fn platform(db: &TestDb) {
    testing::load_demo(db).await;
    testing::add_account(db, "oim.gao", Role::CaseWorker, "OIM", Some("Gao")).await;
    testing::add_account(db, "crm.gestion", Role::CaseManager, "CRM", None).await;
}

async fn case(db: &TestDb, by: &str, family: &str) -> Uuid {
    let input = testing::registration(family, "Awa", "female", "1995", "2025-06-01");
    testing::register(db, &actor(db, by).await, &input).await.id
}

fn item(level: &str) -> PlanItemInput {
    PlanItemInput {
        dimension: "economic".into(),
        assistance_type: "collective_business".into(),
        level: level.into(),
        channel: "direct".into(),
        budget_xof: "400 000".into(),
        ..Default::default()
    }
}

fn cooperative() -> ProjectInput {
    ProjectInput {
        name: "Coopérative avicole de Kati".into(),
        level: "collective".into(),
        sector: "livestock".into(),
        location: "ML0204".into(),
        description: "Élevage de poulets de chair".into(),
        budget_xof: "3 000 000".into(),
        start_on: "2026-01-15".into(),
    }
}

fn by_id(case_id: Uuid, plan_item_id: Option<Uuid>) -> MemberInput {
    MemberInput {
        case_id: case_id.to_string(),
        plan_item_id: plan_item_id.map(|i| i.to_string()).unwrap_or_default(),
        ..Default::default()
    }
}

fn page() -> PageRequest {
    PageRequest { page: 1, per_page: 25, sort: "created", descending: true, search: None }
}

test_both_backends! {
    async fn a_project_is_recorded_by_a_case_manager_and_follows_its_lifecycle(db) {
        platform(&db).await;
        let manager = actor(&db, "oim.gestion").await;
        let worker = actor(&db, "oim.agent").await;
        let units = db.app.db.admin_units().await.unwrap();
        assert!(units.iter().any(|u| u.pcode == "ML0204"), "Kati is an admin unit");

        // Case workers read projects but do not record them; invalid fields come back by name.
        assert!(matches!(projects::create(&db.app, &worker, &cooperative()).await, Err(AppError::Forbidden)));
        let bad = ProjectInput { level: "individual".into(), location: "ML9999".into(), ..cooperative() };
        match projects::create(&db.app, &manager, &bad).await {
            Err(AppError::Invalid(errors)) => {
                assert_eq!(errors.for_field("level"), Some("error-project-level"));
                assert_eq!(errors.for_field("location"), Some("error-choose-from-list"));
            }
            other => panic!("{other:?}"),
        }
        let project = projects::create(&db.app, &manager, &cooperative()).await.unwrap();
        assert_eq!((project.status, project.budget_xof, project.version), (ProjectStatus::Planned, 3_000_000, 1));
        let listed = projects::list(&db.app, &worker, None, &page()).await.unwrap();
        assert_eq!(listed.total, 1);
        assert_eq!(listed.items[0].project.name, "Coopérative avicole de Kati");
        assert_eq!(projects::list(&db.app, &worker, Some(ProjectStatus::Active), &page()).await.unwrap().total, 0);
        // Other organisations neither list nor open it; roles without CaseRead are refused.
        let crm = actor(&db, "crm.gestion").await;
        assert_eq!(projects::list(&db.app, &crm, None, &page()).await.unwrap().total, 0);
        assert!(matches!(projects::get(&db.app, &crm, project.id).await, Err(AppError::NotFound)));
        let partner = actor(&db, "anpe.focal").await;
        assert!(matches!(projects::list(&db.app, &partner, None, &page()).await, Err(AppError::Forbidden)));
        let worker_view = projects::get(&db.app, &worker, project.id).await.unwrap();
        assert!(!worker_view.may_change);

        // planned → active → completed; steps out of order and changes after the end are refused.
        let act = |action: &str, version: i64| ProjectAction { action: action.into(), reason: String::new(), version };
        assert!(matches!(projects::act(&db.app, &worker, project.id, &act("start", 1)).await, Err(AppError::Forbidden)));
        assert!(matches!(
            projects::act(&db.app, &manager, project.id, &act("complete", 1)).await,
            Err(AppError::Refused("error-project-transition"))
        ));
        match projects::act(&db.app, &manager, project.id, &act("cancel", 1)).await {
            Err(AppError::Invalid(errors)) => assert_eq!(errors.for_field("reason"), Some("error-required")),
            other => panic!("a cancellation needs its reason: {other:?}"),
        }
        let started = projects::act(&db.app, &manager, project.id, &act("start", 1)).await.unwrap();
        assert_eq!((started.status, started.version), (ProjectStatus::Active, 2));
        let done = projects::act(&db.app, &manager, project.id, &act("complete", 2)).await.unwrap();
        assert_eq!(done.status, ProjectStatus::Completed);
        assert!(matches!(
            projects::act(&db.app, &manager, project.id, &ProjectAction { action: "cancel".into(), reason: "trop tard".into(), version: 3 }).await,
            Err(AppError::Refused("error-project-closed"))
        ));
        assert!(matches!(
            projects::update(&db.app, &manager, project.id, 3, &cooperative()).await,
            Err(AppError::Refused("error-project-closed"))
        ));
        let actions: Vec<String> = db.app.db.audit_entries(
            &cnrm_store::AuditFilter { entity_id: Some(project.id.to_string()), ..Default::default() },
            &PageRequest { page: 1, per_page: 50, sort: "seq", descending: false, search: None },
        ).await.unwrap().items.into_iter().map(|e| e.action).collect();
        assert_eq!(actions, ["project.create", "project.start", "project.complete"]);

        // A second project is cancelled with its reason.
        let other = projects::create(&db.app, &manager, &cooperative()).await.unwrap();
        let cancel = ProjectAction { action: "cancel".into(), reason: "Financement retiré".into(), version: 1 };
        let cancelled = projects::act(&db.app, &manager, other.id, &cancel).await.unwrap();
        assert_eq!((cancelled.status, cancelled.status_reason.as_deref()), (ProjectStatus::Cancelled, Some("Financement retiré")));
    }

    async fn edits_are_refused_when_someone_saved_in_between(db) {
        platform(&db).await;
        let manager = actor(&db, "oim.gestion").await;
        let project = projects::create(&db.app, &manager, &cooperative()).await.unwrap();
        let renamed = ProjectInput { name: "Coopérative avicole de Kati-Coura".into(), budget_xof: "3 200 000".into(), ..cooperative() };
        let saved = projects::update(&db.app, &manager, project.id, project.version, &renamed).await.unwrap();
        assert_eq!((saved.version, saved.budget_xof), (2, 3_200_000));
        // A second form opened at version 1 is refused and changes nothing.
        let late = ProjectInput { name: "Autre nom".into(), ..cooperative() };
        assert!(matches!(projects::update(&db.app, &manager, project.id, project.version, &late).await, Err(AppError::Stale)));
        let start = ProjectAction { action: "start".into(), reason: String::new(), version: 1 };
        assert!(matches!(projects::act(&db.app, &manager, project.id, &start).await, Err(AppError::Stale)));
        let now = projects::get(&db.app, &manager, project.id).await.unwrap().project;
        assert_eq!((now.name.as_str(), now.version), ("Coopérative avicole de Kati-Coura", 2));
        match projects::update(&db.app, &manager, project.id, 2, &ProjectInput { budget_xof: "".into(), ..renamed }).await {
            Err(AppError::Invalid(errors)) => assert_eq!(errors.for_field("budget_xof"), Some("error-required")),
            other => panic!("{other:?}"),
        }
    }

    async fn a_closed_case_does_not_join_a_project(db) {
        platform(&db).await;
        let manager = actor(&db, "oim.gestion").await;
        let worker = actor(&db, "oim.agent").await;
        let closed = case(&db, "oim.agent", "Traoré").await;
        let version = db.app.db.case_file(closed).await.unwrap().unwrap().case.version;
        cases::close(&db.app, &worker, closed, version, "assistance_completed").await.unwrap();
        let project = projects::create(&db.app, &manager, &cooperative()).await.unwrap();
        assert!(matches!(
            projects::add_member(&db.app, &manager, project.id, &by_id(closed, None)).await,
            Err(AppError::Refused("error-project-case-closed"))
        ));
        let number = db.app.db.case_file(closed).await.unwrap().unwrap().case.case_number;
        assert!(matches!(
            projects::add_member(&db.app, &manager, project.id, &MemberInput { case_number: number, ..Default::default() }).await,
            Err(AppError::Refused("error-project-case-closed"))
        ));
        assert!(projects::get(&db.app, &manager, project.id).await.unwrap().members.is_empty(), "nothing was added");
    }

    async fn members_are_cases_of_the_organisation_with_a_collective_item_of_their_own(db) {
        platform(&db).await;
        let manager = actor(&db, "oim.gestion").await;
        let worker = actor(&db, "oim.agent").await;
        let first = case(&db, "oim.agent", "Diarra").await;
        let second = case(&db, "oim.agent", "Konaté").await;
        let elsewhere = case(&db, "crm.gestion", "Sylla").await;
        let share = plans::add_item(&db.app, &worker, first, &item("collective")).await.unwrap();
        let individual = plans::add_item(&db.app, &worker, second, &item("individual")).await.unwrap();
        let community = plans::add_item(&db.app, &worker, second, &PlanItemInput { budget_xof: "150 000".into(), ..item("community") }).await.unwrap();
        let project = projects::create(&db.app, &manager, &cooperative()).await.unwrap();

        // Case workers do not change members.
        assert!(matches!(projects::add_member(&db.app, &worker, project.id, &by_id(first, None)).await, Err(AppError::Forbidden)));
        // A case of another organisation is not found, by id or by number.
        assert!(matches!(projects::add_member(&db.app, &manager, project.id, &by_id(elsewhere, None)).await, Err(AppError::NotFound)));
        let number = db.app.db.case_file(elsewhere).await.unwrap().unwrap().case.case_number;
        let by_number = MemberInput { case_number: number, ..Default::default() };
        match projects::add_member(&db.app, &manager, project.id, &by_number).await {
            Err(AppError::Invalid(errors)) => assert_eq!(errors.for_field("case_number"), Some("error-project-case-unknown")),
            other => panic!("{other:?}"),
        }
        // The item must be the member's own, and collective or community.
        match projects::add_member(&db.app, &manager, project.id, &by_id(first, Some(community.id))).await {
            Err(AppError::Invalid(errors)) => assert_eq!(errors.for_field("plan_item_id"), Some("error-project-item-other-case")),
            other => panic!("{other:?}"),
        }
        match projects::add_member(&db.app, &manager, project.id, &by_id(second, Some(individual.id))).await {
            Err(AppError::Invalid(errors)) => assert_eq!(errors.for_field("plan_item_id"), Some("error-project-item-level")),
            other => panic!("{other:?}"),
        }
        assert!(projects::get(&db.app, &manager, project.id).await.unwrap().members.is_empty(), "nothing was added");

        // By id with its share, by number with a community item.
        assert_eq!(projects::add_member(&db.app, &manager, project.id, &by_id(first, Some(share.id))).await.unwrap(), first);
        let number = db.app.db.case_file(second).await.unwrap().unwrap().case.case_number;
        let by_number = MemberInput { case_number: number.to_lowercase(), plan_item_id: community.id.to_string(), ..Default::default() };
        assert_eq!(projects::add_member(&db.app, &manager, project.id, &by_number).await.unwrap(), second);
        // Once per project.
        assert!(matches!(
            projects::add_member(&db.app, &manager, project.id, &by_id(first, None)).await,
            Err(AppError::Refused("error-project-member-duplicate"))
        ));
        let view = projects::get(&db.app, &manager, project.id).await.unwrap();
        assert_eq!(view.members.len(), 2);
        assert_eq!(view.shares_xof, 550_000, "the shares' items add up");
        assert_eq!(view.other_members, 0);
        // A case may be in several projects; the case lists them.
        let other = projects::create(&db.app, &manager, &ProjectInput { name: "Jardin communautaire".into(), level: "community".into(), ..cooperative() }).await.unwrap();
        projects::add_member(&db.app, &manager, other.id, &by_id(first, None)).await.unwrap();
        let of_case: Vec<Uuid> = projects::of_case(&db.app, &worker, first).await.unwrap().into_iter().map(|p| p.id).collect();
        assert_eq!(of_case, [other.id, project.id]);
        assert!(matches!(projects::of_case(&db.app, &manager, elsewhere).await, Err(AppError::NotFound)));

        // The case's history shows it joined; removal is audited too, and ends the membership.
        let timeline: Vec<String> = cases::timeline(&db.app, &worker, first).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(timeline.iter().filter(|a| *a == "project.member_add").count(), 2);
        projects::remove_member(&db.app, &manager, project.id, first).await.unwrap();
        assert!(matches!(projects::remove_member(&db.app, &manager, project.id, first).await, Err(AppError::NotFound)));
        let timeline: Vec<String> = cases::timeline(&db.app, &worker, first).await.unwrap().into_iter().map(|e| e.action).collect();
        assert!(timeline.contains(&"project.member_remove".to_string()), "{timeline:?}");
        let view = projects::get(&db.app, &manager, project.id).await.unwrap();
        assert_eq!((view.members.len(), view.shares_xof), (1, 150_000));

        // Once the project ended, its members stay as they are.
        let cancel = ProjectAction { action: "cancel".into(), reason: "Abandon".into(), version: 1 };
        projects::act(&db.app, &manager, project.id, &cancel).await.unwrap();
        assert!(matches!(
            projects::add_member(&db.app, &manager, project.id, &by_id(first, None)).await,
            Err(AppError::Refused("error-project-closed"))
        ));
    }

    async fn members_out_of_a_readers_reach_are_counted_not_named(db) {
        platform(&db).await;
        let manager = actor(&db, "oim.gestion").await;
        let kayes = case(&db, "oim.agent", "Doumbia").await;
        let gao = case(&db, "oim.gao", "Maïga").await;
        let project = projects::create(&db.app, &manager, &cooperative()).await.unwrap();
        for member in [kayes, gao] {
            projects::add_member(&db.app, &manager, project.id, &by_id(member, None)).await.unwrap();
        }
        let all = projects::get(&db.app, &manager, project.id).await.unwrap();
        assert_eq!((all.members.len(), all.other_members), (2, 0));

        let worker = actor(&db, "oim.agent").await;
        let view = projects::get(&db.app, &worker, project.id).await.unwrap();
        assert_eq!(view.members.iter().map(|m| m.case_id).collect::<Vec<_>>(), [kayes]);
        assert_eq!(view.members[0].name, "Doumbia Awa");
        assert_eq!(view.other_members, 1);
        let json = serde_json::to_string(&view).unwrap();
        assert!(!json.contains("Maïga") && !json.contains(&gao.to_string()), "the other member is not named");
        let other_team = actor(&db, "oim.gao").await;
        let view = projects::get(&db.app, &other_team, project.id).await.unwrap();
        assert_eq!((view.members[0].case_id, view.other_members), (gao, 1));
        // Nor can anyone learn of the other member through the case.
        assert!(matches!(projects::of_case(&db.app, &worker, gao).await, Err(AppError::NotFound)));
    }

    async fn the_demo_has_plans_referrals_in_every_state_and_a_cooperative(db) {
        demo::load(&db.app, 2024, &indicatif::ProgressBar::hidden()).await.unwrap();
        let started = std::time::Instant::now();
        demo::load_returnees(&db.app, 11, 300, &indicatif::ProgressBar::hidden()).await.unwrap();
        eprintln!("300 returnees with their activity in {:?}", started.elapsed());
        let manager = actor(&db, "oim.gestion").await;
        let cases = cases::list(&db.app, &manager, &cases::CaseQuery { per_page: Some(200), status: "open".into(), ..Default::default() }).await.unwrap();
        let mut item_states = std::collections::HashSet::new();
        let (mut plans, mut approved, mut agreed) = (0, 0, 0);
        let mut referral_states = std::collections::HashSet::new();
        let mut feedback = 0;
        let mut partners = std::collections::HashSet::new();
        for c in &cases.items {
            if let Some(plan) = db.app.db.plan_of_case(c.id).await.unwrap() {
                plans += 1;
                approved += usize::from(plan.plan.approved_by == Some(manager.user.id));
                agreed += usize::from(plan.plan.agreed_on.is_some());
                assert_ne!(plan.plan.author_id, plan.plan.approved_by, "four eyes");
                item_states.extend(plan.items.iter().map(|i| i.status));
            }
            for r in db.app.db.referrals_of_case(c.id).await.unwrap() {
                referral_states.insert(r.status);
                partners.insert(r.to_organisation_id);
                feedback += usize::from(r.feedback.is_some());
                if r.status == ReferralStatus::Declined {
                    assert!(r.reason.as_deref().is_some_and(|t| !t.is_empty()), "declined with its reason");
                }
            }
        }
        assert!(plans >= 40 && approved > 0 && agreed > approved / 2, "{plans} plans, {approved} approved, {agreed} agreed");
        assert_eq!(item_states.len(), PlanItemStatus::ALL.len(), "{item_states:?}");
        assert_eq!(referral_states.len(), ReferralStatus::ALL.len(), "{referral_states:?}");
        assert!(feedback > 0 && partners.len() >= 2, "feedback {feedback}, partners {partners:?}");
        let follow_ups = db.app.db.open_tasks(manager.user.organisation_id, time::OffsetDateTime::now_utc().date() + time::Duration::days(400), 500).await.unwrap();
        assert!(follow_ups.iter().any(|t| t.task.kind == "follow-up"), "agreed plans schedule follow-ups");

        // The cooperative: five members, each with a collective item of their own plan.
        let projects = projects::list(&db.app, &manager, None, &page()).await.unwrap();
        assert_eq!(projects.total, 1);
        let cooperative = projects::get(&db.app, &manager, projects.items[0].project.id).await.unwrap();
        assert_eq!((cooperative.project.status, cooperative.members.len()), (ProjectStatus::Active, 5));
        assert_eq!(cooperative.shares_xof, 2_500_000);
        for m in &cooperative.members {
            let plan = db.app.db.plan_of_case(m.case_id).await.unwrap().unwrap();
            assert!(plan.items.iter().any(|i| Some(i.id) == m.plan_item_id), "the share is the member's own item");
        }

        // The same seed makes the same choices in another database.
        let other = TestDb::new(cnrm_app::testing::TestBackend::Sqlite).await;
        demo::load(&other.app, 2024, &indicatif::ProgressBar::hidden()).await.unwrap();
        demo::load_returnees(&other.app, 11, 300, &indicatif::ProgressBar::hidden()).await.unwrap();
        let summary = |db: &TestDb| {
            let db = db.app.db.clone();
            let numbers: Vec<(String, Uuid)> = cases.items.iter().map(|c| (c.case_number.clone(), c.id)).collect();
            async move {
                let mut out = Vec::new();
                for (number, id) in numbers {
                    let plan = db.plan_of_case(id).await.unwrap();
                    let items: Vec<(String, i64, String)> = plan.map(|p| p.items.iter().map(|i| (i.assistance_type.code().to_string(), i.budget_xof, i.status.code().to_string())).collect()).unwrap_or_default();
                    let referrals: Vec<String> = db.referrals_of_case(id).await.unwrap().iter().map(|r| r.status.code().to_string()).collect();
                    out.push((number, items, referrals));
                }
                out
            }
        };
        assert_eq!(summary(&db).await, summary(&other).await);
    }
}
