//! Tabular exports of cnrm: CSV and XLSX, with an optional second header row of HXL hashtags
//! (<https://hxlstandard.org>) so that the data drops into the humanitarian data ecosystem as is.
//!
//! Kept in its own crate so that the spreadsheet writer's dependencies stay out of the other crates.
//!
//! Text that a spreadsheet would take for a formula (starting with `=`, `+`, `-`, `@`, a tab or a
//! carriage return) gets a leading apostrophe, in both formats: an export is opened by people who
//! did not write its content. Numbers are written as numbers.

use std::borrow::Cow;

/// One cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Number(i64),
}

/// A table: the column headers, their HXL hashtags (when the table has them), the rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub hxl: Option<Vec<String>>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("XLSX: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("a row has {found} cells, the table {expected} columns")]
    Shape { expected: usize, found: usize },
    /// An uploaded workbook that is not a readable spreadsheet.
    #[error("unreadable workbook: {0}")]
    Unreadable(String),
}

/// The text as a spreadsheet should show it: a leading apostrophe before what would start a formula.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

impl Table {
    fn check(&self) -> Result<(), ExportError> {
        let expected = self.headers.len();
        let bad = self.hxl.iter().map(Vec::len).chain(self.rows.iter().map(Vec::len)).find(|n| *n != expected);
        match bad {
            Some(found) => Err(ExportError::Shape { expected, found }),
            None => Ok(()),
        }
    }

    /// The header rows: the headers, then the hashtags if any.
    fn header_rows(&self) -> impl Iterator<Item = &Vec<String>> {
        std::iter::once(&self.headers).chain(self.hxl.iter())
    }
}

/// The table as CSV (UTF-8, comma-separated, every line ending in CRLF as RFC 4180 says).
pub fn to_csv(table: &Table) -> Result<Vec<u8>, ExportError> {
    table.check()?;
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    for row in table.header_rows() {
        writer.write_record(row.iter().map(|h| neutralise(h).into_owned()))?;
    }
    for row in &table.rows {
        writer.write_record(row.iter().map(|cell| match cell {
            Cell::Text(t) => neutralise(t).into_owned(),
            Cell::Number(n) => n.to_string(),
        }))?;
    }
    writer.into_inner().map_err(|e| ExportError::Csv(e.into_error().into()))
}

/// The table as an XLSX workbook of one sheet named `sheet` (headers bold, frozen above the data).
pub fn to_xlsx(table: &Table, sheet: &str) -> Result<Vec<u8>, ExportError> {
    use rust_xlsxwriter::{Format, Workbook};
    table.check()?;
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet)?;
    let bold = Format::new().set_bold();
    let mut r: u32 = 0;
    for row in table.header_rows() {
        for (c, header) in row.iter().enumerate() {
            worksheet.write_string_with_format(r, c as u16, neutralise(header).as_ref(), &bold)?;
        }
        r += 1;
    }
    worksheet.set_freeze_panes(r, 0)?;
    for row in &table.rows {
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cell::Text(t) => worksheet.write_string(r, c as u16, neutralise(t).as_ref())?,
                Cell::Number(n) => worksheet.write_number(r, c as u16, *n as f64)?,
            };
        }
        r += 1;
    }
    Ok(workbook.save_to_buffer()?)
}

/// A sheet read from a workbook: its name and its rows of cells as text.
pub type NamedSheet = (String, Vec<Vec<String>>);

/// The sheets of a workbook (`.xlsx`, `.xls` or `.ods`), in order: each its name and its rows of
/// cells as text, positioned as in the spreadsheet (row 1 is the first row, column A the first cell).
pub fn read_workbook(bytes: &[u8]) -> Result<Vec<NamedSheet>, ExportError> {
    use calamine::Reader;
    let unreadable = |e: calamine::Error| ExportError::Unreadable(e.to_string());
    let mut workbook = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    let mut sheets = Vec::new();
    for name in workbook.sheet_names() {
        let range = workbook.worksheet_range(&name).map_err(unreadable)?;
        let (top, left) = range.start().unwrap_or((0, 0));
        let mut rows: Vec<Vec<String>> = vec![Vec::new(); top as usize];
        for row in range.rows() {
            let padding = std::iter::repeat_n(String::new(), left as usize);
            rows.push(padding.chain(row.iter().map(cell_text)).collect());
        }
        sheets.push((name, rows));
    }
    Ok(sheets)
}

