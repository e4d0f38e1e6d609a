//! Surveys of returnees: the questionnaires (versioned, imported and exported as XLSForm by an
//! administrator), the surveys answered for a case with their scores, and the schedule that puts
//! them in the case worker's queue (a baseline, then follow-ups).
//!
//! A submission keeps the version it was answered with and its raw answers; its scores are
//! computed with that version when it is submitted. Importing new weights creates a new version
//! and changes no score: an administrator recomputes the old submissions with the current version
//! on request, and each submission says which version scored it.
//!
//! Who may do what follows the case: those who may see the case see its surveys, those who may
//! change it (while it is open) submit them. Questionnaires are configured by `PlatformConfigure`.

use std::collections::HashSet;
use std::sync::Mutex;

use cnrm_domain::lifecycle::case::CaseStatus;
use cnrm_domain::questionnaire::{self, xlsform, Answers, Definition, XlsFormError};
use cnrm_domain::survey::{self, ScheduleStep, SurveyHeader, SurveyKind};
use cnrm_domain::{FieldErrors, Permission};
use cnrm_store::{
    new_id_and_time, CaseFile, CaseRecord, QuestionnaireVersion, ScheduledSurvey, SurveyScores, SurveySubmission,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::actor::system_event;
use crate::cases;
use crate::{Actor, App, AppError};

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// The dimension codes stored in their own columns (for indicators); other dimensions stay in
/// the scores' detail.
pub const DIMENSION_COLUMNS: [&str; 3] = ["economic", "social", "psychosocial"];

/// A definition as stored (JSON).
pub fn definition_of(version: &QuestionnaireVersion) -> Result<Definition, AppError> {
    serde_json::from_value(version.definition.clone()).map_err(|e| {
        AppError::Internal(format!("questionnaire {} v{}: {e}", version.questionnaire_code, version.version))
    })
}

/// Scores of `answers` with `definition`, in the shape the store keeps.
pub fn scores_of(definition: &Definition, answers: &Answers) -> SurveyScores {
    let scores = questionnaire::score(definition, answers);
    SurveyScores {
        economic: scores.dimension(DIMENSION_COLUMNS[0]),
        social: scores.dimension(DIMENSION_COLUMNS[1]),
        psychosocial: scores.dimension(DIMENSION_COLUMNS[2]),
        composite: scores.composite,
        detail: serde_json::to_value(&scores).unwrap_or_default(),
    }
}

fn version_record(
    definition: &Definition,
    number: i64,
    imported_by: Option<Uuid>,
) -> Result<QuestionnaireVersion, AppError> {
    let (id, now) = new_id_and_time();
    Ok(QuestionnaireVersion {
        id,
        questionnaire_code: definition.code.clone(),
        version: number,
        label: definition.version.clone(),
        definition: serde_json::to_value(definition).map_err(|e| AppError::Internal(e.to_string()))?,
        provisional_weights: definition.scoring.provisional_weights,
        imported_by,
        imported_at: now,
    })
}

/// Installs the questionnaires shipped with the platform that the database does not hold yet
/// (at start-up; a questionnaire already there keeps its versions).
pub async fn install_shipped(app: &App) -> Result<(), AppError> {
    for definition in questionnaire::shipped::all() {
        if app.db.questionnaire_version(&definition.code, None).await?.is_some() {
            continue;
        }
        let version = version_record(&definition, 1, None)?;
        let details =
            json!({ "version": 1, "label": version.label, "provisional_weights": version.provisional_weights });
        let event = system_event("questionnaire.install", "questionnaire", Some(definition.code.clone()), details);
        app.db.insert_questionnaire_version(&version, &event).await?;
    }
    Ok(())
}

/// The current version of every questionnaire (what forms and the API list).
pub async fn questionnaires(app: &App) -> Result<Vec<QuestionnaireVersion>, AppError> {
    Ok(app.db.questionnaires().await?)
}

/// The current version of a questionnaire.
pub async fn current(app: &App, code: &str) -> Result<QuestionnaireVersion, AppError> {
    app.db.questionnaire_version(code, None).await?.ok_or(AppError::NotFound)
}

/// Every version of a questionnaire, newest first (administrators).
pub async fn versions(app: &App, actor: &Actor, code: &str) -> Result<Vec<QuestionnaireVersion>, AppError> {
    actor.require(Permission::PlatformConfigure)?;
    Ok(app.db.questionnaire_versions(code).await?)
}

/// Why an imported workbook was refused: each problem says where and how to fix it.
#[derive(Debug)]
pub enum ImportOutcome {
    Imported(QuestionnaireVersion),
    Refused(Vec<XlsFormError>),
}

/// Imports a questionnaire version from the sheets of an XLSForm workbook (`survey`, `choices`,
/// `settings`, first row the headers). A new questionnaire starts at version 1, a known one gets
/// the next number and becomes current; scores already stored do not change. Nothing is written
/// when the workbook is refused.
pub async fn import_xlsform(app: &App, actor: &Actor, tables: &xlsform::Tables) -> Result<ImportOutcome, AppError> {
    actor.require(Permission::PlatformConfigure)?;
    let definition = match xlsform::parse(&tables.survey, &tables.choices, &tables.settings) {
        Ok(definition) => definition,
        Err(errors) => return Ok(ImportOutcome::Refused(errors)),
    };
    add_version(app, actor, &definition).await.map(ImportOutcome::Imported)
}

/// Stores a definition as the next version of its questionnaire (version 1 of a new one), which
/// becomes current; scores already stored do not change.
pub async fn add_version(app: &App, actor: &Actor, definition: &Definition) -> Result<QuestionnaireVersion, AppError> {
    actor.require(Permission::PlatformConfigure)?;
    let number = app.db.questionnaire_versions(&definition.code).await?.first().map_or(1, |v| v.version + 1);
    let version = version_record(definition, number, Some(actor.user.id))?;
    let details = json!({
        "version": number,
        "label": version.label,
        "provisional_weights": version.provisional_weights,
        "items": definition.items.len(),
    });
    let event = actor.event("questionnaire.import", "questionnaire", Some(definition.code.clone()), details);
    match app.db.insert_questionnaire_version(&version, &event).await {
        Ok(()) => Ok(version),
        // Someone stored a version at the same time: this one was not stored.
        Err(cnrm_store::StoreError::Conflict(_)) => Err(AppError::Stale),
        Err(e) => Err(e.into()),
    }
}

/// The sheets of a questionnaire version (current when `version` is `None`), to write as XLSForm.
pub async fn export_xlsform(
    app: &App,
    actor: &Actor,
    code: &str,
    version: Option<i64>,
) -> Result<(QuestionnaireVersion, xlsform::Tables), AppError> {
    actor.require(Permission::PlatformConfigure)?;
    let stored = app.db.questionnaire_version(code, version).await?.ok_or(AppError::NotFound)?;
    let tables = xlsform::to_tables(&definition_of(&stored)?);
    Ok((stored, tables))
}

/// Recomputes, with the current version of a questionnaire, the scores of every submission
/// scored with another version. Returns how many were recomputed.
pub async fn recompute(app: &App, actor: &Actor, code: &str) -> Result<usize, AppError> {
    actor.require(Permission::PlatformConfigure)?;
    let version = current(app, code).await?;
    let definition = definition_of(&version)?;
    const BATCH: i64 = 500;
    let (mut after, mut total) = (None, 0);
    loop {
        let batch = app.db.survey_submissions_scored_otherwise(code, version.id, after, BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        let scores: Vec<(Uuid, SurveyScores)> = batch
            .iter()
            .map(|s| {
                let answers: Answers = serde_json::from_value(s.answers.clone()).unwrap_or_default();
                (s.id, scores_of(&definition, &answers))
            })
            .collect();
        total += scores.len();
        let details = json!({ "version": version.version, "submissions": scores.len() });
        let event = actor.event("questionnaire.rescore", "questionnaire", Some(code.to_string()), details);
        app.db.rescore_survey_submissions(&scores, version.id, &event).await?;
        if (batch.len() as i64) < BATCH {
            break;
        }
    }
    Ok(total)
}

/// A submitted survey form: why and when it was taken, and the answers (item name → text, the
/// options of a multiple choice separated by spaces).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SurveyInput {
    /// `baseline`, `follow_up` or `satisfaction`.
    pub kind: String,
    /// `YYYY-MM-DD`: not in the future, not before the returnee's arrival.
    pub answered_on: String,
    #[schema(value_type = Object)]
    pub answers: Answers,
}

/// Item names as `FieldErrors` needs them (`&'static str`): names come from the questionnaires an
/// administrator loaded, a bounded set, so each is kept once for the life of the process.
fn interned(name: &str) -> &'static str {
    static NAMES: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut names = NAMES.lock().unwrap_or_else(|p| p.into_inner());
    let names = names.get_or_insert_with(HashSet::new);
    if let Some(known) = names.get(name) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.insert(leaked);
    leaked
}

