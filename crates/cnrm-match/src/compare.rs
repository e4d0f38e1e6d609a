//! Comparisons: how much two registrations agree, field by field, as discrete levels.
//!
//! A registration is first *prepared*: normalised once, its strings interned into u32 ids so that
//! the millions of comparisons of a batch are mostly integer equalities, and only the near misses
//! pay for a Jaro–Winkler or edit distance. Each field comparison yields a level (0 means a value
//! is missing, which is no evidence either way); the model (`model.rs`) turns levels into weights.

use crate::normalize::{normalize_phone, parse_documents, BirthDate, DocumentKind, NormalizedName, Sex};
use rustc_hash::FxHashMap;

/// One registration as read from a file or a database: raw strings, typed sex and birth date.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    pub id: String,
    pub family_name: String,
    pub given_name: String,
    pub sex: Sex,
    pub birth: Option<BirthDate>,
    pub phone: String,
    pub region: String,
    pub cercle: String,
    /// Identity documents, when known: a number, or several separated by `;`, each optionally
    /// preceded by its kind (`passport:AA1234567;nina:12345678901234A`, kinds as in
    /// [`DocumentKind::from_code`]). A number without a kind is compared with every kind, and
    /// counts as different only against another number without a kind (see [`document_level`]).
    pub document: String,
    /// The father's given name(s), as civil documents write the filiation ("fils de Mamadou").
    pub father_name: String,
    /// The mother's full name, given and family names in any order ("et de Fatoumata Diarra").
    pub mother_name: String,
}

/// Resolves interned ids back to strings (for the similarity measures).
pub trait Strings {
    fn get(&self, id: u32) -> &str;
}

/// Interned strings: id 0 is the empty string.
#[derive(Debug, Clone)]
pub struct Interner {
    map: FxHashMap<Box<str>, u32>,
    strings: Vec<Box<str>>,
}

impl Default for Interner {
    fn default() -> Self {
        let mut i = Interner { map: FxHashMap::default(), strings: Vec::new() };
        i.intern("");
        i
    }
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.into());
        self.map.insert(s.into(), id);
        id
    }
    pub fn lookup(&self, s: &str) -> Option<u32> {
        self.map.get(s).copied()
    }
    pub fn len(&self) -> usize {
        self.strings.len()
    }
    pub fn is_empty(&self) -> bool {
        self.strings.len() <= 1
    }
}

impl Strings for Interner {
    fn get(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }
}

/// A read-only interner plus the strings of one query that it does not know (online lookups must
/// not grow the shared interner).
pub struct Overlay<'a> {
    base: &'a Interner,
    extra: Vec<String>,
}

impl<'a> Overlay<'a> {
    pub fn new(base: &'a Interner) -> Self {
        Overlay { base, extra: Vec::new() }
    }
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(id) = self.base.lookup(s) {
            return id;
        }
        if let Some(pos) = self.extra.iter().position(|e| e == s) {
            return u32::MAX - pos as u32;
        }
        self.extra.push(s.to_string());
        u32::MAX - (self.extra.len() as u32 - 1)
    }
}

impl Strings for Overlay<'_> {
    fn get(&self, id: u32) -> &str {
        if (id as usize) < self.base.strings.len() {
            self.base.get(id)
        } else {
            &self.extra[(u32::MAX - id) as usize]
        }
    }
}

/// Anything that interns strings (the batch interner or a query overlay).
pub trait Intern {
    fn intern_str(&mut self, s: &str) -> u32;
}
impl Intern for Interner {
    fn intern_str(&mut self, s: &str) -> u32 {
        self.intern(s)
    }
}
impl Intern for Overlay<'_> {
    fn intern_str(&mut self, s: &str) -> u32 {
        self.intern(s)
    }
}

/// At most this many tokens of a name are kept.
pub const MAX_TOKENS: usize = 4;

/// A prepared name: interned tokens and keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NameIds {
    pub len: u8,
    pub tokens: [u32; MAX_TOKENS],
    pub keys: [u32; MAX_TOKENS],
    /// Tokens written together ("abdoulkarim").
    pub concat: u32,
    /// Keys joined: the value whose frequency drives the term-frequency adjustment.
    pub key_concat: u32,
}

