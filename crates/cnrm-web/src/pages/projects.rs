//! Collective projects: the organisation's list, a project with its members (those the reader may
//! see named, the others counted), adding and removing members, the lifecycle actions, and the
//! form to record or edit a project (edits are refused when someone saved in between).
//!
//! Rules live in `cnrm_app::projects`; these handlers parse, call and render.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cnrm_app::projects::{self, MemberInput, ProjectAction, ProjectView};
use cnrm_app::AppError;
use cnrm_domain::lifecycle::plan::AssistanceLevel;
use cnrm_domain::project::{ProjectInput, ProjectStatus, Sector};
use cnrm_domain::{FieldErrors, Permission};
use cnrm_store::Project;
use serde::Deserialize;
use uuid::Uuid;

use super::cases::{choices, show_date, unit_groups, unit_name, xof, Choice, Fact, UnitGroup};
use super::{render, render_status, Layout, ListView, Rejection, StatusListQuery};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::forms::Form;
use crate::i18n::Tr;
use crate::AppState;

/// The levels a project may have.
const LEVELS: [AssistanceLevel; 2] = [AssistanceLevel::Collective, AssistanceLevel::Community];

fn may_create(auth: &Auth) -> bool {
    auth.actor.principal().may(Permission::CaseWrite, auth.actor.user.organisation_id, None, None)
}

// ---------------------------------------------------------------------------------------------
// The list.

struct Row {
    id: Uuid,
    name: String,
    level: String,
    sector: String,
    location: String,
    status: String,
    budget: String,
    members: i64,
}

#[derive(Template)]
#[template(path = "projects/list.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    view: ListView,
    statuses: Vec<Choice>,
    filtered: bool,
    may_create: bool,
    /// The filter never refuses, but shares the form macros.
    errors: FieldErrors,
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<StatusListQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let status = ProjectStatus::parse(q.status.trim());
    let request = q.request("created");
    let page = projects::list(&state.app, &auth.actor, status, &request).await.in_locale(tr)?;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let rows = page
        .items
        .iter()
        .map(|s| Row {
            id: s.project.id,
            name: s.project.name.clone(),
            level: tr.t(&s.project.level.label_key()),
            sector: tr.t(&s.project.sector.label_key()),
            location: unit_name(&units, Some(&s.project.location_pcode)),
            status: tr.t(&s.project.status.label_key()),
            budget: xof(tr, s.project.budget_xof),
            members: s.member_count,
        })
        .collect();
    let chosen = status.map(|s| s.code().to_string()).unwrap_or_default();
    let view = ListView::by_status("/projects", &request, &page, &chosen);
    render(ListPage {
        l: Layout::new(&auth.ctx, tr.t("project-list-title")),
        rows,
        view,
        statuses: choices(tr, &ProjectStatus::ALL, ProjectStatus::code, ProjectStatus::label_key, &[&chosen]),
        filtered: status.is_some(),
        may_create: may_create(&auth),
        errors: FieldErrors::new(),
    })
}

// ---------------------------------------------------------------------------------------------
// One project.

struct MemberRow {
    case_id: Uuid,
    case_number: String,
    name: String,
    share: String,
}

/// What is typed in the forms of the project page, kept when a form comes back.
#[derive(Default)]
struct Retry {
    member: MemberInput,
    reason: String,
    errors: FieldErrors,
    alert: Option<String>,
}

#[derive(Template)]
#[template(path = "projects/show.html")]
struct ShowPage {
    l: Layout,
    id: Uuid,
    name: String,
    status: String,
    facts: Vec<Fact>,
    budget: String,
    shares: String,
    members: Vec<MemberRow>,
    other_members: Option<String>,
    version: i64,
    may_change: bool,
    /// Members may join or leave (the project has not ended).
    open: bool,
    may_start: bool,
    may_complete: bool,
    items: Vec<Choice>,
    member: MemberInput,
    reason: String,
    errors: FieldErrors,
    alert: Option<String>,
}

fn share_text(tr: Tr, m: &cnrm_app::projects::MemberView) -> String {
    match (m.plan_item_budget_xof, m.plan_item_status) {
        (Some(budget), Some(status)) => format!("{} ({})", xof(tr, budget), tr.t(&status.label_key())),
        _ => "—".into(),
    }
}

