//! Gap and overlap analysis (see `cnrm_domain::gaps`): returnees' needs per admin unit and assistance
//! category against published services and ongoing interventions.
//!
//! Everyone holding `CoordinationRead` (every role, observers included) sees it: it holds counts of
//! returnees per unit and category, never a person. The period limits the interventions taken into
//! account (those whose dates meet it); needs and services are those of today.

use cnrm_domain::gaps::{self, GapMatrix, Period, Unit};
use cnrm_domain::lifecycle::plan::AssistanceType;
use cnrm_domain::person::parse_date;
use cnrm_domain::{FieldErrors, Permission};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::{Actor, App, AppError};

/// The filters as typed (page form or API query string); empty: no filter (the period: today).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct GapQuery {
    /// A region's pcode (`ML01`): its cercles only.
    pub region: String,
    /// One assistance category (a plan's assistance type code).
    pub category: String,
    /// First day of the period (`YYYY-MM-DD`).
    pub from: String,
    /// Last day of the period (`YYYY-MM-DD`).
    pub to: String,
}

/// The matrix with the filters it was built for.
#[derive(Debug, Clone)]
pub struct GapReport {
    pub matrix: GapMatrix,
    pub region: Option<String>,
    pub category: Option<AssistanceType>,
    pub period: Period,
    /// Every region (code, name), for the filter.
    pub regions: Vec<(String, String)>,
}

/// The gap matrix for the filters.
pub async fn matrix(app: &App, actor: &Actor, query: &GapQuery) -> Result<GapReport, AppError> {
    actor.require(Permission::CoordinationRead)?;
    let units: Vec<Unit> = app
        .db
        .admin_units()
        .await?
        .into_iter()
        .filter(|u| u.current)
        .map(|u| Unit { pcode: u.pcode, name: u.name, level: u.level, parent: u.parent_pcode })
        .collect();
    let mut regions: Vec<(String, String)> =
        units.iter().filter(|u| u.level == 1).map(|u| (u.pcode.clone(), u.name.clone())).collect();
    regions.sort();

    let mut errors = FieldErrors::new();
    let region = query.region.trim();
    let region = if region.is_empty() {
        None
    } else {
        errors.check(
            "region",
            regions.iter().find(|(p, _)| p == region).map(|(p, _)| p.clone()).ok_or("error-choose-from-list"),
        )
    };
    let category = query.category.trim();
    let category = if category.is_empty() {
        None
    } else {
        errors.check("category", AssistanceType::parse(category).ok_or("error-choose-from-list"))
    };
    let today = OffsetDateTime::now_utc().date();
    let day = |raw: &str| if raw.trim().is_empty() { Ok(today) } else { parse_date(raw.trim()) };
    let from = errors.check("from", day(&query.from));
    let to = errors.check("to", day(&query.to));
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            errors.add("to", "error-end-before-start");
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let period = Period { from: from.unwrap_or(today), to: to.unwrap_or(today) };
    let (needs, services, interventions) =
        tokio::try_join!(app.db.gap_needs(), app.db.gap_services(), app.db.gap_interventions(period.from, period.to))?;
    let categories: Vec<AssistanceType> = match category {
        Some(c) => vec![c],
        None => AssistanceType::ALL.to_vec(),
    };
    let only = region.clone().map(|r| vec![r]);
    let matrix = gaps::matrix(&units, &categories, only.as_deref(), period, &needs, &services, &interventions);
    Ok(GapReport { matrix, region, category, period, regions })
}

/// Recomputes the needs' counters from the records: maintenance after data was written around the
/// services (bulk SQL seeding, a restore); the services' own writes keep the counters current.
pub async fn rebuild(app: &App, actor: &Actor) -> Result<(), AppError> {
    actor.require(Permission::PlatformConfigure)?;
    let event = actor.event("gaps.rebuild", "gaps", None, serde_json::json!({}));
    app.db.rebuild_gap_needs(&event).await?;
    Ok(())
}
