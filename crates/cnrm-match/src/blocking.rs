//! Blocking: which pairs are worth comparing at all.
//!
//! Comparing every pair of a million registrations is 5·10¹¹ comparisons; blocking compares only
//! the pairs that share a key. No single key is reliable (names get misspelt, dates are missing,
//! phones change), so several rules each produce candidate pairs and their union is compared.
//! Each pair is compared once: the pair found by a rule is skipped when an earlier rule already
//! put both records in one block. Blocks larger than a cap (a key shared by a whole population,
//! e.g. "Traoré, born 1990" with no other field) are skipped for that rule; other rules still see
//! their members.

use crate::compare::Prepared;
use std::hash::{Hash, Hasher};

/// The blocking rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Both name keys (in either order, so swapped names meet) and birth year.
    NamesYear,
    /// Both name keys (either order) and cercle (or region) of origin.
    NamesOrigin,
    /// Family-name key and full birth date.
    FamilyBirth,
    /// Given-name key, full birth date and sex.
    GivenBirthSex,
    /// Phone number.
    Phone,
    /// Document number (the first of a registration's documents, by kind).
    Document,
    /// Family-name key, birth year and cercle (for given names misspelt beyond recognition).
    FamilyYearOrigin,
    /// Given-name key, birth year, sex and cercle (for family names misspelt beyond recognition).
    GivenYearOrigin,
    /// The last of a registration's documents (so that a passport meets a passport when one
    /// registration also carries a NINA and the other does not).
    LastDocument,
    /// The lower of the two name keys (by id) and full birth date; with [`Rule::HighNameBirth`],
    /// for names swapped *and* one of them misspelt, which no rule above brings together (each
    /// needs both keys, or a key in its own field): the name written right is the lower key of
    /// both registrations, or the higher of both, unless the misspelt one falls on the other side.
    LowNameBirth,
    /// The higher of the two name keys and full birth date.
    HighNameBirth,
    /// Family-name key and both parents' names (keys): for a registration whose given name and
    /// birth date both went wrong. Brothers and sisters share the block; the model tells them
    /// apart by their own names.
    FamilyParents,
}

pub const RULES: [Rule; 12] = [
    Rule::NamesYear,
    Rule::NamesOrigin,
    Rule::FamilyBirth,
    Rule::GivenBirthSex,
    Rule::Phone,
    Rule::Document,
    Rule::FamilyYearOrigin,
    Rule::GivenYearOrigin,
    Rule::LastDocument,
    Rule::LowNameBirth,
    Rule::HighNameBirth,
    Rule::FamilyParents,
];

fn hash(rule: Rule, parts: &[u64]) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    (rule as u8).hash(&mut h);
    parts.hash(&mut h);
    // 0 means "no key": never produced by a real key.
    h.finish().max(1)
}

fn origin(r: &Prepared) -> u64 {
    if r.cercle != 0 {
        r.cercle as u64
    } else {
        (r.region as u64) << 32
    }
}

impl Rule {
    /// The compared fields this rule makes agree (indices of `model::FIELD_NAMES`), or nearly so
    /// (a given name tells the sex): EM leaves them out when it estimates m on this rule's pairs.
    pub fn fields(self) -> [bool; crate::model::FIELDS] {
        let on = |list: &[usize]| {
            let mut f = [false; crate::model::FIELDS];
            for &i in list {
                f[i] = true;
            }
            f
        };
        match self {
            Rule::NamesYear => on(&[0, 1, 2, 3]),
            Rule::NamesOrigin => on(&[0, 1, 3, 5]),
            Rule::FamilyBirth => on(&[0, 2]),
            Rule::GivenBirthSex => on(&[1, 2, 3]),
            Rule::Phone => on(&[4]),
            Rule::Document | Rule::LastDocument => on(&[6]),
            Rule::FamilyYearOrigin => on(&[0, 2, 5]),
            Rule::GivenYearOrigin => on(&[1, 2, 3, 5]),
            Rule::LowNameBirth | Rule::HighNameBirth => on(&[0, 1, 2]),
            Rule::FamilyParents => on(&[0, 7, 8]),
        }
    }

