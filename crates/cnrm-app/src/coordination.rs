//! Coordination between the actors: meetings and their action points, partnership agreements,
//! training sessions, good practices; and the rule that a referral may require an active
//! data-sharing agreement between the two organisations.
//!
//! Who may do what:
//! - everyone holding `CoordinationRead` sees meetings (with their action points), trainings
//!   (participants counted; their names only to those who manage the training), agreements past
//!   their draft and published practices;
//! - `CoordinationManage` reaches one's organisation (the secretariat: all of them): its
//!   agreements, trainings and practices in every status, recording and changing them, and the
//!   action points it owns (their status, with a comment);
//! - `CoordinationValidate` (the secretariat) runs meetings (records them, their minutes, decisions
//!   and action points) and validates, returns and publishes practices.

use cnrm_domain::coordination::{
    self as rules, ActionPointInput, ActionStatus, ActionUpdateInput, AgreementEvent, AgreementInput, AgreementStatus,
    AgreementType, MeetingInput, ParticipantInput, PracticeEvent, PracticeInput, PracticeLinkInput, PracticeStatus,
    TrainingInput,
};
use cnrm_domain::lifecycle::Reason;
use cnrm_domain::paging::{Page, PageRequest};
use cnrm_domain::{Permission, Scope};
use cnrm_store::{
    new_id_and_time, ActionPoint, ActionPointUpdate, Agreement, CoordinationReach, Meeting, MeetingFile, Practice,
    PracticeIntervention, QueuedActionPoint, Training, TrainingFile, TrainingParticipant, TrainingSummary,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::{Actor, App, AppError};

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// Whether the actor may manage coordination records of `organisation_id`.
pub fn may_manage(actor: &Actor, organisation_id: Uuid) -> bool {
    actor.principal().may(Permission::CoordinationManage, organisation_id, None, None)
}

/// Whether the actor runs meetings and validates practices (the secretariat).
pub fn may_validate(actor: &Actor) -> bool {
    actor.holds(Permission::CoordinationValidate)
}

/// Whether the actor may record agreements, trainings and practices for their organisation.
pub fn may_record(actor: &Actor) -> bool {
    may_manage(actor, actor.user.organisation_id)
}

fn reach(actor: &Actor) -> Result<CoordinationReach, AppError> {
    actor.require(Permission::CoordinationRead)?;
    Ok(match actor.user.role.scope_of(Permission::CoordinationManage) {
        Some(Scope::All) => CoordinationReach::All,
        Some(_) => CoordinationReach::PublicAnd(Some(actor.user.organisation_id)),
        None => CoordinationReach::PublicAnd(None),
    })
}

/// The ids among `ids` that are active organisations; `field` gets `error-choose-organisation` otherwise.
async fn check_organisations(app: &App, ids: &[Uuid], field: &'static str) -> Result<(), AppError> {
    let known: HashSet<Uuid> = app.db.organisation_names().await?.into_iter().map(|o| o.id).collect();
    if ids.iter().all(|id| known.contains(id)) {
        Ok(())
    } else {
        Err(AppError::invalid(field, "error-choose-organisation"))
    }
}

fn changes(pairs: &[(&str, serde_json::Value, serde_json::Value)]) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (field, before, after) in pairs {
        if before != after {
            map.insert(field.to_string(), json!({ "before": before, "after": after }));
        }
    }
    serde_json::Value::Object(map)
}

// ---------------------------------------------------------------------------------------------
// Meetings and action points.

/// An action point as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ActionPointView {
    #[serde(flatten)]
    pub point: ActionPoint,
    /// Due date passed and not done (nor dropped).
    pub overdue: bool,
    /// Whether the reader may update its status (its owner organisation, or the secretariat).
    pub may_update: bool,
    /// Its updates, oldest first.
    pub updates: Vec<ActionPointUpdate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MeetingView {
    pub meeting: Meeting,
    pub action_points: Vec<ActionPointView>,
    /// Whether the reader may edit the meeting and add action points (the secretariat).
    pub may_edit: bool,
}

fn may_update_point(actor: &Actor, point: &ActionPoint) -> bool {
    may_manage(actor, point.owner_organisation_id) || may_validate(actor)
}

fn meeting_view(actor: &Actor, file: MeetingFile) -> MeetingView {
    let today = today();
    let MeetingFile { meeting, action_points, updates } = file;
    MeetingView {
        action_points: action_points
            .into_iter()
            .map(|point| ActionPointView {
                overdue: rules::is_overdue(point.status, point.due_on, today),
                may_update: may_update_point(actor, &point),
                updates: updates.iter().filter(|u| u.action_point_id == point.id).cloned().collect(),
                point,
            })
            .collect(),
        may_edit: may_validate(actor),
        meeting,
    }
}

pub async fn meetings(app: &App, actor: &Actor, page: &PageRequest) -> Result<Page<Meeting>, AppError> {
    reach(actor)?;
    Ok(app.db.meetings(page).await?)
}

