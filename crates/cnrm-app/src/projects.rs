//! Collective projects: several cases of an organisation in one business (a cooperative of
//! returnees) or one community work, each member's share funded by a collective or community item
//! of their own plan.
//!
//! Who may do what: reading needs `CaseRead` and reaches the projects of one's organisation; the
//! members are named only to those who may see their case (the others are counted, never named).
//! Creating, editing, moving a project along its lifecycle and changing its members needs
//! `CaseWrite` over the whole organisation (case managers): a project spans cases of several
//! workers and teams, so no single case worker decides for all of them.

use cnrm_domain::lifecycle::case::CaseStatus;
use cnrm_domain::lifecycle::plan::PlanItemStatus;
use cnrm_domain::lifecycle::Reason;
use cnrm_domain::paging::{Page, PageRequest};
use cnrm_domain::project::{self as lifecycle, ProjectEvent, ProjectInput, ProjectStatus};
use cnrm_domain::Permission;
use cnrm_store::{
    new_id_and_time, CaseFilter, CaseSearch, NewProjectMember, Project, ProjectFile, ProjectMember, ProjectSummary,
    ShareableItem, StoreError,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::cases;
use crate::{Actor, App, AppError};

/// The organisation whose projects the actor reads (`None`: every organisation).
fn reach(actor: &Actor) -> Result<Option<Uuid>, AppError> {
    actor.principal().organisation_filter(Permission::CaseRead).map_err(|_| AppError::Forbidden)
}

/// Whether the actor may change the project: `CaseWrite` over its whole organisation.
pub fn may_change(actor: &Actor, project: &Project) -> bool {
    actor.principal().may(Permission::CaseWrite, project.organisation_id, None, None)
}

/// Whether the actor may see this member's case (and so learn who they are).
fn sees(actor: &Actor, m: &ProjectMember) -> bool {
    cases::reaches(actor, Permission::CaseRead, m.organisation_id, m.assigned_to, m.team.as_deref(), m.protection)
}

async fn readable(app: &App, actor: &Actor, id: Uuid) -> Result<ProjectFile, AppError> {
    let only = reach(actor)?;
    let file = app.db.project(id).await?.ok_or(AppError::NotFound)?;
    if only.is_some_and(|o| o != file.project.organisation_id) {
        return Err(AppError::NotFound);
    }
    Ok(file)
}

async fn changeable(app: &App, actor: &Actor, id: Uuid) -> Result<ProjectFile, AppError> {
    let file = readable(app, actor, id).await?;
    if !may_change(actor, &file.project) {
        return Err(AppError::Forbidden);
    }
    Ok(file)
}

/// Projects of the actor's organisation, newest first, optionally in one status.
pub async fn list(
    app: &App,
    actor: &Actor,
    status: Option<ProjectStatus>,
    page: &PageRequest,
) -> Result<Page<ProjectSummary>, AppError> {
    let only = reach(actor)?;
    Ok(app.db.projects(only, status, page).await?)
}

/// A member as the reader may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub case_id: Uuid,
    pub case_number: String,
    pub name: String,
    pub plan_item_id: Option<Uuid>,
    /// The budget of the plan item funding this member's share, whole francs CFA.
    pub plan_item_budget_xof: Option<i64>,
    pub plan_item_status: Option<PlanItemStatus>,
}

/// A project with the members its reader may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProjectView {
    pub project: Project,
    /// Members whose case the reader may see.
    pub members: Vec<MemberView>,
    /// Members whose case is out of the reader's reach: counted, not named.
    pub other_members: i64,
    /// Total budget of the (not cancelled) plan items funding the members' shares, whole francs CFA.
    pub shares_xof: i64,
    /// Whether the reader may change the project and its members.
    pub may_change: bool,
}

fn view(actor: &Actor, file: ProjectFile) -> ProjectView {
    let shares_xof = file
        .members
        .iter()
        .filter(|m| m.plan_item_status != Some(PlanItemStatus::Cancelled))
        .filter_map(|m| m.plan_item_budget_xof)
        .sum();
    let (seen, hidden): (Vec<_>, Vec<_>) = file.members.into_iter().partition(|m| sees(actor, m));
    ProjectView {
        may_change: may_change(actor, &file.project),
        project: file.project,
        members: seen
            .into_iter()
            .map(|m| MemberView {
                name: format!("{} {}", m.family_name, m.given_names),
                case_id: m.case_id,
                case_number: m.case_number,
                plan_item_id: m.plan_item_id,
                plan_item_budget_xof: m.plan_item_budget_xof,
                plan_item_status: m.plan_item_status,
            })
            .collect(),
        other_members: hidden.len() as i64,
        shares_xof,
    }
}

/// A project of the actor's organisation, with the members they may see.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<ProjectView, AppError> {
    let file = readable(app, actor, id).await?;
    Ok(view(actor, file))
}

/// The projects a case the actor may see belongs to.
pub async fn of_case(app: &App, actor: &Actor, case_id: Uuid) -> Result<Vec<Project>, AppError> {
    cases::visible(app, actor, case_id).await?;
    Ok(app.db.projects_of_case(case_id).await?)
}