    /// The blocking key of a record under this rule; 0 when a field the rule needs is missing.
    pub fn key(self, r: &Prepared) -> u64 {
        let (f, g) = (r.family.first_key() as u64, r.given.first_key() as u64);
        let year = r.birth.map(|b| b.year as u64).unwrap_or(0);
        let full =
            r.birth.filter(|b| b.is_precise()).map(|b| (b.year as u64) << 16 | (b.month as u64) << 8 | b.day as u64);
        let sex = r.sex as u64;
        match self {
            Rule::NamesYear if f != 0 && g != 0 && year != 0 => hash(self, &[f.min(g), f.max(g), year]),
            Rule::NamesOrigin if f != 0 && g != 0 && origin(r) != 0 => hash(self, &[f.min(g), f.max(g), origin(r)]),
            Rule::FamilyBirth if f != 0 && full.is_some() => hash(self, &[f, full.unwrap_or(0)]),
            Rule::GivenBirthSex if g != 0 && full.is_some() => hash(self, &[g, full.unwrap_or(0), sex]),
            Rule::Phone if r.phone != 0 => hash(self, &[r.phone]),
            Rule::Document if r.documents[0].id != 0 => hash(Rule::Document, &[r.documents[0].id as u64]),
            Rule::LastDocument => match r.documents.iter().rev().find(|d| d.id != 0) {
                Some(d) => hash(Rule::Document, &[d.id as u64]),
                None => 0,
            },
            Rule::FamilyYearOrigin if f != 0 && year != 0 && origin(r) != 0 => hash(self, &[f, year, origin(r)]),
            Rule::GivenYearOrigin if g != 0 && year != 0 && origin(r) != 0 => hash(self, &[g, year, sex, origin(r)]),
            Rule::LowNameBirth if f != 0 && g != 0 && full.is_some() => hash(self, &[f.min(g), full.unwrap_or(0)]),
            Rule::HighNameBirth if f != 0 && g != 0 && full.is_some() => hash(self, &[f.max(g), full.unwrap_or(0)]),
            Rule::FamilyParents if f != 0 && !r.father.is_empty() && !r.mother.is_empty() => {
                hash(self, &[f, r.father.key_concat as u64, r.mother.key_concat as u64])
            }
            _ => 0,
        }
    }
}

/// The blocks of every rule over a set of records.
pub struct Blocks {
    /// keys[rule][record]: the record's key under the rule, 0 when none or its block is too large.
    pub keys: Vec<Vec<u64>>,
    /// Every block of two or more records: (rule index, members).
    pub blocks: Vec<(u8, Vec<u32>)>,
    /// Blocks skipped because larger than the cap, per rule.
    pub oversized: Vec<usize>,
}

impl Blocks {
    pub fn build(records: &[Prepared], cap: usize) -> Blocks {
        use rayon::prelude::*;
        let mut keys = Vec::with_capacity(RULES.len());
        let mut blocks = Vec::new();
        let mut oversized = Vec::with_capacity(RULES.len());
        for (ri, rule) in RULES.iter().enumerate() {
            let mut k: Vec<u64> = records.par_iter().map(|r| rule.key(r)).collect();
            let mut order: Vec<(u64, u32)> =
                k.iter().enumerate().filter(|(_, &key)| key != 0).map(|(i, &key)| (key, i as u32)).collect();
            order.par_sort_unstable();
            let mut too_big = 0;
            let mut start = 0;
            while start < order.len() {
                let mut end = start + 1;
                while end < order.len() && order[end].0 == order[start].0 {
                    end += 1;
                }
                let size = end - start;
                if size > cap {
                    too_big += 1;
                    for &(_, i) in &order[start..end] {
                        k[i as usize] = 0;
                    }
                } else if size > 1 {
                    blocks.push((ri as u8, order[start..end].iter().map(|&(_, i)| i).collect()));
                }
                start = end;
            }
            keys.push(k);
            oversized.push(too_big);
        }
        Blocks { keys, blocks, oversized }
    }

    /// True when an earlier rule than `rule` already puts a and b in one block.
    #[inline]
    pub fn seen_before(&self, rule: u8, a: u32, b: u32) -> bool {
        (0..rule as usize).any(|r| {
            let ka = self.keys[r][a as usize];
            ka != 0 && ka == self.keys[r][b as usize]
        })
    }

    /// Number of pairs the blocks hold, counting a pair once per rule (an upper bound).
    pub fn pair_bound(&self) -> u64 {
        self.blocks.iter().map(|(_, m)| (m.len() as u64) * (m.len() as u64 - 1) / 2).sum()
    }

    /// Calls `f(a, b)` for every pair of one block, including pairs earlier rules also find.
    pub fn for_each_pair_all(&self, block: usize, mut f: impl FnMut(u32, u32, bool)) {
        let (rule, members) = &self.blocks[block];
        for (i, &a) in members.iter().enumerate() {
            for &b in &members[i + 1..] {
                f(a, b, !self.seen_before(*rule, a, b));
            }
        }
    }

