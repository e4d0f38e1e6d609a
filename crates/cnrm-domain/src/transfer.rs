//! Transfers of a case to another organisation: the sender proposes, the receiver accepts or
//! declines, the sender may cancel while the proposal waits. Ownership moves only on acceptance.
//!
//! Like the lifecycles of [`crate::lifecycle`], a `transition` function takes the current status, the
//! side acting and the event, and returns the new status or the message key saying why not.

use crate::lifecycle::Reason;
use crate::person::coded_enum;
use crate::roles::{Permission, Role, Scope};
use crate::sharing::{self, SharedField};
use serde::Serialize;

coded_enum! {
    /// `proposed → accepted | declined | cancelled`; the last three never change again.
    pub enum TransferStatus in "transfer-status" {
        Proposed = "proposed",
        Accepted = "accepted",
        Declined = "declined",
        Cancelled = "cancelled",
    }
}

impl TransferStatus {
    /// Accepted, declined and cancelled transfers are final.
    pub fn is_terminal(self) -> bool {
        self != TransferStatus::Proposed
    }
}

/// The two organisations of a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Sender,
    Receiver,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferEvent {
    /// The receiver takes the case over.
    Accept,
    /// The receiver refuses, saying why.
    Decline(Reason),
    /// The sender withdraws the proposal.
    Cancel,
}

impl TransferEvent {
    /// The only side that may cause the event.
    pub fn side(&self) -> Side {
        match self {
            TransferEvent::Cancel => Side::Sender,
            TransferEvent::Accept | TransferEvent::Decline(_) => Side::Receiver,
        }
    }

    /// The event's code, as in `transfer.<code>` audit actions and the API's `action`.
    pub fn code(&self) -> &'static str {
        match self {
            TransferEvent::Accept => "accept",
            TransferEvent::Decline(_) => "decline",
            TransferEvent::Cancel => "cancel",
        }
    }
}

/// The status after `event`, caused by side `by`, on a transfer in status `from`. Refusals:
/// `error-transfer-wrong-side` (the sender does not accept, the receiver does not cancel) and
/// `error-transfer-closed` (nothing happens to a transfer once decided).
pub fn transition(from: TransferStatus, by: Side, event: &TransferEvent) -> Result<TransferStatus, &'static str> {
    use TransferEvent as E;
    use TransferStatus as S;
    if by != event.side() {
        return Err("error-transfer-wrong-side");
    }
    match (from, event) {
        (S::Accepted | S::Declined | S::Cancelled, _) => Err("error-transfer-closed"),
        (S::Proposed, E::Accept) => Ok(S::Accepted),
        (S::Proposed, E::Decline(_)) => Ok(S::Declined),
        (S::Proposed, E::Cancel) => Ok(S::Cancelled),
    }
}

/// Who proposes, accepts, declines and cancels transfers: those who change every case of their
/// organisation (case managers), never a case worker, whose reach is their team's cases.
pub fn handles_transfers(role: Role) -> bool {
    role.scope_of(Permission::CaseWrite) == Some(Scope::Organisation)
}

/// What the receiver sees of a case while the proposal waits, when the sender chose nothing more:
/// who the person is and how to reach them, and where they settle (why a case usually moves).
pub fn default_fields() -> Vec<SharedField> {
    let mut fields = sharing::ALWAYS.to_vec();
    fields.push(SharedField::Settlement);
    fields
}

