//! `--monitoring`: the indicators, the national dashboard and the public page over the national-scale
//! database. Adds, once and in bulk (INSERT … SELECT, reproducible: values follow the cases'
//! identifiers), a plan for most cases with one to three items, referrals for a third of the plans,
//! and two sustainability surveys per case — a baseline a month after arrival and a follow-up six
//! months later, 2,000,000 submissions for 1,000,000 cases — recomputes the case facts (the seeding
//! writes around the services), then times:
//! - the national dashboard as the secretariat sees it (target `--dashboard-target-ms`, 300 ms);
//! - single indicators with filters (region, sex, period, organisation, and those the cells do not key:
//!   cercle, days, return, country, programme, vulnerability; target `--indicator-target-ms`, 500 ms);
//! - the public page through the router, as a visitor gets it between two data changes (target
//!   `--public-target-ms`, 20 ms), after one first visit that computes it.

use anyhow::{Context, Result};
use axum::body::Body;
use axum::http::Request;
use cnrm_app::indicators;
use cnrm_app::{Actor, App};
use cnrm_domain::indicators::IndicatorQuery;
use std::time::{Duration, Instant};
use tower::ServiceExt;

use crate::percentile;

/// The SQL of both backends: `{hex:X}` the 32 lowercase hexadecimal digits of the identifier `X`,
/// `{digit:X:N}` the value (0–15) of its N-th digit, `{days:D:N}` the date `D` plus `N` days, `{at:D}`
/// 09:00 UTC on the date `D`, `{id}` a new identifier.
fn dialect(sqlite: bool, sql: &str) -> String {
    let mut out = sql.replace("{id}", if sqlite { "randomblob(16)" } else { "gen_random_uuid()" });
    while let Some(start) = out.find("{days:") {
        let end = start + out[start..].find('}').expect("closed placeholder");
        let (date, days) = out[start + 6..end].split_once(':').expect("{days:D:N}");
        let expr = if sqlite { format!("date({date}, '+{days} days')") } else { format!("({date} + {days})") };
        out.replace_range(start..=end, &expr);
    }
    while let Some(start) = out.find("{at:") {
        let end = start + out[start..].find('}').expect("closed placeholder");
        let date = &out[start + 4..end];
        let expr = if sqlite {
            format!("({date} || 'T09:00:00Z')")
        } else {
            format!("(CAST({date} AS TIMESTAMP) AT TIME ZONE 'UTC' + INTERVAL '9 hours')")
        };
        out.replace_range(start..=end, &expr);
    }
    while let Some(start) = out.find("{digit:") {
        let end = start + out[start..].find('}').expect("closed placeholder");
        let (column, n) = out[start + 7..end].split_once(':').expect("{digit:X:N}");
        let position = if sqlite { "instr" } else { "strpos" };
        let expr = format!("({position}('0123456789abcdef', substr({{hex:{column}}}, {n}, 1)) - 1)");
        out.replace_range(start..=end, &expr);
    }
    while let Some(start) = out.find("{hex:") {
        let end = start + out[start..].find('}').expect("closed placeholder");
        let column = &out[start + 5..end];
        let expr =
            if sqlite { format!("lower(hex({column}))") } else { format!("replace(CAST({column} AS TEXT), '-', '')") };
        out.replace_range(start..=end, &expr);
    }
    out
}

/// One survey per case and kind: scores from the identifier's digits (economic from the 30th, social
/// from the 29th, psychosocial from the 28th), the follow-up a little higher than the baseline for
/// most cases, as reintegration usually goes.
const SUBMISSIONS: &str =
    "INSERT INTO survey_submissions (id, case_id, questionnaire_code, version_id, kind, answered_on,
     answers, scores, score_economic, score_social, score_psychosocial, score_composite, scored_with_version,
     submitted_by, created_at)
     SELECT {id}, c.id, 'rss', v.id, '{kind}', {days:c.arrival_date:{after}}, '{}', '{}',
     ({digit:c.id:30} + {lift}) / 18.0, ({digit:c.id:29} + {lift}) / 18.0, ({digit:c.id:28} + {lift}) / 18.0,
     ({digit:c.id:30} + {digit:c.id:29} + {digit:c.id:28} + 3 * {lift}) / 54.0, v.id, NULL, c.created_at
     FROM cases c
     JOIN (SELECT id FROM questionnaire_versions WHERE questionnaire_code = 'rss' ORDER BY version LIMIT 1) v ON TRUE
     WHERE NOT EXISTS (SELECT 1 FROM survey_submissions WHERE kind = '{kind}' AND submitted_by IS NULL
       AND answers = '{}')";

// The seeds skip what is there with `NOT IN (subquery)`, read once before the first row is written: a
// correlated `NOT EXISTS` on the table being filled rereads the rows the statement already wrote, for
// every row (hours on PostgreSQL at a million cases).

