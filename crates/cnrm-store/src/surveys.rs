//! Survey records: versions of questionnaires (their definition kept as JSON, never changed once
//! stored), the surveys answered for a case with their raw answers and scores, and each case's
//! schedule of surveys to take.
//!
//! The store does not read definitions nor answers: the services parse them with
//! `cnrm_domain::questionnaire` and hand over the scores already computed.

use cnrm_domain::survey::SurveyKind;
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// One version of a questionnaire. The newest of a questionnaire is its current version.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QuestionnaireVersion {
    pub id: Uuid,
    pub questionnaire_code: String,
    /// 1, 2, … in the order versions were stored.
    pub version: i64,
    /// The version label its author gave (XLSForm `settings.version`).
    pub label: String,
    /// The whole definition (`cnrm_domain::questionnaire::Definition` as JSON).
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    /// The weights are provisional (equal weights until official ones are loaded).
    pub provisional_weights: bool,
    /// Who imported it (`None`: shipped with the platform).
    pub imported_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub imported_at: OffsetDateTime,
}

/// Scores of a submission on 0–1 (`None`: nothing scorable), the three dimensions of
/// reintegration in columns for aggregation, and everything the scoring returned in `detail`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, utoipa::ToSchema)]
pub struct SurveyScores {
    pub economic: Option<f64>,
    pub social: Option<f64>,
    pub psychosocial: Option<f64>,
    pub composite: Option<f64>,
    /// `cnrm_domain::questionnaire::Scores` as JSON (every dimension, bands).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// A survey answered for a case.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SurveySubmission {
    pub id: Uuid,
    pub case_id: Uuid,
    pub questionnaire_code: String,
    /// The version answered: its items are the ones the answers refer to.
    pub version_id: Uuid,
    pub kind: SurveyKind,
    pub answered_on: Date,
    /// The raw answers (item name → value), as submitted once validated.
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
    pub scores: SurveyScores,
    /// The version whose scoring gave `scores`: the one answered, or a later one after a recompute.
    pub scored_with_version: Uuid,
    pub submitted_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One survey a case should take, and the submission that took it once done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ScheduledSurvey {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: SurveyKind,
    /// 0 for the baseline, else the months after it.
    pub months_after_baseline: i64,
    pub due_on: Date,
    pub done_submission_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A survey due, with what the reach rules need about its case (work queue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct QueuedSurvey {
    pub survey: ScheduledSurvey,
    pub case_number: String,
    pub protection: bool,
    pub organisation_id: Uuid,
    pub assigned_to: Option<Uuid>,
    pub team: Option<String>,
}
