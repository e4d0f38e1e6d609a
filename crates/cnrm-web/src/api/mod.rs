//! The JSON API under `/api/v1`, authenticated by per-user bearer tokens, described by an
//! OpenAPI 3.1 document generated from these handlers (`/api/v1/openapi.json`).

pub mod attachments;
pub mod cases;
pub mod catalogue;
pub mod coordination;
pub mod counselling;
pub mod exports;
pub mod gaps;
pub mod household;
pub mod identity;
pub mod indicators;
pub mod interventions;
pub mod plans;
pub mod problem;
pub mod projects;
pub mod referrals;
pub mod reports;
pub mod surveys;
pub mod transfers;

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use cnrm_app::users::UserUpdate;
use cnrm_app::{auth, organisations, users, Actor, AppError};
use cnrm_domain::audit::AuditEntry;
use cnrm_domain::organisation::OrganisationInput;
use cnrm_domain::paging::{PageQuery, PageRequest};
use cnrm_domain::user::UserInput;
use cnrm_domain::{Locale, Permission, Role, Scope};
use cnrm_store::{AdminUnit, AuditFilter, Organisation, User};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use uuid::Uuid;

use crate::context::client_ip;
use crate::i18n::Tr;
use crate::AppState;
use problem::{LocalizedApiError, Problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/me", get(me))
        .route("/work", get(work_queue))
        .route("/organisations", get(list_organisations).post(create_organisation))
        .route("/organisations/{id}", get(get_organisation).put(update_organisation))
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}", get(get_user).put(update_user))
        .route("/audit", get(list_audit))
        .route("/admin-units", get(admin_units))
        .route("/roles", get(roles))
        .merge(cases::router())
        .merge(exports::router())
        .merge(catalogue::router())
        .merge(gaps::router())
        .merge(indicators::router())
        .merge(referrals::router())
        .merge(reports::router())
        .merge(transfers::router())
        .merge(plans::router())
        .merge(projects::router())
        .merge(interventions::router())
        .merge(coordination::router())
        .merge(counselling::router())
        .merge(surveys::router())
        .merge(attachments::router())
        .merge(household::router())
        .merge(identity::router())
        .fallback(|| async { LocalizedApiError(AppError::NotFound, Tr::new(Locale::En)) })
}

/// Audits refused API calls, as the pages do.
pub async fn log_api_denials(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let bearer = bearer(request.headers()).map(str::to_string);
    let ip =
        request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip().to_string());
    let response = next.run(request).await;
    if response.status() == StatusCode::FORBIDDEN {
        let actor = match bearer {
            Some(secret) => auth::api_actor(&state.app, &secret, ip).await.ok(),
            None => None,
        };
        crate::context::log_denial(&state, actor, &path).await;
    }
    response
}

fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// An API client: the token's user, the language for messages.
pub struct Api {
    pub actor: Actor,
    pub tr: Tr,
}

impl Api {
    pub fn fail(&self) -> impl Fn(AppError) -> LocalizedApiError + '_ {
        move |e| LocalizedApiError(e, self.tr)
    }
}

fn header_locale(parts: &Parts) -> Option<Locale> {
    parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Locale::first_accepted)
}

impl FromRequestParts<AppState> for Api {
    type Rejection = LocalizedApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let requested = header_locale(parts);
        let tr = Tr::new(requested.unwrap_or(Locale::En));
        let secret = bearer(&parts.headers).ok_or(LocalizedApiError(AppError::Unauthenticated, tr))?;
        let ip = client_ip(parts, state.settings.trust_forwarded_for);
        let actor = auth::api_actor(&state.app, secret, Some(ip)).await.map_err(|e| LocalizedApiError(e, tr))?;
        let tr = Tr::new(requested.unwrap_or(actor.user.locale));
        Ok(Api { actor, tr })
    }
}

/// A JSON body whose syntax errors come back as problem documents.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => {
                let body = Problem {
                    kind: "urn:cnrm:problem:invalid_json".into(),
                    title: "Bad Request".into(),
                    status: 400,
                    code: "invalid_json".into(),
                    detail: rejection.body_text(),
                    errors: Vec::new(),
                };
                Err((
                    StatusCode::BAD_REQUEST,
                    [(header::CONTENT_TYPE, "application/problem+json")],
                    serde_json::to_string(&body).unwrap_or_default(),
                )
                    .into_response())
            }
        }
    }
}

