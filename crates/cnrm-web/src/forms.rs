//! Form bodies: `application/x-www-form-urlencoded` with repeated keys for multiple choices
//! (`regions=ML01&regions=ML02`), which plain `serde_urlencoded` cannot read into a list.

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// A parsed form. The CSRF token was already checked by the context middleware.
pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = (StatusCode, String);

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| (StatusCode::BAD_REQUEST, e.to_string()))?;
        serde_html_form::from_bytes(&bytes).map(Form).map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))
    }
}

/// Reads a checkbox: present (any value) means ticked.
pub fn checkbox<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    let value: Option<String> = serde::Deserialize::deserialize(deserializer)?;
    Ok(value.is_some())
}
