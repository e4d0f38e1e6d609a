//! Identity resolution in the platform: possible existing persons at registration (the online
//! index of `cnrm-match`), the batch pass of `cnrm dedup` that fills the review queue, the data
//! steward's decisions (same person, not the same, unsure), links to master persons and splits,
//! the "linked records" of a case, and contact requests between organisations.
//!
//! Master persons: records decided "same" share `persons.master_person_id` (the smallest record id
//! of the linked group). A column rather than a link table because every read that matters ("which
//! records are this person?") is one indexed lookup, and the links themselves are already kept in
//! `identity_candidates` (status `same`), which is what a split undoes: the groups are recomputed
//! from the remaining links, so a split never deletes anything and is audited like a decision.
//!
//! What is disclosed: a data steward (`IdentityReview`) sees the identity fields needed to decide
//! (names, sex, birth date, phones, documents, places) and which organisations hold cases, never
//! vulnerabilities, consents or case contents. A worker registering someone sees a possible match
//! in full only when they may see its case; elsewhere only the organisation and the assistance
//! categories already given there; a protection case out of reach is only signalled.

use cnrm_domain::identity::{CandidateStatus, Decision, MatchReason};
use cnrm_domain::lifecycle::plan::AssistanceType;
use cnrm_domain::paging::{Page, PageRequest};
use cnrm_domain::person::{DatePrecision, PersonDraft};
use cnrm_domain::Permission;
use cnrm_match::{Index, Model, Params, Record as MatchRecord};
use cnrm_store::{new_id_and_time, ContactRequest, FieldEvidence, IdentityCandidate, IdentityRecord, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeSet, HashSet};
use tokio::sync::RwLock;
use uuid::Uuid;

use crate::cases;
use crate::{Actor, App, AppError};

/// Candidates a registration lookup returns at most, and the probability they need.
const LOOKUP_LIMIT: usize = 5;
const LOOKUP_MIN_PROBABILITY: f64 = 0.8;

/// The online model: the default weights with a prior of 1/1024 that a record sharing a blocking
/// key with a new registration is the same person. The default prior (about 1/10, a starting point
/// for EM) would show a brother sharing the family phone and birth date as the same person; with
/// this one two agreeing names and a birth date still pass the threshold, a shared phone and birth
/// date under another family name do not.
fn online_params() -> Params {
    Params { lambda: 1.0 / 1024.0, ..Params::default() }
}
/// Person records read per query when the index or a batch run loads them all.
const LOAD_PAGE: i64 = 5000;
/// Candidate pairs written per transaction by a batch run.
const CHUNK: usize = 500;

/// The online index, built from the database on first use and kept current by the services that
/// write persons (registration, identity edits, links and splits). Updates touch only the
/// records that changed.
#[derive(Default)]
pub struct IdentityIndex {
    inner: RwLock<Option<Index>>,
    /// References handed out with matches at other organisations (`contact_ref`): random ids
    /// mapped to (record, organisation), so that the worker can ask without learning any id of the
    /// person. Held in memory, bounded; a reference from before a restart is simply not found.
    refs: std::sync::Mutex<std::collections::HashMap<Uuid, (Uuid, Uuid)>>,
}

/// References kept at most (about 50 bytes each); beyond, the oldest generation is dropped.
const MAX_REFS: usize = 50_000;

impl IdentityIndex {
    /// Forgets the index: the next lookup rebuilds it (after a bulk load outside the services).
    pub async fn invalidate(&self) {
        *self.inner.write().await = None;
    }

    /// Whether the index has been built.
    pub async fn is_built(&self) -> bool {
        self.inner.read().await.is_some()
    }

    fn reference(&self, person: Uuid, organisation: Uuid) -> Uuid {
        let mut refs = self.refs.lock().unwrap_or_else(|e| e.into_inner());
        if refs.len() >= MAX_REFS {
            refs.clear();
        }
        let id = Uuid::now_v7();
        refs.insert(id, (person, organisation));
        id
    }

    fn resolve(&self, reference: Uuid) -> Option<(Uuid, Uuid)> {
        self.refs.lock().unwrap_or_else(|e| e.into_inner()).get(&reference).copied()
    }
}

fn sex_of(code: &str) -> cnrm_match::Sex {
    match code {
        "female" => cnrm_match::Sex::Female,
        "male" => cnrm_match::Sex::Male,
        _ => cnrm_match::Sex::Unknown,
    }
}

