//! The roles × permissions table, read from the permission model itself.

use askama::Template;
use axum::response::Response;
use cnrm_domain::{Permission, Role};

use super::{render, Layout};
use crate::context::Auth;
use crate::error::{InLocale, PageError};

#[derive(Template)]
#[template(path = "roles.html")]
struct RolesPage {
    l: Layout,
    roles: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
}

pub async fn table(a: Auth) -> Result<Response, PageError> {
    let tr = a.ctx.tr;
    a.actor.require(Permission::UserManage).in_locale(tr)?;
    let roles = Role::ALL.iter().map(|r| tr.role(*r)).collect();
    let rows = Permission::ALL
        .iter()
        .map(|p| {
            (
                tr.permission(*p),
                Role::ALL.iter().map(|r| r.scope_of(*p).map(|s| tr.scope(s)).unwrap_or_default()).collect(),
            )
        })
        .collect();
    render(RolesPage { l: Layout::new(&a.ctx, tr.t("nav-roles")), roles, rows })
}
