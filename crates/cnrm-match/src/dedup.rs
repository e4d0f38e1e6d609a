//! Batch deduplication: prepare, block, estimate the model, score, cluster.
//!
//! This is the whole pipeline over a list of registrations held in memory. Comparisons run in
//! parallel (rayon) over blocks; the model is estimated on a sample of the candidate pairs (EM
//! needs the distribution of comparison patterns, not every pair), then every candidate pair is
//! scored and those above the threshold are kept and clustered.

use crate::blocking::Blocks;
use crate::cluster::{cluster, Guard, Link};
use crate::compare::{compare, Interner, NormalizedRecord, Prepared, Record};
use crate::model::{pattern, EmReport, Frequencies, Model, Params};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Settings of a run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Pairs with a match probability at or above this are matches.
    pub threshold: f64,
    /// Blocks larger than this are skipped for their rule.
    pub block_cap: usize,
    /// About how many candidate pairs EM looks at.
    pub em_sample: u64,
    pub guard: Guard,
    /// Parameters to use instead of estimating them (e.g. from an earlier run).
    pub params: Option<Params>,
}

impl Default for Config {
    fn default() -> Self {
        Config { threshold: 0.9, block_cap: 1500, em_sample: 3_000_000, guard: Guard::default(), params: None }
    }
}

/// Where a run is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Preparing,
    Blocking,
    Estimating,
    Scoring,
    Clustering,
}

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Stage::Preparing => "preparing",
            Stage::Blocking => "blocking",
            Stage::Estimating => "estimating the model",
            Stage::Scoring => "comparing",
            Stage::Clustering => "clustering",
        }
    }
}

/// Progress callback: stage, done, total.
pub type Progress<'a> = &'a (dyn Fn(Stage, u64, u64) + Sync);

/// A matched pair (indices into the input), weight in bits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredPair {
    pub a: u32,
    pub b: u32,
    pub weight: f32,
    pub probability: f32,
}

/// What a run found.
#[derive(Debug, Clone)]
pub struct Dedup {
    pub pairs: Vec<ScoredPair>,
    /// Person index of each input record.
    pub persons: Vec<u32>,
    pub params: Params,
    pub em: EmReport,
    pub pairs_compared: u64,
    pub oversized_blocks: usize,
}

/// Prepared registrations with their interner and frequencies.
pub struct PreparedSet {
    pub interner: Interner,
    pub records: Vec<Prepared>,
    pub freq: Frequencies,
}

/// Records normalised at a time: normalised strings weigh several times their prepared ids, so
/// a million of them at once would be the batch's peak of memory.
const PREPARE_CHUNK: usize = 65_536;

/// Normalises (in parallel) and interns (sequentially) a list of records, a chunk at a time.
pub fn prepare(records: &[Record]) -> PreparedSet {
    let mut interner = Interner::default();
    let mut prepared: Vec<Prepared> = Vec::with_capacity(records.len());
    for chunk in records.chunks(PREPARE_CHUNK) {
        let normalized: Vec<NormalizedRecord> = chunk.par_iter().map(NormalizedRecord::new).collect();
        prepared.extend(normalized.iter().map(|n| Prepared::from_normalized(n, &mut interner)));
    }
    let freq = Frequencies::from_records(&prepared);
    PreparedSet { interner, records: prepared, freq }
}

fn mix(a: u64) -> u64 {
    let mut x = a.wrapping_add(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d049bb133111eb);
    x ^ (x >> 31)
}

