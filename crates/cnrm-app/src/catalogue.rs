//! The service catalogue: the services each organisation offers returnees, validated by the
//! secretariat before others see them, searched by need (the plan's assistance types) and place,
//! and offered by the referral form as destinations.
//!
//! Who may do what: everyone holding `CoordinationRead` sees published services.
//! `CoordinationManage` writes and submits the entries of the organisations it reaches (one's own;
//! all of them for the secretariat) and sees their drafts; `CoordinationValidate` (the secretariat)
//! sees every entry and publishes or returns submitted ones. A draft is invisible to the others
//! (not found); a published entry of another organisation can be read but not changed (forbidden).

use cnrm_domain::lifecycle::plan::AssistanceType;
use cnrm_domain::lifecycle::Reason;
use cnrm_domain::paging::{Page, PageRequest};
use cnrm_domain::person::age_at;
use cnrm_domain::service::{
    self as lifecycle, matching_units, ReturneeFacts, ReviewEvent, RevisionStatus, ServiceContent, ServiceInput,
};
use cnrm_domain::{FieldErrors, Permission, Scope};
use cnrm_store::{new_id_and_time, AdminUnit, CatalogueFilter, CatalogueService, CatalogueVisibility, ServiceRevision};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::cases;
use crate::{Actor, App, AppError};

/// Which revisions the actor may see in lists.
fn visibility(actor: &Actor) -> Result<CatalogueVisibility, AppError> {
    actor.require(Permission::CoordinationRead)?;
    let role = actor.user.role;
    if actor.holds(Permission::CoordinationValidate)
        || role.scope_of(Permission::CoordinationManage) == Some(Scope::All)
    {
        Ok(CatalogueVisibility::All)
    } else if actor.holds(Permission::CoordinationManage) {
        Ok(CatalogueVisibility::PublishedAndOwn(actor.user.organisation_id))
    } else {
        Ok(CatalogueVisibility::Published)
    }
}

/// Whether the actor may change (and so see the drafts of) the entries of `organisation_id`.
pub fn may_edit(actor: &Actor, organisation_id: Uuid) -> bool {
    actor.principal().may(Permission::CoordinationManage, organisation_id, None, None)
}

fn sees_pending(actor: &Actor, organisation_id: Uuid) -> bool {
    may_edit(actor, organisation_id) || actor.holds(Permission::CoordinationValidate)
}

/// A service as one reader sees it, with what they may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ServiceView {
    /// The service; `pending` only for those who may see it.
    pub service: CatalogueService,
    pub may_edit: bool,
    /// A draft or returned revision waits to be submitted.
    pub may_submit: bool,
    /// A submitted revision waits for the reader's validation.
    pub may_validate: bool,
}

impl ServiceView {
    /// The revision the reader is shown first: the one under way when they see it, else the published one.
    pub fn current(&self) -> &ServiceRevision {
        self.service.pending.as_ref().or(self.service.published.as_ref()).expect("a service has a revision")
    }
}

fn view(actor: &Actor, mut service: CatalogueService) -> Result<ServiceView, AppError> {
    if !sees_pending(actor, service.organisation_id) {
        service.pending = None;
    }
    if service.published.is_none() && service.pending.is_none() {
        return Err(AppError::NotFound);
    }
    let pending = service.pending.as_ref().map(|p| p.status);
    let may_edit = may_edit(actor, service.organisation_id);
    Ok(ServiceView {
        may_submit: may_edit && matches!(pending, Some(RevisionStatus::Draft | RevisionStatus::Returned)),
        may_validate: actor.holds(Permission::CoordinationValidate) && pending == Some(RevisionStatus::Submitted),
        may_edit,
        service,
    })
}

/// A service the actor may see (`NotFound` for a draft of another organisation).
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<ServiceView, AppError> {
    visibility(actor)?;
    let service = app.db.catalogue_service(id).await?.ok_or(AppError::NotFound)?;
    view(actor, service)
}

async fn changeable(app: &App, actor: &Actor, id: Uuid) -> Result<ServiceView, AppError> {
    let view = get(app, actor, id).await?;
    if !view.may_edit {
        return Err(AppError::Forbidden);
    }
    Ok(view)
}

