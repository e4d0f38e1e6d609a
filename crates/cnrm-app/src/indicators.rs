//! Indicators (see `cnrm_domain::indicators`): the catalogue, one indicator computed for a filter,
//! and the set of headline indicators a dashboard shows.
//!
//! Reading them takes `AggregatesRead`. At scope All (secretariat, M&E, observers) the figures are
//! national; at scope Organisation (a case manager) the organisation filter is forced to the user's
//! own organisation, whatever was asked, so nobody reads another organisation's figures that way.
//! Only tallies come back from the store: no name, no case.

use std::collections::HashMap;

use cnrm_domain::case_facts::{self, CaseSums, Measure};
use cnrm_domain::indicators::{
    self, Breakdown, FilterKind, Indicator, IndicatorCode, IndicatorFilter, IndicatorQuery, IndicatorResult, Tally,
};
use cnrm_domain::Permission;
use cnrm_store::AdminUnit;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Actor, App, AppError};

/// One indicator computed for a filter, with what the pages need to explain it.
#[derive(Debug, Clone)]
pub struct IndicatorReport {
    pub indicator: &'static Indicator,
    pub filter: IndicatorFilter,
    pub result: IndicatorResult,
    /// Filters set that this indicator's records do not carry (shown as not applied).
    pub ignored: Vec<FilterKind>,
}

/// The filters parsed for this actor, with the units they were checked against.
#[derive(Debug, Clone)]
pub struct ScopedFilter {
    pub filter: IndicatorFilter,
    /// The organisation every figure is restricted to by the actor's scope, if any.
    pub forced_organisation: Option<Uuid>,
    pub units: Vec<AdminUnit>,
}

/// The catalogue, for anyone who may read aggregates.
pub fn catalogue(actor: &Actor) -> Result<&'static [Indicator], AppError> {
    actor.require(Permission::AggregatesRead)?;
    Ok(indicators::CATALOGUE)
}

/// Parses the query against the current admin units and applies the actor's scope.
pub async fn scoped_filter(app: &App, actor: &Actor, query: &IndicatorQuery) -> Result<ScopedFilter, AppError> {
    let forced_organisation =
        actor.principal().organisation_filter(Permission::AggregatesRead).map_err(|_| AppError::Forbidden)?;
    let units: Vec<AdminUnit> = app.db.admin_units().await?.into_iter().filter(|u| u.current).collect();
    let levels: HashMap<&str, i64> = units.iter().map(|u| (u.pcode.as_str(), u.level)).collect();
    let mut filter = query.parse(|pcode| levels.get(pcode).copied()).map_err(AppError::Invalid)?;
    if forced_organisation.is_some() {
        filter.organisation = forced_organisation;
    }
    Ok(ScopedFilter { filter, forced_organisation, units })
}

/// One indicator by its code, for the query's filters and breakdown.
pub async fn compute(
    app: &App,
    actor: &Actor,
    code: &str,
    query: &IndicatorQuery,
) -> Result<IndicatorReport, AppError> {
    actor.require(Permission::AggregatesRead)?;
    let code = IndicatorCode::parse(code).ok_or(AppError::NotFound)?;
    let indicator = indicators::indicator(code);
    let scoped = scoped_filter(app, actor, query).await?;
    let breakdown = query.breakdown_for(indicator).map_err(AppError::Invalid)?;
    compute_scoped(app, indicator, &scoped, breakdown).await
}

/// An indicator for an already scoped filter (the dashboard computes several for one filter).
pub async fn compute_scoped(
    app: &App,
    indicator: &'static Indicator,
    scoped: &ScopedFilter,
    breakdown: Option<Breakdown>,
) -> Result<IndicatorReport, AppError> {
    let today = OffsetDateTime::now_utc().date();
    let filter = &scoped.filter;
    // A case-based indicator reads its sums once, grouped as its breakdown: the total adds up the keys.
    if let Some(measures) = case_facts::measures_for(indicator.code, breakdown) {
        let sums = app.db.case_sums(filter, case_facts::grouping(breakdown), &measures, false).await?;
        let tallies = |b: Option<Breakdown>, rows: &[(String, CaseSums)]| {
            case_facts::recipe(indicator.code, b).map(|r| r.tallies(rows)).unwrap_or_default()
        };
        let total = tallies(None, &case_facts::total_of(&sums));
        let rows = if breakdown.is_some() { tallies(breakdown, &sums) } else { Vec::new() };
        return Ok(report_from(indicator, scoped, breakdown, &total, rows));
    }
    let total = app.db.indicator_tallies(indicator.code, filter, None, today);
    let rows = async {
        match breakdown {
            Some(b) => app.db.indicator_tallies(indicator.code, filter, Some(b), today).await,
            None => Ok(Vec::new()),
        }
    };
    let (total, rows) = tokio::try_join!(total, rows)?;
    Ok(report_from(indicator, scoped, breakdown, &total, rows))
}

