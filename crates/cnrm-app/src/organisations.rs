//! Organisations: the directory of actors and its changes.

use cnrm_domain::audit::field_changes;
use cnrm_domain::organisation::{OrganisationDraft, OrganisationInput};
use cnrm_domain::paging::{Page, PageRequest};
use cnrm_domain::{Permission, Scope};
use cnrm_store::{new_id_and_time, Organisation, StoreError};
use serde_json::json;
use std::collections::HashSet;
use uuid::Uuid;

use crate::{Actor, App, AppError};

pub const SORTABLE: &[&str] = &["name", "acronym", "type", "created"];

pub async fn list(app: &App, actor: &Actor, page: &PageRequest) -> Result<Page<Organisation>, AppError> {
    let only = actor.principal().organisation_filter(Permission::OrganisationRead).map_err(|_| AppError::Forbidden)?;
    Ok(app.db.organisations(only, page).await?)
}

pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<Organisation, AppError> {
    actor.require(Permission::OrganisationRead)?;
    let org = app.db.organisation(id).await?.ok_or(AppError::NotFound)?;
    actor.require_for(Permission::OrganisationRead, org.id).map_err(|_| AppError::NotFound)?;
    Ok(org)
}

/// Validates input against the current admin units.
async fn parse(app: &App, input: &OrganisationInput) -> Result<OrganisationDraft, AppError> {
    let units = known_units(app).await?;
    input.parse(|code| units.contains(code)).map_err(AppError::Invalid)
}

async fn known_units(app: &App) -> Result<HashSet<String>, AppError> {
    Ok(app.db.admin_units().await?.into_iter().filter(|u| u.current).map(|u| u.pcode).collect())
}

fn name_taken(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(_) => AppError::invalid("name", "error-name-taken"),
        other => other.into(),
    }
}

/// The fields an audit entry compares.
fn audited_fields(org: &Organisation) -> serde_json::Value {
    json!({
        "name": org.name,
        "acronym": org.acronym,
        "type": org.kind.code(),
        "regions": org.regions,
        "contact_name": org.contact_name,
        "contact_email": org.contact_email,
        "contact_phone": org.contact_phone,
        "active": org.active,
    })
}

/// Creates an organisation: only for those whose grant covers every organisation.
pub async fn create(app: &App, actor: &Actor, input: &OrganisationInput) -> Result<Organisation, AppError> {
    if actor.principal().role.scope_of(Permission::OrganisationManage) != Some(Scope::All) {
        return Err(AppError::Forbidden);
    }
    let draft = parse(app, input).await?;
    let (id, now) = new_id_and_time();
    let org = Organisation::from_draft(id, draft, now, now);
    let event = actor.event(
        "organisation.create",
        "organisation",
        Some(id.to_string()),
        field_changes(&json!({}), &audited_fields(&org)),
    );
    app.db.save_organisation(&org, &event).await.map_err(name_taken)?;
    Ok(org)
}

/// Changes an organisation. An organisation's own administrator may edit it but not (de)activate it.
pub async fn update(app: &App, actor: &Actor, id: Uuid, input: &OrganisationInput) -> Result<Organisation, AppError> {
    let before = get(app, actor, id).await?;
    actor.require_for(Permission::OrganisationManage, before.id)?;
    let draft = parse(app, input).await?;
    let may_toggle = actor.principal().role.scope_of(Permission::OrganisationManage) == Some(Scope::All);
    let (_, now) = new_id_and_time();
    let mut after = Organisation::from_draft(before.id, draft, before.created_at, now);
    if !may_toggle {
        after.active = before.active;
    }
    let changes = field_changes(&audited_fields(&before), &audited_fields(&after));
    if changes.as_object().is_some_and(|c| c.is_empty()) {
        return Ok(before);
    }
    let event = actor.event("organisation.update", "organisation", Some(id.to_string()), changes);
    app.db.save_organisation(&after, &event).await.map_err(name_taken)?;
    Ok(after)
}
