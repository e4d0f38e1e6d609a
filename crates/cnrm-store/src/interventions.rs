//! Interventions (4W), their progress reports per quarter and the quarters' status.

use cnrm_domain::intervention::{
    Currency, Disaggregation, InterventionSector, InterventionStatus, PeriodStatus, TargetGroup,
};
use cnrm_domain::lifecycle::plan::{AssistanceLevel, AssistanceType, Dimension};
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// An intervention. `version` guards against two people saving it at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Intervention {
    pub id: Uuid,
    /// The organisation that records and reports it.
    pub organisation_id: Uuid,
    pub title: String,
    pub description: String,
    pub dimension: Dimension,
    pub sector: InterventionSector,
    /// The activity type: an assistance type, as in plans.
    pub category: AssistanceType,
    pub level: AssistanceLevel,
    pub target_group: TargetGroup,
    /// Admin unit P-codes (regions or cercles), in the order given.
    pub units: Vec<String>,
    /// Implementing organisations (registered).
    pub implementers: Vec<Uuid>,
    /// Funding organisations, by name.
    pub funders: Vec<String>,
    pub start_on: Date,
    pub end_on: Date,
    pub status: InterventionStatus,
    pub targeted: Disaggregation,
    pub currency: Currency,
    /// The budget in the currency's minor units (cents; whole francs for XOF).
    pub budget_minor: i64,
    /// Francs CFA for one unit of the currency, in millionths.
    pub rate_micro: i64,
    /// The budget in whole francs CFA.
    pub budget_xof: i64,
    /// Shown to every reader; otherwise to its organisation and the secretariat only.
    pub published: bool,
    pub version: i64,
    pub created_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// One quarter's progress report of an intervention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InterventionReport {
    pub id: Uuid,
    pub intervention_id: Uuid,
    /// `2026-Q1`.
    pub period: String,
    /// People reached during the quarter.
    pub reached: Disaggregation,
    /// Whole francs CFA spent during the quarter.
    pub spent_xof: i64,
    pub narrative: String,
    /// Why more people were reached than targeted.
    pub explanation: Option<String>,
    pub version: i64,
    pub created_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub updated_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A quarter's status, as the secretariat set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReportingPeriod {
    /// `2026-Q1`.
    pub period: String,
    pub status: PeriodStatus,
    pub version: i64,
    pub changed_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub changed_at: Option<OffsetDateTime>,
}

/// Which interventions a list or an export holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterventionFilter {
    /// `Some(org)`: only published interventions and those of `org`; `None`: all of them.
    pub visible_to: Option<Uuid>,
    /// Recorded by, or implemented by, this organisation.
    pub organisation_id: Option<Uuid>,
    /// In this admin unit, or in one of its cercles.
    pub unit: Option<String>,
    pub category: Option<AssistanceType>,
    pub status: Option<InterventionStatus>,
    /// Running on at least one day of `first..=last`.
    pub between: Option<(Date, Date)>,
}