/// The filters of the catalogue (all optional; codes as in forms).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema, utoipa::IntoParams)]
#[serde(default)]
pub struct CatalogueQuery {
    /// Assistance type code (the need).
    pub category: String,
    /// P-code of a region or cercle: services covering it, its region or (for a region) its cercles.
    pub unit: String,
    /// Organisation id.
    pub organisation: String,
    /// `draft`, `submitted`, `published` or `returned`.
    pub status: String,
}

async fn current_units(app: &App) -> Result<Vec<String>, AppError> {
    Ok(app.db.admin_units().await?.into_iter().filter(|u| u.current).map(|u| u.pcode).collect())
}

/// The filter a query asks for; unknown values are refused field by field. `units` are the admin
/// units when the caller already read them (a page showing them), else they are read here if the
/// query names a place.
async fn filter_of(app: &App, q: &CatalogueQuery, units: Option<&[AdminUnit]>) -> Result<CatalogueFilter, AppError> {
    let mut errors = FieldErrors::new();
    let category = errors.check(
        "category",
        match q.category.trim() {
            "" => Ok(None),
            code => AssistanceType::parse(code).map(Some).ok_or("error-choose-from-list"),
        },
    );
    let units = match q.unit.trim() {
        "" => None,
        unit => {
            let read;
            let known = match units {
                Some(units) => units,
                None => {
                    read = app.db.admin_units().await?;
                    &read[..]
                }
            };
            let all: Vec<&str> = known.iter().filter(|u| u.current).map(|u| u.pcode.as_str()).collect();
            if all.contains(&unit) {
                Some(matching_units(unit, all))
            } else {
                errors.add("unit", "error-catalogue-unknown-unit");
                None
            }
        }
    };
    let organisation_id = errors.check(
        "organisation",
        match q.organisation.trim() {
            "" => Ok(None),
            raw => Uuid::parse_str(raw).map(Some).map_err(|_| "error-choose-organisation"),
        },
    );
    let status = errors.check(
        "status",
        match q.status.trim() {
            "" => Ok(None),
            code => RevisionStatus::parse(code)
                .filter(|s| *s != RevisionStatus::Superseded)
                .map(Some)
                .ok_or("error-choose-from-list"),
        },
    );
    errors
        .finish(|| CatalogueFilter {
            category: category.unwrap(),
            units,
            organisation_id: organisation_id.unwrap(),
            status: status.unwrap(),
        })
        .map_err(AppError::Invalid)
}

/// The revisions the actor may see matching the query, by name: published ones for everyone, the
/// drafts of one's own organisation, everything for the secretariat.
pub async fn list(
    app: &App,
    actor: &Actor,
    query: &CatalogueQuery,
    page: &PageRequest,
) -> Result<Page<ServiceRevision>, AppError> {
    let visibility = visibility(actor)?;
    let filter = filter_of(app, query, None).await?;
    Ok(app.db.catalogue_search(visibility, &filter, page).await?)
}

/// [`list`], for a caller that already read the admin units (they are not read again).
pub async fn list_among(
    app: &App,
    actor: &Actor,
    query: &CatalogueQuery,
    page: &PageRequest,
    units: &[AdminUnit],
) -> Result<Page<ServiceRevision>, AppError> {
    let visibility = visibility(actor)?;
    let filter = filter_of(app, query, Some(units)).await?;
    Ok(app.db.catalogue_search(visibility, &filter, page).await?)
}

/// Submitted revisions waiting for the secretariat.
pub async fn pending_queue(app: &App, actor: &Actor, page: &PageRequest) -> Result<Page<ServiceRevision>, AppError> {
    actor.require(Permission::CoordinationValidate)?;
    let filter = CatalogueFilter { status: Some(RevisionStatus::Submitted), ..Default::default() };
    Ok(app.db.catalogue_search(CatalogueVisibility::All, &filter, page).await?)
}

async fn parse(app: &App, input: &ServiceInput) -> Result<ServiceContent, AppError> {
    let units = current_units(app).await?;
    input.parse(|code| units.iter().any(|u| u == code)).map_err(AppError::Invalid)
}

fn content_details(c: &ServiceContent) -> serde_json::Value {
    json!({
        "name": c.name,
        "category": c.category.code(),
        "units": c.units,
        "capacity_per_month": c.capacity_per_month,
        "cost_xof": c.cost_xof,
    })
}

