//! The data protection code of conduct: reading and accepting it, and publishing a new version.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cnrm_app::{conduct, AppError};
use cnrm_domain::{FieldErrors, Permission};
use serde::Deserialize;

use super::{render, render_status, Layout};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::forms::Form;
use crate::AppState;

#[derive(Template)]
#[template(path = "conduct.html")]
struct ConductPage {
    l: Layout,
    version: i64,
    paragraphs: Vec<String>,
    accepted: bool,
}

pub async fn show(State(state): State<AppState>, a: Auth) -> Result<Response, PageError> {
    let tr = a.ctx.tr;
    let code = conduct::current(&state.app).await.in_locale(tr)?.ok_or(PageError::App(AppError::NotFound, tr))?;
    render(ConductPage {
        l: Layout::new(&a.ctx, tr.t("conduct-title")),
        version: code.version,
        paragraphs: code
            .text(tr.locale)
            .split('\n')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
        accepted: !conduct::must_accept(&a.actor.user, Some(&code)),
    })
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    version: i64,
}

pub async fn accept(
    State(state): State<AppState>,
    a: Auth,
    Form(form): Form<AcceptForm>,
) -> Result<Response, PageError> {
    match conduct::accept(&state.app, &a.actor, form.version).await {
        Ok(()) => Ok(Redirect::to("/").into_response()),
        // The text changed while it was being read: show the new one.
        Err(AppError::Invalid(_)) => Ok(Redirect::to("/code-of-conduct").into_response()),
        Err(e) => Err(PageError::App(e, a.ctx.tr)),
    }
}

#[derive(Template)]
#[template(path = "conduct_edit.html")]
struct EditPage {
    l: Layout,
    version: i64,
    text_fr: String,
    text_en: String,
    errors: FieldErrors,
}

pub async fn edit_form(State(state): State<AppState>, a: Auth) -> Result<Response, PageError> {
    let tr = a.ctx.tr;
    a.actor.require(Permission::PlatformConfigure).in_locale(tr)?;
    let code = conduct::current(&state.app).await.in_locale(tr)?;
    render(EditPage {
        l: Layout::new(&a.ctx, tr.t("nav-conduct-admin")),
        version: code.as_ref().map_or(0, |c| c.version),
        text_fr: code.as_ref().map(|c| c.text_fr.clone()).unwrap_or_default(),
        text_en: code.as_ref().map(|c| c.text_en.clone()).unwrap_or_default(),
        errors: FieldErrors::new(),
    })
}

#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    text_fr: String,
    #[serde(default)]
    text_en: String,
}

pub async fn publish(
    State(state): State<AppState>,
    a: Auth,
    Form(form): Form<PublishForm>,
) -> Result<Response, PageError> {
    let tr = a.ctx.tr;
    match conduct::publish(&state.app, &a.actor, &form.text_fr, &form.text_en).await {
        Ok(_) => Ok(Redirect::to("/code-of-conduct").into_response()),
        Err(AppError::Invalid(errors)) => {
            let version = conduct::current(&state.app).await.in_locale(tr)?.map_or(0, |c| c.version);
            let l = Layout::new(&a.ctx, tr.t("nav-conduct-admin"));
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                EditPage { l, version, text_fr: form.text_fr, text_en: form.text_en, errors },
            )
        }
        Err(e) => Err(PageError::App(e, tr)),
    }
}
