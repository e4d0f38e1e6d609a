//! Collective projects: one business shared by several cases of an organisation.

use cnrm_domain::lifecycle::plan::{AssistanceLevel, PlanItemStatus};
use cnrm_domain::project::{ProjectStatus, Sector};
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A collective project. `version` guards against two people saving it at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Project {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    /// `collective` or `community`.
    pub level: AssistanceLevel,
    pub sector: Sector,
    /// Admin unit P-code where the project takes place.
    pub location_pcode: String,
    pub description: String,
    /// Whole francs CFA.
    pub budget_xof: i64,
    pub start_on: Option<Date>,
    pub status: ProjectStatus,
    /// Why it was cancelled.
    pub status_reason: Option<String>,
    pub version: i64,
    pub created_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A case's membership of a project, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProjectMember {
    pub project_id: Uuid,
    pub case_id: Uuid,
    /// The plan item of that case that funds its share, if any.
    pub plan_item_id: Option<Uuid>,
    pub added_by: Option<Uuid>,
    pub added_at: OffsetDateTime,
}

/// A member with what is needed to decide who may see it (the case's reach) and to show it.
/// Services never hand these to readers as they are: members out of the reader's reach are counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectMember {
    pub case_id: Uuid,
    pub case_number: String,
    pub family_name: String,
    pub given_names: String,
    pub organisation_id: Uuid,
    pub assigned_to: Option<Uuid>,
    pub team: Option<String>,
    pub protection: bool,
    pub plan_item_id: Option<Uuid>,
    pub plan_item_budget_xof: Option<i64>,
    pub plan_item_status: Option<PlanItemStatus>,
    pub added_at: OffsetDateTime,
}

/// A project with all its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFile {
    pub project: Project,
    pub members: Vec<ProjectMember>,
}

/// One row of the project list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProjectSummary {
    #[serde(flatten)]
    pub project: Project,
    /// How many cases are members (whoever may see them).
    pub member_count: i64,
}

/// A collective or community plan item that may fund a share in a project, with its case's reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareableItem {
    pub plan_item_id: Uuid,
    pub case_id: Uuid,
    pub case_number: String,
    pub assistance_type: cnrm_domain::lifecycle::plan::AssistanceType,
    pub level: AssistanceLevel,
    pub description: String,
    pub budget_xof: i64,
    pub status: PlanItemStatus,
    pub organisation_id: Uuid,
    pub assigned_to: Option<Uuid>,
    pub team: Option<String>,
    pub protection: bool,
}
