//! User accounts: list, creation (with a one-time password), changes, disabling, password resets.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cnrm_app::users::{self, UserUpdate};
use cnrm_app::AppError;
use cnrm_domain::paging::{PageQuery, PageRequest};
use cnrm_domain::user::UserInput;
use cnrm_domain::{FieldErrors, Permission, Role};
use cnrm_store::{OrganisationName, User};
use serde::Deserialize;
use uuid::Uuid;

use super::{render, render_status, Layout, ListView};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::forms::Form;
use crate::AppState;

struct Row {
    id: Uuid,
    username: String,
    display_name: String,
    role: String,
    organisation: String,
    disabled: bool,
    last_login: String,
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    view: ListView,
    may_create: bool,
}

fn organisation_label(names: &[OrganisationName], id: Uuid) -> String {
    names
        .iter()
        .find(|o| o.id == id)
        .map(|o| if o.acronym.is_empty() { o.name.clone() } else { o.acronym.clone() })
        .unwrap_or_default()
}

async fn organisation_names(state: &AppState, tr: crate::i18n::Tr) -> Result<Vec<OrganisationName>, PageError> {
    state.app.db.organisation_names().await.in_locale(tr)
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let request = PageRequest::from_query(&q, users::SORTABLE);
    let page = users::list(&state.app, &auth.actor, &request).await.in_locale(tr)?;
    let names = organisation_names(&state, tr).await?;
    let rows = page
        .items
        .iter()
        .map(|u| Row {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: tr.role(u.role),
            organisation: organisation_label(&names, u.organisation_id),
            disabled: u.disabled,
            last_login: tr.opt_datetime(&u.last_login_at),
        })
        .collect();
    let view = ListView::new("/users", &request, &page);
    render(ListPage {
        l: Layout::new(&auth.ctx, tr.t("nav-users")),
        rows,
        view,
        may_create: auth.actor.holds(Permission::UserManage),
    })
}

#[derive(Template)]
#[template(path = "users/new.html")]
struct NewPage {
    l: Layout,
    form: UserInput,
    errors: FieldErrors,
    organisations: Vec<OrganisationName>,
    roles: Vec<(&'static str, String)>,
}

async fn new_page(state: &AppState, auth: &Auth, form: UserInput, errors: FieldErrors) -> Result<NewPage, PageError> {
    let tr = auth.ctx.tr;
    let principal = auth.actor.principal();
    let organisations = organisation_names(state, tr)
        .await?
        .into_iter()
        .filter(|o| principal.may(Permission::UserManage, o.id, None, None))
        .collect();
    let roles = Role::assignable_by(auth.actor.user.role).into_iter().map(|r| (r.code(), tr.role(r))).collect();
    Ok(NewPage { l: Layout::new(&auth.ctx, tr.t("user-new")), form, errors, organisations, roles })
}

pub async fn new_form(State(state): State<AppState>, auth: Auth) -> Result<Response, PageError> {
    auth.actor.require(Permission::UserManage).in_locale(auth.ctx.tr)?;
    let form = UserInput {
        organisation_id: auth.actor.user.organisation_id.to_string(),
        locale: "fr".into(),
        ..Default::default()
    };
    render(new_page(&state, &auth, form, FieldErrors::new()).await?)
}

#[derive(Template)]
#[template(path = "users/password.html")]
struct PasswordPage {
    l: Layout,
    user: User,
    password: String,
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<UserInput>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    match users::create(&state.app, &auth.actor, &form).await {
        Ok(account) => {
            let l = Layout::new(&auth.ctx, tr.t("user-created"));
            render(PasswordPage { l, user: account.user, password: account.password })
        }
        Err(AppError::Invalid(errors)) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, new_page(&state, &auth, form, errors).await?)
        }
        Err(e) => Err(PageError::App(e, tr)),
    }
}

#[derive(Template)]
#[template(path = "users/show.html")]
struct ShowPage {
    l: Layout,
    user: User,
    organisation: String,
    role: String,
    form: UserUpdate,
    errors: FieldErrors,
    may_manage: bool,
    roles: Vec<(&'static str, String)>,
    created: String,
    last_login: String,
}

async fn show_page(
    state: &AppState,
    auth: &Auth,
    user: User,
    form: Option<UserUpdate>,
    errors: FieldErrors,
) -> Result<ShowPage, PageError> {
    let tr = auth.ctx.tr;
    let names = organisation_names(state, tr).await?;
    let may_manage = auth.actor.principal().may(Permission::UserManage, user.organisation_id, None, None)
        && (Role::assignable_by(auth.actor.user.role).contains(&user.role));
    let mut roles: Vec<_> =
        Role::assignable_by(auth.actor.user.role).into_iter().map(|r| (r.code(), tr.role(r))).collect();
    if !roles.iter().any(|(c, _)| *c == user.role.code()) {
        roles.push((user.role.code(), tr.role(user.role)));
    }
    let form = form.unwrap_or_else(|| UserUpdate {
        display_name: user.display_name.clone(),
        email: user.email.clone(),
        role: user.role.code().into(),
        team: user.team.clone().unwrap_or_default(),
        disabled: user.disabled,
    });
    Ok(ShowPage {
        l: Layout::new(&auth.ctx, user.display_name.clone()),
        organisation: organisation_label(&names, user.organisation_id),
        role: tr.role(user.role),
        created: tr.datetime(&user.created_at),
        last_login: tr.opt_datetime(&user.last_login_at),
        user,
        form,
        errors,
        may_manage,
        roles,
    })
}

pub async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    let user = users::get(&state.app, &auth.actor, id).await.in_locale(auth.ctx.tr)?;
    render(show_page(&state, &auth, user, None, FieldErrors::new()).await?)
}

#[derive(Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    disabled: bool,
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<UpdateForm>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let input = UserUpdate {
        display_name: form.display_name,
        email: form.email,
        role: form.role,
        team: form.team,
        disabled: form.disabled,
    };
    match users::update(&state.app, &auth.actor, id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/users/{id}?msg=saved")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let user = users::get(&state.app, &auth.actor, id).await.in_locale(tr)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, show_page(&state, &auth, user, Some(input), errors).await?)
        }
        Err(e) => Err(PageError::App(e, tr)),
    }
}

pub async fn reset_password(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let password = users::reset_password(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let user = state.app.db.user(id).await.in_locale(tr)?.ok_or(PageError::App(AppError::NotFound, tr))?;
    render(PasswordPage { l: Layout::new(&auth.ctx, tr.t("user-password-reset")), user, password })
}