fn birth_of(date: Option<time::Date>, precision: Option<&str>) -> Option<cnrm_match::BirthDate> {
    let date = date?;
    let year = u16::try_from(date.year()).ok()?;
    let month = u8::from(date.month());
    Some(match precision.and_then(DatePrecision::parse) {
        Some(DatePrecision::Exact) | None => cnrm_match::BirthDate { year, month, day: date.day() },
        Some(DatePrecision::Month) => cnrm_match::BirthDate { year, month, day: 0 },
        Some(DatePrecision::Year) | Some(DatePrecision::EstimatedAge) => cnrm_match::BirthDate::year_only(year),
    })
}

/// Region and cercle of a P-code (`ML01` region, `ML0103` cercle, longer: a commune).
fn places_of(pcode: Option<&str>) -> (String, String) {
    match pcode {
        Some(p) if p.len() >= 6 => (p[..4].to_string(), p[..6].to_string()),
        Some(p) if p.len() >= 4 => (p[..4].to_string(), String::new()),
        _ => (String::new(), String::new()),
    }
}

/// A record's documents as the matcher reads them: `kind:number` entries joined by `;`, so that a
/// passport is compared with a passport and a NINA with a NINA.
fn documents_of(documents: &[cnrm_store::DocumentRef]) -> String {
    documents.iter().map(|d| format!("{}:{}", d.doc_type, d.number)).collect::<Vec<_>>().join(";")
}

/// The matcher's view of a stored person record.
pub fn match_record(r: &IdentityRecord) -> MatchRecord {
    let (region, cercle) = places_of(r.origin_pcode.as_deref());
    MatchRecord {
        id: r.person_id.to_string(),
        family_name: r.family_name.clone(),
        given_name: r.given_names.clone(),
        sex: sex_of(&r.sex),
        birth: birth_of(r.birth_date, r.birth_precision.as_deref()),
        phone: r.phones.first().cloned().unwrap_or_default(),
        region,
        cercle,
        document: documents_of(&r.documents),
        father_name: r.father_name.clone(),
        mother_name: r.mother_name.clone(),
    }
}

/// The matcher's view of a registration being typed (no id yet).
pub fn draft_record(draft: &PersonDraft, document: Option<&str>) -> MatchRecord {
    let (region, cercle) = places_of(draft.place_of_origin.as_deref());
    MatchRecord {
        id: String::new(),
        family_name: draft.family_name.clone(),
        given_name: draft.given_names.clone(),
        sex: sex_of(draft.sex.code()),
        birth: birth_of(Some(draft.birth.date), Some(draft.birth.precision.code())),
        phone: draft.phones.first().cloned().unwrap_or_default(),
        region,
        cercle,
        document: document.unwrap_or_default().to_string(),
        father_name: draft.father_name.clone().unwrap_or_default(),
        mother_name: draft.mother_name.clone().unwrap_or_default(),
    }
}

async fn build_index(app: &App) -> Result<Index, AppError> {
    let mut index = Index::new(Model::new(online_params()));
    let mut after = None;
    loop {
        let page = app.db.identity_records(after, LOAD_PAGE).await?;
        for r in &page {
            // A record already there (impossible from one query) is not worth failing a lookup.
            let _ = index.add(&r.master_person_id.to_string(), &match_record(r));
        }
        if (page.len() as i64) < LOAD_PAGE {
            return Ok(index);
        }
        after = page.last().map(|r| r.person_id);
    }
}

/// Builds the index now (at the start of `cnrm serve`) rather than at the first registration.
pub async fn warm(app: &App) -> Result<usize, AppError> {
    let mut guard = app.identity.inner.write().await;
    if guard.is_none() {
        *guard = Some(build_index(app).await?);
    }
    Ok(guard.as_ref().map_or(0, Index::len))
}

/// The persons (master ids) a registration may be, best first, with probability and reasons.
pub async fn lookup(app: &App, record: &MatchRecord) -> Result<Vec<(Uuid, f64, Vec<MatchReason>)>, AppError> {
    {
        let guard = app.identity.inner.read().await;
        if let Some(index) = guard.as_ref() {
            return Ok(ranked(index, record));
        }
    }
    let mut guard = app.identity.inner.write().await;
    if guard.is_none() {
        *guard = Some(build_index(app).await?);
    }
    Ok(ranked(guard.as_ref().expect("built above"), record))
}

