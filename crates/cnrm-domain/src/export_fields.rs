//! Exports of lists with a choice of fields: the catalogue of the fields each list offers, as data.
//!
//! Each field says whether it is personal data. Exporting personal data needs
//! [`Permission::PersonalDataExport`]; a choice of non-personal fields only needs
//! [`Permission::AnonymisedExport`] (or the personal one, which covers it). Personal fields carry
//! no HXL hashtag: HXL is for data meant to be shared, and names are not.
//!
//! What counts as personal: whatever identifies a returnee or describes them individually — names,
//! birth date, exact arrival date, phones, documents, contacts, free-text notes (occupation,
//! skills), the protection flag. Not personal: the case number, the organisation, status, region
//! and cercle, sex, age group, arrival month, country returned from, return type, programme.

use crate::Permission;

/// A list that can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportList {
    /// The case list (`/cases`), with its filters.
    Cases,
    /// The surveys (sustainability, satisfaction) answered for the cases of the case list, one row
    /// each, with their scores.
    Surveys,
}

impl ExportList {
    pub fn code(self) -> &'static str {
        match self {
            ExportList::Cases => "cases",
            ExportList::Surveys => "surveys",
        }
    }

    /// `cases` (also when nothing is given) or `surveys`.
    pub fn parse(raw: &str) -> Option<ExportList> {
        match raw.trim() {
            "" | "cases" => Some(ExportList::Cases),
            "surveys" => Some(ExportList::Surveys),
            _ => None,
        }
    }

    /// The fields the list offers, in the order of the form.
    pub fn fields(self) -> &'static [ExportField] {
        match self {
            ExportList::Cases => CASE_FIELDS,
            ExportList::Surveys => SURVEY_FIELDS,
        }
    }
}

/// How the fields are grouped on the export form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldGroup {
    Case,
    Return,
    Place,
    Person,
    Identity,
    Contact,
    Survey,
    Scores,
}

impl FieldGroup {
    pub const ALL: [FieldGroup; 8] = [
        FieldGroup::Case,
        FieldGroup::Return,
        FieldGroup::Place,
        FieldGroup::Person,
        FieldGroup::Identity,
        FieldGroup::Contact,
        FieldGroup::Survey,
        FieldGroup::Scores,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FieldGroup::Case => "case",
            FieldGroup::Return => "return",
            FieldGroup::Place => "place",
            FieldGroup::Person => "person",
            FieldGroup::Identity => "identity",
            FieldGroup::Contact => "contact",
            FieldGroup::Survey => "survey",
            FieldGroup::Scores => "scores",
        }
    }

    /// The message key of the group's heading.
    pub fn label_key(self) -> String {
        format!("export-group-{}", self.code())
    }
}

/// One exportable field of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExportField {
    /// Stable code, used in the query string (`fields=case_number,sex`).
    pub code: &'static str,
    pub group: FieldGroup,
    /// Column header in French.
    pub fr: &'static str,
    /// Column header in English.
    pub en: &'static str,
    /// Whether the field is personal data (needs [`Permission::PersonalDataExport`]).
    pub personal: bool,
    /// HXL hashtag of the column, where one fits.
    pub hxl: Option<&'static str>,
}

impl ExportField {
    pub fn label(&self, locale: crate::Locale) -> &'static str {
        match locale {
            crate::Locale::Fr => self.fr,
            crate::Locale::En => self.en,
        }
    }
}

const fn field(
    code: &'static str,
    group: FieldGroup,
    fr: &'static str,
    en: &'static str,
    personal: bool,
    hxl: Option<&'static str>,
) -> ExportField {
    ExportField { code, group, fr, en, personal, hxl }
}

use FieldGroup as G;

