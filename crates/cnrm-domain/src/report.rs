//! The periodic CNRM report: its period, a quarter (`2026-Q3`) or any dates, and its format.
//!
//! The report's figures are the dashboard's for the same filters ([`IndicatorQuery`]); this module
//! only turns the report's own fields into a query and checks them, so that the rules are tested
//! without a database.

use crate::indicators::IndicatorQuery;
use crate::intervention::Period;
use crate::person::coded_enum;
use crate::FieldErrors;
use serde::{Deserialize, Serialize};
use time::Date;

coded_enum! {
    /// The file the report is written as.
    pub enum ReportFormat in "report-format" {
        Pdf = "pdf",
        Xlsx = "xlsx",
    }
}

/// The report's own fields, as typed (page form or API query string), beside the indicator filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ReportParams {
    /// A quarter (`2026-Q3`): the period is its first to its last day, replacing `from` and `to`.
    pub quarter: String,
    /// `pdf` or `xlsx`.
    pub format: String,
}

/// The first and last days of a quarter written `2026-Q3` (also `2026Q3`, any case).
pub fn quarter(raw: &str) -> Result<(Date, Date), &'static str> {
    Period::parse(raw).map(|p| (p.first_day(), p.last_day())).ok_or("report-error-quarter")
}

/// The format asked for; `default` when none is given.
pub fn format(raw: &str, default: ReportFormat) -> Result<ReportFormat, &'static str> {
    match raw.trim() {
        "" => Ok(default),
        code => ReportFormat::parse(&code.to_ascii_lowercase()).ok_or("report-error-format"),
    }
}

impl ReportParams {
    /// The indicator query of the report: the filters as given, the quarter's days as the period
    /// when a quarter is given; and the format (`default` when none is given).
    pub fn apply(
        &self,
        query: &IndicatorQuery,
        default: ReportFormat,
    ) -> Result<(IndicatorQuery, ReportFormat), FieldErrors> {
        let mut errors = FieldErrors::new();
        let days = match self.quarter.trim() {
            "" => None,
            raw => errors.check("quarter", quarter(raw)),
        };
        let format = errors.check("format", format(&self.format, default));
        errors.finish(|| {
            let mut query = query.clone();
            if let Some((from, to)) = days {
                query.from = from.to_string();
                query.to = to.to_string();
            }
            // The report draws every breakdown of the dashboard: a breakdown asked for is meaningless.
            query.by = String::new();
            (query, format.unwrap_or(default))
        })
    }

    /// The quarter given, normalised (`2026-Q3`), if any and valid.
    pub fn quarter_code(&self) -> Option<String> {
        Period::parse(&self.quarter).map(Period::code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_quarter_gives_its_first_and_last_days() {
        assert_eq!(quarter("2026-Q3"), Ok((date!(2026 - 07 - 01), date!(2026 - 09 - 30))));
        assert_eq!(quarter("2026-q1"), Ok((date!(2026 - 01 - 01), date!(2026 - 03 - 31))));
        assert_eq!(quarter(" 2024Q4 "), Ok((date!(2024 - 10 - 01), date!(2024 - 12 - 31))));
        assert_eq!(quarter("2028-Q1").map(|(_, last)| last), Ok(date!(2028 - 03 - 31)));
    }

    #[test]
    fn a_bad_quarter_is_refused_with_a_message() {
        for bad in ["2026-Q5", "2026-Q0", "Q3-2026", "2026", "2026-07", "deux mille", "1999-Q1", "2026-Q3x"] {
            assert_eq!(quarter(bad), Err("report-error-quarter"), "{bad}");
        }
    }

    #[test]
    fn the_quarter_replaces_the_dates_and_the_filters_stay() {
        let filters = IndicatorQuery {
            from: "2020-01-01".into(),
            to: "2020-12-31".into(),
            region: "ML01".into(),
            by: "sex".into(),
            ..Default::default()
        };
        let params = ReportParams { quarter: "2026-Q3".into(), format: "XLSX".into() };
        let (query, format) = params.apply(&filters, ReportFormat::Pdf).unwrap();
        assert_eq!((query.from.as_str(), query.to.as_str()), ("2026-07-01", "2026-09-30"));
        assert_eq!((query.region.as_str(), query.by.as_str()), ("ML01", ""));
        assert_eq!(format, ReportFormat::Xlsx);
        assert_eq!(params.quarter_code().as_deref(), Some("2026-Q3"));

        // Without a quarter, the dates as given; without a format, the default one.
        let (query, format) = ReportParams::default().apply(&filters, ReportFormat::Pdf).unwrap();
        assert_eq!((query.from.as_str(), query.to.as_str(), format), ("2020-01-01", "2020-12-31", ReportFormat::Pdf));
    }

    #[test]
    fn bad_fields_are_each_named() {
        let params = ReportParams { quarter: "2026-T3".into(), format: "docx".into() };
        let errors = params.apply(&IndicatorQuery::default(), ReportFormat::Pdf).unwrap_err();
        assert_eq!(errors.for_field("quarter"), Some("report-error-quarter"));
        assert_eq!(errors.for_field("format"), Some("report-error-format"));
    }
}
