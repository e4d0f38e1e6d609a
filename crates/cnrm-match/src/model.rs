//! The Fellegi–Sunter model: how much each field level says for or against "same person".
//!
//! For every field and level, `m` is the probability of that level when the two registrations are
//! the same person and `u` when they are not; the match weight of a level is log2(m/u), and the
//! weights of the fields add up (with the prior odds) to the weight of the pair. m and u are
//! estimated by expectation–maximisation on the comparison patterns of the data itself, so no
//! labelled pairs are needed. A handful of surnames (Traoré, Coulibaly, Diarra, Keïta…) cover a
//! large share of Mali's population, so agreeing on one of them says little: the term-frequency
//! adjustment lowers the weight of an agreement on a common value and raises it on a rare one.
//! Places of origin are just as uneven (Kayes sends far more returnees than Kidal), so sharing a
//! cercle or a region is adjusted the same way, and so are the parents' names (many fathers are
//! called Mamadou).
//!
//! Fellegi–Sunter adds fields up as if they were independent. Within a family they are not:
//! brothers and sisters share a family name, a cercle, the parents' names and often the family's
//! phone. [`Model::field_weight`] therefore lets the household's fields speak only when the
//! pair's own given names and sexes do not disagree.

use crate::compare::{Comparison, Prepared};
use rustc_hash::FxHashMap;

/// Number of compared fields.
pub const FIELDS: usize = 9;
/// Highest level of any field (levels run 1..=MAX_LEVEL; 0 = missing).
pub const MAX_LEVEL: usize = 5;

/// The compared fields, in the order of `Comparison::levels`.
pub const FIELD_NAMES: [&str; FIELDS] =
    ["family_name", "given_name", "date_of_birth", "sex", "phone", "origin", "document", "father_name", "mother_name"];

/// Number of levels of each field.
pub const FIELD_LEVELS: [usize; FIELDS] = [4, 4, 5, 2, 2, 3, 3, 5, 5];

/// Labels of the levels of each field (index level-1), for explanations.
pub fn level_label(field: usize, level: u8) -> &'static str {
    if level == 0 {
        return "missing";
    }
    match (field, level) {
        (0 | 1, 1) => "different",
        (0 | 1, 2) => "similar (typo)",
        (0 | 1, 3) => "phonetic or listed variant",
        (0 | 1, 4) => "exact",
        (7 | 8, 2) => "part of the name (given name only)",
        (7 | 8, 3) => "similar (typo)",
        (7 | 8, 4) => "phonetic or listed variant",
        (7 | 8, 5) => "exact",
        (2, 1) => "different",
        // Both "close" levels read the same to a person: the weak one (same year, another day; or
        // a year off where a date is not known to the day) and the near one (two full dates one
        // slip apart) differ by their weights.
        (2, 2) => "close (day/month or one year off)",
        (2, 3) => "same year (imprecise date)",
        (2, 4) => "close (day/month or one year off)",
        (2, 5) => "exact",
        (5, 1) => "different region",
        (5, 2) => "same region",
        (5, 3) => "same cercle",
        (6, 1) => "different number (same kind)",
        (6, 2) => "one character off",
        (_, 1) => "different",
        _ => "same",
    }
}

/// Packs the levels of a comparison into one integer (3 bits a field), the unit of EM.
pub fn pattern(levels: &[u8; FIELDS]) -> u32 {
    levels.iter().enumerate().fold(0u32, |acc, (f, &l)| acc | ((l as u32) << (3 * f)))
}

pub fn unpack(pattern: u32) -> [u8; FIELDS] {
    let mut levels = [0u8; FIELDS];
    for (f, l) in levels.iter_mut().enumerate() {
        *l = ((pattern >> (3 * f)) & 7) as u8;
    }
    levels
}

/// The model's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Share of matches among the compared (candidate) pairs.
    pub lambda: f64,
    /// m[field][level-1].
    pub m: [[f64; MAX_LEVEL]; FIELDS],
    /// u[field][level-1].
    pub u: [[f64; MAX_LEVEL]; FIELDS],
}

