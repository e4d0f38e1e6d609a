//! The signed document of a partnership agreement, as uploaded files (a scan, a photo or an office
//! document), checked and stored like case attachments.
//!
//! Whoever may see the agreement lists and downloads its documents; whoever may change it (its
//! recording organisation, the secretariat) uploads a new version, which replaces the one in force
//! while every earlier version stays, downloadable: nothing is ever deleted. Uploads and downloads
//! are audited on the agreement. The text `document` field of the agreement stays, as a reference.

use cnrm_domain::attachment::{self, FileType, DOCUMENT_TYPES};
use cnrm_domain::coordination::AgreementStatus;
use cnrm_domain::FieldErrors;
use cnrm_store::{new_id_and_time, AgreementDocument};
use serde_json::json;
use uuid::Uuid;

use crate::attachments::Upload;
use crate::coordination::{self, AgreementView};
use crate::{Actor, App, AppError};

/// A document on its way out: its metadata and its verified content.
#[derive(Debug, Clone)]
pub struct DocumentDownload {
    pub document: AgreementDocument,
    pub content: Vec<u8>,
}

/// The agreement and its document versions, the one in force first, for those who may see it.
pub async fn of_agreement(
    app: &App,
    actor: &Actor,
    agreement_id: Uuid,
) -> Result<(AgreementView, Vec<AgreementDocument>), AppError> {
    let view = coordination::agreement(app, actor, agreement_id).await?;
    let documents = app.db.agreement_documents(agreement_id).await?;
    Ok((view, documents))
}

/// Whether the actor may upload a new version now: they may change the agreement and it was not
/// terminated.
pub fn may_upload(view: &AgreementView) -> bool {
    view.may_change && view.agreement.status != AgreementStatus::Terminated
}

/// Uploads a new version of the signed document. Refused, with nothing written: an empty file,
/// one over the size limit, one whose bytes are not PDF, an image or an office document, and the
/// very file already in force.
pub async fn add(app: &App, actor: &Actor, agreement_id: Uuid, upload: &Upload) -> Result<AgreementDocument, AppError> {
    let (view, existing) = of_agreement(app, actor, agreement_id).await?;
    if !view.may_change {
        return Err(AppError::Forbidden);
    }
    if !may_upload(&view) {
        return Err(AppError::Refused("error-agreement-closed"));
    }
    let mut errors = FieldErrors::new();
    let description = errors.check("description", attachment::parse_description(&upload.description));
    let file_type = errors.check(
        "file",
        attachment::check_content_among(&upload.content, DOCUMENT_TYPES, "error-agreement-document-type"),
    );
    let sha256 = attachment::checksum(&upload.content);
    if file_type.is_some() && existing.first().is_some_and(|current| current.sha256 == sha256) {
        errors.add("file", "error-agreement-document-same");
    }
    let (description, file_type): (String, FileType) =
        errors.finish(|| (description.unwrap(), file_type.unwrap())).map_err(AppError::Invalid)?;
    let (id, now) = new_id_and_time();
    let document = AgreementDocument {
        id,
        agreement_id,
        description,
        file_name: attachment::clean_file_name(&upload.file_name, file_type),
        file_type,
        size_bytes: upload.content.len() as i64,
        sha256,
        uploaded_by: Some(actor.user.id),
        created_at: now,
    };
    let details = json!({
        "document_id": document.id,
        "file_name": document.file_name,
        "file_type": file_type.code(),
        "size_bytes": document.size_bytes,
        "sha256": document.sha256,
        "replaces": existing.first().map(|d| d.id),
    });
    let event = actor.event("agreement.document_add", "agreement", Some(agreement_id.to_string()), details);
    app.db.insert_agreement_document(&document, &upload.content, &event).await?;
    Ok(document)
}

/// A version of the document for someone who may see the agreement, its content checked against
/// the checksum taken on upload (a mismatch is never served), the download audited.
pub async fn download(
    app: &App,
    actor: &Actor,
    agreement_id: Uuid,
    document_id: Uuid,
) -> Result<DocumentDownload, AppError> {
    coordination::agreement(app, actor, agreement_id).await?;
    let document = match app.db.agreement_document(document_id).await? {
        Some(d) if d.agreement_id == agreement_id => d,
        _ => return Err(AppError::NotFound),
    };
    let content = app.db.agreement_document_content(document_id).await?.ok_or(AppError::NotFound)?;
    if attachment::checksum(&content) != document.sha256 || content.len() as i64 != document.size_bytes {
        tracing::error!(
            agreement_id = %agreement_id,
            document_id = %document_id,
            "agreement document does not match its checksum: not served"
        );
        return Err(AppError::Internal(format!("agreement document {document_id} does not match its checksum")));
    }
    let details = json!({ "document_id": document_id, "file_name": document.file_name });
    let event = actor.event("agreement.document_download", "agreement", Some(agreement_id.to_string()), details);
    app.db.append_audit(&event).await?;
    Ok(DocumentDownload { document, content })
}
