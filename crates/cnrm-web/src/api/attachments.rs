//! Files attached to a case, in the API: the same services and rules as the "Documents" tab.
//! Uploads are `multipart/form-data` (`kind`, `description`, `file`); bearer-token requests are not
//! subject to the pages' CSRF check (they carry no cookie).

use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cnrm_app::attachments::{self, Upload};
use cnrm_app::AppError;
use cnrm_domain::attachment::{human_size, AttachmentKind, MAX_ATTACHMENT_BYTES};
use cnrm_domain::FieldErrors;
use cnrm_store::Attachment;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::problem::{LocalizedApiError, Problem, ProblemField};
use super::{Api, ApiJson};
use crate::context::MAX_MULTIPART_BYTES;
use crate::i18n::Tr;
use crate::pages::attachments::{duplicate_of, file_message, file_response, read_upload};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/cases/{id}/attachments",
            get(list_attachments).post(upload_attachment).layer(DefaultBodyLimit::max(MAX_MULTIPART_BYTES)),
        )
        .route("/cases/{id}/attachments/{attachment_id}/content", get(attachment_content))
        .route("/cases/{id}/attachments/{attachment_id}/remove", post(remove_attachment))
}

type ApiResult<T> = Result<T, Response>;

/// The upload form.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AttachmentUpload {
    pub kind: AttachmentKind,
    /// Optional, at most 500 characters.
    pub description: Option<String>,
    /// PDF, JPEG, PNG or WebP (decided from the file's bytes), at most 5 MiB.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// A file's bytes.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct FileContent(Vec<u8>);

#[derive(Deserialize, ToSchema)]
pub struct Removal {
    /// Why the file is removed (required).
    #[serde(default)]
    pub reason: String,
}

fn problem(status: StatusCode, code: &str, detail: String, errors: Vec<ProblemField>) -> Response {
    let body = Problem {
        kind: format!("urn:cnrm:problem:{code}"),
        title: status.canonical_reason().unwrap_or("Error").into(),
        status: status.as_u16(),
        code: code.into(),
        detail,
        errors,
    };
    (status, [(header::CONTENT_TYPE, "application/problem+json")], serde_json::to_string(&body).unwrap_or_default())
        .into_response()
}

pub(super) fn fail(e: AppError, tr: Tr) -> Response {
    LocalizedApiError(e, tr).into_response()
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/attachments", tag = "attachments", security(("bearer" = [])),
    responses((status = 200, body = Vec<Attachment>), (status = 404, body = Problem)))]
pub async fn list_attachments(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<Attachment>>> {
    let (_, list) = attachments::of_case(&state.app, &api.actor, id).await.map_err(|e| fail(e, api.tr))?;
    Ok(Json(list))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/attachments", tag = "attachments", security(("bearer" = [])),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = Attachment), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn upload_attachment(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    request: Request,
) -> ApiResult<(StatusCode, Json<Attachment>)> {
    let tr = api.tr;
    let upload = read_api_upload(request, &state, tr).await?;
    match attachments::add(&state.app, &api.actor, id, &upload).await {
        Ok(stored) => Ok((StatusCode::CREATED, Json(stored))),
        Err(AppError::Invalid(errors)) => {
            let existing = match errors.for_field("file") {
                Some("error-attachment-duplicate") => {
                    state.app.db.attachments_of_case(id).await.map_err(|e| fail(e.into(), tr))?
                }
                _ => Vec::new(),
            };
            Err(invalid_upload(tr, &errors, &upload, duplicate_of(&existing, &upload.content)))
        }
        Err(e) => Err(fail(e, tr)),
    }
}

/// Reads a multipart upload; a body too large or unreadable is a problem document.
pub(super) async fn read_api_upload(request: Request, state: &AppState, tr: Tr) -> Result<Upload, Response> {
    read_upload(request, state).await.map_err(|(status, text)| {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            let limit = human_size(MAX_ATTACHMENT_BYTES as u64, tr.locale);
            problem(status, "payload_too_large", tr.t_with("error-too-large-message", [("limit", limit)]), Vec::new())
        } else {
            problem(StatusCode::BAD_REQUEST, "invalid_multipart", text, Vec::new())
        }
    })
}

/// The problem document of a refused upload: each field's message, the file's with its size or
/// the attachment it duplicates.
pub(super) fn invalid_upload(
    tr: Tr,
    errors: &FieldErrors,
    upload: &Upload,
    duplicate: Option<&Attachment>,
) -> Response {
    let fields = errors
        .0
        .iter()
        .map(|f| ProblemField {
            field: f.field.into(),
            code: f.message.trim_start_matches("error-").into(),
            message: if f.field == "file" {
                file_message(tr, f.message, upload.content.len(), duplicate)
            } else {
                tr.t(f.message)
            },
        })
        .collect();
    problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", tr.t("problem-invalid-input"), fields)
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/attachments/{attachment_id}/content", tag = "attachments",
    security(("bearer" = [])),
    responses((status = 200, description = "The file, as `application/pdf`, `image/jpeg`, `image/png` or `image/webp`, \
        with `Content-Disposition: attachment`", body = FileContent, content_type = "application/octet-stream"),
        (status = 404, body = Problem), (status = 500, body = Problem)))]
pub async fn attachment_content(
    State(state): State<AppState>,
    api: Api,
    Path((id, attachment_id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    let file = attachments::download(&state.app, &api.actor, id, attachment_id).await.map_err(|e| fail(e, api.tr))?;
    Ok(file_response(file))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/attachments/{attachment_id}/remove", tag = "attachments",
    security(("bearer" = [])), request_body = Removal,
    responses((status = 200, body = Attachment), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn remove_attachment(
    State(state): State<AppState>,
    api: Api,
    Path((id, attachment_id)): Path<(Uuid, Uuid)>,
    ApiJson(removal): ApiJson<Removal>,
) -> ApiResult<Json<Attachment>> {
    let removed = attachments::remove(&state.app, &api.actor, id, attachment_id, &removal.reason)
        .await
        .map_err(|e| fail(e, api.tr))?;
    Ok(Json(removed))
}
