//! Indicators, on both backends: a small hand-made set of four returnees with known answers (on top
//! of the demo organisations, interventions and trainings; tagged with their own programme), filters,
//! scope, and bad filters.

use cnrm_app::cases;
use cnrm_app::indicators::{self, IndicatorReport};
use cnrm_app::referrals::{self, ReferralAction, ReferralInput};
use cnrm_app::testing::{self, actor, consent_to, org_id, TestDb};
use cnrm_app::{test_both_backends, Actor, AppError};
use cnrm_domain::case_facts::Measure;
use cnrm_domain::indicators::{Breakdown, IndicatorQuery};
use cnrm_domain::Role;
use time::{Duration, OffsetDateTime};

const PROGRAMME: &str = "PILOTE-IND";

/// Runs `sql` with `{id}` replaced by a new random identifier of the backend.
async fn run(db: &TestDb, sql: &str) {
    let id = if db.url.starts_with("sqlite:") { "randomblob(16)" } else { "gen_random_uuid()" };
    let sql = sql.replace("{id}", id);
    testing::execute(db, &sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn literal(db: &TestDb, id: uuid::Uuid) -> String {
    if db.url.starts_with("sqlite:") {
        format!("X'{}'", id.simple())
    } else {
        format!("'{id}'")
    }
}

async fn plan(db: &TestDb, case: uuid::Uuid, agreed_on: &str) {
    run(
        db,
        &format!(
            "INSERT INTO plans (id, case_id, agreed_on, author_id, approved_by, approved_at, version, created_at, updated_at) \
             VALUES ({{id}}, {}, {agreed_on}, NULL, NULL, NULL, 1, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')",
            literal(db, case)
        ),
    )
    .await;
}

async fn item(db: &TestDb, case: uuid::Uuid, dimension: &str, status: &str, budget: i64, spent: i64) {
    run(
        db,
        &format!(
            "INSERT INTO plan_items (id, plan_id, case_id, dimension, assistance_type, level, channel, \
             provider_organisation_id, description, budget_xof, spent_xof, start_on, end_on, status, cancel_reason, \
             version, created_at, updated_at) \
             SELECT {{id}}, p.id, p.case_id, '{dimension}', 'housing', 'individual', 'direct', NULL, 'x', {budget}, \
             {spent}, NULL, NULL, '{status}', NULL, 1, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z' FROM plans p \
             WHERE p.case_id = {}",
            literal(db, case)
        ),
    )
    .await;
}

/// A referral to ANPE sent `days_ago`, then taken through `actions` by ANPE's focal point.
async fn referral(db: &TestDb, case: uuid::Uuid, days_ago: i64, actions: &[(&str, &str)]) {
    let anpe = org_id(db, "ANPE").await;
    consent_to(db, case, anpe).await;
    let input = ReferralInput {
        to_organisation_id: anpe.to_string(),
        service: "vocational_training".into(),
        note: "Formation".into(),
        ..Default::default()
    };
    let sent = referrals::send(&db.app, &actor(db, "oim.agent").await, case, &input).await.unwrap();
    let sent_at = (OffsetDateTime::now_utc() - Duration::days(days_ago)).date();
    run(
        db,
        &format!("UPDATE referrals SET created_at = '{sent_at} 09:00:00+00:00' WHERE id = {}", literal(db, sent.id)),
    )
    .await;
    let partner = actor(db, "anpe.focal").await;
    let mut version = sent.version;
    for (action, reason) in actions {
        let input = ReferralAction { action: action.to_string(), reason: reason.to_string(), version };
        version = referrals::act(&db.app, &partner, sent.id, &input).await.unwrap().version;
    }
}

/// Four returnees of the programme, on top of the demo data:
/// - A: OIM, female, 24 on arrival (2025-01-10), Bafoulabé (ML0101, Kayes); plan agreed 10 days after
///   arrival; economic item delivered (100 000 budgeted, 90 000 spent), social item planned (50 000);
///   referral sent 4 days ago, accepted, completed;
/// - B: OIM, male, 14 on arrival (2025-02-15), Diéma (ML0102, Kayes); plan agreed 45 days after; economic
///   item cancelled (20 000), psychosocial delivered (30 000, all spent); referral declined;
/// - C: OIM, male, 35 on arrival (2025-02-20), Banamba (ML0201, Koulikoro), no plan; referral sent 10
///   days ago, accepted;
/// - D: ANPE, female, 65 on arrival (2025-03-01), Banamba, no plan, no referral.
async fn fixture(db: &TestDb) -> Vec<uuid::Uuid> {
    testing::load_demo(db).await;
    let oim = actor(db, "oim.agent").await;
    let anpe = testing::add_account(db, "anpe.agent", Role::CaseWorker, "ANPE", None).await;
    let people: [(&Actor, &str, &str, &str, &str, &str, &str); 4] = [
        (&oim, "Diarra", "Aïssata", "female", "2000-06-01", "2025-01-10", "ML0101"),
        (&oim, "Keïta", "Mamadou", "male", "2010-03-01", "2025-02-15", "ML0102"),
        (&oim, "Traoré", "Seydou", "male", "1990-01-01", "2025-02-20", "ML0201"),
        (&anpe, "Coulibaly", "Nana", "female", "1960-01-01", "2025-03-01", "ML0201"),
    ];
    let mut ids = Vec::new();
    for (by, family, given, sex, born, arrived, place) in people {
        let mut input = testing::registration(family, given, sex, born, arrived);
        input.person.intended_settlement = place.into();
        input.ret.programme = PROGRAMME.into();
        ids.push(testing::register(db, by, &input).await.id);
    }
    plan(db, ids[0], "'2025-01-20'").await;
    item(db, ids[0], "economic", "delivered", 100_000, 90_000).await;
    item(db, ids[0], "social", "planned", 50_000, 0).await;
    plan(db, ids[1], "'2025-04-01'").await;
    item(db, ids[1], "economic", "cancelled", 20_000, 0).await;
    item(db, ids[1], "psychosocial", "delivered", 30_000, 30_000).await;
    referral(db, ids[0], 4, &[("accept", ""), ("start", ""), ("complete", "")]).await;
    referral(db, ids[1], 1, &[("decline", "Pas de place")]).await;
    referral(db, ids[2], 10, &[("accept", "")]).await;
    rebuild(db).await;
    ids
}

/// The plans, items and surveys above are written in SQL, around the services: the case facts are
/// recomputed, as after any such write.
async fn rebuild(db: &TestDb) {
    indicators::rebuild(&db.app, &Actor::console()).await.unwrap();
}

/// A survey of the sustainability (`rss`) or satisfaction questionnaire with its scores.
async fn survey(db: &TestDb, case: uuid::Uuid, kind: &str, on: &str, scores: [f64; 4]) {
    let code = if kind == "satisfaction" { "satisfaction" } else { "rss" };
    run(
        db,
        &format!(
            "INSERT INTO questionnaires (code, current_version, created_at, updated_at) \
             VALUES ('{code}', 1, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z') ON CONFLICT (code) DO NOTHING"
        ),
    )
    .await;
    run(
        db,
        &format!(
            "INSERT INTO questionnaire_versions (id, questionnaire_code, version, label, definition, provisional_weights, \
             imported_by, imported_at) VALUES ({{id}}, '{code}', 1, 'v1', '{{}}', FALSE, NULL, '2025-01-01T00:00:00Z') \
             ON CONFLICT (questionnaire_code, version) DO NOTHING"
        ),
    )
    .await;
    let [economic, social, psychosocial, composite] = scores;
    run(
        db,
        &format!(
            "INSERT INTO survey_submissions (id, case_id, questionnaire_code, version_id, kind, answered_on, answers, scores, \
             score_economic, score_social, score_psychosocial, score_composite, scored_with_version, submitted_by, created_at) \
             SELECT {{id}}, {}, '{code}', v.id, '{kind}', '{on}', '{{}}', '{{}}', {economic}, {social}, {psychosocial}, \
             {composite}, v.id, NULL, '2025-01-01T00:00:00Z' FROM questionnaire_versions v WHERE v.questionnaire_code = '{code}'",
            literal(db, case)
        ),
    )
    .await;
}

fn query(extra: &[(&str, &str)]) -> IndicatorQuery {
    let mut q = IndicatorQuery { programme: PROGRAMME.into(), ..Default::default() };
    for (field, value) in extra {
        let value = value.to_string();
        match *field {
            "from" => q.from = value,
            "to" => q.to = value,
            "region" => q.region = value,
            "cercle" => q.cercle = value,
            "sex" => q.sex = value,
            "age_group" => q.age_group = value,
            "organisation" => q.organisation = value,
            "by" => q.by = value,
            other => panic!("no field {other}"),
        }
    }
    q
}

async fn get(db: &TestDb, who: &Actor, code: &str, extra: &[(&str, &str)]) -> IndicatorReport {
    indicators::compute(&db.app, who, code, &query(extra)).await.unwrap_or_else(|e| panic!("{code}: {e:?}"))
}

/// The breakdown as (key, value, of).
fn rows(report: &IndicatorReport) -> Vec<(String, Option<f64>, Option<i64>)> {
    report.result.rows.iter().map(|r| (r.key.clone(), r.figure.value, r.figure.of)).collect()
}

fn row(key: &str, value: f64, of: Option<i64>) -> (String, Option<f64>, Option<i64>) {
    (key.to_string(), Some(value), of)
}

test_both_backends! {
    async fn returnees_registered_with_breakdowns_and_filters(db) {
        fixture(&db).await;
        let national = actor(&db, "secretariat").await;
        let by_sex = get(&db, &national, "returnees_registered", &[]).await;
        assert_eq!(by_sex.result.total.value, Some(4.0));
        assert_eq!(rows(&by_sex), [row("female", 2.0, None), row("male", 2.0, None)]);
        let by_age = get(&db, &national, "returnees_registered", &[("by", "age_group")]).await;
        assert_eq!(
            rows(&by_age),
            [row("0_17", 1.0, None), row("18_24", 1.0, None), row("25_59", 1.0, None), row("60_plus", 1.0, None)]
        );
        let by_month = get(&db, &national, "returnees_registered", &[("by", "month")]).await;
        assert_eq!(rows(&by_month), [row("2025-01", 1.0, None), row("2025-02", 2.0, None), row("2025-03", 1.0, None)]);
        let by_region = get(&db, &national, "returnees_registered", &[("by", "region")]).await;
        assert_eq!(rows(&by_region), [row("ML01", 2.0, None), row("ML02", 2.0, None)]);

        let total = |r: IndicatorReport| r.result.total.value;
        assert_eq!(total(get(&db, &national, "returnees_registered", &[("region", "ML01")]).await), Some(2.0));
        assert_eq!(total(get(&db, &national, "returnees_registered", &[("cercle", "ML0101")]).await), Some(1.0));
        assert_eq!(total(get(&db, &national, "returnees_registered", &[("sex", "female")]).await), Some(2.0));
        assert_eq!(total(get(&db, &national, "returnees_registered", &[("age_group", "60_plus")]).await), Some(1.0));
        assert_eq!(total(get(&db, &national, "returnees_registered", &[("from", "2025-02-01"), ("to", "2025-02-28")]).await), Some(2.0));
        let anpe = org_id(&db, "ANPE").await.to_string();
        assert_eq!(total(get(&db, &national, "returnees_registered", &[("organisation", &anpe)]).await), Some(1.0));
        // Another programme: none of them.
        let other = IndicatorQuery { programme: "AUTRE".into(), ..Default::default() };
        let none = indicators::compute(&db.app, &national, "returnees_registered", &other).await.unwrap();
        assert_eq!((none.result.total.value, none.result.rows.len()), (Some(0.0), 0));
    }

    async fn plans_assistance_and_referrals_have_known_answers(db) {
        fixture(&db).await;
        let me = actor(&db, "oim.suivi").await;
        let within = get(&db, &me, "plan_within_month", &[("by", "none")]).await;
        assert_eq!((within.result.total.value, within.result.total.count, within.result.total.of), (Some(0.25), 1, Some(4)));

        let assisted = get(&db, &me, "returnees_assisted", &[]).await;
        assert_eq!(assisted.result.total.value, Some(2.0));
        assert_eq!(rows(&assisted), [row("economic", 1.0, None), row("psychosocial", 1.0, None)]);

        let delivered = get(&db, &me, "assistance_delivered", &[]).await;
        assert_eq!((delivered.result.total.value, delivered.result.total.of), (Some(2.0), Some(3)));
        assert_eq!(
            rows(&delivered),
            // In the dimensions' own order.
            [row("economic", 1.0, Some(1)), row("social", 0.0, Some(1)), row("psychosocial", 1.0, Some(1))]
        );
        let xof = get(&db, &me, "assistance_delivered_xof", &[("by", "none")]).await;
        assert_eq!((xof.result.total.value, xof.result.total.of), (Some(120_000.0), Some(180_000)));

        let sent = get(&db, &me, "referrals_sent", &[]).await;
        assert_eq!(sent.result.total.value, Some(3.0));
        assert_eq!(rows(&sent), [row("sent", 3.0, None), row("accepted", 2.0, None), row("completed", 1.0, None)]);
        let successful = get(&db, &me, "referrals_successful", &[]).await;
        assert_eq!((successful.result.total.value, successful.result.total.of), (Some(0.5), Some(2)));
        let days = get(&db, &me, "referral_days_to_acceptance", &[]).await;
        assert_eq!((days.result.total.value, days.result.total.count), (Some(7.0), 2));
        // Filters narrow the case-based figures: only A is in Bafoulabé.
        let days = get(&db, &me, "referral_days_to_acceptance", &[("cercle", "ML0101")]).await;
        assert_eq!(days.result.total.value, Some(4.0));
    }

    async fn other_sources_add_up(db) {
        fixture(&db).await;
        let me = actor(&db, "secretariat").await;
        for code in ["intervention_reach", "people_trained"] {
            let report = get(&db, &me, code, &[]).await;
            let sum: f64 = report.result.rows.iter().filter_map(|r| r.figure.value).sum();
            assert_eq!(Some(sum), report.result.total.value, "{code}");
            let female = get(&db, &me, code, &[("sex", "female")]).await;
            assert!(female.result.total.value <= report.result.total.value, "{code}");
        }
        let reach = indicators::compute(&db.app, &me, "intervention_reach", &IndicatorQuery::default()).await.unwrap();
        assert!(reach.result.total.of.unwrap() > 0, "the demo interventions target people");
        let trainings = indicators::compute(&db.app, &me, "trainings", &IndicatorQuery::default()).await.unwrap();
        assert!(trainings.result.total.value.unwrap() > 0.0);
        // The programme does not apply to trainings: said so.
        let ignored = get(&db, &me, "trainings", &[]).await.ignored;
        assert_eq!(ignored, [cnrm_domain::indicators::FilterKind::Programme]);
        let overdue = indicators::compute(&db.app, &me, "action_points_overdue", &IndicatorQuery::default()).await.unwrap();
        assert!(overdue.result.total.value.is_some());
        let dashboard = indicators::dashboard(&db.app, &me, &query(&[])).await.unwrap();
        assert_eq!(dashboard.reports.len(), indicators::DASHBOARD.len());
    }

    async fn an_organisation_sees_only_its_own_figures(db) {
        fixture(&db).await;
        let manager = actor(&db, "oim.gestion").await;
        let anpe = org_id(&db, "ANPE").await.to_string();
        let own = get(&db, &manager, "returnees_registered", &[]).await;
        assert_eq!(own.result.total.value, Some(3.0));
        // Asking for another organisation still gives one's own.
        let other = get(&db, &manager, "returnees_registered", &[("organisation", &anpe)]).await;
        assert_eq!(other.result.total.value, Some(3.0));
        assert_eq!(other.filter.organisation, Some(org_id(&db, "OIM").await));
        // A case worker reads no aggregates.
        let worker = actor(&db, "oim.agent").await;
        assert!(matches!(indicators::compute(&db.app, &worker, "returnees_registered", &query(&[])).await, Err(AppError::Forbidden)));
    }

    async fn bad_filters_are_refused_clearly(db) {
        testing::load_demo(&db).await;
        let me = actor(&db, "secretariat").await;
        let bad = |extra: &'static [(&'static str, &'static str)]| {
            let db = &db;
            let me = &me;
            async move { indicators::compute(&db.app, me, "returnees_registered", &query(extra)).await }
        };
        assert_eq!(testing::invalid(bad(&[("region", "ML0101")]).await, "region"), "error-choose-from-list");
        assert_eq!(testing::invalid(bad(&[("from", "2025-31-01")]).await, "from"), "error-invalid-date");
        assert_eq!(testing::invalid(bad(&[("sex", "x")]).await, "sex"), "error-choose-from-list");
        assert_eq!(testing::invalid(bad(&[("by", "stage")]).await, "by"), "error-choose-from-list");
        assert!(matches!(indicators::compute(&db.app, &me, "no_such", &query(&[])).await, Err(AppError::NotFound)));
    }

    async fn survey_scores_have_known_answers(db) {
        let ids = fixture(&db).await;
        // A: baseline 0.4, then a follow-up at 0.6; B: baseline 0.7; satisfaction 0.6 (A) and 0.8 (C).
        survey(&db, ids[0], "baseline", "2025-02-01", [0.3, 0.5, 0.4, 0.4]).await;
        survey(&db, ids[0], "follow_up", "2025-08-01", [0.5, 0.7, 0.6, 0.6]).await;
        survey(&db, ids[1], "baseline", "2025-03-01", [0.7, 0.7, 0.7, 0.7]).await;
        survey(&db, ids[0], "satisfaction", "2025-08-01", [0.6, 0.6, 0.6, 0.6]).await;
        survey(&db, ids[2], "satisfaction", "2025-08-02", [0.8, 0.8, 0.8, 0.8]).await;
        rebuild(&db).await;
        let me = actor(&db, "secretariat").await;
        let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-9;

        let score = get(&db, &me, "sustainability_score", &[]).await;
        assert!(close(score.result.total.value, 0.65) && score.result.total.count == 2, "{score:?}");
        let economic = score.result.rows.iter().find(|r| r.key == "economic").unwrap();
        assert!(close(economic.figure.value, 0.6), "{economic:?}");

        let bands = get(&db, &me, "sustainability_above_band", &[]).await;
        assert_eq!((bands.result.total.value, bands.result.total.of), (Some(1.0), Some(2)));
        let high = bands.result.rows.iter().find(|r| r.key == "0.66").unwrap();
        assert_eq!((high.figure.count, high.figure.of), (1, Some(2)));

        let change = get(&db, &me, "sustainability_change", &[("by", "none")]).await;
        assert!(close(change.result.total.value, 0.2) && change.result.total.count == 1, "{change:?}");

        let satisfaction = get(&db, &me, "satisfaction", &[]).await;
        assert!(close(satisfaction.result.total.value, 0.7), "{satisfaction:?}");
        // Filtered to Kayes, C (Koulikoro) leaves the satisfaction mean.
        let kayes = get(&db, &me, "satisfaction", &[("region", "ML01")]).await;
        assert!(close(kayes.result.total.value, 0.6), "{kayes:?}");
    }

    async fn the_dashboard_agrees_with_each_indicator_computed_alone(db) {
        fixture(&db).await;
        let me = actor(&db, "secretariat").await;
        let dashboard = indicators::dashboard(&db.app, &me, &query(&[])).await.unwrap();
        for ((code, breakdown), report) in indicators::DASHBOARD.iter().zip(&dashboard.reports) {
            let alone = indicators::compute_scoped(&db.app, cnrm_domain::indicators::indicator(*code), &dashboard.scoped, *breakdown)
                .await
                .unwrap();
            assert_eq!(report.result, alone.result, "{code:?} by {breakdown:?}");
        }
    }

    async fn a_change_of_sex_or_birth_date_moves_the_case_between_groups(db) {
        let ids = fixture(&db).await;
        let manager = actor(&db, "oim.gestion").await;
        let national = actor(&db, "secretariat").await;
        // A was a woman of 24 on arrival: now a man born in 1960, 65 on arrival.
        let file = cases::get(&db.app, &manager, ids[0]).await.unwrap();
        let mut person = testing::registration("Diarra", "Aïssata", "male", "1960-01-01", "2025-01-10").person;
        person.intended_settlement = "ML0101".into();
        cases::update_person(&db.app, &manager, ids[0], file.person.version, &person).await.unwrap();
        let by_sex = get(&db, &national, "returnees_registered", &[]).await;
        assert_eq!(rows(&by_sex), [row("female", 1.0, None), row("male", 3.0, None)]);
        let by_age = get(&db, &national, "returnees_registered", &[("by", "age_group")]).await;
        assert_eq!(rows(&by_age), [row("0_17", 1.0, None), row("25_59", 1.0, None), row("60_plus", 2.0, None)]);
        let total = |r: IndicatorReport| r.result.total.value;
        assert_eq!(total(get(&db, &national, "returnees_registered", &[("sex", "male"), ("age_group", "60_plus")]).await), Some(1.0));
    }

    async fn the_cells_add_up_as_the_cases_rows_and_the_writes_keep_both_current(db) {
        // The demo's returnees with their plans, referrals and surveys, all written through the services.
        testing::load_demo(&db).await;
        cnrm_app::demo::load_returnees(&db.app, 7, 120, &indicatif::ProgressBar::hidden()).await.unwrap();
        let filters = cells_filters(&db).await;
        let groupings = [None, Some(Breakdown::Sex), Some(Breakdown::AgeGroup), Some(Breakdown::Month), Some(Breakdown::Region)];
        let mut kept = Vec::new();
        for filter in &filters {
            assert!(cnrm_domain::case_facts::cells_answer(filter), "{filter:?}");
            for grouping in groupings {
                let cells = db.app.db.case_sums(filter, grouping, cnrm_domain::case_facts::Measure::all(), false).await.unwrap();
                let per_case = db.app.db.case_sums(filter, grouping, cnrm_domain::case_facts::Measure::all(), true).await.unwrap();
                assert_eq!(cells, per_case, "{filter:?} by {grouping:?}");
                kept.push(per_case);
            }
        }
        let national = &kept[0];
        assert!(national[0].1.get(Measure::Cases) > 0 && national[0].1.get(Measure::LatestScored) > 0, "{national:?}");
        assert!(national[0].1.get(Measure::ReferralsSent) > 0 && national[0].1.get(Measure::ItemsPlanned) > 0);
        // What the writes kept is what the records give.
        rebuild(&db).await;
        let mut again = Vec::new();
        for filter in &filters {
            for grouping in groupings {
                again.push(db.app.db.case_sums(filter, grouping, cnrm_domain::case_facts::Measure::all(), false).await.unwrap());
            }
        }
        assert_eq!(kept, again);
    }

    async fn every_write_through_the_services_moves_the_figures(db) {
        let ids = fixture(&db).await;
        let national = actor(&db, "secretariat").await;
        let registered = |r: &IndicatorReport| r.result.total.value;
        // A registration counts at once, in the cells (region, no programme) and the cases' rows.
        let oim = actor(&db, "oim.agent").await;
        let kayes = IndicatorQuery { region: "ML01".into(), ..Default::default() };
        let before = indicators::compute(&db.app, &national, "returnees_registered", &kayes).await.unwrap();
        let mut input = testing::registration("Sissoko", "Oumar", "male", "1995-05-05", "2025-03-03");
        input.person.intended_settlement = "ML0101".into();
        input.ret.programme = PROGRAMME.into();
        testing::register(&db, &oim, &input).await;
        let after = indicators::compute(&db.app, &national, "returnees_registered", &kayes).await.unwrap();
        assert_eq!(registered(&after), registered(&before).map(|v| v + 1.0));
        assert_eq!(get(&db, &national, "returnees_registered", &[]).await.result.total.value, Some(5.0));
        // A referral sent and accepted through the service counts as sent for its case, and its days
        // to acceptance join the others.
        let days = get(&db, &national, "referral_days_to_acceptance", &[]).await;
        referral(&db, ids[1], 2, &[("accept", "")]).await;
        let sent = get(&db, &national, "referrals_sent", &[]).await;
        assert_eq!(sent.result.total.value, Some(4.0));
        let days_after = get(&db, &national, "referral_days_to_acceptance", &[]).await;
        assert_eq!(days_after.result.total.count, days.result.total.count + 1);
        let drift = db.app.db.case_sums(&cnrm_domain::indicators::IndicatorFilter::default(), None, cnrm_domain::case_facts::Measure::all(), false).await.unwrap();
        rebuild(&db).await;
        let days_rebuilt = get(&db, &national, "referral_days_to_acceptance", &[]).await;
        assert_eq!(days_after.result, days_rebuilt.result, "the writes kept the days' cells as the records make them");
        let recomputed = db.app.db.case_sums(&cnrm_domain::indicators::IndicatorFilter::default(), None, cnrm_domain::case_facts::Measure::all(), false).await.unwrap();
        assert_eq!(drift, recomputed, "the writes kept the cells as the records make them");
    }
}

/// Filters the cells answer: national, a region, a sex, an age group, an organisation, whole months,
/// and some of them combined.
async fn cells_filters(db: &TestDb) -> Vec<cnrm_domain::indicators::IndicatorFilter> {
    use cnrm_domain::indicators::{AgeGroup, IndicatorFilter};
    use cnrm_domain::person::Sex;
    use time::macros::date;
    let oim = org_id(db, "OIM").await;
    let region = |pcode: &str| IndicatorFilter { unit: Some(pcode.into()), unit_level: Some(1), ..Default::default() };
    vec![
        IndicatorFilter::default(),
        region("ML01"),
        region("ML05"),
        IndicatorFilter { sex: Some(Sex::Female), ..Default::default() },
        IndicatorFilter { age_group: Some(AgeGroup::From18To24), sex: Some(Sex::Male), ..Default::default() },
        IndicatorFilter { organisation: Some(oim), ..region("ML01") },
        IndicatorFilter { from: Some(date!(2025 - 01 - 01)), to: Some(date!(2025 - 06 - 30)), ..Default::default() },
        IndicatorFilter {
            from: Some(date!(2024 - 02 - 01)),
            to: Some(date!(2026 - 02 - 28)),
            organisation: Some(oim),
            ..Default::default()
        },
    ]
}
