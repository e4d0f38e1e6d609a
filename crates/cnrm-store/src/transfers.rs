//! Transfers of a case from one organisation to another.

use cnrm_domain::sharing::SharedField;
use cnrm_domain::transfer::TransferStatus;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// A proposal to hand a case over to another organisation, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Transfer {
    pub id: Uuid,
    pub case_id: Uuid,
    pub from_organisation_id: Uuid,
    pub to_organisation_id: Uuid,
    /// The case's number when the transfer was proposed (the sender's); kept after acceptance.
    pub case_number: String,
    /// The number the receiver gave the case on acceptance.
    pub new_case_number: Option<String>,
    /// Why the sender proposes the transfer.
    pub reason: String,
    /// The allow-list: the only fields of the case file the receiver sees while the proposal waits.
    pub shared_fields: Vec<SharedField>,
    pub status: TransferStatus,
    /// Why it was declined (or cancelled, when the sender said why).
    pub decision_reason: Option<String>,
    pub proposed_by: Option<Uuid>,
    pub decided_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Which transfers of an organisation a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferDirection {
    /// Proposed to the organisation.
    Incoming,
    /// Proposed by the organisation.
    Outgoing,
}
