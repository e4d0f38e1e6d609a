// Referral queries, compiled once per backend like `queries.rs` (which delegates to these).

use cnrm_domain::lifecycle::plan::AssistanceType;
use cnrm_domain::lifecycle::referral::ReferralStatus;
use cnrm_domain::sharing::SharedField;

#[derive(FromRow)]
struct ReferralRow {
    id: Uuid,
    case_id: Uuid,
    from_organisation_id: Uuid,
    to_organisation_id: Uuid,
    service: String,
    shared_fields: String,
    note: String,
    status: String,
    reason: Option<String>,
    feedback: Option<String>,
    due_on: Option<Date>,
    sent_by: Option<Uuid>,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const REFERRAL_COLUMNS: &str = "id, case_id, from_organisation_id, to_organisation_id, service, shared_fields, note, status, \
     reason, feedback, due_on, sent_by, version, created_at, updated_at";

impl TryFrom<ReferralRow> for Referral {
    type Error = StoreError;
    fn try_from(r: ReferralRow) -> StoreResult<Referral> {
        Ok(Referral {
            id: r.id,
            case_id: r.case_id,
            from_organisation_id: r.from_organisation_id,
            to_organisation_id: r.to_organisation_id,
            service: code("service", &r.service, AssistanceType::parse)?,
            shared_fields: codes("shared fields", &r.shared_fields, SharedField::parse)?,
            note: r.note,
            status: code("referral status", &r.status, ReferralStatus::parse)?,
            reason: r.reason,
            feedback: r.feedback,
            due_on: r.due_on,
            sent_by: r.sent_by,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

impl Store {
    async fn insert_referral_impl(&self, r: &Referral, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(&format!(
            "INSERT INTO referrals ({REFERRAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        ))
        .bind(r.id)
        .bind(r.case_id)
        .bind(r.from_organisation_id)
        .bind(r.to_organisation_id)
        .bind(r.service.code())
        .bind(codes_json(&r.shared_fields, SharedField::code))
        .bind(&r.note)
        .bind(r.status.code())
        .bind(&r.reason)
        .bind(&r.feedback)
        .bind(r.due_on)
        .bind(r.sent_by)
        .bind(r.version)
        .bind(r.created_at)
        .bind(r.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn referral_impl(&self, id: Uuid) -> StoreResult<Option<Referral>> {
        let sql = format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE id = $1");
        let row: Option<ReferralRow> = sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.map(Referral::try_from).transpose()
    }

    async fn referrals_of_case_impl(&self, case_id: Uuid) -> StoreResult<Vec<Referral>> {
        let sql = format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE case_id = $1 ORDER BY id DESC");
        let rows: Vec<ReferralRow> = sqlx::query_as(&sql).bind(case_id).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.into_iter().map(Referral::try_from).collect()
    }

    async fn referrals_to_impl(&self, organisation_id: Uuid, status: Option<ReferralStatus>, page: &PageRequest) -> StoreResult<Page<Referral>> {
        let clause = "WHERE to_organisation_id = $1 AND ($2 IS NULL OR status = $2)";
        let status = status.map(|s| s.code().to_string());
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM referrals {clause}"))
            .bind(organisation_id)
            .bind(&status)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        let sql = format!("SELECT {REFERRAL_COLUMNS} FROM referrals {clause} ORDER BY id DESC LIMIT $3 OFFSET $4");
        let rows: Vec<ReferralRow> = sqlx::query_as(&sql)
            .bind(organisation_id)
            .bind(&status)
            .bind(page.per_page)
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        let items = rows.into_iter().map(Referral::try_from).collect::<StoreResult<_>>()?;
        Ok(Page { items, total, page: page.page, per_page: page.per_page })
    }

    async fn update_referral_impl(&self, r: &Referral, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let updated = sqlx::query(
            "UPDATE referrals SET status = $2, reason = $3, feedback = $4, due_on = $5, version = version + 1, updated_at = $6 \
             WHERE id = $1 AND version = $7",
        )
        .bind(r.id)
        .bind(r.status.code())
        .bind(&r.reason)
        .bind(&r.feedback)
        .bind(r.due_on)
        .bind(r.updated_at)
        .bind(r.version)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Conflict("stale".into()));
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }
}
