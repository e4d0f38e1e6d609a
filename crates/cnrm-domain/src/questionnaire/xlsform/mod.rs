//! XLSForm in and out: the `survey`, `choices` and `settings` sheets that KoboToolbox and ODK use,
//! read here as plain tables of strings (the workbook itself is read and written by `cnrm-export`),
//! so that questionnaires are designed in a spreadsheet and the same file works in the field tools.
//!
//! Extra columns carry the scoring: in `survey`, `dimension`, `weight` (within the dimension),
//! `composite_weight` (optional, within the composite) and `score` (`from..to` for a number, e.g.
//! `0..10` or `10..0` when more is worse; `mean`, `min` or `max` for a multiple choice); in
//! `choices`, `value` (numeric) and `score` (0–1, `na` for "not applicable", `none` for an option
//! that does not count; empty: derived from `value` over the list's range). Two reserved choice
//! lists hold the rest: `scoring_dimensions` (one row per dimension, `weight` in the composite) and
//! `scoring_bands` (one row per band, `value` = lower bound). `settings` has `form_id`, `version`,
//! `form_title`, `provisional_weights` (yes/no) and `weights_note`. Every column with a text shown
//! to people comes per language: `label::French (fr)`, `label::English (en)` (plain `label` is
//! French).
//!
//! Import reports every problem at once, each naming its sheet, row and column and saying how to
//! fix it, in French and English.

use super::relevance::parse_number;
use super::{
    Band, ChoiceList, ChoiceOption, Combine, Definition, Dimension, Item, ItemKind, ItemScoring, NumberRange,
    OptionScore, Relevance, Scoring, Section, Text,
};
use crate::locale::Locale;
use std::collections::{BTreeMap, BTreeSet};

/// Choice list holding the scoring dimensions.
pub const DIMENSIONS_LIST: &str = "scoring_dimensions";
/// Choice list holding the score bands.
pub const BANDS_LIST: &str = "scoring_bands";

mod errors;
mod export;

pub use errors::{XlsFormError, XlsFormErrorKind, XlsSheet};
pub use export::to_tables;

/// The three sheets of a questionnaire, as rows of cells (first row: headers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tables {
    pub survey: Vec<Vec<String>>,
    pub choices: Vec<Vec<String>>,
    pub settings: Vec<Vec<String>>,
}

/// A sheet's header row, to find columns by name (case and surrounding spaces ignored).
struct Sheet<'a> {
    which: XlsSheet,
    headers: Vec<String>,
    rows: &'a [Vec<String>],
}

/// The language of a translated column such as `label::French (fr)`; plain `label` is French.
fn language_of(suffix: Option<&str>) -> Option<Locale> {
    let Some(suffix) = suffix else {
        return Some(Locale::Fr);
    };
    let suffix = suffix.trim().to_lowercase();
    let code = suffix.rsplit_once('(').map(|(_, code)| code.trim_end_matches(')').trim().to_string());
    let code = code.unwrap_or_else(|| suffix.clone());
    if code == "fr" || code.starts_with("fr") {
        Some(Locale::Fr)
    } else if code == "en" || code.starts_with("en") || code.starts_with("anglais") {
        Some(Locale::En)
    } else {
        None
    }
}

impl<'a> Sheet<'a> {
    fn new(which: XlsSheet, table: &'a [Vec<String>]) -> Option<Sheet<'a>> {
        let (header, rows) = table.split_first()?;
        let headers: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
        headers.iter().any(|h| !h.is_empty()).then_some(Sheet { which, headers, rows })
    }

    fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name || h.replace(' ', "_") == name)
    }

    /// The trimmed cell of a column in a data row (`index` counts data rows from 0).
    fn cell(&self, index: usize, name: &str) -> &'a str {
        self.column(name).and_then(|c| self.rows[index].get(c)).map_or("", |v| v.trim())
    }

    /// A translated text: `base` (French), `base::French (fr)`, `base::English (en)`.
    fn text(&self, index: usize, base: &str) -> Text {
        let mut text = Text::default();
        for (c, header) in self.headers.iter().enumerate() {
            let suffix = if header == base {
                None
            } else if let Some(rest) = header.strip_prefix(base).and_then(|r| r.strip_prefix("::")) {
                Some(rest)
            } else {
                continue;
            };
            let value = self.rows[index].get(c).map_or("", |v| v.trim());
            match language_of(suffix) {
                Some(Locale::Fr) if text.fr.is_empty() => text.fr = value.to_string(),
                Some(Locale::En) if text.en.is_empty() => text.en = value.to_string(),
                _ => {}
            }
        }
        text
    }

    fn is_blank(&self, index: usize) -> bool {
        self.rows[index].iter().all(|c| c.trim().is_empty())
    }

    fn error(&self, index: Option<usize>, column: Option<&str>, kind: XlsFormErrorKind) -> XlsFormError {
        XlsFormError { sheet: self.which, row: index.map(|i| i + 2), column: column.map(str::to_string), kind }
    }
}

fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_lowercase().as_str() {
        "" | "no" | "false" | "false()" | "non" | "0" => Some(false),
        "yes" | "true" | "true()" | "oui" | "1" => Some(true),
        _ => None,
    }
}

fn parse_range(raw: &str) -> Option<NumberRange> {
    let (from, to) = raw.split_once("..")?;
    let range = NumberRange { from: parse_number(from)?, to: parse_number(to)? };
    (range.from != range.to).then_some(range)
}

/// Collects errors while reading, so that the administrator sees every problem at once.
struct Reader {
    errors: Vec<XlsFormError>,
}

impl Reader {
    /// A positive weight, or 1 when empty.
    fn weight(&mut self, sheet: &Sheet, index: usize, column: &str) -> Option<f64> {
        let raw = sheet.cell(index, column);
        if raw.is_empty() {
            return Some(1.0);
        }
        match parse_number(raw) {
            Some(w) if w >= 0.0 => Some(w),
            _ => {
                self.errors.push(sheet.error(Some(index), Some(column), XlsFormErrorKind::BadWeight(raw.into())));
                None
            }
        }
    }

    fn require_columns(&mut self, sheet: &Sheet, columns: &[&str]) -> bool {
        let mut ok = true;
        for column in columns {
            if sheet.column(column).is_none() {
                self.errors.push(sheet.error(None, Some(column), XlsFormErrorKind::MissingColumn));
                ok = false;
            }
        }
        ok
    }
}

/// Choice lists as read, before the reserved ones are taken out.
struct RawChoices {
    lists: Vec<ChoiceList>,
    /// Data-row index of each list's first option, for errors found later.
    first_row: BTreeMap<String, usize>,
    /// The `weight` of each option row (only the dimensions list uses it).
    weights: BTreeMap<(String, String), f64>,
}

fn read_choices(reader: &mut Reader, sheet: &Sheet) -> RawChoices {
    let mut raw = RawChoices { lists: Vec::new(), first_row: BTreeMap::new(), weights: BTreeMap::new() };
    // Options whose score comes from their value: (list, option index).
    let mut derived: Vec<(usize, usize, usize)> = Vec::new();
    for index in 0..sheet.rows.len() {
        if sheet.is_blank(index) {
            continue;
        }
        let list_name = sheet.cell(index, "list_name");
        let name = sheet.cell(index, "name");
        if list_name.is_empty() || name.is_empty() {
            let column = if list_name.is_empty() { "list_name" } else { "name" };
            reader.errors.push(sheet.error(Some(index), Some(column), XlsFormErrorKind::MissingValue));
            continue;
        }
        if !is_valid_name(list_name) {
            reader.errors.push(sheet.error(
                Some(index),
                Some("list_name"),
                XlsFormErrorKind::BadName(list_name.into()),
            ));
            continue;
        }
        if name.chars().any(char::is_whitespace) {
            reader.errors.push(sheet.error(Some(index), Some("name"), XlsFormErrorKind::BadName(name.into())));
            continue;
        }
        let label = sheet.text(index, "label");
        if label.is_empty() {
            reader.errors.push(sheet.error(Some(index), Some("label"), XlsFormErrorKind::MissingValue));
        }
        let value_raw = sheet.cell(index, "value");
        let value = match value_raw {
            "" => None,
            v => match parse_number(v) {
                Some(n) => Some(n),
                None => {
                    reader.errors.push(sheet.error(Some(index), Some("value"), XlsFormErrorKind::BadValue(v.into())));
                    None
                }
            },
        };
        let score_raw = sheet.cell(index, "score");
        let score = match score_raw.to_lowercase().as_str() {
            "" => OptionScore::Unscored,
            "na" | "n/a" => OptionScore::NotApplicable,
            "none" => OptionScore::Unscored,
            other => match parse_number(other) {
                Some(s) if (0.0..=1.0).contains(&s) => OptionScore::Score(s),
                _ => {
                    reader.errors.push(sheet.error(
                        Some(index),
                        Some("score"),
                        XlsFormErrorKind::BadScore(score_raw.into()),
                    ));
                    OptionScore::Unscored
                }
            },
        };
        if list_name == DIMENSIONS_LIST {
            if let Some(w) = reader.weight(sheet, index, "weight") {
                raw.weights.insert((list_name.to_string(), name.to_string()), w);
            }
        }
        let list_at = match raw.lists.iter().position(|l| l.name == list_name) {
            Some(at) => at,
            None => {
                raw.lists.push(ChoiceList { name: list_name.to_string(), options: Vec::new() });
                raw.first_row.insert(list_name.to_string(), index);
                raw.lists.len() - 1
            }
        };
        let list = &mut raw.lists[list_at];
        if list.option(name).is_some() {
            reader.errors.push(sheet.error(Some(index), Some("name"), XlsFormErrorKind::DuplicateName(name.into())));
            continue;
        }
        if score_raw.is_empty() && value.is_some() {
            derived.push((list_at, list.options.len(), index));
        }
        list.options.push(ChoiceOption { name: name.to_string(), label, value, score });
    }
    // Scores derived from values: the list's lowest value scores 0, its highest 1.
    for (list_at, option_at, index) in derived {
        let list = &mut raw.lists[list_at];
        let values: Vec<f64> = list.options.iter().filter_map(|o| o.value).collect();
        let (min, max) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        if list.name == DIMENSIONS_LIST || list.name == BANDS_LIST {
            continue;
        }
        if max > min {
            let value = list.options[option_at].value.unwrap_or(min);
            list.options[option_at].score = OptionScore::Score((value - min) / (max - min));
        } else {
            let name = list.name.clone();
            if !reader.errors.iter().any(|e| e.kind == XlsFormErrorKind::FlatValues(name.clone())) {
                reader.errors.push(sheet.error(Some(index), Some("value"), XlsFormErrorKind::FlatValues(name)));
            }
        }
    }
    raw
}

