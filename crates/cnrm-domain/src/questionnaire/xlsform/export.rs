//! XLSForm export: a definition back to the three sheets, in the shape [`super::parse`] reads,
//! so that an administrator can download a questionnaire, change it and import it again.

use super::{Tables, BANDS_LIST, DIMENSIONS_LIST};
use crate::questionnaire::{Combine, Definition, ItemKind, OptionScore, Relevance};

fn number(n: f64) -> String {
    n.to_string()
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

/// Writes a questionnaire as the three sheets of an XLSForm workbook; [`parse`] reads them back
/// to the same definition.
pub fn to_tables(definition: &Definition) -> Tables {
    let mut survey = vec![row(&[
        "type",
        "name",
        "label::French (fr)",
        "label::English (en)",
        "hint::French (fr)",
        "hint::English (en)",
        "required",
        "relevant",
        "constraint",
        "dimension",
        "weight",
        "composite_weight",
        "score",
    ])];
    let condition = |c: &Option<Relevance>| c.as_ref().map(|c| c.to_string()).unwrap_or_default();
    let mut current: Option<&str> = None;
    for item in &definition.items {
        if item.section.as_deref() != current {
            if current.is_some() {
                survey.push(row(&["end_group"]).into_iter().chain(std::iter::repeat_n(String::new(), 12)).collect());
            }
            if let Some(section) = item.section.as_deref().and_then(|s| definition.section(s)) {
                let relevant = condition(&section.relevant);
                survey.push(row(&[
                    "begin_group",
                    &section.name,
                    &section.label.fr,
                    &section.label.en,
                    "",
                    "",
                    "",
                    &relevant,
                    "",
                    "",
                    "",
                    "",
                    "",
                ]));
            }
            current = item.section.as_deref();
        }
        let kind = match &item.kind {
            ItemKind::SingleChoice { list } => format!("select_one {list}"),
            ItemKind::MultipleChoice { list } => format!("select_multiple {list}"),
            ItemKind::Integer => "integer".into(),
            ItemKind::Decimal => "decimal".into(),
            ItemKind::Date => "date".into(),
            ItemKind::Text => "text".into(),
            ItemKind::Note => "note".into(),
        };
        let (dimension, weight, composite, score) = match &item.scoring {
            None => Default::default(),
            Some(s) => (
                s.dimension.clone(),
                number(s.weight),
                s.composite_weight.map(number).unwrap_or_default(),
                match (&s.range, s.combine, &item.kind) {
                    (Some(r), _, _) => format!("{}..{}", number(r.from), number(r.to)),
                    (None, Combine::Min, _) => "min".into(),
                    (None, Combine::Max, _) => "max".into(),
                    _ => String::new(),
                },
            ),
        };
        survey.push(row(&[
            &kind,
            &item.name,
            &item.label.fr,
            &item.label.en,
            &item.hint.fr,
            &item.hint.en,
            if item.required { "yes" } else { "" },
            &condition(&item.relevant),
            &condition(&item.constraint),
            &dimension,
            &weight,
            &composite,
            &score,
        ]));
    }
    if current.is_some() {
        survey.push(row(&["end_group"]).into_iter().chain(std::iter::repeat_n(String::new(), 12)).collect());
    }

    let mut choices =
        vec![row(&["list_name", "name", "label::French (fr)", "label::English (en)", "value", "score", "weight"])];
    for list in &definition.choice_lists {
        for option in &list.options {
            let score = match option.score {
                OptionScore::Score(s) => number(s),
                OptionScore::NotApplicable => "na".into(),
                OptionScore::Unscored => "none".into(),
            };
            let value = option.value.map(number).unwrap_or_default();
            choices.push(row(&[&list.name, &option.name, &option.label.fr, &option.label.en, &value, &score, ""]));
        }
    }
    let scoring = &definition.scoring;
    for d in &scoring.dimensions {
        choices.push(row(&[DIMENSIONS_LIST, &d.code, &d.label.fr, &d.label.en, "", "", &number(d.weight)]));
    }
    for b in &scoring.bands {
        choices.push(row(&[BANDS_LIST, &b.code, &b.label.fr, &b.label.en, &number(b.min), "", ""]));
    }

    let settings = vec![
        row(&[
            "form_id",
            "version",
            "form_title",
            "form_title::English (en)",
            "default_language",
            "provisional_weights",
            "weights_note::French (fr)",
            "weights_note::English (en)",
        ]),
        row(&[
            &definition.code,
            &definition.version,
            &definition.title.fr,
            &definition.title.en,
            "French (fr)",
            if scoring.provisional_weights { "yes" } else { "no" },
            &scoring.weights_note.fr,
            &scoring.weights_note.en,
        ]),
    ];
    Tables { survey, choices, settings }
}
