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
    ("cnrm.donnees", "Awa Sidibé", Role::DataSteward, "", None),
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
    load_catalogue(app, &by_acronym).await?;
    load_coordination(app, seed, &by_acronym).await?;
    load_interventions(app, seed, &by_acronym).await?;
    Ok(accounts)
}

/// Demonstration services of the demo organisations across Mali's regions: published ones, one
/// published with a change waiting for validation, one submitted and one draft. Loaded once (not
/// when the catalogue already has entries); the same every time.
async fn load_catalogue(app: &App, by_acronym: &[(String, uuid::Uuid)]) -> Result<(), AppError> {
    use cnrm_domain::service::{RevisionStatus as S, ServiceInput};
    use cnrm_store::{CatalogueFilter, CatalogueService, CatalogueVisibility, ServiceRevision};
    let any = cnrm_domain::paging::PageRequest { page: 1, per_page: 1, sort: "name", descending: false, search: None };
    if app.db.catalogue_search(CatalogueVisibility::All, &CatalogueFilter::default(), &any).await?.total > 0 {
        return Ok(());
    }
    let units: Vec<String> = app.db.admin_units().await?.into_iter().map(|u| u.pcode).collect();
    if units.is_empty() {
        return Ok(());
    }
    let v = |codes: &[&str]| codes.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    // Acronym, status, category, dimension, name, units, (age min, age max), sexes, vulnerabilities,
    // capacity per month, cost to the referrer, languages, opening hours.
    #[rustfmt::skip]
    type Row<'a> = (&'a str, S, &'a str, &'a str, &'a str, &'a [&'a str], (&'a str, &'a str), &'a [&'a str], &'a [&'a str], &'a str, &'a str, &'a [&'a str], &'a str);
    #[rustfmt::skip]
    const ROWS: &[Row] = &[
        ("ANPE", S::Published, "job_placement", "economic", "Placement en emploi et intermédiation", &["ML09", "ML01"], ("18", "45"), &[], &[], "60", "0", &["fr", "bm", "snk"], "Lun–ven 8h–16h"),
        ("FAFPA", S::Published, "vocational_training", "economic", "Formation professionnelle qualifiante (électricité, mécanique, couture)", &["ML09", "ML01", "ML03"], ("16", "40"), &[], &[], "40", "150000", &["fr", "bm"], "Sessions d'octobre à juin"),
        ("FAFPA", S::Published, "apprenticeship", "economic", "Apprentissage en atelier chez un maître artisan", &["ML0901", "ML0305"], ("15", "35"), &[], &[], "25", "75000", &["fr", "bm"], "Lun–sam"),
        ("APEJ", S::Published, "business_start_up", "economic", "Financement et accompagnement de microprojets de jeunes", &["ML09", "ML02", "ML04"], ("18", "40"), &[], &[], "30", "0", &["fr", "bm"], "Lun–ven 8h–17h"),
        ("APEJ", S::Published, "microcredit", "economic", "Crédit jeunes entrepreneurs", &["ML09", "ML01"], ("18", "40"), &[], &[], "20", "0", &["fr", "bm", "snk"], "Lun–ven 8h–16h"),
        ("CRM", S::Published, "psychosocial_counselling", "psychosocial", "Soutien psychosocial et premiers secours psychologiques", &["ML01", "ML05", "ML06", "ML07", "ML09"], ("", ""), &[], &[], "80", "0", &["fr", "bm", "ff", "son"], "Tous les jours 8h–18h"),
        ("CRM", S::Published, "psychosocial_counselling", "psychosocial", "Prise en charge des survivantes de violences", &["ML09", "ML01"], ("", ""), &["female"], &["gbv_survivor", "trafficking_victim", "presumed_trafficking_victim"], "15", "0", &["fr", "bm"], "Lun–ven, permanence téléphonique 24h/24"),
        ("CRM", S::Published, "family_tracing", "social", "Rétablissement des liens familiaux", &["ML01", "ML05", "ML06", "ML07", "ML09"], ("", ""), &[], &[], "", "0", &["fr", "bm", "son", "tmh"], "Lun–ven 8h–16h"),
        ("CRM", S::Published, "medical_care", "social", "Orientation et prise en charge médicale d'urgence", &["ML0703", "ML0506"], ("", ""), &[], &[], "40", "0", &["fr", "son", "ff"], "Tous les jours"),
        ("AME", S::Published, "housing", "social", "Hébergement temporaire à l'arrivée", &["ML0901"], ("18", ""), &[], &[], "20", "0", &["fr", "bm"], "Accueil 24h/24"),
        ("AME", S::Published, "legal_aid", "social", "Conseil juridique et accompagnement des expulsés", &["ML09"], ("", ""), &[], &[], "30", "0", &["fr", "bm", "snk"], "Mar et jeu 9h–13h"),
        ("DGME", S::Published, "documents", "social", "Aide à l'obtention des actes d'état civil et de la carte d'identité", &["ML01", "ML09"], ("", ""), &[], &[], "100", "0", &["fr", "bm", "snk"], "Lun–ven 8h–15h"),
        ("ARTD", S::Submitted, "business_start_up", "economic", "Accompagnement à l'installation agricole à Kayes", &["ML0103", "ML0105"], ("18", ""), &[], &[], "10", "0", &["fr", "snk", "bm"], "Sur rendez-vous"),
        ("AME", S::Draft, "education", "social", "Appui à la scolarisation des enfants de retournés", &["ML09"], ("6", "17"), &[], &[], "50", "0", &["fr", "bm"], "Année scolaire"),
    ];
    let console = Actor::console();
    for (index, row) in ROWS.iter().enumerate() {
        let (acronym, status, category, dimension, name, places, ages, sexes, flags, capacity, cost, languages, hours) =
            *row;
        let (age_min, age_max) = ages;
        let Some(organisation_id) = by_acronym.iter().find(|(a, _)| a == acronym).map(|(_, id)| *id) else {
            continue;
        };
        let input = ServiceInput {
            name: name.to_string(),
            category: category.into(),
            dimension: dimension.into(),
            description: format!("{name}. Orientation par les organisations de suivi des retournés."),
            units: v(places),
            sexes: v(sexes),
            age_min: age_min.into(),
            age_max: age_max.into(),
            vulnerabilities: v(flags),
            capacity_per_month: capacity.into(),
            cost_xof: cost.into(),
            contact_name: format!("Point focal {acronym}"),
            contact_phone: format!("+223 20 22 {:02} {:02}", 10 + index, 40 + index),
            contact_email: format!("services@{}.demo.cnrm.ml", acronym.to_lowercase().replace(' ', "-")),
            languages: v(languages),
            opening_hours: hours.into(),
            ..Default::default()
        };
        let content = input.parse(|code| units.iter().any(|u| u == code)).map_err(AppError::Invalid)?;
        let (id, now) = cnrm_store::new_id_and_time();
        let service = CatalogueService {
            id,
            organisation_id,
            version: 1,
            created_by: None,
            created_at: now,
            updated_at: now,
            published: None,
            pending: None,
        };
        let revision = ServiceRevision {
            id: cnrm_store::new_id_and_time().0,
            service_id: id,
            organisation_id,
            number: 1,
            status,
            content,
            review_comment: None,
            reviewed_by: None,
            reviewed_at: (status == S::Published).then_some(now),
            created_by: None,
            created_at: now,
            updated_at: now,
        };
        let audit = console.event(
            "catalogue.demo",
            "catalogue_service",
            Some(id.to_string()),
            serde_json::json!({ "name": name, "status": status.code() }),
        );
        app.db.insert_catalogue_service(&service, &revision, &audit).await?;
    }
    Ok(())
}

/// Synthetic returnees: realistic in their mix (mostly young men from Kayes, Koulikoro, Sikasso and
/// Bamako, back from Libya, Algeria and Niger; some women, families' minors, medical and trafficking
/// cases; arrivals over the last three years, a fifth of the older cases closed), invented in their
/// details. The same seed gives the same people.
mod survey_answers;
pub use survey_answers::load_surveys;

pub mod returnees {
    use cnrm_domain::consent::{ConsentMethod, ConsentPurpose, ConsentRecord};
    use cnrm_domain::lifecycle::case::{CaseStatus, ClosureReason};
    use cnrm_domain::person::{
        BirthDate, DatePrecision, DocumentType, EducationLevel, IdentityDocument, ImmediateAssistance, Language,
        MaritalStatus, PersonDraft, ReturnDraft, ReturnType, Sex,
    };
    use cnrm_domain::vulnerability::{self, VulnerabilityFlag};
    use cnrm_store::{CaseRecord, NewCase, PersonRecord, StoredConsent, StoredFlag, Task};
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use time::{Date, Duration, OffsetDateTime};
    use uuid::Uuid;

    const FAMILY: &[&str] = &[
        "Traoré",
        "Coulibaly",
        "Keïta",
        "Diarra",
        "Konaté",
        "Camara",
        "Sissoko",
        "Diallo",
        "Touré",
        "Cissé",
        "Dembélé",
        "Sangaré",
        "Kanté",
        "Doumbia",
        "Sylla",
        "Fofana",
        "Bagayoko",
        "Sidibé",
        "Koné",
        "Samaké",
        "Maïga",
        "Dicko",
        "Haïdara",
        "Tounkara",
        "Kouyaté",
        "Ba",
        "Sow",
        "Tall",
        "Niaré",
        "Guindo",
        "Soumaré",
        "Diakité",
        "Kamissoko",
        "Tangara",
        "Berthé",
        "Sacko",
        "Magassa",
        "Dramé",
        "Sakiliba",
        "Gory",
    ];
    const MEN: &[&str] = &[
        "Mamadou",
        "Moussa",
        "Ibrahim",
        "Oumar",
        "Seydou",
        "Adama",
        "Bakary",
        "Boubacar",
        "Souleymane",
        "Issa",
        "Modibo",
        "Sékou",
        "Drissa",
        "Lassana",
        "Abdoulaye",
        "Amadou",
        "Yacouba",
        "Hamidou",
        "Siaka",
        "Mahamadou",
        "Cheick",
        "Demba",
        "Samba",
        "Fousseyni",
        "Karim",
    ];
    const WOMEN: &[&str] = &[
        "Fatoumata",
        "Aminata",
        "Mariam",
        "Awa",
        "Kadiatou",
        "Oumou",
        "Hawa",
        "Fanta",
        "Assitan",
        "Rokia",
        "Djeneba",
        "Salimata",
        "Ramata",
        "Bintou",
        "Aïssata",
    ];
    /// Region P-code and weight (share of returnees, per cent).
    const REGIONS: &[(&str, u32)] = &[
        ("ML01", 35),
        ("ML02", 15),
        ("ML03", 12),
        ("ML09", 18),
        ("ML04", 8),
        ("ML05", 5),
        ("ML06", 2),
        ("ML07", 3),
        ("ML08", 1),
        ("ML10", 1),
    ];
    const COUNTRIES: &[(&str, u32)] =
        &[("LY", 40), ("DZ", 25), ("NE", 15), ("MR", 8), ("MA", 5), ("TN", 4), ("SN", 1), ("CI", 1), ("GN", 1)];
    /// Organisation acronym and share of cases.
    pub const HOLDERS: &[(&str, u32)] = &[("OIM", 70), ("CRM", 10), ("ARTD", 10), ("AME", 10)];

    /// A UUIDv7 of the arrival day with random bits from the seeded generator: reproducible, and
    /// ordered like the arrivals.
    fn id_at(rng: &mut ChaCha8Rng, day: Date) -> Uuid {
        let millis = (day.midnight().assume_utc().unix_timestamp() * 1000).max(0) as u64 + rng.gen_range(0..86_400_000);
        uuid::Builder::from_unix_timestamp_millis(millis, &rng.gen::<[u8; 10]>()).into_uuid()
    }

    fn weighted<'a, T>(rng: &mut ChaCha8Rng, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut pick = rng.gen_range(0..total);
        for (item, weight) in items {
            if pick < *weight {
                return item;
            }
            pick -= weight;
        }
        &items[0].0
    }

    /// The parents' names of a demo person as the filiation reads ("fils de Mamadou et de
    /// Fatoumata Diarra"), known for about 3 persons in 4 (both or neither, as a form is filled).
    /// Drawn from a generator of their own, seeded with the person's id: as reproducible as the id,
    /// and the main generator's draws, hence every other demo value for a seed, stay what they were.
    fn filiation(person_id: Uuid) -> (Option<String>, Option<String>) {
        let (high, low) = person_id.as_u64_pair();
        let mut rng = ChaCha8Rng::seed_from_u64(high ^ low.rotate_left(17) ^ 0x0F11_1A71);
        if !rng.gen_bool(0.75) {
            return (None, None);
        }
        let father = MEN.choose(&mut rng).unwrap().to_string();
        let mother = format!("{} {}", WOMEN.choose(&mut rng).unwrap(), FAMILY.choose(&mut rng).unwrap());
        (Some(father), Some(mother))
    }

    /// What the generator needs to know of the platform.
    pub struct Context {
        pub today: Date,
        /// Case-holding organisations: acronym, id.
        pub holders: Vec<(String, Uuid)>,
        /// Cercles (level-2 P-codes) by region P-code.
        pub cercles: Vec<(String, Vec<String>)>,
        /// The demo case worker and their team, who gets part of the Kayes caseload of the first holder.
        pub worker: Option<(Uuid, String)>,
        pub registrar: Option<Uuid>,
    }

    /// Builds `count` cases, numbered per organisation and year from `counters` (updated).
    pub fn generate(
        seed: u64,
        start: usize,
        count: usize,
        ctx: &Context,
        counters: &mut Vec<(Uuid, i32, i64)>,
    ) -> Vec<NewCase> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (start as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let now = OffsetDateTime::now_utc();
        (start..start + count).map(|index| one(&mut rng, index, ctx, counters, now)).collect()
    }

    fn one(
        rng: &mut ChaCha8Rng,
        index: usize,
        ctx: &Context,
        counters: &mut Vec<(Uuid, i32, i64)>,
        now: OffsetDateTime,
    ) -> NewCase {
        let sex = if rng.gen_bool(0.88) { Sex::Male } else { Sex::Female };
        let given = match sex {
            Sex::Female => WOMEN.choose(rng).unwrap(),
            _ => MEN.choose(rng).unwrap(),
        };
        let family = FAMILY.choose(rng).unwrap();
        let arrival = ctx.today - Duration::days(rng.gen_range(0..1095));
        let minor = rng.gen_bool(0.06);
        let age = if minor { rng.gen_range(14..18) } else { rng.gen_range(18..42) };
        let (birth_date, precision) = if rng.gen_bool(0.6) {
            let days = age * 365 + rng.gen_range(0..365);
            (arrival - Duration::days(days), DatePrecision::Exact)
        } else {
            let year = arrival.year() - age as i32;
            (Date::from_calendar_date(year, time::Month::January, 1).unwrap(), DatePrecision::Year)
        };
        let region = *weighted(rng, REGIONS);
        let cercle = ctx
            .cercles
            .iter()
            .find(|(r, _)| r == region)
            .and_then(|(_, cs)| cs.choose(rng).cloned())
            .unwrap_or_else(|| region.to_string());
        let phones = if rng.gen_bool(0.8) {
            vec![format!("+223{}{:07}", rng.gen_range(5..10), rng.gen_range(0..10_000_000))]
        } else {
            Vec::new()
        };
        let documents = if rng.gen_bool(0.4) {
            vec![IdentityDocument {
                doc_type: DocumentType::Passport,
                number: format!("AA{index:08}"),
                issuing_country: "ML".into(),
            }]
        } else {
            Vec::new()
        };
        let person_id = id_at(rng, arrival);
        let (father_name, mother_name) = filiation(person_id);
        let person = PersonRecord {
            id: person_id,
            draft: PersonDraft {
                family_name: family.to_string(),
                given_names: given.to_string(),
                other_names: None,
                father_name,
                mother_name,
                sex,
                birth: BirthDate { date: birth_date, precision },
                nationality: "ML".into(),
                phones,
                languages: vec![Language::Bm, Language::Fr],
                education_level: Some(
                    *[
                        EducationLevel::NoSchooling,
                        EducationLevel::Koranic,
                        EducationLevel::Primary,
                        EducationLevel::Secondary,
                    ]
                    .choose(rng)
                    .unwrap(),
                ),
                occupation: None,
                skills: None,
                marital_status: Some(if age < 25 { MaritalStatus::Single } else { MaritalStatus::Married }),
                dependants: Some(if age < 25 { 0 } else { rng.gen_range(0..5) }),
                place_of_origin: Some(cercle.clone()),
                intended_settlement: Some(if rng.gen_bool(0.85) { cercle.clone() } else { "ML0901".into() }),
                emergency_contact_name: None,
                emergency_contact_phone: None,
            },
            documents,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let returned_from = weighted(rng, COUNTRIES).to_string();
        let return_type = match (returned_from.as_str(), rng.gen_range(0..100)) {
            ("LY", 0..=29) => ReturnType::HumanitarianEvacuation,
            (_, 0..=14) => ReturnType::Forced,
            (_, 15..=22) => ReturnType::Spontaneous,
            _ => ReturnType::Avr,
        };
        let mut flags = Vec::new();
        if minor && rng.gen_bool(0.5) {
            flags.push(VulnerabilityFlag::UnaccompaniedChild);
        }
        if rng.gen_bool(0.05) {
            flags.push(VulnerabilityFlag::MedicalCondition);
        }
        if rng.gen_bool(0.02) {
            flags.push(VulnerabilityFlag::PresumedTraffickingVictim);
        }
        if rng.gen_bool(0.03) {
            flags.push(VulnerabilityFlag::MentalHealthNeed);
        }
        let holder = weighted(rng, HOLDERS).to_string();
        let organisation_id = ctx
            .holders
            .iter()
            .find(|(a, _)| *a == holder)
            .or(ctx.holders.first())
            .map(|(_, id)| *id)
            .unwrap_or_default();
        let year = arrival.year();
        let seq = match counters.iter_mut().find(|(o, y, _)| *o == organisation_id && *y == year) {
            Some(entry) => {
                entry.2 += 1;
                entry.2
            }
            None => {
                counters.push((organisation_id, year, 1));
                1
            }
        };
        let acronym =
            ctx.holders.iter().find(|(_, id)| *id == organisation_id).map(|(a, _)| a.clone()).unwrap_or_default();
        let old = (ctx.today - arrival).whole_days() > 365;
        let closed = old && rng.gen_bool(0.2);
        let first_holder = ctx.holders.first().map(|(_, id)| *id);
        let (assigned_to, team) = match &ctx.worker {
            Some((worker, team)) if Some(organisation_id) == first_holder && region == "ML01" && rng.gen_bool(0.3) => {
                (Some(*worker), Some(team.clone()))
            }
            _ => (None, None),
        };
        let case_id = id_at(rng, arrival);
        let mut assistance = vec![ImmediateAssistance::Reception];
        if rng.gen_bool(0.6) {
            assistance.push(ImmediateAssistance::Cash);
        }
        if rng.gen_bool(0.5) {
            assistance.push(ImmediateAssistance::Transport);
        }
        if flags.contains(&VulnerabilityFlag::MedicalCondition) {
            assistance.push(ImmediateAssistance::Medical);
        }
        let case = CaseRecord {
            id: case_id,
            person_id,
            organisation_id,
            case_number: cnrm_domain::case_number::case_number(&acronym, year, seq),
            status: if closed { CaseStatus::Closed } else { CaseStatus::Open },
            priority: vulnerability::priority_for(&flags, minor),
            protection: vulnerability::is_protection_case(&flags, minor),
            assigned_to,
            team,
            ret: ReturnDraft {
                arrival_date: arrival,
                returned_from,
                return_type,
                point_of_arrival: Some("Aéroport international Modibo Keïta, Bamako".into()),
                programme: Some("MPRR".into()),
                immediate_assistance: assistance,
            },
            closure_reason: closed.then(|| {
                *[ClosureReason::AssistanceCompleted, ClosureReason::LostContact, ClosureReason::LeftAreaOrRemigrated]
                    .choose(rng)
                    .unwrap()
            }),
            closed_on: closed.then(|| arrival + Duration::days(rng.gen_range(120..360))),
            version: 1,
            created_by: ctx.registrar,
            created_at: now,
            updated_at: now,
        };
        let consent = StoredConsent {
            id: id_at(rng, arrival),
            case_id,
            record: ConsentRecord {
                purpose: ConsentPurpose::CaseManagement,
                partner_organisation_id: None,
                method: if minor { ConsentMethod::Guardian } else { ConsentMethod::Written },
                granted_on: arrival,
                withdrawn_on: None,
            },
            obtained_by: ctx.registrar,
            withdrawn_by: None,
            created_at: now,
        };
        let tasks = if flags.is_empty() || closed {
            Vec::new()
        } else {
            vec![Task {
                id: id_at(rng, arrival),
                case_id,
                kind: "screening-follow-up".into(),
                due_on: arrival + Duration::days(7),
                assigned_to,
                done_at: None,
                created_at: now,
            }]
        };
        let flags = flags.into_iter().map(|flag| StoredFlag { flag, noted_by: ctx.registrar, noted_at: now }).collect();
        NewCase {
            person,
            existing_person: false,
            case,
            number_prefix: acronym,
            year,
            consents: vec![consent],
            flags,
            tasks,
            // The demo's surveys and their schedule are loaded afterwards (see `survey_answers`).
            surveys: Vec::new(),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn about_three_demo_persons_in_four_have_a_filiation_always_the_same() {
            let ids: Vec<Uuid> = (0..2000u64).map(|n| Uuid::from_u64_pair(n.wrapping_mul(0x9E37_79B9), n)).collect();
            let known = ids.iter().filter(|id| filiation(**id).0.is_some()).count();
            assert!((1350..=1650).contains(&known), "{known} of 2000");
            for id in &ids[..50] {
                let (father, mother) = filiation(*id);
                assert_eq!((father.clone(), mother.clone()), filiation(*id), "deterministic");
                assert_eq!(father.is_some(), mother.is_some(), "both or neither");
                if let (Some(father), Some(mother)) = (father, mother) {
                    assert!(MEN.contains(&father.as_str()), "{father}");
                    let (given, family) = mother.split_once(' ').unwrap();
                    assert!(WOMEN.contains(&given) && FAMILY.contains(&family), "{mother}");
                }
            }
        }
    }
}

/// Adds `count` synthetic returnees and their cases, in batches, unless the demo already has cases.
/// Returns how many were added.
pub async fn load_returnees(app: &App, seed: u64, count: usize, progress: &ProgressBar) -> Result<usize, AppError> {
    use cnrm_store::{CaseFilter, CaseScope, ProtectionVisibility};
    let everything = CaseScope { organisation_id: None, assigned_or_team: None, protection: ProtectionVisibility::All };
    let one =
        cnrm_domain::paging::PageRequest { page: 1, per_page: 1, sort: "arrival", descending: false, search: None };
    if count == 0 || app.db.cases(&everything, &CaseFilter::default(), &one).await?.total > 0 {
        return Ok(0);
    }
    let names = app.db.organisation_names().await?;
    let holders = returnees::HOLDERS
        .iter()
        .filter_map(|(acronym, _)| names.iter().find(|o| o.acronym == *acronym).map(|o| (acronym.to_string(), o.id)))
        .collect();
    let units = app.db.admin_units().await?;
    let cercles = units
        .iter()
        .filter(|u| u.level == 1)
        .map(|r| {
            let children = units
                .iter()
                .filter(|u| u.parent_pcode.as_deref() == Some(r.pcode.as_str()))
                .map(|u| u.pcode.clone())
                .collect();
            (r.pcode.clone(), children)
        })
        .collect();
    let worker = app.db.user_by_username("oim.agent").await?.map(|u| (u.id, u.team.unwrap_or_default()));
    let registrar = app.db.user_by_username("oim.gestion").await?.map(|u| u.id);
    let ctx = returnees::Context { today: time::OffsetDateTime::now_utc().date(), holders, cercles, worker, registrar };
    progress.set_length(count as u64);
    progress.set_position(0);
    progress.set_message("returnees");
    let mut counters = Vec::new();
    const BATCH: usize = 2_000;
    let mut done = 0;
    while done < count {
        let size = BATCH.min(count - done);
        let batch = returnees::generate(seed, done, size, &ctx, &mut counters);
        let event = Actor::console().event(
            "demo.load_returnees",
            "case",
            None,
            serde_json::json!({ "seed": seed, "from": done, "count": size }),
        );
        app.db.bulk_insert_cases(&batch, &event).await?;
        done += size;
        progress.set_position(done as u64);
        // The planner's statistics as the tables grow tenfold: without them (a PostgreSQL whose
        // autovacuum is off or has not caught up) the loader's own lookups turn into full scans and
        // the load slows tenfold past a few hundred thousand cases.
        if done == 10_000 || done == 100_000 {
            app.db.analyze().await?;
        }
    }
    progress.set_message("plans, referrals, families, counselling");
    load_activity(app, seed).await?;
    load_families(app, seed).await?;
    load_counselling(app, seed).await?;
    progress.set_message("surveys");
    survey_answers::load_surveys(app, seed).await?;
    progress.set_message("planner statistics");
    app.db.analyze().await?;
    progress.finish_and_clear();
    Ok(count)
}

/// Households of the demo: ten pairs of returnees of one organisation linked as spouses, parent and
/// child or siblings (by their sex and ages), and outcomes of the follow-up contacts already due.
/// The same seed links the same persons.
pub async fn load_families(app: &App, seed: u64) -> Result<(), AppError> {
    use cnrm_domain::contact::{ContactMethod, Situation, FOLLOW_UP_TASK};
    use cnrm_domain::family::Relation;
    use cnrm_domain::person::Sex;
    use cnrm_store::{new_id_and_time, CaseFilter, CaseScope, FamilyLink, ProtectionVisibility, TaskOutcome};
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x00FA_0111);
    let everything = CaseScope { organisation_id: None, assigned_or_team: None, protection: ProtectionVisibility::All };
    let page = cnrm_domain::paging::PageRequest {
        page: 1,
        per_page: 200,
        sort: "case_number",
        descending: false,
        search: None,
    };
    let mut candidates = app.db.cases(&everything, &CaseFilter::default(), &page).await?.items;
    candidates.shuffle(&mut rng);
    let (_, now) = new_id_and_time();
    let mut links: Vec<FamilyLink> = Vec::new();
    let mut used = std::collections::HashSet::new();
    for (i, a) in candidates.iter().enumerate() {
        if links.len() == 10 || used.contains(&a.person_id) {
            continue;
        }
        let partner = candidates[i + 1..].iter().find(|b| {
            b.organisation_id == a.organisation_id && b.person_id != a.person_id && !used.contains(&b.person_id)
        });
        let Some(b) = partner else { continue };
        let years = |c: &cnrm_store::CaseSummary| c.birth_date.map_or(0, |d| d.year());
        let (older, younger) = if years(a) <= years(b) { (a, b) } else { (b, a) };
        let relation = if years(younger) - years(older) >= 15 {
            Relation::Child
        } else if older.sex != younger.sex && older.sex != Sex::Unknown && younger.sex != Sex::Unknown {
            Relation::Spouse
        } else {
            Relation::Sibling
        };
        used.insert(a.person_id);
        used.insert(b.person_id);
        links.push(FamilyLink {
            id: uuid::Uuid::now_v7(),
            person_a: older.person_id,
            person_b: younger.person_id,
            relation,
            created_by: None,
            created_at: now,
        });
    }
    if !links.is_empty() {
        let event = Actor::console().event(
            "demo.load_families",
            "case",
            None,
            serde_json::json!({ "seed": seed, "links": links.len() }),
        );
        app.db.insert_family_links(&links, &event).await?;
    }
    // Contacts already due get an outcome (there are follow-ups only where plans were agreed).
    let today = time::OffsetDateTime::now_utc().date();
    for organisation in app.db.organisation_names().await? {
        for queued in app.db.open_tasks(organisation.id, today, 50).await? {
            let task = queued.task;
            if task.kind != FOLLOW_UP_TASK || rng.gen_bool(0.3) {
                continue;
            }
            let reached = rng.gen_bool(0.75);
            let situation = if reached {
                *[Situation::Stable, Situation::Progressing, Situation::NeedsSupport].choose(&mut rng).unwrap()
            } else {
                Situation::NotReached
            };
            let outcome = TaskOutcome {
                task_id: task.id,
                case_id: task.case_id,
                contacted_on: task.due_on.min(today),
                method: *ContactMethod::ALL.choose(&mut rng).unwrap(),
                reached,
                situation,
                notes: String::new(),
                next_task_id: None,
                recorded_by: None,
                recorded_at: now,
            };
            let event = Actor::console().event(
                "follow_up.outcome",
                "case",
                Some(task.case_id.to_string()),
                serde_json::json!({ "task_id": task.id, "situation": situation.code(), "demo": true }),
            );
            app.db.record_task_outcome(&outcome, None, &event).await?;
        }
    }
    Ok(())
}

/// Counselling of the demo: sessions, needs and skills assessments for the first 50 cases (by
/// arrival) of the organisation of the demo case worker, recorded by the demo case worker and case
/// manager. The same seed gives the same records; nothing is added when they already have some.
pub async fn load_counselling(app: &App, seed: u64) -> Result<usize, AppError> {
    use cnrm_domain::assessment::{DimensionNeeds, Need, NeedLevel, Pathway, Proficiency, Sector, SessionKind};
    use cnrm_domain::lifecycle::plan::Dimension;
    use cnrm_store::{
        new_id_and_time, CaseFilter, CaseScope, CounsellingSession, NeedsAssessment, ProtectionVisibility,
        SkillsAssessment,
    };
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};
    use time::Duration;

    const SUMMARIES: &[&str] = &[
        "Premier entretien : la personne raconte son parcours et ses difficultés depuis le retour.",
        "Point sur la situation familiale ; la famille accueille la personne mais attend un soutien financier.",
        "Échange sur le projet d'activité génératrice de revenus et sur le marché local.",
        "La personne dit mal dormir et penser souvent au voyage ; orientation proposée vers un soutien psychosocial.",
        "Séance de groupe avec d'autres personnes de retour de la même commune.",
        "Préparation de l'orientation vers une formation professionnelle.",
    ];
    const NEXT_STEPS: &[&str] = &[
        "Revoir la personne dans deux semaines.",
        "Rassembler les pièces pour la carte NINA.",
        "Contacter l'ANPE pour une formation.",
        "",
    ];
    const SKILLS: &[&str] = &[
        "Maçonnerie",
        "Conduite de moto",
        "Soudure",
        "Couture",
        "Petit commerce",
        "Culture maraîchère",
        "Élevage de volaille",
        "Réparation de téléphones",
        "Cuisine",
    ];

    let Some(worker) = app.db.user_by_username("oim.agent").await? else { return Ok(0) };
    let manager = app.db.user_by_username("oim.gestion").await?.map_or(worker.id, |u| u.id);
    let scope = CaseScope {
        organisation_id: Some(worker.organisation_id),
        assigned_or_team: None,
        protection: ProtectionVisibility::All,
    };
    let page =
        cnrm_domain::paging::PageRequest { page: 1, per_page: 50, sort: "arrival", descending: false, search: None };
    let cases = app.db.cases(&scope, &CaseFilter::default(), &page).await?.items;
    match cases.first() {
        Some(first) if app.db.counselling_sessions(first.id).await?.is_empty() => {}
        _ => return Ok(0),
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x0C0_0115);
    let today = time::OffsetDateTime::now_utc().date();
    let (_, now) = new_id_and_time();
    let id_on = |rng: &mut rand_chacha::ChaCha8Rng, day: time::Date| {
        let millis = (day.midnight().assume_utc().unix_timestamp() * 1000).max(0) as u64 + rng.gen_range(0..86_400_000);
        uuid::Builder::from_unix_timestamp_millis(millis, &rng.gen::<[u8; 10]>()).into_uuid()
    };
    let (mut sessions, mut needs, mut skills) = (Vec::new(), Vec::new(), Vec::new());
    for case in &cases {
        let days = (today - case.arrival_date).whole_days().max(0);
        let day = |rng: &mut rand_chacha::ChaCha8Rng| case.arrival_date + Duration::days(rng.gen_range(0..=days));
        let staff = |rng: &mut rand_chacha::ChaCha8Rng| if rng.gen_bool(0.7) { worker.id } else { manager };
        for _ in 0..rng.gen_range(1..=3) {
            let held_on = day(&mut rng);
            let next = *NEXT_STEPS.choose(&mut rng).unwrap();
            sessions.push(CounsellingSession {
                id: id_on(&mut rng, held_on),
                case_id: case.id,
                held_on,
                counsellor_id: Some(staff(&mut rng)),
                kind: *SessionKind::ALL.choose(&mut rng).unwrap(),
                duration_minutes: rng.gen_bool(0.8).then(|| rng.gen_range(2..=12) * 5),
                summary: SUMMARIES.choose(&mut rng).unwrap().to_string(),
                next_steps: Some(next.to_string()).filter(|n| !n.is_empty()),
                recorded_by: Some(worker.id),
                created_at: now,
            });
        }
        for _ in 0..rng.gen_range(1..=2) {
            let assessed_on = day(&mut rng);
            let dimension = |rng: &mut rand_chacha::ChaCha8Rng, d: Dimension| {
                let level = *NeedLevel::ALL.choose(rng).unwrap();
                let count = if level == NeedLevel::NoNeed { 0 } else { rng.gen_range(1..=3) };
                let needs = Need::of(d).choose_multiple(rng, count).copied().collect();
                DimensionNeeds { level, needs, notes: None }
            };
            needs.push(NeedsAssessment {
                id: id_on(&mut rng, assessed_on),
                case_id: case.id,
                assessed_on,
                assessor_id: Some(staff(&mut rng)),
                economic: dimension(&mut rng, Dimension::Economic),
                social: dimension(&mut rng, Dimension::Social),
                psychosocial: dimension(&mut rng, Dimension::Psychosocial),
                notes: None,
                recorded_by: Some(worker.id),
                created_at: now,
            });
        }
        if rng.gen_bool(0.6) {
            let assessed_on = day(&mut rng);
            let count = rng.gen_range(1..=3);
            skills.push(SkillsAssessment {
                id: id_on(&mut rng, assessed_on),
                case_id: case.id,
                assessed_on,
                assessor_id: Some(staff(&mut rng)),
                skills: SKILLS.choose_multiple(&mut rng, count).map(|s| s.to_string()).collect(),
                experience_years: Some(rng.gen_range(0..=15)),
                experience_sectors: Sector::ALL.choose_multiple(&mut rng, count).copied().collect(),
                interest_sectors: Sector::ALL.choose_multiple(&mut rng, 2).copied().collect(),
                literacy: *Proficiency::ALL.choose(&mut rng).unwrap(),
                numeracy: *Proficiency::ALL.choose(&mut rng).unwrap(),
                pathway: Some(*Pathway::ALL.choose(&mut rng).unwrap()),
                notes: None,
                recorded_by: Some(worker.id),
                created_at: now,
            });
        }
    }
    let details = serde_json::json!({
        "seed": seed, "sessions": sessions.len(), "needs_assessments": needs.len(), "skills_assessments": skills.len()
    });
    let event = Actor::console().event("demo.load_counselling", "case", None, details);
    app.db.bulk_insert_counselling(&sessions, &needs, &skills, &event).await?;
    Ok(sessions.len() + needs.len() + skills.len())
}

/// Reintegration work on the most recent open OIM cases, through the services as the demo accounts
/// would do it: plans of one to three assistances (written by the case worker, to whom the manager
/// assigns the case first, agreed with the returnee, approved by the manager, then started,
/// delivered or cancelled), referrals to ANPE in every state and to other partners (each after the
/// returnee's consent to share with that partner), and one cooperative of five returnees as a
/// collective project. The same seed gives the same choices; nothing is done without the accounts.
pub async fn load_activity(app: &App, seed: u64) -> Result<(), AppError> {
    use crate::actor::Via;
    use crate::cases::CaseQuery;
    use crate::plans::{PlanItemAction, PlanItemInput};
    use crate::projects::{MemberInput, ProjectAction};
    use crate::referrals::{ReferralAction, ReferralInput};
    use cnrm_domain::consent::ConsentInput;
    use cnrm_domain::lifecycle::plan::AssistanceType as A;
    use cnrm_domain::lifecycle::referral::ReferralStatus as R;
    use cnrm_domain::project::ProjectInput;
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use time::{Duration, OffsetDateTime};
    use uuid::Uuid;

    /// How many recent open cases are worked on.
    const CASES: i64 = 120;
    /// The states ANPE's referrals are taken to in turn (`true`: the sender then gives feedback).
    const ANPE_STATES: [(R, bool); 9] = [
        (R::Sent, false),
        (R::Accepted, false),
        (R::Declined, false),
        (R::InProgress, false),
        (R::Completed, true),
        (R::NotCompleted, false),
        (R::Completed, false),
        (R::Revoked, false),
        (R::NotCompleted, true),
    ];
    /// Assistance: type, dimension, lowest and highest budget (thousands of francs CFA), partners
    /// it may be referred to (none: delivered directly).
    const ASSISTANCE: &[(A, &str, i64, i64, &[&str])] = &[
        (A::BusinessStartUp, "economic", 400, 1_500, &[]),
        (A::VocationalTraining, "economic", 150, 450, &["FAFPA", "ANPE"]),
        (A::Apprenticeship, "economic", 100, 300, &["APEJ", "ANPE"]),
        (A::JobPlacement, "economic", 0, 50, &["ANPE"]),
        (A::Cash, "economic", 50, 150, &[]),
        (A::Housing, "social", 100, 300, &[]),
        (A::Documents, "social", 10, 30, &[]),
        (A::MedicalCare, "social", 50, 300, &["CRM"]),
        (A::PsychosocialCounselling, "psychosocial", 0, 60, &["CRM"]),
    ];
    /// Referrals that deliver no item of the plan: partner, service.
    const STANDALONE: &[(&str, A)] = &[
        ("ANPE", A::JobPlacement),
        ("ANPE", A::VocationalTraining),
        ("APEJ", A::BusinessStartUp),
        ("CRM", A::PsychosocialCounselling),
    ];

    /// Who acts on a referral, and where ANPE's turn is.
    struct Sides<'a> {
        worker: &'a Actor,
        partner: &'a Actor,
        anpe: Uuid,
        anpe_turn: usize,
    }

    /// Records the returnee's consent to share with `to`, sends the referral and, for ANPE, takes
    /// it to the next state of `ANPE_STATES` (other partners have no demo account: sent or revoked).
    async fn refer(
        app: &App,
        sides: &mut Sides<'_>,
        rng: &mut ChaCha8Rng,
        case_id: Uuid,
        to: Uuid,
        service: A,
        plan_item_id: Option<Uuid>,
    ) -> Result<(), AppError> {
        let today = OffsetDateTime::now_utc().date();
        let consent = ConsentInput {
            purpose: "referral_sharing".into(),
            partner_organisation_id: to.to_string(),
            method: "written".into(),
            granted_on: today.to_string(),
        };
        crate::cases::add_consent(app, sides.worker, case_id, &consent).await?;
        let input = ReferralInput {
            to_organisation_id: to.to_string(),
            service: service.code().into(),
            note: "Orientation prévue au plan de réintégration".into(),
            due_on: (today + Duration::days(rng.gen_range(7..45))).to_string(),
            plan_item_id,
            ..Default::default()
        };
        let sent = crate::referrals::send(app, sides.worker, case_id, &input).await?;
        let (target, feedback) = if to == sides.anpe {
            sides.anpe_turn += 1;
            ANPE_STATES[(sides.anpe_turn - 1) % ANPE_STATES.len()]
        } else if rng.gen_bool(0.3) {
            (R::Revoked, false)
        } else {
            (R::Sent, false)
        };
        let mut steps: Vec<&str> = match target {
            R::Sent => vec![],
            R::Accepted => vec!["accept"],
            R::Declined => vec!["decline"],
            R::InProgress => vec!["accept", "start"],
            R::Completed => vec!["accept", "start", "complete"],
            R::NotCompleted => vec!["accept", "start", "not_complete"],
            R::Revoked => vec!["revoke"],
        };
        if feedback {
            steps.push("feedback");
        }
        let mut version = sent.version;
        for action in steps {
            let (actor, reason) = match action {
                "decline" => (sides.partner, "Le programme de placement est complet ce trimestre"),
                "not_complete" => (sides.partner, "La personne a quitté la formation après trois semaines"),
                "feedback" => (sides.worker, "Service rendu dans les délais, bon suivi"),
                "revoke" => (sides.worker, ""),
                _ => (sides.partner, ""),
            };
            let input = ReferralAction { action: action.into(), reason: reason.into(), version };
            version = crate::referrals::act(app, actor, sent.id, &input).await?.version;
        }
        Ok(())
    }

    let account = |username: &'static str| async move {
        app.db.user_by_username(username).await.map(|u| u.map(|user| Actor { user, ip: None, via: Via::Web }))
    };
    let (Some(worker), Some(manager), Some(partner)) =
        (account("oim.agent").await?, account("oim.gestion").await?, account("anpe.focal").await?)
    else {
        return Ok(());
    };
    let names = app.db.organisation_names().await?;
    let org = |acronym: &str| names.iter().find(|o| o.acronym == acronym).map(|o| o.id);
    let Some(anpe) = org("ANPE") else { return Ok(()) };
    let mut sides = Sides { worker: &worker, partner: &partner, anpe, anpe_turn: 0 };
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00AC_7171);
    let today = OffsetDateTime::now_utc().date();
    let query = CaseQuery { status: "open".into(), per_page: Some(CASES), ..Default::default() };
    let recent = crate::cases::list(app, &manager, &query).await?.items;
    // Five cases settled in one place, arrived a fortnight ago or more, form the cooperative.
    let cooperative: Vec<Uuid> = {
        let mut by_place: Vec<(&str, Vec<Uuid>)> = Vec::new();
        for c in recent.iter().filter(|c| c.arrival_date + Duration::days(14) <= today) {
            let place = c.settlement_pcode.as_deref().unwrap_or("");
            match by_place.iter_mut().find(|(p, _)| *p == place) {
                Some((_, ids)) => ids.push(c.id),
                None => by_place.push((place, vec![c.id])),
            }
        }
        by_place
            .into_iter()
            .find(|(p, ids)| !p.is_empty() && ids.len() >= 5)
            .map_or(Vec::new(), |(_, ids)| ids[..5].to_vec())
    };
    // (case, plan item funding its share in the cooperative)
    let mut shares: Vec<(Uuid, Uuid)> = Vec::new();
    for summary in &recent {
        let member = cooperative.contains(&summary.id);
        // The newest arrivals have no plan yet, nor does one case in ten.
        if !member && (summary.arrival_date + Duration::days(10) > today || rng.gen_bool(0.1)) {
            continue;
        }
        let Some(file) = app.db.case_file(summary.id).await? else { continue };
        let case_id = file.case.id;
        if !crate::cases::may_change(&worker, &file.case) {
            crate::cases::assign(app, &manager, case_id, file.case.version, Some(worker.user.id)).await?;
        }
        let mut items = Vec::new();
        if member {
            let input = PlanItemInput {
                dimension: "economic".into(),
                assistance_type: A::CollectiveBusiness.code().into(),
                level: "collective".into(),
                channel: "direct".into(),
                description: "Part dans la coopérative maraîchère".into(),
                budget_xof: "500 000".into(),
                ..Default::default()
            };
            let item = crate::plans::add_item(app, &worker, case_id, &input).await?;
            shares.push((case_id, item.id));
            items.push((item.id, None));
        }
        let count = if member { rng.gen_range(0..=1) } else { rng.gen_range(1..=3) };
        for &(kind, dimension, low, high, partners) in ASSISTANCE.choose_multiple(&mut rng, count) {
            let provider = partners.choose(&mut rng).and_then(|a| org(a));
            let input = PlanItemInput {
                dimension: dimension.into(),
                assistance_type: kind.code().into(),
                level: "individual".into(),
                channel: if provider.is_some() { "referral" } else { "direct" }.into(),
                provider_organisation_id: provider.map(|p| p.to_string()).unwrap_or_default(),
                budget_xof: (rng.gen_range(low..=high) / 5 * 5_000).to_string(),
                ..Default::default()
            };
            items.push((crate::plans::add_item(app, &worker, case_id, &input).await?.id, provider));
        }
        // Agreed with the returnee (follow-up contacts scheduled), then approved by the manager.
        let mut plan_version = app.db.plan_of_case(case_id).await?.map_or(1, |p| p.plan.version);
        if member || rng.gen_bool(0.8) {
            let agreed = (summary.arrival_date + Duration::days(rng.gen_range(3..45))).min(today);
            plan_version = crate::plans::agree(app, &worker, case_id, plan_version, &agreed.to_string()).await?.version;
        }
        if !member && rng.gen_bool(0.15) {
            continue; // Waits for the manager's approval.
        }
        let approved = crate::plans::approve(app, &manager, case_id, plan_version).await?;
        for (item_id, provider) in items {
            let Some(item) = approved.items.iter().find(|i| i.id == item_id) else { continue };
            // Shares of the cooperative are under way; the other items end up in every state.
            let fate = if shares.iter().any(|(_, i)| *i == item_id) { 0 } else { rng.gen_range(0..10) };
            let steps: &[&str] = match fate {
                0..=1 => &["start"],
                2..=5 => &["start", "deliver"],
                6 => &["cancel"],
                _ => &[],
            };
            if let (Some(to), false) = (provider, steps == ["cancel"]) {
                refer(app, &mut sides, &mut rng, case_id, to, item.assistance_type, Some(item_id)).await?;
            }
            let mut version = item.version;
            for step in steps {
                let action = PlanItemAction {
                    action: step.to_string(),
                    reason: "La personne a trouvé un emploi entre-temps".into(),
                    spent_xof: if *step == "deliver" {
                        (item.budget_xof / 100 * rng.gen_range(80..=110)).to_string()
                    } else {
                        String::new()
                    },
                    version,
                };
                version = crate::plans::act_on_item(app, &worker, case_id, item_id, &action).await?.version;
            }
        }
        if !member && rng.gen_bool(0.3) {
            let (acronym, service) = *STANDALONE.choose(&mut rng).expect("standalone referrals");
            if let Some(to) = org(acronym) {
                refer(app, &mut sides, &mut rng, case_id, to, service, None).await?;
            }
        }
    }
    if shares.len() >= 2 {
        let place = recent.iter().find(|c| c.id == shares[0].0).and_then(|c| c.settlement_pcode.clone());
        let input = ProjectInput {
            name: "Coopérative maraîchère des rapatriés".into(),
            level: "collective".into(),
            sector: "agriculture".into(),
            location: place.unwrap_or_default(),
            description: "Cinq rapatriés exploitent ensemble deux hectares de maraîchage irrigué.".into(),
            budget_xof: (2_500_000 + 50_000 * rng.gen_range(0..10)).to_string(),
            start_on: today.to_string(),
        };
        let project = crate::projects::create(app, &manager, &input).await?;
        for (case_id, item_id) in &shares {
            let member =
                MemberInput { case_id: case_id.to_string(), plan_item_id: item_id.to_string(), ..Default::default() };
            crate::projects::add_member(app, &manager, project.id, &member).await?;
        }
        let start = ProjectAction { action: "start".into(), version: project.version, ..Default::default() };
        crate::projects::act(app, &manager, project.id, &start).await?;
    }
    Ok(())
}

