//! Authentication: password hashing, login with throttling, sessions, and API tokens.
//!
//! Secrets (passwords, session cookies, API tokens) are never stored or logged: passwords are kept
//! as Argon2id hashes, session and API tokens as SHA-256 hashes of 256-bit random values.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use cnrm_domain::audit::AuditEvent;
use cnrm_domain::throttle::ThrottleVerdict;
use cnrm_domain::user::check_password;
use cnrm_domain::Permission;
use cnrm_store::{new_id_and_time, ApiToken, LoginAttempt, Session, User};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::actor::{Actor, Via};
use crate::{App, AppError};

/// How long sessions last.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A session ends this long after login, used or not.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self { idle: Duration::hours(2), absolute: Duration::hours(12) }
    }
}

/// A random secret, as 64 hexadecimal characters.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The SHA-256 of a secret, as stored in place of the secret.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A readable random password for accounts created by an administrator or at first start.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let chars: String = bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
    format!("{}-{}-{}-{}", &chars[0..5], &chars[5..10], &chars[10..15], &chars[15..20])
}

/// Hashes a password with Argon2id (off the async executor: it takes tens of milliseconds).
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Checks a password against a stored hash. An unknown account is checked against a fixed hash
/// so that a wrong username takes as long as a wrong password.
pub async fn verify_password(password: &str, stored_hash: Option<&str>) -> bool {
    const DUMMY: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$hb6Hc3bYdR2Jb1ps8D0ZzhR+O3b2/rfYSGBBfOiMoTk";
    let password = password.to_string();
    let known = stored_hash.is_some();
    let hash = stored_hash.unwrap_or(DUMMY).to_string();
    tokio::task::spawn_blocking(move || {
        let parsed = match PasswordHash::new(&hash) {
            Ok(p) => p,
            Err(_) => return false,
        };
        Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && known
    })
    .await
    .unwrap_or(false)
}

fn login_event(user: Option<&User>, username: &str, ip: &str, action: &str, reason: Option<&str>) -> AuditEvent {
    AuditEvent {
        actor_user_id: user.map(|u| u.id),
        actor_username: username.chars().take(64).collect(),
        actor_organisation_id: user.map(|u| u.organisation_id),
        action: action.into(),
        entity_type: "session".into(),
        entity_id: None,
        details: match reason {
            Some(reason) => json!({ "reason": reason }).to_string(),
            None => "{}".into(),
        },
        ip: Some(ip.to_string()),
    }
}

/// What a successful login hands to the browser.
pub struct LoginSuccess {
    /// The cookie value; only its hash is stored.
    pub token: String,
    pub session: Session,
    pub user: User,
}

/// Logs a user in, or says why not. Every attempt is recorded and audited.
pub async fn login(
    app: &App,
    username: &str,
    password: &str,
    ip: &str,
    user_agent: &str,
) -> Result<LoginSuccess, AppError> {
    let username = username.trim().to_lowercase();
    let now = OffsetDateTime::now_utc();
    let (account_failures, ip_failures) =
        app.db.recent_login_failures(&username, ip, now - app.throttle.window).await?;
    let minutes = app.throttle.window.whole_minutes();
    match app.throttle.judge(account_failures, ip_failures) {
        ThrottleVerdict::Allowed => {}
        verdict => {
            let (reason, error) = match verdict {
                ThrottleVerdict::AccountLocked => ("account_locked", AppError::AccountLocked { minutes }),
                _ => ("address_blocked", AppError::AddressBlocked { minutes }),
            };
            app.db.append_audit(&login_event(None, &username, ip, "login.refused", Some(reason))).await?;
            return Err(error);
        }
    }
    let user = app.db.user_by_username(&username).await?;
    let password_ok = verify_password(password, user.as_ref().map(|u| u.password_hash.as_str())).await;
    let (attempt_id, at) = new_id_and_time();
    let attempt =
        |succeeded| LoginAttempt { id: attempt_id, username: username.clone(), ip: ip.to_string(), succeeded, at };
    let user = match user {
        Some(user) if password_ok => user,
        user => {
            let reason = if user.is_some() { "wrong_password" } else { "unknown_user" };
            let event = login_event(user.as_ref(), &username, ip, "login.failure", Some(reason));
            app.db.record_login_attempt(&attempt(false), &event).await?;
            if account_failures + 1 >= app.throttle.max_failures_per_account {
                return Err(AppError::AccountLocked { minutes });
            }
            return Err(AppError::BadCredentials);
        }
    };
    if user.disabled {
        let event = login_event(Some(&user), &username, ip, "login.failure", Some("disabled"));
        app.db.record_login_attempt(&attempt(false), &event).await?;
        return Err(AppError::AccountDisabled);
    }
    let token = random_secret();
    let session = Session {
        token_hash: secret_hash(&token),
        user_id: user.id,
        csrf_token: random_secret(),
        created_at: at,
        last_seen_at: at,
        expires_at: at + app.session.idle,
        ip: ip.to_string(),
        user_agent: user_agent.chars().take(200).collect(),
    };
    let event = login_event(Some(&user), &username, ip, "login.success", None);
    app.db.open_session(&attempt(true), &session, &event).await?;
    Ok(LoginSuccess { token, session, user })
}