async fn parse(app: &App, input: &ProjectInput) -> Result<cnrm_domain::project::ProjectDraft, AppError> {
    let units: std::collections::HashSet<String> =
        app.db.admin_units().await?.into_iter().filter(|u| u.current).map(|u| u.pcode).collect();
    input.parse(|code| units.contains(code)).map_err(AppError::Invalid)
}

/// Records a project of the actor's organisation, planned.
pub async fn create(app: &App, actor: &Actor, input: &ProjectInput) -> Result<Project, AppError> {
    reach(actor)?;
    actor.require_for(Permission::CaseWrite, actor.user.organisation_id)?;
    let draft = parse(app, input).await?;
    let (id, now) = new_id_and_time();
    let project = Project {
        id,
        organisation_id: actor.user.organisation_id,
        name: draft.name,
        level: draft.level,
        sector: draft.sector,
        location_pcode: draft.location,
        description: draft.description,
        budget_xof: draft.budget_xof,
        start_on: draft.start_on,
        status: ProjectStatus::Planned,
        status_reason: None,
        version: 1,
        created_by: Some(actor.user.id),
        created_at: now,
        updated_at: now,
    };
    let details = json!({
        "name": project.name,
        "level": project.level.code(),
        "sector": project.sector.code(),
        "location": project.location_pcode,
        "budget_xof": project.budget_xof,
    });
    app.db.insert_project(&project, &actor.event("project.create", "project", Some(id.to_string()), details)).await?;
    Ok(project)
}

/// The fields of a project as its form shows them.
pub fn input_of(project: &Project) -> ProjectInput {
    ProjectInput {
        name: project.name.clone(),
        level: project.level.code().into(),
        sector: project.sector.code().into(),
        location: project.location_pcode.clone(),
        description: project.description.clone(),
        budget_xof: project.budget_xof.to_string(),
        start_on: project.start_on.map(|d| d.to_string()).unwrap_or_default(),
    }
}

/// Changes a project's details if nobody saved it since `version` was read (`Stale` otherwise).
pub async fn update(
    app: &App,
    actor: &Actor,
    id: Uuid,
    version: i64,
    input: &ProjectInput,
) -> Result<Project, AppError> {
    let before = changeable(app, actor, id).await?.project;
    lifecycle::members_may_change(before.status).map_err(AppError::Refused)?;
    let draft = parse(app, input).await?;
    let (_, now) = new_id_and_time();
    let after = Project {
        name: draft.name,
        level: draft.level,
        sector: draft.sector,
        location_pcode: draft.location,
        description: draft.description,
        budget_xof: draft.budget_xof,
        start_on: draft.start_on,
        version,
        updated_at: now,
        ..before.clone()
    };
    let mut changes = serde_json::Map::new();
    let mut change = |field: &str, old: serde_json::Value, new: serde_json::Value| {
        if old != new {
            changes.insert(field.into(), json!({ "before": old, "after": new }));
        }
    };
    change("name", json!(before.name), json!(after.name));
    change("level", json!(before.level.code()), json!(after.level.code()));
    change("sector", json!(before.sector.code()), json!(after.sector.code()));
    change("location", json!(before.location_pcode), json!(after.location_pcode));
    change("description", json!(before.description), json!(after.description));
    change("budget_xof", json!(before.budget_xof), json!(after.budget_xof));
    change("start_on", json!(before.start_on.map(|d| d.to_string())), json!(after.start_on.map(|d| d.to_string())));
    let event = actor.event("project.update", "project", Some(id.to_string()), serde_json::Value::Object(changes));
    app.db.update_project(&after, &event).await?;
    Ok(Project { version: version + 1, ..after })
}

/// A step in a project's lifecycle.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ProjectAction {
    /// `start`, `complete` or `cancel`.
    pub action: String,
    /// Required to cancel.
    pub reason: String,
    pub version: i64,
}

/// Starts, completes or cancels a project.
pub async fn act(app: &App, actor: &Actor, id: Uuid, input: &ProjectAction) -> Result<Project, AppError> {
    let before = changeable(app, actor, id).await?.project;
    let event = match input.action.trim() {
        "start" => ProjectEvent::Start,
        "complete" => ProjectEvent::Complete,
        "cancel" => ProjectEvent::Cancel(Reason::parse(&input.reason).map_err(|m| AppError::invalid("reason", m))?),
        _ => return Err(AppError::invalid("action", "error-choose-from-list")),
    };
    let status = lifecycle::transition(before.status, &event).map_err(AppError::Refused)?;
    let reason = match &event {
        ProjectEvent::Cancel(reason) => Some(reason.as_str().to_string()),
        _ => before.status_reason.clone(),
    };
    let after = Project {
        status,
        status_reason: reason,
        version: input.version,
        updated_at: new_id_and_time().1,
        ..before.clone()
    };
    let details = json!({
        "status": { "before": before.status.code(), "after": status.code() },
        "reason": after.status_reason,
    });
    let action = format!("project.{}", input.action.trim());
    app.db.update_project(&after, &actor.event(&action, "project", Some(id.to_string()), details)).await?;
    Ok(Project { version: input.version + 1, ..after })
}