/// Coordination demo (task G3): a year of meetings (national every quarter, regional in Kayes and
/// Bamako every half-year) with decisions and action points, some done, some overdue; agreements,
/// among them a data-sharing agreement between OIM and ANPE; trainings with participants and
/// scores; good practices, one published. Dates run back from today; everything else comes from
/// the seed. Loaded once (not when meetings exist).
async fn load_coordination(app: &App, seed: u64, by_acronym: &[(String, uuid::Uuid)]) -> Result<(), AppError> {
    use crate::coordination as c;
    use cnrm_domain::coordination::{
        ActionPointInput, ActionUpdateInput, AgreementInput, MeetingInput, ParticipantInput, PracticeInput,
        TrainingInput,
    };
    use rand::{Rng, SeedableRng};
    use time::Duration;
    let first = cnrm_domain::paging::PageRequest { page: 1, per_page: 1, sort: "held", descending: true, search: None };
    if app.db.meetings(&first).await?.total > 0 {
        return Ok(());
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x00C0_0D17);
    let org = |acronym: &str| by_acronym.iter().find(|(a, _)| a == acronym).map(|(_, id)| *id).expect("demo org");
    let as_user = |username: &'static str| async move {
        let user = app.db.user_by_username(username).await?.ok_or(AppError::NotFound)?;
        Ok::<_, AppError>(Actor { user, ip: None, via: crate::actor::Via::Cli })
    };
    let secretariat = as_user("secretariat").await?;
    let oim = as_user("oim.admin").await?;
    let anpe = as_user("anpe.focal").await?;
    let today = time::OffsetDateTime::now_utc().date();
    let (oim_id, anpe_id, crm_id, apej_id) = (org("OIM"), org("ANPE"), org("CRM"), org("APEJ"));
    let owners = [oim_id, anpe_id, crm_id, apej_id, org("FAFPA")];
    let tasks = [
        "Partager la liste des places de formation disponibles",
        "Mettre à jour la cartographie des services",
        "Organiser une session d'accueil conjointe à l'aéroport",
        "Transmettre les chiffres trimestriels des référencements",
        "Proposer un modèle commun de fiche de suivi",
        "Identifier les coopératives prêtes à accueillir des stagiaires",
    ];
    let mut meetings = Vec::new();
    for quarter in 0..4i64 {
        meetings.push(("national", String::new(), today - Duration::days(30 + 91 * quarter), quarter));
    }
    for half in 0..2i64 {
        meetings.push(("regional", "ML01".to_string(), today - Duration::days(60 + 182 * half), half));
        meetings.push(("regional", "ML09".to_string(), today - Duration::days(75 + 182 * half), half));
    }
    for (level, location, held_on, n) in meetings {
        let (title, place) = match location.as_str() {
            "ML01" => (format!("Réunion régionale de coordination — Kayes ({})", n + 1), "Gouvernorat de Kayes"),
            "ML09" => {
                (format!("Réunion régionale de coordination — Bamako ({})", n + 1), "Direction régionale, Bamako")
            }
            _ => (format!("Réunion nationale de coordination — trimestre {}", 4 - n), "MMEIA, Bamako"),
        };
        let input = MeetingInput {
            title,
            level: level.into(),
            location,
            held_on: held_on.to_string(),
            place: place.into(),
            agenda: "Point des arrivées et des référencements\nServices disponibles par région\nDivers".into(),
            organisations: [oim_id, anpe_id, crm_id, apej_id].iter().map(|o| o.to_string()).collect(),
            attendees: "Moussa Keïta, secrétariat du CNRM\nFatoumata Coulibaly, OIM\nOumar Sangaré, ANPE\nAïssata Maïga, Croix-Rouge malienne".into(),
            minutes: "La séance est ouverte par le secrétariat. Les partenaires présentent leurs chiffres et les difficultés rencontrées sur le terrain.".into(),
            decisions: "Tenir la prochaine réunion dans trois mois\nHarmoniser les fiches de référencement".into(),
        };
        let meeting = c::create_meeting(app, &secretariat, &input).await?;
        for _ in 0..2 {
            let owner = owners[rng.gen_range(0..owners.len())];
            let due_on = held_on + Duration::days(rng.gen_range(20..80));
            let point = ActionPointInput {
                description: tasks[rng.gen_range(0..tasks.len())].into(),
                owner_organisation_id: owner.to_string(),
                due_on: due_on.to_string(),
            };
            let point = c::add_action_point(app, &secretariat, meeting.id, &point).await?;
            // Older points are mostly done; recent ones open (and some overdue).
            if due_on < today - Duration::days(60) && rng.gen_bool(0.7) {
                let by = if owner == oim_id {
                    &oim
                } else if owner == anpe_id {
                    &anpe
                } else {
                    &secretariat
                };
                let done = ActionUpdateInput {
                    status: "done".into(),
                    comment: "Fait, transmis aux partenaires".into(),
                    version: point.version,
                };
                c::update_action_point(app, by, point.id, &done).await?;
            }
        }
    }
    let agreements = [
        (&oim, "Accord de partage de données OIM–ANPE", "data_sharing", vec![anpe_id], 300, true),
        (&oim, "Protocole d'accord OIM–Croix-Rouge malienne", "mou", vec![crm_id], 40, true),
        (&anpe, "Convention de financement ANPE–APEJ", "funding", vec![apej_id], 500, true),
        (&anpe, "Accord-cadre de long terme ANPE–FAFPA", "long_term", vec![org("FAFPA")], 900, false),
    ];
    for (by, title, kind, parties, days_left, active) in agreements {
        let input = AgreementInput {
            title: title.into(),
            kind: kind.into(),
            parties: parties.iter().map(|p| p.to_string()).collect(),
            scope: "Référencement et accompagnement des migrants de retour".into(),
            coverage: "Formation professionnelle, insertion, données de référencement".into(),
            start_on: (today - Duration::days(365)).to_string(),
            end_on: (today + Duration::days(days_left)).to_string(),
            document: format!("CNRM/ACC/{}", rng.gen_range(100..999)),
            reminder_days: "60".into(),
        };
        let agreement = c::create_agreement(app, by, &input).await?;
        if active {
            let act =
                c::AgreementAction { action: "activate".into(), version: agreement.version, ..Default::default() };
            c::act_on_agreement(app, by, agreement.id, &act).await?;
        }
    }
    let trainings = [
        (&oim, "Gestion de cas de réintégration", "case_management", "Kayes", 200),
        (&oim, "Premiers secours psychologiques", "psychosocial_first_aid", "Bamako", 120),
        (&anpe, "Accompagnement des microentreprises", "business_coaching", "Bamako", 45),
    ];
    let names = ["Awa Traoré", "Seydou Diarra", "Kadiatou Sidibé", "Bakary Konaté", "Mariam Dembélé", "Ousmane Touré"];
    for (by, title, topic, place, days_ago) in trainings {
        let start = today - Duration::days(days_ago);
        let input = TrainingInput {
            title: title.into(),
            topic: topic.into(),
            trainers: "Équipe formation OIM, Dr Aminata Bâ".into(),
            start_on: start.to_string(),
            end_on: (start + Duration::days(2)).to_string(),
            place: place.into(),
        };
        let training = c::create_training(app, by, &input).await?;
        for (i, name) in names.iter().enumerate() {
            let pre = rng.gen_range(30..65);
            let participant = ParticipantInput {
                name: name.to_string(),
                sex: if i % 2 == 0 { "female".into() } else { "male".into() },
                organisation_id: [oim_id, anpe_id, crm_id][i % 3].to_string(),
                pre_score: pre.to_string(),
                post_score: (pre + rng.gen_range(5..30)).to_string(),
                certified: if rng.gen_bool(0.8) { "true".into() } else { String::new() },
            };
            c::add_participant(app, by, training.id, &participant).await?;
        }
    }
    let practices = [
        (&oim, "Accueil conjoint à l'aéroport de Bamako", "psychosocial", "ML09", "publish"),
        (&anpe, "Parrainage des nouveaux entrepreneurs par des pairs", "economic", "ML01", "submit"),
        (&oim, "Fiche de référencement commune aux partenaires", "social", "", ""),
    ];
    for (by, title, dimension, region, step) in practices {
        let input = PracticeInput {
            title: title.into(),
            summary: "Pratique documentée par les partenaires du CNRM à partir de l'expérience de terrain de l'année écoulée."
                .into(),
            dimension: dimension.into(),
            region: region.into(),
            evidence: "Rapport annuel des partenaires\nRésultats de l'enquête de suivi à six mois".into(),
            tags: "réintégration, partenariat".into(),
            interventions: Vec::new(),
        };
        let practice = c::create_practice(app, by, &input).await?;
        let mut version = practice.version;
        let steps: &[(&Actor, &str)] = match step {
            "publish" => &[(by, "submit"), (&secretariat, "validate"), (&secretariat, "publish")],
            "submit" => &[(by, "submit")],
            _ => &[],
        };
        for (who, action) in steps {
            let act = c::PracticeAction { action: action.to_string(), version, ..Default::default() };
            version = c::act_on_practice(app, who, practice.id, &act).await?.version;
        }
    }
    Ok(())
}

