//! Coordination pages: the hub, meetings (attendance, agenda, minutes, decisions, action points,
//! minutes as PDF), action point updates by their owner organisation, agreements, trainings and
//! good practices. Rules live in `cnrm_app::coordination`; these handlers parse, call and render.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cnrm_app::coordination::{self as c, AgreementAction, PracticeAction};
use cnrm_app::AppError;
use cnrm_domain::coordination::{
    ActionPointInput, ActionStatus, ActionUpdateInput, AgreementInput, AgreementStatus, AgreementType, MeetingInput,
    MeetingLevel, ParticipantInput, ParticipantSex, PracticeInput, PracticeStatus, TrainingInput, TrainingTopic,
};
use cnrm_domain::lifecycle::plan::Dimension;
use cnrm_domain::paging::{PageQuery, PageRequest};
use cnrm_domain::{FieldErrors, Permission};
use cnrm_store::{AdminUnit, OrganisationName};
use serde::Deserialize;
use uuid::Uuid;

use super::cases::{choices, organisation_label, show_date, unit_name, Choice, UnitGroup};
use super::{render, render_status, Layout, ListView, Rejection, StatusListQuery};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::forms::Form;
use crate::i18n::Tr;
use crate::AppState;

fn forbidden(auth: &Auth) -> PageError {
    PageError::App(AppError::Forbidden, auth.ctx.tr)
}

fn require_read(auth: &Auth) -> Result<(), PageError> {
    if auth.actor.holds(Permission::CoordinationRead) {
        Ok(())
    } else {
        Err(forbidden(auth))
    }
}

fn bad_form<E>(tr: Tr) -> impl Fn(E) -> PageError {
    move |_| PageError::App(AppError::Invalid(FieldErrors::new()), tr)
}

#[derive(Deserialize)]
struct VersionField {
    #[serde(default)]
    version: i64,
}

async fn names(state: &AppState, tr: Tr) -> Result<Vec<OrganisationName>, PageError> {
    state.app.db.organisation_names().await.in_locale(tr)
}

fn organisation_choices(names: &[OrganisationName], chosen: &[String], except: Option<Uuid>) -> Vec<Choice> {
    names
        .iter()
        .filter(|o| Some(o.id) != except)
        .map(|o| Choice {
            code: o.id.to_string(),
            label: o.label(),
            selected: chosen.iter().any(|c| c.trim() == o.id.to_string()),
        })
        .collect()
}

/// Regions and their cercles, for location selects.
fn unit_groups(tr: Tr, units: &[AdminUnit], chosen: &str, cercles: bool) -> Vec<UnitGroup> {
    let chosen = chosen.trim();
    let choice = |u: &AdminUnit, label: String| Choice { code: u.pcode.clone(), label, selected: u.pcode == chosen };
    units
        .iter()
        .filter(|u| u.current && u.level == 1)
        .map(|region| UnitGroup {
            name: region.name.clone(),
            region: choice(region, tr.t_with("unit-whole-region", &[("name", region.name.clone())])),
            cercles: if cercles {
                units
                    .iter()
                    .filter(|u| u.current && u.parent_pcode.as_deref() == Some(region.pcode.as_str()))
                    .map(|u| choice(u, u.name.clone()))
                    .collect()
            } else {
                Vec::new()
            },
        })
        .collect()
}

fn page_request(page: Option<i64>, sort: &'static str) -> PageRequest {
    PageRequest { descending: true, ..PageRequest::from_query(&PageQuery { page, ..Default::default() }, &[sort]) }
}

// ---------------------------------------------------------------------------------------------
// The hub.

#[derive(Template)]
#[template(path = "coordination/hub.html")]
struct HubPage {
    l: Layout,
    may_validate: bool,
    organisation_id: Uuid,
}

pub async fn hub(auth: Auth) -> Result<Response, PageError> {
    require_read(&auth)?;
    render(HubPage {
        l: Layout::new(&auth.ctx, auth.ctx.tr.t("nav-coordination")),
        may_validate: c::may_validate(&auth.actor),
        organisation_id: auth.actor.user.organisation_id,
    })
}

// ---------------------------------------------------------------------------------------------
// Meetings.

struct MeetingRow {
    id: Uuid,
    title: String,
    level: String,
    location: String,
    held_on: String,
    place: String,
}

#[derive(Template)]
#[template(path = "coordination/meetings.html")]
struct MeetingsPage {
    l: Layout,
    rows: Vec<MeetingRow>,
    view: ListView,
    may_create: bool,
}

pub async fn meetings(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<StatusListQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let request = page_request(q.page, "held");
    let page = c::meetings(&state.app, &auth.actor, &request).await.in_locale(tr)?;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let rows = page
        .items
        .iter()
        .map(|m| MeetingRow {
            id: m.id,
            title: m.title.clone(),
            level: tr.t(&m.level.label_key()),
            location: m.location_pcode.as_deref().map_or_else(|| "—".into(), |p| unit_name(&units, Some(p))),
            held_on: show_date(tr, m.held_on),
            place: m.place.clone(),
        })
        .collect();
    render(MeetingsPage {
        l: Layout::new(&auth.ctx, tr.t("meeting-list-title")),
        rows,
        view: ListView::new("/meetings", &request, &page),
        may_create: c::may_validate(&auth.actor),
    })
}

