//! The life of a case, of each item of its reintegration plan, and of each referral to a partner.
//!
//! Each is a small state machine: a `transition` function takes the current status and an event and
//! returns the new status, or the message key saying why the event is refused. Storage keeps the
//! status; services call `transition` before every change, so no screen can skip a step.

use crate::validation::clean_text;
use serde::Serialize;

/// Why something was cancelled, declined, reopened…: 1 to 1000 characters, required by the events
/// that carry it, so that a transition can never lack its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Reason(String);

impl Reason {
    pub fn parse(raw: &str) -> Result<Reason, &'static str> {
        clean_text(raw, 1, 1000).map(Reason)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Opening, closing and reopening a case.
pub mod case {
    use super::Reason;
    use crate::person::coded_enum;

    coded_enum! {
        pub enum CaseStatus in "case-status" {
            Open = "open",
            Closed = "closed",
        }
    }

    coded_enum! {
        /// Why a case was closed.
        pub enum ClosureReason in "closure-reason" {
            AssistanceCompleted = "assistance_completed",
            NoLongerEligible = "no_longer_eligible",
            ReturneeWithdrew = "returnee_withdrew",
            LeftAreaOrRemigrated = "left_area_or_remigrated",
            Deceased = "deceased",
            LostContact = "lost_contact",
            FundingOrSecurityEnded = "funding_or_security_ended",
        }
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum CaseEvent {
        Close(ClosureReason),
        Reopen(Reason),
    }

    /// Closes an open case or reopens a closed one; anything else is refused.
    pub fn transition(from: CaseStatus, event: &CaseEvent) -> Result<CaseStatus, &'static str> {
        match (from, event) {
            (CaseStatus::Open, CaseEvent::Close(_)) => Ok(CaseStatus::Closed),
            (CaseStatus::Closed, CaseEvent::Reopen(_)) => Ok(CaseStatus::Open),
            (CaseStatus::Closed, CaseEvent::Close(_)) => Err("error-case-already-closed"),
            (CaseStatus::Open, CaseEvent::Reopen(_)) => Err("error-case-already-open"),
        }
    }
}

/// The items of a reintegration plan: what is planned, approved, delivered, and what it costs.
pub mod plan {
    use super::Reason;
    use crate::person::coded_enum;
    use uuid::Uuid;

    coded_enum! {
        /// `planned → approved → in_progress → delivered`; `cancelled` from any of the first three.
        pub enum PlanItemStatus in "plan-item-status" {
            Planned = "planned",
            Approved = "approved",
            InProgress = "in_progress",
            Delivered = "delivered",
            Cancelled = "cancelled",
        }
    }

    impl PlanItemStatus {
        /// Delivered and cancelled items never change again.
        pub fn is_terminal(self) -> bool {
            matches!(self, PlanItemStatus::Delivered | PlanItemStatus::Cancelled)
        }
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum PlanItemEvent {
        Approve,
        Start,
        Deliver,
        Cancel(Reason),
    }

    /// The next status of a plan item; `error-plan-item-closed` once delivered or cancelled,
    /// `error-plan-item-transition` for a step out of order. Who may approve is [`may_approve_plan`].
    pub fn transition(from: PlanItemStatus, event: &PlanItemEvent) -> Result<PlanItemStatus, &'static str> {
        use PlanItemEvent as E;
        use PlanItemStatus as S;
        match (from, event) {
            (S::Delivered | S::Cancelled, _) => Err("error-plan-item-closed"),
            (S::Planned, E::Approve) => Ok(S::Approved),
            (S::Approved, E::Start) => Ok(S::InProgress),
            (S::InProgress, E::Deliver) => Ok(S::Delivered),
            (S::Planned | S::Approved | S::InProgress, E::Cancel(_)) => Ok(S::Cancelled),
            _ => Err("error-plan-item-transition"),
        }
    }

    /// Whether `approver` may approve a plan written by `author`: they need the plan-approval
    /// permission, and nobody approves their own plan (four eyes on every disbursement).
    pub fn may_approve_plan(
        author: Uuid,
        approver: Uuid,
        approver_holds_plan_approve: bool,
    ) -> Result<(), &'static str> {
        if !approver_holds_plan_approve {
            Err("error-plan-approve-permission")
        } else if author == approver {
            Err("error-plan-self-approval")
        } else {
            Ok(())
        }
    }

