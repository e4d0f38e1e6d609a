//! The HTML pages. Each module is one area of the platform; this one holds what they share:
//! the layout (navigation by permission), list views (paging, sorting, filtering) and rendering.

pub mod account;
pub mod attachments;
pub mod audit;
pub mod cases;
pub mod catalogue;
pub mod conduct;
pub mod coordination;
pub mod counselling;
pub mod exports;
pub mod gaps;
pub mod home;
pub mod household;
pub mod identity;
pub mod indicators;
pub mod interventions;
pub mod ops;
pub mod organisations;
pub mod projects;
pub mod public;
pub mod referrals;
pub mod reports;
pub mod roles;
pub mod session;
pub mod surveys;
pub mod transfers;
pub mod users;
pub mod work;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use cnrm_app::AppError;
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
    ("/interventions", "nav-interventions", Some(Permission::CoordinationRead)),
    ("/catalogue", "nav-catalogue", Some(Permission::CoordinationRead)),
    ("/transfers", "nav-transfers", Some(Permission::CaseWrite)),
    ("/coordination", "nav-coordination", Some(Permission::CoordinationRead)),
    ("/gaps", "nav-gaps", Some(Permission::CoordinationRead)),
    ("/dashboard", "nav-dashboard", Some(Permission::AggregatesRead)),
    ("/indicators", "nav-indicators", Some(Permission::AggregatesRead)),
    ("/organisations", "nav-organisations", Some(Permission::OrganisationRead)),
    ("/users", "nav-users", Some(Permission::UserRead)),
    ("/audit", "nav-audit", Some(Permission::AuditRead)),
    ("/identity/review", "nav-identity-review", Some(Permission::IdentityReview)),
    ("/roles", "nav-roles", Some(Permission::UserManage)),
    ("/admin/code-of-conduct", "nav-conduct-admin", Some(Permission::PlatformConfigure)),
    ("/admin/settings", "nav-settings-admin", Some(Permission::PlatformConfigure)),
    ("/admin/questionnaires", "nav-questionnaires-admin", Some(Permission::PlatformConfigure)),
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

/// Why a service did not save what a form sent: the page shows the form again, with the typed
/// values and the reason, instead of an error page.
///
/// Every form handler does the same after calling its service: redirect when saved, send the page
/// back with 422 and the messages next to the fields for invalid input, or with 409 and an alert
/// for an edit made meanwhile or a refusal by a rule; any other error is an error page.
/// [`Rejection::of`] makes that split; the handler builds its own page from the rejection.
#[derive(Debug)]
pub enum Rejection {
    /// Invalid input (422): messages by field.
    Invalid(FieldErrors),
    /// The record changed since the form was shown (409).
    Stale,
    /// A rule refused the action (409); the message key says why.
    Refused(&'static str),
}

impl Rejection {
    /// The value when saved, the rejection when the form is to come back, or the error page.
    pub fn of<T>(result: Result<T, AppError>, tr: Tr) -> Result<Result<T, Rejection>, PageError> {
        match result {
            Ok(value) => Ok(Ok(value)),
            Err(AppError::Invalid(errors)) => Ok(Err(Rejection::Invalid(errors))),
            Err(AppError::Stale) => Ok(Err(Rejection::Stale)),
            Err(AppError::Refused(key)) => Ok(Err(Rejection::Refused(key))),
            Err(e) => Err(PageError::App(e, tr)),
        }
    }

    /// 422 for invalid input, 409 for a stale edit or a refusal.
    pub fn status(&self) -> StatusCode {
        match self {
            Rejection::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Rejection::Stale | Rejection::Refused(_) => StatusCode::CONFLICT,
        }
    }

    /// The messages by field and the alert (translated) the page shows; `stale_key` is the message
    /// for a stale edit (each area words it its own way).
    pub fn messages(self, tr: Tr, stale_key: &str) -> (FieldErrors, Option<String>) {
        match self {
            Rejection::Invalid(errors) => (errors, None),
            Rejection::Stale => (FieldErrors::new(), Some(tr.t(stale_key))),
            Rejection::Refused(key) => (FieldErrors::new(), Some(tr.t(key))),
        }
    }
}

/// A paged, sortable, filterable table's state, for the links in its header and footer.
pub struct ListView {
    pub base: &'static str,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// `total` is a lower bound ([`Page::is_capped`]).
    pub capped: bool,
    pub sort: String,
    pub descending: bool,
    pub q: String,
    /// Other filters of the list, kept in its page and sort links (empty values are left out).
    pub filters: Vec<(&'static str, String)>,
}

/// The query of a list filtered by status and shown newest first (`?status=…&page=…`), as the
/// referrals received and the collective projects are.
#[derive(Debug, Default, serde::Deserialize)]
pub struct StatusListQuery {
    #[serde(default)]
    pub status: String,
    pub page: Option<i64>,
}

impl StatusListQuery {
    /// The page asked for, newest first by `sort` (the only sort these lists offer).
    pub fn request(&self, sort: &'static str) -> PageRequest {
        let query = cnrm_domain::paging::PageQuery { page: self.page, ..Default::default() };
        PageRequest { descending: true, ..PageRequest::from_query(&query, &[sort]) }
    }
}

impl ListView {
    /// The view of a list filtered by status (`chosen`: the status code, empty for all), which its
    /// page links keep.
    pub fn by_status<T>(base: &'static str, request: &PageRequest, page: &Page<T>, chosen: &str) -> ListView {
        ListView { filters: vec![("status", chosen.to_string())], ..ListView::new(base, request, page) }
    }

    pub fn new<T>(base: &'static str, request: &PageRequest, page: &Page<T>) -> ListView {
        ListView {
            base,
            page: page.page,
            pages: page.pages(),
            total: page.total,
            capped: page.is_capped(),
            sort: request.sort.to_string(),
            descending: request.descending,
            q: request.search.clone().unwrap_or_default(),
            filters: Vec::new(),
        }
    }

    /// The count shown: a capped count is a lower bound ("10000+"), never passed off as exact.
    pub fn total_label(&self) -> String {
        if self.capped {
            format!("{}+", cnrm_domain::paging::COUNT_CAP)
        } else {
            self.total.to_string()
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

#[cfg(test)]
mod tests {
    use super::*;
    use cnrm_domain::paging::COUNT_CAP;

    fn view(total: i64) -> ListView {
        let request = PageRequest::from_query(&Default::default(), &["arrival"]);
        let page: Page<()> = Page { items: Vec::new(), total, page: 1, per_page: 25 };
        ListView::new("/cases", &request, &page)
    }

    #[test]
    fn a_capped_count_is_shown_as_a_lower_bound() {
        assert_eq!(view(COUNT_CAP).total_label(), COUNT_CAP.to_string());
        assert_eq!(view(COUNT_CAP + 1).total_label(), format!("{COUNT_CAP}+"));
        assert_eq!(view(3).total_label(), "3");
    }
}
