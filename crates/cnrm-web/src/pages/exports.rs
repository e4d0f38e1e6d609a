//! Exports of lists with a choice of fields: the form's choices (on the case list page) and the
//! download (`GET /cases/export?fields=…&format=csv|xlsx` with the list's filters).
//!
//! Who may export what, the rows and the audit entry are `cnrm_app::exports`'s; this module reads
//! the query, refuses a bad choice with a message naming what is wrong, and writes the file with
//! `cnrm_export` (which neutralises spreadsheet formulas).

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cnrm_app::cases::CaseQuery;
use cnrm_app::exports::{self, ExportValue, ListExport};
use cnrm_app::Actor;
use cnrm_domain::export_fields::{parse_fields, ExportField, ExportFormat, ExportList, FieldChoiceError, FieldGroup};
use cnrm_domain::Locale;
use serde::Deserialize;

use super::interventions::{download, CSV_MIME, XLSX_MIME};
use crate::context::Auth;
use crate::error::{InLocale, PageError};
use crate::i18n::Tr;
use crate::AppState;

/// What an export adds to the list's query string.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ExportChoice {
    /// `cases` (default: one row per case) or `surveys` (one row per survey answered, with scores).
    pub list: String,
    /// Field codes: repeated (`fields=a&fields=b`) or separated by commas (`fields=a,b`).
    pub fields: Vec<String>,
    /// `csv` (default) or `xlsx`.
    pub format: String,
    /// Any value but empty or `0`: a second header row of HXL hashtags.
    pub hxl: String,
}

impl ExportChoice {
    pub fn with_hxl(&self) -> bool {
        !matches!(self.hxl.trim(), "" | "0" | "false")
    }
}

/// Why the query of an export is refused, before any data is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChoiceError {
    List(String),
    Fields(FieldChoiceError),
    Format(String),
    Query,
}

impl ChoiceError {
    /// The message, in the reader's language, naming what is wrong and how to fix it.
    pub fn message(&self, tr: Tr) -> String {
        match self {
            ChoiceError::Fields(e @ FieldChoiceError::Unknown(code)) => tr.t_with(e.key(), [("code", code.clone())]),
            ChoiceError::Fields(e) => tr.t(e.key()),
            ChoiceError::List(list) => {
                tr.t_with("export-error-list", [("list", list.chars().take(20).collect::<String>())])
            }
            ChoiceError::Format(format) => {
                tr.t_with("export-error-format", [("format", format.chars().take(20).collect::<String>())])
            }
            ChoiceError::Query => tr.t("export-error-query"),
        }
    }

    /// The field of the query string at fault.
    pub fn field(&self) -> &'static str {
        match self {
            ChoiceError::List(_) => "list",
            ChoiceError::Fields(_) => "fields",
            ChoiceError::Format(_) => "format",
            ChoiceError::Query => "query",
        }
    }

    /// A stable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            ChoiceError::List(_) => "unknown_list",
            ChoiceError::Fields(FieldChoiceError::Unknown(_)) => "unknown_field",
            ChoiceError::Fields(FieldChoiceError::Empty) => "no_field",
            ChoiceError::Format(_) => "unknown_format",
            ChoiceError::Query => "unreadable_query",
        }
    }
}

/// An export asked for: the list, the case list's filters, the fields, the format, the HXL row.
pub struct CaseExportRequest {
    pub list: ExportList,
    pub query: CaseQuery,
    pub fields: Vec<&'static ExportField>,
    pub format: ExportFormat,
    pub hxl: bool,
}

/// Reads `?list=…&fields=…&format=…&hxl=…` with the case list's filters.
pub fn read_case_export(raw: &str) -> Result<CaseExportRequest, ChoiceError> {
    let query: CaseQuery = serde_html_form::from_str(raw).map_err(|_| ChoiceError::Query)?;
    let choice: ExportChoice = serde_html_form::from_str(raw).map_err(|_| ChoiceError::Query)?;
    let list = ExportList::parse(&choice.list).ok_or_else(|| ChoiceError::List(choice.list.clone()))?;
    let fields = parse_fields(list, &choice.fields).map_err(ChoiceError::Fields)?;
    let format = ExportFormat::parse(&choice.format).ok_or_else(|| ChoiceError::Format(choice.format.clone()))?;
    Ok(CaseExportRequest { list, query, fields, format, hxl: choice.with_hxl() })
}

