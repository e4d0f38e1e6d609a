//! cnrm's services: the only code that changes data.
//!
//! Each service checks the actor's permission on the server, validates input into domain types,
//! and hands the change with its audit entry to the store, which writes both in one transaction.
//! The HTML pages and the JSON API call the same services, so both obey the same rules.

pub mod actor;
pub mod agreement_documents;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod cases;
pub mod catalogue;
pub mod conduct;
pub mod coordination;
pub mod counselling;
pub mod demo;
pub mod error;
pub mod exports;
pub mod family;
pub mod followups;
pub mod gaps;
pub mod identity;
pub mod indicators;
pub mod interventions;
pub mod organisations;
pub mod plans;
pub mod projects;
pub mod public;
pub mod reference;
pub mod referrals;
pub mod report;
pub mod settings;
pub mod surveys;
pub mod testing;
pub mod transfers;
pub mod users;
pub mod work;

pub use actor::Actor;
pub use error::AppError;

use cnrm_domain::throttle::ThrottlePolicy;
use cnrm_store::{Database, StoreError};
use std::sync::Arc;

/// Everything a service needs: the store and the platform's policies.
#[derive(Clone)]
pub struct App {
    pub db: Arc<dyn Database>,
    pub throttle: ThrottlePolicy,
    pub session: auth::SessionPolicy,
    /// The online identity index (built on first use, see `identity`).
    pub identity: Arc<identity::IdentityIndex>,
    /// The public page's figures, kept until the data change (see `public`).
    pub public: Arc<public::PublicCache>,
}

impl App {
    pub fn new(db: Arc<dyn Database>) -> App {
        App {
            db,
            throttle: ThrottlePolicy::default(),
            session: auth::SessionPolicy::default(),
            identity: Arc::new(identity::IdentityIndex::default()),
            public: Arc::new(public::PublicCache::default()),
        }
    }
}

/// Opens the database named by a URL: `postgres://…` (or `postgresql://…`) for PostgreSQL, anything
/// else (`sqlite:cnrm.sqlite3`, or a plain path) for an SQLite file.
pub async fn connect(url: &str) -> Result<Arc<dyn Database>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(cnrm_store_postgres::Store::connect(url, None).await?))
    } else {
        Ok(Arc::new(cnrm_store_sqlite::Store::connect(url).await?))
    }
}

/// Hides a URL's password before it is printed or logged.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_in_urls_are_hidden() {
        assert_eq!(super::redact_url("postgres://cnrm:s3cret@db:5432/cnrm"), "postgres://cnrm:***@db:5432/cnrm");
        assert_eq!(super::redact_url("postgres://postgres@127.0.0.1/test"), "postgres://postgres@127.0.0.1/test");
        assert_eq!(super::redact_url("sqlite:cnrm.sqlite3"), "sqlite:cnrm.sqlite3");
    }
}
