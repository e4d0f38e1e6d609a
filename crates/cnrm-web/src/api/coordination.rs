//! Coordination in the API: meetings and action points, agreements, trainings, good practices and
//! the data-sharing setting for referrals; the same services and rules as the pages.

use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use cnrm_app::coordination::{
    self as c, AgreementAction, AgreementView, MeetingView, PracticeAction, PracticeView, TrainingView,
};
use cnrm_app::{agreement_documents, AppError};
use cnrm_domain::coordination::{
    ActionPointInput, ActionUpdateInput, AgreementInput, MeetingInput, ParticipantInput, PracticeInput, PracticeStatus,
    TrainingInput,
};
use cnrm_domain::paging::{PageQuery, PageRequest};
use cnrm_store::{
    ActionPoint, Agreement, AgreementDocument, Meeting, Practice, Training, TrainingParticipant, TrainingSummary,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::attachments::{fail, invalid_upload, read_api_upload, FileContent};
use super::problem::{LocalizedApiError, Problem};
use super::{Api, ApiJson};
use crate::context::MAX_MULTIPART_BYTES;
use crate::pages::attachments::stored_file_response;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/meetings", get(list_meetings).post(create_meeting))
        .route("/meetings/{id}", get(get_meeting).put(update_meeting))
        .route("/meetings/{id}/action-points", post(add_action_point))
        .route("/action-points/{id}", put(update_action_point))
        .route("/agreements", get(list_agreements).post(create_agreement))
        .route("/agreements/{id}", get(get_agreement).put(update_agreement))
        .route("/agreements/{id}/action", post(act_on_agreement))
        .route(
            "/agreements/{id}/documents",
            get(list_agreement_documents)
                .post(upload_agreement_document)
                .layer(DefaultBodyLimit::max(MAX_MULTIPART_BYTES)),
        )
        .route("/agreements/{id}/documents/{document_id}/content", get(agreement_document_content))
        .route("/trainings", get(list_trainings).post(create_training))
        .route("/trainings/{id}", get(get_training).put(update_training))
        .route("/trainings/{id}/participants", post(add_participant))
        .route("/trainings/{id}/participants/{participant_id}", put(update_participant).delete(remove_participant))
        .route("/practices", get(list_practices).post(create_practice))
        .route("/practices/{id}", get(get_practice).put(update_practice))
        .route("/practices/{id}/action", post(act_on_practice))
        .route("/settings/referral-data-sharing", get(get_data_sharing).put(put_data_sharing))
}

type ApiResult<T> = Result<T, LocalizedApiError>;

macro_rules! page_type {
    ($name:ident, $item:ty) => {
        /// A page of a coordination list.
        #[derive(Serialize, ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            pub total: i64,
            pub page: i64,
            pub per_page: i64,
        }

        impl From<cnrm_domain::paging::Page<$item>> for $name {
            fn from(p: cnrm_domain::paging::Page<$item>) -> Self {
                $name { items: p.items, total: p.total, page: p.page, per_page: p.per_page }
            }
        }
    };
}

page_type!(MeetingPage, Meeting);
page_type!(AgreementPage, AgreementView);
page_type!(TrainingPage, TrainingSummary);
page_type!(PracticePage, Practice);

