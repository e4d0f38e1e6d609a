//! `--gaps`: the gap matrix over the national-scale database. Adds, once and in bulk (INSERT … SELECT,
//! reproducible: the rows chosen and their categories follow the cases' identifiers), needs for a share
//! of the cases, 2,000 published services and 5,000 interventions, rebuilds the needs' counters (the
//! seeding writes around the store), then times the matrix.

use anyhow::{Context, Result};
use cnrm_app::gaps::{self, GapQuery};
use cnrm_app::{Actor, App};
use std::time::{Duration, Instant};

/// Timestamps and dates written by the seeding statements.
const AT: &str = "'2026-01-01T00:00:00Z'";

/// The SQL of both backends: `{at}` the time written, `{cat:X}` a category chosen by the identifier `X`,
/// `{id}` a new identifier, `{hex:X}` the lowercase hexadecimal digits of the
/// identifier `X` (32 digits), `{date}` / `{ts}` the prefix making a literal a date / timestamp.
fn dialect(sqlite: bool, sql: &str) -> String {
    let mut out = sql.replace("{at}", AT);
    while let Some(start) = out.find("{cat:") {
        let end = start + out[start..].find('}').expect("closed placeholder");
        let expr = category_of(&format!("substr({{hex:{}}}, 31, 1)", &out[start + 5..end]));
        out.replace_range(start..=end, &expr);
    }
    out = out.replace("{id}", if sqlite { "randomblob(16)" } else { "gen_random_uuid()" });
    out = out
        .replace("{date}", if sqlite { "" } else { "DATE " })
        .replace("{ts}", if sqlite { "" } else { "TIMESTAMPTZ " });
    while let Some(start) = out.find("{hex:") {
        let end = start + out[start..].find('}').expect("closed placeholder");
        let column = &out[start + 5..end];
        let expr =
            if sqlite { format!("lower(hex({column}))") } else { format!("replace(CAST({column} AS TEXT), '-', '')") };
        out.replace_range(start..=end, &expr);
    }
    out
}

/// `CASE` over the digit `d` (an SQL expression) giving one of the 16 assistance categories.
fn category_of(d: &str) -> String {
    let codes = cnrm_domain::lifecycle::plan::AssistanceType::ALL;
    let arms: String =
        codes.iter().enumerate().map(|(k, c)| format!(" WHEN '{:x}' THEN '{}'", k, c.code())).collect::<String>();
    format!("CASE {d}{arms} END")
}

