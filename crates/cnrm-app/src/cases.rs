//! Case management: registering returnees, who may see which case, and every change to a case.
//!
//! Who sees a case: `CaseRead` at its scope (a case worker: cases assigned to them or their team; a
//! case manager: the organisation's), and for protection cases (children, trafficking, GBV) also
//! `ProtectionCaseRead` (a case worker: only when the case is assigned to them). A case outside
//! one's reach is "not found": its existence is itself sensitive.

use cnrm_domain::consent::{ConsentInput, ConsentPurpose, ConsentRecord};
use cnrm_domain::lifecycle::case::{self as lifecycle, CaseEvent, CaseStatus, ClosureReason};
use cnrm_domain::lifecycle::Reason;
use cnrm_domain::paging::{Page, PageQuery, PageRequest};
use cnrm_domain::person::{
    fold_name, is_minor_at, normalise_document_number, normalise_phone, DocumentInput, PersonInput, ReturnInput,
    ReturnType,
};
use cnrm_domain::vulnerability::{self, Priority, VulnerabilityFlag};
use cnrm_domain::{FieldErrors, Permission, Scope};
use cnrm_store::{
    new_id_and_time, CaseFile, CaseFilter, CaseRecord, CaseScope, CaseSearch, CaseSummary, NewCase, PersonRecord,
    ProtectionVisibility, StoredConsent, StoredFlag, Task,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::{Actor, App, AppError};

pub const SORTABLE: &[&str] = &["arrival", "case_number", "name", "priority"];

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// The list restriction that the actor's grants impose.
pub fn scope_for(actor: &Actor) -> Result<CaseScope, AppError> {
    let role = actor.user.role;
    let read = role.scope_of(Permission::CaseRead).ok_or(AppError::Forbidden)?;
    let (organisation_id, assigned_or_team) = match read {
        Scope::All => (None, None),
        Scope::Organisation => (Some(actor.user.organisation_id), None),
        Scope::Team => (Some(actor.user.organisation_id), Some((actor.user.id, actor.user.team.clone()))),
        Scope::Own => (Some(actor.user.organisation_id), Some((actor.user.id, None))),
    };
    let protection = match role.scope_of(Permission::ProtectionCaseRead) {
        Some(Scope::Own) => ProtectionVisibility::AssignedTo(actor.user.id),
        Some(_) => ProtectionVisibility::All,
        None => ProtectionVisibility::None,
    };
    Ok(CaseScope { organisation_id, assigned_or_team, protection })
}

/// The one reach rule for cases, used wherever a case (or a row about one: a list entry, a task, a
/// pending plan) is shown: `permission` at its scope, and for a protection case `ProtectionCaseRead` too.
pub fn reaches(
    actor: &Actor,
    permission: Permission,
    organisation_id: Uuid,
    assigned_to: Option<Uuid>,
    team: Option<&str>,
    protection: bool,
) -> bool {
    let reach = actor.principal().may(permission, organisation_id, assigned_to, team);
    let protection_ok = !protection
        || match actor.user.role.scope_of(Permission::ProtectionCaseRead) {
            None => false,
            Some(Scope::Own) => assigned_to == Some(actor.user.id),
            Some(Scope::Team) | Some(Scope::Organisation) => organisation_id == actor.user.organisation_id,
            Some(Scope::All) => true,
        };
    reach && protection_ok
}

fn within(actor: &Actor, permission: Permission, case: &CaseRecord) -> bool {
    reaches(actor, permission, case.organisation_id, case.assigned_to, case.team.as_deref(), case.protection)
}

/// Whether the actor may see this case.
pub fn may_see(actor: &Actor, case: &CaseRecord) -> bool {
    within(actor, Permission::CaseRead, case)
}

/// Whether the actor may change this case.
pub fn may_change(actor: &Actor, case: &CaseRecord) -> bool {
    within(actor, Permission::CaseWrite, case) && may_see(actor, case)
}

/// Reads what a search box holds: a case number, a phone, a document number or names.
pub fn parse_search(raw: &str) -> Option<CaseSearch> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if cnrm_domain::case_number::parse_case_number(raw).is_some() {
        return Some(CaseSearch::CaseNumber(raw.to_uppercase()));
    }
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    if digits >= 8 && raw.chars().all(|c| c.is_ascii_digit() || " +-.".contains(c)) {
        if let Ok(phone) = normalise_phone(raw) {
            return Some(CaseSearch::Phone(phone));
        }
    }
    if digits >= 3 && raw.chars().any(|c| c.is_ascii_digit()) && !raw.contains(' ') {
        if let Ok(number) = normalise_document_number(raw) {
            return Some(CaseSearch::Document(number));
        }
    }
    let tokens: Vec<String> = fold_name(raw).split_whitespace().map(str::to_string).collect();
    (!tokens.is_empty()).then_some(CaseSearch::Name(tokens))
}