/// An account as the API shows it (never its password hash).
#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub team: Option<String>,
    pub locale: Locale,
    pub disabled: bool,
    pub must_change_password: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login_at: Option<OffsetDateTime>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        UserView {
            id: u.id,
            organisation_id: u.organisation_id,
            username: u.username,
            display_name: u.display_name,
            email: u.email,
            role: u.role,
            team: u.team,
            locale: u.locale,
            disabled: u.disabled,
            must_change_password: u.must_change_password,
            created_at: u.created_at,
            last_login_at: u.last_login_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationPage {
    pub items: Vec<Organisation>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<UserView>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A newly created account and its one-time password.
#[derive(Serialize, ToSchema)]
pub struct CreatedUser {
    pub user: UserView,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct RoleGrants {
    pub role: Role,
    pub grants: Vec<Grant>,
}

#[derive(Serialize, ToSchema)]
pub struct Grant {
    pub permission: Permission,
    pub scope: Scope,
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    /// Actions starting with this text, e.g. `login`.
    pub action: Option<String>,
    /// Actor usernames containing this text.
    pub actor: Option<String>,
    pub entity_id: Option<String>,
}

type ApiResult<T> = Result<T, LocalizedApiError>;

#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = Problem)))]
async fn me(api: Api) -> Json<UserView> {
    Json(api.actor.user.into())
}

/// What waits for the caller now: the queue of the *Mon travail* page, and the requests about
/// possible duplicates that other organisations sent to the caller's organisation.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct WorkView {
    queue: cnrm_app::work::WorkQueue,
    contact_requests: Vec<cnrm_app::identity::ReceivedRequest>,
}

#[utoipa::path(get, path = "/api/v1/work", tag = "work", security(("bearer" = [])),
    responses((status = 200, body = WorkView), (status = 401, body = Problem)))]
async fn work_queue(State(state): State<AppState>, api: Api) -> ApiResult<Json<WorkView>> {
    let queue = cnrm_app::work::queue(&state.app, &api.actor).await.map_err(api.fail())?;
    let contact_requests = cnrm_app::identity::received(&state.app, &api.actor, 20).await.map_err(api.fail())?;
    Ok(Json(WorkView { queue, contact_requests }))
}

#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = OrganisationPage), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn list_organisations(
    State(state): State<AppState>,
    api: Api,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<OrganisationPage>> {
    let request = PageRequest::from_query(&q, organisations::SORTABLE);
    let page = organisations::list(&state.app, &api.actor, &request).await.map_err(api.fail())?;
    Ok(Json(OrganisationPage { items: page.items, total: page.total, page: page.page, per_page: page.per_page }))
}

#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", security(("bearer" = [])), request_body = OrganisationInput,
    responses((status = 201, body = Organisation), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_organisation(
    State(state): State<AppState>,
    api: Api,
    ApiJson(input): ApiJson<OrganisationInput>,
) -> ApiResult<(StatusCode, Json<Organisation>)> {
    let org = organisations::create(&state.app, &api.actor, &input).await.map_err(api.fail())?;
    Ok((StatusCode::CREATED, Json(org)))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, body = Organisation), (status = 404, body = Problem)))]
