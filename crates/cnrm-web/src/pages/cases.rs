//! Case management: the case list, registering a returnee (with the check for persons already
//! known), the case file with its actions (consent, screening, referrals to partners, assignment,
//! closure and reopening), changes to identity and return, and the case's history.
//!
//! Every rule (who may see or change a case, validation, priority, possible matches) lives in
//! `cnrm_app::cases`; these handlers parse the form, call the service and render its answer.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cnrm_app::cases::{self, CaseQuery, PossibleMatch, Registration, RegistrationOutcome};
use cnrm_app::plans::{self, PlanItemAction, PlanItemInput};
use cnrm_app::referrals::{self, ReferralInput};
use cnrm_app::AppError;
use cnrm_domain::consent::{consent_allows, ConsentBlock, ConsentInput, ConsentMethod, ConsentPurpose};
use cnrm_domain::export_fields::ExportList;
use cnrm_domain::followup::PlanTimeliness;
use cnrm_domain::lifecycle::case::{CaseStatus, ClosureReason};
use cnrm_domain::lifecycle::plan::{
    self as plan_lifecycle, AssistanceLevel, AssistanceType, DeliveryChannel, Dimension, PlanItemEvent, PlanItemStatus,
};
use cnrm_domain::lifecycle::referral::{self as referral_lifecycle, ReferralStatus};
use cnrm_domain::paging::{PageRequest, MAX_PER_PAGE};
use cnrm_domain::person::{
    age_at, DatePrecision, DocumentInput, DocumentType, EducationLevel, ImmediateAssistance, Language, MaritalStatus,
    PersonDraft, PersonInput, ReturnDraft, ReturnInput, ReturnType, Sex,
};
use cnrm_domain::sharing::{self, SharedField};
use cnrm_domain::vulnerability::{Priority, VulnerabilityFlag};
use cnrm_domain::{FieldErrors, Locale, Permission, Scope};
use cnrm_store::{AdminUnit, CaseFile, Organisation, OrganisationName, PlanFile, PlanItem, StoredConsent};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::{render, render_status, Layout, ListView, Rejection};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::forms::Form;
use crate::i18n::Tr;
use crate::AppState;

// ---------------------------------------------------------------------------------------------
// What the templates share: choices with their state, admin units, dates.

/// One option of a select or one check box of a group, with whether it is chosen.
pub struct Choice {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

/// The options of a coded list, those in `chosen` marked.
pub(super) fn choices<T: Copy, S: AsRef<str>>(
    tr: Tr,
    all: &[T],
    code: fn(T) -> &'static str,
    label_key: fn(T) -> String,
    chosen: &[S],
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            code: code(*v).to_string(),
            label: tr.t(&label_key(*v)),
            selected: chosen.iter().any(|c| c.as_ref().trim() == code(*v)),
        })
        .collect()
}

/// A region and its cercles, for a select grouped by region.
pub struct UnitGroup {
    pub name: String,
    pub region: Choice,
    pub cercles: Vec<Choice>,
}

