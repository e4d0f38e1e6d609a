//! Errors of page handlers, rendered as HTML pages in the user's language.
//! (The API has its own, RFC 9457 problem documents: see `api::problem`.)

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use cnrm_app::AppError;
use cnrm_domain::Locale;

use crate::i18n::Tr;

#[derive(Debug)]
pub enum PageError {
    App(AppError, Tr),
    Status(StatusCode, Tr),
    Csrf(Tr),
    Internal(Tr),
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError::App(e, Tr::new(Locale::Fr))
    }
}

/// Attaches the user's language to a service error.
pub trait InLocale<T> {
    fn in_locale(self, tr: Tr) -> Result<T, PageError>;
}

impl<T> InLocale<T> for Result<T, AppError> {
    fn in_locale(self, tr: Tr) -> Result<T, PageError> {
        self.map_err(|e| PageError::App(e, tr))
    }
}

impl<T> InLocale<T> for Result<T, cnrm_store::StoreError> {
    fn in_locale(self, tr: Tr) -> Result<T, PageError> {
        self.map_err(|e| PageError::App(e.into(), tr))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    tr: Tr,
    status: u16,
    title: String,
    message: String,
}

fn page(tr: Tr, status: StatusCode, key: &str) -> Response {
    page_with(tr, status, tr.t(&format!("{key}-title")), tr.t(&format!("{key}-message")))
}

pub(crate) fn page_with(tr: Tr, status: StatusCode, title: String, message: String) -> Response {
    let body = ErrorPage { tr, status: status.as_u16(), title, message };
    match body.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => status.into_response(),
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::App(AppError::Unauthenticated, _) => Redirect::to("/login").into_response(),
            PageError::App(AppError::Forbidden, tr) => page(tr, StatusCode::FORBIDDEN, "error-forbidden"),
            PageError::App(AppError::NotFound, tr) => page(tr, StatusCode::NOT_FOUND, "error-not-found"),
            PageError::App(AppError::Invalid(_), tr) => page(tr, StatusCode::UNPROCESSABLE_ENTITY, "error-invalid"),
            PageError::App(AppError::Stale, tr) => page(tr, StatusCode::CONFLICT, "error-stale"),
            PageError::App(AppError::Refused(reason), tr) => {
                page_with(tr, StatusCode::CONFLICT, tr.t("error-refused-title"), tr.t(reason))
            }
            PageError::App(e, tr) => {
                tracing::error!(error = %e, "request failed");
                page(tr, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
            }
            PageError::Csrf(tr) => page(tr, StatusCode::FORBIDDEN, "error-csrf"),
            PageError::Status(StatusCode::NOT_FOUND, tr) => page(tr, StatusCode::NOT_FOUND, "error-not-found"),
            PageError::Status(StatusCode::PAYLOAD_TOO_LARGE, tr) => {
                let limit = cnrm_domain::attachment::human_size(
                    cnrm_domain::attachment::MAX_ATTACHMENT_BYTES as u64,
                    tr.locale,
                );
                let message = tr.t_with("error-too-large-message", [("limit", limit)]);
                page_with(tr, StatusCode::PAYLOAD_TOO_LARGE, tr.t("error-too-large-title"), message)
            }
            PageError::Status(status, tr) => page(tr, status, "error-internal"),
            PageError::Internal(tr) => page(tr, StatusCode::INTERNAL_SERVER_ERROR, "error-internal"),
        }
    }
}
