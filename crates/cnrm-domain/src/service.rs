//! The service catalogue (service mapping): what each organisation offers returnees, where, to whom.
//!
//! A service's category is the plan's [`AssistanceType`], so that needs, plans, referrals and the
//! catalogue speak of the same things. Each entry goes through a small review: an organisation
//! writes a *draft*, *submits* it, and the secretariat *publishes* it (validates) or *returns* it
//! with a comment. Changing a published entry writes a new revision (a draft again) while the
//! published one stays visible to everyone until the change is validated, when it replaces it
//! (the old one is kept, *superseded*).
//!
//! Eligibility rules say who a service is for; [`is_eligible`] checks them against what is known of
//! a returnee. What is unknown about the returnee never excludes them: the partner checks on the spot.

use crate::lifecycle::plan::{parse_amount_xof, AssistanceType, Dimension};
use crate::lifecycle::Reason;
use crate::person::{choose, choose_many, coded_enum, Language, ReturnType, Sex};
use crate::validation::{clean_text, FieldErrors};
use crate::vulnerability::VulnerabilityFlag;
use serde::{Deserialize, Serialize};

coded_enum! {
    /// `draft → submitted → published`, or `submitted → returned → (edited) draft → submitted…`;
    /// a published revision becomes `superseded` when a later one is published.
    pub enum RevisionStatus in "catalogue-status" {
        Draft = "draft",
        Submitted = "submitted",
        Published = "published",
        Returned = "returned",
        Superseded = "superseded",
    }
}

impl RevisionStatus {
    /// A revision waiting on its organisation or on the secretariat (not yet visible to others).
    pub fn is_pending(self) -> bool {
        matches!(self, RevisionStatus::Draft | RevisionStatus::Submitted | RevisionStatus::Returned)
    }
}

/// What happens to a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewEvent {
    /// Its organisation changes it.
    Edit,
    /// Its organisation asks the secretariat to validate it.
    Submit,
    /// The secretariat validates it: it becomes the published version.
    Approve,
    /// The secretariat sends it back with a comment.
    Return(Reason),
}

/// The status after an event. Editing a published revision gives a new draft revision (the
/// published one stays as it is until that draft is validated): see [`edit_makes_new_revision`].
pub fn transition(from: RevisionStatus, event: &ReviewEvent) -> Result<RevisionStatus, &'static str> {
    use ReviewEvent as E;
    use RevisionStatus as S;
    match (from, event) {
        (S::Superseded, _) => Err("error-catalogue-superseded"),
        (S::Draft | S::Returned | S::Published, E::Edit) => Ok(S::Draft),
        (S::Submitted, E::Edit) => Err("error-catalogue-under-review"),
        (S::Draft | S::Returned, E::Submit) => Ok(S::Submitted),
        (S::Submitted, E::Approve) => Ok(S::Published),
        (S::Submitted, E::Return(_)) => Ok(S::Returned),
        _ => Err("error-catalogue-transition"),
    }
}

/// Whether an edit of a revision in this status writes a new revision instead of changing it.
pub fn edit_makes_new_revision(from: RevisionStatus) -> bool {
    from == RevisionStatus::Published
}

/// Who a service is for. An empty list means "anyone" for that criterion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Eligibility {
    pub sexes: Vec<Sex>,
    /// Youngest age accepted, in completed years.
    pub age_min: Option<i32>,
    /// Oldest age accepted, in completed years.
    pub age_max: Option<i32>,
    /// The returnee must have at least one of these (e.g. a service for trafficking survivors).
    pub vulnerabilities: Vec<VulnerabilityFlag>,
    pub return_types: Vec<ReturnType>,
}

/// What is known of a returnee when looking for a service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReturneeFacts {
    /// `None` or `Sex::Unknown` when not recorded.
    pub sex: Option<Sex>,
    pub age: Option<i32>,
    pub vulnerabilities: Vec<VulnerabilityFlag>,
    pub return_type: Option<ReturnType>,
}

/// The message keys of the rules a returnee does not meet (empty: eligible). Facts not recorded
/// never exclude anyone.
pub fn ineligibility(rules: &Eligibility, facts: &ReturneeFacts) -> Vec<&'static str> {
    let mut reasons = Vec::new();
    if let Some(sex) = facts.sex.filter(|s| *s != Sex::Unknown) {
        if !rules.sexes.is_empty() && !rules.sexes.contains(&sex) {
            reasons.push("catalogue-ineligible-sex");
        }
    }
    if let Some(age) = facts.age {
        if rules.age_min.is_some_and(|min| age < min) || rules.age_max.is_some_and(|max| age > max) {
            reasons.push("catalogue-ineligible-age");
        }
    }
    if !rules.vulnerabilities.is_empty() && !facts.vulnerabilities.iter().any(|v| rules.vulnerabilities.contains(v)) {
        reasons.push("catalogue-ineligible-vulnerability");
    }
    if let Some(kind) = facts.return_type {
        if !rules.return_types.is_empty() && !rules.return_types.contains(&kind) {
            reasons.push("catalogue-ineligible-return-type");
        }
    }
    reasons
}