impl NameIds {
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn keys(&self) -> &[u32] {
        &self.keys[..self.len as usize]
    }
    pub fn tokens(&self) -> &[u32] {
        &self.tokens[..self.len as usize]
    }
    /// The first key (blocking uses it), 0 when empty.
    pub fn first_key(&self) -> u32 {
        if self.len == 0 {
            0
        } else {
            self.keys[0]
        }
    }
}

/// The strings of a normalised record, before interning (computed in parallel).
#[derive(Debug, Clone, Default)]
pub struct NormalizedRecord {
    pub family: NormalizedName,
    pub given: NormalizedName,
    pub sex: Sex,
    pub birth: Option<BirthDate>,
    pub phone: u64,
    pub region: String,
    pub cercle: String,
    /// (kind, comparison key), at most [`MAX_DOCUMENTS`].
    pub documents: Vec<(DocumentKind, String)>,
    pub father: NormalizedName,
    pub mother: NormalizedName,
}

impl NormalizedRecord {
    pub fn new(r: &Record) -> Self {
        NormalizedRecord {
            family: NormalizedName::new(&r.family_name),
            given: NormalizedName::new(&r.given_name),
            sex: r.sex,
            birth: r.birth,
            phone: normalize_phone(&r.phone).unwrap_or(0),
            region: crate::normalize::fold(&r.region),
            cercle: crate::normalize::fold(&r.cercle),
            documents: {
                let mut d = parse_documents(&r.document);
                d.truncate(MAX_DOCUMENTS);
                d
            },
            father: NormalizedName::unordered(&r.father_name),
            mother: NormalizedName::unordered(&r.mother_name),
        }
    }
}

/// A registration ready for comparison: all ids, four cache lines at most.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prepared {
    pub family: NameIds,
    pub given: NameIds,
    pub sex: Sex,
    pub birth: Option<BirthDate>,
    /// Normalised phone, 0 when unknown.
    pub phone: u64,
    pub region: u32,
    pub cercle: u32,
    /// Documents, by kind; unused slots have id 0.
    pub documents: [Document; MAX_DOCUMENTS],
    /// Filiation: the father's given name and the mother's name (empty when not recorded).
    pub father: NameIds,
    pub mother: NameIds,
}

/// At most this many documents of a registration are compared.
pub const MAX_DOCUMENTS: usize = 2;

/// A prepared document: its kind and interned comparison key (0 when none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Document {
    pub kind: DocumentKind,
    pub id: u32,
}

fn name_ids(n: &NormalizedName, interner: &mut impl Intern) -> NameIds {
    let mut ids = NameIds::default();
    let len = n.tokens.len().min(MAX_TOKENS);
    ids.len = len as u8;
    for i in 0..len {
        ids.tokens[i] = interner.intern_str(&n.tokens[i]);
        ids.keys[i] = interner.intern_str(&n.keys[i]);
    }
    if len > 0 {
        ids.concat = interner.intern_str(&n.tokens[..len].concat());
        ids.key_concat = interner.intern_str(&n.keys[..len].join(" "));
    }
    ids
}

impl Prepared {
    pub fn from_normalized(n: &NormalizedRecord, interner: &mut impl Intern) -> Prepared {
        Prepared {
            family: name_ids(&n.family, interner),
            given: name_ids(&n.given, interner),
            sex: n.sex,
            birth: n.birth,
            phone: n.phone,
            region: interner.intern_str(&n.region),
            cercle: interner.intern_str(&n.cercle),
            documents: {
                let mut d = [Document::default(); MAX_DOCUMENTS];
                for (slot, (kind, key)) in d.iter_mut().zip(&n.documents) {
                    *slot = Document { kind: *kind, id: interner.intern_str(key) };
                }
                d
            },
            father: name_ids(&n.father, interner),
            mother: name_ids(&n.mother, interner),
        }
    }
    pub fn new(r: &Record, interner: &mut impl Intern) -> Prepared {
        Prepared::from_normalized(&NormalizedRecord::new(r), interner)
    }
}