/// Filters of the case list, as typed in the query string.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(default)]
pub struct CaseQuery {
    pub q: String,
    pub status: String,
    pub priority: String,
    /// `me` for my cases, or a user id.
    pub assigned: String,
    /// Admin unit P-code of settlement (a region includes its cercles).
    pub settlement: String,
    pub returned_from: String,
    pub return_type: String,
    /// Arrived on or after, `YYYY-MM-DD`.
    pub arrived_from: String,
    /// Arrived on or before, `YYYY-MM-DD`.
    pub arrived_to: String,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    pub sort: Option<String>,
    pub dir: Option<String>,
}

impl CaseQuery {
    pub fn page_request(&self) -> PageRequest {
        let q = PageQuery {
            page: self.page,
            per_page: self.per_page,
            sort: self.sort.clone(),
            dir: self.dir.clone(),
            q: None,
        };
        let mut request = PageRequest::from_query(&q, SORTABLE);
        if self.sort.is_none() {
            request.descending = true;
        }
        request
    }

    /// The filter; unknown codes are ignored rather than refused (a stale link still lists).
    pub fn filter(&self, actor: &Actor) -> CaseFilter {
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        CaseFilter {
            status: CaseStatus::parse(self.status.trim()),
            priority: Priority::parse(self.priority.trim()),
            assigned_to: match self.assigned.trim() {
                "me" => Some(actor.user.id),
                other => Uuid::parse_str(other).ok(),
            },
            settlement: text(&self.settlement),
            returned_from: text(&self.returned_from).map(|c| c.to_uppercase()),
            return_type: ReturnType::parse(self.return_type.trim()),
            arrived_from: cnrm_domain::person::parse_date(&self.arrived_from).ok(),
            arrived_to: cnrm_domain::person::parse_date(&self.arrived_to).ok(),
            search: parse_search(&self.q),
        }
    }
}

pub async fn list(app: &App, actor: &Actor, query: &CaseQuery) -> Result<Page<CaseSummary>, AppError> {
    let scope = scope_for(actor)?;
    Ok(app.db.cases(&scope, &query.filter(actor), &query.page_request()).await?)
}

/// A case file, if the actor may see it. The view is audited.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<CaseFile, AppError> {
    let file = visible(app, actor, id).await?;
    app.db.append_audit(&actor.event("case.view", "case", Some(id.to_string()), json!({}))).await?;
    Ok(file)
}

/// A case file the actor may see, without recording a view: for services that show or change one
/// part of a case (its plan, counselling, attachments…) and audit that part themselves.
/// Out of reach is `NotFound`, never `Forbidden`: the case's existence is not revealed.
pub async fn visible(app: &App, actor: &Actor, id: Uuid) -> Result<CaseFile, AppError> {
    actor.require(Permission::CaseRead)?;
    in_reach(app, actor, id, Reach::See).await
}

/// A case file the actor may change (`NotFound` when out of sight, `Forbidden` when only visible).
pub async fn changeable(app: &App, actor: &Actor, id: Uuid) -> Result<CaseFile, AppError> {
    actor.require(Permission::CaseWrite)?;
    in_reach(app, actor, id, Reach::Change).await
}

