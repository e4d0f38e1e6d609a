//! API errors as RFC 9457 problem documents (`application/problem+json`) with a stable `code`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use cnrm_app::AppError;
use serde::Serialize;

use crate::i18n::Tr;

/// A service error on its way to an API client, with the client's language for the messages.
#[derive(Debug)]
pub struct ApiError(pub AppError);

/// The same, with the language already known.
#[derive(Debug)]
pub struct LocalizedApiError(pub AppError, pub Tr);

#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// Stable machine-readable code: `unauthenticated`, `forbidden`, `not_found`, `invalid_input`, …
    pub code: String,
    pub detail: String,
    /// For `invalid_input`: each field with its problem.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub code: String,
    pub message: String,
}

fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
        AppError::Forbidden | AppError::AccountDisabled => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::AccountLocked { .. } | AppError::AddressBlocked { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Store(cnrm_store::StoreError::Conflict(_)) | AppError::Stale | AppError::Refused(_) => {
            StatusCode::CONFLICT
        }
        AppError::Store(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

pub fn problem_response(e: AppError, tr: Tr) -> Response {
    let status = status_of(&e);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %e, "API request failed");
    }
    let code = e.code();
    let key = format!("problem-{}", code.replace('_', "-"));
    let errors = match &e {
        AppError::Invalid(errors) => errors
            .0
            .iter()
            .map(|f| ProblemField {
                field: f.field.into(),
                code: f.message.trim_start_matches("error-").into(),
                message: tr.t(f.message),
            })
            .collect(),
        _ => Vec::new(),
    };
    let problem = Problem {
        kind: format!("urn:cnrm:problem:{code}"),
        title: status.canonical_reason().unwrap_or("Error").into(),
        status: status.as_u16(),
        code: code.into(),
        detail: match &e {
            AppError::Refused(reason) => tr.t(reason),
            _ => tr.t(&key),
        },
        errors,
    };
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        serde_json::to_string(&problem).unwrap_or_default(),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
    }
    response
}

impl IntoResponse for LocalizedApiError {
    fn into_response(self) -> Response {
        problem_response(self.0, self.1)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        problem_response(self.0, Tr::new(cnrm_domain::Locale::En))
    }
}