fn ranked(index: &Index, record: &MatchRecord) -> Vec<(Uuid, f64, Vec<MatchReason>)> {
    index
        .lookup(record, LOOKUP_LIMIT, LOOKUP_MIN_PROBABILITY)
        .into_iter()
        .filter_map(|c| {
            let record_id = Uuid::parse_str(&c.record_id).ok()?;
            Some((record_id, c.probability, reasons(&c.explanation)))
        })
        .collect()
}

/// Short reasons from an explanation: the fields that speak for a match, strongest first.
pub fn reasons(explanation: &cnrm_match::Explanation) -> Vec<MatchReason> {
    let mut fields: Vec<_> = explanation.fields.iter().filter(|f| f.weight > 0.0).collect();
    fields.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    let mut out: Vec<MatchReason> = Vec::new();
    for f in fields {
        if let Some(r) = MatchReason::from_evidence(f.field, f.level) {
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    if explanation.swapped_names {
        out.push(MatchReason::NamesSwapped);
    }
    out
}

/// Brings the index up to date with records just written (after their transaction committed).
/// Does nothing before the index is first built (it will read them then).
pub async fn reindex(app: &App, persons: &[Uuid]) {
    if !app.identity.is_built().await {
        return;
    }
    let records = match app.db.identity_records_of(persons).await {
        Ok(r) => r,
        Err(e) => {
            // The index would miss these records: rebuild it on next use rather than serve it stale.
            tracing::warn!(error = %e, "identity index update failed; it will be rebuilt");
            app.identity.invalidate().await;
            return;
        }
    };
    let mut guard = app.identity.inner.write().await;
    if let Some(index) = guard.as_mut() {
        for r in &records {
            let record = match_record(r);
            let master = r.master_person_id.to_string();
            if index.person_of(&record.id).is_some() {
                let _ = index.remove(&record.id);
            }
            let _ = index.add(&master, &record);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Possible matches at registration.

/// What a registering worker may learn of a known person who may be the one being registered.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct MatchDisclosure {
    /// Why it may be the same person (never the other person's data).
    pub reasons: Vec<MatchReason>,
    /// Match probability from the matching engine (absent for a name-only match).
    pub probability: Option<f64>,
    /// For a match at another organisation: the assistance already given there.
    pub assistance: Vec<AssistanceType>,
    /// For a match at another organisation: the reference to ask it about the person
    /// (`POST /api/v1/identity/contact-requests`); a random id, valid while the server runs.
    pub contact_ref: Option<Uuid>,
    /// A protection case out of the worker's reach: only its existence is signalled (the
    /// organisation is then the nil id).
    pub signal_only: bool,
}

/// Candidate person records for a registration: the engine's, then those the former name search
/// finds (same name tokens, birth year within two years), each with probability and reasons.
pub async fn registration_candidates(
    app: &App,
    draft: &PersonDraft,
    document: Option<&str>,
) -> Result<Vec<(Uuid, Option<f64>, Vec<MatchReason>)>, AppError> {
    let mut found: Vec<(Uuid, Option<f64>, Vec<MatchReason>)> = lookup(app, &draft_record(draft, document))
        .await?
        .into_iter()
        .map(|(record, p, reasons)| (record, Some(p), reasons))
        .collect();
    for person in cases::name_matches(app, &draft.family_name, &draft.given_names, draft.birth.date.year()).await? {
        if !found.iter().any(|f| f.0 == person) {
            found.push((person, None, vec![MatchReason::NameVariant]));
        }
    }
    Ok(found)
}

/// The possible matches of a registration as the actor may learn of them (see the module docs).
pub async fn possible_matches(
    app: &App,
    actor: &Actor,
    draft: &PersonDraft,
    document: Option<&str>,
) -> Result<Vec<cases::PossibleMatch>, AppError> {
    let mut matches = Vec::new();
    let mut seen_persons: HashSet<Uuid> = HashSet::new();
    for (record, probability, reasons) in registration_candidates(app, draft, document).await? {
        if seen_persons.contains(&record) {
            continue;
        }
        let mut group = app.db.linked_records(record).await?;
        if group.is_empty() {
            group.push(record);
        }
        seen_persons.extend(group.iter().copied());
        // Per other organisation: its record and the assistance given there.
        let mut elsewhere: Vec<(Uuid, Uuid, BTreeSet<&'static str>, bool)> = Vec::new();
        for person in &group {
            for c in app.db.cases_of_person(*person).await? {
                let (case_id, organisation_id) = (c.id, c.organisation_id);
                if c.organisation_id == actor.user.organisation_id && cases::may_see(actor, &c) {
                    let Some(file) = app.db.case_file(case_id).await? else { continue };
                    matches.push(cases::PossibleMatch {
                        case_id: Some(c.id),
                        case_number: Some(c.case_number.clone()),
                        person_id: Some(file.person.id),
                        name: Some(format!("{} {}", file.person.draft.family_name, file.person.draft.given_names)),
                        birth_year: Some(file.person.draft.birth.date.year()),
                        organisation_id: c.organisation_id,
                        disclosure: MatchDisclosure { reasons: reasons.clone(), probability, ..Default::default() },
                    });
                    continue;
                }
                let entry = match elsewhere.iter_mut().find(|e| e.0 == organisation_id) {
                    Some(e) => e,
                    None => {
                        elsewhere.push((organisation_id, *person, BTreeSet::new(), false));
                        elsewhere.last_mut().expect("pushed")
                    }
                };
                if c.protection {
                    entry.3 = true;
                    continue;
                }
                if let Some(plan) = app.db.plan_of_case(case_id).await? {
                    entry.2.extend(plan.items.iter().map(|i| i.assistance_type.code()));
                }
            }
        }
        for (organisation_id, person, assistance, protection) in elsewhere {
            let other = organisation_id != actor.user.organisation_id;
            let (organisation_id, disclosure) = if protection {
                // Only that a match exists: not even where.
                (Uuid::nil(), MatchDisclosure { signal_only: true, ..Default::default() })
            } else {
                let disclosure = MatchDisclosure {
                    reasons: reasons.clone(),
                    probability,
                    // The assistance given, for the other organisations' cases (the cross-organisation
                    // rule); a case of one's own organisation out of reach shows only where it is.
                    assistance: if other {
                        assistance.into_iter().filter_map(AssistanceType::parse).collect()
                    } else {
                        Vec::new()
                    },
                    contact_ref: other.then(|| app.identity.reference(person, organisation_id)),
                    signal_only: false,
                };
                (organisation_id, disclosure)
            };
            if matches.iter().any(|m: &cases::PossibleMatch| m.disclosure.signal_only && disclosure.signal_only) {
                continue;
            }
            matches.push(cases::PossibleMatch {
                case_id: None,
                case_number: None,
                person_id: None,
                name: None,
                birth_year: None,
                organisation_id,
                disclosure,
            });
        }
    }
    Ok(matches)
}

// ---------------------------------------------------------------------------------------------
// Batch: `cnrm dedup` over the database.

/// What a batch run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DedupReport {
    pub records: usize,
    /// Pairs the matcher found above the threshold.
    pub pairs: usize,
    /// Pairs skipped because both records are already linked to one person.
    pub already_linked: usize,
    /// New pairs in the review queue.
    pub added: u64,
    /// Pairs already in the queue (decided ones, "not the same" included, are left as decided).
    pub known: u64,
}

/// Runs the matcher over every person record and queues the pairs found for review.
pub async fn dedup_database(
    app: &App,
    actor: &Actor,
    threshold: f64,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> Result<DedupReport, AppError> {
    if actor.user.id != Uuid::nil() {
        actor.require(Permission::IdentityReview)?;
    }
    let mut stored: Vec<IdentityRecord> = Vec::new();
    let mut after = None;
    loop {
        let page = app.db.identity_records(after, LOAD_PAGE).await?;
        let last = (page.len() as i64) < LOAD_PAGE;
        after = page.last().map(|r| r.person_id);
        stored.extend(page);
        progress("loading", stored.len() as u64, stored.len() as u64);
        if last {
            break;
        }
    }
    let records: Vec<MatchRecord> = stored.iter().map(match_record).collect();
    // EM needs enough pairs to estimate anything; small registers use the default parameters.
    let params = (records.len() < 5000).then(Params::default);
    let config = cnrm_match::Config { threshold, params, ..cnrm_match::Config::default() };
    let result = cnrm_match::dedup(&records, &config, &|stage, done, total| progress(stage.label(), done, total));
    let prepared = cnrm_match::dedup::prepare(&records);
    let model = Model::new(result.params.clone());
    let (run_id, now) = new_id_and_time();
    let mut report = DedupReport { records: records.len(), pairs: result.pairs.len(), ..Default::default() };
    let mut candidates = Vec::new();
    for pair in &result.pairs {
        let (a, b) = (&stored[pair.a as usize], &stored[pair.b as usize]);
        if a.master_person_id == b.master_person_id {
            report.already_linked += 1;
            continue;
        }
        let (ra, rb) = (&prepared.records[pair.a as usize], &prepared.records[pair.b as usize]);
        let c = cnrm_match::compare::compare(ra, rb, &prepared.interner);
        let explanation = model.explain(&c, ra, rb, &prepared.freq);
        let (person_a, person_b) =
            if a.person_id < b.person_id { (a.person_id, b.person_id) } else { (b.person_id, a.person_id) };
        candidates.push(IdentityCandidate {
            id: Uuid::now_v7(),
            person_a,
            person_b,
            match_weight: explanation.weight,
            probability: explanation.probability,
            evidence: explanation
                .fields
                .iter()
                .map(|f| FieldEvidence { field: f.field.to_string(), level: f.level.to_string(), weight: f.weight })
                .collect(),
            names_swapped: explanation.swapped_names,
            status: CandidateStatus::Pending,
            decided_by: None,
            decided_at: None,
            version: 1,
            created_at: now,
        });
    }
    let chunks = candidates.len().div_ceil(CHUNK).max(1);
    for (i, chunk) in candidates.chunks(CHUNK).enumerate() {
        let event = actor.event(
            "identity.dedup",
            "identity_run",
            Some(run_id.to_string()),
            json!({ "records": records.len(), "threshold": threshold, "chunk": i + 1, "chunks": chunks, "pairs": chunk.len() }),
        );
        let counts = app.db.insert_identity_candidates(chunk, &event).await?;
        report.added += counts.added;
        report.known += counts.known;
        progress("queueing", (i + 1) as u64, chunks as u64);
    }
    if candidates.is_empty() {
        let event = actor.event(
            "identity.dedup",
            "identity_run",
            Some(run_id.to_string()),
            json!({ "records": records.len(), "threshold": threshold, "pairs": 0, "already_linked": report.already_linked }),
        );
        app.db.append_audit(&event).await?;
    }
    Ok(report)
}

// ---------------------------------------------------------------------------------------------
// The review queue.

/// A candidate pair with both records' identity fields and the organisations holding their cases.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CandidateView {
    pub candidate: IdentityCandidate,
    pub a: IdentityRecord,
    pub b: IdentityRecord,
    /// Organisations holding cases of record a (ids), and of record b.
    pub a_organisations: Vec<Uuid>,
    pub b_organisations: Vec<Uuid>,
}

/// Filters of the review queue.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(default)]
pub struct CandidateQuery {
    /// `pending`, `same`, `not_same`, `unsure`, `split`; empty for all.
    pub status: String,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl CandidateQuery {
    pub fn status(&self) -> Option<CandidateStatus> {
        CandidateStatus::parse(self.status.trim())
    }

    pub fn page_request(&self) -> PageRequest {
        PageRequest {
            page: self.page.unwrap_or(1).max(1),
            per_page: self.per_page.unwrap_or(25).clamp(1, 100),
            sort: "probability",
            descending: true,
            search: None,
        }
    }
}

async fn with_records(
    app: &App,
    candidates: Vec<IdentityCandidate>,
    organisations: bool,
) -> Result<Vec<CandidateView>, AppError> {
    let mut ids: Vec<Uuid> = candidates.iter().flat_map(|c| [c.person_a, c.person_b]).collect();
    ids.sort();
    ids.dedup();
    let records = app.db.identity_records_of(&ids).await?;
    let mut out = Vec::new();
    for candidate in candidates {
        let find = |id: Uuid| records.iter().find(|r| r.person_id == id).cloned().ok_or(AppError::NotFound);
        let (a, b) = (find(candidate.person_a)?, find(candidate.person_b)?);
        let (mut a_organisations, mut b_organisations) = (Vec::new(), Vec::new());
        if organisations {
            a_organisations = organisations_of(app, a.person_id).await?;
            b_organisations = organisations_of(app, b.person_id).await?;
        }
        out.push(CandidateView { candidate, a, b, a_organisations, b_organisations });
    }
    Ok(out)
}

async fn organisations_of(app: &App, person: Uuid) -> Result<Vec<Uuid>, AppError> {
    let mut orgs: Vec<Uuid> = app.db.cases_of_person(person).await?.into_iter().map(|c| c.organisation_id).collect();
    orgs.sort();
    orgs.dedup();
    Ok(orgs)
}

/// A page of the review queue, most probable first.
pub async fn candidates(app: &App, actor: &Actor, query: &CandidateQuery) -> Result<Page<CandidateView>, AppError> {
    actor.require(Permission::IdentityReview)?;
    let page = app.db.identity_candidates(query.status(), &query.page_request()).await?;
    let items = with_records(app, page.items, false).await?;
    Ok(Page { items, total: page.total, page: page.page, per_page: page.per_page })
}

/// One pair, side by side. The view is audited (it shows two persons' identities).
pub async fn candidate(app: &App, actor: &Actor, id: Uuid) -> Result<CandidateView, AppError> {
    actor.require(Permission::IdentityReview)?;
    let c = app.db.identity_candidate(id).await?.ok_or(AppError::NotFound)?;
    let view = with_records(app, vec![c], true).await?.pop().ok_or(AppError::NotFound)?;
    app.db
        .append_audit(&actor.event(
            "identity.view",
            "identity_candidate",
            Some(id.to_string()),
            json!({ "person_a": view.a.person_id, "person_b": view.b.person_id }),
        ))
        .await?;
    Ok(view)
}

async fn save_decision(
    app: &App,
    actor: &Actor,
    before: &IdentityCandidate,
    after: IdentityCandidate,
    action: &'static str,
) -> Result<IdentityCandidate, AppError> {
    let details = json!({
        "person_a": after.person_a,
        "person_b": after.person_b,
        "from": before.status.code(),
        "to": after.status.code(),
        "probability": after.probability,
    });
    let event = actor.event(action, "identity_candidate", Some(after.id.to_string()), details);
    let groups = app.db.decide_identity_candidate(&after, &event).await?;
    let changed: Vec<Uuid> = groups.iter().map(|g| g.0).collect();
    reindex(app, &changed).await;
    Ok(IdentityCandidate { version: after.version + 1, ..after })
}

/// Decides a pair: `same` links both records to one master person, `not_same` is remembered (the
/// pair is never proposed again), `unsure` leaves it for later. A linked pair is split first.
pub async fn decide(
    app: &App,
    actor: &Actor,
    id: Uuid,
    version: i64,
    decision: &str,
) -> Result<IdentityCandidate, AppError> {
    actor.require(Permission::IdentityReview)?;
    let before = app.db.identity_candidate(id).await?.ok_or(AppError::NotFound)?;
    let decision = match decision.trim() {
        "" => Err(AppError::invalid("decision", "error-required")),
        code => Decision::parse(code).ok_or_else(|| AppError::invalid("decision", "error-choose-from-list")),
    }?;
    if before.version != version {
        return Err(AppError::Stale);
    }
    if !before.status.decidable() {
        return Err(AppError::Refused("identity-error-not-decidable"));
    }
    let (_, now) = new_id_and_time();
    let after = IdentityCandidate {
        status: decision.status(),
        decided_by: Some(actor.user.id).filter(|u| !u.is_nil()),
        decided_at: Some(now),
        ..before.clone()
    };
    save_decision(app, actor, &before, after, "identity.decide").await
}

/// Undoes a link: both records become separate persons again (unless other links still join them).
pub async fn split(app: &App, actor: &Actor, id: Uuid, version: i64) -> Result<IdentityCandidate, AppError> {
    actor.require(Permission::IdentityReview)?;
    let before = app.db.identity_candidate(id).await?.ok_or(AppError::NotFound)?;
    if before.version != version {
        return Err(AppError::Stale);
    }
    if before.status != CandidateStatus::Same {
        return Err(AppError::Refused("identity-error-not-linked"));
    }
    let (_, now) = new_id_and_time();
    let after = IdentityCandidate {
        status: CandidateStatus::Split,
        decided_by: Some(actor.user.id).filter(|u| !u.is_nil()),
        decided_at: Some(now),
        ..before.clone()
    };
    save_decision(app, actor, &before, after, "identity.split").await
}

// ---------------------------------------------------------------------------------------------
// Linked records on the case page.

/// Another record of the same person, as the reader may learn of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LinkedRecord {
    /// Set when the reader may see that case ("also known as").
    pub case_id: Option<Uuid>,
    pub case_number: Option<String>,
    pub name: Option<String>,
    /// The organisation holding the record's case ("linked to a record at …").
    pub organisation_id: Uuid,
}

/// The other records linked to a case's person.
pub async fn linked(app: &App, actor: &Actor, case_id: Uuid) -> Result<Vec<LinkedRecord>, AppError> {
    let file = cases::visible(app, actor, case_id).await?;
    let mut out: Vec<LinkedRecord> = Vec::new();
    for person in app.db.linked_records(file.person.id).await? {
        if person == file.person.id {
            continue;
        }
        for other_case in app.db.cases_of_person(person).await? {
            let organisation_id = other_case.organisation_id;
            if cases::may_see(actor, &other_case) {
                let Some(other) = app.db.case_file(other_case.id).await? else { continue };
                out.push(LinkedRecord {
                    case_id: Some(other.case.id),
                    case_number: Some(other.case.case_number.clone()),
                    name: Some(format!("{} {}", other.person.draft.family_name, other.person.draft.given_names)),
                    organisation_id,
                });
            } else if !out.iter().any(|l| l.case_id.is_none() && l.organisation_id == organisation_id) {
                out.push(LinkedRecord { case_id: None, case_number: None, name: None, organisation_id });
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Contact requests: asking another organisation about a possible match it holds.

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ContactRequestInput {
    pub organisation_id: String,
    /// The `contact_ref` of the possible match.
    pub contact_ref: String,
    pub message: String,
}

pub const MESSAGE_MAX: usize = 1000;

/// Asks another organisation about a possible match: recorded, audited, and listed in the
/// receiving organisation's work queue. The requester learns nothing more of the person.
pub async fn ask(app: &App, actor: &Actor, input: &ContactRequestInput) -> Result<ContactRequest, AppError> {
    actor.require(Permission::CaseWrite)?;
    let mut errors = cnrm_domain::FieldErrors::new();
    let organisation_id = errors.check(
        "organisation_id",
        Uuid::parse_str(input.organisation_id.trim()).map_err(|_| "error-choose-organisation"),
    );
    let reference = Uuid::parse_str(input.contact_ref.trim()).ok().and_then(|r| app.identity.resolve(r));
    let message = input.message.trim().to_string();
    if message.chars().count() > MESSAGE_MAX {
        errors.add("message", "error-too-long");
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let organisation_id = organisation_id.expect("checked");
    if organisation_id == actor.user.organisation_id {
        return Err(AppError::invalid("organisation_id", "error-choose-organisation"));
    }
    let person = match reference {
        Some((person, held_at)) if held_at == organisation_id => person,
        _ => return Err(AppError::NotFound),
    };
    // The reference must be a record with a (non-protection) case at that organisation.
    let mut held = false;
    for case in app.db.cases_of_person(person).await? {
        held |= case.organisation_id == organisation_id && !case.protection;
    }
    if !held {
        return Err(AppError::NotFound);
    }
    let (id, now) = new_id_and_time();
    let request = ContactRequest {
        id,
        from_organisation_id: actor.user.organisation_id,
        requested_by: Some(actor.user.id),
        to_organisation_id: organisation_id,
        person_id: person,
        message,
        created_at: now,
    };
    let event = actor.event(
        "identity.contact_request",
        "contact_request",
        Some(id.to_string()),
        json!({ "to": organisation_id, "person_id": person }),
    );
    app.db.insert_contact_request(&request, &event).await.map_err(|e| match e {
        StoreError::Conflict(_) => AppError::Stale,
        other => other.into(),
    })?;
    Ok(request)
}

/// A contact request as the receiving organisation sees it: who asks, and the cases of the person
/// the reader may open.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReceivedRequest {
    pub request: ContactRequest,
    /// The person's cases here that the reader may open.
    pub cases: Vec<CaseRef>,
}

/// A case by id and number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseRef {
    pub id: Uuid,
    pub case_number: String,
}

/// Contact requests received by the actor's organisation (for its case workers and managers).
pub async fn received(app: &App, actor: &Actor, limit: i64) -> Result<Vec<ReceivedRequest>, AppError> {
    if !actor.holds(Permission::CaseRead) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for request in app.db.contact_requests_to(actor.user.organisation_id, limit).await? {
        let mut cases = Vec::new();
        for case in app.db.cases_of_person(request.person_id).await? {
            if case.organisation_id == actor.user.organisation_id && cases::may_see(actor, &case) {
                cases.push(CaseRef { id: case.id, case_number: case.case_number });
            }
        }
        // Need to know: only readers who may open one of the person's cases here see the request.
        if !cases.is_empty() {
            out.push(ReceivedRequest { request, cases });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnrm_match::compare::{document_level, Interner, Prepared, DOCUMENT_DIFFERENT, DOCUMENT_EXACT};
    use cnrm_store::DocumentRef;

    fn stored(documents: &[(&str, &str)]) -> IdentityRecord {
        IdentityRecord {
            person_id: Uuid::now_v7(),
            master_person_id: Uuid::nil(),
            family_name: "Konaté".into(),
            given_names: "Moussa".into(),
            other_names: String::new(),
            father_name: String::new(),
            mother_name: String::new(),
            sex: "male".into(),
            birth_date: None,
            birth_precision: None,
            phones: Vec::new(),
            origin_pcode: Some("ML0203".into()),
            settlement_pcode: None,
            documents: documents
                .iter()
                .map(|(t, n)| DocumentRef { doc_type: t.to_string(), number: n.to_string() })
                .collect(),
        }
    }

    fn level(a: &MatchRecord, b: &MatchRecord) -> u8 {
        let mut i = Interner::default();
        let (pa, pb) = (Prepared::new(a, &mut i), Prepared::new(b, &mut i));
        document_level(&pa.documents, &pb.documents, &i)
    }

    /// Every stored document reaches the matcher with its kind: a passport is compared with a
    /// passport, never with a NINA, and a number typed at registration (kind not passed) still
    /// finds its equal.
    #[test]
    fn stored_documents_reach_the_matcher_with_their_kinds() {
        let both = match_record(&stored(&[("nina", "12345678901234A"), ("passport", "AB1234567")]));
        assert_eq!(both.document, "nina:12345678901234A;passport:AB1234567");
        let passport = match_record(&stored(&[("passport", "AB1234567")]));
        let other_passport = match_record(&stored(&[("passport", "CD7654321")]));
        let nina = match_record(&stored(&[("nina", "99945678901234B")]));
        assert_eq!(level(&both, &passport), DOCUMENT_EXACT);
        assert_eq!(level(&passport, &other_passport), DOCUMENT_DIFFERENT);
        assert_eq!(level(&passport, &nina), 0);
        assert_eq!(level(&both, &nina), DOCUMENT_DIFFERENT);
        assert_eq!(match_record(&stored(&[])).document, "");
        let typed = MatchRecord { document: "AB 123 4567".into(), ..MatchRecord::default() };
        assert_eq!(level(&typed, &both), DOCUMENT_EXACT);
    }

    /// The filiation reaches the matcher from a stored record and from a registration being typed,
    /// so that the online index and the batch compare the parents' names alike.
    #[test]
    fn the_filiation_reaches_the_matcher() {
        let record =
            IdentityRecord { father_name: "Mamadou".into(), mother_name: "Fatoumata Diarra".into(), ..stored(&[]) };
        let m = match_record(&record);
        assert_eq!((m.father_name.as_str(), m.mother_name.as_str()), ("Mamadou", "Fatoumata Diarra"));
        assert_eq!(match_record(&stored(&[])).father_name, "", "unknown stays empty");
        let input = cnrm_domain::person::PersonInput {
            family_name: "Konaté".into(),
            given_names: "Moussa".into(),
            father_name: "Mamadou".into(),
            mother_name: "Fatoumata Diarra".into(),
            sex: "male".into(),
            date_of_birth: "1995".into(),
            ..Default::default()
        };
        let draft = input.parse(time::macros::date!(2026 - 03 - 15), |_| true).unwrap();
        let m = draft_record(&draft, None);
        assert_eq!((m.father_name.as_str(), m.mother_name.as_str()), ("Mamadou", "Fatoumata Diarra"));
    }
}
