//! The counselling tab of a case: sessions held with the returnee, needs assessments along the three
//! dimensions of reintegration and skills assessments, each with its history and, for those who may
//! change the case while it is open, the form that adds one.
//!
//! Every rule (who sees, who adds, validation, audit) lives in `cnrm_app::counselling`; these
//! handlers read the forms, call the service and render its answer.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use cnrm_app::counselling::{self, Counselling};
use cnrm_app::AppError;
use cnrm_domain::assessment::{
    dimension_fields, DimensionNeeds, Need, NeedLevel, NeedsInput, Pathway, Proficiency, Sector, SessionInput,
    SessionKind, SkillsInput,
};
use cnrm_domain::lifecycle::case::CaseStatus;
use cnrm_domain::lifecycle::plan::Dimension;
use cnrm_domain::FieldErrors;
use cnrm_store::{NeedsAssessment, SkillsAssessment};
use uuid::Uuid;

use super::cases::{choices, list_or_dash, show_date, today, Choice};
use super::{render, render_status, Layout, Rejection};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::forms::Form;
use crate::i18n::Tr;
use crate::AppState;

pub struct Fact {
    pub label: String,
    pub value: String,
}

pub struct SessionRow {
    pub held_on: String,
    pub kind: String,
    pub counsellor: String,
    pub duration: String,
    pub summary: Vec<String>,
    pub next_steps: Vec<String>,
}

pub struct DimensionView {
    pub name: String,
    pub level: String,
    pub high: bool,
    pub needs: String,
    pub notes: Vec<String>,
}

pub struct NeedsView {
    pub date: String,
    pub assessor: String,
    pub highest: String,
    pub high: bool,
    pub dimensions: Vec<DimensionView>,
    pub notes: Vec<String>,
}

pub struct SkillsView {
    pub date: String,
    pub assessor: String,
    pub facts: Vec<Fact>,
    pub notes: Vec<String>,
}

pub struct SessionForm {
    pub input: SessionInput,
    pub errors: FieldErrors,
    pub staff: Vec<Choice>,
    pub kinds: Vec<Choice>,
}

pub struct DimensionForm {
    pub title: String,
    pub level_field: &'static str,
    pub needs_field: &'static str,
    pub notes_field: &'static str,
    pub levels: Vec<Choice>,
    pub needs: Vec<Choice>,
    pub notes: String,
}

pub struct NeedsForm {
    pub input: NeedsInput,
    pub errors: FieldErrors,
    pub staff: Vec<Choice>,
    pub dimensions: Vec<DimensionForm>,
}

pub struct SkillsForm {
    pub input: SkillsInput,
    /// The skills, one per line.
    pub skills_text: String,
    pub errors: FieldErrors,
    pub staff: Vec<Choice>,
    pub experience: Vec<Choice>,
    pub interest: Vec<Choice>,
    pub literacy: Vec<Choice>,
    pub numeracy: Vec<Choice>,
    pub pathways: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "counselling/show.html")]
struct CounsellingPage {
    l: Layout,
    id: Uuid,
    /// Which case tab this page is (see `cases/tabs.html`).
    tab: &'static str,
    case_number: String,
    name: String,
    status: String,
    protection: bool,
    closed: bool,
    alert: Option<String>,
    has_errors: bool,
    sessions: Vec<SessionRow>,
    current_needs: Option<NeedsView>,
    older_needs: Vec<NeedsView>,
    dimension_names: Vec<String>,
    current_skills: Option<SkillsView>,
    older_skills: Vec<SkillsView>,
    session_form: Option<SessionForm>,
    needs_form: Option<NeedsForm>,
    skills_form: Option<SkillsForm>,
}

/// What a refused form sends back: the form with what was typed and its errors, or a message.
#[derive(Default)]
struct Retry {
    session: Option<(SessionInput, FieldErrors)>,
    needs: Option<(NeedsInput, FieldErrors)>,
    skills: Option<(SkillsInput, FieldErrors)>,
    alert: Option<String>,
}

fn lines(text: Option<&str>) -> Vec<String> {
    text.map(|t| t.lines().map(str::to_string).collect()).unwrap_or_default()
}

fn labels<T: Copy>(tr: Tr, values: &[T], key: fn(T) -> String) -> String {
    list_or_dash(values.iter().map(|v| tr.t(&key(*v))).collect())
}

fn dimension_view(tr: Tr, dimension: Dimension, d: &DimensionNeeds) -> DimensionView {
    DimensionView {
        name: tr.t(&dimension.label_key()),
        level: tr.t(&d.level.label_key()),
        high: d.level == NeedLevel::High,
        needs: labels(tr, &d.needs, Need::label_key),
        notes: lines(d.notes.as_deref()),
    }
}

