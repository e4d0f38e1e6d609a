//! A returnee's identity and return, parsed from what a case worker types into validated drafts.
//!
//! Returnees often know their birth date only roughly, have names spelt several ways, give phone
//! numbers in every local habit and carry documents from several countries. This module turns all of
//! that into one normalised form, so that records can be searched, matched and counted reliably.

use crate::validation::{clean_text, FieldError, FieldErrors};
use serde::{Deserialize, Serialize};
use time::{Date, Month};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Declares a closed list of values stored and exchanged as snake_case codes, with `ALL`, `code()`,
/// `parse()` and `label_key()` (the message key of its label: `{prefix}-{code, with - for _}`), like
/// [`crate::organisation::OrganisationType`]. Used by every module of the case file.
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident in $prefix:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant, )+
        }

        impl $name {
            /// Every value, in the order forms list them.
            pub const ALL: [$name; [$($code),+].len()] = [$($name::$variant),+];

            /// The prefix of the message keys that name the values.
            pub const LABEL_PREFIX: &'static str = $prefix;

            pub fn code(self) -> &'static str {
                match self {
                    $( $name::$variant => $code, )+
                }
            }

            pub fn parse(code: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.code() == code)
            }

            /// The message key of this value's label, e.g. `sex-female`.
            pub fn label_key(self) -> String {
                format!("{}-{}", $prefix, self.code().replace('_', "-"))
            }
        }
    };
}
pub(crate) use coded_enum;

/// One required choice from a coded list: `error-required` when empty, `error-choose-from-list` when unknown.
pub(crate) fn choose<T>(raw: &str, parse: fn(&str) -> Option<T>) -> Result<T, &'static str> {
    match raw.trim() {
        "" => Err("error-required"),
        code => parse(code).ok_or("error-choose-from-list"),
    }
}

/// One optional choice from a coded list.
pub(crate) fn choose_optional<T>(raw: &str, parse: fn(&str) -> Option<T>) -> Result<Option<T>, &'static str> {
    match raw.trim() {
        "" => Ok(None),
        code => parse(code).map(Some).ok_or("error-choose-from-list"),
    }
}

/// Several choices from a coded list (a group of check boxes): empty entries skipped, duplicates dropped.
pub(crate) fn choose_many<T: PartialEq>(raw: &[String], parse: fn(&str) -> Option<T>) -> Result<Vec<T>, &'static str> {
    let mut chosen = Vec::new();
    for code in raw.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        let value = parse(code).ok_or("error-choose-from-list")?;
        if !chosen.contains(&value) {
            chosen.push(value);
        }
    }
    Ok(chosen)
}

/// Optional free text: `None` when blank.
fn optional_text(raw: &str, max: usize) -> Result<Option<String>, &'static str> {
    clean_text(raw, 0, max).map(|t| Some(t).filter(|t| !t.is_empty()))
}

coded_enum! {
    /// Sex as the returnee declares it; `unknown` when not recorded.
    pub enum Sex in "sex" {
        Female = "female",
        Male = "male",
        Other = "other",
        Unknown = "unknown",
    }
}

coded_enum! {
    /// How much of a birth date is known. The stored date is the first day of the known period.
    pub enum DatePrecision in "date-precision" {
        Exact = "exact",
        Month = "month",
        Year = "year",
        /// Only an age was estimated; the stored date is 1 January of `today`'s year minus that age.
        EstimatedAge = "estimated_age",
    }
}

coded_enum! {
    /// Languages spoken, for choosing who interviews and in which language to inform.
    pub enum Language in "language" {
        /// Bambara (Bamanankan).
        Bm = "bm",
        Fr = "fr",
        /// Fulfulde (Peul).
        Ff = "ff",
        /// Soninke.
        Snk = "snk",
        /// Songhay.
        Son = "son",
        /// Tamasheq.
        Tmh = "tmh",
        /// Dioula.
        Dyu = "dyu",
        Ar = "ar",
        En = "en",
        Other = "other",
    }
}

coded_enum! {
    /// Highest level of education reached.
    pub enum EducationLevel in "education-level" {
        /// No schooling (code `none`).
        NoSchooling = "none",
        Koranic = "koranic",
        Primary = "primary",
        Secondary = "secondary",
        Vocational = "vocational",
        Higher = "higher",
    }
}

coded_enum! {
    pub enum MaritalStatus in "marital-status" {
        Single = "single",
        Married = "married",
        Divorced = "divorced",
        Widowed = "widowed",
        Other = "other",
    }
}

coded_enum! {
    /// Kinds of identity document.
    pub enum DocumentType in "document-type" {
        /// The NINA, Mali's national identification number.
        Nina = "nina",
        Passport = "passport",
        ConsularCard = "consular_card",
        LaissezPasser = "laissez_passer",
        BirthCertificate = "birth_certificate",
        Other = "other",
    }
}

coded_enum! {
    /// How the person came back.
    pub enum ReturnType in "return-type" {
        /// Assisted voluntary return.
        Avr = "avr",
        HumanitarianEvacuation = "humanitarian_evacuation",
        Forced = "forced",
        Spontaneous = "spontaneous",
    }
}

coded_enum! {
    /// Assistance received on arrival, before any reintegration plan.
    pub enum ImmediateAssistance in "immediate-assistance" {
        Reception = "reception",
        Cash = "cash",
        Transport = "transport",
        Medical = "medical",
        Accommodation = "accommodation",
        Food = "food",
        NonFoodItems = "non_food_items",
        Psychosocial = "psychosocial",
    }
}

/// A birth date as far as it is known: `date` is the first day of the known period (the day, the
/// month, the year, or 1 January of the year derived from an estimated age).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BirthDate {
    pub date: Date,
    pub precision: DatePrecision,
}

/// Oldest age accepted, typed or derived from a birth date: beyond it, a typing mistake is likelier.
pub const MAX_AGE: i32 = 110;

/// Age at which a person stops being a child.
pub const AGE_OF_MAJORITY: i32 = 18;

