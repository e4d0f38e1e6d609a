//! Organisations (the actors of reintegration) and the rules for a valid one.

use crate::validation::{clean_text, FieldErrors};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationType {
    Government,
    UnAgency,
    InternationalNgo,
    NationalNgo,
    ReturneeAssociation,
    PrivateSector,
    TrainingInstitution,
    FinancialInstitution,
    Donor,
}

impl OrganisationType {
    pub const ALL: [OrganisationType; 9] = [
        OrganisationType::Government,
        OrganisationType::UnAgency,
        OrganisationType::InternationalNgo,
        OrganisationType::NationalNgo,
        OrganisationType::ReturneeAssociation,
        OrganisationType::PrivateSector,
        OrganisationType::TrainingInstitution,
        OrganisationType::FinancialInstitution,
        OrganisationType::Donor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OrganisationType::Government => "government",
            OrganisationType::UnAgency => "un_agency",
            OrganisationType::InternationalNgo => "international_ngo",
            OrganisationType::NationalNgo => "national_ngo",
            OrganisationType::ReturneeAssociation => "returnee_association",
            OrganisationType::PrivateSector => "private_sector",
            OrganisationType::TrainingInstitution => "training_institution",
            OrganisationType::FinancialInstitution => "financial_institution",
            OrganisationType::Donor => "donor",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }
}

/// A validated organisation, ready to be stored. Built only through [`OrganisationInput::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrganisationDraft {
    pub name: String,
    pub acronym: String,
    pub kind: OrganisationType,
    /// P-codes of the admin units where the organisation works.
    pub regions: Vec<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub active: bool,
}

/// What a form or an API call submits, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct OrganisationInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub acronym: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub active: bool,
}

impl OrganisationInput {
    /// Parses the input; `known_unit` tells whether a P-code exists in the reference data.
    pub fn parse(&self, known_unit: impl Fn(&str) -> bool) -> Result<OrganisationDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", clean_text(&self.name, 2, 200));
        let acronym = errors.check("acronym", clean_text(&self.acronym, 0, 30));
        let kind = errors.check("type", OrganisationType::parse(self.kind.trim()).ok_or("error-choose-type"));
        let mut regions: Vec<String> =
            self.regions.iter().map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect();
        regions.sort();
        regions.dedup();
        if regions.iter().any(|r| !known_unit(r)) {
            errors.add("regions", "error-unknown-admin-unit");
        }
        let contact_name = errors.check("contact_name", clean_text(&self.contact_name, 0, 200));
        let contact_email = errors.check("contact_email", parse_optional_email(&self.contact_email));
        let contact_phone = errors.check("contact_phone", parse_optional_phone(&self.contact_phone));
        errors.finish(|| OrganisationDraft {
            name: name.unwrap(),
            acronym: acronym.unwrap(),
            kind: kind.unwrap(),
            regions,
            contact_name: contact_name.unwrap(),
            contact_email: contact_email.unwrap(),
            contact_phone: contact_phone.unwrap(),
            active: self.active,
        })
    }
}

/// An e-mail address, or the empty string when none was given.
pub fn parse_optional_email(raw: &str) -> Result<String, &'static str> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Ok(email);
    }
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.contains(char::is_whitespace)
                && email.len() <= 254 =>
        {
            Ok(email)
        }
        _ => Err("error-invalid-email"),
    }
}

/// A phone number as digits with an optional leading `+`, or the empty string.
pub fn parse_optional_phone(raw: &str) -> Result<String, &'static str> {
    let compact: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
    if compact.is_empty() {
        return Ok(compact);
    }
    let digits = compact.strip_prefix('+').unwrap_or(&compact);
    if digits.len() >= 6 && digits.len() <= 15 && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(compact)
    } else {
        Err("error-invalid-phone")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> OrganisationInput {
        OrganisationInput {
            name: " Agence  pour la promotion de l'emploi des jeunes ".into(),
            acronym: "APEJ".into(),
            kind: "government".into(),
            regions: vec!["ML01".into(), "ML09".into(), "ML01".into()],
            contact_email: "Contact@APEJ.ml".into(),
            contact_phone: "+223 20 22 00 00".into(),
            active: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_organisation_is_normalised() {
        let draft = input().parse(|_| true).unwrap();
        assert_eq!(draft.name, "Agence pour la promotion de l'emploi des jeunes");
        assert_eq!(draft.regions, vec!["ML01", "ML09"]);
        assert_eq!(draft.contact_email, "contact@apej.ml");
        assert_eq!(draft.contact_phone, "+22320220000");
    }

    #[test]
    fn every_bad_field_is_reported() {
        let bad = OrganisationInput {
            name: "".into(),
            kind: "club".into(),
            regions: vec!["XX99".into()],
            contact_email: "nobody".into(),
            contact_phone: "abc".into(),
            ..Default::default()
        };
        let errors = bad.parse(|code| code.starts_with("ML")).unwrap_err();
        assert_eq!(errors.for_field("name"), Some("error-required"));
        assert_eq!(errors.for_field("type"), Some("error-choose-type"));
        assert_eq!(errors.for_field("regions"), Some("error-unknown-admin-unit"));
        assert_eq!(errors.for_field("contact_email"), Some("error-invalid-email"));
        assert_eq!(errors.for_field("contact_phone"), Some("error-invalid-phone"));
    }
}
