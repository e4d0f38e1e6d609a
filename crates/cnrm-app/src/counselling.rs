//! Counselling of a returnee: sessions held, needs assessed along the three dimensions of
//! reintegration (economic, social, psychosocial) and skills assessed, each with its history.
//!
//! Those who may see the case see its counselling (out of reach is "not found"); those who may
//! change it add records, while it is open. Counsellors and assessors are members of the case's
//! organisation (by default the person recording). Every record added, and every reading, is
//! audited on the case; the audit never holds what was said, only what was recorded and when.

use cnrm_domain::assessment::{NeedsInput, SessionInput, SkillsInput};
use cnrm_domain::lifecycle::case::CaseStatus;
use cnrm_domain::paging::{PageRequest, MAX_PER_PAGE};
use cnrm_domain::{FieldErrors, Permission};
use cnrm_store::{
    new_id_and_time, CaseFile, CaseRecord, CounsellingSession, NeedsAssessment, SkillsAssessment, StoreError, User,
};
use serde_json::json;
use std::future::Future;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::cases;
use crate::{Actor, App, AppError};

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// A member of the case's organisation, as counsellor or assessor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: Uuid,
    pub display_name: String,
    /// Whether they may be chosen now (an active account that works on cases).
    pub eligible: bool,
}

/// Everything the counselling page shows.
#[derive(Debug, Clone)]
pub struct Counselling {
    pub file: CaseFile,
    /// Newest first.
    pub sessions: Vec<CounsellingSession>,
    /// Newest first: the first is the current assessment.
    pub needs: Vec<NeedsAssessment>,
    /// Newest first: the first is the current assessment.
    pub skills: Vec<SkillsAssessment>,
    /// Whether the actor may add records now (may change the case, and it is open).
    pub may_add: bool,
    /// The case's organisation's members, to name counsellors and to choose them.
    pub staff: Vec<StaffMember>,
}

impl Counselling {
    /// The name of a member of staff, if known.
    pub fn name_of(&self, id: Option<Uuid>) -> Option<String> {
        let id = id?;
        Some(self.staff.iter().find(|s| s.id == id).map_or_else(|| id.to_string(), |s| s.display_name.clone()))
    }
}

fn works_on_cases(user: &User) -> bool {
    !user.disabled && user.role.scope_of(Permission::CaseRead).is_some()
}

/// Every account of an organisation.
async fn members(app: &App, organisation_id: Uuid) -> Result<Vec<User>, AppError> {
    let mut request = PageRequest { page: 1, per_page: MAX_PER_PAGE, sort: "name", descending: false, search: None };
    let mut all = Vec::new();
    loop {
        let page = app.db.users(Some(organisation_id), &request).await?;
        let last = page.page >= page.pages();
        all.extend(page.items);
        if last {
            return Ok(all);
        }
        request.page += 1;
    }
}

async fn audit_view(app: &App, actor: &Actor, case_id: Uuid, what: &str) -> Result<(), AppError> {
    let event = actor.event("counselling.view", "case", Some(case_id.to_string()), json!({ "part": what }));
    Ok(app.db.append_audit(&event).await?)
}

/// The counselling of a case, for those who may see it. The reading is audited.
pub async fn overview(app: &App, actor: &Actor, case_id: Uuid) -> Result<Counselling, AppError> {
    let file = cases::visible(app, actor, case_id).await?;
    let may_add = cases::may_change(actor, &file.case) && file.case.status == CaseStatus::Open;
    let sessions = app.db.counselling_sessions(case_id).await?;
    let needs = app.db.needs_assessments(case_id).await?;
    let skills = app.db.skills_assessments(case_id).await?;
    let staff = members(app, file.case.organisation_id)
        .await?
        .into_iter()
        .map(|u| StaffMember { id: u.id, eligible: works_on_cases(&u), display_name: u.display_name })
        .collect();
    audit_view(app, actor, case_id, "all").await?;
    Ok(Counselling { file, sessions, needs, skills, may_add, staff })
}

