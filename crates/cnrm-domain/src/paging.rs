//! Pagination and sorting of lists, parsed from query strings into bounded values.

use serde::Deserialize;

pub const DEFAULT_PER_PAGE: i64 = 25;
pub const MAX_PER_PAGE: i64 = 200;

/// A page request as it arrives in a query string; every field is optional.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    pub sort: Option<String>,
    /// `asc` or `desc`.
    pub dir: Option<String>,
    /// Free-text filter.
    pub q: Option<String>,
}

/// A bounded page request with a sort key chosen from a whitelist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub page: i64,
    pub per_page: i64,
    pub sort: &'static str,
    pub descending: bool,
    pub search: Option<String>,
}

impl PageRequest {
    /// `sortable` lists the accepted sort keys; the first is the default.
    pub fn from_query(q: &PageQuery, sortable: &[&'static str]) -> PageRequest {
        let sort = q.sort.as_deref().and_then(|s| sortable.iter().find(|k| **k == s).copied()).unwrap_or(sortable[0]);
        PageRequest {
            page: q.page.unwrap_or(1).max(1),
            per_page: q.per_page.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE),
            sort,
            descending: q.dir.as_deref() == Some("desc"),
            search: q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.to_lowercase()),
        }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
}

/// Counts of very long lists stop here: beyond it, "more than" is all a reader needs, and an exact
/// count of a million rows would cost more than the page itself.
pub const COUNT_CAP: i64 = 10_000;

/// One page of results and the total count, for page links (a list longer than [`COUNT_CAP`] may
/// report `COUNT_CAP + 1`: see [`Page::is_capped`]).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Page<T> {
    /// Whether `total` is a lower bound (the list has more than [`COUNT_CAP`] items).
    pub fn is_capped(&self) -> bool {
        self.total > COUNT_CAP
    }

    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_sort_keys_fall_back_and_sizes_are_bounded() {
        let q = PageQuery {
            page: Some(0),
            per_page: Some(10_000),
            sort: Some("password_hash".into()),
            dir: Some("desc".into()),
            q: Some("  ".into()),
        };
        let r = PageRequest::from_query(&q, &["name", "created_at"]);
        assert_eq!(r, PageRequest { page: 1, per_page: MAX_PER_PAGE, sort: "name", descending: true, search: None });
        assert_eq!(Page::<()> { items: vec![], total: 201, page: 1, per_page: 25 }.pages(), 9);
    }
}