#[derive(Template)]
#[template(path = "coordination/meeting_form.html")]
struct MeetingFormPage {
    l: Layout,
    action: String,
    version: Option<i64>,
    cancel: String,
    levels: Vec<Choice>,
    units: Vec<UnitGroup>,
    organisations: Vec<Choice>,
    form: MeetingInput,
    errors: FieldErrors,
    alert: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn meeting_form_page(
    state: &AppState,
    auth: &Auth,
    title: String,
    action: String,
    version: Option<i64>,
    form: MeetingInput,
    errors: FieldErrors,
    alert: Option<String>,
) -> Result<MeetingFormPage, PageError> {
    let tr = auth.ctx.tr;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let names = names(state, tr).await?;
    Ok(MeetingFormPage {
        l: Layout::new(&auth.ctx, title),
        cancel: if version.is_some() { action.clone() } else { "/meetings".into() },
        action,
        version,
        levels: choices(tr, &MeetingLevel::ALL, MeetingLevel::code, MeetingLevel::label_key, &[&form.level]),
        units: unit_groups(tr, &units, &form.location, true),
        organisations: organisation_choices(&names, &form.organisations, None),
        form,
        errors,
        alert,
    })
}

pub async fn new_meeting(State(state): State<AppState>, auth: Auth) -> Result<Response, PageError> {
    require_read(&auth)?;
    if !c::may_validate(&auth.actor) {
        return Err(forbidden(&auth));
    }
    let tr = auth.ctx.tr;
    let form = MeetingInput { level: "national".into(), ..Default::default() };
    let page =
        meeting_form_page(&state, &auth, tr.t("meeting-new"), "/meetings".into(), None, form, FieldErrors::new(), None);
    render(page.await?)
}

pub async fn create_meeting(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<MeetingInput>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    match Rejection::of(c::create_meeting(&state.app, &auth.actor, &form).await, tr)? {
        Ok(m) => Ok(Redirect::to(&format!("/meetings/{}?msg=created", m.id)).into_response()),
        Err(rejection) => {
            let status = rejection.status();
            let (errors, alert) = rejection.messages(tr, "coordination-stale");
            let page =
                meeting_form_page(&state, &auth, tr.t("meeting-new"), "/meetings".into(), None, form, errors, alert);
            render_status(status, page.await?)
        }
    }
}

pub async fn edit_meeting(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let view = c::meeting(&state.app, &auth.actor, id).await.in_locale(tr)?;
    if !view.may_edit {
        return Err(forbidden(&auth));
    }
    let m = &view.meeting;
    let title = tr.t_with("meeting-edit", &[("title", m.title.clone())]);
    let form = c::meeting_input(m);
    let page = meeting_form_page(
        &state,
        &auth,
        title,
        format!("/meetings/{id}"),
        Some(m.version),
        form,
        FieldErrors::new(),
        None,
    );
    render(page.await?)
}

pub async fn update_meeting(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let form: MeetingInput = serde_html_form::from_bytes(&body).map_err(bad_form(tr))?;
    let VersionField { version } = serde_html_form::from_bytes(&body).map_err(bad_form(tr))?;
    match Rejection::of(c::update_meeting(&state.app, &auth.actor, id, version, &form).await, tr)? {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}?msg=saved")).into_response()),
        Err(rejection) => {
            let status = rejection.status();
            let (errors, alert) = rejection.messages(tr, "coordination-stale");
            let title = tr.t_with("meeting-edit", &[("title", form.title.clone())]);
            let page =
                meeting_form_page(&state, &auth, title, format!("/meetings/{id}"), Some(version), form, errors, alert);
            render_status(status, page.await?)
        }
    }
}

struct UpdateRow {
    status: String,
    comment: String,
    at: String,
}

struct PointRow {
    id: Uuid,
    description: String,
    owner: String,
    due: String,
    status: String,
    overdue: bool,
    closed: bool,
    may_update: bool,
    version: i64,
    next: Vec<Choice>,
    updates: Vec<UpdateRow>,
    /// The messages of the update form when it came back for this point.
    errors: FieldErrors,
    comment: String,
}

#[derive(Template)]
#[template(path = "coordination/meeting.html")]
struct MeetingPage {
    l: Layout,
    id: Uuid,
    title: String,
    facts: Vec<(String, String)>,
    agenda: Vec<String>,
    organisations: Vec<String>,
    attendees: Vec<String>,
    minutes: Vec<String>,
    decisions: Vec<String>,
    points: Vec<PointRow>,
    may_edit: bool,
    owners: Vec<Choice>,
    point: ActionPointInput,
    errors: FieldErrors,
    alert: Option<String>,
}

/// What a meeting page's forms held when one of them came back.
#[derive(Default)]
struct MeetingRetry {
    point: ActionPointInput,
    errors: FieldErrors,
    alert: Option<String>,
    /// The action point whose update form came back, with its typed values.
    update: Option<(Uuid, ActionUpdateInput, FieldErrors)>,
}

