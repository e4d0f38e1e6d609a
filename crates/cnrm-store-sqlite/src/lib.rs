//! The SQLite backend: the embedded default, a single file with nothing to set up.
//!
//! The file runs in WAL mode (readers do not block the writer) with foreign keys enforced, a 32 MB
//! page cache per connection and memory-mapped reads.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

type Db = sqlx::Sqlite;
const BACKEND: cnrm_store::Backend = cnrm_store::Backend::Sqlite;

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
    /// Opens (creating if needed) the database at a `sqlite:` URL or a plain file path.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let url = if url.starts_with("sqlite:") { url.to_string() } else { format!("sqlite://{url}") };
        let options = SqliteConnectOptions::from_str(&url)
            .map_err(|e| StoreError::Backend(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // A national case register is hundreds of megabytes: the default 2 MB page cache makes
            // every search re-read the indexes from disk.
            .pragma("cache_size", "-32768")
            .pragma("mmap_size", "268435456");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Backend(format!("cannot open {url}: {e}")))?;
        Ok(Store { pool })
    }
}

/// Runs one statement outside the `Database` trait: maintenance and tests.
pub async fn execute(store: &Store, sql: &str) -> Result<(), StoreError> {
    sqlx::raw_sql(sql).execute(&store.pool).await.map(|_| ()).map_err(store_error)
}
