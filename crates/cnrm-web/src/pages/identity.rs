//! Identity resolution pages: the data stewards' review queue (list, one pair side by side with
//! the evidence of each field, decisions and splits) and the "ask the other organisation" form
//! opened from a possible match at registration.
//!
//! Rules (who may, what is disclosed, what is remembered) are `cnrm_app::identity`'s business.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use cnrm_app::identity::{self, CandidateQuery, ContactRequestInput};
use cnrm_domain::identity::CandidateStatus;
use cnrm_domain::{FieldErrors, Permission};
use cnrm_store::{IdentityRecord, OrganisationName};
use serde::Deserialize;
use uuid::Uuid;

use super::cases::{organisation_label, show_date, Choice};
use super::{render, render_status, Layout, Rejection};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::forms::Form;
use crate::i18n::Tr;
use crate::AppState;

// ---------------------------------------------------------------------------------------------
// The review queue.

struct Row {
    id: Uuid,
    a_name: String,
    b_name: String,
    probability: String,
    status: String,
}

#[derive(Template)]
#[template(path = "identity/review.html")]
struct ReviewPage {
    l: Layout,
    rows: Vec<Row>,
    statuses: Vec<Choice>,
    status: String,
    page: i64,
    pages: i64,
    total: i64,
}

fn full_name(r: &IdentityRecord) -> String {
    format!("{} {}", r.family_name, r.given_names)
}

fn percent(p: f64) -> String {
    format!("{:.0} %", (p * 100.0).clamp(0.0, 100.0))
}

pub async fn review(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CandidateQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let page = identity::candidates(&state.app, &auth.actor, &q).await.in_locale(tr)?;
    let status = q.status().map(|s| s.code().to_string()).unwrap_or_default();
    let pages = ((page.total + page.per_page - 1) / page.per_page).max(1);
    render(ReviewPage {
        l: Layout::new(&auth.ctx, tr.t("identity-review-title")),
        rows: page
            .items
            .iter()
            .map(|v| Row {
                id: v.candidate.id,
                a_name: full_name(&v.a),
                b_name: full_name(&v.b),
                probability: percent(v.candidate.probability),
                status: tr.t(&v.candidate.status.label_key()),
            })
            .collect(),
        statuses: CandidateStatus::ALL
            .iter()
            .map(|s| Choice { code: s.code().to_string(), label: tr.t(&s.label_key()), selected: s.code() == status })
            .collect(),
        status,
        page: page.page,
        pages,
        total: page.total,
    })
}

// ---------------------------------------------------------------------------------------------
// One pair.

struct Side {
    name: String,
    other_names: String,
    /// The filiation: father's given name(s) and mother's full name, "—" when not known.
    father_name: String,
    mother_name: String,
    sex: String,
    birth: String,
    phones: String,
    documents: String,
    origin: String,
    settlement: String,
    organisations: String,
}

struct EvidenceRow {
    field: String,
    level: String,
    weight: String,
    positive: bool,
}

#[derive(Template)]
#[template(path = "identity/candidate.html")]
struct CandidatePage {
    l: Layout,
    id: Uuid,
    version: i64,
    status: String,
    decidable: bool,
    linked: bool,
    probability: String,
    weight: String,
    names_swapped: bool,
    a: Side,
    b: Side,
    evidence: Vec<EvidenceRow>,
    alert: Option<String>,
    errors: FieldErrors,
}

fn unit_name(units: &[cnrm_store::AdminUnit], pcode: &Option<String>) -> String {
    match pcode {
        Some(p) => units.iter().find(|u| &u.pcode == p).map(|u| u.name.clone()).unwrap_or_else(|| p.clone()),
        None => "—".into(),
    }
}

fn side(
    tr: Tr,
    units: &[cnrm_store::AdminUnit],
    names: &[OrganisationName],
    r: &IdentityRecord,
    orgs: &[Uuid],
) -> Side {
    let dash = |s: String| if s.is_empty() { "—".to_string() } else { s };
    Side {
        name: full_name(r),
        other_names: dash(r.other_names.clone()),
        father_name: dash(r.father_name.clone()),
        mother_name: dash(r.mother_name.clone()),
        sex: cnrm_domain::person::Sex::parse(&r.sex).map(|s| tr.t(&s.label_key())).unwrap_or_else(|| r.sex.clone()),
        birth: match (r.birth_date, r.birth_precision.as_deref()) {
            (Some(d), Some("year") | Some("estimated_age")) => d.year().to_string(),
            (Some(d), Some("month")) => format!("{:02}/{}", d.month() as u8, d.year()),
            (Some(d), _) => show_date(tr, d),
            (None, _) => "—".into(),
        },
        phones: dash(r.phones.join(", ")),
        documents: dash(
            r.documents.iter().map(|d| format!("{} {}", d.doc_type, d.number)).collect::<Vec<_>>().join(", "),
        ),
        origin: unit_name(units, &r.origin_pcode),
        settlement: unit_name(units, &r.settlement_pcode),
        organisations: dash(orgs.iter().map(|o| organisation_label(names, *o)).collect::<Vec<_>>().join(", ")),
    }
}