/// u probabilities from random pairs: almost all of them are different persons, so the share of
/// each level among them is the chance agreement of that field.
pub fn random_u(p: &PreparedSet, samples: u64, seed: u64) -> [[f64; crate::model::MAX_LEVEL]; crate::model::FIELDS] {
    use crate::model::{FIELDS, FIELD_LEVELS, MAX_LEVEL};
    let n = p.records.len() as u64;
    let mut u = Params::default().u;
    if n < 2 {
        return u;
    }
    let chunks = 64u64;
    let counts = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let mut counts = [[0u64; MAX_LEVEL + 1]; FIELDS];
            let mut state = mix(seed ^ (c + 1));
            for _ in 0..samples / chunks {
                state = mix(state);
                let a = state % n;
                let b = (a + 1 + (state >> 32) % (n - 1)) % n;
                let c = compare(&p.records[a as usize], &p.records[b as usize], &p.interner);
                for f in 0..FIELDS {
                    counts[f][c.levels[f] as usize] += 1;
                }
            }
            counts
        })
        .reduce(
            || [[0u64; MAX_LEVEL + 1]; FIELDS],
            |mut a, b| {
                for f in 0..FIELDS {
                    for l in 0..=MAX_LEVEL {
                        a[f][l] += b[f][l];
                    }
                }
                a
            },
        );
    for f in 0..FIELDS {
        let seen: u64 = counts[f][1..=FIELD_LEVELS[f]].iter().sum();
        if seen < 100 {
            continue;
        }
        let floor = 0.5 / seen as f64;
        for l in 0..FIELD_LEVELS[f] {
            u[f][l] = (counts[f][l + 1] as f64 / seen as f64).max(floor);
        }
    }
    u
}

/// Estimates the model without labels:
/// - u from random pairs ([`random_u`]);
/// - m by EM on the pairs of each blocking rule separately, with u held and the fields that rule
///   makes agree left out (they would look like evidence of a match when they are only the
///   blocking key); each field's m is the average over the rules that leave it free, weighted by
///   the number of matches EM found there;
/// - the prior (share of matches among all pairs) by EM over the candidate pairs with m and u held.
pub fn estimate_params(p: &PreparedSet, blocks: &Blocks, sample: u64, progress: Progress) -> (Params, EmReport) {
    use crate::blocking::RULES;
    use crate::model::{estimate_prior, estimate_with, EmOptions, FIELDS, MAX_LEVEL};
    let mut start =
        Params { u: random_u(p, (20 * p.records.len() as u64).clamp(10_000, 400_000), 0x5eed), ..Params::default() };
    let bound = blocks.pair_bound();
    let every = (bound / sample.max(1)).max(1);
    let sampled: Vec<usize> =
        (0..blocks.blocks.len()).filter(|&b| every == 1 || mix(b as u64).is_multiple_of(every)).collect();
    let total = sampled.len() as u64;
    let done = AtomicU64::new(0);
    type Counts = Vec<FxHashMap<u32, u64>>;
    // Per rule: patterns of all its pairs; last: patterns of distinct candidate pairs.
    let merge = |mut a: Counts, b: Counts| {
        for (x, y) in a.iter_mut().zip(b) {
            for (k, v) in y {
                *x.entry(k).or_default() += v;
            }
        }
        a
    };
    let counts: Counts = sampled
        .par_iter()
        .fold(
            || vec![FxHashMap::default(); RULES.len() + 1],
            |mut acc: Counts, &b| {
                let rule = blocks.blocks[b].0 as usize;
                blocks.for_each_pair_all(b, |x, y, first| {
                    let c = compare(&p.records[x as usize], &p.records[y as usize], &p.interner);
                    let pat = pattern(&c.levels);
                    *acc[rule].entry(pat).or_default() += 1;
                    if first {
                        *acc[RULES.len()].entry(pat).or_default() += 1;
                    }
                });
                let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                if d.is_multiple_of(1024) {
                    progress(Stage::Estimating, d, total);
                }
                acc
            },
        )
        .reduce(|| vec![FxHashMap::default(); RULES.len() + 1], merge);
    let mut report = EmReport { iterations: 0, converged: true, pairs: 0 };
    let mut m_sum = [[0.0f64; MAX_LEVEL]; FIELDS];
    let mut m_weight = [0.0f64; FIELDS];
    for (r, rule) in RULES.iter().enumerate() {
        let c: Vec<(u32, u64)> = counts[r].iter().map(|(&k, &v)| (k, v)).collect();
        let n: u64 = c.iter().map(|x| x.1).sum();
        if n < 50 {
            continue;
        }
        let options = EmOptions { fix_u: true, ignore: rule.fields() };
        let (est, rep) = estimate_with(&c, &start, &options, 500, 1e-6);
        report.iterations += rep.iterations;
        report.converged &= rep.converged;
        report.pairs += rep.pairs;
        let matches = est.lambda * n as f64;
        for f in 0..FIELDS {
            if !options.ignore[f] {
                for l in 0..MAX_LEVEL {
                    m_sum[f][l] += est.m[f][l] * matches;
                }
                m_weight[f] += matches;
            }
        }
    }
    for f in 0..FIELDS {
        if m_weight[f] > 0.0 {
            for l in 0..MAX_LEVEL {
                // A floor: no level is impossible among matches (clerks err on every field).
                start.m[f][l] = (m_sum[f][l] / m_weight[f]).max(1e-3);
            }
        }
    }
    let distinct: Vec<(u32, u64)> = counts[RULES.len()].iter().map(|(&k, &v)| (k, v)).collect();
    let n = p.records.len() as f64;
    // The sampled blocks hold 1/every of the candidates: scale the population to match.
    let all_pairs = n * (n - 1.0) / 2.0 / every as f64;
    start.lambda = estimate_prior(&distinct, &start, all_pairs);
    progress(Stage::Estimating, total, total);
    (start, report)
}

