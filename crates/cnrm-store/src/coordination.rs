//! Coordination records: meetings and action points, agreements, trainings, good practices.

use cnrm_domain::coordination::{
    ActionStatus, AgreementStatus, AgreementType, MeetingLevel, ParticipantSex, PracticeStatus, TrainingTopic,
};
use cnrm_domain::lifecycle::plan::Dimension;
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A coordination meeting. `version` guards against two people saving it at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Meeting {
    pub id: Uuid,
    pub title: String,
    pub level: MeetingLevel,
    /// The region or cercle (P-code); none for national meetings.
    pub location_pcode: Option<String>,
    pub held_on: Date,
    pub place: String,
    pub agenda: Vec<String>,
    /// Organisations present.
    pub organisations: Vec<Uuid>,
    /// People present, one entry each.
    pub attendees: Vec<String>,
    pub minutes: String,
    pub decisions: Vec<String>,
    pub version: i64,
    pub created_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// An action point decided in a meeting, owned by one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ActionPoint {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub description: String,
    pub owner_organisation_id: Uuid,
    pub due_on: Date,
    pub status: ActionStatus,
    pub version: i64,
    pub created_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// One change of an action point's status, with its comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ActionPointUpdate {
    pub id: Uuid,
    pub action_point_id: Uuid,
    pub status: ActionStatus,
    pub comment: String,
    pub updated_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A meeting with its action points (by creation) and their updates (oldest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingFile {
    pub meeting: Meeting,
    pub action_points: Vec<ActionPoint>,
    pub updates: Vec<ActionPointUpdate>,
}

/// An action point with the meeting it comes from (for work queues and lists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct QueuedActionPoint {
    #[serde(flatten)]
    pub action_point: ActionPoint,
    pub meeting_title: String,
    pub meeting_held_on: Date,
}

/// A partnership agreement between actors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Agreement {
    pub id: Uuid,
    /// The organisation that recorded it (and may change it); also a party.
    pub organisation_id: Uuid,
    pub title: String,
    pub kind: AgreementType,
    /// Every party, the recording organisation first.
    pub parties: Vec<Uuid>,
    pub scope: String,
    /// The services or data covered.
    pub coverage: String,
    pub start_on: Date,
    pub end_on: Option<Date>,
    /// Reference or address of the signed document.
    pub document: String,
    /// Days before the end at which the renewal is recalled.
    pub reminder_days: i64,
    /// As recorded: an active agreement past its end is shown expired (see `agreement_status_on`).
    pub status: AgreementStatus,
    pub status_reason: Option<String>,
    pub version: i64,
    pub created_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A training session for the actors' staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Training {
    pub id: Uuid,
    /// The organisation that ran it.
    pub organisation_id: Uuid,
    pub title: String,
    pub topic: TrainingTopic,
    pub trainers: String,
    pub start_on: Date,
    pub end_on: Date,
    pub place: String,
    pub version: i64,
    pub created_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Someone trained, with their test scores (0–100) and whether a certificate was issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TrainingParticipant {
    pub id: Uuid,
    pub training_id: Uuid,
    pub name: String,
    pub sex: ParticipantSex,
    pub organisation_id: Uuid,
    pub pre_score: Option<i64>,
    pub post_score: Option<i64>,
    pub certified: bool,
    pub version: i64,
    pub added_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingFile {
    pub training: Training,
    pub participants: Vec<TrainingParticipant>,
}

/// A row of the training list: the session and its participants counted by sex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TrainingSummary {
    #[serde(flatten)]
    pub training: Training,
    pub women: i64,
    pub men: i64,
    pub certified: i64,
}

/// A documented good practice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Practice {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub title: String,
    pub summary: String,
    pub dimension: Dimension,
    pub region_pcode: Option<String>,
    /// Links to interventions and results, one entry each, as free text.
    pub evidence: Vec<String>,
    /// The recorded interventions that show its results, in the order given.
    pub interventions: Vec<PracticeIntervention>,
    pub tags: Vec<String>,
    pub status: PracticeStatus,
    /// Why the secretariat returned it.
    pub status_reason: Option<String>,
    pub version: i64,
    pub created_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// An intervention given as evidence of a practice, with what it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PracticeIntervention {
    pub intervention_id: Uuid,
    /// The results the intervention shows for the practice.
    pub results: String,
}

/// One uploaded version of an agreement's signed document. Versions are never deleted: the latest
/// is the one in force, the others stay for the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AgreementDocument {
    pub id: Uuid,
    pub agreement_id: Uuid,
    pub description: String,
    /// The cleaned name the file is offered under.
    pub file_name: String,
    /// Recognised from the file's bytes.
    pub file_type: cnrm_domain::attachment::FileType,
    pub size_bytes: i64,
    /// SHA-256 of the content, lower-case hexadecimal.
    pub sha256: String,
    pub uploaded_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Which records of a coordination list a reader gets: all of them, or those shown to everyone
/// (published practices, agreements past their draft) plus every one of an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoordinationReach {
    All,
    PublicAnd(Option<Uuid>),
}
