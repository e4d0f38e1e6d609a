//! `cnrm dedup`: find registrations of the same person.
//!
//! File mode (`--input people.csv --output DIR`) needs no database: it reads the CSV, runs the
//! `cnrm-match` pipeline and writes `DIR/pairs.csv` and `DIR/clusters.csv`. Database mode (without
//! `--input`) runs the same pipeline over every person record of the database and fills the data
//! stewards' review queue (`cnrm_app::identity::dedup_database`): pairs already decided "not the
//! same" or already linked are not proposed again.

use anyhow::{bail, Result};
use clap::Args;
use cnrm_match::file::{read_file, write_outputs, Columns, ReadOptions};
use cnrm_match::{Config, Stage};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::sync::Mutex;

#[derive(Args)]
pub struct DedupArgs {
    /// CSV file of registrations (file mode). Columns by default: record_id, family_name,
    /// given_name, sex, date_of_birth, phone, region, cercle; other columns are ignored. Without
    /// --input, the database (--database) is searched and the review queue filled.
    #[arg(long, requires = "output")]
    input: Option<PathBuf>,
    /// Folder to write pairs.csv and clusters.csv to (created if missing).
    #[arg(long, requires = "input")]
    output: Option<PathBuf>,
    /// Pairs with a match probability at or above this are the same person.
    #[arg(long, default_value_t = 0.9)]
    threshold: f64,
    #[command(flatten)]
    columns: ColumnArgs,
}

/// Names of the input columns, when they differ from the defaults.
#[derive(Args)]
struct ColumnArgs {
    #[arg(long, default_value = "record_id")]
    record_id_column: String,
    #[arg(long, default_value = "family_name")]
    family_name_column: String,
    #[arg(long, default_value = "given_name")]
    given_name_column: String,
    #[arg(long, default_value = "sex")]
    sex_column: String,
    #[arg(long, default_value = "date_of_birth")]
    date_of_birth_column: String,
    #[arg(long, default_value = "phone")]
    phone_column: String,
    #[arg(long, default_value = "region")]
    region_column: String,
    #[arg(long, default_value = "cercle")]
    cercle_column: String,
    /// Optional column of identity document numbers (passport, NINA, consular card).
    #[arg(long)]
    document_column: Option<String>,
    /// Optional column of the father's given name (the filiation: "fils de …").
    #[arg(long)]
    father_name_column: Option<String>,
    /// Optional column of the mother's name (given and family names).
    #[arg(long)]
    mother_name_column: Option<String>,
}

fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:22} [{bar:30}] {pos}/{len} ({eta})").expect("valid template"),
    );
    bar
}

fn check_threshold(threshold: f64) -> Result<()> {
    if !(0.0..1.0).contains(&threshold) || threshold <= 0.0 {
        bail!("--threshold must lie between 0 and 1");
    }
    Ok(())
}

/// Whether the arguments ask for database mode (no `--input`).
pub fn database_mode(args: &DedupArgs) -> bool {
    args.input.is_none()
}

/// Database mode: every person record, pairs into the review queue.
pub async fn run_database(app: &cnrm_app::App, args: DedupArgs) -> Result<()> {
    check_threshold(args.threshold)?;
    let bar = progress_bar();
    let stage = Mutex::new(String::new());
    let progress = |s: &str, done: u64, total: u64| {
        let mut current = stage.lock().unwrap_or_else(|e| e.into_inner());
        if *current != s {
            *current = s.to_string();
            bar.set_message(s.to_string());
            bar.set_length(total);
        }
        bar.set_position(done);
    };
    let report = cnrm_app::identity::dedup_database(app, &cnrm_app::Actor::console(), args.threshold, &progress)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    println!(
        "{} person records, {} matched pairs: {} added to the review queue, {} already there, {} already linked.",
        report.records, report.pairs, report.added, report.known, report.already_linked
    );
    Ok(())
}

pub fn run(args: DedupArgs) -> Result<()> {
    let (Some(input), Some(output)) = (args.input, args.output) else {
        bail!("file mode needs --input FILE.csv --output DIR");
    };
    check_threshold(args.threshold)?;
    let c = args.columns;
    let options = ReadOptions {
        columns: Columns {
            record_id: c.record_id_column,
            family_name: c.family_name_column,
            given_name: c.given_name_column,
            sex: c.sex_column,
            date_of_birth: c.date_of_birth_column,
            phone: c.phone_column,
            region: c.region_column,
            cercle: c.cercle_column,
            document: c.document_column,
            father_name: c.father_name_column,
            mother_name: c.mother_name_column,
        },
        ..ReadOptions::default()
    };
    let data = read_file(&input, &options).map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
    if data.delimiter != b',' {
        eprintln!("{}: delimiter {:?} detected", input.display(), data.delimiter as char);
    }
    let bar = progress_bar();
    let stage = Mutex::new(None::<Stage>);
    let progress = |s: Stage, done: u64, total: u64| {
        let mut current = stage.lock().unwrap_or_else(|e| e.into_inner());
        if *current != Some(s) {
            *current = Some(s);
            bar.set_message(s.label());
            bar.set_length(total);
        }
        bar.set_position(done);
    };
    let config = Config { threshold: args.threshold, ..Config::default() };
    let result = cnrm_match::dedup(&data.records, &config, &progress);
    bar.finish_and_clear();
    write_outputs(&output, &data.records, &result)
        .map_err(|e| anyhow::anyhow!("writing to {}: {e} (nothing was written)", output.display()))?;
    let persons = result.persons.iter().max().map(|m| m + 1).unwrap_or(0);
    println!(
        "{} registrations, {} persons, {} matched pairs ({} pairs compared). Written: {}, {}",
        data.records.len(),
        persons,
        result.pairs.len(),
        result.pairs_compared,
        output.join("pairs.csv").display(),
        output.join("clusters.csv").display()
    );
    Ok(())
}
