//! Reintegration plans: assistance items agreed with the returnee, approved by a case manager who
//! did not write the plan, then delivered (directly or through a referral), with follow-up contacts
//! scheduled from the day the plan was agreed.

use cnrm_domain::followup::{self, PlanTimeliness};
use cnrm_domain::lifecycle::plan::{
    self as lifecycle, parse_amount_xof, AssistanceLevel, AssistanceType, DeliveryChannel, Dimension, PlanItemEvent,
    PlanItemStatus,
};
use cnrm_domain::lifecycle::Reason;
use cnrm_domain::person::parse_date;
use cnrm_domain::validation::clean_text;
use cnrm_domain::{FieldErrors, Permission};
use cnrm_store::{new_id_and_time, Plan, PlanFile, PlanItem, Task};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::cases::{self, Reach};
use crate::{Actor, App, AppError};

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// A case's plan and whether it was agreed in time, for those who may see the case.
pub async fn of_case(app: &App, actor: &Actor, case_id: Uuid) -> Result<(Option<PlanFile>, PlanTimeliness), AppError> {
    let file = cases::in_reach(app, actor, case_id, Reach::See).await?;
    let plan = app.db.plan_of_case(case_id).await?;
    let timeliness = followup::plan_within_one_month(
        file.case.ret.arrival_date,
        plan.as_ref().and_then(|p| p.plan.agreed_on),
        today(),
    );
    Ok((plan, timeliness))
}

/// An assistance item as submitted.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PlanItemInput {
    pub dimension: String,
    pub assistance_type: String,
    pub level: String,
    pub channel: String,
    pub provider_organisation_id: String,
    pub description: String,
    /// Whole francs CFA.
    pub budget_xof: String,
    pub start_on: String,
    pub end_on: String,
}

fn choose<T>(raw: &str, parse: fn(&str) -> Option<T>) -> Result<T, &'static str> {
    match raw.trim() {
        "" => Err("error-required"),
        code => parse(code).ok_or("error-choose-from-list"),
    }
}

fn optional_date(raw: &str) -> Result<Option<Date>, &'static str> {
    match raw.trim() {
        "" => Ok(None),
        raw => parse_date(raw).map(Some),
    }
}