/// The scoring lists taken out of the choices.
fn read_scoring_lists(reader: &mut Reader, sheet: &Sheet, raw: &mut RawChoices) -> (Vec<Dimension>, Vec<Band>) {
    let take = |lists: &mut Vec<ChoiceList>, name: &str| {
        lists.iter().position(|l| l.name == name).map(|at| lists.remove(at)).map_or_else(Vec::new, |l| l.options)
    };
    let dimensions = take(&mut raw.lists, DIMENSIONS_LIST)
        .into_iter()
        .map(|o| {
            let weight = raw.weights.get(&(DIMENSIONS_LIST.to_string(), o.name.clone())).copied().unwrap_or(1.0);
            Dimension { code: o.name, label: o.label, weight }
        })
        .collect();
    let band_options = take(&mut raw.lists, BANDS_LIST);
    let bounds: Vec<Option<f64>> = band_options.iter().map(|o| o.value).collect();
    let ordered = bounds.first().is_none_or(|b| *b == Some(0.0))
        && bounds.iter().all(|b| b.is_some_and(|b| (0.0..=1.0).contains(&b)))
        && bounds.windows(2).all(|w| w[0] < w[1]);
    if !ordered {
        let row = raw.first_row.get(BANDS_LIST).copied();
        reader.errors.push(sheet.error(row, Some("value"), XlsFormErrorKind::BadBands));
    }
    let bands =
        band_options.into_iter().map(|o| Band { code: o.name, label: o.label, min: o.value.unwrap_or(0.0) }).collect();
    (dimensions, bands)
}

/// Checks a condition's references: known, earlier items only (plus `.` in constraints).
fn check_expression(
    reader: &mut Reader,
    sheet: &Sheet,
    index: usize,
    column: &str,
    earlier: &BTreeSet<String>,
    all_names: &BTreeSet<String>,
) -> Option<Relevance> {
    let raw = sheet.cell(index, column);
    if raw.is_empty() {
        return None;
    }
    let expression = match Relevance::parse(raw) {
        Ok(e) => e,
        Err(e) => {
            reader.errors.push(sheet.error(Some(index), Some(column), XlsFormErrorKind::BadExpression(e)));
            return None;
        }
    };
    let mut ok = true;
    if column == "relevant" && expression.uses_current() {
        reader.errors.push(sheet.error(Some(index), Some(column), XlsFormErrorKind::CurrentInRelevance));
        ok = false;
    }
    for name in expression.references() {
        let kind = if !all_names.contains(name) {
            XlsFormErrorKind::UnknownReference(name.into())
        } else if !earlier.contains(name) {
            XlsFormErrorKind::ForwardReference(name.into())
        } else {
            continue;
        };
        reader.errors.push(sheet.error(Some(index), Some(column), kind));
        ok = false;
    }
    ok.then_some(expression)
}

