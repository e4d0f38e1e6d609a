//! Referrals in the API: sending from a case, and what the receiving organisation sees and does.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use cnrm_app::referrals::{self, ReceivedReferral, ReferralAction, ReferralInput};
use cnrm_domain::lifecycle::referral::ReferralStatus;
use cnrm_domain::paging::{PageQuery, PageRequest};
use cnrm_store::Referral;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::problem::{LocalizedApiError, Problem};
use super::{Api, ApiJson};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/referrals", get(case_referrals).post(send_referral))
        .route("/referrals", get(incoming_referrals))
        .route("/referrals/{id}", get(received_referral))
        .route("/referrals/{id}/actions", post(act_on_referral))
}

type ApiResult<T> = Result<T, LocalizedApiError>;

#[utoipa::path(post, path = "/api/v1/cases/{id}/referrals", tag = "referrals", security(("bearer" = [])), request_body = ReferralInput,
    responses((status = 201, body = Referral), (status = 409, body = Problem, description = "consent missing or withdrawn"),
              (status = 422, body = Problem), (status = 404, body = Problem)))]
pub async fn send_referral(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<ReferralInput>,
) -> ApiResult<(StatusCode, Json<Referral>)> {
    Ok((StatusCode::CREATED, Json(referrals::send(&state.app, &api.actor, id, &input).await.map_err(api.fail())?)))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/referrals", tag = "referrals", security(("bearer" = [])),
    responses((status = 200, body = Vec<Referral>), (status = 404, body = Problem)))]
pub async fn case_referrals(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<Referral>>> {
    Ok(Json(referrals::of_case(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[derive(Deserialize, IntoParams)]
pub struct IncomingQuery {
    pub status: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ReferralPage {
    pub items: Vec<Referral>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[utoipa::path(get, path = "/api/v1/referrals", tag = "referrals", security(("bearer" = [])), params(IncomingQuery),
    responses((status = 200, body = ReferralPage, description = "referrals received by the caller's organisation, without personal data"),
              (status = 403, body = Problem)))]
pub async fn incoming_referrals(
    State(state): State<AppState>,
    api: Api,
    Query(q): Query<IncomingQuery>,
) -> ApiResult<Json<ReferralPage>> {
    let page =
        PageRequest::from_query(&PageQuery { page: q.page, per_page: q.per_page, ..Default::default() }, &["sent"]);
    let status = q.status.as_deref().and_then(ReferralStatus::parse);
    let found = referrals::incoming(&state.app, &api.actor, status, &page).await.map_err(api.fail())?;
    Ok(Json(ReferralPage { items: found.items, total: found.total, page: found.page, per_page: found.per_page }))
}

#[utoipa::path(get, path = "/api/v1/referrals/{id}", tag = "referrals", security(("bearer" = [])),
    responses((status = 200, body = ReceivedReferral, description = "only the allow-listed fields, while consent holds"),
              (status = 404, body = Problem)))]
pub async fn received_referral(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ReceivedReferral>> {
    Ok(Json(referrals::received(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/referrals/{id}/actions", tag = "referrals", security(("bearer" = [])), request_body = ReferralAction,
    responses((status = 200, body = Referral), (status = 409, body = Problem), (status = 422, body = Problem), (status = 404, body = Problem)))]
pub async fn act_on_referral(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(action): ApiJson<ReferralAction>,
) -> ApiResult<Json<Referral>> {
    Ok(Json(referrals::act(&state.app, &api.actor, id, &action).await.map_err(api.fail())?))
}
