//! What can be wrong in an imported XLSForm workbook, where, and how to fix it, in French and
//! English: the messages carry names and row numbers, so they are built here rather than kept in
//! the web layer's message catalogue.

use super::{BANDS_LIST, DIMENSIONS_LIST};
use crate::locale::Locale;
use crate::questionnaire::RelevanceError;

/// Which sheet of the workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XlsSheet {
    Survey,
    Choices,
    Settings,
}

impl XlsSheet {
    /// The sheet's name in the workbook.
    pub fn name(self) -> &'static str {
        match self {
            XlsSheet::Survey => "survey",
            XlsSheet::Choices => "choices",
            XlsSheet::Settings => "settings",
        }
    }
}

/// What is wrong (the where is in [`XlsFormError`]).
#[derive(Debug, Clone, PartialEq)]
pub enum XlsFormErrorKind {
    /// The sheet is absent or has no header row.
    MissingSheet,
    /// A required column is absent from the header row.
    MissingColumn,
    /// A required cell is empty.
    MissingValue,
    /// A name that is not `[A-Za-z_][A-Za-z0-9_.-]*` (options: no spaces).
    BadName(String),
    /// The name is used twice (items and groups; options within a list).
    DuplicateName(String),
    UnknownType(String),
    /// `select_one`/`select_multiple` names a list the choices sheet does not have.
    UnknownChoiceList(String),
    /// Groups inside groups are not supported.
    NestedGroup,
    /// An `end_group` without its `begin_group`.
    UnexpectedEndGroup,
    /// A `begin_group` never closed.
    UnclosedGroup,
    /// A group with no question.
    EmptyGroup,
    /// The expression could not be read.
    BadExpression(RelevanceError),
    /// The expression names an item that does not exist.
    UnknownReference(String),
    /// The expression names an item that comes later in the form (or the item itself).
    ForwardReference(String),
    /// `.` in a relevance condition (only constraints may use it).
    CurrentInRelevance,
    /// Not yes/no.
    BadBoolean(String),
    /// Not a positive number.
    BadWeight(String),
    /// Not a number in 0–1 (choices), not `from..to` (numbers), not mean/min/max (multiple choice).
    BadScore(String),
    /// Not a number.
    BadValue(String),
    UnknownDimension(String),
    /// The item's kind cannot be scored (date, text, note, group).
    NotScorable,
    /// A scored number needs `score` = `from..to`.
    MissingRange,
    /// A scored choice item whose list gives no option a score.
    ListWithoutScores(String),
    /// Every value of the list is the same, so scores cannot be derived from them.
    FlatValues(String),
    /// Some scored items have a composite weight and others do not.
    MixedCompositeWeights,
    /// Bands must start at 0 and increase, within 0–1.
    BadBands,
}

/// One problem of an imported workbook: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct XlsFormError {
    pub sheet: XlsSheet,
    /// Spreadsheet row number (the header row is 1).
    pub row: Option<usize>,
    pub column: Option<String>,
    pub kind: XlsFormErrorKind,
}