async fn show_page(state: &AppState, auth: &Auth, id: Uuid, retry: Retry) -> Result<ShowPage, PageError> {
    let tr = auth.ctx.tr;
    let ProjectView { project: p, members, other_members, shares_xof, may_change } =
        projects::get(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let open = !p.status.is_terminal();
    let items = if may_change && open {
        projects::shareable_items(&state.app, &auth.actor, id)
            .await
            .in_locale(tr)?
            .into_iter()
            .map(|i| Choice {
                selected: retry.member.plan_item_id.trim() == i.plan_item_id.to_string(),
                code: i.plan_item_id.to_string(),
                label: format!(
                    "{} — {} — {} ({})",
                    i.case_number,
                    tr.t(&i.assistance_type.label_key()),
                    xof(tr, i.budget_xof),
                    tr.t(&i.level.label_key())
                ),
            })
            .collect()
    } else {
        Vec::new()
    };
    let fact = |key: &str, value: String| Fact { label: tr.t(key), value };
    let mut facts = vec![
        fact("project-field-level", tr.t(&p.level.label_key())),
        fact("project-field-sector", tr.t(&p.sector.label_key())),
        fact("project-field-location", unit_name(&units, Some(&p.location_pcode))),
        fact("project-field-start-on", p.start_on.map_or_else(|| "—".into(), |d| show_date(tr, d))),
        fact("project-field-description", if p.description.is_empty() { "—".into() } else { p.description.clone() }),
    ];
    if let Some(reason) = p.status_reason.clone().filter(|r| !r.is_empty()) {
        facts.push(fact("project-field-reason", reason));
    }
    Ok(ShowPage {
        l: Layout::new(&auth.ctx, p.name.clone()),
        id: p.id,
        name: p.name.clone(),
        status: tr.t(&p.status.label_key()),
        facts,
        budget: xof(tr, p.budget_xof),
        shares: xof(tr, shares_xof),
        members: members
            .iter()
            .map(|m| MemberRow {
                case_id: m.case_id,
                case_number: m.case_number.clone(),
                name: m.name.clone(),
                share: share_text(tr, m),
            })
            .collect(),
        other_members: (other_members > 0)
            .then(|| tr.t_with("project-other-members", &[("count", other_members.to_string())])),
        version: p.version,
        may_change,
        open,
        may_start: p.status == ProjectStatus::Planned,
        may_complete: p.status == ProjectStatus::Active,
        items,
        member: retry.member,
        reason: retry.reason,
        errors: retry.errors,
        alert: retry.alert,
    })
}

pub async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    render(show_page(&state, &auth, id, Retry::default()).await?)
}

/// Back to the project after an action: saved, or the page again with why it was not.
async fn after_action<T>(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    result: Result<T, AppError>,
    retry: Retry,
) -> Result<Response, PageError> {
    let rejection = match Rejection::of(result, auth.ctx.tr)? {
        Ok(_) => return Ok(Redirect::to(&format!("/projects/{id}?msg=saved")).into_response()),
        Err(rejection) => rejection,
    };
    let status = rejection.status();
    let (errors, alert) = rejection.messages(auth.ctx.tr, "project-stale");
    render_status(status, show_page(state, auth, id, Retry { errors, alert, ..retry }).await?)
}

pub async fn add_member(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<MemberInput>,
) -> Result<Response, PageError> {
    // The form gives a case number; an id typed in the page's field would be someone else's doing.
    let input = MemberInput { case_id: String::new(), ..form };
    let result = projects::add_member(&state.app, &auth.actor, id, &input).await;
    after_action(&state, &auth, id, result, Retry { member: input, ..Default::default() }).await
}

