//! Identity resolution in the API: the data stewards' review queue (pairs, one pair side by side,
//! decisions, splits) and contact requests to another organisation about a possible match.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use cnrm_app::identity::{self, CandidateQuery, CandidateView, ContactRequestInput};
use cnrm_store::{ContactRequest, IdentityCandidate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::problem::{LocalizedApiError, Problem};
use super::{Api, ApiJson};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/identity/candidates", get(list_candidates))
        .route("/identity/candidates/{id}", get(get_candidate))
        .route("/identity/candidates/{id}/decision", post(decide_candidate))
        .route("/identity/links/{id}/split", post(split_link))
        .route("/identity/contact-requests", post(ask_organisation))
}

type ApiResult<T> = Result<T, LocalizedApiError>;

/// A page of the review queue, most probable first.
#[derive(Serialize, ToSchema)]
pub struct CandidatePage {
    pub items: Vec<CandidateView>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A decision on a candidate pair.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct DecisionInput {
    /// `same`, `not_same` or `unsure`.
    pub decision: String,
    /// The pair's version as read.
    pub version: i64,
}

/// The version of a linked pair as read, to undo the link.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SplitInput {
    pub version: i64,
}

#[utoipa::path(get, path = "/api/v1/identity/candidates", tag = "identity", security(("bearer" = [])), params(CandidateQuery),
    responses((status = 200, body = CandidatePage, description = "identity fields of both records only"),
              (status = 403, body = Problem, description = "not a data steward")))]
pub async fn list_candidates(
    State(state): State<AppState>,
    api: Api,
    Query(q): Query<CandidateQuery>,
) -> ApiResult<Json<CandidatePage>> {
    let page = identity::candidates(&state.app, &api.actor, &q).await.map_err(api.fail())?;
    Ok(Json(CandidatePage { items: page.items, total: page.total, page: page.page, per_page: page.per_page }))
}

#[utoipa::path(get, path = "/api/v1/identity/candidates/{id}", tag = "identity", security(("bearer" = [])),
    responses((status = 200, body = CandidateView, description = "both records side by side with the evidence of each field"),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_candidate(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<CandidateView>> {
    Ok(Json(identity::candidate(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/identity/candidates/{id}/decision", tag = "identity", security(("bearer" = [])),
    request_body = DecisionInput,
    responses((status = 200, body = IdentityCandidate, description = "`same` links both records to one master person; `not_same` is never proposed again"),
              (status = 409, body = Problem, description = "already decided (split a link first) or changed since read"),
              (status = 422, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn decide_candidate(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> ApiResult<Json<IdentityCandidate>> {
    let decided =
        identity::decide(&state.app, &api.actor, id, input.version, &input.decision).await.map_err(api.fail())?;
    Ok(Json(decided))
}

#[utoipa::path(post, path = "/api/v1/identity/links/{id}/split", tag = "identity", security(("bearer" = [])),
    request_body = SplitInput,
    responses((status = 200, body = IdentityCandidate, description = "the link (a pair decided `same`) is undone; both records are separate persons again"),
              (status = 409, body = Problem, description = "not a link, or changed since read"),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn split_link(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<SplitInput>,
) -> ApiResult<Json<IdentityCandidate>> {
    Ok(Json(identity::split(&state.app, &api.actor, id, input.version).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/identity/contact-requests", tag = "identity", security(("bearer" = [])),
    request_body = ContactRequestInput,
    responses((status = 201, body = ContactRequest, description = "the receiving organisation sees it in its work queue"),
              (status = 422, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn ask_organisation(
    State(state): State<AppState>,
    api: Api,
    ApiJson(input): ApiJson<ContactRequestInput>,
) -> ApiResult<(StatusCode, Json<ContactRequest>)> {
    Ok((StatusCode::CREATED, Json(identity::ask(&state.app, &api.actor, &input).await.map_err(api.fail())?)))
}
