//! Normalisation: turn what a registration clerk typed into comparable keys.
//!
//! The same returnee is written Traoré, TRAORE or Traore; Keïta or Keita; Coulibaly or Kulibali;
//! Mamadou or Mahamadou; with "Ag" or "Ould" particles; with a phone number with or without +223.
//! This module removes the differences that carry no information (accents, case, punctuation,
//! particles, transliteration habits) so that the comparisons only see the differences that do.
//! It is pure: no IO, no global state beyond the embedded given-name table.

use std::collections::HashMap;
use std::sync::OnceLock;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Folds a string: Unicode decomposition with accents removed, lower case, Bambara letters
/// (ɛ, ɔ, ɲ, ŋ) spelled in Latin letters, apostrophes removed ("N'Diaye" → "ndiaye"), other
/// punctuation turned into single spaces, surrounding spaces trimmed.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let mapped: &str = match c {
            'ɛ' | 'Ɛ' => "e",
            'ɔ' | 'Ɔ' => "o",
            'ɲ' | 'Ɲ' => "ny",
            'ŋ' | 'Ŋ' => "ng",
            'ø' | 'Ø' => "o",
            'æ' | 'Æ' => "ae",
            'œ' | 'Œ' => "oe",
            'ß' => "ss",
            'ð' | 'Ð' | 'đ' | 'Đ' => "d",
            'ł' | 'Ł' => "l",
            'ı' => "i",
            '\'' | '’' | 'ʼ' | '`' | '´' | 'ʻ' => continue,
            _ => "",
        };
        if !mapped.is_empty() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push_str(mapped);
        } else if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else {
            space = true;
        }
    }
    out
}

/// True when a name holds letters of a script other than Latin (Arabic, N'Ko, Tifinagh…) once
/// folded: such names must be transliterated before they can be compared with the others.
pub fn has_foreign_script(s: &str) -> bool {
    fold(s).chars().any(|c| c.is_alphabetic() && !c.is_ascii())
}

/// Particles that link a name to a father or a lineage ("Ag", "Ould", "Ben", "Ba"…). They are
/// dropped when another name follows them, so "Ag Mohamed" and "Mohamed" compare equal; a
/// particle standing alone ("Ba" as a Fulani family name) is kept.
pub const PARTICLES: &[&str] = &["ag", "ould", "ben", "bin", "ibn", "ba", "ou", "wuld", "mint", "welet", "el", "al"];

/// Prefixes that form compound names with the next word: "Abdoul Karim" is written
/// "Abdoulkarim" as often as not.
const COMPOUND_PREFIXES: &[&str] = &["abd", "abdou", "abdoul", "abdul", "abdel", "abdal", "abdel", "abou", "abu"];

