//! Households and follow-up contacts on the case pages, and the platform settings page: the
//! Family tab (family members, linking and unlinking, registering a family member), the form that
//! records what came of a follow-up contact, and the follow-up offsets administrators choose.
//!
//! The rules (who may see a family member, what may be linked, what an outcome must say) live in
//! `cnrm_app::family`, `cnrm_app::followups` and `cnrm_app::settings`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cnrm_app::family::{self, LinkInput};
use cnrm_app::{cases, followups, settings, AppError};
use cnrm_domain::contact::{ContactMethod, OutcomeInput, Situation, DEFAULT_RESCHEDULE_DAYS};
use cnrm_domain::family::Relation;
use cnrm_domain::{FieldErrors, Permission};
use serde::Deserialize;
use uuid::Uuid;

use super::cases::{choices, organisation_label, show_date, today, Choice};
use super::{render, render_status, Layout};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::forms::Form;
use crate::i18n::Tr;
use crate::AppState;

// ---------------------------------------------------------------------------------------------
// The Family tab.

/// A family member as the reader may know them.
struct MemberRow {
    link_id: Uuid,
    /// "Épouse", "Enfant"…; empty for a member the reader may not see.
    relation: String,
    name: String,
    cases: Vec<(Uuid, String)>,
    /// "A family member followed by CRM": for a member whose cases the reader may not see.
    hidden: Option<String>,
}

#[derive(Template)]
#[template(path = "family/show.html")]
struct FamilyPage {
    l: Layout,
    id: Uuid,
    tab: &'static str,
    case_number: String,
    name: String,
    members: Vec<MemberRow>,
    may_change: bool,
    input: LinkInput,
    relations: Vec<Choice>,
    errors: FieldErrors,
}

fn relation_choices(tr: Tr, chosen: &str) -> Vec<Choice> {
    choices(tr, &Relation::ALL, Relation::code, Relation::label_key, &[chosen])
}

async fn family_page(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    input: LinkInput,
    errors: FieldErrors,
) -> Result<FamilyPage, PageError> {
    let tr = auth.ctx.tr;
    let file = cases::visible(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let members = family::members(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let names = state.app.db.organisation_names().await.in_locale(tr)?;
    let rows = members
        .into_iter()
        .map(|m| {
            let hidden = m.hidden().then(|| {
                let organisations: Vec<String> = m.followed_by.iter().map(|o| organisation_label(&names, *o)).collect();
                match organisations.is_empty() {
                    true => tr.t("family-member-hidden-nowhere"),
                    false => tr.t_with("family-member-hidden", &[("organisation", organisations.join(", "))]),
                }
            });
            MemberRow {
                link_id: m.link_id,
                relation: m.relation.map(|r| tr.t(&r.label_key())).unwrap_or_default(),
                name: m.name.unwrap_or_default(),
                cases: m.cases.into_iter().map(|c| (c.case_id, c.case_number)).collect(),
                hidden,
            }
        })
        .collect();
    let may_change = cases::may_change(&auth.actor, &file.case);
    let p = &file.person.draft;
    Ok(FamilyPage {
        l: Layout::new(&auth.ctx, tr.t_with("family-title", &[("number", file.case.case_number.clone())])),
        id,
        tab: "family",
        case_number: file.case.case_number.clone(),
        name: format!("{} {}", p.family_name, p.given_names),
        members: rows,
        may_change,
        relations: relation_choices(tr, &input.relation),
        input,
        errors,
    })
}

pub async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    render(family_page(&state, &auth, id, LinkInput::default(), FieldErrors::new()).await?)
}

/// Links another case's person; the tab comes back with the messages when refused.
pub async fn add_link(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(input): Form<LinkInput>,
) -> Result<Response, PageError> {
    match family::link(&state.app, &auth.actor, id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}/family?msg=saved")).into_response()),
        Err(AppError::Invalid(errors)) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, family_page(&state, &auth, id, input, errors).await?)
        }
        Err(e) => Err(PageError::App(e, auth.ctx.tr)),
    }
}

pub async fn remove_link(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, link_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, PageError> {
    family::unlink(&state.app, &auth.actor, id, link_id).await.in_locale(auth.ctx.tr)?;
    Ok(Redirect::to(&format!("/cases/{id}/family?msg=saved")).into_response())
}

/// The part of the registration form that registers a family member of a case.
pub struct FamilyOf {
    pub case_id: Uuid,
    pub case_number: String,
    pub relations: Vec<Choice>,
}

/// The family panel of the registration form, when it registers a family member of `family_of`.
pub(super) async fn family_of_panel(
    state: &AppState,
    auth: &Auth,
    family_of: &str,
    relation: &str,
) -> Result<Option<FamilyOf>, PageError> {
    let tr = auth.ctx.tr;
    let Ok(case_id) = Uuid::parse_str(family_of.trim()) else { return Ok(None) };
    let prefill = family::registration_prefill(&state.app, &auth.actor, case_id).await.in_locale(tr)?;
    Ok(Some(FamilyOf { case_id, case_number: prefill.case_number, relations: relation_choices(tr, relation) }))
}

// ---------------------------------------------------------------------------------------------
// The outcome of a follow-up contact.

#[derive(Template)]
#[template(path = "family/outcome.html")]
struct OutcomePage {
    l: Layout,
    id: Uuid,
    tab: &'static str,
    task_id: Uuid,
    due: String,
    input: OutcomeForm,
    methods: Vec<Choice>,
    situations: Vec<Choice>,
    max_date: String,
    errors: FieldErrors,
}

/// The outcome form as typed (the service's input, with the yes/no and the days as text).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OutcomeForm {
    contacted_on: String,
    method: String,
    reached: String,
    situation: String,
    notes: String,
    #[serde(deserialize_with = "crate::forms::checkbox")]
    reschedule: bool,
    reschedule_days: String,
}

