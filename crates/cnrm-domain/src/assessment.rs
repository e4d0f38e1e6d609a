//! Counselling sessions, needs assessments and skills assessments of a returnee.
//!
//! Reintegration is assessed along three dimensions (economic, social, psychosocial): for each, a
//! level of need and the needs identified from a list of that dimension. A skills assessment records
//! what the person knows and wants to do, to choose between employment, business and training.
//! This module reads what a case worker types into validated drafts; dates are checked against the
//! arrival of the case (nothing is recorded before it, nor in the future).

use crate::lifecycle::plan::Dimension;
use crate::person::{choose, choose_many, choose_optional, coded_enum, parse_date};
use crate::validation::{clean_text, FieldErrors};
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

coded_enum! {
    /// What kind of counselling a session was.
    pub enum SessionKind in "session-kind" {
        Individual = "individual",
        Family = "family",
        Group = "group",
        Psychosocial = "psychosocial",
        /// Economic and business counselling (income, business idea, market).
        Business = "business",
        /// Counselling about a referral to a service or partner.
        Referral = "referral",
        /// A follow-up of earlier counselling or of the plan.
        FollowUp = "follow_up",
    }
}

coded_enum! {
    /// How much support a dimension of reintegration needs.
    pub enum NeedLevel in "need-level" {
        /// No need (code `none`).
        NoNeed = "none",
        Low = "low",
        Moderate = "moderate",
        High = "high",
    }
}

impl NeedLevel {
    /// 0 for no need to 3 for a high need: levels compare by it.
    pub fn rank(self) -> u8 {
        match self {
            NeedLevel::NoNeed => 0,
            NeedLevel::Low => 1,
            NeedLevel::Moderate => 2,
            NeedLevel::High => 3,
        }
    }
}

coded_enum! {
    /// Needs identified in an assessment; each belongs to one dimension (see [`Need::dimension`]).
    pub enum Need in "need" {
        // Economic.
        Income = "income",
        Employment = "employment",
        BusinessCapital = "business_capital",
        VocationalSkills = "vocational_skills",
        Debt = "debt",
        FinancialLiteracy = "financial_literacy",
        ToolsEquipment = "tools_equipment",
        // Social.
        Housing = "housing",
        Documents = "documents",
        ChildrenEducation = "children_education",
        FamilyRelations = "family_relations",
        HealthAccess = "health_access",
        Legal = "legal",
        BasicNeeds = "basic_needs",
        CommunityAcceptance = "community_acceptance",
        // Psychosocial.
        Distress = "distress",
        TraumaFollowUp = "trauma_follow_up",
        SubstanceUse = "substance_use",
        Stigma = "stigma",
        Isolation = "isolation",
        Grief = "grief",
        SleepProblems = "sleep_problems",
    }
}

impl Need {
    /// The dimension of reintegration this need belongs to.
    pub fn dimension(self) -> Dimension {
        use Need::*;
        match self {
            Income | Employment | BusinessCapital | VocationalSkills | Debt | FinancialLiteracy | ToolsEquipment => {
                Dimension::Economic
            }
            Housing | Documents | ChildrenEducation | FamilyRelations | HealthAccess | Legal | BasicNeeds
            | CommunityAcceptance => Dimension::Social,
            Distress | TraumaFollowUp | SubstanceUse | Stigma | Isolation | Grief | SleepProblems => {
                Dimension::Psychosocial
            }
        }
    }

    /// The needs of one dimension, in the order forms list them.
    pub fn of(dimension: Dimension) -> Vec<Need> {
        Need::ALL.into_iter().filter(|n| n.dimension() == dimension).collect()
    }
}

coded_enum! {
    /// Sectors of work, for experience and for interest.
    pub enum Sector in "sector" {
        Agriculture = "agriculture",
        Livestock = "livestock",
        Fishing = "fishing",
        Trade = "trade",
        Crafts = "crafts",
        Construction = "construction",
        Transport = "transport",
        Mechanics = "mechanics",
        Electricity = "electricity",
        Tailoring = "tailoring",
        Hairdressing = "hairdressing",
        FoodProcessing = "food_processing",
        Hospitality = "hospitality",
        Mining = "mining",
        DomesticWork = "domestic_work",
        Services = "services",
        Ict = "ict",
        Other = "other",
    }
}