/// The current regions with their cercles, `chosen` selected.
pub(super) fn unit_groups(tr: Tr, units: &[AdminUnit], chosen: &str) -> Vec<UnitGroup> {
    let chosen = chosen.trim();
    let choice = |u: &AdminUnit, label: String| Choice { code: u.pcode.clone(), label, selected: u.pcode == chosen };
    units
        .iter()
        .filter(|u| u.current && u.level == 1)
        .map(|region| UnitGroup {
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

pub(super) fn unit_name(units: &[AdminUnit], code: Option<&str>) -> String {
    match code {
        None => "—".into(),
        Some(code) => units.iter().find(|u| u.pcode == code).map_or_else(|| code.to_string(), |u| u.name.clone()),
    }
}

pub(super) fn organisation_label(names: &[OrganisationName], id: Uuid) -> String {
    names.iter().find(|o| o.id == id).map(OrganisationName::label).unwrap_or_default()
}

/// The organisations that may receive a referral now: every active one, by name.
async fn active_organisations(state: &AppState, tr: Tr) -> Result<Vec<Organisation>, PageError> {
    let mut request = PageRequest { page: 1, per_page: MAX_PER_PAGE, sort: "name", descending: false, search: None };
    let mut all = Vec::new();
    loop {
        let page = state.app.db.organisations(None, &request).await.in_locale(tr)?;
        let last = page.page >= page.pages();
        all.extend(page.items.into_iter().filter(|o| o.active));
        if last {
            return Ok(all);
        }
        request.page += 1;
    }
}

pub(super) fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// `YYYY-MM-DD`, what a date field holds.
fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// A date as people of the user's language write it (like [`Tr::datetime`]).
pub(super) fn show_date(tr: Tr, d: Date) -> String {
    match tr.locale {
        Locale::Fr => format!("{:02}/{:02}/{:04}", d.day(), d.month() as u8, d.year()),
        Locale::En => iso(d),
    }
}

fn text_or_dash(value: &Option<String>) -> String {
    value.clone().filter(|v| !v.is_empty()).unwrap_or_else(|| "—".into())
}

pub(super) fn list_or_dash(items: Vec<String>) -> String {
    if items.is_empty() {
        "—".into()
    } else {
        items.join(", ")
    }
}

/// Reads a form body into one of the input structures (they ignore the fields of the others).
fn parse_body<T: DeserializeOwned>(body: &[u8], tr: Tr) -> Result<T, PageError> {
    serde_html_form::from_bytes(body).map_err(|_| PageError::App(AppError::Invalid(FieldErrors::new()), tr))
}

// ---------------------------------------------------------------------------------------------
// The list.

struct Row {
    id: Uuid,
    case_number: String,
    name: String,
    sex: String,
    birth_year: String,
    arrival: String,
    returned_from: String,
    priority: String,
    urgent: bool,
    status: String,
    protection: bool,
}

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    view: ListView,
    q: CaseQuery,
    statuses: Vec<Choice>,
    priorities: Vec<Choice>,
    return_types: Vec<Choice>,
    settlements: Vec<UnitGroup>,
    mine: bool,
    /// Whether a filter besides the search box is set (their panel is then open).
    filtered: bool,
    may_register: bool,
    /// The export forms (cases, surveys), for those who may export (with the list's current filters).
    exports: Vec<super::exports::ExportForm>,
    /// Filters are never refused (unknown codes are ignored), but the controls share the form macros.
    errors: FieldErrors,
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CaseQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let page = cases::list(&state.app, &auth.actor, &q).await.in_locale(tr)?;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let rows = page
        .items
        .iter()
        .map(|c| Row {
            id: c.id,
            case_number: c.case_number.clone(),
            name: format!("{} {}", c.family_name, c.given_names),
            sex: tr.t(&c.sex.label_key()),
            birth_year: c.birth_date.map_or_else(|| "—".into(), |d| d.year().to_string()),
            arrival: show_date(tr, c.arrival_date),
            returned_from: c.returned_from.clone(),
            priority: tr.t(&c.priority.label_key()),
            urgent: c.priority == Priority::Urgent,
            status: tr.t(&c.status.label_key()),
            protection: c.protection,
        })
        .collect();
    let request = q.page_request();
    let mut view = ListView::new("/cases", &request, &page);
    view.q = q.q.trim().to_string();
    view.filters = vec![
        ("status", q.status.clone()),
        ("priority", q.priority.clone()),
        ("return_type", q.return_type.clone()),
        ("returned_from", q.returned_from.clone()),
        ("settlement", q.settlement.clone()),
        ("arrived_from", q.arrived_from.clone()),
        ("arrived_to", q.arrived_to.clone()),
        ("assigned", q.assigned.clone()),
    ];
    let filtered = view.filters.iter().any(|(_, v)| !v.trim().is_empty());
    let mut kept = view.filters.clone();
    kept.push(("q", view.q.clone()));
    kept.push(("sort", q.sort.clone().unwrap_or_default()));
    kept.push(("dir", q.dir.clone().unwrap_or_default()));
    let exports = [ExportList::Cases, ExportList::Surveys]
        .into_iter()
        .filter_map(|list| super::exports::ExportForm::for_list(tr, &auth.actor, list, kept.clone()))
        .collect();
    render(ListPage {
        l: Layout::new(&auth.ctx, tr.t("nav-cases")),
        rows,
        view,
        statuses: choices(tr, &CaseStatus::ALL, CaseStatus::code, CaseStatus::label_key, &[&q.status]),
        priorities: choices(tr, &Priority::ALL, Priority::code, Priority::label_key, &[&q.priority]),
        return_types: choices(tr, &ReturnType::ALL, ReturnType::code, ReturnType::label_key, &[&q.return_type]),
        settlements: unit_groups(tr, &units, &q.settlement),
        mine: q.assigned.trim() == "me",
        filtered,
        may_register: auth.actor.holds(Permission::CaseWrite),
        exports,
        errors: FieldErrors::new(),
        q,
    })
}

// ---------------------------------------------------------------------------------------------
// The identity and return fields, shared by registration and editing.

pub struct IdentityFields {
    pub p: PersonInput,
    /// At least two phone inputs, more when the person has more numbers.
    pub phones: Vec<(usize, String)>,
    pub sexes: Vec<Choice>,
    pub precisions: Vec<Choice>,
    pub languages: Vec<Choice>,
    pub education: Vec<Choice>,
    pub marital: Vec<Choice>,
    pub origin: Vec<UnitGroup>,
    pub settlement: Vec<UnitGroup>,
}

impl IdentityFields {
    fn new(tr: Tr, units: &[AdminUnit], p: PersonInput) -> IdentityFields {
        let mut phones = p.phones.clone();
        phones.resize(phones.len().max(2), String::new());
        IdentityFields {
            phones: phones.into_iter().enumerate().map(|(i, v)| (i + 1, v)).collect(),
            sexes: choices(tr, &Sex::ALL, Sex::code, Sex::label_key, &[&p.sex]),
            precisions: choices(
                tr,
                &DatePrecision::ALL,
                DatePrecision::code,
                DatePrecision::label_key,
                &[&p.birth_date_precision],
            ),
            languages: choices(tr, &Language::ALL, Language::code, Language::label_key, &p.languages),
            education: choices(
                tr,
                &EducationLevel::ALL,
                EducationLevel::code,
                EducationLevel::label_key,
                &[&p.education_level],
            ),
            marital: choices(
                tr,
                &MaritalStatus::ALL,
                MaritalStatus::code,
                MaritalStatus::label_key,
                &[&p.marital_status],
            ),
            origin: unit_groups(tr, units, &p.place_of_origin),
            settlement: unit_groups(tr, units, &p.intended_settlement),
            p,
        }
    }
}

pub struct ReturnFields {
    pub r: ReturnInput,
    pub return_types: Vec<Choice>,
    pub assistance: Vec<Choice>,
}

impl ReturnFields {
    fn new(tr: Tr, r: ReturnInput) -> ReturnFields {
        ReturnFields {
            return_types: choices(tr, &ReturnType::ALL, ReturnType::code, ReturnType::label_key, &[&r.return_type]),
            assistance: choices(
                tr,
                &ImmediateAssistance::ALL,
                ImmediateAssistance::code,
                ImmediateAssistance::label_key,
                &r.immediate_assistance,
            ),
            r,
        }
    }
}

/// What a stored identity looks like in the form that changes it.
fn person_input(p: &PersonDraft, today: Date) -> PersonInput {
    let d = p.birth.date;
    let (date_of_birth, estimated_age) = match p.birth.precision {
        DatePrecision::Exact => (format!("{:02}/{:02}/{:04}", d.day(), d.month() as u8, d.year()), String::new()),
        DatePrecision::Month => (format!("{:02}/{:04}", d.month() as u8, d.year()), String::new()),
        DatePrecision::Year => (d.year().to_string(), String::new()),
        DatePrecision::EstimatedAge => (String::new(), (today.year() - d.year()).to_string()),
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    PersonInput {
        family_name: p.family_name.clone(),
        given_names: p.given_names.clone(),
        other_names: text(&p.other_names),
        father_name: text(&p.father_name),
        mother_name: text(&p.mother_name),
        sex: p.sex.code().into(),
        date_of_birth,
        birth_date_precision: p.birth.precision.code().into(),
        estimated_age,
        nationality: p.nationality.clone(),
        phones: p.phones.clone(),
        languages: p.languages.iter().map(|l| l.code().to_string()).collect(),
        education_level: p.education_level.map(|e| e.code().to_string()).unwrap_or_default(),
        occupation: text(&p.occupation),
        skills: text(&p.skills),
        marital_status: p.marital_status.map(|m| m.code().to_string()).unwrap_or_default(),
        dependants: p.dependants.map(|d| d.to_string()).unwrap_or_default(),
        place_of_origin: text(&p.place_of_origin),
        intended_settlement: text(&p.intended_settlement),
        emergency_contact_name: text(&p.emergency_contact_name),
        emergency_contact_phone: text(&p.emergency_contact_phone),
    }
}

fn return_input(r: &ReturnDraft) -> ReturnInput {
    ReturnInput {
        arrival_date: iso(r.arrival_date),
        returned_from: r.returned_from.clone(),
        return_type: r.return_type.code().into(),
        point_of_arrival: r.point_of_arrival.clone().unwrap_or_default(),
        programme: r.programme.clone().unwrap_or_default(),
        immediate_assistance: r.immediate_assistance.iter().map(|a| a.code().to_string()).collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Registration.

/// The registration fields that are neither identity, document nor return.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RegistrationRest {
    consent_method: String,
    vulnerabilities: Vec<String>,
    existing_person_id: String,
    #[serde(deserialize_with = "crate::forms::checkbox")]
    confirm_new_person: bool,
    /// Registering a family member of this case (see `pages::household`), and how they are related.
    family_of: String,
    family_relation: String,
}

/// The registration form as typed: one flat form, read into the service's nested input.
struct RegistrationForm {
    person: PersonInput,
    ret: ReturnInput,
    document: DocumentInput,
    rest: RegistrationRest,
}

impl RegistrationForm {
    fn parse(body: &[u8], tr: Tr) -> Result<RegistrationForm, PageError> {
        Ok(RegistrationForm {
            person: parse_body(body, tr)?,
            ret: parse_body(body, tr)?,
            document: parse_body(body, tr)?,
            rest: parse_body(body, tr)?,
        })
    }

    fn registration(&self) -> Registration {
        Registration {
            person: self.person.clone(),
            ret: self.ret.clone(),
            documents: vec![self.document.clone()],
            consent_method: self.rest.consent_method.clone(),
            vulnerabilities: self.rest.vulnerabilities.clone(),
            existing_person_id: Uuid::parse_str(self.rest.existing_person_id.trim()).ok(),
            confirm_new_person: self.rest.confirm_new_person,
        }
    }
}

struct MatchRow {
    case_id: Option<Uuid>,
    case_number: String,
    person_id: String,
    name: String,
    birth_year: String,
    organisation: String,
    /// Identity resolution (see `pages::identity`): why it may be the same person, the assistance
    /// already given elsewhere, where to ask, or only a signal (a protection case out of reach).
    reasons: String,
    assistance: String,
    ask_href: Option<String>,
    signal_only: bool,
}

#[derive(Template)]
#[template(path = "cases/new.html")]
struct NewPage {
    l: Layout,
    idf: IdentityFields,
    rf: ReturnFields,
    document: DocumentInput,
    doc_types: Vec<Choice>,
    vulnerabilities: Vec<Choice>,
    methods: Vec<Choice>,
    errors: FieldErrors,
    matches: Vec<MatchRow>,
    /// Set when registering a family member of a case.
    family: Option<super::household::FamilyOf>,
}

async fn new_page(
    state: &AppState,
    auth: &Auth,
    form: RegistrationForm,
    errors: FieldErrors,
    matches: Vec<PossibleMatch>,
) -> Result<NewPage, PageError> {
    let tr = auth.ctx.tr;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let names = if matches.is_empty() { Vec::new() } else { state.app.db.organisation_names().await.in_locale(tr)? };
    let matches = matches
        .into_iter()
        .map(|m| MatchRow {
            case_id: m.case_id,
            case_number: m.case_number.unwrap_or_default(),
            person_id: m.person_id.map(|p| p.to_string()).unwrap_or_default(),
            name: m.name.unwrap_or_default(),
            birth_year: m.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            organisation: organisation_label(&names, m.organisation_id),
            reasons: m.disclosure.reasons.iter().map(|r| tr.t(r.label_key())).collect::<Vec<_>>().join(", "),
            assistance: m.disclosure.assistance.iter().map(|a| tr.t(&a.label_key())).collect::<Vec<_>>().join(", "),
            ask_href: m
                .disclosure
                .contact_ref
                .map(|r| format!("/identity/ask?organisation_id={}&contact_ref={r}", m.organisation_id)),
            signal_only: m.disclosure.signal_only,
        })
        .collect();
    let family =
        super::household::family_of_panel(state, auth, &form.rest.family_of, &form.rest.family_relation).await?;
    let RegistrationForm { person, ret, document, rest } = form;
    Ok(NewPage {
        family,
        l: Layout::new(&auth.ctx, tr.t("case-new")),
        idf: IdentityFields::new(tr, &units, person),
        rf: ReturnFields::new(tr, ret),
        doc_types: choices(tr, &DocumentType::ALL, DocumentType::code, DocumentType::label_key, &[&document.doc_type]),
        document,
        vulnerabilities: choices(
            tr,
            &VulnerabilityFlag::ALL,
            VulnerabilityFlag::code,
            VulnerabilityFlag::label_key,
            &rest.vulnerabilities,
        ),
        methods: choices(
            tr,
            &ConsentMethod::ALL,
            ConsentMethod::code,
            ConsentMethod::label_key,
            &[&rest.consent_method],
        ),
        errors,
        matches,
    })
}

/// `?family_of={case}`: the registration of a family member, prefilled with that case's return.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewCaseQuery {
    family_of: String,
}

pub async fn new_form(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<NewCaseQuery>,
) -> Result<Response, PageError> {
    auth.actor.require(Permission::CaseWrite).in_locale(auth.ctx.tr)?;
    let mut form = RegistrationForm {
        person: PersonInput { nationality: "ML".into(), ..Default::default() },
        ret: ReturnInput::default(),
        document: DocumentInput::default(),
        rest: RegistrationRest::default(),
    };
    if let Ok(family_of) = Uuid::parse_str(q.family_of.trim()) {
        let prefill =
            cnrm_app::family::registration_prefill(&state.app, &auth.actor, family_of).await.in_locale(auth.ctx.tr)?;
        form.ret = prefill.ret;
        form.person.intended_settlement = prefill.settlement.unwrap_or_default();
        form.rest.family_of = family_of.to_string();
    }
    render(new_page(&state, &auth, form, FieldErrors::new(), Vec::new()).await?)
}

pub async fn register(State(state): State<AppState>, auth: Auth, body: Bytes) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let form = RegistrationForm::parse(&body, tr)?;
    let outcome = match form.rest.family_of.trim() {
        "" => cases::register(&state.app, &auth.actor, &form.registration()).await,
        raw => match Uuid::parse_str(raw) {
            Ok(family_of) => {
                let relation = &form.rest.family_relation;
                cnrm_app::family::register_member(&state.app, &auth.actor, family_of, relation, &form.registration())
                    .await
            }
            Err(_) => Err(AppError::NotFound),
        },
    };
    match outcome {
        Ok(RegistrationOutcome::Registered(case)) => {
            Ok(Redirect::to(&format!("/cases/{}?msg=created", case.id)).into_response())
        }
        Ok(RegistrationOutcome::PossibleMatches(matches)) => {
            render(new_page(&state, &auth, form, FieldErrors::new(), matches).await?)
        }
        Err(AppError::Invalid(errors)) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, new_page(&state, &auth, form, errors, Vec::new()).await?)
        }
        Err(e) => Err(PageError::App(e, tr)),
    }
}

