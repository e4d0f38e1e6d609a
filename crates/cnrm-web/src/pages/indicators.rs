//! `/indicators` (the catalogue), `/indicators/{code}` (an indicator's definition, its value for the
//! filters and its breakdown, `?format=csv` for the table as CSV) and `/dashboard` (the headline
//! indicators with server-drawn SVG charts and a map of the regions; clicking a region filters the
//! dashboard on it). Thin: the service computes, this module only formats in the reader's language.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use cnrm_app::indicators::{self, IndicatorReport};
use cnrm_app::AppError;
use cnrm_domain::indicators::{
    AgeGroup, Breakdown, Figure, FilterKind, Indicator, IndicatorCode, IndicatorQuery, IndicatorResult, ValueUnit,
};
use cnrm_domain::lifecycle::plan::Dimension;
use cnrm_domain::person::{ReturnType, Sex};
use cnrm_domain::vulnerability::VulnerabilityFlag;
use cnrm_domain::{FieldErrors, Locale};
use cnrm_store::AdminUnit;
use serde::Deserialize;

use super::cases::{choices, unit_groups, Choice, UnitGroup};
use super::interventions::{download, CSV_MIME};
use super::{render, render_status, Layout};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::i18n::Tr;
use crate::AppState;

/// A value written for the reader, in the indicator's unit.
pub fn format_value(tr: Tr, unit: ValueUnit, value: Option<f64>) -> String {
    let Some(value) = value else { return tr.t("indicator-no-value") };
    let count = |n: f64| {
        let text = cnrm_charts::format_count(n.abs().round() as u64, tr.locale);
        if n < 0.0 {
            format!("-{text}")
        } else {
            text
        }
    };
    let decimal = |v: f64, places: usize| {
        let text = format!("{v:.places$}");
        match tr.locale {
            Locale::Fr => text.replace('.', ","),
            Locale::En => text,
        }
    };
    match unit {
        ValueUnit::Count => count(value),
        ValueUnit::Xof => format!("{}\u{a0}XOF", count(value)),
        ValueUnit::Share => match tr.locale {
            Locale::Fr => format!("{}\u{a0}%", decimal(value * 100.0, 1)),
            Locale::En => format!("{}%", decimal(value * 100.0, 1)),
        },
        ValueUnit::Days => tr.t_with("indicator-days", &[("days", decimal(value, 1))]),
        ValueUnit::Score => decimal(value, 2),
    }
}

/// The plan, target or denominator written after the value ("sur 12", "of 12"), if any.
pub(crate) fn format_of(tr: Tr, indicator: &Indicator, figure: &Figure) -> String {
    match (indicator.unit, figure.of) {
        (ValueUnit::Share, Some(of)) => tr.t_with(
            "indicator-share-of",
            &[("count", cnrm_charts::format_count(figure.count.max(0) as u64, tr.locale)), ("of", count_text(tr, of))],
        ),
        (ValueUnit::Xof, Some(of)) => {
            tr.t_with("indicator-against", &[("of", format_value(tr, ValueUnit::Xof, Some(of as f64)))])
        }
        (_, Some(of)) => tr.t_with("indicator-against", &[("of", count_text(tr, of))]),
        (ValueUnit::Days | ValueUnit::Score, None) if figure.count > 0 => {
            tr.t_with("indicator-values-behind", &[("count", count_text(tr, figure.count))])
        }
        _ => String::new(),
    }
}

fn count_text(tr: Tr, n: i64) -> String {
    cnrm_charts::format_count(n.max(0) as u64, tr.locale)
}

/// The label of a breakdown key.
pub fn key_label(tr: Tr, breakdown: Option<Breakdown>, key: &str, units: &[AdminUnit]) -> String {
    if key == "unknown" {
        return tr.t("indicator-unknown");
    }
    let label = match breakdown {
        Some(Breakdown::Sex) => Sex::parse(key).map(|s| tr.t(&s.label_key())),
        Some(Breakdown::AgeGroup) => AgeGroup::parse(key).map(|a| tr.t(&a.label_key())),
        Some(Breakdown::Dimension) => Dimension::parse(key).map(|d| tr.t(&d.label_key())),
        Some(Breakdown::Region) => units.iter().find(|u| u.pcode == key).map(|u| u.name.clone()),
        Some(Breakdown::Stage) => Some(tr.t(&format!("indicator-stage-{key}"))),
        _ => None,
    };
    label.unwrap_or_else(|| key.to_string())
}

fn text(tr: Tr, t: cnrm_domain::indicators::Text) -> String {
    t.get(tr.locale).to_string()
}

