//! My account: profile, password change, API tokens.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use cnrm_app::{auth, AppError};
use cnrm_domain::FieldErrors;
use serde::Deserialize;
use uuid::Uuid;

use super::{render, render_status, Layout};
use crate::context::{Auth, SESSION_COOKIE};
use crate::error::{InLocale, PageError};
use crate::forms::Form;
use crate::AppState;

struct TokenRow {
    id: Uuid,
    name: String,
    prefix: String,
    created: String,
    expires: String,
    last_used: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    username: String,
    role: String,
    tokens: Vec<TokenRow>,
    may_tokens: bool,
    token_name: String,
    token_days: String,
    errors: FieldErrors,
    new_secret: Option<String>,
}

async fn account_page(
    state: &AppState,
    a: &Auth,
    token_name: String,
    token_days: String,
    errors: FieldErrors,
    new_secret: Option<String>,
) -> Result<AccountPage, PageError> {
    let tr = a.ctx.tr;
    let may_tokens = a.actor.holds(cnrm_domain::Permission::ApiTokenManage);
    let now = time::OffsetDateTime::now_utc();
    let tokens = if may_tokens {
        auth::api_tokens(&state.app, &a.actor)
            .await
            .in_locale(tr)?
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                active: t.revoked_at.is_none() && t.expires_at > now,
                name: t.name,
                prefix: t.prefix,
                created: tr.datetime(&t.created_at),
                expires: tr.datetime(&t.expires_at),
                last_used: tr.opt_datetime(&t.last_used_at),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(AccountPage {
        l: Layout::new(&a.ctx, tr.t("nav-account")),
        username: a.actor.user.username.clone(),
        role: tr.role(a.actor.user.role),
        tokens,
        may_tokens,
        token_name,
        token_days,
        errors,
        new_secret,
    })
}

pub async fn show(State(state): State<AppState>, a: Auth) -> Result<Response, PageError> {
    render(account_page(&state, &a, String::new(), "90".into(), FieldErrors::new(), None).await?)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    l: Layout,
    forced: bool,
    errors: FieldErrors,
}

pub async fn password_form(a: Auth) -> Result<Response, PageError> {
    let l = Layout::new(&a.ctx, a.ctx.tr.t("password-title"));
    render(PasswordPage { l, forced: a.actor.user.must_change_password, errors: FieldErrors::new() })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    a: Auth,
    jar: CookieJar,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let tr = a.ctx.tr;
    match auth::change_password(
        &state.app,
        &a.actor,
        &form.current_password,
        &form.new_password,
        &form.confirm_password,
    )
    .await
    {
        // Every session ended with the old password, this one included: log in again.
        Ok(()) => {
            Ok((jar.remove(Cookie::build(SESSION_COOKIE).path("/")), Redirect::to("/login?msg=password-changed"))
                .into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let l = Layout::new(&a.ctx, tr.t("password-title"));
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                PasswordPage { l, forced: a.actor.user.must_change_password, errors },
            )
        }
        Err(e) => Err(PageError::App(e, tr)),
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    days: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    a: Auth,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    let tr = a.ctx.tr;
    let days = form.days.trim().parse::<i64>().unwrap_or(0);
    match auth::create_api_token(&state.app, &a.actor, &form.name, days).await {
        Ok((_, secret)) => {
            render(account_page(&state, &a, String::new(), "90".into(), FieldErrors::new(), Some(secret)).await?)
        }
        Err(AppError::Invalid(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            account_page(&state, &a, form.name, form.days, errors, None).await?,
        ),
        Err(e) => Err(PageError::App(e, tr)),
    }
}

pub async fn revoke_token(State(state): State<AppState>, a: Auth, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    auth::revoke_api_token(&state.app, &a.actor, id).await.in_locale(a.ctx.tr)?;
    Ok(Redirect::to("/account?msg=token-revoked").into_response())
}
