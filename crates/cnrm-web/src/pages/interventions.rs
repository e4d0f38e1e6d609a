//! Interventions (4W): the table with its filters and exports (CSV, XLSX with HXL hashtags), an
//! intervention with its reports per quarter and the report form, the form to record or edit one,
//! and the secretariat's page to validate, lock and unlock quarters.
//!
//! Rules live in `cnrm_app::interventions`; these handlers parse, call and render.

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cnrm_app::interventions::{self, ExportTable, ExportValue, InterventionQuery, InterventionView};
use cnrm_app::AppError;
use cnrm_domain::intervention::{
    format_minor, format_rate, Currency, Disaggregation, InterventionInput, InterventionSector, InterventionStatus,
    Period, PeriodAction, ReportInput, TargetGroup, AGE_GROUPS,
};
use cnrm_domain::lifecycle::plan::{AssistanceLevel, AssistanceType, Dimension};
use cnrm_domain::FieldErrors;
use cnrm_store::{AdminUnit, Intervention, OrganisationName};
use serde::Deserialize;
use uuid::Uuid;

use super::cases::{choices, show_date, xof, Choice, Fact};
use super::{render, render_status, Layout, ListView, Rejection};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::forms::Form;
use crate::i18n::Tr;
use crate::AppState;

/// `0_17` → `0–17`, `60_plus` → `60+`.
fn age_label(age: &str) -> String {
    age.replace("_plus", "+").replace('_', "–")
}

/// The label of one count by sex and age group (`Femmes 18–24`).
fn cell_label(tr: Tr, sex: &str, age: &str) -> String {
    tr.t_with("intervention-cell", &[("sex", tr.t(&format!("intervention-sex-{sex}"))), ("age", age_label(age))])
}

/// Regions and cercles for a multiple select, those in `chosen` marked.
pub struct UnitOption {
    pub code: String,
    pub label: String,
    pub selected: bool,
    pub cercle: bool,
}

fn unit_options(units: &[AdminUnit], chosen: &[String]) -> Vec<UnitOption> {
    let mut options = Vec::new();
    for region in units.iter().filter(|u| u.current && u.level == 1) {
        options.push(UnitOption {
            code: region.pcode.clone(),
            label: region.name.clone(),
            selected: chosen.contains(&region.pcode),
            cercle: false,
        });
        for cercle in units.iter().filter(|u| u.current && u.parent_pcode.as_deref() == Some(region.pcode.as_str())) {
            options.push(UnitOption {
                code: cercle.pcode.clone(),
                label: format!("{} — {}", region.name, cercle.name),
                selected: chosen.contains(&cercle.pcode),
                cercle: true,
            });
        }
    }
    options
}

