// The one implementation of `cnrm_store::Database`, compiled once per backend.
//
// Each backend crate defines `type Db` (its sqlx driver) and `BACKEND`, then `include!`s this file.
// Only SQL both engines accept belongs here: `$N` parameters, `RETURNING`, `ON CONFLICT`, no time
// comparisons (see the crate docs), and every transaction starts with a write so SQLite takes its
// write lock first instead of failing to upgrade a read lock.

use cnrm_domain::audit::{entry_hash, AuditEntry, AuditEvent};
use cnrm_domain::organisation::OrganisationType;
use cnrm_domain::paging::{Page, PageRequest};
use cnrm_domain::{Locale, Role};
use cnrm_store::*;
use sqlx::{FromRow, Transaction};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The backend's store: a connection pool.
#[derive(Clone, Debug)]
pub struct Store {
    pub pool: sqlx::Pool<Db>,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

fn store_error(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict(d.constraint().map(str::to_string).unwrap_or_else(|| d.message().to_string()))
        }
        _ => StoreError::Backend(e.to_string()),
    }
}

/// `Conflict("stale")` unless a guarded write touched a row: an `UPDATE … WHERE version = $n` (or
/// another condition on the state read) that someone else's save got to first.
fn stale_unless_written(written: <Db as sqlx::Database>::QueryResult) -> StoreResult<()> {
    if written.rows_affected() == 0 {
        return Err(StoreError::Conflict("stale".into()));
    }
    Ok(())
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Backend(format!("unreadable {what} in the database: {value:?}"))
}