/// Name levels.
pub const NAME_DIFFERENT: u8 = 1;
pub const NAME_FUZZY: u8 = 2;
pub const NAME_PHONETIC: u8 = 3;
pub const NAME_EXACT: u8 = 4;

/// Jaro–Winkler similarity at or above which two names are a "fuzzy" match (a typo).
pub const FUZZY_THRESHOLD: f64 = 0.9;

/// Compares two names: 0 when one is missing, then different / fuzzy (typo, Jaro–Winkler ≥ 0.9 or
/// one edit) / phonetic (same keys, or every token of the shorter name found in the longer) / exact.
pub fn name_level(a: &NameIds, b: &NameIds, strings: &impl Strings) -> u8 {
    match agreement(a, b) {
        Agreement::Missing => return 0,
        Agreement::Spelling => return NAME_EXACT,
        Agreement::Keys | Agreement::Contained => return NAME_PHONETIC,
        Agreement::Neither => {}
    }
    let (short, long) = if a.len <= b.len { (a, b) } else { (b, a) };
    let (ca, cb) = (strings.get(a.concat), strings.get(b.concat));
    if similar(ca, cb) || similar(strings.get(a.key_concat), strings.get(b.key_concat)) {
        return NAME_FUZZY;
    }
    if short.len > 1 || long.len > 1 {
        let all = short
            .tokens()
            .iter()
            .all(|&t| long.tokens().iter().any(|&u| t == u || similar(strings.get(t), strings.get(u))));
        if all {
            return NAME_FUZZY;
        }
    }
    NAME_DIFFERENT
}

/// How two names agree by their ids alone, before any similarity is measured: the part that
/// [`name_level`] and [`parent_level`] share.
enum Agreement {
    /// One of the two is empty.
    Missing,
    /// Same spelling (tokens written together).
    Spelling,
    /// Same phonetic keys in the same order.
    Keys,
    /// Every key of the shorter name is a key of the longer.
    Contained,
    Neither,
}

fn agreement(a: &NameIds, b: &NameIds) -> Agreement {
    let (short, long) = if a.len <= b.len { (a, b) } else { (b, a) };
    if a.is_empty() || b.is_empty() {
        Agreement::Missing
    } else if a.concat == b.concat {
        Agreement::Spelling
    } else if a.key_concat == b.key_concat {
        Agreement::Keys
    } else if short.keys().iter().all(|k| long.keys().contains(k)) {
        Agreement::Contained
    } else {
        Agreement::Neither
    }
}

fn similar(a: &str, b: &str) -> bool {
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 3 || la == 0 || lb == 0 {
        return false;
    }
    if la >= 4 && lb >= 4 && one_edit(a.as_bytes(), b.as_bytes()) {
        return true;
    }
    strsim::jaro_winkler(a, b) >= FUZZY_THRESHOLD
}

/// True when a and b differ by at most one substitution, insertion, deletion or transposition of
/// adjacent letters (optimal string alignment distance ≤ 1), without allocating.
pub fn one_edit(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if prefix == a.len() {
        return b.len() - a.len() <= 1;
    }
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    match b.len() - a.len() {
        0 => ra[1..] == rb[1..] || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..]),
        1 => ra == &rb[1..],
        _ => false,
    }
}

/// Name levels of a pair, in the orientation that fits best: `swapped` when the family name of
/// one registration is the given name of the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameMatch {
    pub family: u8,
    pub given: u8,
    pub swapped: bool,
}

pub fn compare_names(a: &Prepared, b: &Prepared, strings: &impl Strings) -> NameMatch {
    let family = name_level(&a.family, &b.family, strings);
    let given = name_level(&a.given, &b.given, strings);
    if family == NAME_EXACT && given == NAME_EXACT {
        return NameMatch { family, given, swapped: false };
    }
    let sf = name_level(&a.family, &b.given, strings);
    if sf < NAME_FUZZY {
        return NameMatch { family, given, swapped: false };
    }
    let sg = name_level(&a.given, &b.family, strings);
    if (sf + sg) as u32 > (family + given) as u32 && sf >= NAME_FUZZY && sg >= NAME_FUZZY {
        NameMatch { family: sf, given: sg, swapped: true }
    } else {
        NameMatch { family, given, swapped: false }
    }
}

