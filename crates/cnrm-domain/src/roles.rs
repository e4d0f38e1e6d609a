//! Who may do what: the permission model, kept as data.
//!
//! Each role is a list of `(permission, scope)` grants in [`GRANTS`]. Code never asks "is this user a
//! case manager?"; it asks "does this user hold `CaseRead`, and does its scope reach this record?".
//! Later features add a permission and its grants here, without touching the checks.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The roles of the platform. A user holds exactly one, inside one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    PlatformAdmin,
    Secretariat,
    OrgAdmin,
    CaseManager,
    CaseWorker,
    MeOfficer,
    PartnerFocalPoint,
    DonorObserver,
    /// Reviews possible duplicate persons across the platform and links or separates their records.
    DataSteward,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::PlatformAdmin,
        Role::Secretariat,
        Role::OrgAdmin,
        Role::CaseManager,
        Role::CaseWorker,
        Role::MeOfficer,
        Role::PartnerFocalPoint,
        Role::DonorObserver,
        Role::DataSteward,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::Secretariat => "secretariat",
            Role::OrgAdmin => "org_admin",
            Role::CaseManager => "case_manager",
            Role::CaseWorker => "case_worker",
            Role::MeOfficer => "me_officer",
            Role::PartnerFocalPoint => "partner_focal_point",
            Role::DonorObserver => "donor_observer",
            Role::DataSteward => "data_steward",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The widest scope at which this role holds `permission`, if it holds it at all.
    pub fn scope_of(self, permission: Permission) -> Option<Scope> {
        GRANTS
            .iter()
            .filter(|(role, _)| *role == self)
            .flat_map(|(_, grants)| grants.iter())
            .filter(|(p, _)| *p == permission)
            .map(|(_, s)| *s)
            .max()
    }

    /// Roles that an actor holding `assigner` may give to others: nobody hands out more than they have.
    pub fn assignable_by(assigner: Role) -> Vec<Role> {
        match assigner {
            Role::PlatformAdmin => Role::ALL.to_vec(),
            Role::OrgAdmin => {
                Role::ALL.into_iter().filter(|r| !matches!(r, Role::PlatformAdmin | Role::Secretariat)).collect()
            }
            _ => Vec::new(),
        }
    }
}

/// How far a grant reaches, from the narrowest to the widest (the order is meaningful).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Records the user owns or is assigned to.
    Own,
    /// Records of the user's team.
    Team,
    /// Records of the user's organisation.
    Organisation,
    /// Every record on the platform.
    All,
}

impl Scope {
    pub fn code(self) -> &'static str {
        match self {
            Scope::Own => "own",
            Scope::Team => "team",
            Scope::Organisation => "organisation",
            Scope::All => "all",
        }
    }
}

/// An action on a kind of resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See the directory of actors (organisations).
    OrganisationRead,
    /// Create or change organisations.
    OrganisationManage,
    /// See user accounts.
    UserRead,
    /// Create, change, disable accounts and reset their passwords.
    UserManage,
    /// Browse the audit trail.
    AuditRead,
    /// Edit the data protection code of conduct and reference data.
    PlatformConfigure,
    /// See returnees' cases in detail.
    CaseRead,
    /// Register returnees and change their cases.
    CaseWrite,
    /// See protection cases (children, trafficking and gender-based violence survivors) within the
    /// reach of `CaseRead`: with scope `own`, only those assigned to oneself.
    ProtectionCaseRead,
    /// Approve reintegration plans written by someone else.
    PlanApprove,
    /// See what was referred to one's organisation, and only that.
    ReferralReceive,
    /// See aggregate figures (no individual records).
    AggregatesRead,
    /// Export anonymised data.
    AnonymisedExport,
    /// Export personal data (names, birth dates, phones, documents…) from the lists one may read;
    /// covers anonymised exports too. Every export is audited.
    PersonalDataExport,
    /// Manage one's own API tokens.
    ApiTokenManage,
    /// Review possible duplicate persons and decide (same person, not the same, unsure), link and split.
    IdentityReview,
    /// See the coordination information: published services, interventions (4W), meetings, agreements,
    /// trainings and good practices.
    CoordinationRead,
    /// Publish and edit one's organisation's services, interventions and their reports, agreements,
    /// trainings and good practices; update the action points one's organisation owns.
    CoordinationManage,
    /// Validate services and good practices, lock reporting periods, run coordination meetings.
    CoordinationValidate,
}

