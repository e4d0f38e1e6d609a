//! Benchmark harness of `cnrm-match`.
//!
//! - `batch --records N`: generates N synthetic registrations with known persons, deduplicates them
//!   and reports pairwise and cluster precision / recall / F1, pairs compared, wall time, peak
//!   memory (VmHWM) and, per error type, the duplicates still missed.
//! - `online --persons N`: indexes N persons and times lookups of new registrations (p50, p99).
//! - `csv --input FILE [--input FILE2] ...`: runs on a CSV file whose record ids carry the truth
//!   (FEBRL: `rec-12-org`, `rec-12-dup-0`), with a column mapping; `--linkage` scores only pairs
//!   across the two files (FEBRL4).
//! - `generate --records N --output FILE`: writes a synthetic CSV for `cnrm dedup`.

#![allow(clippy::needless_range_loop, clippy::large_enum_variant)]

mod generator;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use cnrm_match::file::{read_file, Columns, ReadOptions};
use cnrm_match::{dedup, Config, Index, Model, Record};
use rand::{Rng, SeedableRng};
use std::time::Instant;

#[derive(Parser)]
#[command(about = "Benchmarks of cnrm-match")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Batch {
        #[arg(long, default_value_t = 10_000)]
        records: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        #[arg(long, default_value_t = 0.9)]
        threshold: f64,
        /// Least mean probability across two groups for the clustering to join them.
        #[arg(long, default_value_t = 0.5)]
        guard: f64,
        /// Print up to this many missed and false pairs.
        #[arg(long, default_value_t = 0)]
        show: usize,
        /// Drop the identity documents before matching (what the model does without them).
        #[arg(long)]
        no_documents: bool,
        /// Chance that a registration after the first records each document the person holds
        /// (the first records the travel document at least as often); default 0.4.
        #[arg(long)]
        document_recording: Option<f64>,
    },
    Online {
        #[arg(long, default_value_t = 1_000_000)]
        persons: usize,
        #[arg(long, default_value_t = 10_000)]
        queries: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    Csv {
        #[arg(long, required = true)]
        input: Vec<std::path::PathBuf>,
        #[arg(long, default_value = "rec_id")]
        id_column: String,
        #[arg(long, default_value = "surname")]
        family_column: String,
        #[arg(long, default_value = "given_name")]
        given_column: String,
        #[arg(long, default_value = "sex")]
        sex_column: String,
        #[arg(long, default_value = "date_of_birth")]
        dob_column: String,
        #[arg(long, default_value = "phone")]
        phone_column: String,
        #[arg(long, default_value = "state")]
        region_column: String,
        #[arg(long, default_value = "postcode")]
        cercle_column: String,
        #[arg(long)]
        document_column: Option<String>,
        /// Score only pairs across input files (record linkage).
        #[arg(long)]
        linkage: bool,
        #[arg(long, default_value_t = 0.9)]
        threshold: f64,
    },
    Generate {
        #[arg(long, default_value_t = 10_000)]
        records: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        #[arg(long)]
        output: std::path::PathBuf,
    },
}

/// Peak resident memory of this process, from /proc/self/status (kB).
fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn pairs_in(groups: impl Iterator<Item = u64>) -> u64 {
    groups.map(|k| k * k.saturating_sub(1) / 2).sum()
}

struct Scores {
    tp: u64,
    predicted: u64,
    actual: u64,
}

impl Scores {
    fn print(&self, label: &str) {
        let p = self.tp as f64 / self.predicted.max(1) as f64;
        let r = self.tp as f64 / self.actual.max(1) as f64;
        let f1 = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
        println!(
            "{label:<26} precision {p:.4}  recall {r:.4}  F1 {f1:.4}   (true positives {}, predicted {}, actual {})",
            self.tp, self.predicted, self.actual
        );
    }
}

/// Pairwise scores of a clustering against the truth. `source` (when given) restricts to pairs
/// whose records come from different sources.
fn pair_scores(predicted: &[u32], truth: &[u32], source: Option<&[u8]>) -> Scores {
    use std::collections::HashMap;
    let count = |labels: &[u32], other: Option<&[u32]>| -> u64 {
        // Pairs sharing `labels` (and `other` if given), across sources if asked.
        let mut groups: HashMap<(u32, u32), [u64; 2]> = HashMap::new();
        for i in 0..labels.len() {
            let key = (labels[i], other.map(|o| o[i]).unwrap_or(0));
            let s = source.map(|s| s[i] as usize).unwrap_or(0).min(1);
            groups.entry(key).or_default()[s] += 1;
        }
        if source.is_some() {
            groups.values().map(|g| g[0] * g[1]).sum()
        } else {
            pairs_in(groups.values().map(|g| g[0]))
        }
    };
    Scores { tp: count(predicted, Some(truth)), predicted: count(predicted, None), actual: count(truth, None) }
}

