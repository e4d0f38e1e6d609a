//! User accounts: listing, creation, changes, disabling and password resets.

use cnrm_domain::audit::field_changes;
use cnrm_domain::organisation::parse_optional_email;
use cnrm_domain::paging::{Page, PageRequest};
use cnrm_domain::user::UserInput;
use cnrm_domain::validation::clean_text;
use cnrm_domain::{FieldErrors, Locale, Permission, Role};
use cnrm_store::{new_id_and_time, StoreError, User};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::auth::{hash_password, random_password};
use crate::{Actor, App, AppError};

pub const SORTABLE: &[&str] = &["username", "name", "role", "created"];

pub async fn list(app: &App, actor: &Actor, page: &PageRequest) -> Result<Page<User>, AppError> {
    let only = actor.principal().organisation_filter(Permission::UserRead).map_err(|_| AppError::Forbidden)?;
    Ok(app.db.users(only, page).await?)
}

/// One account, if the actor may see it; an account of another organisation is "not found".
/// The view is audited: an account holds personal data.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<User, AppError> {
    actor.require(Permission::UserRead)?;
    let user = app.db.user(id).await?.ok_or(AppError::NotFound)?;
    actor.require_for(Permission::UserRead, user.organisation_id).map_err(|_| AppError::NotFound)?;
    app.db.append_audit(&actor.event("user.view", "user", Some(id.to_string()), json!({}))).await?;
    Ok(user)
}

fn audited_fields(user: &User) -> serde_json::Value {
    json!({
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "organisation_id": user.organisation_id,
        "role": user.role.code(),
        "team": user.team,
        "disabled": user.disabled,
    })
}

fn check_role_assignable(actor: &Actor, role: Role) -> Result<(), AppError> {
    if actor.via == crate::actor::Via::Cli || Role::assignable_by(actor.user.role).contains(&role) {
        Ok(())
    } else {
        Err(AppError::invalid("role", "error-role-not-assignable"))
    }
}

/// A created account and its one-time password, to hand to its owner.
pub struct NewAccount {
    pub user: User,
    pub password: String,
}

/// Creates an account with a random password that its owner must change at first login.
pub async fn create(app: &App, actor: &Actor, input: &UserInput) -> Result<NewAccount, AppError> {
    actor.require(Permission::UserManage)?;
    let draft = input.parse().map_err(AppError::Invalid)?;
    actor
        .require_for(Permission::UserManage, draft.organisation_id)
        .map_err(|_| AppError::invalid("organisation_id", "error-organisation-not-allowed"))?;
    check_role_assignable(actor, draft.role)?;
    if app.db.organisation(draft.organisation_id).await?.is_none() {
        return Err(AppError::invalid("organisation_id", "error-choose-organisation"));
    }
    let password = random_password();
    create_with_password(app, actor, draft, &password, true).await.map(|user| NewAccount { user, password })
}

/// Creates an account with a chosen password (first administrator, demo accounts).
pub async fn create_with_password(
    app: &App,
    actor: &Actor,
    draft: cnrm_domain::user::UserDraft,
    password: &str,
    must_change_password: bool,
) -> Result<User, AppError> {
    if app.db.user_by_username(draft.username.as_str()).await?.is_some() {
        return Err(AppError::invalid("username", "error-username-taken"));
    }
    let (id, now) = new_id_and_time();
    let user = User {
        id,
        organisation_id: draft.organisation_id,
        username: draft.username.as_str().to_string(),
        display_name: draft.display_name,
        email: draft.email,
        role: draft.role,
        team: draft.team,
        locale: draft.locale,
        password_hash: hash_password(password).await?,
        must_change_password,
        disabled: false,
        conduct_version_accepted: None,
        created_at: now,
        updated_at: now,
        last_login_at: None,
    };
    let event =
        actor.event("user.create", "user", Some(id.to_string()), field_changes(&json!({}), &audited_fields(&user)));
    app.db.save_user(&user, false, &event).await.map_err(|e| match e {
        StoreError::Conflict(_) => AppError::invalid("username", "error-username-taken"),
        other => other.into(),
    })?;
    Ok(user)
}

