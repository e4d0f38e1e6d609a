// Referral queries, compiled once per backend like `queries.rs` (which delegates to these).

use cnrm_domain::lifecycle::plan::{AssistanceLevel, AssistanceType, DeliveryChannel, Dimension, PlanItemStatus};
use cnrm_domain::lifecycle::referral::ReferralStatus;
use cnrm_domain::sharing::SharedField;

#[derive(FromRow)]
struct ReferralRow {
    id: Uuid,
    case_id: Uuid,
    plan_item_id: Option<Uuid>,
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

const REFERRAL_COLUMNS: &str = "id, case_id, plan_item_id, from_organisation_id, to_organisation_id, service, shared_fields, note, status, \
     reason, feedback, due_on, sent_by, version, created_at, updated_at";

impl TryFrom<ReferralRow> for Referral {
    type Error = StoreError;
    fn try_from(r: ReferralRow) -> StoreResult<Referral> {
        Ok(Referral {
            id: r.id,
            case_id: r.case_id,
            plan_item_id: r.plan_item_id,
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
            "INSERT INTO referrals ({REFERRAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ))
        .bind(r.id)
        .bind(r.case_id)
        .bind(r.plan_item_id)
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
        refresh_case_facts(&mut tx, &[r.case_id]).await?;
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
            // The day of acceptance is kept for the indicators (median days to acceptance).
            "UPDATE referrals SET status = $2, reason = $3, feedback = $4, due_on = $5, version = version + 1, updated_at = $6, \
             accepted_on = CASE WHEN $2 = $8 AND accepted_on IS NULL THEN $9 ELSE accepted_on END \
             WHERE id = $1 AND version = $7",
        )
        .bind(r.id)
        .bind(r.status.code())
        .bind(&r.reason)
        .bind(&r.feedback)
        .bind(r.due_on)
        .bind(r.updated_at)
        .bind(r.version)
        .bind(ReferralStatus::Accepted.code())
        .bind(r.updated_at.date())
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        stale_unless_written(updated)?;
        append_audit_in(&mut tx, audit).await?;
        refresh_case_facts(&mut tx, &[r.case_id]).await?;
        tx.commit().await.map_err(store_error)
    }
}

#[derive(FromRow)]
struct PlanRow {
    id: Uuid,
    case_id: Uuid,
    agreed_on: Option<Date>,
    author_id: Option<Uuid>,
    approved_by: Option<Uuid>,
    approved_at: Option<OffsetDateTime>,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

#[derive(FromRow)]
struct PlanItemRow {
    id: Uuid,
    plan_id: Uuid,
    case_id: Uuid,
    dimension: String,
    assistance_type: String,
    level: String,
    channel: String,
    provider_organisation_id: Option<Uuid>,
    description: String,
    budget_xof: i64,
    spent_xof: i64,
    start_on: Option<Date>,
    end_on: Option<Date>,
    status: String,
    cancel_reason: Option<String>,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const PLAN_ITEM_COLUMNS: &str = "id, plan_id, case_id, dimension, assistance_type, level, channel, provider_organisation_id, \
     description, budget_xof, spent_xof, start_on, end_on, status, cancel_reason, version, created_at, updated_at";

impl TryFrom<PlanItemRow> for PlanItem {
    type Error = StoreError;
    fn try_from(r: PlanItemRow) -> StoreResult<PlanItem> {
        Ok(PlanItem {
            id: r.id,
            plan_id: r.plan_id,
            case_id: r.case_id,
            dimension: code("dimension", &r.dimension, Dimension::parse)?,
            assistance_type: code("assistance type", &r.assistance_type, AssistanceType::parse)?,
            level: code("level", &r.level, AssistanceLevel::parse)?,
            channel: code("channel", &r.channel, DeliveryChannel::parse)?,
            provider_organisation_id: r.provider_organisation_id,
            description: r.description,
            budget_xof: r.budget_xof,
            spent_xof: r.spent_xof,
            start_on: r.start_on,
            end_on: r.end_on,
            status: code("plan item status", &r.status, PlanItemStatus::parse)?,
            cancel_reason: r.cancel_reason,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

impl Store {
    async fn plan_of_case_impl(&self, case_id: Uuid) -> StoreResult<Option<PlanFile>> {
        let row: Option<PlanRow> = sqlx::query_as(
            "SELECT id, case_id, agreed_on, author_id, approved_by, approved_at, version, created_at, updated_at \
             FROM plans WHERE case_id = $1",
        )
        .bind(case_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        let Some(r) = row else { return Ok(None) };
        let sql = format!("SELECT {PLAN_ITEM_COLUMNS} FROM plan_items WHERE plan_id = $1 ORDER BY id");
        let items: Vec<PlanItemRow> = sqlx::query_as(&sql).bind(r.id).fetch_all(&self.pool).await.map_err(store_error)?;
        let plan = Plan {
            id: r.id,
            case_id: r.case_id,
            agreed_on: r.agreed_on,
            author_id: r.author_id,
            approved_by: r.approved_by,
            approved_at: r.approved_at,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        };
        Ok(Some(PlanFile { plan, items: items.into_iter().map(PlanItem::try_from).collect::<StoreResult<_>>()? }))
    }

    async fn save_plan_impl(&self, plan: &Plan, items: &[PlanItem], tasks: &[Task], audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        // A new plan is inserted at version 1; an existing one only if nobody saved it meanwhile.
        let written = sqlx::query(
            "INSERT INTO plans (id, case_id, agreed_on, author_id, approved_by, approved_at, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (id) DO UPDATE SET agreed_on = excluded.agreed_on, approved_by = excluded.approved_by, \
             approved_at = excluded.approved_at, version = plans.version + 1, updated_at = excluded.updated_at \
             WHERE plans.version = excluded.version",
        )
        .bind(plan.id)
        .bind(plan.case_id)
        .bind(plan.agreed_on)
        .bind(plan.author_id)
        .bind(plan.approved_by)
        .bind(plan.approved_at)
        .bind(plan.version)
        .bind(plan.created_at)
        .bind(plan.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        stale_unless_written(written)?;
        for item in items {
            let sql = format!(
                "INSERT INTO plan_items ({PLAN_ITEM_COLUMNS}) VALUES \
                 ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
                 ON CONFLICT (id) DO UPDATE SET provider_organisation_id = excluded.provider_organisation_id, \
                 description = excluded.description, budget_xof = excluded.budget_xof, spent_xof = excluded.spent_xof, \
                 start_on = excluded.start_on, end_on = excluded.end_on, status = excluded.status, \
                 cancel_reason = excluded.cancel_reason, version = plan_items.version + 1, updated_at = excluded.updated_at \
                 WHERE plan_items.version = excluded.version"
            );
            let written = sqlx::query(&sql)
                .bind(item.id)
                .bind(item.plan_id)
                .bind(item.case_id)
                .bind(item.dimension.code())
                .bind(item.assistance_type.code())
                .bind(item.level.code())
                .bind(item.channel.code())
                .bind(item.provider_organisation_id)
                .bind(&item.description)
                .bind(item.budget_xof)
                .bind(item.spent_xof)
                .bind(item.start_on)
                .bind(item.end_on)
                .bind(item.status.code())
                .bind(&item.cancel_reason)
                .bind(item.version)
                .bind(item.created_at)
                .bind(item.updated_at)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
            stale_unless_written(written)?;
        }
        insert_tasks(&mut tx, tasks).await?;
        append_audit_in(&mut tx, audit).await?;
        let mut cases: Vec<Uuid> = items.iter().map(|i| i.case_id).collect();
        cases.push(plan.case_id);
        cases_changed(&mut tx, &cases).await?;
        tx.commit().await.map_err(store_error)
    }
}

#[derive(FromRow)]
struct QueuedTaskRow {
    id: Uuid,
    case_id: Uuid,
    kind: String,
    due_on: Date,
    task_assigned_to: Option<Uuid>,
    done_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
    case_number: String,
    protection: bool,
    organisation_id: Uuid,
    assigned_to: Option<Uuid>,
    team: Option<String>,
}

#[derive(FromRow)]
struct PendingRow {
    case_id: Uuid,
    case_number: String,
    author_id: Option<Uuid>,
    planned_items: i64,
    protection: bool,
    assigned_to: Option<Uuid>,
}

impl Store {
    async fn open_tasks_impl(&self, organisation_id: Uuid, until: Date, limit: i64) -> StoreResult<Vec<QueuedTask>> {
        let rows: Vec<QueuedTaskRow> = sqlx::query_as(
            "SELECT t.id, t.case_id, t.kind, t.due_on, t.assigned_to AS task_assigned_to, t.done_at, t.created_at, \
             c.case_number, c.protection, c.organisation_id, c.assigned_to, c.team \
             FROM tasks t JOIN cases c ON c.id = t.case_id \
             WHERE c.organisation_id = $1 AND c.status = 'open' AND t.done_at IS NULL AND t.due_on <= $2 \
             ORDER BY t.due_on, t.id LIMIT $3",
        )
        .bind(organisation_id)
        .bind(until)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|r| QueuedTask {
                task: Task {
                    id: r.id,
                    case_id: r.case_id,
                    kind: r.kind,
                    due_on: r.due_on,
                    assigned_to: r.task_assigned_to,
                    done_at: r.done_at,
                    created_at: r.created_at,
                },
                case_number: r.case_number,
                protection: r.protection,
                organisation_id: r.organisation_id,
                assigned_to: r.assigned_to,
                team: r.team,
            })
            .collect())
    }

    async fn plans_awaiting_approval_impl(&self, organisation_id: Uuid, limit: i64) -> StoreResult<Vec<PendingPlan>> {
        let rows: Vec<PendingRow> = sqlx::query_as(
            "SELECT c.id AS case_id, c.case_number, p.author_id, COUNT(i.id) AS planned_items, c.protection, c.assigned_to \
             FROM plans p JOIN cases c ON c.id = p.case_id JOIN plan_items i ON i.plan_id = p.id \
             WHERE c.organisation_id = $1 AND c.status = 'open' AND i.status = 'planned' \
             GROUP BY c.id, c.case_number, p.author_id, c.protection, c.assigned_to \
             ORDER BY c.case_number LIMIT $2",
        )
        .bind(organisation_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|r| PendingPlan {
                case_id: r.case_id,
                case_number: r.case_number,
                author_id: r.author_id,
                planned_items: r.planned_items,
                protection: r.protection,
                assigned_to: r.assigned_to,
            })
            .collect())
    }
}
