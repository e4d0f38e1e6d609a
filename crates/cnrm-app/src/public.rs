//! The public page: what anyone may see without logging in — national and regional figures after
//! small-cell suppression, the published service directory and the published good practices.
//!
//! Nothing here identifies anyone: the figures are indicator tallies (counts only), every count from 1
//! to 4 is hidden together with the complements that would let a reader work it out from the totals
//! ([`cnrm_domain::disclosure`]), and only entries their organisations published and the secretariat
//! validated are listed.
//!
//! The page is computed once per state of the data and kept until the data change: every write of the
//! platform appends an audit row, so the head of the audit trail is the version of the data. A visit
//! costs one indexed read when nothing changed; the first visit after a change recomputes (one visitor
//! at a time, the others wait for its result rather than recompute alongside it).

use std::collections::HashMap;
use std::sync::Arc;

use cnrm_domain::coordination::PracticeStatus;
use cnrm_domain::disclosure::{protect_list, Cell};
use cnrm_domain::indicators::{self, Breakdown, IndicatorCode, IndicatorFilter};
use cnrm_domain::paging::PageRequest;
use cnrm_store::{AdminUnit, CatalogueFilter, CatalogueVisibility, CoordinationReach, Practice, ServiceRevision};
use time::OffsetDateTime;
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::indicators::{compute_scoped, ScopedFilter};
use crate::{settings, App, AppError};

/// Entries of the directory and of the practices shown at most (the page stays light; the logged-in
/// catalogue has the rest).
const LISTED_AT_MOST: i64 = 200;

/// A region's published counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionFigures {
    pub pcode: String,
    pub name: String,
    pub registered: Cell,
    pub assisted: Cell,
}

/// A count per category code, with its total, as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedBreakdown {
    pub rows: Vec<(String, Cell)>,
    pub total: Cell,
}

/// Everything the public page shows, already protected.
#[derive(Debug, Clone)]
pub struct PublicFigures {
    /// Returnees registered, by region of settlement (every region, then `unknown`), with the total.
    pub regions: Vec<RegionFigures>,
    /// Returnees whose settlement is not recorded: the last entry of the protected list.
    pub registered_unknown_region: Cell,
    pub registered: Cell,
    /// Returnees assisted (at least one assistance delivered), by region, with the total.
    pub assisted_unknown_region: Cell,
    pub assisted: Cell,
    /// Returnees registered by sex.
    pub by_sex: PublishedBreakdown,
    /// Returnees assisted in each dimension (one returnee may count in several: no total).
    pub assisted_by_dimension: Vec<(String, Cell)>,
    /// People reached by published interventions, and people trained.
    pub people_reached: Cell,
    pub people_trained: Cell,
    pub services: Vec<ServiceRevision>,
    pub practices: Vec<Practice>,
    /// Names of the organisations the lists mention.
    pub organisations: HashMap<Uuid, String>,
    /// Region names by P-code (services and practices name their places).
    pub unit_names: HashMap<String, String>,
    pub computed_at: OffsetDateTime,
}

/// The figures of the last state of the data seen, by audit head.
#[derive(Default)]
pub struct PublicCache {
    latest: Mutex<Option<(i64, Arc<PublicFigures>)>>,
}

/// The figures, or `NotFound` when an administrator switched the page off.
pub async fn figures(app: &App) -> Result<Arc<PublicFigures>, AppError> {
    if !settings::public_page_enabled(app).await? {
        return Err(AppError::NotFound);
    }
    let head = app.db.audit_head().await?;
    let mut latest = app.public.latest.lock().await;
    if let Some((seen, figures)) = latest.as_ref() {
        if *seen == head {
            return Ok(figures.clone());
        }
    }
    let figures = Arc::new(compute(app).await?);
    *latest = Some((head, figures.clone()));
    Ok(figures)
}

/// A count as the disclosure rules take it (tallies are never negative).
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Counts of an indicator per region (every current region, in P-code order), the settlement-unknown
/// remainder last, and the total: the entries of one protected list.
async fn per_region(
    app: &App,
    scoped: &ScopedFilter,
    code: IndicatorCode,
    regions: &[&AdminUnit],
) -> Result<Vec<u64>, AppError> {
    let report = compute_scoped(app, indicators::indicator(code), scoped, Some(Breakdown::Region)).await?;
    let by_key: HashMap<&str, i64> = report.result.rows.iter().map(|r| (r.key.as_str(), r.figure.count)).collect();
    let mut counts: Vec<u64> =
        regions.iter().map(|u| count(by_key.get(u.pcode.as_str()).copied().unwrap_or(0))).collect();
    let known: u64 = counts.iter().sum();
    counts.push(count(report.result.total.count).saturating_sub(known));
    Ok(counts)
}