    coded_enum! {
        /// The three dimensions of sustainable reintegration.
        pub enum Dimension in "dimension" {
            Economic = "economic",
            Social = "social",
            Psychosocial = "psychosocial",
        }
    }

    coded_enum! {
        pub enum AssistanceType in "assistance-type" {
            BusinessStartUp = "business_start_up",
            CollectiveBusiness = "collective_business",
            VocationalTraining = "vocational_training",
            Apprenticeship = "apprenticeship",
            JobPlacement = "job_placement",
            Housing = "housing",
            MedicalCare = "medical_care",
            PsychosocialCounselling = "psychosocial_counselling",
            Education = "education",
            /// Help to obtain identity or civil documents.
            Documents = "documents",
            LegalAid = "legal_aid",
            /// Small loans to start or grow an activity (microfinance institutions).
            Microcredit = "microcredit",
            /// Tracing and reuniting family members (Red Cross family links).
            FamilyTracing = "family_tracing",
            Cash = "cash",
            InKind = "in_kind",
            Other = "other",
        }
    }

    coded_enum! {
        /// Who benefits: the returnee, a group of returnees, or their community.
        pub enum AssistanceLevel in "assistance-level" {
            Individual = "individual",
            Collective = "collective",
            Community = "community",
        }
    }

    coded_enum! {
        /// Whether the case's organisation delivers the item itself or refers the returnee to a partner.
        pub enum DeliveryChannel in "delivery-channel" {
            Direct = "direct",
            Referral = "referral",
        }
    }

    /// Largest amount accepted, in francs CFA: anything larger is a typing mistake.
    pub const MAX_AMOUNT_XOF: i64 = 1_000_000_000_000;

    /// An amount in francs CFA (XOF, no subunit): digits, optionally grouped with spaces
    /// (`1 500 000`). Decimal and grouping marks `.` and `,` are refused, as they are ambiguous.
    pub fn parse_amount_xof(raw: &str) -> Result<i64, &'static str> {
        let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}')).collect();
        if digits.is_empty() {
            return Err("error-required");
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err("error-amount");
        }
        digits.parse::<i64>().ok().filter(|a| *a <= MAX_AMOUNT_XOF).ok_or("error-amount")
    }

    /// Whether more was spent than budgeted: allowed (prices move), but shown to the case manager.
    pub fn overspent(budget_xof: i64, spent_xof: i64) -> bool {
        spent_xof > budget_xof
    }
}

/// Referrals of a returnee to a partner organisation, acted on by both sides.
pub mod referral {
    use super::Reason;
    use crate::person::coded_enum;
    use serde::Serialize;
    use time::Date;

    coded_enum! {
        pub enum ReferralStatus in "referral-status" {
            Sent = "sent",
            Accepted = "accepted",
            Declined = "declined",
            InProgress = "in_progress",
            Completed = "completed",
            NotCompleted = "not_completed",
            Revoked = "revoked",
        }
    }

    impl ReferralStatus {
        /// Declined, completed, not completed and revoked referrals never change status again.
        pub fn is_terminal(self) -> bool {
            !is_open(self)
        }
    }

    /// The two organisations of a referral.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Side {
        Sender,
        Receiver,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum ReferralEvent {
        Accept,
        Decline(Reason),
        Start,
        Complete,
        NotComplete(Reason),
        Revoke,
        /// The sender's feedback on the service, once the referral has ended; leaves the status as is.
        Feedback,
    }

    impl ReferralEvent {
        /// The only side that may cause the event.
        pub fn side(&self) -> Side {
            match self {
                ReferralEvent::Revoke | ReferralEvent::Feedback => Side::Sender,
                _ => Side::Receiver,
            }
        }
    }