/// About forty interventions (4W) of the demo organisations across Mali's regions, each with the
/// quarterly reports of the last four ended quarters it ran in; the oldest of those quarters is
/// locked, the next one validated. Loaded once (nothing is added when interventions exist).
async fn load_interventions(app: &App, seed: u64, by_acronym: &[(String, uuid::Uuid)]) -> Result<(), AppError> {
    use cnrm_domain::intervention::{
        self as iv, Currency, Disaggregation, InterventionSector as S, InterventionStatus, PeriodStatus, TargetGroup,
    };
    use cnrm_domain::lifecycle::plan::{AssistanceLevel as L, AssistanceType as A, Dimension as D};
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};

    let any = cnrm_store::InterventionFilter::default();
    if app.db.interventions(&any, None).await?.total > 0 {
        return Ok(());
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x4_57);
    let org = |acronym: &str| by_acronym.iter().find(|(a, _)| a == acronym).map(|(_, id)| *id);
    let owners: Vec<(&str, uuid::Uuid)> = ["OIM", "ANPE", "APEJ", "FAFPA", "CRM", "AME", "ARTD", "DGME", "Enabel"]
        .into_iter()
        .filter_map(|a| org(a).map(|id| (a, id)))
        .collect();
    if owners.is_empty() {
        return Ok(());
    }
    let units = app.db.admin_units().await?;
    let regions = ["ML01", "ML02", "ML03", "ML04", "ML05", "ML06", "ML07", "ML09"];
    let cercles = |region: &str| -> Vec<String> {
        units
            .iter()
            .filter(|u| u.current && u.parent_pcode.as_deref() == Some(region))
            .map(|u| u.pcode.clone())
            .collect()
    };
    const KINDS: &[(&str, A, S, D, L, TargetGroup)] = &[
        (
            "Formation professionnelle aux métiers du bâtiment",
            A::VocationalTraining,
            S::Livelihoods,
            D::Economic,
            L::Individual,
            TargetGroup::Returnees,
        ),
        (
            "Kits de démarrage d'activités génératrices de revenus",
            A::BusinessStartUp,
            S::Livelihoods,
            D::Economic,
            L::Individual,
            TargetGroup::Returnees,
        ),
        (
            "Coopératives maraîchères de rapatriés",
            A::CollectiveBusiness,
            S::Livelihoods,
            D::Economic,
            L::Collective,
            TargetGroup::ReturneesAndCommunities,
        ),
        (
            "Apprentissage chez des artisans",
            A::Apprenticeship,
            S::Livelihoods,
            D::Economic,
            L::Individual,
            TargetGroup::Youth,
        ),
        (
            "Placement en emploi salarié",
            A::JobPlacement,
            S::Livelihoods,
            D::Economic,
            L::Individual,
            TargetGroup::Youth,
        ),
        (
            "Soutien psychosocial de groupe",
            A::PsychosocialCounselling,
            S::Protection,
            D::Psychosocial,
            L::Collective,
            TargetGroup::Returnees,
        ),
        (
            "Prise en charge médicale à l'arrivée",
            A::MedicalCare,
            S::Health,
            D::Social,
            L::Individual,
            TargetGroup::Returnees,
        ),
        (
            "Établissement de pièces d'état civil",
            A::Documents,
            S::Protection,
            D::Social,
            L::Individual,
            TargetGroup::ReturneesAndCommunities,
        ),
        (
            "Réinscription scolaire des enfants rapatriés",
            A::Education,
            S::Education,
            D::Social,
            L::Individual,
            TargetGroup::Children,
        ),
        (
            "Hébergement temporaire et appui au logement",
            A::Housing,
            S::Shelter,
            D::Social,
            L::Individual,
            TargetGroup::Women,
        ),
        (
            "Travaux communautaires à haute intensité de main-d'œuvre",
            A::CollectiveBusiness,
            S::SocialCohesion,
            D::Economic,
            L::Community,
            TargetGroup::HostCommunities,
        ),
        (
            "Transferts monétaires de réinstallation",
            A::Cash,
            S::FoodSecurity,
            D::Economic,
            L::Individual,
            TargetGroup::Returnees,
        ),
    ];
    const FUNDERS: &[&str] = &[
        "Fonds fiduciaire d'urgence de l'Union européenne",
        "Enabel",
        "Coopération suisse",
        "GIZ",
        "Agence française de développement",
        "Budget national",
    ];
    let today = time::OffsetDateTime::now_utc().date();
    let current = iv::Period::containing(today);
    let quarters: Vec<iv::Period> = (1..=4)
        .scan(current, |p, _| {
            *p = p.previous();
            Some(*p)
        })
        .collect();
    let (_, now) = cnrm_store::new_id_and_time();
    let mut interventions = Vec::new();
    let mut reports = Vec::new();
    for n in 0..40u32 {
        let (kind_title, category, sector, dimension, level, target_group) = KINDS[n as usize % KINDS.len()];
        let (acronym, owner) = owners[n as usize % owners.len()];
        let region = *regions.choose(&mut rng).expect("regions");
        let mut unit_codes = vec![region.to_string()];
        let mut in_region = cercles(region);
        in_region.shuffle(&mut rng);
        if !in_region.is_empty() {
            unit_codes = in_region.into_iter().take(rng.gen_range(1..=2)).collect();
        }
        let region_name = units.iter().find(|u| u.pcode == region).map_or(region.to_string(), |u| u.name.clone());
        // Most started over a year ago; a few are planned, some have ended.
        let start_on = quarters[3].first_day() + time::Duration::days(rng.gen_range(-120..40));
        let end_on = start_on + time::Duration::days(rng.gen_range(300..720));
        let status = if start_on > today {
            InterventionStatus::Planned
        } else if end_on < today {
            InterventionStatus::Completed
        } else {
            InterventionStatus::Ongoing
        };
        let cells: [i64; 8] = std::array::from_fn(|i| {
            let base = match (target_group, i % 4) {
                (TargetGroup::Children, 0) => 60,
                (TargetGroup::Children, _) => 2,
                (_, 0) => 5,
                (_, 1) => 30,
                (_, 2) => 45,
                _ => 3,
            };
            let sex = if i < 4 {
                if target_group == TargetGroup::Women {
                    3
                } else {
                    1
                }
            } else {
                3
            };
            base * sex * rng.gen_range(1..=3)
        });
        let targeted = Disaggregation::from_cells(cells);
        let (currency, amount_minor, rate_micro) = match n % 3 {
            0 => (Currency::Xof, rng.gen_range(5..120) * 1_000_000, iv::XOF_RATE_MICRO),
            1 => (Currency::Eur, rng.gen_range(20..400) * 100_000, iv::EUR_PARITY_MICRO),
            _ => (Currency::Usd, rng.gen_range(20..300) * 100_000 + 50, 602_350_000),
        };
        let budget_xof = iv::to_xof(amount_minor, currency, rate_micro);
        let mut implementers = vec![owner];
        if let Some(partner) = owners.choose(&mut rng).map(|(_, id)| *id).filter(|id| *id != owner && rng.gen_bool(0.4))
        {
            implementers.push(partner);
        }
        let funder_count = rng.gen_range(1..=2);
        let funders = FUNDERS.choose_multiple(&mut rng, funder_count).map(|f| f.to_string()).collect();
        let (id, _) = cnrm_store::new_id_and_time();
        let intervention = cnrm_store::Intervention {
            id,
            organisation_id: owner,
            title: format!("{kind_title} — {region_name} ({acronym})"),
            description: "Intervention de démonstration, inventée à partir des activités habituelles des partenaires."
                .into(),
            dimension,
            sector,
            category,
            level,
            target_group,
            units: unit_codes,
            implementers,
            funders,
            start_on,
            end_on,
            status,
            targeted,
            currency,
            budget_minor: amount_minor,
            rate_micro,
            budget_xof,
            published: n % 5 != 4,
            version: 1,
            created_by: None,
            created_at: now,
            updated_at: now,
        };
        let mut reached_so_far = 0;
        for quarter in quarters.iter().rev().filter(|q| q.overlaps(start_on, end_on) && q.last_day() < today) {
            let share: [i64; 8] = std::array::from_fn(|i| cells[i] * rng.gen_range(10..=30) / 100);
            let reached = Disaggregation::from_cells(share);
            reached_so_far += reached.total();
            let (report_id, _) = cnrm_store::new_id_and_time();
            reports.push(cnrm_store::InterventionReport {
                id: report_id,
                intervention_id: id,
                period: quarter.code(),
                reached,
                spent_xof: budget_xof / 8 * rng.gen_range(1..=3) / 2,
                narrative: format!("Activités du trimestre {} menées comme prévu.", quarter.code()),
                explanation: (reached_so_far > targeted.total())
                    .then(|| "Des personnes de villages voisins ont rejoint les activités.".to_string()),
                version: 1,
                created_by: None,
                created_at: now,
                updated_by: None,
                updated_at: now,
            });
        }
        interventions.push(intervention);
    }
    let event = crate::actor::system_event(
        "demo.load_interventions",
        "intervention",
        None,
        serde_json::json!({ "interventions": interventions.len(), "reports": reports.len() }),
    );
    app.db.bulk_insert_interventions(&interventions, &reports, &event).await?;
    // The oldest quarter is closed by the secretariat, the next one reviewed.
    for (quarter, steps) in [
        (quarters[3], &[PeriodStatus::Validated, PeriodStatus::Locked][..]),
        (quarters[2], &[PeriodStatus::Validated][..]),
    ] {
        let Some(mut period) = app.db.reporting_period(&quarter.code()).await? else {
            continue;
        };
        for status in steps {
            let before = period.version;
            period =
                cnrm_store::ReportingPeriod { status: *status, version: before + 1, changed_at: Some(now), ..period };
            let event = crate::actor::system_event(
                "demo.period",
                "reporting_period",
                Some(quarter.code()),
                serde_json::json!({ "to": status.code() }),
            );
            app.db.save_reporting_period(&period, Some(before), &event).await?;
        }
    }
    Ok(())
}