/// Whether a returnee may use a service with these rules.
pub fn is_eligible(rules: &Eligibility, facts: &ReturneeFacts) -> bool {
    ineligibility(rules, facts).is_empty()
}

/// Largest number of places per month accepted (anything larger is a typing mistake).
pub const MAX_CAPACITY: i64 = 1_000_000;

/// A service as validated: what an organisation publishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ServiceContent {
    pub name: String,
    pub category: AssistanceType,
    pub dimension: Dimension,
    pub description: String,
    /// P-codes of the admin units covered (a region covers all its cercles).
    pub units: Vec<String>,
    pub eligibility: Eligibility,
    /// Places per month (`None`: not limited or not known).
    pub capacity_per_month: Option<i64>,
    /// What the referring organisation pays per person, whole francs CFA (0: free).
    pub cost_xof: i64,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub languages: Vec<Language>,
    pub opening_hours: String,
}

/// A service as submitted (form or API). Lists come as repeated form keys or JSON arrays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ServiceInput {
    pub name: String,
    /// Assistance type code.
    pub category: String,
    /// `economic`, `social` or `psychosocial`.
    pub dimension: String,
    pub description: String,
    /// P-codes of the regions or cercles covered.
    pub units: Vec<String>,
    /// Sex codes accepted (empty: anyone).
    pub sexes: Vec<String>,
    pub age_min: String,
    pub age_max: String,
    /// Vulnerability codes of which the returnee must have one (empty: anyone).
    pub vulnerabilities: Vec<String>,
    /// Return type codes accepted (empty: any).
    pub return_types: Vec<String>,
    /// Places per month (empty: not limited).
    pub capacity_per_month: String,
    /// Whole francs CFA paid by the referrer per person (empty or 0: free).
    pub cost_xof: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub languages: Vec<String>,
    pub opening_hours: String,
}

fn optional_number(raw: &str, max: i64) -> Result<Option<i64>, &'static str> {
    match raw.trim() {
        "" => Ok(None),
        digits => {
            digits.parse::<i64>().ok().filter(|n| (0..=max).contains(n)).map(Some).ok_or("error-catalogue-number")
        }
    }
}