impl Permission {
    pub const ALL: [Permission; 19] = [
        Permission::OrganisationRead,
        Permission::OrganisationManage,
        Permission::UserRead,
        Permission::UserManage,
        Permission::AuditRead,
        Permission::PlatformConfigure,
        Permission::CaseRead,
        Permission::CaseWrite,
        Permission::ProtectionCaseRead,
        Permission::PlanApprove,
        Permission::ReferralReceive,
        Permission::AggregatesRead,
        Permission::AnonymisedExport,
        Permission::PersonalDataExport,
        Permission::ApiTokenManage,
        Permission::IdentityReview,
        Permission::CoordinationRead,
        Permission::CoordinationManage,
        Permission::CoordinationValidate,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Permission::OrganisationRead => "organisation_read",
            Permission::OrganisationManage => "organisation_manage",
            Permission::UserRead => "user_read",
            Permission::UserManage => "user_manage",
            Permission::AuditRead => "audit_read",
            Permission::PlatformConfigure => "platform_configure",
            Permission::CaseRead => "case_read",
            Permission::CaseWrite => "case_write",
            Permission::ProtectionCaseRead => "protection_case_read",
            Permission::PlanApprove => "plan_approve",
            Permission::ReferralReceive => "referral_receive",
            Permission::AggregatesRead => "aggregates_read",
            Permission::AnonymisedExport => "anonymised_export",
            Permission::PersonalDataExport => "personal_data_export",
            Permission::ApiTokenManage => "api_token_manage",
            Permission::IdentityReview => "identity_review",
            Permission::CoordinationRead => "coordination_read",
            Permission::CoordinationManage => "coordination_manage",
            Permission::CoordinationValidate => "coordination_validate",
        }
    }
}

use Permission as P;
use Scope::{All, Organisation, Own, Team};

/// The permission model: role → permissions with their scope.
pub const GRANTS: &[(Role, &[(Permission, Scope)])] = &[
    (
        Role::PlatformAdmin,
        &[
            (P::OrganisationRead, All),
            (P::OrganisationManage, All),
            (P::UserRead, All),
            (P::UserManage, All),
            (P::AuditRead, All),
            (P::PlatformConfigure, All),
            (P::AggregatesRead, All),
            (P::CoordinationRead, All),
            (P::ApiTokenManage, Own),
        ],
    ),
    (
        Role::Secretariat,
        &[
            (P::OrganisationRead, All),
            (P::OrganisationManage, All),
            (P::CoordinationRead, All),
            (P::CoordinationManage, All),
            (P::CoordinationValidate, All),
            (P::AggregatesRead, All),
            (P::AnonymisedExport, All),
            (P::ApiTokenManage, Own),
        ],
    ),
    (
        Role::OrgAdmin,
        &[
            (P::OrganisationRead, All),
            (P::OrganisationManage, Organisation),
            (P::UserRead, Organisation),
            (P::UserManage, Organisation),
            (P::AuditRead, Organisation),
            (P::CoordinationRead, All),
            (P::CoordinationManage, Organisation),
            (P::ApiTokenManage, Own),
        ],
    ),
    (
        Role::CaseManager,
        &[
            (P::OrganisationRead, All),
            (P::CaseRead, Organisation),
            (P::CaseWrite, Organisation),
            (P::ProtectionCaseRead, Organisation),
            (P::PlanApprove, Organisation),
            (P::ReferralReceive, Organisation),
            (P::AggregatesRead, Organisation),
            (P::AnonymisedExport, Organisation),
            (P::PersonalDataExport, Organisation),
            (P::CoordinationRead, All),
            (P::CoordinationManage, Organisation),
            (P::ApiTokenManage, Own),
        ],
    ),
    (
        Role::CaseWorker,
        &[
            (P::OrganisationRead, All),
            (P::CaseRead, Team),
            (P::CaseWrite, Team),
            (P::ProtectionCaseRead, Own),
            (P::AnonymisedExport, Team),
            (P::CoordinationRead, All),
            (P::ApiTokenManage, Own),
        ],
    ),
    (
        Role::MeOfficer,
        &[
            (P::OrganisationRead, All),
            (P::AggregatesRead, All),
            (P::AnonymisedExport, Organisation),
            (P::CoordinationRead, All),
            (P::CoordinationManage, Organisation),
            (P::ApiTokenManage, Own),
        ],
    ),
    (
        Role::PartnerFocalPoint,
        &[
            (P::OrganisationRead, All),
            (P::ReferralReceive, Organisation),
            (P::CoordinationRead, All),
            (P::CoordinationManage, Organisation),
            (P::ApiTokenManage, Own),
        ],
    ),
    (Role::DonorObserver, &[(P::OrganisationRead, All), (P::AggregatesRead, All), (P::CoordinationRead, All)]),
    (Role::DataSteward, &[(P::OrganisationRead, All), (P::IdentityReview, All), (P::ApiTokenManage, Own)]),
];