/// A cell as the text a person reads in it (whole numbers without a decimal point).
fn cell_text(cell: &calamine::Data) -> String {
    match cell {
        calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string().trim().to_string(),
    }
}

/// A workbook of text-only sheets (first row bold and frozen), e.g. the sheets of an XLSForm.
pub fn write_workbook(sheets: &[(&str, &[Vec<String>])]) -> Result<Vec<u8>, ExportError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    for (name, rows) in sheets {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(*name)?;
        for (r, row) in rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate().filter(|(_, text)| !text.is_empty()) {
                match r {
                    0 => worksheet.write_string_with_format(r as u32, c as u16, text, &bold)?,
                    _ => worksheet.write_string(r as u32, c as u16, text)?,
                };
            }
        }
        worksheet.set_freeze_panes(1, 0)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// An XLSForm workbook: its `survey`, `choices` and `settings` sheets.
pub fn write_xlsform(
    survey: &[Vec<String>],
    choices: &[Vec<String>],
    settings: &[Vec<String>],
) -> Result<Vec<u8>, ExportError> {
    write_workbook(&[("survey", survey), ("choices", choices), ("settings", settings)])
}

/// A cell of a report sheet: text (neutralised), a number (decimals kept) or nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Number(f64),
    Empty,
}

/// A sheet of a report workbook: lines of notes above the table (bold), then headers and rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sheet {
    /// At most 31 characters, none of `[ ] : * ? / \`.
    pub name: String,
    pub notes: Vec<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// A workbook of several sheets (a periodic report: one sheet per part). Numbers are written as