/// Splits a folded name into name tokens: particles dropped, compound names joined.
pub fn name_tokens(folded: &str) -> Vec<String> {
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    let mut tokens = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let has_next = i + 1 < words.len();
        if has_next && PARTICLES.contains(&w) {
            i += 1;
            continue;
        }
        if has_next && COMPOUND_PREFIXES.contains(&w) {
            tokens.push(format!("{w}{}", words[i + 1]));
            i += 2;
            continue;
        }
        tokens.push(w.to_string());
        i += 1;
    }
    tokens
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// A phonetic key for one folded name token, designed for West-African names written in French or
/// English transliteration. Rules, in order:
/// - `dj`, `di`+vowel, `g`+e/i (French soft g, but `gu`+e/i stays hard) → `j` (Diarra = Jara = Djara);
/// - `ch`, `sh` → `x`; `kh` → `k`, `gh` → `g`, `ph` → `f`, `th` → `t`;
/// - `c` → `s` before e/i/y, else `k`; `q`(u) → `k`; `x` → `ks`;
/// - `ou`, `w` → `u`; `y` → `i`; `h` is silent;
/// - doubled letters are single (Coulibaly = Kulibali, Mahamadou = Mamadou);
/// - a final `e` is dropped (Traoré = Traore, Cissé = Sisse).
pub fn phonetic_key(token: &str) -> String {
    let s = token.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(s.len() + 2);
    let at = |i: usize| -> u8 { s.get(i).copied().unwrap_or(0) };
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let n = at(i + 1);
        let step = match c {
            b'd' if n == b'j' => {
                out.push(b'j');
                2
            }
            b'd' if n == b'i' && is_vowel(at(i + 2)) && at(i + 2) != b'i' => {
                out.push(b'j');
                2
            }
            b'g' if n == b'u' && matches!(at(i + 2), b'e' | b'i' | b'y') => {
                out.push(b'g');
                2
            }
            b'g' if matches!(n, b'e' | b'i' | b'y') => {
                out.push(b'j');
                1
            }
            b'c' if n == b'h' => {
                out.push(b'x');
                2
            }
            b's' if n == b'h' => {
                out.push(b'x');
                2
            }
            b'k' | b'g' | b't' if n == b'h' => {
                out.push(c);
                2
            }
            b'p' if n == b'h' => {
                out.push(b'f');
                2
            }
            b'c' => {
                out.push(if matches!(n, b'e' | b'i' | b'y') { b's' } else { b'k' });
                1
            }
            b'q' => {
                out.push(b'k');
                if n == b'u' && is_vowel(at(i + 2)) {
                    2
                } else {
                    1
                }
            }
            b'x' => {
                out.extend_from_slice(b"ks");
                1
            }
            b'o' if n == b'u' => {
                out.push(b'u');
                2
            }
            b'w' => {
                out.push(b'u');
                1
            }
            b'y' => {
                out.push(b'i');
                1
            }
            b'h' => 1,
            _ => {
                out.push(c);
                1
            }
        };
        i += step;
    }
    out.dedup();
    if out.len() > 2 && out.last() == Some(&b'e') {
        out.pop();
    }
    // Only ASCII bytes were pushed, except non-ASCII input bytes copied unchanged (whole UTF-8
    // sequences, since every rule matches ASCII only).
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The embedded given-name equivalence table (`data/given_names.csv`).
pub const GIVEN_NAMES_CSV: &str = include_str!("../data/given_names.csv");

/// Parses an equivalence table: one group per line, names separated by commas, `#` comments.
/// Returns a map from the phonetic key of every listed name to the key of its group's first name.
pub fn parse_equivalences(text: &str) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut names = line.split(',').map(|n| n.trim()).filter(|n| !n.is_empty());
        let Some(first) = names.next() else { continue };
        let canonical = phonetic_key(&fold(first).replace(' ', ""));
        map.insert(canonical.clone(), canonical.clone());
        for n in names {
            map.insert(phonetic_key(&fold(n).replace(' ', "")), canonical.clone());
        }
    }
    map
}

fn equivalences() -> &'static HashMap<String, String> {
    static TABLE: OnceLock<HashMap<String, String>> = OnceLock::new();
    TABLE.get_or_init(|| parse_equivalences(GIVEN_NAMES_CSV))
}

/// The comparison key of a name token: its phonetic key, replaced by its group's key when the
/// given-name table lists it (Mamadou → Mohamed's key, Fanta → Fatoumata's key).
pub fn name_key(token: &str) -> String {
    let key = phonetic_key(token);
    match equivalences().get(&key) {
        Some(canonical) => canonical.clone(),
        None => key,
    }
}

/// A name ready for comparison: folded tokens and their keys.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NormalizedName {
    /// Folded tokens, particles dropped, compound names joined.
    pub tokens: Vec<String>,
    /// `name_key` of each token.
    pub keys: Vec<String>,
}

impl NormalizedName {
    pub fn new(raw: &str) -> NormalizedName {
        let tokens = name_tokens(&fold(raw));
        let keys = tokens.iter().map(|t| name_key(t)).collect();
        NormalizedName { tokens, keys }
    }
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
    /// The tokens written together: "abdoul karim" and "abdoulkarim" are the same name.
    pub fn concat(&self) -> String {
        self.tokens.concat()
    }
    pub fn key_concat(&self) -> String {
        self.keys.join(" ")
    }
    /// The name with its tokens in the order of their keys, for names whose order means nothing:
    /// a mother written given name first or family name first is one name.
    pub fn unordered(raw: &str) -> NormalizedName {
        let n = NormalizedName::new(raw);
        let mut pairs: Vec<(String, String)> = n.keys.into_iter().zip(n.tokens).collect();
        pairs.sort();
        let (keys, tokens) = pairs.into_iter().unzip();
        NormalizedName { tokens, keys }
    }
}