/// The query string of the filters (without the breakdown), for links that keep them.
pub fn filter_query(q: &IndicatorQuery) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("from", &q.from),
        ("to", &q.to),
        ("region", &q.region),
        ("cercle", &q.cercle),
        ("unit", &q.unit),
        ("sex", &q.sex),
        ("age_group", &q.age_group),
        ("return_type", &q.return_type),
        ("returned_from", &q.returned_from),
        ("organisation", &q.organisation),
        ("programme", &q.programme),
        ("vulnerability", &q.vulnerability),
    ] {
        if !value.trim().is_empty() {
            s.append_pair(name, value.trim());
        }
    }
    s.finish()
}

/// The filter form's controls, the current values selected.
pub struct FilterForm {
    pub from: String,
    pub to: String,
    pub units: Vec<UnitGroup>,
    pub sexes: Vec<Choice>,
    pub age_groups: Vec<Choice>,
    pub return_types: Vec<Choice>,
    pub returned_from: String,
    pub organisations: Vec<Choice>,
    /// The actor's scope restricts every figure to one organisation: no choice.
    pub organisation_forced: Option<String>,
    pub programme: String,
    pub vulnerabilities: Vec<Choice>,
    pub action: String,
}

pub(crate) async fn filter_form(
    state: &AppState,
    tr: Tr,
    q: &IndicatorQuery,
    units: &[AdminUnit],
    forced: Option<uuid::Uuid>,
    action: String,
) -> Result<FilterForm, PageError> {
    let organisations = state.app.db.organisation_names().await.in_locale(tr)?;
    let place = [&q.cercle, &q.unit, &q.region].into_iter().map(|s| s.trim()).find(|s| !s.is_empty()).unwrap_or("");
    Ok(FilterForm {
        from: q.from.trim().into(),
        to: q.to.trim().into(),
        units: unit_groups(tr, units, place),
        sexes: choices(tr, &Sex::ALL, Sex::code, Sex::label_key, &[&q.sex]),
        age_groups: choices(tr, &AgeGroup::ALL, AgeGroup::code, AgeGroup::label_key, &[&q.age_group]),
        return_types: choices(tr, &ReturnType::ALL, ReturnType::code, ReturnType::label_key, &[&q.return_type]),
        returned_from: q.returned_from.trim().into(),
        organisation_forced: forced
            .map(|id| organisations.iter().find(|o| o.id == id).map_or_else(|| id.to_string(), |o| o.name.clone())),
        organisations: organisations
            .iter()
            .map(|o| Choice {
                code: o.id.to_string(),
                label: if o.acronym.is_empty() { o.name.clone() } else { format!("{} ({})", o.name, o.acronym) },
                selected: q.organisation.trim() == o.id.to_string(),
            })
            .collect(),
        programme: q.programme.trim().into(),
        vulnerabilities: choices(
            tr,
            &VulnerabilityFlag::ALL,
            VulnerabilityFlag::code,
            VulnerabilityFlag::label_key,
            &[&q.vulnerability],
        ),
        action,
    })
}

struct CatalogueRow {
    code: &'static str,
    title: String,
    unit: String,
    definition: String,
}

#[derive(Template)]
#[template(path = "indicators/catalogue.html")]
struct CataloguePage {
    l: Layout,
    rows: Vec<CatalogueRow>,
}

pub async fn catalogue(auth: Auth) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let catalogue = indicators::catalogue(&auth.actor).in_locale(tr)?;
    render(CataloguePage {
        l: Layout::new(&auth.ctx, tr.t("indicators-title")),
        rows: catalogue
            .iter()
            .map(|i| CatalogueRow {
                code: i.code.code(),
                title: text(tr, i.title),
                unit: tr.t(&i.unit.label_key()),
                definition: text(tr, i.definition),
            })
            .collect(),
    })
}

struct RowView {
    label: String,
    value: String,
    of: String,
}

#[derive(Template)]
#[template(path = "indicators/detail.html")]
struct DetailPage {
    l: Layout,
    code: &'static str,
    title: String,
    definition: String,
    records: String,
    unit: String,
    applies: Vec<String>,
    ignored: Vec<String>,
    form: FilterForm,
    breakdowns: Vec<Choice>,
    value: String,
    of: String,
    breakdown_title: String,
    rows: Vec<RowView>,
    csv_href: String,
    api_href: String,
    /// Said wherever a score is shown while the weights are provisional.
    provisional: Option<String>,
    errors: FieldErrors,
}

/// `?format=csv` asks for the table as CSV.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Format {
    pub format: String,
}

