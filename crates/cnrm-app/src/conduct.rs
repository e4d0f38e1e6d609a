//! The data protection code of conduct every user accepts before working on the platform.

use cnrm_domain::validation::clean_text;
use cnrm_domain::{FieldErrors, Permission};
use cnrm_store::{new_id_and_time, CodeOfConduct, User};
use serde_json::json;

use crate::actor::system_event;
use crate::{Actor, App, AppError};

/// The text a new platform starts with; administrators adapt it to their own rules.
pub const DEFAULT_FR: &str = include_str!("../conduct/fr.md");
pub const DEFAULT_EN: &str = include_str!("../conduct/en.md");

pub async fn current(app: &App) -> Result<Option<CodeOfConduct>, AppError> {
    Ok(app.db.current_code_of_conduct().await?)
}

/// Whether the user must (re-)accept the current code before going on.
pub fn must_accept(user: &User, current: Option<&CodeOfConduct>) -> bool {
    current.is_some_and(|c| user.conduct_version_accepted != Some(c.version))
}

/// Installs the default text when there is none yet.
pub async fn ensure_default(app: &App) -> Result<(), AppError> {
    if app.db.current_code_of_conduct().await?.is_some() {
        return Ok(());
    }
    let code = CodeOfConduct {
        version: 1,
        text_fr: DEFAULT_FR.trim().to_string(),
        text_en: DEFAULT_EN.trim().to_string(),
        created_at: new_id_and_time().1,
        created_by: None,
    };
    let event = system_event("code_of_conduct.create", "code_of_conduct", Some("1".into()), json!({}));
    Ok(app.db.insert_code_of_conduct(&code, &event).await?)
}

/// Publishes a new version; every user accepts it again at their next page.
pub async fn publish(app: &App, actor: &Actor, text_fr: &str, text_en: &str) -> Result<CodeOfConduct, AppError> {
    actor.require(Permission::PlatformConfigure)?;
    let mut errors = FieldErrors::new();
    let fr = errors.check("text_fr", clean_paragraphs(text_fr));
    let en = errors.check("text_en", clean_paragraphs(text_en));
    let (text_fr, text_en) = errors.finish(|| (fr.unwrap(), en.unwrap())).map_err(AppError::Invalid)?;
    let previous = app.db.current_code_of_conduct().await?;
    let version = previous.as_ref().map_or(1, |c| c.version + 1);
    let code =
        CodeOfConduct { version, text_fr, text_en, created_at: new_id_and_time().1, created_by: Some(actor.user.id) };
    let changes = json!({
        "text_fr": { "before": previous.as_ref().map(|c| &c.text_fr), "after": code.text_fr },
        "text_en": { "before": previous.as_ref().map(|c| &c.text_en), "after": code.text_en },
    });
    let event = actor.event("code_of_conduct.publish", "code_of_conduct", Some(version.to_string()), changes);
    app.db.insert_code_of_conduct(&code, &event).await?;
    Ok(code)
}

/// Keeps line breaks (the text is shown as paragraphs) while checking the length.
fn clean_paragraphs(raw: &str) -> Result<String, &'static str> {
    clean_text(raw, 20, 20_000)?;
    Ok(raw.replace("\r\n", "\n").trim().to_string())
}

pub async fn accept(app: &App, actor: &Actor, version: i64) -> Result<(), AppError> {
    let current = app.db.current_code_of_conduct().await?.ok_or(AppError::NotFound)?;
    if current.version != version {
        // The text changed while the user was reading: they must read the new one.
        return Err(AppError::invalid("version", "error-conduct-changed"));
    }
    let (_, now) = new_id_and_time();
    let event = actor.event("code_of_conduct.accept", "code_of_conduct", Some(version.to_string()), json!({}));
    Ok(app.db.accept_code_of_conduct(actor.user.id, version, now, &event).await?)
}
