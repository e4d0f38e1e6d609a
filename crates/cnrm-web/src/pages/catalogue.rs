//! The service catalogue: search by need and place (published services for every reader, one's
//! organisation's drafts too, everything for the secretariat with its queue of submitted entries),
//! a service with its published version and the change under way, the form to describe a service,
//! submitting, and the secretariat's validation (publish or return with a comment).
//!
//! Rules live in `cnrm_app::catalogue`; these handlers parse, call and render.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cnrm_app::catalogue::{self, CatalogueQuery, ServiceView, ValidationInput};
use cnrm_app::AppError;
use cnrm_domain::lifecycle::plan::{AssistanceType, Dimension};
use cnrm_domain::paging::{PageQuery, PageRequest};
use cnrm_domain::person::{Language, ReturnType, Sex};
use cnrm_domain::service::{RevisionStatus, ServiceContent, ServiceInput};
use cnrm_domain::vulnerability::VulnerabilityFlag;
use cnrm_domain::{FieldErrors, Permission};
use cnrm_store::{AdminUnit, OrganisationName, ServiceRevision};
use serde::Deserialize;
use uuid::Uuid;

use super::cases::{choices, organisation_label, unit_name, xof, Choice, Fact};
use super::{render, render_status, Layout, ListView, Rejection};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::i18n::Tr;
use crate::AppState;

/// Statuses a list may be filtered by (superseded revisions are never listed).
const STATUSES: [RevisionStatus; 4] =
    [RevisionStatus::Published, RevisionStatus::Submitted, RevisionStatus::Returned, RevisionStatus::Draft];

/// A region with its cercles, several of which may be chosen.
pub struct UnitChoices {
    pub name: String,
    pub region: Choice,
    pub cercles: Vec<Choice>,
}

fn unit_choices(tr: Tr, units: &[AdminUnit], chosen: &[String]) -> Vec<UnitChoices> {
    let choice = |u: &AdminUnit, label: String| Choice {
        code: u.pcode.clone(),
        label,
        selected: chosen.iter().any(|c| c.trim() == u.pcode),
    };
    units
        .iter()
        .filter(|u| u.current && u.level == 1)
        .map(|region| UnitChoices {
            name: region.name.clone(),
            region: choice(region, tr.t_with("unit-whole-region", &[("name", region.name.clone())])),
            cercles: units
                .iter()
                .filter(|u| u.current && u.parent_pcode.as_deref() == Some(region.pcode.as_str()))
                .map(|u| choice(u, u.name.clone()))
                .collect(),
        })
        .collect()
}

fn may_create(auth: &Auth) -> bool {
    catalogue::may_edit(&auth.actor, auth.actor.user.organisation_id)
}

fn places(units: &[AdminUnit], codes: &[String]) -> String {
    codes.iter().map(|c| unit_name(units, Some(c))).collect::<Vec<_>>().join(", ")
}

// ---------------------------------------------------------------------------------------------
// The catalogue.

struct Row {
    service_id: Uuid,
    name: String,
    category: String,
    organisation: String,
    places: String,
    status: String,
    published: bool,
}

fn row(tr: Tr, units: &[AdminUnit], names: &[OrganisationName], r: &ServiceRevision) -> Row {
    Row {
        service_id: r.service_id,
        name: r.content.name.clone(),
        category: tr.t(&r.content.category.label_key()),
        organisation: organisation_label(names, r.organisation_id),
        places: places(units, &r.content.units),
        status: tr.t(&r.status.label_key()),
        published: r.status == RevisionStatus::Published,
    }
}

