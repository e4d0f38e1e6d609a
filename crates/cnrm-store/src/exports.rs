//! What list exports read besides the list rows themselves.

use serde::Serialize;
use uuid::Uuid;

/// The details of one case that the case list does not show, for exports with a choice of fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CaseExportDetail {
    pub case_id: Uuid,
    pub other_names: String,
    /// The filiation: father's given name(s) and mother's full name (empty when not known).
    pub father_name: String,
    pub mother_name: String,
    /// ISO 3166-1 alpha-2.
    pub nationality: String,
    pub point_of_arrival: String,
    pub programme: String,
    pub occupation: String,
    pub skills: String,
    pub emergency_contact_name: String,
    pub emergency_contact_phone: String,
    /// International form, in the person's order.
    pub phones: Vec<String>,
    /// `(document type code, number)`, by type then number.
    pub documents: Vec<(String, String)>,
}