coded_enum! {
    /// How well a person reads and writes, or counts.
    pub enum Proficiency in "proficiency" {
        /// None at all (code `none`).
        NoProficiency = "none",
        Basic = "basic",
        Fluent = "fluent",
    }
}

coded_enum! {
    /// The way towards an income the person prefers.
    pub enum Pathway in "pathway" {
        WageEmployment = "wage_employment",
        SelfEmployment = "self_employment",
        VocationalTraining = "vocational_training",
        Apprenticeship = "apprenticeship",
        Education = "education",
    }
}

/// Longest session, in minutes (a working day).
pub const MAX_SESSION_MINUTES: i64 = 600;
/// Most skills listed in one assessment.
pub const MAX_SKILLS: usize = 30;
/// Longest skill item, in characters.
pub const MAX_SKILL_CHARS: usize = 100;
/// Most years of work experience accepted.
pub const MAX_EXPERIENCE_YEARS: i64 = 60;

/// A date of the case's life: a full date, not in the future, not before the arrival.
pub fn case_date(raw: &str, arrival: Date, today: Date) -> Result<Date, &'static str> {
    let date = parse_date(raw)?;
    if date > today {
        Err("error-date-in-future")
    } else if date < arrival {
        Err("error-counselling-before-arrival")
    } else {
        Ok(date)
    }
}

/// A member of staff chosen in a form (`None` when left empty: the person recording).
fn staff(raw: &str) -> Result<Option<Uuid>, &'static str> {
    match raw.trim() {
        "" => Ok(None),
        raw => Uuid::parse_str(raw).map(Some).map_err(|_| "error-choose-from-list"),
    }
}

/// An optional whole number within bounds; `message` when it is not one.
fn optional_number(
    raw: &str,
    bounds: std::ops::RangeInclusive<i64>,
    message: &'static str,
) -> Result<Option<i64>, &'static str> {
    match raw.trim() {
        "" => Ok(None),
        raw => raw.parse::<i64>().ok().filter(|n| bounds.contains(n)).map(Some).ok_or(message),
    }
}

/// A counselling session as a form or the API submits it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SessionInput {
    /// `YYYY-MM-DD` or `DD/MM/YYYY`; not in the future, not before the arrival.
    pub held_on: String,
    /// A user of the case's organisation; empty: the person recording the session.
    pub counsellor_id: String,
    pub kind: String,
    /// Optional, 1 to 600.
    pub duration_minutes: String,
    /// Required, up to 4000 characters.
    pub summary: String,
    /// Optional, up to 2000 characters.
    pub next_steps: String,
}

/// A validated counselling session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionDraft {
    pub held_on: Date,
    /// `None`: the person recording it.
    pub counsellor_id: Option<Uuid>,
    pub kind: SessionKind,
    pub duration_minutes: Option<i64>,
    pub summary: String,
    pub next_steps: Option<String>,
}

impl SessionInput {
    /// Parses the session of a case whose returnee arrived on `arrival`, as of `today`.
    pub fn parse(&self, arrival: Date, today: Date) -> Result<SessionDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let held_on = errors.check("held_on", case_date(&self.held_on, arrival, today));
        let counsellor_id = errors.check("counsellor_id", staff(&self.counsellor_id));
        let kind = errors.check("kind", choose(&self.kind, SessionKind::parse));
        let duration = errors.check(
            "duration_minutes",
            optional_number(&self.duration_minutes, 1..=MAX_SESSION_MINUTES, "error-counselling-duration"),
        );
        let summary = errors.check("summary", clean_multiline(&self.summary, 1, 4000));
        let next_steps = errors
            .check("next_steps", clean_multiline(&self.next_steps, 0, 2000).map(|t| Some(t).filter(|t| !t.is_empty())));
        errors.finish(|| SessionDraft {
            held_on: held_on.unwrap(),
            counsellor_id: counsellor_id.unwrap(),
            kind: kind.unwrap(),
            duration_minutes: duration.unwrap(),
            summary: summary.unwrap(),
            next_steps: next_steps.unwrap(),
        })
    }
}

