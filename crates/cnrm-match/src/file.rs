//! CSV files in and out — the only module of the crate that does IO.
//!
//! `cnrm dedup --input people.csv --output DIR` and the benchmark harness read registrations from a
//! CSV file and write the matched pairs and the persons back. Files come from spreadsheets on
//! field laptops: Latin-1 encodings, `;` or tab delimiters, dates in every form, stray scripts.
//! Bad input is refused with a message naming the line and column; nothing is written until the
//! whole run succeeded (outputs go to temporary files in the output folder, renamed at the end).

use crate::compare::Record;
use crate::dedup::Dedup;
use crate::normalize::{has_foreign_script, parse_birth_date, parse_sex, DateError};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Which input column holds each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    pub record_id: String,
    pub family_name: String,
    pub given_name: String,
    pub sex: String,
    pub date_of_birth: String,
    pub phone: String,
    pub region: String,
    pub cercle: String,
    /// Optional column of identity document numbers.
    pub document: Option<String>,
    /// Optional columns of the filiation: the father's given name, the mother's name.
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            record_id: "record_id".into(),
            family_name: "family_name".into(),
            given_name: "given_name".into(),
            sex: "sex".into(),
            date_of_birth: "date_of_birth".into(),
            phone: "phone".into(),
            region: "region".into(),
            cercle: "cercle".into(),
            document: None,
            father_name: None,
            mother_name: None,
        }
    }
}

/// How to read a file.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub columns: Columns,
    /// Treat unreadable values (dates, sexes, names in another script) as missing instead of
    /// refusing the file (for research datasets with deliberate corruption, such as FEBRL).
    pub lenient: bool,
    /// Latest acceptable birth year (the current year).
    pub max_year: u16,
    /// Columns the fields may be absent from (read as empty): for datasets without phones etc.
    pub optional_columns: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions { columns: Columns::default(), lenient: false, max_year: current_year(), optional_columns: false }
    }
}

/// The current year from the system clock.
pub fn current_year() -> u16 {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    // Days since 1970 → civil year (Howard Hinnant's algorithm, year part only).
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + if month <= 2 { 1 } else { 0 }) as u16
}

/// One bad value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// Line in the file (1 = header).
    pub line: u64,
    pub column: String,
    pub message: String,
}

/// Why a file was refused.
#[derive(Debug)]
pub enum InputError {
    Io(PathBuf, std::io::Error),
    /// Not UTF-8: the line of the first bad byte.
    Encoding {
        line: u64,
        hint: &'static str,
    },
    Empty,
    MissingColumns {
        missing: Vec<String>,
        found: Vec<String>,
        delimiter: char,
    },
    /// Malformed CSV (e.g. a row with the wrong number of fields).
    Csv {
        line: u64,
        message: String,
    },
    Invalid(Vec<CellError>),
}

/// At most this many bad values are listed.
pub const MAX_ERRORS: usize = 50;

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Io(path, e) => write!(f, "{}: {e}", path.display()),
            InputError::Encoding { line, hint } => {
                write!(f, "line {line}: the file is not UTF-8 ({hint}); save it as CSV UTF-8 and try again")
            }
            InputError::Empty => write!(f, "the file is empty"),
            InputError::MissingColumns { missing, found, delimiter } => write!(
                f,
                "line 1: missing column{} {} (found: {}; delimiter {:?}); name other columns with the --*-column options",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", "),
                found.join(", "),
                delimiter
            ),
            InputError::Csv { line, message } => write!(f, "line {line}: {message}"),
            InputError::Invalid(errors) => {
                write!(f, "{} bad value{}:", errors.len(), if errors.len() > 1 { "s" } else { "" })?;
                for e in errors {
                    write!(f, "\n  line {}, column {}: {}", e.line, e.column, e.message)?;
                }
                if errors.len() >= MAX_ERRORS {
                    write!(f, "\n  (stopped after {MAX_ERRORS})")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for InputError {}

/// What was read.
#[derive(Debug)]
pub struct Input {
    pub records: Vec<Record>,
    pub delimiter: u8,
    /// Values read as missing in lenient mode.
    pub ignored_values: usize,
}

/// Picks the delimiter from the header line: the most frequent of `,`, `;` and tab.
pub fn detect_delimiter(header: &str) -> u8 {
    let count = |c: char| header.chars().filter(|&x| x == c).count();
    let (comma, semi, tab) = (count(','), count(';'), count('\t'));
    if semi > comma && semi >= tab {
        b';'
    } else if tab > comma && tab > semi {
        b'\t'
    } else {
        b','
    }
}

fn check_encoding(bytes: &[u8]) -> Result<&str, InputError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(InputError::Encoding { line: 1, hint: "it is UTF-16" });
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let at = e.valid_up_to();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            let bad = bytes[at];
            let hint = if (0x80..=0x9F).contains(&bad) {
                "it looks like Windows-1252"
            } else {
                "it looks like Latin-1 (ISO-8859-1) or Windows-1252"
            };
            Err(InputError::Encoding { line, hint })
        }
    }
}