/// The report of an indicator from its tallies: the total's, and the breakdown's as the store gives
/// them (rolled up here to regions or months).
fn report_from(
    indicator: &'static Indicator,
    scoped: &ScopedFilter,
    breakdown: Option<Breakdown>,
    total: &[Tally],
    mut rows: Vec<Tally>,
) -> IndicatorReport {
    let filter = &scoped.filter;
    match breakdown {
        Some(Breakdown::Region) => rows = by_region(rows, &scoped.units),
        // Cases come per day of arrival (see the store); other sources per month already.
        Some(Breakdown::Month) => rows = merge_by(rows, |day| day.chars().take(7).collect()),
        _ => {}
    }
    let result = indicators::compute(indicator, total, breakdown, &rows);
    IndicatorReport { indicator, filter: filter.clone(), result, ignored: filter.ignored_by(indicator.source) }
}

/// Rolls tallies keyed by place of settlement up to their region (level 1), in region order; places
/// not known (or not given) stay under `unknown`.
fn by_region(rows: Vec<Tally>, units: &[AdminUnit]) -> Vec<Tally> {
    let by_pcode: HashMap<&str, &AdminUnit> = units.iter().map(|u| (u.pcode.as_str(), u)).collect();
    let region_of = |pcode: &str| -> String {
        let mut at = by_pcode.get(pcode).copied();
        while let Some(unit) = at {
            if unit.level <= 1 {
                return unit.pcode.clone();
            }
            at = unit.parent_pcode.as_deref().and_then(|p| by_pcode.get(p).copied());
        }
        "unknown".to_string()
    };
    let mut merged = merge_by(rows, region_of);
    merged.sort_by(|a, b| (a.key == "unknown").cmp(&(b.key == "unknown")).then_with(|| a.key.cmp(&b.key)));
    merged
}

/// Adds up the tallies whose keys map to the same key, in the order the new keys first come.
fn merge_by(rows: Vec<Tally>, key_of: impl Fn(&str) -> String) -> Vec<Tally> {
    let mut merged: Vec<Tally> = Vec::new();
    for row in rows {
        let key = key_of(&row.key);
        match merged.iter_mut().find(|t| t.key == key) {
            Some(t) => {
                t.count += row.count;
                t.of += row.of;
                t.sum += row.sum;
            }
            None => merged.push(Tally { key, ..row }),
        }
    }
    merged
}

/// The indicators a dashboard shows, each with the breakdown it is drawn with.
pub const DASHBOARD: &[(IndicatorCode, Option<Breakdown>)] = &[
    (IndicatorCode::ReturneesRegistered, Some(Breakdown::Month)),
    (IndicatorCode::ReturneesRegistered, Some(Breakdown::Region)),
    (IndicatorCode::ReturneesRegistered, Some(Breakdown::Sex)),
    (IndicatorCode::ReturneesRegistered, Some(Breakdown::AgeGroup)),
    (IndicatorCode::ReturneesAssisted, Some(Breakdown::Dimension)),
    (IndicatorCode::PlanWithinMonth, None),
    (IndicatorCode::AssistanceDelivered, Some(Breakdown::Dimension)),
    (IndicatorCode::AssistanceDeliveredXof, None),
    (IndicatorCode::ReferralsSent, Some(Breakdown::Stage)),
    (IndicatorCode::ReferralsSuccessful, None),
    (IndicatorCode::ReferralDaysToAcceptance, None),
    (IndicatorCode::InterventionReach, Some(Breakdown::Sex)),
    (IndicatorCode::Trainings, None),
    (IndicatorCode::PeopleTrained, Some(Breakdown::Sex)),
    (IndicatorCode::ActionPointsOverdue, None),
    (IndicatorCode::SustainabilityScore, Some(Breakdown::Dimension)),
    (IndicatorCode::Satisfaction, None),
];

/// A dashboard: the headline indicators for one filter (national, an organisation's or a region's,
/// as the filter and the actor's scope make it).
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub scoped: ScopedFilter,
    pub reports: Vec<IndicatorReport>,
}

