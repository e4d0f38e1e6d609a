//! Identity resolution: the review of candidate pairs (two person records that may be the same
//! returnee) and the reasons shown when a registration resembles a known person.

use crate::person::coded_enum;

coded_enum! {
    /// Where a candidate pair stands in the data steward's review.
    pub enum CandidateStatus in "identity-status" {
        /// Found by `cnrm dedup`, not yet looked at.
        Pending = "pending",
        /// The same person: both records are linked to one master person.
        Same = "same",
        /// Not the same person: remembered, never proposed again.
        NotSame = "not_same",
        /// Looked at, undecided.
        Unsure = "unsure",
        /// Was linked, the link was undone.
        Split = "split",
    }
}

coded_enum! {
    /// What a data steward may decide about a candidate pair.
    pub enum Decision in "identity-decision" {
        Same = "same",
        NotSame = "not_same",
        Unsure = "unsure",
    }
}

impl Decision {
    pub fn status(self) -> CandidateStatus {
        match self {
            Decision::Same => CandidateStatus::Same,
            Decision::NotSame => CandidateStatus::NotSame,
            Decision::Unsure => CandidateStatus::Unsure,
        }
    }
}

impl CandidateStatus {
    /// Whether a decision may (still) be taken: a linked pair is split first, a "not the same" is final.
    pub fn decidable(self) -> bool {
        matches!(self, CandidateStatus::Pending | CandidateStatus::Unsure | CandidateStatus::Split)
    }
}

/// Why a registration may be a known person, as a short phrase (never the other person's data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    SameName,
    NameVariant,
    NamesSwapped,
    SameBirthDate,
    SameBirthYear,
    CloseBirthDate,
    SamePhone,
    SameDocument,
    SamePlace,
    /// The father's or the mother's name agrees (the filiation).
    SameParents,
}

impl MatchReason {
    /// The message key of the phrase, e.g. `identity-reason-same-phone`.
    pub fn label_key(self) -> &'static str {
        match self {
            MatchReason::SameName => "identity-reason-same-name",
            MatchReason::NameVariant => "identity-reason-name-variant",
            MatchReason::NamesSwapped => "identity-reason-names-swapped",
            MatchReason::SameBirthDate => "identity-reason-same-birth-date",
            MatchReason::SameBirthYear => "identity-reason-same-birth-year",
            MatchReason::CloseBirthDate => "identity-reason-close-birth-date",
            MatchReason::SamePhone => "identity-reason-same-phone",
            MatchReason::SameDocument => "identity-reason-same-document",
            MatchReason::SamePlace => "identity-reason-same-place",
            MatchReason::SameParents => "identity-reason-same-parents",
        }
    }

    /// The reason a field's comparison level gives, if it speaks for a match.
    pub fn from_evidence(field: &str, level: &str) -> Option<MatchReason> {
        match (field, level) {
            ("family_name" | "given_name", "exact") => Some(MatchReason::SameName),
            ("family_name" | "given_name", "similar (typo)" | "phonetic or listed variant") => {
                Some(MatchReason::NameVariant)
            }
            ("date_of_birth", "exact") => Some(MatchReason::SameBirthDate),
            ("date_of_birth", "same year (imprecise date)") => Some(MatchReason::SameBirthYear),
            ("date_of_birth", "close (day/month or one year off)") => Some(MatchReason::CloseBirthDate),
            ("phone", "same") => Some(MatchReason::SamePhone),
            ("document", "same") => Some(MatchReason::SameDocument),
            ("origin", "same cercle" | "same region") => Some(MatchReason::SamePlace),
            ("father_name" | "mother_name", "exact" | "phonetic or listed variant" | "similar (typo)") => {
                Some(MatchReason::SameParents)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_open_pairs_are_decidable() {
        assert!(CandidateStatus::Pending.decidable());
        assert!(CandidateStatus::Split.decidable());
        assert!(!CandidateStatus::NotSame.decidable());
        assert!(!CandidateStatus::Same.decidable());
        assert_eq!(Decision::parse("not_same").map(Decision::status), Some(CandidateStatus::NotSame));
    }

    #[test]
    fn reasons_come_from_agreeing_fields_only() {
        assert_eq!(MatchReason::from_evidence("phone", "same"), Some(MatchReason::SamePhone));
        assert_eq!(MatchReason::from_evidence("phone", "different"), None);
        assert_eq!(
            MatchReason::from_evidence("given_name", "phonetic or listed variant"),
            Some(MatchReason::NameVariant)
        );
        assert_eq!(
            MatchReason::from_evidence("date_of_birth", "same year (imprecise date)"),
            Some(MatchReason::SameBirthYear)
        );
        assert_eq!(MatchReason::from_evidence("mother_name", "exact"), Some(MatchReason::SameParents));
        // Her given name alone says too little to be given as a reason.
        assert_eq!(MatchReason::from_evidence("mother_name", "part of the name (given name only)"), None);
        assert_eq!(MatchReason::from_evidence("father_name", "different"), None);
    }
}
