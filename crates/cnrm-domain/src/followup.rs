//! When returnees are followed up, and whether their plan came in time.
//!
//! Follow-up visits are due a number of months after the reintegration plan was agreed, and a plan
//! should be agreed within a month of arrival; both dates are computed here, from dates given by the
//! caller, so that lists of due visits and late plans agree everywhere.

use crate::person::coded_enum;
use time::{Date, Month};

/// Months after the plan's agreement at which a follow-up is due, unless a programme sets others.
pub const DEFAULT_OFFSETS: [u32; 3] = [3, 6, 12];

/// `date` plus `months` calendar months, on the same day or, when that month is shorter, on its last
/// day (30 November + 3 months = 28 or 29 February). `None` beyond the calendar's range.
pub fn add_months(date: Date, months: u32) -> Option<Date> {
    let index = i64::from(date.year()) * 12 + i64::from(date.month() as u8 - 1) + i64::from(months);
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).ok()
}

/// The follow-up dates of a plan agreed on `plan_agreed_on`: one per offset, in the order given, each
/// counted from the agreement (not from the previous visit). Offsets beyond the calendar are dropped.
pub fn schedule(plan_agreed_on: Date, offsets_months: &[u32]) -> Vec<Date> {
    offsets_months.iter().filter_map(|months| add_months(plan_agreed_on, *months)).collect()
}

coded_enum! {
    /// Whether a reintegration plan was agreed within one month of arrival.
    pub enum PlanTimeliness in "plan-timeliness" {
        /// Agreed within the month (or before arrival).
        OnTime = "on_time",
        /// Agreed, but after the month.
        Late = "late",
        /// Not agreed yet, and the month is not over.
        Pending = "pending",
        /// Not agreed, and the month is over.
        Overdue = "overdue",
    }
}

/// Judges the plan of a returnee who arrived on `arrival`; the month ends on the same day of the next
/// month (or its last day), which still counts as on time.
pub fn plan_within_one_month(arrival: Date, agreed: Option<Date>, today: Date) -> PlanTimeliness {
    let deadline = add_months(arrival, 1).unwrap_or(Date::MAX);
    match agreed {
        Some(on) if on <= deadline => PlanTimeliness::OnTime,
        Some(_) => PlanTimeliness::Late,
        None if today <= deadline => PlanTimeliness::Pending,
        None => PlanTimeliness::Overdue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn months_are_clamped_to_their_last_day() {
        assert_eq!(add_months(date!(2025 - 11 - 30), 3), Some(date!(2026 - 02 - 28)));
        assert_eq!(add_months(date!(2027 - 11 - 30), 3), Some(date!(2028 - 02 - 29)));
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), Some(date!(2026 - 02 - 28)));
        assert_eq!(add_months(date!(2026 - 03 - 31), 6), Some(date!(2026 - 09 - 30)));
        assert_eq!(add_months(date!(2026 - 10 - 15), 3), Some(date!(2027 - 01 - 15)));
        assert_eq!(add_months(date!(2024 - 02 - 29), 12), Some(date!(2025 - 02 - 28)));
        assert_eq!(add_months(date!(2026 - 05 - 05), 0), Some(date!(2026 - 05 - 05)));
        assert_eq!(add_months(date!(9999 - 12 - 01), 1), None);
    }

    #[test]
    fn follow_ups_count_from_the_agreement() {
        assert_eq!(
            schedule(date!(2025 - 11 - 30), &DEFAULT_OFFSETS),
            vec![date!(2026 - 02 - 28), date!(2026 - 05 - 30), date!(2026 - 11 - 30)]
        );
        assert_eq!(
            schedule(date!(2026 - 08 - 31), &DEFAULT_OFFSETS),
            vec![date!(2026 - 11 - 30), date!(2027 - 02 - 28), date!(2027 - 08 - 31)]
        );
        assert_eq!(schedule(date!(2026 - 01 - 10), &[1]), vec![date!(2026 - 02 - 10)]);
        assert!(schedule(date!(2026 - 01 - 10), &[]).is_empty());
    }

    #[test]
    fn plans_within_a_month_of_arrival() {
        let arrival = date!(2026 - 01 - 31);
        let deadline = date!(2026 - 02 - 28);
        assert_eq!(plan_within_one_month(arrival, Some(deadline), date!(2026 - 06 - 01)), PlanTimeliness::OnTime);
        assert_eq!(plan_within_one_month(arrival, Some(date!(2026 - 01 - 20)), deadline), PlanTimeliness::OnTime);
        assert_eq!(plan_within_one_month(arrival, Some(date!(2026 - 03 - 01)), deadline), PlanTimeliness::Late);
        assert_eq!(plan_within_one_month(arrival, None, deadline), PlanTimeliness::Pending);
        assert_eq!(plan_within_one_month(arrival, None, date!(2026 - 03 - 01)), PlanTimeliness::Overdue);
    }
}
