//! Surveys in the pages: the case's "Surveys" tab (submissions with their scores, the schedule),
//! the form that renders any questionnaire, and the administrators' page to import, export and
//! recompute questionnaire versions.
//!
//! The form is drawn on the server from the definition, field by field according to each item's
//! kind. Relevance conditions travel with the fields as a small JSON tree that `survey.js` applies
//! while the form is filled in; the server applies them again when the form comes back (answers to
//! items not relevant are dropped by the validation). Every rule lives in `cnrm_app::surveys`.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cnrm_app::surveys::{self, ImportOutcome, SubmissionView, SurveyInput};
use cnrm_app::AppError;
use cnrm_domain::lifecycle::case::CaseStatus;
use cnrm_domain::lifecycle::plan::Dimension;
use cnrm_domain::questionnaire::relevance::Subject;
use cnrm_domain::questionnaire::{Answers, CompareOp, Definition, Item, ItemKind, Literal, Relevance, Text};
use cnrm_domain::survey::SurveyKind;
use cnrm_domain::FieldErrors;
use cnrm_store::QuestionnaireVersion;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::cases::{show_date, today};
use super::{render, render_status, Layout, Rejection};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::i18n::Tr;
use crate::AppState;

/// A condition as the script evaluates it: `["cmp", item, op, value]` (item `null` for the
/// answer itself), `["sel", item, option]`, `["and", a, b]`, `["or", a, b]`, `["not", a]`;
/// values are `{"n": number}` or `{"t": text}`.
pub fn relevance_json(condition: &Relevance) -> Value {
    let subject = |s: &Subject| match s {
        Subject::Item(name) => Value::String(name.clone()),
        Subject::Current => Value::Null,
    };
    match condition {
        Relevance::Compare { subject: s, op, value } => {
            let op = match op {
                CompareOp::Eq => "=",
                CompareOp::Ne => "!=",
                CompareOp::Lt => "<",
                CompareOp::Le => "<=",
                CompareOp::Gt => ">",
                CompareOp::Ge => ">=",
            };
            let value = match value {
                Literal::Number(n) => json!({ "n": n }),
                Literal::Text(t) => json!({ "t": t }),
            };
            json!(["cmp", subject(s), op, value])
        }
        Relevance::Selected { subject: s, option } => json!(["sel", subject(s), option]),
        Relevance::And(a, b) => json!(["and", relevance_json(a), relevance_json(b)]),
        Relevance::Or(a, b) => json!(["or", relevance_json(a), relevance_json(b)]),
        Relevance::Not(a) => json!(["not", relevance_json(a)]),
    }
}

fn condition_attr(condition: Option<&Relevance>) -> String {
    condition.map(|c| relevance_json(c).to_string()).unwrap_or_default()
}

fn in_locale(text: &Text, tr: Tr) -> String {
    text.get(tr.locale).to_string()
}

fn score_text(score: Option<f64>) -> String {
    score.map_or_else(|| "—".into(), |s| format!("{s:.2}"))
}

// ---------------------------------------------------------------------------------------------
// The case's tab.

pub struct ScheduleRow {
    pub kind: String,
    pub due: String,
    pub done: bool,
    pub overdue: bool,
}

pub struct SubmissionRow {
    pub answered_on: String,
    pub kind: String,
    pub questionnaire: String,
    /// "v1" or "v1 → v2" when rescored with a later version.
    pub version: String,
    pub economic: String,
    pub social: String,
    pub psychosocial: String,
    pub composite: String,
    pub band: String,
    pub provisional: bool,
}

pub struct NewLink {
    pub kind: &'static str,
    pub label: String,
}

#[derive(Template)]
#[template(path = "surveys/show.html")]
struct SurveysPage {
    l: Layout,
    id: Uuid,
    tab: &'static str,
    case_number: String,
    name: String,
    status: String,
    protection: bool,
    closed: bool,
    submissions: Vec<SubmissionRow>,
    dimension_names: Vec<String>,
    /// Shown when a score on the page comes from provisional weights.
    provisional_note: Option<String>,
    schedule: Vec<ScheduleRow>,
    new_links: Vec<NewLink>,
}

