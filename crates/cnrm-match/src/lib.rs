//! Identity resolution for registrations of returning migrants.
//!
//! The same returnee is often registered by IOM at the airport, then by an NGO in Kayes, then by
//! an employment agency, under spellings such as Traoré / Traore, Keïta / Keita, Coulibaly /
//! Kulibali, Mamadou / Mahamadou, with family and given names swapped, a birth date known only by
//! its year (or written 01/01), a new phone number. Generic tools do poorly on such data because a
//! handful of surnames cover a large share of the population. This crate finds those duplicates.
//!
//! Pure Rust and, except for the [`file`] module (CSV in and out), free of IO:
//! - [`normalize`]: Unicode folding, name tokens and particles, a West-African phonetic key, the
//!   given-name equivalence table (`data/given_names.csv`), phones, document numbers, dates;
//! - [`compare`]: field comparisons as discrete levels (names in either order, dates by precision,
//!   the parents' names of the filiation, which tell namesakes apart);
//! - [`model`]: the Fellegi–Sunter model, EM estimation, term-frequency adjustment, explanations,
//!   and the rule that what a household shares (phone, parents) never makes siblings one person;
//! - [`blocking`]: several blocking rules whose candidate pairs are unioned;
//! - [`cluster`]: persons from matched pairs, with a guard against chaining;
//! - [`dedup`]: the batch pipeline (parallel, for a million registrations);
//! - [`index`]: the online index (top candidates for a new registration, kept current).
//!
//! ```
//! use cnrm_match::{dedup, Config, Record};
//! let people = vec![
//!     Record { id: "a".into(), family_name: "Traoré".into(), given_name: "Mamadou".into(), phone: "76000001".into(), ..Record::default() },
//!     Record { id: "b".into(), family_name: "Mahamadou".into(), given_name: "TRAORE".into(), phone: "+223 76 00 00 01".into(), ..Record::default() },
//! ];
//! let config = Config { params: Some(cnrm_match::Params::default()), ..Config::default() };
//! let result = dedup(&people, &config, &|_, _, _| {});
//! assert_eq!(result.persons[0], result.persons[1]);
//! ```

// Fields and levels are parallel arrays indexed by number throughout the model code.
#![allow(clippy::needless_range_loop)]

pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod dedup;
pub mod file;
pub mod index;
pub mod model;
pub mod normalize;

pub use cluster::Guard;
pub use compare::Record;
pub use dedup::{dedup, Config, Dedup, ScoredPair, Stage};
pub use index::{Candidate, Index};
pub use model::{Explanation, Model, Params};
pub use normalize::{BirthDate, Sex};
