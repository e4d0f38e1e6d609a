//! Transfers of cases between organisations: the section of the case page (a pending transfer, past
//! ones, the form to propose one), the list of incoming and outgoing transfers, one transfer with
//! only the fields its allow-list discloses to the receiver, and the actions of each side.
//!
//! Who may do what, consent, allow-lists and the lifecycle are `cnrm_app::transfers`' business;
//! these handlers parse, call and render.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use cnrm_app::transfers::{self, TransferAction, TransferInput, TransferView};
use cnrm_app::AppError;
use cnrm_domain::consent::{consent_allows, ConsentBlock, ConsentPurpose};
use cnrm_domain::lifecycle::case::CaseStatus;
use cnrm_domain::paging::{PageRequest, MAX_PER_PAGE};
use cnrm_domain::sharing::{self, SharedField};
use cnrm_domain::transfer::{Side, TransferStatus};
use cnrm_domain::FieldErrors;
use cnrm_store::{CaseRecord, OrganisationName, Transfer};
use serde::Deserialize;
use uuid::Uuid;

use super::cases::{organisation_label, show_date, Choice, Fact};
use super::session::safe_next;
use super::{render, render_status, Layout, Rejection};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::forms::Form;
use crate::i18n::Tr;
use crate::AppState;

// ---------------------------------------------------------------------------------------------
// The form to propose a transfer, on the case page and on its own when sent back.

/// A field the proposal may share.
pub struct FieldChoice {
    pub code: String,
    pub label: String,
    pub checked: bool,
    /// Always shared (names, sex, phones): shown ticked, cannot be unticked.
    pub always: bool,
    /// Reveals the person's situation: shared only knowingly.
    pub sensitive: bool,
}

pub struct ProposeForm {
    pub organisations: Vec<Choice>,
    pub fields: Vec<FieldChoice>,
    pub reason: String,
    /// The form's own errors (the case page's other forms have theirs).
    pub errors: FieldErrors,
}

/// The organisations that may receive a case now: every active one but the case's, by name.
async fn receivers(state: &AppState, tr: Tr, own: Uuid) -> Result<Vec<OrganisationName>, PageError> {
    let mut request = PageRequest { page: 1, per_page: MAX_PER_PAGE, sort: "name", descending: false, search: None };
    let mut all = Vec::new();
    loop {
        let page = state.app.db.organisations(None, &request).await.in_locale(tr)?;
        let last = page.page >= page.pages();
        all.extend(page.items.into_iter().filter(|o| o.active && o.id != own).map(|o| OrganisationName {
            id: o.id,
            name: o.name,
            acronym: o.acronym,
        }));
        if last {
            return Ok(all);
        }
        request.page += 1;
    }
}

fn propose_form(
    tr: Tr,
    organisations: &[OrganisationName],
    input: Option<&TransferInput>,
    errors: FieldErrors,
) -> ProposeForm {
    let chosen: Vec<SharedField> = match input {
        Some(input) if input.shared_fields.iter().any(|f| !f.trim().is_empty()) => {
            input.shared_fields.iter().filter_map(|c| SharedField::parse(c.trim())).collect()
        }
        _ => cnrm_domain::transfer::default_fields(),
    };
    let to = input.map(|i| i.to_organisation_id.trim().to_string()).unwrap_or_default();
    ProposeForm {
        organisations: organisations
            .iter()
            .map(|o| Choice { code: o.id.to_string(), label: o.label(), selected: to == o.id.to_string() })
            .collect(),
        fields: SharedField::ALL
            .iter()
            .map(|f| FieldChoice {
                code: f.code().to_string(),
                label: tr.t(&f.label_key()),
                checked: sharing::ALWAYS.contains(f) || chosen.contains(f),
                always: sharing::ALWAYS.contains(f),
                sensitive: sharing::SENSITIVE.contains(f),
            })
            .collect(),
        reason: input.map(|i| i.reason.clone()).unwrap_or_default(),
        errors,
    }
}

// ---------------------------------------------------------------------------------------------
// The section of the case page.

pub struct PendingTransfer {
    pub id: Uuid,
    pub to: String,
    pub proposed_on: String,
    pub reason: String,
    pub version: i64,
}

pub struct PastTransfer {
    pub on: String,
    pub from: String,
    pub to: String,
    pub status: String,
    pub case_number: String,
    pub new_case_number: Option<String>,
    pub reason: Option<String>,
}

/// What the case page shows of transfers.
pub struct CaseTransfers {
    pub pending: Option<PendingTransfer>,
    pub past: Vec<PastTransfer>,
    /// Whether the actor may cancel the pending transfer (a case manager of the case's organisation).
    pub may_cancel: bool,
    /// The form to propose one: for case managers of the case's organisation, while the case is open
    /// and no transfer waits.
    pub form: Option<ProposeForm>,
}