/// What an actor needs to do with a case, for [`in_reach`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    See,
    Change,
}

/// A case file by the case's reach alone: `NotFound` when the actor may not see it, `Forbidden`
/// when they may see but not change it and `reach` is [`Reach::Change`]. Unlike [`visible`] and
/// [`changeable`], it does not first demand the permission itself, so that a role without it
/// learns no more than "not found" (the referral sender's side, the plan, the timeline).
pub async fn in_reach(app: &App, actor: &Actor, id: Uuid, reach: Reach) -> Result<CaseFile, AppError> {
    let file = app.db.case_file(id).await?.ok_or(AppError::NotFound)?;
    if !may_see(actor, &file.case) {
        return Err(AppError::NotFound);
    }
    if reach == Reach::Change && !may_change(actor, &file.case) {
        return Err(AppError::Forbidden);
    }
    Ok(file)
}

/// A registration as submitted: the person, the return, documents, consent and screening.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Registration {
    pub person: PersonInput,
    #[serde(rename = "return")]
    pub ret: ReturnInput,
    pub documents: Vec<DocumentInput>,
    /// How consent to registration and case management was obtained: `written`, `oral_witnessed`, `guardian`.
    pub consent_method: String,
    /// Vulnerability screening: flags found.
    pub vulnerabilities: Vec<String>,
    /// Register a new case for this already known person instead of a new person.
    pub existing_person_id: Option<Uuid>,
    /// Register a new person even though possible matches were shown.
    pub confirm_new_person: bool,
}

/// A person already known who might be the one being registered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PossibleMatch {
    /// Set when the match is a case the registering worker may open.
    pub case_id: Option<Uuid>,
    pub case_number: Option<String>,
    pub person_id: Option<Uuid>,
    pub name: Option<String>,
    pub birth_year: Option<i32>,
    /// The organisation holding the case (for matches elsewhere, only this is shown).
    pub organisation_id: Uuid,
    /// Why, how likely, and for matches elsewhere the assistance given there (see `identity`).
    #[serde(flatten)]
    pub disclosure: crate::identity::MatchDisclosure,
}

pub enum RegistrationOutcome {
    Registered(Box<CaseRecord>),
    /// Possible existing persons: the worker looks before saving (nothing was written).
    PossibleMatches(Vec<PossibleMatch>),
}

/// Persons whose name tokens match the draft's and birth year is within two years: the former
/// rule, kept beside the matching engine (`identity::possible_matches` decides what is shown).
pub(crate) async fn name_matches(app: &App, family: &str, given: &str, birth_year: i32) -> Result<Vec<Uuid>, AppError> {
    let tokens: Vec<String> = fold_name(&format!("{family} {given}")).split_whitespace().map(str::to_string).collect();
    if tokens.is_empty() {
        return Ok(Vec::new());
    }
    let everything = CaseScope { organisation_id: None, assigned_or_team: None, protection: ProtectionVisibility::All };
    let filter = CaseFilter { search: Some(CaseSearch::Name(tokens)), ..Default::default() };
    let page = PageRequest { page: 1, per_page: 20, sort: "arrival", descending: true, search: None };
    let found = app.db.cases(&everything, &filter, &page).await?;
    let mut persons: Vec<Uuid> = Vec::new();
    for summary in found.items {
        if summary.birth_date.is_some_and(|d| (d.year() - birth_year).abs() > 2) || persons.contains(&summary.person_id)
        {
            continue;
        }
        persons.push(summary.person_id);
    }
    Ok(persons)
}

fn field_errors(errors: &mut FieldErrors, other: FieldErrors) {
    errors.0.extend(other.0);
}

