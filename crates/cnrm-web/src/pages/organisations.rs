//! The directory of organisations (actors): list, detail, creation and changes.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cnrm_app::{organisations, AppError};
use cnrm_domain::organisation::{OrganisationInput, OrganisationType};
use cnrm_domain::paging::{PageQuery, PageRequest};
use cnrm_domain::{FieldErrors, Permission, Scope};
use cnrm_store::{AdminUnit, Organisation};
use uuid::Uuid;

use super::{render, render_status, Layout, ListView};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::forms::Form;
use crate::AppState;

#[derive(Template)]
#[template(path = "organisations/list.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    view: ListView,
    may_create: bool,
}

struct Row {
    id: Uuid,
    name: String,
    acronym: String,
    kind: String,
    regions: String,
    active: bool,
}

fn region_names(units: &[AdminUnit], codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| units.iter().find(|u| &u.pcode == c).map_or(c.clone(), |u| u.name.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let request = PageRequest::from_query(&q, organisations::SORTABLE);
    let page = organisations::list(&state.app, &auth.actor, &request).await.in_locale(tr)?;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let rows = page
        .items
        .iter()
        .map(|o| Row {
            id: o.id,
            name: o.name.clone(),
            acronym: o.acronym.clone(),
            kind: tr.org_type(o.kind),
            regions: region_names(&units, &o.regions),
            active: o.active,
        })
        .collect();
    let view = ListView::new("/organisations", &request, &page);
    let may_create = auth.actor.user.role.scope_of(Permission::OrganisationManage) == Some(Scope::All);
    render(ListPage { l: Layout::new(&auth.ctx, tr.t("nav-organisations")), rows, view, may_create })
}

#[derive(Template)]
#[template(path = "organisations/show.html")]
struct ShowPage {
    l: Layout,
    org: Organisation,
    kind: String,
    regions: String,
    may_edit: bool,
}

pub async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let org = organisations::get(&state.app, &auth.actor, id).await.in_locale(tr)?;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    let may_edit = auth.actor.principal().may(Permission::OrganisationManage, org.id, None, None);
    render(ShowPage {
        l: Layout::new(&auth.ctx, org.name.clone()),
        kind: tr.org_type(org.kind),
        regions: region_names(&units, &org.regions),
        org,
        may_edit,
    })
}

#[derive(Template)]
#[template(path = "organisations/form.html")]
struct FormPage {
    l: Layout,
    action: String,
    form: OrganisationInput,
    errors: FieldErrors,
    types: Vec<(&'static str, String)>,
    units: Vec<AdminUnit>,
    may_toggle_active: bool,
}

impl FormPage {
    fn has_region(&self, pcode: &str) -> bool {
        self.form.regions.iter().any(|r| r == pcode)
    }
}

async fn form_page(
    state: &AppState,
    auth: &Auth,
    title: String,
    action: String,
    form: OrganisationInput,
    errors: FieldErrors,
) -> Result<FormPage, PageError> {
    let tr = auth.ctx.tr;
    let units = state.app.db.admin_units().await.in_locale(tr)?;
    Ok(FormPage {
        l: Layout::new(&auth.ctx, title),
        action,
        form,
        errors,
        types: OrganisationType::ALL.iter().map(|t| (t.code(), tr.org_type(*t))).collect(),
        units: units.into_iter().filter(|u| u.current).collect(),
        may_toggle_active: auth.actor.user.role.scope_of(Permission::OrganisationManage) == Some(Scope::All),
    })
}

pub async fn new_form(State(state): State<AppState>, auth: Auth) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    if auth.actor.user.role.scope_of(Permission::OrganisationManage) != Some(Scope::All) {
        return Err(PageError::App(AppError::Forbidden, tr));
    }
    let form = OrganisationInput { active: true, ..Default::default() };
    render(form_page(&state, &auth, tr.t("organisation-new"), "/organisations".into(), form, FieldErrors::new()).await?)
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<OrganisationInput>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    match organisations::create(&state.app, &auth.actor, &form).await {
        Ok(org) => Ok(Redirect::to(&format!("/organisations/{}?msg=created", org.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let page =
                form_page(&state, &auth, tr.t("organisation-new"), "/organisations".into(), form, errors).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
        Err(e) => Err(PageError::App(e, tr)),
    }
}

fn input_of(org: &Organisation) -> OrganisationInput {
    OrganisationInput {
        name: org.name.clone(),
        acronym: org.acronym.clone(),
        kind: org.kind.code().into(),
        regions: org.regions.clone(),
        contact_name: org.contact_name.clone(),
        contact_email: org.contact_email.clone(),
        contact_phone: org.contact_phone.clone(),
        active: org.active,
    }
}

pub async fn edit_form(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let org = organisations::get(&state.app, &auth.actor, id).await.in_locale(tr)?;
    auth.actor.require_for(Permission::OrganisationManage, org.id).in_locale(tr)?;
    let title = tr.t_with("organisation-edit", &[("name", org.name.clone())]);
    render(form_page(&state, &auth, title, format!("/organisations/{id}"), input_of(&org), FieldErrors::new()).await?)
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<OrganisationInput>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    match organisations::update(&state.app, &auth.actor, id, &form).await {
        Ok(_) => Ok(Redirect::to(&format!("/organisations/{id}?msg=saved")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let title = tr.t_with("organisation-edit", &[("name", form.name.clone())]);
            let page = form_page(&state, &auth, title, format!("/organisations/{id}"), form, errors).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
        Err(e) => Err(PageError::App(e, tr)),
    }
}
