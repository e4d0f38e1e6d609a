//! The "Documents" tab of a case: the files attached to it (scans of consent forms, copies of
//! identity documents…), the upload form, downloads and removal.
//!
//! Every rule (who sees, uploads, removes; which files are accepted) lives in
//! `cnrm_app::attachments`; these handlers read the form, call the service and render its answer.
//! The CSRF token of the multipart upload form was checked by `context::resolve_context`.

use askama::Template;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cnrm_app::attachments::{self, Upload};
use cnrm_app::AppError;
use cnrm_domain::attachment::{self as rules, AttachmentKind, MAX_ATTACHMENT_BYTES};
use cnrm_domain::FieldErrors;
use cnrm_store::Attachment;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

use super::cases::{choices, Choice};
use super::{render_status, Layout, Rejection};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::forms::Form;
use crate::i18n::Tr;
use crate::AppState;

/// What the file input offers to choose (the server decides from the bytes all the same).
const ACCEPT: &str = ".pdf,.jpg,.jpeg,.png,.webp,application/pdf,image/jpeg,image/png,image/webp";

/// The message next to the file field: the size and the limit for a file too large, the existing
/// attachment for a duplicate. Shared with the API, whose problem documents say the same.
pub(crate) fn file_message(tr: Tr, key: &str, size: usize, duplicate: Option<&Attachment>) -> String {
    match (key, duplicate) {
        ("error-attachment-too-large", _) => tr.t_with(
            key,
            [
                ("size", rules::human_size(size as u64, tr.locale)),
                ("limit", rules::human_size(MAX_ATTACHMENT_BYTES as u64, tr.locale)),
            ],
        ),
        ("error-attachment-duplicate", Some(existing)) => tr.t_with(
            "error-attachment-duplicate-of",
            [
                ("name", existing.file_name.clone()),
                ("kind", tr.t(&existing.kind.label_key())),
                ("date", tr.datetime(&existing.created_at)),
            ],
        ),
        _ => tr.t(key),
    }
}

/// The live attachment of the case holding these bytes, for naming it in the duplicate message.
pub(crate) fn duplicate_of<'a>(attachments: &'a [Attachment], content: &[u8]) -> Option<&'a Attachment> {
    let sha256 = rules::checksum(content);
    attachments.iter().find(|a| !a.removed() && a.sha256 == sha256)
}

fn unreadable(e: axum::extract::multipart::MultipartError) -> (StatusCode, String) {
    (e.status(), e.body_text())
}

/// Reads an upload form (`kind`, `description`, `file`). A body that is not multipart, or a form
/// without a file, is an upload with no content: the service says what is missing.
pub(crate) async fn read_upload<S: Send + Sync>(request: Request, state: &S) -> Result<Upload, (StatusCode, String)> {
    let mut upload = Upload::default();
    let Ok(mut multipart) = Multipart::from_request(request, state).await else {
        return Ok(upload);
    };
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or_default() {
            "kind" => upload.kind = field.text().await.map_err(unreadable)?,
            "description" => upload.description = field.text().await.map_err(unreadable)?,
            "file" => {
                upload.file_name = field.file_name().unwrap_or_default().to_string();
                upload.content = field.bytes().await.map_err(unreadable)?.to_vec();
            }
            _ => {}
        }
    }
    Ok(upload)
}

/// One attachment in the list.
struct Row {
    id: Uuid,
    kind: String,
    file_name: String,
    file_type: String,
    size: String,
    added: String,
    description: String,
    /// "Removed on … by …" for a removed file (listed greyed, without a download link).
    removed: Option<String>,
    reason: Option<String>,
    /// The removal form sent back: what was typed and why it was refused.
    typed_reason: String,
    reason_error: Option<String>,
}

#[derive(Template)]
#[template(path = "cases/attachments.html")]
struct AttachmentsPage {
    l: Layout,
    id: Uuid,
    tab: &'static str,
    case_number: String,
    name: String,
    open: bool,
    may_change: bool,
    rows: Vec<Row>,
    kinds: Vec<Choice>,
    description: String,
    errors: FieldErrors,
    file_error: Option<String>,
    alert: Option<String>,
    limit: String,
    accept: &'static str,
}

/// What a refused upload or removal brings back to the page.
#[derive(Default)]
struct Retry {
    errors: FieldErrors,
    file_error: Option<String>,
    alert: Option<String>,
    kind: String,
    description: String,
    /// A removal sent back: the attachment, the reason typed and the message.
    removal: Option<(Uuid, String, Option<String>)>,
}

