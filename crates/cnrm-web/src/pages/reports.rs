//! `/reports/cnrm` (the periodic CNRM report: a quarter or any period, the dashboard's filters, PDF or
//! XLSX), `/reports/cnrm.pdf` and `/reports/cnrm.xlsx`. The service gathers the figures (the
//! dashboard's) and the 4W summary; this module writes them in the reader's language: a PDF with the
//! indicators table, the charts and the map drawn as vector graphics, or a workbook with one sheet
//! per part. Aggregates only: no name, no case.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use cnrm_app::report::{self, PeriodicReport};
use cnrm_app::AppError;
use cnrm_domain::indicators::{Breakdown, FilterKind, IndicatorCode, IndicatorFilter, IndicatorQuery, ValueUnit};
use cnrm_domain::lifecycle::plan::Dimension;
use cnrm_domain::report::{ReportFormat, ReportParams};
use cnrm_domain::FieldErrors;
use cnrm_store::AdminUnit;

use super::indicators::{filter_form, filter_query, format_of, format_value, key_label, FilterForm};
use super::interventions::{download, XLSX_MIME};
use super::{render_status, Layout};
use crate::context::Auth;
use crate::error::PageError;
use crate::i18n::Tr;
use crate::AppState;

pub const PDF_MIME: &str = "application/pdf";

/// The breakdowns of the dashboard, in the order the report shows them.
const BREAKDOWNS: [Breakdown; 6] =
    [Breakdown::Month, Breakdown::Region, Breakdown::Sex, Breakdown::AgeGroup, Breakdown::Dimension, Breakdown::Stage];

/// A report written: its bytes, content type and file name.
pub struct ReportFile {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
    pub filename: String,
}