fn needs_view(tr: Tr, c: &Counselling, a: &NeedsAssessment) -> NeedsView {
    let highest = [a.economic.level, a.social.level, a.psychosocial.level]
        .into_iter()
        .max_by_key(|l| l.rank())
        .unwrap_or(NeedLevel::NoNeed);
    NeedsView {
        date: show_date(tr, a.assessed_on),
        assessor: c.name_of(a.assessor_id).unwrap_or_else(|| "—".into()),
        highest: tr.t(&highest.label_key()),
        high: highest == NeedLevel::High,
        dimensions: vec![
            dimension_view(tr, Dimension::Economic, &a.economic),
            dimension_view(tr, Dimension::Social, &a.social),
            dimension_view(tr, Dimension::Psychosocial, &a.psychosocial),
        ],
        notes: lines(a.notes.as_deref()),
    }
}

fn skills_view(tr: Tr, c: &Counselling, a: &SkillsAssessment) -> SkillsView {
    let fact = |key: &str, value: String| Fact { label: tr.t(key), value };
    SkillsView {
        date: show_date(tr, a.assessed_on),
        assessor: c.name_of(a.assessor_id).unwrap_or_else(|| "—".into()),
        facts: vec![
            fact("counselling-skills", list_or_dash(a.skills.clone())),
            fact(
                "counselling-experience-years",
                a.experience_years
                    .map_or_else(|| "—".into(), |y| tr.t_with("counselling-years", &[("years", y.to_string())])),
            ),
            fact("counselling-experience-sectors", labels(tr, &a.experience_sectors, Sector::label_key)),
            fact("counselling-interest-sectors", labels(tr, &a.interest_sectors, Sector::label_key)),
            fact("counselling-literacy", tr.t(&a.literacy.label_key())),
            fact("counselling-numeracy", tr.t(&a.numeracy.label_key())),
            fact("counselling-pathway", a.pathway.map_or_else(|| "—".into(), |p| tr.t(&p.label_key()))),
        ],
        notes: lines(a.notes.as_deref()),
    }
}

/// The members of staff who may be chosen, `chosen` (an id as typed) selected.
fn staff_choices(c: &Counselling, chosen: &str) -> Vec<Choice> {
    c.staff
        .iter()
        .filter(|s| s.eligible)
        .map(|s| Choice {
            code: s.id.to_string(),
            label: s.display_name.clone(),
            selected: chosen.trim() == s.id.to_string(),
        })
        .collect()
}

fn session_form(tr: Tr, c: &Counselling, me: Uuid, retry: Option<(SessionInput, FieldErrors)>) -> SessionForm {
    let (input, errors) = retry.unwrap_or_else(|| {
        let input = SessionInput { held_on: today().to_string(), counsellor_id: me.to_string(), ..Default::default() };
        (input, FieldErrors::new())
    });
    SessionForm {
        staff: staff_choices(c, &input.counsellor_id),
        kinds: choices(tr, &SessionKind::ALL, SessionKind::code, SessionKind::label_key, &[&input.kind]),
        input,
        errors,
    }
}

fn needs_form(tr: Tr, c: &Counselling, me: Uuid, retry: Option<(NeedsInput, FieldErrors)>) -> NeedsForm {
    let (input, errors) = retry.unwrap_or_else(|| {
        let input = NeedsInput { assessed_on: today().to_string(), assessor_id: me.to_string(), ..Default::default() };
        (input, FieldErrors::new())
    });
    let dimensions = Dimension::ALL
        .into_iter()
        .map(|dimension| {
            let (level, needs, notes) = match dimension {
                Dimension::Economic => (&input.economic_level, &input.economic_needs, &input.economic_notes),
                Dimension::Social => (&input.social_level, &input.social_needs, &input.social_notes),
                Dimension::Psychosocial => {
                    (&input.psychosocial_level, &input.psychosocial_needs, &input.psychosocial_notes)
                }
            };
            let (level_field, needs_field, notes_field) = dimension_fields(dimension);
            DimensionForm {
                title: tr.t_with("counselling-dimension", &[("dimension", tr.t(&dimension.label_key()))]),
                level_field,
                needs_field,
                notes_field,
                levels: choices(tr, &NeedLevel::ALL, NeedLevel::code, NeedLevel::label_key, &[level]),
                needs: choices(tr, &Need::of(dimension), Need::code, Need::label_key, needs),
                notes: notes.clone(),
            }
        })
        .collect();
    NeedsForm { staff: staff_choices(c, &input.assessor_id), dimensions, input, errors }
}

fn skills_form(tr: Tr, c: &Counselling, me: Uuid, retry: Option<(SkillsInput, FieldErrors)>) -> SkillsForm {
    let (input, errors) = retry.unwrap_or_else(|| {
        let input = SkillsInput { assessed_on: today().to_string(), assessor_id: me.to_string(), ..Default::default() };
        (input, FieldErrors::new())
    });
    SkillsForm {
        skills_text: input.skills.join("\n"),
        staff: staff_choices(c, &input.assessor_id),
        experience: choices(tr, &Sector::ALL, Sector::code, Sector::label_key, &input.experience_sectors),
        interest: choices(tr, &Sector::ALL, Sector::code, Sector::label_key, &input.interest_sectors),
        literacy: choices(tr, &Proficiency::ALL, Proficiency::code, Proficiency::label_key, &[&input.literacy]),
        numeracy: choices(tr, &Proficiency::ALL, Proficiency::code, Proficiency::label_key, &[&input.numeracy]),
        pathways: choices(tr, &Pathway::ALL, Pathway::code, Pathway::label_key, &[&input.pathway]),
        input,
        errors,
    }
}

