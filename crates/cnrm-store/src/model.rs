//! The records the platform stores, as the services see them.

use cnrm_domain::{organisation::OrganisationType, Locale, Role};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferenceDataset {
    pub name: String,
    pub version: String,
    /// SHA-256 of the file loaded, so the same content is never loaded twice.
    pub sha256: String,
    #[serde(with = "time::serde::rfc3339")]
    pub loaded_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AdminUnit {
    pub pcode: String,
    pub level: i64,
    pub parent_pcode: Option<String>,
    pub iso_3166_2: Option<String>,
    pub name: String,
    /// Version of the reference dataset the unit was last listed in.
    pub dataset_version: String,
    /// False once a later version no longer lists it.
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Organisation {
    pub id: Uuid,
    pub name: String,
    pub acronym: String,
    #[serde(rename = "type")]
    pub kind: OrganisationType,
    /// P-codes of the admin units where it works.
    pub regions: Vec<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Organisation {
    /// The organisation a validated draft describes.
    pub fn from_draft(
        id: Uuid,
        draft: cnrm_domain::organisation::OrganisationDraft,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
    ) -> Organisation {
        Organisation {
            id,
            name: draft.name,
            acronym: draft.acronym,
            kind: draft.kind,
            regions: draft.regions,
            contact_name: draft.contact_name,
            contact_email: draft.contact_email,
            contact_phone: draft.contact_phone,
            active: draft.active,
            created_at,
            updated_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrganisationName {
    pub id: Uuid,
    pub name: String,
    pub acronym: String,
}

impl OrganisationName {
    pub fn label(&self) -> String {
        if self.acronym.is_empty() {
            self.name.clone()
        } else {
            format!("{} ({})", self.acronym, self.name)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub team: Option<String>,
    pub locale: Locale,
    pub password_hash: String,
    /// Set when an administrator chose the password: the user must pick their own.
    pub must_change_password: bool,
    pub disabled: bool,
    pub conduct_version_accepted: Option<i64>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub last_login_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginAttempt {
    pub id: Uuid,
    pub username: String,
    pub ip: String,
    pub succeeded: bool,
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the cookie's secret: the secret itself is never stored.
    pub token_hash: String,
    pub user_id: Uuid,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub ip: String,
    pub user_agent: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    /// The first characters of the token, to recognise it in a list.
    pub prefix: String,
    #[serde(skip)]
    pub token_hash: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeOfConduct {
    pub version: i64,
    pub text_fr: String,
    pub text_en: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub created_by: Option<Uuid>,
}

impl CodeOfConduct {
    pub fn text(&self, locale: cnrm_domain::Locale) -> &str {
        match locale {
            cnrm_domain::Locale::Fr => &self.text_fr,
            cnrm_domain::Locale::En => &self.text_en,
        }
    }
}

/// Which audit entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only entries of actors in this organisation.
    pub organisation_id: Option<Uuid>,
    /// Actions starting with this text (e.g. `login`).
    pub action_prefix: Option<String>,
    /// Entries whose actor's username contains this text.
    pub actor: Option<String>,
    /// Entries about this entity id.
    pub entity_id: Option<String>,
}
