//! When a case's surveys are due: a baseline once the returnee's needs are known, then follow-ups
//! some months after the baseline was answered.
//!
//! The dates are computed here, from dates given by the caller, so that the work queue, the case's
//! survey tab and the demonstration data agree. The questionnaires themselves (items, scoring) are
//! `crate::questionnaire`'s.

use crate::followup::add_months;
use crate::person::{choose, coded_enum};
use crate::FieldErrors;
use time::{Date, Duration};

coded_enum! {
    /// Why a survey was answered: it decides which schedule step it completes.
    pub enum SurveyKind in "survey-kind" {
        /// The first measure, near the needs assessment.
        Baseline = "baseline",
        /// A later measure of the same questionnaire, to see the change since the baseline.
        FollowUp = "follow_up",
        /// The returnee's satisfaction with the assistance (its own questionnaire).
        Satisfaction = "satisfaction",
    }
}

/// The code of the sustainability questionnaire, answered at baseline and follow-ups.
pub const SUSTAINABILITY_QUESTIONNAIRE: &str = "rss";
/// The code of the satisfaction questionnaire.
pub const SATISFACTION_QUESTIONNAIRE: &str = "satisfaction";

impl SurveyKind {
    /// The questionnaire a survey of this kind answers.
    pub fn questionnaire(self) -> &'static str {
        match self {
            SurveyKind::Baseline | SurveyKind::FollowUp => SUSTAINABILITY_QUESTIONNAIRE,
            SurveyKind::Satisfaction => SATISFACTION_QUESTIONNAIRE,
        }
    }
}

/// Days after registration at which the baseline is due when no needs assessment came first: the
/// month in which the plan should be agreed (see `followup::plan_within_one_month`).
pub const BASELINE_DAYS_AFTER_REGISTRATION: i64 = 30;

/// Months after the baseline at which follow-up surveys are due: the same rhythm as follow-up
/// contacts (`followup::DEFAULT_OFFSETS`), so that a visit can carry the survey.
pub const FOLLOW_UP_MONTHS: [u32; 3] = crate::followup::DEFAULT_OFFSETS;

/// How many days ahead the work queue shows a survey before it is due.
pub const DUE_SOON_DAYS: i64 = 7;

/// One step of a case's survey schedule: `months_after_baseline` is 0 for the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleStep {
    pub kind: SurveyKind,
    pub months_after_baseline: u32,
    pub due_on: Date,
}

/// The baseline due for a case registered on `registered_on`.
pub fn baseline_at_registration(registered_on: Date) -> ScheduleStep {
    let due_on = registered_on.checked_add(Duration::days(BASELINE_DAYS_AFTER_REGISTRATION)).unwrap_or(Date::MAX);
    ScheduleStep { kind: SurveyKind::Baseline, months_after_baseline: 0, due_on }
}

/// The baseline's due date once needs were assessed on `assessed_on`: the assessment date when it
/// comes earlier than the date already planned (`planned`), else the planned date.
pub fn baseline_after_assessment(planned: Option<Date>, assessed_on: Date) -> ScheduleStep {
    let due_on = planned.map_or(assessed_on, |p| p.min(assessed_on));
    ScheduleStep { kind: SurveyKind::Baseline, months_after_baseline: 0, due_on }
}

/// The follow-ups due after a baseline answered on `baseline_on`, one per [`FOLLOW_UP_MONTHS`],
/// each counted from the baseline (not from the previous follow-up).
pub fn follow_ups(baseline_on: Date) -> Vec<ScheduleStep> {
    FOLLOW_UP_MONTHS
        .iter()
        .filter_map(|&months| {
            add_months(baseline_on, months).map(|due_on| ScheduleStep {
                kind: SurveyKind::FollowUp,
                months_after_baseline: months,
                due_on,
            })
        })
        .collect()
}

/// What a survey form says besides its answers: why it was taken and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyHeader {
    pub kind: SurveyKind,
    pub answered_on: Date,
}

impl SurveyHeader {
    /// Reads `kind` and `answered_on` (a date of the case's life: not in the future, not before the
    /// returnee's `arrival`), as of `today`.
    pub fn parse(kind: &str, answered_on: &str, arrival: Date, today: Date) -> Result<SurveyHeader, FieldErrors> {
        let mut errors = FieldErrors::new();
        let kind = errors.check("kind", choose(kind, SurveyKind::parse));
        let answered_on = errors.check("answered_on", crate::assessment::case_date(answered_on, arrival, today));
        match (kind, answered_on) {
            (Some(kind), Some(answered_on)) if errors.is_empty() => Ok(SurveyHeader { kind, answered_on }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn baseline_is_due_a_month_after_registration_or_at_the_assessment() {
        assert_eq!(baseline_at_registration(date!(2026 - 01 - 10)).due_on, date!(2026 - 02 - 09));
        assert_eq!(
            baseline_after_assessment(Some(date!(2026 - 02 - 09)), date!(2026 - 01 - 20)).due_on,
            date!(2026 - 01 - 20)
        );
        // An assessment after the planned date does not push the baseline back.
        assert_eq!(
            baseline_after_assessment(Some(date!(2026 - 02 - 09)), date!(2026 - 03 - 01)).due_on,
            date!(2026 - 02 - 09)
        );
        assert_eq!(baseline_after_assessment(None, date!(2026 - 03 - 01)).due_on, date!(2026 - 03 - 01));
    }

    #[test]
    fn follow_ups_are_counted_from_the_baseline() {
        let steps = follow_ups(date!(2025 - 11 - 30));
        let dues: Vec<_> = steps.iter().map(|s| (s.months_after_baseline, s.due_on)).collect();
        assert_eq!(dues, vec![(3, date!(2026 - 02 - 28)), (6, date!(2026 - 05 - 30)), (12, date!(2026 - 11 - 30))]);
        assert!(steps.iter().all(|s| s.kind == SurveyKind::FollowUp));
    }

    #[test]
    fn a_header_needs_a_kind_and_a_date_of_the_case() {
        let (arrival, today) = (date!(2026 - 01 - 01), date!(2026 - 03 - 01));
        let ok = SurveyHeader::parse("baseline", "2026-02-01", arrival, today).unwrap();
        assert_eq!(ok, SurveyHeader { kind: SurveyKind::Baseline, answered_on: date!(2026 - 02 - 01) });
        let errors = SurveyHeader::parse("", "2026-04-01", arrival, today).unwrap_err();
        assert_eq!(errors.for_field("kind"), Some("error-required"));
        assert_eq!(errors.for_field("answered_on"), Some("error-date-in-future"));
        let errors = SurveyHeader::parse("weekly", "2025-12-01", arrival, today).unwrap_err();
        assert_eq!(errors.for_field("kind"), Some("error-choose-from-list"));
        assert_eq!(errors.for_field("answered_on"), Some("error-counselling-before-arrival"));
    }

    #[test]
    fn each_kind_answers_its_questionnaire() {
        assert_eq!(SurveyKind::Baseline.questionnaire(), "rss");
        assert_eq!(SurveyKind::FollowUp.questionnaire(), "rss");
        assert_eq!(SurveyKind::Satisfaction.questionnaire(), "satisfaction");
        assert_eq!(SurveyKind::parse("follow_up"), Some(SurveyKind::FollowUp));
    }
}
