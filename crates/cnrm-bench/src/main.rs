//! `cnrm-bench`: measures the case list and search on a large database, on either backend.
//!
//! It fills the database with demo returnees up to `--cases` (reusing what is there), then runs each
//! scenario `--runs` times through the same service the pages and the API call, and prints the
//! latency percentiles. Run it in release mode:
//!
//! ```sh
//! cargo run --release -p cnrm-bench -- --database sqlite:/tmp/bench.sqlite3 --gaps --runs 30
//! cargo run --release -p cnrm-bench -- --database sqlite:/tmp/bench.sqlite3 --cases 1000000
//! cargo run --release -p cnrm-bench -- --database postgres://postgres@127.0.0.1/bench --cases 1000000
//! ```

use anyhow::{Context, Result};
use clap::Parser;
use cnrm_app::actor::Via;
use cnrm_app::cases::{self, CaseQuery};
use cnrm_app::{bootstrap, demo, Actor, App};
use indicatif::{ProgressBar, ProgressStyle};
use std::time::{Duration, Instant};

mod gaps;
mod monitoring;

#[derive(Parser)]
#[command(about = "Benchmark the case list and search of cnrm")]
struct Args {
    #[arg(long, env = "CNRM_DATABASE_URL", default_value = "sqlite:cnrm-bench.sqlite3")]
    database: String,
    /// Number of cases the database should hold.
    #[arg(long, default_value_t = 1_000_000)]
    cases: usize,
    /// Timed runs per scenario.
    #[arg(long, default_value_t = 200)]
    runs: usize,
    #[arg(long, default_value_t = 2024)]
    seed: u64,
    /// Target for the 95th percentile, in milliseconds.
    #[arg(long, default_value_t = 50.0)]
    target_ms: f64,
    /// Time the gap matrix instead (adding needs, 2,000 services and 5,000 interventions once);
    /// its target is `--gaps-target-ms`.
    #[arg(long)]
    gaps: bool,
    #[arg(long, default_value_t = 500.0)]
    gaps_target_ms: f64,
    /// Time the indicators, the national dashboard and the public page instead (adding two
    /// sustainability surveys per case once).
    #[arg(long)]
    monitoring: bool,
    #[arg(long, default_value_t = 300.0)]
    dashboard_target_ms: f64,
    #[arg(long, default_value_t = 500.0)]
    indicator_target_ms: f64,
    #[arg(long, default_value_t = 20.0)]
    public_target_ms: f64,
}

/// Runs one bulk seeding statement on the benchmark database, whichever its backend.
async fn execute(url: &str, sql: &str) -> Result<()> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = cnrm_store_postgres::Store::connect(url, None).await?;
        cnrm_store_postgres::execute(&store, sql).await?;
    } else {
        let store = cnrm_store_sqlite::Store::connect(url).await?;
        cnrm_store_sqlite::execute(&store, sql).await?;
    }
    Ok(())
}