/// Writes a new service as a draft of `organisation_id` (the actor's own when `None`; another only
/// for those whose grant reaches it: the secretariat).
pub async fn create(
    app: &App,
    actor: &Actor,
    organisation_id: Option<Uuid>,
    input: &ServiceInput,
) -> Result<CatalogueService, AppError> {
    visibility(actor)?;
    let organisation_id = organisation_id.unwrap_or(actor.user.organisation_id);
    actor.require_for(Permission::CoordinationManage, organisation_id)?;
    let content = parse(app, input).await?;
    if !app.db.organisation(organisation_id).await?.is_some_and(|o| o.active) {
        return Err(AppError::invalid("organisation_id", "error-choose-organisation"));
    }
    let (id, now) = new_id_and_time();
    let service = CatalogueService {
        id,
        organisation_id,
        version: 1,
        created_by: Some(actor.user.id),
        created_at: now,
        updated_at: now,
        published: None,
        pending: None,
    };
    let revision = ServiceRevision {
        id: new_id_and_time().0,
        service_id: id,
        organisation_id,
        number: 1,
        status: RevisionStatus::Draft,
        content,
        review_comment: None,
        reviewed_by: None,
        reviewed_at: None,
        created_by: Some(actor.user.id),
        created_at: now,
        updated_at: now,
    };
    let mut details = content_details(&revision.content);
    details["organisation_id"] = json!(organisation_id);
    let audit = actor.event("catalogue.create", "catalogue_service", Some(id.to_string()), details);
    app.db.insert_catalogue_service(&service, &revision, &audit).await?;
    Ok(CatalogueService { pending: Some(revision), ..service })
}

/// Changes a service of an organisation the actor writes for: the draft or returned revision is
/// changed (a draft again); a published service gets a new draft revision, the published one staying
/// visible until the change is validated. A revision under review cannot change.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: Uuid,
    version: i64,
    input: &ServiceInput,
) -> Result<ServiceView, AppError> {
    let current = changeable(app, actor, id).await?;
    let content = parse(app, input).await?;
    let service = &current.service;
    let base = service.pending.as_ref().or(service.published.as_ref()).ok_or(AppError::NotFound)?;
    let status = lifecycle::transition(base.status, &ReviewEvent::Edit).map_err(AppError::Refused)?;
    let (new_id, now) = new_id_and_time();
    let revision = if lifecycle::edit_makes_new_revision(base.status) {
        ServiceRevision {
            id: new_id,
            number: base.number + 1,
            status,
            content,
            review_comment: None,
            reviewed_by: None,
            reviewed_at: None,
            created_by: Some(actor.user.id),
            created_at: now,
            updated_at: now,
            ..base.clone()
        }
    } else {
        ServiceRevision { status, content, updated_at: now, ..base.clone() }
    };
    let mut details = content_details(&revision.content);
    details["revision"] = json!(revision.number);
    let audit = actor.event("catalogue.update", "catalogue_service", Some(id.to_string()), details);
    app.db.save_catalogue_revision(id, version, &revision, None, &audit).await?;
    get(app, actor, id).await
}

/// Asks the secretariat to validate the draft or returned revision.
pub async fn submit(app: &App, actor: &Actor, id: Uuid, version: i64) -> Result<ServiceView, AppError> {
    let current = changeable(app, actor, id).await?;
    let pending = current.service.pending.as_ref().ok_or(AppError::Refused("error-catalogue-nothing-pending"))?;
    let status = lifecycle::transition(pending.status, &ReviewEvent::Submit).map_err(AppError::Refused)?;
    let (_, now) = new_id_and_time();
    let revision = ServiceRevision { status, updated_at: now, ..pending.clone() };
    let audit = actor.event(
        "catalogue.submit",
        "catalogue_service",
        Some(id.to_string()),
        json!({ "revision": revision.number, "name": revision.content.name }),
    );
    app.db.save_catalogue_revision(id, version, &revision, None, &audit).await?;
    get(app, actor, id).await
}

/// The secretariat's decision on a submitted revision.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ValidationInput {
    /// `approve` (publish) or `return` (send back with a comment).
    pub decision: String,
    /// Required to return: what to change.
    pub comment: String,
}

