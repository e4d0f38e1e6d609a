//! Records of households (family links between persons), follow-up contact outcomes and platform
//! settings.

use cnrm_domain::contact::{ContactMethod, Situation};
use cnrm_domain::family::Relation;
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// "`person_b` is the `relation` of `person_a`"; from `person_b`'s side the inverse applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FamilyLink {
    pub id: Uuid,
    pub person_a: Uuid,
    pub person_b: Uuid,
    pub relation: Relation,
    pub created_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl FamilyLink {
    /// The other person of the link, seen from `person`, and how they are related to `person`.
    pub fn other_side(&self, person: Uuid) -> (Uuid, Relation) {
        if person == self.person_a {
            (self.person_b, self.relation)
        } else {
            (self.person_a, self.relation.inverse())
        }
    }
}

/// What came of a follow-up contact (one per task, which it marked done).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TaskOutcome {
    pub task_id: Uuid,
    pub case_id: Uuid,
    pub contacted_on: Date,
    pub method: ContactMethod,
    pub reached: bool,
    pub situation: Situation,
    pub notes: String,
    /// The contact scheduled because the returnee was not reached.
    pub next_task_id: Option<Uuid>,
    pub recorded_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// A platform setting: a key and its value (JSON text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Setting {
    pub key: String,
    pub value: String,
    pub updated_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}