impl BirthDate {
    /// Reads a birth date from the three form fields `date_of_birth` (`1995-07-11`, `11/07/1995`,
    /// `07/1995`, `1995-07` or `1995`), `birth_date_precision` (optional: inferred from the date, or
    /// `estimated_age` when only an age is given) and `estimated_age` (0 to 110, with that precision).
    /// An explicit precision must match the date typed; the error names the faulty field.
    pub fn parse(date: &str, precision: &str, estimated_age: &str, today: Date) -> Result<BirthDate, FieldError> {
        let fail = |field, message| FieldError { field, message };
        let precision =
            choose_optional(precision, DatePrecision::parse).map_err(|m| fail("birth_date_precision", m))?;
        let (date, age) = (date.trim(), estimated_age.trim());
        let from_age = match precision {
            Some(p) => p == DatePrecision::EstimatedAge,
            None => date.is_empty() && !age.is_empty(),
        };
        if from_age {
            if age.is_empty() {
                return Err(fail("estimated_age", "error-required"));
            }
            let age = age.parse::<i32>().ok().filter(|a| (0..=MAX_AGE).contains(a));
            let year = age.map(|a| today.year() - a).ok_or(fail("estimated_age", "error-estimated-age"))?;
            let date = Date::from_calendar_date(year, Month::January, 1)
                .map_err(|_| fail("estimated_age", "error-estimated-age"))?;
            return Ok(BirthDate { date, precision: DatePrecision::EstimatedAge });
        }
        if date.is_empty() {
            return Err(fail("date_of_birth", "error-required"));
        }
        let birth = parse_partial_date(date).map_err(|_| fail("date_of_birth", "error-invalid-birth-date"))?;
        if precision.is_some_and(|p| p != birth.precision) {
            Err(fail("date_of_birth", "error-birth-date-precision"))
        } else if birth.date > today {
            Err(fail("date_of_birth", "error-date-in-future"))
        } else if age_at(&birth, today).is_some_and(|a| a > MAX_AGE) {
            Err(fail("date_of_birth", "error-birth-date-too-old"))
        } else {
            Ok(birth)
        }
    }
}

/// Completed years between `from` and `on`; `None` when `on` is earlier. Someone born on 29 February
/// has a birthday on 1 March in common years.
fn completed_years(from: Date, on: Date) -> Option<i32> {
    if on < from {
        return None;
    }
    let before_birthday = (on.month() as u8, on.day()) < (from.month() as u8, from.day());
    Some(on.year() - from.year() - i32::from(before_birthday))
}

/// The age on `on`, counted from the stored date (the first day of the known period, so with an
/// estimated age it is the age typed, in the year it was typed); `None` before the birth.
pub fn age_at(birth: &BirthDate, on: Date) -> Option<i32> {
    completed_years(birth.date, on)
}

/// Whether the person is, or may still be, under 18 on `on`. In doubt a person is presumed a child:
/// with a known month or year, the last day of that period counts; with an estimated age, the estimate.
pub fn is_minor_at(birth: &BirthDate, on: Date) -> bool {
    let latest = match birth.precision {
        DatePrecision::Exact | DatePrecision::EstimatedAge => Some(birth.date),
        DatePrecision::Month => birth.date.replace_day(birth.date.month().length(birth.date.year())).ok(),
        DatePrecision::Year => Date::from_calendar_date(birth.date.year(), Month::December, 31).ok(),
    };
    latest.and_then(|d| completed_years(d, on)).is_none_or(|age| age < AGE_OF_MAJORITY)
}

/// A date with as much precision as typed: `YYYY-MM-DD`, `DD/MM/YYYY` (also with `.` or `-`),
/// `MM/YYYY`, `YYYY-MM` or `YYYY`.
fn parse_partial_date(raw: &str) -> Result<BirthDate, &'static str> {
    let parts: Vec<&str> = raw.trim().split(['-', '/', '.']).collect();
    let digits = |s: &str, len: std::ops::RangeInclusive<usize>| {
        if len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse::<i32>().ok()
        } else {
            None
        }
    };
    let (year, month, day, precision) = match parts.as_slice() {
        [y] => (digits(y, 4..=4), Some(1), Some(1), DatePrecision::Year),
        [y, m] if y.len() == 4 => (digits(y, 4..=4), digits(m, 1..=2), Some(1), DatePrecision::Month),
        [m, y] => (digits(y, 4..=4), digits(m, 1..=2), Some(1), DatePrecision::Month),
        [y, m, d] if y.len() == 4 => (digits(y, 4..=4), digits(m, 1..=2), digits(d, 1..=2), DatePrecision::Exact),
        [d, m, y] => (digits(y, 4..=4), digits(m, 1..=2), digits(d, 1..=2), DatePrecision::Exact),
        _ => (None, None, None, DatePrecision::Exact),
    };
    let (Some(year), Some(month), Some(day)) = (year, month, day) else {
        return Err("error-invalid-date");
    };
    let month = u8::try_from(month).ok().and_then(|m| Month::try_from(m).ok()).ok_or("error-invalid-date")?;
    let day = u8::try_from(day).map_err(|_| "error-invalid-date")?;
    let date = Date::from_calendar_date(year, month, day).map_err(|_| "error-invalid-date")?;
    Ok(BirthDate { date, precision })
}

/// A full date, `YYYY-MM-DD` (what a date field sends) or `DD/MM/YYYY` (what people type).
pub fn parse_date(raw: &str) -> Result<Date, &'static str> {
    if raw.trim().is_empty() {
        return Err("error-required");
    }
    match parse_partial_date(raw) {
        Ok(BirthDate { date, precision: DatePrecision::Exact }) => Ok(date),
        _ => Err("error-invalid-date"),
    }
}

/// The officially assigned ISO 3166-1 alpha-2 codes, and `XK` (Kosovo, used by the UN and the EU).
const COUNTRIES: [&str; 250] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD",
    "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA",
    "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE",
    "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA",
    "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK",
    "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP",
    "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT",
    "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS",
    "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ",
    "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS",
    "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST",
    "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW",
    "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "XK", "YE", "YT",
    "ZA", "ZM", "ZW",
];

