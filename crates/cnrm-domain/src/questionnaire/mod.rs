//! Questionnaires as versioned data: sections, items, choice lists, relevance conditions and a
//! scoring definition, so that an administrator can change a questionnaire (or load official
//! weights) without a new release, and every submission can be re-scored with the version it was
//! answered with.
//!
//! The shapes follow XLSForm (the `survey`/`choices`/`settings` workbook of KoboToolbox and ODK),
//! which is how questionnaires come in and go out (see [`xlsform`]). Answers are kept as ODK keeps
//! them, one string per item (multiple choices separated by spaces): what was typed is what is
//! stored, and scores are always a function of the definition and those strings.

pub mod answers;
pub mod relevance;
pub mod scoring;
pub mod shipped;
pub mod xlsform;

use crate::locale::Locale;
use serde::{Deserialize, Serialize};

pub use answers::{validate_answers, AnswerError, AnswerErrors, Answers, CleanAnswers};
pub use relevance::{CompareOp, Literal, Relevance, RelevanceError, Subject};
pub use scoring::{score, DimensionScore, Scores};
pub use xlsform::{XlsFormError, XlsFormErrorKind, XlsSheet};

/// A text in the two languages of the platform. English falls back to French when missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub fr: String,
    pub en: String,
}

impl Text {
    pub fn new(fr: impl Into<String>, en: impl Into<String>) -> Self {
        Text { fr: fr.into(), en: en.into() }
    }

    /// The text in `locale`, or the other language's text when that one is empty.
    pub fn get(&self, locale: Locale) -> &str {
        let (wanted, other) = match locale {
            Locale::Fr => (&self.fr, &self.en),
            Locale::En => (&self.en, &self.fr),
        };
        if wanted.is_empty() {
            other
        } else {
            wanted
        }
    }

    pub fn is_empty(&self) -> bool {
        self.fr.is_empty() && self.en.is_empty()
    }
}

/// One version of a questionnaire. `code` + `version` identify it; a submission keeps both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Definition {
    /// Stable code of the questionnaire across versions (XLSForm `form_id`), e.g. `rss`.
    pub code: String,
    /// Version label (XLSForm `version`), e.g. `2024-1`.
    pub version: String,
    pub title: Text,
    /// The groups of the form, in order. Each item names its section (or none).
    pub sections: Vec<Section>,
    /// Every item in form order.
    pub items: Vec<Item>,
    pub choice_lists: Vec<ChoiceList>,
    pub scoring: Scoring,
}

/// A group of items (XLSForm `begin_group` … `end_group`). One level only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub name: String,
    pub label: Text,
    /// The whole section is shown only when this holds.
    pub relevant: Option<Relevance>,
}

/// What kind of answer an item takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemKind {
    /// One option of a choice list (also yes / no / not applicable: a list whose options say so).
    SingleChoice {
        list: String,
    },
    /// Several options of a choice list.
    MultipleChoice {
        list: String,
    },
    Integer,
    Decimal,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    Text,
    /// Text shown to the interviewer; takes no answer.
    Note,
}

/// One question (or note) of a questionnaire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Unique name within the questionnaire: the key of its answer.
    pub name: String,
    pub kind: ItemKind,
    pub label: Text,
    pub hint: Text,
    /// Name of the section this item belongs to.
    pub section: Option<String>,
    /// An answer is required when the item is relevant.
    pub required: bool,
    /// The item is asked only when this holds.
    pub relevant: Option<Relevance>,
    /// Numbers and dates must satisfy this (`.` is the answer itself), e.g. `. >= 0 and . <= 100`.
    pub constraint: Option<Relevance>,
    /// How the answer counts in the scores; `None` for items that are not scored.
    pub scoring: Option<ItemScoring>,
}

