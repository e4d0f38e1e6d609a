//! The online index: "is this new registration someone we already know?"
//!
//! A caseworker registering a returnee should see, before saving, the persons already on file who
//! may be the same one, with a score and the reasons. The index holds every registration's
//! prepared form and its blocking keys in hash maps, so a lookup compares only the registrations
//! that share a key with the new one (a few hundred at most, even at a million persons). It stays
//! current as registrations are added, edited and removed, and as persons are merged.

use crate::blocking::{Rule, RULES};
use crate::compare::{compare, Interner, NormalizedRecord, Overlay, Prepared, Record};
use crate::model::{Explanation, Frequencies, Model};
use rustc_hash::FxHashMap;

/// Blocks above this size are not scanned by a lookup (the other rules still are).
pub const LOOKUP_BLOCK_CAP: usize = 5000;

/// A person who may be the registration looked up.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub person_id: String,
    /// The person's registration that matched best.
    pub record_id: String,
    pub weight: f64,
    pub probability: f64,
    pub explanation: Explanation,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexError {
    DuplicateRecord(String),
    UnknownRecord(String),
    UnknownPerson(String),
}

impl std::fmt::Display for IndexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IndexError::DuplicateRecord(id) => write!(f, "registration {id} is already indexed"),
            IndexError::UnknownRecord(id) => write!(f, "no registration {id} in the index"),
            IndexError::UnknownPerson(id) => write!(f, "no person {id} in the index"),
        }
    }
}

impl std::error::Error for IndexError {}

struct Entry {
    record_id: String,
    person: u32,
    prepared: Prepared,
    keys: [u64; RULES.len()],
}

/// The in-memory index.
pub struct Index {
    model: Model,
    interner: Interner,
    freq: Frequencies,
    entries: Vec<Option<Entry>>,
    free: Vec<u32>,
    by_record: FxHashMap<String, u32>,
    persons: Vec<String>,
    by_person: FxHashMap<String, u32>,
    /// Registrations (entry slots) of each person slot.
    person_entries: Vec<Vec<u32>>,
    blocks: Vec<FxHashMap<u64, Vec<u32>>>,
    changes_since_refresh: usize,
}

impl Index {
    pub fn new(model: Model) -> Index {
        Index {
            model,
            interner: Interner::default(),
            freq: Frequencies::default(),
            entries: Vec::new(),
            free: Vec::new(),
            by_record: FxHashMap::default(),
            persons: Vec::new(),
            by_person: FxHashMap::default(),
            person_entries: Vec::new(),
            blocks: vec![FxHashMap::default(); RULES.len()],
            changes_since_refresh: 0,
        }
    }

    /// Number of registrations indexed.
    pub fn len(&self) -> usize {
        self.by_record.len()
    }
    pub fn is_empty(&self) -> bool {
        self.by_record.is_empty()
    }
    /// Number of persons with at least one registration.
    pub fn persons(&self) -> usize {
        self.by_person.len()
    }

    fn person_slot(&mut self, person_id: &str) -> u32 {
        if let Some(&p) = self.by_person.get(person_id) {
            return p;
        }
        let p = self.persons.len() as u32;
        self.persons.push(person_id.to_string());
        self.person_entries.push(Vec::new());
        self.by_person.insert(person_id.to_string(), p);
        p
    }

    fn keys_of(p: &Prepared) -> [u64; RULES.len()] {
        let mut keys = [0u64; RULES.len()];
        for (k, rule) in keys.iter_mut().zip(RULES) {
            *k = rule.key(p);
        }
        keys
    }

    fn refresh_if_due(&mut self) {
        self.changes_since_refresh += 1;
        // The squared frequency sums drift slowly: recompute them now and then, not every time.
        if self.changes_since_refresh > self.len() / 100 {
            self.freq.refresh();
            self.changes_since_refresh = 0;
        }
    }