fn submission_row(tr: Tr, view: &SubmissionView, current: &[(QuestionnaireVersion, Definition)]) -> SubmissionRow {
    let s = &view.submission;
    let definition = current.iter().find(|(v, _)| v.questionnaire_code == s.questionnaire_code).map(|(_, d)| d);
    let band_code = s.scores.detail.get("composite_band").and_then(Value::as_str).unwrap_or_default();
    let band = definition
        .and_then(|d| d.scoring.bands.iter().find(|b| b.code == band_code))
        .map_or_else(|| band_code.to_string(), |b| in_locale(&b.label, tr));
    SubmissionRow {
        answered_on: show_date(tr, s.answered_on),
        kind: tr.t(&s.kind.label_key()),
        questionnaire: definition.map_or_else(|| s.questionnaire_code.clone(), |d| in_locale(&d.title, tr)),
        version: if view.version == view.scored_with {
            format!("v{}", view.version)
        } else {
            format!("v{} → v{}", view.version, view.scored_with)
        },
        economic: score_text(s.scores.economic),
        social: score_text(s.scores.social),
        psychosocial: score_text(s.scores.psychosocial),
        composite: score_text(s.scores.composite),
        band: if band.is_empty() { "—".into() } else { band },
        provisional: view.provisional_weights,
    }
}

/// The current version of each questionnaire with its definition.
async fn current_definitions(state: &AppState, tr: Tr) -> Result<Vec<(QuestionnaireVersion, Definition)>, PageError> {
    let mut out = Vec::new();
    for version in surveys::questionnaires(&state.app).await.in_locale(tr)? {
        let definition = surveys::definition_of(&version).in_locale(tr)?;
        out.push((version, definition));
    }
    Ok(out)
}

/// The notice of a page showing scores, when a questionnaire in force still has provisional weights.
pub async fn provisional_notice(state: &AppState, tr: Tr) -> Result<Option<String>, PageError> {
    let current = current_definitions(state, tr).await?;
    Ok(current.iter().any(|(v, _)| v.provisional_weights).then(|| provisional_note(tr, &current)))
}

/// The notice every page showing scores carries while weights are provisional.
fn provisional_note(tr: Tr, current: &[(QuestionnaireVersion, Definition)]) -> String {
    let note = current
        .iter()
        .find(|(v, _)| v.provisional_weights)
        .map(|(_, d)| in_locale(&d.scoring.weights_note, tr))
        .unwrap_or_default();
    format!("{} {}", tr.t("survey-provisional-weights"), note).trim().to_string()
}

pub async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let c = surveys::of_case(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let current = current_definitions(&state, tr).await?;
    let case = &c.file.case;
    let person = &c.file.person.draft;
    let submissions: Vec<SubmissionRow> = c.submissions.iter().map(|v| submission_row(tr, v, &current)).collect();
    let provisional = submissions.iter().any(|s| s.provisional);
    let schedule = c
        .schedule
        .iter()
        .map(|s| ScheduleRow {
            kind: if s.months_after_baseline == 0 {
                tr.t(&s.kind.label_key())
            } else {
                tr.t_with("survey-follow-up-months", &[("months", s.months_after_baseline.to_string())])
            },
            due: show_date(tr, s.due_on),
            done: s.done_submission_id.is_some(),
            overdue: s.done_submission_id.is_none() && s.due_on < today(),
        })
        .collect();
    let new_links = if c.may_submit {
        SurveyKind::ALL
            .into_iter()
            .filter(|k| current.iter().any(|(v, _)| v.questionnaire_code == k.questionnaire()))
            .map(|k| NewLink { kind: k.code(), label: tr.t_with("survey-new", &[("kind", tr.t(&k.label_key()))]) })
            .collect()
    } else {
        Vec::new()
    };
    render(SurveysPage {
        l: Layout::new(&auth.ctx, tr.t_with("survey-title", &[("number", case.case_number.clone())])),
        id: case.id,
        tab: "surveys",
        case_number: case.case_number.clone(),
        name: format!("{} {}", person.family_name, person.given_names),
        status: tr.t(&case.status.label_key()),
        protection: case.protection,
        closed: case.status == CaseStatus::Closed,
        submissions,
        dimension_names: Dimension::ALL.into_iter().map(|d| tr.t(&d.label_key())).collect(),
        provisional_note: provisional.then(|| provisional_note(tr, &current)),
        schedule,
        new_links,
    })
}

// ---------------------------------------------------------------------------------------------
// The form of any questionnaire.

pub struct OptionView {
    pub code: String,
    pub label: String,
    pub checked: bool,
}

pub struct FieldView {
    /// The form field's name: `answers.ITEM`, as errors name it.
    pub name: String,
    pub item: String,
    pub label: String,
    pub hint: String,
    /// `note`, `radio`, `checkbox`, `number`, `decimal`, `date` or `text`.
    pub kind: &'static str,
    pub required: bool,
    pub options: Vec<OptionView>,
    pub value: String,
    pub error: Option<String>,
    /// The condition as JSON for the script, empty when always asked.
    pub relevant: String,
}

pub struct SectionView {
    pub label: String,
    pub relevant: String,
    pub fields: Vec<FieldView>,
}

