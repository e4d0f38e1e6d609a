//! Referrals as the receiving organisation sees them: the list of referrals received, one referral
//! with only the fields its allow-list discloses, and the actions on a referral, shared by the
//! receiver (accept, decline, start, complete) and the sender (revoke, feedback: forms on the case page).
//!
//! Consent, allow-lists, sides and the lifecycle are `cnrm_app::referrals`' business; these
//! handlers parse, call and render.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use cnrm_app::referrals::{self, ReceivedReferral, ReferralAction};
use cnrm_app::AppError;
use cnrm_domain::lifecycle::referral::{self as lifecycle, ReferralStatus};
use cnrm_domain::person::{EducationLevel, Language, Sex};
use cnrm_domain::sharing::SharedField;
use cnrm_domain::vulnerability::VulnerabilityFlag;
use cnrm_domain::{FieldErrors, Permission};
use cnrm_store::AdminUnit;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::cases::{
    self as case_pages, choices, list_or_dash, organisation_label, show_date, today, unit_name, Choice, Fact,
};
use super::session::safe_next;
use super::{render, render_status, Layout, ListView, Rejection, StatusListQuery};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::forms::Form;
use crate::i18n::Tr;
use crate::AppState;

// ---------------------------------------------------------------------------------------------
// The referrals received.

struct Row {
    id: Uuid,
    sent_on: String,
    from: String,
    service: String,
    status: String,
    due: Option<String>,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "referrals/list.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    view: ListView,
    statuses: Vec<Choice>,
    filtered: bool,
    /// The filter never refuses (an unknown status lists everything), but shares the form macros.
    errors: FieldErrors,
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<StatusListQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let status = ReferralStatus::parse(q.status.trim());
    let request = q.request("sent");
    let page = referrals::incoming(&state.app, &auth.actor, status, &request).await.in_locale(tr)?;
    let names = state.app.db.organisation_names().await.in_locale(tr)?;
    let today = today();
    let rows = page
        .items
        .iter()
        .map(|r| Row {
            id: r.id,
            sent_on: show_date(tr, r.created_at.date()),
            from: organisation_label(&names, r.from_organisation_id),
            service: tr.t(&r.service.label_key()),
            status: tr.t(&r.status.label_key()),
            due: r.due_on.map(|d| show_date(tr, d)),
            overdue: r.due_on.is_some_and(|d| lifecycle::overdue(r.status, d, today)),
        })
        .collect();
    let chosen = status.map(|s| s.code().to_string()).unwrap_or_default();
    let view = ListView::by_status("/referrals", &request, &page, &chosen);
    render(ListPage {
        l: Layout::new(&auth.ctx, tr.t("referral-incoming-title")),
        rows,
        view,
        statuses: choices(tr, &ReferralStatus::ALL, ReferralStatus::code, ReferralStatus::label_key, &[&chosen]),
        filtered: status.is_some(),
        errors: FieldErrors::new(),
    })
}

// ---------------------------------------------------------------------------------------------
// One referral received.

/// What the receiver may do with the referral in its current status.
#[derive(Default)]
struct Actions {
    accept: bool,
    decline: bool,
    start: bool,
    complete: bool,
    not_complete: bool,
}

impl Actions {
    fn of(status: ReferralStatus) -> Actions {
        match status {
            ReferralStatus::Sent => Actions { accept: true, decline: true, ..Default::default() },
            ReferralStatus::Accepted => Actions { start: true, ..Default::default() },
            ReferralStatus::InProgress => Actions { complete: true, not_complete: true, ..Default::default() },
            _ => Actions::default(),
        }
    }

    fn any(&self) -> bool {
        self.accept || self.decline || self.start || self.complete || self.not_complete
    }
}

#[derive(Template)]
#[template(path = "referrals/show.html")]
struct ShowPage {
    l: Layout,
    id: Uuid,
    service: String,
    from: String,
    sent_on: String,
    status: String,
    due: Option<String>,
    overdue: bool,
    note: String,
    reason: Option<String>,
    feedback: Option<String>,
    consent_holds: bool,
    person: Vec<Fact>,
    version: i64,
    actions: Actions,
    /// The reason as typed, when a decline or "not completed" came back.
    reason_typed: String,
    errors: FieldErrors,
    alert: Option<String>,
}