fn filter_labels(tr: Tr, kinds: &[FilterKind]) -> Vec<String> {
    kinds.iter().map(|k| tr.t(&k.label_key())).collect()
}

pub async fn detail(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    Query(format): Query<Format>,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let indicator = IndicatorCode::parse(&code)
        .map(cnrm_domain::indicators::indicator)
        .ok_or(PageError::App(AppError::NotFound, tr))?;
    if format.format == "csv" {
        let report = indicators::compute(&state.app, &auth.actor, &code, &q).await.in_locale(tr)?;
        let units = state.app.db.admin_units().await.in_locale(tr)?;
        return csv_response(&state, tr, &report, &units).await;
    }
    let (report, errors) = match indicators::compute(&state.app, &auth.actor, &code, &q).await {
        Ok(report) => (Some(report), FieldErrors::new()),
        Err(AppError::Invalid(errors)) => (None, errors),
        Err(e) => return Err(PageError::App(e, tr)),
    };
    let units: Vec<AdminUnit> =
        state.app.db.admin_units().await.in_locale(tr)?.into_iter().filter(|u| u.current).collect();
    let forced = auth
        .actor
        .principal()
        .organisation_filter(cnrm_domain::Permission::AggregatesRead)
        .map_err(|_| PageError::App(AppError::Forbidden, tr))?;
    let form = filter_form(&state, tr, &q, &units, forced, format!("/indicators/{}", indicator.code.code())).await?;
    let chosen = report.as_ref().and_then(|r| r.result.breakdown);
    let mut breakdowns: Vec<Choice> = indicator
        .breakdowns
        .iter()
        .map(|b| Choice { code: b.code().into(), label: tr.t(&b.label_key()), selected: chosen == Some(*b) })
        .collect();
    if !breakdowns.is_empty() {
        breakdowns.push(Choice { code: "none".into(), label: tr.t("breakdown-none"), selected: chosen.is_none() });
    }
    let (value, of, rows) = match &report {
        Some(r) => (
            format_value(tr, indicator.unit, r.result.total.value),
            format_of(tr, indicator, &r.result.total),
            r.result
                .rows
                .iter()
                .map(|row| RowView {
                    label: key_label(tr, r.result.breakdown, &row.key, &units),
                    value: format_value(tr, indicator.unit, row.figure.value),
                    of: format_of(tr, indicator, &row.figure),
                })
                .collect(),
        ),
        None => (String::new(), String::new(), Vec::new()),
    };
    let query = filter_query(&q);
    let by = if q.by.trim().is_empty() { String::new() } else { format!("&by={}", q.by.trim()) };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_status(
        status,
        DetailPage {
            l: Layout::new(&auth.ctx, text(tr, indicator.title)),
            code: indicator.code.code(),
            title: text(tr, indicator.title),
            definition: text(tr, indicator.definition),
            records: text(tr, indicator.records),
            unit: tr.t(&indicator.unit.label_key()),
            applies: filter_labels(tr, indicator.source.filters()),
            ignored: report.as_ref().map(|r| filter_labels(tr, &r.ignored)).unwrap_or_default(),
            form,
            breakdowns,
            value,
            of,
            breakdown_title: chosen.map(|b| tr.t(&b.label_key())).unwrap_or_default(),
            rows,
            csv_href: format!("/indicators/{}?format=csv&{query}{by}", indicator.code.code()),
            api_href: format!("/api/v1/indicators/{}?{query}{by}", indicator.code.code()),
            provisional: match indicator.unit {
                ValueUnit::Score => super::surveys::provisional_notice(&state, tr).await?,
                _ => None,
            },
            errors,
        },
    )
}

