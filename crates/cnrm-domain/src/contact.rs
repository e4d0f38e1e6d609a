//! Follow-up contacts with returnees: what came of each one, when another is needed, and the
//! platform's choice of when follow-ups are due (see [`crate::followup`] for the dates).

use crate::followup::DEFAULT_OFFSETS;
use crate::person::{choose, coded_enum, parse_date};
use crate::validation::clean_text;
use crate::FieldErrors;
use serde::{Deserialize, Serialize};
use time::{Date, Duration};

/// The kind of task a follow-up contact is (as scheduled when a plan is agreed).
pub const FOLLOW_UP_TASK: &str = "follow-up";

/// Days after an unsuccessful contact at which the next attempt is due, unless another is chosen.
pub const DEFAULT_RESCHEDULE_DAYS: i64 = 14;
/// The longest wait before trying again.
pub const MAX_RESCHEDULE_DAYS: i64 = 90;

coded_enum! {
    /// How the returnee was contacted (or tried to be).
    pub enum ContactMethod in "contact-method" {
        Phone = "phone",
        HomeVisit = "home_visit",
        OfficeVisit = "office_visit",
        /// Through a partner organisation or a community relay.
        Partner = "partner",
    }
}

coded_enum! {
    /// The returnee's situation as the contact found it.
    pub enum Situation in "follow-up-situation" {
        Stable = "stable",
        Progressing = "progressing",
        NeedsSupport = "needs_support",
        LeftArea = "left_area",
        Remigrated = "remigrated",
        Deceased = "deceased",
        NotReached = "not_reached",
    }
}

impl Situation {
    /// Whether the situation can be recorded after a contact that did (`reached`) or did not reach
    /// the returnee. Without reaching them, only what others can tell is known: that they left,
    /// migrated again or died — or nothing. Reaching them, "not reached" and "deceased" make no sense.
    pub fn consistent_with(self, reached: bool) -> bool {
        match self {
            Situation::NotReached | Situation::Deceased => !reached,
            Situation::LeftArea | Situation::Remigrated => true,
            Situation::Stable | Situation::Progressing | Situation::NeedsSupport => reached,
        }
    }

    /// Whether another contact may be scheduled after this one: only when the returnee was not
    /// reached and may still be (not after a death).
    pub fn may_reschedule(self, reached: bool) -> bool {
        !reached && self != Situation::Deceased
    }
}

/// A contact's outcome as submitted.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct OutcomeInput {
    /// Day of the contact, `YYYY-MM-DD` or `DD/MM/YYYY`; not in the future.
    pub contacted_on: String,
    /// `phone`, `home_visit`, `office_visit` or `partner`.
    pub method: String,
    /// Whether the returnee was reached.
    pub reached: Option<bool>,
    /// `stable`, `progressing`, `needs_support`, `left_area`, `remigrated`, `deceased` or `not_reached`.
    pub situation: String,
    pub notes: String,
    /// Not reached: schedule another contact.
    pub reschedule: bool,
    /// Days after the contact at which the next one is due (1–90; empty for 14).
    pub reschedule_days: String,
}

/// A validated outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub contacted_on: Date,
    pub method: ContactMethod,
    pub reached: bool,
    pub situation: Situation,
    pub notes: String,
    /// When the next contact is due, if one is scheduled.
    pub next_due: Option<Date>,
}