/// A country as its ISO 3166-1 alpha-2 code, uppercased (`ml` → `ML`).
pub fn parse_country(raw: &str) -> Result<String, &'static str> {
    let code = raw.trim().to_ascii_uppercase();
    if code.is_empty() {
        Err("error-required")
    } else if COUNTRIES.binary_search(&code.as_str()).is_ok() {
        Ok(code)
    } else {
        Err("error-invalid-country")
    }
}

/// Mali's country calling code; numbers there have 8 digits and no trunk prefix.
const MALI_CALLING_CODE: &str = "223";

/// A phone number in international form. Malian numbers become `+223` and 8 digits, however typed
/// (`76 12 34 56`, `76123456`, `0022376123456`, `+223 76-12-34-56`); other countries' numbers must
/// start with `+` or `00` and have 8 to 15 digits. Anything else is refused (`error-phone-format`).
pub fn normalise_phone(raw: &str) -> Result<String, &'static str> {
    let compact: String =
        raw.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '/' | '(' | ')' | '\u{a0}' | '\u{202f}')).collect();
    if compact.is_empty() {
        return Err("error-required");
    }
    let (international, digits) = match (compact.strip_prefix('+'), compact.strip_prefix("00")) {
        (Some(rest), _) | (None, Some(rest)) => (true, rest),
        (None, None) => (false, compact.as_str()),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("error-phone-format");
    }
    let malian = match digits.len() {
        8 if !international => Some(digits),
        _ => digits.strip_prefix(MALI_CALLING_CODE),
    };
    match malian {
        Some(local) if local.len() == 8 && !local.starts_with(['0', '1']) => Ok(format!("+{MALI_CALLING_CODE}{local}")),
        Some(_) => Err("error-phone-format"),
        None if international && (8..=15).contains(&digits.len()) && !digits.starts_with('0') => {
            Ok(format!("+{digits}"))
        }
        None => Err("error-phone-format"),
    }
}

/// An optional phone number: `None` when blank, normalised by [`normalise_phone`] otherwise.
fn optional_phone(raw: &str) -> Result<Option<String>, &'static str> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        normalise_phone(raw).map(Some)
    }
}

/// The search key of a name: lowercase, accents removed (`Traoré` → `traore`, `Keïta` → `keita`),
/// the letters of Malian languages' alphabets folded to Latin ones (`ɛ` → `e`, `ɔ` → `o`, `ɲ` → `ny`,
/// `ŋ` → `ng`), punctuation and apostrophes turned to spaces (`N'Diaye` → `n diaye`), spaces collapsed.
pub fn fold_name(raw: &str) -> String {
    let mut folded = String::with_capacity(raw.len());
    for c in raw.nfkd().flat_map(char::to_lowercase).filter(|c| !is_combining_mark(*c)) {
        match c {
            'ɛ' => folded.push('e'),
            'ɔ' | 'ø' => folded.push('o'),
            'ɲ' => folded.push_str("ny"),
            'ŋ' => folded.push_str("ng"),
            'ɓ' => folded.push('b'),
            'ɗ' | 'đ' | 'ð' => folded.push('d'),
            'ƴ' => folded.push('y'),
            'ı' => folded.push('i'),
            'ł' => folded.push('l'),
            'œ' => folded.push_str("oe"),
            'æ' => folded.push_str("ae"),
            'ß' => folded.push_str("ss"),
            // Modifier-letter apostrophes count as letters for Unicode, not for names.
            '\u{2b9}'..='\u{2bc}' => folded.push(' '),
            c if c.is_alphanumeric() => folded.push(c),
            _ => folded.push(' '),
        }
    }
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The search key of a person: the folded family name, given names and other names, in that order.
pub fn name_search_key(family_name: &str, given_names: &str, other_names: &str) -> String {
    [family_name, given_names, other_names]
        .map(fold_name)
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A person's name: cleaned text that holds at least one letter.
fn parse_name(raw: &str, min: usize, max: usize) -> Result<String, &'static str> {
    let name = clean_text(raw, min, max)?;
    if !name.is_empty() && !name.chars().any(char::is_alphabetic) {
        return Err("error-name-letters");
    }
    Ok(name)
}

/// Whether a letter belongs to the Latin script, with the letters Malian languages add to it
/// (`ɛ`, `ɔ`, `ɲ`, `ŋ`, `ƴ`, in the IPA and Latin Extended blocks) and the modifier apostrophes.
fn is_latin_letter(c: char) -> bool {
    matches!(c,
        'A'..='Z' | 'a'..='z' | '\u{aa}' | '\u{ba}'
        | '\u{c0}'..='\u{24f}'     // Latin-1 Supplement letters, Latin Extended-A and B
        | '\u{250}'..='\u{2ff}'    // IPA Extensions (ɛ ɔ ɲ), Spacing Modifier Letters (ʼ)
        | '\u{1d00}'..='\u{1dbf}'  // Phonetic Extensions
        | '\u{1e00}'..='\u{1eff}'  // Latin Extended Additional (ẹ, ọ, ṣ…)
        | '\u{2c60}'..='\u{2c7f}'  // Latin Extended-C
        | '\u{a720}'..='\u{a7ff}'  // Latin Extended-D
        | '\u{ab30}'..='\u{ab6f}'  // Latin Extended-E
        | '\u{fb00}'..='\u{fb06}') // Latin ligatures
}

/// A parent's name in the filiation (`father_name`, `mother_name`): a name like the others
/// ([`parse_name`]: trimmed, bounded, with a letter), and in Latin letters only. Civil documents
/// (birth certificate, NINA card) write the filiation in Latin script and the matcher compares it
/// with the folded Latin spellings of other records: a name typed in another script (Arabic, say)
/// would never agree with anything, so the form asks for the civil-register spelling instead.
fn parse_parent_name(raw: &str, max: usize) -> Result<Option<String>, &'static str> {
    let name = parse_name(raw, 0, max)?;
    if name.chars().any(|c| c.is_alphabetic() && !is_latin_letter(c)) {
        return Err("error-name-latin");
    }
    Ok(Some(name).filter(|n| !n.is_empty()))
}