/// The allow-list of a proposal: the defaults when nothing is chosen, else the fields always
/// shared plus those chosen (codes).
pub fn parse_fields(chosen: &[String]) -> Result<Vec<SharedField>, &'static str> {
    if chosen.iter().all(|c| c.trim().is_empty()) {
        Ok(default_fields())
    } else {
        sharing::parse_fields(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reason() -> Reason {
        Reason::parse("le bénéficiaire s'installe à Sikasso").unwrap()
    }

    #[test]
    fn the_receiver_decides_the_sender_cancels() {
        use TransferEvent as E;
        use TransferStatus as S;
        assert_eq!(transition(S::Proposed, Side::Receiver, &E::Accept), Ok(S::Accepted));
        assert_eq!(transition(S::Proposed, Side::Receiver, &E::Decline(reason())), Ok(S::Declined));
        assert_eq!(transition(S::Proposed, Side::Sender, &E::Cancel), Ok(S::Cancelled));
        assert_eq!(transition(S::Proposed, Side::Sender, &E::Accept), Err("error-transfer-wrong-side"));
        assert_eq!(transition(S::Proposed, Side::Sender, &E::Decline(reason())), Err("error-transfer-wrong-side"));
        assert_eq!(transition(S::Proposed, Side::Receiver, &E::Cancel), Err("error-transfer-wrong-side"));
        assert_eq!(transition(S::Accepted, Side::Sender, &E::Cancel), Err("error-transfer-closed"));
        assert_eq!(transition(S::Declined, Side::Receiver, &E::Accept), Err("error-transfer-closed"));
        assert_eq!(transition(S::Cancelled, Side::Receiver, &E::Decline(reason())), Err("error-transfer-closed"));
        assert_eq!(TransferStatus::Cancelled.label_key(), "transfer-status-cancelled");
        assert_eq!(TransferEvent::Decline(reason()).code(), "decline");
    }

    #[test]
    fn only_case_managers_handle_transfers() {
        assert!(handles_transfers(Role::CaseManager));
        for role in Role::ALL.into_iter().filter(|r| *r != Role::CaseManager) {
            assert!(!handles_transfers(role), "{role:?}");
        }
    }

    #[test]
    fn shared_fields_are_minimal_by_default() {
        let fields = parse_fields(&[" ".into()]).unwrap();
        assert_eq!(fields, default_fields());
        assert!(sharing::ALWAYS.iter().all(|f| fields.contains(f)));
        assert!(sharing::SENSITIVE.iter().all(|f| !fields.contains(f)));
        let chosen = parse_fields(&["skills".into()]).unwrap();
        assert!(chosen.contains(&SharedField::Skills) && !chosen.contains(&SharedField::Settlement));
        assert_eq!(parse_fields(&["password".into()]), Err("error-choose-from-list"));
    }

    // The specification, written independently of `transition`.
    fn expected(from: TransferStatus, by: Side, event: &TransferEvent) -> Option<TransferStatus> {
        use TransferEvent as E;
        use TransferStatus as S;
        match (from, by, event) {
            (S::Proposed, Side::Receiver, E::Accept) => Some(S::Accepted),
            (S::Proposed, Side::Receiver, E::Decline(_)) => Some(S::Declined),
            (S::Proposed, Side::Sender, E::Cancel) => Some(S::Cancelled),
            _ => None,
        }
    }

    fn event() -> impl Strategy<Value = (Side, TransferEvent)> {
        let event = prop_oneof![
            Just(TransferEvent::Accept),
            Just(TransferEvent::Decline(reason())),
            Just(TransferEvent::Cancel)
        ];
        (prop_oneof![Just(Side::Sender), Just(Side::Receiver)], event)
    }

    proptest! {
        #[test]
        fn transfers_never_leave_an_end_nor_obey_the_wrong_side(
            start in proptest::sample::select(TransferStatus::ALL.to_vec()),
            events in proptest::collection::vec(event(), 0..30),
        ) {
            let mut status = start;
            for (by, event) in &events {
                let result = transition(status, *by, event);
                prop_assert_eq!(result.ok(), expected(status, *by, event));
                if *by != event.side() {
                    prop_assert_eq!(result, Err("error-transfer-wrong-side"));
                } else if status.is_terminal() {
                    prop_assert_eq!(result, Err("error-transfer-closed"));
                }
                status = result.unwrap_or(status);
            }
        }
    }
}