fn unit_names(units: &[AdminUnit], codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| units.iter().find(|u| &u.pcode == c).map_or_else(|| c.clone(), |u| u.name.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn org_label(names: &[OrganisationName], id: Uuid) -> String {
    names
        .iter()
        .find(|o| o.id == id)
        .map_or_else(|| id.to_string(), |o| if o.acronym.is_empty() { o.name.clone() } else { o.acronym.clone() })
}

fn org_choices(names: &[OrganisationName], chosen: &[String]) -> Vec<Choice> {
    names
        .iter()
        .map(|o| Choice {
            code: o.id.to_string(),
            label: if o.acronym.is_empty() { o.name.clone() } else { format!("{} ({})", o.name, o.acronym) },
            selected: chosen.iter().any(|c| c.trim() == o.id.to_string()),
        })
        .collect()
}

/// The quarters a filter or a report may name: the current one and the seven before it.
fn recent_quarters() -> Vec<Period> {
    let mut p = Period::containing(time::OffsetDateTime::now_utc().date());
    let mut quarters = Vec::new();
    for _ in 0..8 {
        quarters.push(p);
        p = p.previous();
    }
    quarters
}

fn period_choices(periods: &[Period], chosen: &str) -> Vec<Choice> {
    let chosen = Period::parse(chosen).map(Period::code).unwrap_or_default();
    periods.iter().map(|p| Choice { code: p.code(), label: p.code(), selected: p.code() == chosen }).collect()
}

// ---------------------------------------------------------------------------------------------
// The 4W table.

struct Row {
    id: Uuid,
    title: String,
    organisation: String,
    category: String,
    units: String,
    dates: String,
    status: String,
    targeted: i64,
    reached: i64,
    budget: String,
    published: bool,
}

#[derive(Template)]
#[template(path = "interventions/list.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    view: ListView,
    organisations: Vec<Choice>,
    units: Vec<UnitOption>,
    categories: Vec<Choice>,
    statuses: Vec<Choice>,
    periods: Vec<Choice>,
    filtered: bool,
    may_create: bool,
    may_validate: bool,
    /// The filters as a query string, for the export links.
    export_query: String,
    /// The filter never refuses, but shares the form macros.
    errors: FieldErrors,
}

fn filters_of(q: &InterventionQuery) -> Vec<(&'static str, String)> {
    vec![
        ("organisation", q.organisation.trim().to_string()),
        ("unit", q.unit.trim().to_string()),
        ("category", q.category.trim().to_string()),
        ("status", q.status.trim().to_string()),
        ("period", q.period.trim().to_string()),
    ]
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<InterventionQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let page = interventions::list(&state.app, &auth.actor, &q).await.in_locale(tr)?;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let names = state.app.db.organisation_names().await.in_locale(tr)?;
    let rows = page
        .items
        .iter()
        .map(|s| {
            let i = &s.intervention;
            Row {
                id: i.id,
                title: i.title.clone(),
                organisation: org_label(&names, i.organisation_id),
                category: tr.t(&i.category.label_key()),
                units: unit_names(&units, &i.units),
                dates: format!("{} – {}", show_date(tr, i.start_on), show_date(tr, i.end_on)),
                status: tr.t(&i.status.label_key()),
                targeted: i.targeted.total(),
                reached: s.reached.total(),
                budget: xof(tr, i.budget_xof),
                published: i.published,
            }
        })
        .collect();
    let filters = filters_of(&q);
    let export_query = {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in filters.iter().filter(|(_, v)| !v.is_empty()) {
            query.append_pair(key, value);
        }
        query.finish()
    };
    let request = q.request();
    let view = ListView { filters: filters.clone(), ..ListView::new("/interventions", &request, &page) };
    render(ListPage {
        l: Layout::new(&auth.ctx, tr.t("intervention-list-title")),
        rows,
        view,
        organisations: org_choices(&names, std::slice::from_ref(&q.organisation)),
        units: unit_options(&units, std::slice::from_ref(&q.unit.trim().to_string())),
        categories: choices(tr, &AssistanceType::ALL, AssistanceType::code, AssistanceType::label_key, &[&q.category]),
        statuses: choices(
            tr,
            &InterventionStatus::ALL,
            InterventionStatus::code,
            InterventionStatus::label_key,
            &[&q.status],
        ),
        periods: period_choices(&recent_quarters(), &q.period),
        filtered: filters.iter().any(|(_, v)| !v.is_empty()),
        may_create: interventions::may_create(&auth.actor),
        may_validate: interventions::may_validate(&auth.actor),
        export_query,
        errors: FieldErrors::new(),
    })
}

// ---------------------------------------------------------------------------------------------
// Exports.

/// The table with its headers in the reader's language and its HXL hashtags.
pub fn export_table(tr: Tr, table: ExportTable) -> cnrm_export::Table {
    cnrm_export::Table {
        headers: table
            .columns
            .iter()
            .map(|c| match (c.sex, c.age) {
                (Some(sex), Some(age)) => {
                    tr.t_with(c.key, &[("sex", tr.t(&format!("intervention-sex-{sex}"))), ("age", age_label(age))])
                }
                _ => tr.t(c.key),
            })
            .collect(),
        hxl: Some(table.columns.iter().map(|c| c.hxl.clone()).collect()),
        rows: table
            .rows
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|v| match v {
                        ExportValue::Text(t) => cnrm_export::Cell::Text(t),
                        ExportValue::Number(n) => cnrm_export::Cell::Number(n),
                    })
                    .collect()
            })
            .collect(),
    }
}