pub async fn dashboard(app: &App, actor: &Actor, query: &IndicatorQuery) -> Result<Dashboard, AppError> {
    actor.require(Permission::AggregatesRead)?;
    let scoped = scoped_filter(app, actor, query).await?;
    // The case-based indicators share the sums of the case facts: one query per grouping (the total,
    // by month, region, sex, age group) serves all of them. The others are queried each once (an
    // indicator drawn several ways has one total). Everything runs at the same time.
    let mut groupings: Vec<Option<Breakdown>> = vec![None];
    let mut wanted: Vec<(IndicatorCode, Option<Breakdown>)> = Vec::new();
    for &(code, breakdown) in DASHBOARD {
        if case_facts::made_of_sums(code) {
            let grouping = case_facts::grouping(breakdown);
            if !groupings.contains(&grouping) {
                groupings.push(grouping);
            }
            continue;
        }
        for one in [(code, None), (code, breakdown)] {
            if !wanted.contains(&one) {
                wanted.push(one);
            }
        }
    }
    let (tallies, sums) = tokio::try_join!(
        tallies_concurrently(app, &scoped.filter, &wanted),
        sums_concurrently(app, &scoped.filter, &groupings)
    )?;
    let tallies_of = |code: IndicatorCode, breakdown: Option<Breakdown>| -> Vec<Tally> {
        if case_facts::made_of_sums(code) {
            let grouping = case_facts::grouping(breakdown);
            let at = groupings.iter().position(|g| *g == grouping).expect("every grouping was summed");
            case_facts::case_tallies(code, breakdown, &sums[at]).unwrap_or_default()
        } else {
            wanted.iter().position(|w| *w == (code, breakdown)).map(|i| tallies[i].clone()).unwrap_or_default()
        }
    };
    let reports = DASHBOARD
        .iter()
        .map(|&(code, breakdown)| {
            let total = tallies_of(code, None);
            let rows = if breakdown.is_some() { tallies_of(code, breakdown) } else { Vec::new() };
            report_from(indicators::indicator(code), &scoped, breakdown, &total, rows)
        })
        .collect();
    Ok(Dashboard { scoped, reports })
}

/// The sums of the case facts for each grouping, in their order, read side by side.
async fn sums_concurrently(
    app: &App,
    filter: &IndicatorFilter,
    groupings: &[Option<Breakdown>],
) -> Result<Vec<Vec<(String, CaseSums)>>, AppError> {
    let mut running = tokio::task::JoinSet::new();
    for (index, &grouping) in groupings.iter().enumerate() {
        let db = app.db.clone();
        let filter = filter.clone();
        running.spawn(async move { (index, db.case_sums(&filter, grouping, Measure::all(), false).await) });
    }
    let mut sums = vec![Vec::new(); groupings.len()];
    while let Some(done) = running.join_next().await {
        let (index, result) = done.map_err(|e| AppError::Internal(e.to_string()))?;
        sums[index] = result?;
    }
    Ok(sums)
}

/// Recomputes the case facts and their cells from the records: maintenance after data was written
/// around the services (bulk SQL seeding, a restore); the services' own writes keep them current.
pub async fn rebuild(app: &App, actor: &Actor) -> Result<(), AppError> {
    actor.require(Permission::PlatformConfigure)?;
    let event = actor.event("indicators.rebuild", "indicators", None, serde_json::json!({}));
    app.db.rebuild_case_facts(&event).await?;
    Ok(())
}

/// The tallies of these (indicator, breakdown) queries, in their order, run side by side on the
/// store's pool: a dashboard then takes about as long as its slowest query, not their sum.
async fn tallies_concurrently(
    app: &App,
    filter: &IndicatorFilter,
    wanted: &[(IndicatorCode, Option<Breakdown>)],
) -> Result<Vec<Vec<Tally>>, AppError> {
    let today = OffsetDateTime::now_utc().date();
    let mut running = tokio::task::JoinSet::new();
    for (index, &(code, breakdown)) in wanted.iter().enumerate() {
        let db = app.db.clone();
        let filter = filter.clone();
        running.spawn(async move { (index, db.indicator_tallies(code, &filter, breakdown, today).await) });
    }
    let mut tallies = vec![Vec::new(); wanted.len()];
    while let Some(done) = running.join_next().await {
        let (index, result) = done.map_err(|e| AppError::Internal(e.to_string()))?;
        tallies[index] = result?;
    }
    Ok(tallies)
}