/// The transfers of a case the actor sees (its page already checked that).
pub(super) async fn case_section(state: &AppState, auth: &Auth, case: &CaseRecord) -> Result<CaseTransfers, PageError> {
    let tr = auth.ctx.tr;
    let all = transfers::of_case(&state.app, &auth.actor, case.id).await.in_locale(tr)?;
    let names = if all.is_empty() { Vec::new() } else { state.app.db.organisation_names().await.in_locale(tr)? };
    let manages =
        transfers::handles_for(&auth.actor, case.organisation_id) && cnrm_app::cases::may_change(&auth.actor, case);
    let pending = all.iter().find(|t| t.status == TransferStatus::Proposed).map(|t| PendingTransfer {
        id: t.id,
        to: organisation_label(&names, t.to_organisation_id),
        proposed_on: show_date(tr, t.created_at.date()),
        reason: t.reason.clone(),
        version: t.version,
    });
    let past = all
        .iter()
        .filter(|t| t.status != TransferStatus::Proposed)
        .map(|t| PastTransfer {
            on: show_date(tr, t.decided_at.unwrap_or(t.updated_at).date()),
            from: organisation_label(&names, t.from_organisation_id),
            to: organisation_label(&names, t.to_organisation_id),
            status: tr.t(&t.status.label_key()),
            case_number: t.case_number.clone(),
            new_case_number: t.new_case_number.clone(),
            reason: t.decision_reason.clone().filter(|r| !r.is_empty()),
        })
        .collect();
    let form = if manages && pending.is_none() && case.status == CaseStatus::Open {
        Some(propose_form(tr, &receivers(state, tr, case.organisation_id).await?, None, FieldErrors::new()))
    } else {
        None
    };
    Ok(CaseTransfers { may_cancel: manages && pending.is_some(), pending, past, form })
}

// ---------------------------------------------------------------------------------------------
// Proposing.

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProposeInput {
    to_organisation_id: String,
    reason: String,
    shared_fields: Vec<String>,
}

/// The form sent back on its own, with the reason it was not saved.
#[derive(Template)]
#[template(path = "transfers/propose.html")]
struct ProposePage {
    l: Layout,
    id: Uuid,
    case_number: String,
    form: ProposeForm,
    alert: Option<String>,
}

/// A refusal as people read it (a consent withdrawn says since when).
fn refusal_text(
    tr: Tr,
    key: &str,
    case_consents: &[cnrm_domain::consent::ConsentRecord],
    partner: Option<Uuid>,
) -> String {
    if key == "error-consent-withdrawn" {
        if let Err(ConsentBlock::Withdrawn { on }) =
            consent_allows(case_consents, ConsentPurpose::ReferralSharing, partner)
        {
            return tr.t_with(key, &[("date", show_date(tr, on))]);
        }
    }
    tr.t(key)
}

/// Proposes the transfer of the case; without the returnee's consent to share with the receiver,
/// the form comes back saying why and nothing is proposed.
pub async fn propose(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<ProposeInput>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let input = TransferInput {
        to_organisation_id: form.to_organisation_id,
        reason: form.reason,
        shared_fields: form.shared_fields,
    };
    let rejection = match Rejection::of(transfers::propose(&state.app, &auth.actor, id, &input).await, tr)? {
        Ok(_) => return Ok(Redirect::to(&format!("/cases/{id}?msg=saved#transfers-title")).into_response()),
        Err(rejection) => rejection,
    };
    let status = rejection.status();
    let (errors, refused) = match rejection {
        Rejection::Invalid(errors) => (errors, None),
        Rejection::Refused(key) => (FieldErrors::new(), Some(key)),
        // A proposal changes no record the form showed: nothing can be stale.
        Rejection::Stale => return Err(PageError::App(AppError::Stale, tr)),
    };
    let file = cnrm_app::cases::visible(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let records: Vec<_> = file.consents.iter().map(|c| c.record).collect();
    let partner = Uuid::parse_str(input.to_organisation_id.trim()).ok();
    let organisations = receivers(&state, tr, file.case.organisation_id).await?;
    render_status(
        status,
        ProposePage {
            l: Layout::new(
                &auth.ctx,
                tr.t_with("transfer-propose-title", &[("number", file.case.case_number.clone())]),
            ),
            id,
            case_number: file.case.case_number.clone(),
            form: propose_form(tr, &organisations, Some(&input), errors),
            alert: refused.map(|key| refusal_text(tr, key, &records, partner)),
        },
    )
}

// ---------------------------------------------------------------------------------------------
// The list.

struct Row {
    id: Uuid,
    case_number: String,
    organisation: String,
    proposed_on: String,
    status: String,
    pending: bool,
}

#[derive(Template)]
#[template(path = "transfers/list.html")]
struct ListPage {
    l: Layout,
    incoming: Vec<Row>,
    outgoing: Vec<Row>,
}

fn rows(tr: Tr, names: &[OrganisationName], items: &[Transfer], incoming: bool) -> Vec<Row> {
    items
        .iter()
        .map(|t| Row {
            id: t.id,
            case_number: t.case_number.clone(),
            organisation: organisation_label(
                names,
                if incoming { t.from_organisation_id } else { t.to_organisation_id },
            ),
            proposed_on: show_date(tr, t.created_at.date()),
            status: tr.t(&t.status.label_key()),
            pending: t.status == TransferStatus::Proposed,
        })
        .collect()
}

pub async fn list(State(state): State<AppState>, auth: Auth) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let lists = transfers::lists(&state.app, &auth.actor).await.in_locale(tr)?;
    let names = state.app.db.organisation_names().await.in_locale(tr)?;
    render(ListPage {
        l: Layout::new(&auth.ctx, tr.t("transfer-list-title")),
        incoming: rows(tr, &names, &lists.incoming, true),
        outgoing: rows(tr, &names, &lists.outgoing, false),
    })
}