impl Default for Params {
    /// Reasonable starting values (also the EM starting point): agreement is likely among
    /// matches and unlikely among non-matches.
    fn default() -> Self {
        let mut m = [[0.0; MAX_LEVEL]; FIELDS];
        let mut u = [[0.0; MAX_LEVEL]; FIELDS];
        m[0] = [0.03, 0.07, 0.3, 0.6, 0.0];
        u[0] = [0.9, 0.05, 0.03, 0.02, 0.0];
        m[1] = m[0];
        u[1] = u[0];
        // Levels: different, close, same year, near (two full dates one slip apart), exact.
        m[2] = [0.05, 0.07, 0.35, 0.04, 0.49];
        u[2] = [0.85, 0.08, 0.05, 0.001, 0.019];
        m[3] = [0.05, 0.95, 0.0, 0.0, 0.0];
        u[3] = [0.5, 0.5, 0.0, 0.0, 0.0];
        // Phones change often between registrations.
        m[4] = [0.5, 0.5, 0.0, 0.0, 0.0];
        u[4] = [0.99, 0.01, 0.0, 0.0, 0.0];
        m[5] = [0.1, 0.2, 0.7, 0.0, 0.0];
        u[5] = [0.7, 0.2, 0.1, 0.0, 0.0];
        // Documents: a number is rarely re-typed wrong or renewed between registrations, and two
        // people almost never share one.
        m[6] = [0.05, 0.05, 0.9, 0.0, 0.0];
        u[6] = [0.9985, 0.001, 0.0005, 0.0, 0.0];
        // Parents' names: a handful of given names (Mamadou, Fatoumata…) are shared by many.
        // Levels: different, partial, typo, same keys, exact.
        m[7] = [0.02, 0.05, 0.06, 0.3, 0.57];
        u[7] = [0.9, 0.03, 0.01, 0.03, 0.03];
        m[8] = [0.03, 0.15, 0.06, 0.26, 0.5];
        u[8] = [0.93, 0.05, 0.005, 0.005, 0.01];
        Params { lambda: 0.1, m, u }
    }
}

/// What EM did.
#[derive(Debug, Clone, PartialEq)]
pub struct EmReport {
    pub iterations: usize,
    pub converged: bool,
    pub pairs: u64,
}

const FLOOR: f64 = 1e-6;

/// Expectation–maximisation over comparison patterns (pattern → number of pairs), starting from
/// `start`. Stops when no parameter moves by more than `tolerance` or after `max_iterations`.
pub fn estimate(counts: &[(u32, u64)], start: &Params, max_iterations: usize, tolerance: f64) -> (Params, EmReport) {
    estimate_with(counts, start, &EmOptions::default(), max_iterations, tolerance)
}

/// What EM may move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmOptions {
    /// Keep u as given (estimated from random pairs instead).
    pub fix_u: bool,
    /// Fields left out (a blocking rule made them agree, so they say nothing about these pairs).
    pub ignore: [bool; FIELDS],
}

impl Default for EmOptions {
    fn default() -> Self {
        EmOptions { fix_u: false, ignore: [false; FIELDS] }
    }
}

/// EM with options: see [`EmOptions`]. Ignored fields keep their starting m and u.
pub fn estimate_with(
    counts: &[(u32, u64)],
    start: &Params,
    options: &EmOptions,
    max_iterations: usize,
    tolerance: f64,
) -> (Params, EmReport) {
    let mut p = start.clone();
    let total: u64 = counts.iter().map(|c| c.1).sum();
    let patterns: Vec<[u8; FIELDS]> = counts
        .iter()
        .map(|c| {
            let mut levels = unpack(c.0);
            for f in 0..FIELDS {
                if options.ignore[f] {
                    levels[f] = 0;
                }
            }
            levels
        })
        .collect();
    let mut report = EmReport { iterations: 0, converged: false, pairs: total };
    if total == 0 {
        return (p, report);
    }
    for it in 0..max_iterations {
        let mut mc = [[0.0f64; MAX_LEVEL]; FIELDS];
        let mut uc = [[0.0f64; MAX_LEVEL]; FIELDS];
        let mut matches = 0.0;
        for (levels, &(_, n)) in patterns.iter().zip(counts) {
            let (mut lm, mut lu) = (p.lambda, 1.0 - p.lambda);
            for f in 0..FIELDS {
                let l = levels[f] as usize;
                if l > 0 {
                    lm *= p.m[f][l - 1];
                    lu *= p.u[f][l - 1];
                }
            }
            let g = if lm + lu > 0.0 { lm / (lm + lu) } else { 0.0 };
            let (gm, gu) = (g * n as f64, (1.0 - g) * n as f64);
            matches += gm;
            for f in 0..FIELDS {
                let l = levels[f] as usize;
                if l > 0 {
                    mc[f][l - 1] += gm;
                    uc[f][l - 1] += gu;
                }
            }
        }
        let mut next = p.clone();
        next.lambda = (matches / total as f64).clamp(FLOOR, 1.0 - FLOOR);
        for f in 0..FIELDS {
            let n = FIELD_LEVELS[f];
            let (sm, su): (f64, f64) = (mc[f][..n].iter().sum(), uc[f][..n].iter().sum());
            if sm > 0.0 && !options.ignore[f] {
                for l in 0..n {
                    next.m[f][l] = (mc[f][l] / sm).max(FLOOR);
                }
            }
            if su > 0.0 && !options.fix_u {
                for l in 0..n {
                    next.u[f][l] = (uc[f][l] / su).max(FLOOR);
                }
            }
        }
        let mut delta = (next.lambda - p.lambda).abs();
        for f in 0..FIELDS {
            for l in 0..MAX_LEVEL {
                delta = delta.max((next.m[f][l] - p.m[f][l]).abs()).max((next.u[f][l] - p.u[f][l]).abs());
            }
        }
        p = next;
        report.iterations = it + 1;
        if delta < tolerance {
            report.converged = true;
            break;
        }
    }
    (p, report)
}

