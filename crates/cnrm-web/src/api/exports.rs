//! List exports in the API: the case list with a choice of fields, as CSV or XLSX, under the same
//! rules as the page (permission by the fields chosen, the list's scope, one audit entry each).

use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use cnrm_app::cases::CaseQuery;
use cnrm_app::{exports, AppError};

use super::problem::{LocalizedApiError, Problem, ProblemField};
use super::Api;
use crate::i18n::Tr;
use crate::pages::exports::{export_file, read_case_export, CaseExportRequest, ChoiceError, ExportChoice};
use crate::pages::interventions::download;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/cases/export", get(export_cases))
}

/// A refused choice of fields or format: 422, naming what is wrong.
fn choice_problem(e: &ChoiceError, tr: Tr) -> Response {
    let message = e.message(tr);
    let problem = Problem {
        kind: "urn:cnrm:problem:invalid_input".into(),
        title: "Unprocessable Entity".into(),
        status: 422,
        code: "invalid_input".into(),
        detail: message.clone(),
        errors: vec![ProblemField { field: e.field().into(), code: e.code().into(), message }],
    };
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        [(header::CONTENT_TYPE, "application/problem+json")],
        serde_json::to_string(&problem).unwrap_or_default(),
    )
        .into_response()
}

#[utoipa::path(get, path = "/api/v1/cases/export", tag = "cases", security(("bearer" = [])),
    params(CaseQuery, ExportChoice),
    responses(
        (status = 200, content_type = "text/csv", body = String,
            description = "The case list with the chosen fields: a header row (in the account's language), \
                optionally a row of HXL hashtags, then one row per case (`list=cases`) or one row per survey \
                answered by the listed cases, with its scores on 0–1 and whether their weights are provisional \
                (`list=surveys`). `format=xlsx` gives a workbook instead. Text a spreadsheet would take for a \
                formula starts with an apostrophe. Audited."),
        (status = 403, body = Problem,
            description = "The fields need a permission the token's user does not hold (`anonymised_export`, or \
                `personal_data_export` for any personal field)"),
        (status = 409, body = Problem, description = "More than 10,000 cases: narrow the filters"),
        (status = 422, body = Problem, description = "An unknown list or field code, no field, or an unknown format")))]
pub async fn export_cases(State(state): State<AppState>, api: Api, RawQuery(raw): RawQuery) -> Response {
    let CaseExportRequest { list, query, fields, format, hxl } = match read_case_export(raw.as_deref().unwrap_or("")) {
        Ok(request) => request,
        Err(e) => return choice_problem(&e, api.tr),
    };
    let export = match exports::export(&state.app, &api.actor, list, &query, &fields, format).await {
        Ok(export) => export,
        Err(e) => return LocalizedApiError(e, api.tr).into_response(),
    };
    match export_file(api.tr.locale, &export, format, hxl) {
        Ok((bytes, mime, name)) => download(bytes, mime, &name),
        Err(e) => LocalizedApiError(AppError::Internal(e.to_string()), api.tr).into_response(),
    }
}
