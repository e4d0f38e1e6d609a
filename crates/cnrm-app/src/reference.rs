//! Reference data loaded from files, versioned: the country's administrative units.
//!
//! The default country profile (Mali) is embedded in the binary so that a fresh platform needs
//! nothing else; another file can be loaded as a new version at any time (`cnrm import admin-units`).

use cnrm_store::{AdminUnit, ReferenceDataset};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashSet;

use crate::actor::system_event;
use crate::{Actor, App, AppError};

pub const ADMIN_UNITS: &str = "admin_units";
pub const DEFAULT_ADMIN_UNITS: &[u8] = include_bytes!("../../../data/mali/admin_units.csv");
pub const DEFAULT_ADMIN_UNITS_VERSION: &str = "mali-ocha-codab-2024";

/// A problem in a reference file, with the line it is on (1 = header).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct FileError {
    pub line: usize,
    pub message: String,
}

/// Parses `level,pcode,parent_pcode,iso_3166_2,name` rows and checks the hierarchy.
pub fn parse_admin_units(bytes: &[u8]) -> Result<Vec<AdminUnit>, Vec<FileError>> {
    let mut reader = csv::Reader::from_reader(bytes);
    let mut errors = Vec::new();
    let headers = reader.headers().map(|h| h.iter().map(str::to_string).collect::<Vec<_>>()).unwrap_or_default();
    let expected = ["level", "pcode", "parent_pcode", "iso_3166_2", "name"];
    if headers != expected {
        return Err(vec![FileError { line: 1, message: format!("expected the columns {}", expected.join(",")) }]);
    }
    let mut units: Vec<AdminUnit> = Vec::new();
    let mut seen = HashSet::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(FileError { line, message: e.to_string() });
                continue;
            }
        };
        let field = |i: usize| record.get(i).unwrap_or("").trim().to_string();
        let level = match field(0).parse::<i64>() {
            Ok(l) if (1..=4).contains(&l) => l,
            _ => {
                errors.push(FileError { line, message: format!("level {:?} is not 1 to 4", field(0)) });
                continue;
            }
        };
        let pcode = field(1);
        if pcode.is_empty() || !pcode.chars().all(|c| c.is_ascii_alphanumeric()) {
            errors.push(FileError { line, message: format!("pcode {pcode:?} must be letters and digits") });
            continue;
        }
        if !seen.insert(pcode.clone()) {
            errors.push(FileError { line, message: format!("pcode {pcode} appears twice") });
            continue;
        }
        let parent = Some(field(2)).filter(|p| !p.is_empty());
        match (&parent, level) {
            (None, 1) => {}
            (Some(p), l) if l > 1 && units.iter().any(|u| &u.pcode == p && u.level == l - 1) => {}
            _ => {
                errors.push(FileError {
                    line,
                    message: format!(
                        "parent {:?} is not a unit of level {} listed above",
                        parent.clone().unwrap_or_default(),
                        level - 1
                    ),
                });
                continue;
            }
        }
        let name = field(4);
        if name.is_empty() {
            errors.push(FileError { line, message: "name is empty".into() });
            continue;
        }
        units.push(AdminUnit {
            pcode,
            level,
            parent_pcode: parent,
            iso_3166_2: Some(field(3)).filter(|s| !s.is_empty()),
            name,
            dataset_version: String::new(),
            current: true,
        });
    }
    if units.is_empty() && errors.is_empty() {
        errors.push(FileError { line: 1, message: "the file lists no unit".into() });
    }
    if errors.is_empty() {
        Ok(units)
    } else {
        Err(errors)
    }
}

/// Loads a version of the admin units unless the same content is already loaded.
/// Returns whether anything was loaded.
pub async fn load_admin_units(
    app: &App,
    actor: Option<&Actor>,
    bytes: &[u8],
    version: &str,
) -> Result<bool, LoadError> {
    if let Some(actor) = actor {
        actor.require(cnrm_domain::Permission::PlatformConfigure)?;
    }
    let units = parse_admin_units(bytes).map_err(LoadError::File)?;
    let sha256 = hex::encode(Sha256::digest(bytes));
    if app.db.reference_dataset(ADMIN_UNITS).await?.is_some_and(|d| d.sha256 == sha256) {
        return Ok(false);
    }
    let dataset = ReferenceDataset {
        name: ADMIN_UNITS.into(),
        version: version.into(),
        sha256,
        loaded_at: cnrm_store::new_id_and_time().1,
    };
    let details = json!({ "version": version, "units": units.len(), "sha256": dataset.sha256 });
    let event = match actor {
        Some(actor) => actor.event("reference_data.load", "reference_dataset", Some(ADMIN_UNITS.into()), details),
        None => system_event("reference_data.load", "reference_dataset", Some(ADMIN_UNITS.into()), details),
    };
    app.db.load_admin_units(&dataset, &units, &event).await?;
    Ok(true)
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the file has errors:\n{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    File(Vec<FileError>),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<cnrm_store::StoreError> for LoadError {
    fn from(e: cnrm_store::StoreError) -> Self {
        LoadError::App(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_mali_profile_parses() {
        let units = parse_admin_units(DEFAULT_ADMIN_UNITS).unwrap();
        assert!(units.iter().any(|u| u.pcode == "ML09" && u.level == 1));
        assert!(units.iter().filter(|u| u.level == 2).all(|u| u.parent_pcode.is_some()));
        assert!(units.len() > 50);
    }

    #[test]
    fn errors_name_the_line() {
        let file = b"level,pcode,parent_pcode,iso_3166_2,name\n1,ML01,,ML-1,Kayes\n2,ML0101,ML99,,Kayes\n1,ML01,,,Again\n3,X,,,\n";
        let errors = parse_admin_units(file).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3, 4, 5]);
        assert!(errors[0].message.contains("ML99"));
        assert!(parse_admin_units(b"a,b\n1,2\n").unwrap_err()[0].message.contains("expected the columns"));
    }
}