/// The share of matches among *all* pairs of a population of `total_pairs` pairs, given the
/// pattern counts of its candidate pairs (pairs outside the candidates taken as non-matches):
/// the fixed point of EM with m and u held.
pub fn estimate_prior(counts: &[(u32, u64)], params: &Params, total_pairs: f64) -> f64 {
    let patterns: Vec<([u8; FIELDS], u64)> = counts.iter().map(|c| (unpack(c.0), c.1)).collect();
    let candidates: u64 = counts.iter().map(|c| c.1).sum();
    let total = total_pairs.max(candidates as f64).max(1.0);
    let mut lambda = (candidates as f64 / total / 2.0).clamp(1e-12, 0.5);
    for _ in 0..200 {
        let mut matches = 0.0;
        for (levels, n) in &patterns {
            let (mut lm, mut lu) = (lambda, 1.0 - lambda);
            for f in 0..FIELDS {
                let l = levels[f] as usize;
                if l > 0 {
                    lm *= params.m[f][l - 1];
                    lu *= params.u[f][l - 1];
                }
            }
            matches += *n as f64 * lm / (lm + lu);
        }
        let next = (matches / total).clamp(1e-12, 1.0 - 1e-9);
        let done = ((next - lambda) / lambda).abs() < 1e-6;
        lambda = next;
        if done {
            break;
        }
    }
    lambda
}

/// How often each name key, document and place occurs: drives the term-frequency adjustments.
#[derive(Debug, Clone, Default)]
pub struct Frequencies {
    /// Occurrences of each family-name key_concat id, and of each given-name one.
    pub family: FxHashMap<u32, u32>,
    pub given: FxHashMap<u32, u32>,
    pub total: u64,
    /// Σ p² over family values and over given values (chance that two random people agree).
    pub family_sq: f64,
    pub given_sq: f64,
    /// Registrations carrying each document key id (a number shared by many registrations is a
    /// placeholder or a family document, not one person's).
    pub documents: FxHashMap<u32, u32>,
    /// Registrations from each cercle id and each region id, and their Σ p² (over the
    /// registrations whose cercle, or region, is known): returnees come from Kayes far more often
    /// than from Kidal, so sharing a cercle of Kayes says less than sharing one of the north.
    pub cercle: ValueCounts,
    pub region: ValueCounts,
    /// Registrations naming each father's given name and each mother's name (key_concat ids):
    /// a father called Mamadou is shared by many.
    pub father: ValueCounts,
    pub mother: ValueCounts,
}

/// How many registrations carry each value of a field (an id; 0 is none), out of those that
/// carry one, and Σ p² over the values: the chance that two registrations agree by chance.
#[derive(Debug, Clone, Default)]
pub struct ValueCounts {
    pub counts: FxHashMap<u32, u32>,
    pub known: u64,
    pub sq: f64,
}

impl ValueCounts {
    fn add(&mut self, key: u32) {
        if key != 0 {
            *self.counts.entry(key).or_default() += 1;
            self.known += 1;
        }
    }
    fn remove(&mut self, key: u32) {
        if let Some(c) = self.counts.get_mut(&key) {
            *c -= 1;
            if *c == 0 {
                self.counts.remove(&key);
            }
            self.known -= 1;
        }
    }
    fn refresh(&mut self) {
        let known = self.known.max(1) as f64;
        self.sq = self.counts.values().map(|&c| (c as f64 / known).powi(2)).sum();
    }
    /// The adjustment for agreeing on a value of share p, when the level's u is the chance
    /// agreement over all values (Σ p²): a value of share p agrees by chance with probability p,
    /// so the adjustment is log2(Σ p² / p). The commonest of `keys` counts (an agreement is only
    /// as rare as its commoner side).
    fn adjustment(&self, keys: &[u32]) -> f64 {
        let Some(count) = keys.iter().filter_map(|k| self.counts.get(k).copied()).max() else { return 0.0 };
        if self.sq <= 0.0 || self.known == 0 {
            return 0.0;
        }
        let share = count.max(1) as f64 / self.known as f64;
        (self.sq / share).log2().clamp(-MAX_TF_BITS, MAX_TF_BITS)
    }
}