const SEED: &[&str] = &[
    // Plans for the cases whose identifier ends in 0, 1 or 2 (3/16 of them).
    "INSERT INTO plans (id, case_id, agreed_on, author_id, approved_by, approved_at, version, created_at, updated_at)
     SELECT {id}, c.id, NULL, NULL, NULL, NULL, 1, {ts}{at}, {ts}{at} FROM cases c
     WHERE substr({hex:c.id}, 32, 1) IN ('0', '1', '2')
     AND NOT EXISTS (SELECT 1 FROM plans p WHERE p.case_id = c.id)
     AND NOT EXISTS (SELECT 1 FROM plan_items WHERE description = 'bench')",
    // One item each, its category from the 31st digit; a quarter of them delivered already.
    "INSERT INTO plan_items (id, plan_id, case_id, dimension, assistance_type, level, channel,
     provider_organisation_id, description, budget_xof, spent_xof, start_on, end_on, status, cancel_reason, version,
     created_at, updated_at)
     SELECT {id}, p.id, p.case_id, 'economic', {cat:p.case_id}, 'individual', 'direct', NULL, 'bench', 0, 0, NULL, NULL,
     CASE WHEN substr({hex:p.case_id}, 30, 1) IN ('0', '1', '2', '3') THEN 'delivered' ELSE 'planned' END, NULL, 1,
     {ts}{at}, {ts}{at}
     FROM plans p WHERE substr({hex:p.case_id}, 32, 1) IN ('0', '1', '2')
     AND NOT EXISTS (SELECT 1 FROM plan_items WHERE description = 'bench')",
    // Needs assessments for the cases whose identifier ends in 3 or 4 (1/8 of them).
    "INSERT INTO needs_assessments (id, case_id, assessed_on, assessor_id, economic_level, economic_needs,
     economic_notes, social_level, social_needs, social_notes, psychosocial_level, psychosocial_needs,
     psychosocial_notes, notes, recorded_by, created_at)
     SELECT {id}, c.id, {date}'2026-01-15', NULL, 'moderate',
     CASE substr({hex:c.id}, 31, 1) WHEN '0' THEN '[\"income\"]' WHEN '1' THEN '[\"employment\",\"vocational_skills\"]'
       WHEN '2' THEN '[\"business_capital\"]' WHEN '3' THEN '[\"tools_equipment\",\"debt\"]' ELSE '[]' END,
     NULL, 'low',
     CASE substr({hex:c.id}, 30, 1) WHEN '0' THEN '[\"housing\"]' WHEN '1' THEN '[\"documents\",\"legal\"]'
       WHEN '2' THEN '[\"health_access\"]' WHEN '3' THEN '[\"children_education\"]' ELSE '[]' END,
     NULL, 'low', CASE WHEN substr({hex:c.id}, 29, 1) IN ('0', '1') THEN '[\"distress\"]' ELSE '[]' END, NULL, 'bench',
     NULL, {ts}{at}
     FROM cases c WHERE substr({hex:c.id}, 32, 1) IN ('3', '4')
     AND NOT EXISTS (SELECT 1 FROM needs_assessments WHERE notes = 'bench')",
    // 2,000 services (identifiers: the first 2,000 cases'), one published revision each.
    "INSERT INTO catalogue_services (id, organisation_id, version, created_by, created_at, updated_at)
     SELECT s.id, (SELECT id FROM organisations ORDER BY id LIMIT 1), 1, NULL, {ts}{at}, {ts}{at}
     FROM (SELECT id FROM cases ORDER BY id LIMIT 2000) s
     WHERE NOT EXISTS (SELECT 1 FROM catalogue_revisions WHERE description = 'bench')",
    "INSERT INTO catalogue_revisions (id, service_id, number, status, name, category, dimension, description, sexes,
     age_min, age_max, vulnerabilities, return_types, capacity_per_month, cost_xof, contact_name, contact_phone,
     contact_email, languages, opening_hours, review_comment, reviewed_by, reviewed_at, created_by, created_at,
     updated_at)
     SELECT {id}, s.id, 1, 'published', 'Service bench', {cat:s.id}, 'economic', 'bench', '[]', NULL, NULL, '[]', '[]',
     5 + (s.n % 40), 0, '', '', '', '[]', '', NULL, NULL, NULL, NULL, {ts}{at}, {ts}{at}
     FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM (SELECT id FROM cases ORDER BY id LIMIT 2000) x) s
     WHERE NOT EXISTS (SELECT 1 FROM catalogue_revisions WHERE description = 'bench')",
    // A tenth of the services cover a whole region, the others one cercle.
    "INSERT INTO catalogue_revision_units (revision_id, pcode)
     SELECT r.id, u.pcode FROM catalogue_revisions r
     JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM (SELECT id FROM cases ORDER BY id LIMIT 2000) x) s
       ON s.id = r.service_id
     JOIN (SELECT pcode, level, ROW_NUMBER() OVER (ORDER BY level, pcode) - 1 AS k FROM admin_units WHERE level <= 2) u
       ON u.k = CASE WHEN s.n % 10 = 0 THEN (s.n / 10) % 10 ELSE 10 + s.n % 50 END
     WHERE r.description = 'bench' AND NOT EXISTS (SELECT 1 FROM catalogue_revision_units x WHERE x.revision_id = r.id)",
    // 5,000 interventions (identifiers: the next 5,000 cases'), published, of 2025–2026.
    "INSERT INTO interventions (id, organisation_id, title, description, dimension, sector, category, level,
     target_group, start_on, end_on, status, targeted_f_0_17, targeted_f_18_24, targeted_f_25_59, targeted_f_60_plus,
     targeted_m_0_17, targeted_m_18_24, targeted_m_25_59, targeted_m_60_plus, currency, budget_minor, rate_micro,
     budget_xof, published, version, created_by, created_at, updated_at)
     SELECT s.id, (SELECT id FROM organisations ORDER BY id LIMIT 1), 'Intervention bench', 'bench', 'economic',
     'livelihoods', {cat:s.id}, 'individual', 'returnees',
     CASE s.n % 4 WHEN 0 THEN {date}'2025-07-01' WHEN 1 THEN {date}'2026-01-01' WHEN 2 THEN {date}'2026-04-01'
       ELSE {date}'2025-01-01' END,
     CASE s.n % 4 WHEN 0 THEN {date}'2026-06-30' WHEN 1 THEN {date}'2026-12-31' WHEN 2 THEN {date}'2027-03-31'
       ELSE {date}'2025-12-31' END,
     CASE s.n % 4 WHEN 3 THEN 'completed' ELSE 'ongoing' END,
     0, 0, 10, 0, 0, 0, 10, 0, 'XOF', 0, 1000000, 0, TRUE, 1, NULL, {ts}{at}, {ts}{at}
     FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM (SELECT id FROM cases ORDER BY id LIMIT 5000 OFFSET 2000) x) s
     WHERE NOT EXISTS (SELECT 1 FROM interventions WHERE description = 'bench')",
    "INSERT INTO intervention_units (intervention_id, pcode, position)
     SELECT i.id, u.pcode, 0 FROM interventions i
     JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM (SELECT id FROM cases ORDER BY id LIMIT 5000 OFFSET 2000) x) s
       ON s.id = i.id
     JOIN (SELECT pcode, ROW_NUMBER() OVER (ORDER BY level, pcode) - 1 AS k FROM admin_units WHERE level <= 2) u
       ON u.k = CASE WHEN s.n % 10 = 0 THEN (s.n / 10) % 10 ELSE 10 + (s.n * 7) % 50 END
     WHERE i.description = 'bench' AND NOT EXISTS (SELECT 1 FROM intervention_units x WHERE x.intervention_id = i.id)",
];