/// Reads a questionnaire from the three sheets of an XLSForm workbook (first row: headers).
pub fn parse(
    survey: &[Vec<String>],
    choices: &[Vec<String>],
    settings: &[Vec<String>],
) -> Result<Definition, Vec<XlsFormError>> {
    let mut reader = Reader { errors: Vec::new() };
    let missing = |which| XlsFormError { sheet: which, row: None, column: None, kind: XlsFormErrorKind::MissingSheet };
    // A form without any choice list may leave out the choices sheet.
    let empty: [Vec<String>; 1] = [vec!["list_name".into(), "name".into(), "label".into()]];
    let choices = Sheet::new(XlsSheet::Choices, choices).or_else(|| Sheet::new(XlsSheet::Choices, &empty));
    let (survey, settings) = (Sheet::new(XlsSheet::Survey, survey), Sheet::new(XlsSheet::Settings, settings));
    let (Some(survey), Some(settings), Some(choices)) = (survey.as_ref(), settings.as_ref(), choices.as_ref()) else {
        let absent = [(XlsSheet::Survey, survey.is_none()), (XlsSheet::Settings, settings.is_none())];
        return Err(absent.into_iter().filter(|(_, absent)| *absent).map(|(which, _)| missing(which)).collect());
    };
    let survey_ok = reader.require_columns(survey, &["type", "name"]);
    let choices_ok = reader.require_columns(choices, &["list_name", "name"]);
    let settings_ok = reader.require_columns(settings, &["form_id", "version"]);
    if !(survey_ok && choices_ok && settings_ok) {
        return Err(reader.errors);
    }

    let mut raw_choices = read_choices(&mut reader, choices);
    let (dimensions, bands) = read_scoring_lists(&mut reader, choices, &mut raw_choices);

    let about = read_settings(&mut reader, settings);
    let (sections, items) = read_survey(&mut reader, survey, &raw_choices, &dimensions);
    if !reader.errors.is_empty() {
        reader.errors.sort_by_key(|e| (e.sheet as u8, e.row));
        return Err(reader.errors);
    }
    Ok(Definition {
        code: about.code,
        version: about.version,
        title: about.title,
        sections,
        items,
        choice_lists: raw_choices.lists,
        scoring: Scoring {
            dimensions,
            bands,
            provisional_weights: about.provisional_weights,
            weights_note: about.weights_note,
        },
    })
}

/// The scoring of one survey row, from its `dimension`, `weight`, `composite_weight` and `score`.
fn read_item_scoring(
    reader: &mut Reader,
    sheet: &Sheet,
    index: usize,
    kind: &ItemKind,
    dimensions: &[Dimension],
    choices: &RawChoices,
) -> Option<ItemScoring> {
    let dimension = sheet.cell(index, "dimension");
    let score_raw = sheet.cell(index, "score");
    let error = |kind, column: &str| sheet.error(Some(index), Some(column), kind);
    if dimension.is_empty() {
        for column in ["weight", "composite_weight", "score"] {
            if !sheet.cell(index, column).is_empty() {
                reader.errors.push(error(XlsFormErrorKind::MissingValue, "dimension"));
                break;
            }
        }
        return None;
    }
    if !dimensions.iter().any(|d| d.code == dimension) {
        reader.errors.push(error(XlsFormErrorKind::UnknownDimension(dimension.into()), "dimension"));
        return None;
    }
    let weight = reader.weight(sheet, index, "weight");
    if weight == Some(0.0) {
        reader.errors.push(error(XlsFormErrorKind::BadWeight("0".into()), "weight"));
    }
    let composite_weight = match sheet.cell(index, "composite_weight") {
        "" => Some(None),
        _ => reader.weight(sheet, index, "composite_weight").map(Some),
    };
    let mut range = None;
    let mut combine = Combine::Mean;
    match kind {
        ItemKind::Integer | ItemKind::Decimal => match parse_range(score_raw) {
            Some(r) => range = Some(r),
            None if score_raw.is_empty() => reader.errors.push(error(XlsFormErrorKind::MissingRange, "score")),
            None => reader.errors.push(error(XlsFormErrorKind::BadScore(score_raw.into()), "score")),
        },
        ItemKind::SingleChoice { list } | ItemKind::MultipleChoice { list } => {
            let multiple = matches!(kind, ItemKind::MultipleChoice { .. });
            match (score_raw.to_lowercase().as_str(), multiple) {
                ("", _) | ("mean", true) => {}
                ("min", true) => combine = Combine::Min,
                ("max", true) => combine = Combine::Max,
                _ => reader.errors.push(error(XlsFormErrorKind::BadScore(score_raw.into()), "score")),
            }
            let options = choices.lists.iter().find(|l| &l.name == list).map_or(&[][..], |l| &l.options);
            if !options.iter().any(|o| matches!(o.score, OptionScore::Score(_))) {
                reader.errors.push(error(XlsFormErrorKind::ListWithoutScores(list.clone()), "type"));
            }
        }
        ItemKind::Date | ItemKind::Text | ItemKind::Note => {
            reader.errors.push(error(XlsFormErrorKind::NotScorable, "dimension"));
            return None;
        }
    }
    Some(ItemScoring {
        dimension: dimension.to_string(),
        weight: weight?,
        composite_weight: composite_weight?,
        range,
        combine,
    })
}