/// A case joining a project: by case number (forms) or id (API), with the plan item funding its share.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MemberInput {
    /// The case number (`OIM-2026-000123`), or empty when `case_id` is given.
    pub case_number: String,
    pub case_id: String,
    /// Optional: a collective or community item of that case's own plan.
    pub plan_item_id: String,
}

/// Adds a case of the project's organisation as a member. Returns the case id.
pub async fn add_member(app: &App, actor: &Actor, id: Uuid, input: &MemberInput) -> Result<Uuid, AppError> {
    let project = changeable(app, actor, id).await?;
    lifecycle::members_may_change(project.project.status).map_err(AppError::Refused)?;
    let case_id = match (input.case_id.trim(), input.case_number.trim()) {
        ("", "") => return Err(AppError::invalid("case_number", "error-required")),
        ("", number) => {
            // Only cases the actor may see are found: a number elsewhere is as unknown as a typo.
            let scope = cases::scope_for(actor)?;
            let filter =
                CaseFilter { search: Some(CaseSearch::CaseNumber(number.to_uppercase())), ..Default::default() };
            let page = PageRequest { page: 1, per_page: 1, sort: "arrival", descending: true, search: None };
            let found = app.db.cases(&scope, &filter, &page).await?.items.into_iter().next();
            match found.filter(|c| c.organisation_id == project.project.organisation_id) {
                Some(case) => case.id,
                None => return Err(AppError::invalid("case_number", "error-project-case-unknown")),
            }
        }
        (raw, _) => Uuid::parse_str(raw).map_err(|_| AppError::NotFound)?,
    };
    let file = cases::visible(app, actor, case_id).await?;
    if file.case.organisation_id != project.project.organisation_id {
        return Err(AppError::NotFound);
    }
    if project.members.iter().any(|m| m.case_id == case_id) {
        return Err(AppError::Refused("error-project-member-duplicate"));
    }
    // A closed case receives no more assistance: it joins no project (reopen it first).
    if file.case.status != CaseStatus::Open {
        return Err(AppError::Refused("error-project-case-closed"));
    }
    let plan_item_id = match input.plan_item_id.trim() {
        "" => None,
        raw => {
            let item_id =
                Uuid::parse_str(raw).map_err(|_| AppError::invalid("plan_item_id", "error-choose-from-list"))?;
            let plan = app.db.plan_of_case(case_id).await?;
            let item = plan.and_then(|p| p.items.into_iter().find(|i| i.id == item_id));
            let checked = match &item {
                Some(item) => lifecycle::check_member_item(item.case_id, case_id, item.level),
                None => Err("error-project-item-other-case"),
            };
            checked.map_err(|m| AppError::invalid("plan_item_id", m))?;
            Some(item_id)
        }
    };
    let member = NewProjectMember {
        project_id: id,
        case_id,
        plan_item_id,
        added_by: Some(actor.user.id),
        added_at: new_id_and_time().1,
    };
    let details = json!({ "project_id": id, "project": project.project.name, "plan_item_id": plan_item_id });
    let event = actor.event("project.member_add", "case", Some(case_id.to_string()), details);
    match app.db.add_project_member(&member, &event).await {
        Err(StoreError::Conflict(_)) => Err(AppError::Refused("error-project-member-duplicate")),
        other => other.map(|_| case_id).map_err(AppError::from),
    }
}

/// Removes a member the actor may see from a project.
pub async fn remove_member(app: &App, actor: &Actor, id: Uuid, case_id: Uuid) -> Result<(), AppError> {
    let project = changeable(app, actor, id).await?;
    let member = project.members.iter().find(|m| m.case_id == case_id && sees(actor, m)).ok_or(AppError::NotFound)?;
    lifecycle::members_may_change(project.project.status).map_err(AppError::Refused)?;
    let details = json!({ "project_id": id, "project": project.project.name, "plan_item_id": member.plan_item_id });
    let event = actor.event("project.member_remove", "case", Some(case_id.to_string()), details);
    Ok(app.db.remove_project_member(id, case_id, &event).await?)
}

/// Plan items that may fund a share in the project (for the form adding a member): collective and
/// community items of the organisation's open cases the actor may see and that are not members yet.
pub async fn shareable_items(app: &App, actor: &Actor, id: Uuid) -> Result<Vec<ShareableItem>, AppError> {
    let file = changeable(app, actor, id).await?;
    let items = app.db.shareable_plan_items(file.project.organisation_id, 500).await?;
    Ok(items
        .into_iter()
        .filter(|i| {
            cases::reaches(
                actor,
                Permission::CaseRead,
                i.organisation_id,
                i.assigned_to,
                i.team.as_deref(),
                i.protection,
            )
        })
        .filter(|i| !file.members.iter().any(|m| m.case_id == i.case_id))
        .collect())
}