/// A file to download.
pub fn download(bytes: Vec<u8>, mime: &'static str, filename: &str) -> Response {
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

pub const CSV_MIME: &str = "text/csv; charset=utf-8";
pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn export_failed(tr: Tr) -> impl Fn(cnrm_export::ExportError) -> PageError {
    move |e| {
        tracing::error!(error = %e, "export failed");
        PageError::Internal(tr)
    }
}

pub async fn export_csv(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<InterventionQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let table = interventions::export(&state.app, &auth.actor, &q).await.in_locale(tr)?;
    let bytes = cnrm_export::to_csv(&export_table(tr, table)).map_err(export_failed(tr))?;
    Ok(download(bytes, CSV_MIME, "cnrm-4w.csv"))
}

pub async fn export_xlsx(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<InterventionQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let table = interventions::export(&state.app, &auth.actor, &q).await.in_locale(tr)?;
    let bytes = cnrm_export::to_xlsx(&export_table(tr, table), "4W").map_err(export_failed(tr))?;
    Ok(download(bytes, XLSX_MIME, "cnrm-4w.xlsx"))
}

// ---------------------------------------------------------------------------------------------
// One intervention.

/// One count field of a form.
struct CellField {
    name: &'static str,
    label: String,
    value: String,
}

/// Figures by sex and age group for a table: one row per sex.
struct GridRow {
    label: String,
    cells: Vec<i64>,
    total: i64,
}

fn grid(tr: Tr, d: &Disaggregation) -> Vec<GridRow> {
    let c = d.cells();
    vec![
        GridRow { label: tr.t("intervention-sex-f"), cells: c[..4].to_vec(), total: d.female() },
        GridRow { label: tr.t("intervention-sex-m"), cells: c[4..].to_vec(), total: d.male() },
    ]
}

struct ReportRow {
    period: String,
    status: String,
    reached: i64,
    spent: String,
    narrative: String,
    explanation: String,
    locked: bool,
}

#[derive(Template)]
#[template(path = "interventions/show.html")]
struct ShowPage {
    l: Layout,
    id: Uuid,
    title: String,
    status: String,
    published: bool,
    facts: Vec<Fact>,
    ages: Vec<String>,
    targeted: Vec<GridRow>,
    targeted_total: i64,
    reached: Vec<GridRow>,
    reached_total: i64,
    reports: Vec<ReportRow>,
    may_change: bool,
    periods: Vec<Choice>,
    cells: Vec<CellField>,
    report: ReportInput,
    errors: FieldErrors,
    alert: Option<String>,
}

async fn show_page(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    report: ReportInput,
    errors: FieldErrors,
    alert: Option<String>,
) -> Result<ShowPage, PageError> {
    let tr = auth.ctx.tr;
    let InterventionView { intervention: i, reports, reached, spent_xof, may_change } =
        interventions::get(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let names = state.app.db.organisation_names().await.in_locale(tr)?;
    let fact = |key: &str, value: String| Fact { label: tr.t(key), value };
    let or_dash = |s: String| if s.is_empty() { "—".to_string() } else { s };
    let budget = match i.currency {
        Currency::Xof => xof(tr, i.budget_xof),
        other => format!(
            "{} {} × {} = {}",
            format_minor(i.budget_minor, other),
            other.code(),
            format_rate(i.rate_micro),
            xof(tr, i.budget_xof)
        ),
    };
    let facts = vec![
        fact("intervention-field-organisation", org_label(&names, i.organisation_id)),
        fact(
            "intervention-field-implementers",
            i.implementers.iter().map(|o| org_label(&names, *o)).collect::<Vec<_>>().join(", "),
        ),
        fact("intervention-field-funders", or_dash(i.funders.join(", "))),
        fact("intervention-field-dimension", tr.t(&i.dimension.label_key())),
        fact("intervention-field-sector", tr.t(&i.sector.label_key())),
        fact("intervention-field-category", tr.t(&i.category.label_key())),
        fact("intervention-field-level", tr.t(&i.level.label_key())),
        fact("intervention-field-target-group", tr.t(&i.target_group.label_key())),
        fact("intervention-field-units", unit_names(&units, &i.units)),
        fact("intervention-field-dates", format!("{} – {}", show_date(tr, i.start_on), show_date(tr, i.end_on))),
        fact("intervention-field-budget", budget),
        fact("intervention-field-spent", xof(tr, spent_xof)),
        fact("intervention-field-description", or_dash(i.description.clone())),
    ];
    let today = time::OffsetDateTime::now_utc().date();
    let quarters: Vec<Period> =
        recent_quarters().into_iter().filter(|p| p.overlaps(i.start_on, i.end_on) && p.first_day() <= today).collect();
    let raw = report.reached_raw();
    let cells = Disaggregation::CELLS
        .iter()
        .zip(raw)
        .zip([
            "reached_f_0_17",
            "reached_f_18_24",
            "reached_f_25_59",
            "reached_f_60_plus",
            "reached_m_0_17",
            "reached_m_18_24",
            "reached_m_25_59",
            "reached_m_60_plus",
        ])
        .map(|((cell, value), name)| {
            let (sex, age) = cell.split_once('_').unwrap_or(("f", "0_17"));
            CellField { name, label: cell_label(tr, sex, age), value: value.to_string() }
        })
        .collect();
    Ok(ShowPage {
        l: Layout::new(&auth.ctx, i.title.clone()),
        id: i.id,
        title: i.title.clone(),
        status: tr.t(&i.status.label_key()),
        published: i.published,
        facts,
        ages: AGE_GROUPS.iter().map(|a| age_label(a)).collect(),
        targeted: grid(tr, &i.targeted),
        targeted_total: i.targeted.total(),
        reached: grid(tr, &reached),
        reached_total: reached.total(),
        reports: reports
            .iter()
            .map(|r| ReportRow {
                period: r.report.period.clone(),
                status: tr.t(&r.period_status.label_key()),
                reached: r.report.reached.total(),
                spent: xof(tr, r.report.spent_xof),
                narrative: r.report.narrative.clone(),
                explanation: r.report.explanation.clone().unwrap_or_default(),
                locked: r.period_status == cnrm_domain::intervention::PeriodStatus::Locked,
            })
            .collect(),
        may_change,
        periods: period_choices(&quarters, &report.period),
        cells,
        report,
        errors,
        alert,
    })
}

pub async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    render(show_page(&state, &auth, id, ReportInput::default(), FieldErrors::new(), None).await?)
}

#[derive(Deserialize, Default)]
struct OptionalVersion {
    #[serde(default)]
    version: Option<i64>,
}

pub async fn save_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let bad = |_| PageError::App(AppError::Invalid(FieldErrors::new()), tr);
    let form: ReportInput = serde_html_form::from_bytes(&body).map_err(bad)?;
    let OptionalVersion { version } = serde_html_form::from_bytes(&body).unwrap_or_default();
    let result = interventions::save_report(&state.app, &auth.actor, id, &form, version).await;
    let rejection = match Rejection::of(result, tr)? {
        Ok(_) => return Ok(Redirect::to(&format!("/interventions/{id}?msg=saved")).into_response()),
        Err(rejection) => rejection,
    };
    let status = rejection.status();
    let (errors, alert) = rejection.messages(tr, "intervention-stale");
    render_status(status, show_page(&state, &auth, id, form, errors, alert).await?)
}