async fn seed(url: &str) -> Result<()> {
    let sqlite = !(url.starts_with("postgres://") || url.starts_with("postgresql://"));
    let (lite, pg) = if sqlite {
        (Some(cnrm_store_sqlite::Store::connect(url).await?), None)
    } else {
        (None, Some(cnrm_store_postgres::Store::connect(url, None).await?))
    };
    for (k, statement) in SEED.iter().enumerate() {
        let sql = dialect(sqlite, statement);
        let started = Instant::now();
        match (&lite, &pg) {
            (Some(store), _) => cnrm_store_sqlite::execute(store, &sql).await.with_context(|| sql.clone())?,
            (_, Some(store)) => cnrm_store_postgres::execute(store, &sql).await.with_context(|| sql.clone())?,
            _ => unreachable!(),
        }
        println!("seed step {} of {}: {:.1} s", k + 1, SEED.len(), started.elapsed().as_secs_f64());
    }
    if let Some(store) = &pg {
        cnrm_store_postgres::execute(store, "ANALYZE").await?;
    }
    if let Some(store) = &lite {
        cnrm_store_sqlite::execute(store, "PRAGMA optimize").await?;
    }
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

/// Seeds what is missing, then times the matrix `runs` times; true when p95 is within `target_ms`.
pub async fn run(app: &App, url: &str, who: &Actor, runs: usize, target_ms: f64) -> Result<bool> {
    seed(url).await?;
    // The seeding wrote around the store: the counters the matrix reads are recomputed once.
    let started = Instant::now();
    gaps::rebuild(app, &Actor::console()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("gap counters rebuilt: {:.1} s", started.elapsed().as_secs_f64());
    let scenarios = [
        (
            "gap matrix, all regions, Q1 2026",
            GapQuery { from: "2026-01-01".into(), to: "2026-03-31".into(), ..Default::default() },
        ),
        (
            "gap matrix, one region, one category",
            GapQuery { region: "ML01".into(), category: "housing".into(), ..Default::default() },
        ),
    ];
    println!("\n{:<38} {:>9} {:>9} {:>9} {:>9}  needs / overlaps", "scenario", "p50 ms", "p95 ms", "p99 ms", "max ms");
    let mut ok_all = true;
    for (name, query) in &scenarios {
        let mut times = Vec::with_capacity(runs);
        let mut shown = String::new();
        for _ in 0..runs {
            let t = Instant::now();
            let report = gaps::matrix(app, who, query).await?;
            times.push(t.elapsed());
            let needs: i64 = report.matrix.regions.iter().flat_map(|r| r.region.cells.iter()).map(|c| c.needs).sum();
            shown = format!("{needs} / {}", report.matrix.overlaps.len());
        }
        times.sort();
        let p95 = percentile(&times, 0.95);
        let ok = p95 <= target_ms;
        ok_all &= ok;
        println!(
            "{:<38} {:>9.2} {:>9.2} {:>9.2} {:>9.2}  {shown}{}",
            name,
            percentile(&times, 0.5),
            p95,
            percentile(&times, 0.99),
            times.last().unwrap().as_secs_f64() * 1000.0,
            if ok { "" } else { "  ← above target" }
        );
    }
    Ok(ok_all)
}
