//! Files attached to a case: scans of consent forms, copies of identity documents, reports.
//!
//! Whoever may see the case sees its attachments and downloads them; whoever may change it uploads
//! (not to a closed case) and removes them. Out of sight is always "not found", whatever the role:
//! neither the case nor its files are revealed. Every upload, download and removal is audited on
//! the case, so its history shows them.

use cnrm_domain::attachment::{self, AttachmentKind, FileType};
use cnrm_domain::lifecycle::case::CaseStatus;
use cnrm_domain::lifecycle::Reason;
use cnrm_domain::FieldErrors;
use cnrm_store::{new_id_and_time, Attachment, CaseFile, StoreError};
use serde_json::json;
use uuid::Uuid;

use crate::cases;
use crate::{Actor, App, AppError};

/// A file as uploaded, with the form's other fields.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    /// An [`AttachmentKind`] code.
    pub kind: String,
    pub description: String,
    /// The name the sender's browser gave (only kept, cleaned, to offer the file under it).
    pub file_name: String,
    pub content: Vec<u8>,
}

/// A file on its way out: its metadata and its verified content.
#[derive(Debug, Clone)]
pub struct Download {
    pub attachment: Attachment,
    pub content: Vec<u8>,
}

/// The case, if the actor may see it; otherwise "not found", even for roles without case access.
async fn seen(app: &App, actor: &Actor, case_id: Uuid) -> Result<CaseFile, AppError> {
    cases::visible(app, actor, case_id).await.map_err(|e| match e {
        AppError::Forbidden => AppError::NotFound,
        other => other,
    })
}

/// The case, if the actor may change it (`NotFound` out of sight, `Forbidden` when only seen).
async fn changed(app: &App, actor: &Actor, case_id: Uuid) -> Result<CaseFile, AppError> {
    let file = seen(app, actor, case_id).await?;
    if !cases::may_change(actor, &file.case) {
        return Err(AppError::Forbidden);
    }
    Ok(file)
}

/// The attachment, when it belongs to this case.
async fn of_this_case(app: &App, case_id: Uuid, attachment_id: Uuid) -> Result<Attachment, AppError> {
    match app.db.attachment(attachment_id).await? {
        Some(a) if a.case_id == case_id => Ok(a),
        _ => Err(AppError::NotFound),
    }
}

/// The case and its attachments (removed ones too, for the record), for those who may see it.
pub async fn of_case(app: &App, actor: &Actor, case_id: Uuid) -> Result<(CaseFile, Vec<Attachment>), AppError> {
    let file = seen(app, actor, case_id).await?;
    let attachments = app.db.attachments_of_case(case_id).await?;
    Ok((file, attachments))
}

/// Whether the actor may upload to this case now (an open case they may change).
pub fn may_upload(actor: &Actor, file: &CaseFile) -> bool {
    cases::may_change(actor, &file.case) && file.case.status == CaseStatus::Open
}