// ---------------------------------------------------------------------------------------------
// The case file.

pub(super) struct Fact {
    pub label: String,
    pub value: String,
}

struct DocumentRow {
    kind: String,
    number: String,
    country: String,
}

struct ConsentRow {
    id: Uuid,
    purpose: String,
    partner: String,
    method: String,
    granted_on: String,
    withdrawn_on: Option<String>,
}

struct TaskRow {
    label: String,
    due: String,
    assignee: String,
    done: bool,
    /// What came of a follow-up contact (see `pages::household`).
    outcome: Option<String>,
    /// Where its outcome is recorded, for an open follow-up the reader may record.
    outcome_href: Option<String>,
}

struct TimelineRow {
    at: String,
    actor: String,
    action: String,
}

/// What a failed action brings back to the case page: its messages and what was typed.
#[derive(Default)]
struct Retry {
    errors: FieldErrors,
    alert: Option<String>,
    consent: Option<ConsentInput>,
    flags: Option<Vec<String>>,
    assigned_to: Option<String>,
    closure_reason: String,
    reopen_reason: String,
    referral: Option<ReferralInput>,
    /// A referral action sent back: the referral and the text typed in its form.
    referral_action: Option<(Uuid, String)>,
    /// The message key of a refusal (shown with what the case file says: a withdrawal's date).
    refused: Option<&'static str>,
    /// The assistance form as typed.
    plan_item: Option<PlanItemInput>,
    /// The agreement date as typed.
    agreed_on: Option<String>,
    /// An action on a plan item sent back: the item and what was typed in its forms.
    plan_item_action: Option<(Uuid, PlanItemAction)>,
    /// The need whose destinations the referral form offers (`?service=` on the case page).
    referral_service: Option<String>,
}

/// One referral of the case, as its sender sees it.
struct ReferralRow {
    id: Uuid,
    service: String,
    organisation: String,
    sent_on: String,
    status: String,
    due: Option<String>,
    overdue: bool,
    reason: Option<String>,
    feedback: Option<String>,
    version: i64,
    /// Still with the receiver: the sender may revoke it.
    open: bool,
    /// Ended and without feedback yet: the sender may give it.
    awaits_feedback: bool,
    /// The feedback as typed and its message, when the form came back.
    typed_feedback: String,
    feedback_error: Option<String>,
}