async fn page(state: &AppState, auth: &Auth, id: Uuid, retry: Retry) -> Result<CounsellingPage, PageError> {
    let tr = auth.ctx.tr;
    let c = counselling::overview(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let case = &c.file.case;
    let person = &c.file.person.draft;
    let me = auth.actor.user.id;
    let sessions = c
        .sessions
        .iter()
        .map(|s| SessionRow {
            held_on: show_date(tr, s.held_on),
            kind: tr.t(&s.kind.label_key()),
            counsellor: c.name_of(s.counsellor_id).unwrap_or_else(|| "—".into()),
            duration: s
                .duration_minutes
                .map_or_else(|| "—".into(), |m| tr.t_with("counselling-minutes", &[("minutes", m.to_string())])),
            summary: lines(Some(&s.summary)),
            next_steps: lines(s.next_steps.as_deref()),
        })
        .collect();
    let mut needs = c.needs.iter().map(|a| needs_view(tr, &c, a));
    let current_needs = needs.next();
    let older_needs = needs.collect();
    let mut skills = c.skills.iter().map(|a| skills_view(tr, &c, a));
    let current_skills = skills.next();
    let older_skills = skills.collect();
    let has_errors =
        [retry.session.as_ref().map(|r| &r.1), retry.needs.as_ref().map(|r| &r.1), retry.skills.as_ref().map(|r| &r.1)]
            .into_iter()
            .any(|e| e.is_some_and(|e| !e.is_empty()));
    let (session, needs_retry, skills_retry) = (retry.session, retry.needs, retry.skills);
    Ok(CounsellingPage {
        l: Layout::new(&auth.ctx, tr.t_with("counselling-title", &[("number", case.case_number.clone())])),
        id: case.id,
        tab: "counselling",
        case_number: case.case_number.clone(),
        name: format!("{} {}", person.family_name, person.given_names),
        status: tr.t(&case.status.label_key()),
        protection: case.protection,
        closed: case.status == CaseStatus::Closed,
        alert: retry.alert,
        has_errors,
        sessions,
        current_needs,
        older_needs,
        dimension_names: Dimension::ALL.into_iter().map(|d| tr.t(&d.label_key())).collect(),
        current_skills,
        older_skills,
        session_form: c.may_add.then(|| session_form(tr, &c, me, session)),
        needs_form: c.may_add.then(|| needs_form(tr, &c, me, needs_retry)),
        skills_form: c.may_add.then(|| skills_form(tr, &c, me, skills_retry)),
    })
}

pub async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    render(page(&state, &auth, id, Retry::default()).await?)
}

/// Back to the tab after a form: saved, or the form again with why it was not.
async fn after<T>(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    result: Result<T, AppError>,
    retry: impl FnOnce(FieldErrors) -> Retry,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let rejection = match Rejection::of(result, tr)? {
        Ok(_) => return Ok(Redirect::to(&format!("/cases/{id}/counselling?msg=saved")).into_response()),
        Err(rejection) => rejection,
    };
    let status = rejection.status();
    let retry = match rejection {
        Rejection::Invalid(errors) => retry(errors),
        Rejection::Refused(key) => Retry { alert: Some(tr.t(key)), ..Default::default() },
        // Records are only added, never edited: nothing can be stale.
        Rejection::Stale => return Err(PageError::App(AppError::Stale, tr)),
    };
    render_status(status, page(state, auth, id, retry).await?)
}

pub async fn add_session(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(input): Form<SessionInput>,
) -> Result<Response, PageError> {
    let result = counselling::add_session(&state.app, &auth.actor, id, &input).await;
    after(&state, &auth, id, result, |errors| Retry { session: Some((input, errors)), ..Default::default() }).await
}

pub async fn add_needs(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(input): Form<NeedsInput>,
) -> Result<Response, PageError> {
    let result = counselling::add_needs_assessment(&state.app, &auth.actor, id, &input).await;
    after(&state, &auth, id, result, |errors| Retry { needs: Some((input, errors)), ..Default::default() }).await
}

pub async fn add_skills(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(mut input): Form<SkillsInput>,
) -> Result<Response, PageError> {
    // The form's text area holds one skill per line.
    input.skills = input.skills.iter().flat_map(|s| s.lines()).map(str::to_string).collect();
    let result = counselling::add_skills_assessment(&state.app, &auth.actor, id, &input).await;
    after(&state, &auth, id, result, |errors| Retry { skills: Some((input, errors)), ..Default::default() }).await
}
