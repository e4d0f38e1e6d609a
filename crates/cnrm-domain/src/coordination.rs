//! Coordination between the actors: meetings and their action points, partnership agreements,
//! training sessions for the actors' staff and the library of good practices.
//!
//! Rules only: lifecycles, what is overdue or due for renewal, score gains, and the parsing of what
//! forms and the API send. Who may do what is `cnrm_app::coordination`'s business.

use crate::lifecycle::plan::Dimension;
use crate::lifecycle::Reason;
use crate::person::{choose, coded_enum, parse_date};
use crate::validation::{clean_text, FieldErrors};
use serde::{Deserialize, Serialize};
use time::{Date, Duration};
use uuid::Uuid;

/// Trims every line of a multi-line text, drops empty lines, and checks the total length.
pub fn clean_lines(raw: &str, max: usize) -> Result<Vec<String>, &'static str> {
    let lines: Vec<String> =
        raw.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|l| !l.is_empty()).collect();
    if lines.iter().map(|l| l.chars().count() + 1).sum::<usize>() > max {
        Err("error-too-long")
    } else if lines.iter().any(|l| l.chars().any(char::is_control)) {
        Err("error-invalid-characters")
    } else {
        Ok(lines)
    }
}

fn optional_date(raw: &str) -> Result<Option<Date>, &'static str> {
    match raw.trim() {
        "" => Ok(None),
        raw => parse_date(raw).map(Some),
    }
}

fn organisation(raw: &str) -> Result<Uuid, &'static str> {
    match raw.trim() {
        "" => Err("error-required"),
        raw => Uuid::parse_str(raw).map_err(|_| "error-choose-organisation"),
    }
}

/// Organisation ids from a group of check boxes: empty entries skipped, duplicates dropped.
fn organisations(raw: &[String]) -> Result<Vec<Uuid>, &'static str> {
    let mut ids = Vec::new();
    for r in raw.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        let id = Uuid::parse_str(r).map_err(|_| "error-choose-organisation")?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

// ---------------------------------------------------------------------------------------------
// Meetings and action points.

coded_enum! {
    /// Where a coordination meeting takes place in the administrative hierarchy.
    pub enum MeetingLevel in "meeting-level" {
        National = "national",
        Regional = "regional",
        Cercle = "cercle",
    }
}

/// A meeting as submitted (form or API). Multi-line fields hold one entry per line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MeetingInput {
    pub title: String,
    /// `national`, `regional` or `cercle`.
    pub level: String,
    /// Admin unit P-code: required for regional (a region) and cercle (a cercle) meetings.
    pub location: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    pub place: String,
    /// One agenda item per line.
    pub agenda: String,
    /// Organisations present (ids).
    pub organisations: Vec<String>,
    /// People present, one per line ("Name, function, organisation").
    pub attendees: String,
    pub minutes: String,
    /// One decision per line.
    pub decisions: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingDraft {
    pub title: String,
    pub level: MeetingLevel,
    pub location: Option<String>,
    pub held_on: Date,
    pub place: String,
    pub agenda: Vec<String>,
    pub organisations: Vec<Uuid>,
    pub attendees: Vec<String>,
    pub minutes: String,
    pub decisions: Vec<String>,
}

impl MeetingInput {
    /// `unit_level` gives an admin unit's level (1: region, 2: cercle) when the P-code is current.
    pub fn parse(&self, unit_level: impl Fn(&str) -> Option<u8>) -> Result<MeetingDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = errors.check("title", clean_text(&self.title, 3, 200));
        let level = errors.check("level", choose(&self.level, MeetingLevel::parse));
        let location = match (level, self.location.trim()) {
            (Some(MeetingLevel::National), _) | (None, _) => None,
            (Some(_), "") => errors.check("location", Err::<Option<String>, _>("error-required")).flatten(),
            (Some(level), code) => {
                let wanted = if level == MeetingLevel::Regional { 1 } else { 2 };
                errors
                    .check(
                        "location",
                        match unit_level(code) {
                            Some(l) if l == wanted => Ok(Some(code.to_string())),
                            Some(_) => Err("error-meeting-location-level"),
                            None => Err("error-choose-from-list"),
                        },
                    )
                    .flatten()
            }
        };
        let held_on = errors.check("held_on", parse_date(&self.held_on));
        let place = errors.check("place", clean_text(&self.place, 2, 200));
        let agenda = errors.check("agenda", clean_lines(&self.agenda, 4000));
        let organisations = errors.check("organisations", organisations(&self.organisations));
        let attendees = errors.check("attendees", clean_lines(&self.attendees, 8000));
        let minutes = errors.check("minutes", clean_lines(&self.minutes, 20000).map(|lines| lines.join("\n")));
        let decisions = errors.check("decisions", clean_lines(&self.decisions, 8000));
        errors.finish(|| MeetingDraft {
            title: title.unwrap(),
            level: level.unwrap(),
            location,
            held_on: held_on.unwrap(),
            place: place.unwrap(),
            agenda: agenda.unwrap(),
            organisations: organisations.unwrap(),
            attendees: attendees.unwrap(),
            minutes: minutes.unwrap(),
            decisions: decisions.unwrap(),
        })
    }
}

