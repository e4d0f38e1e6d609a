//! Static assets, compiled into the binary: no CDN, nothing to deploy beside it.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// Name, content type, content. Names carry a version so they can be cached for a long time.
const ASSETS: &[(&str, &str, &str)] = &[
    ("cnrm-1.css", "text/css; charset=utf-8", include_str!("../assets/cnrm.css")),
    ("cnrm-1.js", "text/javascript; charset=utf-8", include_str!("../assets/cnrm.js")),
];

pub async fn serve(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => (
            [(header::CONTENT_TYPE, *content_type), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
