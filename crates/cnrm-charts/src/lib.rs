//! Charts and maps as small SVG strings rendered by the server.
//!
//! Dashboards must stay readable without JavaScript, on slow connections and on paper, and the
//! content security policy forbids inline styles: so every chart is plain SVG text with the values
//! and axis labels written as `<text>`, an accessible `<title>` and `<desc>`, colours given by CSS
//! classes of the served stylesheet (`chart-*`, `map-*`) and geometry by presentation attributes.
//! The output is deterministic (same input, same bytes), every text is XML-escaped, and no text is
//! invented here: titles, axis names and the empty-data message come from the caller, in the reader's
//! language; numbers are grouped after the [`Locale`].
//!
//! Values are [`Cell`]s so that published pages can pass counts after small-cell suppression
//! ([`cnrm_domain::disclosure`]): a hidden value is written "< 5" and draws no bar or point.
//! Data tables (the screen-reader and copy-paste path) are the caller's job.

mod axis;
mod bars;
mod map;
mod series;
mod svg;

pub use bars::{bar_chart, breakdown_chart, Bar, Breakdown, BreakdownLayout, Series};
pub use cnrm_domain::disclosure::Cell;
pub use cnrm_domain::Locale;
pub use map::{choropleth, Choropleth, Geography, MapError, MapText, RegionValue, Shape};
pub use series::time_series;

/// The texts of one chart, already in the reader's language.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChartText {
    /// Unique on the page (e.g. `"chart-sex-age"`): prefixes the ids the title and description get.
    pub id: String,
    pub title: String,
    /// What the chart shows, for screen readers (e.g. "Returnees registered per month, 2026").
    pub description: String,
    /// Name of the axis of categories or periods (e.g. "Region", "Month").
    pub category_axis: String,
    /// Name of the axis of counts (e.g. "Returnees").
    pub value_axis: String,
    /// Written instead of the chart when there is nothing to draw.
    pub empty: String,
}

/// A count written for the reader: digits grouped by three, with a no-break space in French
/// ("12 345") and a comma in English ("12,345").
pub fn format_count(count: u64, locale: Locale) -> String {
    let separator = match locale {
        Locale::Fr => '\u{a0}',
        Locale::En => ',',
    };
    let digits = count.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 2);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(digit);
    }
    out
}

/// A cell written for the reader: grouped digits, or "< 5" when hidden.
pub fn format_cell(cell: Cell, locale: Locale) -> String {
    cell.label_with(|n| format_count(n, locale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_after_the_locale() {
        assert_eq!(format_count(0, Locale::Fr), "0");
        assert_eq!(format_count(999, Locale::En), "999");
        assert_eq!(format_count(1234, Locale::En), "1,234");
        assert_eq!(format_count(1234567, Locale::Fr), "1\u{a0}234\u{a0}567");
        assert_eq!(format_cell(Cell::Suppressed, Locale::Fr), "< 5");
    }
}
