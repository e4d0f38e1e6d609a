//! XLSForm workbooks in and out of the pages: the bytes of an `.xlsx` file to the three sheets
//! `cnrm_domain::questionnaire::xlsform` reads, and back. The spreadsheet engine is
//! `cnrm-export`'s; this only names the sheets and says, in the user's language, why a file
//! could not be read.

use cnrm_domain::questionnaire::xlsform::Tables;

/// The content type of an `.xlsx` workbook.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The sheets of an uploaded workbook, or the message key of why it cannot be read. A missing
/// sheet is left empty: the questionnaire's parser says which one and how to fix it.
pub fn read(bytes: &[u8]) -> Result<Tables, &'static str> {
    if bytes.is_empty() {
        return Err("questionnaires-error-no-file");
    }
    let sheets = cnrm_export::read_workbook(bytes).map_err(|_| "questionnaires-error-unreadable")?;
    let sheet = |name: &str| {
        sheets
            .iter()
            .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, rows)| rows.clone())
            .unwrap_or_default()
    };
    Ok(Tables { survey: sheet("survey"), choices: sheet("choices"), settings: sheet("settings") })
}

/// A workbook with the three sheets.
pub fn write(tables: &Tables) -> Result<Vec<u8>, cnrm_export::ExportError> {
    cnrm_export::write_xlsform(&tables.survey, &tables.choices, &tables.settings)
}