    /// Calls `f(a, b)` for every distinct candidate pair of one block.
    #[inline]
    pub fn for_each_pair(&self, block: usize, mut f: impl FnMut(u32, u32)) {
        let (rule, members) = &self.blocks[block];
        for (i, &a) in members.iter().enumerate() {
            for &b in &members[i + 1..] {
                if !self.seen_before(*rule, a, b) {
                    f(a, b);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{Interner, Record};
    use crate::normalize::BirthDate;

    #[test]
    fn union_of_rules_finds_each_pair_once() {
        let mut i = Interner::default();
        let base = Record {
            family_name: "Traoré".into(),
            given_name: "Awa".into(),
            birth: Some(BirthDate { year: 1990, month: 3, day: 4 }),
            phone: "76000001".into(),
            cercle: "Kita".into(),
            ..Record::default()
        };
        let swapped = Record { family_name: "Awa".into(), given_name: "Traore".into(), ..base.clone() };
        let new_phone_typo = Record { family_name: "Trarore".into(), phone: "66000002".into(), ..base.clone() };
        let other = Record {
            family_name: "Keïta".into(),
            given_name: "Moussa".into(),
            phone: "".into(),
            birth: None,
            ..base.clone()
        };
        let records: Vec<Prepared> =
            [base, swapped, new_phone_typo, other].iter().map(|r| Prepared::new(r, &mut i)).collect();
        let blocks = Blocks::build(&records, 100);
        let mut pairs = Vec::new();
        for b in 0..blocks.blocks.len() {
            blocks.for_each_pair(b, |a, b| pairs.push((a, b)));
        }
        pairs.sort();
        // The swapped record and the misspelt one share no key: clustering joins them through 0.
        assert_eq!(pairs, vec![(0, 1), (0, 2)]);
    }

    #[test]
    fn a_document_meets_its_kind_whichever_slot_it_is_in() {
        let mut i = Interner::default();
        let doc =
            |d: &str, family: &str| Record { family_name: family.into(), document: d.into(), ..Record::default() };
        // No name, date or place in common: only the passport can bring them together.
        let records: Vec<Prepared> = [
            doc("nina:12345678901234A;passport:AB1234567", "Traoré"),
            doc("passport:ab 123 4567", "Keïta"),
            doc("nina:12345678901234A", "Diarra"),
            doc("passport:CD7654321", "Sow"),
        ]
        .iter()
        .map(|r| Prepared::new(r, &mut i))
        .collect();
        let blocks = Blocks::build(&records, 100);
        let mut pairs = Vec::new();
        for b in 0..blocks.blocks.len() {
            blocks.for_each_pair(b, |a, b| pairs.push((a.min(b), a.max(b))));
        }
        pairs.sort();
        assert_eq!(pairs, vec![(0, 1), (0, 2)]);
    }

    #[test]
    fn oversized_blocks_are_skipped() {
        let mut i = Interner::default();
        let r = Record { phone: "76000001".into(), ..Record::default() };
        let records: Vec<Prepared> = (0..5).map(|_| Prepared::new(&r, &mut i)).collect();
        let blocks = Blocks::build(&records, 4);
        assert!(blocks.blocks.is_empty());
        assert_eq!(blocks.oversized[4], 1);
    }

    #[test]
    fn swapped_names_with_one_misspelt_meet_on_the_name_written_right() {
        let mut i = Interner::default();
        let birth = Some(BirthDate { year: 1980, month: 3, day: 2 });
        let rec = |family: &str, given: &str| Record {
            family_name: family.into(),
            given_name: given.into(),
            birth,
            ..Record::default()
        };
        // Names swapped and the given name misspelt: no name key in its own field in common, no
        // phone, no place. Only the full date and the family name, written right, remain.
        let records: Vec<Prepared> = [rec("Traoré", "Youssouf"), rec("Youssouk", "Traore"), rec("Keïta", "Awa")]
            .iter()
            .map(|r| Prepared::new(r, &mut i))
            .collect();
        let blocks = Blocks::build(&records, 100);
        let mut pairs = Vec::new();
        for b in 0..blocks.blocks.len() {
            blocks.for_each_pair(b, |a, b| pairs.push((a.min(b), a.max(b))));
        }
        assert_eq!(pairs, vec![(0, 1)]);
        let rule = RULES[blocks.blocks[0].0 as usize];
        assert!(matches!(rule, Rule::LowNameBirth | Rule::HighNameBirth), "{rule:?}");
    }
}
