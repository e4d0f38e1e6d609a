//! The gap and overlap matrix in the API: the same service as the `/gaps` page (counts, never a person).

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use cnrm_app::gaps::{self, GapQuery};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::problem::{LocalizedApiError, Problem};
use super::Api;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/gaps", get(get_gaps))
}

/// One unit × category.
#[derive(Serialize, ToSchema)]
pub struct GapCellJson {
    /// Assistance category (a plan's assistance type code).
    pub category: String,
    /// Returnees with an open need (plan item or latest assessment), counted once.
    pub needs: i64,
    /// Published services covering the unit.
    pub services: usize,
    /// Their total monthly capacity (services that did not state one add nothing).
    pub capacity: i64,
    /// Published interventions not completed whose period meets the period asked.
    pub interventions: usize,
    /// `no_need`, `uncovered`, `under_capacity` or `covered`.
    pub status: String,
    /// At least two of those interventions overlap in time in a cercle.
    pub overlap: bool,
}

/// A unit's row.
#[derive(Serialize, ToSchema)]
pub struct GapUnitJson {
    pub pcode: String,
    pub name: String,
    pub cells: Vec<GapCellJson>,
}

/// A region (its row adds up its cercles) and its cercles.
#[derive(Serialize, ToSchema)]
pub struct GapRegionJson {
    #[serde(flatten)]
    pub region: GapUnitJson,
    pub cercles: Vec<GapUnitJson>,
}

/// Interventions of one category overlapping in a cercle.
#[derive(Serialize, ToSchema)]
pub struct GapOverlapJson {
    pub region: String,
    pub cercle: String,
    pub category: String,
    pub interventions: Vec<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct GapMatrixJson {
    #[schema(value_type = String, format = Date)]
    pub from: time::Date,
    #[schema(value_type = String, format = Date)]
    pub to: time::Date,
    pub categories: Vec<String>,
    pub regions: Vec<GapRegionJson>,
    pub overlaps: Vec<GapOverlapJson>,
}

fn unit(row: &cnrm_domain::gaps::UnitRow) -> GapUnitJson {
    GapUnitJson {
        pcode: row.pcode.clone(),
        name: row.name.clone(),
        cells: row
            .cells
            .iter()
            .map(|c| GapCellJson {
                category: c.category.code().into(),
                needs: c.needs,
                services: c.services,
                capacity: c.capacity,
                interventions: c.interventions,
                status: c.coverage.code().into(),
                overlap: c.overlap,
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/gaps", tag = "coordination", security(("bearer" = [])), params(GapQuery),
    responses((status = 200, body = GapMatrixJson), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn get_gaps(
    State(state): State<AppState>,
    api: Api,
    Query(q): Query<GapQuery>,
) -> Result<Json<GapMatrixJson>, LocalizedApiError> {
    let report = gaps::matrix(&state.app, &api.actor, &q).await.map_err(api.fail())?;
    let m = &report.matrix;
    Ok(Json(GapMatrixJson {
        from: report.period.from,
        to: report.period.to,
        categories: m.categories.iter().map(|c| c.code().to_string()).collect(),
        regions: m
            .regions
            .iter()
            .map(|r| GapRegionJson { region: unit(&r.region), cercles: r.cercles.iter().map(unit).collect() })
            .collect(),
        overlaps: m
            .overlaps
            .iter()
            .map(|o| GapOverlapJson {
                region: o.region.clone(),
                cercle: o.cercle.clone(),
                category: o.category.code().into(),
                interventions: o.interventions.clone(),
            })
            .collect(),
    }))
}