async fn total(app: &App, scoped: &ScopedFilter, code: IndicatorCode) -> Result<u64, AppError> {
    let report = compute_scoped(app, indicators::indicator(code), scoped, None).await?;
    Ok(count(report.result.total.count))
}

/// A single count published on its own: hidden when small.
fn alone(n: u64) -> Cell {
    protect_list(&[n]).total
}

async fn compute(app: &App) -> Result<PublicFigures, AppError> {
    let units: Vec<AdminUnit> = app.db.admin_units().await?.into_iter().filter(|u| u.current).collect();
    let regions: Vec<&AdminUnit> = units.iter().filter(|u| u.level == 1).collect();
    let scoped = ScopedFilter { filter: IndicatorFilter::default(), forced_organisation: None, units: units.clone() };

    let registered = protect_list(&per_region(app, &scoped, IndicatorCode::ReturneesRegistered, &regions).await?);
    let assisted = protect_list(&per_region(app, &scoped, IndicatorCode::ReturneesAssisted, &regions).await?);
    let region_figures = regions
        .iter()
        .enumerate()
        .map(|(i, u)| RegionFigures {
            pcode: u.pcode.clone(),
            name: u.name.clone(),
            registered: registered.cells[i],
            assisted: assisted.cells[i],
        })
        .collect();

    let sex =
        compute_scoped(app, indicators::indicator(IndicatorCode::ReturneesRegistered), &scoped, Some(Breakdown::Sex))
            .await?;
    let sex_counts: Vec<u64> = sex.result.rows.iter().map(|r| count(r.figure.count)).collect();
    let sex_protected = protect_list(&sex_counts);
    let by_sex = PublishedBreakdown {
        rows: sex.result.rows.iter().map(|r| r.key.clone()).zip(sex_protected.cells).collect(),
        total: sex_protected.total,
    };

    let dimensions = compute_scoped(
        app,
        indicators::indicator(IndicatorCode::ReturneesAssisted),
        &scoped,
        Some(Breakdown::Dimension),
    )
    .await?;
    let assisted_by_dimension =
        dimensions.result.rows.iter().map(|r| (r.key.clone(), alone(count(r.figure.count)))).collect();

    let people_reached = alone(total(app, &scoped, IndicatorCode::InterventionReach).await?);
    let people_trained = alone(total(app, &scoped, IndicatorCode::PeopleTrained).await?);

    let listing = PageRequest { page: 1, per_page: LISTED_AT_MOST, sort: "name", descending: false, search: None };
    let services =
        app.db.catalogue_search(CatalogueVisibility::Published, &CatalogueFilter::default(), &listing).await?.items;
    let practices_page = PageRequest { sort: "updated", descending: true, ..listing.clone() };
    let practices = app
        .db
        .practices(CoordinationReach::PublicAnd(None), Some(PracticeStatus::Published), &practices_page)
        .await?
        .items;

    let mentioned: Vec<Uuid> =
        services.iter().map(|s| s.organisation_id).chain(practices.iter().map(|p| p.organisation_id)).collect();
    let everyone = PageRequest { per_page: 10_000, ..listing };
    let organisations = app
        .db
        .organisations(None, &everyone)
        .await?
        .items
        .into_iter()
        .filter(|o| mentioned.contains(&o.id))
        .map(|o| (o.id, o.name))
        .collect();

    Ok(PublicFigures {
        regions: region_figures,
        registered_unknown_region: registered.cells[regions.len()],
        registered: registered.total,
        assisted_unknown_region: assisted.cells[regions.len()],
        assisted: assisted.total,
        by_sex,
        assisted_by_dimension,
        people_reached,
        people_trained,
        services,
        practices,
        organisations,
        unit_names: units.iter().map(|u| (u.pcode.clone(), u.name.clone())).collect(),
        computed_at: OffsetDateTime::now_utc(),
    })
}