/// Field errors for answers, each named `answers.ITEM` (the form's field is the item itself).
pub fn answer_field(item: &str) -> String {
    format!("answers.{item}")
}

/// The questionnaire version a survey of `kind` answers now, with its definition.
pub async fn form_for(app: &App, kind: SurveyKind) -> Result<(QuestionnaireVersion, Definition), AppError> {
    let version = current(app, kind.questionnaire()).await?;
    let definition = definition_of(&version)?;
    Ok((version, definition))
}

/// The case, if the actor may submit its surveys now: changeable, and open.
async fn open_case(app: &App, actor: &Actor, case_id: Uuid) -> Result<CaseFile, AppError> {
    let file = cases::changeable(app, actor, case_id).await?;
    if file.case.status != CaseStatus::Open {
        return Err(AppError::Refused("error-survey-case-closed"));
    }
    Ok(file)
}

/// The schedule step a submission completes, and the steps it adds.
fn schedule_after(existing: &[ScheduledSurvey], submission: &SurveySubmission) -> (Option<Uuid>, Vec<ScheduledSurvey>) {
    let open = |kind: SurveyKind| {
        existing.iter().filter(|s| s.kind == kind && s.done_submission_id.is_none()).min_by_key(|s| s.due_on)
    };
    match submission.kind {
        SurveyKind::Baseline => {
            let completes = open(SurveyKind::Baseline).map(|s| s.id);
            let mut steps: Vec<ScheduledSurvey> = survey::follow_ups(submission.answered_on)
                .into_iter()
                .map(|step| step_record(submission.case_id, step, None))
                .collect();
            if completes.is_none() {
                let done = ScheduleStep {
                    kind: SurveyKind::Baseline,
                    months_after_baseline: 0,
                    due_on: submission.answered_on,
                };
                steps.push(step_record(submission.case_id, done, Some(submission.id)));
            }
            (completes, steps)
        }
        SurveyKind::FollowUp => (open(SurveyKind::FollowUp).map(|s| s.id), Vec::new()),
        SurveyKind::Satisfaction => (None, Vec::new()),
    }
}