/// A service to refer for, with the fields it shares by default (codes, space-separated).
struct ServiceChoice {
    code: String,
    label: String,
    selected: bool,
    defaults: String,
}

/// A field a referral may share.
struct FieldChoice {
    code: String,
    label: String,
    checked: bool,
    /// Always shared (names, sex, phones): shown ticked, cannot be unticked.
    always: bool,
    /// Reveals the person's situation: shared only knowingly.
    sensitive: bool,
}

/// The form that sends a referral.
struct ReferralForm {
    organisations: Vec<Choice>,
    services: Vec<ServiceChoice>,
    fields: Vec<FieldChoice>,
    input: ReferralInput,
    /// The earliest due date (today), for the date picker.
    min_due: String,
    /// The plan's items a referral may deliver (those not delivered nor cancelled).
    plan_items: Vec<Choice>,
    /// What the service catalogue says of the destinations offered (see `pages::catalogue`).
    destination_note: Option<String>,
}

fn referral_form(
    tr: Tr,
    organisations: &[Organisation],
    own: Uuid,
    items: &[PlanItem],
    input: Option<ReferralInput>,
) -> ReferralForm {
    let fresh = input.is_none();
    let input = input.unwrap_or_default();
    let plan_items = items
        .iter()
        .filter(|i| !i.status.is_terminal())
        .map(|i| Choice {
            code: i.id.to_string(),
            label: plan_item_label(tr, i),
            selected: input.plan_item_id == Some(i.id),
        })
        .collect();
    let chosen_service = AssistanceType::parse(input.service.trim());
    let organisations = organisations
        .iter()
        .filter(|o| o.id != own)
        .map(|o| Choice {
            code: o.id.to_string(),
            label: OrganisationName { id: o.id, name: o.name.clone(), acronym: o.acronym.clone() }.label(),
            selected: input.to_organisation_id.trim() == o.id.to_string(),
        })
        .collect();
    let services = AssistanceType::ALL
        .iter()
        .map(|s| ServiceChoice {
            code: s.code().to_string(),
            label: tr.t(&s.label_key()),
            selected: chosen_service == Some(*s),
            defaults: sharing::default_fields(*s)
                .iter()
                .filter(|f| !sharing::ALWAYS.contains(f))
                .map(|f| f.code())
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect();
    // A new form shows what the first service (or the one chosen) shares by default; a form sent
    // back shows what was ticked.
    let defaults = sharing::default_fields(chosen_service.unwrap_or(AssistanceType::ALL[0]));
    let fields = SharedField::ALL
        .iter()
        .map(|f| {
            let always = sharing::ALWAYS.contains(f);
            let ticked =
                if fresh { defaults.contains(f) } else { input.shared_fields.iter().any(|c| c.trim() == f.code()) };
            FieldChoice {
                code: f.code().to_string(),
                label: tr.t(&f.label_key()),
                checked: always || ticked,
                always,
                sensitive: sharing::SENSITIVE.contains(f),
            }
        })
        .collect();
    ReferralForm { organisations, services, fields, input, min_due: iso(today()), plan_items, destination_note: None }
}

/// A refusal's message; a consent withdrawal says when it happened (for a referral, the
/// withdrawal of the consent to share with the chosen partner).
fn refusal_text(tr: Tr, key: &str, consents: &[StoredConsent], partner: Option<Uuid>) -> String {
    if key == "error-consent-withdrawn" {
        let records: Vec<_> = consents.iter().map(|c| c.record).collect();
        if let Err(ConsentBlock::Withdrawn { on }) = consent_allows(&records, ConsentPurpose::ReferralSharing, partner)
        {
            return tr.t_with(key, &[("date", show_date(tr, on))]);
        }
    }
    tr.t(key)
}

// ---------------------------------------------------------------------------------------------
// The reintegration plan on the case page.

/// An amount in francs CFA, digits grouped by three with spaces: `350 000 F CFA`.
pub(super) fn xof(tr: Tr, amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    if amount < 0 {
        grouped.insert(0, '-');
    }
    tr.t_with("amount-xof", &[("amount", grouped)])
}

/// How an item is named in a list of items: its type and the start of its description.
fn plan_item_label(tr: Tr, item: &PlanItem) -> String {
    let kind = tr.t(&item.assistance_type.label_key());
    let status = tr.t(&item.status.label_key());
    let description: String = item.description.chars().take(60).collect();
    if description.is_empty() {
        format!("{kind} ({status})")
    } else {
        format!("{kind} — {description} ({status})")
    }
}

/// One assistance of the plan, with the steps its reader may take.
struct PlanItemRow {
    id: Uuid,
    dimension: String,
    assistance_type: String,
    level: String,
    channel: String,
    provider: String,
    description: String,
    budget: String,
    spent: String,
    overspent: bool,
    start_on: String,
    end_on: String,
    status: String,
    status_code: &'static str,
    cancel_reason: Option<String>,
    version: i64,
    may_start: bool,
    may_deliver: bool,
    may_cancel: bool,
    /// What was typed in this item's forms when they came back, and their messages.
    typed_spent: String,
    typed_reason: String,
    spent_error: Option<String>,
    reason_error: Option<String>,
}

/// The form that adds an assistance.
struct PlanItemForm {
    input: PlanItemInput,
    dimensions: Vec<Choice>,
    types: Vec<Choice>,
    levels: Vec<Choice>,
    channels: Vec<Choice>,
    providers: Vec<Choice>,
}

/// The plan section: timeliness, agreement, approval, items and the forms that change them.
struct PlanView {
    exists: bool,
    timeliness: String,
    /// `on_time`, `late`, `pending` or `overdue` (the badge's look).
    timeliness_code: &'static str,
    agreed_on: Option<String>,
    /// The agreement date in its form (ISO), as typed when the form came back.
    agreed_input: String,
    version: i64,
    author: Option<String>,
    approved: Option<String>,
    /// Items wait for approval and the reader may approve them (holds the permission, did not write the plan).
    may_approve: bool,
    /// Items wait for approval but the reader may not approve them.
    awaiting_approval: bool,
    items: Vec<PlanItemRow>,
    planned_budget: String,
    item_form: Option<PlanItemForm>,
    may_change: bool,
}

struct PlanParts<'a> {
    file: Option<&'a PlanFile>,
    timeliness: PlanTimeliness,
    organisation_id: Uuid,
    names: &'a [OrganisationName],
    organisations: &'a [Organisation],
    may_change: bool,
}

struct PlanRetry<'a> {
    errors: &'a FieldErrors,
    item: Option<PlanItemInput>,
    agreed_on: Option<String>,
    action: Option<(Uuid, PlanItemAction)>,
}