/// The fields of the case list.
pub const CASE_FIELDS: &[ExportField] = &[
    field("case_number", G::Case, "Numéro de dossier", "Case number", false, Some("#beneficiary+id")),
    field("organisation", G::Case, "Organisation", "Organisation", false, Some("#org+acronym")),
    field("status", G::Case, "Statut", "Status", false, Some("#status")),
    field("priority", G::Case, "Priorité", "Priority", false, None),
    field("protection", G::Case, "Cas de protection", "Protection case", true, None),
    field("arrival_month", G::Return, "Mois d'arrivée", "Arrival month", false, Some("#date+arrival")),
    field("arrival_date", G::Return, "Date d'arrivée", "Arrival date", true, None),
    field("returned_from", G::Return, "Pays de retour", "Returned from", false, Some("#country+code+return")),
    field("return_type", G::Return, "Type de retour", "Return type", false, None),
    field("programme", G::Return, "Programme", "Programme", false, Some("#activity+programme")),
    field("point_of_arrival", G::Return, "Point d'arrivée", "Point of arrival", false, None),
    field("region", G::Place, "Région", "Region", false, Some("#adm1+name")),
    field("region_code", G::Place, "Code région", "Region code", false, Some("#adm1+code")),
    field("cercle", G::Place, "Cercle", "Cercle", false, Some("#adm2+name")),
    field("cercle_code", G::Place, "Code cercle", "Cercle code", false, Some("#adm2+code")),
    field("sex", G::Person, "Sexe", "Sex", false, None),
    field("age_group", G::Person, "Tranche d'âge à l'arrivée", "Age group at arrival", false, None),
    field("nationality", G::Person, "Nationalité", "Nationality", false, None),
    field("family_name", G::Identity, "Nom", "Family name", true, None),
    field("given_names", G::Identity, "Prénoms", "Given names", true, None),
    field("other_names", G::Identity, "Autres noms", "Other names", true, None),
    field("father_name", G::Identity, "Prénom du père", "Father's given name", true, None),
    field("mother_name", G::Identity, "Nom et prénom de la mère", "Mother's full name", true, None),
    field("birth_date", G::Identity, "Date de naissance", "Date of birth", true, None),
    field("documents", G::Identity, "Pièces d'identité", "Identity documents", true, None),
    field("phones", G::Contact, "Téléphones", "Phones", true, None),
    field("emergency_contact", G::Contact, "Personne à prévenir", "Emergency contact", true, None),
    field("occupation", G::Contact, "Profession", "Occupation", true, None),
    field("skills", G::Contact, "Compétences", "Skills", true, None),
];

/// The fields of the survey export: the case's non-personal fields, the survey, its scores on 0–1
/// and whether the weights that gave them are provisional (every export showing a score says so).
pub const SURVEY_FIELDS: &[ExportField] = &[
    field("case_number", G::Case, "Numéro de dossier", "Case number", false, Some("#beneficiary+id")),
    field("organisation", G::Case, "Organisation", "Organisation", false, Some("#org+acronym")),
    field("arrival_month", G::Return, "Mois d'arrivée", "Arrival month", false, Some("#date+arrival")),
    field("return_type", G::Return, "Type de retour", "Return type", false, None),
    field("region", G::Place, "Région", "Region", false, Some("#adm1+name")),
    field("region_code", G::Place, "Code région", "Region code", false, Some("#adm1+code")),
    field("cercle", G::Place, "Cercle", "Cercle", false, Some("#adm2+name")),
    field("cercle_code", G::Place, "Code cercle", "Cercle code", false, Some("#adm2+code")),
    field("sex", G::Person, "Sexe", "Sex", false, None),
    field("age_group", G::Person, "Tranche d'âge à l'arrivée", "Age group at arrival", false, None),
    field("family_name", G::Identity, "Nom", "Family name", true, None),
    field("given_names", G::Identity, "Prénoms", "Given names", true, None),
    field("questionnaire", G::Survey, "Questionnaire", "Questionnaire", false, Some("#meta+questionnaire")),
    field("kind", G::Survey, "Type d'enquête", "Survey kind", false, None),
    field("answered_month", G::Survey, "Mois de l'enquête", "Survey month", false, Some("#date+survey")),
    field("answered_on", G::Survey, "Date de l'enquête", "Survey date", true, None),
    field("economic", G::Scores, "Score économique", "Economic score", false, Some("#indicator+score+economic")),
    field("social", G::Scores, "Score social", "Social score", false, Some("#indicator+score+social")),
    field(
        "psychosocial",
        G::Scores,
        "Score psychosocial",
        "Psychosocial score",
        false,
        Some("#indicator+score+psychosocial"),
    ),
    field("composite", G::Scores, "Score composite", "Composite score", false, Some("#indicator+score+composite")),
    field(
        "weights",
        G::Scores,
        "Pondérations des scores (provisional : égales en attendant les officielles)",
        "Score weights (provisional: equal until the official ones)",
        false,
        Some("#meta+weights"),
    ),
];