/// The user and session behind a session cookie, if the session is still valid.
pub async fn session_user(app: &App, token: &str) -> Result<Option<(User, Session)>, AppError> {
    let token_hash = secret_hash(token);
    let Some(session) = app.db.session(&token_hash).await? else {
        return Ok(None);
    };
    let now = OffsetDateTime::now_utc();
    if session.expires_at <= now || session.created_at + app.session.absolute <= now {
        return Ok(None);
    }
    let Some(user) = app.db.user(session.user_id).await? else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    if now - session.last_seen_at > Duration::minutes(1) {
        app.db.touch_session(&token_hash, now, now + app.session.idle).await?;
    }
    Ok(Some((user, session)))
}

pub async fn logout(app: &App, actor: &Actor, session: &Session) -> Result<(), AppError> {
    let event = actor.event("logout", "session", None, json!({}));
    app.db.close_session(&session.token_hash, &event).await?;
    Ok(())
}

/// Changes the actor's own password; every session of the account ends, so the user logs in again.
pub async fn change_password(
    app: &App,
    actor: &Actor,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<(), AppError> {
    if !verify_password(current, Some(&actor.user.password_hash)).await {
        return Err(AppError::invalid("current_password", "error-current-password-wrong"));
    }
    if let Err(message) = check_password(new, &actor.user.username) {
        return Err(AppError::invalid("new_password", message));
    }
    if new != confirm {
        return Err(AppError::invalid("confirm_password", "error-passwords-differ"));
    }
    if verify_password(new, Some(&actor.user.password_hash)).await {
        return Err(AppError::invalid("new_password", "error-password-unchanged"));
    }
    let mut user = actor.user.clone();
    user.password_hash = hash_password(new).await?;
    user.must_change_password = false;
    user.updated_at = OffsetDateTime::now_utc();
    let event = actor.event("user.password_change", "user", Some(user.id.to_string()), json!({}));
    app.db.save_user(&user, true, &event).await?;
    Ok(())
}

/// Longest life of an API token.
pub const MAX_TOKEN_DAYS: i64 = 365;

/// Creates an API token for the actor; the returned secret is shown once and never again.
pub async fn create_api_token(app: &App, actor: &Actor, name: &str, days: i64) -> Result<(ApiToken, String), AppError> {
    actor.require(Permission::ApiTokenManage)?;
    let mut errors = cnrm_domain::FieldErrors::new();
    let name = errors.check("name", cnrm_domain::validation::clean_text(name, 1, 80));
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        errors.add("days", "error-token-days");
    }
    let name = errors.finish(|| name.unwrap()).map_err(AppError::Invalid)?;
    let secret = format!("cnrm_{}", random_secret());
    let (id, now) = new_id_and_time();
    let token = ApiToken {
        id,
        user_id: actor.user.id,
        name,
        prefix: secret[..12].to_string(),
        token_hash: secret_hash(&secret),
        created_at: now,
        expires_at: now + Duration::days(days),
        revoked_at: None,
        last_used_at: None,
    };
    let event =
        actor.event("api_token.create", "api_token", Some(id.to_string()), json!({ "name": token.name, "days": days }));
    app.db.insert_api_token(&token, &event).await?;
    Ok((token, secret))
}

pub async fn api_tokens(app: &App, actor: &Actor) -> Result<Vec<ApiToken>, AppError> {
    actor.require(Permission::ApiTokenManage)?;
    Ok(app.db.api_tokens_of(actor.user.id).await?)
}

/// Revokes one of the actor's own tokens; someone else's token is reported as not found.
pub async fn revoke_api_token(app: &App, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    actor.require(Permission::ApiTokenManage)?;
    let mine = app.db.api_tokens_of(actor.user.id).await?;
    if !mine.iter().any(|t| t.id == id && t.revoked_at.is_none()) {
        return Err(AppError::NotFound);
    }
    let event = actor.event("api_token.revoke", "api_token", Some(id.to_string()), json!({}));
    app.db.revoke_api_token(id, OffsetDateTime::now_utc(), &event).await?;
    Ok(())
}

/// The actor behind an API bearer token; expired, revoked or unknown tokens are refused alike.
pub async fn api_actor(app: &App, secret: &str, ip: Option<String>) -> Result<Actor, AppError> {
    let token = app.db.api_token_by_hash(&secret_hash(secret)).await?.ok_or(AppError::Unauthenticated)?;
    let now = OffsetDateTime::now_utc();
    if token.revoked_at.is_some() || token.expires_at <= now {
        return Err(AppError::Unauthenticated);
    }
    let user = app.db.user(token.user_id).await?.ok_or(AppError::Unauthenticated)?;
    if user.disabled {
        return Err(AppError::Unauthenticated);
    }
    if token.last_used_at.is_none_or(|t| now - t > Duration::minutes(5)) {
        app.db.touch_api_token(token.id, now).await?;
    }
    Ok(Actor { user, ip, via: Via::Api })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_satisfy_the_policy() {
        for _ in 0..20 {
            let p = random_password();
            assert_eq!(p.len(), 23);
            assert!(check_password(&p, "admin").is_ok(), "{p}");
        }
    }

    #[tokio::test]
    async fn hashes_verify_only_the_right_password() {
        let hash = hash_password("le fleuve Niger à Ségou").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("le fleuve Niger à Ségou", Some(&hash)).await);
        assert!(!verify_password("le fleuve Niger a Segou", Some(&hash)).await);
        assert!(!verify_password("anything", None).await);
    }
}