pub async fn remove_member(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, case_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, PageError> {
    let result = projects::remove_member(&state.app, &auth.actor, id, case_id).await;
    after_action(&state, &auth, id, result, Retry::default()).await
}

pub async fn act(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<ProjectAction>,
) -> Result<Response, PageError> {
    let result = projects::act(&state.app, &auth.actor, id, &form).await;
    after_action(&state, &auth, id, result, Retry { reason: form.reason, ..Default::default() }).await
}

// ---------------------------------------------------------------------------------------------
// Recording and editing.

#[derive(Template)]
#[template(path = "projects/form.html")]
struct FormPage {
    l: Layout,
    action: String,
    /// The project's version when editing (`None`: a new project).
    version: Option<i64>,
    cancel: String,
    form: ProjectInput,
    levels: Vec<Choice>,
    sectors: Vec<Choice>,
    units: Vec<UnitGroup>,
    errors: FieldErrors,
    alert: Option<String>,
}

struct FormParts {
    title: String,
    action: String,
    version: Option<i64>,
    cancel: String,
}

async fn form_page(
    state: &AppState,
    auth: &Auth,
    parts: FormParts,
    form: ProjectInput,
    errors: FieldErrors,
    alert: Option<String>,
) -> Result<FormPage, PageError> {
    let tr = auth.ctx.tr;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    Ok(FormPage {
        l: Layout::new(&auth.ctx, parts.title),
        action: parts.action,
        version: parts.version,
        cancel: parts.cancel,
        levels: choices(tr, &LEVELS, AssistanceLevel::code, AssistanceLevel::label_key, &[&form.level]),
        sectors: choices(tr, &Sector::ALL, Sector::code, Sector::label_key, &[&form.sector]),
        units: unit_groups(tr, &units, &form.location),
        form,
        errors,
        alert,
    })
}

fn new_parts(tr: Tr) -> FormParts {
    FormParts { title: tr.t("project-new"), action: "/projects".into(), version: None, cancel: "/projects".into() }
}

pub async fn new_form(State(state): State<AppState>, auth: Auth) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    if !auth.actor.holds(Permission::CaseRead) || !may_create(&auth) {
        return Err(PageError::App(AppError::Forbidden, tr));
    }
    let form = ProjectInput { level: "collective".into(), ..Default::default() };
    render(form_page(&state, &auth, new_parts(tr), form, FieldErrors::new(), None).await?)
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<ProjectInput>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    match projects::create(&state.app, &auth.actor, &form).await {
        Ok(project) => Ok(Redirect::to(&format!("/projects/{}?msg=created", project.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let page = form_page(&state, &auth, new_parts(tr), form, errors, None).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
        Err(e) => Err(PageError::App(e, tr)),
    }
}

fn edit_parts(tr: Tr, project: &Project, version: i64) -> FormParts {
    FormParts {
        title: tr.t_with("project-edit", &[("name", project.name.clone())]),
        action: format!("/projects/{}", project.id),
        version: Some(version),
        cancel: format!("/projects/{}", project.id),
    }
}

pub async fn edit_form(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let view = projects::get(&state.app, &auth.actor, id).await.in_locale(tr)?;
    if !view.may_change {
        return Err(PageError::App(AppError::Forbidden, tr));
    }
    let parts = edit_parts(tr, &view.project, view.project.version);
    render(form_page(&state, &auth, parts, projects::input_of(&view.project), FieldErrors::new(), None).await?)
}

#[derive(Deserialize)]
struct VersionField {
    #[serde(default)]
    version: i64,
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let bad = |_| PageError::App(AppError::Invalid(FieldErrors::new()), tr);
    let form: ProjectInput = serde_html_form::from_bytes(&body).map_err(bad)?;
    let VersionField { version } = serde_html_form::from_bytes(&body).map_err(bad)?;
    let rejection = match Rejection::of(projects::update(&state.app, &auth.actor, id, version, &form).await, tr)? {
        Ok(_) => return Ok(Redirect::to(&format!("/projects/{id}?msg=saved")).into_response()),
        Err(rejection) => rejection,
    };
    let status = rejection.status();
    let (errors, alert) = rejection.messages(tr, "project-stale");
    // The typed values stay; the version too, so that a stale form stays stale until reloaded.
    let project = projects::get(&state.app, &auth.actor, id).await.in_locale(tr)?.project;
    let parts = edit_parts(tr, &project, version);
    render_status(status, form_page(&state, &auth, parts, form, errors, alert).await?)
}

// ---------------------------------------------------------------------------------------------
// On the case page.

/// A project a case belongs to, for the case page.
pub struct CaseProject {
    pub id: Uuid,
    pub name: String,
    pub status: String,
}

/// The projects the case belongs to (the case page already checked the reader may see the case).
pub(super) async fn of_case(state: &AppState, auth: &Auth, case_id: Uuid) -> Result<Vec<CaseProject>, PageError> {
    let tr = auth.ctx.tr;
    Ok(projects::of_case(&state.app, &auth.actor, case_id)
        .await
        .in_locale(tr)?
        .into_iter()
        .map(|p| CaseProject { id: p.id, status: tr.t(&p.status.label_key()), name: p.name })
        .collect())
}
