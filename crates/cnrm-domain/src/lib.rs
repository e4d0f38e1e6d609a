//! Domain rules of the cnrm platform.
//!
//! This crate holds what the platform *decides* — who may do what, what a valid organisation or
//! account is, how the audit chain is hashed, when an account is locked — with no IO at all, so
//! that every rule can be unit-tested and reused by the storage, service and web layers alike.

pub mod assessment;
pub mod attachment;
pub mod audit;
pub mod case_facts;
pub mod case_number;
pub mod consent;
pub mod contact;
pub mod coordination;
pub mod disclosure;
pub mod export_fields;
pub mod family;
pub mod followup;
pub mod gaps;
pub mod identity;
pub mod indicators;
pub mod intervention;
pub mod lifecycle;
pub mod locale;
pub mod organisation;
pub mod paging;
pub mod person;
pub mod project;
pub mod questionnaire;
pub mod report;
pub mod roles;
pub mod service;
pub mod sharing;
pub mod survey;
pub mod throttle;
pub mod transfer;
pub mod user;
pub mod validation;
pub mod vulnerability;

pub use locale::Locale;
pub use roles::{Permission, Role, Scope};
pub use validation::{FieldError, FieldErrors};