/// Exact-cluster scores over persons with two or more registrations.
fn cluster_scores(predicted: &[u32], truth: &[u32]) -> Scores {
    use std::collections::HashMap;
    let mut pred: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut real: HashMap<u32, Vec<u32>> = HashMap::new();
    for i in 0..predicted.len() {
        pred.entry(predicted[i]).or_default().push(i as u32);
        real.entry(truth[i]).or_default().push(i as u32);
    }
    let exact = pred
        .values()
        .filter(|m| {
            m.len() > 1
                && m.iter().all(|&i| truth[i as usize] == truth[m[0] as usize])
                && real[&truth[m[0] as usize]].len() == m.len()
        })
        .count() as u64;
    Scores {
        tp: exact,
        predicted: pred.values().filter(|m| m.len() > 1).count() as u64,
        actual: real.values().filter(|m| m.len() > 1).count() as u64,
    }
}

fn progress() -> impl Fn(cnrm_match::Stage, u64, u64) + Sync {
    let start = Instant::now();
    move |stage, done, total| {
        if done == total {
            eprintln!("  [{:>7.2}s] {} done", start.elapsed().as_secs_f64(), stage.label());
        }
    }
}

/// Whether two registrations carry a document of one kind each (so that the document can speak).
fn comparable_documents(a: &Record, b: &Record) -> bool {
    let (da, db) =
        (cnrm_match::normalize::parse_documents(&a.document), cnrm_match::normalize::parse_documents(&b.document));
    da.iter().any(|(ka, _)| db.iter().any(|(kb, _)| ka.comparable(*kb)))
}

struct BatchOptions {
    threshold: f64,
    guard: f64,
    show: usize,
    no_documents: bool,
    document_recording: Option<f64>,
}

