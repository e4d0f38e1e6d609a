//! Coordination pages: the hub, meetings (attendance, agenda, minutes, decisions, action points,
//! minutes as PDF), action point updates by their owner organisation, agreements, trainings and
//! good practices. Rules live in `cnrm_app::coordination`; these handlers parse, call and render.

use askama::Template;
use axum::body::Bytes;
use axum::extract::Request;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cnrm_app::agreement_documents;
use cnrm_app::coordination::{self as c, AgreementAction, PracticeAction};
use cnrm_app::AppError;
use cnrm_domain::attachment::{human_size, MAX_ATTACHMENT_BYTES};
use cnrm_domain::coordination::{
    ActionPointInput, ActionStatus, ActionUpdateInput, AgreementInput, AgreementStatus, AgreementType, MeetingInput,
    MeetingLevel, ParticipantInput, ParticipantSex, PracticeInput, PracticeLinkInput, PracticeStatus, TrainingInput,
    TrainingTopic,
};
use cnrm_domain::lifecycle::plan::Dimension;
use cnrm_domain::paging::{PageQuery, PageRequest};
use cnrm_domain::{FieldErrors, Permission};
use cnrm_store::{AdminUnit, OrganisationName};
use serde::Deserialize;
use uuid::Uuid;

use super::attachments::{file_message, read_upload, stored_file_response};
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

/// The version of the record the form was read at.
#[derive(Deserialize)]
pub struct VersionField {
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

/// One version of an agreement's signed document, in the list.
struct DocumentRow {
    id: Uuid,
    file_name: String,
    file_type: String,
    size: String,
    added: String,
    description: String,
    /// The latest version: the one in force.
    current: bool,
}

/// What the document upload form brings back when refused.
#[derive(Default)]
struct DocumentRetry {
    description: String,
    file_error: Option<String>,
}

/// What the file input offers to choose (the server decides from the bytes all the same).
const DOCUMENT_ACCEPT: &str = ".pdf,.jpg,.jpeg,.png,.webp,.doc,.docx,.xls,.xlsx,.odt,.ods";

#[derive(Template)]
#[template(path = "coordination/agreement.html")]
struct AgreementPage {
    l: Layout,
    id: Uuid,
    documents: Vec<DocumentRow>,
    may_upload: bool,
    upload: DocumentRetry,
    limit: String,
    accept: &'static str,
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

#[allow(clippy::too_many_arguments)]
async fn agreement_page(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    reason: String,
    errors: FieldErrors,
    alert: Option<String>,
    upload: DocumentRetry,
) -> Result<AgreementPage, PageError> {
    let tr = auth.ctx.tr;
    let (view, documents) = agreement_documents::of_agreement(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let names = names(state, tr).await?;
    let people = super::attachments::names(state, tr, documents.iter().filter_map(|d| d.uploaded_by)).await?;
    let documents = documents
        .iter()
        .enumerate()
        .map(|(i, d)| DocumentRow {
            id: d.id,
            file_name: d.file_name.clone(),
            file_type: tr.t(&d.file_type.label_key()),
            size: human_size(d.size_bytes.max(0) as u64, tr.locale),
            added: tr.t_with(
                "attachment-added-by",
                [
                    ("date", tr.datetime(&d.created_at)),
                    ("name", d.uploaded_by.and_then(|u| people.get(&u).cloned()).unwrap_or_else(|| "—".into())),
                ],
            ),
            description: d.description.clone(),
            current: i == 0,
        })
        .collect();
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
        documents,
        may_upload: agreement_documents::may_upload(&view),
        upload,
        limit: human_size(MAX_ATTACHMENT_BYTES as u64, tr.locale),
        accept: DOCUMENT_ACCEPT,
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
    render(agreement_page(&state, &auth, id, String::new(), FieldErrors::new(), None, DocumentRetry::default()).await?)
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
            let page = agreement_page(&state, &auth, id, form.reason, errors, alert, DocumentRetry::default());
            render_status(status, page.await?)
        }
    }
}

/// Uploads a new version of the signed document; refused, the page comes back with the reason
/// next to the field.
pub async fn upload_agreement_document(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    request: Request,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let upload = match read_upload(request, &state).await {
        Ok(upload) => upload,
        Err((status, e)) => {
            tracing::warn!(error = %e, "unreadable upload form");
            return Err(PageError::Status(status, tr));
        }
    };
    let rejection = match Rejection::of(agreement_documents::add(&state.app, &auth.actor, id, &upload).await, tr)? {
        Ok(_) => return Ok(Redirect::to(&format!("/agreements/{id}?msg=agreement-document-added")).into_response()),
        Err(rejection) => rejection,
    };
    let status = rejection.status();
    let mut retry = DocumentRetry { description: upload.description.clone(), file_error: None };
    let (errors, alert) = match rejection {
        Rejection::Invalid(errors) => {
            retry.file_error = errors.for_field("file").map(|key| file_message(tr, key, upload.content.len(), None));
            (errors, None)
        }
        other => other.messages(tr, "coordination-stale"),
    };
    let page = agreement_page(&state, &auth, id, String::new(), errors, alert, retry);
    render_status(status, page.await?)
}

/// Sends a version of the signed document to someone who may see the agreement.
pub async fn download_agreement_document(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, document_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, PageError> {
    let file = agreement_documents::download(&state.app, &auth.actor, id, document_id).await.in_locale(auth.ctx.tr)?;
    Ok(stored_file_response(&file.document.file_name, file.document.file_type, file.content))
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
    action: String,
    version: Option<i64>,
    cancel: String,
    topics: Vec<Choice>,
    form: TrainingInput,
    errors: FieldErrors,
    alert: Option<String>,
}

/// The training form: a new one (`edited` none) or the one of training `edited` read at `version`.
fn training_form_page(
    auth: &Auth,
    edited: Option<(Uuid, i64)>,
    form: TrainingInput,
    errors: FieldErrors,
    alert: Option<String>,
) -> TrainingFormPage {
    let tr = auth.ctx.tr;
    let (title, action) = match edited {
        Some((id, _)) => (tr.t_with("training-edit", &[("title", form.title.clone())]), format!("/trainings/{id}")),
        None => (tr.t("training-new"), "/trainings".to_string()),
    };
    TrainingFormPage {
        l: Layout::new(&auth.ctx, title),
        cancel: if edited.is_some() { action.clone() } else { "/trainings".into() },
        action,
        version: edited.map(|(_, v)| v),
        topics: choices(tr, &TrainingTopic::ALL, TrainingTopic::code, TrainingTopic::label_key, &[&form.topic]),
        form,
        errors,
        alert,
    }
}

pub async fn new_training(auth: Auth) -> Result<Response, PageError> {
    require_read(&auth)?;
    if !c::may_record(&auth.actor) {
        return Err(forbidden(&auth));
    }
    render(training_form_page(&auth, None, TrainingInput::default(), FieldErrors::new(), None))
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
            render_status(StatusCode::UNPROCESSABLE_ENTITY, training_form_page(&auth, None, form, errors, None))
        }
        Err(e) => Err(PageError::App(e, tr)),
    }
}