/// Attaches a file to an open case. Refused, with nothing written: an empty file, one over
/// [`attachment::MAX_ATTACHMENT_BYTES`], one whose bytes are not PDF, JPEG, PNG or WebP, and one
/// already attached to the case (same checksum).
pub async fn add(app: &App, actor: &Actor, case_id: Uuid, upload: &Upload) -> Result<Attachment, AppError> {
    let file = changed(app, actor, case_id).await?;
    if file.case.status != CaseStatus::Open {
        return Err(AppError::Refused("error-attachment-case-closed"));
    }
    let mut errors = FieldErrors::new();
    let kind = errors.check(
        "kind",
        match upload.kind.trim() {
            "" => Err("error-required"),
            code => AttachmentKind::parse(code).ok_or("error-choose-from-list"),
        },
    );
    let description = errors.check("description", attachment::parse_description(&upload.description));
    let file_type = errors.check("file", attachment::check_content(&upload.content));
    let sha256 = attachment::checksum(&upload.content);
    if file_type.is_some() {
        let existing = app.db.attachments_of_case(case_id).await?;
        if existing.iter().any(|a| !a.removed() && a.sha256 == sha256) {
            errors.add("file", "error-attachment-duplicate");
        }
    }
    let (kind, description, file_type): (AttachmentKind, String, FileType) =
        errors.finish(|| (kind.unwrap(), description.unwrap(), file_type.unwrap())).map_err(AppError::Invalid)?;
    let (id, now) = new_id_and_time();
    let stored = Attachment {
        id,
        case_id,
        kind,
        description,
        file_name: attachment::clean_file_name(&upload.file_name, file_type),
        file_type,
        size_bytes: upload.content.len() as i64,
        sha256,
        uploaded_by: Some(actor.user.id),
        created_at: now,
        removed_at: None,
        removed_by: None,
        removal_reason: None,
    };
    let details = json!({
        "attachment_id": stored.id,
        "kind": kind.code(),
        "file_name": stored.file_name,
        "file_type": file_type.code(),
        "size_bytes": stored.size_bytes,
        "sha256": stored.sha256,
    });
    let event = actor.event("attachment.add", "case", Some(case_id.to_string()), details);
    match app.db.insert_attachment(&stored, &upload.content, &event).await {
        Ok(()) => Ok(stored),
        // The same file sent twice at once: the second loses to the database's rule.
        Err(StoreError::Conflict(_)) => Err(AppError::invalid("file", "error-attachment-duplicate")),
        Err(e) => Err(e.into()),
    }
}

/// A file for someone who may see its case, its content checked against the checksum taken on
/// upload (a mismatch is never served: it is logged and fails), and the download audited.
pub async fn download(app: &App, actor: &Actor, case_id: Uuid, attachment_id: Uuid) -> Result<Download, AppError> {
    seen(app, actor, case_id).await?;
    let attachment = of_this_case(app, case_id, attachment_id).await?;
    if attachment.removed() {
        return Err(AppError::NotFound);
    }
    let content = app.db.attachment_content(attachment_id).await?.ok_or(AppError::NotFound)?;
    if attachment::checksum(&content) != attachment.sha256 || content.len() as i64 != attachment.size_bytes {
        tracing::error!(
            case_id = %case_id,
            attachment_id = %attachment_id,
            "attachment content does not match its checksum: not served"
        );
        return Err(AppError::Internal(format!("attachment {attachment_id} does not match its checksum")));
    }
    let details = json!({ "attachment_id": attachment_id, "file_name": attachment.file_name });
    app.db.append_audit(&actor.event("attachment.download", "case", Some(case_id.to_string()), details)).await?;
    Ok(Download { attachment, content })
}

/// Removes a file (data minimisation): its content is deleted, its record stays, marked with who
/// removed it, when and why.
pub async fn remove(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    attachment_id: Uuid,
    reason: &str,
) -> Result<Attachment, AppError> {
    changed(app, actor, case_id).await?;
    let existing = of_this_case(app, case_id, attachment_id).await?;
    if existing.removed() {
        return Err(AppError::Refused("error-attachment-already-removed"));
    }
    let reason = Reason::parse(reason).map_err(|m| AppError::invalid("reason", m))?;
    let (_, now) = new_id_and_time();
    let details = json!({
        "attachment_id": attachment_id,
        "file_name": existing.file_name,
        "kind": existing.kind.code(),
        "sha256": existing.sha256,
        "reason": reason.as_str(),
    });
    let event = actor.event("attachment.remove", "case", Some(case_id.to_string()), details);
    match app.db.remove_attachment(attachment_id, actor.user.id, now, reason.as_str(), &event).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Err(AppError::Refused("error-attachment-already-removed")),
        Err(e) => return Err(e.into()),
    }
    Ok(Attachment {
        removed_at: Some(now),
        removed_by: Some(actor.user.id),
        removal_reason: Some(reason.as_str().to_string()),
        ..existing
    })
}
