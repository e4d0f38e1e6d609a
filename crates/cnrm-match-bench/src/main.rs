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
        /// Chance that a registration records the filiation (parents' names); default 0.75.
        /// 0 matches without parents.
        #[arg(long)]
        parent_recording: Option<f64>,
        /// Say, for the true pairs missed, whether blocking never compared them (and whether a
        /// block cap dropped them) or the model scored them below the threshold, per error type.
        #[arg(long)]
        diagnose: bool,
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
    parent_recording: Option<f64>,
    diagnose: bool,
}

fn batch(n: usize, seed: u64, o: BatchOptions) -> Result<()> {
    let BatchOptions { threshold, guard, show, no_documents, document_recording, parent_recording, diagnose } = o;
    let mut recording = generator::Recording::default();
    if let Some(r) = document_recording {
        anyhow::ensure!((0.0..=1.0).contains(&r), "--document-recording is a chance between 0 and 1, not {r}");
        recording = generator::Recording {
            first_travel: recording.first_travel.max(r),
            first_other: recording.first_other.max(r),
            later: r,
            ..recording
        };
    }
    if let Some(r) = parent_recording {
        anyhow::ensure!((0.0..=1.0).contains(&r), "--parent-recording is a chance between 0 and 1, not {r}");
        recording = generator::Recording { first_parents: r, later_parents: r, ..recording };
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
    let hwm = vm_hwm_kb();
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
    println!("wall time {:.2}s  peak memory (VmHWM) {} MB", wall.as_secs_f64(), hwm / 1024);
    if diagnose {
        diagnose_misses(&data, &result, &config);
    }

    // Misses per error type.
    let mut by_person: std::collections::HashMap<u32, Vec<u32>> = std::collections::HashMap::new();
    for (i, &p) in data.truth.iter().enumerate() {
        by_person.entry(p).or_default().push(i as u32);
    }
    let mut totals = vec![(0u64, 0u64); generator::ERRORS.len()];
    // True pairs whose two registrations carry a document of one kind, and those that do not.
    let mut by_document = [(0u64, 0u64); 2];
    // True pairs by how much of the filiation both registrations record: none, one parent, both.
    let mut by_filiation = [(0u64, 0u64); 3];
    let mut shown = 0;
    for members in by_person.values() {
        for (i, &x) in members.iter().enumerate() {
            for &y in &members[i + 1..] {
                let mask = data.errors[x as usize] | data.errors[y as usize];
                let missed = result.persons[x as usize] != result.persons[y as usize];
                let comparable = comparable_documents(&data.records[x as usize], &data.records[y as usize]);
                by_document[comparable as usize].0 += 1;
                by_document[comparable as usize].1 += missed as u64;
                let (a, b) = (&data.records[x as usize], &data.records[y as usize]);
                let shared = |f: fn(&cnrm_match::Record) -> &str| !f(a).trim().is_empty() && !f(b).trim().is_empty();
                let parents = shared(|r| &r.father_name) as usize + shared(|r| &r.mother_name) as usize;
                by_filiation[parents].0 += 1;
                by_filiation[parents].1 += missed as u64;
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
    println!("missed true pairs by filiation recorded on both registrations:");
    for (k, label) in ["no parent", "one parent", "both parents"].iter().enumerate() {
        let (all, missed) = by_filiation[k];
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

/// Why the true pairs missed were missed, and how far a better weighting of the same comparisons
/// could go. Prepares and blocks the records again, after the timed run, and prints:
/// - blocking caps per rule, the prior and the term frequencies against what the data hold, m
///   estimated by EM against m measured on the true pairs;
/// - document conflicts (two numbers of one kind, neither equal nor one character apart) among
///   true pairs and among the false pairs of the clusters, by kind (what a cannot-link rule would
///   cost and save);
/// - the true pairs missed, per error type: never compared (and whether a block cap dropped
///   them), compared and scored below the threshold, or above it but split by the clustering;
/// - every candidate pair by weight, true against false (calibration), the comparison patterns
///   of the uncertain band, and the recall at precision 0.98 of the model's order against an
///   oracle that orders groups of pairs (pattern, weight to one bit) by their true share.
fn diagnose_misses(data: &generator::Dataset, result: &cnrm_match::Dedup, config: &Config) {
    use cnrm_match::blocking::{Blocks, RULES};
    use cnrm_match::compare::{compare, one_edit, Strings};
    use cnrm_match::model::{log2_odds, pattern, probability, unpack, FIELDS, FIELD_LEVELS, FIELD_NAMES};
    use rayon::prelude::*;
    use std::collections::{BTreeMap, HashMap};
    let p = cnrm_match::dedup::prepare(&data.records);
    let blocks = Blocks::build(&p.records, config.block_cap);
    let model = Model::new(result.params.clone());
    let min_weight = log2_odds(config.threshold);
    let mut by_person: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, &t) in data.truth.iter().enumerate() {
        by_person.entry(t).or_default().push(i as u32);
    }
    let true_pairs = || {
        by_person
            .values()
            .flat_map(|m| m.iter().enumerate().flat_map(move |(i, &x)| m[i + 1..].iter().map(move |&y| (x, y))))
    };
    let actual = pair_scores(&data.truth, &data.truth, None).actual as f64;

    println!("oversized blocks per rule: {:?}", blocks.oversized);
    let n = data.records.len() as f64;
    println!("prior: model {:+.2} bits, truth {:+.2} bits", model.prior, log2_odds(actual / (n * (n - 1.0) / 2.0)));
    let f = &p.freq;
    println!(
        "term frequencies: family Σp² {:.5} (u exact + phonetic {:.5}), given Σp² {:.5} (u {:.5}), cercle Σp² {:.5} (u {:.5})",
        f.family_sq,
        result.params.u[0][3] + result.params.u[0][2],
        f.given_sq,
        result.params.u[1][3] + result.params.u[1][2],
        f.cercle.sq,
        result.params.u[5][2],
    );
    let mut top: Vec<(u32, u32)> = f.family.iter().map(|(&k, &v)| (k, v)).collect();
    top.sort_by_key(|t| std::cmp::Reverse(t.1));
    for (k, v) in top.iter().take(3) {
        let share = *v as f64 / f.total as f64;
        println!(
            "  family key {:<10} share {share:.4}  adjustment {:+.2} bits",
            p.interner.get(*k),
            (f.family_sq / share).log2()
        );
    }
    let mut counts = [[0u64; cnrm_match::model::MAX_LEVEL + 1]; FIELDS];
    for (x, y) in true_pairs() {
        let c = compare(&p.records[x as usize], &p.records[y as usize], &p.interner);
        for f in 0..FIELDS {
            counts[f][c.levels[f] as usize] += 1;
        }
    }
    for f in 0..FIELDS {
        let seen: u64 = counts[f][1..].iter().sum();
        let oracle: Vec<String> =
            (1..=FIELD_LEVELS[f]).map(|l| format!("{:.4}", counts[f][l] as f64 / seen.max(1) as f64)).collect();
        let est: Vec<String> = (0..FIELD_LEVELS[f]).map(|l| format!("{:.4}", result.params.m[f][l])).collect();
        println!("  m {:<14} estimated {}   true pairs {}", FIELD_NAMES[f], est.join(" "), oracle.join(" "));
    }

    // Document conflicts.
    use cnrm_match::normalize::DocumentKind as K;
    let common = |id: u32| f.documents.get(&id).copied().unwrap_or(1) as f64 > cnrm_match::model::DOCUMENT_SHARERS;
    let conflict = |x: u32, y: u32| -> Option<K> {
        let (a, b) = (&p.records[x as usize].documents, &p.records[y as usize].documents);
        if a.iter().any(|d| d.id != 0 && b.iter().any(|e| e.id == d.id)) {
            return None;
        }
        for da in a.iter().filter(|d| d.id != 0 && d.kind != K::Any) {
            for db in b.iter().filter(|d| d.id != 0 && d.kind == da.kind) {
                let (sa, sb) = (p.interner.get(da.id), p.interner.get(db.id));
                if !one_edit(sa.as_bytes(), sb.as_bytes()) && !common(da.id) && !common(db.id) {
                    return Some(da.kind);
                }
            }
        }
        None
    };
    // (kind, true pair, in one cluster) → pairs
    let mut tally = BTreeMap::<(String, bool, bool), u64>::new();
    for (x, y) in true_pairs() {
        if let Some(k) = conflict(x, y) {
            let found = result.persons[x as usize] == result.persons[y as usize];
            *tally.entry((format!("{k:?}"), true, found)).or_default() += 1;
        }
    }
    let mut clusters: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, &c) in result.persons.iter().enumerate() {
        clusters.entry(c).or_default().push(i as u32);
    }
    for m in clusters.values() {
        for (i, &x) in m.iter().enumerate() {
            for &y in &m[i + 1..] {
                if data.truth[x as usize] != data.truth[y as usize] {
                    if let Some(k) = conflict(x, y) {
                        *tally.entry((format!("{k:?}"), false, true)).or_default() += 1;
                    }
                }
            }
        }
    }
    println!("document conflicts (kind, true pair, in one cluster → pairs): {tally:?}");

    // The true pairs missed. Per error type (last: all): never compared, of which a cap dropped,
    // compared below the threshold, above it but split by the clustering.
    let mut missed = vec![[0u64; 4]; generator::ERRORS.len() + 1];
    let mut below_bins = [0u64; 12];
    let (mut never_above, mut shown) = (0u64, 0);
    for (x, y) in true_pairs() {
        if result.persons[x as usize] == result.persons[y as usize] {
            continue;
        }
        let (ra, rb) = (&p.records[x as usize], &p.records[y as usize]);
        let candidate = (0..RULES.len()).any(|r| {
            let k = blocks.keys[r][x as usize];
            k != 0 && k == blocks.keys[r][y as usize]
        });
        let capped = !candidate
            && RULES.iter().any(|rule| {
                let k = rule.key(ra);
                k != 0 && k == rule.key(rb)
            });
        let c = compare(ra, rb, &p.interner);
        let w = model.weight(&c, ra, rb, &p.freq);
        let kind = if !candidate {
            if w >= min_weight {
                never_above += 1;
                if shown < 5 {
                    shown += 1;
                    println!(
                        "  never compared, weight {w:.1}: {:?}\n      {:?}",
                        data.records[x as usize], data.records[y as usize]
                    );
                }
            }
            0
        } else if w < min_weight {
            below_bins[((min_weight - w) as usize).min(11)] += 1;
            2
        } else {
            3
        };
        let mask = data.errors[x as usize] | data.errors[y as usize];
        for (k, &(bit, _)) in generator::ERRORS.iter().enumerate() {
            if mask & bit != 0 {
                missed[k][kind] += 1;
                missed[k][1] += capped as u64;
            }
        }
        missed[generator::ERRORS.len()][kind] += 1;
        missed[generator::ERRORS.len()][1] += capped as u64;
    }
    println!(
        "true pairs missed: never compared (a cap dropped) / compared, below threshold / above, split by clustering"
    );
    for (k, c) in missed.iter().enumerate() {
        let name = generator::ERRORS.get(k).map(|e| e.1).unwrap_or("all");
        println!("  {name:<20} {:>7} ({:>6}) {:>7} {:>7}", c[0], c[1], c[2], c[3]);
    }
    println!("below the threshold, by bits under it (0-1, 1-2, ...): {below_bins:?}");
    println!("never compared but above the threshold: {never_above}");

    // Every candidate pair, once: (pattern, swapped, weight to one bit) → [false, true, Σ weight].
    type Groups = HashMap<(u32, bool, i32), [f64; 3]>;
    let groups: Groups = (0..blocks.blocks.len())
        .into_par_iter()
        .fold(Groups::new, |mut acc, b| {
            blocks.for_each_pair(b, |x, y| {
                let (ra, rb) = (&p.records[x as usize], &p.records[y as usize]);
                let c = compare(ra, rb, &p.interner);
                let w = model.weight(&c, ra, rb, &p.freq);
                let e = acc.entry((pattern(&c.levels), c.names.swapped, w.floor() as i32)).or_default();
                e[(data.truth[x as usize] == data.truth[y as usize]) as usize] += 1.0;
                e[2] += w;
            });
            acc
        })
        .reduce(Groups::new, |mut a, b| {
            for (k, v) in b {
                let e = a.entry(k).or_default();
                for i in 0..3 {
                    e[i] += v[i];
                }
            }
            a
        });
    let mut bins = BTreeMap::<i32, [f64; 2]>::new();
    for (&(_, _, w), v) in &groups {
        let e = bins.entry(w.clamp(-12, 16)).or_default();
        e[0] += v[0];
        e[1] += v[1];
    }
    println!("candidate pairs by weight (bits): false, true, model probability against the true share");
    for (w, [f, t]) in &bins {
        println!(
            "  [{w:>3}, {:>3})  false {f:>9}  true {t:>8}  model {:.3}  true share {:.3}",
            w + 1,
            probability(*w as f64 + 0.5),
            t / (f + t)
        );
    }
    let mut band = HashMap::<(u32, bool), [f64; 3]>::new();
    for (&(pat, swapped, w), v) in &groups {
        if (w as f64) >= min_weight - 4.0 && (w as f64) < min_weight + 4.0 {
            let e = band.entry((pat, swapped)).or_default();
            for i in 0..3 {
                e[i] += v[i];
            }
        }
    }
    let mut rows: Vec<_> = band.into_iter().collect();
    rows.sort_by(|a, b| (b.1[0] + b.1[1]).total_cmp(&(a.1[0] + a.1[1])));
    println!("patterns in the band threshold ± 4 bits (levels of {FIELD_NAMES:?}; S: names swapped):");
    for ((pat, swapped), [f, t, w]) in rows.iter().take(12) {
        println!(
            "  {:?} {}  false {f:>7} true {t:>7}  mean weight {:>6.2}  model {:.3}  true share {:.3}",
            unpack(*pat),
            if *swapped { "S" } else { " " },
            w / (f + t),
            probability(w / (f + t)),
            t / (f + t)
        );
    }
    // Recall at precision 0.98 (pairs as scored, before clustering) taking groups in an order.
    let recall_at = |mut g: Vec<[f64; 3]>, oracle: bool| {
        if oracle {
            g.sort_by(|a, b| (b[1] / (b[0] + b[1])).total_cmp(&(a[1] / (a[0] + a[1]))));
        } else {
            g.sort_by(|a, b| (b[2] / (b[0] + b[1])).total_cmp(&(a[2] / (a[0] + a[1]))));
        }
        let (mut t, mut f, mut best) = (0.0, 0.0, 0.0);
        for v in g {
            t += v[1];
            f += v[0];
            if t / (t + f) >= 0.98 {
                best = t / actual;
            }
        }
        best
    };
    let g: Vec<[f64; 3]> = groups.into_values().collect();
    println!(
        "recall at precision 0.98, before clustering: the model's order {:.4}; an oracle's order of the same groups {:.4}",
        recall_at(g.clone(), false),
        recall_at(g, true)
    );
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
        Command::Batch {
            records,
            seed,
            threshold,
            guard,
            show,
            no_documents,
            document_recording,
            parent_recording,
            diagnose,
        } => batch(
            records,
            seed,
            BatchOptions { threshold, guard, show, no_documents, document_recording, parent_recording, diagnose },
        ),
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
                father_name: None,
                mother_name: None,
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
