//! The questionnaires shipped with the platform, kept as XLSForm sheets in CSV under
//! `data/questionnaires/` and read by the same [`xlsform::parse`] as an administrator's import,
//! so the shipped data can be opened, changed and re-imported like any other questionnaire.
//!
//! The RSS (IOM's Reintegration Sustainability Survey) follows IOM's structure and themes; the
//! official weights (Reintegration Handbook, Annex 4) are not shipped: its first version carries
//! equal weights and says so (`provisional_weights`, `weights_note`).

use super::xlsform;
use super::Definition;

/// Code of the Reintegration Sustainability Survey.
pub const RSS: &str = "rss";
/// Code of the Reintegration Satisfaction Survey.
pub const SATISFACTION: &str = "satisfaction";

/// Cells of a CSV sheet, header row included.
pub(crate) fn rows(csv_text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv_text.as_bytes())
        .records()
        .map(|record| record.expect("shipped questionnaire CSV is valid").iter().map(str::to_string).collect())
        .collect()
}

fn load(survey: &str, choices: &str, settings: &str) -> Definition {
    xlsform::parse(&rows(survey), &rows(choices), &rows(settings))
        .unwrap_or_else(|errors| panic!("shipped questionnaire does not parse: {errors:?}"))
}

/// The Reintegration Sustainability Survey, equal-weights version.
pub fn rss() -> Definition {
    load(
        include_str!("../../../../data/questionnaires/rss/survey.csv"),
        include_str!("../../../../data/questionnaires/rss/choices.csv"),
        include_str!("../../../../data/questionnaires/rss/settings.csv"),
    )
}

/// The Reintegration Satisfaction Survey (5-point items, each "if applicable").
pub fn satisfaction() -> Definition {
    load(
        include_str!("../../../../data/questionnaires/satisfaction/survey.csv"),
        include_str!("../../../../data/questionnaires/satisfaction/choices.csv"),
        include_str!("../../../../data/questionnaires/satisfaction/settings.csv"),
    )
}

/// Every shipped questionnaire.
pub fn all() -> Vec<Definition> {
    vec![rss(), satisfaction()]
}
