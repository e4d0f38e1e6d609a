//! "My work": what waits for the user now (open cases, tasks due, plans to approve, referrals
//! received). What is gathered, and from what reach, is `cnrm_app::work`'s business.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cnrm_app::work;
use cnrm_domain::vulnerability::Priority;
use cnrm_domain::Permission;
use uuid::Uuid;

use super::cases::{organisation_label, show_date, today};
use super::{render, Layout};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::AppState;

struct CaseRow {
    id: Uuid,
    case_number: String,
    name: String,
    arrival: String,
    priority: String,
    urgent: bool,
}

struct RecentRow {
    case_id: Uuid,
    case_number: String,
    when: String,
    by: String,
}

struct TaskRow {
    case_id: Uuid,
    case_number: String,
    label: String,
    due: String,
    overdue: bool,
}

struct PlanRow {
    case_id: Uuid,
    case_number: String,
    planned_items: i64,
}

struct ReferralRow {
    id: Uuid,
    service: String,
    from: String,
    sent_on: String,
}

struct TransferRow {
    id: Uuid,
    case_number: String,
    from: String,
    proposed_on: String,
}

/// A block is shown when it holds something, or when the role could find something in it.
struct Block<T> {
    shown: bool,
    rows: Vec<T>,
}

impl<T> Block<T> {
    fn new(rows: Vec<T>, could_have: bool) -> Block<T> {
        Block { shown: could_have || !rows.is_empty(), rows }
    }
}

#[derive(Template)]
#[template(path = "work.html")]
struct WorkPage {
    l: Layout,
    cases: Block<CaseRow>,
    recent: Block<RecentRow>,
    tasks: Block<TaskRow>,
    /// Surveys due (the task row's shape: case, what, when).
    surveys: Block<TaskRow>,
    plans: Block<PlanRow>,
    referrals: Block<ReferralRow>,
    transfers: Block<TransferRow>,
    coordination: super::coordination::WorkCoordination,
    /// Contact requests from other organisations about a possible match (see `pages::identity`).
    contact_requests: Vec<super::identity::RequestRow>,
}

impl WorkPage {
    fn nothing_shown(&self) -> bool {
        !(self.cases.shown
            || self.tasks.shown
            || self.plans.shown
            || self.referrals.shown
            || self.transfers.shown
            || self.coordination.shown)
    }
}

pub async fn show(State(state): State<AppState>, auth: Auth) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let queue = work::queue(&state.app, &auth.actor).await.in_locale(tr)?;
    let names = if queue.referrals_waiting.is_empty() && queue.transfers_waiting.is_empty() {
        Vec::new()
    } else {
        state.app.db.organisation_names().await.in_locale(tr)?
    };
    let today = today();
    let holds = |p| auth.actor.holds(p);
    let cases = queue
        .my_cases
        .into_iter()
        .map(|c| CaseRow {
            id: c.id,
            case_number: c.case_number,
            name: format!("{} {}", c.family_name, c.given_names),
            arrival: show_date(tr, c.arrival_date),
            priority: tr.t(&c.priority.label_key()),
            urgent: c.priority == Priority::Urgent,
        })
        .collect();
    let recent = queue
        .recently_assigned
        .into_iter()
        .map(|r| RecentRow {
            case_id: r.case_id,
            case_number: r.case_number,
            when: show_date(tr, r.assigned_at.date()),
            by: r.assigned_by,
        })
        .collect::<Vec<_>>();
    let tasks = queue
        .tasks
        .into_iter()
        .map(|t| TaskRow {
            case_id: t.task.case_id,
            case_number: t.case_number,
            label: tr.t(&format!("task-{}", t.task.kind)),
            due: show_date(tr, t.task.due_on),
            overdue: t.task.due_on < today,
        })
        .collect();
    let surveys = queue
        .surveys_due
        .into_iter()
        .map(|s| TaskRow {
            case_id: s.survey.case_id,
            case_number: s.case_number,
            label: if s.survey.months_after_baseline == 0 {
                tr.t(&s.survey.kind.label_key())
            } else {
                tr.t_with("survey-follow-up-months", &[("months", s.survey.months_after_baseline.to_string())])
            },
            due: show_date(tr, s.survey.due_on),
            overdue: s.survey.due_on < today,
        })
        .collect();
    let plans = queue
        .plans_to_approve
        .into_iter()
        .map(|p| PlanRow { case_id: p.case_id, case_number: p.case_number, planned_items: p.planned_items })
        .collect();
    let referrals = queue
        .referrals_waiting
        .into_iter()
        .map(|r| ReferralRow {
            id: r.id,
            service: tr.t(&r.service.label_key()),
            from: organisation_label(&names, r.from_organisation_id),
            sent_on: show_date(tr, r.created_at.date()),
        })
        .collect();
    let transfers = queue
        .transfers_waiting
        .into_iter()
        .map(|t| TransferRow {
            id: t.id,
            case_number: t.case_number,
            from: organisation_label(&names, t.from_organisation_id),
            proposed_on: show_date(tr, t.created_at.date()),
        })
        .collect();
    let coordination = super::coordination::work_block(&auth, queue.action_points_overdue, queue.agreements_to_renew);
    render(WorkPage {
        l: Layout::new(&auth.ctx, tr.t("nav-work")),
        cases: Block::new(cases, holds(Permission::CaseRead)),
        recent: Block::new(recent, false),
        tasks: Block::new(tasks, holds(Permission::CaseRead)),
        surveys: Block::new(surveys, false),
        plans: Block::new(plans, holds(Permission::PlanApprove)),
        referrals: Block::new(referrals, holds(Permission::ReferralReceive)),
        transfers: Block::new(transfers, cnrm_app::transfers::may_handle(&auth.actor)),
        coordination,
        contact_requests: super::identity::work_rows(&state, &auth).await?,
    })
}