async fn plan_view(
    state: &AppState,
    auth: &Auth,
    parts: PlanParts<'_>,
    retry: PlanRetry<'_>,
) -> Result<PlanView, PageError> {
    let tr = auth.ctx.tr;
    let PlanParts { file, timeliness, organisation_id, names, organisations, may_change } = parts;
    let items: &[PlanItem] = file.map_or(&[], |f| &f.items);
    let plan = file.map(|f| &f.plan);
    let any_planned = items.iter().any(|i| i.status == PlanItemStatus::Planned);
    let approver = auth.actor.principal().may(Permission::PlanApprove, organisation_id, None, None);
    let author_id = plan.and_then(|p| p.author_id);
    let may_approve = any_planned && approver && author_id != Some(auth.actor.user.id);
    let author = user_name(state, tr, author_id).await?;
    let approved = match plan.and_then(|p| p.approved_at.map(|at| (p.approved_by, at))) {
        Some((by, at)) => Some(tr.t_with(
            "plan-approved-by",
            &[
                ("name", user_name(state, tr, by).await?.unwrap_or_else(|| "—".into())),
                ("date", show_date(tr, at.date())),
            ],
        )),
        None => None,
    };
    let (action_id, action) = retry.action.unzip();
    let rows = items
        .iter()
        .map(|i| {
            let sent_back = action_id == Some(i.id);
            let typed = if sent_back { action.clone().unwrap_or_default() } else { PlanItemAction::default() };
            let error = |field: &str| if sent_back { retry.errors.for_field(field).map(|k| tr.t(k)) } else { None };
            let date = |d: Option<Date>| d.map_or_else(|| "—".into(), |d| show_date(tr, d));
            PlanItemRow {
                id: i.id,
                dimension: tr.t(&i.dimension.label_key()),
                assistance_type: tr.t(&i.assistance_type.label_key()),
                level: tr.t(&i.level.label_key()),
                channel: tr.t(&i.channel.label_key()),
                provider: i.provider_organisation_id.map_or_else(|| "—".into(), |o| organisation_label(names, o)),
                description: if i.description.is_empty() { "—".into() } else { i.description.clone() },
                budget: xof(tr, i.budget_xof),
                spent: xof(tr, i.spent_xof),
                overspent: plan_lifecycle::overspent(i.budget_xof, i.spent_xof),
                start_on: date(i.start_on),
                end_on: date(i.end_on),
                status: tr.t(&i.status.label_key()),
                status_code: i.status.code(),
                cancel_reason: i.cancel_reason.clone().filter(|r| !r.is_empty()),
                version: i.version,
                may_start: may_change && plan_lifecycle::transition(i.status, &PlanItemEvent::Start).is_ok(),
                may_deliver: may_change && plan_lifecycle::transition(i.status, &PlanItemEvent::Deliver).is_ok(),
                may_cancel: may_change && !i.status.is_terminal(),
                spent_error: error("spent_xof"),
                reason_error: error("reason"),
                typed_spent: typed.spent_xof,
                typed_reason: typed.reason,
            }
        })
        .collect();
    let planned_budget =
        xof(tr, items.iter().filter(|i| i.status != PlanItemStatus::Cancelled).map(|i| i.budget_xof).sum());
    let item_form = may_change.then(|| {
        let input = retry.item.unwrap_or_default();
        PlanItemForm {
            dimensions: choices(tr, &Dimension::ALL, Dimension::code, Dimension::label_key, &[&input.dimension]),
            types: choices(
                tr,
                &AssistanceType::ALL,
                AssistanceType::code,
                AssistanceType::label_key,
                &[&input.assistance_type],
            ),
            levels: choices(
                tr,
                &AssistanceLevel::ALL,
                AssistanceLevel::code,
                AssistanceLevel::label_key,
                &[&input.level],
            ),
            channels: choices(
                tr,
                &DeliveryChannel::ALL,
                DeliveryChannel::code,
                DeliveryChannel::label_key,
                &[&input.channel],
            ),
            providers: organisations
                .iter()
                .map(|o| Choice {
                    code: o.id.to_string(),
                    label: OrganisationName { id: o.id, name: o.name.clone(), acronym: o.acronym.clone() }.label(),
                    selected: input.provider_organisation_id.trim() == o.id.to_string(),
                })
                .collect(),
            input,
        }
    });
    let agreed = plan.and_then(|p| p.agreed_on);
    Ok(PlanView {
        exists: plan.is_some(),
        timeliness: tr.t(&timeliness.label_key()),
        timeliness_code: timeliness.code(),
        agreed_on: agreed.map(|d| show_date(tr, d)),
        agreed_input: retry.agreed_on.unwrap_or_else(|| iso(agreed.unwrap_or_else(today))),
        version: plan.map_or(0, |p| p.version),
        author,
        approved,
        may_approve,
        awaiting_approval: any_planned && !may_approve,
        items: rows,
        planned_budget,
        item_form,
        may_change,
    })
}

#[derive(Template)]
#[template(path = "cases/show.html")]
struct ShowPage {
    l: Layout,
    id: Uuid,
    /// Which case tab this page is (see `cases/tabs.html`).
    tab: &'static str,
    case_number: String,
    name: String,
    status: String,
    open: bool,
    priority: String,
    urgent: bool,
    protection: bool,
    version: i64,
    identity: Vec<Fact>,
    documents: Vec<DocumentRow>,
    ret: Vec<Fact>,
    consents: Vec<ConsentRow>,
    consent: ConsentInput,
    purposes: Vec<Choice>,
    partners: Vec<Choice>,
    methods: Vec<Choice>,
    flags: Vec<Choice>,
    current_flags: Vec<String>,
    tasks: Vec<TaskRow>,
    assigned: String,
    assignees: Vec<Choice>,
    closed: Option<String>,
    closure_reasons: Vec<Choice>,
    reopen_reason: String,
    timeline: Vec<TimelineRow>,
    referrals: Vec<ReferralRow>,
    /// The form to send a referral: for those who may change the case, while it is open.
    referral_form: Option<ReferralForm>,
    plan: PlanView,
    /// The collective projects the case belongs to.
    projects: Vec<super::projects::CaseProject>,
    /// Transfers of the case to another organisation (see `pages::transfers`).
    transfers: super::transfers::CaseTransfers,
    /// Other records of the same person (see `pages::identity`).
    linked: Vec<super::identity::LinkedRow>,
    may_change: bool,
    may_assign: bool,
    errors: FieldErrors,
    alert: Option<String>,
}

/// The label of an audit action in the case history (`case.return_update` → `timeline-case-return-update`).
fn timeline_label(tr: Tr, action: &str) -> String {
    let key = format!("timeline-{}", action.replace(['.', '_'], "-"));
    let label = tr.t(&key);
    if label == key {
        action.to_string()
    } else {
        label
    }
}

async fn user_name(state: &AppState, tr: Tr, id: Option<Uuid>) -> Result<Option<String>, PageError> {
    match id {
        None => Ok(None),
        Some(id) => {
            Ok(Some(state.app.db.user(id).await.in_locale(tr)?.map_or_else(|| id.to_string(), |u| u.display_name)))
        }
    }
}

/// How much of the birth date is known, as people write it.
fn birth_text(tr: Tr, birth: &cnrm_domain::person::BirthDate) -> String {
    let d = birth.date;
    match (birth.precision, tr.locale) {
        (DatePrecision::Exact, _) => show_date(tr, d),
        (DatePrecision::Month, Locale::Fr) => format!("{:02}/{:04}", d.month() as u8, d.year()),
        (DatePrecision::Month, Locale::En) => format!("{:04}-{:02}", d.year(), d.month() as u8),
        (DatePrecision::Year, _) => d.year().to_string(),
        (DatePrecision::EstimatedAge, _) => tr.t_with("case-birth-estimated", &[("year", d.year().to_string())]),
    }
}

