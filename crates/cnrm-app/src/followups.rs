//! Follow-up contacts: recording what came of one marks its task done and, when the returnee could
//! not be reached, may schedule the next attempt.

use cnrm_domain::contact::{OutcomeInput, FOLLOW_UP_TASK};
use cnrm_store::{new_id_and_time, StoreError, Task, TaskOutcome};
use serde::Serialize;
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::cases;
use crate::{Actor, App, AppError};

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// A task of a case with what came of it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskView {
    #[serde(flatten)]
    pub task: Task,
    /// Set once a follow-up contact was recorded.
    pub outcome: Option<TaskOutcome>,
}

/// The outcomes recorded on a case, for those who may see it.
pub async fn outcomes_of_case(app: &App, actor: &Actor, case_id: Uuid) -> Result<Vec<TaskOutcome>, AppError> {
    cases::visible(app, actor, case_id).await?;
    Ok(app.db.task_outcomes_of_case(case_id).await?)
}

/// A case's tasks, each with its outcome, for those who may see the case.
pub async fn tasks_of_case(app: &App, actor: &Actor, case_id: Uuid) -> Result<Vec<TaskView>, AppError> {
    let file = cases::visible(app, actor, case_id).await?;
    let mut outcomes = app.db.task_outcomes_of_case(case_id).await?;
    Ok(file
        .tasks
        .into_iter()
        .map(|task| {
            let outcome = outcomes.iter().position(|o| o.task_id == task.id).map(|i| outcomes.swap_remove(i));
            TaskView { task, outcome }
        })
        .collect())
}

/// The follow-up task an outcome may be recorded for: open, of a case the actor may change.
pub async fn open_follow_up(app: &App, actor: &Actor, case_id: Uuid, task_id: Uuid) -> Result<Task, AppError> {
    Ok(open_follow_up_of(app, actor, case_id, task_id).await?.0)
}

/// [`open_follow_up`], with the case's assignee (read with the case, not fetched again).
async fn open_follow_up_of(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    task_id: Uuid,
) -> Result<(Task, Option<Uuid>), AppError> {
    let file = cases::changeable(app, actor, case_id).await?;
    let assignee = file.case.assigned_to;
    let task = file.tasks.into_iter().find(|t| t.id == task_id).ok_or(AppError::NotFound)?;
    if task.kind != FOLLOW_UP_TASK {
        return Err(AppError::Refused("error-task-not-follow-up"));
    }
    if task.done_at.is_some() {
        return Err(AppError::Refused("error-task-done"));
    }
    Ok((task, assignee))
}

/// What recording an outcome did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Recorded {
    pub outcome: TaskOutcome,
    /// The next contact, when one was scheduled.
    pub next_task: Option<Task>,
}

/// Records a follow-up contact's outcome: the task is done; "not reached" may schedule another.
pub async fn record_outcome(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    task_id: Uuid,
    input: &OutcomeInput,
) -> Result<Recorded, AppError> {
    let (task, case_assignee) = open_follow_up_of(app, actor, case_id, task_id).await?;
    let outcome = input.parse(today()).map_err(AppError::Invalid)?;
    let (_, now) = new_id_and_time();
    let next_task = outcome.next_due.map(|due_on| Task {
        id: Uuid::now_v7(),
        case_id,
        kind: FOLLOW_UP_TASK.into(),
        due_on,
        assigned_to: task.assigned_to.or(case_assignee),
        done_at: None,
        created_at: now,
    });
    let stored = TaskOutcome {
        task_id,
        case_id,
        contacted_on: outcome.contacted_on,
        method: outcome.method,
        reached: outcome.reached,
        situation: outcome.situation,
        notes: outcome.notes,
        next_task_id: next_task.as_ref().map(|t| t.id),
        recorded_by: Some(actor.user.id),
        recorded_at: now,
    };
    let details = json!({
        "task_id": task_id,
        "contacted_on": stored.contacted_on.to_string(),
        "method": stored.method.code(),
        "reached": stored.reached,
        "situation": stored.situation.code(),
        "notes": stored.notes,
        "next_task": next_task.as_ref().map(|t| json!({ "id": t.id, "due_on": t.due_on.to_string() })),
    });
    let event = actor.event("follow_up.outcome", "case", Some(case_id.to_string()), details);
    app.db.record_task_outcome(&stored, next_task.as_ref(), &event).await.map_err(|e| match e {
        StoreError::Conflict(c) if c == "task_done" => AppError::Refused("error-task-done"),
        other => other.into(),
    })?;
    Ok(Recorded { outcome: stored, next_task })
}