/// A plan for 11 cases in 16, agreed within a month of arrival for 9 in 16 of them.
const PLANS: &str = "INSERT INTO plans (id, case_id, agreed_on, author_id, approved_by, approved_at, version,
     created_at, updated_at)
     SELECT {id}, c.id, CASE WHEN {digit:c.id:26} < 9 THEN {days:c.arrival_date:21} ELSE {days:c.arrival_date:55} END,
     NULL, NULL, NULL, 1, c.created_at, c.created_at
     FROM cases c WHERE {digit:c.id:27} < 11 AND c.id NOT IN (SELECT case_id FROM plans)";

/// One item of a dimension for the plans whose case's digit `{which}` is below `{share}` (of 16):
/// delivered for 10 in 16 (the whole budget spent), under way 3, cancelled 1, planned 2.
const ITEMS: &str = "INSERT INTO plan_items (id, plan_id, case_id, dimension, assistance_type, level, channel,
     provider_organisation_id, description, budget_xof, spent_xof, start_on, end_on, status, cancel_reason,
     version, created_at, updated_at)
     SELECT {id}, p.id, p.case_id, '{dimension}', '{type}', 'individual', 'direct', NULL, '', {budget},
     CASE WHEN {digit:p.case_id:25} < 10 THEN {budget} ELSE 0 END, NULL, NULL,
     CASE WHEN {digit:p.case_id:25} < 10 THEN 'delivered' WHEN {digit:p.case_id:25} < 13 THEN 'in_progress'
          WHEN {digit:p.case_id:25} = 15 THEN 'cancelled' ELSE 'planned' END,
     NULL, 1, p.created_at, p.created_at
     FROM plans p WHERE {digit:p.case_id:{which}} < {share}
     AND p.id NOT IN (SELECT plan_id FROM plan_items WHERE dimension = '{dimension}')";

/// A referral for 6 in 16 of the cases with a plan, sent 40 days after arrival, to the first
/// organisation: completed 6 in 16, accepted 3, under way 2, declined 2, not completed 1, waiting 2;
/// accepted 3, 10 or 30 days after it was sent.
const REFERRALS: &str = "INSERT INTO referrals (id, case_id, plan_item_id, from_organisation_id, to_organisation_id,
     service, shared_fields, note, status, reason, feedback, due_on, sent_by, version, created_at, updated_at,
     accepted_on)
     SELECT {id}, c.id, NULL, c.organisation_id, o.id, 'vocational_training', '[]', '',
     CASE WHEN {digit:c.id:21} < 6 THEN 'completed' WHEN {digit:c.id:21} < 9 THEN 'accepted'
          WHEN {digit:c.id:21} < 11 THEN 'in_progress' WHEN {digit:c.id:21} < 13 THEN 'declined'
          WHEN {digit:c.id:21} = 13 THEN 'not_completed' ELSE 'sent' END,
     NULL, NULL, NULL, NULL, 1, {at:{days:c.arrival_date:40}}, {at:{days:c.arrival_date:40}},
     CASE WHEN {digit:c.id:21} < 11 OR {digit:c.id:21} = 13 THEN
          CASE WHEN {digit:c.id:20} < 6 THEN {days:c.arrival_date:43} WHEN {digit:c.id:20} < 12
          THEN {days:c.arrival_date:50} ELSE {days:c.arrival_date:70} END END
     FROM cases c JOIN plans p ON p.case_id = c.id
     JOIN (SELECT id FROM organisations ORDER BY acronym LIMIT 1) o ON TRUE
     WHERE {digit:c.id:22} < 6 AND c.id NOT IN (SELECT case_id FROM referrals)";

async fn seed(url: &str) -> Result<()> {
    let sqlite = !(url.starts_with("postgres://") || url.starts_with("postgresql://"));
    // (dimension, assistance, budget XOF, digit, share of 16 plans)
    let items = [
        ("economic", "business_start_up", 350_000, 24, 16),
        ("social", "housing", 90_000, 24, 8),
        ("psychosocial", "psychosocial_counselling", 25_000, 23, 5),
    ];
    let mut statements = vec![("plans".to_string(), PLANS.to_string())];
    for (dimension, kind, budget, which, share) in items {
        let sql = ITEMS
            .replace("{which}", &which.to_string())
            .replace("{share}", &share.to_string())
            .replace("{dimension}", dimension)
            .replace("{type}", kind)
            .replace("{budget}", &budget.to_string());
        statements.push((format!("{dimension} plan items"), sql));
    }
    statements.push(("referrals".to_string(), REFERRALS.to_string()));
    for (what, sql) in statements {
        let sql = dialect(sqlite, &sql);
        let started = Instant::now();
        crate::execute(url, &sql).await.with_context(|| sql.clone())?;
        println!("seeded {what} in {:.1} s", started.elapsed().as_secs_f64());
    }
    for (kind, after, lift) in [("baseline", 30, "0"), ("follow_up", 210, "3")] {
        let sql = dialect(sqlite, &SUBMISSIONS.replace("{kind}", kind).replace("{after}", &after.to_string()))
            .replace("{lift}", lift);
        let started = Instant::now();
        crate::execute(url, &sql).await.with_context(|| sql.clone())?;
        println!("seeded {kind} surveys in {:.1} s", started.elapsed().as_secs_f64());
    }
    if !sqlite {
        crate::execute(url, "ANALYZE").await?;
    }
    Ok(())
}