fn request(page: Option<i64>, per_page: Option<i64>, sort: &'static str) -> PageRequest {
    PageRequest {
        descending: true,
        ..PageRequest::from_query(&PageQuery { page, per_page, ..Default::default() }, &[sort])
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ListQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// An edit with the version that was read.
#[derive(Deserialize, ToSchema)]
pub struct MeetingUpdate {
    #[serde(flatten)]
    pub meeting: MeetingInput,
    pub version: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct AgreementUpdate {
    #[serde(flatten)]
    pub agreement: AgreementInput,
    pub version: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct TrainingUpdate {
    #[serde(flatten)]
    pub training: TrainingInput,
    pub version: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct ParticipantUpdate {
    #[serde(flatten)]
    pub participant: ParticipantInput,
    pub version: i64,
}

/// The version of the record that was read.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct VersionQuery {
    pub version: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct PracticeUpdate {
    #[serde(flatten)]
    pub practice: PracticeInput,
    pub version: i64,
}

#[utoipa::path(get, path = "/api/v1/meetings", tag = "coordination", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = MeetingPage), (status = 403, body = Problem)))]
pub async fn list_meetings(
    State(state): State<AppState>,
    api: Api,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<MeetingPage>> {
    let page = c::meetings(&state.app, &api.actor, &request(q.page, q.per_page, "held")).await.map_err(api.fail())?;
    Ok(Json(page.into()))
}

#[utoipa::path(post, path = "/api/v1/meetings", tag = "coordination", security(("bearer" = [])), request_body = MeetingInput,
    responses((status = 201, body = Meeting), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_meeting(
    State(state): State<AppState>,
    api: Api,
    ApiJson(input): ApiJson<MeetingInput>,
) -> ApiResult<(StatusCode, Json<Meeting>)> {
    Ok((StatusCode::CREATED, Json(c::create_meeting(&state.app, &api.actor, &input).await.map_err(api.fail())?)))
}

#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "coordination", security(("bearer" = [])),
    responses((status = 200, body = MeetingView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_meeting(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<MeetingView>> {
    Ok(Json(c::meeting(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[utoipa::path(put, path = "/api/v1/meetings/{id}", tag = "coordination", security(("bearer" = [])), request_body = MeetingUpdate,
    responses((status = 200, body = Meeting), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_meeting(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<MeetingUpdate>,
) -> ApiResult<Json<Meeting>> {
    let saved = c::update_meeting(&state.app, &api.actor, id, input.version, &input.meeting).await;
    Ok(Json(saved.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/meetings/{id}/action-points", tag = "coordination", security(("bearer" = [])),
    request_body = ActionPointInput,
    responses((status = 201, body = ActionPoint), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn add_action_point(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<ActionPointInput>,
) -> ApiResult<(StatusCode, Json<ActionPoint>)> {
    let point = c::add_action_point(&state.app, &api.actor, id, &input).await.map_err(api.fail())?;
    Ok((StatusCode::CREATED, Json(point)))
}

/// The owner organisation (or the secretariat) changes an action point's status, with a comment.
#[utoipa::path(put, path = "/api/v1/action-points/{id}", tag = "coordination", security(("bearer" = [])),
    request_body = ActionUpdateInput,
    responses((status = 200, body = ActionPoint), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_action_point(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<ActionUpdateInput>,
) -> ApiResult<Json<ActionPoint>> {
    Ok(Json(c::update_action_point(&state.app, &api.actor, id, &input).await.map_err(api.fail())?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct AgreementQuery {
    /// Only agreements this organisation is a party to.
    pub party: Option<Uuid>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/agreements", tag = "coordination", security(("bearer" = [])), params(AgreementQuery),
    responses((status = 200, body = AgreementPage), (status = 403, body = Problem)))]
pub async fn list_agreements(
    State(state): State<AppState>,
    api: Api,
    Query(q): Query<AgreementQuery>,
) -> ApiResult<Json<AgreementPage>> {
    let page = c::agreements(&state.app, &api.actor, q.party, &request(q.page, q.per_page, "start")).await;
    Ok(Json(page.map_err(api.fail())?.into()))
}

#[utoipa::path(post, path = "/api/v1/agreements", tag = "coordination", security(("bearer" = [])), request_body = AgreementInput,
    responses((status = 201, body = Agreement), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_agreement(
    State(state): State<AppState>,
    api: Api,
    ApiJson(input): ApiJson<AgreementInput>,
) -> ApiResult<(StatusCode, Json<Agreement>)> {
    Ok((StatusCode::CREATED, Json(c::create_agreement(&state.app, &api.actor, &input).await.map_err(api.fail())?)))
}

#[utoipa::path(get, path = "/api/v1/agreements/{id}", tag = "coordination", security(("bearer" = [])),
    responses((status = 200, body = AgreementView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_agreement(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<AgreementView>> {
    Ok(Json(c::agreement(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[utoipa::path(put, path = "/api/v1/agreements/{id}", tag = "coordination", security(("bearer" = [])),
    request_body = AgreementUpdate,
    responses((status = 200, body = Agreement), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_agreement(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<AgreementUpdate>,
) -> ApiResult<Json<Agreement>> {
    let saved = c::update_agreement(&state.app, &api.actor, id, input.version, &input.agreement).await;
    Ok(Json(saved.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/agreements/{id}/action", tag = "coordination", security(("bearer" = [])),
    request_body = AgreementAction,
    responses((status = 200, body = Agreement), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act_on_agreement(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<AgreementAction>,
) -> ApiResult<Json<Agreement>> {
    Ok(Json(c::act_on_agreement(&state.app, &api.actor, id, &input).await.map_err(api.fail())?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct TrainingQuery {
    /// An organisation's training history: run by it or attended by its staff (counts of its staff).
    pub organisation: Option<Uuid>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/trainings", tag = "coordination", security(("bearer" = [])), params(TrainingQuery),
    responses((status = 200, body = TrainingPage), (status = 403, body = Problem)))]
pub async fn list_trainings(
    State(state): State<AppState>,
    api: Api,
    Query(q): Query<TrainingQuery>,
) -> ApiResult<Json<TrainingPage>> {
    let page = c::trainings(&state.app, &api.actor, q.organisation, &request(q.page, q.per_page, "start")).await;
    Ok(Json(page.map_err(api.fail())?.into()))
}

#[utoipa::path(post, path = "/api/v1/trainings", tag = "coordination", security(("bearer" = [])), request_body = TrainingInput,
    responses((status = 201, body = Training), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_training(
    State(state): State<AppState>,
    api: Api,
    ApiJson(input): ApiJson<TrainingInput>,
) -> ApiResult<(StatusCode, Json<Training>)> {
    Ok((StatusCode::CREATED, Json(c::create_training(&state.app, &api.actor, &input).await.map_err(api.fail())?)))
}

#[utoipa::path(get, path = "/api/v1/trainings/{id}", tag = "coordination", security(("bearer" = [])),
    responses((status = 200, body = TrainingView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_training(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<TrainingView>> {
    Ok(Json(c::training(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/trainings/{id}/participants", tag = "coordination", security(("bearer" = [])),
    request_body = ParticipantInput,
    responses((status = 201, body = TrainingParticipant), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn add_participant(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<ParticipantInput>,
) -> ApiResult<(StatusCode, Json<TrainingParticipant>)> {
    let participant = c::add_participant(&state.app, &api.actor, id, &input).await.map_err(api.fail())?;
    Ok((StatusCode::CREATED, Json(participant)))
}

#[utoipa::path(put, path = "/api/v1/trainings/{id}", tag = "coordination", security(("bearer" = [])),
    request_body = TrainingUpdate,
    responses((status = 200, body = Training), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_training(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<TrainingUpdate>,
) -> ApiResult<Json<Training>> {
    let saved = c::update_training(&state.app, &api.actor, id, input.version, &input.training).await;
    Ok(Json(saved.map_err(api.fail())?))
}

#[utoipa::path(put, path = "/api/v1/trainings/{id}/participants/{participant_id}", tag = "coordination",
    security(("bearer" = [])), request_body = ParticipantUpdate,
    responses((status = 200, body = TrainingParticipant), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_participant(
    State(state): State<AppState>,
    api: Api,
    Path((id, participant_id)): Path<(Uuid, Uuid)>,
    ApiJson(input): ApiJson<ParticipantUpdate>,
) -> ApiResult<Json<TrainingParticipant>> {
    let saved =
        c::update_participant(&state.app, &api.actor, id, participant_id, input.version, &input.participant).await;
    Ok(Json(saved.map_err(api.fail())?))
}

/// Removes a participant recorded by mistake (the removal is audited).
#[utoipa::path(delete, path = "/api/v1/trainings/{id}/participants/{participant_id}", tag = "coordination",
    security(("bearer" = [])), params(VersionQuery),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn remove_participant(
    State(state): State<AppState>,
    api: Api,
    Path((id, participant_id)): Path<(Uuid, Uuid)>,
    Query(q): Query<VersionQuery>,
) -> ApiResult<StatusCode> {
    c::remove_participant(&state.app, &api.actor, id, participant_id, q.version).await.map_err(api.fail())?;
    Ok(StatusCode::NO_CONTENT)
}

/// The upload form of an agreement's signed document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AgreementDocumentUpload {
    /// Optional, at most 500 characters.
    pub description: Option<String>,
    /// PDF, JPEG, PNG, WebP, Word, Excel or OpenDocument (decided from the file's bytes), at most 5 MiB.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// An agreement's document versions, the one in force first.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/documents", tag = "coordination", security(("bearer" = [])),
    responses((status = 200, body = Vec<AgreementDocument>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_agreement_documents(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<AgreementDocument>>> {
    let (_, documents) = agreement_documents::of_agreement(&state.app, &api.actor, id).await.map_err(api.fail())?;
    Ok(Json(documents))
}

/// Uploads a new version of the signed document: it replaces the one in force, which is kept.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/documents", tag = "coordination", security(("bearer" = [])),
    request_body(content = AgreementDocumentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = AgreementDocument), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn upload_agreement_document(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    request: Request,
) -> Result<(StatusCode, Json<AgreementDocument>), Response> {
    let tr = api.tr;
    let upload = read_api_upload(request, &state, tr).await?;
    match agreement_documents::add(&state.app, &api.actor, id, &upload).await {
        Ok(stored) => Ok((StatusCode::CREATED, Json(stored))),
        Err(AppError::Invalid(errors)) => Err(invalid_upload(tr, &errors, &upload, None)),
        Err(e) => Err(fail(e, tr)),
    }
}

#[utoipa::path(get, path = "/api/v1/agreements/{id}/documents/{document_id}/content", tag = "coordination",
    security(("bearer" = [])),
    responses((status = 200, description = "The file, with its media type and `Content-Disposition: attachment`",
        body = FileContent, content_type = "application/octet-stream"),
        (status = 404, body = Problem), (status = 500, body = Problem)))]
pub async fn agreement_document_content(
    State(state): State<AppState>,
    api: Api,
    Path((id, document_id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    let file = agreement_documents::download(&state.app, &api.actor, id, document_id).await.map_err(api.fail())?;
    Ok(stored_file_response(&file.document.file_name, file.document.file_type, file.content))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct PracticeQuery {
    /// Only practices in this status (`draft`, `submitted`, `validated`, `published`, `returned`).
    pub status: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/practices", tag = "coordination", security(("bearer" = [])), params(PracticeQuery),
    responses((status = 200, body = PracticePage), (status = 403, body = Problem)))]
pub async fn list_practices(
    State(state): State<AppState>,
    api: Api,
    Query(q): Query<PracticeQuery>,
) -> ApiResult<Json<PracticePage>> {
    let status = q.status.as_deref().and_then(|s| PracticeStatus::parse(s.trim()));
    let page = c::practices(&state.app, &api.actor, status, &request(q.page, q.per_page, "created")).await;
    Ok(Json(page.map_err(api.fail())?.into()))
}

#[utoipa::path(post, path = "/api/v1/practices", tag = "coordination", security(("bearer" = [])), request_body = PracticeInput,
    responses((status = 201, body = Practice), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_practice(
    State(state): State<AppState>,
    api: Api,
    ApiJson(input): ApiJson<PracticeInput>,
) -> ApiResult<(StatusCode, Json<Practice>)> {
    Ok((StatusCode::CREATED, Json(c::create_practice(&state.app, &api.actor, &input).await.map_err(api.fail())?)))
}

#[utoipa::path(get, path = "/api/v1/practices/{id}", tag = "coordination", security(("bearer" = [])),
    responses((status = 200, body = PracticeView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_practice(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<PracticeView>> {
    Ok(Json(c::practice(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[utoipa::path(put, path = "/api/v1/practices/{id}", tag = "coordination", security(("bearer" = [])),
    request_body = PracticeUpdate,
    responses((status = 200, body = Practice), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_practice(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<PracticeUpdate>,
) -> ApiResult<Json<Practice>> {
    let saved = c::update_practice(&state.app, &api.actor, id, input.version, &input.practice).await;
    Ok(Json(saved.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/practices/{id}/action", tag = "coordination", security(("bearer" = [])),
    request_body = PracticeAction,
    responses((status = 200, body = Practice), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act_on_practice(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<PracticeAction>,
) -> ApiResult<Json<Practice>> {
    Ok(Json(c::act_on_practice(&state.app, &api.actor, id, &input).await.map_err(api.fail())?))
}

/// Whether referrals between organisations require a data-sharing agreement in force.
#[derive(Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct DataSharingSetting {
    pub required: bool,
}

#[utoipa::path(get, path = "/api/v1/settings/referral-data-sharing", tag = "coordination", security(("bearer" = [])),
    responses((status = 200, body = DataSharingSetting), (status = 403, body = Problem)))]
pub async fn get_data_sharing(State(state): State<AppState>, api: Api) -> ApiResult<Json<DataSharingSetting>> {
    api.actor.require(cnrm_domain::Permission::PlatformConfigure).map_err(api.fail())?;
    let required = cnrm_app::settings::referrals_require_data_sharing(&state.app).await.map_err(api.fail())?;
    Ok(Json(DataSharingSetting { required }))
}

#[utoipa::path(put, path = "/api/v1/settings/referral-data-sharing", tag = "coordination", security(("bearer" = [])),
    request_body = DataSharingSetting,
    responses((status = 200, body = DataSharingSetting), (status = 403, body = Problem)))]
pub async fn put_data_sharing(
    State(state): State<AppState>,
    api: Api,
    ApiJson(input): ApiJson<DataSharingSetting>,
) -> ApiResult<Json<DataSharingSetting>> {
    let required = cnrm_app::settings::set_referrals_require_data_sharing(&state.app, &api.actor, input.required).await;
    Ok(Json(DataSharingSetting { required: required.map_err(api.fail())? }))
}