/// Reads registrations from CSV bytes.
pub fn read_records(bytes: &[u8], options: &ReadOptions) -> Result<Input, InputError> {
    let text = check_encoding(bytes)?;
    let header = text.lines().next().ok_or(InputError::Empty)?;
    if header.trim().is_empty() {
        return Err(InputError::Empty);
    }
    let delimiter = detect_delimiter(header);
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| InputError::Csv { line: 1, message: e.to_string() })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let c = &options.columns;
    let wanted: Vec<(&str, bool)> = vec![
        (&c.record_id, true),
        (&c.family_name, true),
        (&c.given_name, true),
        (&c.sex, !options.optional_columns),
        (&c.date_of_birth, !options.optional_columns),
        (&c.phone, !options.optional_columns),
        (&c.region, !options.optional_columns),
        (&c.cercle, !options.optional_columns),
    ];
    let position = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let missing: Vec<String> = wanted
        .iter()
        .filter(|(name, required)| *required && position(name).is_none())
        .map(|(n, _)| n.to_string())
        .collect();
    // Optional columns are asked for by name: one named but absent is missing.
    let optional = [&c.document, &c.father_name, &c.mother_name];
    let optional_missing = optional.iter().filter_map(|o| o.as_ref()).filter(|d| position(d).is_none());
    let missing: Vec<String> = missing.into_iter().chain(optional_missing.cloned()).collect();
    if !missing.is_empty() {
        return Err(InputError::MissingColumns { missing, found: headers.clone(), delimiter: delimiter as char });
    }
    let idx: Vec<Option<usize>> = wanted.iter().map(|(n, _)| position(n)).collect();
    let [doc_idx, father_idx, mother_idx] = optional.map(|o| o.as_ref().and_then(|d| position(d)));

    let mut records = Vec::new();
    let mut errors = Vec::new();
    let mut ids: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut ignored = 0usize;
    for row in reader.records() {
        let row = row.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            let message = match e.kind() {
                csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                    format!("{len} fields where the header has {expected_len} (a delimiter or quote inside a value?)")
                }
                _ => e.to_string(),
            };
            InputError::Csv { line, message }
        })?;
        let line = row.position().map(|p| p.line()).unwrap_or(0);
        let get = |i: usize| idx[i].and_then(|j| row.get(j)).unwrap_or("").to_string();
        let bad = |column: &str, message: String, errors: &mut Vec<CellError>| {
            if errors.len() < MAX_ERRORS {
                errors.push(CellError { line, column: column.to_string(), message });
            }
        };
        let id = get(0);
        if id.is_empty() {
            bad(&c.record_id, "empty record id".into(), &mut errors);
        } else if let Some(first) = ids.insert(id.clone(), line) {
            bad(&c.record_id, format!("record id {id:?} already used on line {first}"), &mut errors);
        }
        let mut family = get(1);
        let mut given = get(2);
        let optional_cell = |j: Option<usize>| j.and_then(|j| row.get(j)).unwrap_or("").to_string();
        let (mut father, mut mother) = (optional_cell(father_idx), optional_cell(mother_idx));
        let father_column = c.father_name.as_deref().unwrap_or_default();
        let mother_column = c.mother_name.as_deref().unwrap_or_default();
        for (name, column) in [
            (&mut family, c.family_name.as_str()),
            (&mut given, c.given_name.as_str()),
            (&mut father, father_column),
            (&mut mother, mother_column),
        ] {
            if has_foreign_script(name) {
                if options.lenient {
                    name.clear();
                    ignored += 1;
                } else {
                    bad(column, format!("{name:?} is not in Latin letters: transliterate it"), &mut errors);
                }
            } else if !name.is_empty() && !name.chars().any(|ch| ch.is_alphabetic()) {
                if options.lenient {
                    name.clear();
                    ignored += 1;
                } else {
                    bad(column, format!("{name:?} has no letters"), &mut errors);
                }
            }
        }
        if family.trim().is_empty() && given.trim().is_empty() && !options.lenient {
            bad(&c.family_name, "empty name: both family and given names are empty".into(), &mut errors);
        }
        let sex_raw = get(3);
        let sex = match parse_sex(&sex_raw) {
            Some(s) => s,
            None if options.lenient => {
                ignored += 1;
                Default::default()
            }
            None => {
                bad(&c.sex, format!("{sex_raw:?} is not a sex (M/H, F or empty)"), &mut errors);
                Default::default()
            }
        };
        let dob_raw = get(4);
        let birth = match parse_birth_date(&dob_raw, options.max_year) {
            Ok(b) => b,
            Err(_) if options.lenient => {
                ignored += 1;
                None
            }
            Err(DateError::Unreadable) => {
                bad(
                    &c.date_of_birth,
                    format!("{dob_raw:?} is not a date (use 1995-07-11, 11/07/1995 or 1995)"),
                    &mut errors,
                );
                None
            }
            Err(DateError::Impossible) => {
                bad(&c.date_of_birth, format!("{dob_raw:?} is an impossible date"), &mut errors);
                None
            }
        };
        records.push(Record {
            id,
            family_name: family,
            given_name: given,
            sex,
            birth,
            phone: get(5),
            region: get(6),
            cercle: get(7),
            document: optional_cell(doc_idx),
            father_name: father,
            mother_name: mother,
        });
    }
    if !errors.is_empty() {
        return Err(InputError::Invalid(errors));
    }
    if records.is_empty() {
        return Err(InputError::Empty);
    }
    Ok(Input { records, delimiter, ignored_values: ignored })
}