/// Long free text (a summary, notes): line breaks kept, other spaces collapsed per line, blank
/// lines at the ends dropped; `min`/`max` count characters.
pub fn clean_multiline(raw: &str, min: usize, max: usize) -> Result<String, &'static str> {
    let lines: Vec<String> = raw.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    let text = lines.join("\n").trim_matches('\n').to_string();
    let len = text.chars().count();
    if len == 0 && min > 0 {
        Err("error-required")
    } else if len < min {
        Err("error-too-short")
    } else if len > max {
        Err("error-too-long")
    } else if text.chars().any(|c| c.is_control() && c != '\n') {
        Err("error-invalid-characters")
    } else {
        Ok(text)
    }
}

/// The assessment of one dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DimensionNeeds {
    pub level: NeedLevel,
    /// Needs of this dimension only.
    pub needs: Vec<Need>,
    pub notes: Option<String>,
}

/// A needs assessment as a form or the API submits it. Fields are named `{dimension}_level`,
/// `{dimension}_needs` and `{dimension}_notes` for each dimension.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NeedsInput {
    pub assessed_on: String,
    /// A user of the case's organisation; empty: the person recording it.
    pub assessor_id: String,
    /// `none`, `low`, `moderate` or `high`.
    pub economic_level: String,
    pub economic_needs: Vec<String>,
    pub economic_notes: String,
    pub social_level: String,
    pub social_needs: Vec<String>,
    pub social_notes: String,
    pub psychosocial_level: String,
    pub psychosocial_needs: Vec<String>,
    pub psychosocial_notes: String,
    pub notes: String,
}

/// A validated needs assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NeedsDraft {
    pub assessed_on: Date,
    pub assessor_id: Option<Uuid>,
    pub economic: DimensionNeeds,
    pub social: DimensionNeeds,
    pub psychosocial: DimensionNeeds,
    pub notes: Option<String>,
}

impl NeedsDraft {
    /// The highest level of the three dimensions.
    pub fn highest_level(&self) -> NeedLevel {
        [self.economic.level, self.social.level, self.psychosocial.level]
            .into_iter()
            .max_by_key(|l| l.rank())
            .unwrap_or(NeedLevel::NoNeed)
    }
}

/// The field names of one dimension: level, needs, notes.
pub fn dimension_fields(dimension: Dimension) -> (&'static str, &'static str, &'static str) {
    match dimension {
        Dimension::Economic => ("economic_level", "economic_needs", "economic_notes"),
        Dimension::Social => ("social_level", "social_needs", "social_notes"),
        Dimension::Psychosocial => ("psychosocial_level", "psychosocial_needs", "psychosocial_notes"),
    }
}

/// The needs of `dimension` chosen: known codes, of that dimension, without duplicates.
fn needs_of(raw: &[String], dimension: Dimension) -> Result<Vec<Need>, &'static str> {
    let needs = choose_many(raw, Need::parse)?;
    if needs.iter().any(|n| n.dimension() != dimension) {
        return Err("error-assessment-need-wrong-dimension");
    }
    Ok(needs)
}

impl NeedsInput {
    fn dimension(&self, dimension: Dimension, errors: &mut FieldErrors) -> Option<DimensionNeeds> {
        let (level, needs, notes) = match dimension {
            Dimension::Economic => (&self.economic_level, &self.economic_needs, &self.economic_notes),
            Dimension::Social => (&self.social_level, &self.social_needs, &self.social_notes),
            Dimension::Psychosocial => (&self.psychosocial_level, &self.psychosocial_needs, &self.psychosocial_notes),
        };
        let (level_field, needs_field, notes_field) = dimension_fields(dimension);
        let level = errors.check(level_field, choose(level, NeedLevel::parse));
        let needs = errors.check(needs_field, needs_of(needs, dimension));
        let notes = errors.check(notes_field, optional_multiline(notes, 2000));
        if let (Some(NeedLevel::NoNeed), Some(needs)) = (level, &needs) {
            if !needs.is_empty() {
                errors.add(needs_field, "error-assessment-needs-without-need");
                return None;
            }
        }
        Some(DimensionNeeds { level: level?, needs: needs?, notes: notes? })
    }

