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

pub mod cases;
pub mod model;

pub use cases::*;
pub use cnrm_domain::audit::{AuditEntry, AuditEvent};
pub use cnrm_domain::paging::{Page, PageRequest};
pub use model::*;

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
}
