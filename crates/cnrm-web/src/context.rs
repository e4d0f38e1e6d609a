//! Who is asking, in which language, from where: resolved once per page request by
//! [`resolve_context`], which also enforces CSRF protection on every state-changing form.
//!
//! Handlers take [`Ctx`] (any visitor) or [`Auth`] (a logged-in user who has accepted the code of
//! conduct and chosen their own password).

use axum::body::{to_bytes, Body};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use cnrm_app::actor::Via;
use cnrm_app::{auth, conduct, Actor};
use cnrm_domain::Locale;
use cnrm_store::{Session, User};
use std::net::SocketAddr;
use subtle::ConstantTimeEq;

use crate::error::PageError;
use crate::i18n::Tr;
use crate::AppState;

pub const SESSION_COOKIE: &str = "cnrm_session";
pub const CSRF_COOKIE: &str = "cnrm_csrf";
pub const LOCALE_COOKIE: &str = "cnrm_lang";
/// Largest form accepted (the code of conduct text is the longest field).
const MAX_FORM_BYTES: usize = 256 * 1024;
/// Largest `multipart/form-data` body (a file upload) accepted from a logged-in user: twice the
/// attachment limit and a margin for the other fields, so that a file somewhat over the limit is
/// still read and refused next to its field with its size ("7,2 Mo : la limite est 5 Mo"), while
/// anything larger is cut off with a 413 page. Anonymous visitors get [`MAX_FORM_BYTES`].
pub const MAX_MULTIPART_BYTES: usize = 2 * cnrm_domain::attachment::MAX_ATTACHMENT_BYTES + 64 * 1024;

/// The request as the pages see it.
#[derive(Clone)]
pub struct Ctx {
    pub tr: Tr,
    pub ip: String,
    /// Path and query of the request, to come back to after login or a language switch.
    pub path: String,
    pub user: Option<(User, Session)>,
    /// The token every form of this page must send back as `_csrf`.
    pub csrf: String,
    pub secure_cookies: bool,
}

impl Ctx {
    pub fn actor(&self) -> Option<Actor> {
        self.user.as_ref().map(|(user, _)| Actor { user: user.clone(), ip: Some(self.ip.clone()), via: Via::Web })
    }

