//! "My work": what waits for the actor now, gathered from cases, plans, referrals and tasks, and
//! filtered by the same reach rules as everything else.

use cnrm_domain::lifecycle::referral::ReferralStatus;
use cnrm_domain::paging::PageRequest;
use cnrm_domain::{Permission, Scope};
use cnrm_store::{CaseSummary, PendingPlan, QueuedTask, Referral, Transfer};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::cases::{self, CaseQuery};
use crate::{Actor, App, AppError};

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct WorkQueue {
    /// Open cases assigned to me, newest arrivals first.
    pub my_cases: Vec<CaseSummary>,
    /// Cases assigned to me by someone else in the last fortnight, latest first.
    pub recently_assigned: Vec<RecentAssignment>,
    /// Tasks (screening follow-ups, follow-up contacts) due within a week or overdue.
    pub tasks: Vec<QueuedTask>,
    /// Surveys (baseline, follow-ups) of cases in my reach due within a week or overdue.
    pub surveys_due: Vec<cnrm_store::QueuedSurvey>,
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

/// A case handed to me lately, as the audit trail recorded it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RecentAssignment {
    pub case_id: Uuid,
    pub case_number: String,
    #[serde(with = "time::serde::rfc3339")]
    pub assigned_at: OffsetDateTime,
    pub assigned_by: String,
}

/// How far back "recently assigned" looks.
const RECENT_DAYS: i64 = 14;

/// Assignments to the actor read from the audit trail (`case.assign` entries of the actor's
/// organisation whose `assigned_to` became the actor), keeping the cases still assigned to them and
/// in their reach: the assignment time is not kept elsewhere.
async fn recently_assigned(app: &App, actor: &Actor, now: OffsetDateTime) -> Result<Vec<RecentAssignment>, AppError> {
    if !actor.holds(Permission::CaseRead) {
        return Ok(Vec::new());
    }
    let me = serde_json::Value::String(actor.user.id.to_string());
    let since = now - Duration::days(RECENT_DAYS);
    let mut found: Vec<RecentAssignment> = Vec::new();
    for entry in app.db.recent_audit("case.assign", actor.user.organisation_id, since, 100).await? {
        if found.len() == 10 {
            break;
        }
        let details: serde_json::Value = serde_json::from_str(&entry.details).unwrap_or_default();
        let Some(case_id) = entry.entity_id.as_deref().and_then(|id| Uuid::parse_str(id).ok()) else { continue };
        if details["assigned_to"]["after"] != me
            || entry.actor_user_id == Some(actor.user.id)
            || found.iter().any(|f| f.case_id == case_id)
        {
            continue;
        }
        let Some(file) = app.db.case_file(case_id).await? else { continue };
        if file.case.assigned_to == Some(actor.user.id) && cases::may_see(actor, &file.case) {
            found.push(RecentAssignment {
                case_id,
                case_number: file.case.case_number,
                assigned_at: entry.at,
                assigned_by: entry.actor_username,
            });
        }
    }
    Ok(found)
}

fn may_see_task(actor: &Actor, t: &QueuedTask) -> bool {
    cases::reaches(actor, Permission::CaseRead, t.organisation_id, t.assigned_to, t.team.as_deref(), t.protection)
        && (t.task.assigned_to.is_none()
            || t.task.assigned_to == Some(actor.user.id)
            || actor.user.role.scope_of(Permission::CaseRead) == Some(Scope::Organisation))
}

fn may_see_survey(actor: &Actor, s: &cnrm_store::QueuedSurvey) -> bool {
    cases::reaches(actor, Permission::CaseRead, s.organisation_id, s.assigned_to, s.team.as_deref(), s.protection)
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
    let recently_assigned = recently_assigned(app, actor, OffsetDateTime::now_utc()).await?;
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
    let surveys_due = if actor.holds(Permission::CaseRead) {
        let until = today + Duration::days(cnrm_domain::survey::DUE_SOON_DAYS);
        app.db.surveys_due(org, until, 200).await?.into_iter().filter(|s| may_see_survey(actor, s)).take(20).collect()
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
        recently_assigned,
        tasks,
        surveys_due,
        plans_to_approve,
        referrals_waiting,
        transfers_waiting,
        action_points_overdue,
        agreements_to_renew,
    })
}