impl OutcomeInput {
    pub fn parse(&self, today: Date) -> Result<Outcome, FieldErrors> {
        let mut errors = FieldErrors::new();
        let contacted_on = errors.check(
            "contacted_on",
            parse_date(&self.contacted_on).and_then(|d| if d > today { Err("error-date-in-future") } else { Ok(d) }),
        );
        let method = errors.check("method", choose(&self.method, ContactMethod::parse));
        let reached = errors.check("reached", self.reached.ok_or("error-required"));
        let situation = errors.check(
            "situation",
            choose(&self.situation, Situation::parse).and_then(|s| match reached {
                Some(r) if !s.consistent_with(r) => {
                    Err(if r { "error-situation-needs-not-reached" } else { "error-situation-needs-reached" })
                }
                _ => Ok(s),
            }),
        );
        let notes = errors.check("notes", clean_text(&self.notes, 0, 2000));
        let days = if self.reschedule {
            errors.check(
                "reschedule_days",
                match (reached, situation) {
                    (Some(r), Some(s)) if !s.may_reschedule(r) => Err("error-reschedule-not-allowed"),
                    _ => parse_days(&self.reschedule_days).map(Some),
                },
            )
        } else {
            Some(None)
        };
        errors.finish(|| {
            let contacted_on = contacted_on.unwrap();
            Outcome {
                contacted_on,
                method: method.unwrap(),
                reached: reached.unwrap(),
                situation: situation.unwrap(),
                notes: notes.unwrap(),
                next_due: days.unwrap().map(|d| contacted_on + Duration::days(d)),
            }
        })
    }
}

fn parse_days(raw: &str) -> Result<i64, &'static str> {
    match raw.trim() {
        "" => Ok(DEFAULT_RESCHEDULE_DAYS),
        raw => match raw.parse::<i64>() {
            Ok(d) if (1..=MAX_RESCHEDULE_DAYS).contains(&d) => Ok(d),
            _ => Err("error-reschedule-days"),
        },
    }
}

/// Bounds of the follow-up offsets a platform may choose.
pub const MAX_OFFSETS: usize = 6;
pub const MAX_OFFSET_MONTHS: i64 = 60;

/// Checks follow-up offsets (months after the plan's agreement): 1 to 6 of them, each 1 to 60
/// months, strictly ascending.
pub fn check_offsets(offsets: &[i64]) -> Result<Vec<u32>, &'static str> {
    if offsets.is_empty() || offsets.len() > MAX_OFFSETS {
        return Err("error-offsets-count");
    }
    if offsets.iter().any(|m| !(1..=MAX_OFFSET_MONTHS).contains(m)) {
        return Err("error-offsets-range");
    }
    if offsets.windows(2).any(|w| w[0] >= w[1]) {
        return Err("error-offsets-ascending");
    }
    Ok(offsets.iter().map(|m| *m as u32).collect())
}

/// Reads offsets typed as a list ("3, 6, 12" or "3 6 12") and checks them.
pub fn parse_offsets(raw: &str) -> Result<Vec<u32>, &'static str> {
    let numbers = raw
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<i64>().map_err(|_| "error-offsets-number"))
        .collect::<Result<Vec<_>, _>>()?;
    check_offsets(&numbers)
}