/// The display names of the users who did something on a list, read in one query.
pub(crate) async fn names(
    state: &AppState,
    tr: Tr,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, PageError> {
    let mut ids: Vec<Uuid> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(state.app.db.user_display_names(&ids).await.in_locale(tr)?.into_iter().collect())
}

async fn page(state: &AppState, auth: &Auth, id: Uuid, retry: Retry) -> Result<AttachmentsPage, PageError> {
    let tr = auth.ctx.tr;
    let (file, list) = attachments::of_case(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let people = names(state, tr, list.iter().flat_map(|a| a.uploaded_by.into_iter().chain(a.removed_by))).await?;
    let who = |id: Option<Uuid>| id.and_then(|i| people.get(&i).cloned()).unwrap_or_else(|| "—".into());
    let rows = list
        .iter()
        .rev()
        .map(|a| {
            let sent_back = retry.removal.as_ref().filter(|(rid, _, _)| *rid == a.id);
            Row {
                id: a.id,
                kind: tr.t(&a.kind.label_key()),
                file_name: a.file_name.clone(),
                file_type: tr.t(&a.file_type.label_key()),
                size: rules::human_size(a.size_bytes.max(0) as u64, tr.locale),
                added: tr.t_with(
                    "attachment-added-by",
                    [("date", tr.datetime(&a.created_at)), ("name", who(a.uploaded_by))],
                ),
                description: a.description.clone(),
                removed: a.removed_at.map(|at| {
                    tr.t_with("attachment-removed-by", [("date", tr.datetime(&at)), ("name", who(a.removed_by))])
                }),
                reason: a.removal_reason.clone(),
                typed_reason: sent_back.map(|(_, typed, _)| typed.clone()).unwrap_or_default(),
                reason_error: sent_back.and_then(|(_, _, e)| e.clone()),
            }
        })
        .collect();
    let case = &file.case;
    Ok(AttachmentsPage {
        l: Layout::new(&auth.ctx, tr.t_with("attachments-title", [("number", case.case_number.clone())])),
        id: case.id,
        tab: "attachments",
        case_number: case.case_number.clone(),
        name: format!("{} {}", file.person.draft.given_names, file.person.draft.family_name),
        open: attachments::may_upload(&auth.actor, &file),
        may_change: cnrm_app::cases::may_change(&auth.actor, case),
        rows,
        kinds: choices(tr, &AttachmentKind::ALL, AttachmentKind::code, AttachmentKind::label_key, &[retry.kind]),
        description: retry.description,
        errors: retry.errors,
        file_error: retry.file_error,
        alert: retry.alert,
        limit: rules::human_size(MAX_ATTACHMENT_BYTES as u64, tr.locale),
        accept: ACCEPT,
    })
}

pub async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    render_status(StatusCode::OK, page(&state, &auth, id, Retry::default()).await?)
}

fn back(id: Uuid, msg: &str) -> Response {
    Redirect::to(&format!("/cases/{id}/attachments?msg={msg}")).into_response()
}

/// Attaches a file; refused, the page comes back with the reason next to the field.
pub async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    request: Request,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let upload = match read_upload(request, &state).await {
        Ok(upload) => upload,
        Err((status, e)) => {
            tracing::warn!(error = %e, "unreadable upload form");
            return Err(PageError::Status(status, tr));
        }
    };
    let retry = Retry { kind: upload.kind.clone(), description: upload.description.clone(), ..Default::default() };
    let rejection = match Rejection::of(attachments::add(&state.app, &auth.actor, id, &upload).await, tr)? {
        Ok(_) => return Ok(back(id, "attachment-added")),
        Err(rejection) => rejection,
    };
    let status = rejection.status();
    let retry = match rejection {
        Rejection::Invalid(errors) => {
            let file_error = match errors.for_field("file") {
                Some(key) => {
                    let existing = if key == "error-attachment-duplicate" {
                        state.app.db.attachments_of_case(id).await.in_locale(tr)?
                    } else {
                        Vec::new()
                    };
                    Some(file_message(tr, key, upload.content.len(), duplicate_of(&existing, &upload.content)))
                }
                None => None,
            };
            Retry { errors, file_error, ..retry }
        }
        Rejection::Refused(key) => Retry { alert: Some(tr.t(key)), ..retry },
        // A new file changes no record the page showed: nothing can be stale.
        Rejection::Stale => return Err(PageError::App(AppError::Stale, tr)),
    };
    render_status(status, page(&state, &auth, id, retry).await?)
}

/// Sends a file to someone who may see its case: always as a download, never shown inline, never
/// cached, its type as recognised on upload.
pub async fn download(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, attachment_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, PageError> {
    let file = attachments::download(&state.app, &auth.actor, id, attachment_id).await.in_locale(auth.ctx.tr)?;
    Ok(file_response(file))
}

/// The response carrying a file, for the pages and the API alike.
pub(crate) fn file_response(file: attachments::Download) -> Response {
    let a = file.attachment;
    stored_file_response(&a.file_name, a.file_type, file.content)
}

/// A stored file sent back: always as a download, never shown inline, never cached, its type as
/// recognised on upload.
pub(crate) fn stored_file_response(file_name: &str, file_type: rules::FileType, content: Vec<u8>) -> Response {
    let disposition = HeaderValue::from_str(&rules::content_disposition(file_name))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    let mut response = Response::new(Body::from(content));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(file_type.mime()));
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

#[derive(Deserialize)]
pub struct RemovalForm {
    #[serde(default)]
    reason: String,
}

/// Removes a file (its content is deleted, its record stays), with a reason.
pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, attachment_id)): Path<(Uuid, Uuid)>,
    Form(form): Form<RemovalForm>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let result = attachments::remove(&state.app, &auth.actor, id, attachment_id, &form.reason).await;
    let rejection = match Rejection::of(result, tr)? {
        Ok(_) => return Ok(back(id, "attachment-removed")),
        Err(rejection) => rejection,
    };
    let status = rejection.status();
    let retry = match rejection {
        Rejection::Invalid(errors) => {
            let message = errors.for_field("reason").map(|key| tr.t(key));
            Retry { removal: Some((attachment_id, form.reason, message)), ..Default::default() }
        }
        Rejection::Refused(key) => Retry { alert: Some(tr.t(key)), ..Default::default() },
        Rejection::Stale => return Err(PageError::App(AppError::Stale, tr)),
    };
    render_status(status, page(&state, &auth, id, retry).await?)
}