pub async fn meeting(app: &App, actor: &Actor, id: Uuid) -> Result<MeetingView, AppError> {
    reach(actor)?;
    let file = app.db.meeting(id).await?.ok_or(AppError::NotFound)?;
    Ok(meeting_view(actor, file))
}

async fn parse_meeting(app: &App, input: &MeetingInput) -> Result<rules::MeetingDraft, AppError> {
    let units: BTreeMap<String, u8> =
        app.db.admin_units().await?.into_iter().filter(|u| u.current).map(|u| (u.pcode, u.level as u8)).collect();
    let draft = input.parse(|code| units.get(code).copied()).map_err(AppError::Invalid)?;
    check_organisations(app, &draft.organisations, "organisations").await?;
    Ok(draft)
}

/// Records a meeting (the secretariat).
pub async fn create_meeting(app: &App, actor: &Actor, input: &MeetingInput) -> Result<Meeting, AppError> {
    reach(actor)?;
    actor.require(Permission::CoordinationValidate)?;
    let d = parse_meeting(app, input).await?;
    let (id, now) = new_id_and_time();
    let meeting = Meeting {
        id,
        title: d.title,
        level: d.level,
        location_pcode: d.location,
        held_on: d.held_on,
        place: d.place,
        agenda: d.agenda,
        organisations: d.organisations,
        attendees: d.attendees,
        minutes: d.minutes,
        decisions: d.decisions,
        version: 1,
        created_by: Some(actor.user.id),
        created_at: now,
        updated_at: now,
    };
    let details = json!({
        "title": meeting.title,
        "level": meeting.level.code(),
        "held_on": meeting.held_on.to_string(),
        "organisations": meeting.organisations.len(),
        "decisions": meeting.decisions.len(),
    });
    app.db.insert_meeting(&meeting, &actor.event("meeting.create", "meeting", Some(id.to_string()), details)).await?;
    Ok(meeting)
}

/// The fields of a meeting as its form shows them.
pub fn meeting_input(m: &Meeting) -> MeetingInput {
    MeetingInput {
        title: m.title.clone(),
        level: m.level.code().into(),
        location: m.location_pcode.clone().unwrap_or_default(),
        held_on: m.held_on.to_string(),
        place: m.place.clone(),
        agenda: m.agenda.join("\n"),
        organisations: m.organisations.iter().map(Uuid::to_string).collect(),
        attendees: m.attendees.join("\n"),
        minutes: m.minutes.clone(),
        decisions: m.decisions.join("\n"),
    }
}

/// Changes a meeting (minutes, decisions, attendance…) if nobody saved it since `version` was read.
pub async fn update_meeting(
    app: &App,
    actor: &Actor,
    id: Uuid,
    version: i64,
    input: &MeetingInput,
) -> Result<Meeting, AppError> {
    reach(actor)?;
    actor.require(Permission::CoordinationValidate)?;
    let before = app.db.meeting(id).await?.ok_or(AppError::NotFound)?.meeting;
    let d = parse_meeting(app, input).await?;
    let after = Meeting {
        title: d.title,
        level: d.level,
        location_pcode: d.location,
        held_on: d.held_on,
        place: d.place,
        agenda: d.agenda,
        organisations: d.organisations,
        attendees: d.attendees,
        minutes: d.minutes,
        decisions: d.decisions,
        version,
        updated_at: new_id_and_time().1,
        ..before.clone()
    };
    let details = changes(&[
        ("title", json!(before.title), json!(after.title)),
        ("level", json!(before.level.code()), json!(after.level.code())),
        ("location", json!(before.location_pcode), json!(after.location_pcode)),
        ("held_on", json!(before.held_on.to_string()), json!(after.held_on.to_string())),
        ("place", json!(before.place), json!(after.place)),
        ("agenda", json!(before.agenda), json!(after.agenda)),
        ("organisations", json!(before.organisations), json!(after.organisations)),
        ("attendees", json!(before.attendees.len()), json!(after.attendees.len())),
        ("minutes_chars", json!(before.minutes.chars().count()), json!(after.minutes.chars().count())),
        ("decisions", json!(before.decisions), json!(after.decisions)),
    ]);
    app.db.update_meeting(&after, &actor.event("meeting.update", "meeting", Some(id.to_string()), details)).await?;
    Ok(Meeting { version: version + 1, ..after })
}

/// Adds an action point to a meeting (the secretariat).
pub async fn add_action_point(
    app: &App,
    actor: &Actor,
    meeting_id: Uuid,
    input: &ActionPointInput,
) -> Result<ActionPoint, AppError> {
    reach(actor)?;
    actor.require(Permission::CoordinationValidate)?;
    app.db.meeting(meeting_id).await?.ok_or(AppError::NotFound)?;
    let d = input.parse().map_err(AppError::Invalid)?;
    check_organisations(app, &[d.owner_organisation_id], "owner_organisation_id").await?;
    let (id, now) = new_id_and_time();
    let point = ActionPoint {
        id,
        meeting_id,
        description: d.description,
        owner_organisation_id: d.owner_organisation_id,
        due_on: d.due_on,
        status: ActionStatus::Open,
        version: 1,
        created_by: Some(actor.user.id),
        created_at: now,
        updated_at: now,
    };
    let details = json!({
        "meeting_id": meeting_id,
        "owner_organisation_id": point.owner_organisation_id,
        "due_on": point.due_on.to_string(),
    });
    let event = actor.event("action_point.create", "action_point", Some(id.to_string()), details);
    app.db.insert_action_point(&point, &event).await?;
    Ok(point)
}

