//! The periodic CNRM report in the API: the same service and the same files as the pages'
//! `/reports/cnrm.pdf` and `/reports/cnrm.xlsx`, in the caller's language. Aggregates only.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use cnrm_app::{report, AppError};
use cnrm_domain::indicators::IndicatorQuery;
use cnrm_domain::report::{ReportFormat, ReportParams};

use super::problem::{LocalizedApiError, Problem};
use super::Api;
use crate::pages::interventions::download;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/reports/cnrm", get(get_report))
}

#[utoipa::path(get, path = "/api/v1/reports/cnrm", tag = "reports", security(("bearer" = [])),
    params(ReportParams, IndicatorQuery),
    responses(
        (status = 200, content_type = "application/pdf", body = Vec<u8>,
            description = "The periodic report (the dashboard's indicators, charts, map and 4W summary for the period \
            and filters) as PDF (`format=pdf`, the default) or as an XLSX workbook (`format=xlsx`, content type \
            `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`, one sheet per part). Aggregates only."),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn get_report(
    State(state): State<AppState>,
    api: Api,
    Query(params): Query<ReportParams>,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, LocalizedApiError> {
    let report = report::report(&state.app, &api.actor, &params, &q, ReportFormat::Pdf).await.map_err(api.fail())?;
    let internal = |e: String| LocalizedApiError(AppError::Internal(e), api.tr);
    let notice = crate::pages::surveys::provisional_notice(&state, api.tr)
        .await
        .map_err(|_| internal("the questionnaires could not be read".into()))?;
    let file = crate::pages::reports::write(api.tr, &report, notice).map_err(internal)?;
    Ok(download(file.bytes, file.mime, &file.filename))
}