fn report(name: &str, times: &mut [Duration], target_ms: f64) -> bool {
    times.sort();
    let p95 = percentile(times, 0.95);
    let ok = p95 <= target_ms;
    println!(
        "{:<44} {:>9.2} {:>9.2} {:>9.2}{}",
        name,
        percentile(times, 0.5),
        p95,
        times.last().unwrap().as_secs_f64() * 1000.0,
        if ok { "" } else { "  ← above target" }
    );
    ok
}

pub struct Targets {
    pub dashboard_ms: f64,
    pub indicator_ms: f64,
    pub public_ms: f64,
}

/// Seeds the surveys (once), then times each scenario `runs` times; true when all are within target.
pub async fn run(app: &App, url: &str, secretariat: &Actor, runs: usize, targets: &Targets) -> Result<bool> {
    seed(url).await?;
    // The surveys were written in SQL, around the services: the case facts are recomputed from them.
    let started = Instant::now();
    indicators::rebuild(app, &Actor::console()).await?;
    println!("rebuilt the case facts in {:.1} s", started.elapsed().as_secs_f64());
    println!("\n{:<44} {:>9} {:>9} {:>9}", "scenario", "p50 ms", "p95 ms", "max ms");
    let mut all_ok = true;

    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        indicators::dashboard(app, secretariat, &IndicatorQuery::default()).await?;
        times.push(t.elapsed());
    }
    all_ok &= report("national dashboard (secretariat)", &mut times, targets.dashboard_ms);

    let organisation = app
        .db
        .user_by_username("oim.gestion")
        .await?
        .context("no demo account oim.gestion")?
        .organisation_id
        .to_string();
    let filtered: Vec<(&str, &str, IndicatorQuery)> = vec![
        (
            "returnees registered, region Kayes",
            "returnees_registered",
            IndicatorQuery { region: "ML01".into(), ..Default::default() },
        ),
        (
            "returnees assisted, women",
            "returnees_assisted",
            IndicatorQuery { sex: "female".into(), ..Default::default() },
        ),
        (
            "plan within a month, 2025 H1",
            "plan_within_month",
            IndicatorQuery { from: "2025-01-01".into(), to: "2025-06-30".into(), ..Default::default() },
        ),
        (
            "sustainability score, Mopti, by dimension",
            "sustainability_score",
            IndicatorQuery { region: "ML05".into(), by: "dimension".into(), ..Default::default() },
        ),
        (
            "sustainability change, one organisation",
            "sustainability_change",
            IndicatorQuery { organisation, ..Default::default() },
        ),
        (
            "assistance delivered, cercle Bafoulabé",
            "assistance_delivered",
            IndicatorQuery { cercle: "ML0101".into(), ..Default::default() },
        ),
        (
            "registered, returned from Libya, AVR",
            "returnees_registered",
            IndicatorQuery { returned_from: "LY".into(), return_type: "avr".into(), ..Default::default() },
        ),
        (
            "referrals successful, women 18–24",
            "referrals_successful",
            IndicatorQuery { sex: "female".into(), age_group: "18_24".into(), ..Default::default() },
        ),
        // Filters the cells do not key: read from every case's row.
        (
            "assisted, programme MPRR (every case)",
            "returnees_assisted",
            IndicatorQuery { programme: "MPRR".into(), ..Default::default() },
        ),
        (
            "score by dimension, medical condition",
            "sustainability_score",
            IndicatorQuery { vulnerability: "medical_condition".into(), by: "dimension".into(), ..Default::default() },
        ),
        (
            "referrals by stage, 10 March–9 June 2025",
            "referrals_sent",
            IndicatorQuery {
                from: "2025-03-10".into(),
                to: "2025-06-09".into(),
                by: "stage".into(),
                ..Default::default()
            },
        ),
        ("median days to acceptance, national", "referral_days_to_acceptance", IndicatorQuery::default()),
        (
            "median days to acceptance, Kayes, women",
            "referral_days_to_acceptance",
            IndicatorQuery { region: "ML01".into(), sex: "female".into(), ..Default::default() },
        ),
        (
            "XOF delivered by dimension, from Libya",
            "assistance_delivered_xof",
            IndicatorQuery { returned_from: "LY".into(), by: "dimension".into(), ..Default::default() },
        ),
    ];
    for (name, code, query) in &filtered {
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            indicators::compute(app, secretariat, code, query).await?;
            times.push(t.elapsed());
        }
        all_ok &= report(name, &mut times, targets.indicator_ms);
    }

    let state = cnrm_web::AppState { app: app.clone(), settings: Default::default() };
    let router = cnrm_web::router(state);
    let visit = || async {
        let request = Request::get("/public").body(Body::empty()).expect("request");
        let t = Instant::now();
        let response = router.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body");
        anyhow::ensure!(status.is_success(), "/public answered {status}");
        Ok::<Duration, anyhow::Error>(t.elapsed())
    };
    let first = visit().await?;
    println!("{:<44} {:>9.2}", "public page, first visit (computes)", first.as_secs_f64() * 1000.0);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(visit().await?);
    }
    all_ok &= report("public page, between data changes", &mut times, targets.public_ms);
    Ok(all_ok)
}