async fn actor(app: &App, username: &str) -> Result<Actor> {
    let user = app.db.user_by_username(username).await?.with_context(|| format!("no demo account {username}"))?;
    Ok(Actor { user, ip: None, via: Via::Api })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let db = cnrm_app::connect(&args.database).await?;
    db.migrate().await?;
    let app = App::new(db);
    bootstrap::prepare(&app).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    demo::load(&app, args.seed, &ProgressBar::hidden()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let bar = ProgressBar::new(0);
    bar.set_style(ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({per_sec}, {eta})")?);
    let started = Instant::now();
    let added = demo::load_returnees(&app, args.seed, args.cases, &bar).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    if added > 0 {
        println!("loaded {added} cases in {:.1} s", started.elapsed().as_secs_f64());
    }
    if args.gaps {
        let secretariat = actor(&app, "secretariat").await?;
        println!("backend {:?}", app.db.backend());
        let ok = gaps::run(&app, &args.database, &secretariat, args.runs, args.gaps_target_ms).await?;
        println!("\ngap matrix {} {} ms at p95", if ok { "within" } else { "above" }, args.gaps_target_ms);
        return Ok(());
    }
    if args.monitoring {
        let secretariat = actor(&app, "secretariat").await?;
        println!("backend {:?}", app.db.backend());
        let targets = monitoring::Targets {
            dashboard_ms: args.dashboard_target_ms,
            indicator_ms: args.indicator_target_ms,
            public_ms: args.public_target_ms,
        };
        let ok = monitoring::run(&app, &args.database, &secretariat, args.runs, &targets).await?;
        println!("\nmonitoring {} target", if ok { "within" } else { "above" });
        return Ok(());
    }
    let manager = actor(&app, "oim.gestion").await?;
    let worker = actor(&app, "oim.agent").await?;
    let total = cases::list(&app, &manager, &CaseQuery { per_page: Some(1), ..Default::default() }).await?.total;
    println!("backend {:?}; cases visible to the OIM case manager: {total}", app.db.backend());

    let names = ["traore", "coulibaly", "keita", "diarra", "maiga", "sidibe", "tounkara", "gory"];
    let given = ["mamadou", "awa", "seydou", "fatoumata", "issa", "hawa"];
    let regions = ["ML01", "ML02", "ML0103", "ML09", "ML05"];
    let countries = ["LY", "DZ", "NE", "MR"];
    type Scenario = (&'static str, Box<dyn Fn(usize) -> (bool, CaseQuery)>);
    let scenarios: Vec<Scenario> = vec![
        (
            "list, newest first",
            Box::new(|i| (true, CaseQuery { page: Some(1 + (i % 5) as i64), ..Default::default() })),
        ),
        (
            "filter: open, settlement region",
            Box::new(move |i| {
                (
                    true,
                    CaseQuery {
                        status: "open".into(),
                        settlement: regions[i % regions.len()].into(),
                        ..Default::default()
                    },
                )
            }),
        ),
        (
            "filter: country, return type, period",
            Box::new(move |i| {
                (
                    true,
                    CaseQuery {
                        returned_from: countries[i % countries.len()].into(),
                        return_type: "avr".into(),
                        arrived_from: "2025-01-01".into(),
                        arrived_to: "2025-06-30".into(),
                        ..Default::default()
                    },
                )
            }),
        ),
        (
            "search: family name",
            Box::new(move |i| (true, CaseQuery { q: names[i % names.len()].into(), ..Default::default() })),
        ),
        (
            "search: family + given name prefix",
            Box::new(move |i| {
                let q = format!("{} {}", names[i % names.len()], &given[i % given.len()][..3]);
                (true, CaseQuery { q, ..Default::default() })
            }),
        ),
        (
            "search: name, sorted by name",
            Box::new(move |i| {
                (true, CaseQuery { q: names[i % names.len()].into(), sort: Some("name".into()), ..Default::default() })
            }),
        ),
        (
            "search: passport number",
            Box::new(|i| (true, CaseQuery { q: format!("AA{:08}", i * 37), ..Default::default() })),
        ),
        (
            "worker: my cases (team scope)",
            Box::new(|_| (false, CaseQuery { assigned: "me".into(), ..Default::default() })),
        ),
        (
            "worker: team list + name",
            Box::new(move |i| (false, CaseQuery { q: names[i % names.len()].into(), ..Default::default() })),
        ),
    ];
    println!("\n{:<38} {:>9} {:>9} {:>9} {:>9}  results", "scenario", "p50 ms", "p95 ms", "p99 ms", "max ms");
    let mut failed = 0;
    for (name, make) in &scenarios {
        let mut times = Vec::with_capacity(args.runs);
        let mut results = 0;
        for i in 0..args.runs {
            let (as_manager, query) = make(i);
            let who = if as_manager { &manager } else { &worker };
            let t = Instant::now();
            let page = cases::list(&app, who, &query).await?;
            times.push(t.elapsed());
            results = page.total;
        }
        times.sort();
        let p95 = percentile(&times, 0.95);
        let ok = p95 <= args.target_ms;
        failed += usize::from(!ok);
        println!(
            "{:<38} {:>9.2} {:>9.2} {:>9.2} {:>9.2}  {results}{}",
            name,
            percentile(&times, 0.5),
            p95,
            percentile(&times, 0.99),
            times.last().unwrap().as_secs_f64() * 1000.0,
            if ok { "" } else { "  ← above target" }
        );
    }
    println!("\n{} of {} scenarios within {} ms at p95", scenarios.len() - failed, scenarios.len(), args.target_ms);
    Ok(())
}