#[derive(Template)]
#[template(path = "reports/cnrm.html")]
struct ReportPage {
    l: Layout,
    form: FilterForm,
    quarter: String,
    formats: Vec<(&'static str, String, bool)>,
    errors: FieldErrors,
}

/// The form, or with `format` given, the report itself.
pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<ReportParams>,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, PageError> {
    if params.format.trim().is_empty() {
        auth.actor.require(cnrm_domain::Permission::AggregatesRead).map_err(|e| PageError::App(e, auth.ctx.tr))?;
        return form_page(&state, &auth, &params, &q, FieldErrors::new()).await;
    }
    generate(&state, &auth, &params, &q).await
}

pub async fn pdf(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<ReportParams>,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, PageError> {
    generate(&state, &auth, &ReportParams { format: "pdf".into(), ..params }, &q).await
}

pub async fn xlsx(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<ReportParams>,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, PageError> {
    generate(&state, &auth, &ReportParams { format: "xlsx".into(), ..params }, &q).await
}

async fn generate(
    state: &AppState,
    auth: &Auth,
    params: &ReportParams,
    q: &IndicatorQuery,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    match report::report(&state.app, &auth.actor, params, q, ReportFormat::Pdf).await {
        Ok(report) => {
            let notice = super::surveys::provisional_notice(state, tr).await?;
            let file = write(tr, &report, notice).map_err(|e| {
                tracing::error!(error = %e, "report failed");
                PageError::Internal(tr)
            })?;
            Ok(download(file.bytes, file.mime, &file.filename))
        }
        Err(AppError::Invalid(errors)) => form_page(state, auth, params, q, errors).await,
        Err(e) => Err(PageError::App(e, tr)),
    }
}

async fn form_page(
    state: &AppState,
    auth: &Auth,
    params: &ReportParams,
    q: &IndicatorQuery,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let units: Vec<AdminUnit> = state
        .app
        .db
        .admin_units()
        .await
        .map_err(|e| PageError::App(e.into(), tr))?
        .into_iter()
        .filter(|u| u.current)
        .collect();
    let forced = auth
        .actor
        .principal()
        .organisation_filter(cnrm_domain::Permission::AggregatesRead)
        .map_err(|_| PageError::App(AppError::Forbidden, tr))?;
    let form = filter_form(state, tr, q, &units, forced, "/reports/cnrm".into()).await?;
    let chosen = params.format.trim().to_ascii_lowercase();
    let formats = ReportFormat::ALL
        .iter()
        .map(|f| (f.code(), tr.t(&f.label_key()), chosen == f.code() || (chosen.is_empty() && *f == ReportFormat::Pdf)))
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_status(
        status,
        ReportPage {
            l: Layout::new(&auth.ctx, tr.t("report-title")),
            form,
            quarter: params.quarter.trim().into(),
            formats,
            errors,
        },
    )
}

/// The hidden fields that carry the dashboard's filters to the report form.
pub fn hidden_filters(q: &IndicatorQuery) -> Vec<(String, String)> {
    form_urlencoded::parse(filter_query(q).as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

// ---------------------------------------------------------------------------------------------
// Writing the report.

/// The report in its format.
pub fn write(tr: Tr, report: &PeriodicReport, notice: Option<String>) -> Result<ReportFile, String> {
    let stem = match &report.quarter {
        Some(quarter) => format!("cnrm-rapport-{quarter}"),
        None => "cnrm-rapport".to_string(),
    };
    match report.format {
        ReportFormat::Pdf => Ok(ReportFile {
            bytes: pdf_bytes(tr, report, notice).map_err(|e| e.to_string())?,
            mime: PDF_MIME,
            filename: format!("{stem}.pdf"),
        }),
        ReportFormat::Xlsx => Ok(ReportFile {
            bytes: xlsx_bytes(tr, report, notice).map_err(|e| e.to_string())?,
            mime: XLSX_MIME,
            filename: format!("{stem}.xlsx"),
        }),
    }
}

fn period_text(tr: Tr, filter: &IndicatorFilter) -> String {
    match (filter.from, filter.to) {
        (Some(from), Some(to)) => {
            tr.t_with("report-period-range", &[("from", from.to_string()), ("to", to.to_string())])
        }
        (Some(from), None) => tr.t_with("report-period-from", &[("from", from.to_string())]),
        (None, Some(to)) => tr.t_with("report-period-to", &[("to", to.to_string())]),
        (None, None) => tr.t("report-period-all"),
    }
}

fn title(tr: Tr, report: &PeriodicReport) -> String {
    let period = report.quarter.clone().unwrap_or_else(|| period_text(tr, &report.dashboard.scoped.filter));
    tr.t_with("report-title-period", &[("period", period)])
}

/// The filters applied (other than the period), each "label : value".
fn filter_texts(tr: Tr, report: &PeriodicReport) -> Vec<String> {
    let filter = &report.dashboard.scoped.filter;
    let label = |kind: FilterKind, value: String| format!("{} : {value}", tr.t(&kind.label_key()));
    let mut out = Vec::new();
    if let Some(unit) = &filter.unit {
        let name = report.units().iter().find(|u| &u.pcode == unit).map_or_else(|| unit.clone(), |u| u.name.clone());
        out.push(label(FilterKind::Unit, name));
    }
    if let Some(sex) = filter.sex {
        out.push(label(FilterKind::Sex, tr.t(&sex.label_key())));
    }
    if let Some(age) = filter.age_group {
        out.push(label(FilterKind::AgeGroup, tr.t(&age.label_key())));
    }
    if let Some(kind) = filter.return_type {
        out.push(label(FilterKind::ReturnType, tr.t(&kind.label_key())));
    }
    if let Some(country) = &filter.returned_from {
        out.push(label(FilterKind::ReturnedFrom, country.clone()));
    }
    if let Some(id) = filter.organisation {
        let name = report.organisations.get(&id).cloned().unwrap_or_else(|| id.to_string());
        let forced =
            if report.dashboard.scoped.forced_organisation.is_some() { tr.t("report-forced") } else { String::new() };
        out.push(label(FilterKind::Organisation, format!("{name} {forced}").trim().to_string()));
    }
    if let Some(programme) = &filter.programme {
        out.push(label(FilterKind::Programme, programme.clone()));
    }
    if let Some(flag) = filter.vulnerability {
        out.push(label(FilterKind::Vulnerability, tr.t(&flag.label_key())));
    }
    out
}

fn facts(tr: Tr, report: &PeriodicReport) -> Vec<(String, String)> {
    let filters = filter_texts(tr, report);
    vec![
        (tr.t("report-period"), period_text(tr, &report.dashboard.scoped.filter)),
        (tr.t("report-filters"), if filters.is_empty() { tr.t("report-filters-none") } else { filters.join(" ; ") }),
        (tr.t("report-generated"), report.generated_at.date().to_string()),
    ]
}

/// The dashboard's reports, each indicator once (its first report), for the indicators table.
fn headline(report: &PeriodicReport) -> Vec<&cnrm_app::indicators::IndicatorReport> {
    let mut seen: Vec<IndicatorCode> = Vec::new();
    report
        .dashboard
        .reports
        .iter()
        .filter(|r| {
            let new = !seen.contains(&r.indicator.code);
            seen.push(r.indicator.code);
            new
        })
        .collect()
}

fn has_scores(report: &PeriodicReport) -> bool {
    report.dashboard.reports.iter().any(|r| r.indicator.unit == ValueUnit::Score)
}

fn dimension_label(tr: Tr, d: Dimension) -> String {
    tr.t(&d.label_key())
}

/// Five classes of equal width from 0 to the largest value: (upper bound of each class).
fn class_bounds(max: u64) -> Vec<u64> {
    (1..=5u64).map(|k| (max * k).div_ceil(5)).collect()
}

fn map_block(tr: Tr, report: &PeriodicReport) -> Option<cnrm_pdf::Map> {
    let regional = report.dashboard.reports.iter().find(|r| r.result.breakdown == Some(Breakdown::Region))?;
    let value_of = |code: &str| {
        regional
            .result
            .rows
            .iter()
            .find(|r| r.key == code)
            .and_then(|r| r.figure.value)
            .map(|v| v.max(0.0).round() as u64)
    };
    let max = regional.result.rows.iter().filter_map(|r| r.figure.value).fold(0.0, f64::max).round() as u64;
    let bounds = class_bounds(max);
    let class_of = |v: u64| bounds.iter().position(|b| v <= *b).unwrap_or(4);
    let regions = cnrm_charts::Geography::mali()
        .shapes()
        .iter()
        .map(|shape| {
            let value = value_of(&shape.code);
            let name =
                report.units().iter().find(|u| u.pcode == shape.code).map_or(shape.name.clone(), |u| u.name.clone());
            let shown = value.map_or_else(String::new, |v| cnrm_charts::format_count(v, tr.locale));
            cnrm_pdf::MapRegion {
                path: shape.path.clone(),
                class: value.map(class_of),
                label: format!("{name}\n{shown}").trim().to_string(),
            }
        })
        .collect();
    let mut legend = Vec::new();
    let mut lower = 0;
    for (k, upper) in bounds.iter().enumerate() {
        if *upper >= lower && (k == 0 || bounds[k - 1] != *upper) {
            let text = |n: u64| cnrm_charts::format_count(n, tr.locale);
            legend.push((
                Some(k),
                if lower == *upper { text(lower) } else { format!("{} – {}", text(lower), text(*upper)) },
            ));
        }
        lower = upper + 1;
        if max == 0 {
            break;
        }
    }
    legend.push((None, tr.t("dashboard-map-no-data")));
    Some(cnrm_pdf::Map {
        title: tr.t("dashboard-map-title"),
        regions,
        legend_title: regional.indicator.title.get(tr.locale).to_string(),
        legend,
    })
}

fn fourw_headers(tr: Tr) -> Vec<String> {
    ["organisation", "region-code", "region", "dimension", "interventions", "targeted", "reached", "budget", "spent"]
        .iter()
        .map(|k| tr.t(&format!("report-col-{k}")))
        .collect()
}

fn pdf_bytes(tr: Tr, report: &PeriodicReport, notice: Option<String>) -> Result<Vec<u8>, cnrm_pdf::PdfError> {
    use cnrm_pdf::{BarChart, BarItem, Block, Column, Table};
    let units = report.units();
    let mut blocks = Vec::new();
    blocks.push(Block::Paragraph(tr.t("report-aggregates")));
    if let (Some(notice), true) = (&notice, has_scores(report)) {
        blocks.push(Block::Notice(notice.clone()));
    }
    blocks.push(Block::Heading(tr.t("report-indicators")));
    let column = |key: &str, width: f32, right: bool| Column { header: tr.t(key), width, right };
    blocks.push(Block::Table(Table {
        columns: vec![
            column("report-col-indicator", 5.0, false),
            column("report-col-value", 2.0, true),
            column("report-col-detail", 3.0, false),
        ],
        rows: headline(report)
            .iter()
            .map(|r| {
                vec![
                    r.indicator.title.get(tr.locale).to_string(),
                    format_value(tr, r.indicator.unit, r.result.total.value),
                    format_of(tr, r.indicator, &r.result.total),
                ]
            })
            .collect(),
        total_row: false,
    }));
    if let Some(map) = map_block(tr, report) {
        blocks.push(Block::Heading(tr.t("report-map")));
        blocks.push(Block::Map(map));
    }
    blocks.push(Block::Heading(tr.t("report-charts")));
    for r in &report.dashboard.reports {
        let Some(breakdown) = r.result.breakdown else { continue };
        if r.indicator.unit == ValueUnit::Share {
            continue;
        }
        blocks.push(Block::Bars(BarChart {
            title: format!("{} — {}", r.indicator.title.get(tr.locale), tr.t(&breakdown.label_key())),
            bars: r
                .result
                .rows
                .iter()
                .map(|row| BarItem {
                    label: key_label(tr, Some(breakdown), &row.key, units),
                    value: row.figure.value.unwrap_or(0.0),
                    text: format_value(tr, r.indicator.unit, row.figure.value),
                })
                .collect(),
            empty: tr.t("indicator-chart-empty"),
        }));
    }
    blocks.push(Block::Heading(tr.t("report-fourw")));
    blocks.push(Block::Paragraph(tr.t("report-fourw-intro")));
    if report.fourw.lines.is_empty() {
        blocks.push(Block::Paragraph(tr.t("report-fourw-none")));
    } else {
        let count = |n: i64| cnrm_charts::format_count(n.max(0) as u64, tr.locale);
        let headers = fourw_headers(tr);
        let widths = [34.0, 0.0, 20.0, 22.0, 13.0, 15.0, 15.0, 25.5, 25.5];
        let columns = headers
            .into_iter()
            .zip(widths)
            .enumerate()
            .filter(|(i, _)| *i != 1)
            .map(|(i, (header, width))| Column { header, width, right: i >= 4 })
            .collect();
        let mut rows: Vec<Vec<String>> = report
            .fourw
            .lines
            .iter()
            .map(|l| {
                vec![
                    l.organisation.clone(),
                    l.region.clone(),
                    dimension_label(tr, l.dimension),
                    count(l.interventions),
                    count(l.targeted),
                    count(l.reached),
                    count(l.budget_xof),
                    count(l.spent_xof),
                ]
            })
            .collect();
        let f = &report.fourw;
        rows.push(vec![
            tr.t("report-total"),
            String::new(),
            String::new(),
            count(f.interventions),
            count(f.targeted),
            count(f.reached),
            count(f.budget_xof),
            count(f.spent_xof),
        ]);
        blocks.push(Block::Table(Table { columns, rows, total_row: true }));
    }
    cnrm_pdf::render_report(&cnrm_pdf::Report {
        title: title(tr, report),
        facts: facts(tr, report),
        blocks,
        footer: tr.t("report-footer"),
    })
}

/// A sheet name a spreadsheet accepts (at most 31 characters, none of `[]:*?/\`).
fn sheet_name(name: &str) -> String {
    name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect()
}

fn xlsx_bytes(tr: Tr, report: &PeriodicReport, notice: Option<String>) -> Result<Vec<u8>, cnrm_export::ExportError> {
    use cnrm_export::{Sheet, Value};
    let units = report.units();
    let number = |v: Option<f64>| v.map_or(Value::Empty, Value::Number);
    let of = |v: Option<i64>| v.map_or(Value::Empty, |n| Value::Number(n as f64));
    let mut notes = vec![title(tr, report)];
    notes.extend(facts(tr, report).into_iter().map(|(label, value)| format!("{label} : {value}")));
    notes.push(tr.t("report-aggregates"));
    let score_notice = notice.filter(|_| has_scores(report));
    notes.extend(score_notice.clone());
    let mut sheets = vec![Sheet {
        name: sheet_name(&tr.t("report-sheet-indicators")),
        notes,
        headers: ["code", "indicator", "unit", "value", "count", "of"]
            .iter()
            .map(|k| tr.t(&format!("report-col-{k}")))
            .collect(),
        rows: headline(report)
            .iter()
            .map(|r| {
                vec![
                    Value::Text(r.indicator.code.code().into()),
                    Value::Text(r.indicator.title.get(tr.locale).into()),
                    Value::Text(tr.t(&r.indicator.unit.label_key())),
                    number(r.result.total.value),
                    Value::Number(r.result.total.count as f64),
                    of(r.result.total.of),
                ]
            })
            .collect(),
    }];
    for breakdown in BREAKDOWNS {
        let reports: Vec<_> =
            report.dashboard.reports.iter().filter(|r| r.result.breakdown == Some(breakdown)).collect();
        if reports.is_empty() {
            continue;
        }
        let mut notes = vec![format!("{} — {}", title(tr, report), tr.t(&breakdown.label_key()))];
        if reports.iter().any(|r| r.indicator.unit == ValueUnit::Score) {
            notes.extend(score_notice.clone());
        }
        sheets.push(Sheet {
            name: sheet_name(&tr.t(&breakdown.label_key())),
            notes,
            headers: ["code", "indicator", "key", "label", "value", "count", "of"]
                .iter()
                .map(|k| tr.t(&format!("report-col-{k}")))
                .collect(),
            rows: reports
                .iter()
                .flat_map(|r| {
                    r.result.rows.iter().map(move |row| {
                        vec![
                            Value::Text(r.indicator.code.code().into()),
                            Value::Text(r.indicator.title.get(tr.locale).into()),
                            Value::Text(row.key.clone()),
                            Value::Text(key_label(tr, Some(breakdown), &row.key, units)),
                            number(row.figure.value),
                            Value::Number(row.figure.count as f64),
                            of(row.figure.of),
                        ]
                    })
                })
                .collect(),
        });
    }
    let count = |n: i64| Value::Number(n as f64);
    let f = &report.fourw;
    let mut rows: Vec<Vec<Value>> = f
        .lines
        .iter()
        .map(|l| {
            vec![
                Value::Text(l.organisation.clone()),
                Value::Text(l.region_pcode.clone()),
                Value::Text(l.region.clone()),
                Value::Text(dimension_label(tr, l.dimension)),
                count(l.interventions),
                count(l.targeted),
                count(l.reached),
                count(l.budget_xof),
                count(l.spent_xof),
            ]
        })
        .collect();
    rows.push(vec![
        Value::Text(tr.t("report-total")),
        Value::Empty,
        Value::Empty,
        Value::Empty,
        count(f.interventions),
        count(f.targeted),
        count(f.reached),
        count(f.budget_xof),
        count(f.spent_xof),
    ]);
    sheets.push(Sheet {
        name: sheet_name(&tr.t("report-sheet-fourw")),
        notes: vec![format!("{} — {}", title(tr, report), tr.t("report-fourw")), tr.t("report-fourw-intro")],
        headers: fourw_headers(tr),
        rows,
    });
    cnrm_export::sheets_to_xlsx(&sheets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_classes_cover_zero_to_the_largest_value() {
        assert_eq!(class_bounds(10), vec![2, 4, 6, 8, 10]);
        assert_eq!(class_bounds(3), vec![1, 2, 2, 3, 3]);
        assert_eq!(class_bounds(0), vec![0, 0, 0, 0, 0]);
        assert_eq!(sheet_name("Ventilation: par [région]/mois et bien plus encore"), "Ventilation par régionmois et b");
    }
}