/// Offsets as stored (a JSON list), or the defaults when nothing (valid) is stored.
pub fn stored_offsets(value: Option<&str>) -> Vec<u32> {
    value
        .and_then(|v| serde_json::from_str::<Vec<i64>>(v).ok())
        .and_then(|v| check_offsets(&v).ok())
        .unwrap_or_else(|| DEFAULT_OFFSETS.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 03 - 10);

    fn input(reached: bool, situation: &str) -> OutcomeInput {
        OutcomeInput {
            contacted_on: "2026-03-09".into(),
            method: "phone".into(),
            reached: Some(reached),
            situation: situation.into(),
            ..Default::default()
        }
    }

    #[test]
    fn situations_agree_with_whether_the_returnee_was_reached() {
        assert!(Situation::NotReached.consistent_with(false) && !Situation::NotReached.consistent_with(true));
        assert!(Situation::Deceased.consistent_with(false) && !Situation::Deceased.consistent_with(true));
        assert!(Situation::Stable.consistent_with(true) && !Situation::Stable.consistent_with(false));
        assert!(Situation::NeedsSupport.consistent_with(true) && !Situation::NeedsSupport.consistent_with(false));
        assert!(Situation::Remigrated.consistent_with(true) && Situation::Remigrated.consistent_with(false));
        assert!(Situation::NotReached.may_reschedule(false) && Situation::LeftArea.may_reschedule(false));
        assert!(!Situation::Deceased.may_reschedule(false) && !Situation::Stable.may_reschedule(true));
    }

    #[test]
    fn an_outcome_is_parsed_and_checked() {
        let ok = input(true, "progressing").parse(TODAY).unwrap();
        assert_eq!((ok.contacted_on, ok.method, ok.reached), (date!(2026 - 03 - 09), ContactMethod::Phone, true));
        assert_eq!((ok.situation, ok.next_due), (Situation::Progressing, None));

        let errors = input(true, "not_reached").parse(TODAY).unwrap_err();
        assert_eq!(errors.for_field("situation"), Some("error-situation-needs-not-reached"));
        let errors = input(false, "stable").parse(TODAY).unwrap_err();
        assert_eq!(errors.for_field("situation"), Some("error-situation-needs-reached"));

        let future = OutcomeInput { contacted_on: "2026-03-11".into(), ..input(true, "stable") };
        assert_eq!(future.parse(TODAY).unwrap_err().for_field("contacted_on"), Some("error-date-in-future"));
        let empty = OutcomeInput::default().parse(TODAY).unwrap_err();
        for field in ["contacted_on", "method", "reached", "situation"] {
            assert_eq!(empty.for_field(field), Some("error-required"), "{field}");
        }
    }

    #[test]
    fn an_unreached_returnee_is_tried_again_later() {
        let again = OutcomeInput { reschedule: true, ..input(false, "not_reached") };
        assert_eq!(again.parse(TODAY).unwrap().next_due, Some(date!(2026 - 03 - 23)), "14 days by default");
        let later = OutcomeInput { reschedule_days: "30".into(), ..again.clone() };
        assert_eq!(later.parse(TODAY).unwrap().next_due, Some(date!(2026 - 04 - 08)));
        for bad in ["0", "91", "deux"] {
            let wrong = OutcomeInput { reschedule_days: bad.into(), ..again.clone() };
            assert_eq!(wrong.parse(TODAY).unwrap_err().for_field("reschedule_days"), Some("error-reschedule-days"));
        }
        let reached = OutcomeInput { reschedule: true, ..input(true, "stable") };
        assert_eq!(
            reached.parse(TODAY).unwrap_err().for_field("reschedule_days"),
            Some("error-reschedule-not-allowed")
        );
        let deceased = OutcomeInput { reschedule: true, ..input(false, "deceased") };
        assert!(deceased.parse(TODAY).is_err());
    }

    #[test]
    fn offsets_are_few_ascending_and_within_five_years() {
        assert_eq!(parse_offsets("3, 6, 12"), Ok(vec![3, 6, 12]));
        assert_eq!(parse_offsets(" 1 2;60 "), Ok(vec![1, 2, 60]));
        assert_eq!(parse_offsets(""), Err("error-offsets-count"));
        assert_eq!(parse_offsets("1 2 3 4 5 6 7"), Err("error-offsets-count"));
        assert_eq!(parse_offsets("3, 3, 12"), Err("error-offsets-ascending"));
        assert_eq!(parse_offsets("6, 3"), Err("error-offsets-ascending"));
        assert_eq!(parse_offsets("0, 3"), Err("error-offsets-range"));
        assert_eq!(parse_offsets("3, 61"), Err("error-offsets-range"));
        assert_eq!(parse_offsets("3, six"), Err("error-offsets-number"));
        assert_eq!(stored_offsets(Some("[2, 4]")), vec![2, 4]);
        assert_eq!(stored_offsets(Some("[4, 2]")), DEFAULT_OFFSETS.to_vec(), "an invalid value falls back");
        assert_eq!(stored_offsets(None), DEFAULT_OFFSETS.to_vec());
    }
}