/// Whether a choice shows a score (the export then says whether the weights are provisional).
pub fn shows_scores(fields: &[&ExportField]) -> bool {
    fields.iter().any(|f| f.group == FieldGroup::Scores && f.code != "weights")
}

/// Why a choice of fields is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldChoiceError {
    /// No field was chosen.
    Empty,
    /// A code the list does not offer (shortened to 40 characters).
    Unknown(String),
}

impl FieldChoiceError {
    /// The message key (its variable, for `Unknown`, is `code`).
    pub fn key(&self) -> &'static str {
        match self {
            FieldChoiceError::Empty => "export-error-no-field",
            FieldChoiceError::Unknown(_) => "export-error-unknown-field",
        }
    }
}

/// Reads the chosen fields: each value is one code or several separated by commas (a form sends
/// `fields=a&fields=b`, an API client may write `fields=a,b`). Duplicates count once, in the order
/// first given. An unknown code is refused, naming it; an empty choice too.
pub fn parse_fields<S: AsRef<str>>(list: ExportList, raw: &[S]) -> Result<Vec<&'static ExportField>, FieldChoiceError> {
    let mut chosen: Vec<&'static ExportField> = Vec::new();
    for code in raw.iter().flat_map(|r| r.as_ref().split(',')).map(str::trim).filter(|c| !c.is_empty()) {
        match list.fields().iter().find(|f| f.code == code) {
            Some(f) if !chosen.iter().any(|c| c.code == f.code) => chosen.push(f),
            Some(_) => {}
            None => return Err(FieldChoiceError::Unknown(code.chars().take(40).collect())),
        }
    }
    if chosen.is_empty() {
        return Err(FieldChoiceError::Empty);
    }
    Ok(chosen)
}

/// Whether the choice includes personal data.
pub fn includes_personal(fields: &[&ExportField]) -> bool {
    fields.iter().any(|f| f.personal)
}

/// The permission an export of these fields needs.
pub fn permission_for(fields: &[&ExportField]) -> Permission {
    if includes_personal(fields) {
        Permission::PersonalDataExport
    } else {
        Permission::AnonymisedExport
    }
}

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    /// `csv` (also the default when nothing is given) or `xlsx`.
    pub fn parse(raw: &str) -> Option<ExportFormat> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "" | "csv" => Some(ExportFormat::Csv),
            "xlsx" => Some(ExportFormat::Xlsx),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

/// The month of a date as `YYYY-MM` (what the non-personal arrival field shows).
pub fn month_of(date: time::Date) -> String {
    format!("{:04}-{:02}", date.year(), u8::from(date.month()))
}

