//! `/gaps`: the gap and overlap matrix (regions, expandable to their cercles, × assistance categories)
//! and its CSV download with HXL hashtags. Thin: the service builds the matrix.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use cnrm_app::gaps::{self, GapQuery};
use cnrm_app::AppError;
use cnrm_domain::gaps::{Coverage, GapCell, GapMatrix, UnitRow};
use cnrm_domain::lifecycle::plan::AssistanceType;
use cnrm_domain::FieldErrors;

use super::cases::{choices, Choice};
use super::interventions::{download, CSV_MIME};
use super::{render_status, Layout};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::i18n::Tr;
use crate::AppState;

/// The HXL hashtags of the CSV columns, in order.
pub const HXL: [&str; 7] = ["#adm1+code", "#adm2+code", "#sector", "#inneed", "#capacity", "#activity+num", "#status"];

struct CellView {
    class: &'static str,
    status: String,
    needs: i64,
    capacity: i64,
    services: usize,
    interventions: usize,
    overlap: bool,
}

struct UnitView {
    pcode: String,
    name: String,
    cells: Vec<CellView>,
}

struct RegionView {
    unit: UnitView,
    cercles: Vec<UnitView>,
}

struct OverlapView {
    cercle: String,
    category: String,
    interventions: Vec<String>,
}

#[derive(Template)]
#[template(path = "gaps.html")]
struct GapsPage {
    l: Layout,
    regions: Vec<Choice>,
    categories: Vec<Choice>,
    from: String,
    to: String,
    /// The chosen region: its cercles are shown.
    expanded: bool,
    headers: Vec<String>,
    rows: Vec<RegionView>,
    overlaps: Vec<OverlapView>,
    /// The regions coloured by their uncovered needs; clicking one opens its cercles.
    map: String,
    csv_href: String,
    errors: FieldErrors,
}

/// The matrix on the map: each region's needs without any service or intervention (returnee ×
/// category), the same figures as the table's uncovered cells.
fn uncovered_map(tr: Tr, matrix: &GapMatrix, selected: Option<&str>, from: &str, to: &str) -> String {
    let regions: Vec<cnrm_charts::RegionValue> = matrix
        .regions
        .iter()
        .map(|r| cnrm_charts::RegionValue {
            code: r.region.pcode.clone(),
            name: r.region.name.clone(),
            value: cnrm_charts::Cell::Shown(
                r.region
                    .cells
                    .iter()
                    .filter(|c| c.coverage == Coverage::Uncovered)
                    .map(|c| u64::try_from(c.needs).unwrap_or(0))
                    .sum(),
            ),
        })
        .collect();
    cnrm_charts::choropleth(
        cnrm_charts::Geography::mali(),
        &regions,
        selected,
        |pcode| format!("/gaps?region={pcode}&from={from}&to={to}"),
        &cnrm_charts::MapText {
            id: "gaps-map".into(),
            title: tr.t("gaps-map-title"),
            description: tr.t("gaps-map-description"),
            legend: tr.t("gaps-map-legend"),
            no_data: tr.t("gaps-map-no-data"),
        },
        tr.locale,
    )
    .svg
}

fn class(coverage: Coverage) -> &'static str {
    match coverage {
        Coverage::NoNeed => "gap-none",
        Coverage::Uncovered => "gap-uncovered",
        Coverage::UnderCapacity => "gap-under",
        Coverage::Covered => "gap-covered",
    }
}

fn cell(tr: Tr, c: &GapCell) -> CellView {
    CellView {
        class: class(c.coverage),
        status: tr.t(&c.coverage.label_key()),
        needs: c.needs,
        capacity: c.capacity,
        services: c.services,
        interventions: c.interventions,
        overlap: c.overlap,
    }
}

fn unit(tr: Tr, row: &UnitRow) -> UnitView {
    UnitView {
        pcode: row.pcode.clone(),
        name: row.name.clone(),
        cells: row.cells.iter().map(|c| cell(tr, c)).collect(),
    }
}

fn query_string(q: &GapQuery) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("region", q.region.trim())
        .append_pair("category", q.category.trim())
        .append_pair("from", q.from.trim())
        .append_pair("to", q.to.trim())
        .finish()
}

