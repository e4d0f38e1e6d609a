//! Isolated databases for tests, on both backends.
//!
//! SQLite tests get a file in a temporary directory; PostgreSQL tests get a schema of their own in
//! the database named by `CNRM_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`),
//! dropped when the test ends. Tests therefore run in parallel without seeing each other's data.

use std::sync::Arc;

use cnrm_domain::consent::ConsentInput;
use cnrm_domain::person::{PersonInput, ReturnInput};
use cnrm_domain::user::{UserDraft, Username};
use cnrm_domain::{Locale, Role};
use uuid::Uuid;

use crate::actor::Via;
use crate::cases::{Registration, RegistrationOutcome};
use crate::{Actor, App, AppError};

pub const DEFAULT_TEST_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

/// A migrated, prepared (reference data, code of conduct) database that disappears with the value.
pub struct TestDb {
    pub app: App,
    /// A URL that reaches this same database, for the `cnrm` command line.
    pub url: String,
    raw: RawStore,
    _dir: Option<tempfile::TempDir>,
    schema: Option<(String, String)>,
}

pub fn postgres_test_url() -> String {
    std::env::var("CNRM_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_TEST_POSTGRES_URL.to_string())
}

impl TestDb {
    pub async fn new(backend: TestBackend) -> TestDb {
        let (raw, dir, schema, url) = match backend {
            TestBackend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let path = dir.path().join("test.sqlite3");
                let store = cnrm_store_sqlite::Store::connect(path.to_str().unwrap()).await.expect("open SQLite");
                let url = format!("sqlite:{}", path.display());
                (RawStore::Sqlite(store), Some(dir), None, url)
            }
            TestBackend::Postgres => {
                let url = postgres_test_url();
                let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
                let admin = cnrm_store_postgres::Store::connect(&url, None).await.unwrap_or_else(|e| {
                    panic!("PostgreSQL tests need a server at {url} (set CNRM_TEST_POSTGRES_URL): {e}")
                });
                sqlx_exec(&admin, &format!("CREATE SCHEMA {schema}")).await;
                admin.pool.close().await;
                let store = cnrm_store_postgres::Store::connect(&url, Some(&schema)).await.expect("connect to schema");
                let cli_url = format!("{url}?options[search_path]={schema}");
                (RawStore::Postgres(store), None, Some((url, schema)), cli_url)
            }
        };
        let db: Arc<dyn cnrm_store::Database> = match &raw {
            RawStore::Sqlite(s) => Arc::new(s.clone()),
            RawStore::Postgres(s) => Arc::new(s.clone()),
        };
        db.migrate().await.expect("migrations apply");
        let app = App::new(db);
        crate::bootstrap::prepare(&app).await.expect("reference data loads");
        TestDb { app, url, raw, _dir: dir, schema }
    }
}

enum RawStore {
    Sqlite(cnrm_store_sqlite::Store),
    Postgres(cnrm_store_postgres::Store),
}

/// Runs SQL behind the services' back: for tests that play an attacker with database access.
pub async fn execute(db: &TestDb, sql: &str) -> Result<(), cnrm_store::StoreError> {
    match &db.raw {
        RawStore::Sqlite(s) => cnrm_store_sqlite::execute(s, sql).await,
        RawStore::Postgres(s) => cnrm_store_postgres::execute(s, sql).await,
    }
}

