//! Informed consent: what the returnee agreed to, with whom, and whether it still holds.
//!
//! Each use of a returnee's data beyond their own case file needs its own consent, and sharing with a
//! partner needs consent for that partner. A withdrawal takes effect at once; the platform asks
//! [`consent_allows`] before every such use and tells the user why it refuses.

use crate::person::{choose, coded_enum, parse_date};
use crate::validation::FieldErrors;
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

coded_enum! {
    /// What the data may be used for; each purpose is consented to separately.
    pub enum ConsentPurpose in "consent-purpose" {
        CaseManagement = "case_management",
        /// Sharing the case with one partner organisation, for a referral.
        ReferralSharing = "referral_sharing",
        FollowUpContact = "follow_up_contact",
        MonitoringSurveys = "monitoring_surveys",
        AnonymisedStatistics = "anonymised_statistics",
    }
}

coded_enum! {
    /// How consent was obtained.
    pub enum ConsentMethod in "consent-method" {
        Written = "written",
        /// Given orally before a witness (for people who do not read).
        OralWitnessed = "oral_witnessed",
        /// Given by a parent or guardian, for a child.
        Guardian = "guardian",
    }
}

/// One consent, as given and possibly withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsentRecord {
    pub purpose: ConsentPurpose,
    /// The partner the data may be shared with: set for `referral_sharing`, and only for it.
    pub partner_organisation_id: Option<Uuid>,
    pub method: ConsentMethod,
    pub granted_on: Date,
    /// Once set, the record never allows anything again; a new consent is a new record.
    pub withdrawn_on: Option<Date>,
}

impl ConsentRecord {
    /// Withdraws the consent on `on`, which may be neither before it was given nor after `today`.
    pub fn withdraw(&mut self, on: Date, today: Date) -> Result<(), &'static str> {
        if self.withdrawn_on.is_some() {
            Err("error-consent-already-withdrawn")
        } else if on > today {
            Err("error-date-in-future")
        } else if on < self.granted_on {
            Err("error-withdrawal-before-grant")
        } else {
            self.withdrawn_on = Some(on);
            Ok(())
        }
    }
}

/// A new consent as submitted.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ConsentInput {
    pub purpose: String,
    pub partner_organisation_id: String,
    pub method: String,
    /// `2024-03-18` or `18/03/2024`.
    pub granted_on: String,
}

impl ConsentInput {
    /// Parses the input as of `today`: the consent cannot be dated in the future.
    pub fn parse(&self, today: Date) -> Result<ConsentRecord, FieldErrors> {
        let mut errors = FieldErrors::new();
        let purpose = errors.check("purpose", choose(&self.purpose, ConsentPurpose::parse));
        let partner = match (purpose, self.partner_organisation_id.trim()) {
            (Some(ConsentPurpose::ReferralSharing), "") => Err("error-consent-partner-required"),
            (Some(ConsentPurpose::ReferralSharing), raw) => {
                Uuid::parse_str(raw).map(Some).map_err(|_| "error-choose-organisation")
            }
            (_, "") => Ok(None),
            (_, _) => Err("error-consent-partner-forbidden"),
        };
        let partner_organisation_id = errors.check("partner_organisation_id", partner);
        let method = errors.check("method", choose(&self.method, ConsentMethod::parse));
        let granted =
            parse_date(&self.granted_on).and_then(|d| if d > today { Err("error-date-in-future") } else { Ok(d) });
        let granted_on = errors.check("granted_on", granted);
        errors.finish(|| ConsentRecord {
            purpose: purpose.unwrap(),
            partner_organisation_id: partner_organisation_id.unwrap(),
            method: method.unwrap(),
            granted_on: granted_on.unwrap(),
            withdrawn_on: None,
        })
    }
}

/// Why a use of the data is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConsentBlock {
    /// No consent was ever recorded for this purpose (and partner).
    NeverGiven,
    /// Consent was withdrawn on this date (the latest withdrawal).
    Withdrawn { on: Date },
}

