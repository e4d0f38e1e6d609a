//! `--monitoring`: the indicators, the national dashboard and the public page over the national-scale
//! database. Adds, once and in bulk (INSERT … SELECT, reproducible: answers follow the cases'
//! identifiers), two sustainability surveys per case — a baseline a month after arrival and a follow-up
//! six months later, 2,000,000 submissions for 1,000,000 cases — recomputes the case facts (the seeding
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
/// `{digit:X:N}` the value (0–15) of its N-th digit, `{days:D:N}` the date `D` plus `N` days, `{id}` a
/// new identifier.
fn dialect(sqlite: bool, sql: &str) -> String {
    let mut out = sql.replace("{id}", if sqlite { "randomblob(16)" } else { "gen_random_uuid()" });
    while let Some(start) = out.find("{days:") {
        let end = start + out[start..].find('}').expect("closed placeholder");
        let (date, days) = out[start + 6..end].split_once(':').expect("{days:D:N}");
        let expr = if sqlite { format!("date({date}, '+{days} days')") } else { format!("({date} + {days})") };
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

async fn seed(url: &str) -> Result<()> {
    let sqlite = !(url.starts_with("postgres://") || url.starts_with("postgresql://"));
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
