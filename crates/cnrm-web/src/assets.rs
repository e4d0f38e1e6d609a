//! Static assets, compiled into the binary: no CDN, nothing to deploy beside it.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::Digest;

/// Base name, extension, content type, content.
const ASSETS: &[(&str, &str, &str, &str)] = &[
    ("cnrm", "css", "text/css; charset=utf-8", include_str!("../assets/cnrm.css")),
    ("cnrm", "js", "text/javascript; charset=utf-8", include_str!("../assets/cnrm.js")),
    ("survey", "js", "text/javascript; charset=utf-8", include_str!("../assets/survey.js")),
];

/// Served names carry a hash of the content (`cnrm-1a2b3c4d.css`), so browsers may cache them for
/// a year and still get a changed file at once.
fn served_names() -> &'static [String] {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        ASSETS
            .iter()
            .map(|(base, ext, _, body)| {
                let digest = sha2::Sha256::digest(body.as_bytes());
                format!("{base}-{}.{ext}", &hex::encode(digest)[..8])
            })
            .collect()
    })
}

/// The URL of the stylesheet, for templates.
pub fn css_href() -> String {
    format!("/assets/{}", served_names()[0])
}

/// The URL of the script, for templates.
pub fn js_href() -> String {
    format!("/assets/{}", served_names()[1])
}

/// The URL of the script that applies relevance conditions in survey forms.
pub fn survey_js_href() -> String {
    let index = ASSETS.iter().position(|(base, ..)| *base == "survey").expect("survey.js is an asset");
    format!("/assets/{}", served_names()[index])
}

pub async fn serve(Path(file): Path<String>) -> Response {
    match served_names().iter().position(|name| *name == file).map(|i| ASSETS[i]) {
        Some((_, _, content_type, body)) => (
            [(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")],
            body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