fn identity_facts(tr: Tr, p: &PersonDraft, units: &[AdminUnit], today: Date) -> Vec<Fact> {
    let fact = |key: &str, value: String| Fact { label: tr.t(key), value };
    let label = |key: Option<String>| key.map_or_else(|| "—".into(), |k| tr.t(&k));
    let age = age_at(&p.birth, today)
        .map_or_else(|| "—".into(), |years| tr.t_with("case-age", &[("years", years.to_string())]));
    vec![
        fact("case-field-family-name", p.family_name.clone()),
        fact("case-field-given-names", p.given_names.clone()),
        fact("case-field-other-names", text_or_dash(&p.other_names)),
        fact("case-field-father-name", text_or_dash(&p.father_name)),
        fact("case-field-mother-name", text_or_dash(&p.mother_name)),
        fact("case-field-sex", tr.t(&p.sex.label_key())),
        fact("case-field-date-of-birth", birth_text(tr, &p.birth)),
        fact("case-field-age", age),
        fact("case-field-nationality", p.nationality.clone()),
        fact("case-field-phones", list_or_dash(p.phones.clone())),
        fact("case-field-languages", list_or_dash(p.languages.iter().map(|l| tr.t(&l.label_key())).collect())),
        fact("case-field-education-level", label(p.education_level.map(|e| e.label_key()))),
        fact("case-field-occupation", text_or_dash(&p.occupation)),
        fact("case-field-skills", text_or_dash(&p.skills)),
        fact("case-field-marital-status", label(p.marital_status.map(|m| m.label_key()))),
        fact("case-field-dependants", p.dependants.map_or_else(|| "—".into(), |d| d.to_string())),
        fact("case-field-place-of-origin", unit_name(units, p.place_of_origin.as_deref())),
        fact("case-field-intended-settlement", unit_name(units, p.intended_settlement.as_deref())),
        fact("case-field-emergency-contact-name", text_or_dash(&p.emergency_contact_name)),
        fact("case-field-emergency-contact-phone", text_or_dash(&p.emergency_contact_phone)),
    ]
}

fn return_facts(tr: Tr, r: &ReturnDraft) -> Vec<Fact> {
    let fact = |key: &str, value: String| Fact { label: tr.t(key), value };
    vec![
        fact("case-field-arrival-date", show_date(tr, r.arrival_date)),
        fact("case-field-returned-from", r.returned_from.clone()),
        fact("case-field-return-type", tr.t(&r.return_type.label_key())),
        fact("case-field-point-of-arrival", text_or_dash(&r.point_of_arrival)),
        fact("case-field-programme", text_or_dash(&r.programme)),
        fact(
            "case-field-immediate-assistance",
            list_or_dash(r.immediate_assistance.iter().map(|a| tr.t(&a.label_key())).collect()),
        ),
    ]
}