/// Registers a returnee's case, after showing possible existing persons unless confirmed.
pub async fn register(app: &App, actor: &Actor, input: &Registration) -> Result<RegistrationOutcome, AppError> {
    actor.require(Permission::CaseWrite)?;
    let today = today();
    let units: std::collections::HashSet<String> =
        app.db.admin_units().await?.into_iter().filter(|u| u.current).map(|u| u.pcode).collect();
    let mut errors = FieldErrors::new();
    let (now_id, now) = new_id_and_time();

    let existing = match input.existing_person_id {
        Some(person_id) => {
            // Only a person the worker can already see through a case of their organisation.
            let mut seen = None;
            for case in app.db.cases_of_person(person_id).await? {
                if may_see(actor, &case) {
                    seen = app.db.case_file(case.id).await?.map(|file| file.person);
                    break;
                }
            }
            Some(seen.ok_or(AppError::NotFound)?)
        }
        None => None,
    };
    let person = match &existing {
        Some(person) => Some(person.clone()),
        None => {
            let draft =
                input.person.parse(today, |code| units.contains(code)).map_err(|e| field_errors(&mut errors, e)).ok();
            let mut documents = Vec::new();
            for document in input.documents.iter().filter(|d| !d.number.trim().is_empty()) {
                match document.parse() {
                    Ok(parsed) => {
                        if app.db.document_holder(parsed.doc_type.code(), &parsed.number).await?.is_some() {
                            errors.add("documents", "error-document-taken");
                        }
                        documents.push(parsed);
                    }
                    Err(e) => field_errors(&mut errors, e),
                }
            }
            draft.map(|draft| PersonRecord {
                id: now_id,
                draft,
                documents,
                version: 1,
                created_at: now,
                updated_at: now,
            })
        }
    };
    // The arrival is checked against the birth date even when other identity fields are wrong.
    let birth = person.as_ref().map(|p| p.draft.birth).or_else(|| {
        let p = &input.person;
        cnrm_domain::person::BirthDate::parse(&p.date_of_birth, &p.birth_date_precision, &p.estimated_age, today).ok()
    });
    let ret = input.ret.parse(today, birth.as_ref()).map_err(|e| field_errors(&mut errors, e)).ok();
    let method = errors.check(
        "consent_method",
        match input.consent_method.trim() {
            "" => Err("error-consent-required"),
            code => cnrm_domain::consent::ConsentMethod::parse(code).ok_or("error-choose-from-list"),
        },
    );
    let flags = errors.check("vulnerabilities", vulnerability::parse_flags(&input.vulnerabilities));
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let (person, ret, method, flags) = (person.unwrap(), ret.unwrap(), method.unwrap(), flags.unwrap());

    if existing.is_none() && !input.confirm_new_person {
        // Every document with its kind, as the batch pass reads stored ones (`kind:number;…`).
        let documents = person
            .documents
            .iter()
            .map(|d| format!("{}:{}", d.doc_type.code(), d.number))
            .collect::<Vec<_>>()
            .join(";");
        let document = (!documents.is_empty()).then_some(documents.as_str());
        let matches = crate::identity::possible_matches(app, actor, &person.draft, document).await?;
        if !matches.is_empty() {
            return Ok(RegistrationOutcome::PossibleMatches(matches));
        }
    }

    let organisation = app.db.organisation(actor.user.organisation_id).await?.ok_or(AppError::NotFound)?;
    let minor = is_minor_at(&person.draft.birth, ret.arrival_date);
    let (case_id, _) = new_id_and_time();
    // A case worker registers their own cases; a manager assigns them afterwards.
    let assigned_to = (actor.user.role.scope_of(Permission::CaseWrite) == Some(Scope::Team)).then_some(actor.user.id);
    let case = CaseRecord {
        id: case_id,
        person_id: person.id,
        organisation_id: organisation.id,
        case_number: String::new(),
        status: CaseStatus::Open,
        priority: vulnerability::priority_for(&flags, minor),
        protection: vulnerability::is_protection_case(&flags, minor),
        assigned_to,
        team: actor.user.team.clone(),
        ret,
        closure_reason: None,
        closed_on: None,
        version: 1,
        created_by: Some(actor.user.id),
        created_at: now,
        updated_at: now,
    };
    let consent = StoredConsent {
        id: Uuid::now_v7(),
        case_id,
        record: ConsentRecord {
            purpose: ConsentPurpose::CaseManagement,
            partner_organisation_id: None,
            method,
            granted_on: today,
            withdrawn_on: None,
        },
        obtained_by: Some(actor.user.id),
        withdrawn_by: None,
        created_at: now,
    };
    let stored_flags: Vec<StoredFlag> =
        flags.iter().map(|flag| StoredFlag { flag: *flag, noted_by: Some(actor.user.id), noted_at: now }).collect();
    let tasks = screening_task(case_id, &flags, case.assigned_to.or(Some(actor.user.id)), today, now);
    let details = json!({
        "person": if existing.is_some() { "existing" } else { "new" },
        "person_id": person.id,
        "priority": case.priority.code(),
        "protection": case.protection,
        "vulnerabilities": flags.iter().map(|f| f.code()).collect::<Vec<_>>(),
    });
    let new = NewCase {
        person,
        existing_person: existing.is_some(),
        case: case.clone(),
        number_prefix: organisation.acronym.clone(),
        year: today.year(),
        consents: vec![consent],
        flags: stored_flags,
        tasks,
        surveys: vec![crate::surveys::registration_schedule(&case)],
    };
    let event = actor.event("case.create", "case", Some(case_id.to_string()), details);
    let number = app.db.create_case(&new, &event).await.map_err(|e| match e {
        cnrm_store::StoreError::Conflict(_) => AppError::invalid("documents", "error-document-taken"),
        other => other.into(),
    })?;
    if !new.existing_person {
        crate::identity::reindex(app, &[new.person.id]).await;
    }
    let case = CaseRecord { case_number: number, ..case };
    Ok(RegistrationOutcome::Registered(Box::new(case)))
}