/// The age group (of the 4W and indicators) of a person born on `birth`, on `on`.
pub fn age_group_at(birth: time::Date, on: time::Date) -> Option<crate::indicators::AgeGroup> {
    use crate::indicators::AgeGroup;
    if on < birth {
        return None;
    }
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    AgeGroup::ALL.into_iter().find(|g| {
        let (low, high) = g.years();
        years >= low && high.is_none_or(|h| years <= h)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn codes(fields: &[&ExportField]) -> Vec<&'static str> {
        fields.iter().map(|f| f.code).collect()
    }

    #[test]
    fn the_catalogue_is_consistent() {
        let fields = ExportList::Cases.fields();
        for (i, f) in fields.iter().enumerate() {
            assert!(!fields[..i].iter().any(|g| g.code == f.code), "{} twice", f.code);
            assert!(!f.fr.is_empty() && !f.en.is_empty(), "{} lacks a label", f.code);
            assert!(!(f.personal && f.hxl.is_some()), "personal field {} must not carry a hashtag", f.code);
            assert!(f.hxl.is_none_or(|h| h.starts_with('#')));
        }
        let personal: Vec<&str> = fields.iter().filter(|f| f.personal).map(|f| f.code).collect();
        for code in [
            "family_name",
            "given_names",
            "father_name",
            "mother_name",
            "birth_date",
            "phones",
            "documents",
            "occupation",
            "arrival_date",
        ] {
            assert!(personal.contains(&code), "{code} must be personal");
        }
        for code in ["case_number", "region", "cercle", "sex", "age_group", "arrival_month", "status", "programme"] {
            assert!(!personal.contains(&code), "{code} is not personal");
        }
        let used = |g: &FieldGroup| CASE_FIELDS.iter().chain(SURVEY_FIELDS).any(|f| f.group == *g);
        assert!(FieldGroup::ALL.iter().all(used), "a group no list uses");
    }

    #[test]
    fn the_survey_catalogue_is_consistent() {
        let fields = ExportList::Surveys.fields();
        for (i, f) in fields.iter().enumerate() {
            assert!(!fields[..i].iter().any(|g| g.code == f.code), "{} twice", f.code);
            assert!(!(f.personal && f.hxl.is_some()), "personal field {} must not carry a hashtag", f.code);
            // A field both lists offer means the same and has the same sensitivity.
            if let Some(same) = CASE_FIELDS.iter().find(|c| c.code == f.code) {
                assert_eq!(same, f, "{} differs between the lists", f.code);
            }
        }
        assert_eq!(ExportList::parse("surveys"), Some(ExportList::Surveys));
        assert_eq!(ExportList::parse(""), Some(ExportList::Cases));
        assert_eq!(ExportList::parse("users"), None);
        let scores = parse_fields(ExportList::Surveys, &["case_number,composite"]).unwrap();
        assert!(shows_scores(&scores) && !includes_personal(&scores));
        assert!(!shows_scores(&parse_fields(ExportList::Surveys, &["weights"]).unwrap()));
        assert_eq!(
            parse_fields(ExportList::Surveys, &["phones"]),
            Err(FieldChoiceError::Unknown("phones".into())),
            "each list offers its own fields"
        );
    }

    #[test]
    fn fields_are_read_from_repeated_and_comma_separated_values() {
        let chosen = parse_fields(ExportList::Cases, &["case_number, sex", "region", "sex", " "]).unwrap();
        assert_eq!(codes(&chosen), ["case_number", "sex", "region"]);
        assert_eq!(permission_for(&chosen), Permission::AnonymisedExport);
        let personal = parse_fields(ExportList::Cases, &["sex,family_name"]).unwrap();
        assert!(includes_personal(&personal));
        assert_eq!(permission_for(&personal), Permission::PersonalDataExport);
    }

    #[test]
    fn an_unknown_or_empty_choice_is_refused_with_its_message() {
        let unknown = parse_fields(ExportList::Cases, &["case_number,salary"]).unwrap_err();
        assert_eq!(unknown, FieldChoiceError::Unknown("salary".into()));
        assert_eq!(unknown.key(), "export-error-unknown-field");
        let long = "x".repeat(100);
        assert_eq!(parse_fields(ExportList::Cases, &[long.as_str()]), Err(FieldChoiceError::Unknown("x".repeat(40))));
        let none: [&str; 0] = [];
        assert_eq!(parse_fields(ExportList::Cases, &none), Err(FieldChoiceError::Empty));
        assert_eq!(parse_fields(ExportList::Cases, &[" , "]).unwrap_err().key(), "export-error-no-field");
    }

    #[test]
    fn formats_months_and_age_groups() {
        use crate::indicators::AgeGroup;
        assert_eq!(ExportFormat::parse("XLSX"), Some(ExportFormat::Xlsx));
        assert_eq!(ExportFormat::parse(""), Some(ExportFormat::Csv));
        assert_eq!(ExportFormat::parse("pdf"), None);
        assert_eq!(month_of(date!(2025 - 03 - 09)), "2025-03");
        assert_eq!(age_group_at(date!(2008 - 03 - 10), date!(2026 - 03 - 09)), Some(AgeGroup::Under18));
        assert_eq!(age_group_at(date!(2008 - 03 - 10), date!(2026 - 03 - 10)), Some(AgeGroup::From18To24));
        assert_eq!(age_group_at(date!(1960 - 01 - 01), date!(2026 - 01 - 01)), Some(AgeGroup::Over60));
        assert_eq!(age_group_at(date!(2027 - 01 - 01), date!(2026 - 01 - 01)), None);
    }
}