/// What the settings sheet says about the questionnaire.
struct About {
    code: String,
    version: String,
    title: Text,
    provisional_weights: bool,
    weights_note: Text,
}

/// The settings sheet: its first data row.
fn read_settings(reader: &mut Reader, settings: &Sheet) -> About {
    let setting = |column: &str| if settings.rows.is_empty() { "" } else { settings.cell(0, column) };
    let code = setting("form_id").to_string();
    let version = setting("version").to_string();
    for (column, value) in [("form_id", &code), ("version", &version)] {
        if value.is_empty() {
            reader.errors.push(settings.error(Some(0), Some(column), XlsFormErrorKind::MissingValue));
        }
    }
    if !code.is_empty() && !is_valid_name(&code) {
        reader.errors.push(settings.error(Some(0), Some("form_id"), XlsFormErrorKind::BadName(code.clone())));
    }
    let (title, weights_note) = if settings.rows.is_empty() {
        (Text::default(), Text::default())
    } else {
        (settings.text(0, "form_title"), settings.text(0, "weights_note"))
    };
    if title.is_empty() {
        reader.errors.push(settings.error(Some(0), Some("form_title"), XlsFormErrorKind::MissingValue));
    }
    let provisional_raw = setting("provisional_weights");
    let provisional_weights = parse_bool(provisional_raw).unwrap_or_else(|| {
        reader.errors.push(settings.error(
            Some(0),
            Some("provisional_weights"),
            XlsFormErrorKind::BadBoolean(provisional_raw.into()),
        ));
        false
    });

    About { code, version, title, provisional_weights, weights_note }
}