/// Longest father's given name(s), in characters: the limit of the person's own given names.
pub const MAX_FATHER_NAME: usize = 150;
/// Longest mother's full name, in characters: the family and given names' limits together.
pub const MAX_MOTHER_NAME: usize = 250;

/// A document number as printed, normalised for comparison: uppercase, without spaces, dashes, dots
/// or slashes; then 3 to 30 letters and digits.
pub fn normalise_document_number(raw: &str) -> Result<String, &'static str> {
    let number: String =
        raw.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '/' | '\u{a0}')).flat_map(char::to_uppercase).collect();
    if number.is_empty() {
        Err("error-required")
    } else if (3..=30).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(number)
    } else {
        Err("error-document-number")
    }
}

/// A validated identity document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct IdentityDocument {
    pub doc_type: DocumentType,
    pub number: String,
    pub issuing_country: String,
}

/// An identity document as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct DocumentInput {
    pub doc_type: String,
    pub number: String,
    /// ISO 3166-1 alpha-2; may be left empty for a NINA (Mali).
    pub issuing_country: String,
}

impl DocumentInput {
    pub fn parse(&self) -> Result<IdentityDocument, FieldErrors> {
        let mut errors = FieldErrors::new();
        let doc_type = errors.check("doc_type", choose(&self.doc_type, DocumentType::parse));
        let number = errors.check("number", normalise_document_number(&self.number));
        let country = match (doc_type, self.issuing_country.trim()) {
            (Some(DocumentType::Nina), "") => Ok("ML".to_string()),
            (Some(DocumentType::Nina), raw) => match parse_country(raw) {
                Ok(code) if code != "ML" => Err("error-nina-issued-by-mali"),
                other => other,
            },
            (_, raw) => parse_country(raw),
        };
        let issuing_country = errors.check("issuing_country", country);
        errors.finish(|| IdentityDocument {
            doc_type: doc_type.unwrap(),
            number: number.unwrap(),
            issuing_country: issuing_country.unwrap(),
        })
    }
}

/// A validated returnee identity, ready to be stored. Built only through [`PersonInput::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PersonDraft {
    pub family_name: String,
    pub given_names: String,
    /// Aliases and other spellings.
    pub other_names: Option<String>,
    /// The father's given name(s), as the filiation reads ("fils de Mamadou"): with the mother's
    /// name, what tells apart namesakes born the same year in the same place.
    pub father_name: Option<String>,
    /// The mother's given and family names ("et de Fatoumata Diarra").
    pub mother_name: Option<String>,
    pub sex: Sex,
    pub birth: BirthDate,
    /// ISO 3166-1 alpha-2.
    pub nationality: String,
    /// International form, e.g. `+22376123456`; without duplicates.
    pub phones: Vec<String>,
    pub languages: Vec<Language>,
    pub education_level: Option<EducationLevel>,
    pub occupation: Option<String>,
    pub skills: Option<String>,
    pub marital_status: Option<MaritalStatus>,
    pub dependants: Option<u8>,
    /// Admin-unit P-code.
    pub place_of_origin: Option<String>,
    /// Admin-unit P-code.
    pub intended_settlement: Option<String>,
    pub emergency_contact_name: Option<String>,
    pub emergency_contact_phone: Option<String>,
}

impl PersonDraft {
    /// The key to store for name searches, see [`name_search_key`].
    pub fn search_key(&self) -> String {
        name_search_key(&self.family_name, &self.given_names, self.other_names.as_deref().unwrap_or(""))
    }
}

/// A returnee's identity as a form or an API call submits it. Field names are those of the errors.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PersonInput {
    pub family_name: String,
    pub given_names: String,
    pub other_names: String,
    /// The father's given name(s) ("fils de Mamadou"); optional, Latin letters.
    pub father_name: String,
    /// The mother's given and family names ("et de Fatoumata Diarra"); optional, Latin letters.
    pub mother_name: String,
    pub sex: String,
    /// `1995-07-11`, `11/07/1995`, `07/1995`, `1995-07` or `1995`.
    pub date_of_birth: String,
    /// `exact`, `month`, `year` or `estimated_age`; inferred when empty.
    pub birth_date_precision: String,
    /// Years, with the precision `estimated_age`.
    pub estimated_age: String,
    /// ISO 3166-1 alpha-2; `ML` when empty.
    pub nationality: String,
    pub phones: Vec<String>,
    pub languages: Vec<String>,
    pub education_level: String,
    pub occupation: String,
    pub skills: String,
    pub marital_status: String,
    pub dependants: String,
    pub place_of_origin: String,
    pub intended_settlement: String,
    pub emergency_contact_name: String,
    pub emergency_contact_phone: String,
}

/// Most dependants accepted.
pub const MAX_DEPENDANTS: u8 = 30;

