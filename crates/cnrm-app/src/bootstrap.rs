//! What a platform needs before anyone can log in: reference data, a code of conduct, and a first
//! administrator when there is no account at all.

use cnrm_domain::organisation::OrganisationType;
use cnrm_domain::user::{UserDraft, Username};
use cnrm_domain::{Locale, Role};
use cnrm_store::{new_id_and_time, Organisation};
use serde_json::json;

use crate::actor::system_event;
use crate::auth::random_password;
use crate::{reference, Actor, App, AppError};

/// The account created at first start, with the password to print once.
pub struct FirstAdministrator {
    pub username: String,
    pub password: String,
}

/// Loads embedded reference data, the default code of conduct and the operator organisation
/// when missing.
pub async fn prepare(app: &App) -> Result<(), AppError> {
    reference::load_admin_units(app, None, reference::DEFAULT_ADMIN_UNITS, reference::DEFAULT_ADMIN_UNITS_VERSION)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    crate::conduct::ensure_default(app).await?;
    crate::surveys::install_shipped(app).await?;
    operator_organisation(app).await.map(|_| ())
}

/// The organisation that runs the platform; the first administrator belongs to it.
pub async fn operator_organisation(app: &App) -> Result<Organisation, AppError> {
    const NAME: &str = "Cadre National pour la Réintégration des Migrants";
    let page = app
        .db
        .organisations(
            None,
            &cnrm_domain::paging::PageRequest {
                page: 1,
                per_page: 1,
                sort: "name",
                descending: false,
                search: Some(NAME.to_lowercase()),
            },
        )
        .await?;
    if let Some(org) = page.items.into_iter().next() {
        return Ok(org);
    }
    let (id, now) = new_id_and_time();
    let org = Organisation {
        id,
        name: NAME.into(),
        acronym: "CNRM".into(),
        kind: OrganisationType::Government,
        regions: Vec::new(),
        contact_name: "Secrétariat du CNRM".into(),
        contact_email: String::new(),
        contact_phone: String::new(),
        active: true,
        created_at: now,
        updated_at: now,
    };
    let event = system_event("organisation.create", "organisation", Some(id.to_string()), json!({ "name": org.name }));
    app.db.save_organisation(&org, &event).await?;
    Ok(org)
}

/// Creates the first administrator if the platform has no account; returns it to print once.
pub async fn first_administrator(app: &App) -> Result<Option<FirstAdministrator>, AppError> {
    if app.db.count_users().await? > 0 {
        return Ok(None);
    }
    let org = operator_organisation(app).await?;
    let password = random_password();
    let draft = UserDraft {
        username: Username::parse("admin").expect("valid username"),
        display_name: "Administrateur de la plateforme".into(),
        email: String::new(),
        organisation_id: org.id,
        role: Role::PlatformAdmin,
        team: None,
        locale: Locale::Fr,
    };
    crate::users::create_with_password(app, &Actor::console(), draft, &password, true).await?;
    Ok(Some(FirstAdministrator { username: "admin".into(), password }))
}