/// Reads registrations from a CSV file.
pub fn read_file(path: &Path, options: &ReadOptions) -> Result<Input, InputError> {
    let bytes = std::fs::read(path).map_err(|e| InputError::Io(path.to_path_buf(), e))?;
    read_records(&bytes, options)
}

/// The person id written for person index `p`.
pub fn person_id(p: u32) -> String {
    format!("P{:07}", p + 1)
}

fn write_temp(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut csv::Writer<std::fs::File>) -> csv::Result<()>,
) -> std::io::Result<PathBuf> {
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let file = std::fs::File::create(&tmp)?;
    let mut w = csv::Writer::from_writer(file);
    let result = write(&mut w).map_err(std::io::Error::other).and_then(|_| w.flush());
    let synced = result.and_then(|_| w.get_ref().sync_all());
    if let Err(e) = synced {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(tmp)
}

/// Writes `DIR/pairs.csv` (record_id_a, record_id_b, match_weight, match_probability) and
/// `DIR/clusters.csv` (record_id, person_id). Both are written to temporary files first and renamed
/// only when both are complete, so a failed run leaves no half-written output.
pub fn write_outputs(dir: &Path, records: &[Record], result: &Dedup) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let pairs = write_temp(dir, "pairs.csv", |w| {
        w.write_record(["record_id_a", "record_id_b", "match_weight", "match_probability"])?;
        for p in &result.pairs {
            w.write_record([
                records[p.a as usize].id.as_str(),
                records[p.b as usize].id.as_str(),
                &format!("{:.3}", p.weight),
                &format!("{:.6}", p.probability),
            ])?;
        }
        Ok(())
    })?;
    let clusters = match write_temp(dir, "clusters.csv", |w| {
        w.write_record(["record_id", "person_id"])?;
        for (r, &p) in records.iter().zip(&result.persons) {
            w.write_record([r.id.as_str(), &person_id(p)])?;
        }
        Ok(())
    }) {
        Ok(t) => t,
        Err(e) => {
            let _ = std::fs::remove_file(&pairs);
            return Err(e);
        }
    };
    let rename = std::fs::rename(&pairs, dir.join("pairs.csv"))
        .and_then(|_| std::fs::rename(&clusters, dir.join("clusters.csv")));
    if rename.is_err() {
        let _ = std::fs::remove_file(&pairs);
        let _ = std::fs::remove_file(&clusters);
    }
    rename?;
    std::io::stdout().flush().ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "record_id,family_name,given_name,sex,date_of_birth,phone,region,cercle\n";

    fn read(text: &str) -> Result<Input, InputError> {
        read_records(text.as_bytes(), &ReadOptions { max_year: 2026, ..ReadOptions::default() })
    }

    #[test]
    fn reads_dates_in_the_usual_forms_and_ignores_extra_columns() {
        let text = "record_id,family_name,given_name,sex,date_of_birth,phone,region,cercle,notes\n\
            1,Traoré,Mamadou,M,1995-07-11,+22376000001,Kayes,Kita,x\n\
            2,Keita,Awa,F,11/07/1995,,Kayes,Kita,\n\
            3,Diarra,Moussa,H,1995,,,,\n\
            4,Diarra,Moussa,,00/00/1995,,,,\n";
        let input = read(text).unwrap();
        assert_eq!(input.records.len(), 4);
        assert_eq!(input.records[0].birth, input.records[1].birth);
        assert!(!input.records[2].birth.unwrap().is_precise());
        assert_eq!(input.records[2].birth, input.records[3].birth);
    }

    #[test]
    fn detects_semicolons_and_tabs() {
        let semi = HEADER.replace(',', ";") + "1;Traoré;Mamadou;M;1995;;Kayes;Kita\n";
        assert_eq!(read(&semi).unwrap().delimiter, b';');
        let tab = HEADER.replace(',', "\t") + "1\tTraoré\tMamadou\tM\t1995\t\tKayes\tKita\n";
        let input = read(&tab).unwrap();
        assert_eq!(input.delimiter, b'\t');
        assert_eq!(input.records[0].given_name, "Mamadou");
    }

    #[test]
    fn reads_the_filiation_when_its_columns_are_named() {
        let text = "record_id,family_name,given_name,sex,date_of_birth,phone,region,cercle,pere,mere\n\
            1,Traoré,Mamadou,M,1995,,Kayes,Kita,Seydou,Awa Sidibé\n\
            2,Traoré,Mamadou,M,1995,,Kayes,Kita,,\n";
        let columns =
            Columns { father_name: Some("pere".into()), mother_name: Some("mere".into()), ..Columns::default() };
        let options = ReadOptions { max_year: 2026, columns, ..ReadOptions::default() };
        let input = read_records(text.as_bytes(), &options).unwrap();
        assert_eq!(
            (input.records[0].father_name.as_str(), input.records[0].mother_name.as_str()),
            ("Seydou", "Awa Sidibé")
        );
        assert!(input.records[1].father_name.is_empty());
        // Without the options the columns are extra, and ignored.
        assert!(read(text).unwrap().records[0].father_name.is_empty());
        // A named column that is not there is missing; a parent in another script is refused
        // with its line and column.
        let missing = read_records(HEADER.to_string().as_bytes(), &options).unwrap_err().to_string();
        assert!(missing.contains("pere") && missing.contains("mere"), "{missing}");
        let arabic = text.replace("Seydou", "سيدو");
        let e = read_records(arabic.as_bytes(), &options).unwrap_err().to_string();
        assert!(e.contains("line 2, column pere") && e.contains("transliterate"), "{e}");
    }

    #[test]
    fn names_the_missing_column() {
        let text = "record_id,family_name,given_name,sex,phone,region,cercle\n1,A,B,M,,,\n";
        let e = read(text).unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("date_of_birth"), "{e}");
    }

    #[test]
    fn detects_a_non_utf8_file() {
        let mut bytes = HEADER.as_bytes().to_vec();
        bytes.extend_from_slice(b"1,Traor\xe9,Mamadou,M,1995,,Kayes,Kita\n");
        let e = read_records(&bytes, &ReadOptions::default()).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("not UTF-8") && e.contains("Latin-1"), "{e}");
    }

    #[test]
    fn names_line_and_column_of_bad_values() {
        let text = format!(
            "{HEADER}1,,,M,1995,,,\n2,محمد,Ali,M,1995,,,\n3,Keita,Awa,F,31/02/1990,,,\n4,Keita,Awa,Z,1990,,,\n5,Keita,Awa,F,hier,,,\n5,Keita,Awa,F,1990,,,\n"
        );
        let e = read(&text).unwrap_err();
        let InputError::Invalid(errors) = &e else { panic!("{e}") };
        let at: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.column.as_str())).collect();
        assert_eq!(
            at,
            vec![
                (2, "family_name"),
                (3, "family_name"),
                (4, "date_of_birth"),
                (5, "sex"),
                (6, "date_of_birth"),
                (7, "record_id")
            ]
        );
        let message = e.to_string();
        assert!(message.contains("line 4, column date_of_birth: \"31/02/1990\" is an impossible date"), "{message}");
        assert!(message.contains("not in Latin letters"), "{message}");
    }

    #[test]
    fn reports_ragged_rows() {
        let text = format!("{HEADER}1,Keita,Awa,F,1990,,,\n2,Keita,Awa\n");
        let e = read(&text).unwrap_err().to_string();
        assert!(e.starts_with("line 3:"), "{e}");
    }

    #[test]
    fn lenient_mode_reads_bad_values_as_missing() {
        let text = format!("{HEADER}1,Keita,Awa,F,19900231,,,\n");
        let options = ReadOptions { lenient: true, ..ReadOptions::default() };
        let input = read_records(text.as_bytes(), &options).unwrap();
        assert_eq!(input.records[0].birth, None);
        assert_eq!(input.ignored_values, 1);
    }

    #[test]
    fn outputs_appear_whole_or_not_at_all() {
        use crate::dedup::{dedup, Config};
        let dir = tempfile::tempdir().unwrap();
        let text = format!("{HEADER}a,Traoré,Mamadou,M,12/03/1990,76000001,Kayes,Kita\nb,Traore,Mahamadou,M,1990-03-12,76000001,Kayes,Kita\nc,Keita,Awa,F,1980,,Sikasso,Kadiolo\n");
        let input = read(&text).unwrap();
        let config = Config { params: Some(crate::model::Params::default()), ..Config::default() };
        let result = dedup(&input.records, &config, &|_, _, _| {});
        write_outputs(dir.path(), &input.records, &result).unwrap();
        let pairs = std::fs::read_to_string(dir.path().join("pairs.csv")).unwrap();
        assert!(pairs.starts_with("record_id_a,record_id_b,match_weight,match_probability\na,b,"), "{pairs}");
        let clusters = std::fs::read_to_string(dir.path().join("clusters.csv")).unwrap();
        assert_eq!(clusters, "record_id,person_id\na,P0000001\nb,P0000001\nc,P0000002\n");
        let leftovers: Vec<_> =
            std::fs::read_dir(dir.path()).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
        assert_eq!(leftovers.len(), 2, "{leftovers:?}");
        // An output folder that cannot be written leaves nothing behind.
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, "x").unwrap();
        assert!(write_outputs(&file, &input.records, &result).is_err());
    }
}
