//! "My work": what waits for the actor now, gathered from cases, plans, referrals and tasks, and
//! filtered by the same reach rules as everything else.

use cnrm_domain::lifecycle::referral::ReferralStatus;
use cnrm_domain::paging::PageRequest;
use cnrm_domain::{Permission, Scope};
use cnrm_store::{CaseSummary, PendingPlan, QueuedTask, Referral, Transfer};
use time::{Duration, OffsetDateTime};

use crate::cases::{self, CaseQuery};
use crate::{Actor, App, AppError};

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct WorkQueue {
    /// Open cases assigned to me, newest arrivals first.
    pub my_cases: Vec<CaseSummary>,
    /// Tasks (screening follow-ups, follow-up contacts) due within a week or overdue.
    pub tasks: Vec<QueuedTask>,
    /// Plans waiting for my approval (not written by me).
    pub plans_to_approve: Vec<PendingPlan>,
    /// Referrals sent to my organisation and not yet answered.
    pub referrals_waiting: Vec<Referral>,
    /// Transfers of cases proposed to my organisation and not yet answered (case managers).
    pub transfers_waiting: Vec<Transfer>,
    /// Action points my organisation owns whose due date has passed (coordination managers).
    pub action_points_overdue: Vec<cnrm_store::QueuedActionPoint>,
    /// Agreements of my organisation whose end is near: time to renew them (coordination managers).
    pub agreements_to_renew: Vec<cnrm_store::Agreement>,
}

fn may_see_task(actor: &Actor, t: &QueuedTask) -> bool {
    cases::reaches(actor, Permission::CaseRead, t.organisation_id, t.assigned_to, t.team.as_deref(), t.protection)
        && (t.task.assigned_to.is_none()
            || t.task.assigned_to == Some(actor.user.id)
            || actor.user.role.scope_of(Permission::CaseRead) == Some(Scope::Organisation))
}

pub async fn queue(app: &App, actor: &Actor) -> Result<WorkQueue, AppError> {
    let org = actor.user.organisation_id;
    let today = OffsetDateTime::now_utc().date();
    let my_cases = if actor.holds(Permission::CaseRead) {
        let query =
            CaseQuery { assigned: "me".into(), status: "open".into(), per_page: Some(10), ..Default::default() };
        cases::list(app, actor, &query).await?.items
    } else {
        Vec::new()
    };
    let tasks = if actor.holds(Permission::CaseRead) {
        app.db
            .open_tasks(org, today + Duration::days(7), 200)
            .await?
            .into_iter()
            .filter(|t| may_see_task(actor, t))
            .take(20)
            .collect()
    } else {
        Vec::new()
    };
    let plans_to_approve = if actor.holds(Permission::PlanApprove) {
        app.db
            .plans_awaiting_approval(org, 50)
            .await?
            .into_iter()
            .filter(|p| p.author_id != Some(actor.user.id))
            .filter(|p| cases::reaches(actor, Permission::CaseRead, org, p.assigned_to, None, p.protection))
            .collect()
    } else {
        Vec::new()
    };
    let referrals_waiting = if actor.holds(Permission::ReferralReceive) {
        let page = PageRequest { page: 1, per_page: 20, sort: "sent", descending: true, search: None };
        app.db.referrals_to(org, Some(ReferralStatus::Sent), &page).await?.items
    } else {
        Vec::new()
    };
    let transfers_waiting = crate::transfers::waiting(app, actor, 20).await?;
    let action_points_overdue = crate::coordination::overdue_action_points(app, actor).await?;
    let agreements_to_renew = crate::coordination::renewals_due(app, actor).await?;
    Ok(WorkQueue {
        my_cases,
        tasks,
        plans_to_approve,
        referrals_waiting,
        transfers_waiting,
        action_points_overdue,
        agreements_to_renew,
    })
}
