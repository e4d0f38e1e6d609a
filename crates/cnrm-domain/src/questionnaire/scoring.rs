//! Scores of a submission, per dimension and composite, on 0–1.
//!
//! Each scored item's answer becomes a value in 0–1 (the option's `score`, or a number mapped by
//! its range). A dimension score is the weighted mean of its items' values; the composite is the
//! weighted mean of the items' values with their composite weights when the definition has them
//! (IOM's official weights do), of the dimension scores otherwise. Items not answered, not
//! relevant, or answered "not applicable" leave both the numerator and the denominator: the other
//! weights are renormalised, so N/A never lowers a score. Nothing scorable gives `None`.

use super::answers::relevant_answers;
use super::relevance::parse_number;
use super::{Answers, Combine, Definition, Item, ItemKind, ItemScoring, OptionScore};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The scores of one submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// One per dimension of the definition, in its order.
    pub dimensions: Vec<DimensionScore>,
    pub composite: Option<f64>,
    /// Code of the composite's band.
    pub composite_band: Option<String>,
    /// The 0–1 value of each item that counted.
    pub items: BTreeMap<String, f64>,
}

/// The score of one dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionScore {
    pub dimension: String,
    pub score: Option<f64>,
    /// Code of the score's band.
    pub band: Option<String>,
    /// How many items counted.
    pub items_scored: usize,
}

impl Scores {
    /// The score of a dimension, if it could be computed.
    pub fn dimension(&self, code: &str) -> Option<f64> {
        self.dimensions.iter().find(|d| d.dimension == code).and_then(|d| d.score)
    }
}

/// A weighted mean that ignores nothing-weighted input; `None` when the weights add up to nothing.
#[derive(Default)]
struct Mean {
    weighted: f64,
    weights: f64,
    count: usize,
}

impl Mean {
    fn add(&mut self, value: f64, weight: f64) {
        if weight > 0.0 {
            self.weighted += value * weight;
            self.weights += weight;
            self.count += 1;
        }
    }

    fn value(&self) -> Option<f64> {
        (self.weights > 0.0).then(|| (self.weighted / self.weights).clamp(0.0, 1.0))
    }
}

/// The 0–1 value of one answer, `None` when it does not count (N/A, unscored option, not a number).
fn item_value(definition: &Definition, item: &Item, scoring: &ItemScoring, answer: &str) -> Option<f64> {
    let options = definition.options_of(item);
    let option_score = |name: &str| match options.iter().find(|o| o.name == name)?.score {
        OptionScore::Score(s) => Some(s),
        OptionScore::NotApplicable | OptionScore::Unscored => None,
    };
    match &item.kind {
        ItemKind::SingleChoice { .. } => option_score(answer),
        ItemKind::MultipleChoice { .. } => {
            let scores: Vec<f64> = answer.split_whitespace().filter_map(option_score).collect();
            if scores.is_empty() {
                return None;
            }
            Some(match scoring.combine {
                Combine::Mean => scores.iter().sum::<f64>() / scores.len() as f64,
                Combine::Min => scores.iter().copied().fold(f64::INFINITY, f64::min),
                Combine::Max => scores.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            })
        }
        ItemKind::Integer | ItemKind::Decimal => {
            let range = scoring.range?;
            let n = parse_number(answer)?;
            let span = range.to - range.from;
            (span != 0.0).then(|| ((n - range.from) / span).clamp(0.0, 1.0))
        }
        ItemKind::Date | ItemKind::Text | ItemKind::Note => None,
    }
}

/// Scores a submission with the definition it was answered with. Deterministic: the same
/// definition and answers always give the same scores.
pub fn score(definition: &Definition, answers: &Answers) -> Scores {
    let relevant = relevant_answers(definition, answers);
    let mut values = BTreeMap::new();
    let mut per_dimension: BTreeMap<&str, Mean> = BTreeMap::new();
    let mut by_items = Mean::default();
    for item in &definition.items {
        let (Some(scoring), Some(answer)) = (&item.scoring, relevant.get(&item.name)) else {
            continue;
        };
        let Some(value) = item_value(definition, item, scoring, answer) else {
            continue;
        };
        values.insert(item.name.clone(), value);
        per_dimension.entry(scoring.dimension.as_str()).or_default().add(value, scoring.weight);
        by_items.add(value, scoring.composite_weight.unwrap_or(0.0));
    }
    let band = |score: Option<f64>| score.and_then(|s| definition.band_of(s)).map(|b| b.code.clone());
    let dimensions: Vec<DimensionScore> = definition
        .scoring
        .dimensions
        .iter()
        .map(|d| {
            let mean = per_dimension.get(d.code.as_str());
            let score = mean.and_then(Mean::value);
            DimensionScore {
                dimension: d.code.clone(),
                score,
                band: band(score),
                items_scored: mean.map_or(0, |m| m.count),
            }
        })
        .collect();
    let composite = if composite_from_items(definition) {
        by_items.value()
    } else {
        let mut by_dimensions = Mean::default();
        for (d, s) in definition.scoring.dimensions.iter().zip(&dimensions) {
            if let Some(score) = s.score {
                by_dimensions.add(score, d.weight);
            }
        }
        by_dimensions.value()
    };
    Scores { dimensions, composite, composite_band: band(composite), items: values }
}

/// True when the scored items carry composite weights (then the composite is a mean of items).
pub fn composite_from_items(definition: &Definition) -> bool {
    let mut scored = definition.items.iter().filter_map(|i| i.scoring.as_ref()).peekable();
    scored.peek().is_some() && scored.all(|s| s.composite_weight.is_some())
}