/// A case's sessions, newest first (audited reading).
pub async fn sessions(app: &App, actor: &Actor, case_id: Uuid) -> Result<Vec<CounsellingSession>, AppError> {
    read_part(app, actor, case_id, "sessions", || app.db.counselling_sessions(case_id)).await
}

/// A case's needs assessments, newest first (audited reading).
pub async fn needs_assessments(app: &App, actor: &Actor, case_id: Uuid) -> Result<Vec<NeedsAssessment>, AppError> {
    read_part(app, actor, case_id, "needs", || app.db.needs_assessments(case_id)).await
}

/// A case's skills assessments, newest first (audited reading).
pub async fn skills_assessments(app: &App, actor: &Actor, case_id: Uuid) -> Result<Vec<SkillsAssessment>, AppError> {
    read_part(app, actor, case_id, "skills", || app.db.skills_assessments(case_id)).await
}

/// One part of a case's counselling (`fetch`), for those who may see the case; the reading is
/// audited as `part`.
async fn read_part<T, F: Future<Output = Result<Vec<T>, StoreError>>>(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    part: &str,
    fetch: impl FnOnce() -> F,
) -> Result<Vec<T>, AppError> {
    cases::visible(app, actor, case_id).await?;
    let records = fetch().await?;
    audit_view(app, actor, case_id, part).await?;
    Ok(records)
}

/// The case, if the actor may add to its counselling now: `NotFound`/`Forbidden` like any change,
/// and refused while the case is closed.
async fn open_case(app: &App, actor: &Actor, case_id: Uuid) -> Result<CaseFile, AppError> {
    let file = cases::changeable(app, actor, case_id).await?;
    if file.case.status != CaseStatus::Open {
        return Err(AppError::Refused("error-counselling-case-closed"));
    }
    Ok(file)
}

/// The problem with the member of staff chosen in `raw`, if any: not a member of the case's
/// organisation who works on cases. An unreadable id is the domain's to report.
async fn staff_problem(app: &App, case: &CaseRecord, raw: &str) -> Result<Option<&'static str>, AppError> {
    let Ok(id) = Uuid::parse_str(raw.trim()) else { return Ok(None) };
    let fits = app.db.user(id).await?.is_some_and(|u| u.organisation_id == case.organisation_id && works_on_cases(&u));
    Ok((!fits).then_some("error-counselling-staff"))
}

