//! Case numbers people can read out on the phone: the organisation's acronym, the year, a sequence.
//!
//! `OIM-2026-000123` tells at once who registered the case and when, without revealing anything about
//! the person. The sequence itself is allocated by storage; this module only formats and reads it.

use crate::person::fold_name;
use serde::Serialize;

/// The prefix used when an organisation has no usable acronym.
pub const FALLBACK_PREFIX: &str = "CASE";

/// The parts of a case number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseNumber {
    pub acronym: String,
    pub year: i32,
    pub seq: i64,
}

/// The acronym as it appears in case numbers: accents folded, uppercase ASCII letters and digits only
/// (`Caritas-Mali` → `CARITASMALI`), or [`FALLBACK_PREFIX`] when nothing is left.
fn prefix(acronym: &str) -> String {
    let prefix: String =
        fold_name(acronym).chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect();
    if prefix.is_empty() {
        FALLBACK_PREFIX.to_string()
    } else {
        prefix
    }
}

/// `OIM-2026-000123`: the sequence has at least six digits, more when it grows past 999 999.
/// Sequences start at 1; a negative one (a bug upstream) is written as 0.
pub fn case_number(acronym: &str, year: i32, seq: i64) -> String {
    debug_assert!(seq >= 0, "negative case sequence {seq}");
    format!("{}-{:04}-{:06}", prefix(acronym), year, seq.max(0))
}

/// Reads a case number back, whatever its case and surrounding spaces: `oim-2026-000123` gives
/// `OIM`, 2026 and 123. `None` for anything [`case_number`] could not have written.
pub fn parse_case_number(raw: &str) -> Option<CaseNumber> {
    let raw = raw.trim().to_ascii_uppercase();
    let mut parts = raw.splitn(3, '-');
    let (acronym, year, seq) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let valid = !acronym.is_empty()
        && acronym.bytes().all(|b| b.is_ascii_alphanumeric())
        && year.len() == 4
        && digits(year)
        && seq.len() >= 6
        && digits(seq);
    if !valid {
        return None;
    }
    Some(CaseNumber { acronym: acronym.to_string(), year: year.parse().ok()?, seq: seq.parse().ok()? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn case_numbers_are_readable() {
        assert_eq!(case_number("OIM", 2026, 123), "OIM-2026-000123");
        assert_eq!(case_number(" oim ", 2026, 1), "OIM-2026-000001");
        assert_eq!(case_number("Caritas-Mali", 2025, 42), "CARITASMALI-2025-000042");
        assert_eq!(case_number("Délégation générale (DGME)", 2026, 7), "DELEGATIONGENERALEDGME-2026-000007");
        assert_eq!(case_number("", 2026, 5), "CASE-2026-000005");
        assert_eq!(case_number("« — »", 2026, 5), "CASE-2026-000005");
        assert_eq!(case_number("OIM", 2026, 1_234_567), "OIM-2026-1234567");
    }

    #[test]
    fn case_numbers_are_read_back() {
        let n = CaseNumber { acronym: "OIM".into(), year: 2026, seq: 123 };
        assert_eq!(parse_case_number(" oim-2026-000123 "), Some(n));
        assert_eq!(parse_case_number("CASE-2026-1234567").map(|n| n.seq), Some(1_234_567));
        for bad in [
            "",
            "OIM",
            "OIM-2026",
            "OIM-26-000123",
            "OIM-2026-123",
            "-2026-000123",
            "OIM-2026-000123-1",
            "OÏM-2026-000123",
            "OIM-2026-00012a",
        ] {
            assert_eq!(parse_case_number(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn formatting_then_reading_gives_the_parts_back(acronym in "\\PC{0,12}", year in 1000i32..=9999, seq in 0i64..=i64::MAX) {
            let written = case_number(&acronym, year, seq);
            let read = parse_case_number(&written).unwrap();
            prop_assert_eq!(read.acronym, prefix(&acronym));
            prop_assert_eq!(read.year, year);
            prop_assert_eq!(read.seq, seq);
        }
    }
}