// ---------------------------------------------------------------------------------------------
// Recording and editing.

#[derive(Template)]
#[template(path = "interventions/form.html")]
struct FormPage {
    l: Layout,
    action: String,
    version: Option<i64>,
    cancel: String,
    form: InterventionInput,
    dimensions: Vec<Choice>,
    sectors: Vec<Choice>,
    categories: Vec<Choice>,
    levels: Vec<Choice>,
    target_groups: Vec<Choice>,
    statuses: Vec<Choice>,
    currencies: Vec<Choice>,
    units: Vec<UnitOption>,
    organisations: Vec<Choice>,
    cells: Vec<CellField>,
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
    form: InterventionInput,
    errors: FieldErrors,
    alert: Option<String>,
) -> Result<FormPage, PageError> {
    let tr = auth.ctx.tr;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let names = state.app.db.organisation_names().await.in_locale(tr)?;
    let names_of = [
        "targeted_f_0_17",
        "targeted_f_18_24",
        "targeted_f_25_59",
        "targeted_f_60_plus",
        "targeted_m_0_17",
        "targeted_m_18_24",
        "targeted_m_25_59",
        "targeted_m_60_plus",
    ];
    let cells = Disaggregation::CELLS
        .iter()
        .zip(form.targeted_raw())
        .zip(names_of)
        .map(|((cell, value), name)| {
            let (sex, age) = cell.split_once('_').unwrap_or(("f", "0_17"));
            CellField { name, label: cell_label(tr, sex, age), value: value.to_string() }
        })
        .collect();
    Ok(FormPage {
        l: Layout::new(&auth.ctx, parts.title),
        action: parts.action,
        version: parts.version,
        cancel: parts.cancel,
        dimensions: choices(tr, &Dimension::ALL, Dimension::code, Dimension::label_key, &[&form.dimension]),
        sectors: choices(
            tr,
            &InterventionSector::ALL,
            InterventionSector::code,
            InterventionSector::label_key,
            &[&form.sector],
        ),
        categories: choices(
            tr,
            &AssistanceType::ALL,
            AssistanceType::code,
            AssistanceType::label_key,
            &[&form.category],
        ),
        levels: choices(tr, &AssistanceLevel::ALL, AssistanceLevel::code, AssistanceLevel::label_key, &[&form.level]),
        target_groups: choices(tr, &TargetGroup::ALL, TargetGroup::code, TargetGroup::label_key, &[&form.target_group]),
        statuses: choices(
            tr,
            &InterventionStatus::ALL,
            InterventionStatus::code,
            InterventionStatus::label_key,
            &[&form.status],
        ),
        currencies: Currency::ALL
            .iter()
            .map(|c| Choice {
                code: c.code().into(),
                label: c.code().into(),
                selected: form.currency.trim().eq_ignore_ascii_case(c.code()),
            })
            .collect(),
        units: unit_options(&units, &form.units),
        organisations: org_choices(&names, &form.implementers),
        cells,
        form,
        errors,
        alert,
    })
}