/// Publishes a submitted revision (it replaces the published one) or returns it with a comment.
pub async fn validate(
    app: &App,
    actor: &Actor,
    id: Uuid,
    version: i64,
    input: &ValidationInput,
) -> Result<ServiceView, AppError> {
    actor.require(Permission::CoordinationValidate)?;
    let current = get(app, actor, id).await?;
    let mut errors = FieldErrors::new();
    let event = match input.decision.trim() {
        "approve" => Some(ReviewEvent::Approve),
        "return" => errors
            .check("comment", Reason::parse(&input.comment).map_err(|_| "error-catalogue-return-comment"))
            .map(ReviewEvent::Return),
        "" => {
            errors.add("decision", "error-required");
            None
        }
        _ => {
            errors.add("decision", "error-choose-from-list");
            None
        }
    };
    let event = errors.finish(|| event.unwrap()).map_err(AppError::Invalid)?;
    let pending = current.service.pending.as_ref().ok_or(AppError::Refused("error-catalogue-nothing-pending"))?;
    let status = lifecycle::transition(pending.status, &event).map_err(AppError::Refused)?;
    let (_, now) = new_id_and_time();
    let comment = match &event {
        ReviewEvent::Return(reason) => Some(reason.as_str().to_string()),
        _ => None,
    };
    let revision = ServiceRevision {
        status,
        review_comment: comment.clone(),
        reviewed_by: Some(actor.user.id),
        reviewed_at: Some(now),
        updated_at: now,
        ..pending.clone()
    };
    let (action, supersede) = match status {
        RevisionStatus::Published => ("catalogue.approve", current.service.published.as_ref().map(|p| p.id)),
        _ => ("catalogue.return", None),
    };
    let audit = actor.event(
        action,
        "catalogue_service",
        Some(id.to_string()),
        json!({ "revision": revision.number, "name": revision.content.name, "comment": comment }),
    );
    app.db.save_catalogue_revision(id, version, &revision, supersede, &audit).await?;
    get(app, actor, id).await
}

/// The partners a referral of a case for a service may go to, from the catalogue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Destinations {
    /// Organisations (other than the case's) with a published service of the category covering the
    /// returnee's settlement and for which the returnee is eligible, each with its services' names.
    pub organisations: Vec<(Uuid, Vec<String>)>,
    /// Whether the returnee's place of settlement is known (else only the category was matched).
    pub settlement_known: bool,
}

/// What the catalogue offers for a case the actor may see, for one need.
pub async fn destinations(
    app: &App,
    actor: &Actor,
    case_id: Uuid,
    category: AssistanceType,
) -> Result<Destinations, AppError> {
    let file = cases::visible(app, actor, case_id).await?;
    let settlement = file.person.draft.intended_settlement.clone();
    let units = match &settlement {
        Some(unit) => {
            let all = current_units(app).await?;
            Some(matching_units(unit, all.iter().map(String::as_str)))
        }
        None => None,
    };
    let facts = ReturneeFacts {
        sex: Some(file.person.draft.sex),
        age: age_at(&file.person.draft.birth, OffsetDateTime::now_utc().date()),
        vulnerabilities: file.flags.iter().map(|f| f.flag).collect(),
        return_type: Some(file.case.ret.return_type),
    };
    let filter = CatalogueFilter { category: Some(category), units, ..Default::default() };
    let request = PageRequest { page: 1, per_page: 500, sort: "name", descending: false, search: None };
    let found = app.db.catalogue_search(CatalogueVisibility::Published, &filter, &request).await?;
    let mut organisations: Vec<(Uuid, Vec<String>)> = Vec::new();
    for revision in found.items.into_iter().filter(|r| r.organisation_id != file.case.organisation_id) {
        if !lifecycle::is_eligible(&revision.content.eligibility, &facts) {
            continue;
        }
        match organisations.iter_mut().find(|(id, _)| *id == revision.organisation_id) {
            Some((_, names)) => names.push(revision.content.name),
            None => organisations.push((revision.organisation_id, vec![revision.content.name])),
        }
    }
    Ok(Destinations { organisations, settlement_known: settlement.is_some() })
}