/// The survey sheet: its groups and items, in order.
fn read_survey(
    reader: &mut Reader,
    survey: &Sheet,
    raw_choices: &RawChoices,
    dimensions: &[Dimension],
) -> (Vec<Section>, Vec<Item>) {
    // Survey: every name first, to tell unknown references from forward ones.
    let all_names: BTreeSet<String> =
        (0..survey.rows.len()).map(|i| survey.cell(i, "name").to_string()).filter(|n| !n.is_empty()).collect();
    let mut earlier: BTreeSet<String> = BTreeSet::new();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut sections: Vec<Section> = Vec::new();
    let mut items: Vec<Item> = Vec::new();
    // The open group: its name, data-row index, and how many items it has so far.
    let mut open: Option<(String, usize, usize)> = None;
    let mut with_composite: Vec<usize> = Vec::new();
    let mut without_composite: Vec<usize> = Vec::new();
    for index in 0..survey.rows.len() {
        if survey.is_blank(index) {
            continue;
        }
        let type_raw = survey.cell(index, "type");
        let type_words: Vec<&str> = type_raw.split_whitespace().collect();
        let base = type_words.first().map(|t| t.to_lowercase()).unwrap_or_default();
        let error = |kind, column: &str| survey.error(Some(index), Some(column), kind);
        if matches!(base.as_str(), "end_group" | "end") && (base == "end_group" || type_words.get(1) == Some(&"group"))
        {
            match open.take() {
                None => reader.errors.push(error(XlsFormErrorKind::UnexpectedEndGroup, "type")),
                Some((_, begin, 0)) => {
                    reader.errors.push(survey.error(Some(begin), Some("type"), XlsFormErrorKind::EmptyGroup))
                }
                Some(_) => {}
            }
            continue;
        }
        if ["start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "audit"]
            .contains(&base.as_str())
        {
            continue;
        }
        let name = survey.cell(index, "name");
        if base.is_empty() {
            reader.errors.push(error(XlsFormErrorKind::MissingValue, "type"));
            continue;
        }
        if name.is_empty() {
            reader.errors.push(error(XlsFormErrorKind::MissingValue, "name"));
            continue;
        }
        if !is_valid_name(name) {
            reader.errors.push(error(XlsFormErrorKind::BadName(name.into()), "name"));
            continue;
        }
        if !used.insert(name.to_string()) {
            reader.errors.push(error(XlsFormErrorKind::DuplicateName(name.into()), "name"));
            continue;
        }
        let label = survey.text(index, "label");
        let relevant = check_expression(reader, survey, index, "relevant", &earlier, &all_names);
        let scored_cells = ["dimension", "weight", "composite_weight", "score"];
        let is_group = base == "begin_group" || (base == "begin" && type_words.get(1) == Some(&"group"));
        if is_group {
            if open.is_some() {
                reader.errors.push(error(XlsFormErrorKind::NestedGroup, "type"));
                continue;
            }
            if scored_cells.iter().any(|c| !survey.cell(index, c).is_empty()) {
                reader.errors.push(error(XlsFormErrorKind::NotScorable, "dimension"));
            }
            open = Some((name.to_string(), index, 0));
            sections.push(Section { name: name.to_string(), label, relevant });
            continue;
        }
        let list_kind = |list: &str| -> Result<String, XlsFormErrorKind> {
            if list.is_empty() {
                return Err(XlsFormErrorKind::UnknownChoiceList(String::new()));
            }
            if raw_choices.lists.iter().any(|l| l.name == list) {
                Ok(list.to_string())
            } else {
                Err(XlsFormErrorKind::UnknownChoiceList(list.to_string()))
            }
        };
        let second = type_words.get(1).copied().unwrap_or("");
        let kind = match (base.as_str(), type_words.len()) {
            ("select_one", 2) => list_kind(second).map(|list| ItemKind::SingleChoice { list }),
            ("select_multiple", 2) => list_kind(second).map(|list| ItemKind::MultipleChoice { list }),
            ("select_one" | "select_multiple", 1) => Err(XlsFormErrorKind::UnknownChoiceList(String::new())),
            ("integer" | "int", 1) => Ok(ItemKind::Integer),
            ("decimal", 1) => Ok(ItemKind::Decimal),
            ("date", 1) => Ok(ItemKind::Date),
            ("text", 1) => Ok(ItemKind::Text),
            ("note", 1) => Ok(ItemKind::Note),
            _ => Err(XlsFormErrorKind::UnknownType(type_raw.to_string())),
        };
        let kind = match kind {
            Ok(kind) => kind,
            Err(kind) => {
                reader.errors.push(error(kind, "type"));
                earlier.insert(name.to_string());
                continue;
            }
        };
        if label.is_empty() {
            reader.errors.push(error(XlsFormErrorKind::MissingValue, "label"));
        }
        let required_raw = survey.cell(index, "required");
        let required = parse_bool(required_raw).unwrap_or_else(|| {
            reader.errors.push(error(XlsFormErrorKind::BadBoolean(required_raw.into()), "required"));
            false
        });
        let constraint = check_expression(reader, survey, index, "constraint", &earlier, &all_names);
        let scoring = read_item_scoring(reader, survey, index, &kind, dimensions, raw_choices);
        if let Some(s) = &scoring {
            if s.composite_weight.is_some() { &mut with_composite } else { &mut without_composite }.push(index);
        }
        if let Some((_, _, count)) = &mut open {
            *count += 1;
        }
        items.push(Item {
            name: name.to_string(),
            kind,
            label,
            hint: survey.text(index, "hint"),
            section: open.as_ref().map(|(section, _, _)| section.clone()),
            required,
            relevant,
            constraint,
            scoring,
        });
        earlier.insert(name.to_string());
    }
    if let Some((_, begin, _)) = open {
        reader.errors.push(survey.error(Some(begin), Some("type"), XlsFormErrorKind::UnclosedGroup));
    }
    if !with_composite.is_empty() && !without_composite.is_empty() {
        let row = with_composite.iter().chain(&without_composite).min().copied();
        reader.errors.push(survey.error(row, Some("composite_weight"), XlsFormErrorKind::MixedCompositeWeights));
    }
    (sections, items)
}