async fn meeting_page(state: &AppState, auth: &Auth, id: Uuid, retry: MeetingRetry) -> Result<MeetingPage, PageError> {
    let tr = auth.ctx.tr;
    let view = c::meeting(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let names = names(state, tr).await?;
    let m = &view.meeting;
    let mut facts = vec![
        (tr.t("meeting-field-level"), tr.t(&m.level.label_key())),
        (tr.t("meeting-field-held-on"), show_date(tr, m.held_on)),
        (tr.t("meeting-field-place"), m.place.clone()),
    ];
    if let Some(p) = &m.location_pcode {
        facts.insert(1, (tr.t("meeting-field-location"), unit_name(&units, Some(p))));
    }
    let points = view
        .action_points
        .iter()
        .map(|p| {
            let (comment, errors) = match &retry.update {
                Some((pid, input, errors)) if *pid == p.point.id => (input.comment.clone(), errors.clone()),
                _ => (String::new(), FieldErrors::new()),
            };
            let next: Vec<ActionStatus> = ActionStatus::ALL
                .into_iter()
                .filter(|to| cnrm_domain::coordination::action_transition(p.point.status, *to).is_ok())
                .collect();
            PointRow {
                id: p.point.id,
                description: p.point.description.clone(),
                owner: organisation_label(&names, p.point.owner_organisation_id),
                due: show_date(tr, p.point.due_on),
                status: tr.t(&p.point.status.label_key()),
                overdue: p.overdue,
                closed: p.point.status.is_closed(),
                may_update: p.may_update,
                version: p.point.version,
                next: choices(tr, &next, ActionStatus::code, ActionStatus::label_key, &[""]),
                updates: p
                    .updates
                    .iter()
                    .map(|u| UpdateRow {
                        status: tr.t(&u.status.label_key()),
                        comment: u.comment.clone(),
                        at: show_date(tr, u.updated_at.date()),
                    })
                    .collect(),
                errors,
                comment,
            }
        })
        .collect();
    Ok(MeetingPage {
        l: Layout::new(&auth.ctx, m.title.clone()),
        id,
        title: m.title.clone(),
        facts,
        agenda: m.agenda.clone(),
        organisations: m.organisations.iter().map(|o| organisation_label(&names, *o)).collect(),
        attendees: m.attendees.clone(),
        minutes: m.minutes.lines().map(str::to_string).collect(),
        decisions: m.decisions.clone(),
        points,
        may_edit: view.may_edit,
        owners: organisation_choices(&names, std::slice::from_ref(&retry.point.owner_organisation_id), None),
        point: retry.point,
        errors: retry.errors,
        alert: retry.alert,
    })
}

pub async fn show_meeting(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    render(meeting_page(&state, &auth, id, MeetingRetry::default()).await?)
}

pub async fn add_action_point(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<ActionPointInput>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    match Rejection::of(c::add_action_point(&state.app, &auth.actor, id, &form).await, tr)? {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}?msg=saved")).into_response()),
        Err(rejection) => {
            let status = rejection.status();
            let (errors, alert) = rejection.messages(tr, "coordination-stale");
            let retry = MeetingRetry { point: form, errors, alert, update: None };
            render_status(status, meeting_page(&state, &auth, id, retry).await?)
        }
    }
}

pub async fn update_action_point(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<ActionUpdateInput>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    require_read(&auth)?;
    match Rejection::of(c::update_action_point(&state.app, &auth.actor, id, &form).await, tr)? {
        Ok(point) => {
            let meeting = point.meeting_id;
            Ok(Redirect::to(&format!("/meetings/{meeting}?msg=saved#point-{id}")).into_response())
        }
        Err(rejection) => {
            // The point's meeting, for the page to come back to (read only when the update was refused).
            let point =
                state.app.db.action_point(id).await.in_locale(tr)?.ok_or(PageError::App(AppError::NotFound, tr))?;
            let meeting = point.meeting_id;
            let status = rejection.status();
            let (errors, alert) = rejection.messages(tr, "coordination-stale");
            let retry = MeetingRetry { alert, update: Some((id, form, errors)), ..Default::default() };
            render_status(status, meeting_page(&state, &auth, meeting, retry).await?)
        }
    }
}

