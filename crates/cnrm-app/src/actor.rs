//! The person behind a request, and the audit entries written in their name.

use cnrm_domain::audit::AuditEvent;
use cnrm_domain::roles::Principal;
use cnrm_domain::Permission;
use cnrm_store::User;

use crate::error::AppError;

/// An authenticated user acting from an address, through the web pages or the API.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    pub ip: Option<String>,
    pub via: Via,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Web,
    Api,
    Cli,
}

impl Actor {
    /// The operator at the server's console (`cnrm user …`): full administrator rights, and audit
    /// entries that say the change came from the command line rather than from an account.
    pub fn console() -> Actor {
        let epoch = time::OffsetDateTime::UNIX_EPOCH;
        Actor {
            user: User {
                id: uuid::Uuid::nil(),
                organisation_id: uuid::Uuid::nil(),
                username: "console".into(),
                display_name: "console".into(),
                email: String::new(),
                role: cnrm_domain::Role::PlatformAdmin,
                team: None,
                locale: cnrm_domain::Locale::Fr,
                password_hash: String::new(),
                must_change_password: false,
                disabled: false,
                conduct_version_accepted: None,
                created_at: epoch,
                updated_at: epoch,
                last_login_at: None,
            },
            ip: None,
            via: Via::Cli,
        }
    }

    pub fn principal(&self) -> Principal {
        Principal {
            user_id: self.user.id,
            organisation_id: self.user.organisation_id,
            role: self.user.role,
            team: self.user.team.clone(),
        }
    }

    pub fn holds(&self, permission: Permission) -> bool {
        self.principal().holds(permission)
    }

    /// An audit entry for something this actor did.
    pub fn event(
        &self,
        action: &str,
        entity_type: &str,
        entity_id: Option<String>,
        details: serde_json::Value,
    ) -> AuditEvent {
        let mut details = details;
        if let Some(map) = details.as_object_mut() {
            match self.via {
                Via::Api => _ = map.insert("via".into(), "api".into()),
                Via::Cli => _ = map.insert("via".into(), "cli".into()),
                Via::Web => {}
            }
        }
        let console = self.via == Via::Cli;
        AuditEvent {
            actor_user_id: (!console).then_some(self.user.id),
            actor_username: self.user.username.clone(),
            actor_organisation_id: (!console).then_some(self.user.organisation_id),
            action: action.to_string(),
            entity_type: entity_type.to_string(),
            entity_id,
            details: details.to_string(),
            ip: self.ip.clone(),
        }
    }

    /// Fails with `Forbidden` unless the permission reaches records of `organisation_id`.
    pub fn require_for(&self, permission: Permission, organisation_id: uuid::Uuid) -> Result<(), AppError> {
        if self.principal().may(permission, organisation_id, None, None) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Fails with `Forbidden` unless the permission is held at some scope.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.holds(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// A system event with no user behind it (start-up, command line without an account).
pub fn system_event(
    action: &str,
    entity_type: &str,
    entity_id: Option<String>,
    details: serde_json::Value,
) -> AuditEvent {
    AuditEvent {
        actor_user_id: None,
        actor_username: "system".into(),
        actor_organisation_id: None,
        action: action.to_string(),
        entity_type: entity_type.to_string(),
        entity_id,
        details: details.to_string(),
        ip: None,
    }
}
