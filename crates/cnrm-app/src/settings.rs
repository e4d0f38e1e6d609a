//! Platform settings changed by its administrators (`PlatformConfigure`): for now, the months after
//! a plan's agreement at which follow-up contacts are due.

use cnrm_domain::contact::{check_offsets, parse_offsets, stored_offsets};
use cnrm_domain::followup::DEFAULT_OFFSETS;
use cnrm_domain::Permission;
use cnrm_store::{new_id_and_time, Setting};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Actor, App, AppError};

/// The key of the follow-up offsets (a JSON list of months).
pub const FOLLOW_UP_OFFSETS: &str = "follow_up_offsets";

/// The offsets in force, for scheduling: the stored ones, or the defaults (3, 6 and 12 months).
pub async fn follow_up_offsets(app: &App) -> Result<Vec<u32>, AppError> {
    let stored = app.db.setting(FOLLOW_UP_OFFSETS).await?;
    Ok(stored_offsets(stored.as_ref().map(|s| s.value.as_str())))
}

/// The follow-up offsets as an administrator sees them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FollowUpOffsets {
    /// Months after the plan's agreement, ascending.
    pub offsets: Vec<u32>,
    /// Whether these are the platform's defaults (never changed).
    pub is_default: bool,
    pub updated_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
}

/// New follow-up offsets, as the API sends them.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct OffsetsInput {
    /// 1 to 6 whole months, each 1 to 60, strictly ascending: `[3, 6, 12]`.
    pub offsets: Vec<i64>,
}

pub async fn offsets(app: &App, actor: &Actor) -> Result<FollowUpOffsets, AppError> {
    actor.require(Permission::PlatformConfigure)?;
    let stored = app.db.setting(FOLLOW_UP_OFFSETS).await?;
    Ok(FollowUpOffsets {
        offsets: stored_offsets(stored.as_ref().map(|s| s.value.as_str())),
        is_default: stored.is_none(),
        updated_by: stored.as_ref().and_then(|s| s.updated_by),
        updated_at: stored.map(|s| s.updated_at),
    })
}

/// Changes the offsets (from the API's list of numbers).
pub async fn update_offsets(app: &App, actor: &Actor, input: &OffsetsInput) -> Result<FollowUpOffsets, AppError> {
    actor.require(Permission::PlatformConfigure)?;
    save(app, actor, check_offsets(&input.offsets)).await
}

/// Changes the offsets (from a form's text: "3, 6, 12").
pub async fn update_offsets_text(app: &App, actor: &Actor, raw: &str) -> Result<FollowUpOffsets, AppError> {
    actor.require(Permission::PlatformConfigure)?;
    save(app, actor, parse_offsets(raw)).await
}

async fn save(app: &App, actor: &Actor, parsed: Result<Vec<u32>, &'static str>) -> Result<FollowUpOffsets, AppError> {
    let offsets = parsed.map_err(|m| AppError::invalid("offsets", m))?;
    let before = follow_up_offsets(app).await?;
    let (_, now) = new_id_and_time();
    let setting = Setting {
        key: FOLLOW_UP_OFFSETS.into(),
        value: serde_json::to_string(&offsets).map_err(|e| AppError::Internal(e.to_string()))?,
        updated_by: Some(actor.user.id),
        updated_at: now,
    };
    let details = json!({ "offsets": { "before": before, "after": offsets }, "defaults": DEFAULT_OFFSETS });
    let event = actor.event("settings.update", "setting", Some(FOLLOW_UP_OFFSETS.into()), details);
    app.db.save_setting(&setting, &event).await?;
    Ok(FollowUpOffsets { offsets, is_default: false, updated_by: Some(actor.user.id), updated_at: Some(now) })
}

// Referrals and data-sharing agreements (task G3).

/// The key of "referrals require an active data-sharing agreement" (JSON `true`/`false`; default off).
pub const REFERRALS_REQUIRE_DATA_SHARING: &str = "referrals_require_data_sharing";

/// The key of "the public page is served" (JSON `true`/`false`; default on: making results visible is
/// one of the CNRM's aims, and the page shows nothing but suppressed aggregates and published entries).
pub const PUBLIC_PAGE_ENABLED: &str = "public_page_enabled";

/// Whether a referral between two organisations needs a data-sharing agreement in force between them.
pub async fn referrals_require_data_sharing(app: &App) -> Result<bool, AppError> {
    flag(app, REFERRALS_REQUIRE_DATA_SHARING, false).await
}

/// Turns the data-sharing requirement on or off (`PlatformConfigure`).
pub async fn set_referrals_require_data_sharing(app: &App, actor: &Actor, required: bool) -> Result<bool, AppError> {
    set_flag(app, actor, REFERRALS_REQUIRE_DATA_SHARING, false, required).await
}

/// Whether the public page is served to visitors who are not logged in.
pub async fn public_page_enabled(app: &App) -> Result<bool, AppError> {
    flag(app, PUBLIC_PAGE_ENABLED, true).await
}

/// Switches the public page on or off (`PlatformConfigure`).
pub async fn set_public_page_enabled(app: &App, actor: &Actor, enabled: bool) -> Result<bool, AppError> {
    set_flag(app, actor, PUBLIC_PAGE_ENABLED, true, enabled).await
}

/// An on/off setting: the stored value, or `default` when it was never set.
async fn flag(app: &App, key: &str, default: bool) -> Result<bool, AppError> {
    let stored = app.db.setting(key).await?;
    Ok(stored.map_or(default, |s| s.value.trim() == "true"))
}

async fn set_flag(app: &App, actor: &Actor, key: &'static str, default: bool, value: bool) -> Result<bool, AppError> {
    actor.require(Permission::PlatformConfigure)?;
    let before = flag(app, key, default).await?;
    let (_, now) = new_id_and_time();
    let setting =
        Setting { key: key.into(), value: value.to_string(), updated_by: Some(actor.user.id), updated_at: now };
    let details = json!({ "value": { "before": before, "after": value } });
    let event = actor.event("settings.update", "setting", Some(key.into()), details);
    app.db.save_setting(&setting, &event).await?;
    Ok(value)
}