    pub fn cookie(&self, name: &'static str, value: String) -> Cookie<'static> {
        let mut cookie = Cookie::new(name, value);
        cookie.set_http_only(true);
        cookie.set_same_site(SameSite::Lax);
        cookie.set_path("/");
        cookie.set_secure(self.secure_cookies);
        cookie
    }
}

/// The client address: the peer, or the first `X-Forwarded-For` hop behind a trusted proxy.
pub fn client_ip(parts: &Parts, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for {
        if let Some(forwarded) = parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
            if let Some(first) = forwarded.split(',').next().map(str::trim).filter(|s| !s.is_empty()) {
                return first.to_string();
            }
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Middleware for every page route: resolves the [`Ctx`] and rejects forms without a valid CSRF token.
pub async fn resolve_context(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let jar = CookieJar::from_headers(&parts.headers);
    let ip = client_ip(&parts, state.settings.trust_forwarded_for);
    let user = match jar.get(SESSION_COOKIE) {
        Some(cookie) => match auth::session_user(&state.app, cookie.value()).await {
            Ok(found) => found,
            Err(e) => return PageError::from(e).into_response(),
        },
        None => None,
    };
    let locale = user
        .as_ref()
        .map(|(u, _)| u.locale)
        .or_else(|| jar.get(LOCALE_COOKIE).and_then(|c| Locale::parse(c.value())))
        .unwrap_or_else(|| {
            Locale::from_accept_language(
                parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or(""),
            )
        });
    let anonymous_token = jar.get(CSRF_COOKIE).map(|c| c.value().to_string()).filter(|v| v.len() == 64);
    let new_anonymous_token = (user.is_none() && anonymous_token.is_none()).then(auth::random_secret);
    let csrf = match &user {
        Some((_, session)) => session.csrf_token.clone(),
        None => anonymous_token.clone().or(new_anonymous_token.clone()).unwrap_or_default(),
    };
    let ctx = Ctx {
        tr: Tr::new(locale),
        ip,
        path: parts.uri.path_and_query().map(|p| p.to_string()).unwrap_or_else(|| "/".into()),
        user,
        csrf,
        secure_cookies: state.settings.secure_cookies
            || (state.settings.trust_forwarded_for
                && parts.headers.get("x-forwarded-proto").is_some_and(|v| v.as_bytes() == b"https")),
    };

    let body = if is_state_changing(&parts.method) {
        let boundary = multipart_boundary(&parts.headers);
        let limit = if boundary.is_some() && ctx.user.is_some() { MAX_MULTIPART_BYTES } else { MAX_FORM_BYTES };
        let bytes = match to_bytes(body, limit).await {
            Ok(b) => b,
            Err(_) => return PageError::Status(StatusCode::PAYLOAD_TOO_LARGE, ctx.tr).into_response(),
        };
        let sent = match boundary {
            Some(boundary) => multipart_csrf(bytes.clone(), boundary).await,
            None => form_urlencoded::parse(&bytes).find(|(k, _)| k == "_csrf").map(|(_, v)| v.into_owned()),
        };
        // A fresh anonymous token was never handed out, so it cannot be what the form carries.
        let expected = if new_anonymous_token.is_some() { None } else { Some(ctx.csrf.as_bytes()) };
        let valid =
            matches!((sent, expected), (Some(s), Some(e)) if !e.is_empty() && bool::from(s.as_bytes().ct_eq(e)));
        if !valid {
            tracing::warn!(path = %ctx.path, ip = %ctx.ip, "form refused: missing or invalid CSRF token");
            if let Some(actor) = ctx.actor() {
                let event =
                    actor.event("access.csrf_rejected", "request", Some(ctx.path.clone()), serde_json::json!({}));
                let _ = state.app.db.append_audit(&event).await;
            }
            return PageError::Csrf(ctx.tr).into_response();
        }
        Body::from(bytes)
    } else {
        body
    };
    parts.extensions.insert(ctx.clone());
    let response = next.run(Request::from_parts(parts, body)).await;
    if response.status() == StatusCode::FORBIDDEN {
        log_denial(&state, ctx.actor(), &ctx.path).await;
    }
    match new_anonymous_token {
        Some(token) => (CookieJar::new().add(ctx.cookie(CSRF_COOKIE, token)), response).into_response(),
        None => response,
    }
}

/// The boundary of a `multipart/form-data` body, if the request carries one.
fn multipart_boundary(headers: &axum::http::HeaderMap) -> Option<String> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    if !content_type.trim_start().to_ascii_lowercase().starts_with("multipart/form-data") {
        return None;
    }
    multer::parse_boundary(content_type).ok()
}

/// The `_csrf` field of a multipart body (the pages' upload forms send it first, so no file is
/// read before it); `None` when missing or when the body cannot be read as multipart.
async fn multipart_csrf(bytes: axum::body::Bytes, boundary: String) -> Option<String> {
    let mut multipart = multer::Multipart::new(Body::from(bytes).into_data_stream(), boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("_csrf") {
            return field.text().await.ok();
        }
    }
    None
}

/// Records a refused request: in the log for operators, in the audit trail for the record.
pub async fn log_denial(state: &AppState, actor: Option<Actor>, path: &str) {
    tracing::warn!(path, user = actor.as_ref().map(|a| a.user.username.as_str()), "access denied");
    if let Some(actor) = actor {
        let event = actor.event("access.denied", "request", Some(path.to_string()), serde_json::json!({}));
        if let Err(e) = state.app.db.append_audit(&event).await {
            tracing::error!(error = %e, "could not audit a denied request");
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or(PageError::Internal(Tr::new(Locale::Fr)))
    }
}

/// A logged-in user allowed to use the platform now.
pub struct Auth {
    pub ctx: Ctx,
    pub actor: Actor,
    pub session: Session,
}

/// Pages a user may reach before accepting the code of conduct or changing an imposed password.
fn reachable_while_gated(path: &str) -> bool {
    ["/code-of-conduct", "/logout", "/locale", "/account/password"].iter().any(|p| path.starts_with(p))
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let Some((user, session)) = ctx.user.clone() else {
            let next = form_urlencoded::byte_serialize(ctx.path.as_bytes()).collect::<String>();
            return Err(Redirect::to(&format!("/login?next={next}")).into_response());
        };
        let path = parts.uri.path();
        if !reachable_while_gated(path) {
            let current = conduct::current(&state.app).await.map_err(|e| PageError::from(e).into_response())?;
            if conduct::must_accept(&user, current.as_ref()) {
                return Err(Redirect::to("/code-of-conduct").into_response());
            }
            if user.must_change_password {
                return Err(Redirect::to("/account/password").into_response());
            }
        }
        let actor = Actor { user, ip: Some(ctx.ip.clone()), via: Via::Web };
        Ok(Auth { ctx, actor, session })
    }
}