pub async fn edit_training(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let view = c::training(&state.app, &auth.actor, id).await.in_locale(auth.ctx.tr)?;
    if !view.may_change {
        return Err(forbidden(&auth));
    }
    let t = &view.training;
    render(training_form_page(&auth, Some((id, t.version)), c::training_input(t), FieldErrors::new(), None))
}

pub async fn update_training(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let form: TrainingInput = serde_html_form::from_bytes(&body).map_err(bad_form(tr))?;
    let VersionField { version } = serde_html_form::from_bytes(&body).map_err(bad_form(tr))?;
    match Rejection::of(c::update_training(&state.app, &auth.actor, id, version, &form).await, tr)? {
        Ok(_) => Ok(Redirect::to(&format!("/trainings/{id}?msg=saved")).into_response()),
        Err(rejection) => {
            let status = rejection.status();
            let (errors, alert) = rejection.messages(tr, "coordination-stale");
            render_status(status, training_form_page(&auth, Some((id, version)), form, errors, alert))
        }
    }
}

#[derive(Template)]
#[template(path = "coordination/participant_form.html")]
struct ParticipantFormPage {
    l: Layout,
    training_id: Uuid,
    participant_id: Uuid,
    version: i64,
    sexes: Vec<Choice>,
    organisations: Vec<Choice>,
    form: ParticipantInput,
    errors: FieldErrors,
    alert: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn participant_form_page(
    state: &AppState,
    auth: &Auth,
    training_id: Uuid,
    participant_id: Uuid,
    version: i64,
    form: ParticipantInput,
    errors: FieldErrors,
    alert: Option<String>,
) -> Result<ParticipantFormPage, PageError> {
    let tr = auth.ctx.tr;
    let names = names(state, tr).await?;
    Ok(ParticipantFormPage {
        l: Layout::new(&auth.ctx, tr.t_with("training-participant-edit", &[("name", form.name.clone())])),
        training_id,
        participant_id,
        version,
        sexes: choices(tr, &ParticipantSex::ALL, ParticipantSex::code, ParticipantSex::label_key, &[&form.sex]),
        organisations: organisation_choices(&names, std::slice::from_ref(&form.organisation_id), None),
        form,
        errors,
        alert,
    })
}

pub async fn edit_participant(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, participant_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let view = c::training(&state.app, &auth.actor, id).await.in_locale(tr)?;
    if !view.may_change {
        return Err(forbidden(&auth));
    }
    let p = view.participants.iter().find(|p| p.id == participant_id).ok_or(PageError::App(AppError::NotFound, tr))?;
    let form = c::participant_input(p);
    let page = participant_form_page(&state, &auth, id, participant_id, p.version, form, FieldErrors::new(), None);
    render(page.await?)
}

pub async fn update_participant(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, participant_id)): Path<(Uuid, Uuid)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let form: ParticipantInput = serde_html_form::from_bytes(&body).map_err(bad_form(tr))?;
    let VersionField { version } = serde_html_form::from_bytes(&body).map_err(bad_form(tr))?;
    let saved = c::update_participant(&state.app, &auth.actor, id, participant_id, version, &form).await;
    match Rejection::of(saved, tr)? {
        Ok(_) => Ok(Redirect::to(&format!("/trainings/{id}?msg=saved")).into_response()),
        Err(rejection) => {
            let status = rejection.status();
            let (errors, alert) = rejection.messages(tr, "coordination-stale");
            let page = participant_form_page(&state, &auth, id, participant_id, version, form, errors, alert);
            render_status(status, page.await?)
        }
    }
}