async fn show_page(state: &AppState, auth: &Auth, id: Uuid, retry: Retry) -> Result<ShowPage, PageError> {
    let tr = auth.ctx.tr;
    let CaseFile { case, person, consents, flags, tasks } =
        cases::get(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let history = cases::timeline(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let names = state.app.db.organisation_names().await.in_locale(tr)?;
    let today = today();
    let may_change = cases::may_change(&auth.actor, &case);
    let may_assign = may_change && auth.actor.user.role.scope_of(Permission::CaseWrite) == Some(Scope::Organisation);

    let identity = identity_facts(tr, &person.draft, &units, today);
    let documents = person
        .documents
        .iter()
        .map(|d| DocumentRow {
            kind: tr.t(&d.doc_type.label_key()),
            number: d.number.clone(),
            country: d.issuing_country.clone(),
        })
        .collect();
    let ret = return_facts(tr, &case.ret);
    let consent_rows = consents
        .iter()
        .map(|c| ConsentRow {
            id: c.id,
            purpose: tr.t(&c.record.purpose.label_key()),
            partner: c.record.partner_organisation_id.map(|o| organisation_label(&names, o)).unwrap_or_default(),
            method: tr.t(&c.record.method.label_key()),
            granted_on: show_date(tr, c.record.granted_on),
            withdrawn_on: c.record.withdrawn_on.map(|d| show_date(tr, d)),
        })
        .collect();
    let consent = retry.consent.unwrap_or_else(|| ConsentInput { granted_on: iso(today), ..Default::default() });
    let partners = names
        .iter()
        .filter(|o| o.id != case.organisation_id)
        .map(|o| Choice {
            code: o.id.to_string(),
            label: o.label(),
            selected: consent.partner_organisation_id.trim() == o.id.to_string(),
        })
        .collect();
    let current: Vec<String> = flags.iter().map(|f| f.flag.code().to_string()).collect();
    let mut task_rows = Vec::new();
    let outcomes = cnrm_app::followups::outcomes_of_case(&state.app, &auth.actor, id).await.in_locale(tr)?;
    for t in &tasks {
        let follow_up = t.kind == cnrm_domain::contact::FOLLOW_UP_TASK;
        task_rows.push(TaskRow {
            label: tr.t(&format!("task-{}", t.kind)),
            due: show_date(tr, t.due_on),
            assignee: user_name(state, tr, t.assigned_to).await?.unwrap_or_else(|| "—".into()),
            done: t.done_at.is_some(),
            outcome: outcomes.iter().find(|o| o.task_id == t.id).map(|o| super::household::outcome_summary(tr, o)),
            outcome_href: (follow_up && may_change && t.done_at.is_none())
                .then(|| format!("/cases/{id}/tasks/{}/outcome", t.id)),
        });
    }
    let assigned = user_name(state, tr, case.assigned_to).await?.unwrap_or_else(|| tr.t("case-unassigned"));
    let assignees = if may_assign {
        let request = PageRequest { page: 1, per_page: 200, sort: "name", descending: false, search: None };
        let chosen = retry.assigned_to.unwrap_or_else(|| case.assigned_to.map(|a| a.to_string()).unwrap_or_default());
        state
            .app
            .db
            .users(Some(case.organisation_id), &request)
            .await
            .in_locale(tr)?
            .items
            .into_iter()
            .filter(|u| !u.disabled && u.role.scope_of(Permission::CaseRead).is_some())
            .map(|u| Choice {
                selected: chosen == u.id.to_string(),
                code: u.id.to_string(),
                label: format!("{} — {}", u.display_name, tr.role(u.role)),
            })
            .collect()
    } else {
        Vec::new()
    };
    let closed = match (case.status, case.closure_reason) {
        (CaseStatus::Closed, reason) => Some(tr.t_with(
            "case-closed-on",
            &[
                ("date", case.closed_on.map(|d| show_date(tr, d)).unwrap_or_default()),
                ("reason", reason.map(|r| tr.t(&r.label_key())).unwrap_or_default()),
            ],
        )),
        _ => None,
    };
    let timeline = history
        .iter()
        .map(|e| TimelineRow {
            at: tr.datetime(&e.at),
            actor: e.actor_username.clone(),
            action: timeline_label(tr, &e.action),
        })
        .collect();
    let (action_id, typed_feedback) = retry.referral_action.unzip();
    let referral_rows = referrals::of_case(&state.app, &auth.actor, id)
        .await
        .in_locale(tr)?
        .into_iter()
        .map(|r| {
            let sent_back = action_id == Some(r.id);
            ReferralRow {
                id: r.id,
                service: tr.t(&r.service.label_key()),
                organisation: organisation_label(&names, r.to_organisation_id),
                sent_on: show_date(tr, r.created_at.date()),
                status: tr.t(&r.status.label_key()),
                due: r.due_on.map(|d| show_date(tr, d)),
                overdue: r.due_on.is_some_and(|d| referral_lifecycle::overdue(r.status, d, today)),
                reason: r.reason.filter(|t| !t.is_empty()),
                feedback: r.feedback.clone().filter(|t| !t.is_empty()),
                version: r.version,
                open: referral_lifecycle::is_open(r.status),
                awaits_feedback: matches!(r.status, ReferralStatus::Completed | ReferralStatus::NotCompleted)
                    && r.feedback.is_none(),
                typed_feedback: if sent_back { typed_feedback.clone().unwrap_or_default() } else { String::new() },
                feedback_error: if sent_back { retry.errors.for_field("reason").map(|k| tr.t(k)) } else { None },
            }
        })
        .collect();
    let partner = retry.referral.as_ref().and_then(|r| Uuid::parse_str(r.to_organisation_id.trim()).ok());
    let alert = retry.alert.or_else(|| retry.refused.map(|key| refusal_text(tr, key, &consents, partner)));
    let (plan_file, timeliness) = plans::of_case(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let plan_items: &[PlanItem] = plan_file.as_ref().map_or(&[], |p| &p.items);
    let organisations = if may_change { active_organisations(state, tr).await? } else { Vec::new() };
    let referral_form = if may_change && case.status == CaseStatus::Open {
        let mut form = referral_form(tr, &organisations, case.organisation_id, plan_items, retry.referral);
        // The destinations for the need chosen (in the form sent back, or asked for with `?service=`).
        let chosen = AssistanceType::parse(form.input.service.trim())
            .or_else(|| retry.referral_service.as_deref().and_then(|s| AssistanceType::parse(s.trim())));
        let offered = std::mem::take(&mut form.organisations);
        let found = super::catalogue::referral_destinations(state, auth, id, chosen, offered).await?;
        form.organisations = found.organisations;
        form.destination_note = found.note;
        if let Some(chosen) = chosen {
            form.services.iter_mut().for_each(|s| s.selected = s.code == chosen.code());
            if form.input.service.trim().is_empty() {
                // A new form for the need asked for shares what that need shares by default.
                let defaults = sharing::default_fields(chosen);
                form.fields
                    .iter_mut()
                    .for_each(|f| f.checked = f.always || defaults.iter().any(|d| d.code() == f.code));
            }
        }
        Some(form)
    } else {
        None
    };
    let plan = plan_view(
        state,
        auth,
        PlanParts {
            file: plan_file.as_ref(),
            timeliness,
            organisation_id: case.organisation_id,
            names: &names,
            organisations: &organisations,
            may_change,
        },
        PlanRetry {
            errors: &retry.errors,
            item: retry.plan_item,
            agreed_on: retry.agreed_on,
            action: retry.plan_item_action,
        },
    )
    .await?;
    Ok(ShowPage {
        tab: "file",
        l: Layout::new(&auth.ctx, tr.t_with("case-title", &[("number", case.case_number.clone())])),
        id: case.id,
        case_number: case.case_number.clone(),
        name: format!("{} {}", person.draft.family_name, person.draft.given_names),
        status: tr.t(&case.status.label_key()),
        open: case.status == CaseStatus::Open,
        priority: tr.t(&case.priority.label_key()),
        urgent: case.priority == Priority::Urgent,
        protection: case.protection,
        version: case.version,
        identity,
        documents,
        ret,
        consents: consent_rows,
        purposes: choices(
            tr,
            &ConsentPurpose::ALL,
            ConsentPurpose::code,
            ConsentPurpose::label_key,
            &[&consent.purpose],
        ),
        methods: choices(tr, &ConsentMethod::ALL, ConsentMethod::code, ConsentMethod::label_key, &[&consent.method]),
        partners,
        consent,
        flags: choices(
            tr,
            &VulnerabilityFlag::ALL,
            VulnerabilityFlag::code,
            VulnerabilityFlag::label_key,
            retry.flags.as_deref().unwrap_or(&current),
        ),
        current_flags: flags.iter().map(|f| tr.t(&f.flag.label_key())).collect(),
        tasks: task_rows,
        assigned,
        assignees,
        closed,
        closure_reasons: choices(
            tr,
            &ClosureReason::ALL,
            ClosureReason::code,
            ClosureReason::label_key,
            &[&retry.closure_reason],
        ),
        reopen_reason: retry.reopen_reason,
        timeline,
        referrals: referral_rows,
        referral_form,
        plan,
        projects: super::projects::of_case(state, auth, id).await?,
        transfers: super::transfers::case_section(state, auth, &case).await?,
        linked: super::identity::linked_rows(state, auth, id).await?,
        may_change,
        may_assign,
        errors: retry.errors,
        alert,
    })
}

/// The case page's query: the need whose partners the referral form offers.
#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    service: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, PageError> {
    render(show_page(&state, &auth, id, Retry { referral_service: q.service, ..Retry::default() }).await?)
}

/// Back to the case after an action: the case page when it was saved, or with the reason it was not.
async fn after_action<T>(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    result: Result<T, AppError>,
    retry: Retry,
) -> Result<Response, PageError> {
    match Rejection::of(result, auth.ctx.tr)? {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}?msg=saved")).into_response()),
        Err(rejection) => show_rejected(state, auth, id, rejection, retry).await,
    }
}

/// The case page again, with why an action was not saved.
async fn show_rejected(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    rejection: Rejection,
    retry: Retry,
) -> Result<Response, PageError> {
    let status = rejection.status();
    let retry = match rejection {
        Rejection::Invalid(errors) => Retry { errors, ..retry },
        Rejection::Stale => Retry { alert: Some(auth.ctx.tr.t("error-stale-message")), ..retry },
        Rejection::Refused(key) => Retry { refused: Some(key), ..retry },
    };
    render_status(status, show_page(state, auth, id, retry).await?)
}

/// Sends a referral; without the returnee's consent to share with that partner, the case page
/// comes back saying why and nothing is sent.
pub async fn send_referral(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<ReferralFormInput>,
) -> Result<Response, PageError> {
    let (input, plan_item) = form.into_input();
    let result = match plan_item {
        Ok(()) => referrals::send(&state.app, &auth.actor, id, &input).await,
        Err(e) => Err(e),
    };
    after_action(&state, &auth, id, result, Retry { referral: Some(input), ..Default::default() }).await
}

/// The referral form as sent: like [`ReferralInput`], but the plan item is a select whose empty
/// option means none.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReferralFormInput {
    to_organisation_id: String,
    service: String,
    shared_fields: Vec<String>,
    note: String,
    due_on: String,
    plan_item_id: String,
}

impl ReferralFormInput {
    /// The service's input, and whether the plan item chosen could be read.
    fn into_input(self) -> (ReferralInput, Result<(), AppError>) {
        let (plan_item_id, read) = match self.plan_item_id.trim() {
            "" => (None, Ok(())),
            raw => match Uuid::parse_str(raw) {
                Ok(id) => (Some(id), Ok(())),
                Err(_) => (None, Err(AppError::invalid("plan_item_id", "error-choose-from-list"))),
            },
        };
        let input = ReferralInput {
            to_organisation_id: self.to_organisation_id,
            service: self.service,
            shared_fields: self.shared_fields,
            note: self.note,
            due_on: self.due_on,
            plan_item_id,
        };
        (input, read)
    }
}

/// Adds an assistance to the case's plan (the plan is created with the first one).
pub async fn add_plan_item(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<PlanItemInput>,
) -> Result<Response, PageError> {
    let result = plans::add_item(&state.app, &auth.actor, id, &form).await;
    after_action(&state, &auth, id, result, Retry { plan_item: Some(form), ..Default::default() }).await
}

#[derive(Deserialize)]
pub struct AgreeForm {
    version: i64,
    #[serde(default)]
    agreed_on: String,
}