/// The owner organisation (or the secretariat) moves an action point on, with a comment.
pub async fn update_action_point(
    app: &App,
    actor: &Actor,
    id: Uuid,
    input: &ActionUpdateInput,
) -> Result<ActionPoint, AppError> {
    reach(actor)?;
    let before = app.db.action_point(id).await?.ok_or(AppError::NotFound)?;
    if !may_update_point(actor, &before) {
        return Err(AppError::Forbidden);
    }
    // A form read before someone else's update is stale, whatever it asks (the store checks again).
    if input.version != before.version {
        return Err(AppError::Stale);
    }
    let (status, comment) = input.parse(before.status).map_err(AppError::Invalid)?;
    let (update_id, now) = new_id_and_time();
    let after = ActionPoint { status, version: input.version, updated_at: now, ..before.clone() };
    let update = ActionPointUpdate {
        id: update_id,
        action_point_id: id,
        status,
        comment: comment.clone(),
        updated_by: Some(actor.user.id),
        updated_at: now,
    };
    let details = json!({
        "status": { "before": before.status.code(), "after": status.code() },
        "comment": comment,
        "meeting_id": before.meeting_id,
    });
    let event = actor.event("action_point.update", "action_point", Some(id.to_string()), details);
    app.db.update_action_point(&after, &update, &event).await?;
    Ok(ActionPoint { version: input.version + 1, ..after })
}

/// Overdue action points owned by the actor's organisation, for its work queue.
pub async fn overdue_action_points(app: &App, actor: &Actor) -> Result<Vec<QueuedActionPoint>, AppError> {
    if !may_record(actor) {
        return Ok(Vec::new());
    }
    Ok(app.db.action_points_due(actor.user.organisation_id, today(), 50).await?)
}

// ---------------------------------------------------------------------------------------------
// Agreements.

/// An agreement as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AgreementView {
    #[serde(flatten)]
    pub agreement: Agreement,
    /// The status in force today (an active agreement past its end is expired).
    pub status_today: AgreementStatus,
    /// Its end is within its reminder period.
    pub renewal_due: bool,
    pub may_change: bool,
}

fn agreement_view(actor: &Actor, agreement: Agreement) -> AgreementView {
    let today = today();
    AgreementView {
        status_today: rules::agreement_status_on(agreement.status, agreement.end_on, today),
        renewal_due: rules::renewal_due(agreement.status, agreement.end_on, agreement.reminder_days, today),
        may_change: may_manage(actor, agreement.organisation_id),
        agreement,
    }
}

/// Agreements the actor may see, optionally those `party` is a party to.
pub async fn agreements(
    app: &App,
    actor: &Actor,
    party: Option<Uuid>,
    page: &PageRequest,
) -> Result<Page<AgreementView>, AppError> {
    let reach = reach(actor)?;
    let found = app.db.agreements(reach, party, page).await?;
    Ok(Page {
        items: found.items.into_iter().map(|a| agreement_view(actor, a)).collect(),
        total: found.total,
        page: found.page,
        per_page: found.per_page,
    })
}

pub async fn agreement(app: &App, actor: &Actor, id: Uuid) -> Result<AgreementView, AppError> {
    let reach = reach(actor)?;
    let agreement = app.db.agreement(id).await?.ok_or(AppError::NotFound)?;
    let visible = match reach {
        CoordinationReach::All => true,
        CoordinationReach::PublicAnd(org) => {
            agreement.status != AgreementStatus::Draft || org == Some(agreement.organisation_id)
        }
    };
    if !visible {
        return Err(AppError::NotFound);
    }
    Ok(agreement_view(actor, agreement))
}

async fn parse_agreement(app: &App, owner: Uuid, input: &AgreementInput) -> Result<rules::AgreementDraft, AppError> {
    let draft = input.parse(owner).map_err(AppError::Invalid)?;
    check_organisations(app, &draft.parties, "parties").await?;
    Ok(draft)
}