/// Runs the whole pipeline.
pub fn dedup(records: &[Record], config: &Config, progress: Progress) -> Dedup {
    let n = records.len() as u64;
    progress(Stage::Preparing, 0, n);
    let p = prepare(records);
    progress(Stage::Preparing, n, n);
    progress(Stage::Blocking, 0, 1);
    let blocks = Blocks::build(&p.records, config.block_cap);
    progress(Stage::Blocking, 1, 1);

    let (params, em) = match &config.params {
        Some(params) => (params.clone(), EmReport { iterations: 0, converged: true, pairs: 0 }),
        None => estimate_params(&p, &blocks, config.em_sample, progress),
    };
    let model = Model::new(params.clone());

    // Score every candidate pair.
    let total = blocks.blocks.len() as u64;
    let done = AtomicU64::new(0);
    let compared = AtomicU64::new(0);
    let min_weight = crate::model::log2_odds(config.threshold.clamp(1e-9, 1.0 - 1e-9));
    let mut pairs: Vec<ScoredPair> = (0..blocks.blocks.len())
        .into_par_iter()
        .fold(Vec::new, |mut acc, b| {
            let mut count = 0u64;
            blocks.for_each_pair(b, |x, y| {
                count += 1;
                let (ra, rb) = (&p.records[x as usize], &p.records[y as usize]);
                let c = compare(ra, rb, &p.interner);
                let w = model.weight(&c, ra, rb, &p.freq);
                if w >= min_weight {
                    acc.push(ScoredPair {
                        a: x.min(y),
                        b: x.max(y),
                        weight: w as f32,
                        probability: crate::model::probability(w) as f32,
                    });
                }
            });
            compared.fetch_add(count, Ordering::Relaxed);
            let d = done.fetch_add(1, Ordering::Relaxed) + 1;
            if d.is_multiple_of(4096) {
                progress(Stage::Scoring, d, total);
            }
            acc
        })
        .reduce(Vec::new, |mut a, mut b| {
            a.append(&mut b);
            a
        });
    progress(Stage::Scoring, total, total);
    pairs.par_sort_unstable_by_key(|s| (s.a, s.b));

    progress(Stage::Clustering, 0, 1);
    let links: Vec<Link> = pairs.iter().map(|s| Link { a: s.a, b: s.b, weight: s.weight }).collect();
    let persons = cluster(records.len(), &links, config.guard, |x, y| {
        let (ra, rb) = (&p.records[x as usize], &p.records[y as usize]);
        let c = compare(ra, rb, &p.interner);
        crate::model::probability(model.weight(&c, ra, rb, &p.freq))
    });
    progress(Stage::Clustering, 1, 1);
    Dedup {
        pairs,
        persons,
        params,
        em,
        pairs_compared: compared.load(Ordering::Relaxed),
        oversized_blocks: blocks.oversized.iter().sum(),
    }
}