/// An indicator's result as a table: the total, then one row per key of the breakdown.
/// The figures of an indicator as a table; `notice` (the provisional-weights one, for scores) fills the
/// last column of every row, so that no copy of a score travels without it.
pub fn result_table(
    tr: Tr,
    indicator: &Indicator,
    result: &IndicatorResult,
    units: &[AdminUnit],
    notice: Option<&str>,
) -> cnrm_export::Table {
    use cnrm_export::Cell;
    let number = |v: Option<f64>| match v {
        Some(v) if indicator.unit == ValueUnit::Count || indicator.unit == ValueUnit::Xof => {
            Cell::Number(v.round() as i64)
        }
        Some(v) => Cell::Text(format!("{v:.4}")),
        None => Cell::Text(String::new()),
    };
    let of = |f: &Figure| f.of.map_or(Cell::Text(String::new()), Cell::Number);
    let breakdown = result.breakdown.map(|b| b.code().to_string()).unwrap_or_default();
    let note = Cell::Text(notice.unwrap_or_default().to_string());
    let mut rows = vec![vec![
        Cell::Text(indicator.code.code().into()),
        Cell::Text(String::new()),
        Cell::Text(String::new()),
        Cell::Text(tr.t("indicator-total")),
        number(result.total.value),
        Cell::Number(result.total.count),
        of(&result.total),
        note.clone(),
    ]];
    for row in &result.rows {
        rows.push(vec![
            Cell::Text(indicator.code.code().into()),
            Cell::Text(breakdown.clone()),
            Cell::Text(row.key.clone()),
            Cell::Text(key_label(tr, result.breakdown, &row.key, units)),
            number(row.figure.value),
            Cell::Number(row.figure.count),
            of(&row.figure),
            note.clone(),
        ]);
    }
    cnrm_export::Table {
        headers: ["indicator", "breakdown", "key", "label", "value", "count", "of", "note"]
            .iter()
            .map(|h| tr.t(&format!("indicator-csv-{h}")))
            .collect(),
        hxl: None,
        rows,
    }
}

/// The CSV of an indicator; a score carries the provisional-weights notice while it applies.
pub async fn csv_bytes(
    state: &AppState,
    tr: Tr,
    report: &IndicatorReport,
    units: &[AdminUnit],
) -> Result<Vec<u8>, PageError> {
    let notice = match report.indicator.unit {
        ValueUnit::Score => super::surveys::provisional_notice(state, tr).await?,
        _ => None,
    };
    cnrm_export::to_csv(&result_table(tr, report.indicator, &report.result, units, notice.as_deref())).map_err(|e| {
        tracing::error!(error = %e, "export failed");
        PageError::Internal(tr)
    })
}

async fn csv_response(
    state: &AppState,
    tr: Tr,
    report: &IndicatorReport,
    units: &[AdminUnit],
) -> Result<Response, PageError> {
    let bytes = csv_bytes(state, tr, report, units).await?;
    Ok(download(bytes, CSV_MIME, &format!("cnrm-{}.csv", report.indicator.code.code())))
}

struct KeyFigure {
    code: &'static str,
    title: String,
    value: String,
    of: String,
}

#[derive(Template)]
#[template(path = "indicators/dashboard.html")]
struct DashboardPage {
    l: Layout,
    heading: String,
    form: FilterForm,
    figures: Vec<KeyFigure>,
    map: String,
    unmapped: Vec<String>,
    charts: Vec<String>,
    /// Said wherever a score is shown while the weights are provisional.
    provisional: Option<String>,
    /// The dashboard has its own breakdowns: the form offers none.
    no_breakdowns: Vec<Choice>,
    errors: FieldErrors,
    /// The dashboard's filters, carried to the periodic report form.
    report_filters: Vec<(String, String)>,
    report_href: String,
}

fn chart_text(tr: Tr, id: &str, title: String, category_key: &str, value_axis: String) -> cnrm_charts::ChartText {
    cnrm_charts::ChartText {
        id: id.into(),
        description: title.clone(),
        title,
        category_axis: tr.t(category_key),
        value_axis,
        empty: tr.t("indicator-chart-empty"),
    }
}

fn cell(value: Option<f64>) -> cnrm_charts::Cell {
    cnrm_charts::Cell::Shown(value.unwrap_or(0.0).max(0.0).round() as u64)
}

/// Bars of a count breakdown (shares and scores are shown in the key figures only).
fn bars(tr: Tr, report: &IndicatorReport, units: &[AdminUnit]) -> Vec<cnrm_charts::Bar> {
    report
        .result
        .rows
        .iter()
        .map(|r| cnrm_charts::Bar {
            label: key_label(tr, report.result.breakdown, &r.key, units),
            value: cell(r.figure.value),
        })
        .collect()
}