    /// The status after `event`, caused by side `by`, on a referral in status `from` whose sender has
    /// (or not) already given feedback. Refusals: `error-referral-wrong-side`, `error-referral-closed`
    /// (nothing but feedback after the end), `error-referral-feedback-given`, `error-referral-transition`.
    pub fn transition(
        from: ReferralStatus,
        feedback_given: bool,
        by: Side,
        event: &ReferralEvent,
    ) -> Result<ReferralStatus, &'static str> {
        use ReferralEvent as E;
        use ReferralStatus as S;
        if by != event.side() {
            return Err("error-referral-wrong-side");
        }
        match (from, event) {
            (S::Completed | S::NotCompleted, E::Feedback) if feedback_given => Err("error-referral-feedback-given"),
            (S::Completed | S::NotCompleted, E::Feedback) => Ok(from),
            (S::Declined | S::Completed | S::NotCompleted | S::Revoked, _) => Err("error-referral-closed"),
            (S::Sent, E::Accept) => Ok(S::Accepted),
            (S::Sent, E::Decline(_)) => Ok(S::Declined),
            (S::Accepted, E::Start) => Ok(S::InProgress),
            (S::InProgress, E::Complete) => Ok(S::Completed),
            (S::InProgress, E::NotComplete(_)) => Ok(S::NotCompleted),
            (S::Sent | S::Accepted | S::InProgress, E::Revoke) => Ok(S::Revoked),
            _ => Err("error-referral-transition"),
        }
    }

    /// Whether the referral still waits for the receiver: sent, accepted or in progress.
    pub fn is_open(status: ReferralStatus) -> bool {
        matches!(status, ReferralStatus::Sent | ReferralStatus::Accepted | ReferralStatus::InProgress)
    }

    /// Whether an open referral has passed its due date (the due day itself is not late).
    pub fn overdue(status: ReferralStatus, due: Date, today: Date) -> bool {
        is_open(status) && today > due
    }
}

#[cfg(test)]
mod tests {
    use super::case::{self, CaseEvent, CaseStatus, ClosureReason};
    use super::plan::{self, PlanItemEvent, PlanItemStatus};
    use super::referral::{self, ReferralEvent, ReferralStatus, Side};
    use super::Reason;
    use proptest::prelude::*;
    use time::macros::date;
    use uuid::Uuid;

    fn reason() -> Reason {
        Reason::parse("  le bénéficiaire a déménagé ").unwrap()
    }

    #[test]
    fn reasons_are_required_and_cleaned() {
        assert_eq!(reason().as_str(), "le bénéficiaire a déménagé");
        assert_eq!(Reason::parse(" \n "), Err("error-required"));
        assert_eq!(Reason::parse(&"x".repeat(1001)), Err("error-too-long"));
    }

    #[test]
    fn cases_close_and_reopen() {
        let close = CaseEvent::Close(ClosureReason::LostContact);
        let reopen = CaseEvent::Reopen(reason());
        assert_eq!(case::transition(CaseStatus::Open, &close), Ok(CaseStatus::Closed));
        assert_eq!(case::transition(CaseStatus::Closed, &reopen), Ok(CaseStatus::Open));
        assert_eq!(case::transition(CaseStatus::Closed, &close), Err("error-case-already-closed"));
        assert_eq!(case::transition(CaseStatus::Open, &reopen), Err("error-case-already-open"));
        assert_eq!(ClosureReason::LostContact.label_key(), "closure-reason-lost-contact");
    }

    #[test]
    fn plan_items_move_forward_or_are_cancelled() {
        use PlanItemEvent as E;
        use PlanItemStatus as S;
        assert_eq!(plan::transition(S::Planned, &E::Approve), Ok(S::Approved));
        assert_eq!(plan::transition(S::Approved, &E::Start), Ok(S::InProgress));
        assert_eq!(plan::transition(S::InProgress, &E::Deliver), Ok(S::Delivered));
        assert_eq!(plan::transition(S::InProgress, &E::Cancel(reason())), Ok(S::Cancelled));
        assert_eq!(plan::transition(S::Planned, &E::Start), Err("error-plan-item-transition"));
        assert_eq!(plan::transition(S::Planned, &E::Deliver), Err("error-plan-item-transition"));
        assert_eq!(plan::transition(S::Approved, &E::Approve), Err("error-plan-item-transition"));
        assert_eq!(plan::transition(S::Delivered, &E::Cancel(reason())), Err("error-plan-item-closed"));
        assert_eq!(plan::transition(S::Cancelled, &E::Approve), Err("error-plan-item-closed"));
        assert_eq!(PlanItemStatus::InProgress.label_key(), "plan-item-status-in-progress");
    }

    #[test]
    fn four_eyes_on_plans() {
        let (author, manager) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(plan::may_approve_plan(author, manager, true), Ok(()));
        assert_eq!(plan::may_approve_plan(manager, manager, true), Err("error-plan-self-approval"));
        assert_eq!(plan::may_approve_plan(author, manager, false), Err("error-plan-approve-permission"));
    }