pub async fn page(State(state): State<AppState>, auth: Auth, Query(q): Query<GapQuery>) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let (report, errors) = match gaps::matrix(&state.app, &auth.actor, &q).await {
        Ok(report) => (Some(report), FieldErrors::new()),
        Err(AppError::Invalid(errors)) => (None, errors),
        Err(e) => return Err(PageError::App(e, tr)),
    };
    let regions = match &report {
        Some(r) => r.regions.clone(),
        None => {
            let units = state.app.db.admin_units().await.in_locale(tr)?;
            units.into_iter().filter(|u| u.level == 1 && u.current).map(|u| (u.pcode, u.name)).collect()
        }
    };
    let (headers, rows, overlaps, expanded) = match &report {
        Some(report) => {
            let m = &report.matrix;
            let names: std::collections::HashMap<&str, &str> =
                m.regions.iter().flat_map(|r| r.cercles.iter()).map(|c| (c.pcode.as_str(), c.name.as_str())).collect();
            let expanded = report.region.is_some();
            (
                m.categories.iter().map(|c| tr.t(&c.label_key())).collect(),
                m.regions
                    .iter()
                    .map(|r| RegionView {
                        unit: unit(tr, &r.region),
                        cercles: if expanded { r.cercles.iter().map(|c| unit(tr, c)).collect() } else { Vec::new() },
                    })
                    .collect(),
                m.overlaps
                    .iter()
                    .map(|o| OverlapView {
                        cercle: format!("{} ({})", names.get(o.cercle.as_str()).unwrap_or(&""), o.cercle),
                        category: tr.t(&o.category.label_key()),
                        interventions: o.interventions.iter().map(|i| i.to_string()).collect(),
                    })
                    .collect(),
                expanded,
            )
        }
        None => (Vec::new(), Vec::new(), Vec::new(), false),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let (from, to) = match &report {
        Some(r) if q.from.trim().is_empty() && q.to.trim().is_empty() => {
            (r.period.from.to_string(), r.period.to.to_string())
        }
        _ => (q.from.trim().to_string(), q.to.trim().to_string()),
    };
    let selected = Some(q.region.trim()).filter(|p| !p.is_empty());
    let map = report.as_ref().map(|r| uncovered_map(tr, &r.matrix, selected, &from, &to)).unwrap_or_default();
    render_status(
        status,
        GapsPage {
            l: Layout::new(&auth.ctx, tr.t("gaps-title")),
            regions: regions
                .iter()
                .map(|(code, name)| Choice {
                    code: code.clone(),
                    label: format!("{name} ({code})"),
                    selected: q.region.trim() == code,
                })
                .collect(),
            categories: choices(
                tr,
                &AssistanceType::ALL,
                AssistanceType::code,
                AssistanceType::label_key,
                &[&q.category],
            ),
            from,
            to,
            expanded,
            headers,
            rows,
            overlaps,
            map,
            csv_href: format!("/gaps.csv?{}", query_string(&q)),
            errors,
        },
    )
}

/// The matrix as a table: one row per cercle × category, with HXL hashtags.
pub fn gap_table(tr: Tr, matrix: &GapMatrix) -> cnrm_export::Table {
    use cnrm_export::Cell;
    let headers = [
        "gaps-csv-region",
        "gaps-csv-cercle",
        "gaps-csv-category",
        "gaps-csv-needs",
        "gaps-csv-capacity",
        "gaps-csv-interventions",
        "gaps-csv-status",
    ];
    let mut rows = Vec::new();
    for region in &matrix.regions {
        for cercle in &region.cercles {
            for c in &cercle.cells {
                rows.push(vec![
                    Cell::Text(region.region.pcode.clone()),
                    Cell::Text(cercle.pcode.clone()),
                    Cell::Text(c.category.code().into()),
                    Cell::Number(c.needs),
                    Cell::Number(c.capacity),
                    Cell::Number(c.interventions as i64),
                    Cell::Text(c.status_codes()),
                ]);
            }
        }
    }
    cnrm_export::Table {
        headers: headers.iter().map(|k| tr.t(k)).collect(),
        hxl: Some(HXL.iter().map(|h| h.to_string()).collect()),
        rows,
    }
}

pub async fn csv(State(state): State<AppState>, auth: Auth, Query(q): Query<GapQuery>) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let report = gaps::matrix(&state.app, &auth.actor, &q).await.in_locale(tr)?;
    let bytes = cnrm_export::to_csv(&gap_table(tr, &report.matrix)).map_err(|e| {
        tracing::error!(error = %e, "export failed");
        PageError::Internal(tr)
    })?;
    Ok(download(bytes, CSV_MIME, "cnrm-gaps.csv"))
}