impl XlsFormError {
    /// The problem and how to fix it, in the user's language.
    pub fn message(&self, locale: Locale) -> String {
        let fr = locale == Locale::Fr;
        let mut place =
            if fr { format!("Feuille « {} »", self.sheet.name()) } else { format!("Sheet '{}'", self.sheet.name()) };
        if let Some(row) = self.row {
            place.push_str(&if fr { format!(", ligne {row}") } else { format!(", row {row}") });
        }
        if let Some(column) = &self.column {
            place.push_str(&if fr { format!(", colonne « {column} »") } else { format!(", column '{column}'") });
        }
        let column = self.column.as_deref().unwrap_or("");
        use XlsFormErrorKind::*;
        let what = match (&self.kind, fr) {
            (MissingSheet, true) => format!("la feuille « {} » manque ou est vide : ajoutez-la, avec une ligne d'en-têtes.", self.sheet.name()),
            (MissingSheet, false) => format!("the sheet '{}' is missing or empty: add it, with a header row.", self.sheet.name()),
            (MissingColumn, true) => format!("la colonne « {column} » manque : ajoutez-la à la première ligne."),
            (MissingColumn, false) => format!("the column '{column}' is missing: add it to the first row."),
            (MissingValue, true) => "cette case est obligatoire : remplissez-la.".into(),
            (MissingValue, false) => "this cell is required: fill it in.".into(),
            (BadName(n), true) => format!("« {n} » n'est pas un nom valide : commencez par une lettre, puis lettres sans accent, chiffres, _ - . (sans espace)."),
            (BadName(n), false) => format!("'{n}' is not a valid name: start with a letter, then unaccented letters, digits, _ - . (no spaces)."),
            (DuplicateName(n), true) => format!("le nom « {n} » est déjà utilisé plus haut : donnez un nom unique."),
            (DuplicateName(n), false) => format!("the name '{n}' is already used above: give a unique name."),
            (UnknownType(t), true) => format!("type « {t} » inconnu : utilisez select_one LISTE, select_multiple LISTE, integer, decimal, date, text, note, begin_group ou end_group."),
            (UnknownType(t), false) => format!("unknown type '{t}': use select_one LIST, select_multiple LIST, integer, decimal, date, text, note, begin_group or end_group."),
            (UnknownChoiceList(l), true) => format!("la liste « {l} » n'existe pas dans la feuille « choices » : ajoutez ses options ou corrigez le nom."),
            (UnknownChoiceList(l), false) => format!("the list '{l}' does not exist in the 'choices' sheet: add its options or correct the name."),
            (NestedGroup, true) => "un groupe dans un groupe n'est pas pris en charge : fermez le groupe précédent (end_group) avant.".into(),
            (NestedGroup, false) => "groups inside groups are not supported: close the previous group (end_group) first.".into(),
            (UnexpectedEndGroup, true) => "end_group sans begin_group : supprimez cette ligne ou ouvrez le groupe plus haut.".into(),
            (UnexpectedEndGroup, false) => "end_group without begin_group: remove this row or open the group above.".into(),
            (UnclosedGroup, true) => "ce groupe n'est jamais fermé : ajoutez une ligne end_group après ses questions.".into(),
            (UnclosedGroup, false) => "this group is never closed: add an end_group row after its questions.".into(),
            (EmptyGroup, true) => "ce groupe ne contient aucune question : ajoutez-en ou supprimez le groupe.".into(),
            (EmptyGroup, false) => "this group has no question: add some or remove the group.".into(),
            (BadExpression(e), true) => format!("expression illisible, {} (exemple : ${{a}} = 'oui' and ${{b}} > 2).", e.message(Locale::Fr)),
            (BadExpression(e), false) => format!("unreadable expression, {} (example: ${{a}} = 'yes' and ${{b}} > 2).", e.message(Locale::En)),
            (UnknownReference(n), true) => format!("l'expression cite ${{{n}}}, qui n'existe pas : corrigez le nom de la question."),
            (UnknownReference(n), false) => format!("the expression refers to ${{{n}}}, which does not exist: correct the item name."),
            (ForwardReference(n), true) => format!("l'expression cite ${{{n}}}, qui vient après (ou est la question elle-même) : une condition ne peut dépendre que des questions précédentes."),
            (ForwardReference(n), false) => format!("the expression refers to ${{{n}}}, which comes later (or is the item itself): a condition may only depend on earlier items."),
            (CurrentInRelevance, true) => "« . » (la réponse elle-même) n'a de sens que dans « constraint » : citez une question, ${nom}.".into(),
            (CurrentInRelevance, false) => "'.' (the answer itself) only makes sense in 'constraint': refer to an item, ${name}.".into(),
            (BadBoolean(v), true) => format!("« {v} » : écrivez yes ou no."),
            (BadBoolean(v), false) => format!("'{v}': write yes or no."),
            (BadWeight(v), true) => format!("poids « {v} » invalide : un nombre positif (exemple : 1 ou 0,25)."),
            (BadWeight(v), false) => format!("invalid weight '{v}': a positive number (example: 1 or 0.25)."),
            (BadScore(v), true) => format!("score « {v} » invalide : pour une option, un nombre de 0 à 1, na (non applicable) ou none ; pour un nombre, de..à (exemple : 0..10) ; pour un choix multiple, mean, min ou max."),
            (BadScore(v), false) => format!("invalid score '{v}': for an option, a number from 0 to 1, na (not applicable) or none; for a number, from..to (example: 0..10); for a multiple choice, mean, min or max."),
            (BadValue(v), true) => format!("valeur « {v} » invalide : un nombre (exemple : 3 ou 0,5)."),
            (BadValue(v), false) => format!("invalid value '{v}': a number (example: 3 or 0.5)."),
            (UnknownDimension(d), true) => format!("dimension « {d} » inconnue : ajoutez-la à la liste « {DIMENSIONS_LIST} » de la feuille « choices » ou corrigez le code."),
            (UnknownDimension(d), false) => format!("unknown dimension '{d}': add it to the '{DIMENSIONS_LIST}' list of the 'choices' sheet or correct the code."),
            (NotScorable, true) => "une date, un texte, une note ou un groupe ne peut pas être noté : videz dimension, weight et score.".into(),
            (NotScorable, false) => "a date, text, note or group cannot be scored: empty dimension, weight and score.".into(),
            (MissingRange, true) => "un nombre noté a besoin d'une échelle dans « score », de..à (exemple : 0..10, ou 10..0 si plus est moins bien).".into(),
            (MissingRange, false) => "a scored number needs a range in 'score', from..to (example: 0..10, or 10..0 when more is worse).".into(),
            (ListWithoutScores(l), true) => format!("la liste « {l} » ne donne de score à aucune option : remplissez « value » ou « score » dans la feuille « choices »."),
            (ListWithoutScores(l), false) => format!("the list '{l}' gives no option a score: fill 'value' or 'score' in the 'choices' sheet."),
            (FlatValues(l), true) => format!("toutes les valeurs de la liste « {l} » sont égales : donnez un « score » de 0 à 1 à chaque option."),
            (FlatValues(l), false) => format!("every value of the list '{l}' is the same: give each option a 'score' from 0 to 1."),
            (MixedCompositeWeights, true) => "composite_weight est rempli pour certaines questions notées et pas pour d'autres : remplissez-le partout ou nulle part.".into(),
            (MixedCompositeWeights, false) => "composite_weight is filled for some scored items and not others: fill it everywhere or nowhere.".into(),
            (BadBands, true) => format!("les bornes de la liste « {BANDS_LIST} » (colonne value) doivent commencer à 0, croître et rester entre 0 et 1."),
            (BadBands, false) => format!("the bounds of the '{BANDS_LIST}' list (value column) must start at 0, increase and stay within 0–1."),
        };
        if fr {
            format!("{place} : {what}")
        } else {
            format!("{place}: {what}")
        }
    }
}