#[derive(Template)]
#[template(path = "surveys/form.html")]
struct SurveyForm {
    l: Layout,
    id: Uuid,
    case_number: String,
    kind: &'static str,
    title: String,
    version: String,
    answered_on: String,
    errors: FieldErrors,
    has_errors: bool,
    alert: Option<String>,
    sections: Vec<SectionView>,
    script: String,
}

fn field_view(tr: Tr, definition: &Definition, item: &Item, answers: &Answers, errors: &FieldErrors) -> FieldView {
    let name = surveys::answer_field(&item.name);
    let value = answers.get(&item.name).unwrap_or_default().to_string();
    let chosen: Vec<&str> = value.split_whitespace().collect();
    let kind = match item.kind {
        ItemKind::SingleChoice { .. } => "radio",
        ItemKind::MultipleChoice { .. } => "checkbox",
        ItemKind::Integer => "number",
        ItemKind::Decimal => "decimal",
        ItemKind::Date => "date",
        ItemKind::Text => "text",
        ItemKind::Note => "note",
    };
    FieldView {
        error: errors.for_field(&name).map(|key| tr.t(key)),
        name,
        item: item.name.clone(),
        label: in_locale(&item.label, tr),
        hint: in_locale(&item.hint, tr),
        kind,
        required: item.required,
        options: definition
            .options_of(item)
            .iter()
            .map(|o| OptionView {
                code: o.name.clone(),
                label: in_locale(&o.label, tr),
                checked: chosen.contains(&o.name.as_str()),
            })
            .collect(),
        value,
        relevant: condition_attr(item.relevant.as_ref()),
    }
}

/// The sections of a form in order, the items outside any section first.
fn sections(tr: Tr, definition: &Definition, answers: &Answers, errors: &FieldErrors) -> Vec<SectionView> {
    let fields = |section: Option<&str>| -> Vec<FieldView> {
        definition.section_items(section).map(|i| field_view(tr, definition, i, answers, errors)).collect()
    };
    let mut out = Vec::new();
    let loose = fields(None);
    if !loose.is_empty() {
        out.push(SectionView { label: String::new(), relevant: String::new(), fields: loose });
    }
    for section in &definition.sections {
        out.push(SectionView {
            label: in_locale(&section.label, tr),
            relevant: condition_attr(section.relevant.as_ref()),
            fields: fields(Some(&section.name)),
        });
    }
    out
}

#[derive(Deserialize)]
pub struct KindQuery {
    #[serde(default)]
    pub kind: String,
}

async fn form_page(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    kind: SurveyKind,
    input: &SurveyInput,
    (errors, alert): (FieldErrors, Option<String>),
) -> Result<SurveyForm, PageError> {
    let tr = auth.ctx.tr;
    let file = cnrm_app::cases::changeable(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let (version, definition) = surveys::form_for(&state.app, kind).await.in_locale(tr)?;
    let title = in_locale(&definition.title, tr);
    Ok(SurveyForm {
        l: Layout::new(&auth.ctx, format!("{} — {}", file.case.case_number, title)),
        id,
        case_number: file.case.case_number,
        kind: kind.code(),
        title,
        version: format!("v{} ({})", version.version, version.label),
        answered_on: input.answered_on.clone(),
        has_errors: !errors.is_empty(),
        alert,
        sections: sections(tr, &definition, &input.answers, &errors),
        errors,
        script: crate::assets::survey_js_href(),
    })
}

pub async fn new(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Query(query): Query<KindQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let kind = SurveyKind::parse(query.kind.trim()).ok_or(PageError::Status(StatusCode::NOT_FOUND, tr))?;
    let input = SurveyInput { answered_on: today().to_string(), ..Default::default() };
    render(form_page(&state, &auth, id, kind, &input, (FieldErrors::new(), None)).await?)
}

/// Reads the survey form: `kind`, `answered_on`, and `answers.ITEM` fields (a multiple choice
/// sends its item once per option ticked).
fn survey_input(pairs: Vec<(String, String)>) -> SurveyInput {
    let mut input = SurveyInput::default();
    let mut answers = Vec::new();
    for (name, value) in pairs {
        match name.as_str() {
            "kind" => input.kind = value,
            "answered_on" => input.answered_on = value,
            _ => {
                if let Some(item) = name.strip_prefix("answers.") {
                    answers.push((item.to_string(), value));
                }
            }
        }
    }
    input.answers = Answers::from_pairs(answers);
    input
}

pub async fn submit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let pairs: Vec<(String, String)> =
        serde_html_form::from_bytes(&body).map_err(|_| PageError::Status(StatusCode::UNPROCESSABLE_ENTITY, tr))?;
    let input = survey_input(pairs);
    let result = surveys::submit(&state.app, &auth.actor, id, &input).await;
    match Rejection::of(result, tr)? {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}/surveys?msg=saved")).into_response()),
        Err(rejection) => {
            let status = rejection.status();
            let messages = rejection.messages(tr, "survey-stale");
            let kind = SurveyKind::parse(input.kind.trim()).unwrap_or(SurveyKind::Baseline);
            render_status(status, form_page(&state, &auth, id, kind, &input, messages).await?)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Administration: import, export, recompute.

pub struct QuestionnaireRow {
    pub code: String,
    pub title: String,
    pub version: i64,
    pub label: String,
    pub provisional: bool,
    pub versions: usize,
}

#[derive(Template)]
#[template(path = "surveys/admin.html")]
struct AdminPage {
    l: Layout,
    rows: Vec<QuestionnaireRow>,
    problems: Vec<String>,
    alert: Option<String>,
}

async fn admin_page(
    state: &AppState,
    auth: &Auth,
    problems: Vec<String>,
    alert: Option<String>,
) -> Result<AdminPage, PageError> {
    let tr = auth.ctx.tr;
    let mut rows = Vec::new();
    for (version, definition) in current_definitions(state, tr).await? {
        let versions = surveys::versions(&state.app, &auth.actor, &version.questionnaire_code).await.in_locale(tr)?;
        rows.push(QuestionnaireRow {
            code: version.questionnaire_code.clone(),
            title: in_locale(&definition.title, tr),
            version: version.version,
            label: version.label.clone(),
            provisional: version.provisional_weights,
            versions: versions.len(),
        });
    }
    Ok(AdminPage { l: Layout::new(&auth.ctx, tr.t("questionnaires-title")), rows, problems, alert })
}

pub async fn admin(State(state): State<AppState>, auth: Auth) -> Result<Response, PageError> {
    auth.actor.require(cnrm_domain::Permission::PlatformConfigure).in_locale(auth.ctx.tr)?;
    render(admin_page(&state, &auth, Vec::new(), None).await?)
}

/// The workbook of an upload form (field `file`); empty when there is none.
async fn uploaded_workbook<S: Send + Sync>(request: Request, state: &S) -> Vec<u8> {
    let Ok(mut multipart) = Multipart::from_request(request, state).await else { return Vec::new() };
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            return field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        }
    }
    Vec::new()
}

