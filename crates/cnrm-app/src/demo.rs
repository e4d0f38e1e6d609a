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

/// Synthetic returnees: realistic in their mix (mostly young men from Kayes, Koulikoro, Sikasso and
/// Bamako, back from Libya, Algeria and Niger; some women, families' minors, medical and trafficking
/// cases; arrivals over the last three years, a fifth of the older cases closed), invented in their
/// details. The same seed gives the same people.
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
        let person = PersonRecord {
            id: person_id,
            draft: PersonDraft {
                family_name: family.to_string(),
                given_names: given.to_string(),
                other_names: None,
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
    }
    progress.set_message("planner statistics");
    app.db.analyze().await?;
    progress.finish_and_clear();
    Ok(count)
}