/// The permission is not held at any scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotGranted;

/// The acting user, reduced to what permission checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: Uuid,
    pub organisation_id: Uuid,
    pub role: Role,
    pub team: Option<String>,
}

impl Principal {
    /// Whether the principal holds the permission at all (for menus and list pages).
    pub fn holds(&self, permission: Permission) -> bool {
        self.role.scope_of(permission).is_some()
    }

    /// Whether the principal may act on a record of `organisation_id`, owned by `owner_id`, in `team`.
    pub fn may(
        &self,
        permission: Permission,
        organisation_id: Uuid,
        owner_id: Option<Uuid>,
        team: Option<&str>,
    ) -> bool {
        match self.role.scope_of(permission) {
            None => false,
            Some(Scope::All) => true,
            Some(Scope::Organisation) => organisation_id == self.organisation_id,
            Some(Scope::Team) => {
                organisation_id == self.organisation_id
                    && (owner_id == Some(self.user_id)
                        || matches!((self.team.as_deref(), team), (Some(a), Some(b)) if a == b))
            }
            Some(Scope::Own) => owner_id == Some(self.user_id),
        }
    }

    /// The organisation a list must be restricted to, or `None` when the grant covers all of them.
    pub fn organisation_filter(&self, permission: Permission) -> Result<Option<Uuid>, NotGranted> {
        match self.role.scope_of(permission) {
            None => Err(NotGranted),
            Some(Scope::All) => Ok(None),
            Some(_) => Ok(Some(self.organisation_id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role) -> Principal {
        Principal {
            user_id: Uuid::from_u128(1),
            organisation_id: Uuid::from_u128(10),
            role,
            team: Some("kayes".into()),
        }
    }

    #[test]
    fn every_role_has_a_row_and_codes_round_trip() {
        for role in Role::ALL {
            assert!(GRANTS.iter().any(|(r, _)| *r == role), "{role:?} has no grants");
            assert_eq!(Role::parse(role.code()), Some(role));
        }
    }

    #[test]
    fn organisation_scope_stops_at_the_organisation() {
        let admin = principal(Role::OrgAdmin);
        assert!(admin.may(Permission::UserManage, Uuid::from_u128(10), None, None));
        assert!(!admin.may(Permission::UserManage, Uuid::from_u128(11), None, None));
        assert_eq!(admin.organisation_filter(Permission::UserRead), Ok(Some(Uuid::from_u128(10))));
        assert_eq!(principal(Role::PlatformAdmin).organisation_filter(Permission::UserRead), Ok(None));
        assert_eq!(principal(Role::DonorObserver).organisation_filter(Permission::UserRead), Err(NotGranted));
    }

    #[test]
    fn team_scope_needs_same_organisation_and_team_or_ownership() {
        let worker = principal(Role::CaseWorker);
        let org = Uuid::from_u128(10);
        assert!(worker.may(Permission::CaseRead, org, Some(Uuid::from_u128(1)), None));
        assert!(worker.may(Permission::CaseRead, org, Some(Uuid::from_u128(2)), Some("kayes")));
        assert!(!worker.may(Permission::CaseRead, org, Some(Uuid::from_u128(2)), Some("gao")));
        assert!(!worker.may(Permission::CaseRead, Uuid::from_u128(11), Some(Uuid::from_u128(1)), Some("kayes")));
    }

    #[test]
    fn secretariat_sees_coordination_but_not_cases() {
        let s = principal(Role::Secretariat);
        assert!(s.holds(Permission::OrganisationManage));
        assert!(s.holds(Permission::AggregatesRead));
        assert!(!s.holds(Permission::CaseRead));
        assert!(!s.holds(Permission::UserManage));
    }

    #[test]
    fn personal_data_exports_are_for_case_managers_only() {
        let holders: Vec<Role> =
            Role::ALL.into_iter().filter(|r| r.scope_of(Permission::PersonalDataExport).is_some()).collect();
        assert_eq!(holders, vec![Role::CaseManager]);
        assert_eq!(Role::CaseManager.scope_of(Permission::PersonalDataExport), Some(Scope::Organisation));
        assert_eq!(Role::CaseWorker.scope_of(Permission::AnonymisedExport), Some(Scope::Team));
        assert!(Permission::ALL.contains(&Permission::PersonalDataExport));
    }

    #[test]
    fn nobody_assigns_a_role_wider_than_their_own_mandate() {
        assert!(Role::assignable_by(Role::OrgAdmin).iter().all(|r| *r != Role::PlatformAdmin));
        assert!(Role::assignable_by(Role::CaseManager).is_empty());
        assert_eq!(Role::assignable_by(Role::PlatformAdmin).len(), Role::ALL.len());
    }
}