/// Normalises a phone number to its digits: a Malian number (+223, 00223 or 223 followed by
/// eight digits, or eight digits alone) becomes its eight national digits; another number
/// keeps its digits with the country code. None when there are fewer than eight digits or more
/// than fifteen.
pub fn normalize_phone(raw: &str) -> Option<u64> {
    let digits: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
    let national = if digits.len() == 13 && digits.starts_with("00223") {
        &digits[5..]
    } else if digits.len() == 11 && digits.starts_with("223") {
        &digits[3..]
    } else {
        digits.as_str()
    };
    if national.len() < 8 || national.len() > 15 {
        return None;
    }
    let value: u64 = national.parse().ok()?;
    if value == 0 {
        return None;
    }
    // Keep national and international numbers apart: international ones carry a marker digit.
    if national.len() == 8 {
        Some(value)
    } else {
        Some(value + 10u64.pow(15) * (national.len() as u64 - 7))
    }
}

/// Normalises an identity document number (passport, NINA, consular card): letters and digits
/// only, upper case, a leading "No"/"N°" label removed. Empty when nothing is left.
pub fn normalize_document(raw: &str) -> String {
    // Only ASCII letters and digits are kept: plain ASCII needs no Unicode folding.
    let folded = if raw.is_ascii() { std::borrow::Cow::Borrowed(raw) } else { std::borrow::Cow::Owned(fold(raw)) };
    let mut s: String = folded.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    for label in ["NUMERO", "NUM", "NO", "N"] {
        if s.len() > label.len() + 3
            && s.starts_with(label)
            && s[label.len()..].starts_with(|c: char| c.is_ascii_digit())
        {
            s = s[label.len()..].to_string();
            break;
        }
    }
    s
}

/// Kind of an identity document. Two numbers are compared only when their kinds agree (a NINA and
/// a passport number of the same person differ, and that says nothing); `Any` (a number whose kind
/// is not known, e.g. a CSV column) is compared with every kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub enum DocumentKind {
    #[default]
    Any = 0,
    Nina = 1,
    Passport = 2,
    LaissezPasser = 3,
    ConsularCard = 4,
    BirthCertificate = 5,
    Other = 6,
}

impl DocumentKind {
    /// The kind of a platform document type code (`nina`, `passport`, `laissez_passer`,
    /// `consular_card`, `birth_certificate`, `other`); `Any` for an empty or unknown code.
    pub fn from_code(code: &str) -> DocumentKind {
        let code = code.trim();
        let folded = if code.is_ascii() { code.to_ascii_lowercase() } else { fold(code) };
        match folded.replace(' ', "_").as_str() {
            "nina" => DocumentKind::Nina,
            "passport" | "passeport" => DocumentKind::Passport,
            "laissez_passer" | "laissezpasser" | "lp" => DocumentKind::LaissezPasser,
            "consular_card" | "carte_consulaire" => DocumentKind::ConsularCard,
            "birth_certificate" | "acte_de_naissance" => DocumentKind::BirthCertificate,
            "other" | "autre" => DocumentKind::Other,
            _ => DocumentKind::Any,
        }
    }

    /// Whether numbers of these kinds may be compared.
    pub fn comparable(self, other: DocumentKind) -> bool {
        self == other || self == DocumentKind::Any || other == DocumentKind::Any
    }
}

/// The comparison key of a document number: [`normalize_document`], then the letters a clerk
/// confuses with digits read as those digits (O → 0, I → 1) and, for a number of digits only, the
/// leading zeros dropped. Empty for a placeholder: fewer than four characters left, or one
/// character repeated ("000000", "XXXX"), or a word saying there is none.
pub fn document_key(raw: &str) -> String {
    let s = normalize_document(raw);
    if matches!(s.as_str(), "NEANT" | "AUCUN" | "AUCUNE" | "NONE" | "NA" | "ND" | "INCONNU" | "UNKNOWN" | "SANS") {
        return String::new();
    }
    let mut key: String = s
        .chars()
        .map(|c| match c {
            'O' => '0',
            'I' => '1',
            c => c,
        })
        .collect();
    if key.bytes().all(|b| b.is_ascii_digit()) {
        key = key.trim_start_matches('0').to_string();
    }
    let first = key.chars().next();
    if key.len() < 4 || key.chars().all(|c| Some(c) == first) {
        return String::new();
    }
    key
}