fn step_record(case_id: Uuid, step: ScheduleStep, done: Option<Uuid>) -> ScheduledSurvey {
    let (id, now) = new_id_and_time();
    ScheduledSurvey {
        id,
        case_id,
        kind: step.kind,
        months_after_baseline: i64::from(step.months_after_baseline),
        due_on: step.due_on,
        done_submission_id: done,
        created_at: now,
    }
}

/// Submits a survey for a case: the answers are validated with the current version of the
/// questionnaire of its kind and scored with it; the submission, the schedule (the step it
/// completes, the follow-ups a baseline brings) and the audit entry are written together.
pub async fn submit(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    input: &SurveyInput,
) -> Result<SurveySubmission, AppError> {
    let file = open_case(app, actor, case_id).await?;
    let header = SurveyHeader::parse(&input.kind, &input.answered_on, file.case.ret.arrival_date, today());
    // The answers are checked with the questionnaire of the kind given (the RSS when it is unreadable),
    // so that every problem of the form is reported at once.
    let kind = header.as_ref().map_or_else(|_| SurveyKind::parse(input.kind.trim()), |h| Some(h.kind));
    let (version, definition) = form_for(app, kind.unwrap_or(SurveyKind::Baseline)).await?;
    let answers = questionnaire::validate_answers(&definition, &input.answers);
    let (header, clean) = match (header, answers) {
        (Ok(header), Ok(clean)) => (header, clean.into_answers()),
        (header, answers) => {
            let mut errors = header.err().unwrap_or_default();
            if let Err(problems) = answers {
                errors.0.extend(answer_errors(&problems).0);
            }
            return Err(AppError::Invalid(errors));
        }
    };
    let (id, now) = new_id_and_time();
    let submission = SurveySubmission {
        id,
        case_id,
        questionnaire_code: version.questionnaire_code.clone(),
        version_id: version.id,
        kind: header.kind,
        answered_on: header.answered_on,
        answers: serde_json::to_value(&clean).map_err(|e| AppError::Internal(e.to_string()))?,
        scores: scores_of(&definition, &clean),
        scored_with_version: version.id,
        submitted_by: Some(actor.user.id),
        created_at: now,
    };
    let existing = app.db.survey_schedule_of_case(case_id).await?;
    let (completes, schedule) = schedule_after(&existing, &submission);
    let details = json!({
        "submission_id": submission.id,
        "questionnaire": submission.questionnaire_code,
        "version": version.version,
        "kind": submission.kind.code(),
        "answered_on": submission.answered_on.to_string(),
        "answers": clean.0.len(),
    });
    let event = actor.event("survey.submit", "case", Some(case_id.to_string()), details);
    app.db.insert_survey_submission(&submission, completes, &schedule, &event).await?;
    Ok(submission)
}