    /// Parses the assessment of a case whose returnee arrived on `arrival`, as of `today`.
    pub fn parse(&self, arrival: Date, today: Date) -> Result<NeedsDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let assessed_on = errors.check("assessed_on", case_date(&self.assessed_on, arrival, today));
        let assessor_id = errors.check("assessor_id", staff(&self.assessor_id));
        let economic = self.dimension(Dimension::Economic, &mut errors);
        let social = self.dimension(Dimension::Social, &mut errors);
        let psychosocial = self.dimension(Dimension::Psychosocial, &mut errors);
        let notes = errors.check("notes", optional_multiline(&self.notes, 4000));
        errors.finish(|| NeedsDraft {
            assessed_on: assessed_on.unwrap(),
            assessor_id: assessor_id.unwrap(),
            economic: economic.unwrap(),
            social: social.unwrap(),
            psychosocial: psychosocial.unwrap(),
            notes: notes.unwrap(),
        })
    }
}

fn optional_multiline(raw: &str, max: usize) -> Result<Option<String>, &'static str> {
    clean_multiline(raw, 0, max).map(|t| Some(t).filter(|t| !t.is_empty()))
}

/// A skills assessment as a form or the API submits it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SkillsInput {
    pub assessed_on: String,
    /// A user of the case's organisation; empty: the person recording it.
    pub assessor_id: String,
    /// Free-text items (`maçonnerie`, `conduite de moto`…), at most 30, each up to 100 characters.
    pub skills: Vec<String>,
    /// Years of work experience, 0 to 60 (optional).
    pub experience_years: String,
    pub experience_sectors: Vec<String>,
    pub interest_sectors: Vec<String>,
    /// `none`, `basic` or `fluent`.
    pub literacy: String,
    /// `none`, `basic` or `fluent`.
    pub numeracy: String,
    /// Optional.
    pub pathway: String,
    pub notes: String,
}

/// A validated skills assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkillsDraft {
    pub assessed_on: Date,
    pub assessor_id: Option<Uuid>,
    pub skills: Vec<String>,
    pub experience_years: Option<i64>,
    pub experience_sectors: Vec<Sector>,
    pub interest_sectors: Vec<Sector>,
    pub literacy: Proficiency,
    pub numeracy: Proficiency,
    pub pathway: Option<Pathway>,
    pub notes: Option<String>,
}

/// Skill items: cleaned, blank ones skipped, the same skill typed twice (in any case) kept once.
fn parse_skills(raw: &[String]) -> Result<Vec<String>, &'static str> {
    let mut skills: Vec<String> = Vec::new();
    for item in raw {
        let skill = clean_text(item, 0, MAX_SKILL_CHARS)?;
        if !skill.is_empty() && !skills.iter().any(|s| s.to_lowercase() == skill.to_lowercase()) {
            skills.push(skill);
        }
    }
    if skills.len() > MAX_SKILLS {
        return Err("error-assessment-too-many-skills");
    }
    Ok(skills)
}