pub async fn import(State(state): State<AppState>, auth: Auth, request: Request) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    auth.actor.require(cnrm_domain::Permission::PlatformConfigure).in_locale(tr)?;
    let bytes = uploaded_workbook(request, &state).await;
    let tables = match crate::xlsform::read(&bytes) {
        Ok(tables) => tables,
        Err(problem) => {
            let page = admin_page(&state, &auth, vec![tr.t(problem)], None).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, page);
        }
    };
    match surveys::import_xlsform(&state.app, &auth.actor, &tables).await {
        Ok(ImportOutcome::Imported(_)) => {
            Ok(Redirect::to("/admin/questionnaires?msg=questionnaire-imported").into_response())
        }
        Ok(ImportOutcome::Refused(errors)) => {
            let problems = errors.iter().map(|e| e.message(tr.locale)).collect();
            render_status(StatusCode::UNPROCESSABLE_ENTITY, admin_page(&state, &auth, problems, None).await?)
        }
        Err(AppError::Stale) => {
            render_status(StatusCode::CONFLICT, admin_page(&state, &auth, Vec::new(), Some(tr.t("error-stale"))).await?)
        }
        Err(e) => Err(PageError::App(e, tr)),
    }
}

#[derive(Deserialize)]
pub struct VersionQuery {
    pub version: Option<i64>,
}

pub async fn export(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    Query(query): Query<VersionQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let (version, tables) =
        surveys::export_xlsform(&state.app, &auth.actor, &code, query.version).await.in_locale(tr)?;
    let bytes = crate::xlsform::write(&tables).map_err(|_| PageError::Internal(tr))?;
    let file_name = format!("{}-v{}.xlsx", version.questionnaire_code, version.version);
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(crate::xlsform::CONTENT_TYPE)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

pub async fn recompute(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    surveys::recompute(&state.app, &auth.actor, &code).await.in_locale(tr)?;
    Ok(Redirect::to("/admin/questionnaires?msg=questionnaire-recomputed").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_travel_as_json_trees() {
        let condition =
            Relevance::parse("${children} = 'yes' and not(selected(${needs}, 'debt') or ${age} >= 18)").unwrap();
        assert_eq!(
            relevance_json(&condition),
            json!(["and", ["cmp", "children", "=", { "t": "yes" }], ["not", ["or", ["sel", "needs", "debt"], ["cmp", "age", ">=", { "n": 18.0 }]]]])
        );
        let own = Relevance::parse(". <= 100").unwrap();
        assert_eq!(relevance_json(&own), json!(["cmp", null, "<=", { "n": 100.0 }]));
    }
}
