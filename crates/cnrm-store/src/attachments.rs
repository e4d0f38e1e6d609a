//! Files attached to a case. The metadata row stays for the record when a file is removed; its
//! content (kept in a table of its own, so lists never load it) is deleted.

use cnrm_domain::attachment::{AttachmentKind, FileType};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// An attached file's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Attachment {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: AttachmentKind,
    pub description: String,
    /// The cleaned name the file is offered under.
    pub file_name: String,
    /// Recognised from the file's bytes.
    pub file_type: FileType,
    pub size_bytes: i64,
    /// SHA-256 of the content, lower-case hexadecimal.
    pub sha256: String,
    pub uploaded_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Set when the file was removed: its content is gone, this record stays.
    #[serde(with = "time::serde::rfc3339::option")]
    pub removed_at: Option<OffsetDateTime>,
    pub removed_by: Option<Uuid>,
    pub removal_reason: Option<String>,
}

impl Attachment {
    pub fn removed(&self) -> bool {
        self.removed_at.is_some()
    }
}