async fn get_organisation(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Organisation>> {
    Ok(Json(organisations::get(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[utoipa::path(put, path = "/api/v1/organisations/{id}", tag = "organisations", security(("bearer" = [])), request_body = OrganisationInput,
    responses((status = 200, body = Organisation), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_organisation(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<OrganisationInput>,
) -> ApiResult<Json<Organisation>> {
    Ok(Json(organisations::update(&state.app, &api.actor, id, &input).await.map_err(api.fail())?))
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = UserPage), (status = 403, body = Problem)))]
async fn list_users(State(state): State<AppState>, api: Api, Query(q): Query<PageQuery>) -> ApiResult<Json<UserPage>> {
    let request = PageRequest::from_query(&q, users::SORTABLE);
    let page = users::list(&state.app, &api.actor, &request).await.map_err(api.fail())?;
    Ok(Json(UserPage {
        items: page.items.into_iter().map(UserView::from).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = UserInput,
    responses((status = 201, body = CreatedUser), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_user(
    State(state): State<AppState>,
    api: Api,
    ApiJson(input): ApiJson<UserInput>,
) -> ApiResult<(StatusCode, Json<CreatedUser>)> {
    let account = users::create(&state.app, &api.actor, &input).await.map_err(api.fail())?;
    Ok((StatusCode::CREATED, Json(CreatedUser { user: account.user.into(), password: account.password })))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 404, body = Problem)))]
async fn get_user(State(state): State<AppState>, api: Api, Path(id): Path<Uuid>) -> ApiResult<Json<UserView>> {
    Ok(Json(users::get(&state.app, &api.actor, id).await.map_err(api.fail())?.into()))
}

#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])), request_body = UserUpdate,
    responses((status = 200, body = UserView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_user(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<UserUpdate>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(users::update(&state.app, &api.actor, id, &input).await.map_err(api.fail())?.into()))
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = Problem)))]
async fn list_audit(
    State(state): State<AppState>,
    api: Api,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    let request = PageRequest {
        descending: true,
        ..PageRequest::from_query(&PageQuery { page: q.page, per_page: q.per_page, ..Default::default() }, &["seq"])
    };
    let filter = AuditFilter { organisation_id: None, action_prefix: q.action, actor: q.actor, entity_id: q.entity_id };
    let page = cnrm_app::audit::list(&state.app, &api.actor, filter, &request).await.map_err(api.fail())?;
    Ok(Json(AuditPage { items: page.items, total: page.total, page: page.page, per_page: page.per_page }))
}

#[utoipa::path(get, path = "/api/v1/admin-units", tag = "reference", security(("bearer" = [])),
    responses((status = 200, body = Vec<AdminUnit>)))]
async fn admin_units(State(state): State<AppState>, api: Api) -> ApiResult<Json<Vec<AdminUnit>>> {
    Ok(Json(state.app.db.admin_units().await.map_err(|e| LocalizedApiError(e.into(), api.tr))?))
}

#[utoipa::path(get, path = "/api/v1/roles", tag = "reference", security(("bearer" = [])),
    responses((status = 200, body = Vec<RoleGrants>)))]
async fn roles(_api: Api) -> Json<Vec<RoleGrants>> {
    Json(
        Role::ALL
            .iter()
            .map(|role| RoleGrants {
                role: *role,
                grants: Permission::ALL
                    .iter()
                    .filter_map(|p| role.scope_of(*p).map(|scope| Grant { permission: *p, scope }))
                    .collect(),
            })
            .collect(),
    )
}

struct BearerSecurity;

impl Modify for BearerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "cnrm API", description = "Coordination of returning migrants' reintegration. Errors are RFC 9457 problem documents with a stable `code`."),
    paths(
        me, work_queue, list_organisations, create_organisation, get_organisation, update_organisation, list_users, create_user,
        get_user, update_user, list_audit, admin_units, roles,
        cases::list_cases, cases::register_case, cases::get_case, cases::case_timeline, cases::update_person,
        cases::update_return, cases::assign_case, cases::close_case, cases::reopen_case, cases::screen_case,
        cases::add_consent, cases::withdraw_consent, exports::export_cases,
        catalogue::list_services, catalogue::create_service, catalogue::get_service, catalogue::update_service,
        catalogue::submit_service, catalogue::validate_service,
        gaps::get_gaps,
        indicators::list_indicators, indicators::get_indicator,
        reports::get_report,
        referrals::send_referral, referrals::case_referrals, referrals::incoming_referrals, referrals::received_referral,
        referrals::act_on_referral,
        transfers::propose_transfer, transfers::list_transfers, transfers::get_transfer, transfers::act_on_transfer,
        plans::get_plan, plans::add_plan_item, plans::agree_plan, plans::approve_plan, plans::act_on_plan_item,
        projects::list_projects, projects::create_project, projects::get_project, projects::update_project,
        projects::add_project_member, projects::remove_project_member, projects::act_on_project,
        interventions::list_interventions, interventions::create_intervention, interventions::get_intervention,
        interventions::update_intervention, interventions::save_intervention_report,
        interventions::export_interventions, interventions::list_periods, interventions::validate_period,
        interventions::lock_period, interventions::unlock_period, interventions::reopen_period,
        counselling::list_sessions, counselling::add_session, counselling::list_needs_assessments,
        counselling::add_needs_assessment, counselling::list_skills_assessments, counselling::add_skills_assessment,
        surveys::list_surveys, surveys::submit_survey, surveys::list_questionnaires, surveys::get_questionnaire,
        attachments::list_attachments, attachments::upload_attachment, attachments::attachment_content,
        attachments::remove_attachment,
        household::family_links, household::add_family_link, household::remove_family_link, household::case_tasks,
        household::record_outcome, household::follow_up_offsets, household::update_follow_up_offsets,
        identity::list_candidates, identity::get_candidate, identity::decide_candidate, identity::split_link,
        identity::ask_organisation,
        coordination::list_meetings, coordination::create_meeting, coordination::get_meeting,
        coordination::update_meeting, coordination::add_action_point, coordination::update_action_point,
        coordination::list_agreements, coordination::create_agreement, coordination::get_agreement,
        coordination::update_agreement, coordination::act_on_agreement, coordination::list_trainings,
        coordination::create_training, coordination::get_training, coordination::add_participant,
        coordination::update_training, coordination::update_participant, coordination::remove_participant,
        coordination::list_agreement_documents, coordination::upload_agreement_document,
        coordination::agreement_document_content,
        coordination::list_practices, coordination::create_practice, coordination::get_practice,
        coordination::update_practice, coordination::act_on_practice, coordination::get_data_sharing,
        coordination::put_data_sharing
    ),
    components(schemas(Problem, problem::ProblemField)),
    modifiers(&BearerSecurity)
)]
pub struct ApiDoc;

async fn openapi_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], ApiDoc::openapi().to_json().unwrap_or_default()).into_response()
}