impl PersonInput {
    /// Parses the input as of `today`; `known_unit` tells whether a P-code exists in the reference data.
    pub fn parse(&self, today: Date, known_unit: impl Fn(&str) -> bool) -> Result<PersonDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let family_name = errors.check("family_name", parse_name(&self.family_name, 1, 100));
        let given_names = errors.check("given_names", parse_name(&self.given_names, 1, 150));
        let other_names = errors
            .check("other_names", parse_name(&self.other_names, 0, 200).map(|n| Some(n).filter(|n| !n.is_empty())));
        let father_name = errors.check("father_name", parse_parent_name(&self.father_name, MAX_FATHER_NAME));
        let mother_name = errors.check("mother_name", parse_parent_name(&self.mother_name, MAX_MOTHER_NAME));
        let sex = errors.check("sex", choose(&self.sex, Sex::parse));
        let birth = match BirthDate::parse(&self.date_of_birth, &self.birth_date_precision, &self.estimated_age, today)
        {
            Ok(birth) => Some(birth),
            Err(e) => {
                errors.add(e.field, e.message);
                None
            }
        };
        let nationality = match self.nationality.trim() {
            "" => Some("ML".to_string()),
            raw => errors.check("nationality", parse_country(raw)),
        };
        let phones = errors.check("phones", normalise_phones(&self.phones));
        let languages = errors.check("languages", choose_many(&self.languages, Language::parse));
        let education_level =
            errors.check("education_level", choose_optional(&self.education_level, EducationLevel::parse));
        let occupation = errors.check("occupation", optional_text(&self.occupation, 500));
        let skills = errors.check("skills", optional_text(&self.skills, 500));
        let marital_status =
            errors.check("marital_status", choose_optional(&self.marital_status, MaritalStatus::parse));
        let dependants = errors.check("dependants", parse_dependants(&self.dependants));
        let unit = |raw: &str| match raw.trim() {
            "" => Ok(None),
            code if known_unit(code) => Ok(Some(code.to_string())),
            _ => Err("error-unknown-admin-unit"),
        };
        let place_of_origin = errors.check("place_of_origin", unit(&self.place_of_origin));
        let intended_settlement = errors.check("intended_settlement", unit(&self.intended_settlement));
        let emergency_contact_name =
            errors.check("emergency_contact_name", optional_text(&self.emergency_contact_name, 200));
        let emergency_contact_phone =
            errors.check("emergency_contact_phone", optional_phone(&self.emergency_contact_phone));
        errors.finish(|| PersonDraft {
            family_name: family_name.unwrap(),
            given_names: given_names.unwrap(),
            other_names: other_names.unwrap(),
            father_name: father_name.unwrap(),
            mother_name: mother_name.unwrap(),
            sex: sex.unwrap(),
            birth: birth.unwrap(),
            nationality: nationality.unwrap(),
            phones: phones.unwrap(),
            languages: languages.unwrap(),
            education_level: education_level.unwrap(),
            occupation: occupation.unwrap(),
            skills: skills.unwrap(),
            marital_status: marital_status.unwrap(),
            dependants: dependants.unwrap(),
            place_of_origin: place_of_origin.unwrap(),
            intended_settlement: intended_settlement.unwrap(),
            emergency_contact_name: emergency_contact_name.unwrap(),
            emergency_contact_phone: emergency_contact_phone.unwrap(),
        })
    }
}

/// Every non-blank number normalised, duplicates dropped.
fn normalise_phones(raw: &[String]) -> Result<Vec<String>, &'static str> {
    let mut phones = Vec::new();
    for number in raw.iter().filter(|r| !r.trim().is_empty()) {
        let number = normalise_phone(number)?;
        if !phones.contains(&number) {
            phones.push(number);
        }
    }
    Ok(phones)
}

fn parse_dependants(raw: &str) -> Result<Option<u8>, &'static str> {
    match raw.trim() {
        "" => Ok(None),
        n => n.parse::<u8>().ok().filter(|n| *n <= MAX_DEPENDANTS).map(Some).ok_or("error-dependants"),
    }
}

/// A validated return. Built only through [`ReturnInput::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReturnDraft {
    pub arrival_date: Date,
    /// ISO 3166-1 alpha-2 of the country the person came back from.
    pub returned_from: String,
    pub return_type: ReturnType,
    pub point_of_arrival: Option<String>,
    /// Programme or funding of the return.
    pub programme: Option<String>,
    pub immediate_assistance: Vec<ImmediateAssistance>,
}

/// A return as submitted.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ReturnInput {
    /// `2024-03-18` or `18/03/2024`.
    pub arrival_date: String,
    pub returned_from: String,
    pub return_type: String,
    pub point_of_arrival: String,
    pub programme: String,
    pub immediate_assistance: Vec<String>,
}