/// A positive screen creates a follow-up task due within a week.
fn screening_task(
    case_id: Uuid,
    flags: &[VulnerabilityFlag],
    assignee: Option<Uuid>,
    today: Date,
    now: OffsetDateTime,
) -> Vec<Task> {
    if flags.is_empty() {
        return Vec::new();
    }
    vec![Task {
        id: Uuid::now_v7(),
        case_id,
        kind: "screening-follow-up".into(),
        due_on: today + Duration::days(7),
        assigned_to: assignee,
        done_at: None,
        created_at: now,
    }]
}

/// Changes the person's identity, if nobody saved it since `version` was read.
pub async fn update_person(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    version: i64,
    input: &PersonInput,
) -> Result<PersonRecord, AppError> {
    let file = changeable(app, actor, case_id).await?;
    let units: std::collections::HashSet<String> =
        app.db.admin_units().await?.into_iter().filter(|u| u.current).map(|u| u.pcode).collect();
    let draft = input.parse(today(), |code| units.contains(code)).map_err(AppError::Invalid)?;
    let before = serde_json::to_value(&file.person.draft).unwrap_or_default();
    let after_value = serde_json::to_value(&draft).unwrap_or_default();
    let person = PersonRecord { draft, version, updated_at: new_id_and_time().1, ..file.person };
    let changes = cnrm_domain::audit::field_changes(&before, &after_value);
    let event = actor.event(
        "person.update",
        "case",
        Some(case_id.to_string()),
        json!({ "person_id": person.id, "changes": changes }),
    );
    app.db.update_person(&person, &event).await?;
    crate::identity::reindex(app, &[person.id]).await;
    Ok(person)
}

/// What a case change records besides the new state.
struct Change<'a> {
    action: &'static str,
    reason: Option<&'a str>,
    flags: Option<&'a [StoredFlag]>,
    tasks: &'a [Task],
}

impl<'a> Change<'a> {
    fn new(action: &'static str) -> Self {
        Change { action, reason: None, flags: None, tasks: &[] }
    }

