//! Surveys in the API: a case's survey submissions with their scores (and submitting one), and
//! the questionnaires with their current definition, with the same services and rules as the
//! case's survey tab.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use cnrm_app::surveys::{self, SubmissionView, SurveyInput};
use cnrm_store::{QuestionnaireVersion, SurveySubmission};
use uuid::Uuid;

use super::problem::{LocalizedApiError, Problem};
use super::{Api, ApiJson};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/surveys", get(list_surveys).post(submit_survey))
        .route("/questionnaires", get(list_questionnaires))
        .route("/questionnaires/{code}", get(get_questionnaire))
}

type ApiResult<T> = Result<T, LocalizedApiError>;

#[utoipa::path(get, path = "/api/v1/cases/{id}/surveys", tag = "surveys", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    responses((status = 200, body = Vec<SubmissionView>, description = "The most recently answered first; scores 0–1, `provisional_weights` when the scoring version's weights are provisional"),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_surveys(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<SubmissionView>>> {
    Ok(Json(surveys::submissions(&state.app, &api.actor, id).await.map_err(api.fail())?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/surveys", tag = "surveys", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")), request_body = SurveyInput,
    responses((status = 201, body = SurveySubmission, description = "Validated and scored with the current version of the kind's questionnaire"),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "the case is closed"),
              (status = 422, body = Problem, description = "invalid answers: each named `answers.ITEM`")))]
pub async fn submit_survey(
    State(state): State<AppState>,
    api: Api,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<SurveyInput>,
) -> ApiResult<(StatusCode, Json<SurveySubmission>)> {
    let submission = surveys::submit(&state.app, &api.actor, id, &input).await.map_err(api.fail())?;
    Ok((StatusCode::CREATED, Json(submission)))
}

#[utoipa::path(get, path = "/api/v1/questionnaires", tag = "surveys", security(("bearer" = [])),
    responses((status = 200, body = Vec<QuestionnaireVersion>, description = "The current version of every questionnaire")))]
pub async fn list_questionnaires(
    State(state): State<AppState>,
    api: Api,
) -> ApiResult<Json<Vec<QuestionnaireVersion>>> {
    Ok(Json(surveys::questionnaires(&state.app).await.map_err(api.fail())?))
}

#[utoipa::path(get, path = "/api/v1/questionnaires/{code}", tag = "surveys", security(("bearer" = [])),
    params(("code" = String, Path, description = "The questionnaire's code, e.g. `rss`")),
    responses((status = 200, body = QuestionnaireVersion, description = "The current version, its definition as JSON"),
              (status = 404, body = Problem)))]
pub async fn get_questionnaire(
    State(state): State<AppState>,
    api: Api,
    Path(code): Path<String>,
) -> ApiResult<Json<QuestionnaireVersion>> {
    Ok(Json(surveys::current(&state.app, &code).await.map_err(api.fail())?))
}