/// Adds an item to the case's plan (creating the plan, written by the actor, if there is none).
pub async fn add_item(app: &App, actor: &Actor, case_id: Uuid, input: &PlanItemInput) -> Result<PlanItem, AppError> {
    let file = cases::in_reach(app, actor, case_id, Reach::Change).await?;
    let mut errors = FieldErrors::new();
    let dimension = errors.check("dimension", choose(&input.dimension, Dimension::parse));
    let assistance_type = errors.check("assistance_type", choose(&input.assistance_type, AssistanceType::parse));
    let level = errors.check("level", choose(&input.level, AssistanceLevel::parse));
    let channel = errors.check("channel", choose(&input.channel, DeliveryChannel::parse));
    let provider = errors.check(
        "provider_organisation_id",
        match input.provider_organisation_id.trim() {
            "" => Ok(None),
            raw => Uuid::parse_str(raw).map(Some).map_err(|_| "error-choose-organisation"),
        },
    );
    let description = errors.check("description", clean_text(&input.description, 0, 1000));
    let budget = errors.check(
        "budget_xof",
        if input.budget_xof.trim().is_empty() { Ok(0) } else { parse_amount_xof(&input.budget_xof) },
    );
    let start_on = errors.check("start_on", optional_date(&input.start_on));
    let end_on = errors.check(
        "end_on",
        optional_date(&input.end_on).and_then(|end| match (end, start_on.flatten()) {
            (Some(end), Some(start)) if end < start => Err("error-end-before-start"),
            _ => Ok(end),
        }),
    );
    if let Some(Some(provider)) = provider {
        if app.db.organisation(provider).await?.is_none() {
            errors.add("provider_organisation_id", "error-choose-organisation");
        }
    }
    let (dimension, assistance_type, level, channel, provider, description, budget, start_on, end_on) = errors
        .finish(|| {
            (
                dimension.unwrap(),
                assistance_type.unwrap(),
                level.unwrap(),
                channel.unwrap(),
                provider.unwrap(),
                description.unwrap(),
                budget.unwrap(),
                start_on.unwrap(),
                end_on.unwrap(),
            )
        })
        .map_err(AppError::Invalid)?;
    let (_, now) = new_id_and_time();
    let plan = match app.db.plan_of_case(case_id).await? {
        Some(existing) => existing.plan,
        None => Plan {
            id: Uuid::now_v7(),
            case_id,
            agreed_on: None,
            author_id: Some(actor.user.id),
            approved_by: None,
            approved_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        },
    };
    let item = PlanItem {
        id: Uuid::now_v7(),
        plan_id: plan.id,
        case_id: file.case.id,
        dimension,
        assistance_type,
        level,
        channel,
        provider_organisation_id: provider,
        description,
        budget_xof: budget,
        spent_xof: 0,
        start_on,
        end_on,
        status: PlanItemStatus::Planned,
        cancel_reason: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let details = json!({
        "plan_item_id": item.id,
        "assistance_type": assistance_type.code(),
        "dimension": dimension.code(),
        "budget_xof": budget,
        "channel": channel.code(),
    });
    let event = actor.event("plan.item_add", "case", Some(case_id.to_string()), details);
    app.db.save_plan(&Plan { updated_at: now, ..plan }, std::slice::from_ref(&item), &[], &event).await?;
    Ok(item)
}

/// Records the day the returnee agreed to the plan, and schedules the follow-up contacts.
pub async fn agree(app: &App, actor: &Actor, case_id: Uuid, version: i64, agreed_on: &str) -> Result<Plan, AppError> {
    let file = cases::in_reach(app, actor, case_id, Reach::Change).await?;
    let existing = app.db.plan_of_case(case_id).await?.ok_or(AppError::NotFound)?;
    let date = parse_date(agreed_on)
        .and_then(|d| if d > today() { Err("error-date-in-future") } else { Ok(d) })
        .and_then(|d| if d < file.case.ret.arrival_date { Err("error-plan-before-arrival") } else { Ok(d) })
        .map_err(|m| AppError::invalid("agreed_on", m))?;
    let (_, now) = new_id_and_time();
    let tasks: Vec<Task> = if existing.plan.agreed_on.is_none() {
        // The platform's follow-up offsets (3, 6 and 12 months unless an administrator chose others).
        let offsets = crate::settings::follow_up_offsets(app).await?;
        followup::schedule(date, &offsets)
            .into_iter()
            .map(|due_on| Task {
                id: Uuid::now_v7(),
                case_id,
                kind: "follow-up".into(),
                due_on,
                assigned_to: file.case.assigned_to,
                done_at: None,
                created_at: now,
            })
            .collect()
    } else {
        Vec::new()
    };
    let plan = Plan { agreed_on: Some(date), version, updated_at: now, ..existing.plan.clone() };
    let details = json!({ "agreed_on": { "before": existing.plan.agreed_on.map(|d| d.to_string()), "after": date.to_string() }, "follow_ups": tasks.len() });
    app.db
        .save_plan(&plan, &[], &tasks, &actor.event("plan.agree", "case", Some(case_id.to_string()), details))
        .await?;
    Ok(Plan { version: version + 1, ..plan })
}

/// Approves the plan: every planned item becomes approved. Never by its author.
pub async fn approve(app: &App, actor: &Actor, case_id: Uuid, version: i64) -> Result<PlanFile, AppError> {
    let file = cases::in_reach(app, actor, case_id, Reach::See).await?;
    let holds = actor.principal().may(Permission::PlanApprove, file.case.organisation_id, None, None);
    let existing = app.db.plan_of_case(case_id).await?.ok_or(AppError::NotFound)?;
    let author = existing.plan.author_id.unwrap_or_default();
    lifecycle::may_approve_plan(author, actor.user.id, holds).map_err(|key| {
        if holds {
            AppError::Refused(key)
        } else {
            AppError::Forbidden
        }
    })?;
    let (_, now) = new_id_and_time();
    let mut approved = Vec::new();
    for item in existing.items.iter().filter(|i| i.status == PlanItemStatus::Planned) {
        let status = lifecycle::transition(item.status, &PlanItemEvent::Approve).map_err(AppError::Refused)?;
        approved.push(PlanItem { status, updated_at: now, ..item.clone() });
    }
    if approved.is_empty() {
        return Err(AppError::Refused("error-plan-nothing-to-approve"));
    }
    let plan = Plan {
        approved_by: Some(actor.user.id),
        approved_at: Some(now),
        version,
        updated_at: now,
        ..existing.plan.clone()
    };
    let details = json!({ "items": approved.iter().map(|i| i.id).collect::<Vec<_>>() });
    app.db
        .save_plan(&plan, &approved, &[], &actor.event("plan.approve", "case", Some(case_id.to_string()), details))
        .await?;
    app.db.plan_of_case(case_id).await?.ok_or(AppError::NotFound)
}

/// What is done with an approved item.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PlanItemAction {
    /// `start`, `deliver` or `cancel`.
    pub action: String,
    /// Required to cancel.
    pub reason: String,
    /// Amount spent so far, whole francs CFA (optional).
    pub spent_xof: String,
    pub version: i64,
}

pub async fn act_on_item(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    item_id: Uuid,
    input: &PlanItemAction,
) -> Result<PlanItem, AppError> {
    cases::in_reach(app, actor, case_id, Reach::Change).await?;
    let existing = app.db.plan_of_case(case_id).await?.ok_or(AppError::NotFound)?;
    let item = existing.items.iter().find(|i| i.id == item_id).ok_or(AppError::NotFound)?;
    let event = match input.action.trim() {
        "start" => PlanItemEvent::Start,
        "deliver" => PlanItemEvent::Deliver,
        "cancel" => PlanItemEvent::Cancel(Reason::parse(&input.reason).map_err(|m| AppError::invalid("reason", m))?),
        _ => return Err(AppError::invalid("action", "error-choose-from-list")),
    };
    let spent = match input.spent_xof.trim() {
        "" => item.spent_xof,
        raw => parse_amount_xof(raw).map_err(|m| AppError::invalid("spent_xof", m))?,
    };
    let status = lifecycle::transition(item.status, &event).map_err(AppError::Refused)?;
    let (_, now) = new_id_and_time();
    let after = PlanItem {
        status,
        spent_xof: spent,
        cancel_reason: match &event {
            PlanItemEvent::Cancel(reason) => Some(reason.as_str().to_string()),
            _ => item.cancel_reason.clone(),
        },
        version: input.version,
        updated_at: now,
        ..item.clone()
    };
    let details = json!({
        "plan_item_id": item_id,
        "status": { "before": item.status.code(), "after": status.code() },
        "spent_xof": { "before": item.spent_xof, "after": spent },
        "overspent": lifecycle::overspent(after.budget_xof, after.spent_xof),
    });
    let event = actor.event(&format!("plan.item_{}", input.action.trim()), "case", Some(case_id.to_string()), details);
    // The plan row is saved unchanged (its version check guards against a concurrent approval).
    let plan = Plan { updated_at: now, ..existing.plan.clone() };
    app.db.save_plan(&plan, std::slice::from_ref(&after), &[], &event).await?;
    Ok(PlanItem { version: after.version + 1, ..after })
}