/// Levels of a parent's name.
pub const PARENT_DIFFERENT: u8 = 1;
pub const PARENT_PARTIAL: u8 = 2;
pub const PARENT_TYPO: u8 = 3;
pub const PARENT_SAME: u8 = 4;
pub const PARENT_EXACT: u8 = 5;

/// Compares a parent's name on two registrations (tokens in key order, see
/// [`NormalizedName::unordered`]): exact (same spelling), same (phonetic keys or listed variants),
/// typo (as many names, each the same or one slip apart), partial (one registration names fewer:
/// the mother's given name alone against her full name, which strangers share far more often than
/// a full name), different.
pub fn parent_level(a: &NameIds, b: &NameIds, strings: &impl Strings) -> u8 {
    let contained = match agreement(a, b) {
        Agreement::Missing => return 0,
        Agreement::Spelling => return PARENT_EXACT,
        Agreement::Keys => return PARENT_SAME,
        Agreement::Contained => true,
        Agreement::Neither => false,
    };
    if a.len != b.len {
        return if contained { PARENT_PARTIAL } else { PARENT_DIFFERENT };
    }
    // Name by name (spellings, then keys), not the names written together: most compared pairs
    // name other parents, and each similarity measured here is paid tens of millions of times in
    // a batch (the whole-name check cost 8 s of 49 at 1M and found nothing more).
    let close = |t: u32, u: u32| t == u || similar(strings.get(t), strings.get(u));
    let each = a.tokens().iter().zip(b.tokens()).all(|(&t, &u)| close(t, u))
        || a.keys().iter().zip(b.keys()).all(|(&t, &u)| close(t, u));
    if each {
        PARENT_TYPO
    } else {
        PARENT_DIFFERENT
    }
}

/// Birth date levels.
pub const BIRTH_DIFFERENT: u8 = 1;
pub const BIRTH_CLOSE: u8 = 2;
pub const BIRTH_COMPATIBLE: u8 = 3;
pub const BIRTH_NEAR: u8 = 4;
pub const BIRTH_EXACT: u8 = 5;

/// Compares birth dates respecting their precision: exact (two full dates, equal); near (two full
/// dates one slip apart: day and month transposed, the year one off or one digit of it mistyped,
/// on the same day); compatible (same year, one or both known only by year or by the 1 January
/// placeholder, or same year and month with an unknown day); close (same year but another day or
/// month, or one year apart where a date is known only by its year or its month); different.
///
/// Near and close are apart because they say very different things: two strangers are born on
/// the same day with a digit off about as rarely as on the same day, while they share a birth year
/// one time in fifty.
pub fn birth_level(a: Option<BirthDate>, b: Option<BirthDate>) -> u8 {
    let (Some(a), Some(b)) = (a, b) else { return 0 };
    let both_precise = a.is_precise() && b.is_precise();
    if a.year == b.year {
        if both_precise {
            return if a.month == b.month && a.day == b.day {
                BIRTH_EXACT
            } else if a.month == b.day && a.day == b.month {
                BIRTH_NEAR
            } else {
                BIRTH_CLOSE
            };
        }
        if a.month == 0 || b.month == 0 || a.month == b.month {
            return BIRTH_COMPATIBLE;
        }
        return BIRTH_CLOSE;
    }
    let same_day = both_precise && a.month == b.month && a.day == b.day;
    if a.year.abs_diff(b.year) == 1 {
        if same_day {
            return BIRTH_NEAR;
        }
        if a.month == 0 || b.month == 0 || (a.month == b.month && (a.day == 0 || b.day == 0)) {
            return BIRTH_CLOSE;
        }
    }
    if a.year.abs_diff(b.year) <= 10 && same_day && (a.year % 10 == b.year % 10 || a.year / 10 == b.year / 10) {
        // One digit of the year mistyped.
        return BIRTH_NEAR;
    }
    BIRTH_DIFFERENT
}

