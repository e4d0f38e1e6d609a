//! Counselling in the API: sessions, needs and skills assessments of a case, with the same
//! services and rules as the case's counselling page.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use cnrm_app::counselling;
use cnrm_domain::assessment::{NeedsInput, SessionInput, SkillsInput};
use cnrm_store::{CounsellingSession, NeedsAssessment, SkillsAssessment};
use uuid::Uuid;

use super::problem::{LocalizedApiError, Problem};
use super::{Api, ApiJson};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/counselling-sessions", get(list_sessions).post(add_session))
        .route("/cases/{id}/needs-assessments", get(list_needs_assessments).post(add_needs_assessment))
        .route("/cases/{id}/skills-assessments", get(list_skills_assessments).post(add_skills_assessment))
}

type ApiResult<T> = Result<T, LocalizedApiError>;

#[utoipa::path(get, path = "/api/v1/cases/{id}/counselling-sessions", tag = "counselling", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    responses((status = 200, body = Vec<CounsellingSession>, description = "Newest first"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_sessions(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<CounsellingSession>>> {
    Ok(Json(counselling::sessions(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/counselling-sessions", tag = "counselling", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")), request_body = SessionInput,
    responses((status = 201, body = CounsellingSession), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "the case is closed"), (status = 422, body = Problem)))]
pub async fn add_session(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<SessionInput>,
) -> ApiResult<(StatusCode, Json<CounsellingSession>)> {
    let session = counselling::add_session(&state.app, &api.actor, id, &input).await.map_err(api.fail())?;
    Ok((StatusCode::CREATED, Json(session)))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/needs-assessments", tag = "counselling", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    responses((status = 200, body = Vec<NeedsAssessment>, description = "Newest first: the first is the current one"),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_needs_assessments(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<NeedsAssessment>>> {
    Ok(Json(counselling::needs_assessments(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/needs-assessments", tag = "counselling", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")), request_body = NeedsInput,
    responses((status = 201, body = NeedsAssessment), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "the case is closed"), (status = 422, body = Problem)))]
pub async fn add_needs_assessment(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<NeedsInput>,
) -> ApiResult<(StatusCode, Json<NeedsAssessment>)> {
    let assessment = counselling::add_needs_assessment(&state.app, &api.actor, id, &input).await.map_err(api.fail())?;
    Ok((StatusCode::CREATED, Json(assessment)))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/skills-assessments", tag = "counselling", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    responses((status = 200, body = Vec<SkillsAssessment>, description = "Newest first: the first is the current one"),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_skills_assessments(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<SkillsAssessment>>> {
    Ok(Json(counselling::skills_assessments(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/skills-assessments", tag = "counselling", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")), request_body = SkillsInput,
    responses((status = 201, body = SkillsAssessment), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "the case is closed"), (status = 422, body = Problem)))]
pub async fn add_skills_assessment(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<SkillsInput>,
) -> ApiResult<(StatusCode, Json<SkillsAssessment>)> {
    let assessment =
        counselling::add_skills_assessment(&state.app, &api.actor, id, &input).await.map_err(api.fail())?;
    Ok((StatusCode::CREATED, Json(assessment)))
}
