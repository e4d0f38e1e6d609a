//! The periodic CNRM report (a quarter or any period): the dashboard's indicators for the filters
//! and the 4W summary of the interventions running during the period, for the pages to write as PDF
//! or XLSX.
//!
//! Reading it takes `AggregatesRead`, with the dashboard's scope: an organisation-scoped reader's
//! report is forced to their own organisation. The figures are the dashboard's
//! ([`indicators::dashboard`]), never recomputed here; the 4W summary adds up the interventions the
//! reader may see, grouped by organisation, region and dimension. Only counts and sums: no name, no
//! case. Each report generated is audited as `export.report` (its filters, no personal data).

use std::collections::{BTreeMap, HashMap, HashSet};

use cnrm_domain::indicators::IndicatorQuery;
use cnrm_domain::intervention::Period;
use cnrm_domain::lifecycle::plan::Dimension;
use cnrm_domain::report::{ReportFormat, ReportParams};
use cnrm_domain::Permission;
use cnrm_store::{AdminUnit, InterventionFilter};
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::indicators::{self, Dashboard};
use crate::{Actor, App, AppError};

/// One line of the 4W summary: an organisation's interventions of one dimension in one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FourWLine {
    pub organisation: String,
    /// The region's P-code (`""` when an intervention names no known unit).
    pub region_pcode: String,
    pub region: String,
    pub dimension: Dimension,
    pub interventions: i64,
    /// People targeted by these interventions (whole interventions).
    pub targeted: i64,
    /// People reached, from the reports of the quarters of the period that the reader may see.
    pub reached: i64,
    pub budget_xof: i64,
    pub spent_xof: i64,
}

/// The 4W summary: its lines, and the totals over distinct interventions (an intervention present
/// in several regions counts once in the totals, in each of its regions on the lines).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FourWSummary {
    pub lines: Vec<FourWLine>,
    pub interventions: i64,
    pub targeted: i64,
    pub reached: i64,
    pub budget_xof: i64,
    pub spent_xof: i64,
}

/// A report ready to be written.
#[derive(Debug, Clone)]
pub struct PeriodicReport {
    pub format: ReportFormat,
    /// The quarter asked for (`2026-Q3`), if the period is one.
    pub quarter: Option<String>,
    /// The filters as applied (the quarter's days as the period).
    pub query: IndicatorQuery,
    pub dashboard: Dashboard,
    pub fourw: FourWSummary,
    /// Organisations by id, for the filters' description.
    pub organisations: HashMap<Uuid, String>,
    pub generated_at: OffsetDateTime,
}

impl PeriodicReport {
    pub fn units(&self) -> &[AdminUnit] {
        &self.dashboard.scoped.units
    }
}

/// The report for these filters and report fields; `default` is the format when none is asked for.
pub async fn report(
    app: &App,
    actor: &Actor,
    params: &ReportParams,
    query: &IndicatorQuery,
    default: ReportFormat,
) -> Result<PeriodicReport, AppError> {
    actor.require(Permission::AggregatesRead)?;
    let (query, format) = params.apply(query, default).map_err(AppError::Invalid)?;
    let dashboard = indicators::dashboard(app, actor, &query).await?;
    let organisations: HashMap<Uuid, String> = app
        .db
        .organisation_names()
        .await?
        .into_iter()
        .map(|o| {
            let name = if o.acronym.is_empty() { o.name } else { format!("{} ({})", o.name, o.acronym) };
            (o.id, name)
        })
        .collect();
    let fourw = fourw_summary(app, actor, &dashboard, &organisations).await?;
    let filter = &dashboard.scoped.filter;
    let event = actor.event(
        "export.report",
        "report",
        None,
        json!({
            "format": format.code(),
            "quarter": params.quarter_code(),
            "from": filter.from.map(|d| d.to_string()),
            "to": filter.to.map(|d| d.to_string()),
            "unit": filter.unit,
            "organisation": filter.organisation,
            "filters": filter.kinds().iter().map(|k| k.code()).collect::<Vec<_>>(),
        }),
    );
    app.db.append_audit(&event).await?;
    Ok(PeriodicReport {
        format,
        quarter: params.quarter_code(),
        query,
        dashboard,
        fourw,
        organisations,
        generated_at: OffsetDateTime::now_utc(),
    })
}

