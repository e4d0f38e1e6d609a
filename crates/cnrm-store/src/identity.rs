//! Records of identity resolution: person records as the matcher reads them, candidate pairs in
//! the review queue, links to master persons and contact requests about a possible match.

use cnrm_domain::identity::CandidateStatus;
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A person record's identity fields (no case content, no vulnerabilities, no consents).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct IdentityRecord {
    pub person_id: Uuid,
    /// The master person of its linked group (its own id when not linked).
    pub master_person_id: Uuid,
    pub family_name: String,
    pub given_names: String,
    pub other_names: String,
    /// The father's given name(s) of the filiation; empty when not known.
    pub father_name: String,
    /// The mother's full name of the filiation; empty when not known.
    pub mother_name: String,
    /// Sex code (`female`, `male`, `other`, `unknown`).
    pub sex: String,
    pub birth_date: Option<Date>,
    /// `exact`, `month`, `year`, `estimated_age`.
    pub birth_precision: Option<String>,
    pub phones: Vec<String>,
    pub origin_pcode: Option<String>,
    pub settlement_pcode: Option<String>,
    pub documents: Vec<DocumentRef>,
}

/// An identity document of a record: its type code and number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DocumentRef {
    pub doc_type: String,
    pub number: String,
}

/// One field's evidence in a candidate pair: its comparison level and weight (bits).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FieldEvidence {
    pub field: String,
    pub level: String,
    pub weight: f64,
}

/// A pair of person records that may be the same returnee, `person_a < person_b`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IdentityCandidate {
    pub id: Uuid,
    pub person_a: Uuid,
    pub person_b: Uuid,
    /// Match weight in bits (log2 of the odds).
    pub match_weight: f64,
    pub probability: f64,
    pub evidence: Vec<FieldEvidence>,
    pub names_swapped: bool,
    pub status: CandidateStatus,
    pub decided_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// How the review queue counts after a batch insert.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CandidateInsert {
    /// New pairs queued.
    pub added: u64,
    /// Pairs already in the queue (pending ones get the new score; decided ones are left alone).
    pub known: u64,
}

/// A request from one organisation to another about a possible match at the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ContactRequest {
    pub id: Uuid,
    pub from_organisation_id: Uuid,
    pub requested_by: Option<Uuid>,
    pub to_organisation_id: Uuid,
    /// The receiving organisation's record; never shown to the requester.
    pub person_id: Uuid,
    pub message: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// What the `identity_candidates.evidence` column holds (JSON).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct StoredEvidence {
    pub fields: Vec<FieldEvidence>,
    #[serde(default)]
    pub names_swapped: bool,
}