coded_enum! {
    /// `open → in_progress → done`, or `dropped` while not done.
    pub enum ActionStatus in "action-status" {
        Open = "open",
        InProgress = "in_progress",
        Done = "done",
        Dropped = "dropped",
    }
}

impl ActionStatus {
    /// Done and dropped action points never change again.
    pub fn is_closed(self) -> bool {
        matches!(self, ActionStatus::Done | ActionStatus::Dropped)
    }
}

/// The next status of an action point: `error-action-closed` once done or dropped,
/// `error-action-transition` for a step back or a repeat.
pub fn action_transition(from: ActionStatus, to: ActionStatus) -> Result<ActionStatus, &'static str> {
    use ActionStatus as S;
    match (from, to) {
        (S::Done | S::Dropped, _) => Err("error-action-closed"),
        (S::Open, S::InProgress | S::Done | S::Dropped) | (S::InProgress, S::Done | S::Dropped) => Ok(to),
        _ => Err("error-action-transition"),
    }
}

/// Overdue: its due date has passed (before `today`) and it is still open or in progress.
pub fn is_overdue(status: ActionStatus, due_on: Date, today: Date) -> bool {
    due_on < today && !status.is_closed()
}

/// An action point as submitted when a meeting records it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ActionPointInput {
    pub description: String,
    /// The organisation that owns it (id).
    pub owner_organisation_id: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPointDraft {
    pub description: String,
    pub owner_organisation_id: Uuid,
    pub due_on: Date,
}

impl ActionPointInput {
    pub fn parse(&self) -> Result<ActionPointDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let description = errors.check("description", clean_text(&self.description, 3, 1000));
        let owner = errors.check("owner_organisation_id", organisation(&self.owner_organisation_id));
        let due_on = errors.check("due_on", parse_date(&self.due_on));
        errors.finish(|| ActionPointDraft {
            description: description.unwrap(),
            owner_organisation_id: owner.unwrap(),
            due_on: due_on.unwrap(),
        })
    }
}

/// A change of status by the owner organisation, with a comment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ActionUpdateInput {
    /// `in_progress`, `done` or `dropped`.
    pub status: String,
    /// What was done, or why it was dropped (required).
    pub comment: String,
    /// The version of the action point that was read.
    pub version: i64,
}

impl ActionUpdateInput {
    /// The new status and comment, checked against the current status.
    pub fn parse(&self, current: ActionStatus) -> Result<(ActionStatus, String), FieldErrors> {
        let mut errors = FieldErrors::new();
        let status = errors
            .check("status", choose(&self.status, ActionStatus::parse).and_then(|to| action_transition(current, to)));
        let comment = errors.check("comment", clean_text(&self.comment, 3, 2000));
        errors.finish(|| (status.unwrap(), comment.unwrap()))
    }
}

// ---------------------------------------------------------------------------------------------
// Partnership agreements.

coded_enum! {
    pub enum AgreementType in "agreement-type" {
        Mou = "mou",
        LongTerm = "long_term",
        DataSharing = "data_sharing",
        Funding = "funding",
    }
}

coded_enum! {
    /// `draft → active → expired (its end date passed) / terminated`.
    pub enum AgreementStatus in "agreement-status" {
        Draft = "draft",
        Active = "active",
        Expired = "expired",
        Terminated = "terminated",
    }
}

/// The status in force on `today`: an active agreement whose end date has passed is expired,
/// whether or not anyone recorded it.
pub fn agreement_status_on(status: AgreementStatus, end_on: Option<Date>, today: Date) -> AgreementStatus {
    match (status, end_on) {
        (AgreementStatus::Active, Some(end)) if end < today => AgreementStatus::Expired,
        (status, _) => status,
    }
}