    #[test]
    fn amounts_in_francs_cfa() {
        assert_eq!(plan::parse_amount_xof(" 1 500 000 "), Ok(1_500_000));
        assert_eq!(plan::parse_amount_xof("1\u{202f}500\u{a0}000"), Ok(1_500_000));
        assert_eq!(plan::parse_amount_xof("0"), Ok(0));
        assert_eq!(plan::parse_amount_xof(""), Err("error-required"));
        for bad in ["-5000", "1500.50", "1.500.000", "1,5", "25 000 F", "1000000000001", "99999999999999999999"] {
            assert_eq!(plan::parse_amount_xof(bad), Err("error-amount"), "{bad}");
        }
        assert!(!plan::overspent(500_000, 500_000));
        assert!(plan::overspent(500_000, 500_001));
        assert_eq!(plan::AssistanceType::BusinessStartUp.label_key(), "assistance-type-business-start-up");
    }

    #[test]
    fn referrals_follow_each_side() {
        use ReferralEvent as E;
        use ReferralStatus as S;
        let t = referral::transition;
        assert_eq!(t(S::Sent, false, Side::Receiver, &E::Accept), Ok(S::Accepted));
        assert_eq!(t(S::Sent, false, Side::Sender, &E::Accept), Err("error-referral-wrong-side"));
        assert_eq!(t(S::Sent, false, Side::Receiver, &E::Decline(reason())), Ok(S::Declined));
        assert_eq!(t(S::Accepted, false, Side::Receiver, &E::Start), Ok(S::InProgress));
        assert_eq!(t(S::Sent, false, Side::Receiver, &E::Start), Err("error-referral-transition"));
        assert_eq!(t(S::InProgress, false, Side::Receiver, &E::Complete), Ok(S::Completed));
        assert_eq!(t(S::InProgress, false, Side::Receiver, &E::NotComplete(reason())), Ok(S::NotCompleted));
        assert_eq!(t(S::Accepted, false, Side::Sender, &E::Revoke), Ok(S::Revoked));
        assert_eq!(t(S::Accepted, false, Side::Receiver, &E::Revoke), Err("error-referral-wrong-side"));
        assert_eq!(t(S::Revoked, false, Side::Sender, &E::Revoke), Err("error-referral-closed"));
        assert_eq!(t(S::Declined, false, Side::Receiver, &E::Accept), Err("error-referral-closed"));
        assert_eq!(t(S::Completed, false, Side::Sender, &E::Feedback), Ok(S::Completed));
        assert_eq!(t(S::NotCompleted, false, Side::Receiver, &E::Feedback), Err("error-referral-wrong-side"));
        assert_eq!(t(S::NotCompleted, true, Side::Sender, &E::Feedback), Err("error-referral-feedback-given"));
        assert_eq!(t(S::InProgress, false, Side::Sender, &E::Feedback), Err("error-referral-transition"));
        assert_eq!(t(S::Declined, false, Side::Sender, &E::Feedback), Err("error-referral-closed"));
        assert_eq!(t(S::Revoked, false, Side::Sender, &E::Feedback), Err("error-referral-closed"));
    }

    #[test]
    fn open_and_overdue_referrals() {
        let due = date!(2026 - 03 - 15);
        assert!(referral::is_open(ReferralStatus::InProgress));
        assert!(!referral::is_open(ReferralStatus::NotCompleted));
        assert!(!referral::overdue(ReferralStatus::Sent, due, due));
        assert!(referral::overdue(ReferralStatus::Sent, due, date!(2026 - 03 - 16)));
        assert!(!referral::overdue(ReferralStatus::Completed, due, date!(2026 - 04 - 16)));
    }

    // The transitions below are the specification, written independently of the functions under test.

    fn expected_case(from: CaseStatus, event: &CaseEvent) -> Option<CaseStatus> {
        match (from, event) {
            (CaseStatus::Open, CaseEvent::Close(_)) => Some(CaseStatus::Closed),
            (CaseStatus::Closed, CaseEvent::Reopen(_)) => Some(CaseStatus::Open),
            _ => None,
        }
    }

    fn expected_plan(from: PlanItemStatus, event: &PlanItemEvent) -> Option<PlanItemStatus> {
        use PlanItemEvent as E;
        use PlanItemStatus as S;
        const LISTED: [(S, &str, S); 6] = [
            (S::Planned, "approve", S::Approved),
            (S::Approved, "start", S::InProgress),
            (S::InProgress, "deliver", S::Delivered),
            (S::Planned, "cancel", S::Cancelled),
            (S::Approved, "cancel", S::Cancelled),
            (S::InProgress, "cancel", S::Cancelled),
        ];
        let name = match event {
            E::Approve => "approve",
            E::Start => "start",
            E::Deliver => "deliver",
            E::Cancel(_) => "cancel",
        };
        LISTED.iter().find(|(f, e, _)| *f == from && *e == name).map(|(_, _, to)| *to)
    }