    fn because(self, reason: &'a str) -> Self {
        Change { reason: Some(reason), ..self }
    }
}

/// Saves a case change with its field-level audit entry, if nobody saved the case in between.
async fn save(
    app: &App,
    actor: &Actor,
    before: &CaseRecord,
    after: CaseRecord,
    change: Change<'_>,
) -> Result<CaseRecord, AppError> {
    let mut changes = cnrm_domain::audit::field_changes(
        &serde_json::to_value(before).unwrap_or_default(),
        &serde_json::to_value(&after).unwrap_or_default(),
    );
    if let Some(map) = changes.as_object_mut() {
        map.remove("version");
        map.remove("updated_at");
        if let Some(reason) = change.reason {
            map.insert("reason".into(), reason.into());
        }
    }
    let event = actor.event(change.action, "case", Some(before.id.to_string()), changes);
    app.db.update_case(&after, change.flags, change.tasks, &event).await?;
    Ok(CaseRecord { version: after.version + 1, ..after })
}

pub async fn update_return(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    version: i64,
    input: &ReturnInput,
) -> Result<CaseRecord, AppError> {
    let file = changeable(app, actor, case_id).await?;
    let ret = input.parse(today(), Some(&file.person.draft.birth)).map_err(AppError::Invalid)?;
    let after = CaseRecord { ret, version, updated_at: new_id_and_time().1, ..file.case.clone() };
    save(app, actor, &file.case, after, Change::new("case.return_update")).await
}

/// Assigns a case to a worker of its organisation (a manager's decision).
pub async fn assign(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    version: i64,
    assignee: Option<Uuid>,
) -> Result<CaseRecord, AppError> {
    let file = changeable(app, actor, case_id).await?;
    if actor.user.role.scope_of(Permission::CaseWrite) != Some(Scope::Organisation) {
        return Err(AppError::Forbidden);
    }
    if let Some(user_id) = assignee {
        let user = app.db.user(user_id).await?.ok_or_else(|| AppError::invalid("assigned_to", "error-assignee"))?;
        if user.organisation_id != file.case.organisation_id
            || user.disabled
            || user.role.scope_of(Permission::CaseRead).is_none()
        {
            return Err(AppError::invalid("assigned_to", "error-assignee"));
        }
    }
    let team = match assignee {
        Some(id) => app.db.user(id).await?.and_then(|u| u.team).or(file.case.team.clone()),
        None => file.case.team.clone(),
    };
    let after =
        CaseRecord { assigned_to: assignee, team, version, updated_at: new_id_and_time().1, ..file.case.clone() };
    save(app, actor, &file.case, after, Change::new("case.assign")).await
}

pub async fn close(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    version: i64,
    reason: &str,
) -> Result<CaseRecord, AppError> {
    let file = changeable(app, actor, case_id).await?;
    let reason = match reason.trim() {
        "" => Err(AppError::invalid("closure_reason", "error-required")),
        code => ClosureReason::parse(code).ok_or_else(|| AppError::invalid("closure_reason", "error-choose-from-list")),
    }?;
    let status = lifecycle::transition(file.case.status, &CaseEvent::Close(reason)).map_err(AppError::Refused)?;
    let after = CaseRecord {
        status,
        closure_reason: Some(reason),
        closed_on: Some(today()),
        version,
        updated_at: new_id_and_time().1,
        ..file.case.clone()
    };
    save(app, actor, &file.case, after, Change::new("case.close")).await
}

pub async fn reopen(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    version: i64,
    reason: &str,
) -> Result<CaseRecord, AppError> {
    let file = changeable(app, actor, case_id).await?;
    let reason = Reason::parse(reason).map_err(|m| AppError::invalid("reopen_reason", m))?;
    let status =
        lifecycle::transition(file.case.status, &CaseEvent::Reopen(reason.clone())).map_err(AppError::Refused)?;
    let after = CaseRecord {
        status,
        closure_reason: None,
        closed_on: None,
        version,
        updated_at: new_id_and_time().1,
        ..file.case.clone()
    };
    save(app, actor, &file.case, after, Change::new("case.reopen").because(reason.as_str())).await
}

