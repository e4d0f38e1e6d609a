//! Demonstration data: Mali's public reintegration actors and one account per role.
//!
//! The organisations are the real public actors of the field; the people are invented. The same
//! seed always gives the same data, passwords included, so a demo can be rehearsed.

use cnrm_domain::organisation::OrganisationInput;
use cnrm_domain::organisation::OrganisationType as T;
use cnrm_domain::user::{UserDraft, Username};
use cnrm_domain::{Locale, Role};
use indicatif::ProgressBar;

use crate::{Actor, App, AppError};

/// Name, acronym, type, P-codes of the regions where it works.
const ORGANISATIONS: &[(&str, &str, T, &[&str])] = &[
    ("Ministère des Maliens établis à l'extérieur et de l'Intégration africaine", "MMEIA", T::Government, &[]),
    ("Direction générale des Maliens de l'extérieur", "DGME", T::Government, &["ML01", "ML09"]),
    ("Organisation internationale pour les migrations", "OIM", T::UnAgency, &["ML01", "ML02", "ML05", "ML07", "ML09"]),
    ("Agence nationale pour l'emploi", "ANPE", T::Government, &["ML01", "ML02", "ML03", "ML04", "ML05", "ML09"]),
    ("Agence pour la promotion de l'emploi des jeunes", "APEJ", T::Government, &["ML01", "ML02", "ML04", "ML09"]),
    (
        "Fonds d'appui à la formation professionnelle et à l'apprentissage",
        "FAFPA",
        T::TrainingInstitution,
        &["ML01", "ML03", "ML09"],
    ),
    ("Association malienne des expulsés", "AME", T::ReturneeAssociation, &["ML09"]),
    ("Association Retour, Travail et Dignité", "ARTD", T::ReturneeAssociation, &["ML01"]),
    ("Croix-Rouge malienne", "CRM", T::NationalNgo, &["ML01", "ML05", "ML06", "ML07", "ML09"]),
    ("Caritas Mali", "", T::NationalNgo, &["ML02", "ML03", "ML05"]),
    ("Agence belge de développement", "Enabel", T::Donor, &["ML01", "ML02"]),
    ("Délégation de l'Union européenne au Mali", "UE", T::Donor, &[]),
];

/// Username, display name, role, organisation acronym (empty: the operator), team.
const ACCOUNTS: &[(&str, &str, Role, &str, Option<&str>)] = &[
    ("admin", "Aminata Diallo", Role::PlatformAdmin, "", None),
    ("secretariat", "Moussa Keïta", Role::Secretariat, "", None),
    ("oim.admin", "Fatoumata Coulibaly", Role::OrgAdmin, "OIM", None),
    ("oim.gestion", "Ibrahim Traoré", Role::CaseManager, "OIM", Some("Kayes")),
    ("oim.agent", "Mariam Sissoko", Role::CaseWorker, "OIM", Some("Kayes")),
    ("oim.suivi", "Boubacar Cissé", Role::MeOfficer, "OIM", None),
    ("anpe.focal", "Oumar Sangaré", Role::PartnerFocalPoint, "ANPE", None),
    ("ue.observateur", "Claire Martin", Role::DonorObserver, "UE", None),
];

/// The demo accounts created, to print.
pub struct DemoAccount {
    pub username: &'static str,
    pub role: Role,
    pub organisation: String,
    pub password: String,
}

pub fn demo_password(seed: u64) -> String {
    format!("Demo-CNRM-{seed:04}")
}

/// Fills the database with demonstration data; what already exists is left as it is.
pub async fn load(app: &App, seed: u64, progress: &ProgressBar) -> Result<Vec<DemoAccount>, AppError> {
    let console = Actor::console();
    let operator = crate::bootstrap::operator_organisation(app).await?;
    progress.set_length((ORGANISATIONS.len() + ACCOUNTS.len()) as u64);
    let existing = app.db.organisation_names().await?;
    let mut by_acronym = vec![(String::new(), operator.id)];
    for (name, acronym, kind, regions) in ORGANISATIONS {
        progress.set_message(format!("organisation {name}"));
        let id = match existing.iter().find(|o| o.name == *name) {
            Some(o) => o.id,
            None => {
                let input = OrganisationInput {
                    name: name.to_string(),
                    acronym: acronym.to_string(),
                    kind: kind.code().into(),
                    regions: regions.iter().map(|r| r.to_string()).collect(),
                    active: true,
                    ..Default::default()
                };
                crate::organisations::create(app, &console, &input).await?.id
            }
        };
        by_acronym.push((acronym.to_string(), id));
        progress.inc(1);
    }
    let password = demo_password(seed);
    let mut accounts = Vec::new();
    for (username, display_name, role, acronym, team) in ACCOUNTS {
        progress.set_message(format!("account {username}"));
        let organisation_id =
            by_acronym.iter().find(|(a, _)| a == acronym).map(|(_, id)| *id).expect("demo organisation");
        if app.db.user_by_username(username).await?.is_none() {
            let draft = UserDraft {
                username: Username::parse(username).expect("valid demo username"),
                display_name: display_name.to_string(),
                email: format!("{username}@demo.cnrm.ml"),
                organisation_id,
                role: *role,
                team: team.map(str::to_string),
                locale: Locale::Fr,
            };
            crate::users::create_with_password(app, &console, draft, &password, false).await?;
        }
        accounts.push(DemoAccount {
            username,
            role: *role,
            organisation: if acronym.is_empty() { operator.acronym.clone() } else { acronym.to_string() },
            password: password.clone(),
        });
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(accounts)
}