pub async fn dashboard(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let (dashboard, errors) = match indicators::dashboard(&state.app, &auth.actor, &q).await {
        Ok(d) => (Some(d), FieldErrors::new()),
        Err(AppError::Invalid(errors)) => (None, errors),
        Err(e) => return Err(PageError::App(e, tr)),
    };
    let units: Vec<AdminUnit> =
        state.app.db.admin_units().await.in_locale(tr)?.into_iter().filter(|u| u.current).collect();
    let forced = dashboard.as_ref().and_then(|d| d.scoped.forced_organisation);
    let form = filter_form(&state, tr, &q, &units, forced, "/dashboard".into()).await?;
    let place = dashboard.as_ref().and_then(|d| d.scoped.filter.unit.clone());
    let heading = match (&form.organisation_forced, &place) {
        (Some(org), _) => tr.t_with("dashboard-title-organisation", &[("organisation", org.clone())]),
        (None, Some(pcode)) => tr.t_with(
            "dashboard-title-place",
            &[("place", units.iter().find(|u| &u.pcode == pcode).map_or(pcode.clone(), |u| u.name.clone()))],
        ),
        (None, None) => tr.t("dashboard-title-national"),
    };
    let mut figures = Vec::new();
    let mut charts = Vec::new();
    let (mut map, mut unmapped) = (String::new(), Vec::new());
    if let Some(d) = &dashboard {
        let mut shown: Vec<IndicatorCode> = Vec::new();
        for report in &d.reports {
            let i = report.indicator;
            if !shown.contains(&i.code) {
                shown.push(i.code);
                figures.push(KeyFigure {
                    code: i.code.code(),
                    title: text(tr, i.title),
                    value: format_value(tr, i.unit, report.result.total.value),
                    of: format_of(tr, i, &report.result.total),
                });
            }
            let counts = matches!(i.unit, ValueUnit::Count | ValueUnit::Xof);
            let title = format!(
                "{} — {}",
                text(tr, i.title),
                report.result.breakdown.map(|b| tr.t(&b.label_key())).unwrap_or_default()
            );
            let id = format!("chart-{}-{}", i.code.code(), report.result.breakdown.map_or("total", |b| b.code()));
            match report.result.breakdown {
                Some(Breakdown::Month) => {
                    let data = cnrm_charts::Breakdown {
                        categories: report.result.rows.iter().map(|r| r.key.clone()).collect(),
                        series: vec![cnrm_charts::Series {
                            name: text(tr, i.title),
                            values: report.result.rows.iter().map(|r| cell(r.figure.value)).collect(),
                        }],
                    };
                    let text = chart_text(tr, &id, title, "breakdown-month", tr.t(&i.unit.label_key()));
                    charts.push(cnrm_charts::time_series(&data, &text, tr.locale));
                }
                Some(Breakdown::Region) => {
                    let regions: Vec<cnrm_charts::RegionValue> = report
                        .result
                        .rows
                        .iter()
                        .filter(|r| r.key != "unknown")
                        .map(|r| cnrm_charts::RegionValue {
                            code: r.key.clone(),
                            name: key_label(tr, Some(Breakdown::Region), &r.key, &units),
                            value: cell(r.figure.value),
                        })
                        .collect();
                    let filters = filter_query(&IndicatorQuery {
                        region: String::new(),
                        cercle: String::new(),
                        unit: String::new(),
                        ..q.clone()
                    });
                    let selected = place.as_deref().and_then(|p| units.iter().find(|u| u.pcode == p && u.level == 1));
                    let drawn = cnrm_charts::choropleth(
                        cnrm_charts::Geography::mali(),
                        &regions,
                        selected.map(|u| u.pcode.as_str()),
                        |code| {
                            let sep = if filters.is_empty() { "" } else { "&" };
                            format!("/dashboard?{filters}{sep}region={code}")
                        },
                        &cnrm_charts::MapText {
                            id: "dashboard-map".into(),
                            title: tr.t("dashboard-map-title"),
                            description: tr.t("dashboard-map-description"),
                            legend: text(tr, i.title),
                            no_data: tr.t("dashboard-map-no-data"),
                        },
                        tr.locale,
                    );
                    map = drawn.svg;
                    unmapped = drawn.unmapped.into_iter().map(|r| r.name).collect();
                    let text = chart_text(tr, &id, title, "breakdown-region", tr.t(&i.unit.label_key()));
                    charts.push(cnrm_charts::bar_chart(&bars(tr, report, &units), &text, tr.locale));
                }
                Some(b) if counts && !report.result.rows.is_empty() => {
                    let text = chart_text(tr, &id, title, &b.label_key(), tr.t(&i.unit.label_key()));
                    charts.push(cnrm_charts::bar_chart(&bars(tr, report, &units), &text, tr.locale));
                }
                _ => {}
            }
        }
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_status(
        status,
        DashboardPage {
            l: Layout::new(&auth.ctx, tr.t("dashboard-title")),
            heading,
            form,
            figures,
            map,
            unmapped,
            charts,
            provisional: super::surveys::provisional_notice(&state, tr).await?,
            no_breakdowns: Vec::new(),
            errors,
            report_filters: super::reports::hidden_filters(&q),
            report_href: match filter_query(&q) {
                query if query.is_empty() => "/reports/cnrm".into(),
                query => format!("/reports/cnrm?{query}"),
            },
        },
    )
}
