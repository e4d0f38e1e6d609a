//! The storage interface of cnrm.
//!
//! Services talk to a [`Database`]; each backend crate (`cnrm-store-sqlite`, `cnrm-store-postgres`)
//! implements it. Both compile the same query code (`shared/queries.rs`, included by each backend
//! against its own sqlx driver), so the SQL is written once and only the migrations are paired.
//!
//! Every method that changes data takes the [`AuditEvent`] describing the change and writes it in
//! the same transaction: a change without its audit entry cannot be committed.
//!
//! Times are never compared in SQL (SQLite keeps them as text); windows in time are expressed as
//! UUIDv7 bounds instead (see [`uuid_v7_floor`]), which both engines order byte by byte.

pub mod attachments;
pub mod cases;
pub mod counselling;
pub mod household;
pub mod model;
pub mod projects;
pub mod transfers;

pub use attachments::*;
pub use cases::*;
pub use cnrm_domain::audit::{AuditEntry, AuditEvent};
pub use cnrm_domain::paging::{Page, PageRequest};
pub use counselling::*;
pub use household::*;
pub use model::*;
pub use projects::*;
pub use transfers::*;

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("record not found")]
    NotFound,
    /// A uniqueness rule was violated; the string names the constraint.
    #[error("conflicts with an existing record ({0})")]
    Conflict(String),
    #[error("database error: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The smallest UUIDv7 minted at or after `at`: `id >= uuid_v7_floor(t)` selects rows created since `t`.
pub fn uuid_v7_floor(at: OffsetDateTime) -> Uuid {
    let millis = (at.unix_timestamp_nanos() / 1_000_000).max(0) as u64;
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    bytes[6] = 0x70;
    bytes[8] = 0x80;
    Uuid::from_bytes(bytes)
}

/// A new UUIDv7 and the time it encodes, truncated to what both databases store.
pub fn new_id_and_time() -> (Uuid, OffsetDateTime) {
    let now = cnrm_domain::audit::storage_precision(OffsetDateTime::now_utc());
    let millis = (now.unix_timestamp_nanos() / 1_000_000) as u64;
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, millis / 1000, ((millis % 1000) * 1_000_000) as u32);
    (Uuid::new_v7(ts), now)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[async_trait]
