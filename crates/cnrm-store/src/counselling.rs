//! Counselling records of a case: sessions held with the returnee, needs assessments along the three
//! dimensions of reintegration and skills assessments. Each kind keeps its history: records are
//! added, never overwritten.

use cnrm_domain::assessment::{DimensionNeeds, Pathway, Proficiency, Sector, SessionKind};
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A counselling session held with the returnee (or their family, or a group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CounsellingSession {
    pub id: Uuid,
    pub case_id: Uuid,
    pub held_on: Date,
    /// The member of staff who held it (of the case's organisation).
    pub counsellor_id: Option<Uuid>,
    pub kind: SessionKind,
    pub duration_minutes: Option<i64>,
    pub summary: String,
    /// What was agreed to do next.
    pub next_steps: Option<String>,
    /// Who recorded it.
    pub recorded_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// An assessment of needs along the economic, social and psychosocial dimensions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NeedsAssessment {
    pub id: Uuid,
    pub case_id: Uuid,
    pub assessed_on: Date,
    pub assessor_id: Option<Uuid>,
    pub economic: DimensionNeeds,
    pub social: DimensionNeeds,
    pub psychosocial: DimensionNeeds,
    pub notes: Option<String>,
    pub recorded_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// An assessment of the returnee's skills, experience and preferred pathway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SkillsAssessment {
    pub id: Uuid,
    pub case_id: Uuid,
    pub assessed_on: Date,
    pub assessor_id: Option<Uuid>,
    /// Free-text items.
    pub skills: Vec<String>,
    /// Years of work experience.
    pub experience_years: Option<i64>,
    pub experience_sectors: Vec<Sector>,
    pub interest_sectors: Vec<Sector>,
    pub literacy: Proficiency,
    pub numeracy: Proficiency,
    pub pathway: Option<Pathway>,
    pub notes: Option<String>,
    pub recorded_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