/// How one item's answer counts: its dimension and weights. The 0–1 value of the answer comes
/// from the options' `score` (choices) or from `range` (numbers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemScoring {
    /// Code of a [`Dimension`] of the scoring definition.
    pub dimension: String,
    /// Weight within its dimension (positive).
    pub weight: f64,
    /// Weight within the composite score. Either every scored item has one (the composite is then a
    /// weighted mean of items, as in IOM's official weights) or none has (the composite is then a
    /// weighted mean of the dimension scores).
    pub composite_weight: Option<f64>,
    /// For number items: the answer mapped linearly from `from` (score 0) to `to` (score 1),
    /// clamped; `from > to` reverses the direction.
    pub range: Option<NumberRange>,
    /// For multiple-choice items: how the selected options' scores combine.
    pub combine: Combine,
}

/// A linear map of numbers to 0–1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NumberRange {
    pub from: f64,
    pub to: f64,
}

/// How the scores of several selected options make the item's score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    #[default]
    Mean,
    Min,
    Max,
}

/// A list of options (XLSForm `choices` sheet, one `list_name`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoiceList {
    pub name: String,
    pub options: Vec<ChoiceOption>,
}

/// One option of a choice list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoiceOption {
    /// The code stored in the answer.
    pub name: String,
    pub label: Text,
    /// The numeric value of the option (e.g. 1 to 5), if any.
    pub value: Option<f64>,
    /// The option's contribution to scores.
    pub score: OptionScore,
}

/// What an option contributes to the score of its item.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum OptionScore {
    /// A value in 0–1.
    Score(f64),
    /// "Not applicable": the item leaves the denominator, weights renormalise.
    NotApplicable,
    /// The option does not count (e.g. "does not know"): treated like not applicable.
    Unscored,
}

/// The scoring definition of a questionnaire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scoring {
    /// The dimensions, in display order, with their weights in the composite.
    pub dimensions: Vec<Dimension>,
    /// Bands (thresholds) that qualify every score, by increasing lower bound; the first starts at 0.
    pub bands: Vec<Band>,
    /// True when the weights are placeholders (e.g. equal weights awaiting the official ones).
    pub provisional_weights: bool,
    /// Where the weights come from, shown next to the scores.
    pub weights_note: Text,
}

/// A dimension (XLSForm: the `scoring_dimensions` choice list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dimension {
    pub code: String,
    pub label: Text,
    /// Weight of the dimension score in the composite (when items carry no composite weight).
    pub weight: f64,
}

/// A band of scores from `min` (inclusive) up to the next band's `min`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    pub code: String,
    pub label: Text,
    pub min: f64,
}

impl Definition {
    /// The item of that name.
    pub fn item(&self, name: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.name == name)
    }

    /// The choice list of that name.
    pub fn choice_list(&self, name: &str) -> Option<&ChoiceList> {
        self.choice_lists.iter().find(|l| l.name == name)
    }

    /// The section of that name.
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The items of a section, in order (`None`: the items outside any section).
    pub fn section_items<'a>(&'a self, section: Option<&'a str>) -> impl Iterator<Item = &'a Item> + 'a {
        self.items.iter().filter(move |i| i.section.as_deref() == section)
    }

    /// The options an item offers (empty for items without a choice list).
    pub fn options_of(&self, item: &Item) -> &[ChoiceOption] {
        match &item.kind {
            ItemKind::SingleChoice { list } | ItemKind::MultipleChoice { list } => {
                self.choice_list(list).map(|l| l.options.as_slice()).unwrap_or(&[])
            }
            _ => &[],
        }
    }

    /// The band of a score (the last band whose lower bound it reaches).
    pub fn band_of(&self, score: f64) -> Option<&Band> {
        self.scoring.bands.iter().rev().find(|b| score >= b.min)
    }
}

impl ChoiceList {
    pub fn option(&self, name: &str) -> Option<&ChoiceOption> {
        self.options.iter().find(|o| o.name == name)
    }
}

#[cfg(test)]
mod tests;