fn batch(n: usize, seed: u64, o: BatchOptions) -> Result<()> {
    let BatchOptions { threshold, guard, show, no_documents, document_recording } = o;
    let mut recording = generator::Recording::default();
    if let Some(r) = document_recording {
        anyhow::ensure!((0.0..=1.0).contains(&r), "--document-recording is a chance between 0 and 1, not {r}");
        recording = generator::Recording {
            first_travel: recording.first_travel.max(r),
            first_other: recording.first_other.max(r),
            later: r,
        };
    }
    let t = Instant::now();
    let mut data = generator::generate_with(n, seed, recording);
    if no_documents {
        for r in &mut data.records {
            r.document.clear();
        }
    }
    let with_document =
        data.records.iter().filter(|r| !cnrm_match::normalize::parse_documents(&r.document).is_empty()).count();
    println!(
        "registrations carrying a document (placeholders aside): {with_document} ({:.1} %)",
        100.0 * with_document as f64 / data.records.len().max(1) as f64
    );
    let generated = t.elapsed();
    println!(
        "records {}  persons {}  (generated in {:.1}s)",
        data.records.len(),
        data.truth.iter().max().map(|m| m + 1).unwrap_or(0),
        generated.as_secs_f64()
    );
    let start = Instant::now();
    let guard = cnrm_match::Guard { min_mean_probability: guard, ..Default::default() };
    let config = Config { threshold, guard, ..Config::default() };
    let result = dedup(&data.records, &config, &progress());
    let wall = start.elapsed();
    println!(
        "pairs compared {}  matched pairs {}  oversized blocks skipped {}  EM {} iterations (converged {}) on {} pairs",
        result.pairs_compared,
        result.pairs.len(),
        result.oversized_blocks,
        result.em.iterations,
        result.em.converged,
        result.em.pairs
    );
    println!("lambda {:.4}", result.params.lambda);
    for f in 0..cnrm_match::model::FIELDS {
        let n = cnrm_match::model::FIELD_LEVELS[f];
        let w: Vec<String> =
            (0..n).map(|l| format!("{:+.2}", Model::new(result.params.clone()).weights[f][l])).collect();
        let m: Vec<String> = (0..n).map(|l| format!("{:.4}", result.params.m[f][l])).collect();
        let u: Vec<String> = (0..n).map(|l| format!("{:.5}", result.params.u[f][l])).collect();
        println!(
            "  weights {:<14} {}   m {}  u {}",
            cnrm_match::model::FIELD_NAMES[f],
            w.join(" "),
            m.join(" "),
            u.join(" ")
        );
    }
    pair_scores(&result.persons, &data.truth, None).print("pairs (clusters)");
    // Pairs above the threshold, before clustering.
    let tp = result.pairs.iter().filter(|p| data.truth[p.a as usize] == data.truth[p.b as usize]).count() as u64;
    let actual = pair_scores(&data.truth, &data.truth, None).actual;
    Scores { tp, predicted: result.pairs.len() as u64, actual }.print("pairs (scored, unclustered)");
    cluster_scores(&result.persons, &data.truth).print("clusters (exact, size ≥ 2)");
    println!("wall time {:.2}s  peak memory (VmHWM) {} MB", wall.as_secs_f64(), vm_hwm_kb() / 1024);

    // Misses per error type.
    let mut by_person: std::collections::HashMap<u32, Vec<u32>> = std::collections::HashMap::new();
    for (i, &p) in data.truth.iter().enumerate() {
        by_person.entry(p).or_default().push(i as u32);
    }
    let mut totals = vec![(0u64, 0u64); generator::ERRORS.len()];
    // True pairs whose two registrations carry a document of one kind, and those that do not.
    let mut by_document = [(0u64, 0u64); 2];
    let mut shown = 0;
    for members in by_person.values() {
        for (i, &x) in members.iter().enumerate() {
            for &y in &members[i + 1..] {
                let mask = data.errors[x as usize] | data.errors[y as usize];
                let missed = result.persons[x as usize] != result.persons[y as usize];
                let comparable = comparable_documents(&data.records[x as usize], &data.records[y as usize]);
                by_document[comparable as usize].0 += 1;
                by_document[comparable as usize].1 += missed as u64;
                for (k, &(bit, _)) in generator::ERRORS.iter().enumerate() {
                    if mask & bit != 0 {
                        totals[k].0 += 1;
                        totals[k].1 += missed as u64;
                    }
                }
                if missed && shown < show {
                    shown += 1;
                    let (a, b) = (&data.records[x as usize], &data.records[y as usize]);
                    println!("  missed: {a:?}\n          {b:?}");
                }
            }
        }
    }
    println!("missed true pairs by error type (a pair carries the errors of both registrations):");
    for (k, &(_, name)) in generator::ERRORS.iter().enumerate() {
        let (all, missed) = totals[k];
        println!(
            "  {name:<20} {missed:>7} missed of {all:>8}  (recall {:.4})",
            1.0 - missed as f64 / all.max(1) as f64
        );
    }
    println!("missed true pairs by document evidence:");
    for (k, label) in [(1, "a document of one kind on both"), (0, "no document to compare")] {
        let (all, missed) = by_document[k];
        println!(
            "  {label:<32} {missed:>7} missed of {all:>8}  (recall {:.4})",
            1.0 - missed as f64 / all.max(1) as f64
        );
    }
    // False pairs (after clustering) and whether a document could have told them apart.
    let mut false_pairs = [0u64; 2];
    let mut groups: std::collections::HashMap<u32, Vec<u32>> = std::collections::HashMap::new();
    for (i, &p) in result.persons.iter().enumerate() {
        groups.entry(p).or_default().push(i as u32);
    }
    for members in groups.values().filter(|m| m.len() > 1) {
        for (i, &x) in members.iter().enumerate() {
            for &y in &members[i + 1..] {
                if data.truth[x as usize] != data.truth[y as usize] {
                    let comparable = comparable_documents(&data.records[x as usize], &data.records[y as usize]);
                    false_pairs[comparable as usize] += 1;
                }
            }
        }
    }
    println!(
        "false pairs (clusters): {} with a document of one kind on both, {} without",
        false_pairs[1], false_pairs[0]
    );
    if show > 0 {
        let mut shown = 0;
        for p in &result.pairs {
            if data.truth[p.a as usize] != data.truth[p.b as usize] && shown < show {
                shown += 1;
                println!(
                    "  false: {:.1} {:?}\n              {:?}",
                    p.weight, data.records[p.a as usize], data.records[p.b as usize]
                );
            }
        }
    }
    Ok(())
}

