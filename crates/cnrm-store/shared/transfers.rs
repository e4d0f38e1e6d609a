// Transfer queries, compiled once per backend like `queries.rs` (which delegates to these).

use cnrm_domain::transfer::TransferStatus;

#[derive(FromRow)]
struct TransferRow {
    id: Uuid,
    case_id: Uuid,
    from_organisation_id: Uuid,
    to_organisation_id: Uuid,
    case_number: String,
    new_case_number: Option<String>,
    reason: String,
    shared_fields: String,
    status: String,
    decision_reason: Option<String>,
    proposed_by: Option<Uuid>,
    decided_by: Option<Uuid>,
    decided_at: Option<OffsetDateTime>,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const TRANSFER_COLUMNS: &str = "id, case_id, from_organisation_id, to_organisation_id, case_number, new_case_number, reason, \
     shared_fields, status, decision_reason, proposed_by, decided_by, decided_at, version, created_at, updated_at";

impl TryFrom<TransferRow> for Transfer {
    type Error = StoreError;
    fn try_from(r: TransferRow) -> StoreResult<Transfer> {
        Ok(Transfer {
            id: r.id,
            case_id: r.case_id,
            from_organisation_id: r.from_organisation_id,
            to_organisation_id: r.to_organisation_id,
            case_number: r.case_number,
            new_case_number: r.new_case_number,
            reason: r.reason,
            shared_fields: codes("shared fields", &r.shared_fields, cnrm_domain::sharing::SharedField::parse)?,
            status: code("transfer status", &r.status, TransferStatus::parse)?,
            decision_reason: r.decision_reason,
            proposed_by: r.proposed_by,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// The audit entry with `key: value` added to its details (a value known only inside the transaction).
fn audit_with(audit: &AuditEvent, key: &str, value: &str) -> AuditEvent {
    let mut details: serde_json::Value = serde_json::from_str(&audit.details).unwrap_or_else(|_| serde_json::json!({}));
    if let Some(map) = details.as_object_mut() {
        map.insert(key.to_string(), value.into());
    }
    AuditEvent { details: details.to_string(), ..audit.clone() }
}

impl Store {
    async fn insert_transfer_impl(&self, t: &Transfer, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(&format!(
            "INSERT INTO transfers ({TRANSFER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ))
        .bind(t.id)
        .bind(t.case_id)
        .bind(t.from_organisation_id)
        .bind(t.to_organisation_id)
        .bind(&t.case_number)
        .bind(&t.new_case_number)
        .bind(&t.reason)
        .bind(codes_json(&t.shared_fields, cnrm_domain::sharing::SharedField::code))
        .bind(t.status.code())
        .bind(&t.decision_reason)
        .bind(t.proposed_by)
        .bind(t.decided_by)
        .bind(t.decided_at)
        .bind(t.version)
        .bind(t.created_at)
        .bind(t.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| match store_error(e) {
            // The partial unique index: one pending transfer per case.
            StoreError::Conflict(_) => StoreError::Conflict("transfers_one_pending".into()),
            other => other,
        })?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn transfer_impl(&self, id: Uuid) -> StoreResult<Option<Transfer>> {
        let sql = format!("SELECT {TRANSFER_COLUMNS} FROM transfers WHERE id = $1");
        let row: Option<TransferRow> = sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.map(Transfer::try_from).transpose()
    }

    async fn transfers_of_case_impl(&self, case_id: Uuid) -> StoreResult<Vec<Transfer>> {
        let sql = format!("SELECT {TRANSFER_COLUMNS} FROM transfers WHERE case_id = $1 ORDER BY id DESC");
        let rows: Vec<TransferRow> = sqlx::query_as(&sql).bind(case_id).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.into_iter().map(Transfer::try_from).collect()
    }

    async fn transfers_of_organisation_impl(
        &self,
        organisation_id: Uuid,
        direction: TransferDirection,
        pending_only: bool,
        limit: i64,
    ) -> StoreResult<Vec<Transfer>> {
        let column = match direction {
            TransferDirection::Incoming => "to_organisation_id",
            TransferDirection::Outgoing => "from_organisation_id",
        };
        let pending = if pending_only { " AND status = 'proposed'" } else { "" };
        let sql = format!(
            "SELECT {TRANSFER_COLUMNS} FROM transfers WHERE {column} = $1{pending} \
             ORDER BY CASE WHEN status = 'proposed' THEN 0 ELSE 1 END, id DESC LIMIT $2"
        );
        let rows: Vec<TransferRow> =
            sqlx::query_as(&sql).bind(organisation_id).bind(limit).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.into_iter().map(Transfer::try_from).collect()
    }

    async fn update_transfer_impl(&self, t: &Transfer, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let updated = sqlx::query(
            "UPDATE transfers SET status = $2, decision_reason = $3, decided_by = $4, decided_at = $5, \
             version = version + 1, updated_at = $6 WHERE id = $1 AND version = $7 AND status = 'proposed'",
        )
        .bind(t.id)
        .bind(t.status.code())
        .bind(&t.decision_reason)
        .bind(t.decided_by)
        .bind(t.decided_at)
        .bind(t.updated_at)
        .bind(t.version)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        stale_unless_written(updated)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn accept_transfer_impl(&self, t: &Transfer, prefix: &str, year: i32, audit: &AuditEvent) -> StoreResult<String> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO case_counters (organisation_id, year, last_seq) VALUES ($1, $2, 1) \
             ON CONFLICT (organisation_id, year) DO UPDATE SET last_seq = case_counters.last_seq + 1 RETURNING last_seq",
        )
        .bind(t.to_organisation_id)
        .bind(i64::from(year))
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        let number = cnrm_domain::case_number::case_number(prefix, year, seq);
        let updated = sqlx::query(
            "UPDATE transfers SET status = $2, new_case_number = $3, decision_reason = $4, decided_by = $5, decided_at = $6, \
             version = version + 1, updated_at = $7 WHERE id = $1 AND version = $8 AND status = 'proposed'",
        )
        .bind(t.id)
        .bind(TransferStatus::Accepted.code())
        .bind(&number)
        .bind(&t.decision_reason)
        .bind(t.decided_by)
        .bind(t.decided_at)
        .bind(t.updated_at)
        .bind(t.version)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        stale_unless_written(updated)?;
        // Whoever was reading the case now holds a stale version: the bump makes their save fail.
        let moved = sqlx::query(
            "UPDATE cases SET organisation_id = $2, case_number = $3, assigned_to = NULL, team = NULL, \
             version = version + 1, updated_at = $4 WHERE id = $1 AND organisation_id = $5",
        )
        .bind(t.case_id)
        .bind(t.to_organisation_id)
        .bind(&number)
        .bind(t.updated_at)
        .bind(t.from_organisation_id)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        stale_unless_written(moved)?;
        // The case list's derived rows follow the case (organisation, number, no assignee).
        refresh_case_search(&mut tx, &[t.case_id]).await?;
        // Open tasks were the sender's staff's: the receiver assigns them anew.
        sqlx::query("UPDATE tasks SET assigned_to = NULL WHERE case_id = $1 AND done_at IS NULL")
            .bind(t.case_id)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        append_audit_in(&mut tx, &audit_with(audit, "case_number", &number)).await?;
        // The case's figures move to the receiving organisation.
        refresh_case_facts(&mut tx, &[t.case_id]).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(number)
    }
}
