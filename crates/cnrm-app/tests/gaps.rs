//! Gap and overlap analysis, on both backends: a small hand-made set (2 cercles of Kayes, 3 categories)
//! with known answers, through the store and the service.

use cnrm_app::cases;
use cnrm_app::counselling;
use cnrm_app::gaps::{self, GapQuery};
use cnrm_app::plans::{self, PlanItemAction, PlanItemInput};
use cnrm_app::testing::{self, actor, TestDb};
use cnrm_app::transfers::{self, TransferAction, TransferInput};
use cnrm_app::{test_both_backends, Actor, AppError};
use cnrm_domain::assessment::NeedsInput;
use cnrm_domain::gaps::{Coverage, GapCell, GapMatrix, NeedCount};
use cnrm_domain::lifecycle::plan::AssistanceType;
use cnrm_domain::person::PersonInput;

const H: AssistanceType = AssistanceType::Housing;
const J: AssistanceType = AssistanceType::JobPlacement;
const M: AssistanceType = AssistanceType::MedicalCare;

/// Runs `sql` with `{id}` replaced by a new random identifier of the backend.
async fn run(db: &TestDb, sql: &str) {
    let id = if db.url.starts_with("sqlite:") { "randomblob(16)" } else { "gen_random_uuid()" };
    let sql = sql.replace("{id}", id);
    testing::execute(db, &sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The k-th case of the set (registered by [`fixture`]), as an SQL literal of the backend.
fn case(db: &TestDb, k: usize) -> String {
    let id = CASES.lock().unwrap().get(&db.url).expect("fixture loaded")[k];
    if db.url.starts_with("sqlite:") {
        format!("X'{}'", id.simple())
    } else {
        format!("'{id}'")
    }
}

/// The cases of each database's set, by database URL.
static CASES: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<String, Vec<uuid::Uuid>>>> =
    std::sync::LazyLock::new(Default::default);

async fn plan_item(db: &TestDb, k: usize, category: &str, status: &str) {
    run(
        db,
        &format!(
            "INSERT INTO plans (id, case_id, agreed_on, author_id, approved_by, approved_at, version, created_at, updated_at) \
             SELECT {{id}}, c.id, NULL, NULL, NULL, NULL, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' \
             FROM cases c WHERE c.id = {case} ON CONFLICT (case_id) DO NOTHING",
            case = case(db, k)
        ),
    )
    .await;
    run(
        db,
        &format!(
            "INSERT INTO plan_items (id, plan_id, case_id, dimension, assistance_type, level, channel, \
             provider_organisation_id, description, budget_xof, spent_xof, start_on, end_on, status, cancel_reason, \
             version, created_at, updated_at) \
             SELECT {{id}}, p.id, p.case_id, 'social', '{category}', 'individual', 'direct', NULL, 'x', 0, 0, NULL, \
             NULL, '{status}', NULL, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM plans p \
             WHERE p.case_id = {case}",
            case = case(db, k)
        ),
    )
    .await;
}

async fn assessment(db: &TestDb, k: usize, on: &str, economic: &str, social: &str) {
    run(
        db,
        &format!(
            "INSERT INTO needs_assessments (id, case_id, assessed_on, assessor_id, economic_level, economic_needs, \
             economic_notes, social_level, social_needs, social_notes, psychosocial_level, psychosocial_needs, \
             psychosocial_notes, notes, recorded_by, created_at) \
             SELECT {{id}}, c.id, '{on}', NULL, 'low', '{economic}', NULL, 'low', '{social}', NULL, 'none', '[]', NULL, \
             NULL, NULL, '2026-01-01T00:00:00Z' FROM cases c WHERE c.id = {case}",
            case = case(db, k)
        ),
    )
    .await;
}

/// The k-th demo service's latest revision becomes the only published one of its service, with this
/// category, capacity and unit.
async fn service(db: &TestDb, k: usize, category: &str, capacity: &str, pcode: &str) {
    let revision = format!(
        "(SELECT r.id FROM catalogue_revisions r WHERE r.service_id = \
         (SELECT id FROM catalogue_services ORDER BY id LIMIT 1 OFFSET {k}) ORDER BY r.number DESC LIMIT 1)"
    );
    run(
        db,
        &format!(
            "UPDATE catalogue_revisions SET status = 'published', category = '{category}', \
             capacity_per_month = {capacity} WHERE id = {revision}"
        ),
    )
    .await;
    run(db, &format!("INSERT INTO catalogue_revision_units (revision_id, pcode) SELECT r.id, '{pcode}' FROM catalogue_revisions r WHERE r.id = {revision}")).await;
}

async fn intervention(db: &TestDb, k: usize, category: &str, pcode: &str, start: &str, end: &str, status: &str) {
    let id = format!("(SELECT id FROM interventions ORDER BY id LIMIT 1 OFFSET {k})");
    run(
        db,
        &format!(
            "UPDATE interventions SET category = '{category}', status = '{status}', start_on = '{start}', \
             end_on = '{end}', published = TRUE WHERE id = {id}"
        ),
    )
    .await;
    run(db, &format!("INSERT INTO intervention_units (intervention_id, pcode, position) SELECT i.id, '{pcode}', 0 FROM interventions i WHERE i.id = {id}")).await;
}

/// Demo data loaded, then every source of the matrix replaced by the hand-made set:
/// - cases 0, 1, 2 open in Bafoulabé (ML0101), 3, 4 open in Diéma (ML0102), 5 closed in Bafoulabé;
/// - plan items: 0 housing planned and housing in progress (counted once), 1 housing delivered, 2 job
///   placement approved, 3 medical care cancelled, 5 housing planned (closed case);
/// - assessments: 1 housing (old) then health access (latest: medical care), 2 employment (job placement,
///   already counted by its plan item), 3 housing and legal (legal aid), 4 employment;
/// - services: housing in Bafoulabé for 5 a month; job placement for the whole region, capacity unknown;
/// - interventions: housing in Diéma January–June and housing in the region March–December (they
///   overlap in Diéma); medical care in Diéma completed (ignored).
async fn fixture(db: &TestDb) {
    testing::load_demo(db).await;
    let agent = actor(db, "oim.agent").await;
    let names = [
        ("Magassa", "Demba"),
        ("Konaté", "Salif"),
        ("Dembélé", "Kadiatou"),
        ("Sacko", "Bakary"),
        ("Touré", "Hawa"),
        ("Camara", "Lassana"),
    ];
    let mut ids = Vec::new();
    for (family, given) in names {
        let input = testing::registration(family, given, "male", "1990", "2026-01-10");
        ids.push(testing::register(db, &agent, &input).await.id);
    }
    CASES.lock().unwrap().insert(db.url.clone(), ids);
    for sql in [
        "DELETE FROM plan_items",
        "DELETE FROM needs_assessments",
        "DELETE FROM catalogue_revision_units",
        "UPDATE catalogue_revisions SET status = 'superseded'",
        "DELETE FROM intervention_units",
        "UPDATE interventions SET status = 'completed'",
        "UPDATE persons SET settlement_pcode = NULL",
        "UPDATE cases SET status = 'closed'",
        // The store keeps `case_search` in step with cases and persons; this fixture writes them
        // directly, so it keeps the copy in step itself.
        "UPDATE case_search SET settlement_pcode = NULL, status = 'closed'",
    ] {
        run(db, sql).await;
    }
    for k in 0..6 {
        let pcode = if k == 3 || k == 4 { "ML0102" } else { "ML0101" };
        let status = if k == 5 { "closed" } else { "open" };
        run(db, &format!("UPDATE cases SET status = '{status}' WHERE id = {}", case(db, k))).await;
        run(db, &format!("UPDATE persons SET settlement_pcode = '{pcode}' WHERE id = (SELECT person_id FROM cases WHERE id = {})", case(db, k))).await;
        run(
            db,
            &format!(
                "UPDATE case_search SET status = '{status}', settlement_pcode = '{pcode}' WHERE case_id = {}",
                case(db, k)
            ),
        )
        .await;
    }
    plan_item(db, 0, "housing", "planned").await;
    plan_item(db, 0, "housing", "in_progress").await;
    plan_item(db, 1, "housing", "delivered").await;
    plan_item(db, 2, "job_placement", "approved").await;
    plan_item(db, 3, "medical_care", "cancelled").await;
    plan_item(db, 5, "housing", "planned").await;
    assessment(db, 1, "2025-01-01", "[]", r#"["housing"]"#).await;
    assessment(db, 1, "2026-01-01", "[]", r#"["health_access"]"#).await;
    assessment(db, 2, "2026-01-01", r#"["employment"]"#, "[]").await;
    assessment(db, 3, "2026-01-01", "[]", r#"["housing","legal"]"#).await;
    assessment(db, 4, "2026-01-01", r#"["employment"]"#, "[]").await;
    service(db, 0, "housing", "5", "ML0101").await;
    service(db, 1, "job_placement", "NULL", "ML01").await;
    intervention(db, 0, "housing", "ML0102", "2026-01-01", "2026-06-30", "ongoing").await;
    intervention(db, 1, "housing", "ML01", "2026-03-01", "2026-12-31", "planned").await;
    intervention(db, 2, "medical_care", "ML0102", "2026-01-01", "2026-12-31", "completed").await;
    // Written around the store: its counters are brought up to date as after a bulk load.
    rebuild(db).await;
}

async fn rebuild(db: &TestDb) {
    gaps::rebuild(&db.app, &Actor::console()).await.unwrap();
}

/// Every (unit, category, returnees) of the needs, in order.
fn sorted(needs: Vec<NeedCount>) -> Vec<(String, &'static str, i64)> {
    let mut rows: Vec<_> = needs.into_iter().map(|n| (n.pcode, n.category.code(), n.returnees)).collect();
    rows.sort();
    rows
}

/// The counters the writes keep, checked against the needs recomputed from the records.
async fn counted(db: &TestDb) -> Vec<(String, &'static str, i64)> {
    let kept = sorted(db.app.db.gap_needs().await.unwrap());
    assert_eq!(kept, sorted(db.app.db.gap_needs_recomputed().await.unwrap()), "counters out of step with the records");
    kept
}

/// The returnees counted in one cell.
async fn count(db: &TestDb, pcode: &str, category: AssistanceType) -> i64 {
    counted(db).await.into_iter().find(|(p, c, _)| p == pcode && *c == category.code()).map_or(0, |(_, _, n)| n)
}

fn year() -> GapQuery {
    GapQuery { from: "2026-01-01".into(), to: "2026-12-31".into(), ..Default::default() }
}

fn cell<'a>(m: &'a GapMatrix, pcode: &str, category: AssistanceType) -> &'a GapCell {
    let k = m.categories.iter().position(|c| *c == category).expect("category in the matrix");
    let row = m
        .regions
        .iter()
        .flat_map(|r| std::iter::once(&r.region).chain(r.cercles.iter()))
        .find(|r| r.pcode == pcode)
        .expect("unit in the matrix");
    &row.cells[k]
}

fn summary(c: &GapCell) -> (i64, usize, i64, usize, Coverage, bool) {
    (c.needs, c.services, c.capacity, c.interventions, c.coverage, c.overlap)
}

test_both_backends! {
    async fn the_store_counts_each_returnee_once_per_category(db) {
        fixture(&db).await;
        let mut needs: Vec<NeedCount> = db.app.db.gap_needs().await.unwrap();
        needs.sort_by(|a, b| (&a.pcode, a.category.code()).cmp(&(&b.pcode, b.category.code())));
        let got: Vec<(&str, &str, i64)> = needs.iter().map(|n| (n.pcode.as_str(), n.category.code(), n.returnees)).collect();
        assert_eq!(
            got,
            vec![
                ("ML0101", "housing", 1),
                ("ML0101", "job_placement", 1),
                ("ML0101", "medical_care", 1),
                ("ML0102", "housing", 1),
                ("ML0102", "job_placement", 1),
                ("ML0102", "legal_aid", 1),
            ]
        );
        assert_eq!(sorted(db.app.db.gap_needs_recomputed().await.unwrap()), sorted(needs.clone()));
        let mut services = db.app.db.gap_services().await.unwrap();
        services.sort_by(|a, b| a.pcode.cmp(&b.pcode));
        assert_eq!(services.len(), 2);
        assert_eq!((services[0].pcode.as_str(), services[0].category, services[0].capacity_per_month), ("ML01", J, None));
        assert_eq!((services[1].pcode.as_str(), services[1].category, services[1].capacity_per_month), ("ML0101", H, Some(5)));
        let from = time::macros::date!(2026 - 01 - 01);
        let to = time::macros::date!(2026 - 12 - 31);
        assert_eq!(db.app.db.gap_interventions(from, to).await.unwrap().len(), 2);
        let later = time::macros::date!(2026 - 07 - 01);
        let only = db.app.db.gap_interventions(later, to).await.unwrap();
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].pcode, "ML01");
    }

    async fn the_service_classifies_the_hand_made_set(db) {
        fixture(&db).await;
        let observer = actor(&db, "ue.observateur").await;
        let report = gaps::matrix(&db.app, &observer, &year()).await.unwrap();
        let m = &report.matrix;
        assert_eq!(m.categories.len(), AssistanceType::ALL.len());
        assert_eq!(summary(cell(m, "ML0101", H)), (1, 1, 5, 1, Coverage::Covered, false));
        assert_eq!(summary(cell(m, "ML0101", J)), (1, 1, 0, 0, Coverage::UnderCapacity, false));
        assert_eq!(summary(cell(m, "ML0101", M)), (1, 0, 0, 0, Coverage::Uncovered, false));
        assert_eq!(summary(cell(m, "ML0102", H)), (1, 0, 0, 2, Coverage::UnderCapacity, true));
        assert_eq!(summary(cell(m, "ML0102", J)), (1, 1, 0, 0, Coverage::UnderCapacity, false));
        assert_eq!(summary(cell(m, "ML0102", M)), (0, 0, 0, 0, Coverage::NoNeed, false));
        assert_eq!(summary(cell(m, "ML01", H)), (2, 1, 5, 2, Coverage::Covered, true));
        assert_eq!(summary(cell(m, "ML01", M)), (1, 0, 0, 0, Coverage::Uncovered, false));
        assert_eq!(m.overlaps.len(), 1);
        assert_eq!((m.overlaps[0].cercle.as_str(), m.overlaps[0].category), ("ML0102", H));
        assert_eq!(m.overlaps[0].interventions.len(), 2);
        // Another region has no need at all.
        assert_eq!(cell(m, "ML02", H).coverage, Coverage::NoNeed);

        // From July the January–June intervention is over: no overlap left.
        let later = GapQuery { from: "2026-07-01".into(), ..year() };
        let m = gaps::matrix(&db.app, &observer, &later).await.unwrap().matrix;
        assert_eq!(summary(cell(&m, "ML0102", H)), (1, 0, 0, 1, Coverage::UnderCapacity, false));
        assert!(m.overlaps.is_empty());
    }

    async fn filters_narrow_the_matrix_and_are_validated(db) {
        fixture(&db).await;
        let secretariat = actor(&db, "secretariat").await;
        let query = GapQuery { region: "ML01".into(), category: "housing".into(), ..year() };
        let report = gaps::matrix(&db.app, &secretariat, &query).await.unwrap();
        assert_eq!(report.region.as_deref(), Some("ML01"));
        assert_eq!(report.matrix.categories, vec![H]);
        assert_eq!(report.matrix.regions.len(), 1);
        assert_eq!(report.matrix.regions[0].region.pcode, "ML01");
        assert_eq!(cell(&report.matrix, "ML0101", H).coverage, Coverage::Covered);

        let bad = GapQuery { region: "ML0101".into(), category: "teleportation".into(), from: "2026-12-31".into(), to: "2026-01-01".into() };
        match gaps::matrix(&db.app, &secretariat, &bad).await {
            Err(AppError::Invalid(errors)) => {
                assert_eq!(errors.for_field("region"), Some("error-choose-from-list"));
                assert_eq!(errors.for_field("category"), Some("error-choose-from-list"));
                assert_eq!(errors.for_field("to"), Some("error-end-before-start"));
            }
            other => panic!("expected invalid filters, got {other:?}"),
        }
    }

    async fn only_an_administrator_rebuilds_the_counters(db) {
        fixture(&db).await;
        let secretariat = actor(&db, "secretariat").await;
        assert!(matches!(gaps::rebuild(&db.app, &secretariat).await, Err(AppError::Forbidden)));
    }

    async fn the_demo_load_keeps_the_counters(db) {
        // Bulk case load, bulk counselling and plans written through the services.
        testing::load_demo(&db).await;
        cnrm_app::demo::load_returnees(&db.app, 7, 150, &indicatif::ProgressBar::hidden()).await.unwrap();
        assert!(!counted(&db).await.is_empty(), "the demo has open needs");
        let kept = counted(&db).await;
        rebuild(&db).await;
        assert_eq!(counted(&db).await, kept, "a rebuild finds what the writes kept");
    }

    async fn every_write_keeps_the_counters_in_step(db) {
        testing::load_demo(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let manager = actor(&db, "oim.gestion").await;
        let mut input = testing::registration("Keïta", "Fanta", "female", "1994", "2026-01-10");
        input.person.intended_settlement = "ML0101".into();
        let case_id = testing::register(&db, &worker, &input).await.id;
        let housing = count(&db, "ML0101", H).await;
        let jobs = count(&db, "ML0101", J).await;
        let medical = count(&db, "ML0101", M).await;
        let legal = count(&db, "ML0101", AssistanceType::LegalAid).await;

        // Two housing items count the returnee once; one delivered, the other still counts.
        let item = |category: AssistanceType| PlanItemInput {
            dimension: "social".into(),
            assistance_type: category.code().into(),
            level: "individual".into(),
            channel: "direct".into(),
            budget_xof: "100000".into(),
            ..Default::default()
        };
        let first = plans::add_item(&db.app, &worker, case_id, &item(H)).await.unwrap();
        assert_eq!(count(&db, "ML0101", H).await, housing + 1);
        let second = plans::add_item(&db.app, &worker, case_id, &item(H)).await.unwrap();
        assert_eq!(count(&db, "ML0101", H).await, housing + 1, "two items of one category count once");
        let plan = plans::of_case(&db.app, &worker, case_id).await.unwrap().0.unwrap().plan;
        let approved = plans::approve(&db.app, &manager, case_id, plan.version).await.unwrap();
        let version = |id| approved.items.iter().find(|i| i.id == id).unwrap().version;
        let act = |action: &str, version: i64| PlanItemAction {
            action: action.into(),
            reason: "Logée par sa famille".into(),
            version,
            ..Default::default()
        };
        let started = plans::act_on_item(&db.app, &worker, case_id, first.id, &act("start", version(first.id))).await.unwrap();
        plans::act_on_item(&db.app, &worker, case_id, first.id, &act("deliver", started.version)).await.unwrap();
        assert_eq!(count(&db, "ML0101", H).await, housing + 1, "the other item is still open");
        plans::act_on_item(&db.app, &worker, case_id, second.id, &act("cancel", version(second.id))).await.unwrap();
        assert_eq!(count(&db, "ML0101", H).await, housing, "delivered and cancelled: the need is gone");

        // An assessment's needs count; a later one replaces them.
        let assess = |on: &str, social: &[&str]| NeedsInput {
            assessed_on: on.into(),
            economic_level: "low".into(),
            economic_needs: vec!["employment".into()],
            social_level: "moderate".into(),
            social_needs: social.iter().map(|n| n.to_string()).collect(),
            psychosocial_level: "none".into(),
            ..Default::default()
        };
        counselling::add_needs_assessment(&db.app, &worker, case_id, &assess("2026-02-01", &["housing", "legal"])).await.unwrap();
        assert_eq!(count(&db, "ML0101", H).await, housing + 1);
        assert_eq!(count(&db, "ML0101", AssistanceType::LegalAid).await, legal + 1);
        assert_eq!(count(&db, "ML0101", J).await, jobs + 1);
        counselling::add_needs_assessment(&db.app, &worker, case_id, &assess("2026-03-01", &["health_access"])).await.unwrap();
        assert_eq!(count(&db, "ML0101", H).await, housing, "the latest assessment replaces the earlier one");
        assert_eq!(count(&db, "ML0101", AssistanceType::LegalAid).await, legal);
        assert_eq!(count(&db, "ML0101", M).await, medical + 1);
        assert_eq!(count(&db, "ML0101", J).await, jobs + 1);
        // An earlier assessment recorded late does not replace the latest one.
        counselling::add_needs_assessment(&db.app, &worker, case_id, &assess("2026-01-20", &["legal"])).await.unwrap();
        assert_eq!(count(&db, "ML0101", AssistanceType::LegalAid).await, legal);

        // Closed, the case leaves the matrix; reopened, it is back.
        let file = cases::get(&db.app, &manager, case_id).await.unwrap();
        let closed = cases::close(&db.app, &manager, case_id, file.case.version, "lost_contact").await.unwrap();
        assert_eq!(count(&db, "ML0101", M).await, medical);
        assert_eq!(count(&db, "ML0101", J).await, jobs);
        cases::reopen(&db.app, &manager, case_id, closed.version, "La personne a repris contact").await.unwrap();
        assert_eq!(count(&db, "ML0101", M).await, medical + 1);

        // The returnee settles elsewhere: the needs move with them.
        let moved_medical = count(&db, "ML0102", M).await;
        let file = cases::get(&db.app, &manager, case_id).await.unwrap();
        let person = PersonInput {
            family_name: "Keïta".into(),
            given_names: "Fanta".into(),
            sex: "female".into(),
            date_of_birth: "1994".into(),
            intended_settlement: "ML0102".into(),
            ..Default::default()
        };
        cases::update_person(&db.app, &manager, case_id, file.person.version, &person).await.unwrap();
        assert_eq!(count(&db, "ML0101", M).await, medical);
        assert_eq!(count(&db, "ML0102", M).await, moved_medical + 1);
        // No settlement: counted nowhere.
        let file = cases::get(&db.app, &manager, case_id).await.unwrap();
        let unsettled = PersonInput { intended_settlement: String::new(), ..person.clone() };
        cases::update_person(&db.app, &manager, case_id, file.person.version, &unsettled).await.unwrap();
        assert_eq!(count(&db, "ML0102", M).await, moved_medical);
        let file = cases::get(&db.app, &manager, case_id).await.unwrap();
        cases::update_person(&db.app, &manager, case_id, file.person.version, &person).await.unwrap();
        assert_eq!(count(&db, "ML0102", M).await, moved_medical + 1);

        // Transferred to another organisation, the returnee's needs stay where they are.
        testing::add_account(&db, "crm.gestion", cnrm_domain::Role::CaseManager, "CRM", None).await;
        let crm = testing::org_id(&db, "CRM").await;
        testing::consent_to(&db, case_id, crm).await;
        let proposal = TransferInput { to_organisation_id: crm.to_string(), reason: "Installation à Diéma".into(), shared_fields: Vec::new() };
        let proposed = transfers::propose(&db.app, &manager, case_id, &proposal).await.unwrap();
        let receiver = actor(&db, "crm.gestion").await;
        let accept = TransferAction { action: "accept".into(), reason: String::new(), version: None };
        transfers::act(&db.app, &receiver, proposed.id, &accept).await.unwrap();
        assert_eq!(count(&db, "ML0102", M).await, moved_medical + 1);

        // Whatever the writes did, a rebuild from the records finds the same counters.
        let kept = counted(&db).await;
        rebuild(&db).await;
        assert_eq!(counted(&db).await, kept);
    }
}
