//! Answers to a questionnaire and their validation.
//!
//! Answers are kept as ODK keeps them: one string per item name, the options of a multiple choice
//! separated by spaces. Validation checks each relevant item against its kind, its choice list
//! and its constraint, and returns the canonical strings to store; answers to items that are not
//! relevant (or unknown, or notes) are dropped, so what is stored is exactly what counts.

use super::relevance::{parse_number, Subject};
use super::{Definition, Item, ItemKind, Relevance};
use crate::person::parse_date;
use crate::validation::clean_text;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest text answer, in characters.
pub const MAX_TEXT_ANSWER: usize = 2000;

/// Raw answers: item name → answer text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Answers(pub BTreeMap<String, String>);

impl Answers {
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers from form fields: a name sent several times (checkboxes of a multiple choice) gives
    /// its values separated by spaces.
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        let mut answers = Answers::new();
        for (name, value) in pairs {
            let value = value.as_ref().trim();
            if value.is_empty() {
                continue;
            }
            answers
                .0
                .entry(name.as_ref().to_string())
                .and_modify(|existing| {
                    existing.push(' ');
                    existing.push_str(value);
                })
                .or_insert_with(|| value.to_string());
        }
        answers
    }

    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.0.insert(name.into(), value.into());
        self
    }

    /// The answer to an item, trimmed; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
}

/// Answers that passed [`validate_answers`]: relevant items only, canonical text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CleanAnswers(Answers);

impl CleanAnswers {
    pub fn answers(&self) -> &Answers {
        &self.0
    }

    pub fn into_answers(self) -> Answers {
        self.0
    }
}

/// A problem with the answer to one item. `message` is a message-catalogue key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerError {
    pub item: String,
    pub message: &'static str,
}

/// The problems of one submission, in form order. (Like [`crate::FieldErrors`], but item names
/// come from the questionnaire, not from the code.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AnswerErrors(pub Vec<AnswerError>);

impl AnswerErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for an item, if any: what a form shows next to that question.
    pub fn for_field(&self, item: &str) -> Option<&'static str> {
        self.0.iter().find(|e| e.item == item).map(|e| e.message)
    }

    fn add(&mut self, item: &str, message: &'static str) {
        self.0.push(AnswerError { item: item.to_string(), message });
    }
}

impl Definition {
    /// Whether an item is asked given the answers so far: its section's and its own relevance
    /// hold. Conditions only read earlier items (the XLSForm import checks it), so walking the
    /// items in order with the answers kept so far decides every item.
    pub fn is_relevant(&self, item: &Item, answers: &Answers) -> bool {
        let holds = |condition: Option<&Relevance>| {
            condition.is_none_or(|c| {
                c.eval(&|subject: &Subject| match subject {
                    Subject::Item(name) => answers.get(name),
                    Subject::Current => None,
                })
            })
        };
        let section = item.section.as_deref().and_then(|s| self.section(s));
        holds(section.and_then(|s| s.relevant.as_ref())) && holds(item.relevant.as_ref())
    }
}

/// The answers that count: those of relevant, answerable items, as given (not checked).
/// Scoring reads these, so that stale answers to items no longer asked never count.
pub(crate) fn relevant_answers(definition: &Definition, answers: &Answers) -> Answers {
    let mut kept = Answers::new();
    for item in &definition.items {
        if item.kind == ItemKind::Note || !definition.is_relevant(item, &kept) {
            continue;
        }
        if let Some(value) = answers.get(&item.name) {
            kept.set(item.name.clone(), value);
        }
    }
    kept
}

/// Checks a submission: types, choices, required items (when relevant) and constraints. Returns
/// the canonical answers to store, without those to items that are not relevant.
pub fn validate_answers(definition: &Definition, answers: &Answers) -> Result<CleanAnswers, AnswerErrors> {
    let mut kept = Answers::new();
    let mut errors = AnswerErrors::default();
    for item in &definition.items {
        if item.kind == ItemKind::Note || !definition.is_relevant(item, &kept) {
            continue;
        }
        let Some(raw) = answers.get(&item.name) else {
            if item.required {
                errors.add(&item.name, "error-required");
            }
            continue;
        };
        let value = match canonical(definition, item, raw) {
            Ok(Some(value)) => value,
            Ok(None) if item.required => {
                errors.add(&item.name, "error-required");
                continue;
            }
            Ok(None) => continue,
            Err(message) => {
                errors.add(&item.name, message);
                continue;
            }
        };
        let allowed = item.constraint.as_ref().is_none_or(|c| {
            c.eval(&|subject: &Subject| match subject {
                Subject::Item(name) => kept.get(name),
                Subject::Current => Some(value.as_str()),
            })
        });
        if !allowed {
            errors.add(&item.name, "questionnaire-error-constraint");
            continue;
        }
        kept.set(item.name.clone(), value);
    }
    if errors.is_empty() {
        Ok(CleanAnswers(kept))
    } else {
        Err(errors)
    }
}

/// The stored form of one answer (`None`: nothing left once cleaned), or the message key of why
/// it is not acceptable.
fn canonical(definition: &Definition, item: &Item, raw: &str) -> Result<Option<String>, &'static str> {
    let options = definition.options_of(item);
    match &item.kind {
        ItemKind::SingleChoice { .. } => match options.iter().any(|o| o.name == raw) {
            true => Ok(Some(raw.to_string())),
            false => Err("error-choose-from-list"),
        },
        ItemKind::MultipleChoice { .. } => {
            let chosen: Vec<&str> = raw.split_whitespace().collect();
            if chosen.iter().any(|c| !options.iter().any(|o| o.name == *c)) {
                return Err("error-choose-from-list");
            }
            let in_list_order: Vec<&str> =
                options.iter().map(|o| o.name.as_str()).filter(|name| chosen.contains(name)).collect();
            Ok(Some(in_list_order.join(" ")).filter(|s| !s.is_empty()))
        }
        ItemKind::Integer => {
            let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
            digits.parse::<i64>().map(|n| Some(n.to_string())).map_err(|_| "questionnaire-error-integer")
        }
        ItemKind::Decimal => {
            let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
            parse_number(&compact).map(|n| Some(n.to_string())).ok_or("questionnaire-error-number")
        }
        ItemKind::Date => parse_date(raw).map(|d| Some(d.to_string())),
        ItemKind::Text => clean_text(raw, 0, MAX_TEXT_ANSWER).map(|t| Some(t).filter(|t| !t.is_empty())),
        ItemKind::Note => Ok(None),
    }
}