impl Frequencies {
    pub fn from_records(records: &[Prepared]) -> Frequencies {
        let mut f = Frequencies::default();
        for r in records {
            f.add(r);
        }
        f.refresh();
        f
    }
    /// Counts one more registration (call `refresh` after a batch of changes).
    pub fn add(&mut self, r: &Prepared) {
        if !r.family.is_empty() {
            *self.family.entry(r.family.key_concat).or_default() += 1;
        }
        if !r.given.is_empty() {
            *self.given.entry(r.given.key_concat).or_default() += 1;
        }
        for d in r.documents.iter().filter(|d| d.id != 0) {
            *self.documents.entry(d.id).or_default() += 1;
        }
        self.cercle.add(r.cercle);
        self.region.add(r.region);
        self.father.add(r.father.key_concat);
        self.mother.add(r.mother.key_concat);
        self.total += 1;
    }
    pub fn remove(&mut self, r: &Prepared) {
        fn decrement(map: &mut FxHashMap<u32, u32>, key: u32) {
            if key != 0 {
                if let Some(c) = map.get_mut(&key) {
                    *c -= 1;
                    if *c == 0 {
                        map.remove(&key);
                    }
                }
            }
        }
        decrement(&mut self.family, r.family.key_concat);
        decrement(&mut self.given, r.given.key_concat);
        for d in &r.documents {
            decrement(&mut self.documents, d.id);
        }
        self.cercle.remove(r.cercle);
        self.region.remove(r.region);
        self.father.remove(r.father.key_concat);
        self.mother.remove(r.mother.key_concat);
        self.total = self.total.saturating_sub(1);
    }
    /// Recomputes the squared sums.
    pub fn refresh(&mut self) {
        let n = self.total.max(1) as f64;
        self.family_sq = self.family.values().map(|&c| (c as f64 / n).powi(2)).sum();
        self.given_sq = self.given.values().map(|&c| (c as f64 / n).powi(2)).sum();
        for counts in [&mut self.cercle, &mut self.region, &mut self.father, &mut self.mother] {
            counts.refresh();
        }
    }
    fn share(map: &FxHashMap<u32, u32>, key: u32, total: u64) -> f64 {
        (map.get(&key).copied().unwrap_or(1).max(1) as f64) / total.max(1) as f64
    }
}

/// Indices of fields whose weights are adjusted by term frequency beyond the names.
const ORIGIN: usize = 5;
const DOCUMENT: usize = 6;
const FATHER: usize = 7;
const MOTHER: usize = 8;
/// Fields a household shares (see [`Model::field_weight`]): phone, father's and mother's names.
const HOUSEHOLD: [usize; 3] = [4, FATHER, MOTHER];

/// Whether the pair's own identity disagrees: different given names, or different sexes.
fn persons_differ(c: &Comparison) -> bool {
    c.levels[1] == crate::compare::NAME_DIFFERENT || c.levels[3] == 1
}

/// Largest term-frequency adjustment, in bits, either way.
pub const MAX_TF_BITS: f64 = 5.0;

/// Registrations that may carry one document number before its frequency counts against an
/// agreement on it: one person registered by a few organisations.
pub const DOCUMENT_SHARERS: f64 = 4.0;

/// A scored pair, with the weight of each field.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub prior: f64,
    /// (field, level, weight in bits including the term-frequency adjustment, the adjustment).
    pub fields: Vec<FieldWeight>,
    pub swapped_names: bool,
    pub weight: f64,
    pub probability: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldWeight {
    pub field: &'static str,
    pub level: &'static str,
    pub weight: f64,
    pub tf_adjustment: f64,
}

impl std::fmt::Display for Explanation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .fields
            .iter()
            .map(|w| format!("{} {} ({:+.1})", w.field.replace('_', " "), w.level, w.weight))
            .collect();
        write!(f, "{}", parts.join("; "))?;
        if self.swapped_names {
            write!(f, "; names swapped")?;
        }
        Ok(())
    }
}

/// A trained model: weights per field and level, ready to score pairs.
#[derive(Debug, Clone)]
pub struct Model {
    pub params: Params,
    /// log2(m/u), [field][level-1].
    pub weights: [[f64; MAX_LEVEL]; FIELDS],
    pub prior: f64,
}

pub fn log2_odds(p: f64) -> f64 {
    (p / (1.0 - p)).log2()
}

pub fn probability(weight: f64) -> f64 {
    let odds = weight.exp2();
    odds / (1.0 + odds)
}

impl Model {
    pub fn new(params: Params) -> Model {
        let mut weights = [[0.0; MAX_LEVEL]; FIELDS];
        for f in 0..FIELDS {
            for l in 0..FIELD_LEVELS[f] {
                weights[f][l] = (params.m[f][l].max(FLOOR) / params.u[f][l].max(FLOOR)).log2();
            }
        }
        // Part of a parent's name never says more than a slip in it or the whole name: EM sees
        // few partial agreements, and a level it barely saw can come out with a wild weight.
        for f in [FATHER, MOTHER] {
            let partial = crate::compare::PARENT_PARTIAL as usize - 1;
            weights[f][partial] = weights[f][partial].min(weights[f][partial + 1]).min(weights[f][partial + 2]);
        }
        let prior = log2_odds(params.lambda.clamp(FLOOR, 1.0 - FLOOR));
        Model { params, weights, prior }
    }