fn online(persons: usize, queries: usize, seed: u64) -> Result<()> {
    // Model estimated on a 100,000-record sample of the same population.
    let sample = generator::generate(100_000.min(persons), seed + 1);
    let trained = dedup(&sample.records, &Config::default(), &|_, _, _| {});
    drop(sample);
    let data = generator::generate(persons + persons / 2, seed);
    let t = Instant::now();
    let mut index = Index::new(Model::new(trained.params));
    // Index each person's first registration; keep the others as queries.
    let mut first = std::collections::HashMap::new();
    let mut rest = Vec::new();
    for (i, r) in data.records.iter().enumerate() {
        let p = data.truth[i];
        if first.len() >= persons && !first.contains_key(&p) {
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(e) = first.entry(p) {
            e.insert(i);
            index.add(&format!("P{p}"), r)?;
        } else {
            rest.push(i);
        }
    }
    println!("indexed {} persons in {:.1}s", index.persons(), t.elapsed().as_secs_f64());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut times = Vec::with_capacity(queries);
    let mut found = 0;
    for _ in 0..queries.min(rest.len()) {
        let i = rest[rng.gen_range(0..rest.len())];
        let r: &Record = &data.records[i];
        let q = Record { id: format!("query-{i}"), ..r.clone() };
        let t = Instant::now();
        let candidates = index.lookup(&q, 5, 0.5);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        if candidates.first().map(|c| c.person_id == format!("P{}", data.truth[i])).unwrap_or(false) {
            found += 1;
        }
    }
    times.sort_by(f64::total_cmp);
    let pct = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "lookups {}  p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms  top-1 is the true person {:.4}",
        times.len(),
        pct(0.5),
        pct(0.99),
        times.last().copied().unwrap_or(0.0),
        found as f64 / times.len().max(1) as f64
    );
    println!("peak memory (VmHWM) {} MB", vm_hwm_kb() / 1024);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn csv_run(inputs: &[std::path::PathBuf], columns: Columns, linkage: bool, threshold: f64) -> Result<()> {
    let options = ReadOptions { columns, lenient: true, optional_columns: true, ..ReadOptions::default() };
    let mut records = Vec::new();
    let mut source = Vec::new();
    for (s, path) in inputs.iter().enumerate() {
        let input = read_file(path, &options)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| path.display().to_string())?;
        println!(
            "{}: {} records ({} unreadable values read as missing)",
            path.display(),
            input.records.len(),
            input.ignored_values
        );
        source.extend(std::iter::repeat_n(s as u8, input.records.len()));
        records.extend(input.records);
    }
    // Truth: the entity number in FEBRL ids (rec-12-org, rec-12-dup-0).
    let truth: Vec<u32> =
        records.iter().map(|r| r.id.split('-').nth(1).and_then(|n| n.parse().ok()).unwrap_or(u32::MAX)).collect();
    let start = Instant::now();
    let result = dedup(&records, &Config { threshold, ..Config::default() }, &progress());
    println!(
        "pairs compared {}  matched pairs {}  wall {:.2}s",
        result.pairs_compared,
        result.pairs.len(),
        start.elapsed().as_secs_f64()
    );
    let src = if linkage { Some(source.as_slice()) } else { None };
    pair_scores(&result.persons, &truth, src).print(if linkage {
        "linkage pairs (clusters)"
    } else {
        "pairs (clusters)"
    });
    let tp = result
        .pairs
        .iter()
        .filter(|p| {
            truth[p.a as usize] == truth[p.b as usize] && (!linkage || source[p.a as usize] != source[p.b as usize])
        })
        .count() as u64;
    let predicted =
        result.pairs.iter().filter(|p| !linkage || source[p.a as usize] != source[p.b as usize]).count() as u64;
    Scores { tp, predicted, actual: pair_scores(&truth, &truth, src).actual }.print("pairs (scored, unclustered)");
    Ok(())
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Batch { records, seed, threshold, guard, show, no_documents, document_recording } => {
            batch(records, seed, BatchOptions { threshold, guard, show, no_documents, document_recording })
        }
        Command::Online { persons, queries, seed } => online(persons, queries, seed),
        Command::Csv {
            input,
            id_column,
            family_column,
            given_column,
            sex_column,
            dob_column,
            phone_column,
            region_column,
            cercle_column,
            document_column,
            linkage,
            threshold,
        } => csv_run(
            &input,
            Columns {
                record_id: id_column,
                family_name: family_column,
                given_name: given_column,
                sex: sex_column,
                date_of_birth: dob_column,
                phone: phone_column,
                region: region_column,
                cercle: cercle_column,
                document: document_column,
            },
            linkage,
            threshold,
        ),
        Command::Generate { records, seed, output } => {
            let d = generator::generate(records, seed);
            generator::write_csv(&d, &output)?;
            println!("{} records written to {}", d.records.len(), output.display());
            Ok(())
        }
    }
}