    /// Adds a registration of a person (a new person id creates the person).
    pub fn add(&mut self, person_id: &str, record: &Record) -> Result<(), IndexError> {
        if self.by_record.contains_key(&record.id) {
            return Err(IndexError::DuplicateRecord(record.id.clone()));
        }
        let person = self.person_slot(person_id);
        let prepared = Prepared::new(record, &mut self.interner);
        let keys = Self::keys_of(&prepared);
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.entries.push(None);
                self.entries.len() as u32 - 1
            }
        };
        for (r, &k) in keys.iter().enumerate() {
            if k != 0 {
                self.blocks[r].entry(k).or_default().push(slot);
            }
        }
        self.freq.add(&prepared);
        self.entries[slot as usize] = Some(Entry { record_id: record.id.clone(), person, prepared, keys });
        self.by_record.insert(record.id.clone(), slot);
        self.person_entries[person as usize].push(slot);
        self.refresh_if_due();
        Ok(())
    }

    /// Removes a registration; a person left without registrations disappears.
    pub fn remove(&mut self, record_id: &str) -> Result<(), IndexError> {
        let slot = self.by_record.remove(record_id).ok_or_else(|| IndexError::UnknownRecord(record_id.into()))?;
        let entry = self.entries[slot as usize].take().expect("indexed slot");
        for (r, &k) in entry.keys.iter().enumerate() {
            if k == 0 {
                continue;
            }
            if let Some(list) = self.blocks[r].get_mut(&k) {
                if let Some(pos) = list.iter().position(|&s| s == slot) {
                    list.swap_remove(pos);
                }
                if list.is_empty() {
                    self.blocks[r].remove(&k);
                }
            }
        }
        self.freq.remove(&entry.prepared);
        let list = &mut self.person_entries[entry.person as usize];
        list.retain(|&s| s != slot);
        if list.is_empty() {
            let pid = self.persons[entry.person as usize].clone();
            self.by_person.remove(&pid);
        }
        self.free.push(slot);
        self.refresh_if_due();
        Ok(())
    }

    /// Replaces a registration after an edit (same record id, same person).
    pub fn update(&mut self, record: &Record) -> Result<(), IndexError> {
        let slot = *self.by_record.get(&record.id).ok_or_else(|| IndexError::UnknownRecord(record.id.clone()))?;
        let person = self.entries[slot as usize].as_ref().expect("indexed slot").person;
        let pid = self.persons[person as usize].clone();
        self.remove(&record.id)?;
        self.add(&pid, record)
    }

    /// Merges person `absorbed` into person `kept`: all its registrations now belong to `kept`.
    pub fn merge(&mut self, kept: &str, absorbed: &str) -> Result<(), IndexError> {
        let k = *self.by_person.get(kept).ok_or_else(|| IndexError::UnknownPerson(kept.into()))?;
        let a = *self.by_person.get(absorbed).ok_or_else(|| IndexError::UnknownPerson(absorbed.into()))?;
        if k == a {
            return Ok(());
        }
        let moved = std::mem::take(&mut self.person_entries[a as usize]);
        for &s in &moved {
            if let Some(e) = self.entries[s as usize].as_mut() {
                e.person = k;
            }
        }
        self.person_entries[k as usize].extend(moved);
        self.by_person.remove(absorbed);
        Ok(())
    }

    /// The person a registration belongs to.
    pub fn person_of(&self, record_id: &str) -> Option<&str> {
        let slot = *self.by_record.get(record_id)?;
        let e = self.entries[slot as usize].as_ref()?;
        Some(&self.persons[e.person as usize])
    }

    /// The persons most likely to be the registration `record`, best first: at most `limit`, each
    /// with a match probability of at least `min_probability`, its best registration and reasons.
    /// A registration with the same record id as `record` is ignored (looking up an edit).
    pub fn lookup(&self, record: &Record, limit: usize, min_probability: f64) -> Vec<Candidate> {
        let mut overlay = Overlay::new(&self.interner);
        let query = Prepared::from_normalized(&NormalizedRecord::new(record), &mut overlay);
        let mut seen: rustc_hash::FxHashSet<u32> = rustc_hash::FxHashSet::default();
        // Best (weight, slot) per person.
        let mut best: FxHashMap<u32, (f64, u32)> = FxHashMap::default();
        for (r, rule) in RULES.iter().enumerate() {
            let key: u64 = Rule::key(*rule, &query);
            if key == 0 {
                continue;
            }
            let Some(list) = self.blocks[r].get(&key) else { continue };
            if list.len() > LOOKUP_BLOCK_CAP {
                continue;
            }
            for &slot in list {
                if !seen.insert(slot) {
                    continue;
                }
                let Some(e) = self.entries[slot as usize].as_ref() else { continue };
                if e.record_id == record.id && !record.id.is_empty() {
                    continue;
                }
                let c = compare(&query, &e.prepared, &overlay);
                let w = self.model.weight(&c, &query, &e.prepared, &self.freq);
                let b = best.entry(e.person).or_insert((f64::NEG_INFINITY, slot));
                if w > b.0 {
                    *b = (w, slot);
                }
            }
        }
        let min_weight = crate::model::log2_odds(min_probability.clamp(1e-12, 1.0 - 1e-12));
        let mut ranked: Vec<(u32, f64, u32)> =
            best.into_iter().filter(|(_, (w, _))| *w >= min_weight).map(|(p, (w, s))| (p, w, s)).collect();
        ranked.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        ranked.truncate(limit);
        ranked
            .into_iter()
            .map(|(person, w, slot)| {
                let e = self.entries[slot as usize].as_ref().expect("indexed slot");
                let c = compare(&query, &e.prepared, &overlay);
                let explanation = self.model.explain(&c, &query, &e.prepared, &self.freq);
                Candidate {
                    person_id: self.persons[person as usize].clone(),
                    record_id: e.record_id.clone(),
                    weight: w,
                    probability: crate::model::probability(w),
                    explanation,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Params;
    use crate::normalize::{BirthDate, Sex};

    fn rec(id: &str, family: &str, given: &str, year: u16) -> Record {
        Record {
            id: id.into(),
            family_name: family.into(),
            given_name: given.into(),
            sex: Sex::Male,
            birth: Some(BirthDate { year, month: 5, day: 17 }),
            region: "Kayes".into(),
            cercle: "Kita".into(),
            ..Record::default()
        }
    }

    fn index() -> Index {
        let mut idx = Index::new(Model::new(Params::default()));
        idx.add("P1", &rec("r1", "Traoré", "Mamadou", 1990)).unwrap();
        idx.add("P2", &rec("r2", "Keïta", "Moussa", 1985)).unwrap();
        idx.add("P3", &rec("r3", "Coulibaly", "Boubacar", 1979)).unwrap();
        idx
    }

    #[test]
    fn finds_a_known_person_with_reasons() {
        let idx = index();
        let found = idx.lookup(&rec("new", "Kulibali", "Bakary", 1979), 5, 0.5);
        assert_eq!(found[0].person_id, "P3");
        assert!(found[0].explanation.to_string().contains("family name"));
        let swapped = idx.lookup(&rec("new", "Moussa", "Keita", 1985), 5, 0.5);
        assert_eq!(swapped[0].person_id, "P2");
        assert!(swapped[0].explanation.swapped_names);
    }

    #[test]
    fn stays_current_on_add_edit_and_merge() {
        let mut idx = index();
        // Add: a new person is found at once.
        assert!(idx.lookup(&rec("q", "Sangaré", "Adama", 1992), 5, 0.5).is_empty());
        idx.add("P4", &rec("r4", "Sangaré", "Adama", 1992)).unwrap();
        assert_eq!(idx.lookup(&rec("q", "Sangare", "Adama", 1992), 5, 0.5)[0].person_id, "P4");
        assert_eq!(idx.add("P9", &rec("r4", "X", "Y", 1990)), Err(IndexError::DuplicateRecord("r4".into())));

        // Edit: the old name no longer finds the registration, the new one does.
        idx.update(&rec("r4", "Diarra", "Adama", 1970)).unwrap();
        assert!(idx.lookup(&rec("q", "Sangare", "Adama", 1992), 5, 0.5).iter().all(|c| c.person_id != "P4"));
        assert_eq!(idx.lookup(&rec("q", "Jara", "Adama", 1970), 5, 0.5)[0].person_id, "P4");

        // Merge: a second registration of P1 under P5, merged into P1; lookups name P1 only.
        idx.add("P5", &rec("r5", "Traore", "Mahamadou", 1990)).unwrap();
        let before: Vec<String> =
            idx.lookup(&rec("q", "Traoré", "Mamadou", 1990), 5, 0.5).into_iter().map(|c| c.person_id).collect();
        assert_eq!(before.len(), 2);
        idx.merge("P1", "P5").unwrap();
        let after = idx.lookup(&rec("q", "Traoré", "Mamadou", 1990), 5, 0.5);
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].person_id, "P1");
        assert_eq!(idx.person_of("r5"), Some("P1"));
        assert_eq!(idx.persons(), 4);

        // Remove.
        idx.remove("r3").unwrap();
        assert!(idx.lookup(&rec("q", "Coulibaly", "Boubacar", 1979), 5, 0.5).is_empty());
        assert_eq!(idx.remove("r3"), Err(IndexError::UnknownRecord("r3".into())));
    }
}