impl SkillsInput {
    /// Parses the assessment of a case whose returnee arrived on `arrival`, as of `today`.
    pub fn parse(&self, arrival: Date, today: Date) -> Result<SkillsDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let assessed_on = errors.check("assessed_on", case_date(&self.assessed_on, arrival, today));
        let assessor_id = errors.check("assessor_id", staff(&self.assessor_id));
        let skills = errors.check("skills", parse_skills(&self.skills));
        let years = errors.check(
            "experience_years",
            optional_number(&self.experience_years, 0..=MAX_EXPERIENCE_YEARS, "error-assessment-experience-years"),
        );
        let experience = errors.check("experience_sectors", choose_many(&self.experience_sectors, Sector::parse));
        let interest = errors.check("interest_sectors", choose_many(&self.interest_sectors, Sector::parse));
        let literacy = errors.check("literacy", choose(&self.literacy, Proficiency::parse));
        let numeracy = errors.check("numeracy", choose(&self.numeracy, Proficiency::parse));
        let pathway = errors.check("pathway", choose_optional(&self.pathway, Pathway::parse));
        let notes = errors.check("notes", optional_multiline(&self.notes, 4000));
        errors.finish(|| SkillsDraft {
            assessed_on: assessed_on.unwrap(),
            assessor_id: assessor_id.unwrap(),
            skills: skills.unwrap(),
            experience_years: years.unwrap(),
            experience_sectors: experience.unwrap(),
            interest_sectors: interest.unwrap(),
            literacy: literacy.unwrap(),
            numeracy: numeracy.unwrap(),
            pathway: pathway.unwrap(),
            notes: notes.unwrap(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const ARRIVAL: Date = date!(2025 - 03 - 18);
    const TODAY: Date = date!(2026 - 03 - 15);

    fn session() -> SessionInput {
        SessionInput {
            held_on: "20/03/2025".into(),
            kind: "psychosocial".into(),
            duration_minutes: " 45 ".into(),
            summary: "  Premier entretien :\n  la personne   dort mal. \n\n".into(),
            ..Default::default()
        }
    }

    fn needs() -> NeedsInput {
        NeedsInput {
            assessed_on: "2025-04-01".into(),
            economic_level: "high".into(),
            economic_needs: vec!["income".into(), "business_capital".into(), "income".into()],
            social_level: "low".into(),
            social_needs: vec!["documents".into()],
            psychosocial_level: "none".into(),
            ..Default::default()
        }
    }

    fn skills() -> SkillsInput {
        SkillsInput {
            assessed_on: "2025-04-02".into(),
            skills: vec!["Maçonnerie".into(), "  conduite  de moto ".into(), "".into(), "maçonnerie".into()],
            experience_years: "6".into(),
            experience_sectors: vec!["construction".into(), "transport".into()],
            interest_sectors: vec!["mechanics".into()],
            literacy: "basic".into(),
            numeracy: "fluent".into(),
            pathway: "apprenticeship".into(),
            ..Default::default()
        }
    }

    #[test]
    fn codes_and_labels() {
        assert_eq!(NeedLevel::NoNeed.code(), "none");
        assert_eq!(Need::TraumaFollowUp.label_key(), "need-trauma-follow-up");
        assert_eq!(SessionKind::FollowUp.label_key(), "session-kind-follow-up");
        assert_eq!(Sector::FoodProcessing.label_key(), "sector-food-processing");
        assert_eq!(Proficiency::parse("none"), Some(Proficiency::NoProficiency));
        assert_eq!(Pathway::parse("business"), None);
        for dimension in Dimension::ALL {
            assert!(Need::of(dimension).len() >= 5, "{dimension:?}");
        }
        assert_eq!(
            Need::of(Dimension::Economic).len()
                + Need::of(Dimension::Social).len()
                + Need::of(Dimension::Psychosocial).len(),
            Need::ALL.len()
        );
        assert_eq!(Need::Housing.dimension(), Dimension::Social);
        assert_eq!(Need::Stigma.dimension(), Dimension::Psychosocial);
        assert!(NeedLevel::High.rank() > NeedLevel::Moderate.rank());
    }

    #[test]
    fn a_valid_session() {
        let draft = session().parse(ARRIVAL, TODAY).unwrap();
        assert_eq!(draft.held_on, date!(2025 - 03 - 20));
        assert_eq!(draft.kind, SessionKind::Psychosocial);
        assert_eq!(draft.duration_minutes, Some(45));
        assert_eq!(draft.summary, "Premier entretien :\nla personne dort mal.");
        assert_eq!(draft.counsellor_id, None);
        assert_eq!(draft.next_steps, None);
        let on_arrival = SessionInput { held_on: "2025-03-18".into(), duration_minutes: "".into(), ..session() };
        assert_eq!(on_arrival.parse(ARRIVAL, TODAY).unwrap().duration_minutes, None);
        let today = SessionInput { held_on: "2026-03-15".into(), ..session() };
        assert!(today.parse(ARRIVAL, TODAY).is_ok(), "held today");
    }

    #[test]
    fn session_refusals() {
        let field = |input: SessionInput, field: &str| input.parse(ARRIVAL, TODAY).unwrap_err().for_field(field);
        assert_eq!(
            field(SessionInput { held_on: "2026-03-16".into(), ..session() }, "held_on"),
            Some("error-date-in-future")
        );
        assert_eq!(
            field(SessionInput { held_on: "17/03/2025".into(), ..session() }, "held_on"),
            Some("error-counselling-before-arrival")
        );
        assert_eq!(field(SessionInput { held_on: "".into(), ..session() }, "held_on"), Some("error-required"));
        assert_eq!(
            field(SessionInput { held_on: "03/2025".into(), ..session() }, "held_on"),
            Some("error-invalid-date")
        );
        for bad in ["0", "601", "-5", "1h", "4.5"] {
            assert_eq!(
                field(SessionInput { duration_minutes: bad.into(), ..session() }, "duration_minutes"),
                Some("error-counselling-duration"),
                "{bad}"
            );
        }
        assert!(SessionInput { duration_minutes: "600".into(), ..session() }.parse(ARRIVAL, TODAY).is_ok());
        assert_eq!(field(SessionInput { summary: " \n ".into(), ..session() }, "summary"), Some("error-required"));
        assert_eq!(field(SessionInput { summary: "x".repeat(4001), ..session() }, "summary"), Some("error-too-long"));
        assert!(SessionInput { summary: "x".repeat(4000), ..session() }.parse(ARRIVAL, TODAY).is_ok());
        assert_eq!(field(SessionInput { kind: "chat".into(), ..session() }, "kind"), Some("error-choose-from-list"));
        assert_eq!(field(SessionInput { kind: "".into(), ..session() }, "kind"), Some("error-required"));
        assert_eq!(
            field(SessionInput { counsellor_id: "moi".into(), ..session() }, "counsellor_id"),
            Some("error-choose-from-list")
        );
        let id = Uuid::now_v7();
        let chosen = SessionInput { counsellor_id: id.to_string(), ..session() }.parse(ARRIVAL, TODAY).unwrap();
        assert_eq!(chosen.counsellor_id, Some(id));
    }

    #[test]
    fn a_valid_needs_assessment() {
        let draft = needs().parse(ARRIVAL, TODAY).unwrap();
        assert_eq!(draft.economic.level, NeedLevel::High);
        assert_eq!(draft.economic.needs, vec![Need::Income, Need::BusinessCapital], "duplicates dropped");
        assert_eq!(draft.social.needs, vec![Need::Documents]);
        assert_eq!(draft.psychosocial, DimensionNeeds { level: NeedLevel::NoNeed, needs: vec![], notes: None });
        assert_eq!(draft.highest_level(), NeedLevel::High);
    }

    #[test]
    fn a_need_of_another_dimension_is_refused() {
        let input = NeedsInput { economic_needs: vec!["income".into(), "housing".into()], ..needs() };
        let errors = input.parse(ARRIVAL, TODAY).unwrap_err();
        assert_eq!(errors.for_field("economic_needs"), Some("error-assessment-need-wrong-dimension"));
        assert_eq!(errors.0.len(), 1);
        let input =
            NeedsInput { psychosocial_level: "high".into(), psychosocial_needs: vec!["debt".into()], ..needs() };
        assert_eq!(
            input.parse(ARRIVAL, TODAY).unwrap_err().for_field("psychosocial_needs"),
            Some("error-assessment-need-wrong-dimension")
        );
        let input = NeedsInput { social_needs: vec!["wifi".into()], ..needs() };
        assert_eq!(input.parse(ARRIVAL, TODAY).unwrap_err().for_field("social_needs"), Some("error-choose-from-list"));
    }

    #[test]
    fn needs_assessment_refusals() {
        let errors = NeedsInput {
            assessed_on: "2025-03-17".into(),
            economic_level: "".into(),
            social_level: "severe".into(),
            psychosocial_needs: vec!["distress".into()],
            notes: "x".repeat(4001),
            ..needs()
        }
        .parse(ARRIVAL, TODAY)
        .unwrap_err();
        assert_eq!(errors.for_field("assessed_on"), Some("error-counselling-before-arrival"));
        assert_eq!(errors.for_field("economic_level"), Some("error-required"));
        assert_eq!(errors.for_field("social_level"), Some("error-choose-from-list"));
        assert_eq!(errors.for_field("psychosocial_needs"), Some("error-assessment-needs-without-need"), "level none");
        assert_eq!(errors.for_field("notes"), Some("error-too-long"));
        assert_eq!(
            NeedsInput { assessed_on: "2026-03-16".into(), ..needs() }
                .parse(ARRIVAL, TODAY)
                .unwrap_err()
                .for_field("assessed_on"),
            Some("error-date-in-future")
        );
    }

    #[test]
    fn a_valid_skills_assessment() {
        let draft = skills().parse(ARRIVAL, TODAY).unwrap();
        assert_eq!(draft.skills, vec!["Maçonnerie".to_string(), "conduite de moto".to_string()]);
        assert_eq!(draft.experience_years, Some(6));
        assert_eq!(draft.experience_sectors, vec![Sector::Construction, Sector::Transport]);
        assert_eq!(draft.interest_sectors, vec![Sector::Mechanics]);
        assert_eq!((draft.literacy, draft.numeracy), (Proficiency::Basic, Proficiency::Fluent));
        assert_eq!(draft.pathway, Some(Pathway::Apprenticeship));
        let minimal = SkillsInput { skills: vec![], experience_years: "".into(), pathway: "".into(), ..skills() };
        let draft = minimal.parse(ARRIVAL, TODAY).unwrap();
        assert!(draft.skills.is_empty() && draft.experience_years.is_none() && draft.pathway.is_none());
    }

    #[test]
    fn skills_assessment_refusals() {
        let field = |input: SkillsInput, field: &str| input.parse(ARRIVAL, TODAY).unwrap_err().for_field(field);
        let many: Vec<String> = (1..=31).map(|i| format!("Compétence {i}")).collect();
        assert_eq!(
            field(SkillsInput { skills: many.clone(), ..skills() }, "skills"),
            Some("error-assessment-too-many-skills")
        );
        assert!(
            SkillsInput { skills: many[..30].to_vec(), ..skills() }.parse(ARRIVAL, TODAY).is_ok(),
            "30 is the most"
        );
        assert_eq!(field(SkillsInput { skills: vec!["x".repeat(101)], ..skills() }, "skills"), Some("error-too-long"));
        for bad in ["61", "-1", "trois"] {
            assert_eq!(
                field(SkillsInput { experience_years: bad.into(), ..skills() }, "experience_years"),
                Some("error-assessment-experience-years")
            );
        }
        assert!(SkillsInput { experience_years: "0".into(), ..skills() }.parse(ARRIVAL, TODAY).is_ok());
        assert_eq!(
            field(SkillsInput { interest_sectors: vec!["banking".into()], ..skills() }, "interest_sectors"),
            Some("error-choose-from-list")
        );
        assert_eq!(field(SkillsInput { literacy: "".into(), ..skills() }, "literacy"), Some("error-required"));
        assert_eq!(
            field(SkillsInput { numeracy: "good".into(), ..skills() }, "numeracy"),
            Some("error-choose-from-list")
        );
        assert_eq!(
            field(SkillsInput { pathway: "business".into(), ..skills() }, "pathway"),
            Some("error-choose-from-list")
        );
        assert_eq!(
            field(SkillsInput { assessed_on: "2027-01-01".into(), ..skills() }, "assessed_on"),
            Some("error-date-in-future")
        );
        assert_eq!(
            field(SkillsInput { assessed_on: "01/01/2025".into(), ..skills() }, "assessed_on"),
            Some("error-counselling-before-arrival")
        );
    }

    #[test]
    fn long_text_keeps_its_lines() {
        assert_eq!(clean_multiline("  a  b \r\n\r\n c ", 0, 10), Ok("a b\n\nc".into()));
        assert_eq!(clean_multiline("\n\n", 1, 10), Err("error-required"));
        assert_eq!(clean_multiline("a\u{7}b", 0, 10), Err("error-invalid-characters"));
    }
}