// ---------------------------------------------------------------------------------------------
// One transfer.

#[derive(Template)]
#[template(path = "transfers/show.html")]
struct ShowPage {
    l: Layout,
    id: Uuid,
    case_id: Uuid,
    case_number: String,
    new_case_number: Option<String>,
    from: String,
    to: String,
    proposed_on: String,
    status: String,
    reason: String,
    decision_reason: Option<String>,
    receiver: bool,
    pending: bool,
    /// The receiver took the case: it opens it from here.
    accepted: bool,
    consent_holds: bool,
    person: Vec<Fact>,
    version: i64,
    /// The reason as typed, when a decline came back.
    reason_typed: String,
    errors: FieldErrors,
    alert: Option<String>,
}

/// The page; `get` audits the receiver's view of the person each time it is shown.
async fn show_page(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    reason_typed: String,
    errors: FieldErrors,
    alert: Option<String>,
) -> Result<ShowPage, PageError> {
    let tr = auth.ctx.tr;
    let TransferView { transfer: t, side, consent_holds, person } =
        transfers::get(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let names = state.app.db.organisation_names().await.in_locale(tr)?;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let person = SharedField::ALL
        .iter()
        .filter_map(|f| {
            person
                .get(f.code())
                .map(|v| Fact { label: tr.t(&f.label_key()), value: super::referrals::shown(tr, &units, *f, v) })
        })
        .collect();
    let pending = t.status == TransferStatus::Proposed;
    Ok(ShowPage {
        l: Layout::new(&auth.ctx, tr.t_with("transfer-title", &[("number", t.case_number.clone())])),
        id: t.id,
        case_id: t.case_id,
        case_number: t.case_number.clone(),
        new_case_number: t.new_case_number.clone(),
        from: organisation_label(&names, t.from_organisation_id),
        to: organisation_label(&names, t.to_organisation_id),
        proposed_on: show_date(tr, t.created_at.date()),
        status: tr.t(&t.status.label_key()),
        reason: t.reason.clone(),
        decision_reason: t.decision_reason.clone().filter(|r| !r.is_empty()),
        receiver: side == Side::Receiver,
        pending,
        accepted: t.status == TransferStatus::Accepted,
        consent_holds,
        person,
        version: t.version,
        reason_typed,
        errors,
        alert,
    })
}

pub async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    render(show_page(&state, &auth, id, String::new(), FieldErrors::new(), None).await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    action: String,
    reason: String,
    version: Option<i64>,
    /// The page the form was on, to come back to.
    back: String,
}

/// Accept, decline (receiver) or cancel (sender). An accepted case opens at once for the receiver.
pub async fn act(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let input = TransferAction { action: form.action.clone(), reason: form.reason.clone(), version: form.version };
    let rejection = match Rejection::of(transfers::act(&state.app, &auth.actor, id, &input).await, tr)? {
        Ok(t) if t.status == TransferStatus::Accepted => {
            return Ok(Redirect::to(&format!("/cases/{}?msg=saved", t.case_id)).into_response());
        }
        Ok(_) => {
            let back = match safe_next(&form.back) {
                "/" | "" => format!("/transfers/{id}"),
                back => back.to_string(),
            };
            let joiner = if back.contains('?') { '&' } else { '?' };
            return Ok(Redirect::to(&format!("{back}{joiner}msg=saved")).into_response());
        }
        Err(rejection) => rejection,
    };
    let status = rejection.status();
    let (errors, alert) = match rejection {
        // The date of a withdrawal is the case's business, which the receiver does not see.
        Rejection::Refused("error-consent-withdrawn") => (FieldErrors::new(), Some(tr.t("transfer-consent-withdrawn"))),
        other => other.messages(tr, "error-stale-message"),
    };
    render_status(status, show_page(&state, &auth, id, form.reason, errors, alert).await?)
}
