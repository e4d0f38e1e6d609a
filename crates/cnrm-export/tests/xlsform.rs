//! XLSForm workbooks as real `.xlsx` bytes (written by rust_xlsxwriter, as a spreadsheet program
//! would) read into the questionnaire parser: a valid one, broken ones, and the export read back.

use cnrm_domain::questionnaire::xlsform::{self, XlsFormErrorKind as K, XlsSheet};
use cnrm_domain::questionnaire::{score, shipped, Answers, Definition, XlsFormError};
use cnrm_domain::Locale;
use cnrm_export::{read_workbook, write_xlsform};
use rust_xlsxwriter::Workbook;

/// A cell of a hand-made workbook: numbers are written as numbers, like a person typing them.
enum C {
    T(&'static str),
    N(f64),
}

fn survey() -> Vec<Vec<C>> {
    use C::*;
    vec![
        vec![
            T("type"),
            T("name"),
            T("label::French (fr)"),
            T("label::English (en)"),
            T("required"),
            T("relevant"),
            T("dimension"),
            T("weight"),
        ],
        vec![
            T("select_one yn"),
            T("job"),
            T("Avez-vous un emploi ?"),
            T("Do you have a job?"),
            T("yes"),
            T(""),
            T("eco"),
            N(2.0),
        ],
        vec![
            T("integer"),
            T("hours"),
            T("Heures par semaine"),
            T("Hours per week"),
            T(""),
            T("${job} = 'yes'"),
            T(""),
            T(""),
        ],
        vec![T("select_one sat"), T("sat"), T("Satisfaction"), T("Satisfaction"), T("yes"), T(""), T("eco"), N(1.0)],
    ]
}

fn choices() -> Vec<Vec<C>> {
    use C::*;
    vec![
        vec![T("list_name"), T("name"), T("label::French (fr)"), T("label::English (en)"), T("value"), T("score")],
        vec![T("yn"), T("yes"), T("Oui"), T("Yes"), T(""), N(1.0)],
        vec![T("yn"), T("no"), T("Non"), T("No"), T(""), N(0.0)],
        vec![T("sat"), T("low"), T("Faible"), T("Low"), N(1.0), T("")],
        vec![T("sat"), T("mid"), T("Moyenne"), T("Medium"), N(2.0), T("")],
        vec![T("sat"), T("high"), T("Forte"), T("High"), N(3.0), T("")],
        vec![T("scoring_dimensions"), T("eco"), T("Économique"), T("Economic"), T(""), T("")],
    ]
}

fn settings() -> Vec<Vec<C>> {
    use C::*;
    vec![vec![T("form_id"), T("version"), T("form_title")], vec![T("job_survey"), N(3.0), T("Emploi")]]
}

fn workbook(sheets: &[(&str, Vec<Vec<C>>)]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    for (name, rows) in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    C::T("") => continue,
                    C::T(text) => sheet.write_string(r as u32, c as u16, *text).unwrap(),
                    C::N(n) => sheet.write_number(r as u32, c as u16, *n).unwrap(),
                };
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

/// What an import does with uploaded bytes: read the sheets, parse the three XLSForm ones.
fn import(bytes: &[u8]) -> Result<Definition, Vec<XlsFormError>> {
    let sheets = read_workbook(bytes).unwrap();
    let sheet = |name: &str| sheets.iter().find(|(n, _)| n == name).map(|(_, rows)| rows.clone()).unwrap_or_default();
    xlsform::parse(&sheet("survey"), &sheet("choices"), &sheet("settings"))
}

fn edit(mut rows: Vec<Vec<C>>, row: usize, column: usize, cell: C) -> Vec<Vec<C>> {
    rows[row][column] = cell;
    rows
}

#[test]
fn a_valid_workbook_imports() {
    let bytes = workbook(&[("survey", survey()), ("choices", choices()), ("settings", settings())]);
    let d = import(&bytes).unwrap();
    assert_eq!((d.code.as_str(), d.version.as_str()), ("job_survey", "3"), "the number 3 reads as '3'");
    assert_eq!(d.items.len(), 3);
    let weight = d.item("job").unwrap().scoring.as_ref().unwrap().weight;
    assert_eq!(weight, 2.0);
    let answers = Answers::from_pairs([("job", "yes"), ("hours", "30"), ("sat", "mid")]);
    // (2 × 1 + 1 × 0.5) / 3
    assert!((score(&d, &answers).composite.unwrap() - 2.5 / 3.0).abs() < 1e-9);
}

fn refused(sheets: &[(&str, Vec<Vec<C>>)]) -> Vec<XlsFormError> {
    import(&workbook(sheets)).unwrap_err()
}

#[test]
fn a_workbook_without_survey_sheet_is_refused() {
    let errors = refused(&[("questions", survey()), ("choices", choices()), ("settings", settings())]);
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].sheet, &errors[0].kind), (XlsSheet::Survey, &K::MissingSheet));
    assert!(errors[0].message(Locale::Fr).contains("la feuille « survey » manque"));
}

#[test]
fn broken_workbooks_say_where_and_what() {
    let cases: Vec<(Vec<Vec<C>>, usize, &str, K)> = vec![
        (edit(survey(), 3, 0, C::T("select_one satisfaction")), 4, "type", K::UnknownChoiceList("satisfaction".into())),
        (edit(survey(), 3, 1, C::T("job")), 4, "name", K::DuplicateName("job".into())),
        (edit(survey(), 2, 5, C::T("${work} = 'yes'")), 3, "relevant", K::UnknownReference("work".into())),
        (edit(survey(), 1, 7, C::T("heavy")), 2, "weight", K::BadWeight("heavy".into())),
        (edit(survey(), 1, 7, C::N(-1.0)), 2, "weight", K::BadWeight("-1".into())),
    ];
    for (survey, row, column, kind) in cases {
        let errors = refused(&[("survey", survey), ("choices", choices()), ("settings", settings())]);
        let found = errors.iter().find(|e| e.kind == kind).unwrap_or_else(|| panic!("{kind:?} not in {errors:?}"));
        assert_eq!((found.sheet, found.row, found.column.as_deref()), (XlsSheet::Survey, Some(row), Some(column)));
        assert!(found.message(Locale::En).starts_with(&format!("Sheet 'survey', row {row}, column '{column}': ")));
    }
}

#[test]
fn garbage_is_not_a_workbook() {
    assert!(matches!(read_workbook(b"not a spreadsheet"), Err(cnrm_export::ExportError::Unreadable(_))));
}

#[test]
fn an_exported_questionnaire_imports_back_unchanged() {
    for d in [shipped::rss(), shipped::satisfaction()] {
        let tables = xlsform::to_tables(&d);
        let bytes = write_xlsform(&tables.survey, &tables.choices, &tables.settings).unwrap();
        assert_eq!(import(&bytes).unwrap(), d);
    }
}
