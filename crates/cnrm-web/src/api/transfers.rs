//! Transfers in the API: proposing from a case, the lists of each organisation, one transfer as each
//! side sees it (the receiver: only the allow-listed fields), and the actions of each side.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use cnrm_app::transfers::{self, TransferAction, TransferInput, TransferLists, TransferView};
use cnrm_store::Transfer;
use uuid::Uuid;

use super::problem::{LocalizedApiError, Problem};
use super::{Api, ApiJson};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/transfers", post(propose_transfer))
        .route("/transfers", get(list_transfers))
        .route("/transfers/{id}", get(get_transfer))
        .route("/transfers/{id}/action", post(act_on_transfer))
}

type ApiResult<T> = Result<T, LocalizedApiError>;

#[utoipa::path(post, path = "/api/v1/cases/{id}/transfers", tag = "transfers", security(("bearer" = [])), request_body = TransferInput,
    responses((status = 201, body = Transfer),
              (status = 409, body = Problem, description = "consent missing or withdrawn, case closed, a transfer already pending"),
              (status = 403, body = Problem, description = "not a case manager of the case's organisation"),
              (status = 422, body = Problem), (status = 404, body = Problem)))]
pub async fn propose_transfer(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<TransferInput>,
) -> ApiResult<(StatusCode, Json<Transfer>)> {
    Ok((StatusCode::CREATED, Json(transfers::propose(&state.app, &api.actor, id, &input).await.map_err(api.fail())?)))
}

#[utoipa::path(get, path = "/api/v1/transfers", tag = "transfers", security(("bearer" = [])),
    responses((status = 200, body = TransferLists, description = "the caller's organisation's transfers, incoming and outgoing, without personal data"),
              (status = 403, body = Problem)))]
pub async fn list_transfers(State(state): State<AppState>, api: Api) -> ApiResult<Json<TransferLists>> {
    Ok(Json(transfers::lists(&state.app, &api.actor).await.map_err(api.fail())?))
}

#[utoipa::path(get, path = "/api/v1/transfers/{id}", tag = "transfers", security(("bearer" = [])),
    responses((status = 200, body = TransferView, description = "for the receiver, only the allow-listed fields, while the proposal waits and consent holds"),
              (status = 404, body = Problem)))]
pub async fn get_transfer(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<TransferView>> {
    Ok(Json(transfers::get(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/transfers/{id}/action", tag = "transfers", security(("bearer" = [])), request_body = TransferAction,
    responses((status = 200, body = Transfer), (status = 409, body = Problem), (status = 422, body = Problem), (status = 404, body = Problem)))]
pub async fn act_on_transfer(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(action): ApiJson<TransferAction>,
) -> ApiResult<Json<Transfer>> {
    Ok(Json(transfers::act(&state.app, &api.actor, id, &action).await.map_err(api.fail())?))
}