async fn sqlx_exec(store: &cnrm_store_postgres::Store, sql: &str) {
    cnrm_store_postgres::execute(store, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((url, schema)) = self.schema.take() {
            // Drop runs inside the test's runtime, which cannot block: clean up from a thread.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                runtime.block_on(async {
                    if let Ok(admin) = cnrm_store_postgres::Store::connect(&url, None).await {
                        let _ = cnrm_store_postgres::execute(&admin, &format!("DROP SCHEMA {schema} CASCADE")).await;
                        admin.pool.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// Defines each test twice, once per backend: `mod NAME { fn sqlite(); fn postgres(); }`.
#[macro_export]
macro_rules! test_both_backends {
    ($(async fn $name:ident($db:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                async fn run($db: $crate::testing::TestDb) $body
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    run($crate::testing::TestDb::new($crate::testing::TestBackend::Sqlite).await).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    run($crate::testing::TestDb::new($crate::testing::TestBackend::Postgres).await).await
                }
            }
        )*
    };
}

/// The seed the tests load the demo with, and the password it gives every demo account.
pub const DEMO_SEED: u64 = 2024;
pub const DEMO_PASSWORD: &str = "Demo-CNRM-2024";

/// Loads the demo organisations, one account per role and the demo cases (seed [`DEMO_SEED`]).
pub async fn load_demo(db: &TestDb) {
    crate::demo::load(&db.app, DEMO_SEED, &indicatif::ProgressBar::hidden()).await.expect("demo data");
}

/// The account `username` acting through the pages (no IP address).
pub async fn actor(db: &TestDb, username: &str) -> Actor {
    let user = db.app.db.user_by_username(username).await.unwrap().unwrap_or_else(|| panic!("no user {username}"));
    Actor { user, ip: None, via: Via::Web }
}

/// The id of the organisation with this acronym.
pub async fn org_id(db: &TestDb, acronym: &str) -> Uuid {
    let names = db.app.db.organisation_names().await.unwrap();
    names.into_iter().find(|o| o.acronym == acronym).unwrap_or_else(|| panic!("no organisation {acronym}")).id
}

/// Creates an account besides the demo ones, with [`DEMO_PASSWORD`] (so that it may log in) and the
/// e-mail address `username@example.org`.
pub async fn add_account(db: &TestDb, username: &str, role: Role, acronym: &str, team: Option<&str>) -> Actor {
    let draft = UserDraft {
        username: Username::parse(username).unwrap(),
        display_name: username.into(),
        email: format!("{username}@example.org"),
        organisation_id: org_id(db, acronym).await,
        role,
        team: team.map(str::to_string),
        locale: Locale::Fr,
    };
    crate::users::create_with_password(&db.app, &Actor::console(), draft, DEMO_PASSWORD, false).await.unwrap();
    actor(db, username).await
}

/// A registration with what the form requires: the person, a voluntary return from Libya, written
/// consent, and no stop on possible matches (`confirm_new_person`).
pub fn registration(family: &str, given: &str, sex: &str, born: &str, arrived: &str) -> Registration {
    Registration {
        person: PersonInput {
            family_name: family.into(),
            given_names: given.into(),
            sex: sex.into(),
            date_of_birth: born.into(),
            ..Default::default()
        },
        ret: ReturnInput {
            arrival_date: arrived.into(),
            returned_from: "LY".into(),
            return_type: "avr".into(),
            ..Default::default()
        },
        consent_method: "written".into(),
        confirm_new_person: true,
        ..Default::default()
    }
}

/// Registers a case, which must not stop on possible matches.
pub async fn register(db: &TestDb, by: &Actor, input: &Registration) -> cnrm_store::CaseRecord {
    match crate::cases::register(&db.app, by, input).await {
        Ok(RegistrationOutcome::Registered(case)) => *case,
        Ok(RegistrationOutcome::PossibleMatches(m)) => panic!("unexpected matches: {m:?}"),
        Err(e) => panic!("registration failed: {e:?}"),
    }
}

/// Consent, recorded by the demo case worker today, to share the case with `partner` for referrals.
pub async fn consent_to(db: &TestDb, case_id: Uuid, partner: Uuid) -> Uuid {
    let input = ConsentInput {
        purpose: "referral_sharing".into(),
        partner_organisation_id: partner.to_string(),
        method: "written".into(),
        granted_on: time::OffsetDateTime::now_utc().date().to_string(),
    };
    crate::cases::add_consent(&db.app, &actor(db, "oim.agent").await, case_id, &input).await.unwrap().id
}

/// The message key on `field` of a refusal for invalid input; panics on anything else.
pub fn invalid<T>(result: Result<T, AppError>, field: &str) -> &'static str {
    match result {
        Err(AppError::Invalid(errors)) => errors.for_field(field).unwrap_or_else(|| panic!("no error for {field}")),
        Err(other) => panic!("expected invalid {field}, got {other:?}"),
        Ok(_) => panic!("expected invalid {field}, got a success"),
    }
}

// A questionnaire small enough to compute its scores by hand (surveys' tests, app and web).
use cnrm_domain::questionnaire::{
    Band, ChoiceList, ChoiceOption, Combine, Definition, Dimension, Item, ItemKind, ItemScoring, OptionScore,
    Relevance, Scoring, Section, Text,
};

fn survey_text(fr: &str) -> Text {
    Text::new(fr, fr)
}

fn survey_option(name: &str, score: OptionScore) -> ChoiceOption {
    ChoiceOption { name: name.into(), label: survey_text(name), value: None, score }
}

fn scored_item(name: &str, list: &str, dimension: &str, required: bool, relevant: Option<&str>) -> Item {
    Item {
        name: name.into(),
        kind: ItemKind::SingleChoice { list: list.into() },
        label: survey_text(name),
        hint: Text::default(),
        section: Some("main".into()),
        required,
        relevant: relevant.map(|r| Relevance::parse(r).unwrap()),
        constraint: None,
        scoring: Some(ItemScoring {
            dimension: dimension.into(),
            weight: 1.0,
            composite_weight: None,
            range: None,
            combine: Combine::Mean,
        }),
    }
}

/// A small sustainability questionnaire (code `rss`): one item per dimension (the social one asked only with
/// children, and possibly not applicable), equal dimension weights unless `economic_weight` says.
pub fn small_rss(economic_weight: f64, label: &str) -> Definition {
    let five: Vec<ChoiceOption> =
        (1..=5).map(|i| survey_option(&i.to_string(), OptionScore::Score(f64::from(i - 1) / 4.0))).collect();
    let mut five_na = five.clone();
    five_na.push(survey_option("na", OptionScore::NotApplicable));
    let mut children = scored_item("children", "yes_no", "social", true, None);
    children.scoring = None;
    Definition {
        code: "rss".into(),
        version: label.into(),
        title: survey_text("Enquête de durabilité"),
        sections: vec![Section { name: "main".into(), label: survey_text("Questions"), relevant: None }],
        items: vec![
            scored_item("economic_satisfaction", "five", "economic", true, None),
            children,
            scored_item("schooling", "five_na", "social", false, Some("${children} = 'yes'")),
            scored_item("support_network", "five", "psychosocial", true, None),
        ],
        choice_lists: vec![
            ChoiceList { name: "five".into(), options: five },
            ChoiceList { name: "five_na".into(), options: five_na },
            ChoiceList {
                name: "yes_no".into(),
                options: vec![survey_option("yes", OptionScore::Unscored), survey_option("no", OptionScore::Unscored)],
            },
        ],
        scoring: Scoring {
            dimensions: vec![
                Dimension { code: "economic".into(), label: survey_text("Économique"), weight: economic_weight },
                Dimension { code: "social".into(), label: survey_text("Sociale"), weight: 1.0 },
                Dimension { code: "psychosocial".into(), label: survey_text("Psychosociale"), weight: 1.0 },
            ],
            bands: vec![
                Band { code: "low".into(), label: survey_text("faible"), min: 0.0 },
                Band { code: "high".into(), label: survey_text("élevé"), min: 0.66 },
            ],
            provisional_weights: economic_weight == 1.0,
            weights_note: survey_text("Poids égaux provisoires"),
        },
    }
}