#[derive(Template)]
#[template(path = "catalogue/list.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    view: ListView,
    categories: Vec<Choice>,
    units: Vec<UnitChoices>,
    organisations: Vec<Choice>,
    statuses: Vec<Choice>,
    filtered: bool,
    may_create: bool,
    /// Submitted entries waiting for the secretariat (`None`: not a validator).
    queue: Option<Vec<Row>>,
    errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    category: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    status: String,
    page: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let request = PageRequest::from_query(&PageQuery { page: q.page, ..Default::default() }, &["name"]);
    let query = CatalogueQuery {
        category: q.category.clone(),
        unit: q.unit.clone(),
        organisation: q.organisation.clone(),
        status: q.status.clone(),
    };
    // Read once: for the place filter and for the names shown.
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let (page, errors) = match catalogue::list_among(&state.app, &auth.actor, &query, &request, &units).await {
        Ok(page) => (page, FieldErrors::new()),
        Err(AppError::Invalid(errors)) => {
            (cnrm_domain::paging::Page { items: Vec::new(), total: 0, page: 1, per_page: request.per_page }, errors)
        }
        Err(e) => return Err(PageError::App(e, tr)),
    };
    let names = state.app.db.organisation_names().await.in_locale(tr)?;
    let queue = if auth.actor.holds(Permission::CoordinationValidate) {
        let queued =
            catalogue::pending_queue(&state.app, &auth.actor, &PageRequest { per_page: 100, ..request.clone() })
                .await
                .in_locale(tr)?;
        Some(queued.items.iter().map(|r| row(tr, &units, &names, r)).collect())
    } else {
        None
    };
    let rows = page.items.iter().map(|r| row(tr, &units, &names, r)).collect();
    let mut view = ListView::new("/catalogue", &request, &page);
    view.filters = vec![
        ("category", q.category.clone()),
        ("unit", q.unit.clone()),
        ("organisation", q.organisation.clone()),
        ("status", q.status.clone()),
    ];
    let organisations = names
        .iter()
        .map(|o| Choice {
            code: o.id.to_string(),
            label: o.label(),
            selected: q.organisation.trim() == o.id.to_string(),
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_status(
        status,
        ListPage {
            l: Layout::new(&auth.ctx, tr.t("catalogue-title")),
            rows,
            view,
            categories: choices(
                tr,
                &AssistanceType::ALL,
                AssistanceType::code,
                AssistanceType::label_key,
                &[&q.category],
            ),
            units: unit_choices(tr, &units, std::slice::from_ref(&q.unit)),
            organisations,
            statuses: choices(tr, &STATUSES, RevisionStatus::code, RevisionStatus::label_key, &[&q.status]),
            filtered: [&q.category, &q.unit, &q.organisation, &q.status].iter().any(|v| !v.trim().is_empty()),
            may_create: may_create(&auth),
            queue,
            errors,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// One service.

/// One revision as shown: its facts.
struct RevisionBox {
    heading: String,
    status: String,
    facts: Vec<Fact>,
    comment: Option<String>,
}

fn yes_list(tr: Tr, items: Vec<String>) -> String {
    if items.is_empty() {
        tr.t("catalogue-anyone")
    } else {
        items.join(", ")
    }
}

fn revision_box(tr: Tr, units: &[AdminUnit], heading: String, r: &ServiceRevision) -> RevisionBox {
    let c: &ServiceContent = &r.content;
    let e = &c.eligibility;
    let fact = |key: &str, value: String| Fact { label: tr.t(key), value };
    let ages = match (e.age_min, e.age_max) {
        (None, None) => tr.t("catalogue-anyone"),
        (min, max) => tr.t_with(
            "catalogue-age-range",
            &[
                ("min", min.map_or_else(|| "0".into(), |a| a.to_string())),
                ("max", max.map_or_else(|| "—".into(), |a| a.to_string())),
            ],
        ),
    };
    let dash = |s: &str| if s.is_empty() { "—".to_string() } else { s.to_string() };
    RevisionBox {
        heading,
        status: tr.t(&r.status.label_key()),
        facts: vec![
            fact("catalogue-field-name", c.name.clone()),
            fact("catalogue-field-category", tr.t(&c.category.label_key())),
            fact("catalogue-field-dimension", tr.t(&c.dimension.label_key())),
            fact("catalogue-field-description", dash(&c.description)),
            fact("catalogue-field-units", places(units, &c.units)),
            fact("catalogue-field-sexes", yes_list(tr, e.sexes.iter().map(|s| tr.t(&s.label_key())).collect())),
            fact("catalogue-field-ages", ages),
            fact(
                "catalogue-field-vulnerabilities",
                yes_list(tr, e.vulnerabilities.iter().map(|s| tr.t(&s.label_key())).collect()),
            ),
            fact(
                "catalogue-field-return-types",
                yes_list(tr, e.return_types.iter().map(|s| tr.t(&s.label_key())).collect()),
            ),
            fact(
                "catalogue-field-capacity",
                c.capacity_per_month.map_or_else(|| tr.t("catalogue-capacity-open"), |n| n.to_string()),
            ),
            fact("catalogue-field-cost", if c.cost_xof == 0 { tr.t("catalogue-free") } else { xof(tr, c.cost_xof) }),
            fact("catalogue-field-contact-name", c.contact_name.clone()),
            fact("catalogue-field-contact-phone", dash(&c.contact_phone)),
            fact("catalogue-field-contact-email", dash(&c.contact_email)),
            fact("catalogue-field-languages", yes_list(tr, c.languages.iter().map(|s| tr.t(&s.label_key())).collect())),
            fact("catalogue-field-opening-hours", dash(&c.opening_hours)),
        ],
        comment: r.review_comment.clone().filter(|_| r.status != RevisionStatus::Published),
    }
}

#[derive(Template)]
#[template(path = "catalogue/show.html")]
struct ShowPage {
    l: Layout,
    id: Uuid,
    name: String,
    organisation: String,
    version: i64,
    /// The revision under way (when the reader sees it), then the published one.
    boxes: Vec<RevisionBox>,
    may_edit: bool,
    may_submit: bool,
    may_validate: bool,
    /// Whether an edit is possible now (not while the secretariat reviews it).
    editable: bool,
    comment: String,
    errors: FieldErrors,
    alert: Option<String>,
}

#[derive(Default)]
struct Retry {
    comment: String,
    errors: FieldErrors,
    alert: Option<String>,
}

async fn show_page(state: &AppState, auth: &Auth, id: Uuid, retry: Retry) -> Result<ShowPage, PageError> {
    let tr = auth.ctx.tr;
    let view = catalogue::get(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let names = state.app.db.organisation_names().await.in_locale(tr)?;
    let s = &view.service;
    Ok(ShowPage {
        l: Layout::new(&auth.ctx, view.current().content.name.clone()),
        id: s.id,
        name: view.current().content.name.clone(),
        organisation: organisation_label(&names, s.organisation_id),
        version: s.version,
        boxes: [
            s.pending.as_ref().map(|r| revision_box(tr, &units, tr.t("catalogue-pending-version"), r)),
            s.published.as_ref().map(|r| revision_box(tr, &units, tr.t("catalogue-published-version"), r)),
        ]
        .into_iter()
        .flatten()
        .collect(),
        editable: view.may_edit && s.pending.as_ref().is_none_or(|p| p.status != RevisionStatus::Submitted),
        may_edit: view.may_edit,
        may_submit: view.may_submit,
        may_validate: view.may_validate,
        comment: retry.comment,
        errors: retry.errors,
        alert: retry.alert,
    })
}

pub async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    render(show_page(&state, &auth, id, Retry::default()).await?)
}

async fn after_action<T>(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    result: Result<T, AppError>,
    retry: Retry,
) -> Result<Response, PageError> {
    let rejection = match Rejection::of(result, auth.ctx.tr)? {
        Ok(_) => return Ok(Redirect::to(&format!("/catalogue/{id}?msg=saved")).into_response()),
        Err(rejection) => rejection,
    };
    let status = rejection.status();
    let (errors, alert) = rejection.messages(auth.ctx.tr, "catalogue-stale");
    render_status(status, show_page(state, auth, id, Retry { errors, alert, ..retry }).await?)
}

#[derive(Debug, Default, Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    version: i64,
}

pub async fn submit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    crate::forms::Form(form): crate::forms::Form<VersionForm>,
) -> Result<Response, PageError> {
    let result = catalogue::submit(&state.app, &auth.actor, id, form.version).await;
    after_action(&state, &auth, id, result, Retry::default()).await
}

#[derive(Debug, Default, Deserialize)]
pub struct ValidationForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

pub async fn validate(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    crate::forms::Form(form): crate::forms::Form<ValidationForm>,
) -> Result<Response, PageError> {
    let input = ValidationInput { decision: form.decision, comment: form.comment };
    let result = catalogue::validate(&state.app, &auth.actor, id, form.version, &input).await;
    after_action(&state, &auth, id, result, Retry { comment: input.comment, ..Default::default() }).await
}

// ---------------------------------------------------------------------------------------------
// Describing a service.

#[derive(Template)]
#[template(path = "catalogue/form.html")]
struct FormPage {
    l: Layout,
    action: String,
    version: Option<i64>,
    cancel: String,
    form: ServiceInput,
    /// For those writing for several organisations (the secretariat), when creating.
    organisations: Option<Vec<Choice>>,
    categories: Vec<Choice>,
    dimensions: Vec<Choice>,
    units: Vec<UnitChoices>,
    sexes: Vec<Choice>,
    vulnerabilities: Vec<Choice>,
    return_types: Vec<Choice>,
    languages: Vec<Choice>,
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
    form: ServiceInput,
    organisation: Option<String>,
    errors: FieldErrors,
    alert: Option<String>,
) -> Result<FormPage, PageError> {
    let tr = auth.ctx.tr;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let organisations = match organisation {
        Some(chosen)
            if auth.actor.user.role.scope_of(Permission::CoordinationManage) == Some(cnrm_domain::Scope::All) =>
        {
            let chosen = if chosen.is_empty() { auth.actor.user.organisation_id.to_string() } else { chosen };
            Some(
                state
                    .app
                    .db
                    .organisation_names()
                    .await
                    .in_locale(tr)?
                    .iter()
                    .map(|o| Choice { code: o.id.to_string(), label: o.label(), selected: chosen == o.id.to_string() })
                    .collect(),
            )
        }
        _ => None,
    };
    Ok(FormPage {
        l: Layout::new(&auth.ctx, parts.title),
        action: parts.action,
        version: parts.version,
        cancel: parts.cancel,
        organisations,
        categories: choices(
            tr,
            &AssistanceType::ALL,
            AssistanceType::code,
            AssistanceType::label_key,
            &[&form.category],
        ),
        dimensions: choices(tr, &Dimension::ALL, Dimension::code, Dimension::label_key, &[&form.dimension]),
        units: unit_choices(tr, &units, &form.units),
        sexes: choices(tr, &Sex::ALL[..3], Sex::code, Sex::label_key, &form.sexes),
        vulnerabilities: choices(
            tr,
            &VulnerabilityFlag::ALL,
            VulnerabilityFlag::code,
            VulnerabilityFlag::label_key,
            &form.vulnerabilities,
        ),
        return_types: choices(tr, &ReturnType::ALL, ReturnType::code, ReturnType::label_key, &form.return_types),
        languages: choices(tr, &Language::ALL, Language::code, Language::label_key, &form.languages),
        form,
        errors,
        alert,
    })
}

fn new_parts(tr: Tr) -> FormParts {
    FormParts { title: tr.t("catalogue-new"), action: "/catalogue".into(), version: None, cancel: "/catalogue".into() }
}

pub async fn new_form(State(state): State<AppState>, auth: Auth) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    if !auth.actor.holds(Permission::CoordinationRead) || !may_create(&auth) {
        return Err(PageError::App(AppError::Forbidden, tr));
    }
    let form = ServiceInput { cost_xof: "0".into(), ..Default::default() };
    render(form_page(&state, &auth, new_parts(tr), form, Some(String::new()), FieldErrors::new(), None).await?)
}

#[derive(Deserialize)]
struct OrganisationField {
    #[serde(default)]
    organisation_id: String,
}

pub async fn create(State(state): State<AppState>, auth: Auth, body: Bytes) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let bad = |_| PageError::App(AppError::Invalid(FieldErrors::new()), tr);
    let form: ServiceInput = serde_html_form::from_bytes(&body).map_err(bad)?;
    let OrganisationField { organisation_id } = serde_html_form::from_bytes(&body).map_err(bad)?;
    let organisation = match organisation_id.trim() {
        "" => Ok(None),
        raw => Uuid::parse_str(raw).map(Some),
    };
    let result = match organisation {
        Ok(organisation) => catalogue::create(&state.app, &auth.actor, organisation, &form).await,
        Err(_) => Err(AppError::invalid("organisation_id", "error-choose-organisation")),
    };
    match result {
        Ok(service) => Ok(Redirect::to(&format!("/catalogue/{}?msg=created", service.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let page = form_page(&state, &auth, new_parts(tr), form, Some(organisation_id), errors, None).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
        Err(e) => Err(PageError::App(e, tr)),
    }
}

fn edit_parts(tr: Tr, view: &ServiceView, version: i64) -> FormParts {
    FormParts {
        title: tr.t_with("catalogue-edit", &[("name", view.current().content.name.clone())]),
        action: format!("/catalogue/{}", view.service.id),
        version: Some(version),
        cancel: format!("/catalogue/{}", view.service.id),
    }
}

pub async fn edit_form(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let view = catalogue::get(&state.app, &auth.actor, id).await.in_locale(tr)?;
    if !view.may_edit {
        return Err(PageError::App(AppError::Forbidden, tr));
    }
    let parts = edit_parts(tr, &view, view.service.version);
    let form = ServiceInput::of(&view.current().content);
    render(form_page(&state, &auth, parts, form, None, FieldErrors::new(), None).await?)
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let bad = |_| PageError::App(AppError::Invalid(FieldErrors::new()), tr);
    let form: ServiceInput = serde_html_form::from_bytes(&body).map_err(bad)?;
    let VersionForm { version } = serde_html_form::from_bytes(&body).map_err(bad)?;
    let rejection = match Rejection::of(catalogue::update(&state.app, &auth.actor, id, version, &form).await, tr)? {
        Ok(_) => return Ok(Redirect::to(&format!("/catalogue/{id}?msg=saved")).into_response()),
        Err(rejection) => rejection,
    };
    let status = rejection.status();
    let (errors, alert) = rejection.messages(tr, "catalogue-stale");
    let view = catalogue::get(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let parts = edit_parts(tr, &view, version);
    render_status(status, form_page(&state, &auth, parts, form, None, errors, alert).await?)
}

// ---------------------------------------------------------------------------------------------
// The referral form on the case page.

/// The destinations the referral form offers for the need chosen: the organisations the catalogue
/// lists for it at the returnee's place, or (`note` set) all of them when it lists none.
pub struct ReferralDestinations {
    pub organisations: Vec<Choice>,
    pub note: Option<String>,
}

/// Narrows the organisations a referral form offers to those the catalogue lists for `service` (the
/// need chosen) where the returnee lives; `offered` are all the organisations the form would offer.
pub(super) async fn referral_destinations(
    state: &AppState,
    auth: &Auth,
    case_id: Uuid,
    service: Option<AssistanceType>,
    offered: Vec<Choice>,
) -> Result<ReferralDestinations, PageError> {
    let tr = auth.ctx.tr;
    let Some(service) = service else {
        return Ok(ReferralDestinations { organisations: offered, note: None });
    };
    if !auth.actor.holds(Permission::CoordinationRead) {
        return Ok(ReferralDestinations { organisations: offered, note: None });
    }
    let found = catalogue::destinations(&state.app, &auth.actor, case_id, service).await.in_locale(tr)?;
    let matching: Vec<Choice> = offered
        .iter()
        .filter_map(|c| {
            let (_, services) = found.organisations.iter().find(|(id, _)| id.to_string() == c.code)?;
            Some(Choice {
                code: c.code.clone(),
                label: format!("{} — {}", c.label, services.join(", ")),
                selected: c.selected,
            })
        })
        .collect();
    let service_name = tr.t(&service.label_key());
    if matching.is_empty() {
        let note = tr.t_with("catalogue-referral-none", &[("service", service_name)]);
        Ok(ReferralDestinations { organisations: offered, note: Some(note) })
    } else {
        let note = tr.t_with("catalogue-referral-matching", &[("service", service_name)]);
        Ok(ReferralDestinations { organisations: matching, note: Some(note) })
    }
}