impl ReturnInput {
    /// Parses the input as of `today`; the arrival may not precede `birth` (when known).
    pub fn parse(&self, today: Date, birth: Option<&BirthDate>) -> Result<ReturnDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let arrival = parse_date(&self.arrival_date).and_then(|date| {
            if date > today {
                Err("error-arrival-in-future")
            } else if birth.is_some_and(|b| date < b.date) {
                Err("error-arrival-before-birth")
            } else {
                Ok(date)
            }
        });
        let arrival_date = errors.check("arrival_date", arrival);
        let returned_from = errors.check("returned_from", parse_country(&self.returned_from));
        let return_type = errors.check("return_type", choose(&self.return_type, ReturnType::parse));
        let point_of_arrival = errors.check("point_of_arrival", optional_text(&self.point_of_arrival, 200));
        let programme = errors.check("programme", optional_text(&self.programme, 200));
        let immediate_assistance =
            errors.check("immediate_assistance", choose_many(&self.immediate_assistance, ImmediateAssistance::parse));
        errors.finish(|| ReturnDraft {
            arrival_date: arrival_date.unwrap(),
            returned_from: returned_from.unwrap(),
            return_type: return_type.unwrap(),
            point_of_arrival: point_of_arrival.unwrap(),
            programme: programme.unwrap(),
            immediate_assistance: immediate_assistance.unwrap(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 03 - 15);

    fn birth(date: &str, precision: &str, age: &str) -> Result<BirthDate, FieldError> {
        BirthDate::parse(date, precision, age, TODAY)
    }

    fn person() -> PersonInput {
        PersonInput {
            family_name: " Traoré ".into(),
            given_names: "Aminata  Kadiatou".into(),
            sex: "female".into(),
            date_of_birth: "11/07/1995".into(),
            phones: vec!["76 12 34 56".into(), "+223 76-12-34-56".into(), "".into(), "+33 6 12 34 56 78".into()],
            languages: vec!["bm".into(), "fr".into(), "bm".into()],
            dependants: "3".into(),
            place_of_origin: "ML0401".into(),
            ..Default::default()
        }
    }

    #[test]
    fn codes_are_the_serialised_form_and_labels_follow_the_key_rule() {
        for level in EducationLevel::ALL {
            assert_eq!(serde_json::to_string(&level).unwrap(), format!("\"{}\"", level.code()));
            assert_eq!(EducationLevel::parse(level.code()), Some(level));
        }
        assert_eq!(EducationLevel::NoSchooling.code(), "none");
        assert_eq!(ImmediateAssistance::NonFoodItems.label_key(), "immediate-assistance-non-food-items");
        assert_eq!(DatePrecision::EstimatedAge.label_key(), "date-precision-estimated-age");
        assert_eq!(
            serde_json::from_str::<ReturnType>("\"humanitarian_evacuation\"").unwrap(),
            ReturnType::HumanitarianEvacuation
        );
        assert_eq!(Language::ALL.len(), 10);
        assert_eq!(Sex::parse("F"), None);
    }

    #[test]
    fn birth_dates_in_every_accepted_form() {
        let exact = BirthDate { date: date!(1995 - 07 - 11), precision: DatePrecision::Exact };
        assert_eq!(birth("1995-07-11", "", ""), Ok(exact));
        assert_eq!(birth("11/07/1995", "exact", ""), Ok(exact));
        assert_eq!(birth("1/7/1995", "", ""), Ok(BirthDate { date: date!(1995 - 07 - 01), ..exact }));
        let month = BirthDate { date: date!(1995 - 07 - 01), precision: DatePrecision::Month };
        assert_eq!(birth("07/1995", "", ""), Ok(month));
        assert_eq!(birth("1995-07", "month", ""), Ok(month));
        assert_eq!(
            birth("1995", "", ""),
            Ok(BirthDate { date: date!(1995 - 01 - 01), precision: DatePrecision::Year })
        );
        let estimated = BirthDate { date: date!(1996 - 01 - 01), precision: DatePrecision::EstimatedAge };
        assert_eq!(birth("", "", " 30 "), Ok(estimated));
        assert_eq!(birth("1995", "estimated_age", "30"), Ok(estimated), "the precision says which field counts");
        assert_eq!(birth("", "", "0").unwrap().date, date!(2026 - 01 - 01));
    }

    #[test]
    fn birth_date_refusals_name_the_field() {
        let err = |field, message| Err(FieldError { field, message });
        assert_eq!(birth("", "", ""), err("date_of_birth", "error-required"));
        assert_eq!(birth("", "estimated_age", ""), err("estimated_age", "error-required"));
        assert_eq!(birth("", "", "111"), err("estimated_age", "error-estimated-age"));
        assert_eq!(birth("", "", "-1"), err("estimated_age", "error-estimated-age"));
        assert_eq!(birth("", "", "trente"), err("estimated_age", "error-estimated-age"));
        assert_eq!(birth("1995", "decade", ""), err("birth_date_precision", "error-choose-from-list"));
        assert_eq!(birth("31/02/1995", "", ""), err("date_of_birth", "error-invalid-birth-date"));
        assert_eq!(birth("13/1995", "", ""), err("date_of_birth", "error-invalid-birth-date"));
        assert_eq!(birth("95", "", ""), err("date_of_birth", "error-invalid-birth-date"));
        assert_eq!(birth("11 juillet 1995", "", ""), err("date_of_birth", "error-invalid-birth-date"));
        assert_eq!(birth("1995", "exact", ""), err("date_of_birth", "error-birth-date-precision"));
        assert_eq!(birth("2026-03-16", "", ""), err("date_of_birth", "error-date-in-future"));
        assert_eq!(birth("04/2026", "", ""), err("date_of_birth", "error-date-in-future"));
        assert_eq!(birth("1915", "", ""), err("date_of_birth", "error-birth-date-too-old"));
        assert!(birth("2026-03-15", "", "").is_ok(), "born today");
        assert!(birth("03/2026", "", "").is_ok(), "born this month");
        assert!(birth("1916", "", "").is_ok(), "110 years old");
    }

    #[test]
    fn ages_count_completed_years() {
        let b = |d, precision| BirthDate { date: d, precision };
        let exact = b(date!(2008 - 03 - 16), DatePrecision::Exact);
        assert_eq!(age_at(&exact, date!(2026 - 03 - 15)), Some(17));
        assert_eq!(age_at(&exact, date!(2026 - 03 - 16)), Some(18));
        assert_eq!(age_at(&exact, date!(2008 - 03 - 15)), None);
        let leap = b(date!(2008 - 02 - 29), DatePrecision::Exact);
        assert_eq!(age_at(&leap, date!(2026 - 02 - 28)), Some(17));
        assert_eq!(age_at(&leap, date!(2026 - 03 - 01)), Some(18));
        assert!(is_minor_at(&exact, date!(2026 - 03 - 15)));
        assert!(!is_minor_at(&exact, date!(2026 - 03 - 16)));
    }

    #[test]
    fn in_doubt_a_person_is_presumed_a_child() {
        let year = BirthDate { date: date!(2008 - 01 - 01), precision: DatePrecision::Year };
        assert_eq!(age_at(&year, date!(2026 - 06 - 01)), Some(18));
        assert!(is_minor_at(&year, date!(2026 - 12 - 30)), "may be born on 31 December 2008");
        assert!(!is_minor_at(&year, date!(2026 - 12 - 31)));
        let month = BirthDate { date: date!(2008 - 02 - 01), precision: DatePrecision::Month };
        assert!(is_minor_at(&month, date!(2026 - 02 - 28)), "may be born on 29 February 2008");
        assert!(!is_minor_at(&month, date!(2026 - 03 - 01)));
        let estimated = birth("", "", "18").unwrap();
        assert!(!is_minor_at(&estimated, TODAY), "an estimated age is taken as given");
        assert!(is_minor_at(&birth("", "", "17").unwrap(), TODAY));
    }

    #[test]
    fn full_dates_only_where_a_day_is_needed() {
        assert_eq!(parse_date("2024-03-18"), Ok(date!(2024 - 03 - 18)));
        assert_eq!(parse_date(" 18/03/2024 "), Ok(date!(2024 - 03 - 18)));
        assert_eq!(parse_date("18.03.2024"), Ok(date!(2024 - 03 - 18)));
        assert_eq!(parse_date("03/2024"), Err("error-invalid-date"));
        assert_eq!(parse_date("2023-02-29"), Err("error-invalid-date"));
        assert_eq!(parse_date(""), Err("error-required"));
    }

    #[test]
    fn countries_are_iso_codes() {
        assert_eq!(parse_country(" ml "), Ok("ML".into()));
        assert_eq!(parse_country("LY"), Ok("LY".into()));
        assert_eq!(parse_country("XK"), Ok("XK".into()));
        assert_eq!(parse_country("ZZ"), Err("error-invalid-country"));
        assert_eq!(parse_country("MLI"), Err("error-invalid-country"));
        assert_eq!(parse_country(""), Err("error-required"));
        assert!(COUNTRIES.windows(2).all(|w| w[0] < w[1]), "sorted for binary search");
    }

    #[test]
    fn malian_phones_however_typed() {
        for raw in
            ["76 12 34 56", "76123456", "0022376123456", "+223 76-12-34-56", "223 76 12 34 56", "(+223) 76.12.34.56"]
        {
            assert_eq!(normalise_phone(raw), Ok("+22376123456".into()), "{raw}");
        }
        assert_eq!(normalise_phone("20 22 00 00"), Ok("+22320220000".into()));
        assert_eq!(normalise_phone("+33 6 12 34 56 78"), Ok("+33612345678".into()));
        assert_eq!(normalise_phone("00 218 91 234 5678"), Ok("+218912345678".into()));
        for raw in [
            "7612345",
            "761234567",
            "+223 7612345",
            "+223 06 12 34 56",
            "06 12 34 56 78",
            "+1234567",
            "+0612345678",
            "76 12 34 5x",
            "+1234567890123456",
        ] {
            assert_eq!(normalise_phone(raw), Err("error-phone-format"), "{raw}");
        }
    }

    #[test]
    fn names_fold_to_one_search_key() {
        assert_eq!(fold_name("Traoré"), "traore");
        assert_eq!(fold_name("KEÏTA"), "keita");
        assert_eq!(fold_name("  Sidibé "), "sidibe");
        assert_eq!(fold_name("N'Diaye-Coulibaly"), "n diaye coulibaly");
        assert_eq!(fold_name("Ɲɛnɛba  Kɔnatɛ"), "nyeneba konate");
        assert_eq!(fold_name("Ba’"), "ba");
        assert_eq!(fold_name("Maʼiga"), "ma iga");
        assert_eq!(name_search_key("Traoré", "Aminata", ""), "traore aminata");
        assert_eq!(name_search_key("Keïta", "Moussa", "Dit « Papi »"), "keita moussa dit papi");
    }

    #[test]
    fn document_numbers_are_normalised() {
        assert_eq!(normalise_document_number(" aa 123-456.78/9 "), Ok("AA123456789".into()));
        assert_eq!(normalise_document_number("ab"), Err("error-document-number"));
        assert_eq!(normalise_document_number(&"9".repeat(31)), Err("error-document-number"));
        assert_eq!(normalise_document_number("AB#123"), Err("error-document-number"));
        assert_eq!(normalise_document_number(" - "), Err("error-required"));
    }

    #[test]
    fn documents() {
        let doc = |t: &str, n: &str, c: &str| {
            DocumentInput { doc_type: t.into(), number: n.into(), issuing_country: c.into() }.parse()
        };
        let nina = doc("nina", "1 234 567 890 12 A", "").unwrap();
        assert_eq!(nina.issuing_country, "ML");
        assert_eq!(nina.number, "123456789012A");
        assert_eq!(doc("passport", "b1234567", "gn").unwrap().issuing_country, "GN");
        let errors = doc("nina", "1", "SN").unwrap_err();
        assert_eq!(errors.for_field("number"), Some("error-document-number"));
        assert_eq!(errors.for_field("issuing_country"), Some("error-nina-issued-by-mali"));
        let errors = doc("", "AB123", "").unwrap_err();
        assert_eq!(errors.for_field("doc_type"), Some("error-required"));
        assert_eq!(errors.for_field("issuing_country"), Some("error-required"));
        assert_eq!(doc("permis", "AB123", "ML").unwrap_err().for_field("doc_type"), Some("error-choose-from-list"));
    }

    #[test]
    fn a_valid_person_is_normalised() {
        let draft = person().parse(TODAY, |code| code.starts_with("ML")).unwrap();
        assert_eq!(draft.family_name, "Traoré");
        assert_eq!(draft.given_names, "Aminata Kadiatou");
        assert_eq!(draft.other_names, None);
        assert_eq!(draft.nationality, "ML");
        assert_eq!(draft.phones, vec!["+22376123456", "+33612345678"]);
        assert_eq!(draft.languages, vec![Language::Bm, Language::Fr]);
        assert_eq!(draft.dependants, Some(3));
        assert_eq!(draft.place_of_origin.as_deref(), Some("ML0401"));
        assert_eq!(draft.intended_settlement, None);
        assert_eq!(draft.education_level, None);
        assert_eq!(draft.birth.precision, DatePrecision::Exact);
        assert_eq!(draft.search_key(), "traore aminata kadiatou");
    }

    #[test]
    fn the_filiation_is_optional_and_cleaned() {
        let draft = person().parse(TODAY, |_| true).unwrap();
        assert_eq!((draft.father_name, draft.mother_name), (None, None), "not asked of everyone");
        let draft = PersonInput {
            father_name: "  Mamadou   Lamine ".into(),
            mother_name: "Fatoumata  Diarra".into(),
            ..person()
        }
        .parse(TODAY, |_| true)
        .unwrap();
        assert_eq!(draft.father_name.as_deref(), Some("Mamadou Lamine"));
        assert_eq!(draft.mother_name.as_deref(), Some("Fatoumata Diarra"));
        assert_eq!(draft.search_key(), "traore aminata kadiatou", "parents' names are not the person's name");
        for accepted in ["Sékou", "N'Golo", "Ɲɛnɛba Kɔnatɛ", "Ma\u{2bc}iga", "Aïssata Maïga", "Boubacar-Sidiki"]
        {
            let input = PersonInput { father_name: accepted.into(), mother_name: accepted.into(), ..person() };
            assert!(input.parse(TODAY, |_| true).is_ok(), "{accepted}");
        }
    }

    #[test]
    fn a_bad_filiation_names_its_field() {
        let refused = |father: &str, mother: &str| {
            PersonInput { father_name: father.into(), mother_name: mother.into(), ..person() }
                .parse(TODAY, |_| true)
                .unwrap_err()
        };
        let errors = refused("1975", "محمد");
        assert_eq!(errors.for_field("father_name"), Some("error-name-letters"));
        assert_eq!(errors.for_field("mother_name"), Some("error-name-latin"));
        assert_eq!(errors.0.len(), 2, "nothing else is wrong");
        let errors = refused("Мамаду", "Fatoumata فاطمة");
        assert_eq!(errors.for_field("father_name"), Some("error-name-latin"));
        assert_eq!(errors.for_field("mother_name"), Some("error-name-latin"), "one foreign word is enough");
        let errors = refused(&"a".repeat(MAX_FATHER_NAME + 1), &"a".repeat(MAX_MOTHER_NAME + 1));
        assert_eq!(errors.for_field("father_name"), Some("error-too-long"));
        assert_eq!(errors.for_field("mother_name"), Some("error-too-long"));
        let at_limit = PersonInput {
            father_name: "a".repeat(MAX_FATHER_NAME),
            mother_name: "a".repeat(MAX_MOTHER_NAME),
            ..person()
        };
        assert!(at_limit.parse(TODAY, |_| true).is_ok());
        assert_eq!(refused("Mamadou\u{7}", "").for_field("father_name"), Some("error-invalid-characters"));
    }

    #[test]
    fn every_bad_person_field_is_reported() {
        let bad = PersonInput {
            family_name: "  ".into(),
            given_names: "123".into(),
            other_names: "x".repeat(201),
            sex: "f".into(),
            date_of_birth: "2027".into(),
            nationality: "Mali".into(),
            phones: vec!["12".into()],
            languages: vec!["wolof".into()],
            education_level: "phd".into(),
            occupation: "x".repeat(501),
            marital_status: "engaged".into(),
            dependants: "31".into(),
            place_of_origin: "XX01".into(),
            intended_settlement: "XX02".into(),
            emergency_contact_phone: "abc".into(),
            ..Default::default()
        };
        let errors = bad.parse(TODAY, |code| code.starts_with("ML")).unwrap_err();
        let expected = [
            ("family_name", "error-required"),
            ("given_names", "error-name-letters"),
            ("other_names", "error-too-long"),
            ("sex", "error-choose-from-list"),
            ("date_of_birth", "error-date-in-future"),
            ("nationality", "error-invalid-country"),
            ("phones", "error-phone-format"),
            ("languages", "error-choose-from-list"),
            ("education_level", "error-choose-from-list"),
            ("occupation", "error-too-long"),
            ("marital_status", "error-choose-from-list"),
            ("dependants", "error-dependants"),
            ("place_of_origin", "error-unknown-admin-unit"),
            ("intended_settlement", "error-unknown-admin-unit"),
            ("emergency_contact_phone", "error-phone-format"),
        ];
        for (field, message) in expected {
            assert_eq!(errors.for_field(field), Some(message), "{field}");
        }
        assert_eq!(errors.0.len(), expected.len());
        assert_eq!(
            PersonInput { sex: "".into(), ..person() }.parse(TODAY, |_| true).unwrap_err().for_field("sex"),
            Some("error-required")
        );
    }

    fn a_return() -> ReturnInput {
        ReturnInput {
            arrival_date: "18/03/2025".into(),
            returned_from: "ly".into(),
            return_type: "avr".into(),
            point_of_arrival: " Aéroport  de Bamako-Sénou ".into(),
            immediate_assistance: vec!["reception".into(), "cash".into(), "cash".into()],
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_return() {
        let birth = BirthDate { date: date!(1995 - 07 - 11), precision: DatePrecision::Exact };
        let draft = a_return().parse(TODAY, Some(&birth)).unwrap();
        assert_eq!(draft.arrival_date, date!(2025 - 03 - 18));
        assert_eq!(draft.returned_from, "LY");
        assert_eq!(draft.return_type, ReturnType::Avr);
        assert_eq!(draft.point_of_arrival.as_deref(), Some("Aéroport de Bamako-Sénou"));
        assert_eq!(draft.programme, None);
        assert_eq!(draft.immediate_assistance, vec![ImmediateAssistance::Reception, ImmediateAssistance::Cash]);
        assert!(
            ReturnInput { arrival_date: "2026-03-15".into(), ..a_return() }.parse(TODAY, None).is_ok(),
            "arrived today"
        );
    }

    #[test]
    fn return_refusals() {
        let arrival = |raw: &str, birth: Option<&BirthDate>| {
            ReturnInput { arrival_date: raw.into(), ..a_return() }
                .parse(TODAY, birth)
                .unwrap_err()
                .for_field("arrival_date")
        };
        let birth = BirthDate { date: date!(2010 - 01 - 01), precision: DatePrecision::Year };
        assert_eq!(arrival("2026-03-16", None), Some("error-arrival-in-future"));
        assert_eq!(arrival("31/12/2009", Some(&birth)), Some("error-arrival-before-birth"));
        assert_eq!(arrival("", None), Some("error-required"));
        assert_eq!(arrival("2025", None), Some("error-invalid-date"));
        let errors = ReturnInput {
            returned_from: "".into(),
            return_type: "deported".into(),
            immediate_assistance: vec!["phone".into()],
            ..a_return()
        }
        .parse(TODAY, None)
        .unwrap_err();
        assert_eq!(errors.for_field("returned_from"), Some("error-required"));
        assert_eq!(errors.for_field("return_type"), Some("error-choose-from-list"));
        assert_eq!(errors.for_field("immediate_assistance"), Some("error-choose-from-list"));
    }
}
