//! The audit trail's tamper evidence: how an entry is hashed, how the chain is checked, and how a
//! change is described field by field.
//!
//! Each entry's hash covers its own content and the previous entry's hash, so editing, deleting or
//! reordering any stored entry breaks the chain from that point on, and [`ChainVerifier`] names it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// The `prev_hash` of the very first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What is being recorded, before it gets its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub actor_user_id: Option<Uuid>,
    /// The login name as typed or known: kept for failed logins that match no account.
    pub actor_username: String,
    pub actor_organisation_id: Option<Uuid>,
    /// Dotted verb such as `organisation.update` or `login.failure`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    /// JSON text: field-level `{"field": {"before": …, "after": …}}` or other details.
    pub details: String,
    pub ip: Option<String>,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_user_id: Option<Uuid>,
    pub actor_username: String,
    pub actor_organisation_id: Option<Uuid>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub details: String,
    pub ip: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Truncates a time to whole microseconds, the precision both databases keep, so that a hash
/// computed before storing still matches after reading back.
pub fn storage_precision(at: OffsetDateTime) -> OffsetDateTime {
    let micros = at.nanosecond() / 1_000 * 1_000;
    at.replace_nanosecond(micros).expect("valid nanosecond")
}

/// The hash of an entry given its content and its predecessor's hash.
pub fn entry_hash(prev_hash: &str, seq: i64, id: Uuid, at: OffsetDateTime, event: &AuditEvent) -> String {
    let at_micros = at.unix_timestamp_nanos() / 1_000;
    let canonical = serde_json::json!([
        seq,
        id.to_string(),
        at_micros.to_string(),
        event.actor_user_id.map(|u| u.to_string()),
        event.actor_username,
        event.actor_organisation_id.map(|u| u.to_string()),
        event.action,
        event.entity_type,
        event.entity_id,
        event.details,
        event.ip,
    ]);
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

impl AuditEntry {
    pub fn event(&self) -> AuditEvent {
        AuditEvent {
            actor_user_id: self.actor_user_id,
            actor_username: self.actor_username.clone(),
            actor_organisation_id: self.actor_organisation_id,
            action: self.action.clone(),
            entity_type: self.entity_type.clone(),
            entity_id: self.entity_id.clone(),
            details: self.details.clone(),
            ip: self.ip.clone(),
        }
    }

    pub fn computed_hash(&self) -> String {
        entry_hash(&self.prev_hash, self.seq, self.id, self.at, &self.event())
    }
}

/// Why the chain is broken, naming the first entry where it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {seq} ({id}): its content does not match its hash (edited)")]
    Altered { seq: i64, id: Uuid },
    #[error(
        "entry {seq} ({id}): it does not follow entry {expected_prev} (an entry before it was deleted or altered)"
    )]
    Unlinked { seq: i64, id: Uuid, expected_prev: i64 },
    #[error("entry {seq} ({id}): sequence jumps from {previous} (entries deleted)")]
    Gap { seq: i64, id: Uuid, previous: i64 },
    #[error("the chain head says {head_seq} entries but only {seen} were found (the latest entries were deleted)")]
    Truncated { head_seq: i64, seen: i64 },
}

/// Checks entries one at a time, in sequence order, without holding them all in memory.
#[derive(Debug)]
pub struct ChainVerifier {
    last_seq: i64,
    last_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self { last_seq: 0, last_hash: GENESIS_HASH.to_string() }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, entry: &AuditEntry) -> Result<(), ChainBreak> {
        if entry.seq != self.last_seq + 1 {
            return Err(ChainBreak::Gap { seq: entry.seq, id: entry.id, previous: self.last_seq });
        }
        if entry.computed_hash() != entry.hash {
            return Err(ChainBreak::Altered { seq: entry.seq, id: entry.id });
        }
        if entry.prev_hash != self.last_hash {
            return Err(ChainBreak::Unlinked { seq: entry.seq, id: entry.id, expected_prev: self.last_seq });
        }
        self.last_seq = entry.seq;
        self.last_hash = entry.hash.clone();
        Ok(())
    }

    /// Ends the check against the chain head, which catches deletion of the latest entries.
    pub fn finish(self, head_seq: i64) -> Result<i64, ChainBreak> {
        if head_seq != self.last_seq {
            return Err(ChainBreak::Truncated { head_seq, seen: self.last_seq });
        }
        Ok(self.last_seq)
    }
}

