//! Households, follow-up contact outcomes and the follow-up offsets setting in the API: the same
//! services and rules as the pages.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use cnrm_app::family::{self, FamilyMember, LinkInput};
use cnrm_app::followups::{self, Recorded, TaskView};
use cnrm_app::settings::{self, FollowUpOffsets, OffsetsInput};
use cnrm_domain::contact::OutcomeInput;
use cnrm_store::FamilyLink;
use uuid::Uuid;

use super::problem::{LocalizedApiError, Problem};
use super::{Api, ApiJson};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/family-links", get(family_links).post(add_family_link))
        .route("/cases/{id}/family-links/{link}/remove", post(remove_family_link))
        .route("/cases/{id}/tasks", get(case_tasks))
        .route("/cases/{id}/tasks/{task_id}/outcome", post(record_outcome))
        .route("/settings/follow-up-offsets", get(follow_up_offsets).put(update_follow_up_offsets))
}

type ApiResult<T> = Result<T, LocalizedApiError>;

/// The family members of the case's person; those whose cases the client may not see come with no
/// name, no person, no case and no relation, only the organisations following them.
#[utoipa::path(get, path = "/api/v1/cases/{id}/family-links", tag = "households", security(("bearer" = [])),
    responses((status = 200, body = Vec<FamilyMember>), (status = 404, body = Problem)))]
pub async fn family_links(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<FamilyMember>>> {
    Ok(Json(family::members(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

/// Links the person of another case (by its number, within the client's reach) to the case's person.
#[utoipa::path(post, path = "/api/v1/cases/{id}/family-links", tag = "households", security(("bearer" = [])), request_body = LinkInput,
    responses((status = 201, body = FamilyLink), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem, description = "unknown or out-of-reach case number, the same person, already linked")))]
pub async fn add_family_link(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<LinkInput>,
) -> ApiResult<(StatusCode, Json<FamilyLink>)> {
    Ok((StatusCode::CREATED, Json(family::link(&state.app, &api.actor, id, &input).await.map_err(api.fail())?)))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/family-links/{link}/remove", tag = "households", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_family_link(
    State(state): State<AppState>,
    api: Api,
    Path((id, link)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    family::unlink(&state.app, &api.actor, id, link).await.map_err(api.fail())?;
    Ok(StatusCode::NO_CONTENT)
}

/// The case's tasks, each with the outcome of its follow-up contact once recorded.
#[utoipa::path(get, path = "/api/v1/cases/{id}/tasks", tag = "households", security(("bearer" = [])),
    responses((status = 200, body = Vec<TaskView>), (status = 404, body = Problem)))]
pub async fn case_tasks(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<TaskView>>> {
    Ok(Json(followups::tasks_of_case(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

/// Records what came of a follow-up contact: the task is done; a returnee not reached may be
/// contacted again (`reschedule`, after `reschedule_days`, 14 by default).
#[utoipa::path(post, path = "/api/v1/cases/{id}/tasks/{task_id}/outcome", tag = "households", security(("bearer" = [])), request_body = OutcomeInput,
    responses((status = 201, body = Recorded), (status = 404, body = Problem), (status = 409, body = Problem, description = "already done, or not a follow-up"),
              (status = 422, body = Problem)))]
pub async fn record_outcome(
    State(state): State<AppState>,
    api: Api,
    Path((id, task_id)): Path<(Uuid, Uuid)>,
    ApiJson(input): ApiJson<OutcomeInput>,
) -> ApiResult<(StatusCode, Json<Recorded>)> {
    let recorded = followups::record_outcome(&state.app, &api.actor, id, task_id, &input).await.map_err(api.fail())?;
    Ok((StatusCode::CREATED, Json(recorded)))
}

#[utoipa::path(get, path = "/api/v1/settings/follow-up-offsets", tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = FollowUpOffsets), (status = 403, body = Problem)))]
pub async fn follow_up_offsets(State(state): State<AppState>, api: Api) -> ApiResult<Json<FollowUpOffsets>> {
    Ok(Json(settings::offsets(&state.app, &api.actor).await.map_err(api.fail())?))
}

/// Months after a plan's agreement at which follow-ups are due, for plans agreed from now on.
#[utoipa::path(put, path = "/api/v1/settings/follow-up-offsets", tag = "settings", security(("bearer" = [])), request_body = OffsetsInput,
    responses((status = 200, body = FollowUpOffsets), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn update_follow_up_offsets(
    State(state): State<AppState>,
    api: Api,
    ApiJson(input): ApiJson<OffsetsInput>,
) -> ApiResult<Json<FollowUpOffsets>> {
    Ok(Json(settings::update_offsets(&state.app, &api.actor, &input).await.map_err(api.fail())?))
}
