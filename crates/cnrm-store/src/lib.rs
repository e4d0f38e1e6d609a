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
pub mod catalogue;
pub mod coordination;
pub mod counselling;
pub mod exports;
pub mod household;
pub mod identity;
pub mod interventions;
pub mod model;
pub mod projects;
pub mod surveys;
pub mod transfers;

pub use attachments::*;
pub use cases::*;
pub use catalogue::*;
pub use cnrm_domain::audit::{AuditEntry, AuditEvent};
pub use cnrm_domain::paging::{Page, PageRequest};
pub use coordination::*;
pub use counselling::*;
pub use exports::*;
pub use household::*;
pub use identity::*;
pub use interventions::*;
pub use model::*;
pub use projects::*;
pub use surveys::*;
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
    /// The display names of these users (those that exist), in one query: for lists naming
    /// who did what.
    async fn user_display_names(&self, ids: &[Uuid]) -> StoreResult<Vec<(Uuid, String)>>;
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
    /// The latest entries of one action by actors of an organisation since `since`, newest first, at
    /// most `limit`: what a work queue reads on every visit, so no count and no scan of older entries'
    /// other actions.
    async fn recent_audit(
        &self,
        action: &str,
        organisation_id: Uuid,
        since: OffsetDateTime,
        limit: i64,
    ) -> StoreResult<Vec<AuditEntry>>;
    /// The sequence number of the latest entry, as kept by the chain head.
    async fn audit_head(&self) -> StoreResult<i64>;

    // Case management.
    /// Registers a case (and its person when new) with consents, screening and tasks; returns the
    /// case number given.
    async fn create_case(&self, new: &NewCase, audit: &AuditEvent) -> StoreResult<String>;
    async fn case_file(&self, id: Uuid) -> StoreResult<Option<CaseFile>>;
    async fn cases(&self, scope: &CaseScope, filter: &CaseFilter, page: &PageRequest)
        -> StoreResult<Page<CaseSummary>>;
    /// The details of these cases that exports may add to the list's rows (shared/exports.rs), in
    /// no particular order; unknown ids are skipped. The caller has already limited `ids` to what
    /// the reader may see (they come from [`Database::cases`]).
    async fn case_export_details(&self, ids: &[Uuid]) -> StoreResult<Vec<CaseExportDetail>>;
    /// The survey submissions of these cases (shared/exports.rs), by case then date answered; the
    /// ids come from [`Database::cases`], already limited to what the reader may see.
    async fn survey_submissions_of_cases(&self, ids: &[Uuid]) -> StoreResult<Vec<SurveySubmission>>;
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
    async fn cases_of_person(&self, person_id: Uuid) -> StoreResult<Vec<CaseRecord>>;

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

    // Surveys (shared/surveys.rs): questionnaire versions, submissions with scores, schedules.
    /// The current version of every questionnaire, by code.
    async fn questionnaires(&self) -> StoreResult<Vec<QuestionnaireVersion>>;
    /// One version of a questionnaire (`None`: its current version).
    async fn questionnaire_version(
        &self,
        code: &str,
        version: Option<i64>,
    ) -> StoreResult<Option<QuestionnaireVersion>>;
    async fn questionnaire_version_by_id(&self, id: Uuid) -> StoreResult<Option<QuestionnaireVersion>>;
    /// Every version of a questionnaire, the newest first.
    async fn questionnaire_versions(&self, code: &str) -> StoreResult<Vec<QuestionnaireVersion>>;
    /// Stores a version and makes it the current one (the questionnaire is created with its first
    /// version); a version number already taken is `Conflict("questionnaire_versions_number")`.
    async fn insert_questionnaire_version(&self, version: &QuestionnaireVersion, audit: &AuditEvent)
        -> StoreResult<()>;
    /// Stores a submission in one transaction with the schedule step it completes (`completes`,
    /// which must still be open: `Conflict("stale")` otherwise) and the steps it schedules
    /// (`schedule`: a step already scheduled is kept as it is).
    async fn insert_survey_submission(
        &self,
        submission: &SurveySubmission,
        completes: Option<Uuid>,
        schedule: &[ScheduledSurvey],
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn survey_submission(&self, id: Uuid) -> StoreResult<Option<SurveySubmission>>;
    /// A case's submissions, the most recently answered first.
    async fn survey_submissions_of_case(&self, case_id: Uuid) -> StoreResult<Vec<SurveySubmission>>;
    /// Up to `limit` submissions of a questionnaire not scored with `version_id`, by id after `after`
    /// (recomputing in batches).
    async fn survey_submissions_scored_otherwise(
        &self,
        code: &str,
        version_id: Uuid,
        after: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<SurveySubmission>>;
    /// Replaces the scores of submissions, now scored with `version_id`, in one transaction.
    async fn rescore_survey_submissions(
        &self,
        scores: &[(Uuid, SurveyScores)],
        version_id: Uuid,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// A case's schedule, by due date.
    async fn survey_schedule_of_case(&self, case_id: Uuid) -> StoreResult<Vec<ScheduledSurvey>>;
    /// Adds steps to schedules; a step already scheduled and not done gets the new due date.
    async fn save_survey_schedule(&self, steps: &[ScheduledSurvey], audit: &AuditEvent) -> StoreResult<()>;
    /// Surveys not done of an organisation's open cases due on or before `until`, earliest first.
    async fn surveys_due(&self, organisation_id: Uuid, until: time::Date, limit: i64)
        -> StoreResult<Vec<QueuedSurvey>>;
    /// Loads many submissions and schedule steps at once (demonstration data), one audit entry;
    /// the steps' `done_submission_id` are taken as given.
    async fn bulk_insert_surveys(
        &self,
        submissions: &[SurveySubmission],
        schedule: &[ScheduledSurvey],
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

    // Identity resolution (task F): person records for the matcher, the review queue of candidate
    // pairs, links to master persons (`persons.master_person_id`), contact requests.
    /// Identity fields of person records by id order, `limit` of them after `after` (paged loading).
    async fn identity_records(&self, after: Option<Uuid>, limit: i64) -> StoreResult<Vec<IdentityRecord>>;
    /// Identity fields of the given person records (unknown ids are skipped).
    async fn identity_records_of(&self, ids: &[Uuid]) -> StoreResult<Vec<IdentityRecord>>;
    /// The records sharing a master person with `person_id` (itself included), by id.
    async fn linked_records(&self, person_id: Uuid) -> StoreResult<Vec<Uuid>>;
    /// Queues candidate pairs in one transaction with `audit`; a pair already queued keeps its
    /// status (a pending one gets the new score).
    async fn insert_identity_candidates(
        &self,
        candidates: &[IdentityCandidate],
        audit: &AuditEvent,
    ) -> StoreResult<CandidateInsert>;
    /// Candidate pairs, most probable first, optionally in one status.
    async fn identity_candidates(
        &self,
        status: Option<cnrm_domain::identity::CandidateStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<IdentityCandidate>>;
    async fn identity_candidate(&self, id: Uuid) -> StoreResult<Option<IdentityCandidate>>;
    /// Every pair, either side, that involves one of `persons`.
    async fn identity_candidates_of(&self, persons: &[Uuid]) -> StoreResult<Vec<IdentityCandidate>>;
    /// Saves a decision (or a split: status `split`) if nobody saved the pair since
    /// `candidate.version` was read (`Conflict("stale")`), then recomputes the master persons of
    /// both records' groups from the pairs decided "same". Returns (record, master) of every record
    /// of the groups concerned.
    async fn decide_identity_candidate(
        &self,
        candidate: &IdentityCandidate,
        audit: &AuditEvent,
    ) -> StoreResult<Vec<(Uuid, Uuid)>>;
    async fn insert_contact_request(&self, request: &ContactRequest, audit: &AuditEvent) -> StoreResult<()>;
    /// Contact requests received by an organisation, newest first.
    async fn contact_requests_to(&self, organisation_id: Uuid, limit: i64) -> StoreResult<Vec<ContactRequest>>;

    // Coordination (task G3): meetings and their action points, partnership agreements, trainings,
    // good practices. Lists are newest first.
    /// Records a meeting with its organisations present.
    async fn insert_meeting(&self, meeting: &Meeting, audit: &AuditEvent) -> StoreResult<()>;
    /// Saves a meeting (and replaces its organisations) if nobody saved it since `meeting.version`
    /// was read (`Conflict("stale")`).
    async fn update_meeting(&self, meeting: &Meeting, audit: &AuditEvent) -> StoreResult<()>;
    async fn meeting(&self, id: Uuid) -> StoreResult<Option<MeetingFile>>;
    /// Meetings, the most recently held first.
    async fn meetings(&self, page: &PageRequest) -> StoreResult<Page<Meeting>>;
    async fn insert_action_point(&self, point: &ActionPoint, audit: &AuditEvent) -> StoreResult<()>;
    async fn action_point(&self, id: Uuid) -> StoreResult<Option<ActionPoint>>;
    /// Saves an action point's new status with its update if nobody saved it since `point.version`
    /// was read (`Conflict("stale")`).
    async fn update_action_point(
        &self,
        point: &ActionPoint,
        update: &ActionPointUpdate,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Open and in-progress action points of an organisation due before `before`, earliest first.
    async fn action_points_due(
        &self,
        organisation_id: Uuid,
        before: time::Date,
        limit: i64,
    ) -> StoreResult<Vec<QueuedActionPoint>>;
    /// Records an agreement with its parties (the recording organisation among them).
    async fn insert_agreement(&self, agreement: &Agreement, audit: &AuditEvent) -> StoreResult<()>;
    /// Saves an agreement (and replaces its parties) if nobody saved it since `agreement.version`
    /// was read (`Conflict("stale")`).
    async fn update_agreement(&self, agreement: &Agreement, audit: &AuditEvent) -> StoreResult<()>;
    async fn agreement(&self, id: Uuid) -> StoreResult<Option<Agreement>>;
    /// Agreements within `reach`, optionally only those `party` is a party to.
    async fn agreements(
        &self,
        reach: CoordinationReach,
        party: Option<Uuid>,
        page: &PageRequest,
    ) -> StoreResult<Page<Agreement>>;
    /// Every agreement (any status) both organisations are parties to.
    async fn agreements_between(&self, a: Uuid, b: Uuid) -> StoreResult<Vec<Agreement>>;
    /// Stores one version of an agreement's signed document; earlier ones stay.
    async fn insert_agreement_document(
        &self,
        document: &AgreementDocument,
        content: &[u8],
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// An agreement's document versions, the latest (the one in force) first, without content.
    async fn agreement_documents(&self, agreement_id: Uuid) -> StoreResult<Vec<AgreementDocument>>;
    async fn agreement_document(&self, id: Uuid) -> StoreResult<Option<AgreementDocument>>;
    async fn agreement_document_content(&self, id: Uuid) -> StoreResult<Option<Vec<u8>>>;
    async fn insert_training(&self, training: &Training, audit: &AuditEvent) -> StoreResult<()>;
    /// Saves a training if nobody saved it since `training.version` was read (`Conflict("stale")`).
    async fn update_training(&self, training: &Training, audit: &AuditEvent) -> StoreResult<()>;
    /// Saves a participant if nobody saved it since `participant.version` was read (`Conflict("stale")`).
    async fn update_training_participant(
        &self,
        participant: &TrainingParticipant,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Deletes a participant (recorded by mistake) if unchanged since read (`Conflict("stale")`).
    async fn remove_training_participant(
        &self,
        participant: &TrainingParticipant,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn training(&self, id: Uuid) -> StoreResult<Option<TrainingFile>>;
    /// Trainings, latest start first; with `organisation`, those it ran or had staff trained in.
    async fn trainings(&self, organisation: Option<Uuid>, page: &PageRequest) -> StoreResult<Page<TrainingSummary>>;
    async fn insert_training_participant(
        &self,
        participant: &TrainingParticipant,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn insert_practice(&self, practice: &Practice, audit: &AuditEvent) -> StoreResult<()>;
    /// Saves a practice (and replaces its linked interventions) if nobody saved it since
    /// `practice.version` was read (`Conflict("stale")`).
    async fn update_practice(&self, practice: &Practice, audit: &AuditEvent) -> StoreResult<()>;
    async fn practice(&self, id: Uuid) -> StoreResult<Option<Practice>>;
    /// Practices within `reach` (public: published), optionally in one status.
    async fn practices(
        &self,
        reach: CoordinationReach,
        status: Option<cnrm_domain::coordination::PracticeStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<Practice>>;

    // Service catalogue (shared/catalogue.rs).
    /// Records a new service with its first revision (and the units it covers).
    async fn insert_catalogue_service(
        &self,
        service: &CatalogueService,
        revision: &ServiceRevision,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Saves a revision of a service (inserted when new, else replaced with its units) if nobody
    /// changed the service since `version` was read (`Conflict("stale")`); `supersede` marks an
    /// older revision superseded (when a later one is published).
    async fn save_catalogue_revision(
        &self,
        service_id: Uuid,
        version: i64,
        revision: &ServiceRevision,
        supersede: Option<Uuid>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// A service with its published and pending revisions.
    async fn catalogue_service(&self, id: Uuid) -> StoreResult<Option<CatalogueService>>;
    /// Current revisions matching the filter that the reader may see, by name.
    async fn catalogue_search(
        &self,
        visibility: CatalogueVisibility,
        filter: &CatalogueFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<ServiceRevision>>;

    // Interventions (4W) and their progress reports per quarter (shared/interventions.rs).
    async fn insert_intervention(&self, intervention: &Intervention, audit: &AuditEvent) -> StoreResult<()>;
    /// Saves an intervention (its units and organisations replaced) if nobody saved it since
    /// `intervention.version` was read (`Conflict("stale")`).
    async fn update_intervention(&self, intervention: &Intervention, audit: &AuditEvent) -> StoreResult<()>;
    async fn intervention(&self, id: Uuid) -> StoreResult<Option<Intervention>>;
    /// Interventions matching the filter, the latest start first; `page` `None`: all of them (exports).
    async fn interventions(
        &self,
        filter: &InterventionFilter,
        page: Option<&PageRequest>,
    ) -> StoreResult<Page<Intervention>>;
    /// The reports of these interventions, by intervention then period.
    async fn intervention_reports(&self, intervention_ids: &[Uuid]) -> StoreResult<Vec<InterventionReport>>;
    /// Creates a report (`expected_version` `None`; a second one for the period is
    /// `Conflict("intervention_report")`) or saves it if nobody saved it since that version
    /// (`Conflict("stale")`). Refused with `Conflict("period_locked")`, nothing written, when its
    /// period is locked: the period's row is taken for writing first, so a lock cannot slip in between.
    async fn save_intervention_report(
        &self,
        report: &InterventionReport,
        expected_version: Option<i64>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Every period named so far, the latest first.
    async fn reporting_periods(&self) -> StoreResult<Vec<ReportingPeriod>>;
    async fn reporting_period(&self, period: &str) -> StoreResult<Option<ReportingPeriod>>;
    /// Sets a period's status if nobody changed it since `expected_version` (`None`: the period is
    /// not recorded yet); `Conflict("stale")` otherwise.
    async fn save_reporting_period(
        &self,
        period: &ReportingPeriod,
        expected_version: Option<i64>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Loads many interventions with their reports at once (demonstration data), one audit entry;
    /// the reports' periods are recorded open when new.
    async fn bulk_insert_interventions(
        &self,
        interventions: &[Intervention],
        reports: &[InterventionReport],
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    // Gap and overlap analysis (task G4, shared/gaps.rs): counts only, never a person.
    /// Returnees of open cases with an open need (plan item not delivered or cancelled, or a need of
    /// their latest assessment), per settlement unit and category, each counted once per category.
    /// Read from counters that every write to plans, assessments, cases and persons keeps current.
    async fn gap_needs(&self) -> StoreResult<Vec<cnrm_domain::gaps::NeedCount>>;
    /// The same counts recomputed from the plans, assessments and case listing rows instead of read
    /// from the counters the writes keep: slow at scale, the check the tests hold the counters to.
    async fn gap_needs_recomputed(&self) -> StoreResult<Vec<cnrm_domain::gaps::NeedCount>>;
    /// Recomputes the counters behind `gap_needs` from the records, after writes made around the store
    /// (bulk SQL seeding); the writes through the store keep them current by themselves.
    async fn rebuild_gap_needs(&self, audit: &AuditEvent) -> StoreResult<()>;
    /// Published services, one row per unit they cover.
    async fn gap_services(&self) -> StoreResult<Vec<cnrm_domain::gaps::ServiceCover>>;
    /// Published interventions not completed whose period meets `from`..=`to`, one row per unit.
    async fn gap_interventions(
        &self,
        from: time::Date,
        to: time::Date,
    ) -> StoreResult<Vec<cnrm_domain::gaps::InterventionCover>>;

    // Indicators (issue 6, shared/indicators.rs): tallies only, never a person.
    /// The tallies of one indicator for a filter, one per key of the breakdown (`None`: the total);
    /// `today` bounds what is overdue.
    async fn indicator_tallies(
        &self,
        code: cnrm_domain::indicators::IndicatorCode,
        filter: &cnrm_domain::indicators::IndicatorFilter,
        breakdown: Option<cnrm_domain::indicators::Breakdown>,
        today: time::Date,
    ) -> StoreResult<Vec<cnrm_domain::indicators::Tally>>;
    /// The sums of these case measures (`cnrm_domain::case_facts`) over the cases the filter keeps,
    /// one row per key of the grouping (sex, age group, month, region; `None`: one row keyed `""`).
    /// Read from the cells where they answer the filter, else from the cases' rows; `per_case` reads
    /// the cases' rows always (the check the tests hold the cells to).
    async fn case_sums(
        &self,
        filter: &cnrm_domain::indicators::IndicatorFilter,
        grouping: Option<cnrm_domain::indicators::Breakdown>,
        measures: &[cnrm_domain::case_facts::Measure],
        per_case: bool,
    ) -> StoreResult<Vec<(String, cnrm_domain::case_facts::CaseSums)>>;
    /// Recomputes the case facts and their cells from the records, after writes made around the store
    /// (bulk SQL seeding, a restore); the writes through the store keep them current by themselves.
    async fn rebuild_case_facts(&self, audit: &AuditEvent) -> StoreResult<()>;
}
