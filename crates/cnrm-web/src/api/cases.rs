//! Case management in the API: the same services and rules as the pages.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use cnrm_app::cases::{self, CaseQuery, PossibleMatch, Registration, RegistrationOutcome};
use cnrm_domain::audit::AuditEntry;
use cnrm_domain::consent::ConsentInput;
use cnrm_domain::person::{PersonInput, ReturnInput};
use cnrm_store::{CaseFile, CaseRecord, CaseSummary, PersonRecord, StoredConsent};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::problem::{LocalizedApiError, Problem};
use super::{Api, ApiJson};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list_cases).post(register_case))
        .route("/cases/{id}", get(get_case))
        .route("/cases/{id}/timeline", get(case_timeline))
        .route("/cases/{id}/person", put(update_person))
        .route("/cases/{id}/return", put(update_return))
        .route("/cases/{id}/assign", post(assign_case))
        .route("/cases/{id}/close", post(close_case))
        .route("/cases/{id}/reopen", post(reopen_case))
        .route("/cases/{id}/screening", post(screen_case))
        .route("/cases/{id}/consents", post(add_consent))
        .route("/cases/{id}/consents/{consent_id}/withdraw", post(withdraw_consent))
}

type ApiResult<T> = Result<T, LocalizedApiError>;

#[derive(Serialize, ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseSummary>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])), params(CaseQuery),
    responses((status = 200, body = CasePage), (status = 403, body = Problem)))]
pub async fn list_cases(
    State(state): State<AppState>,
    api: Api,
    Query(q): Query<CaseQuery>,
) -> ApiResult<Json<CasePage>> {
    let page = cases::list(&state.app, &api.actor, &q).await.map_err(api.fail())?;
    Ok(Json(CasePage { items: page.items, total: page.total, page: page.page, per_page: page.per_page }))
}

/// Possible existing persons: nothing was saved; send again with `confirm_new_person` or `existing_person_id`.
#[derive(Serialize, ToSchema)]
pub struct PossibleMatches {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub code: String,
    pub detail: String,
    pub matches: Vec<PossibleMatch>,
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])), request_body = Registration,
    responses((status = 201, body = CaseRecord), (status = 409, body = PossibleMatches, description = "possible existing persons; nothing saved"),
              (status = 422, body = Problem), (status = 403, body = Problem)))]
pub async fn register_case(
    State(state): State<AppState>,
    api: Api,
    ApiJson(input): ApiJson<Registration>,
) -> ApiResult<Response> {
    match cases::register(&state.app, &api.actor, &input).await.map_err(api.fail())? {
        RegistrationOutcome::Registered(case) => Ok((StatusCode::CREATED, Json(*case)).into_response()),
        RegistrationOutcome::PossibleMatches(matches) => {
            let body = PossibleMatches {
                kind: "urn:cnrm:problem:possible_matches".into(),
                title: "Conflict".into(),
                status: 409,
                code: "possible_matches".into(),
                detail: api.tr.t("problem-possible-matches"),
                matches,
            };
            Ok((StatusCode::CONFLICT, [(header::CONTENT_TYPE, "application/problem+json")], Json(body)).into_response())
        }
    }
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 404, body = Problem)))]
pub async fn get_case(State(state): State<AppState>, api: Api, Path(id): Path<Uuid>) -> ApiResult<Json<CaseFile>> {
    Ok(Json(cases::get(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/timeline", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<AuditEntry>), (status = 404, body = Problem)))]
pub async fn case_timeline(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    Ok(Json(cases::timeline(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

/// A change to a versioned record: `version` is the one that was read.
#[derive(Deserialize, ToSchema)]
pub struct PersonChange {
    pub version: i64,
    pub person: PersonInput,
}

#[derive(Deserialize, ToSchema)]
pub struct ReturnChange {
    pub version: i64,
    #[serde(rename = "return")]
    pub ret: ReturnInput,
}

#[derive(Deserialize, ToSchema)]
pub struct Assignment {
    pub version: i64,
    /// `null` to unassign.
    pub user_id: Option<Uuid>,
}

#[derive(Deserialize, ToSchema)]
pub struct WithReason {
    pub version: i64,
    /// For closing: a closure reason code; for reopening: free text.
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
pub struct Screening {
    pub version: i64,
    pub vulnerabilities: Vec<String>,
}

#[utoipa::path(put, path = "/api/v1/cases/{id}/person", tag = "cases", security(("bearer" = [])), request_body = PersonChange,
    responses((status = 200, body = PersonRecord), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_person(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(c): ApiJson<PersonChange>,
) -> ApiResult<Json<PersonRecord>> {
    Ok(Json(cases::update_person(&state.app, &api.actor, id, c.version, &c.person).await.map_err(api.fail())?))
}

#[utoipa::path(put, path = "/api/v1/cases/{id}/return", tag = "cases", security(("bearer" = [])), request_body = ReturnChange,
    responses((status = 200, body = CaseRecord), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_return(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(c): ApiJson<ReturnChange>,
) -> ApiResult<Json<CaseRecord>> {
    Ok(Json(cases::update_return(&state.app, &api.actor, id, c.version, &c.ret).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/assign", tag = "cases", security(("bearer" = [])), request_body = Assignment,
    responses((status = 200, body = CaseRecord), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn assign_case(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(a): ApiJson<Assignment>,
) -> ApiResult<Json<CaseRecord>> {
    Ok(Json(cases::assign(&state.app, &api.actor, id, a.version, a.user_id).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/close", tag = "cases", security(("bearer" = [])), request_body = WithReason,
    responses((status = 200, body = CaseRecord), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn close_case(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(r): ApiJson<WithReason>,
) -> ApiResult<Json<CaseRecord>> {
    Ok(Json(cases::close(&state.app, &api.actor, id, r.version, &r.reason).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/reopen", tag = "cases", security(("bearer" = [])), request_body = WithReason,
    responses((status = 200, body = CaseRecord), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reopen_case(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(r): ApiJson<WithReason>,
) -> ApiResult<Json<CaseRecord>> {
    Ok(Json(cases::reopen(&state.app, &api.actor, id, r.version, &r.reason).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/screening", tag = "cases", security(("bearer" = [])), request_body = Screening,
    responses((status = 200, body = CaseRecord), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn screen_case(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(s): ApiJson<Screening>,
) -> ApiResult<Json<CaseRecord>> {
    Ok(Json(cases::screen(&state.app, &api.actor, id, s.version, &s.vulnerabilities).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/consents", tag = "cases", security(("bearer" = [])), request_body = ConsentInput,
    responses((status = 201, body = StoredConsent), (status = 422, body = Problem)))]
pub async fn add_consent(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(c): ApiJson<ConsentInput>,
) -> ApiResult<(StatusCode, Json<StoredConsent>)> {
    Ok((StatusCode::CREATED, Json(cases::add_consent(&state.app, &api.actor, id, &c).await.map_err(api.fail())?)))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/consents/{consent_id}/withdraw", tag = "cases", security(("bearer" = [])),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    api: Api,
    Path((id, consent_id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    cases::withdraw_consent(&state.app, &api.actor, id, consent_id).await.map_err(api.fail())?;
    Ok(StatusCode::NO_CONTENT)
}
