//! Indicators in the API: the catalogue and one indicator computed for filters, as JSON or, with
//! `?format=csv`, as the same CSV table as the pages' download. The same service as the pages:
//! counts and sums only, never a person.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use cnrm_app::indicators;
use cnrm_app::AppError;
use cnrm_domain::indicators::{FilterKind, Indicator, IndicatorQuery, IndicatorResult};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::problem::{LocalizedApiError, Problem};
use super::Api;
use crate::pages::indicators::{csv_bytes, Format};
use crate::pages::interventions::CSV_MIME;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/indicators", get(list_indicators)).route("/indicators/{code}", get(get_indicator))
}

#[utoipa::path(get, path = "/api/v1/indicators", tag = "indicators", security(("bearer" = [])),
    responses((status = 200, body = [Indicator]), (status = 403, body = Problem)))]
pub async fn list_indicators(api: Api) -> Result<Json<&'static [Indicator]>, LocalizedApiError> {
    Ok(Json(indicators::catalogue(&api.actor).map_err(api.fail())?))
}

/// The output format.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct FormatParam {
    /// `csv` for CSV (columns indicator, breakdown, key, label, value, count, of); JSON otherwise.
    format: Option<String>,
}

/// An indicator computed for filters.
#[derive(Serialize, ToSchema)]
pub struct IndicatorValueJson {
    pub indicator: &'static Indicator,
    /// The filters applied, after the caller's scope (an organisation-scoped caller always gets its
    /// own organisation).
    #[schema(value_type = Object)]
    pub filter: cnrm_domain::indicators::IndicatorFilter,
    /// Filters given that this indicator's records do not carry: not applied.
    pub ignored: Vec<FilterKind>,
    pub result: IndicatorResult,
}

#[utoipa::path(get, path = "/api/v1/indicators/{code}", tag = "indicators", security(("bearer" = [])),
    params(("code" = String, Path, description = "An indicator code of the catalogue"), IndicatorQuery, FormatParam),
    responses((status = 200, body = IndicatorValueJson, description = "JSON, or CSV with `format=csv`"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get_indicator(
    State(state): State<AppState>,
    api: Api,
    Path(code): Path<String>,
    Query(format): Query<Format>,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, LocalizedApiError> {
    let report = indicators::compute(&state.app, &api.actor, &code, &q).await.map_err(api.fail())?;
    if format.format == "csv" {
        let units = state.app.db.admin_units().await.map_err(|e| LocalizedApiError(e.into(), api.tr))?;
        let bytes = csv_bytes(&state, api.tr, &report, &units).await.map_err(|_| {
            LocalizedApiError(AppError::Internal("the indicator's CSV could not be written".into()), api.tr)
        })?;
        let mut response = bytes.into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CSV_MIME));
        return Ok(response);
    }
    Ok(Json(IndicatorValueJson {
        indicator: report.indicator,
        filter: report.filter,
        ignored: report.ignored,
        result: report.result,
    })
    .into_response())
}
