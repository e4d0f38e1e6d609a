//! Logging in and out, and choosing the language.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use cnrm_app::{auth, users, AppError};
use cnrm_domain::Locale;
use serde::Deserialize;

use super::{render, render_status, Layout};
use crate::context::{Auth, Ctx, CSRF_COOKIE, LOCALE_COOKIE, SESSION_COOKIE};
use crate::error::{InLocale, PageError};
use crate::forms::Form;
use crate::AppState;

/// Only local paths are followed after login, never another site.
pub fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next
    } else {
        "/"
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    username: String,
    next: String,
    error: Option<String>,
    /// Whether to link the public page (not when an administrator switched it off).
    public_page: bool,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    if ctx.user.is_some() {
        return Ok(Redirect::to(safe_next(&q.next)).into_response());
    }
    let public_page = cnrm_app::settings::public_page_enabled(&state.app).await.in_locale(ctx.tr)?;
    let l = Layout::new(&ctx, ctx.tr.t("login-title"));
    render(LoginPage { l, username: String::new(), next: q.next, error: None, public_page })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let user_agent = "web";
    match auth::login(&state.app, &form.username, &form.password, &ctx.ip, user_agent).await {
        Ok(success) => {
            let jar = jar
                .add(ctx.cookie(SESSION_COOKIE, success.token))
                .add(ctx.cookie(LOCALE_COOKIE, success.user.locale.code().into()))
                .remove(Cookie::build(CSRF_COOKIE).path("/"));
            Ok((jar, Redirect::to(safe_next(&form.next))).into_response())
        }
        Err(e) => {
            let tr = ctx.tr;
            let (status, message) = match e {
                AppError::BadCredentials => (StatusCode::UNAUTHORIZED, tr.t("error-bad-credentials")),
                AppError::AccountLocked { minutes } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    tr.t_with("error-account-locked", &[("minutes", minutes.to_string())]),
                ),
                AppError::AddressBlocked { minutes } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    tr.t_with("error-address-blocked", &[("minutes", minutes.to_string())]),
                ),
                AppError::AccountDisabled => (StatusCode::FORBIDDEN, tr.t("error-account-disabled")),
                other => return Err(PageError::App(other, tr)),
            };
            let public_page = cnrm_app::settings::public_page_enabled(&state.app).await.in_locale(tr)?;
            let l = Layout::new(&ctx, tr.t("login-title"));
            let page = LoginPage { l, username: form.username, next: form.next, error: Some(message), public_page };
            render_status(status, page)
        }
    }
}

pub async fn logout(State(state): State<AppState>, auth: Auth, jar: CookieJar) -> Result<Response, PageError> {
    auth::logout(&state.app, &auth.actor, &auth.session).await.in_locale(auth.ctx.tr)?;
    let jar = jar
        .remove(Cookie::build(SESSION_COOKIE).path("/"))
        .add(auth.ctx.cookie(LOCALE_COOKIE, auth.actor.user.locale.code().into()));
    Ok((jar, Redirect::to("/login")).into_response())
}

#[derive(Deserialize)]
pub struct LocaleForm {
    #[serde(default)]
    locale: String,
    #[serde(default)]
    next: String,
}

/// Switches the language; remembered for the account (and in a cookie for the login page).
pub async fn switch_locale(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<LocaleForm>,
) -> Result<Response, PageError> {
    let locale = Locale::parse(&form.locale).unwrap_or_default();
    if let Some(actor) = ctx.actor() {
        users::set_locale(&state.app, &actor, locale).await.in_locale(ctx.tr)?;
    }
    let jar = jar.add(ctx.cookie(LOCALE_COOKIE, locale.code().into()));
    Ok((jar, Redirect::to(safe_next(&form.next))).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(super::safe_next("/users?page=2"), "/users?page=2");
        assert_eq!(super::safe_next("//evil.example"), "/");
        assert_eq!(super::safe_next("https://evil.example"), "/");
        assert_eq!(super::safe_next("/\\evil.example"), "/");
    }
}