/// Records a new screening: flags replace the previous ones, priority and protection follow.
pub async fn screen(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    version: i64,
    raw_flags: &[String],
) -> Result<CaseRecord, AppError> {
    let file = changeable(app, actor, case_id).await?;
    let flags = vulnerability::parse_flags(raw_flags).map_err(|m| AppError::invalid("vulnerabilities", m))?;
    let minor = is_minor_at(&file.person.draft.birth, file.case.ret.arrival_date);
    let (_, now) = new_id_and_time();
    let kept: Vec<StoredFlag> = flags
        .iter()
        .map(|flag| {
            file.flags.iter().find(|f| f.flag == *flag).cloned().unwrap_or(StoredFlag {
                flag: *flag,
                noted_by: Some(actor.user.id),
                noted_at: now,
            })
        })
        .collect();
    let newly_found: Vec<VulnerabilityFlag> =
        flags.iter().copied().filter(|f| !file.flags.iter().any(|s| s.flag == *f)).collect();
    let after = CaseRecord {
        priority: vulnerability::priority_for(&flags, minor),
        protection: vulnerability::is_protection_case(&flags, minor),
        version,
        updated_at: now,
        ..file.case.clone()
    };
    let tasks = screening_task(case_id, &newly_found, after.assigned_to.or(Some(actor.user.id)), today(), now);
    let change = Change { flags: Some(&kept), tasks: &tasks, ..Change::new("case.screening") };
    save(app, actor, &file.case, after, change).await
}

pub async fn add_consent(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    input: &ConsentInput,
) -> Result<StoredConsent, AppError> {
    let file = changeable(app, actor, case_id).await?;
    let record = input.parse(today()).map_err(AppError::Invalid)?;
    if let Some(partner) = record.partner_organisation_id {
        if app.db.organisation(partner).await?.is_none() {
            return Err(AppError::invalid("partner_organisation_id", "error-choose-organisation"));
        }
    }
    let consent = StoredConsent {
        id: Uuid::now_v7(),
        case_id: file.case.id,
        record,
        obtained_by: Some(actor.user.id),
        withdrawn_by: None,
        created_at: new_id_and_time().1,
    };
    let details = json!({ "consent_id": consent.id, "purpose": record.purpose.code(), "partner": record.partner_organisation_id, "method": record.method.code() });
    app.db.add_consent(&consent, &actor.event("consent.grant", "case", Some(case_id.to_string()), details)).await?;
    Ok(consent)
}

/// Withdraws a consent at once (dated today).
pub async fn withdraw_consent(app: &App, actor: &Actor, case_id: Uuid, consent_id: Uuid) -> Result<(), AppError> {
    let file = changeable(app, actor, case_id).await?;
    let mut consent = file.consents.iter().find(|c| c.id == consent_id).cloned().ok_or(AppError::NotFound)?;
    let today = today();
    consent.record.withdraw(today, today).map_err(AppError::Refused)?;
    let details = json!({ "consent_id": consent_id, "purpose": consent.record.purpose.code(), "partner": consent.record.partner_organisation_id });
    app.db
        .withdraw_consent(
            consent_id,
            today,
            actor.user.id,
            &actor.event("consent.withdraw", "case", Some(case_id.to_string()), details),
        )
        .await?;
    Ok(())
}

/// The case's history, from the audit trail.
pub async fn timeline(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
) -> Result<Vec<cnrm_domain::audit::AuditEntry>, AppError> {
    in_reach(app, actor, case_id, Reach::See).await?;
    let filter = cnrm_store::AuditFilter { entity_id: Some(case_id.to_string()), ..Default::default() };
    let page = PageRequest { page: 1, per_page: 200, sort: "seq", descending: true, search: None };
    Ok(app.db.audit_entries(&filter, &page).await?.items)
}