/// The interventions running during the period, in the place and of the organisation of the
/// filters, that the reader may see (published ones, their own organisation's; the secretariat all).
async fn fourw_summary(
    app: &App,
    actor: &Actor,
    dashboard: &Dashboard,
    organisations: &HashMap<Uuid, String>,
) -> Result<FourWSummary, AppError> {
    let filter = &dashboard.scoped.filter;
    let reach = match actor.principal().organisation_filter(Permission::CoordinationManage) {
        Ok(None) => None,
        _ => Some(actor.user.organisation_id),
    };
    let between = match (filter.from, filter.to) {
        (None, None) => None,
        (from, to) => Some((
            from.unwrap_or(Date::from_calendar_date(1900, time::Month::January, 1).expect("a date")),
            to.unwrap_or(Date::from_calendar_date(2999, time::Month::December, 31).expect("a date")),
        )),
    };
    let interventions = app
        .db
        .interventions(
            &InterventionFilter {
                visible_to: reach,
                organisation_id: filter.organisation,
                unit: filter.unit.clone(),
                between,
                ..Default::default()
            },
            None,
        )
        .await?
        .items;
    let mut reports = crate::interventions::visible_reports(app, reach, &interventions).await?;
    let units: HashMap<&str, &AdminUnit> = dashboard.scoped.units.iter().map(|u| (u.pcode.as_str(), u)).collect();
    let region_of = |pcode: &str| -> Option<&AdminUnit> {
        let mut at = units.get(pcode).copied();
        while let Some(unit) = at {
            if unit.level <= 1 {
                return Some(unit);
            }
            at = unit.parent_pcode.as_deref().and_then(|p| units.get(p).copied());
        }
        None
    };
    let in_period = |period: &str| match (between, Period::parse(period)) {
        (None, _) => true,
        (Some((from, to)), Some(p)) => p.overlaps(from, to),
        (Some(_), None) => false,
    };
    let mut lines: BTreeMap<(String, String, &'static str), FourWLine> = BTreeMap::new();
    let mut summary = FourWSummary::default();
    for i in &interventions {
        let (mut reached, mut spent) = (0, 0);
        for r in reports.remove(&i.id).unwrap_or_default().iter().filter(|r| in_period(&r.report.period)) {
            reached += r.report.reached.total();
            spent += r.report.spent_xof;
        }
        let organisation =
            organisations.get(&i.organisation_id).cloned().unwrap_or_else(|| i.organisation_id.to_string());
        let mut regions: HashSet<(String, String)> = HashSet::new();
        for pcode in &i.units {
            // Filtered by a place, only the intervention's units within it.
            if let Some(area) = &filter.unit {
                if !pcode.starts_with(area.as_str()) && !area.starts_with(pcode.as_str()) {
                    continue;
                }
            }
            let region = region_of(pcode).map_or((String::new(), pcode.clone()), |u| (u.pcode.clone(), u.name.clone()));
            regions.insert(region);
        }
        if regions.is_empty() {
            regions.insert((String::new(), String::new()));
        }
        for (region_pcode, region) in regions {
            let line =
                lines.entry((organisation.clone(), region_pcode.clone(), i.dimension.code())).or_insert_with(|| {
                    FourWLine {
                        organisation: organisation.clone(),
                        region_pcode,
                        region,
                        dimension: i.dimension,
                        interventions: 0,
                        targeted: 0,
                        reached: 0,
                        budget_xof: 0,
                        spent_xof: 0,
                    }
                });
            line.interventions += 1;
            line.targeted += i.targeted.total();
            line.reached += reached;
            line.budget_xof += i.budget_xof;
            line.spent_xof += spent;
        }
        summary.interventions += 1;
        summary.targeted += i.targeted.total();
        summary.reached += reached;
        summary.budget_xof += i.budget_xof;
        summary.spent_xof += spent;
    }
    summary.lines = lines.into_values().collect();
    Ok(summary)
}
