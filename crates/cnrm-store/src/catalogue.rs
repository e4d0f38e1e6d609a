//! The service catalogue: services of organisations and their revisions.

use cnrm_domain::lifecycle::plan::AssistanceType;
use cnrm_domain::service::{RevisionStatus, ServiceContent};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// One version of a service's description, with where it stands in the review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ServiceRevision {
    pub id: Uuid,
    pub service_id: Uuid,
    /// The organisation offering the service.
    pub organisation_id: Uuid,
    /// 1 for the first revision of the service, then 2, 3…
    pub number: i64,
    pub status: RevisionStatus,
    #[serde(flatten)]
    pub content: ServiceContent,
    /// The secretariat's comment when it returned the revision.
    pub review_comment: Option<String>,
    pub reviewed_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub reviewed_at: Option<OffsetDateTime>,
    pub created_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A service of the catalogue: its published revision (if any) and the one under way (if any).
/// `version` guards against two people changing it at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CatalogueService {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub version: i64,
    pub created_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// What everyone sees.
    pub published: Option<ServiceRevision>,
    /// A draft, submitted or returned revision: seen by its organisation and the secretariat only.
    pub pending: Option<ServiceRevision>,
}

/// Which revisions a reader may see (set by the service from the reader's grants, never by the user).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogueVisibility {
    /// Published revisions only.
    Published,
    /// Published revisions, and every pending revision of this organisation.
    PublishedAndOwn(Uuid),
    /// Every current revision (the secretariat).
    All,
}

/// What a catalogue search asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogueFilter {
    pub category: Option<AssistanceType>,
    /// P-codes any of which the revision must cover (a place, the units above and below it).
    pub units: Option<Vec<String>>,
    pub organisation_id: Option<Uuid>,
    /// Only revisions in this status (superseded revisions are never listed).
    pub status: Option<RevisionStatus>,
}