/// Records an agreement of the actor's organisation, as a draft.
pub async fn create_agreement(app: &App, actor: &Actor, input: &AgreementInput) -> Result<Agreement, AppError> {
    reach(actor)?;
    if !may_record(actor) {
        return Err(AppError::Forbidden);
    }
    let owner = actor.user.organisation_id;
    let d = parse_agreement(app, owner, input).await?;
    let (id, now) = new_id_and_time();
    let agreement = Agreement {
        id,
        organisation_id: owner,
        title: d.title,
        kind: d.kind,
        parties: std::iter::once(owner).chain(d.parties).collect(),
        scope: d.scope,
        coverage: d.coverage,
        start_on: d.start_on,
        end_on: d.end_on,
        document: d.document,
        reminder_days: d.reminder_days,
        status: AgreementStatus::Draft,
        status_reason: None,
        version: 1,
        created_by: Some(actor.user.id),
        created_at: now,
        updated_at: now,
    };
    let details = json!({
        "title": agreement.title,
        "kind": agreement.kind.code(),
        "parties": agreement.parties,
        "start_on": agreement.start_on.to_string(),
        "end_on": agreement.end_on.map(|d| d.to_string()),
    });
    let event = actor.event("agreement.create", "agreement", Some(id.to_string()), details);
    app.db.insert_agreement(&agreement, &event).await?;
    Ok(agreement)
}

async fn changeable_agreement(app: &App, actor: &Actor, id: Uuid) -> Result<Agreement, AppError> {
    let view = agreement(app, actor, id).await?;
    if !view.may_change {
        return Err(AppError::Forbidden);
    }
    Ok(view.agreement)
}

pub fn agreement_input(a: &Agreement) -> AgreementInput {
    AgreementInput {
        title: a.title.clone(),
        kind: a.kind.code().into(),
        parties: a.parties.iter().filter(|p| **p != a.organisation_id).map(Uuid::to_string).collect(),
        scope: a.scope.clone(),
        coverage: a.coverage.clone(),
        start_on: a.start_on.to_string(),
        end_on: a.end_on.map(|d| d.to_string()).unwrap_or_default(),
        document: a.document.clone(),
        reminder_days: a.reminder_days.to_string(),
    }
}

/// Changes an agreement's terms if nobody saved it since `version` was read; not once it ended.
pub async fn update_agreement(
    app: &App,
    actor: &Actor,
    id: Uuid,
    version: i64,
    input: &AgreementInput,
) -> Result<Agreement, AppError> {
    let before = changeable_agreement(app, actor, id).await?;
    if before.status == AgreementStatus::Terminated {
        return Err(AppError::Refused("error-agreement-closed"));
    }
    let d = parse_agreement(app, before.organisation_id, input).await?;
    let after = Agreement {
        title: d.title,
        kind: d.kind,
        parties: std::iter::once(before.organisation_id).chain(d.parties).collect(),
        scope: d.scope,
        coverage: d.coverage,
        start_on: d.start_on,
        end_on: d.end_on,
        document: d.document,
        reminder_days: d.reminder_days,
        version,
        updated_at: new_id_and_time().1,
        ..before.clone()
    };
    let details = changes(&[
        ("title", json!(before.title), json!(after.title)),
        ("kind", json!(before.kind.code()), json!(after.kind.code())),
        ("parties", json!(before.parties), json!(after.parties)),
        ("scope", json!(before.scope), json!(after.scope)),
        ("coverage", json!(before.coverage), json!(after.coverage)),
        ("start_on", json!(before.start_on.to_string()), json!(after.start_on.to_string())),
        ("end_on", json!(before.end_on.map(|d| d.to_string())), json!(after.end_on.map(|d| d.to_string()))),
        ("document", json!(before.document), json!(after.document)),
        ("reminder_days", json!(before.reminder_days), json!(after.reminder_days)),
    ]);
    let event = actor.event("agreement.update", "agreement", Some(id.to_string()), details);
    app.db.update_agreement(&after, &event).await?;
    Ok(Agreement { version: version + 1, ..after })
}

/// A step in an agreement's life: `activate` (signed) or `terminate` (with a reason).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AgreementAction {
    pub action: String,
    pub reason: String,
    pub version: i64,
}

pub async fn act_on_agreement(
    app: &App,
    actor: &Actor,
    id: Uuid,
    input: &AgreementAction,
) -> Result<Agreement, AppError> {
    let before = changeable_agreement(app, actor, id).await?;
    let event = match input.action.trim() {
        "activate" => AgreementEvent::Activate,
        "terminate" => {
            AgreementEvent::Terminate(Reason::parse(&input.reason).map_err(|m| AppError::invalid("reason", m))?)
        }
        _ => return Err(AppError::invalid("action", "error-choose-from-list")),
    };
    let current = rules::agreement_status_on(before.status, before.end_on, today());
    let status = rules::agreement_transition(current, &event).map_err(AppError::Refused)?;
    let reason = match &event {
        AgreementEvent::Terminate(r) => Some(r.as_str().to_string()),
        AgreementEvent::Activate => before.status_reason.clone(),
    };
    let after = Agreement {
        status,
        status_reason: reason,
        version: input.version,
        updated_at: new_id_and_time().1,
        ..before.clone()
    };
    let details = json!({
        "status": { "before": before.status.code(), "after": status.code() },
        "reason": after.status_reason,
    });
    let action = format!("agreement.{}", input.action.trim());
    app.db.update_agreement(&after, &actor.event(&action, "agreement", Some(id.to_string()), details)).await?;
    Ok(Agreement { version: input.version + 1, ..after })
}