pub trait Database: Send + Sync + 'static {
    fn backend(&self) -> Backend;
    /// Applies pending migrations.
    async fn migrate(&self) -> StoreResult<()>;
    async fn ping(&self) -> StoreResult<()>;
    /// Refreshes the query planner's statistics (after bulk loads): both engines plan searches
    /// from them.
    async fn analyze(&self) -> StoreResult<()>;

    // Reference data.
    async fn reference_dataset(&self, name: &str) -> StoreResult<Option<ReferenceDataset>>;
    /// Loads a new version of the admin units (units no longer listed are kept, marked retired).
    async fn load_admin_units(
        &self,
        dataset: &ReferenceDataset,
        units: &[AdminUnit],
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn admin_units(&self) -> StoreResult<Vec<AdminUnit>>;

    // Organisations.
    /// Creates or changes an organisation (and its regions).
    async fn save_organisation(&self, org: &Organisation, audit: &AuditEvent) -> StoreResult<()>;
    async fn organisation(&self, id: Uuid) -> StoreResult<Option<Organisation>>;
    /// A page of organisations; `only` restricts the list to one organisation.
    async fn organisations(&self, only: Option<Uuid>, page: &PageRequest) -> StoreResult<Page<Organisation>>;
    /// Every organisation's id, name and acronym, for choices in forms.
    async fn organisation_names(&self) -> StoreResult<Vec<OrganisationName>>;

    // Users.
    /// Creates or changes an account (its username, creation and last login time stay);
    /// `end_sessions` also ends its sessions (after a password, role or status change).
    async fn save_user(&self, user: &User, end_sessions: bool, audit: &AuditEvent) -> StoreResult<()>;
    async fn user(&self, id: Uuid) -> StoreResult<Option<User>>;
    async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>>;
    async fn users(&self, only: Option<Uuid>, page: &PageRequest) -> StoreResult<Page<User>>;
    async fn count_users(&self) -> StoreResult<i64>;

    // Login attempts and sessions.
    async fn record_login_attempt(&self, attempt: &LoginAttempt, audit: &AuditEvent) -> StoreResult<()>;
    /// Failures since `since` for the username and for the address.
    async fn recent_login_failures(&self, username: &str, ip: &str, since: OffsetDateTime) -> StoreResult<(i64, i64)>;
    /// Records a successful login: the attempt, the new session, the user's last login time.
    async fn open_session(&self, attempt: &LoginAttempt, session: &Session, audit: &AuditEvent) -> StoreResult<()>;
    async fn session(&self, token_hash: &str) -> StoreResult<Option<Session>>;
    async fn touch_session(&self, token_hash: &str, at: OffsetDateTime, expires_at: OffsetDateTime) -> StoreResult<()>;
    async fn close_session(&self, token_hash: &str, audit: &AuditEvent) -> StoreResult<()>;

    // API tokens.
    async fn insert_api_token(&self, token: &ApiToken, audit: &AuditEvent) -> StoreResult<()>;
    async fn api_token_by_hash(&self, token_hash: &str) -> StoreResult<Option<ApiToken>>;
    async fn api_tokens_of(&self, user_id: Uuid) -> StoreResult<Vec<ApiToken>>;
    async fn revoke_api_token(&self, id: Uuid, at: OffsetDateTime, audit: &AuditEvent) -> StoreResult<()>;
    async fn touch_api_token(&self, id: Uuid, at: OffsetDateTime) -> StoreResult<()>;

    // Code of conduct.
    async fn current_code_of_conduct(&self) -> StoreResult<Option<CodeOfConduct>>;
    async fn insert_code_of_conduct(&self, code: &CodeOfConduct, audit: &AuditEvent) -> StoreResult<()>;
    async fn accept_code_of_conduct(
        &self,
        user_id: Uuid,
        version: i64,
        at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    // Audit trail.
    /// Appends an entry on its own (a view, a denial, a failed login with no account).
    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<()>;
    async fn audit_entries(&self, filter: &AuditFilter, page: &PageRequest) -> StoreResult<Page<AuditEntry>>;
    /// Up to `limit` entries with `seq > after`, in order: verification reads the chain in batches.
    async fn audit_chain(&self, after: i64, limit: i64) -> StoreResult<Vec<AuditEntry>>;
    /// The sequence number of the latest entry, as kept by the chain head.
    async fn audit_head(&self) -> StoreResult<i64>;

    // Case management.
    /// Registers a case (and its person when new) with consents, screening and tasks; returns the
    /// case number given.
    async fn create_case(&self, new: &NewCase, audit: &AuditEvent) -> StoreResult<String>;
    async fn case_file(&self, id: Uuid) -> StoreResult<Option<CaseFile>>;
    async fn cases(&self, scope: &CaseScope, filter: &CaseFilter, page: &PageRequest)
        -> StoreResult<Page<CaseSummary>>;
    /// Saves a person if nobody saved it since `person.version` was read (`Conflict("stale")`).
    async fn update_person(&self, person: &PersonRecord, audit: &AuditEvent) -> StoreResult<()>;
    /// Saves a case (and replaces its screening when `flags` is given, adding `tasks`) if nobody
    /// saved it since `case.version` was read (`Conflict("stale")`).
    async fn update_case(
        &self,
        case: &CaseRecord,
        flags: Option<&[StoredFlag]>,
        tasks: &[Task],
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn add_consent(&self, consent: &StoredConsent, audit: &AuditEvent) -> StoreResult<()>;
    async fn withdraw_consent(&self, id: Uuid, on: time::Date, by: Uuid, audit: &AuditEvent) -> StoreResult<()>;
    /// The person holding a document, if any.
    async fn document_holder(&self, doc_type: &str, number_key: &str) -> StoreResult<Option<Uuid>>;
    /// Loads many ready-made cases at once (demonstration and benchmark data), with one audit
    /// entry for the whole batch. Case numbers are taken as given; counters move past them.
    async fn bulk_insert_cases(&self, batch: &[NewCase], audit: &AuditEvent) -> StoreResult<()>;
    async fn plan_of_case(&self, case_id: Uuid) -> StoreResult<Option<PlanFile>>;
    /// Creates or saves a plan (version-checked when it exists), with the items given and tasks.
    async fn save_plan(&self, plan: &Plan, items: &[PlanItem], tasks: &[Task], audit: &AuditEvent) -> StoreResult<()>;
    /// Open tasks of an organisation's cases due on or before `until`, earliest first.
    async fn open_tasks(&self, organisation_id: Uuid, until: time::Date, limit: i64) -> StoreResult<Vec<QueuedTask>>;
    /// Plans of an organisation with items waiting for approval.
    async fn plans_awaiting_approval(&self, organisation_id: Uuid, limit: i64) -> StoreResult<Vec<PendingPlan>>;
    async fn insert_referral(&self, referral: &Referral, audit: &AuditEvent) -> StoreResult<()>;
    async fn referral(&self, id: Uuid) -> StoreResult<Option<Referral>>;
    async fn referrals_of_case(&self, case_id: Uuid) -> StoreResult<Vec<Referral>>;
    /// Referrals sent to an organisation, newest first, optionally in one status.
    async fn referrals_to(
        &self,
        organisation_id: Uuid,
        status: Option<cnrm_domain::lifecycle::referral::ReferralStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<Referral>>;
    /// Saves a referral if nobody saved it since `referral.version` was read (`Conflict("stale")`).
    async fn update_referral(&self, referral: &Referral, audit: &AuditEvent) -> StoreResult<()>;
    /// How many cases each organisation holds for a person (for "already known elsewhere").
    async fn cases_of_person(&self, person_id: Uuid) -> StoreResult<Vec<(Uuid, Uuid, String)>>;

    // Collective projects (several cases of an organisation in one business).
    async fn insert_project(&self, project: &Project, audit: &AuditEvent) -> StoreResult<()>;
    /// Saves a project if nobody saved it since `project.version` was read (`Conflict("stale")`).
    async fn update_project(&self, project: &Project, audit: &AuditEvent) -> StoreResult<()>;
    async fn project(&self, id: Uuid) -> StoreResult<Option<ProjectFile>>;
    /// Projects, newest first, of one organisation (`None`: all), optionally in one status.
    async fn projects(
        &self,
        organisation_id: Option<Uuid>,
        status: Option<cnrm_domain::project::ProjectStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<ProjectSummary>>;
    /// Adds a member; `Conflict("project_member")` when the case is already a member.
    async fn add_project_member(&self, member: &NewProjectMember, audit: &AuditEvent) -> StoreResult<()>;
    /// Removes a member (`NotFound` when the case is not one).
    async fn remove_project_member(&self, project_id: Uuid, case_id: Uuid, audit: &AuditEvent) -> StoreResult<()>;
    /// The projects a case is a member of, newest first.
    async fn projects_of_case(&self, case_id: Uuid) -> StoreResult<Vec<Project>>;
    /// Collective and community plan items (not cancelled) of an organisation's open cases, by case number.
    async fn shareable_plan_items(&self, organisation_id: Uuid, limit: i64) -> StoreResult<Vec<ShareableItem>>;

    // Transfers of cases between organisations.
    /// Records a proposed transfer; a second pending one for the case is `Conflict`.
    async fn insert_transfer(&self, transfer: &Transfer, audit: &AuditEvent) -> StoreResult<()>;
    async fn transfer(&self, id: Uuid) -> StoreResult<Option<Transfer>>;
    /// The transfers of a case, newest first.
    async fn transfers_of_case(&self, case_id: Uuid) -> StoreResult<Vec<Transfer>>;
    /// An organisation's transfers in one direction, pending first then newest first; `pending_only`
    /// keeps those still proposed.
    async fn transfers_of_organisation(
        &self,
        organisation_id: Uuid,
        direction: TransferDirection,
        pending_only: bool,
        limit: i64,
    ) -> StoreResult<Vec<Transfer>>;
    /// Saves a declined or cancelled transfer if nobody saved it since `transfer.version` was read
    /// and it was still proposed (`Conflict("stale")`).
    async fn update_transfer(&self, transfer: &Transfer, audit: &AuditEvent) -> StoreResult<()>;
    /// Accepts a transfer in one transaction: the transfer (version-checked, still proposed) and the
    /// case, which moves to the receiver with a number from its counter (`number_prefix`, `year`), no
    /// assignee nor team, and a new version. Returns the new case number; the audit entry's details
    /// get it as `case_number`.
    async fn accept_transfer(
        &self,
        transfer: &Transfer,
        number_prefix: &str,
        year: i32,
        audit: &AuditEvent,
    ) -> StoreResult<String>;

    // Households, follow-up contact outcomes and platform settings.
    /// Records family links (one audit entry for all); a link between two persons already linked
    /// (either way) is `Conflict`.
    async fn insert_family_links(&self, links: &[FamilyLink], audit: &AuditEvent) -> StoreResult<()>;
    /// The links of a person, either side, oldest first.
    async fn family_links_of_person(&self, person_id: Uuid) -> StoreResult<Vec<FamilyLink>>;
    async fn family_link(&self, id: Uuid) -> StoreResult<Option<FamilyLink>>;
    /// Removes a link (`NotFound` when it is gone).
    async fn delete_family_link(&self, id: Uuid, audit: &AuditEvent) -> StoreResult<()>;
    /// Records a contact's outcome, marks its task done at `outcome.recorded_at` and adds `next`
    /// (the contact scheduled after it). A task already done is `Conflict("task_done")`.
    async fn record_task_outcome(
        &self,
        outcome: &TaskOutcome,
        next: Option<&Task>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn task_outcomes_of_case(&self, case_id: Uuid) -> StoreResult<Vec<TaskOutcome>>;
    async fn setting(&self, key: &str) -> StoreResult<Option<Setting>>;
    /// Creates or replaces a setting.
    async fn save_setting(&self, setting: &Setting, audit: &AuditEvent) -> StoreResult<()>;

    // Counselling: sessions, needs and skills assessments (history kept, newest first).
    async fn insert_counselling_session(&self, session: &CounsellingSession, audit: &AuditEvent) -> StoreResult<()>;
    /// A case's sessions, the most recent first.
    async fn counselling_sessions(&self, case_id: Uuid) -> StoreResult<Vec<CounsellingSession>>;
    async fn insert_needs_assessment(&self, assessment: &NeedsAssessment, audit: &AuditEvent) -> StoreResult<()>;
    /// A case's needs assessments, the most recent first.
    async fn needs_assessments(&self, case_id: Uuid) -> StoreResult<Vec<NeedsAssessment>>;
    async fn insert_skills_assessment(&self, assessment: &SkillsAssessment, audit: &AuditEvent) -> StoreResult<()>;
    /// A case's skills assessments, the most recent first.
    async fn skills_assessments(&self, case_id: Uuid) -> StoreResult<Vec<SkillsAssessment>>;
    /// Loads many counselling records at once (demonstration data), with one audit entry.
    async fn bulk_insert_counselling(
        &self,
        sessions: &[CounsellingSession],
        needs: &[NeedsAssessment],
        skills: &[SkillsAssessment],
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    // Attachments: files attached to a case (metadata and content in separate tables).
    /// Stores a file and its metadata; another live attachment of the case with the same checksum
    /// is `Conflict("attachments_case_checksum")`.
    async fn insert_attachment(&self, attachment: &Attachment, content: &[u8], audit: &AuditEvent) -> StoreResult<()>;
    /// A case's attachments (removed ones included), oldest first, without their content.
    async fn attachments_of_case(&self, case_id: Uuid) -> StoreResult<Vec<Attachment>>;
    async fn attachment(&self, id: Uuid) -> StoreResult<Option<Attachment>>;
    /// A file's content (`None` once removed).
    async fn attachment_content(&self, id: Uuid) -> StoreResult<Option<Vec<u8>>>;
    /// Marks an attachment removed (who, when, why) and deletes its content; one already removed
    /// is `Conflict("attachment_removed")`.
    async fn remove_attachment(
        &self,
        id: Uuid,
        removed_by: Uuid,
        at: OffsetDateTime,
        reason: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}