/// Two-level comparisons (different = 1, same = 2, missing = 0).
pub fn same_level<T: PartialEq + Default>(a: T, b: T) -> u8 {
    let none = T::default();
    if a == none || b == none {
        0
    } else if a == b {
        2
    } else {
        1
    }
}

pub fn sex_level(a: Sex, b: Sex) -> u8 {
    same_level(a, b)
}

/// Place of origin: 3 same cercle, 2 same region (cercle unknown or different), 1 different region.
pub fn origin_level(a: &Prepared, b: &Prepared) -> u8 {
    if a.cercle != 0 && a.cercle == b.cercle {
        return 3;
    }
    if a.region == 0 || b.region == 0 {
        return 0;
    }
    if a.region == b.region {
        2
    } else {
        1
    }
}

/// Document levels.
pub const DOCUMENT_DIFFERENT: u8 = 1;
pub const DOCUMENT_NEAR: u8 = 2;
pub const DOCUMENT_EXACT: u8 = 3;

/// Compares the documents of two registrations, kind by kind: exact when a number of one is a
/// number of the other (same kind, or a kind unknown), near when two numbers of one kind differ by
/// one character (re-typed with an error: a substitution, a transposition, a character added or
/// dropped; numbers of five characters or more), different when the two carry a document of one
/// kind under other numbers (a renewed passport, or two people), 0 when they have no kind in
/// common (a NINA against a passport says nothing; so does a number of unknown kind that is
/// neither equal nor near to a number of a known kind).
pub fn document_level(a: &[Document; MAX_DOCUMENTS], b: &[Document; MAX_DOCUMENTS], strings: &impl Strings) -> u8 {
    // Documents fill the slots in order: an empty first slot means none.
    if a[0].id == 0 || b[0].id == 0 {
        return 0;
    }
    let mut level = 0;
    for da in a.iter().filter(|d| d.id != 0) {
        for db in b.iter().filter(|d| d.id != 0) {
            if !da.kind.comparable(db.kind) {
                continue;
            }
            if da.id == db.id {
                return DOCUMENT_EXACT;
            }
            let (sa, sb) = (strings.get(da.id), strings.get(db.id));
            let near = sa.len().min(sb.len()) >= 5 && one_edit(sa.as_bytes(), sb.as_bytes());
            if near {
                level = DOCUMENT_NEAR;
            } else if da.kind == db.kind {
                // A number of unknown kind against a known kind may be another document.
                level = level.max(DOCUMENT_DIFFERENT);
            }
        }
    }
    level
}

/// The levels of every field for one pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison {
    pub names: NameMatch,
    pub levels: [u8; crate::model::FIELDS],
}