fn field_label(tr: Tr, field: &str) -> String {
    tr.t(&format!("identity-field-{}", field.replace('_', "-")))
}

/// The message key of a comparison level as the matcher names it (`cnrm_match::model::level_label`),
/// so that a steward reads the evidence in the interface's language. A label the matcher adds
/// later without a key here is shown as the matcher wrote it.
fn level_key(level: &str) -> Option<&'static str> {
    Some(match level {
        "missing" => "identity-level-missing",
        "different" => "identity-level-different",
        "similar (typo)" => "identity-level-typo",
        "phonetic or listed variant" => "identity-level-variant",
        "exact" => "identity-level-exact",
        "same" => "identity-level-same",
        "close (day/month or one year off)" => "identity-level-close-date",
        "same year (imprecise date)" => "identity-level-same-year",
        "different region" => "identity-level-different-region",
        "same region" => "identity-level-same-region",
        "same cercle" => "identity-level-same-cercle",
        "different number (same kind)" => "identity-level-different-number",
        "one character off" => "identity-level-one-character-off",
        "part of the name (given name only)" => "identity-level-partial-name",
        _ => return None,
    })
}

fn level_label(tr: Tr, level: &str) -> String {
    level_key(level).map(|key| tr.t(key)).unwrap_or_else(|| level.to_string())
}