pub async fn remove_participant(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, participant_id)): Path<(Uuid, Uuid)>,
    Form(VersionField { version }): Form<VersionField>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    c::remove_participant(&state.app, &auth.actor, id, participant_id, version).await.in_locale(tr)?;
    Ok(Redirect::to(&format!("/trainings/{id}?msg=participant-removed")).into_response())
}

struct ParticipantRow {
    id: Uuid,
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
                id: p.id,
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

/// One row of the practice form's linked interventions.
struct LinkRow {
    index: usize,
    interventions: Vec<Choice>,
    results: String,
}

/// Blank rows offered below the linked interventions, to link more.
const BLANK_LINK_ROWS: usize = 2;

/// The linked interventions as the form sends them: two lists of the same length, row by row.
#[derive(Deserialize, Default)]
struct LinkFields {
    #[serde(default)]
    link_intervention: Vec<String>,
    #[serde(default)]
    link_results: Vec<String>,
}

/// A practice form as sent: its fields and its rows of linked interventions.
fn practice_form(body: &Bytes, tr: Tr) -> Result<PracticeInput, PageError> {
    let mut form: PracticeInput = serde_html_form::from_bytes(body).map_err(bad_form(tr))?;
    let links: LinkFields = serde_html_form::from_bytes(body).map_err(bad_form(tr))?;
    let mut results = links.link_results.into_iter();
    form.interventions = links
        .link_intervention
        .into_iter()
        .map(|intervention_id| PracticeLinkInput { intervention_id, results: results.next().unwrap_or_default() })
        .collect();
    Ok(form)
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
    links: Vec<LinkRow>,
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
    let visible = cnrm_app::interventions::visible_to(&state.app, &auth.actor).await.in_locale(tr)?;
    let blank = PracticeLinkInput::default();
    let links = form
        .interventions
        .iter()
        .chain(std::iter::repeat_n(&blank, BLANK_LINK_ROWS))
        .enumerate()
        .map(|(index, link)| LinkRow {
            index,
            interventions: visible
                .iter()
                .map(|i| Choice {
                    code: i.id.to_string(),
                    label: format!("{} ({})", i.title, show_date(tr, i.start_on)),
                    selected: i.id.to_string() == link.intervention_id.trim(),
                })
                .collect(),
            results: link.results.clone(),
        })
        .collect();
    Ok(PracticeFormPage {
        links,
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

pub async fn create_practice(State(state): State<AppState>, auth: Auth, body: Bytes) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let form = practice_form(&body, tr)?;
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
    let form = practice_form(&body, tr)?;
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

/// A linked intervention on the practice page, with its figures.
struct LinkedRow {
    id: Uuid,
    title: String,
    organisation: String,
    results: String,
    targeted: i64,
    reached: i64,
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
    linked: Vec<LinkedRow>,
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
        linked: view
            .linked
            .iter()
            .map(|l| LinkedRow {
                id: l.intervention_id,
                title: l.title.clone(),
                organisation: organisation_label(&names, l.organisation_id),
                results: l.results.clone(),
                targeted: l.targeted,
                reached: l.reached,
            })
            .collect(),
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