/// A submission as a case's survey tab shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubmissionView {
    #[serde(flatten)]
    pub submission: SurveySubmission,
    /// The version number answered.
    pub version: i64,
    /// The version number whose scoring gave the scores.
    pub scored_with: i64,
    /// The scoring version's weights are provisional (equal weights): every screen says so.
    pub provisional_weights: bool,
}

/// Everything a case's survey tab shows.
#[derive(Debug, Clone)]
pub struct CaseSurveys {
    pub file: CaseFile,
    /// The most recently answered first.
    pub submissions: Vec<SubmissionView>,
    /// By due date.
    pub schedule: Vec<ScheduledSurvey>,
    /// Whether the actor may submit surveys now (may change the case, and it is open).
    pub may_submit: bool,
}

/// A case's submissions with the version numbers that answered and scored them.
async fn views(app: &App, case_id: Uuid) -> Result<Vec<SubmissionView>, AppError> {
    let submissions = app.db.survey_submissions_of_case(case_id).await?;
    let mut known: Vec<QuestionnaireVersion> = Vec::new();
    let mut out = Vec::with_capacity(submissions.len());
    for submission in submissions {
        for id in [submission.version_id, submission.scored_with_version] {
            if !known.iter().any(|v| v.id == id) {
                known.push(app.db.questionnaire_version_by_id(id).await?.ok_or(AppError::NotFound)?);
            }
        }
        let find = |id: Uuid| known.iter().find(|v| v.id == id).expect("loaded above");
        let scored = find(submission.scored_with_version);
        out.push(SubmissionView {
            version: find(submission.version_id).version,
            scored_with: scored.version,
            provisional_weights: scored.provisional_weights,
            submission,
        });
    }
    Ok(out)
}

/// The surveys of a case, for those who may see it. The reading is audited.
pub async fn of_case(app: &App, actor: &Actor, case_id: Uuid) -> Result<CaseSurveys, AppError> {
    let file = cases::visible(app, actor, case_id).await?;
    let may_submit = cases::may_change(actor, &file.case) && file.case.status == CaseStatus::Open;
    let submissions = views(app, case_id).await?;
    let schedule = app.db.survey_schedule_of_case(case_id).await?;
    let event = actor.event("survey.view", "case", Some(case_id.to_string()), json!({}));
    app.db.append_audit(&event).await?;
    Ok(CaseSurveys { file, submissions, schedule, may_submit })
}

/// The surveys of a case as the API lists them.
pub async fn submissions(app: &App, actor: &Actor, case_id: Uuid) -> Result<Vec<SubmissionView>, AppError> {
    Ok(of_case(app, actor, case_id).await?.submissions)
}

/// The baseline of a newly registered case (see `survey::baseline_at_registration`), written with the
/// registration in its transaction.
pub fn registration_schedule(case: &CaseRecord) -> ScheduledSurvey {
    step_record(case.id, survey::baseline_at_registration(case.created_at.date()), None)
}

/// Brings the baseline forward to a needs assessment (see `survey::baseline_after_assessment`),
/// unless the baseline was already taken.
pub async fn schedule_after_assessment(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    assessed_on: Date,
) -> Result<(), AppError> {
    let existing = app.db.survey_schedule_of_case(case_id).await?;
    let baseline = existing.iter().find(|s| s.kind == SurveyKind::Baseline);
    if baseline.is_some_and(|b| b.done_submission_id.is_some()) {
        return Ok(());
    }
    let step = survey::baseline_after_assessment(baseline.map(|b| b.due_on), assessed_on);
    if baseline.is_some_and(|b| b.due_on == step.due_on) {
        return Ok(());
    }
    save_step(app, actor, case_id, step).await
}

async fn save_step(app: &App, actor: &Actor, case_id: Uuid, step: ScheduleStep) -> Result<(), AppError> {
    let record = step_record(case_id, step, None);
    let details = json!({ "kind": step.kind.code(), "due_on": step.due_on.to_string() });
    let event = actor.event("survey.schedule", "case", Some(case_id.to_string()), details);
    Ok(app.db.save_survey_schedule(&[record], &event).await?)
}

/// Problems of a form as `FieldErrors`, for callers that validate answers without submitting.
pub fn answer_errors(problems: &questionnaire::AnswerErrors) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for problem in &problems.0 {
        errors.add(interned(&answer_field(&problem.item)), problem.message);
    }
    errors
}
