//! Browsing the audit trail, with filters.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use cnrm_app::audit;
use cnrm_domain::paging::{Page, PageQuery, PageRequest};
use cnrm_store::AuditFilter;
use serde::Deserialize;

use super::{render, Layout};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    page: Option<i64>,
    #[serde(default)]
    action: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    entity: String,
}

struct Row {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    entity: String,
    details: String,
    ip: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    rows: Vec<Row>,
    q: AuditQuery,
    page: i64,
    pages: i64,
    total: i64,
    prev: Option<String>,
    next: Option<String>,
}

fn nonempty(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

pub async fn list(State(state): State<AppState>, a: Auth, Query(q): Query<AuditQuery>) -> Result<Response, PageError> {
    let tr = a.ctx.tr;
    let request = PageRequest {
        descending: true,
        ..PageRequest::from_query(&PageQuery { page: q.page, per_page: Some(50), ..Default::default() }, &["seq"])
    };
    let filter = AuditFilter {
        organisation_id: None,
        action_prefix: nonempty(&q.action),
        actor: nonempty(&q.actor),
        entity_id: nonempty(&q.entity),
    };
    let page: Page<_> = audit::list(&state.app, &a.actor, filter, &request).await.in_locale(tr)?;
    let link = |n: i64| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("action", &q.action)
            .append_pair("actor", &q.actor)
            .append_pair("entity", &q.entity)
            .append_pair("page", &n.to_string());
        format!("/audit?{}", s.finish())
    };
    let rows = page
        .items
        .iter()
        .map(|e| Row {
            seq: e.seq,
            at: tr.datetime(&e.at),
            actor: e.actor_username.clone(),
            action: e.action.clone(),
            entity: format!("{} {}", e.entity_type, e.entity_id.clone().unwrap_or_default()),
            details: if e.details == "{}" { String::new() } else { e.details.clone() },
            ip: e.ip.clone().unwrap_or_default(),
        })
        .collect();
    let pages = page.pages();
    render(AuditPage {
        l: Layout::new(&a.ctx, tr.t("nav-audit")),
        rows,
        prev: (page.page > 1).then(|| link(page.page - 1)),
        next: (page.page < pages).then(|| link(page.page + 1)),
        page: page.page,
        pages,
        total: page.total,
        q,
    })
}