impl ConsentBlock {
    /// The message key; `error-consent-withdrawn` takes the argument `$date`.
    pub fn message_key(self) -> &'static str {
        match self {
            ConsentBlock::NeverGiven => "error-consent-never-given",
            ConsentBlock::Withdrawn { .. } => "error-consent-withdrawn",
        }
    }
}

/// Whether `records` (all the consents of one person) allow using the data for `purpose`; for
/// `referral_sharing`, with `partner` (which must then be given; it is ignored for other purposes).
///
/// A record allows when it was never withdrawn and no record for the same purpose (and partner) was
/// withdrawn after the day it was given: a withdrawal ends every earlier consent, a consent given again
/// afterwards (even the same day) holds.
pub fn consent_allows(
    records: &[ConsentRecord],
    purpose: ConsentPurpose,
    partner: Option<Uuid>,
) -> Result<(), ConsentBlock> {
    let relevant: Vec<&ConsentRecord> = records
        .iter()
        .filter(|r| r.purpose == purpose)
        .filter(|r| {
            purpose != ConsentPurpose::ReferralSharing || (partner.is_some() && r.partner_organisation_id == partner)
        })
        .collect();
    let last_withdrawal = relevant.iter().filter_map(|r| r.withdrawn_on).max();
    let allowed = relevant
        .iter()
        .filter(|r| r.withdrawn_on.is_none())
        .any(|r| last_withdrawal.is_none_or(|withdrawn| withdrawn <= r.granted_on));
    match (allowed, last_withdrawal) {
        (true, _) => Ok(()),
        (false, Some(on)) => Err(ConsentBlock::Withdrawn { on }),
        (false, None) => Err(ConsentBlock::NeverGiven),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 03 - 15);
    const PARTNER: Uuid = Uuid::from_u128(7);
    const OTHER_PARTNER: Uuid = Uuid::from_u128(8);

    fn record(purpose: ConsentPurpose, granted_on: Date, withdrawn_on: Option<Date>) -> ConsentRecord {
        let partner_organisation_id = (purpose == ConsentPurpose::ReferralSharing).then_some(PARTNER);
        ConsentRecord { purpose, partner_organisation_id, method: ConsentMethod::Written, granted_on, withdrawn_on }
    }

    fn input(purpose: &str, partner: &str) -> ConsentInput {
        ConsentInput {
            purpose: purpose.into(),
            partner_organisation_id: partner.into(),
            method: "oral_witnessed".into(),
            granted_on: "15/03/2026".into(),
        }
    }

    #[test]
    fn a_valid_consent() {
        let r = input("referral_sharing", &PARTNER.to_string()).parse(TODAY).unwrap();
        assert_eq!(r.partner_organisation_id, Some(PARTNER));
        assert_eq!(r.method, ConsentMethod::OralWitnessed);
        assert_eq!(r.granted_on, TODAY);
        assert_eq!(r.withdrawn_on, None);
        assert_eq!(input("case_management", " ").parse(TODAY).unwrap().partner_organisation_id, None);
    }

    #[test]
    fn consent_refusals() {
        let field = |i: ConsentInput, f| i.parse(TODAY).unwrap_err().for_field(f);
        assert_eq!(
            field(input("referral_sharing", ""), "partner_organisation_id"),
            Some("error-consent-partner-required")
        );
        assert_eq!(
            field(input("referral_sharing", "apej"), "partner_organisation_id"),
            Some("error-choose-organisation")
        );
        let partner = PARTNER.to_string();
        assert_eq!(
            field(input("follow_up_contact", &partner), "partner_organisation_id"),
            Some("error-consent-partner-forbidden")
        );
        assert_eq!(field(input("", ""), "purpose"), Some("error-required"));
        assert_eq!(field(input("marketing", ""), "purpose"), Some("error-choose-from-list"));
        assert_eq!(
            field(ConsentInput { method: "tacit".into(), ..input("case_management", "") }, "method"),
            Some("error-choose-from-list")
        );
        let future = ConsentInput { granted_on: "2026-03-16".into(), ..input("case_management", "") };
        assert_eq!(field(future, "granted_on"), Some("error-date-in-future"));
    }

    #[test]
    fn consent_is_per_purpose_and_per_partner() {
        let records = [
            record(ConsentPurpose::CaseManagement, date!(2026 - 01 - 10), None),
            record(ConsentPurpose::ReferralSharing, date!(2026 - 01 - 10), None),
        ];
        assert_eq!(consent_allows(&records, ConsentPurpose::CaseManagement, None), Ok(()));
        assert_eq!(
            consent_allows(&records, ConsentPurpose::CaseManagement, Some(OTHER_PARTNER)),
            Ok(()),
            "partner ignored"
        );
        assert_eq!(consent_allows(&records, ConsentPurpose::ReferralSharing, Some(PARTNER)), Ok(()));
        assert_eq!(
            consent_allows(&records, ConsentPurpose::ReferralSharing, Some(OTHER_PARTNER)),
            Err(ConsentBlock::NeverGiven)
        );
        assert_eq!(consent_allows(&records, ConsentPurpose::ReferralSharing, None), Err(ConsentBlock::NeverGiven));
        assert_eq!(consent_allows(&records, ConsentPurpose::MonitoringSurveys, None), Err(ConsentBlock::NeverGiven));
        assert_eq!(consent_allows(&[], ConsentPurpose::CaseManagement, None), Err(ConsentBlock::NeverGiven));
    }

    #[test]
    fn a_withdrawal_takes_effect_at_once() {
        let purpose = ConsentPurpose::FollowUpContact;
        let withdrawn = Some(date!(2026 - 02 - 01));
        let block = Err(ConsentBlock::Withdrawn { on: date!(2026 - 02 - 01) });
        assert_eq!(consent_allows(&[record(purpose, date!(2026 - 01 - 10), withdrawn)], purpose, None), block);
        let future_withdrawal = Some(date!(2030 - 01 - 01));
        assert!(consent_allows(&[record(purpose, date!(2026 - 01 - 10), future_withdrawal)], purpose, None).is_err());
        // A withdrawal ends an older consent still marked active, not a consent given again afterwards.
        let older = record(purpose, date!(2026 - 01 - 05), None);
        let again_same_day = record(purpose, date!(2026 - 02 - 01), None);
        let again_later = record(purpose, date!(2026 - 03 - 01), None);
        let w = record(purpose, date!(2026 - 01 - 10), withdrawn);
        assert_eq!(consent_allows(&[older, w], purpose, None), block);
        assert_eq!(consent_allows(&[w, again_same_day], purpose, None), Ok(()));
        assert_eq!(consent_allows(&[again_later, w, older], purpose, None), Ok(()));
        let two_withdrawals = [w, record(purpose, date!(2026 - 02 - 10), Some(date!(2026 - 02 - 20))), again_same_day];
        assert_eq!(
            consent_allows(&two_withdrawals, purpose, None),
            Err(ConsentBlock::Withdrawn { on: date!(2026 - 02 - 20) })
        );
        assert_eq!(ConsentBlock::Withdrawn { on: TODAY }.message_key(), "error-consent-withdrawn");
        assert_eq!(ConsentBlock::NeverGiven.message_key(), "error-consent-never-given");
    }

    #[test]
    fn withdrawing() {
        let mut r = record(ConsentPurpose::MonitoringSurveys, date!(2026 - 01 - 10), None);
        assert_eq!(r.withdraw(date!(2026 - 01 - 09), TODAY), Err("error-withdrawal-before-grant"));
        assert_eq!(r.withdraw(date!(2026 - 03 - 16), TODAY), Err("error-date-in-future"));
        assert_eq!(r.withdraw(date!(2026 - 01 - 10), TODAY), Ok(()));
        assert_eq!(r.withdrawn_on, Some(date!(2026 - 01 - 10)));
        assert_eq!(r.withdraw(TODAY, TODAY), Err("error-consent-already-withdrawn"));
    }
}
