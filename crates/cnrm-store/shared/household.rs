// Households, follow-up contact outcomes and platform settings, compiled once per backend like
// `queries.rs` (which delegates to these).

#[derive(FromRow)]
struct FamilyLinkRow {
    id: Uuid,
    person_a: Uuid,
    person_b: Uuid,
    relation: String,
    created_by: Option<Uuid>,
    created_at: OffsetDateTime,
}

impl TryFrom<FamilyLinkRow> for FamilyLink {
    type Error = StoreError;
    fn try_from(r: FamilyLinkRow) -> StoreResult<FamilyLink> {
        Ok(FamilyLink {
            id: r.id,
            person_a: r.person_a,
            person_b: r.person_b,
            relation: code("relation", &r.relation, cnrm_domain::family::Relation::parse)?,
            created_by: r.created_by,
            created_at: r.created_at,
        })
    }
}

#[derive(FromRow)]
struct TaskOutcomeRow {
    task_id: Uuid,
    case_id: Uuid,
    contacted_on: Date,
    method: String,
    reached: bool,
    situation: String,
    notes: String,
    next_task_id: Option<Uuid>,
    recorded_by: Option<Uuid>,
    recorded_at: OffsetDateTime,
}

impl TryFrom<TaskOutcomeRow> for TaskOutcome {
    type Error = StoreError;
    fn try_from(r: TaskOutcomeRow) -> StoreResult<TaskOutcome> {
        Ok(TaskOutcome {
            task_id: r.task_id,
            case_id: r.case_id,
            contacted_on: r.contacted_on,
            method: code("contact method", &r.method, cnrm_domain::contact::ContactMethod::parse)?,
            reached: r.reached,
            situation: code("situation", &r.situation, cnrm_domain::contact::Situation::parse)?,
            notes: r.notes,
            next_task_id: r.next_task_id,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        })
    }
}

const FAMILY_LINK_COLUMNS: &str = "id, person_a, person_b, relation, created_by, created_at";
const TASK_OUTCOME_COLUMNS: &str =
    "task_id, case_id, contacted_on, method, reached, situation, notes, next_task_id, recorded_by, recorded_at";

/// A uniqueness violation on the pair of persons, whatever name each engine gives it.
fn family_conflict(e: StoreError) -> StoreError {
    match e {
        StoreError::Conflict(_) => StoreError::Conflict("family_link".into()),
        other => other,
    }
}

impl Store {
    async fn insert_family_links_impl(&self, links: &[FamilyLink], audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        for link in links {
            sqlx::query(&format!("INSERT INTO family_links ({FAMILY_LINK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"))
                .bind(link.id)
                .bind(link.person_a)
                .bind(link.person_b)
                .bind(link.relation.code())
                .bind(link.created_by)
                .bind(link.created_at)
                .execute(&mut *tx)
                .await
                .map_err(|e| family_conflict(store_error(e)))?;
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn family_links_of_person_impl(&self, person_id: Uuid) -> StoreResult<Vec<FamilyLink>> {
        let sql = format!(
            "SELECT {FAMILY_LINK_COLUMNS} FROM family_links WHERE person_a = $1 \
             UNION ALL SELECT {FAMILY_LINK_COLUMNS} FROM family_links WHERE person_b = $1 ORDER BY id"
        );
        let rows: Vec<FamilyLinkRow> =
            sqlx::query_as(&sql).bind(person_id).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.into_iter().map(FamilyLink::try_from).collect()
    }

    async fn family_link_impl(&self, id: Uuid) -> StoreResult<Option<FamilyLink>> {
        let sql = format!("SELECT {FAMILY_LINK_COLUMNS} FROM family_links WHERE id = $1");
        let row: Option<FamilyLinkRow> =
            sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.map(FamilyLink::try_from).transpose()
    }

    async fn delete_family_link_impl(&self, id: Uuid, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let deleted = sqlx::query("DELETE FROM family_links WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn record_task_outcome_impl(
        &self,
        o: &TaskOutcome,
        next: Option<&Task>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        // The task first: a write, and the guard against recording the same contact twice.
        let done = sqlx::query("UPDATE tasks SET done_at = $3 WHERE id = $1 AND case_id = $2 AND done_at IS NULL")
            .bind(o.task_id)
            .bind(o.case_id)
            .bind(o.recorded_at)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict("task_done".into()));
        }
        sqlx::query(&format!(
            "INSERT INTO task_outcomes ({TASK_OUTCOME_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(o.task_id)
        .bind(o.case_id)
        .bind(o.contacted_on)
        .bind(o.method.code())
        .bind(o.reached)
        .bind(o.situation.code())
        .bind(&o.notes)
        .bind(o.next_task_id)
        .bind(o.recorded_by)
        .bind(o.recorded_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if let Some(task) = next {
            insert_tasks(&mut tx, std::slice::from_ref(task)).await?;
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn task_outcomes_of_case_impl(&self, case_id: Uuid) -> StoreResult<Vec<TaskOutcome>> {
        let sql = format!("SELECT {TASK_OUTCOME_COLUMNS} FROM task_outcomes WHERE case_id = $1 ORDER BY task_id");
        let rows: Vec<TaskOutcomeRow> =
            sqlx::query_as(&sql).bind(case_id).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.into_iter().map(TaskOutcome::try_from).collect()
    }

    async fn setting_impl(&self, key: &str) -> StoreResult<Option<Setting>> {
        let row: Option<(String, String, Option<Uuid>, OffsetDateTime)> =
            sqlx::query_as("SELECT key, value, updated_by, updated_at FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(row.map(|(key, value, updated_by, updated_at)| Setting { key, value, updated_by, updated_at }))
    }

    async fn save_setting_impl(&self, s: &Setting, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(
            "INSERT INTO settings (key, value, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, \
             updated_at = excluded.updated_at",
        )
        .bind(&s.key)
        .bind(&s.value)
        .bind(s.updated_by)
        .bind(s.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }
}