/// Agreements of the actor's organisation whose renewal is due, for its work queue.
pub async fn renewals_due(app: &App, actor: &Actor) -> Result<Vec<Agreement>, AppError> {
    if !may_record(actor) {
        return Ok(Vec::new());
    }
    let page = PageRequest { page: 1, per_page: 200, sort: "start", descending: true, search: None };
    let org = actor.user.organisation_id;
    let today = today();
    let found = app.db.agreements(CoordinationReach::PublicAnd(Some(org)), Some(org), &page).await?;
    Ok(found.items.into_iter().filter(|a| rules::renewal_due(a.status, a.end_on, a.reminder_days, today)).collect())
}

/// Whether a data-sharing agreement in force today binds the two organisations.
pub async fn data_sharing_in_force(app: &App, a: Uuid, b: Uuid) -> Result<bool, AppError> {
    let today = today();
    Ok(app.db.agreements_between(a, b).await?.iter().any(|ag| {
        ag.kind == AgreementType::DataSharing && rules::agreement_in_force(ag.status, ag.start_on, ag.end_on, today)
    }))
}

/// Refuses a referral from `from` to `to` when the platform requires a data-sharing agreement for
/// referrals and none binds them (`referral-needs-data-sharing`).
pub async fn check_referral_sharing(app: &App, from: Uuid, to: Uuid) -> Result<(), AppError> {
    if crate::settings::referrals_require_data_sharing(app).await? && !data_sharing_in_force(app, from, to).await? {
        return Err(AppError::Refused("referral-needs-data-sharing"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Trainings.

/// Participants of one organisation in a training, by sex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OrganisationCount {
    pub organisation_id: Uuid,
    pub women: i64,
    pub men: i64,
    pub certified: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TrainingView {
    pub training: Training,
    /// Named participants: only for those who manage the training (the others get the counts).
    pub participants: Vec<TrainingParticipant>,
    pub by_organisation: Vec<OrganisationCount>,
    pub women: i64,
    pub men: i64,
    pub certified: i64,
    /// Mean of (post − pre) over participants with both scores.
    pub mean_gain: Option<f64>,
    pub may_change: bool,
}

/// Trainings, latest first; with `organisation`, its history (run by it or with its staff).
pub async fn trainings(
    app: &App,
    actor: &Actor,
    organisation: Option<Uuid>,
    page: &PageRequest,
) -> Result<Page<TrainingSummary>, AppError> {
    reach(actor)?;
    Ok(app.db.trainings(organisation, page).await?)
}

pub async fn training(app: &App, actor: &Actor, id: Uuid) -> Result<TrainingView, AppError> {
    reach(actor)?;
    let file = app.db.training(id).await?.ok_or(AppError::NotFound)?;
    let may_change = may_manage(actor, file.training.organisation_id);
    let mut by_org: BTreeMap<Uuid, OrganisationCount> = BTreeMap::new();
    for p in &file.participants {
        let entry = by_org.entry(p.organisation_id).or_insert(OrganisationCount {
            organisation_id: p.organisation_id,
            women: 0,
            men: 0,
            certified: 0,
        });
        match p.sex {
            rules::ParticipantSex::Female => entry.women += 1,
            rules::ParticipantSex::Male => entry.men += 1,
        }
        entry.certified += i64::from(p.certified);
    }
    let by_organisation: Vec<OrganisationCount> = by_org.into_values().collect();
    let scores: Vec<_> = file.participants.iter().map(|p| (p.pre_score, p.post_score)).collect();
    Ok(TrainingView {
        women: by_organisation.iter().map(|c| c.women).sum(),
        men: by_organisation.iter().map(|c| c.men).sum(),
        certified: by_organisation.iter().map(|c| c.certified).sum(),
        mean_gain: rules::mean_gain(&scores),
        by_organisation,
        participants: if may_change { file.participants } else { Vec::new() },
        training: file.training,
        may_change,
    })
}

/// Records a training run by the actor's organisation.
pub async fn create_training(app: &App, actor: &Actor, input: &TrainingInput) -> Result<Training, AppError> {
    reach(actor)?;
    if !may_record(actor) {
        return Err(AppError::Forbidden);
    }
    let d = input.parse().map_err(AppError::Invalid)?;
    let (id, now) = new_id_and_time();
    let training = Training {
        id,
        organisation_id: actor.user.organisation_id,
        title: d.title,
        topic: d.topic,
        trainers: d.trainers,
        start_on: d.start_on,
        end_on: d.end_on,
        place: d.place,
        version: 1,
        created_by: Some(actor.user.id),
        created_at: now,
        updated_at: now,
    };
    let details = json!({
        "title": training.title,
        "topic": training.topic.code(),
        "start_on": training.start_on.to_string(),
        "end_on": training.end_on.to_string(),
    });
    let event = actor.event("training.create", "training", Some(id.to_string()), details);
    app.db.insert_training(&training, &event).await?;
    Ok(training)
}

/// The fields of a training as its form shows them.
pub fn training_input(t: &Training) -> TrainingInput {
    TrainingInput {
        title: t.title.clone(),
        topic: t.topic.code().into(),
        trainers: t.trainers.clone(),
        start_on: t.start_on.to_string(),
        end_on: t.end_on.to_string(),
        place: t.place.clone(),
    }
}

/// The training, if the actor manages it (its organiser organisation, or the secretariat).
async fn changeable_training(app: &App, actor: &Actor, id: Uuid) -> Result<TrainingFile, AppError> {
    reach(actor)?;
    let file = app.db.training(id).await?.ok_or(AppError::NotFound)?;
    if !may_manage(actor, file.training.organisation_id) {
        return Err(AppError::Forbidden);
    }
    Ok(file)
}

/// Changes a training if nobody saved it since `version` was read; the same rules as recording it.
pub async fn update_training(
    app: &App,
    actor: &Actor,
    id: Uuid,
    version: i64,
    input: &TrainingInput,
) -> Result<Training, AppError> {
    let before = changeable_training(app, actor, id).await?.training;
    let d = input.parse().map_err(AppError::Invalid)?;
    let after = Training {
        title: d.title,
        topic: d.topic,
        trainers: d.trainers,
        start_on: d.start_on,
        end_on: d.end_on,
        place: d.place,
        version,
        updated_at: new_id_and_time().1,
        ..before.clone()
    };
    let details = changes(&[
        ("title", json!(before.title), json!(after.title)),
        ("topic", json!(before.topic.code()), json!(after.topic.code())),
        ("trainers", json!(before.trainers), json!(after.trainers)),
        ("start_on", json!(before.start_on.to_string()), json!(after.start_on.to_string())),
        ("end_on", json!(before.end_on.to_string()), json!(after.end_on.to_string())),
        ("place", json!(before.place), json!(after.place)),
    ]);
    app.db.update_training(&after, &actor.event("training.update", "training", Some(id.to_string()), details)).await?;
    Ok(Training { version: version + 1, ..after })
}

/// The fields of a participant as its form shows them.
pub fn participant_input(p: &TrainingParticipant) -> ParticipantInput {
    ParticipantInput {
        name: p.name.clone(),
        sex: p.sex.code().into(),
        organisation_id: p.organisation_id.to_string(),
        pre_score: p.pre_score.map(|s| s.to_string()).unwrap_or_default(),
        post_score: p.post_score.map(|s| s.to_string()).unwrap_or_default(),
        certified: if p.certified { "on".into() } else { String::new() },
    }
}

/// The participant of a training the actor manages, as last saved at `version` (else `Stale`).
async fn changeable_participant(
    app: &App,
    actor: &Actor,
    training_id: Uuid,
    participant_id: Uuid,
    version: i64,
) -> Result<TrainingParticipant, AppError> {
    let file = changeable_training(app, actor, training_id).await?;
    let participant = file.participants.into_iter().find(|p| p.id == participant_id).ok_or(AppError::NotFound)?;
    if participant.version != version {
        return Err(AppError::Stale);
    }
    Ok(participant)
}

fn participant_details(training_id: Uuid, p: &TrainingParticipant) -> serde_json::Value {
    // The name stays out of the audit trail's details: the entry points to the record.
    json!({
        "training_id": training_id,
        "organisation_id": p.organisation_id,
        "sex": p.sex.code(),
        "pre_score": p.pre_score,
        "post_score": p.post_score,
        "certified": p.certified,
    })
}

/// Corrects a participant (name, organisation, scores, certificate) if nobody saved it since
/// `version` was read.
pub async fn update_participant(
    app: &App,
    actor: &Actor,
    training_id: Uuid,
    participant_id: Uuid,
    version: i64,
    input: &ParticipantInput,
) -> Result<TrainingParticipant, AppError> {
    let before = changeable_participant(app, actor, training_id, participant_id, version).await?;
    let d = input.parse().map_err(AppError::Invalid)?;
    check_organisations(app, &[d.organisation_id], "organisation_id").await?;
    let after = TrainingParticipant {
        name: d.name,
        sex: d.sex,
        organisation_id: d.organisation_id,
        pre_score: d.pre_score,
        post_score: d.post_score,
        certified: d.certified,
        ..before.clone()
    };
    let details = json!({ "before": participant_details(training_id, &before), "after": participant_details(training_id, &after) });
    let event =
        actor.event("training.participant_update", "training_participant", Some(participant_id.to_string()), details);
    app.db.update_training_participant(&after, &event).await?;
    Ok(TrainingParticipant { version: version + 1, ..after })
}

/// Removes a participant recorded by mistake, if nobody changed it since `version` was read.
pub async fn remove_participant(
    app: &App,
    actor: &Actor,
    training_id: Uuid,
    participant_id: Uuid,
    version: i64,
) -> Result<(), AppError> {
    let before = changeable_participant(app, actor, training_id, participant_id, version).await?;
    let details = participant_details(training_id, &before);
    let event =
        actor.event("training.participant_remove", "training_participant", Some(participant_id.to_string()), details);
    app.db.remove_training_participant(&before, &event).await?;
    Ok(())
}

/// Adds a participant (with scores and certificate) to a training the actor manages.
pub async fn add_participant(
    app: &App,
    actor: &Actor,
    training_id: Uuid,
    input: &ParticipantInput,
) -> Result<TrainingParticipant, AppError> {
    changeable_training(app, actor, training_id).await?;
    let d = input.parse().map_err(AppError::Invalid)?;
    check_organisations(app, &[d.organisation_id], "organisation_id").await?;
    let (id, now) = new_id_and_time();
    let participant = TrainingParticipant {
        id,
        training_id,
        name: d.name,
        sex: d.sex,
        organisation_id: d.organisation_id,
        pre_score: d.pre_score,
        post_score: d.post_score,
        certified: d.certified,
        version: 1,
        added_by: Some(actor.user.id),
        added_at: now,
    };
    let details = participant_details(training_id, &participant);
    let event = actor.event("training.participant_add", "training_participant", Some(id.to_string()), details);
    app.db.insert_training_participant(&participant, &event).await?;
    Ok(participant)
}

// ---------------------------------------------------------------------------------------------
// Good practices.

/// An intervention linked to a practice, as its reader may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LinkedIntervention {
    pub intervention_id: Uuid,
    pub title: String,
    pub organisation_id: Uuid,
    /// What the intervention shows for the practice.
    pub results: String,
    /// People the intervention targets.
    pub targeted: i64,
    /// People reached, over the progress reports the reader may see.
    pub reached: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PracticeView {
    #[serde(flatten)]
    pub practice: Practice,
    /// The linked interventions the reader may see (the others are left out), with their figures.
    pub linked: Vec<LinkedIntervention>,
    /// Its organisation may edit and submit it.
    pub may_edit: bool,
    /// The reader validates, returns and publishes practices.
    pub may_validate: bool,
}

async fn practice_view(app: &App, actor: &Actor, practice: Practice) -> Result<PracticeView, AppError> {
    let ids: Vec<Uuid> = practice.interventions.iter().map(|l| l.intervention_id).collect();
    let seen = crate::interventions::progress_of(app, actor, &ids).await?;
    let linked = practice
        .interventions
        .iter()
        .filter_map(|link| {
            let s = seen.iter().find(|s| s.intervention.id == link.intervention_id)?;
            Some(LinkedIntervention {
                intervention_id: link.intervention_id,
                title: s.intervention.title.clone(),
                organisation_id: s.intervention.organisation_id,
                results: link.results.clone(),
                targeted: s.intervention.targeted.total(),
                reached: s.reached.total(),
            })
        })
        .collect();
    Ok(PracticeView {
        linked,
        may_edit: may_manage(actor, practice.organisation_id) && practice.status.is_editable(),
        may_validate: may_validate(actor),
        practice,
    })
}

pub async fn practices(
    app: &App,
    actor: &Actor,
    status: Option<PracticeStatus>,
    page: &PageRequest,
) -> Result<Page<Practice>, AppError> {
    let reach = reach(actor)?;
    Ok(app.db.practices(reach, status, page).await?)
}

pub async fn practice(app: &App, actor: &Actor, id: Uuid) -> Result<PracticeView, AppError> {
    let practice = visible_practice(app, actor, id).await?;
    practice_view(app, actor, practice).await
}

/// The practice, if the actor may see it (else `NotFound`).
async fn visible_practice(app: &App, actor: &Actor, id: Uuid) -> Result<Practice, AppError> {
    let reach = reach(actor)?;
    let practice = app.db.practice(id).await?.ok_or(AppError::NotFound)?;
    let visible = match reach {
        CoordinationReach::All => true,
        CoordinationReach::PublicAnd(org) => {
            practice.status == PracticeStatus::Published || org == Some(practice.organisation_id)
        }
    };
    if !visible {
        return Err(AppError::NotFound);
    }
    Ok(practice)
}

async fn parse_practice(app: &App, actor: &Actor, input: &PracticeInput) -> Result<rules::PracticeDraft, AppError> {
    let regions: HashSet<String> =
        app.db.admin_units().await?.into_iter().filter(|u| u.current && u.level == 1).map(|u| u.pcode).collect();
    // Only the interventions named are looked up (a bounded number: more is refused anyway).
    let named: Vec<Uuid> = input
        .interventions
        .iter()
        .filter_map(|l| Uuid::parse_str(l.intervention_id.trim()).ok())
        .take(rules::MAX_PRACTICE_INTERVENTIONS + 1)
        .collect();
    let seen: HashSet<Uuid> =
        crate::interventions::progress_of(app, actor, &named).await?.into_iter().map(|s| s.intervention.id).collect();
    input.parse(|code| regions.contains(code), |id| seen.contains(&id)).map_err(AppError::Invalid)
}

fn practice_links(draft: &[(Uuid, String)]) -> Vec<PracticeIntervention> {
    draft.iter().map(|(id, results)| PracticeIntervention { intervention_id: *id, results: results.clone() }).collect()
}

/// Documents a practice of the actor's organisation, as a draft.
pub async fn create_practice(app: &App, actor: &Actor, input: &PracticeInput) -> Result<Practice, AppError> {
    reach(actor)?;
    if !may_record(actor) {
        return Err(AppError::Forbidden);
    }
    let d = parse_practice(app, actor, input).await?;
    let (id, now) = new_id_and_time();
    let practice = Practice {
        interventions: practice_links(&d.interventions),
        id,
        organisation_id: actor.user.organisation_id,
        title: d.title,
        summary: d.summary,
        dimension: d.dimension,
        region_pcode: d.region,
        evidence: d.evidence,
        tags: d.tags,
        status: PracticeStatus::Draft,
        status_reason: None,
        version: 1,
        created_by: Some(actor.user.id),
        created_at: now,
        updated_at: now,
    };
    let details = json!({
        "title": practice.title,
        "dimension": practice.dimension.code(),
        "tags": practice.tags,
        "interventions": practice.interventions.iter().map(|l| l.intervention_id).collect::<Vec<_>>(),
    });
    let event = actor.event("practice.create", "practice", Some(id.to_string()), details);
    app.db.insert_practice(&practice, &event).await?;
    Ok(practice)
}

pub fn practice_input(p: &Practice) -> PracticeInput {
    PracticeInput {
        title: p.title.clone(),
        summary: p.summary.clone(),
        dimension: p.dimension.code().into(),
        region: p.region_pcode.clone().unwrap_or_default(),
        evidence: p.evidence.join("\n"),
        tags: p.tags.join(", "),
        interventions: p
            .interventions
            .iter()
            .map(|l| PracticeLinkInput { intervention_id: l.intervention_id.to_string(), results: l.results.clone() })
            .collect(),
    }
}

/// Edits a draft or returned practice of one's organisation.
pub async fn update_practice(
    app: &App,
    actor: &Actor,
    id: Uuid,
    version: i64,
    input: &PracticeInput,
) -> Result<Practice, AppError> {
    let before = visible_practice(app, actor, id).await?;
    if !may_manage(actor, before.organisation_id) {
        return Err(AppError::Forbidden);
    }
    if !before.status.is_editable() {
        return Err(AppError::Refused("error-practice-not-editable"));
    }
    let d = parse_practice(app, actor, input).await?;
    let after = Practice {
        interventions: practice_links(&d.interventions),
        title: d.title,
        summary: d.summary,
        dimension: d.dimension,
        region_pcode: d.region,
        evidence: d.evidence,
        tags: d.tags,
        version,
        updated_at: new_id_and_time().1,
        ..before.clone()
    };
    let details = changes(&[
        ("title", json!(before.title), json!(after.title)),
        ("summary", json!(before.summary), json!(after.summary)),
        ("dimension", json!(before.dimension.code()), json!(after.dimension.code())),
        ("region", json!(before.region_pcode), json!(after.region_pcode)),
        ("evidence", json!(before.evidence), json!(after.evidence)),
        ("tags", json!(before.tags), json!(after.tags)),
        ("interventions", json!(before.interventions), json!(after.interventions)),
    ]);
    app.db.update_practice(&after, &actor.event("practice.update", "practice", Some(id.to_string()), details)).await?;
    Ok(Practice { version: version + 1, ..after })
}

/// A step in a practice's life: `submit` (its organisation), `validate`, `return` (with a reason),
/// `publish` (the secretariat).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PracticeAction {
    pub action: String,
    pub reason: String,
    pub version: i64,
}

pub async fn act_on_practice(app: &App, actor: &Actor, id: Uuid, input: &PracticeAction) -> Result<Practice, AppError> {
    let before = visible_practice(app, actor, id).await?;
    let event = match input.action.trim() {
        "submit" => PracticeEvent::Submit,
        "validate" => PracticeEvent::Validate,
        "publish" => PracticeEvent::Publish,
        "return" => PracticeEvent::Return(Reason::parse(&input.reason).map_err(|m| AppError::invalid("reason", m))?),
        _ => return Err(AppError::invalid("action", "error-choose-from-list")),
    };
    let allowed = if event.needs_validator() { may_validate(actor) } else { may_manage(actor, before.organisation_id) };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let status = rules::practice_transition(before.status, &event).map_err(AppError::Refused)?;
    let reason = match &event {
        PracticeEvent::Return(r) => Some(r.as_str().to_string()),
        PracticeEvent::Submit => None,
        _ => before.status_reason.clone(),
    };
    let after = Practice {
        status,
        status_reason: reason,
        version: input.version,
        updated_at: new_id_and_time().1,
        ..before.clone()
    };
    let details = json!({
        "status": { "before": before.status.code(), "after": status.code() },
        "reason": after.status_reason,
    });
    let action = format!("practice.{}", input.action.trim());
    app.db.update_practice(&after, &actor.event(&action, "practice", Some(id.to_string()), details)).await?;
    Ok(Practice { version: input.version + 1, ..after })
}