pub fn compare(a: &Prepared, b: &Prepared, strings: &impl Strings) -> Comparison {
    let names = compare_names(a, b, strings);
    let levels = [
        names.family,
        names.given,
        birth_level(a.birth, b.birth),
        sex_level(a.sex, b.sex),
        same_level(a.phone, b.phone),
        origin_level(a, b),
        document_level(&a.documents, &b.documents, strings),
        parent_level(&a.father, &b.father, strings),
        parent_level(&a.mother, &b.mother, strings),
    ];
    Comparison { names, levels }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::BirthDate;
    use proptest::prelude::*;

    fn rec(family: &str, given: &str) -> Record {
        Record { family_name: family.into(), given_name: given.into(), ..Record::default() }
    }

    fn names(a: (&str, &str), b: (&str, &str)) -> NameMatch {
        let mut i = Interner::default();
        let pa = Prepared::new(&rec(a.0, a.1), &mut i);
        let pb = Prepared::new(&rec(b.0, b.1), &mut i);
        compare_names(&pa, &pb, &i)
    }

    #[test]
    fn name_levels() {
        assert_eq!(names(("Traoré", "Mamadou"), ("TRAORE", "Mamadou")).family, NAME_EXACT);
        assert_eq!(names(("Coulibaly", "Mamadou"), ("Kulibali", "Mahamadou")).family, NAME_PHONETIC);
        assert_eq!(names(("Coulibaly", "Mamadou"), ("Kulibali", "Mahamadou")).given, NAME_PHONETIC);
        assert_eq!(names(("Sangaré", "Fanta"), ("Sangaré", "Fatoumata")).given, NAME_PHONETIC);
        assert_eq!(names(("Sangaré", "Fanta"), ("Sangaer", "Fanta")).family, NAME_FUZZY);
        assert_eq!(names(("Diarra", "Awa"), ("Konaté", "Awa")).family, NAME_DIFFERENT);
        let swapped = names(("Keïta", "Moussa"), ("Moussa", "Keita"));
        assert!(swapped.swapped);
        assert_eq!((swapped.family, swapped.given), (NAME_EXACT, NAME_EXACT));
        assert_eq!(names(("", "Moussa"), ("Keita", "Moussa")).family, 0);
        assert_eq!(names(("Ag Mohamed", "Intalla"), ("Mohamed", "Intalla")).family, NAME_EXACT);
    }

    #[test]
    fn birth_levels_respect_precision() {
        let full = |y, m, d| Some(BirthDate { year: y, month: m, day: d });
        let year = |y| Some(BirthDate::year_only(y));
        assert_eq!(birth_level(full(1990, 3, 4), full(1990, 3, 4)), BIRTH_EXACT);
        assert_eq!(birth_level(full(1990, 3, 4), year(1990)), BIRTH_COMPATIBLE);
        assert_eq!(birth_level(year(1990), year(1990)), BIRTH_COMPATIBLE);
        assert_eq!(birth_level(full(1990, 3, 4), full(1990, 4, 3)), BIRTH_NEAR);
        assert_eq!(birth_level(full(1990, 3, 4), full(1991, 3, 4)), BIRTH_NEAR);
        assert_eq!(birth_level(full(1990, 3, 4), full(1980, 3, 4)), BIRTH_NEAR);
        assert_eq!(birth_level(full(1990, 3, 4), full(1990, 3, 9)), BIRTH_CLOSE);
        assert_eq!(birth_level(full(1990, 3, 4), full(1990, 8, 4)), BIRTH_CLOSE);
        assert_eq!(birth_level(year(1990), year(1991)), BIRTH_CLOSE);
        assert_eq!(birth_level(full(1990, 3, 4), year(1991)), BIRTH_CLOSE);
        assert_eq!(birth_level(full(1990, 3, 4), full(1991, 3, 0)), BIRTH_CLOSE);
        assert_eq!(birth_level(full(1990, 3, 4), full(1991, 4, 3)), BIRTH_DIFFERENT);
        assert_eq!(birth_level(full(1990, 3, 4), full(1975, 8, 9)), BIRTH_DIFFERENT);
        assert_eq!(birth_level(None, full(1975, 8, 9)), 0);
    }

    #[test]
    fn other_fields() {
        let mut i = Interner::default();
        let a = Prepared::new(
            &Record {
                phone: "+223 76 00 00 01".into(),
                region: "Kayes".into(),
                cercle: "Kita".into(),
                ..rec("A", "B")
            },
            &mut i,
        );
        let b = Prepared::new(
            &Record { phone: "76000001".into(), region: "KAYES".into(), cercle: "Diéma".into(), ..rec("A", "B") },
            &mut i,
        );
        let c = compare(&a, &b, &i);
        assert_eq!(c.levels[4], 2);
        assert_eq!(c.levels[5], 2);
        assert_eq!(c.levels[6], 0);
        assert_eq!(c.levels[3], 0);
    }

    fn parents(a: (&str, &str), b: (&str, &str)) -> (u8, u8) {
        let mut i = Interner::default();
        let rec = |(father, mother): (&str, &str)| Record {
            father_name: father.into(),
            mother_name: mother.into(),
            ..Record::default()
        };
        let (pa, pb) = (Prepared::new(&rec(a), &mut i), Prepared::new(&rec(b), &mut i));
        let c = compare(&pa, &pb, &i);
        (c.levels[7], c.levels[8])
    }

    #[test]
    fn filiation_levels() {
        assert_eq!(parents(("Mamadou", "Awa Sidibé"), ("MAMADOU", "awa sidibe")), (PARENT_EXACT, PARENT_EXACT));
        // The mother written family name first is the same name.
        assert_eq!(parents(("Mamadou", "Awa Sidibé"), ("Mamadou", "SIDIBE Awa")).1, PARENT_EXACT);
        // Listed variants, in either order.
        assert_eq!(parents(("Mamadou", "Awa Sidibé"), ("Mahamadou", "Sidibé Hawa")), (PARENT_SAME, PARENT_SAME));
        // Her given name alone, against her full name.
        assert_eq!(parents(("Mamadou", "Awa Sidibé"), ("Mamadou", "Awa")).1, PARENT_PARTIAL);
        assert_eq!(
            parents(("Souleymane", "Maimouna Sangaré"), ("Souleymame", "Maimouna Sanagré")),
            (PARENT_TYPO, PARENT_TYPO)
        );
        assert_eq!(parents(("Seydou", "Fanta Keïta"), ("Mamadou", "Awa Sidibé")), (PARENT_DIFFERENT, PARENT_DIFFERENT));
        // Same given name, another family: not the same mother.
        assert_eq!(parents(("Seydou", "Awa Keïta"), ("Seydou", "Awa Sidibé")).1, PARENT_DIFFERENT);
        // Not recorded: no evidence.
        assert_eq!(parents(("", "Awa Sidibé"), ("Mamadou", "")), (0, 0));
    }

    fn docs(a: &str, b: &str) -> u8 {
        let mut i = Interner::default();
        let pa = Prepared::new(&Record { document: a.into(), ..Record::default() }, &mut i);
        let pb = Prepared::new(&Record { document: b.into(), ..Record::default() }, &mut i);
        document_level(&pa.documents, &pb.documents, &i)
    }

    #[test]
    fn document_levels() {
        assert_eq!(docs("passport:AA1234567", "passport:aa 123 4567"), DOCUMENT_EXACT);
        // Re-typed with one error: substitution, transposition, dropped, O for 0.
        assert_eq!(docs("passport:AA1234567", "passport:AA1234667"), DOCUMENT_NEAR);
        assert_eq!(docs("passport:AA1234567", "passport:AA1243567"), DOCUMENT_NEAR);
        assert_eq!(docs("passport:AA1234567", "passport:AA123567"), DOCUMENT_NEAR);
        assert_eq!(docs("passport:AA1230567", "passport:AA123O567"), DOCUMENT_EXACT);
        // Two passports under other numbers: a renewal, or two people.
        assert_eq!(docs("passport:AA1234567", "passport:BC7654321"), DOCUMENT_DIFFERENT);
        assert_eq!(docs("passport:AA1234567", "passport:AA1299967"), DOCUMENT_DIFFERENT);
        // Kinds that differ say nothing.
        assert_eq!(docs("passport:AA1234567", "nina:12345678901234A"), 0);
        // One document in common is enough.
        assert_eq!(docs("nina:12345678901234A;passport:AA1234567", "passport:AA1234567"), DOCUMENT_EXACT);
        assert_eq!(docs("nina:12345678901234A;passport:AA1234567", "nina:99945678901234B"), DOCUMENT_DIFFERENT);
        // A number of unknown kind: equal or near counts, other numbers may be another document.
        assert_eq!(docs("AA1234567", "passport:AA1234567"), DOCUMENT_EXACT);
        assert_eq!(docs("AA1234567", "passport:AA1234568"), DOCUMENT_NEAR);
        assert_eq!(docs("AA1234567", "nina:12345678901234A"), 0);
        assert_eq!(docs("AA1234567", "BB7654321"), DOCUMENT_DIFFERENT);
        // Short numbers are never "near"; missing or placeholder numbers say nothing.
        assert_eq!(docs("other:1234", "other:1235"), DOCUMENT_DIFFERENT);
        assert_eq!(docs("other:12345", "other:12346"), DOCUMENT_NEAR);
        assert_eq!(docs("", "passport:AA1234567"), 0);
        assert_eq!(docs("passport:000000", "passport:AA1234567"), 0);
    }

    /// A million prepared registrations must stay well under the batch's memory budget.
    #[test]
    fn prepared_records_stay_small() {
        let size = std::mem::size_of::<Prepared>();
        // Four cache lines.
        assert!(size <= 256, "{size} bytes");
    }

    #[test]
    fn one_edit_distance() {
        assert!(one_edit(b"traore", b"traore"));
        assert!(one_edit(b"traore", b"traroe"));
        assert!(one_edit(b"traore", b"traor"));
        assert!(one_edit(b"traore", b"trapre"));
        assert!(one_edit(b"traore", b"ttraore"));
        assert!(!one_edit(b"traore", b"toure"));
        assert!(!one_edit(b"keita", b"kieta2"));
    }

    proptest! {
        /// Swapping given and family names keeps the names matching fully.
        #[test]
        fn swapping_names_keeps_a_high_score(family in "[A-Za-zéïè]{2,10}", given in "[A-Za-zéïè]{2,10}") {
            let m = names((&family, &given), (&given, &family));
            prop_assert!(m.family >= NAME_PHONETIC && m.given >= NAME_PHONETIC, "{m:?}");
        }

        /// Case and accents never change a name's level.
        #[test]
        fn case_and_accents_are_ignored(family in "[a-z]{2,10}", given in "[a-z]{2,10}") {
            let upper = (family.to_uppercase(), given.to_uppercase());
            let m = names((&family, &given), (&upper.0, &upper.1));
            prop_assert_eq!((m.family, m.given), (NAME_EXACT, NAME_EXACT));
        }

        /// Document levels are symmetric; one character re-typed wrong is near (or exact when the
        /// error is one the key folds, O for 0); separators and case never matter; the level never
        /// drops when a registration also carries a document of another kind.
        #[test]
        fn document_comparison_rules_combine(
            number in "[A-HJ-NP-Z]{2}[0-9]{7}",
            pos in 2usize..9,
            replacement in "[0-9]",
            other in "[0-9]{14}[A-Z]",
            kind in prop::sample::select(vec!["passport", "nina", "laissez_passer", "consular_card", ""]),
        ) {
            let typed = |n: &str| if kind.is_empty() { n.to_string() } else { format!("{kind}:{n}") };
            let mut typo: Vec<char> = number.chars().collect();
            typo[pos] = replacement.chars().next().unwrap();
            let typo: String = typo.into_iter().collect();
            let level = docs(&typed(&number), &typed(&typo));
            prop_assert_eq!(level, docs(&typed(&typo), &typed(&number)));
            if typo == number {
                prop_assert_eq!(level, DOCUMENT_EXACT);
            } else {
                prop_assert_eq!(level, DOCUMENT_NEAR);
            }
            let spaced = format!("{} {}-{}", &number[..2], &number[2..5], number[5..].to_lowercase());
            prop_assert_eq!(docs(&typed(&number), &typed(&spaced)), DOCUMENT_EXACT);
            let with_nina = format!("{};nina:{other}", typed(&number));
            prop_assert!(docs(&with_nina, &typed(&typo)) >= level);
        }

        /// The phonetic key is stable under the transliteration habits it is built to ignore.
        #[test]
        fn phonetic_key_ignores_transliteration(stem in "[bkmnst][aeiu][bkmnst][aiu]") {
            use crate::normalize::phonetic_key;
            let ou = stem.replace('u', "ou");
            prop_assert_eq!(phonetic_key(&stem), phonetic_key(&ou));
            let doubled: String = stem.chars().flat_map(|c| [c, c]).collect();
            prop_assert_eq!(phonetic_key(&stem), phonetic_key(&doubled));
            prop_assert_eq!(phonetic_key(&format!("{stem}e")), phonetic_key(&format!("{stem}é").replace('é', "e")));
        }
    }
}