    fn tf_adjustment(&self, c: &Comparison, a: &Prepared, b: &Prepared, freq: &Frequencies, field: usize) -> f64 {
        let level = c.levels[field];
        if level < crate::compare::NAME_PHONETIC || freq.total == 0 {
            return 0.0;
        }
        // The value agreed on, in the orientation chosen: a name found in the other field of the
        // other registration (swapped names) counts at its frequency in either field, the higher.
        let (ka, kb, sq) = match (field, c.names.swapped) {
            (0, false) => (a.family.key_concat, b.family.key_concat, freq.family_sq),
            (0, true) => (a.family.key_concat, b.given.key_concat, freq.family_sq.max(freq.given_sq)),
            (1, false) => (a.given.key_concat, b.given.key_concat, freq.given_sq),
            (_, _) => (a.given.key_concat, b.family.key_concat, freq.family_sq.max(freq.given_sq)),
        };
        let share_of = |k: u32| {
            let fam = if field == 0 || c.names.swapped { Frequencies::share(&freq.family, k, freq.total) } else { 0.0 };
            let giv = if field == 1 || c.names.swapped { Frequencies::share(&freq.given, k, freq.total) } else { 0.0 };
            fam.max(giv)
        };
        let share = share_of(ka).max(share_of(kb));
        if sq <= 0.0 {
            return 0.0;
        }
        (sq / share).log2().clamp(-MAX_TF_BITS, MAX_TF_BITS)
    }

    /// Term frequency of the place of origin: the same cercle (or, cercles aside, the same region)
    /// counts by how common that place is among the registrations, as names do. The level's u is
    /// the chance agreement over all places (Σ p²); a place of share p agrees by chance with
    /// probability p, so the adjustment is log2(Σ p² / p).
    fn origin_adjustment(&self, c: &Comparison, a: &Prepared, freq: &Frequencies) -> f64 {
        match c.levels[5] {
            3 => freq.cercle.adjustment(&[a.cercle]),
            2 => freq.region.adjustment(&[a.region]),
            _ => 0.0,
        }
    }

    /// Term frequency of a parent's name agreed on (exactly or phonetically), as for places: the
    /// commoner of the two spellings sets the share.
    fn parent_adjustment(&self, c: &Comparison, a: &Prepared, b: &Prepared, freq: &Frequencies, field: usize) -> f64 {
        if c.levels[field] < crate::compare::PARENT_SAME {
            return 0.0;
        }
        let (counts, keys) = if field == FATHER {
            (&freq.father, [a.father.key_concat, b.father.key_concat])
        } else {
            (&freq.mother, [a.mother.key_concat, b.mother.key_concat])
        };
        counts.adjustment(&keys)
    }

    /// Term frequency of documents: a number carried by more registrations than one person
    /// plausibly has (a placeholder a clerk types for "none", a family's laissez-passer listing
    /// the children) says less, down to nothing, about the pair that shares it.
    fn document_adjustment(&self, c: &Comparison, a: &Prepared, b: &Prepared, freq: &Frequencies) -> f64 {
        if c.levels[6] != crate::compare::DOCUMENT_EXACT || freq.documents.is_empty() {
            return 0.0;
        }
        let shared = a
            .documents
            .iter()
            .filter(|d| d.id != 0 && b.documents.iter().any(|e| e.id == d.id))
            .map(|d| freq.documents.get(&d.id).copied().unwrap_or(1))
            .min()
            .unwrap_or(1) as f64;
        if shared <= DOCUMENT_SHARERS {
            return 0.0;
        }
        let agreement = self.weights[6][crate::compare::DOCUMENT_EXACT as usize - 1].max(0.0);
        (-(shared / DOCUMENT_SHARERS).log2()).max(-agreement)
    }

    /// The term-frequency adjustment of one field of a pair, in bits.
    fn adjustment(&self, c: &Comparison, a: &Prepared, b: &Prepared, freq: &Frequencies, field: usize) -> f64 {
        match field {
            0 | 1 => self.tf_adjustment(c, a, b, freq, field),
            ORIGIN => self.origin_adjustment(c, a, freq),
            DOCUMENT => self.document_adjustment(c, a, b, freq),
            FATHER | MOTHER => self.parent_adjustment(c, a, b, freq, field),
            _ => 0.0,
        }
    }

    /// The weight of one field of a pair (term-frequency adjustment included) and its
    /// adjustment; None when a value is missing.
    ///
    /// A phone and the parents' names are shared by a household: brothers and sisters give the
    /// family's phone and name the same parents. They tell the same *family*, not the same
    /// person, so when the pair's own names or sexes disagree (given names different, or sexes
    /// different) they count for nothing, and only their disagreement still counts against.
    fn field_weight(
        &self,
        c: &Comparison,
        a: &Prepared,
        b: &Prepared,
        freq: &Frequencies,
        f: usize,
    ) -> Option<(f64, f64)> {
        let l = c.levels[f];
        if l == 0 {
            return None;
        }
        let tf = self.adjustment(c, a, b, freq, f);
        let w = self.weights[f][l as usize - 1] + tf;
        if HOUSEHOLD.contains(&f) && w > 0.0 && persons_differ(c) {
            return Some((0.0, 0.0));
        }
        Some((w, tf))
    }

    /// The match weight of a compared pair (prior included), in bits.
    pub fn weight(&self, c: &Comparison, a: &Prepared, b: &Prepared, freq: &Frequencies) -> f64 {
        self.prior + (0..FIELDS).filter_map(|f| self.field_weight(c, a, b, freq, f)).map(|(w, _)| w).sum::<f64>()
    }