    fn expected_referral(
        from: ReferralStatus,
        feedback_given: bool,
        by: Side,
        event: &ReferralEvent,
    ) -> Option<ReferralStatus> {
        use ReferralEvent as E;
        use ReferralStatus as S;
        let (receiver, sender) = (by == Side::Receiver, by == Side::Sender);
        match (from, event) {
            (S::Sent, E::Accept) if receiver => Some(S::Accepted),
            (S::Sent, E::Decline(_)) if receiver => Some(S::Declined),
            (S::Accepted, E::Start) if receiver => Some(S::InProgress),
            (S::InProgress, E::Complete) if receiver => Some(S::Completed),
            (S::InProgress, E::NotComplete(_)) if receiver => Some(S::NotCompleted),
            (S::Sent | S::Accepted | S::InProgress, E::Revoke) if sender => Some(S::Revoked),
            (S::Completed | S::NotCompleted, E::Feedback) if sender && !feedback_given => Some(from),
            _ => None,
        }
    }

    fn case_event() -> impl Strategy<Value = CaseEvent> {
        prop_oneof![
            proptest::sample::select(ClosureReason::ALL.to_vec()).prop_map(CaseEvent::Close),
            Just(CaseEvent::Reopen(reason())),
        ]
    }

    fn plan_event() -> impl Strategy<Value = PlanItemEvent> {
        prop_oneof![
            Just(PlanItemEvent::Approve),
            Just(PlanItemEvent::Start),
            Just(PlanItemEvent::Deliver),
            Just(PlanItemEvent::Cancel(reason())),
        ]
    }

    fn referral_event() -> impl Strategy<Value = (Side, ReferralEvent)> {
        let event = prop_oneof![
            Just(ReferralEvent::Accept),
            Just(ReferralEvent::Decline(reason())),
            Just(ReferralEvent::Start),
            Just(ReferralEvent::Complete),
            Just(ReferralEvent::NotComplete(reason())),
            Just(ReferralEvent::Revoke),
            Just(ReferralEvent::Feedback),
        ];
        (prop_oneof![Just(Side::Sender), Just(Side::Receiver)], event)
    }

    proptest! {
        #[test]
        fn case_only_listed_transitions(
            start in proptest::sample::select(CaseStatus::ALL.to_vec()),
            events in proptest::collection::vec(case_event(), 0..30),
        ) {
            let mut status = start;
            for event in &events {
                let result = case::transition(status, event);
                prop_assert_eq!(result.ok(), expected_case(status, event));
                status = result.unwrap_or(status);
            }
        }

        #[test]
        fn plan_items_never_leave_an_end(
            start in proptest::sample::select(PlanItemStatus::ALL.to_vec()),
            events in proptest::collection::vec(plan_event(), 0..30),
        ) {
            let mut status = start;
            for event in &events {
                let result = plan::transition(status, event);
                prop_assert_eq!(result.ok(), expected_plan(status, event));
                if status.is_terminal() {
                    prop_assert_eq!(result, Err("error-plan-item-closed"));
                }
                status = result.unwrap_or(status);
            }
        }

        #[test]
        fn referrals_never_leave_an_end_nor_obey_the_wrong_side(
            start in proptest::sample::select(ReferralStatus::ALL.to_vec()),
            feedback in any::<bool>(),
            events in proptest::collection::vec(referral_event(), 0..30),
        ) {
            let (mut status, mut feedback_given) = (start, feedback);
            for (by, event) in &events {
                let result = referral::transition(status, feedback_given, *by, event);
                prop_assert_eq!(result.ok(), expected_referral(status, feedback_given, *by, event));
                if *by != event.side() {
                    prop_assert_eq!(result, Err("error-referral-wrong-side"));
                }
                if status.is_terminal() {
                    prop_assert!(result.is_err() || result == Ok(status), "{:?} left {:?}", event, status);
                }
                if result.is_ok() && *event == ReferralEvent::Feedback {
                    feedback_given = true;
                }
                status = result.unwrap_or(status);
            }
        }
    }
}