async fn candidate_page(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    alert: Option<String>,
    errors: FieldErrors,
) -> Result<CandidatePage, PageError> {
    let tr = auth.ctx.tr;
    let v = identity::candidate(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let names = state.app.db.organisation_names().await.in_locale(tr)?;
    let c = &v.candidate;
    Ok(CandidatePage {
        l: Layout::new(&auth.ctx, tr.t("identity-candidate-title")),
        id: c.id,
        version: c.version,
        status: tr.t(&c.status.label_key()),
        decidable: c.status.decidable(),
        linked: c.status == CandidateStatus::Same,
        probability: percent(c.probability),
        weight: format!("{:+.1}", c.match_weight),
        names_swapped: c.names_swapped,
        a: side(tr, &units, &names, &v.a, &v.a_organisations),
        b: side(tr, &units, &names, &v.b, &v.b_organisations),
        evidence: c
            .evidence
            .iter()
            .map(|e| EvidenceRow {
                field: field_label(tr, &e.field),
                level: level_label(tr, &e.level),
                weight: format!("{:+.1}", e.weight),
                positive: e.weight > 0.0,
            })
            .collect(),
        alert,
        errors,
    })
}

pub async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    render(candidate_page(&state, &auth, id, None, FieldErrors::new()).await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    decision: String,
    version: i64,
}

pub async fn decide(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let result = identity::decide(&state.app, &auth.actor, id, form.version, &form.decision).await;
    match Rejection::of(result, tr)? {
        Ok(_) => Ok(Redirect::to(&format!("/identity/review/{id}?msg=saved")).into_response()),
        Err(rejection) => {
            let status = rejection.status();
            let (errors, alert) = rejection.messages(tr, "identity-error-stale");
            render_status(status, candidate_page(&state, &auth, id, alert, errors).await?)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SplitForm {
    version: i64,
}

pub async fn split(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<SplitForm>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    match Rejection::of(identity::split(&state.app, &auth.actor, id, form.version).await, tr)? {
        Ok(_) => Ok(Redirect::to(&format!("/identity/review/{id}?msg=saved")).into_response()),
        Err(rejection) => {
            let status = rejection.status();
            let (errors, alert) = rejection.messages(tr, "identity-error-stale");
            render_status(status, candidate_page(&state, &auth, id, alert, errors).await?)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Asking another organisation about a possible match.

#[derive(Template)]
#[template(path = "identity/ask.html")]
struct AskPage {
    l: Layout,
    organisation: String,
    input: ContactRequestInput,
    errors: FieldErrors,
    sent: bool,
}

async fn ask_page(
    state: &AppState,
    auth: &Auth,
    input: ContactRequestInput,
    errors: FieldErrors,
    sent: bool,
) -> Result<AskPage, PageError> {
    let tr = auth.ctx.tr;
    let names = state.app.db.organisation_names().await.in_locale(tr)?;
    let organisation =
        Uuid::parse_str(input.organisation_id.trim()).ok().map(|id| organisation_label(&names, id)).unwrap_or_default();
    Ok(AskPage {
        l: Layout::new(&auth.ctx, tr.t_with("identity-ask-title", &[("organisation", organisation.clone())])),
        organisation,
        input,
        errors,
        sent,
    })
}

pub async fn ask_form(
    State(state): State<AppState>,
    auth: Auth,
    Query(input): Query<ContactRequestInput>,
) -> Result<Response, PageError> {
    auth.actor.require(Permission::CaseWrite).in_locale(auth.ctx.tr)?;
    render(ask_page(&state, &auth, input, FieldErrors::new(), false).await?)
}

pub async fn ask(
    State(state): State<AppState>,
    auth: Auth,
    Form(input): Form<ContactRequestInput>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    match Rejection::of(identity::ask(&state.app, &auth.actor, &input).await, tr)? {
        Ok(_) => render(ask_page(&state, &auth, input, FieldErrors::new(), true).await?),
        Err(rejection) => {
            let status = rejection.status();
            let (errors, _) = rejection.messages(tr, "identity-error-stale");
            render_status(status, ask_page(&state, &auth, input, errors, false).await?)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The case page's "linked records".

/// Another record of the case's person, as the reader may learn of it.
pub struct LinkedRow {
    pub case_id: Option<Uuid>,
    pub case_number: String,
    pub name: String,
    pub organisation: String,
}

/// The linked records of a case the reader sees (its page already checked that).
pub(super) async fn linked_rows(state: &AppState, auth: &Auth, case_id: Uuid) -> Result<Vec<LinkedRow>, PageError> {
    let tr = auth.ctx.tr;
    let linked = identity::linked(&state.app, &auth.actor, case_id).await.in_locale(tr)?;
    if linked.is_empty() {
        return Ok(Vec::new());
    }
    let names = state.app.db.organisation_names().await.in_locale(tr)?;
    Ok(linked
        .into_iter()
        .map(|r| LinkedRow {
            case_id: r.case_id,
            case_number: r.case_number.unwrap_or_default(),
            name: r.name.unwrap_or_default(),
            organisation: organisation_label(&names, r.organisation_id),
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Contact requests in the receiving organisation's work queue.

pub struct RequestRow {
    pub from: String,
    pub on: String,
    pub message: String,
    pub cases: Vec<identity::CaseRef>,
}

pub(super) async fn work_rows(state: &AppState, auth: &Auth) -> Result<Vec<RequestRow>, PageError> {
    let tr = auth.ctx.tr;
    let received = identity::received(&state.app, &auth.actor, 20).await.in_locale(tr)?;
    if received.is_empty() {
        return Ok(Vec::new());
    }
    let names = state.app.db.organisation_names().await.in_locale(tr)?;
    Ok(received
        .into_iter()
        .map(|r| RequestRow {
            from: organisation_label(&names, r.request.from_organisation_id),
            on: show_date(tr, r.request.created_at.date()),
            message: r.request.message,
            cases: r.cases,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnrm_match::model::{level_label as matcher_label, FIELD_LEVELS};

    /// Every level the matcher can write into the evidence reads in French and in English.
    #[test]
    fn every_comparison_level_has_a_message() {
        for (field, &levels) in FIELD_LEVELS.iter().enumerate() {
            for level in 0..=levels as u8 {
                let label = matcher_label(field, level);
                let key = level_key(label).unwrap_or_else(|| panic!("no message key for {label:?}"));
                for tr in [Tr::new(cnrm_domain::Locale::Fr), Tr::new(cnrm_domain::Locale::En)] {
                    assert_ne!(tr.t(key), key, "{key} is not translated");
                }
            }
        }
        assert_eq!(level_label_in(cnrm_domain::Locale::Fr, "exact"), "identique");
        assert_eq!(level_label_in(cnrm_domain::Locale::Fr, "a label from elsewhere"), "a label from elsewhere");
    }

    fn level_label_in(locale: cnrm_domain::Locale, level: &str) -> String {
        super::level_label(Tr::new(locale), level)
    }
}