/// The draft of a record to add, checked as every record is: the case open and changeable by the
/// actor, the input parsed (by `parse`, given the case's arrival date and today) and the member of
/// staff chosen (`staff_id`, in the form's field `staff_field`) one of the case's organisation.
async fn draft<T>(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    (staff_field, staff_id): (&'static str, &str),
    parse: impl FnOnce(Date, Date) -> Result<T, FieldErrors>,
) -> Result<T, AppError> {
    let file = open_case(app, actor, case_id).await?;
    let problem = staff_problem(app, &file.case, staff_id).await?;
    with_staff(parse(file.case.ret.arrival_date, today()), staff_field, problem)
}

/// The draft, or every problem found with it and with the member of staff chosen.
fn with_staff<T>(
    parsed: Result<T, FieldErrors>,
    field: &'static str,
    problem: Option<&'static str>,
) -> Result<T, AppError> {
    match (parsed, problem) {
        (Ok(draft), None) => Ok(draft),
        (Ok(_), Some(message)) => Err(AppError::invalid(field, message)),
        (Err(mut errors), Some(message)) => {
            if errors.for_field(field).is_none() {
                errors.add(field, message);
            }
            Err(AppError::Invalid(errors))
        }
        (Err(errors), None) => Err(AppError::Invalid(errors)),
    }
}

/// Records a counselling session.
pub async fn add_session(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    input: &SessionInput,
) -> Result<CounsellingSession, AppError> {
    let staff = ("counsellor_id", input.counsellor_id.as_str());
    let draft = draft(app, actor, case_id, staff, |arrival, today| input.parse(arrival, today)).await?;
    let (id, now) = new_id_and_time();
    let session = CounsellingSession {
        id,
        case_id,
        held_on: draft.held_on,
        counsellor_id: Some(draft.counsellor_id.unwrap_or(actor.user.id)),
        kind: draft.kind,
        duration_minutes: draft.duration_minutes,
        summary: draft.summary,
        next_steps: draft.next_steps,
        recorded_by: Some(actor.user.id),
        created_at: now,
    };
    let details = json!({
        "session_id": session.id,
        "held_on": session.held_on.to_string(),
        "kind": session.kind.code(),
        "counsellor_id": session.counsellor_id,
        "duration_minutes": session.duration_minutes,
    });
    let event = actor.event("counselling.session_add", "case", Some(case_id.to_string()), details);
    app.db.insert_counselling_session(&session, &event).await?;
    Ok(session)
}

/// Records a needs assessment (the earlier ones are kept).
pub async fn add_needs_assessment(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    input: &NeedsInput,
) -> Result<NeedsAssessment, AppError> {
    let staff = ("assessor_id", input.assessor_id.as_str());
    let draft = draft(app, actor, case_id, staff, |arrival, today| input.parse(arrival, today)).await?;
    let (id, now) = new_id_and_time();
    let highest = draft.highest_level();
    let assessment = NeedsAssessment {
        id,
        case_id,
        assessed_on: draft.assessed_on,
        assessor_id: Some(draft.assessor_id.unwrap_or(actor.user.id)),
        economic: draft.economic,
        social: draft.social,
        psychosocial: draft.psychosocial,
        notes: draft.notes,
        recorded_by: Some(actor.user.id),
        created_at: now,
    };
    let details = json!({
        "assessment_id": assessment.id,
        "assessed_on": assessment.assessed_on.to_string(),
        "assessor_id": assessment.assessor_id,
        "levels": {
            "economic": assessment.economic.level.code(),
            "social": assessment.social.level.code(),
            "psychosocial": assessment.psychosocial.level.code(),
        },
        "highest": highest.code(),
    });
    let event = actor.event("assessment.needs_add", "case", Some(case_id.to_string()), details);
    app.db.insert_needs_assessment(&assessment, &event).await?;
    crate::surveys::schedule_after_assessment(app, actor, case_id, assessment.assessed_on).await?;
    Ok(assessment)
}

/// Records a skills assessment (the earlier ones are kept).
pub async fn add_skills_assessment(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    input: &SkillsInput,
) -> Result<SkillsAssessment, AppError> {
    let staff = ("assessor_id", input.assessor_id.as_str());
    let draft = draft(app, actor, case_id, staff, |arrival, today| input.parse(arrival, today)).await?;
    let (id, now) = new_id_and_time();
    let assessment = SkillsAssessment {
        id,
        case_id,
        assessed_on: draft.assessed_on,
        assessor_id: Some(draft.assessor_id.unwrap_or(actor.user.id)),
        skills: draft.skills,
        experience_years: draft.experience_years,
        experience_sectors: draft.experience_sectors,
        interest_sectors: draft.interest_sectors,
        literacy: draft.literacy,
        numeracy: draft.numeracy,
        pathway: draft.pathway,
        notes: draft.notes,
        recorded_by: Some(actor.user.id),
        created_at: now,
    };
    let details = json!({
        "assessment_id": assessment.id,
        "assessed_on": assessment.assessed_on.to_string(),
        "assessor_id": assessment.assessor_id,
        "skills": assessment.skills.len(),
        "pathway": assessment.pathway.map(|p| p.code()),
    });
    let event = actor.event("assessment.skills_add", "case", Some(case_id.to_string()), details);
    app.db.insert_skills_assessment(&assessment, &event).await?;
    Ok(assessment)
}
