//! Operations endpoints (health, metrics) and request metrics.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cnrm_domain::Locale;
use std::time::Instant;

use crate::error::PageError;
use crate::i18n::Tr;
use crate::AppState;

/// 200 when the database answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.app.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Prometheus metrics: request counts and durations by route (no personal data).
pub async fn metrics() -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], crate::metrics_handle().render()).into_response()
}

pub async fn not_found(request: Request) -> Response {
    let locale = Locale::from_accept_language(
        request.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or(""),
    );
    if request.uri().path().starts_with("/api/") {
        return crate::api::problem::ApiError(cnrm_app::AppError::NotFound).into_response();
    }
    PageError::Status(StatusCode::NOT_FOUND, Tr::new(locale)).into_response()
}

pub async fn record_metrics(request: Request, next: Next) -> Response {
    let route =
        request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("cnrm_http_requests_total", &labels).increment(1);
    metrics::histogram!("cnrm_http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    response
}
