//! Reintegration plans in the API: the same services and rules as the case page.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use cnrm_app::plans::{self, PlanItemAction, PlanItemInput};
use cnrm_domain::followup::PlanTimeliness;
use cnrm_store::{Plan, PlanFile, PlanItem};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::problem::{LocalizedApiError, Problem};
use super::{Api, ApiJson};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/plan", get(get_plan))
        .route("/cases/{id}/plan/items", post(add_plan_item))
        .route("/cases/{id}/plan/agree", post(agree_plan))
        .route("/cases/{id}/plan/approve", post(approve_plan))
        .route("/cases/{id}/plan/items/{item_id}/actions", post(act_on_plan_item))
}

type ApiResult<T> = Result<T, LocalizedApiError>;

#[derive(Serialize, ToSchema)]
pub struct PlanView {
    /// `null` while no item was planned.
    pub plan: Option<PlanFile>,
    /// Whether the plan was agreed within one month of arrival.
    pub timeliness: PlanTimeliness,
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/plan", tag = "plans", security(("bearer" = [])),
    responses((status = 200, body = PlanView), (status = 404, body = Problem)))]
pub async fn get_plan(State(state): State<AppState>, api: Api, Path(id): Path<Uuid>) -> ApiResult<Json<PlanView>> {
    let (plan, timeliness) = plans::of_case(&state.app, &api.actor, id).await.map_err(api.fail())?;
    Ok(Json(PlanView { plan, timeliness }))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/plan/items", tag = "plans", security(("bearer" = [])), request_body = PlanItemInput,
    responses((status = 201, body = PlanItem), (status = 422, body = Problem), (status = 404, body = Problem)))]
pub async fn add_plan_item(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<PlanItemInput>,
) -> ApiResult<(StatusCode, Json<PlanItem>)> {
    Ok((StatusCode::CREATED, Json(plans::add_item(&state.app, &api.actor, id, &input).await.map_err(api.fail())?)))
}

#[derive(Deserialize, ToSchema)]
pub struct Agreement {
    pub version: i64,
    /// `YYYY-MM-DD`.
    pub agreed_on: String,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/plan/agree", tag = "plans", security(("bearer" = [])), request_body = Agreement,
    responses((status = 200, body = Plan), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn agree_plan(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(a): ApiJson<Agreement>,
) -> ApiResult<Json<Plan>> {
    Ok(Json(plans::agree(&state.app, &api.actor, id, a.version, &a.agreed_on).await.map_err(api.fail())?))
}

#[derive(Deserialize, ToSchema)]
pub struct Approval {
    pub version: i64,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/plan/approve", tag = "plans", security(("bearer" = [])), request_body = Approval,
    responses((status = 200, body = PlanFile), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn approve_plan(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(a): ApiJson<Approval>,
) -> ApiResult<Json<PlanFile>> {
    Ok(Json(plans::approve(&state.app, &api.actor, id, a.version).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/plan/items/{item_id}/actions", tag = "plans", security(("bearer" = [])), request_body = PlanItemAction,
    responses((status = 200, body = PlanItem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act_on_plan_item(
    State(state): State<AppState>,
    api: Api,
    Path((id, item_id)): Path<(Uuid, Uuid)>,
    ApiJson(a): ApiJson<PlanItemAction>,
) -> ApiResult<Json<PlanItem>> {
    Ok(Json(plans::act_on_item(&state.app, &api.actor, id, item_id, &a).await.map_err(api.fail())?))
}