/// A disclosed value as people read it (codes become labels, dates the user's format).
pub(super) fn shown(tr: Tr, units: &[AdminUnit], field: SharedField, value: &Value) -> String {
    let text = |v: &Value| v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let labels = |parse: &dyn Fn(&str) -> Option<String>| {
        list_or_dash(
            value
                .as_array()
                .map(|items| {
                    items.iter().filter_map(|v| v.as_str()).map(|c| parse(c).unwrap_or_else(|| c.into())).collect()
                })
                .unwrap_or_default(),
        )
    };
    let label = |code: Option<String>| code.map(|k| tr.t(&k));
    let shown = match field {
        SharedField::Sex => label(value.as_str().and_then(Sex::parse).map(Sex::label_key)),
        SharedField::Age => value.as_i64().map(|years| tr.t_with("case-age", &[("years", years.to_string())])),
        SharedField::Phones => return labels(&|p| Some(p.to_string())),
        SharedField::Languages => return labels(&|c| Language::parse(c).map(|l| tr.t(&l.label_key()))),
        SharedField::Vulnerabilities => {
            return labels(&|c| VulnerabilityFlag::parse(c).map(|f| tr.t(&f.label_key())));
        }
        SharedField::Settlement => text(value).map(|code| unit_name(units, Some(&code))),
        SharedField::EducationLevel => {
            label(value.as_str().and_then(EducationLevel::parse).map(EducationLevel::label_key))
        }
        SharedField::ArrivalDate => text(value).map(|raw| {
            time::Date::parse(&raw, time::macros::format_description!("[year]-[month]-[day]"))
                .map_or(raw, |d| show_date(tr, d))
        }),
        SharedField::FamilyName
        | SharedField::GivenNames
        | SharedField::Occupation
        | SharedField::Skills
        | SharedField::ReturnedFrom => text(value),
    };
    shown.unwrap_or_else(|| "—".into())
}

/// The receiver's page; `received` audits the disclosure each time it is shown.
async fn show_page(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    reason_typed: String,
    errors: FieldErrors,
    alert: Option<String>,
) -> Result<ShowPage, PageError> {
    let tr = auth.ctx.tr;
    let ReceivedReferral { referral: r, consent_holds, person } =
        referrals::received(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let names = state.app.db.organisation_names().await.in_locale(tr)?;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let service = tr.t(&r.service.label_key());
    // The allow-list's order is the sender's; the form's order reads better.
    let person = SharedField::ALL
        .iter()
        .filter_map(|f| {
            person.get(f.code()).map(|v| Fact { label: tr.t(&f.label_key()), value: shown(tr, &units, *f, v) })
        })
        .collect();
    Ok(ShowPage {
        l: Layout::new(&auth.ctx, tr.t_with("referral-title", &[("service", service.clone())])),
        id: r.id,
        service,
        from: organisation_label(&names, r.from_organisation_id),
        sent_on: show_date(tr, r.created_at.date()),
        status: tr.t(&r.status.label_key()),
        due: r.due_on.map(|d| show_date(tr, d)),
        overdue: r.due_on.is_some_and(|d| lifecycle::overdue(r.status, d, today())),
        note: r.note.clone(),
        reason: r.reason.clone().filter(|t| !t.is_empty()),
        feedback: r.feedback.clone().filter(|t| !t.is_empty()),
        consent_holds,
        person,
        version: r.version,
        actions: Actions::of(r.status),
        reason_typed,
        errors,
        alert,
    })
}

pub async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    render(show_page(&state, &auth, id, String::new(), FieldErrors::new(), None).await?)
}

// ---------------------------------------------------------------------------------------------
// Actions, by either side.

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    action: String,
    reason: String,
    version: i64,
    /// The page the form was on, to come back to.
    back: String,
}

/// `back` with the "saved" message.
fn saved(back: &str) -> String {
    let back = safe_next(back);
    format!("{back}{}msg=saved", if back.contains('?') { '&' } else { '?' })
}

pub async fn act(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let input = ReferralAction { action: form.action.clone(), reason: form.reason.clone(), version: form.version };
    let rejection = match Rejection::of(referrals::act(&state.app, &auth.actor, id, &input).await, tr)? {
        Ok(_) => return Ok(Redirect::to(&saved(&form.back)).into_response()),
        Err(rejection) => rejection,
    };
    // Back to the page of the side that acted, with the reason it was not saved.
    let referral = state.app.db.referral(id).await.in_locale(tr)?.ok_or(PageError::App(AppError::NotFound, tr))?;
    if !auth.actor.principal().may(Permission::ReferralReceive, referral.to_organisation_id, None, None) {
        return case_pages::referral_action_refused(&state, &auth, referral.case_id, id, form.reason, rejection).await;
    }
    let status = rejection.status();
    let (errors, alert) = rejection.messages(tr, "referral-stale");
    render_status(status, show_page(&state, &auth, id, form.reason, errors, alert).await?)
}