/// numbers, every text neutralised; the header row is bold and frozen with the notes above it.
pub fn sheets_to_xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, ExportError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    for sheet in sheets {
        let expected = sheet.headers.len();
        if let Some(found) = sheet.rows.iter().map(Vec::len).find(|n| *n != expected) {
            return Err(ExportError::Shape { expected, found });
        }
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(&sheet.name)?;
        let mut r: u32 = 0;
        for note in &sheet.notes {
            worksheet.write_string_with_format(r, 0, neutralise(note).as_ref(), &bold)?;
            r += 1;
        }
        if !sheet.notes.is_empty() {
            r += 1;
        }
        for (c, header) in sheet.headers.iter().enumerate() {
            worksheet.write_string_with_format(r, c as u16, neutralise(header).as_ref(), &bold)?;
        }
        r += 1;
        worksheet.set_freeze_panes(r, 0)?;
        for row in &sheet.rows {
            for (c, value) in row.iter().enumerate() {
                match value {
                    Value::Text(t) => _ = worksheet.write_string(r, c as u16, neutralise(t).as_ref())?,
                    Value::Number(n) if n.is_finite() => _ = worksheet.write_number(r, c as u16, *n)?,
                    Value::Number(_) | Value::Empty => {}
                }
            }
            r += 1;
        }
        for (c, header) in sheet.headers.iter().enumerate() {
            worksheet.set_column_width(c as u16, (header.chars().count() as f64 + 2.0).clamp(10.0, 45.0))?;
        }
    }
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader};

    fn table() -> Table {
        Table {
            headers: vec!["Organisation".into(), "Code région".into(), "Atteints".into(), "Note".into()],
            hxl: Some(vec!["#org".into(), "#adm1+code".into(), "#reached".into(), "#meta".into()]),
            rows: vec![
                vec![
                    Cell::Text("Croix-Rouge malienne".into()),
                    Cell::Text("ML01".into()),
                    Cell::Number(120),
                    Cell::Text("=HYPERLINK(\"x\")".into()),
                ],
                vec![
                    Cell::Text("@SUM(A1)".into()),
                    Cell::Text("ML0901".into()),
                    Cell::Number(-5),
                    Cell::Text("+33, -2; \"guillemets\"".into()),
                ],
            ],
        }
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("+223 76"), "'+223 76");
        assert_eq!(neutralise("-2"), "'-2");
        assert_eq!(neutralise("@cmd"), "'@cmd");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("Kayes = ML01"), "Kayes = ML01");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn csv_round_trips_with_its_hxl_row() {
        let bytes = to_csv(&table()).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("Organisation,Code région,Atteints,Note\r\n#org,#adm1+code,#reached,#meta\r\n"));
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(bytes.as_slice());
        let rows: Vec<Vec<String>> =
            reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[2], vec!["Croix-Rouge malienne", "ML01", "120", "'=HYPERLINK(\"x\")"]);
        assert_eq!(rows[3], vec!["'@SUM(A1)", "ML0901", "-5", "'+33, -2; \"guillemets\""]);
    }

    #[test]
    fn xlsx_opens_back_with_its_hxl_row_and_numbers() {
        let bytes = to_xlsx(&table(), "4W").unwrap();
        let mut workbook: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = workbook.worksheet_range("4W").unwrap();
        let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0][1], Data::String("Code région".into()));
        assert_eq!(rows[1][0], Data::String("#org".into()));
        assert_eq!(rows[1][1], Data::String("#adm1+code".into()));
        assert_eq!(rows[2][1], Data::String("ML01".into()));
        assert_eq!(rows[2][2], Data::Float(120.0));
        assert_eq!(rows[2][3], Data::String("'=HYPERLINK(\"x\")".into()));
        assert_eq!(rows[3][0], Data::String("'@SUM(A1)".into()));
        assert_eq!(rows[3][2], Data::Float(-5.0));
    }

    #[test]
    fn ragged_tables_are_refused() {
        let mut bad = table();
        bad.rows[1].pop();
        assert!(matches!(to_csv(&bad), Err(ExportError::Shape { expected: 4, found: 3 })));
        let no_hxl = Table { hxl: None, ..table() };
        let text = String::from_utf8(to_csv(&no_hxl).unwrap()).unwrap();
        assert!(!text.contains("#org"));
    }
    #[test]
    fn report_sheets_keep_decimals_and_neutralise_text() {
        let sheets = vec![
            Sheet {
                name: "Indicateurs".into(),
                notes: vec!["Rapport 2026-Q3".into(), "=pondérations provisoires".into()],
                headers: vec!["Indicateur".into(), "Valeur".into()],
                rows: vec![
                    vec![Value::Text("Part".into()), Value::Number(0.25)],
                    vec![Value::Text("-2".into()), Value::Empty],
                ],
            },
            Sheet {
                name: "4W".into(),
                notes: vec![],
                headers: vec!["Atteints".into()],
                rows: vec![vec![Value::Number(12.0)]],
            },
        ];
        let bytes = sheets_to_xlsx(&sheets).unwrap();
        let mut workbook: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
        let range = workbook.worksheet_range("Indicateurs").unwrap();
        let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        assert_eq!(rows[0][0], Data::String("Rapport 2026-Q3".into()));
        assert_eq!(rows[1][0], Data::String("'=pondérations provisoires".into()));
        assert_eq!(rows[3][0], Data::String("Indicateur".into()));
        assert_eq!(rows[4][1], Data::Float(0.25));
        assert_eq!(rows[5][0], Data::String("'-2".into()));
        let read = read_workbook(&bytes).unwrap();
        assert_eq!(read.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["Indicateurs", "4W"]);
        assert_eq!(read[1].1[1], vec!["12".to_string()]);
        let ragged =
            Sheet { headers: vec!["a".into(), "b".into()], rows: vec![vec![Value::Empty]], ..sheets[1].clone() };
        assert!(matches!(sheets_to_xlsx(&[ragged]), Err(ExportError::Shape { expected: 2, found: 1 })));
    }
}