impl OutcomeForm {
    fn input(&self) -> OutcomeInput {
        OutcomeInput {
            contacted_on: self.contacted_on.clone(),
            method: self.method.clone(),
            reached: match self.reached.trim() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            situation: self.situation.clone(),
            notes: self.notes.clone(),
            reschedule: self.reschedule,
            reschedule_days: self.reschedule_days.clone(),
        }
    }
}

async fn outcome_page(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    task_id: Uuid,
    input: OutcomeForm,
    errors: FieldErrors,
) -> Result<OutcomePage, PageError> {
    let tr = auth.ctx.tr;
    let task = followups::open_follow_up(&state.app, &auth.actor, id, task_id).await.in_locale(tr)?;
    let today = today();
    let iso = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day());
    Ok(OutcomePage {
        l: Layout::new(&auth.ctx, tr.t("outcome-title")),
        id,
        tab: "file",
        task_id,
        due: show_date(tr, task.due_on),
        methods: choices(tr, &ContactMethod::ALL, ContactMethod::code, ContactMethod::label_key, &[&input.method]),
        situations: choices(tr, &Situation::ALL, Situation::code, Situation::label_key, &[&input.situation]),
        max_date: iso(today),
        input,
        errors,
    })
}

pub async fn outcome_form(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, task_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, PageError> {
    let today = today();
    let input = OutcomeForm {
        contacted_on: format!("{:04}-{:02}-{:02}", today.year(), today.month() as u8, today.day()),
        reschedule_days: DEFAULT_RESCHEDULE_DAYS.to_string(),
        ..Default::default()
    };
    render(outcome_page(&state, &auth, id, task_id, input, FieldErrors::new()).await?)
}

pub async fn record_outcome(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, task_id)): Path<(Uuid, Uuid)>,
    Form(form): Form<OutcomeForm>,
) -> Result<Response, PageError> {
    match followups::record_outcome(&state.app, &auth.actor, id, task_id, &form.input()).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}?msg=saved")).into_response()),
        Err(AppError::Invalid(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            outcome_page(&state, &auth, id, task_id, form, errors).await?,
        ),
        Err(e) => Err(PageError::App(e, auth.ctx.tr)),
    }
}

/// How a task's outcome reads in the case's task list.
pub(super) fn outcome_summary(tr: Tr, outcome: &cnrm_store::TaskOutcome) -> String {
    tr.t_with(
        "outcome-summary",
        &[
            ("date", show_date(tr, outcome.contacted_on)),
            ("method", tr.t(&outcome.method.label_key())),
            ("situation", tr.t(&outcome.situation.label_key())),
        ],
    )
}

// ---------------------------------------------------------------------------------------------
// Platform settings.

#[derive(Template)]
#[template(path = "admin_settings.html")]
struct SettingsPage {
    l: Layout,
    offsets: String,
    is_default: bool,
    updated: Option<String>,
    errors: FieldErrors,
    /// Referrals require an active data-sharing agreement (saved by `pages::coordination`).
    data_sharing_required: bool,
    public_page_enabled: bool,
}

async fn settings_page(
    state: &AppState,
    auth: &Auth,
    typed: Option<String>,
    errors: FieldErrors,
) -> Result<SettingsPage, PageError> {
    let tr = auth.ctx.tr;
    auth.actor.require(Permission::PlatformConfigure).in_locale(tr)?;
    let current = settings::offsets(&state.app, &auth.actor).await.in_locale(tr)?;
    let updated = match (current.updated_at, current.updated_by) {
        (Some(at), by) => {
            let name = match by {
                Some(id) => state.app.db.user(id).await.in_locale(tr)?.map(|u| u.display_name),
                None => None,
            };
            Some(tr.t_with(
                "settings-updated",
                &[("date", tr.datetime(&at)), ("name", name.unwrap_or_else(|| "—".into()))],
            ))
        }
        _ => None,
    };
    Ok(SettingsPage {
        l: Layout::new(&auth.ctx, tr.t("nav-settings-admin")),
        offsets: typed.unwrap_or_else(|| current.offsets.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")),
        is_default: current.is_default,
        updated,
        errors,
        data_sharing_required: settings::referrals_require_data_sharing(&state.app).await.in_locale(tr)?,
        public_page_enabled: settings::public_page_enabled(&state.app).await.in_locale(tr)?,
    })
}

pub async fn settings_form(State(state): State<AppState>, auth: Auth) -> Result<Response, PageError> {
    render(settings_page(&state, &auth, None, FieldErrors::new()).await?)
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    offsets: String,
}

pub async fn save_settings(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<SettingsForm>,
) -> Result<Response, PageError> {
    match settings::update_offsets_text(&state.app, &auth.actor, &form.offsets).await {
        Ok(_) => Ok(Redirect::to("/admin/settings?msg=saved").into_response()),
        Err(AppError::Invalid(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            settings_page(&state, &auth, Some(form.offsets), errors).await?,
        ),
        Err(e) => Err(PageError::App(e, auth.ctx.tr)),
    }
}