/// Whether an agreement binds its parties on `today`: active, started, not ended.
pub fn agreement_in_force(status: AgreementStatus, start_on: Date, end_on: Option<Date>, today: Date) -> bool {
    agreement_status_on(status, end_on, today) == AgreementStatus::Active && start_on <= today
}

/// Renewal reminder: an agreement in force whose end falls within `days` days from `today`.
pub fn renewal_due(status: AgreementStatus, end_on: Option<Date>, reminder_days: i64, today: Date) -> bool {
    match end_on {
        Some(end) => {
            agreement_status_on(status, end_on, today) == AgreementStatus::Active
                && end <= today + Duration::days(reminder_days)
        }
        None => false,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgreementEvent {
    Activate,
    Terminate(Reason),
}

pub fn agreement_transition(from: AgreementStatus, event: &AgreementEvent) -> Result<AgreementStatus, &'static str> {
    use AgreementEvent as E;
    use AgreementStatus as S;
    match (from, event) {
        (S::Draft, E::Activate) => Ok(S::Active),
        (S::Draft | S::Active, E::Terminate(_)) => Ok(S::Terminated),
        (S::Expired | S::Terminated, _) => Err("error-agreement-closed"),
        _ => Err("error-agreement-transition"),
    }
}

/// The default number of days before its end at which an agreement's renewal is recalled.
pub const DEFAULT_REMINDER_DAYS: i64 = 60;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AgreementInput {
    pub title: String,
    /// `mou`, `long_term`, `data_sharing` or `funding`.
    pub kind: String,
    /// The parties other than the recording organisation (ids); at least one.
    pub parties: Vec<String>,
    pub scope: String,
    /// The services or data the agreement covers.
    pub coverage: String,
    /// `YYYY-MM-DD`.
    pub start_on: String,
    /// `YYYY-MM-DD`, optional (open-ended).
    pub end_on: String,
    /// Reference or address of the signed document.
    pub document: String,
    /// Days before the end at which the renewal is recalled (default 60).
    pub reminder_days: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementDraft {
    pub title: String,
    pub kind: AgreementType,
    pub parties: Vec<Uuid>,
    pub scope: String,
    pub coverage: String,
    pub start_on: Date,
    pub end_on: Option<Date>,
    pub document: String,
    pub reminder_days: i64,
}

impl AgreementInput {
    /// `owner` is the recording organisation: it is a party, and may not be listed again.
    pub fn parse(&self, owner: Uuid) -> Result<AgreementDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = errors.check("title", clean_text(&self.title, 3, 200));
        let kind = errors.check("kind", choose(&self.kind, AgreementType::parse));
        let parties = errors.check(
            "parties",
            organisations(&self.parties).and_then(|ids| {
                let others: Vec<Uuid> = ids.into_iter().filter(|id| *id != owner).collect();
                if others.is_empty() {
                    Err("error-agreement-parties")
                } else {
                    Ok(others)
                }
            }),
        );
        let scope = errors.check("scope", clean_text(&self.scope, 3, 2000));
        let coverage = errors.check("coverage", clean_text(&self.coverage, 0, 2000));
        let start_on = errors.check("start_on", parse_date(&self.start_on));
        let end_on = errors.check(
            "end_on",
            optional_date(&self.end_on).and_then(|end| match (end, &start_on) {
                (Some(end), Some(start)) if end < *start => Err("error-coordination-ends-before-start"),
                (end, _) => Ok(end),
            }),
        );
        let document = errors.check("document", clean_text(&self.document, 0, 500));
        let reminder_days = errors.check(
            "reminder_days",
            match self.reminder_days.trim() {
                "" => Ok(DEFAULT_REMINDER_DAYS),
                raw => raw.parse::<i64>().ok().filter(|d| (0..=365).contains(d)).ok_or("error-agreement-reminder-days"),
            },
        );
        errors.finish(|| AgreementDraft {
            title: title.unwrap(),
            kind: kind.unwrap(),
            parties: parties.unwrap(),
            scope: scope.unwrap(),
            coverage: coverage.unwrap(),
            start_on: start_on.unwrap(),
            end_on: end_on.unwrap(),
            document: document.unwrap(),
            reminder_days: reminder_days.unwrap(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Trainings.

coded_enum! {
    pub enum TrainingTopic in "training-topic" {
        CaseManagement = "case_management",
        PsychosocialFirstAid = "psychosocial_first_aid",
        DataProtection = "data_protection",
        BusinessCoaching = "business_coaching",
        ChildProtection = "child_protection",
        CounterTrafficking = "counter_trafficking",
        Other = "other",
    }
}

coded_enum! {
    pub enum ParticipantSex in "sex" {
        Female = "female",
        Male = "male",
    }
}

/// A test score: a whole number from 0 to 100, or nothing.
pub fn parse_score(raw: &str) -> Result<Option<i64>, &'static str> {
    match raw.trim() {
        "" => Ok(None),
        raw => raw.parse::<i64>().ok().filter(|s| (0..=100).contains(s)).map(Some).ok_or("error-training-score"),
    }
}

/// The mean gain (post − pre) over the participants who took both tests; `None` when nobody did.
pub fn mean_gain(scores: &[(Option<i64>, Option<i64>)]) -> Option<f64> {
    let gains: Vec<i64> = scores.iter().filter_map(|(pre, post)| Some((*post)? - (*pre)?)).collect();
    (!gains.is_empty()).then(|| gains.iter().sum::<i64>() as f64 / gains.len() as f64)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TrainingInput {
    pub title: String,
    pub topic: String,
    /// Trainers' names.
    pub trainers: String,
    pub start_on: String,
    pub end_on: String,
    pub place: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingDraft {
    pub title: String,
    pub topic: TrainingTopic,
    pub trainers: String,
    pub start_on: Date,
    pub end_on: Date,
    pub place: String,
}

impl TrainingInput {
    pub fn parse(&self) -> Result<TrainingDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = errors.check("title", clean_text(&self.title, 3, 200));
        let topic = errors.check("topic", choose(&self.topic, TrainingTopic::parse));
        let trainers = errors.check("trainers", clean_text(&self.trainers, 2, 500));
        let start_on = errors.check("start_on", parse_date(&self.start_on));
        let end_on = errors.check(
            "end_on",
            parse_date(&self.end_on).and_then(|end| match start_on {
                Some(start) if end < start => Err("error-coordination-ends-before-start"),
                _ => Ok(end),
            }),
        );
        let place = errors.check("place", clean_text(&self.place, 2, 200));
        errors.finish(|| TrainingDraft {
            title: title.unwrap(),
            topic: topic.unwrap(),
            trainers: trainers.unwrap(),
            start_on: start_on.unwrap(),
            end_on: end_on.unwrap(),
            place: place.unwrap(),
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ParticipantInput {
    pub name: String,
    /// `female` or `male`.
    pub sex: String,
    pub organisation_id: String,
    /// 0–100, optional.
    pub pre_score: String,
    /// 0–100, optional.
    pub post_score: String,
    /// Whether a certificate was issued (`true`, `on`).
    pub certified: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantDraft {
    pub name: String,
    pub sex: ParticipantSex,
    pub organisation_id: Uuid,
    pub pre_score: Option<i64>,
    pub post_score: Option<i64>,
    pub certified: bool,
}

impl ParticipantInput {
    pub fn parse(&self) -> Result<ParticipantDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", clean_text(&self.name, 2, 200));
        let sex = errors.check("sex", choose(&self.sex, ParticipantSex::parse));
        let organisation_id = errors.check("organisation_id", organisation(&self.organisation_id));
        let pre = errors.check("pre_score", parse_score(&self.pre_score));
        let post = errors.check("post_score", parse_score(&self.post_score));
        let certified = matches!(self.certified.trim(), "true" | "on" | "1" | "yes");
        errors.finish(|| ParticipantDraft {
            name: name.unwrap(),
            sex: sex.unwrap(),
            organisation_id: organisation_id.unwrap(),
            pre_score: pre.unwrap(),
            post_score: post.unwrap(),
            certified,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Good practices.

coded_enum! {
    /// `draft → submitted → validated → published`; the secretariat may return a submitted one.
    pub enum PracticeStatus in "practice-status" {
        Draft = "draft",
        Submitted = "submitted",
        Validated = "validated",
        Published = "published",
        Returned = "returned",
    }
}

impl PracticeStatus {
    /// Its organisation may still edit it.
    pub fn is_editable(self) -> bool {
        matches!(self, PracticeStatus::Draft | PracticeStatus::Returned)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PracticeEvent {
    /// By its organisation.
    Submit,
    /// By the secretariat.
    Validate,
    /// By the secretariat, with what to change.
    Return(Reason),
    /// By the secretariat.
    Publish,
}

impl PracticeEvent {
    /// Whether the secretariat (`CoordinationValidate`) decides this step.
    pub fn needs_validator(&self) -> bool {
        !matches!(self, PracticeEvent::Submit)
    }
}

pub fn practice_transition(from: PracticeStatus, event: &PracticeEvent) -> Result<PracticeStatus, &'static str> {
    use PracticeEvent as E;
    use PracticeStatus as S;
    match (from, event) {
        (S::Draft | S::Returned, E::Submit) => Ok(S::Submitted),
        (S::Submitted, E::Validate) => Ok(S::Validated),
        (S::Submitted | S::Validated, E::Return(_)) => Ok(S::Returned),
        (S::Validated, E::Publish) => Ok(S::Published),
        (S::Published, _) => Err("error-practice-published"),
        _ => Err("error-practice-transition"),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PracticeInput {
    pub title: String,
    pub summary: String,
    /// `economic`, `social` or `psychosocial`.
    pub dimension: String,
    /// Region P-code, optional.
    pub region: String,
    /// Evidence: links to interventions and results, one per line.
    pub evidence: String,
    /// Comma-separated tags.
    pub tags: String,
    /// Recorded interventions that show its results, each with what it shows.
    pub interventions: Vec<PracticeLinkInput>,
}

/// An intervention given as evidence of a practice, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PracticeLinkInput {
    /// The intervention's id, one of those the author may see.
    pub intervention_id: String,
    /// What the intervention shows for the practice (3–1000 characters).
    pub results: String,
}

/// The most interventions one practice links.
pub const MAX_PRACTICE_INTERVENTIONS: usize = 20;

/// Linked interventions: rows left blank are skipped; each names a known intervention once, with a
/// results note. `is_intervention` says whether an id is an intervention the author may see.
pub fn parse_practice_links(
    links: &[PracticeLinkInput],
    is_intervention: impl Fn(Uuid) -> bool,
) -> Result<Vec<(Uuid, String)>, &'static str> {
    let mut parsed: Vec<(Uuid, String)> = Vec::new();
    for link in links {
        let (id, results) = (link.intervention_id.trim(), link.results.trim());
        if id.is_empty() && results.is_empty() {
            continue;
        }
        if id.is_empty() {
            return Err("error-practice-intervention-missing");
        }
        let id =
            Uuid::parse_str(id).ok().filter(|id| is_intervention(*id)).ok_or("error-practice-intervention-unknown")?;
        if parsed.iter().any(|(seen, _)| *seen == id) {
            return Err("error-practice-intervention-twice");
        }
        let results = clean_text(results, 3, 1000).map_err(|e| match e {
            "error-required" | "error-too-short" => "error-practice-intervention-results",
            other => other,
        })?;
        parsed.push((id, results));
    }
    if parsed.len() > MAX_PRACTICE_INTERVENTIONS {
        return Err("error-practice-interventions-too-many");
    }
    Ok(parsed)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeDraft {
    pub title: String,
    pub summary: String,
    pub dimension: Dimension,
    pub region: Option<String>,
    pub evidence: Vec<String>,
    pub tags: Vec<String>,
    /// Linked interventions and what each shows.
    pub interventions: Vec<(Uuid, String)>,
}

/// Tags: lower-cased, trimmed, without duplicates, at most 10 of 2–40 characters.
pub fn parse_tags(raw: &str) -> Result<Vec<String>, &'static str> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw.split(',').map(|t| t.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()) {
        if tag.is_empty() {
            continue;
        }
        if !(2..=40).contains(&tag.chars().count()) {
            return Err("error-practice-tags");
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > 10 {
        return Err("error-practice-tags");
    }
    Ok(tags)
}

impl PracticeInput {
    /// `is_region` says whether a P-code is a current region, `is_intervention` whether an id is an
    /// intervention the author may see.
    pub fn parse(
        &self,
        is_region: impl Fn(&str) -> bool,
        is_intervention: impl Fn(Uuid) -> bool,
    ) -> Result<PracticeDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = errors.check("title", clean_text(&self.title, 3, 200));
        let summary = errors.check("summary", clean_text(&self.summary, 20, 4000));
        let dimension = errors.check("dimension", choose(&self.dimension, Dimension::parse));
        let region = errors.check(
            "region",
            match self.region.trim() {
                "" => Ok(None),
                code if is_region(code) => Ok(Some(code.to_string())),
                _ => Err("error-choose-from-list"),
            },
        );
        let evidence = errors.check("evidence", clean_lines(&self.evidence, 4000));
        let tags = errors.check("tags", parse_tags(&self.tags));
        let interventions = errors.check("interventions", parse_practice_links(&self.interventions, is_intervention));
        errors.finish(|| PracticeDraft {
            title: title.unwrap(),
            summary: summary.unwrap(),
            dimension: dimension.unwrap(),
            region: region.unwrap(),
            evidence: evidence.unwrap(),
            tags: tags.unwrap(),
            interventions: interventions.unwrap(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn action_points_move_forward_and_are_overdue_only_while_open() {
        use ActionStatus as S;
        assert_eq!(action_transition(S::Open, S::InProgress), Ok(S::InProgress));
        assert_eq!(action_transition(S::Open, S::Done), Ok(S::Done));
        assert_eq!(action_transition(S::InProgress, S::Dropped), Ok(S::Dropped));
        assert_eq!(action_transition(S::InProgress, S::Open), Err("error-action-transition"));
        assert_eq!(action_transition(S::InProgress, S::InProgress), Err("error-action-transition"));
        assert_eq!(action_transition(S::Done, S::InProgress), Err("error-action-closed"));
        assert_eq!(action_transition(S::Dropped, S::Done), Err("error-action-closed"));
        let today = date!(2026 - 03 - 10);
        assert!(is_overdue(S::Open, date!(2026 - 03 - 09), today));
        assert!(is_overdue(S::InProgress, date!(2026 - 01 - 01), today));
        assert!(!is_overdue(S::Open, today, today), "due today is not yet overdue");
        assert!(!is_overdue(S::Done, date!(2026 - 01 - 01), today));
        assert!(!is_overdue(S::Dropped, date!(2026 - 01 - 01), today));
        assert_eq!(S::InProgress.label_key(), "action-status-in-progress");
    }

    #[test]
    fn an_update_needs_a_possible_status_and_a_comment() {
        let input = ActionUpdateInput { status: "done".into(), comment: " Liste  envoyée ".into(), version: 1 };
        assert_eq!(input.parse(ActionStatus::Open), Ok((ActionStatus::Done, "Liste envoyée".into())));
        let errors = ActionUpdateInput { status: "open".into(), comment: "".into(), version: 1 }
            .parse(ActionStatus::InProgress)
            .unwrap_err();
        assert_eq!(errors.for_field("status"), Some("error-action-transition"));
        assert_eq!(errors.for_field("comment"), Some("error-required"));
    }

    #[test]
    fn meetings_need_a_unit_of_their_level_except_national_ones() {
        let level = |code: &str| match code {
            "ML01" => Some(1),
            "ML0101" => Some(2),
            _ => None,
        };
        let input = MeetingInput {
            title: "Réunion régionale de Kayes".into(),
            level: "regional".into(),
            location: "ML01".into(),
            held_on: "2026-02-12".into(),
            place: "Gouvernorat de Kayes".into(),
            agenda: "Point des référencements\n\n  Plan de formation ".into(),
            organisations: vec![Uuid::from_u128(1).to_string(), Uuid::from_u128(1).to_string(), "".into()],
            attendees: "A. Diallo, OIM\nB. Keïta, ANPE".into(),
            minutes: "".into(),
            decisions: "Tenir la prochaine réunion en mai".into(),
        };
        let draft = input.parse(level).unwrap();
        assert_eq!(draft.agenda, vec!["Point des référencements", "Plan de formation"]);
        assert_eq!(draft.organisations, vec![Uuid::from_u128(1)]);
        assert_eq!(draft.location.as_deref(), Some("ML01"));
        let wrong = MeetingInput { level: "cercle".into(), ..input.clone() }.parse(level).unwrap_err();
        assert_eq!(wrong.for_field("location"), Some("error-meeting-location-level"));
        let missing = MeetingInput { location: "".into(), ..input.clone() }.parse(level).unwrap_err();
        assert_eq!(missing.for_field("location"), Some("error-required"));
        let national = MeetingInput { level: "national".into(), location: "".into(), ..input }.parse(level).unwrap();
        assert_eq!(national.location, None);
        let empty = MeetingInput::default().parse(level).unwrap_err();
        for field in ["title", "level", "held_on", "place"] {
            assert_eq!(empty.for_field(field), Some("error-required"), "{field}");
        }
    }

    #[test]
    fn agreements_end_after_they_start_and_are_recalled_before_their_end() {
        let owner = Uuid::from_u128(1);
        let input = AgreementInput {
            title: "Partage de données OIM–ANPE".into(),
            kind: "data_sharing".into(),
            parties: vec![owner.to_string(), Uuid::from_u128(2).to_string()],
            scope: "Référencements vers l'emploi".into(),
            start_on: "2026-01-01".into(),
            end_on: "2026-12-31".into(),
            ..Default::default()
        };
        let draft = input.parse(owner).unwrap();
        assert_eq!(draft.parties, vec![Uuid::from_u128(2)], "the owner is a party already");
        assert_eq!(draft.reminder_days, DEFAULT_REMINDER_DAYS);
        let bad = AgreementInput {
            end_on: "2025-12-31".into(),
            parties: vec![owner.to_string()],
            reminder_days: "-1".into(),
            ..input
        }
        .parse(owner)
        .unwrap_err();
        assert_eq!(bad.for_field("end_on"), Some("error-coordination-ends-before-start"));
        assert_eq!(bad.for_field("parties"), Some("error-agreement-parties"));
        assert_eq!(bad.for_field("reminder_days"), Some("error-agreement-reminder-days"));

        use AgreementStatus as S;
        let end = Some(date!(2026 - 12 - 31));
        assert_eq!(agreement_status_on(S::Active, end, date!(2027 - 01 - 01)), S::Expired);
        assert_eq!(agreement_status_on(S::Active, end, date!(2026 - 12 - 31)), S::Active);
        assert!(agreement_in_force(S::Active, date!(2026 - 01 - 01), end, date!(2026 - 06 - 01)));
        assert!(!agreement_in_force(S::Active, date!(2026 - 07 - 01), end, date!(2026 - 06 - 01)), "not started");
        assert!(!agreement_in_force(S::Draft, date!(2026 - 01 - 01), end, date!(2026 - 06 - 01)));
        assert!(renewal_due(S::Active, end, 60, date!(2026 - 11 - 01)));
        assert!(!renewal_due(S::Active, end, 60, date!(2026 - 10 - 01)));
        assert!(!renewal_due(S::Active, None, 60, date!(2026 - 11 - 01)), "open-ended");
        assert!(!renewal_due(S::Terminated, end, 60, date!(2026 - 11 - 01)));
        assert!(!renewal_due(S::Active, end, 60, date!(2027 - 01 - 02)), "expired");
        let reason = Reason::parse("fin du projet").unwrap();
        assert_eq!(agreement_transition(S::Draft, &AgreementEvent::Activate), Ok(S::Active));
        assert_eq!(agreement_transition(S::Active, &AgreementEvent::Terminate(reason.clone())), Ok(S::Terminated));
        assert_eq!(agreement_transition(S::Active, &AgreementEvent::Activate), Err("error-agreement-transition"));
        assert_eq!(agreement_transition(S::Terminated, &AgreementEvent::Activate), Err("error-agreement-closed"));
    }

    #[test]
    fn trainings_scores_and_gains() {
        assert_eq!(parse_score("85"), Ok(Some(85)));
        assert_eq!(parse_score(""), Ok(None));
        assert_eq!(parse_score("101"), Err("error-training-score"));
        assert_eq!(parse_score("-1"), Err("error-training-score"));
        assert_eq!(parse_score("7.5"), Err("error-training-score"));
        assert_eq!(mean_gain(&[(Some(40), Some(70)), (Some(50), Some(60)), (None, Some(90))]), Some(20.0));
        assert_eq!(mean_gain(&[(None, Some(90))]), None);
        let input = TrainingInput {
            title: "Premiers secours psychologiques".into(),
            topic: "psychosocial_first_aid".into(),
            trainers: "Dr Traoré".into(),
            start_on: "2026-03-02".into(),
            end_on: "2026-03-01".into(),
            place: "Kayes".into(),
        };
        assert_eq!(input.parse().unwrap_err().for_field("end_on"), Some("error-coordination-ends-before-start"));
        let ok = TrainingInput { end_on: "2026-03-04".into(), ..input }.parse().unwrap();
        assert_eq!(ok.topic, TrainingTopic::PsychosocialFirstAid);
        let p = ParticipantInput {
            name: "Awa Touré".into(),
            sex: "female".into(),
            organisation_id: Uuid::from_u128(3).to_string(),
            pre_score: "45".into(),
            post_score: "150".into(),
            certified: "on".into(),
        };
        assert_eq!(p.parse().unwrap_err().for_field("post_score"), Some("error-training-score"));
        let ok = ParticipantInput { post_score: "80".into(), ..p }.parse().unwrap();
        assert!(ok.certified && ok.sex == ParticipantSex::Female && ok.post_score == Some(80));
    }

    #[test]
    fn practices_are_submitted_validated_then_published_or_returned() {
        use PracticeEvent as E;
        use PracticeStatus as S;
        let reason = Reason::parse("Préciser les résultats").unwrap();
        assert_eq!(practice_transition(S::Draft, &E::Submit), Ok(S::Submitted));
        assert_eq!(practice_transition(S::Returned, &E::Submit), Ok(S::Submitted));
        assert_eq!(practice_transition(S::Submitted, &E::Validate), Ok(S::Validated));
        assert_eq!(practice_transition(S::Submitted, &E::Return(reason.clone())), Ok(S::Returned));
        assert_eq!(practice_transition(S::Validated, &E::Publish), Ok(S::Published));
        assert_eq!(practice_transition(S::Draft, &E::Publish), Err("error-practice-transition"));
        assert_eq!(practice_transition(S::Submitted, &E::Publish), Err("error-practice-transition"));
        assert_eq!(practice_transition(S::Published, &E::Return(reason)), Err("error-practice-published"));
        assert!(E::Validate.needs_validator() && !E::Submit.needs_validator());
        assert!(S::Returned.is_editable() && !S::Submitted.is_editable());
        assert_eq!(parse_tags("Emploi, emploi ,  jeunes "), Ok(vec!["emploi".to_string(), "jeunes".to_string()]));
        assert_eq!(parse_tags("x"), Err("error-practice-tags"));
        let input = PracticeInput {
            title: "Coaching entrepreneurial par les pairs".into(),
            summary: "Des migrants de retour installés accompagnent les nouveaux arrivants.".into(),
            dimension: "economic".into(),
            region: "ML99".into(),
            evidence: "https://example.org/rapport".into(),
            tags: "pairs, coaching".into(),
            interventions: Vec::new(),
        };
        let any = |_: Uuid| true;
        assert_eq!(input.parse(|c| c == "ML01", any).unwrap_err().for_field("region"), Some("error-choose-from-list"));
        let ok = PracticeInput { region: "ML01".into(), ..input }.parse(|c| c == "ML01", any).unwrap();
        assert_eq!(ok.dimension, Dimension::Economic);
    }

    #[test]
    fn practices_link_known_interventions_once_each_with_a_results_note() {
        let (known, other) = (Uuid::from_u128(7), Uuid::from_u128(8));
        let is_known = |id: Uuid| id == known;
        let link = |id: &str, results: &str| PracticeLinkInput { intervention_id: id.into(), results: results.into() };
        let k = known.to_string();
        assert_eq!(
            parse_practice_links(&[link(&k, " 120 jeunes  installés "), link("", "")], is_known),
            Ok(vec![(known, "120 jeunes installés".to_string())]),
            "blank rows are skipped"
        );
        assert_eq!(
            parse_practice_links(&[link(&other.to_string(), "Résultats")], is_known),
            Err("error-practice-intervention-unknown")
        );
        assert_eq!(
            parse_practice_links(&[link("pas-un-id", "Résultats")], is_known),
            Err("error-practice-intervention-unknown")
        );
        assert_eq!(
            parse_practice_links(&[link("", "Résultats")], is_known),
            Err("error-practice-intervention-missing")
        );
        assert_eq!(parse_practice_links(&[link(&k, "")], is_known), Err("error-practice-intervention-results"));
        assert_eq!(
            parse_practice_links(&[link(&k, "Un"), link(&k, "Deux")], is_known),
            Err("error-practice-intervention-results")
        );
        assert_eq!(
            parse_practice_links(&[link(&k, "Premier"), link(&k, "Second")], is_known),
            Err("error-practice-intervention-twice")
        );
        let many: Vec<_> = (0..=MAX_PRACTICE_INTERVENTIONS as u128)
            .map(|i| link(&Uuid::from_u128(100 + i).to_string(), "Résultats"))
            .collect();
        assert_eq!(parse_practice_links(&many, |_| true), Err("error-practice-interventions-too-many"));
    }
}
