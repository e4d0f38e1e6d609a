//! The PostgreSQL backend, for production.
//!
//! A `schema` can be given so that several isolated instances (tests, staging) share one database.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

type Db = sqlx::Postgres;
const BACKEND: cnrm_store::Backend = cnrm_store::Backend::Postgres;

include!("../../cnrm-store/shared/queries.rs");
include!("../../cnrm-store/shared/cases.rs");
include!("../../cnrm-store/shared/referrals.rs");
include!("../../cnrm-store/shared/attachments.rs");
include!("../../cnrm-store/shared/counselling.rs");
include!("../../cnrm-store/shared/surveys.rs");
include!("../../cnrm-store/shared/household.rs");
include!("../../cnrm-store/shared/transfers.rs");
include!("../../cnrm-store/shared/projects.rs");
include!("../../cnrm-store/shared/interventions.rs");
include!("../../cnrm-store/shared/coordination.rs");
include!("../../cnrm-store/shared/catalogue.rs");
include!("../../cnrm-store/shared/identity.rs");
include!("../../cnrm-store/shared/gaps.rs");
include!("../../cnrm-store/shared/exports.rs");
include!("../../cnrm-store/shared/indicators.rs");
include!("../../cnrm-store/shared/case_facts.rs");

impl Store {
    /// Connects to a `postgres://` URL; with `schema`, every connection works inside that schema.
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<Store, StoreError> {
        let mut options = PgConnectOptions::from_str(url).map_err(|e| StoreError::Backend(e.to_string()))?;
        if let Some(schema) = schema {
            options = options.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Backend(format!("cannot connect to PostgreSQL: {e}")))?;
        Ok(Store { pool })
    }
}

/// Runs one statement outside the `Database` trait: schema management for tests and tooling.
pub async fn execute(store: &Store, sql: &str) -> Result<(), StoreError> {
    sqlx::raw_sql(sql).execute(&store.pool).await.map(|_| ()).map_err(store_error)
}