impl ServiceInput {
    /// Validates every field; `is_unit` says whether a P-code is a current admin unit.
    pub fn parse(&self, is_unit: impl Fn(&str) -> bool) -> Result<ServiceContent, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", clean_text(&self.name, 3, 200));
        let category = errors.check("category", choose(&self.category, AssistanceType::parse));
        let dimension = errors.check("dimension", choose(&self.dimension, Dimension::parse));
        let description = errors.check("description", clean_text(&self.description, 0, 4000));
        let units = {
            let mut units: Vec<String> = Vec::new();
            let mut bad = false;
            for code in self.units.iter().map(|u| u.trim()).filter(|u| !u.is_empty()) {
                if !is_unit(code) {
                    bad = true;
                } else if !units.iter().any(|u| u == code) {
                    units.push(code.to_string());
                }
            }
            errors.check(
                "units",
                if bad {
                    Err("error-catalogue-unknown-unit")
                } else if units.is_empty() {
                    Err("error-required")
                } else {
                    units.sort();
                    Ok(units)
                },
            )
        };
        let sexes = errors.check("sexes", choose_many(&self.sexes, Sex::parse));
        let age_min = errors.check("age_min", optional_number(&self.age_min, 120).map(|n| n.map(|n| n as i32)));
        let age_max = errors.check("age_max", optional_number(&self.age_max, 120).map(|n| n.map(|n| n as i32)));
        if let (Some(Some(min)), Some(Some(max))) = (age_min, age_max) {
            if min > max {
                errors.add("age_max", "error-catalogue-age-range");
            }
        }
        let vulnerabilities =
            errors.check("vulnerabilities", choose_many(&self.vulnerabilities, VulnerabilityFlag::parse));
        let return_types = errors.check("return_types", choose_many(&self.return_types, ReturnType::parse));
        let capacity = errors.check("capacity_per_month", optional_number(&self.capacity_per_month, MAX_CAPACITY));
        let cost = errors.check(
            "cost_xof",
            match self.cost_xof.trim() {
                "" => Ok(0),
                raw => parse_amount_xof(raw),
            },
        );
        let contact_name = errors.check("contact_name", clean_text(&self.contact_name, 2, 200));
        let contact_phone = errors.check("contact_phone", clean_text(&self.contact_phone, 0, 50));
        let contact_email = errors.check(
            "contact_email",
            clean_text(&self.contact_email, 0, 200).and_then(|e| {
                if e.is_empty() || (e.contains('@') && !e.contains(' ')) {
                    Ok(e)
                } else {
                    Err("error-catalogue-email")
                }
            }),
        );
        if matches!((&contact_phone, &contact_email), (Some(p), Some(e)) if p.is_empty() && e.is_empty()) {
            errors.add("contact_phone", "error-catalogue-contact");
        }
        let languages = errors.check("languages", choose_many(&self.languages, Language::parse));
        let opening_hours = errors.check("opening_hours", clean_text(&self.opening_hours, 0, 300));
        errors.finish(|| ServiceContent {
            name: name.unwrap(),
            category: category.unwrap(),
            dimension: dimension.unwrap(),
            description: description.unwrap(),
            units: units.unwrap(),
            eligibility: Eligibility {
                sexes: sexes.unwrap(),
                age_min: age_min.unwrap(),
                age_max: age_max.unwrap(),
                vulnerabilities: vulnerabilities.unwrap(),
                return_types: return_types.unwrap(),
            },
            capacity_per_month: capacity.unwrap(),
            cost_xof: cost.unwrap(),
            contact_name: contact_name.unwrap(),
            contact_phone: contact_phone.unwrap(),
            contact_email: contact_email.unwrap(),
            languages: languages.unwrap(),
            opening_hours: opening_hours.unwrap(),
        })
    }

    /// The form filled with a service's content (to edit it).
    pub fn of(content: &ServiceContent) -> ServiceInput {
        let codes = |v: Vec<&str>| v.into_iter().map(str::to_string).collect::<Vec<_>>();
        let e = &content.eligibility;
        ServiceInput {
            name: content.name.clone(),
            category: content.category.code().into(),
            dimension: content.dimension.code().into(),
            description: content.description.clone(),
            units: content.units.clone(),
            sexes: codes(e.sexes.iter().map(|s| s.code()).collect()),
            age_min: e.age_min.map(|a| a.to_string()).unwrap_or_default(),
            age_max: e.age_max.map(|a| a.to_string()).unwrap_or_default(),
            vulnerabilities: codes(e.vulnerabilities.iter().map(|s| s.code()).collect()),
            return_types: codes(e.return_types.iter().map(|s| s.code()).collect()),
            capacity_per_month: content.capacity_per_month.map(|c| c.to_string()).unwrap_or_default(),
            cost_xof: content.cost_xof.to_string(),
            contact_name: content.contact_name.clone(),
            contact_phone: content.contact_phone.clone(),
            contact_email: content.contact_email.clone(),
            languages: codes(content.languages.iter().map(|s| s.code()).collect()),
            opening_hours: content.opening_hours.clone(),
        }
    }
}