fn new_parts(tr: Tr) -> FormParts {
    FormParts {
        title: tr.t("intervention-new"),
        action: "/interventions".into(),
        version: None,
        cancel: "/interventions".into(),
    }
}

pub async fn new_form(State(state): State<AppState>, auth: Auth) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    if !interventions::may_create(&auth.actor) {
        return Err(PageError::App(AppError::Forbidden, tr));
    }
    let form = InterventionInput {
        implementers: vec![auth.actor.user.organisation_id.to_string()],
        status: "planned".into(),
        currency: "XOF".into(),
        ..Default::default()
    };
    render(form_page(&state, &auth, new_parts(tr), form, FieldErrors::new(), None).await?)
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<InterventionInput>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    match interventions::create(&state.app, &auth.actor, &form).await {
        Ok(i) => Ok(Redirect::to(&format!("/interventions/{}?msg=created", i.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let page = form_page(&state, &auth, new_parts(tr), form, errors, None).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
        Err(e) => Err(PageError::App(e, tr)),
    }
}

fn edit_parts(tr: Tr, i: &Intervention, version: i64) -> FormParts {
    FormParts {
        title: tr.t_with("intervention-edit", &[("title", i.title.clone())]),
        action: format!("/interventions/{}", i.id),
        version: Some(version),
        cancel: format!("/interventions/{}", i.id),
    }
}

pub async fn edit_form(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let view = interventions::get(&state.app, &auth.actor, id).await.in_locale(tr)?;
    if !view.may_change {
        return Err(PageError::App(AppError::Forbidden, tr));
    }
    let parts = edit_parts(tr, &view.intervention, view.intervention.version);
    let input = interventions::input_of(&view.intervention);
    render(form_page(&state, &auth, parts, input, FieldErrors::new(), None).await?)
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
    let form: InterventionInput = serde_html_form::from_bytes(&body).map_err(bad)?;
    let VersionField { version } = serde_html_form::from_bytes(&body).map_err(bad)?;
    let result = interventions::update(&state.app, &auth.actor, id, version, &form).await;
    let rejection = match Rejection::of(result, tr)? {
        Ok(_) => return Ok(Redirect::to(&format!("/interventions/{id}?msg=saved")).into_response()),
        Err(rejection) => rejection,
    };
    let status = rejection.status();
    let (errors, alert) = rejection.messages(tr, "intervention-stale");
    let current = interventions::get(&state.app, &auth.actor, id).await.in_locale(tr)?.intervention;
    let parts = edit_parts(tr, &current, version);
    render_status(status, form_page(&state, &auth, parts, form, errors, alert).await?)
}

// ---------------------------------------------------------------------------------------------
// Reporting periods (secretariat).

struct PeriodRow {
    period: String,
    status: String,
    ended: bool,
    actions: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "interventions/periods.html")]
struct PeriodsPage {
    l: Layout,
    rows: Vec<PeriodRow>,
    alert: Option<String>,
}

async fn periods_page(state: &AppState, auth: &Auth, alert: Option<String>) -> Result<PeriodsPage, PageError> {
    use cnrm_domain::intervention::PeriodStatus as S;
    let tr = auth.ctx.tr;
    let periods = interventions::periods(&state.app, &auth.actor).await.in_locale(tr)?;
    let rows = periods
        .into_iter()
        .map(|p| {
            let actions: &[&'static str] = match (p.status, p.ended) {
                (S::Open, true) => &["validate"],
                (S::Open, false) => &[],
                (S::Validated, _) => &["lock", "reopen"],
                (S::Locked, _) => &["unlock"],
            };
            PeriodRow {
                status: tr.t(&p.status.label_key()),
                period: p.period,
                ended: p.ended,
                actions: actions.iter().map(|a| (*a, tr.t(&format!("period-action-{a}")))).collect(),
            }
        })
        .collect();
    Ok(PeriodsPage { l: Layout::new(&auth.ctx, tr.t("period-list-title")), rows, alert })
}

pub async fn periods(State(state): State<AppState>, auth: Auth) -> Result<Response, PageError> {
    render(periods_page(&state, &auth, None).await?)
}

#[derive(Deserialize)]
pub struct PeriodForm {
    #[serde(default)]
    action: String,
}

pub async fn act_on_period(
    State(state): State<AppState>,
    auth: Auth,
    Path(period): Path<String>,
    Form(form): Form<PeriodForm>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    if !interventions::may_validate(&auth.actor) {
        return Err(PageError::App(AppError::Forbidden, tr));
    }
    let result = match PeriodAction::parse(&form.action) {
        Some(action) => interventions::act_on_period(&state.app, &auth.actor, &period, action).await,
        None => Err(AppError::invalid("action", "error-choose-from-list")),
    };
    let rejection = match Rejection::of(result, tr)? {
        Ok(_) => return Ok(Redirect::to("/interventions/periods?msg=saved").into_response()),
        Err(rejection) => rejection,
    };
    let status = rejection.status();
    let (errors, alert) = rejection.messages(tr, "intervention-stale");
    let alert = alert.or_else(|| errors.0.first().map(|e| tr.t(e.message)));
    render_status(status, periods_page(&state, &auth, alert).await?)
}

// ---------------------------------------------------------------------------------------------
// The service catalogue's exports (same writers and HXL conventions as the 4W).

pub async fn export_catalogue_csv(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<cnrm_app::catalogue::CatalogueQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let table = interventions::export_catalogue(&state.app, &auth.actor, &q).await.in_locale(tr)?;
    let bytes = cnrm_export::to_csv(&export_table(tr, table)).map_err(export_failed(tr))?;
    Ok(download(bytes, CSV_MIME, "cnrm-services.csv"))
}

pub async fn export_catalogue_xlsx(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<cnrm_app::catalogue::CatalogueQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let table = interventions::export_catalogue(&state.app, &auth.actor, &q).await.in_locale(tr)?;
    let bytes = cnrm_export::to_xlsx(&export_table(tr, table), "Services").map_err(export_failed(tr))?;
    Ok(download(bytes, XLSX_MIME, "cnrm-services.xlsx"))
}