/// `$from, $from+1, …` placeholders for an `IN (…)` list.
fn placeholders(from: usize, count: usize) -> String {
    (from..from + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

fn like_pattern(search: &Option<String>) -> Option<String> {
    search.as_ref().map(|s| format!("%{}%", s.replace(['\\', '%', '_'], "")))
}

/// Lower-cased text that list filters match against, the same on both engines.
pub fn search_key(parts: &[&str]) -> String {
    parts.join(" ").to_lowercase()
}

async fn append_audit_in(tx: &mut Transaction<'_, Db>, event: &AuditEvent) -> StoreResult<()> {
    let (seq, prev_hash): (i64, String) =
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut **tx)
            .await
            .map_err(store_error)?;
    let (id, at) = new_id_and_time();
    let hash = entry_hash(&prev_hash, seq, id, at, event);
    sqlx::query(
        "INSERT INTO audit_log (seq, id, at, actor_user_id, actor_username, actor_organisation_id, action, \
         entity_type, entity_id, details, ip, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(seq)
    .bind(id)
    .bind(at)
    .bind(event.actor_user_id)
    .bind(&event.actor_username)
    .bind(event.actor_organisation_id)
    .bind(&event.action)
    .bind(&event.entity_type)
    .bind(&event.entity_id)
    .bind(&event.details)
    .bind(&event.ip)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await
    .map_err(store_error)?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut **tx)
        .await
        .map_err(store_error)?;
    Ok(())
}

#[derive(FromRow)]
struct OrganisationRow {
    id: Uuid,
    name: String,
    acronym: String,
    kind: String,
    contact_name: String,
    contact_email: String,
    contact_phone: String,
    active: bool,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl OrganisationRow {
    fn into_organisation(self, regions: Vec<String>) -> StoreResult<Organisation> {
        Ok(Organisation {
            id: self.id,
            kind: OrganisationType::parse(&self.kind).ok_or_else(|| corrupt("organisation type", &self.kind))?,
            name: self.name,
            acronym: self.acronym,
            regions,
            contact_name: self.contact_name,
            contact_email: self.contact_email,
            contact_phone: self.contact_phone,
            active: self.active,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const ORGANISATION_COLUMNS: &str =
    "id, name, acronym, kind, contact_name, contact_email, contact_phone, active, created_at, updated_at";

#[derive(FromRow)]
struct UserRow {
    id: Uuid,
    organisation_id: Uuid,
    username: String,
    display_name: String,
    email: String,
    role: String,
    team: Option<String>,
    locale: String,
    password_hash: String,
    must_change_password: bool,
    disabled: bool,
    conduct_version_accepted: Option<i64>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    last_login_at: Option<OffsetDateTime>,
}

const USER_COLUMNS: &str = "id, organisation_id, username, display_name, email, role, team, locale, password_hash, \
     must_change_password, disabled, conduct_version_accepted, created_at, updated_at, last_login_at";

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> StoreResult<User> {
        Ok(User {
            id: r.id,
            organisation_id: r.organisation_id,
            role: Role::parse(&r.role).ok_or_else(|| corrupt("role", &r.role))?,
            locale: Locale::parse(&r.locale).unwrap_or_default(),
            username: r.username,
            display_name: r.display_name,
            email: r.email,
            team: r.team,
            password_hash: r.password_hash,
            must_change_password: r.must_change_password,
            disabled: r.disabled,
            conduct_version_accepted: r.conduct_version_accepted,
            created_at: r.created_at,
            updated_at: r.updated_at,
            last_login_at: r.last_login_at,
        })
    }
}

#[derive(FromRow)]
struct SessionRow {
    token_hash: String,
    user_id: Uuid,
    csrf_token: String,
    created_at: OffsetDateTime,
    last_seen_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    ip: String,
    user_agent: String,
}

#[derive(FromRow)]
struct ApiTokenRow {
    id: Uuid,
    user_id: Uuid,
    name: String,
    prefix: String,
    token_hash: String,
    created_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    revoked_at: Option<OffsetDateTime>,
    last_used_at: Option<OffsetDateTime>,
}

impl From<ApiTokenRow> for ApiToken {
    fn from(r: ApiTokenRow) -> ApiToken {
        ApiToken {
            id: r.id,
            user_id: r.user_id,
            name: r.name,
            prefix: r.prefix,
            token_hash: r.token_hash,
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            last_used_at: r.last_used_at,
        }
    }
}

#[derive(FromRow)]
struct AuditRow {
    seq: i64,
    id: Uuid,
    at: OffsetDateTime,
    actor_user_id: Option<Uuid>,
    actor_username: String,
    actor_organisation_id: Option<Uuid>,
    action: String,
    entity_type: String,
    entity_id: Option<String>,
    details: String,
    ip: Option<String>,
    prev_hash: String,
    hash: String,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> AuditEntry {
        AuditEntry {
            seq: r.seq,
            id: r.id,
            at: r.at,
            actor_user_id: r.actor_user_id,
            actor_username: r.actor_username,
            actor_organisation_id: r.actor_organisation_id,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            details: r.details,
            ip: r.ip,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

const AUDIT_COLUMNS: &str = "seq, id, at, actor_user_id, actor_username, actor_organisation_id, action, entity_type, \
     entity_id, details, ip, prev_hash, hash";

impl Store {
    async fn regions_of(&self, ids: &[Uuid]) -> StoreResult<Vec<(Uuid, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT organisation_id, pcode FROM organisation_regions WHERE organisation_id IN ({}) ORDER BY pcode",
            placeholders(1, ids.len())
        );
        let mut query = sqlx::query_as::<_, (Uuid, String)>(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        query.fetch_all(&self.pool).await.map_err(store_error)
    }

    async fn with_regions(&self, rows: Vec<OrganisationRow>) -> StoreResult<Vec<Organisation>> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let regions = self.regions_of(&ids).await?;
        rows.into_iter()
            .map(|row| {
                let mine = regions.iter().filter(|(id, _)| *id == row.id).map(|(_, p)| p.clone()).collect();
                row.into_organisation(mine)
            })
            .collect()
    }

    async fn write_regions(tx: &mut Transaction<'_, Db>, org: &Organisation) -> StoreResult<()> {
        sqlx::query("DELETE FROM organisation_regions WHERE organisation_id = $1")
            .bind(org.id)
            .execute(&mut **tx)
            .await
            .map_err(store_error)?;
        for pcode in &org.regions {
            sqlx::query("INSERT INTO organisation_regions (organisation_id, pcode) VALUES ($1, $2)")
                .bind(org.id)
                .bind(pcode)
                .execute(&mut **tx)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    async fn count(&self, sql: &str, only: Option<Uuid>, pattern: &Option<String>) -> StoreResult<i64> {
        sqlx::query_scalar::<_, i64>(sql)
            .bind(only)
            .bind(pattern)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)
    }
}

fn order_by(page: &PageRequest, columns: &[(&str, &str)]) -> String {
    let column = columns.iter().find(|(key, _)| *key == page.sort).map(|(_, c)| *c).unwrap_or(columns[0].1);
    let dir = if page.descending { "DESC" } else { "ASC" };
    format!("ORDER BY {column} {dir}, id {dir}")
}

#[async_trait::async_trait]
impl Database for Store {
    fn backend(&self) -> Backend {
        BACKEND
    }

    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await.map_err(|e| StoreError::Backend(e.to_string()))?;
        self.fill_case_facts_if_missing().await
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(store_error).map(|_| ())
    }

    async fn analyze(&self) -> StoreResult<()> {
        // PostgreSQL answers lists from the search index alone only for pages VACUUM has marked
        // all-visible; right after a bulk load none are.
        let sql = if BACKEND == Backend::Postgres { "VACUUM (ANALYZE)" } else { "ANALYZE" };
        sqlx::query(sql).execute(&self.pool).await.map_err(store_error).map(|_| ())
    }

    async fn reference_dataset(&self, name: &str) -> StoreResult<Option<ReferenceDataset>> {
        let row: Option<(String, String, String, OffsetDateTime)> =
            sqlx::query_as("SELECT name, version, sha256, loaded_at FROM reference_datasets WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(row.map(|(name, version, sha256, loaded_at)| ReferenceDataset { name, version, sha256, loaded_at }))
    }

    async fn load_admin_units(&self, dataset: &ReferenceDataset, units: &[AdminUnit], audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(
            "INSERT INTO reference_datasets (name, version, sha256, loaded_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO UPDATE SET version = excluded.version, sha256 = excluded.sha256, loaded_at = excluded.loaded_at",
        )
        .bind(&dataset.name)
        .bind(&dataset.version)
        .bind(&dataset.sha256)
        .bind(dataset.loaded_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        sqlx::query("UPDATE admin_units SET current = FALSE").execute(&mut *tx).await.map_err(store_error)?;
        for unit in units {
            sqlx::query(
                "INSERT INTO admin_units (pcode, level, parent_pcode, iso_3166_2, name, dataset_version, current) \
                 VALUES ($1, $2, $3, $4, $5, $6, TRUE) \
                 ON CONFLICT (pcode) DO UPDATE SET level = excluded.level, parent_pcode = excluded.parent_pcode, \
                 iso_3166_2 = excluded.iso_3166_2, name = excluded.name, dataset_version = excluded.dataset_version, current = TRUE",
            )
            .bind(&unit.pcode)
            .bind(unit.level)
            .bind(&unit.parent_pcode)
            .bind(&unit.iso_3166_2)
            .bind(&unit.name)
            .bind(&dataset.version)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        append_audit_in(&mut tx, audit).await?;
        // A new geography may move cercles between regions: the case facts follow (shared/case_facts.rs).
        rebuild_case_facts_in(&mut tx).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn admin_units(&self) -> StoreResult<Vec<AdminUnit>> {
        let rows: Vec<(String, i64, Option<String>, Option<String>, String, String, bool)> = sqlx::query_as(
            "SELECT pcode, level, parent_pcode, iso_3166_2, name, dataset_version, current FROM admin_units ORDER BY pcode",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|(pcode, level, parent_pcode, iso_3166_2, name, dataset_version, current)| AdminUnit {
                pcode,
                level,
                parent_pcode,
                iso_3166_2,
                name,
                dataset_version,
                current,
            })
            .collect())
    }

    async fn save_organisation(&self, org: &Organisation, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(
            "INSERT INTO organisations (id, name, name_key, acronym, kind, contact_name, contact_email, contact_phone, \
             active, search_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key, \
             acronym = excluded.acronym, kind = excluded.kind, contact_name = excluded.contact_name, \
             contact_email = excluded.contact_email, contact_phone = excluded.contact_phone, active = excluded.active, \
             search_key = excluded.search_key, updated_at = excluded.updated_at",
        )
        .bind(org.id)
        .bind(&org.name)
        .bind(org.name.to_lowercase())
        .bind(&org.acronym)
        .bind(org.kind.code())
        .bind(&org.contact_name)
        .bind(&org.contact_email)
        .bind(&org.contact_phone)
        .bind(org.active)
        .bind(search_key(&[&org.name, &org.acronym]))
        .bind(org.created_at)
        .bind(org.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        Self::write_regions(&mut tx, org).await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn organisation(&self, id: Uuid) -> StoreResult<Option<Organisation>> {
        let sql = format!("SELECT {ORGANISATION_COLUMNS} FROM organisations WHERE id = $1");
        let row: Option<OrganisationRow> =
            sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        match row {
            None => Ok(None),
            Some(row) => Ok(self.with_regions(vec![row]).await?.pop()),
        }
    }

    async fn organisations(&self, only: Option<Uuid>, page: &PageRequest) -> StoreResult<Page<Organisation>> {
        let filter = "WHERE ($1 IS NULL OR id = $1) AND ($2 IS NULL OR search_key LIKE $2)";
        let pattern = like_pattern(&page.search);
        let total = self.count(&format!("SELECT COUNT(*) FROM organisations {filter}"), only, &pattern).await?;
        let order = order_by(page, &[("name", "name_key"), ("acronym", "acronym"), ("type", "kind"), ("created", "id")]);
        let sql = format!("SELECT {ORGANISATION_COLUMNS} FROM organisations {filter} {order} LIMIT $3 OFFSET $4");
        let rows: Vec<OrganisationRow> = sqlx::query_as(&sql)
            .bind(only)
            .bind(&pattern)
            .bind(page.per_page)
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(Page { items: self.with_regions(rows).await?, total, page: page.page, per_page: page.per_page })
    }

    async fn organisation_names(&self) -> StoreResult<Vec<OrganisationName>> {
        let rows: Vec<(Uuid, String, String)> =
            sqlx::query_as("SELECT id, name, acronym FROM organisations ORDER BY name_key")
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(rows.into_iter().map(|(id, name, acronym)| OrganisationName { id, name, acronym }).collect())
    }

    async fn save_user(&self, user: &User, end_sessions: bool, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        // The username, creation time and last login never change through a save.
        sqlx::query(
            "INSERT INTO users (id, organisation_id, username, display_name, email, role, team, locale, password_hash, \
             must_change_password, disabled, conduct_version_accepted, search_key, created_at, updated_at, last_login_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             ON CONFLICT (id) DO UPDATE SET organisation_id = excluded.organisation_id, \
             display_name = excluded.display_name, email = excluded.email, role = excluded.role, team = excluded.team, \
             locale = excluded.locale, password_hash = excluded.password_hash, \
             must_change_password = excluded.must_change_password, disabled = excluded.disabled, \
             conduct_version_accepted = excluded.conduct_version_accepted, search_key = excluded.search_key, \
             updated_at = excluded.updated_at",
        )
        .bind(user.id)
        .bind(user.organisation_id)
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(&user.email)
        .bind(user.role.code())
        .bind(&user.team)
        .bind(user.locale.code())
        .bind(&user.password_hash)
        .bind(user.must_change_password)
        .bind(user.disabled)
        .bind(user.conduct_version_accepted)
        .bind(search_key(&[&user.username, &user.display_name, &user.email]))
        .bind(user.created_at)
        .bind(user.updated_at)
        .bind(user.last_login_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if end_sessions {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user.id)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn user(&self, id: Uuid) -> StoreResult<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row: Option<UserRow> = sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.map(User::try_from).transpose()
    }

    async fn user_display_names(&self, ids: &[Uuid]) -> StoreResult<Vec<(Uuid, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!("SELECT id, display_name FROM users WHERE id IN ({})", placeholders(1, ids.len()));
        let mut query = sqlx::query_as::<_, (Uuid, String)>(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        query.fetch_all(&self.pool).await.map_err(store_error)
    }

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1");
        let row: Option<UserRow> =
            sqlx::query_as(&sql).bind(username).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.map(User::try_from).transpose()
    }

    async fn users(&self, only: Option<Uuid>, page: &PageRequest) -> StoreResult<Page<User>> {
        let filter = "WHERE ($1 IS NULL OR organisation_id = $1) AND ($2 IS NULL OR search_key LIKE $2)";
        let pattern = like_pattern(&page.search);
        let total = self.count(&format!("SELECT COUNT(*) FROM users {filter}"), only, &pattern).await?;
        let order = order_by(
            page,
            &[("username", "username"), ("name", "display_name"), ("role", "role"), ("created", "id")],
        );
        let sql = format!("SELECT {USER_COLUMNS} FROM users {filter} {order} LIMIT $3 OFFSET $4");
        let rows: Vec<UserRow> = sqlx::query_as(&sql)
            .bind(only)
            .bind(&pattern)
            .bind(page.per_page)
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        let items = rows.into_iter().map(User::try_from).collect::<StoreResult<_>>()?;
        Ok(Page { items, total, page: page.page, per_page: page.per_page })
    }

    async fn count_users(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&self.pool).await.map_err(store_error)
    }

    async fn record_login_attempt(&self, attempt: &LoginAttempt, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        insert_login_attempt(&mut tx, attempt).await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn recent_login_failures(&self, username: &str, ip: &str, since: OffsetDateTime) -> StoreResult<(i64, i64)> {
        let floor = uuid_v7_floor(since);
        // Failures since the last success: a successful login clears the count.
        let recent: Vec<bool> = sqlx::query_scalar(
            "SELECT succeeded FROM login_attempts WHERE username = $1 AND id >= $2 ORDER BY id DESC LIMIT 100",
        )
        .bind(username)
        .bind(floor)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let by_account = recent.iter().take_while(|succeeded| !**succeeded).count() as i64;
        let by_ip: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM login_attempts WHERE ip = $1 AND id >= $2 AND NOT succeeded")
                .bind(ip)
                .bind(floor)
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?;
        Ok((by_account, by_ip))
    }

    async fn open_session(&self, attempt: &LoginAttempt, session: &Session, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        insert_login_attempt(&mut tx, attempt).await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&session.token_hash)
        .bind(session.user_id)
        .bind(&session.csrf_token)
        .bind(session.created_at)
        .bind(session.last_seen_at)
        .bind(session.expires_at)
        .bind(&session.ip)
        .bind(&session.user_agent)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        sqlx::query("UPDATE users SET last_login_at = $2 WHERE id = $1")
            .bind(session.user_id)
            .bind(session.created_at)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn session(&self, token_hash: &str) -> StoreResult<Option<Session>> {
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent \
             FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(row.map(|r| Session {
            token_hash: r.token_hash,
            user_id: r.user_id,
            csrf_token: r.csrf_token,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
            expires_at: r.expires_at,
            ip: r.ip,
            user_agent: r.user_agent,
        }))
    }

    async fn touch_session(&self, token_hash: &str, at: OffsetDateTime, expires_at: OffsetDateTime) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE token_hash = $1")
            .bind(token_hash)
            .bind(at)
            .bind(expires_at)
            .execute(&self.pool)
            .await
            .map_err(store_error)
            .map(|_| ())
    }

    async fn close_session(&self, token_hash: &str, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn insert_api_token(&self, token: &ApiToken, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, prefix, token_hash, created_at, expires_at, revoked_at, last_used_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(token.id)
        .bind(token.user_id)
        .bind(&token.name)
        .bind(&token.prefix)
        .bind(&token.token_hash)
        .bind(token.created_at)
        .bind(token.expires_at)
        .bind(token.revoked_at)
        .bind(token.last_used_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn api_token_by_hash(&self, token_hash: &str) -> StoreResult<Option<ApiToken>> {
        let row: Option<ApiTokenRow> = sqlx::query_as(
            "SELECT id, user_id, name, prefix, token_hash, created_at, expires_at, revoked_at, last_used_at \
             FROM api_tokens WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(row.map(ApiToken::from))
    }

    async fn api_tokens_of(&self, user_id: Uuid) -> StoreResult<Vec<ApiToken>> {
        let rows: Vec<ApiTokenRow> = sqlx::query_as(
            "SELECT id, user_id, name, prefix, token_hash, created_at, expires_at, revoked_at, last_used_at \
             FROM api_tokens WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(rows.into_iter().map(ApiToken::from).collect())
    }

    async fn revoke_api_token(&self, id: Uuid, at: OffsetDateTime, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let updated = sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn touch_api_token(&self, id: Uuid, at: OffsetDateTime) -> StoreResult<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
            .bind(id)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(store_error)
            .map(|_| ())
    }

    async fn current_code_of_conduct(&self) -> StoreResult<Option<CodeOfConduct>> {
        let row: Option<(i64, String, String, OffsetDateTime, Option<Uuid>)> = sqlx::query_as(
            "SELECT version, text_fr, text_en, created_at, created_by FROM codes_of_conduct ORDER BY version DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(row.map(|(version, text_fr, text_en, created_at, created_by)| CodeOfConduct {
            version,
            text_fr,
            text_en,
            created_at,
            created_by,
        }))
    }

    async fn insert_code_of_conduct(&self, code: &CodeOfConduct, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(
            "INSERT INTO codes_of_conduct (version, text_fr, text_en, created_at, created_by) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(code.version)
        .bind(&code.text_fr)
        .bind(&code.text_en)
        .bind(code.created_at)
        .bind(code.created_by)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn accept_code_of_conduct(&self, user_id: Uuid, version: i64, at: OffsetDateTime, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(
            "INSERT INTO conduct_acceptances (user_id, version, accepted_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, version) DO NOTHING",
        )
        .bind(user_id)
        .bind(version)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        sqlx::query("UPDATE users SET conduct_version_accepted = $2 WHERE id = $1")
            .bind(user_id)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        append_audit_in(&mut tx, event).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn audit_entries(&self, filter: &AuditFilter, page: &PageRequest) -> StoreResult<Page<AuditEntry>> {
        let clause = "WHERE ($1 IS NULL OR actor_organisation_id = $1) AND ($2 IS NULL OR action LIKE $2) \
                      AND ($3 IS NULL OR actor_username LIKE $3) AND ($4 IS NULL OR entity_id = $4)";
        let action = filter.action_prefix.as_ref().map(|a| format!("{}%", a.replace('%', "")));
        let actor = like_pattern(&filter.actor.as_ref().map(|a| a.to_lowercase()));
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM audit_log {clause}"))
            .bind(filter.organisation_id)
            .bind(&action)
            .bind(&actor)
            .bind(&filter.entity_id)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        let dir = if page.descending { "DESC" } else { "ASC" };
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log {clause} ORDER BY seq {dir} LIMIT $5 OFFSET $6");
        let rows: Vec<AuditRow> = sqlx::query_as(&sql)
            .bind(filter.organisation_id)
            .bind(&action)
            .bind(&actor)
            .bind(&filter.entity_id)
            .bind(page.per_page)
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(Page { items: rows.into_iter().map(AuditEntry::from).collect(), total, page: page.page, per_page: page.per_page })
    }

    async fn audit_chain(&self, after: i64, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
        let rows: Vec<AuditRow> =
            sqlx::query_as(&sql).bind(after).bind(limit).fetch_all(&self.pool).await.map_err(store_error)?;
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }

    async fn recent_audit(
        &self,
        action: &str,
        organisation_id: Uuid,
        since: OffsetDateTime,
        limit: i64,
    ) -> StoreResult<Vec<AuditEntry>> {
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE action = $1 AND actor_organisation_id = $2 AND id >= $3 \
             ORDER BY seq DESC LIMIT $4"
        );
        let rows: Vec<AuditRow> = sqlx::query_as(&sql)
            .bind(action)
            .bind(organisation_id)
            .bind(uuid_v7_floor(since))
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }

    async fn create_case(&self, new: &NewCase, audit: &AuditEvent) -> StoreResult<String> {
        self.create_case_impl(new, audit).await
    }

    async fn case_file(&self, id: Uuid) -> StoreResult<Option<CaseFile>> {
        self.case_file_impl(id).await
    }

    async fn cases(&self, scope: &CaseScope, filter: &CaseFilter, page: &PageRequest) -> StoreResult<Page<CaseSummary>> {
        self.cases_impl(scope, filter, page).await
    }

    async fn case_export_details(&self, ids: &[Uuid]) -> StoreResult<Vec<CaseExportDetail>> {
        self.case_export_details_impl(ids).await
    }

    async fn survey_submissions_of_cases(&self, ids: &[Uuid]) -> StoreResult<Vec<SurveySubmission>> {
        self.survey_submissions_of_cases_impl(ids).await
    }

    async fn update_person(&self, person: &PersonRecord, audit: &AuditEvent) -> StoreResult<()> {
        self.update_person_impl(person, audit).await
    }

    async fn update_case(&self, case: &CaseRecord, flags: Option<&[StoredFlag]>, tasks: &[Task], audit: &AuditEvent) -> StoreResult<()> {
        self.update_case_impl(case, flags, tasks, audit).await
    }

    async fn add_consent(&self, consent: &StoredConsent, audit: &AuditEvent) -> StoreResult<()> {
        self.add_consent_impl(consent, audit).await
    }

    async fn withdraw_consent(&self, id: Uuid, on: Date, by: Uuid, audit: &AuditEvent) -> StoreResult<()> {
        self.withdraw_consent_impl(id, on, by, audit).await
    }

    async fn document_holder(&self, doc_type: &str, number_key: &str) -> StoreResult<Option<Uuid>> {
        self.document_holder_impl(doc_type, number_key).await
    }

    async fn bulk_insert_cases(&self, batch: &[NewCase], audit: &AuditEvent) -> StoreResult<()> {
        self.bulk_insert_cases_impl(batch, audit).await
    }

    async fn plan_of_case(&self, case_id: Uuid) -> StoreResult<Option<PlanFile>> {
        self.plan_of_case_impl(case_id).await
    }

    async fn save_plan(&self, plan: &Plan, items: &[PlanItem], tasks: &[Task], audit: &AuditEvent) -> StoreResult<()> {
        self.save_plan_impl(plan, items, tasks, audit).await
    }

    async fn open_tasks(&self, organisation_id: Uuid, until: Date, limit: i64) -> StoreResult<Vec<QueuedTask>> {
        self.open_tasks_impl(organisation_id, until, limit).await
    }

    async fn plans_awaiting_approval(&self, organisation_id: Uuid, limit: i64) -> StoreResult<Vec<PendingPlan>> {
        self.plans_awaiting_approval_impl(organisation_id, limit).await
    }

    async fn insert_referral(&self, referral: &Referral, audit: &AuditEvent) -> StoreResult<()> {
        self.insert_referral_impl(referral, audit).await
    }

    async fn referral(&self, id: Uuid) -> StoreResult<Option<Referral>> {
        self.referral_impl(id).await
    }

    async fn referrals_of_case(&self, case_id: Uuid) -> StoreResult<Vec<Referral>> {
        self.referrals_of_case_impl(case_id).await
    }

    async fn referrals_to(
        &self,
        organisation_id: Uuid,
        status: Option<cnrm_domain::lifecycle::referral::ReferralStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<Referral>> {
        self.referrals_to_impl(organisation_id, status, page).await
    }

    async fn update_referral(&self, referral: &Referral, audit: &AuditEvent) -> StoreResult<()> {
        self.update_referral_impl(referral, audit).await
    }

    async fn cases_of_person(&self, person_id: Uuid) -> StoreResult<Vec<CaseRecord>> {
        self.cases_of_person_impl(person_id).await
    }

    async fn insert_transfer(&self, transfer: &Transfer, audit: &AuditEvent) -> StoreResult<()> {
        self.insert_transfer_impl(transfer, audit).await
    }

    async fn transfer(&self, id: Uuid) -> StoreResult<Option<Transfer>> {
        self.transfer_impl(id).await
    }

    async fn transfers_of_case(&self, case_id: Uuid) -> StoreResult<Vec<Transfer>> {
        self.transfers_of_case_impl(case_id).await
    }

    async fn transfers_of_organisation(
        &self,
        organisation_id: Uuid,
        direction: TransferDirection,
        pending_only: bool,
        limit: i64,
    ) -> StoreResult<Vec<Transfer>> {
        self.transfers_of_organisation_impl(organisation_id, direction, pending_only, limit).await
    }

    async fn update_transfer(&self, transfer: &Transfer, audit: &AuditEvent) -> StoreResult<()> {
        self.update_transfer_impl(transfer, audit).await
    }

    async fn accept_transfer(
        &self,
        transfer: &Transfer,
        number_prefix: &str,
        year: i32,
        audit: &AuditEvent,
    ) -> StoreResult<String> {
        self.accept_transfer_impl(transfer, number_prefix, year, audit).await
    }

    // Collective projects (shared/projects.rs).
    async fn insert_project(&self, project: &Project, audit: &AuditEvent) -> StoreResult<()> {
        self.insert_project_impl(project, audit).await
    }

    async fn update_project(&self, project: &Project, audit: &AuditEvent) -> StoreResult<()> {
        self.update_project_impl(project, audit).await
    }

    async fn project(&self, id: Uuid) -> StoreResult<Option<ProjectFile>> {
        self.project_impl(id).await
    }

    async fn projects(
        &self,
        organisation_id: Option<Uuid>,
        status: Option<cnrm_domain::project::ProjectStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<ProjectSummary>> {
        self.projects_impl(organisation_id, status, page).await
    }

    async fn add_project_member(&self, member: &NewProjectMember, audit: &AuditEvent) -> StoreResult<()> {
        self.add_project_member_impl(member, audit).await
    }

    async fn remove_project_member(&self, project_id: Uuid, case_id: Uuid, audit: &AuditEvent) -> StoreResult<()> {
        self.remove_project_member_impl(project_id, case_id, audit).await
    }

    async fn projects_of_case(&self, case_id: Uuid) -> StoreResult<Vec<Project>> {
        self.projects_of_case_impl(case_id).await
    }

    async fn shareable_plan_items(&self, organisation_id: Uuid, limit: i64) -> StoreResult<Vec<ShareableItem>> {
        self.shareable_plan_items_impl(organisation_id, limit).await
    }

    // Households, follow-up contact outcomes and platform settings (shared/household.rs).
    async fn insert_family_links(&self, links: &[FamilyLink], audit: &AuditEvent) -> StoreResult<()> {
        self.insert_family_links_impl(links, audit).await
    }

    async fn family_links_of_person(&self, person_id: Uuid) -> StoreResult<Vec<FamilyLink>> {
        self.family_links_of_person_impl(person_id).await
    }

    async fn family_link(&self, id: Uuid) -> StoreResult<Option<FamilyLink>> {
        self.family_link_impl(id).await
    }

    async fn delete_family_link(&self, id: Uuid, audit: &AuditEvent) -> StoreResult<()> {
        self.delete_family_link_impl(id, audit).await
    }

    async fn record_task_outcome(&self, outcome: &TaskOutcome, next: Option<&Task>, audit: &AuditEvent) -> StoreResult<()> {
        self.record_task_outcome_impl(outcome, next, audit).await
    }

    async fn task_outcomes_of_case(&self, case_id: Uuid) -> StoreResult<Vec<TaskOutcome>> {
        self.task_outcomes_of_case_impl(case_id).await
    }

    async fn setting(&self, key: &str) -> StoreResult<Option<Setting>> {
        self.setting_impl(key).await
    }

    async fn save_setting(&self, setting: &Setting, audit: &AuditEvent) -> StoreResult<()> {
        self.save_setting_impl(setting, audit).await
    }

    async fn audit_head(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1").fetch_one(&self.pool).await.map_err(store_error)
    }

    // Attachments (shared/attachments.rs).
    async fn insert_attachment(&self, attachment: &Attachment, content: &[u8], audit: &AuditEvent) -> StoreResult<()> {
        self.insert_attachment_impl(attachment, content, audit).await
    }

    async fn attachments_of_case(&self, case_id: Uuid) -> StoreResult<Vec<Attachment>> {
        self.attachments_of_case_impl(case_id).await
    }

    async fn attachment(&self, id: Uuid) -> StoreResult<Option<Attachment>> {
        self.attachment_impl(id).await
    }

    async fn attachment_content(&self, id: Uuid) -> StoreResult<Option<Vec<u8>>> {
        self.attachment_content_impl(id).await
    }

    async fn remove_attachment(
        &self,
        id: Uuid,
        removed_by: Uuid,
        at: OffsetDateTime,
        reason: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.remove_attachment_impl(id, removed_by, at, reason, audit).await
    }

    async fn insert_counselling_session(&self, session: &CounsellingSession, audit: &AuditEvent) -> StoreResult<()> {
        self.insert_counselling_session_impl(session, audit).await
    }

    async fn counselling_sessions(&self, case_id: Uuid) -> StoreResult<Vec<CounsellingSession>> {
        self.counselling_sessions_impl(case_id).await
    }

    async fn insert_needs_assessment(&self, assessment: &NeedsAssessment, audit: &AuditEvent) -> StoreResult<()> {
        self.insert_needs_assessment_impl(assessment, audit).await
    }

    async fn needs_assessments(&self, case_id: Uuid) -> StoreResult<Vec<NeedsAssessment>> {
        self.needs_assessments_impl(case_id).await
    }

    async fn insert_skills_assessment(&self, assessment: &SkillsAssessment, audit: &AuditEvent) -> StoreResult<()> {
        self.insert_skills_assessment_impl(assessment, audit).await
    }

    async fn skills_assessments(&self, case_id: Uuid) -> StoreResult<Vec<SkillsAssessment>> {
        self.skills_assessments_impl(case_id).await
    }

    async fn bulk_insert_counselling(
        &self,
        sessions: &[CounsellingSession],
        needs: &[NeedsAssessment],
        skills: &[SkillsAssessment],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.bulk_insert_counselling_impl(sessions, needs, skills, audit).await
    }

    // Surveys: see `surveys.rs`.
    async fn questionnaires(&self) -> StoreResult<Vec<QuestionnaireVersion>> {
        self.questionnaires_impl().await
    }

    async fn questionnaire_version(&self, code: &str, version: Option<i64>) -> StoreResult<Option<QuestionnaireVersion>> {
        self.questionnaire_version_impl(code, version).await
    }

    async fn questionnaire_version_by_id(&self, id: Uuid) -> StoreResult<Option<QuestionnaireVersion>> {
        self.questionnaire_version_by_id_impl(id).await
    }

    async fn questionnaire_versions(&self, code: &str) -> StoreResult<Vec<QuestionnaireVersion>> {
        self.questionnaire_versions_impl(code).await
    }

    async fn insert_questionnaire_version(&self, version: &QuestionnaireVersion, audit: &AuditEvent) -> StoreResult<()> {
        self.insert_questionnaire_version_impl(version, audit).await
    }

    async fn insert_survey_submission(
        &self,
        submission: &SurveySubmission,
        completes: Option<Uuid>,
        schedule: &[ScheduledSurvey],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.insert_survey_submission_impl(submission, completes, schedule, audit).await
    }

    async fn survey_submission(&self, id: Uuid) -> StoreResult<Option<SurveySubmission>> {
        self.survey_submission_impl(id).await
    }

    async fn survey_submissions_of_case(&self, case_id: Uuid) -> StoreResult<Vec<SurveySubmission>> {
        self.survey_submissions_of_case_impl(case_id).await
    }

    async fn survey_submissions_scored_otherwise(
        &self,
        code: &str,
        version_id: Uuid,
        after: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<SurveySubmission>> {
        self.survey_submissions_scored_otherwise_impl(code, version_id, after, limit).await
    }

    async fn rescore_survey_submissions(
        &self,
        scores: &[(Uuid, SurveyScores)],
        version_id: Uuid,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.rescore_survey_submissions_impl(scores, version_id, audit).await
    }

    async fn survey_schedule_of_case(&self, case_id: Uuid) -> StoreResult<Vec<ScheduledSurvey>> {
        self.survey_schedule_of_case_impl(case_id).await
    }

    async fn save_survey_schedule(&self, steps: &[ScheduledSurvey], audit: &AuditEvent) -> StoreResult<()> {
        self.save_survey_schedule_impl(steps, audit).await
    }

    async fn surveys_due(&self, organisation_id: Uuid, until: Date, limit: i64) -> StoreResult<Vec<QueuedSurvey>> {
        self.surveys_due_impl(organisation_id, until, limit).await
    }

    async fn bulk_insert_surveys(
        &self,
        submissions: &[SurveySubmission],
        schedule: &[ScheduledSurvey],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.bulk_insert_surveys_impl(submissions, schedule, audit).await
    }

    // Identity resolution (task F): see `identity.rs`.
    async fn identity_records(&self, after: Option<Uuid>, limit: i64) -> StoreResult<Vec<IdentityRecord>> {
        self.identity_records_impl(after, limit).await
    }

    async fn identity_records_of(&self, ids: &[Uuid]) -> StoreResult<Vec<IdentityRecord>> {
        self.identity_records_of_impl(ids).await
    }

    async fn linked_records(&self, person_id: Uuid) -> StoreResult<Vec<Uuid>> {
        self.linked_records_impl(person_id).await
    }

    async fn insert_identity_candidates(
        &self,
        candidates: &[IdentityCandidate],
        audit: &AuditEvent,
    ) -> StoreResult<CandidateInsert> {
        self.insert_identity_candidates_impl(candidates, audit).await
    }

    async fn identity_candidates(
        &self,
        status: Option<cnrm_domain::identity::CandidateStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<IdentityCandidate>> {
        self.identity_candidates_impl(status, page).await
    }

    async fn identity_candidate(&self, id: Uuid) -> StoreResult<Option<IdentityCandidate>> {
        self.identity_candidate_impl(id).await
    }

    async fn identity_candidates_of(&self, persons: &[Uuid]) -> StoreResult<Vec<IdentityCandidate>> {
        self.identity_candidates_of_impl(persons).await
    }

    async fn decide_identity_candidate(
        &self,
        candidate: &IdentityCandidate,
        audit: &AuditEvent,
    ) -> StoreResult<Vec<(Uuid, Uuid)>> {
        self.decide_identity_candidate_impl(candidate, audit).await
    }

    async fn insert_contact_request(&self, request: &ContactRequest, audit: &AuditEvent) -> StoreResult<()> {
        self.insert_contact_request_impl(request, audit).await
    }

    async fn contact_requests_to(&self, organisation_id: Uuid, limit: i64) -> StoreResult<Vec<ContactRequest>> {
        self.contact_requests_to_impl(organisation_id, limit).await
    }

    // Service catalogue (shared/catalogue.rs).
    async fn insert_catalogue_service(
        &self,
        service: &CatalogueService,
        revision: &ServiceRevision,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.insert_catalogue_service_impl(service, revision, audit).await
    }

    async fn save_catalogue_revision(
        &self,
        service_id: Uuid,
        version: i64,
        revision: &ServiceRevision,
        supersede: Option<Uuid>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.save_catalogue_revision_impl(service_id, version, revision, supersede, audit).await
    }

    async fn catalogue_service(&self, id: Uuid) -> StoreResult<Option<CatalogueService>> {
        self.catalogue_service_impl(id).await
    }

    async fn catalogue_search(
        &self,
        visibility: CatalogueVisibility,
        filter: &CatalogueFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<ServiceRevision>> {
        self.catalogue_search_impl(visibility, filter, page).await
    }

    // Coordination (task G3): see shared/coordination.rs.
    async fn insert_meeting(&self, meeting: &Meeting, audit: &AuditEvent) -> StoreResult<()> {
        self.insert_meeting_impl(meeting, audit).await
    }
    async fn update_meeting(&self, meeting: &Meeting, audit: &AuditEvent) -> StoreResult<()> {
        self.update_meeting_impl(meeting, audit).await
    }
    async fn meeting(&self, id: Uuid) -> StoreResult<Option<MeetingFile>> {
        self.meeting_impl(id).await
    }
    async fn meetings(&self, page: &PageRequest) -> StoreResult<Page<Meeting>> {
        self.meetings_impl(page).await
    }
    async fn insert_action_point(&self, point: &ActionPoint, audit: &AuditEvent) -> StoreResult<()> {
        self.insert_action_point_impl(point, audit).await
    }
    async fn action_point(&self, id: Uuid) -> StoreResult<Option<ActionPoint>> {
        self.action_point_impl(id).await
    }
    async fn update_action_point(
        &self,
        point: &ActionPoint,
        update: &ActionPointUpdate,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.update_action_point_impl(point, update, audit).await
    }
    async fn action_points_due(
        &self,
        organisation_id: Uuid,
        before: Date,
        limit: i64,
    ) -> StoreResult<Vec<QueuedActionPoint>> {
        self.action_points_due_impl(organisation_id, before, limit).await
    }
    async fn insert_agreement(&self, agreement: &Agreement, audit: &AuditEvent) -> StoreResult<()> {
        self.insert_agreement_impl(agreement, audit).await
    }
    async fn update_agreement(&self, agreement: &Agreement, audit: &AuditEvent) -> StoreResult<()> {
        self.update_agreement_impl(agreement, audit).await
    }
    async fn agreement(&self, id: Uuid) -> StoreResult<Option<Agreement>> {
        self.agreement_impl(id).await
    }
    async fn agreements(
        &self,
        reach: CoordinationReach,
        party: Option<Uuid>,
        page: &PageRequest,
    ) -> StoreResult<Page<Agreement>> {
        self.agreements_impl(reach, party, page).await
    }
    async fn agreements_between(&self, a: Uuid, b: Uuid) -> StoreResult<Vec<Agreement>> {
        self.agreements_between_impl(a, b).await
    }
    async fn insert_training(&self, training: &Training, audit: &AuditEvent) -> StoreResult<()> {
        self.insert_training_impl(training, audit).await
    }
    async fn insert_agreement_document(
        &self,
        document: &AgreementDocument,
        content: &[u8],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.insert_agreement_document_impl(document, content, audit).await
    }
    async fn agreement_documents(&self, agreement_id: Uuid) -> StoreResult<Vec<AgreementDocument>> {
        self.agreement_documents_impl(agreement_id).await
    }
    async fn agreement_document(&self, id: Uuid) -> StoreResult<Option<AgreementDocument>> {
        self.agreement_document_impl(id).await
    }
    async fn agreement_document_content(&self, id: Uuid) -> StoreResult<Option<Vec<u8>>> {
        self.agreement_document_content_impl(id).await
    }
    async fn update_training(&self, training: &Training, audit: &AuditEvent) -> StoreResult<()> {
        self.update_training_impl(training, audit).await
    }
    async fn update_training_participant(
        &self,
        participant: &TrainingParticipant,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.update_training_participant_impl(participant, audit).await
    }
    async fn remove_training_participant(
        &self,
        participant: &TrainingParticipant,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.remove_training_participant_impl(participant, audit).await
    }
    async fn training(&self, id: Uuid) -> StoreResult<Option<TrainingFile>> {
        self.training_impl(id).await
    }
    async fn trainings(&self, organisation: Option<Uuid>, page: &PageRequest) -> StoreResult<Page<TrainingSummary>> {
        self.trainings_impl(organisation, page).await
    }
    async fn insert_training_participant(
        &self,
        participant: &TrainingParticipant,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.insert_training_participant_impl(participant, audit).await
    }
    async fn insert_practice(&self, practice: &Practice, audit: &AuditEvent) -> StoreResult<()> {
        self.insert_practice_impl(practice, audit).await
    }
    async fn update_practice(&self, practice: &Practice, audit: &AuditEvent) -> StoreResult<()> {
        self.update_practice_impl(practice, audit).await
    }
    async fn practice(&self, id: Uuid) -> StoreResult<Option<Practice>> {
        self.practice_impl(id).await
    }
    async fn practices(
        &self,
        reach: CoordinationReach,
        status: Option<cnrm_domain::coordination::PracticeStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<Practice>> {
        self.practices_impl(reach, status, page).await
    }

    // Interventions (shared/interventions.rs).
    async fn insert_intervention(&self, intervention: &Intervention, audit: &AuditEvent) -> StoreResult<()> {
        self.insert_intervention_impl(intervention, audit).await
    }
    async fn update_intervention(&self, intervention: &Intervention, audit: &AuditEvent) -> StoreResult<()> {
        self.update_intervention_impl(intervention, audit).await
    }
    async fn intervention(&self, id: Uuid) -> StoreResult<Option<Intervention>> {
        self.intervention_impl(id).await
    }
    async fn interventions(
        &self,
        filter: &InterventionFilter,
        page: Option<&PageRequest>,
    ) -> StoreResult<Page<Intervention>> {
        self.interventions_impl(filter, page).await
    }
    async fn intervention_reports(&self, intervention_ids: &[Uuid]) -> StoreResult<Vec<InterventionReport>> {
        self.intervention_reports_impl(intervention_ids).await
    }
    async fn save_intervention_report(
        &self,
        report: &InterventionReport,
        expected_version: Option<i64>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.save_intervention_report_impl(report, expected_version, audit).await
    }
    async fn reporting_periods(&self) -> StoreResult<Vec<ReportingPeriod>> {
        self.reporting_periods_impl().await
    }
    async fn reporting_period(&self, period: &str) -> StoreResult<Option<ReportingPeriod>> {
        self.reporting_period_impl(period).await
    }
    async fn save_reporting_period(
        &self,
        period: &ReportingPeriod,
        expected_version: Option<i64>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.save_reporting_period_impl(period, expected_version, audit).await
    }
    async fn bulk_insert_interventions(
        &self,
        interventions: &[Intervention],
        reports: &[InterventionReport],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.bulk_insert_interventions_impl(interventions, reports, audit).await
    }

    // Gap and overlap analysis (task G4): see shared/gaps.rs.
    async fn gap_needs(&self) -> StoreResult<Vec<cnrm_domain::gaps::NeedCount>> {
        self.gap_needs_impl().await
    }
    async fn gap_needs_recomputed(&self) -> StoreResult<Vec<cnrm_domain::gaps::NeedCount>> {
        self.gap_needs_recomputed_impl().await
    }
    async fn rebuild_gap_needs(&self, audit: &AuditEvent) -> StoreResult<()> {
        self.rebuild_gap_needs_impl(audit).await
    }
    async fn gap_services(&self) -> StoreResult<Vec<cnrm_domain::gaps::ServiceCover>> {
        self.gap_services_impl().await
    }
    async fn gap_interventions(&self, from: Date, to: Date) -> StoreResult<Vec<cnrm_domain::gaps::InterventionCover>> {
        self.gap_interventions_impl(from, to).await
    }

    // Indicators (issue 6): see shared/indicators.rs.
    async fn indicator_tallies(
        &self,
        code: cnrm_domain::indicators::IndicatorCode,
        filter: &cnrm_domain::indicators::IndicatorFilter,
        breakdown: Option<cnrm_domain::indicators::Breakdown>,
        today: Date,
    ) -> StoreResult<Vec<cnrm_domain::indicators::Tally>> {
        self.indicator_tallies_impl(code, filter, breakdown, today).await
    }
    async fn case_sums(
        &self,
        filter: &cnrm_domain::indicators::IndicatorFilter,
        grouping: Option<cnrm_domain::indicators::Breakdown>,
        measures: &[cnrm_domain::case_facts::Measure],
        per_case: bool,
    ) -> StoreResult<Vec<(String, cnrm_domain::case_facts::CaseSums)>> {
        self.case_sums_impl(filter, grouping, measures, per_case).await
    }
    async fn rebuild_case_facts(&self, audit: &AuditEvent) -> StoreResult<()> {
        self.rebuild_case_facts_impl(audit).await
    }
}

async fn insert_login_attempt(tx: &mut Transaction<'_, Db>, attempt: &LoginAttempt) -> StoreResult<()> {
    sqlx::query("INSERT INTO login_attempts (id, username, ip, succeeded, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(attempt.id)
        .bind(&attempt.username)
        .bind(&attempt.ip)
        .bind(attempt.succeeded)
        .bind(attempt.at)
        .execute(&mut **tx)
        .await
        .map_err(store_error)?;
    Ok(())
}