/// Records the day the returnee agreed to the plan.
pub async fn agree_plan(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<AgreeForm>,
) -> Result<Response, PageError> {
    let result = plans::agree(&state.app, &auth.actor, id, form.version, &form.agreed_on).await;
    after_action(&state, &auth, id, result, Retry { agreed_on: Some(form.agreed_on), ..Default::default() }).await
}

#[derive(Deserialize)]
pub struct ApproveForm {
    version: i64,
}

/// Approves the planned items (never by the plan's author: the service refuses).
pub async fn approve_plan(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<ApproveForm>,
) -> Result<Response, PageError> {
    let result = plans::approve(&state.app, &auth.actor, id, form.version).await;
    after_action(&state, &auth, id, result, Retry::default()).await
}

/// Starts, delivers or cancels one assistance.
pub async fn act_on_plan_item(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, item_id)): Path<(Uuid, Uuid)>,
    Form(form): Form<PlanItemAction>,
) -> Result<Response, PageError> {
    let result = plans::act_on_item(&state.app, &auth.actor, id, item_id, &form).await;
    after_action(&state, &auth, id, result, Retry { plan_item_action: Some((item_id, form)), ..Default::default() })
        .await
}

/// The case page again after its sender's action on a referral was refused (see
/// `pages::referrals::act`), with the text typed in that referral's form.
pub(super) async fn referral_action_refused(
    state: &AppState,
    auth: &Auth,
    case_id: Uuid,
    referral_id: Uuid,
    typed: String,
    rejection: Rejection,
) -> Result<Response, PageError> {
    let retry = Retry { referral_action: Some((referral_id, typed)), ..Default::default() };
    show_rejected(state, auth, case_id, rejection, retry).await
}

pub async fn add_consent(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<ConsentInput>,
) -> Result<Response, PageError> {
    let result = cases::add_consent(&state.app, &auth.actor, id, &form).await;
    after_action(&state, &auth, id, result, Retry { consent: Some(form), ..Default::default() }).await
}

pub async fn withdraw_consent(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, consent_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, PageError> {
    let result = cases::withdraw_consent(&state.app, &auth.actor, id, consent_id).await;
    after_action(&state, &auth, id, result, Retry::default()).await
}

#[derive(Deserialize)]
pub struct ScreeningForm {
    version: i64,
    #[serde(default)]
    vulnerabilities: Vec<String>,
}

pub async fn screen(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<ScreeningForm>,
) -> Result<Response, PageError> {
    let result = cases::screen(&state.app, &auth.actor, id, form.version, &form.vulnerabilities).await;
    after_action(&state, &auth, id, result, Retry { flags: Some(form.vulnerabilities), ..Default::default() }).await
}

#[derive(Deserialize)]
pub struct AssignForm {
    version: i64,
    #[serde(default)]
    assigned_to: String,
}

pub async fn assign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<AssignForm>,
) -> Result<Response, PageError> {
    let result = match form.assigned_to.trim() {
        "" => cases::assign(&state.app, &auth.actor, id, form.version, None).await,
        raw => match Uuid::parse_str(raw) {
            Ok(user) => cases::assign(&state.app, &auth.actor, id, form.version, Some(user)).await,
            Err(_) => Err(AppError::invalid("assigned_to", "error-assignee")),
        },
    };
    after_action(&state, &auth, id, result, Retry { assigned_to: Some(form.assigned_to), ..Default::default() }).await
}

#[derive(Deserialize)]
pub struct CloseForm {
    version: i64,
    #[serde(default)]
    closure_reason: String,
}

pub async fn close(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<CloseForm>,
) -> Result<Response, PageError> {
    let result = cases::close(&state.app, &auth.actor, id, form.version, &form.closure_reason).await;
    after_action(&state, &auth, id, result, Retry { closure_reason: form.closure_reason, ..Default::default() }).await
}

#[derive(Deserialize)]
pub struct ReopenForm {
    version: i64,
    #[serde(default)]
    reopen_reason: String,
}

pub async fn reopen(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<ReopenForm>,
) -> Result<Response, PageError> {
    let result = cases::reopen(&state.app, &auth.actor, id, form.version, &form.reopen_reason).await;
    after_action(&state, &auth, id, result, Retry { reopen_reason: form.reopen_reason, ..Default::default() }).await
}

// ---------------------------------------------------------------------------------------------
// Changing identity and return.

#[derive(Template)]
#[template(path = "cases/edit.html")]
struct EditPage {
    l: Layout,
    id: Uuid,
    name: String,
    idf: IdentityFields,
    rf: ReturnFields,
    person_version: i64,
    case_version: i64,
    errors: FieldErrors,
    alert: Option<String>,
}

/// What was sent back to the edit page: one of its two forms, as typed, with the reason it was not saved.
enum Sent {
    Nothing,
    Person(Box<PersonInput>, i64),
    Return(ReturnInput, i64),
}

async fn edit_page(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    sent: Sent,
    errors: FieldErrors,
    alert: Option<String>,
) -> Result<EditPage, PageError> {
    let tr = auth.ctx.tr;
    let file = cases::get(&state.app, &auth.actor, id).await.in_locale(tr)?;
    if !cases::may_change(&auth.actor, &file.case) {
        return Err(PageError::App(AppError::Forbidden, tr));
    }
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let (mut person, mut person_version) = (person_input(&file.person.draft, today()), file.person.version);
    let (mut ret, mut case_version) = (return_input(&file.case.ret), file.case.version);
    match sent {
        Sent::Nothing => {}
        Sent::Person(p, v) => (person, person_version) = (*p, v),
        Sent::Return(r, v) => (ret, case_version) = (r, v),
    }
    let p = &file.person.draft;
    Ok(EditPage {
        l: Layout::new(&auth.ctx, tr.t_with("case-edit-title", &[("number", file.case.case_number.clone())])),
        id,
        name: format!("{} {}", p.family_name, p.given_names),
        idf: IdentityFields::new(tr, &units, person),
        rf: ReturnFields::new(tr, ret),
        person_version,
        case_version,
        errors,
        alert,
    })
}

pub async fn edit_form(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    render(edit_page(&state, &auth, id, Sent::Nothing, FieldErrors::new(), None).await?)
}

#[derive(Deserialize)]
struct VersionField {
    version: i64,
}

/// Back to the case when saved; otherwise the edit page again, with what was typed.
async fn after_edit<T>(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    result: Result<T, AppError>,
    sent: Sent,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let rejection = match Rejection::of(result, tr)? {
        Ok(_) => return Ok(Redirect::to(&format!("/cases/{id}?msg=saved")).into_response()),
        Err(rejection) => rejection,
    };
    let status = rejection.status();
    let (errors, alert) = rejection.messages(tr, "error-stale-message");
    render_status(status, edit_page(state, auth, id, sent, errors, alert).await?)
}

pub async fn update_person(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let input: PersonInput = parse_body(&body, tr)?;
    let VersionField { version } = parse_body(&body, tr)?;
    let result = cases::update_person(&state.app, &auth.actor, id, version, &input).await;
    after_edit(&state, &auth, id, result, Sent::Person(Box::new(input), version)).await
}

pub async fn update_return(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let input: ReturnInput = parse_body(&body, tr)?;
    let VersionField { version } = parse_body(&body, tr)?;
    let result = cases::update_return(&state.app, &auth.actor, id, version, &input).await;
    after_edit(&state, &auth, id, result, Sent::Return(input, version)).await
}