/// The editable fields of an account, as submitted.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct UserUpdate {
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub disabled: bool,
}

/// The target account, if the actor may manage it.
async fn manageable(app: &App, actor: &Actor, id: Uuid) -> Result<User, AppError> {
    actor.require(Permission::UserManage)?;
    let user = app.db.user(id).await?.ok_or(AppError::NotFound)?;
    actor.require_for(Permission::UserManage, user.organisation_id).map_err(|_| AppError::NotFound)?;
    Ok(user)
}

pub async fn update(app: &App, actor: &Actor, id: Uuid, input: &UserUpdate) -> Result<User, AppError> {
    let before = manageable(app, actor, id).await?;
    let mut errors = FieldErrors::new();
    let display_name = errors.check("display_name", clean_text(&input.display_name, 2, 120));
    let email = errors.check("email", parse_optional_email(&input.email));
    let role = errors.check("role", Role::parse(input.role.trim()).ok_or("error-choose-role"));
    let team = errors.check("team", clean_text(&input.team, 0, 60));
    let (display_name, email, role, team) = errors
        .finish(|| (display_name.unwrap(), email.unwrap(), role.unwrap(), team.unwrap()))
        .map_err(AppError::Invalid)?;
    if role != before.role {
        check_role_assignable(actor, role)?;
        // An organisation administrator cannot take over an account of higher standing either.
        check_role_assignable(actor, before.role)?;
    }
    if before.id == actor.user.id && (input.disabled || role != before.role) {
        return Err(AppError::invalid("role", "error-cannot-demote-self"));
    }
    let (_, now) = new_id_and_time();
    let after = User {
        display_name,
        email,
        role,
        team: Some(team).filter(|t| !t.is_empty()),
        disabled: input.disabled,
        updated_at: now,
        ..before.clone()
    };
    let changes = field_changes(&audited_fields(&before), &audited_fields(&after));
    if changes.as_object().is_some_and(|c| c.is_empty()) {
        return Ok(before);
    }
    let action = match (before.disabled, after.disabled) {
        (false, true) => "user.disable",
        (true, false) => "user.enable",
        _ => "user.update",
    };
    let end_sessions = after.disabled || after.role != before.role;
    app.db.save_user(&after, end_sessions, &actor.event(action, "user", Some(id.to_string()), changes)).await?;
    Ok(after)
}

/// Sets the locale a user chose; remembered across sessions.
pub async fn set_locale(app: &App, actor: &Actor, locale: Locale) -> Result<(), AppError> {
    if actor.user.locale == locale {
        return Ok(());
    }
    let mut user = actor.user.clone();
    user.locale = locale;
    let changes = json!({ "locale": { "before": actor.user.locale.code(), "after": locale.code() } });
    app.db.save_user(&user, false, &actor.event("user.locale", "user", Some(user.id.to_string()), changes)).await?;
    Ok(())
}

/// Disables an account (command line and administrators); its sessions end at once.
pub async fn disable(app: &App, actor: &Actor, id: Uuid) -> Result<User, AppError> {
    let user = manageable(app, actor, id).await?;
    let input = UserUpdate {
        display_name: user.display_name.clone(),
        email: user.email.clone(),
        role: user.role.code().into(),
        team: user.team.clone().unwrap_or_default(),
        disabled: true,
    };
    update(app, actor, id, &input).await
}

/// Gives an account a new random password that must be changed at next login; sessions end.
pub async fn reset_password(app: &App, actor: &Actor, id: Uuid) -> Result<String, AppError> {
    let mut user = manageable(app, actor, id).await?;
    check_role_assignable(actor, user.role)?;
    let password = random_password();
    user.password_hash = hash_password(&password).await?;
    user.must_change_password = true;
    user.updated_at = new_id_and_time().1;
    let event = actor.event("user.password_reset", "user", Some(id.to_string()), json!({}));
    app.db.save_user(&user, true, &event).await?;
    Ok(password)
}

/// Finds an account by username for the command line.
pub async fn by_username(app: &App, username: &str) -> Result<User, AppError> {
    app.db.user_by_username(&username.trim().to_lowercase()).await?.ok_or(AppError::NotFound)
}
