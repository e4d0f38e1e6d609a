//! Interventions (4W) in the API: the same services and rules as the pages, the 4W export as CSV
//! with its HXL row, and the secretariat's validation and locking of reporting quarters.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use cnrm_app::interventions::{self, InterventionQuery, InterventionSummary, InterventionView, PeriodView};
use cnrm_app::AppError;
use cnrm_domain::intervention::{InterventionInput, PeriodAction, ReportInput};
use cnrm_store::{Intervention, InterventionReport, ReportingPeriod};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::problem::{LocalizedApiError, Problem};
use super::{Api, ApiJson};
use crate::pages::interventions::{download, export_table, CSV_MIME};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/interventions", get(list_interventions).post(create_intervention))
        .route("/interventions/export.csv", get(export_interventions))
        .route("/interventions/{id}", get(get_intervention).put(update_intervention))
        .route("/interventions/{id}/reports", post(save_intervention_report))
        .route("/periods", get(list_periods))
        .route("/periods/{period}/validate", post(validate_period))
        .route("/periods/{period}/lock", post(lock_period))
        .route("/periods/{period}/unlock", post(unlock_period))
        .route("/periods/{period}/reopen", post(reopen_period))
}

type ApiResult<T> = Result<T, LocalizedApiError>;

#[derive(Serialize, ToSchema)]
pub struct InterventionPage {
    pub items: Vec<InterventionSummary>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// An intervention's new details, with the version that was read.
#[derive(Deserialize, ToSchema)]
pub struct InterventionUpdate {
    #[serde(flatten)]
    pub intervention: InterventionInput,
    pub version: i64,
}

/// A quarter's report; `version`, when the report exists, is the one that was read.
#[derive(Deserialize, ToSchema)]
pub struct ReportSubmission {
    #[serde(flatten)]
    pub report: ReportInput,
    #[serde(default)]
    pub version: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/interventions", tag = "interventions", security(("bearer" = [])),
    params(InterventionQuery),
    responses((status = 200, body = InterventionPage), (status = 403, body = Problem)))]
pub async fn list_interventions(
    State(state): State<AppState>,
    api: Api,
    Query(q): Query<InterventionQuery>,
) -> ApiResult<Json<InterventionPage>> {
    let page = interventions::list(&state.app, &api.actor, &q).await.map_err(api.fail())?;
    Ok(Json(InterventionPage { items: page.items, total: page.total, page: page.page, per_page: page.per_page }))
}

#[utoipa::path(post, path = "/api/v1/interventions", tag = "interventions", security(("bearer" = [])),
    request_body = InterventionInput,
    responses((status = 201, body = Intervention), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_intervention(
    State(state): State<AppState>,
    api: Api,
    ApiJson(input): ApiJson<InterventionInput>,
) -> ApiResult<(StatusCode, Json<Intervention>)> {
    let created = interventions::create(&state.app, &api.actor, &input).await.map_err(api.fail())?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/interventions/{id}", tag = "interventions", security(("bearer" = [])),
    responses((status = 200, body = InterventionView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_intervention(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<InterventionView>> {
    Ok(Json(interventions::get(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[utoipa::path(put, path = "/api/v1/interventions/{id}", tag = "interventions", security(("bearer" = [])),
    request_body = InterventionUpdate,
    responses((status = 200, body = Intervention), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_intervention(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<InterventionUpdate>,
) -> ApiResult<Json<Intervention>> {
    let updated = interventions::update(&state.app, &api.actor, id, input.version, &input.intervention).await;
    Ok(Json(updated.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/interventions/{id}/reports", tag = "interventions", security(("bearer" = [])),
    request_body = ReportSubmission,
    responses((status = 200, body = InterventionReport), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The quarter is locked, or the report changed meanwhile"),
        (status = 422, body = Problem)))]
pub async fn save_intervention_report(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<ReportSubmission>,
) -> ApiResult<Json<InterventionReport>> {
    let saved = interventions::save_report(&state.app, &api.actor, id, &input.report, input.version).await;
    Ok(Json(saved.map_err(api.fail())?))
}

#[utoipa::path(get, path = "/api/v1/interventions/export.csv", tag = "interventions", security(("bearer" = [])),
    params(InterventionQuery),
    responses((status = 200, content_type = "text/csv", body = String,
        description = "The 4W: a header row, a row of HXL hashtags, then one row per intervention and admin unit"),
        (status = 403, body = Problem)))]
pub async fn export_interventions(
    State(state): State<AppState>,
    api: Api,
    Query(q): Query<InterventionQuery>,
) -> ApiResult<Response> {
    let table = interventions::export(&state.app, &api.actor, &q).await.map_err(api.fail())?;
    let bytes = cnrm_export::to_csv(&export_table(api.tr, table))
        .map_err(|e| LocalizedApiError(AppError::Internal(e.to_string()), api.tr))?;
    Ok(download(bytes, CSV_MIME, "cnrm-4w.csv"))
}

#[utoipa::path(get, path = "/api/v1/periods", tag = "interventions", security(("bearer" = [])),
    responses((status = 200, body = Vec<PeriodView>), (status = 403, body = Problem)))]
pub async fn list_periods(State(state): State<AppState>, api: Api) -> ApiResult<Json<Vec<PeriodView>>> {
    Ok(Json(interventions::periods(&state.app, &api.actor).await.map_err(api.fail())?))
}

async fn act(state: &AppState, api: &Api, period: &str, action: PeriodAction) -> ApiResult<Json<ReportingPeriod>> {
    Ok(Json(interventions::act_on_period(&state.app, &api.actor, period, action).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/periods/{period}/validate", tag = "interventions", security(("bearer" = [])),
    params(("period" = String, Path, description = "A quarter, `2026-Q1`")),
    responses((status = 200, body = ReportingPeriod), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn validate_period(
    State(state): State<AppState>,
    api: Api,
    Path(period): Path<String>,
) -> ApiResult<Json<ReportingPeriod>> {
    act(&state, &api, &period, PeriodAction::Validate).await
}

#[utoipa::path(post, path = "/api/v1/periods/{period}/lock", tag = "interventions", security(("bearer" = [])),
    params(("period" = String, Path, description = "A validated quarter, `2026-Q1`")),
    responses((status = 200, body = ReportingPeriod), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn lock_period(
    State(state): State<AppState>,
    api: Api,
    Path(period): Path<String>,
) -> ApiResult<Json<ReportingPeriod>> {
    act(&state, &api, &period, PeriodAction::Lock).await
}

#[utoipa::path(post, path = "/api/v1/periods/{period}/unlock", tag = "interventions", security(("bearer" = [])),
    params(("period" = String, Path, description = "A locked quarter, `2026-Q1`")),
    responses((status = 200, body = ReportingPeriod), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn unlock_period(
    State(state): State<AppState>,
    api: Api,
    Path(period): Path<String>,
) -> ApiResult<Json<ReportingPeriod>> {
    act(&state, &api, &period, PeriodAction::Unlock).await
}

#[utoipa::path(post, path = "/api/v1/periods/{period}/reopen", tag = "interventions", security(("bearer" = [])),
    params(("period" = String, Path, description = "A validated quarter, `2026-Q1`")),
    responses((status = 200, body = ReportingPeriod), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn reopen_period(
    State(state): State<AppState>,
    api: Api,
    Path(period): Path<String>,
) -> ApiResult<Json<ReportingPeriod>> {
    act(&state, &api, &period, PeriodAction::Reopen).await
}
