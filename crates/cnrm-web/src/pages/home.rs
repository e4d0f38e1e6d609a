//! The home page: who I am, and where I can go.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cnrm_app::organisations;
use cnrm_domain::paging::{PageQuery, PageRequest};
use cnrm_domain::Permission;

use super::{render, Layout};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::AppState;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    organisation: String,
    organisations: Option<i64>,
    grants: Vec<(String, String)>,
}

pub async fn home(State(state): State<AppState>, auth: Auth) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let organisation = state
        .app
        .db
        .organisation(auth.actor.user.organisation_id)
        .await
        .in_locale(tr)?
        .map(|o| if o.acronym.is_empty() { o.name } else { format!("{} ({})", o.name, o.acronym) })
        .unwrap_or_default();
    let organisations = if auth.actor.holds(Permission::OrganisationRead) {
        let request =
            PageRequest::from_query(&PageQuery { per_page: Some(1), ..Default::default() }, organisations::SORTABLE);
        Some(organisations::list(&state.app, &auth.actor, &request).await.in_locale(tr)?.total)
    } else {
        None
    };
    let role = auth.actor.user.role;
    let grants =
        Permission::ALL.into_iter().filter_map(|p| role.scope_of(p).map(|s| (tr.permission(p), tr.scope(s)))).collect();
    let l = Layout::new(&auth.ctx, tr.t("nav-home"));
    render(HomePage { l, organisation, organisations, grants })
}
