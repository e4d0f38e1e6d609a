//! The service catalogue in the API: the same services and rules as the catalogue pages.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use cnrm_app::catalogue::{self, CatalogueQuery, ServiceView, ValidationInput};
use cnrm_domain::paging::{PageQuery, PageRequest};
use cnrm_domain::service::ServiceInput;
use cnrm_store::{CatalogueService, ServiceRevision};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::problem::{LocalizedApiError, Problem};
use super::{Api, ApiJson};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/catalogue", get(list_services).post(create_service))
        .route("/catalogue/{id}", get(get_service).put(update_service))
        .route("/catalogue/{id}/submit", post(submit_service))
        .route("/catalogue/{id}/validate", post(validate_service))
}

type ApiResult<T> = Result<T, LocalizedApiError>;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct CatalogueListQuery {
    /// Assistance type code (the need).
    pub category: String,
    /// P-code of a region or cercle: services covering it, its region, or (a region) its cercles.
    pub unit: String,
    /// Organisation id.
    pub organisation: String,
    /// `draft`, `submitted`, `published` or `returned` (drafts only for their organisation and the
    /// secretariat).
    pub status: String,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CataloguePage {
    /// Revisions visible to the caller: published ones, and those under way the caller may see.
    pub items: Vec<ServiceRevision>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A new service; `organisation_id` only for those writing for several organisations (the secretariat).
#[derive(Deserialize, ToSchema)]
pub struct NewService {
    #[serde(default)]
    pub organisation_id: Option<Uuid>,
    #[serde(flatten)]
    pub service: ServiceInput,
}

/// A service's new description, with the version that was read.
#[derive(Deserialize, ToSchema)]
pub struct ServiceUpdate {
    #[serde(flatten)]
    pub service: ServiceInput,
    /// The version that was read (a missing or older one is refused as stale).
    #[serde(default)]
    pub version: i64,
}

/// The version that was read, to submit.
#[derive(Deserialize, ToSchema)]
pub struct VersionBody {
    #[serde(default)]
    pub version: i64,
}

/// The secretariat's decision (`approve` or `return` with a comment) and the version that was read.
#[derive(Deserialize, ToSchema)]
pub struct ValidationBody {
    #[serde(flatten)]
    pub decision: ValidationInput,
    #[serde(default)]
    pub version: i64,
}

#[utoipa::path(get, path = "/api/v1/catalogue", tag = "catalogue", security(("bearer" = [])), params(CatalogueListQuery),
    responses((status = 200, body = CataloguePage), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_services(
    State(state): State<AppState>,
    api: Api,
    Query(q): Query<CatalogueListQuery>,
) -> ApiResult<Json<CataloguePage>> {
    let request =
        PageRequest::from_query(&PageQuery { page: q.page, per_page: q.per_page, ..Default::default() }, &["name"]);
    let query = CatalogueQuery { category: q.category, unit: q.unit, organisation: q.organisation, status: q.status };
    let page = catalogue::list(&state.app, &api.actor, &query, &request).await.map_err(api.fail())?;
    Ok(Json(CataloguePage { items: page.items, total: page.total, page: page.page, per_page: page.per_page }))
}

#[utoipa::path(post, path = "/api/v1/catalogue", tag = "catalogue", security(("bearer" = [])), request_body = NewService,
    responses((status = 201, body = CatalogueService), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_service(
    State(state): State<AppState>,
    api: Api,
    ApiJson(input): ApiJson<NewService>,
) -> ApiResult<(StatusCode, Json<CatalogueService>)> {
    let created = catalogue::create(&state.app, &api.actor, input.organisation_id, &input.service).await;
    Ok((StatusCode::CREATED, Json(created.map_err(api.fail())?)))
}

#[utoipa::path(get, path = "/api/v1/catalogue/{id}", tag = "catalogue", security(("bearer" = [])),
    responses((status = 200, body = ServiceView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_service(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ServiceView>> {
    Ok(Json(catalogue::get(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[utoipa::path(put, path = "/api/v1/catalogue/{id}", tag = "catalogue", security(("bearer" = [])), request_body = ServiceUpdate,
    responses((status = 200, body = ServiceView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_service(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<ServiceUpdate>,
) -> ApiResult<Json<ServiceView>> {
    let updated = catalogue::update(&state.app, &api.actor, id, input.version, &input.service).await;
    Ok(Json(updated.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/catalogue/{id}/submit", tag = "catalogue", security(("bearer" = [])), request_body = VersionBody,
    responses((status = 200, body = ServiceView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn submit_service(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<VersionBody>,
) -> ApiResult<Json<ServiceView>> {
    Ok(Json(catalogue::submit(&state.app, &api.actor, id, input.version).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/catalogue/{id}/validate", tag = "catalogue", security(("bearer" = [])), request_body = ValidationBody,
    responses((status = 200, body = ServiceView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn validate_service(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<ValidationBody>,
) -> ApiResult<Json<ServiceView>> {
    let validated = catalogue::validate(&state.app, &api.actor, id, input.version, &input.decision).await;
    Ok(Json(validated.map_err(api.fail())?))
}