    /// The weight of a pair field by field, for a person to read.
    pub fn explain(&self, c: &Comparison, a: &Prepared, b: &Prepared, freq: &Frequencies) -> Explanation {
        let mut fields = Vec::new();
        let mut total = self.prior;
        for f in 0..FIELDS {
            let Some((w, tf)) = self.field_weight(c, a, b, freq, f) else { continue };
            total += w;
            fields.push(FieldWeight {
                field: FIELD_NAMES[f],
                level: level_label(f, c.levels[f]),
                weight: w,
                tf_adjustment: tf,
            });
        }
        Explanation {
            prior: self.prior,
            fields,
            swapped_names: c.names.swapped,
            weight: total,
            probability: probability(total),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny deterministic generator (xorshift) so the fixture needs no dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
        fn pick(&mut self, probs: &[f64]) -> u8 {
            let x = self.next();
            let mut acc = 0.0;
            for (i, p) in probs.iter().enumerate() {
                acc += p;
                if x < acc {
                    return i as u8 + 1;
                }
            }
            probs.len() as u8
        }
    }

    fn truth() -> Params {
        let mut p = Params { lambda: 0.2, ..Params::default() };
        p.m[0] = [0.05, 0.1, 0.25, 0.6, 0.0];
        p.u[0] = [0.8, 0.1, 0.06, 0.04, 0.0];
        p.m[1] = [0.04, 0.06, 0.3, 0.6, 0.0];
        p.u[1] = [0.85, 0.05, 0.06, 0.04, 0.0];
        p.m[2] = [0.1, 0.1, 0.25, 0.05, 0.5];
        p.u[2] = [0.88, 0.05, 0.04, 0.02, 0.01];
        p.m[3] = [0.02, 0.98, 0.0, 0.0, 0.0];
        p.u[3] = [0.5, 0.5, 0.0, 0.0, 0.0];
        p.m[4] = [0.6, 0.4, 0.0, 0.0, 0.0];
        p.u[4] = [0.999, 0.001, 0.0, 0.0, 0.0];
        p.m[5] = [0.1, 0.2, 0.7, 0.0, 0.0];
        p.u[5] = [0.8, 0.15, 0.05, 0.0, 0.0];
        p.m[6] = [0.08, 0.07, 0.85, 0.0, 0.0];
        p.u[6] = [0.99, 0.008, 0.002, 0.0, 0.0];
        p.m[7] = [0.05, 0.05, 0.1, 0.2, 0.6];
        p.u[7] = [0.85, 0.04, 0.03, 0.04, 0.04];
        p.m[8] = [0.06, 0.12, 0.07, 0.2, 0.55];
        p.u[8] = [0.9, 0.05, 0.02, 0.01, 0.02];
        p
    }

    #[test]
    fn em_recovers_known_parameters() {
        let t = truth();
        let mut rng = Rng(0x9e3779b97f4a7c15);
        let mut counts: FxHashMap<u32, u64> = FxHashMap::default();
        for _ in 0..200_000 {
            let is_match = rng.next() < t.lambda;
            let mut levels = [0u8; FIELDS];
            for f in 0..FIELDS {
                let n = FIELD_LEVELS[f];
                let probs = if is_match { &t.m[f][..n] } else { &t.u[f][..n] };
                levels[f] = rng.pick(probs);
            }
            *counts.entry(pattern(&levels)).or_default() += 1;
        }
        let counts: Vec<(u32, u64)> = counts.into_iter().collect();
        let (p, report) = estimate(&counts, &Params::default(), 500, 1e-7);
        assert!(report.converged, "{report:?}");
        assert!((p.lambda - t.lambda).abs() < 0.01, "lambda {}", p.lambda);
        for f in 0..FIELDS {
            for l in 0..FIELD_LEVELS[f] {
                assert!((p.m[f][l] - t.m[f][l]).abs() < 0.02, "m[{f}][{l}] = {} vs {}", p.m[f][l], t.m[f][l]);
                assert!((p.u[f][l] - t.u[f][l]).abs() < 0.02, "u[{f}][{l}] = {} vs {}", p.u[f][l], t.u[f][l]);
            }
        }
    }

    #[test]
    fn patterns_round_trip() {
        let levels = [4, 3, 2, 1, 2, 3, 3, 5, 1];
        assert_eq!(unpack(pattern(&levels)), levels);
    }

    fn person(document: &str, i: &mut crate::compare::Interner) -> Prepared {
        use crate::compare::Record;
        use crate::normalize::BirthDate;
        let r = Record {
            family_name: "Konaté".into(),
            given_name: "Moussa".into(),
            birth: Some(BirthDate::year_only(1978)),
            cercle: "Dioïla".into(),
            region: "Koulikoro".into(),
            document: document.into(),
            ..Record::default()
        };
        Prepared::new(&r, i)
    }

    #[test]
    fn a_different_document_weighs_strongly_against() {
        use crate::compare::{compare, Interner};
        let mut i = Interner::default();
        let model = Model::new(Params::default());
        let freq = Frequencies::default();
        let w = |a: &Prepared, b: &Prepared, i: &Interner| model.weight(&compare(a, b, i), a, b, &freq);
        let none = person("", &mut i);
        let passport = person("passport:AB1234567", &mut i);
        let same = person("passport:ab 123 4567", &mut i);
        let typo = person("passport:AB1234576", &mut i);
        let other = person("passport:CD7654321", &mut i);
        let nina = person("nina:12345678901234A", &mut i);
        let base = w(&none, &passport, &i);
        assert!(w(&passport, &same, &i) > base + 8.0);
        assert!(w(&passport, &typo, &i) > base + 3.0);
        assert!(w(&passport, &other, &i) < base - 4.0);
        // A NINA against a passport is no evidence.
        assert_eq!(w(&passport, &nina, &i), base);
        let e = model.explain(&compare(&passport, &other, &i), &passport, &other, &freq);
        assert!(e.to_string().contains("document different number (same kind)"), "{e}");
    }

    #[test]
    fn a_document_shared_by_many_registrations_counts_less() {
        use crate::compare::{compare, Interner};
        let mut i = Interner::default();
        // A number typed for 40 registrations (a placeholder nobody filtered, a family document).
        let mut records: Vec<Prepared> = (0..40).map(|_| person("laissez_passer:TRP2019000", &mut i)).collect();
        records.extend((0..40).map(|n| person(&format!("laissez_passer:TRP2019{n:05}9"), &mut i)));
        records.push(person("laissez_passer:TRP2019000059", &mut i));
        let freq = Frequencies::from_records(&records);
        let model = Model::new(Params::default());
        let shared = model.weight(&compare(&records[0], &records[1], &i), &records[0], &records[1], &freq);
        let unique = model.weight(&compare(&records[45], &records[80], &i), &records[45], &records[80], &freq);
        let blank = person("", &mut i);
        let none = model.weight(&compare(&records[45], &blank, &i), &records[45], &blank, &freq);
        assert!(unique > shared + 3.0, "unique {unique} shared {shared}");
        // Never below no document at all.
        assert!(shared >= none - 1e-9, "shared {shared} none {none}");
        let e = model.explain(&compare(&records[0], &records[1], &i), &records[0], &records[1], &freq);
        assert!(e.fields.iter().any(|f| f.field == "document" && f.tf_adjustment < -3.0), "{e:?}");
    }

    #[test]
    fn common_surnames_weigh_less_than_rare_ones() {
        use crate::compare::{compare, Interner, Record};
        let mut i = Interner::default();
        let mut records = Vec::new();
        for n in 0..100 {
            let family = if n < 40 { "Traoré".to_string() } else { format!("Rare{n}") };
            records.push(Prepared::new(
                &Record { family_name: family, given_name: format!("G{n}"), ..Record::default() },
                &mut i,
            ));
        }
        let freq = Frequencies::from_records(&records);
        let model = Model::new(Params::default());
        let common = Prepared::new(&Record { family_name: "Traore".into(), ..Record::default() }, &mut i);
        let rare = Prepared::new(&Record { family_name: "RARE77".into(), ..Record::default() }, &mut i);
        let wc = model.weight(&compare(&records[0], &common, &i), &records[0], &common, &freq);
        let wr = model.weight(&compare(&records[77], &rare, &i), &records[77], &rare, &freq);
        assert!(wr > wc + 3.0, "rare {wr} common {wc}");
        let e = model.explain(&compare(&records[0], &common, &i), &records[0], &common, &freq);
        assert!(e.fields[0].tf_adjustment < 0.0);
        assert!(e.to_string().contains("family name exact"));
    }

    #[test]
    fn a_shared_cercle_weighs_less_where_many_come_from() {
        use crate::compare::{compare, Interner, Record};
        let mut i = Interner::default();
        let mut records = Vec::new();
        for n in 0..100 {
            let (region, cercle) = if n < 60 { ("Kayes", "Kayes") } else { ("Kidal", "Tessalit") };
            records.push(Prepared::new(
                &Record {
                    family_name: format!("F{n}"),
                    region: region.into(),
                    cercle: cercle.into(),
                    ..Record::default()
                },
                &mut i,
            ));
        }
        let freq = Frequencies::from_records(&records);
        let model = Model::new(Params::default());
        let weight = |x: usize, y: usize| {
            let c = compare(&records[x], &records[y], &i);
            assert_eq!(c.levels[5], 3);
            model.weight(&c, &records[x], &records[y], &freq)
        };
        // Both pairs differ only by their place: Kayes holds 60 % of the registrations, so
        // sharing it is weaker than sharing Tessalit (40 %); Σ p² = 0.52.
        let (common, rare) = (weight(0, 1), weight(60, 61));
        let expected = (0.52f64 / 0.6).log2() - (0.52f64 / 0.4).log2();
        assert!((common - rare - expected).abs() < 1e-9, "common {common} rare {rare}");
        let c = compare(&records[0], &records[1], &i);
        let e = model.explain(&c, &records[0], &records[1], &freq);
        assert!(e.fields.iter().any(|f| f.field == "origin" && f.tf_adjustment < 0.0), "{e:?}");
        // The index removes registrations: the counts follow.
        let mut freq = freq;
        for r in &records[..50] {
            freq.remove(r);
        }
        freq.refresh();
        assert_eq!((freq.cercle.known, freq.region.known), (50, 50));
        assert!((freq.cercle.sq - 0.68).abs() < 1e-9, "{}", freq.cercle.sq);
    }

    fn member(given: &str, sex: crate::Sex, phone: &str, father: &str, mother: &str) -> crate::compare::Record {
        use crate::normalize::BirthDate;
        crate::compare::Record {
            family_name: "Doumbia".into(),
            given_name: given.into(),
            sex,
            birth: Some(BirthDate::year_only(1990)),
            phone: phone.into(),
            region: "Kayes".into(),
            cercle: "Kita".into(),
            father_name: father.into(),
            mother_name: mother.into(),
            ..crate::compare::Record::default()
        }
    }

    /// Brothers give the family's phone and the same parents: that says "same family", not "same
    /// person". The same evidence still counts in full when the pair's own names agree.
    #[test]
    fn household_evidence_does_not_make_siblings_one_person() {
        use crate::compare::{compare, Interner, Prepared};
        use crate::Sex;
        let mut i = Interner::default();
        let model = Model::new(Params::default());
        let freq = Frequencies::default();
        let mut w = |a: &crate::compare::Record, b: &crate::compare::Record| {
            let (pa, pb) = (Prepared::new(a, &mut i), Prepared::new(b, &mut i));
            let c = compare(&pa, &pb, &i);
            (model.weight(&c, &pa, &pb, &freq), model.explain(&c, &pa, &pb, &freq))
        };
        let issa = member("Issa", Sex::Male, "76000001", "Mamadou", "Awa Sidibé");
        let brother = member("Bréhima", Sex::Male, "76000001", "Mamadou", "Awa Sidibé");
        let sister = member("Kadiatou", Sex::Female, "76000001", "Mamadou", "Awa Sidibé");
        let stranger = member("Bréhima", Sex::Male, "", "", "");
        let again = member("ISSA", Sex::Male, "+223 76 00 00 01", "Mahamadou", "Sidibe Hawa");
        let (brother_w, e) = w(&issa, &brother);
        let (stranger_w, _) = w(&issa, &stranger);
        assert!((brother_w - stranger_w).abs() < 1e-9, "brother {brother_w} stranger {stranger_w}");
        assert!(e.fields.iter().any(|f| f.field == "phone" && f.weight == 0.0), "{e}");
        let (sister_w, _) = w(&issa, &sister);
        assert!(sister_w < brother_w);
        // The same person: phone and parents add up.
        let (same_w, e) = w(&issa, &again);
        assert!(same_w > brother_w + 20.0, "same {same_w} brother {brother_w}");
        assert!(e.to_string().contains("father name phonetic or listed variant"), "{e}");
        assert!(e.to_string().contains("mother name phonetic or listed variant"), "{e}");
        let (exact_w, _) = w(&issa, &member("Issa", Sex::Male, "", "Mamadou", "SIDIBÉ AWA"));
        let (partial_w, e) = w(&issa, &member("Issa", Sex::Male, "", "Mamadou", "Awa"));
        assert!(exact_w > partial_w + 2.0, "exact {exact_w} partial {partial_w}");
        assert!(e.to_string().contains("mother name part of the name"), "{e}");
        // Parents who differ still count against, whatever the names say.
        let other_parents = member("Bréhima", Sex::Male, "", "Seydou", "Fanta Keïta");
        let (other_w, _) = w(&issa, &other_parents);
        assert!(other_w < stranger_w - 5.0, "other parents {other_w} stranger {stranger_w}");
    }

    /// A father called Mamadou is shared by many; a father called Zoumana by few.
    #[test]
    fn common_parent_names_weigh_less_than_rare_ones() {
        use crate::compare::{compare, Interner};
        use crate::Sex;
        let mut i = Interner::default();
        let records: Vec<Prepared> = (0..100)
            .map(|n| {
                let father = if n < 50 { "Mamadou".to_string() } else { format!("Zoumana{}", "x".repeat(n % 10)) };
                let r = member(&format!("Given{n}"), Sex::Male, "", &father, "");
                Prepared::new(&r, &mut i)
            })
            .collect();
        let freq = Frequencies::from_records(&records);
        assert_eq!(freq.father.known, 100);
        let model = Model::new(Params::default());
        let weight = |a: &Prepared, b: &Prepared| model.weight(&compare(a, b, &i), a, b, &freq);
        let (common, rare) = (weight(&records[0], &records[1]), weight(&records[50], &records[60]));
        assert!(rare > common + 2.0, "rare {rare} common {common}");
        let mut freq = freq;
        for r in &records[..10] {
            freq.remove(r);
        }
        freq.refresh();
        assert_eq!(freq.father.known, 90);
        assert_eq!(freq.father.counts.values().sum::<u32>(), 90);
    }
}