/// The export as a table: headers in the reader's language, hashtags when asked for.
pub fn export_table(locale: Locale, export: &ListExport, hxl: bool) -> cnrm_export::Table {
    cnrm_export::Table {
        headers: export.fields.iter().map(|f| f.label(locale).to_string()).collect(),
        hxl: hxl.then(|| export.fields.iter().map(|f| f.hxl.unwrap_or("").to_string()).collect()),
        rows: export
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|v| match v {
                        ExportValue::Text(t) => cnrm_export::Cell::Text(t.clone()),
                        ExportValue::Number(n) => cnrm_export::Cell::Number(*n),
                    })
                    .collect()
            })
            .collect(),
    }
}

/// The file of an export: bytes, MIME type, file name.
pub fn export_file(
    locale: Locale,
    export: &ListExport,
    format: ExportFormat,
    hxl: bool,
) -> Result<(Vec<u8>, &'static str, String), cnrm_export::ExportError> {
    let table = export_table(locale, export, hxl);
    let day = time::OffsetDateTime::now_utc().date();
    let name = format!("cnrm-{}-{day}.{}", export.list.code(), format.code());
    Ok(match format {
        ExportFormat::Csv => (cnrm_export::to_csv(&table)?, CSV_MIME, name),
        ExportFormat::Xlsx => (cnrm_export::to_xlsx(&table, export.list.code())?, XLSX_MIME, name),
    })
}

pub async fn export_cases(
    State(state): State<AppState>,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let tr = auth.ctx.tr;
    let request = match read_case_export(raw.as_deref().unwrap_or("")) {
        Ok(request) => request,
        Err(e) => {
            let message = e.message(tr);
            return Ok(crate::error::page_with(
                tr,
                StatusCode::UNPROCESSABLE_ENTITY,
                tr.t("export-error-title"),
                message,
            ));
        }
    };
    let CaseExportRequest { list, query, fields, format, hxl } = request;
    let export = exports::export(&state.app, &auth.actor, list, &query, &fields, format).await.in_locale(tr)?;
    let (bytes, mime, name) = export_file(tr.locale, &export, format, hxl).map_err(|e| {
        tracing::error!(error = %e, "export failed");
        PageError::Internal(tr)
    })?;
    Ok(download(bytes, mime, &name).into_response())
}

// ---------------------------------------------------------------------------------------------
// The form on the list page.

/// One check box of the export form.
pub struct FieldBox {
    pub code: &'static str,
    pub label: &'static str,
    pub personal: bool,
}

/// A group of check boxes, under its heading.
pub struct FieldBoxGroup {
    pub label: String,
    pub fields: Vec<FieldBox>,
}

/// The export form of a list: its field groups (personal fields only for those who may export
/// them) and the list's current filters, carried as hidden inputs.
pub struct ExportForm {
    /// `cases` or `surveys`, sent with the form.
    pub list: &'static str,
    /// The message keys of the form's title and hint.
    pub title: String,
    pub hint: String,
    pub groups: Vec<FieldBoxGroup>,
    pub may_personal: bool,
    pub hidden: Vec<(&'static str, String)>,
}

impl ExportForm {
    /// The form for `actor`, or `None` when they may export nothing.
    pub fn for_list(
        tr: Tr,
        actor: &Actor,
        list: ExportList,
        hidden: Vec<(&'static str, String)>,
    ) -> Option<ExportForm> {
        if !exports::may_export(actor) {
            return None;
        }
        let may_personal = exports::may_export_personal(actor);
        let groups = FieldGroup::ALL
            .into_iter()
            .map(|g| FieldBoxGroup {
                label: tr.t(&g.label_key()),
                fields: list
                    .fields()
                    .iter()
                    .filter(|f| f.group == g && (may_personal || !f.personal))
                    .map(|f| FieldBox { code: f.code, label: f.label(tr.locale), personal: f.personal })
                    .collect(),
            })
            .filter(|g| !g.fields.is_empty())
            .collect();
        let hidden = hidden.into_iter().filter(|(_, v)| !v.trim().is_empty()).collect();
        let title = format!("export-title-{}", list.code());
        let hint = format!("export-hint-{}", list.code());
        Some(ExportForm { list: list.code(), title, hint, groups, may_personal, hidden })
    }
}