/// Documents of a registration as carried by [`crate::Record::document`]: one or more numbers
/// separated by `;`, each optionally preceded by its kind and a colon (`passport:AA1234567;
/// nina:12345678901234A`). Returns (kind, comparison key) pairs, placeholders dropped, duplicates
/// removed, sorted by kind.
pub fn parse_documents(raw: &str) -> Vec<(DocumentKind, String)> {
    let mut out: Vec<(DocumentKind, String)> = Vec::new();
    for part in raw.split(';') {
        let (kind, number) = match part.split_once(':') {
            Some((k, n)) => (DocumentKind::from_code(k.trim()), n),
            None => (DocumentKind::Any, part),
        };
        let key = document_key(number);
        if !key.is_empty() && !out.iter().any(|(k, n)| *k == kind && *n == key) {
            out.push((kind, key));
        }
    }
    out.sort();
    out
}

/// Sex as registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Sex {
    #[default]
    Unknown,
    Male,
    Female,
}

/// Reads a sex code in French or English: M/H/homme/male/masculin/1, F/femme/female/féminin/2,
/// empty for unknown. None for anything else.
pub fn parse_sex(raw: &str) -> Option<Sex> {
    match fold(raw).as_str() {
        "" | "u" | "x" | "nsp" | "inconnu" | "unknown" => Some(Sex::Unknown),
        "m" | "h" | "homme" | "male" | "man" | "masculin" | "garcon" | "1" => Some(Sex::Male),
        "f" | "femme" | "female" | "woman" | "feminin" | "fille" | "2" => Some(Sex::Female),
        _ => None,
    }
}

/// A birth date with its precision: the month and day are 0 when unknown. "01/01" and "00/00"
/// placeholders are read as year-only dates, since clerks write them when only the year is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BirthDate {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl BirthDate {
    pub fn year_only(year: u16) -> BirthDate {
        BirthDate { year, month: 0, day: 0 }
    }
    /// True when day and month are known (and are not the 1 January placeholder).
    pub fn is_precise(&self) -> bool {
        self.month != 0 && self.day != 0
    }
}