/// The P-codes a search for `unit` matches: the unit itself, the units above it (a service covering
/// a region serves its cercles) and below it (looking in a region finds what is offered in its
/// cercles). P-codes nest: a cercle's code starts with its region's.
pub fn matching_units<'a>(unit: &str, all: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let unit = unit.trim();
    if unit.is_empty() {
        return Vec::new();
    }
    all.into_iter().filter(|p| unit.starts_with(p) || p.starts_with(unit)).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ServiceInput {
        ServiceInput {
            name: "Placement en emploi".into(),
            category: "job_placement".into(),
            dimension: "economic".into(),
            units: vec!["ML09".into(), "ML0103".into()],
            age_min: "18".into(),
            age_max: "35".into(),
            cost_xof: "0".into(),
            contact_name: "Awa Traoré".into(),
            contact_phone: "+223 20 22 33 44".into(),
            languages: vec!["fr".into(), "bm".into()],
            ..Default::default()
        }
    }

    fn known(code: &str) -> bool {
        ["ML09", "ML01", "ML0103"].contains(&code)
    }

    #[test]
    fn a_valid_service_parses_with_its_rules() {
        let s = input().parse(known).unwrap();
        assert_eq!(s.category, AssistanceType::JobPlacement);
        assert_eq!(s.units, vec!["ML0103".to_string(), "ML09".to_string()]);
        assert_eq!(s.eligibility.age_min, Some(18));
        assert_eq!(s.cost_xof, 0);
        assert_eq!(ServiceInput::of(&s).parse(known).unwrap(), s);
    }

    #[test]
    fn bad_input_names_each_field() {
        let bad = ServiceInput {
            name: "x".into(),
            category: "teleportation".into(),
            units: vec!["ML99".into()],
            age_min: "40".into(),
            age_max: "20".into(),
            cost_xof: "1,5".into(),
            contact_phone: String::new(),
            contact_email: String::new(),
            sexes: vec!["robot".into()],
            ..input()
        };
        let errors = bad.parse(known).unwrap_err();
        assert_eq!(errors.for_field("name"), Some("error-too-short"));
        assert_eq!(errors.for_field("category"), Some("error-choose-from-list"));
        assert_eq!(errors.for_field("units"), Some("error-catalogue-unknown-unit"));
        assert_eq!(errors.for_field("age_max"), Some("error-catalogue-age-range"));
        assert_eq!(errors.for_field("cost_xof"), Some("error-amount"));
        assert_eq!(errors.for_field("contact_phone"), Some("error-catalogue-contact"));
        assert_eq!(errors.for_field("sexes"), Some("error-choose-from-list"));
        let none = ServiceInput { units: vec![], ..input() };
        assert_eq!(none.parse(known).unwrap_err().for_field("units"), Some("error-required"));
    }

    #[test]
    fn review_goes_draft_submitted_published_or_returned() {
        use ReviewEvent as E;
        use RevisionStatus as S;
        let comment = Reason::parse("précisez les horaires").unwrap();
        assert_eq!(transition(S::Draft, &E::Submit), Ok(S::Submitted));
        assert_eq!(transition(S::Submitted, &E::Approve), Ok(S::Published));
        assert_eq!(transition(S::Submitted, &E::Return(comment.clone())), Ok(S::Returned));
        assert_eq!(transition(S::Returned, &E::Edit), Ok(S::Draft));
        assert_eq!(transition(S::Returned, &E::Submit), Ok(S::Submitted));
        assert_eq!(transition(S::Published, &E::Edit), Ok(S::Draft));
        assert!(edit_makes_new_revision(S::Published));
        assert!(!edit_makes_new_revision(S::Draft));
        assert_eq!(transition(S::Draft, &E::Approve), Err("error-catalogue-transition"));
        assert_eq!(transition(S::Published, &E::Return(comment)), Err("error-catalogue-transition"));
        assert_eq!(transition(S::Submitted, &E::Edit), Err("error-catalogue-under-review"));
        assert_eq!(transition(S::Superseded, &E::Edit), Err("error-catalogue-superseded"));
        assert!(S::Returned.is_pending() && !S::Published.is_pending());
        assert_eq!(S::Submitted.label_key(), "catalogue-status-submitted");
    }

    #[test]
    fn eligibility_rules_exclude_only_on_known_facts() {
        let rules = Eligibility {
            sexes: vec![Sex::Female],
            age_min: Some(18),
            age_max: Some(35),
            vulnerabilities: vec![VulnerabilityFlag::GbvSurvivor, VulnerabilityFlag::TraffickingVictim],
            return_types: vec![ReturnType::Avr, ReturnType::HumanitarianEvacuation],
        };
        let fits = ReturneeFacts {
            sex: Some(Sex::Female),
            age: Some(24),
            vulnerabilities: vec![VulnerabilityFlag::GbvSurvivor],
            return_type: Some(ReturnType::Avr),
        };
        assert!(is_eligible(&rules, &fits));
        assert!(!is_eligible(&rules, &ReturneeFacts { sex: Some(Sex::Male), ..fits.clone() }));
        assert!(is_eligible(&rules, &ReturneeFacts { sex: Some(Sex::Unknown), ..fits.clone() }));
        assert_eq!(
            ineligibility(&rules, &ReturneeFacts { age: Some(17), ..fits.clone() }),
            vec!["catalogue-ineligible-age"]
        );
        assert_eq!(
            ineligibility(&rules, &ReturneeFacts { age: Some(36), ..fits.clone() }),
            vec!["catalogue-ineligible-age"]
        );
        assert!(is_eligible(&rules, &ReturneeFacts { age: Some(35), ..fits.clone() }));
        assert!(is_eligible(&rules, &ReturneeFacts { age: None, ..fits.clone() }));
        assert_eq!(
            ineligibility(&rules, &ReturneeFacts { vulnerabilities: vec![], ..fits.clone() }),
            vec!["catalogue-ineligible-vulnerability"]
        );
        assert_eq!(
            ineligibility(&rules, &ReturneeFacts { return_type: Some(ReturnType::Forced), ..fits.clone() }),
            vec!["catalogue-ineligible-return-type"]
        );
        assert!(is_eligible(&Eligibility::default(), &ReturneeFacts::default()));
    }

    #[test]
    fn a_cercle_matches_itself_and_its_region_a_region_its_cercles() {
        let all = ["ML01", "ML0101", "ML0103", "ML09", "ML02"];
        assert_eq!(matching_units("ML0103", all), vec!["ML01", "ML0103"]);
        assert_eq!(matching_units("ML01", all), vec!["ML01", "ML0101", "ML0103"]);
        assert!(matching_units("", all).is_empty());
    }
}
