//! Case management records: returnees (persons) and their cases, consent, screening and tasks.

use cnrm_domain::consent::ConsentRecord;
use cnrm_domain::lifecycle::case::{CaseStatus, ClosureReason};
use cnrm_domain::person::{IdentityDocument, PersonDraft, ReturnDraft, ReturnType, Sex};
use cnrm_domain::vulnerability::{Priority, VulnerabilityFlag};
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A returnee. `version` guards against two people saving the same record at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PersonRecord {
    pub id: Uuid,
    #[serde(flatten)]
    pub draft: PersonDraft,
    pub documents: Vec<IdentityDocument>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A case: one organisation's follow-up of one returnee after one return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseRecord {
    pub id: Uuid,
    pub person_id: Uuid,
    pub organisation_id: Uuid,
    /// Readable number, unique per organisation and year (`OIM-2026-000123`).
    pub case_number: String,
    pub status: CaseStatus,
    pub priority: Priority,
    /// A protection case (child, trafficking, GBV): visible only to roles allowed to see them.
    pub protection: bool,
    pub assigned_to: Option<Uuid>,
    pub team: Option<String>,
    #[serde(rename = "return")]
    pub ret: ReturnDraft,
    pub closure_reason: Option<ClosureReason>,
    pub closed_on: Option<Date>,
    pub version: i64,
    pub created_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredConsent {
    pub id: Uuid,
    pub case_id: Uuid,
    #[serde(flatten)]
    pub record: ConsentRecord,
    pub obtained_by: Option<Uuid>,
    pub withdrawn_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredFlag {
    pub flag: VulnerabilityFlag,
    pub noted_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub noted_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Task {
    pub id: Uuid,
    pub case_id: Uuid,
    /// What to do, as a message key suffix (`screening-follow-up`, …).
    pub kind: String,
    pub due_on: Date,
    pub assigned_to: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub done_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Everything about one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseFile {
    pub case: CaseRecord,
    pub person: PersonRecord,
    pub consents: Vec<StoredConsent>,
    pub flags: Vec<StoredFlag>,
    pub tasks: Vec<Task>,
}

/// A registration to store in one transaction. The case number is given by the store.
#[derive(Debug, Clone)]
pub struct NewCase {
    /// The returnee; stored unless `existing_person`.
    pub person: PersonRecord,
    pub existing_person: bool,
    pub case: CaseRecord,
    /// Prefix of the case number (the organisation's acronym) and year of registration.
    pub number_prefix: String,
    pub year: i32,
    pub consents: Vec<StoredConsent>,
    pub flags: Vec<StoredFlag>,
    pub tasks: Vec<Task>,
    /// Survey schedule steps written with the case (the baseline sustainability survey).
    pub surveys: Vec<crate::ScheduledSurvey>,
}

/// One row of the case list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    pub id: Uuid,
    pub case_number: String,
    pub organisation_id: Uuid,
    pub person_id: Uuid,
    pub family_name: String,
    pub given_names: String,
    pub sex: Sex,
    pub birth_date: Option<Date>,
    pub status: CaseStatus,
    pub priority: Priority,
    pub protection: bool,
    pub assigned_to: Option<Uuid>,
    pub arrival_date: Date,
    pub returned_from: String,
    pub return_type: ReturnType,
    pub settlement_pcode: Option<String>,
}

/// Which protection cases a list may include.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtectionVisibility {
    All,
    AssignedTo(Uuid),
    None,
}

/// How a list is restricted to what the reader may see (set by the service, never by the user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseScope {
    /// Only this organisation's cases (`None`: every organisation).
    pub organisation_id: Option<Uuid>,
    /// Only cases assigned to this user or in this team (a case worker's reach).
    pub assigned_or_team: Option<(Uuid, Option<String>)>,
    pub protection: ProtectionVisibility,
}

/// What the free-text search box asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseSearch {
    /// Folded name tokens: every one must prefix one of the person's name tokens.
    Name(Vec<String>),
    CaseNumber(String),
    /// A normalised phone number.
    Phone(String),
    /// A normalised document number.
    Document(String),
}

/// Filters a reader chooses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    pub status: Option<CaseStatus>,
    pub priority: Option<Priority>,
    pub assigned_to: Option<Uuid>,
    /// P-code of the admin unit of settlement (a region matches its cercles too).
    pub settlement: Option<String>,
    pub returned_from: Option<String>,
    pub return_type: Option<ReturnType>,
    pub arrived_from: Option<Date>,
    pub arrived_to: Option<Date>,
    pub search: Option<CaseSearch>,
}

/// A referral of a case to another organisation for a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Referral {
    pub id: Uuid,
    pub case_id: Uuid,
    /// The plan item this referral delivers, if any.
    pub plan_item_id: Option<Uuid>,
    pub from_organisation_id: Uuid,
    pub to_organisation_id: Uuid,
    pub service: cnrm_domain::lifecycle::plan::AssistanceType,
    /// The allow-list: the only fields of the case file the receiver sees.
    pub shared_fields: Vec<cnrm_domain::sharing::SharedField>,
    pub note: String,
    pub status: cnrm_domain::lifecycle::referral::ReferralStatus,
    /// Why it was declined or not completed.
    pub reason: Option<String>,
    /// The sender's feedback once it ended.
    pub feedback: Option<String>,
    pub due_on: Option<Date>,
    pub sent_by: Option<Uuid>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A reintegration plan: agreed with the returnee, approved by a case manager who did not write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Plan {
    pub id: Uuid,
    pub case_id: Uuid,
    /// When the returnee agreed to it (the target is within one month of arrival).
    pub agreed_on: Option<Date>,
    pub author_id: Option<Uuid>,
    pub approved_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub approved_at: Option<OffsetDateTime>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// One assistance of a plan. Amounts are whole francs CFA (XOF).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlanItem {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub case_id: Uuid,
    pub dimension: cnrm_domain::lifecycle::plan::Dimension,
    pub assistance_type: cnrm_domain::lifecycle::plan::AssistanceType,
    pub level: cnrm_domain::lifecycle::plan::AssistanceLevel,
    pub channel: cnrm_domain::lifecycle::plan::DeliveryChannel,
    pub provider_organisation_id: Option<Uuid>,
    pub description: String,
    pub budget_xof: i64,
    pub spent_xof: i64,
    pub start_on: Option<Date>,
    pub end_on: Option<Date>,
    pub status: cnrm_domain::lifecycle::plan::PlanItemStatus,
    pub cancel_reason: Option<String>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A plan with its items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlanFile {
    pub plan: Plan,
    pub items: Vec<PlanItem>,
}

/// A task in a work queue, with the case it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct QueuedTask {
    pub task: Task,
    pub case_number: String,
    pub protection: bool,
    pub organisation_id: Uuid,
    pub assigned_to: Option<Uuid>,
    pub team: Option<String>,
}

/// A plan whose planned items wait for approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PendingPlan {
    pub case_id: Uuid,
    pub case_number: String,
    pub author_id: Option<Uuid>,
    pub planned_items: i64,
    pub protection: bool,
    pub assigned_to: Option<Uuid>,
}