/// Why a date could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    Unreadable,
    Impossible,
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Reads a birth date in any of the usual forms: `1995-07-11`, `1995-07`, `11/07/1995`,
/// `11-07-1995`, `11.07.1995`, `1995`, `01/01/1995` and `00/00/1995` (year only), `19950711`.
/// Empty input gives `Ok(None)`. Years must lie in 1900..=max_year.
pub fn parse_birth_date(raw: &str, max_year: u16) -> Result<Option<BirthDate>, DateError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = s.split(['-', '/', '.', ' ']).filter(|p| !p.is_empty()).collect();
    if parts.iter().any(|p| !p.chars().all(|c| c.is_ascii_digit())) {
        return Err(DateError::Unreadable);
    }
    let num = |p: &str| -> Result<u32, DateError> { p.parse::<u32>().map_err(|_| DateError::Unreadable) };
    let (year, month, day) = match parts.as_slice() {
        [y] if y.len() == 4 => (num(y)?, 0, 0),
        [ymd] if ymd.len() == 8 => (num(&ymd[..4])?, num(&ymd[4..6])?, num(&ymd[6..])?),
        [y, m] if y.len() == 4 && m.len() <= 2 => (num(y)?, num(m)?, 0),
        [m, y] if y.len() == 4 && m.len() <= 2 => (num(y)?, num(m)?, 0),
        [y, m, d] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => (num(y)?, num(m)?, num(d)?),
        [d, m, y] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => (num(y)?, num(m)?, num(d)?),
        _ => return Err(DateError::Unreadable),
    };
    if year < 1900 || year > max_year as u32 {
        return Err(DateError::Impossible);
    }
    let year = year as u16;
    if month > 12 {
        return Err(DateError::Impossible);
    }
    let month = month as u8;
    if month == 0 {
        if day != 0 {
            return Err(DateError::Impossible);
        }
        return Ok(Some(BirthDate::year_only(year)));
    }
    if day > days_in_month(year, month) as u32 {
        return Err(DateError::Impossible);
    }
    let day = day as u8;
    if (month == 1 && day == 1) || day == 0 {
        // 1 January is the clerk's placeholder for "year only"; a known month stays known.
        if month == 1 && day <= 1 {
            return Ok(Some(BirthDate::year_only(year)));
        }
        return Ok(Some(BirthDate { year, month, day: 0 }));
    }
    Ok(Some(BirthDate { year, month, day }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_accents_case_and_punctuation() {
        assert_eq!(fold("  TRAORÉ  "), "traore");
        assert_eq!(fold("Keïta"), "keita");
        assert_eq!(fold("N'Diaye"), "ndiaye");
        assert_eq!(fold("Sidi-Mohamed"), "sidi mohamed");
        assert_eq!(fold("Ɲɛnɛba"), "nyeneba");
        assert!(!has_foreign_script("Aïssata Maïga"));
        assert!(has_foreign_script("محمد"));
        assert!(has_foreign_script("ߡߊ߲߬ߘߋ߲߬"));
    }

    #[test]
    fn particles_and_compounds() {
        assert_eq!(name_tokens("ag mohamed"), vec!["mohamed"]);
        assert_eq!(name_tokens("ould ahmed"), vec!["ahmed"]);
        assert_eq!(name_tokens("ba"), vec!["ba"]);
        assert_eq!(name_tokens("abdoul karim"), vec!["abdoulkarim"]);
        assert_eq!(NormalizedName::new("Abdoul Karim").concat(), NormalizedName::new("Abdoulkarim").concat());
    }

    #[test]
    fn phonetic_key_unifies_listed_surname_variants() {
        let groups: &[&[&str]] = &[
            &["Traoré", "Traore", "TRAORE", "Traorré"],
            &["Keïta", "Keita", "Kéita", "Keyta"],
            &["Coulibaly", "Kulibali", "Koulibaly", "Coulibali"],
            &["Diarra", "Jara", "Djarra", "Diara"],
            &["Diallo", "Jallo", "Djallo", "Diálo"],
            &["Cissé", "Sissé", "Cisse"],
            &["Doumbia", "Dumbia", "Doumbiya"],
            &["Ouattara", "Wattara", "Watara"],
            &["Haïdara", "Haidara", "Aidara", "Haydara"],
            &["Kouyaté", "Kouyate", "Kuyate"],
            &["Maïga", "Maiga"],
            &["Bah", "Ba"],
            &["Cheick", "Cheikh", "Sheikh"],
            &["Ousmane", "Usman", "Ousman"],
            &["Moussa", "Musa", "Mousa"],
            &["Seydou", "Seidou"],
            &["Abdoulaye", "Abdoulai", "Abdullahi"],
        ];
        for group in groups {
            let keys: Vec<String> = group.iter().map(|n| phonetic_key(&fold(n))).collect();
            assert!(keys.iter().all(|k| k == &keys[0]), "{group:?} gave {keys:?}");
        }
        assert_ne!(phonetic_key("traore"), phonetic_key("toure"));
        assert_ne!(phonetic_key("keita"), phonetic_key("kone"));
    }

    #[test]
    fn given_name_table_groups_variants() {
        let groups: &[&[&str]] = &[
            &["Mohamed", "Mohammed", "Mahamadou", "Mamadou", "Muhammad"],
            &["Boubacar", "Bakary", "Aboubacar", "Abou Bakr"],
            &["Fatoumata", "Fatimata", "Fanta", "Fatouma"],
            &["Kadiatou", "Kadidia", "Khadija"],
            &["Oumar", "Omar", "Umar"],
            &["Djénéba", "Jeneba", "Zeinab"],
        ];
        for group in groups {
            let keys: Vec<String> = group.iter().map(|n| NormalizedName::new(n).key_concat()).collect();
            assert!(keys.iter().all(|k| k == &keys[0]), "{group:?} gave {keys:?}");
        }
        assert_ne!(NormalizedName::new("Mamadou").key_concat(), NormalizedName::new("Amadou").key_concat());
    }

    #[test]
    fn no_name_is_in_two_groups() {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (line_no, line) in GIVEN_NAMES_CSV.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            for n in line.split(',') {
                let key = phonetic_key(&fold(n).replace(' ', ""));
                if let Some(previous) = seen.insert(key.clone(), line_no) {
                    assert_eq!(previous, line_no, "{n} ({key}) is in lines {previous} and {line_no}");
                }
            }
        }
    }

    #[test]
    fn phones() {
        assert_eq!(normalize_phone("+223 76 12 34 56"), Some(76123456));
        assert_eq!(normalize_phone("0022376123456"), Some(76123456));
        assert_eq!(normalize_phone("76-12-34-56"), Some(76123456));
        assert_eq!(normalize_phone("22376123456"), Some(76123456));
        assert_eq!(normalize_phone("1234"), None);
        assert_ne!(normalize_phone("+33 6 12 34 56 78"), None);
        assert_ne!(normalize_phone("+33 6 12 34 56 78"), normalize_phone("61234567"));
    }

    #[test]
    fn documents() {
        assert_eq!(normalize_document("N° 12-345 ab"), "12345AB");
        assert_eq!(normalize_document("aa 0012345"), "AA0012345");
        assert_eq!(normalize_document(" "), "");
    }

    #[test]
    fn document_keys_fold_what_clerks_confuse() {
        assert_eq!(document_key("ab 123-4567"), "AB1234567");
        // O read as 0, I as 1, on either side.
        assert_eq!(document_key("AB12O4567"), document_key("AB1204567"));
        assert_eq!(document_key("AB1234I67"), document_key("AB1234167"));
        // Leading zeros of a number of digits only.
        assert_eq!(document_key("0012345"), "12345");
        assert_eq!(document_key("TRP/2019/01234"), "TRP201901234");
        // Placeholders are no document.
        for none in ["000000", "0", "néant", "NEANT", "xxxx", "12", "", "  -  "] {
            assert_eq!(document_key(none), "", "{none:?}");
        }
    }

    #[test]
    fn documents_with_their_kinds() {
        let d = parse_documents("passport:AA 1234567; nina:12345678901234a ;PASSPORT:aa1234567;0012345");
        assert_eq!(
            d,
            vec![
                (DocumentKind::Any, "12345".to_string()),
                (DocumentKind::Nina, "12345678901234A".to_string()),
                (DocumentKind::Passport, "AA1234567".to_string()),
            ]
        );
        assert_eq!(parse_documents("laissez_passer:TRP/2019/01234")[0].0, DocumentKind::LaissezPasser);
        assert_eq!(parse_documents("carte consulaire:CC123456")[0].0, DocumentKind::ConsularCard);
        assert_eq!(parse_documents("visa:AB123456")[0].0, DocumentKind::Any);
        assert!(parse_documents("passport:néant;nina:000000").is_empty());
        assert!(parse_documents("").is_empty());
        assert!(DocumentKind::Any.comparable(DocumentKind::Nina));
        assert!(!DocumentKind::Passport.comparable(DocumentKind::Nina));
    }

    #[test]
    fn birth_dates_in_the_usual_forms() {
        let full = Some(BirthDate { year: 1995, month: 7, day: 11 });
        assert_eq!(parse_birth_date("1995-07-11", 2026), Ok(full));
        assert_eq!(parse_birth_date("11/07/1995", 2026), Ok(full));
        assert_eq!(parse_birth_date("11.07.1995", 2026), Ok(full));
        assert_eq!(parse_birth_date("19950711", 2026), Ok(full));
        let year = Some(BirthDate::year_only(1995));
        assert_eq!(parse_birth_date("1995", 2026), Ok(year));
        assert_eq!(parse_birth_date("01/01/1995", 2026), Ok(year));
        assert_eq!(parse_birth_date("00/00/1995", 2026), Ok(year));
        assert_eq!(parse_birth_date("", 2026), Ok(None));
        assert_eq!(parse_birth_date("31/02/1995", 2026), Err(DateError::Impossible));
        assert_eq!(parse_birth_date("1995-13-01", 2026), Err(DateError::Impossible));
        assert_eq!(parse_birth_date("2090", 2026), Err(DateError::Impossible));
        assert_eq!(parse_birth_date("hier", 2026), Err(DateError::Unreadable));
        assert_eq!(parse_birth_date("29/02/2000", 2026).unwrap().unwrap().day, 29);
    }

    #[test]
    fn sexes() {
        assert_eq!(parse_sex("F"), Some(Sex::Female));
        assert_eq!(parse_sex("Homme"), Some(Sex::Male));
        assert_eq!(parse_sex(""), Some(Sex::Unknown));
        assert_eq!(parse_sex("Z"), None);
    }
}
