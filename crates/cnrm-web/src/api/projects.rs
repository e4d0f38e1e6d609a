//! Collective projects in the API: the same services and rules as the project pages.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use cnrm_app::projects::{self, MemberInput, ProjectAction, ProjectView};
use cnrm_domain::paging::{PageQuery, PageRequest};
use cnrm_domain::project::{ProjectInput, ProjectStatus};
use cnrm_store::{Project, ProjectSummary};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::problem::{LocalizedApiError, Problem};
use super::{Api, ApiJson};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects", get(list_projects).post(create_project))
        .route("/projects/{id}", get(get_project).put(update_project))
        .route("/projects/{id}/members", post(add_project_member))
        .route("/projects/{id}/members/{case_id}/remove", post(remove_project_member))
        .route("/projects/{id}/action", post(act_on_project))
}

type ApiResult<T> = Result<T, LocalizedApiError>;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ProjectQuery {
    /// Only projects in this status (`planned`, `active`, `completed`, `cancelled`).
    pub status: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ProjectPage {
    pub items: Vec<ProjectSummary>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A project's new details, with the version that was read.
#[derive(Deserialize, ToSchema)]
pub struct ProjectUpdate {
    #[serde(flatten)]
    pub project: ProjectInput,
    pub version: i64,
}

#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", security(("bearer" = [])), params(ProjectQuery),
    responses((status = 200, body = ProjectPage), (status = 403, body = Problem)))]
pub async fn list_projects(
    State(state): State<AppState>,
    api: Api,
    Query(q): Query<ProjectQuery>,
) -> ApiResult<Json<ProjectPage>> {
    let status = q.status.as_deref().and_then(|s| ProjectStatus::parse(s.trim()));
    let request = PageRequest {
        descending: true,
        ..PageRequest::from_query(&PageQuery { page: q.page, per_page: q.per_page, ..Default::default() }, &["created"])
    };
    let page = projects::list(&state.app, &api.actor, status, &request).await.map_err(api.fail())?;
    Ok(Json(ProjectPage { items: page.items, total: page.total, page: page.page, per_page: page.per_page }))
}

#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", security(("bearer" = [])), request_body = ProjectInput,
    responses((status = 201, body = Project), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_project(
    State(state): State<AppState>,
    api: Api,
    ApiJson(input): ApiJson<ProjectInput>,
) -> ApiResult<(StatusCode, Json<Project>)> {
    Ok((StatusCode::CREATED, Json(projects::create(&state.app, &api.actor, &input).await.map_err(api.fail())?)))
}

#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects", security(("bearer" = [])),
    responses((status = 200, body = ProjectView), (status = 404, body = Problem)))]
pub async fn get_project(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ProjectView>> {
    Ok(Json(projects::get(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[utoipa::path(put, path = "/api/v1/projects/{id}", tag = "projects", security(("bearer" = [])), request_body = ProjectUpdate,
    responses((status = 200, body = Project), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_project(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<ProjectUpdate>,
) -> ApiResult<Json<Project>> {
    let project = projects::update(&state.app, &api.actor, id, input.version, &input.project).await;
    Ok(Json(project.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/projects/{id}/members", tag = "projects", security(("bearer" = [])), request_body = MemberInput,
    responses((status = 200, body = ProjectView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_project_member(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<MemberInput>,
) -> ApiResult<Json<ProjectView>> {
    projects::add_member(&state.app, &api.actor, id, &input).await.map_err(api.fail())?;
    Ok(Json(projects::get(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/projects/{id}/members/{case_id}/remove", tag = "projects", security(("bearer" = [])),
    responses((status = 200, body = ProjectView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn remove_project_member(
    State(state): State<AppState>,
    api: Api,
    Path((id, case_id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Json<ProjectView>> {
    projects::remove_member(&state.app, &api.actor, id, case_id).await.map_err(api.fail())?;
    Ok(Json(projects::get(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/projects/{id}/action", tag = "projects", security(("bearer" = [])), request_body = ProjectAction,
    responses((status = 200, body = Project), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act_on_project(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<ProjectAction>,
) -> ApiResult<Json<Project>> {
    Ok(Json(projects::act(&state.app, &api.actor, id, &input).await.map_err(api.fail())?))
}