/// Field-level changes between two JSON objects: `{"field": {"before": …, "after": …}}` for every
/// top-level field whose value differs (a missing field counts as `null`).
pub fn field_changes(before: &Value, after: &Value) -> Value {
    let empty = Map::new();
    let before = before.as_object().unwrap_or(&empty);
    let after = after.as_object().unwrap_or(&empty);
    let mut changes = Map::new();
    for key in before.keys().chain(after.keys()) {
        if changes.contains_key(key) {
            continue;
        }
        let old = before.get(key).unwrap_or(&Value::Null);
        let new = after.get(key).unwrap_or(&Value::Null);
        if old != new {
            changes.insert(key.clone(), serde_json::json!({ "before": old, "after": new }));
        }
    }
    Value::Object(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn chain(n: usize) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n as i64)
            .map(|seq| {
                let event = AuditEvent {
                    actor_user_id: Some(Uuid::from_u128(seq as u128)),
                    actor_username: format!("user{seq}"),
                    actor_organisation_id: None,
                    action: "organisation.update".into(),
                    entity_type: "organisation".into(),
                    entity_id: Some(seq.to_string()),
                    details: json!({"name": {"before": "a", "after": "b"}}).to_string(),
                    ip: Some("127.0.0.1".into()),
                };
                let at = storage_precision(OffsetDateTime::from_unix_timestamp(1_700_000_000 + seq).unwrap());
                let id = Uuid::from_u128(1000 + seq as u128);
                let hash = entry_hash(&prev, seq, id, at, &event);
                let entry = AuditEntry {
                    seq,
                    id,
                    at,
                    actor_user_id: event.actor_user_id,
                    actor_username: event.actor_username,
                    actor_organisation_id: None,
                    action: event.action,
                    entity_type: event.entity_type,
                    entity_id: event.entity_id,
                    details: event.details,
                    ip: event.ip,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                entry
            })
            .collect()
    }

    fn verify(entries: &[AuditEntry], head: i64) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for e in entries {
            v.push(e)?;
        }
        v.finish(head)
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(5), 5), Ok(5));
    }

    #[test]
    fn an_edit_is_named() {
        let mut entries = chain(5);
        entries[2].actor_username = "someone-else".into();
        assert!(matches!(verify(&entries, 5), Err(ChainBreak::Altered { seq: 3, .. })));
    }

    #[test]
    fn a_rehashed_edit_breaks_the_next_link() {
        let mut entries = chain(5);
        entries[2].details = "{}".into();
        entries[2].hash = entries[2].computed_hash();
        assert!(matches!(verify(&entries, 5), Err(ChainBreak::Unlinked { seq: 4, .. })));
    }

    #[test]
    fn deletions_are_named() {
        let mut entries = chain(5);
        entries.remove(1);
        assert!(matches!(verify(&entries, 5), Err(ChainBreak::Gap { seq: 3, previous: 1, .. })));
        let entries = chain(5);
        assert!(matches!(verify(&entries[..4], 5), Err(ChainBreak::Truncated { head_seq: 5, seen: 4 })));
    }

    #[test]
    fn field_changes_lists_only_what_changed() {
        let changes =
            field_changes(&json!({"name": "A", "active": true, "x": 1}), &json!({"name": "B", "active": true, "y": 2}));
        assert_eq!(
            changes,
            json!({
                "name": {"before": "A", "after": "B"},
                "x": {"before": 1, "after": null},
                "y": {"before": null, "after": 2},
            })
        );
    }

    proptest! {
        #[test]
        fn any_single_field_edit_is_detected(index in 0usize..8, field in 0usize..4, text in "[a-z]{1,8}") {
            let mut entries = chain(8);
            let e = &mut entries[index];
            match field {
                0 => e.actor_username.push_str(&text),
                1 => e.action.push_str(&text),
                2 => e.details.push_str(&text),
                _ => e.ip = Some(text.clone()),
            }
            prop_assert!(verify(&entries, 8).is_err());
        }
    }
}