/// The minutes as PDF: the meeting, attendance, agenda, minutes, decisions and action points.
pub async fn minutes_pdf(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let view = c::meeting(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let names = names(&state, tr).await?;
    let m = &view.meeting;
    let mut facts = vec![
        (tr.t("meeting-field-level"), tr.t(&m.level.label_key())),
        (tr.t("meeting-field-held-on"), show_date(tr, m.held_on)),
        (tr.t("meeting-field-place"), m.place.clone()),
    ];
    if let Some(p) = &m.location_pcode {
        facts.push((tr.t("meeting-field-location"), unit_name(&units, Some(p))));
    }
    let section = |key: &str, paragraphs: Vec<String>, bullets: bool| cnrm_pdf::Section {
        heading: tr.t(key),
        paragraphs: if paragraphs.is_empty() { vec!["—".into()] } else { paragraphs },
        bullets,
    };
    let points = view
        .action_points
        .iter()
        .map(|p| {
            let mut line = format!(
                "{} — {} — {} : {} — {}",
                p.point.description,
                organisation_label(&names, p.point.owner_organisation_id),
                tr.t("action-point-due"),
                show_date(tr, p.point.due_on),
                tr.t(&p.point.status.label_key())
            );
            if p.overdue {
                line.push_str(&format!(" ({})", tr.t("action-point-overdue")));
            }
            line
        })
        .collect();
    let document = cnrm_pdf::Document {
        title: m.title.clone(),
        facts,
        sections: vec![
            section(
                "meeting-field-organisations",
                m.organisations.iter().map(|o| organisation_label(&names, *o)).collect(),
                true,
            ),
            section("meeting-field-attendees", m.attendees.clone(), true),
            section("meeting-field-agenda", m.agenda.clone(), true),
            section("meeting-field-minutes", m.minutes.lines().map(str::to_string).collect(), false),
            section("meeting-field-decisions", m.decisions.clone(), true),
            section("meeting-section-action-points", points, true),
        ],
        footer: tr.t("meeting-pdf-footer"),
    };
    let bytes = cnrm_pdf::render(&document).map_err(|e| {
        tracing::error!(error = %e, "minutes PDF failed");
        PageError::Internal(tr)
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"minutes-{}.pdf\"", m.held_on)),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Agreements.

struct AgreementRow {
    id: Uuid,
    title: String,
    kind: String,
    parties: String,
    period: String,
    status: String,
    renewal_due: bool,
}

#[derive(Deserialize, Default)]
pub struct PartyQuery {
    #[serde(default)]
    party: String,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "coordination/agreements.html")]
struct AgreementsPage {
    l: Layout,
    rows: Vec<AgreementRow>,
    view: ListView,
    may_create: bool,
}

fn period(tr: Tr, start: time::Date, end: Option<time::Date>) -> String {
    match end {
        Some(end) => format!("{} – {}", show_date(tr, start), show_date(tr, end)),
        None => format!("{} –", show_date(tr, start)),
    }
}

pub async fn agreements(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<PartyQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let party = Uuid::parse_str(q.party.trim()).ok();
    let request = page_request(q.page, "start");
    let page = c::agreements(&state.app, &auth.actor, party, &request).await.in_locale(tr)?;
    let names = names(&state, tr).await?;
    let rows = page
        .items
        .iter()
        .map(|v| AgreementRow {
            id: v.agreement.id,
            title: v.agreement.title.clone(),
            kind: tr.t(&v.agreement.kind.label_key()),
            parties: v.agreement.parties.iter().map(|p| organisation_label(&names, *p)).collect::<Vec<_>>().join(", "),
            period: period(tr, v.agreement.start_on, v.agreement.end_on),
            status: tr.t(&v.status_today.label_key()),
            renewal_due: v.renewal_due,
        })
        .collect();
    let mut view = ListView::new("/agreements", &request, &page);
    view.filters.push(("party", q.party.clone()));
    render(AgreementsPage {
        l: Layout::new(&auth.ctx, tr.t("agreement-list-title")),
        rows,
        view,
        may_create: c::may_record(&auth.actor),
    })
}

#[derive(Template)]
#[template(path = "coordination/agreement_form.html")]
struct AgreementFormPage {
    l: Layout,
    action: String,
    version: Option<i64>,
    cancel: String,
    kinds: Vec<Choice>,
    parties: Vec<Choice>,
    form: AgreementInput,
    errors: FieldErrors,
    alert: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn agreement_form_page(
    state: &AppState,
    auth: &Auth,
    title: String,
    action: String,
    version: Option<i64>,
    owner: Uuid,
    form: AgreementInput,
    errors: FieldErrors,
    alert: Option<String>,
) -> Result<AgreementFormPage, PageError> {
    let tr = auth.ctx.tr;
    let names = names(state, tr).await?;
    Ok(AgreementFormPage {
        l: Layout::new(&auth.ctx, title),
        cancel: if version.is_some() { action.clone() } else { "/agreements".into() },
        action,
        version,
        kinds: choices(tr, &AgreementType::ALL, AgreementType::code, AgreementType::label_key, &[&form.kind]),
        parties: organisation_choices(&names, &form.parties, Some(owner)),
        form,
        errors,
        alert,
    })
}

pub async fn new_agreement(State(state): State<AppState>, auth: Auth) -> Result<Response, PageError> {
    require_read(&auth)?;
    if !c::may_record(&auth.actor) {
        return Err(forbidden(&auth));
    }
    let tr = auth.ctx.tr;
    let form = AgreementInput {
        reminder_days: cnrm_domain::coordination::DEFAULT_REMINDER_DAYS.to_string(),
        ..Default::default()
    };
    let owner = auth.actor.user.organisation_id;
    let page = agreement_form_page(
        &state,
        &auth,
        tr.t("agreement-new"),
        "/agreements".into(),
        None,
        owner,
        form,
        FieldErrors::new(),
        None,
    );
    render(page.await?)
}

pub async fn create_agreement(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<AgreementInput>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    match Rejection::of(c::create_agreement(&state.app, &auth.actor, &form).await, tr)? {
        Ok(a) => Ok(Redirect::to(&format!("/agreements/{}?msg=created", a.id)).into_response()),
        Err(rejection) => {
            let status = rejection.status();
            let (errors, alert) = rejection.messages(tr, "coordination-stale");
            let owner = auth.actor.user.organisation_id;
            let page = agreement_form_page(
                &state,
                &auth,
                tr.t("agreement-new"),
                "/agreements".into(),
                None,
                owner,
                form,
                errors,
                alert,
            );
            render_status(status, page.await?)
        }
    }
}

pub async fn edit_agreement(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let view = c::agreement(&state.app, &auth.actor, id).await.in_locale(tr)?;
    if !view.may_change {
        return Err(forbidden(&auth));
    }
    let a = &view.agreement;
    let title = tr.t_with("agreement-edit", &[("title", a.title.clone())]);
    let form = c::agreement_input(a);
    let page = agreement_form_page(
        &state,
        &auth,
        title,
        format!("/agreements/{id}"),
        Some(a.version),
        a.organisation_id,
        form,
        FieldErrors::new(),
        None,
    );
    render(page.await?)
}

pub async fn update_agreement(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let form: AgreementInput = serde_html_form::from_bytes(&body).map_err(bad_form(tr))?;
    let VersionField { version } = serde_html_form::from_bytes(&body).map_err(bad_form(tr))?;
    match Rejection::of(c::update_agreement(&state.app, &auth.actor, id, version, &form).await, tr)? {
        Ok(_) => Ok(Redirect::to(&format!("/agreements/{id}?msg=saved")).into_response()),
        Err(rejection) => {
            let status = rejection.status();
            let (errors, alert) = rejection.messages(tr, "coordination-stale");
            let owner = c::agreement(&state.app, &auth.actor, id).await.in_locale(tr)?.agreement.organisation_id;
            let title = tr.t_with("agreement-edit", &[("title", form.title.clone())]);
            let page = agreement_form_page(
                &state,
                &auth,
                title,
                format!("/agreements/{id}"),
                Some(version),
                owner,
                form,
                errors,
                alert,
            );
            render_status(status, page.await?)
        }
    }
}

#[derive(Template)]
#[template(path = "coordination/agreement.html")]
struct AgreementPage {
    l: Layout,
    id: Uuid,
    title: String,
    status: String,
    renewal_due: bool,
    facts: Vec<(String, String)>,
    may_change: bool,
    may_activate: bool,
    may_terminate: bool,
    version: i64,
    reason: String,
    errors: FieldErrors,
    alert: Option<String>,
}

async fn agreement_page(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    reason: String,
    errors: FieldErrors,
    alert: Option<String>,
) -> Result<AgreementPage, PageError> {
    let tr = auth.ctx.tr;
    let view = c::agreement(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let names = names(state, tr).await?;
    let a = &view.agreement;
    let dash = |s: &str| if s.is_empty() { "—".to_string() } else { s.to_string() };
    let mut facts = vec![
        (tr.t("agreement-field-kind"), tr.t(&a.kind.label_key())),
        (tr.t("agreement-field-owner"), organisation_label(&names, a.organisation_id)),
        (
            tr.t("agreement-field-parties"),
            a.parties.iter().map(|p| organisation_label(&names, *p)).collect::<Vec<_>>().join(", "),
        ),
        (tr.t("agreement-field-scope"), a.scope.clone()),
        (tr.t("agreement-field-coverage"), dash(&a.coverage)),
        (tr.t("agreement-field-period"), period(tr, a.start_on, a.end_on)),
        (tr.t("agreement-field-document"), dash(&a.document)),
        (tr.t("agreement-field-reminder-days"), a.reminder_days.to_string()),
    ];
    if let Some(r) = a.status_reason.clone().filter(|r| !r.is_empty()) {
        facts.push((tr.t("agreement-field-reason"), r));
    }
    Ok(AgreementPage {
        l: Layout::new(&auth.ctx, a.title.clone()),
        id,
        title: a.title.clone(),
        status: tr.t(&view.status_today.label_key()),
        renewal_due: view.renewal_due,
        facts,
        may_change: view.may_change && view.status_today != AgreementStatus::Terminated,
        may_activate: view.may_change && view.status_today == AgreementStatus::Draft,
        may_terminate: view.may_change && matches!(view.status_today, AgreementStatus::Draft | AgreementStatus::Active),
        version: a.version,
        reason,
        errors,
        alert,
    })
}

pub async fn show_agreement(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    render(agreement_page(&state, &auth, id, String::new(), FieldErrors::new(), None).await?)
}

pub async fn act_on_agreement(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<AgreementAction>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    match Rejection::of(c::act_on_agreement(&state.app, &auth.actor, id, &form).await, tr)? {
        Ok(_) => Ok(Redirect::to(&format!("/agreements/{id}?msg=saved")).into_response()),
        Err(rejection) => {
            let status = rejection.status();
            let (errors, alert) = rejection.messages(tr, "coordination-stale");
            render_status(status, agreement_page(&state, &auth, id, form.reason, errors, alert).await?)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Trainings.

struct TrainingRow {
    id: Uuid,
    title: String,
    topic: String,
    organiser: String,
    dates: String,
    place: String,
    women: i64,
    men: i64,
    certified: i64,
}

#[derive(Deserialize, Default)]
pub struct OrganisationQuery {
    #[serde(default)]
    organisation: String,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "coordination/trainings.html")]
struct TrainingsPage {
    l: Layout,
    rows: Vec<TrainingRow>,
    view: ListView,
    organisations: Vec<Choice>,
    /// The organisation whose history this is.
    history_of: Option<String>,
    may_create: bool,
    errors: FieldErrors,
}

pub async fn trainings(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<OrganisationQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let organisation = Uuid::parse_str(q.organisation.trim()).ok();
    let request = page_request(q.page, "start");
    let page = c::trainings(&state.app, &auth.actor, organisation, &request).await.in_locale(tr)?;
    let names = names(&state, tr).await?;
    let rows = page
        .items
        .iter()
        .map(|s| TrainingRow {
            id: s.training.id,
            title: s.training.title.clone(),
            topic: tr.t(&s.training.topic.label_key()),
            organiser: organisation_label(&names, s.training.organisation_id),
            dates: period(tr, s.training.start_on, Some(s.training.end_on)),
            place: s.training.place.clone(),
            women: s.women,
            men: s.men,
            certified: s.certified,
        })
        .collect();
    let mut view = ListView::new("/trainings", &request, &page);
    view.filters.push(("organisation", q.organisation.clone()));
    render(TrainingsPage {
        l: Layout::new(&auth.ctx, tr.t("training-list-title")),
        rows,
        view,
        organisations: organisation_choices(&names, std::slice::from_ref(&q.organisation), None),
        history_of: organisation
            .map(|o| tr.t_with("training-history-title", &[("name", organisation_label(&names, o))])),
        may_create: c::may_record(&auth.actor),
        errors: FieldErrors::new(),
    })
}

#[derive(Template)]
#[template(path = "coordination/training_form.html")]
struct TrainingFormPage {
    l: Layout,
    topics: Vec<Choice>,
    form: TrainingInput,
    errors: FieldErrors,
}

fn training_form_page(auth: &Auth, form: TrainingInput, errors: FieldErrors) -> TrainingFormPage {
    let tr = auth.ctx.tr;
    TrainingFormPage {
        l: Layout::new(&auth.ctx, tr.t("training-new")),
        topics: choices(tr, &TrainingTopic::ALL, TrainingTopic::code, TrainingTopic::label_key, &[&form.topic]),
        form,
        errors,
    }
}

pub async fn new_training(auth: Auth) -> Result<Response, PageError> {
    require_read(&auth)?;
    if !c::may_record(&auth.actor) {
        return Err(forbidden(&auth));
    }
    render(training_form_page(&auth, TrainingInput::default(), FieldErrors::new()))
}

pub async fn create_training(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<TrainingInput>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    match c::create_training(&state.app, &auth.actor, &form).await {
        Ok(t) => Ok(Redirect::to(&format!("/trainings/{}?msg=created", t.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, training_form_page(&auth, form, errors))
        }
        Err(e) => Err(PageError::App(e, tr)),
    }
}

struct ParticipantRow {
    name: String,
    sex: String,
    organisation: String,
    pre: String,
    post: String,
    certified: bool,
}

struct CountRow {
    organisation: String,
    women: i64,
    men: i64,
    certified: i64,
}

#[derive(Template)]
#[template(path = "coordination/training.html")]
struct TrainingPage {
    l: Layout,
    id: Uuid,
    title: String,
    facts: Vec<(String, String)>,
    counts: Vec<CountRow>,
    women: i64,
    men: i64,
    certified: i64,
    mean_gain: String,
    participants: Vec<ParticipantRow>,
    may_change: bool,
    sexes: Vec<Choice>,
    organisations: Vec<Choice>,
    form: ParticipantInput,
    errors: FieldErrors,
}

async fn training_page(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    form: ParticipantInput,
    errors: FieldErrors,
) -> Result<TrainingPage, PageError> {
    let tr = auth.ctx.tr;
    let view = c::training(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let names = names(state, tr).await?;
    let t = &view.training;
    let score = |s: Option<i64>| s.map_or_else(|| "—".into(), |s| s.to_string());
    Ok(TrainingPage {
        l: Layout::new(&auth.ctx, t.title.clone()),
        id,
        title: t.title.clone(),
        facts: vec![
            (tr.t("training-field-topic"), tr.t(&t.topic.label_key())),
            (tr.t("training-field-organiser"), organisation_label(&names, t.organisation_id)),
            (tr.t("training-field-trainers"), t.trainers.clone()),
            (tr.t("training-field-dates"), period(tr, t.start_on, Some(t.end_on))),
            (tr.t("training-field-place"), t.place.clone()),
        ],
        counts: view
            .by_organisation
            .iter()
            .map(|c| CountRow {
                organisation: organisation_label(&names, c.organisation_id),
                women: c.women,
                men: c.men,
                certified: c.certified,
            })
            .collect(),
        women: view.women,
        men: view.men,
        certified: view.certified,
        mean_gain: view.mean_gain.map_or_else(|| "—".into(), |g| format!("{g:+.1}")),
        participants: view
            .participants
            .iter()
            .map(|p| ParticipantRow {
                name: p.name.clone(),
                sex: tr.t(&p.sex.label_key()),
                organisation: organisation_label(&names, p.organisation_id),
                pre: score(p.pre_score),
                post: score(p.post_score),
                certified: p.certified,
            })
            .collect(),
        may_change: view.may_change,
        sexes: choices(tr, &ParticipantSex::ALL, ParticipantSex::code, ParticipantSex::label_key, &[&form.sex]),
        organisations: organisation_choices(&names, std::slice::from_ref(&form.organisation_id), None),
        form,
        errors,
    })
}

pub async fn show_training(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    render(training_page(&state, &auth, id, ParticipantInput::default(), FieldErrors::new()).await?)
}

pub async fn add_participant(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<ParticipantInput>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    match c::add_participant(&state.app, &auth.actor, id, &form).await {
        Ok(_) => Ok(Redirect::to(&format!("/trainings/{id}?msg=saved")).into_response()),
        Err(AppError::Invalid(errors)) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, training_page(&state, &auth, id, form, errors).await?)
        }
        Err(e) => Err(PageError::App(e, tr)),
    }
}

// ---------------------------------------------------------------------------------------------
// Good practices.

struct PracticeRow {
    id: Uuid,
    title: String,
    dimension: String,
    organisation: String,
    region: String,
    tags: String,
    status: String,
}

#[derive(Template)]
#[template(path = "coordination/practices.html")]
struct PracticesPage {
    l: Layout,
    rows: Vec<PracticeRow>,
    view: ListView,
    statuses: Vec<Choice>,
    filtered: bool,
    may_create: bool,
    errors: FieldErrors,
}

pub async fn practices(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<StatusListQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let status = PracticeStatus::parse(q.status.trim());
    let request = q.request("created");
    let page = c::practices(&state.app, &auth.actor, status, &request).await.in_locale(tr)?;
    let names = names(&state, tr).await?;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let rows = page
        .items
        .iter()
        .map(|p| PracticeRow {
            id: p.id,
            title: p.title.clone(),
            dimension: tr.t(&p.dimension.label_key()),
            organisation: organisation_label(&names, p.organisation_id),
            region: p.region_pcode.as_deref().map_or_else(|| "—".into(), |r| unit_name(&units, Some(r))),
            tags: p.tags.join(", "),
            status: tr.t(&p.status.label_key()),
        })
        .collect();
    let chosen = status.map(|s| s.code().to_string()).unwrap_or_default();
    render(PracticesPage {
        l: Layout::new(&auth.ctx, tr.t("practice-list-title")),
        rows,
        view: ListView::by_status("/practices", &request, &page, &chosen),
        statuses: choices(tr, &PracticeStatus::ALL, PracticeStatus::code, PracticeStatus::label_key, &[&chosen]),
        filtered: status.is_some(),
        may_create: c::may_record(&auth.actor),
        errors: FieldErrors::new(),
    })
}

#[derive(Template)]
#[template(path = "coordination/practice_form.html")]
struct PracticeFormPage {
    l: Layout,
    action: String,
    version: Option<i64>,
    cancel: String,
    dimensions: Vec<Choice>,
    regions: Vec<Choice>,
    form: PracticeInput,
    errors: FieldErrors,
    alert: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn practice_form_page(
    state: &AppState,
    auth: &Auth,
    title: String,
    action: String,
    version: Option<i64>,
    form: PracticeInput,
    errors: FieldErrors,
    alert: Option<String>,
) -> Result<PracticeFormPage, PageError> {
    let tr = auth.ctx.tr;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    Ok(PracticeFormPage {
        l: Layout::new(&auth.ctx, title),
        cancel: if version.is_some() { action.clone() } else { "/practices".into() },
        action,
        version,
        dimensions: choices(tr, &Dimension::ALL, Dimension::code, Dimension::label_key, &[&form.dimension]),
        regions: units
            .iter()
            .filter(|u| u.current && u.level == 1)
            .map(|u| Choice { code: u.pcode.clone(), label: u.name.clone(), selected: u.pcode == form.region.trim() })
            .collect(),
        form,
        errors,
        alert,
    })
}

pub async fn new_practice(State(state): State<AppState>, auth: Auth) -> Result<Response, PageError> {
    require_read(&auth)?;
    if !c::may_record(&auth.actor) {
        return Err(forbidden(&auth));
    }
    let tr = auth.ctx.tr;
    let page = practice_form_page(
        &state,
        &auth,
        tr.t("practice-new"),
        "/practices".into(),
        None,
        PracticeInput::default(),
        FieldErrors::new(),
        None,
    );
    render(page.await?)
}

pub async fn create_practice(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<PracticeInput>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    match Rejection::of(c::create_practice(&state.app, &auth.actor, &form).await, tr)? {
        Ok(p) => Ok(Redirect::to(&format!("/practices/{}?msg=created", p.id)).into_response()),
        Err(rejection) => {
            let status = rejection.status();
            let (errors, alert) = rejection.messages(tr, "coordination-stale");
            let page =
                practice_form_page(&state, &auth, tr.t("practice-new"), "/practices".into(), None, form, errors, alert);
            render_status(status, page.await?)
        }
    }
}

pub async fn edit_practice(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let view = c::practice(&state.app, &auth.actor, id).await.in_locale(tr)?;
    if !view.may_edit {
        return Err(forbidden(&auth));
    }
    let p = &view.practice;
    let title = tr.t_with("practice-edit", &[("title", p.title.clone())]);
    let page = practice_form_page(
        &state,
        &auth,
        title,
        format!("/practices/{id}"),
        Some(p.version),
        c::practice_input(p),
        FieldErrors::new(),
        None,
    );
    render(page.await?)
}

pub async fn update_practice(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let form: PracticeInput = serde_html_form::from_bytes(&body).map_err(bad_form(tr))?;
    let VersionField { version } = serde_html_form::from_bytes(&body).map_err(bad_form(tr))?;
    match Rejection::of(c::update_practice(&state.app, &auth.actor, id, version, &form).await, tr)? {
        Ok(_) => Ok(Redirect::to(&format!("/practices/{id}?msg=saved")).into_response()),
        Err(rejection) => {
            let status = rejection.status();
            let (errors, alert) = rejection.messages(tr, "coordination-stale");
            let title = tr.t_with("practice-edit", &[("title", form.title.clone())]);
            let page = practice_form_page(
                &state,
                &auth,
                title,
                format!("/practices/{id}"),
                Some(version),
                form,
                errors,
                alert,
            );
            render_status(status, page.await?)
        }
    }
}

#[derive(Template)]
#[template(path = "coordination/practice.html")]
struct PracticePage {
    l: Layout,
    id: Uuid,
    title: String,
    status: String,
    summary: String,
    facts: Vec<(String, String)>,
    evidence: Vec<String>,
    may_edit: bool,
    may_submit: bool,
    may_validate: bool,
    may_publish: bool,
    may_return: bool,
    version: i64,
    reason: String,
    errors: FieldErrors,
    alert: Option<String>,
}

async fn practice_page(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    reason: String,
    errors: FieldErrors,
    alert: Option<String>,
) -> Result<PracticePage, PageError> {
    let tr = auth.ctx.tr;
    let view = c::practice(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let names = names(state, tr).await?;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let p = &view.practice;
    let mut facts = vec![
        (tr.t("practice-field-dimension"), tr.t(&p.dimension.label_key())),
        (tr.t("practice-field-organisation"), organisation_label(&names, p.organisation_id)),
        (
            tr.t("practice-field-region"),
            p.region_pcode.as_deref().map_or_else(|| "—".into(), |r| unit_name(&units, Some(r))),
        ),
        (tr.t("practice-field-tags"), if p.tags.is_empty() { "—".into() } else { p.tags.join(", ") }),
    ];
    if let Some(r) = p.status_reason.clone().filter(|r| !r.is_empty()) {
        facts.push((tr.t("practice-field-reason"), r));
    }
    let owner = c::may_manage(&auth.actor, p.organisation_id);
    Ok(PracticePage {
        l: Layout::new(&auth.ctx, p.title.clone()),
        id,
        title: p.title.clone(),
        status: tr.t(&p.status.label_key()),
        summary: p.summary.clone(),
        facts,
        evidence: p.evidence.clone(),
        may_edit: view.may_edit,
        may_submit: owner && p.status.is_editable(),
        may_validate: view.may_validate && p.status == PracticeStatus::Submitted,
        may_publish: view.may_validate && p.status == PracticeStatus::Validated,
        may_return: view.may_validate && matches!(p.status, PracticeStatus::Submitted | PracticeStatus::Validated),
        version: p.version,
        reason,
        errors,
        alert,
    })
}

pub async fn show_practice(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    render(practice_page(&state, &auth, id, String::new(), FieldErrors::new(), None).await?)
}

pub async fn act_on_practice(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<PracticeAction>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    match Rejection::of(c::act_on_practice(&state.app, &auth.actor, id, &form).await, tr)? {
        Ok(_) => Ok(Redirect::to(&format!("/practices/{id}?msg=saved")).into_response()),
        Err(rejection) => {
            let status = rejection.status();
            let (errors, alert) = rejection.messages(tr, "coordination-stale");
            render_status(status, practice_page(&state, &auth, id, form.reason, errors, alert).await?)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The data-sharing setting (on the platform settings page).

#[derive(Deserialize, Default)]
pub struct DataSharingForm {
    #[serde(default, deserialize_with = "crate::forms::checkbox")]
    required: bool,
}

pub async fn save_data_sharing(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<DataSharingForm>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    cnrm_app::settings::set_referrals_require_data_sharing(&state.app, &auth.actor, form.required)
        .await
        .in_locale(tr)?;
    Ok(Redirect::to("/admin/settings?msg=saved").into_response())
}

// ---------------------------------------------------------------------------------------------
// The block of "My work": overdue action points and agreements to renew of one's organisation.

pub struct OverdueRow {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub description: String,
    pub meeting: String,
    pub due: String,
}

pub struct RenewalRow {
    pub id: Uuid,
    pub title: String,
    pub end: String,
}

pub struct WorkCoordination {
    pub shown: bool,
    pub overdue: Vec<OverdueRow>,
    pub renewals: Vec<RenewalRow>,
}

pub(super) fn work_block(
    auth: &Auth,
    points: Vec<cnrm_store::QueuedActionPoint>,
    agreements: Vec<cnrm_store::Agreement>,
) -> WorkCoordination {
    let tr = auth.ctx.tr;
    WorkCoordination {
        shown: c::may_record(&auth.actor) || !points.is_empty() || !agreements.is_empty(),
        overdue: points
            .into_iter()
            .map(|p| OverdueRow {
                id: p.action_point.id,
                meeting_id: p.action_point.meeting_id,
                description: p.action_point.description,
                meeting: p.meeting_title,
                due: show_date(tr, p.action_point.due_on),
            })
            .collect(),
        renewals: agreements
            .into_iter()
            .map(|a| RenewalRow {
                id: a.id,
                title: a.title,
                end: a.end_on.map_or_else(|| "—".into(), |d| show_date(tr, d)),
            })
            .collect(),
    }
}
