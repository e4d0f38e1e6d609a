//! What a referral discloses: a per-service allow-list of a returnee's fields, minimal by default.
//!
//! The receiving organisation needs to reach the person and to know what the service requires,
//! nothing more: a vocational training centre learns about schooling and skills, a clinic the age,
//! no one the vulnerability screening or the return's circumstances unless the sender adds them.

use crate::lifecycle::plan::AssistanceType;
use crate::person::coded_enum;

coded_enum! {
    /// A field of the case file that a referral may share.
    pub enum SharedField in "shared-field" {
        FamilyName = "family_name",
        GivenNames = "given_names",
        Sex = "sex",
        Age = "age",
        Phones = "phones",
        Languages = "languages",
        Settlement = "settlement",
        EducationLevel = "education_level",
        Occupation = "occupation",
        Skills = "skills",
        ArrivalDate = "arrival_date",
        ReturnedFrom = "returned_from",
        Vulnerabilities = "vulnerabilities",
    }
}

/// Always shared: what it takes to identify and reach the person.
pub const ALWAYS: [SharedField; 4] =
    [SharedField::FamilyName, SharedField::GivenNames, SharedField::Sex, SharedField::Phones];

/// Fields a sender may add beyond the defaults only knowingly: they reveal the person's situation.
pub const SENSITIVE: [SharedField; 2] = [SharedField::Vulnerabilities, SharedField::ReturnedFrom];

/// The fields shared by default for a service.
pub fn default_fields(service: AssistanceType) -> Vec<SharedField> {
    use AssistanceType as A;
    use SharedField as F;
    let mut fields = ALWAYS.to_vec();
    fields.push(F::Settlement);
    let extra: &[SharedField] = match service {
        A::VocationalTraining | A::Apprenticeship | A::JobPlacement | A::BusinessStartUp | A::CollectiveBusiness => {
            &[F::Age, F::Languages, F::EducationLevel, F::Occupation, F::Skills]
        }
        A::MedicalCare | A::PsychosocialCounselling => &[F::Age, F::Languages],
        A::Education => &[F::Age, F::EducationLevel],
        A::Documents | A::LegalAid | A::FamilyTracing => &[F::Age],
        A::Microcredit => &[F::Age, F::Occupation, F::Skills],
        A::Housing | A::Cash | A::InKind | A::Other => &[],
    };
    fields.extend_from_slice(extra);
    fields
}

/// The allow-list of a referral: the fields always shared plus those chosen (codes), each once.
pub fn parse_fields(chosen: &[String]) -> Result<Vec<SharedField>, &'static str> {
    let mut fields = ALWAYS.to_vec();
    for code in chosen.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        let field = SharedField::parse(code).ok_or("error-choose-from-list")?;
        if !fields.contains(&field) {
            fields.push(field);
        }
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_minimal_and_never_sensitive() {
        for service in AssistanceType::ALL {
            let fields = default_fields(service);
            assert!(ALWAYS.iter().all(|f| fields.contains(f)), "{service:?}");
            assert!(SENSITIVE.iter().all(|f| !fields.contains(f)), "{service:?} shares a sensitive field by default");
        }
        assert!(default_fields(AssistanceType::VocationalTraining).contains(&SharedField::Skills));
        assert!(!default_fields(AssistanceType::Housing).contains(&SharedField::Skills));
    }

    #[test]
    fn chosen_fields_add_to_the_minimum() {
        let fields = parse_fields(&["skills".into(), "skills".into(), " ".into()]).unwrap();
        assert_eq!(fields.len(), ALWAYS.len() + 1);
        assert_eq!(parse_fields(&["password".into()]), Err("error-choose-from-list"));
    }
}
