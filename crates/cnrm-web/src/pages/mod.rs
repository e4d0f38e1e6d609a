//! The HTML pages. Each module is one area of the platform; this one holds what they share:
//! the layout (navigation by permission), list views (paging, sorting, filtering) and rendering.

pub mod account;
pub mod attachments;
pub mod audit;
pub mod cases;
pub mod conduct;
pub mod counselling;
pub mod home;
pub mod household;
pub mod ops;
pub mod organisations;
pub mod projects;
pub mod referrals;
pub mod roles;
pub mod session;
pub mod transfers;
pub mod users;
pub mod work;

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use cnrm_domain::paging::{Page, PageRequest};
use cnrm_domain::{FieldErrors, Permission, Scope};

use crate::context::Ctx;
use crate::error::PageError;
use crate::i18n::Tr;

/// What the layout around every page needs.
pub struct Layout {
    pub tr: Tr,
    pub title: String,
    pub csrf: String,
    pub path: String,
    pub user: Option<Badge>,
    pub nav: Vec<NavItem>,
    pub flash: Option<String>,
}

pub struct Badge {
    pub display_name: String,
    pub role: String,
}

pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub active: bool,
}

/// Navigation entries and the permission each needs (`None`: every logged-in user).
const NAV: &[(&str, &str, Option<Permission>)] = &[
    ("/", "nav-home", None),
    ("/work", "nav-work", None),
    ("/cases", "nav-cases", Some(Permission::CaseRead)),
    ("/referrals", "nav-referrals", Some(Permission::ReferralReceive)),
    ("/projects", "nav-projects", Some(Permission::CaseRead)),
    ("/transfers", "nav-transfers", Some(Permission::CaseWrite)),
    ("/organisations", "nav-organisations", Some(Permission::OrganisationRead)),
    ("/users", "nav-users", Some(Permission::UserRead)),
    ("/audit", "nav-audit", Some(Permission::AuditRead)),
    ("/roles", "nav-roles", Some(Permission::UserManage)),
    ("/admin/code-of-conduct", "nav-conduct-admin", Some(Permission::PlatformConfigure)),
    ("/admin/settings", "nav-settings-admin", Some(Permission::PlatformConfigure)),
    ("/account", "nav-account", None),
];

/// Entries of [`NAV`] that need their permission at least at a scope (transfers: organisation-wide
/// case managers, not case workers).
const NAV_MIN_SCOPE: &[(&str, Scope)] = &[("/transfers", Scope::Organisation)];

fn reaches_nav_scope(href: &str, role: cnrm_domain::Role, permission: Option<Permission>) -> bool {
    match (NAV_MIN_SCOPE.iter().find(|(h, _)| *h == href), permission) {
        (Some((_, min)), Some(p)) => role.scope_of(p).is_some_and(|s| s >= *min),
        _ => true,
    }
}

impl Layout {
    pub fn new(ctx: &Ctx, title: String) -> Layout {
        let tr = ctx.tr;
        let path_only = ctx.path.split('?').next().unwrap_or("/");
        let (user, nav) = match &ctx.user {
            Some((user, _)) => {
                let principal = cnrm_domain::roles::Principal {
                    user_id: user.id,
                    organisation_id: user.organisation_id,
                    role: user.role,
                    team: user.team.clone(),
                };
                let nav = NAV
                    .iter()
                    .filter(|(_, _, p)| p.is_none_or(|p| principal.holds(p)))
                    .filter(|(href, _, p)| reaches_nav_scope(href, user.role, *p))
                    .map(|(href, key, _)| NavItem {
                        href,
                        label: tr.t(key),
                        active: if *href == "/" { path_only == "/" } else { path_only.starts_with(href) },
                    })
                    .collect();
                (Some(Badge { display_name: user.display_name.clone(), role: tr.role(user.role) }), nav)
            }
            None => (None, Vec::new()),
        };
        let flash = ctx
            .path
            .split_once('?')
            .and_then(|(_, q)| {
                form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "msg").map(|(_, v)| v.into_owned())
            })
            .filter(|m| m.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
            .map(|m| tr.t(&format!("flash-{m}")))
            .filter(|m| !m.starts_with("flash-"));
        Layout { tr, title, csrf: ctx.csrf.clone(), path: ctx.path.clone(), user, nav, flash }
    }

    /// The message for a field's error, if the field has one.
    pub fn error(&self, errors: &FieldErrors, field: &str) -> Option<String> {
        errors.for_field(field).map(|key| self.tr.t(key))
    }
}

pub fn render(template: impl Template) -> Result<Response, PageError> {
    template.render().map(|html| Html(html).into_response()).map_err(|e| {
        tracing::error!(error = %e, "template failed");
        PageError::Internal(Tr::new(cnrm_domain::Locale::Fr))
    })
}

/// Render with a status other than 200 (a form sent back with its errors: 422).
pub fn render_status(status: axum::http::StatusCode, template: impl Template) -> Result<Response, PageError> {
    render(template).map(|r| (status, r).into_response())
}

/// A paged, sortable, filterable table's state, for the links in its header and footer.
pub struct ListView {
    pub base: &'static str,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub sort: String,
    pub descending: bool,
    pub q: String,
    /// Other filters of the list, kept in its page and sort links (empty values are left out).
    pub filters: Vec<(&'static str, String)>,
}

impl ListView {
    pub fn new<T>(base: &'static str, request: &PageRequest, page: &Page<T>) -> ListView {
        ListView {
            base,
            page: page.page,
            pages: page.pages(),
            total: page.total,
            sort: request.sort.to_string(),
            descending: request.descending,
            q: request.search.clone().unwrap_or_default(),
            filters: Vec::new(),
        }
    }

    fn href(&self, page: i64, sort: &str, descending: bool) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            query.append_pair("q", &self.q);
        }
        for (key, value) in self.filters.iter().filter(|(_, v)| !v.is_empty()) {
            query.append_pair(key, value);
        }
        query.append_pair("sort", sort);
        if descending {
            query.append_pair("dir", "desc");
        }
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        format!("{}?{}", self.base, query.finish())
    }

    /// Sorting by this column: ascending first, then the other way.
    pub fn sort_href(&self, key: &str) -> String {
        self.href(1, key, self.sort == key && !self.descending)
    }

    pub fn aria_sort(&self, key: &str) -> &'static str {
        match (self.sort == key, self.descending) {
            (false, _) => "none",
            (true, false) => "ascending",
            (true, true) => "descending",
        }
    }

    pub fn prev_href(&self) -> Option<String> {
        (self.page > 1).then(|| self.href(self.page - 1, &self.sort, self.descending))
    }

    pub fn next_href(&self) -> Option<String> {
        (self.page < self.pages).then(|| self.href(self.page + 1, &self.sort, self.descending))
    }
}
