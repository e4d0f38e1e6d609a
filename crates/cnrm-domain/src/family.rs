//! Households: a family returning together is several cases whose persons are linked.
//!
//! A link is recorded one way — "B is A's child" — and read from either side: from B, A is B's
//! parent. The rules of what may be linked (not oneself, one link between two persons) are here.

use crate::person::coded_enum;
use uuid::Uuid;

coded_enum! {
    /// How the linked person is related to the person of the case the link is seen from.
    pub enum Relation in "relation" {
        Spouse = "spouse",
        Child = "child",
        Parent = "parent",
        Sibling = "sibling",
        OtherRelative = "other_relative",
        /// The person's guardian (for a child travelling without their parents).
        Guardian = "guardian",
        /// A child in the person's guardianship: what a guardian link reads as from the guardian's side.
        Ward = "ward",
    }
}

impl Relation {
    /// The relation seen from the other person: child ↔ parent, guardian ↔ ward, the others both ways.
    pub fn inverse(self) -> Relation {
        match self {
            Relation::Child => Relation::Parent,
            Relation::Parent => Relation::Child,
            Relation::Guardian => Relation::Ward,
            Relation::Ward => Relation::Guardian,
            same => same,
        }
    }

    /// A link recorded as "`linked` is the `self` of `from`", seen from `viewer` (one of the two).
    pub fn seen_from(self, from: Uuid, viewer: Uuid) -> Relation {
        if viewer == from {
            self
        } else {
            self.inverse()
        }
    }
}

/// A requested relation: `error-required` when empty, `error-choose-from-list` when unknown.
pub fn parse_relation(raw: &str) -> Result<Relation, &'static str> {
    crate::person::choose(raw, Relation::parse)
}

/// Whether `a` may be linked to `b`, given the persons already linked to `a`: not to oneself, and
/// only once (whichever way the existing link was recorded).
pub fn may_link(a: Uuid, b: Uuid, linked_to_a: &[Uuid]) -> Result<(), &'static str> {
    if a == b {
        Err("error-family-self")
    } else if linked_to_a.contains(&b) {
        Err("error-family-already-linked")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relations_read_the_other_way_from_the_other_side() {
        for r in Relation::ALL {
            assert_eq!(r.inverse().inverse(), r, "{r:?}");
        }
        assert_eq!(Relation::Child.inverse(), Relation::Parent);
        assert_eq!(Relation::Guardian.inverse(), Relation::Ward);
        assert_eq!(Relation::Spouse.inverse(), Relation::Spouse);
        assert_eq!(Relation::Sibling.inverse(), Relation::Sibling);
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(Relation::Child.seen_from(a, a), Relation::Child);
        assert_eq!(Relation::Child.seen_from(a, b), Relation::Parent);
    }

    #[test]
    fn relations_are_parsed_from_their_codes() {
        assert_eq!(parse_relation(" other_relative "), Ok(Relation::OtherRelative));
        assert_eq!(parse_relation(""), Err("error-required"));
        assert_eq!(parse_relation("cousin"), Err("error-choose-from-list"));
        assert_eq!(Relation::OtherRelative.label_key(), "relation-other-relative");
    }

    #[test]
    fn a_person_is_linked_once_and_never_to_themselves() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(may_link(a, a, &[]), Err("error-family-self"));
        assert_eq!(may_link(a, b, &[c, b]), Err("error-family-already-linked"));
        assert_eq!(may_link(a, b, &[c]), Ok(()));
    }
}
