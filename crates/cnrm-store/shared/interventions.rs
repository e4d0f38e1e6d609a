// Intervention (4W) queries, compiled once per backend like `queries.rs` (which delegates to these).
// Names are written in full (no `use`): several shared files are included into one module.

#[derive(FromRow)]
struct InterventionRow {
    id: Uuid,
    organisation_id: Uuid,
    title: String,
    description: String,
    dimension: String,
    sector: String,
    category: String,
    level: String,
    target_group: String,
    start_on: Date,
    end_on: Date,
    status: String,
    targeted_f_0_17: i64,
    targeted_f_18_24: i64,
    targeted_f_25_59: i64,
    targeted_f_60_plus: i64,
    targeted_m_0_17: i64,
    targeted_m_18_24: i64,
    targeted_m_25_59: i64,
    targeted_m_60_plus: i64,
    currency: String,
    budget_minor: i64,
    rate_micro: i64,
    budget_xof: i64,
    published: bool,
    version: i64,
    created_by: Option<Uuid>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const INTERVENTION_COLUMNS: &str = "id, organisation_id, title, description, dimension, sector, category, level, \
     target_group, start_on, end_on, status, targeted_f_0_17, targeted_f_18_24, targeted_f_25_59, targeted_f_60_plus, \
     targeted_m_0_17, targeted_m_18_24, targeted_m_25_59, targeted_m_60_plus, currency, budget_minor, rate_micro, \
     budget_xof, published, version, created_by, created_at, updated_at";

impl InterventionRow {
    fn into_intervention(
        self,
        units: Vec<String>,
        implementers: Vec<Uuid>,
        funders: Vec<String>,
    ) -> StoreResult<Intervention> {
        use cnrm_domain::intervention as iv;
        use cnrm_domain::lifecycle::plan;
        Ok(Intervention {
            id: self.id,
            organisation_id: self.organisation_id,
            title: self.title,
            description: self.description,
            dimension: code("dimension", &self.dimension, plan::Dimension::parse)?,
            sector: code("intervention sector", &self.sector, iv::InterventionSector::parse)?,
            category: code("intervention category", &self.category, plan::AssistanceType::parse)?,
            level: code("intervention level", &self.level, plan::AssistanceLevel::parse)?,
            target_group: code("target group", &self.target_group, iv::TargetGroup::parse)?,
            units,
            implementers,
            funders,
            start_on: self.start_on,
            end_on: self.end_on,
            status: code("intervention status", &self.status, iv::InterventionStatus::parse)?,
            targeted: iv::Disaggregation::from_cells([
                self.targeted_f_0_17,
                self.targeted_f_18_24,
                self.targeted_f_25_59,
                self.targeted_f_60_plus,
                self.targeted_m_0_17,
                self.targeted_m_18_24,
                self.targeted_m_25_59,
                self.targeted_m_60_plus,
            ]),
            currency: code("currency", &self.currency, iv::Currency::parse)?,
            budget_minor: self.budget_minor,
            rate_micro: self.rate_micro,
            budget_xof: self.budget_xof,
            published: self.published,
            version: self.version,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(FromRow)]
struct InterventionUnitRow {
    intervention_id: Uuid,
    pcode: String,
}

#[derive(FromRow)]
struct InterventionOrganisationRow {
    intervention_id: Uuid,
    role: String,
    organisation_id: Option<Uuid>,
    name: String,
}

#[derive(FromRow)]
struct InterventionReportRow {
    id: Uuid,
    intervention_id: Uuid,
    period: String,
    reached_f_0_17: i64,
    reached_f_18_24: i64,
    reached_f_25_59: i64,
    reached_f_60_plus: i64,
    reached_m_0_17: i64,
    reached_m_18_24: i64,
    reached_m_25_59: i64,
    reached_m_60_plus: i64,
    spent_xof: i64,
    narrative: String,
    explanation: Option<String>,
    version: i64,
    created_by: Option<Uuid>,
    created_at: OffsetDateTime,
    updated_by: Option<Uuid>,
    updated_at: OffsetDateTime,
}

const REPORT_COLUMNS: &str = "id, intervention_id, period, reached_f_0_17, reached_f_18_24, reached_f_25_59, \
     reached_f_60_plus, reached_m_0_17, reached_m_18_24, reached_m_25_59, reached_m_60_plus, spent_xof, narrative, \
     explanation, version, created_by, created_at, updated_by, updated_at";

impl From<InterventionReportRow> for InterventionReport {
    fn from(r: InterventionReportRow) -> InterventionReport {
        InterventionReport {
            id: r.id,
            intervention_id: r.intervention_id,
            period: r.period,
            reached: cnrm_domain::intervention::Disaggregation::from_cells([
                r.reached_f_0_17,
                r.reached_f_18_24,
                r.reached_f_25_59,
                r.reached_f_60_plus,
                r.reached_m_0_17,
                r.reached_m_18_24,
                r.reached_m_25_59,
                r.reached_m_60_plus,
            ]),
            spent_xof: r.spent_xof,
            narrative: r.narrative,
            explanation: r.explanation,
            version: r.version,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_by: r.updated_by,
            updated_at: r.updated_at,
        }
    }
}

#[derive(FromRow)]
struct ReportingPeriodRow {
    period: String,
    status: String,
    version: i64,
    changed_by: Option<Uuid>,
    changed_at: Option<OffsetDateTime>,
}

impl TryFrom<ReportingPeriodRow> for ReportingPeriod {
    type Error = StoreError;
    fn try_from(r: ReportingPeriodRow) -> StoreResult<ReportingPeriod> {
        Ok(ReportingPeriod {
            period: r.period,
            status: code("period status", &r.status, cnrm_domain::intervention::PeriodStatus::parse)?,
            version: r.version,
            changed_by: r.changed_by,
            changed_at: r.changed_at,
        })
    }
}

/// An intervention's units, implementing organisations and funders.
type InterventionParts = (Vec<String>, Vec<Uuid>, Vec<String>);

/// Ids per statement when loading the units and organisations of many interventions.
const INTERVENTION_CHUNK: usize = 500;

async fn write_intervention_parts(tx: &mut Transaction<'_, Db>, i: &Intervention) -> StoreResult<()> {
    for (position, pcode) in i.units.iter().enumerate() {
        sqlx::query("INSERT INTO intervention_units (intervention_id, pcode, position) VALUES ($1, $2, $3)")
            .bind(i.id)
            .bind(pcode)
            .bind(position as i64)
            .execute(&mut **tx)
            .await
            .map_err(store_error)?;
    }
    let implementers = i.implementers.iter().map(|id| ("implementing", Some(*id), String::new()));
    let funders = i.funders.iter().map(|name| ("funding", None, name.clone()));
    for (position, (role, organisation_id, name)) in implementers.chain(funders).enumerate() {
        sqlx::query(
            "INSERT INTO intervention_organisations (intervention_id, role, position, organisation_id, name) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(i.id)
        .bind(role)
        .bind(position as i64)
        .bind(organisation_id)
        .bind(name)
        .execute(&mut **tx)
        .await
        .map_err(store_error)?;
    }
    Ok(())
}

async fn insert_intervention_in(tx: &mut Transaction<'_, Db>, i: &Intervention) -> StoreResult<()> {
    let sql = format!("INSERT INTO interventions ({INTERVENTION_COLUMNS}) VALUES ({})", placeholders(1, 29));
    let mut query = sqlx::query(&sql)
        .bind(i.id)
        .bind(i.organisation_id)
        .bind(&i.title)
        .bind(&i.description)
        .bind(i.dimension.code())
        .bind(i.sector.code())
        .bind(i.category.code())
        .bind(i.level.code())
        .bind(i.target_group.code())
        .bind(i.start_on)
        .bind(i.end_on)
        .bind(i.status.code());
    for cell in i.targeted.cells() {
        query = query.bind(cell);
    }
    query
        .bind(i.currency.code())
        .bind(i.budget_minor)
        .bind(i.rate_micro)
        .bind(i.budget_xof)
        .bind(i.published)
        .bind(i.version)
        .bind(i.created_by)
        .bind(i.created_at)
        .bind(i.updated_at)
        .execute(&mut **tx)
        .await
        .map_err(store_error)?;
    write_intervention_parts(tx, i).await
}

async fn ensure_period_in(tx: &mut Transaction<'_, Db>, period: &str) -> StoreResult<String> {
    // A write first: it takes the period's row (PostgreSQL) or the database (SQLite) for this
    // transaction, so that a lock committed meanwhile is seen, or waits for this report.
    sqlx::query_scalar(
        "INSERT INTO reporting_periods (period, status, version) VALUES ($1, 'open', 1) \
         ON CONFLICT (period) DO UPDATE SET version = reporting_periods.version RETURNING status",
    )
    .bind(period)
    .fetch_one(&mut **tx)
    .await
    .map_err(store_error)
}

async fn insert_report_in(tx: &mut Transaction<'_, Db>, r: &InterventionReport) -> StoreResult<u64> {
    let sql = format!(
        "INSERT INTO intervention_reports ({REPORT_COLUMNS}) VALUES ({}) ON CONFLICT (intervention_id, period) DO NOTHING",
        placeholders(1, 19)
    );
    let mut query = sqlx::query(&sql).bind(r.id).bind(r.intervention_id).bind(&r.period);
    for cell in r.reached.cells() {
        query = query.bind(cell);
    }
    let done = query
        .bind(r.spent_xof)
        .bind(&r.narrative)
        .bind(&r.explanation)
        .bind(r.version)
        .bind(r.created_by)
        .bind(r.created_at)
        .bind(r.updated_by)
        .bind(r.updated_at)
        .execute(&mut **tx)
        .await
        .map_err(store_error)?;
    Ok(done.rows_affected())
}

impl Store {
    async fn insert_intervention_impl(&self, i: &Intervention, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        insert_intervention_in(&mut tx, i).await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn update_intervention_impl(&self, i: &Intervention, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let mut query = sqlx::query(
            "UPDATE interventions SET title = $2, description = $3, dimension = $4, sector = $5, category = $6, \
             level = $7, target_group = $8, start_on = $9, end_on = $10, status = $11, targeted_f_0_17 = $12, \
             targeted_f_18_24 = $13, targeted_f_25_59 = $14, targeted_f_60_plus = $15, targeted_m_0_17 = $16, \
             targeted_m_18_24 = $17, targeted_m_25_59 = $18, targeted_m_60_plus = $19, currency = $20, \
             budget_minor = $21, rate_micro = $22, budget_xof = $23, published = $24, version = version + 1, \
             updated_at = $25 WHERE id = $1 AND version = $26",
        )
        .bind(i.id)
        .bind(&i.title)
        .bind(&i.description)
        .bind(i.dimension.code())
        .bind(i.sector.code())
        .bind(i.category.code())
        .bind(i.level.code())
        .bind(i.target_group.code())
        .bind(i.start_on)
        .bind(i.end_on)
        .bind(i.status.code());
        for cell in i.targeted.cells() {
            query = query.bind(cell);
        }
        let updated = query
            .bind(i.currency.code())
            .bind(i.budget_minor)
            .bind(i.rate_micro)
            .bind(i.budget_xof)
            .bind(i.published)
            .bind(i.updated_at)
            .bind(i.version)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Conflict("stale".into()));
        }
        for table in ["intervention_units", "intervention_organisations"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE intervention_id = $1"))
                .bind(i.id)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        write_intervention_parts(&mut tx, i).await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn intervention_impl(&self, id: Uuid) -> StoreResult<Option<Intervention>> {
        let sql = format!("SELECT {INTERVENTION_COLUMNS} FROM interventions WHERE id = $1");
        let row: Option<InterventionRow> =
            sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        match row {
            None => Ok(None),
            Some(row) => Ok(self.complete_interventions(vec![row]).await?.pop()),
        }
    }

    /// The rows with their units and organisations.
    async fn complete_interventions(&self, rows: Vec<InterventionRow>) -> StoreResult<Vec<Intervention>> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut units: Vec<InterventionUnitRow> = Vec::new();
        let mut organisations: Vec<InterventionOrganisationRow> = Vec::new();
        for chunk in ids.chunks(INTERVENTION_CHUNK) {
            let list = placeholders(1, chunk.len());
            let sql = format!(
                "SELECT intervention_id, pcode FROM intervention_units WHERE intervention_id IN ({list}) \
                 ORDER BY intervention_id, position"
            );
            let mut query = sqlx::query_as(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            units.extend(query.fetch_all(&self.pool).await.map_err(store_error)?);
            let sql = format!(
                "SELECT intervention_id, role, organisation_id, name FROM intervention_organisations \
                 WHERE intervention_id IN ({list}) ORDER BY intervention_id, position"
            );
            let mut query = sqlx::query_as(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            organisations.extend(query.fetch_all(&self.pool).await.map_err(store_error)?);
        }
        let mut by_id: std::collections::HashMap<Uuid, InterventionParts> = std::collections::HashMap::new();
        for u in units {
            by_id.entry(u.intervention_id).or_default().0.push(u.pcode);
        }
        for o in organisations {
            let entry = by_id.entry(o.intervention_id).or_default();
            match (o.role.as_str(), o.organisation_id) {
                ("implementing", Some(id)) => entry.1.push(id),
                ("funding", _) => entry.2.push(o.name),
                _ => return Err(corrupt("intervention organisation", &o.role)),
            }
        }
        rows.into_iter()
            .map(|row| {
                let (units, implementers, funders) = by_id.remove(&row.id).unwrap_or_default();
                row.into_intervention(units, implementers, funders)
            })
            .collect()
    }

    async fn interventions_impl(
        &self,
        filter: &InterventionFilter,
        page: Option<&PageRequest>,
    ) -> StoreResult<Page<Intervention>> {
        let clause = "WHERE ($1 IS NULL OR i.published OR i.organisation_id = $1) \
             AND ($2 IS NULL OR i.organisation_id = $2 OR EXISTS (SELECT 1 FROM intervention_organisations o \
                  WHERE o.intervention_id = i.id AND o.role = 'implementing' AND o.organisation_id = $2)) \
             AND ($3 IS NULL OR EXISTS (SELECT 1 FROM intervention_units u JOIN admin_units a ON a.pcode = u.pcode \
                  WHERE u.intervention_id = i.id AND (u.pcode = $3 OR a.parent_pcode = $3))) \
             AND ($4 IS NULL OR i.category = $4) AND ($5 IS NULL OR i.status = $5) \
             AND ($6 IS NULL OR (i.start_on <= $7 AND i.end_on >= $6))";
        let category = filter.category.map(|c| c.code().to_string());
        let status = filter.status.map(|s| s.code().to_string());
        let (first, last) = match filter.between {
            Some((first, last)) => (Some(first), Some(last)),
            None => (None, None),
        };
        macro_rules! bind_filter {
            ($query:expr) => {
                $query
                    .bind(filter.visible_to)
                    .bind(filter.organisation_id)
                    .bind(&filter.unit)
                    .bind(&category)
                    .bind(&status)
                    .bind(first)
                    .bind(last)
            };
        }
        let total: i64 = bind_filter!(sqlx::query_scalar(&format!("SELECT COUNT(*) FROM interventions i {clause}")))
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        let columns =
            INTERVENTION_COLUMNS.split(", ").map(|c| format!("i.{}", c.trim())).collect::<Vec<_>>().join(", ");
        let order = "ORDER BY i.start_on DESC, i.id DESC";
        let rows: Vec<InterventionRow> = match page {
            Some(page) => {
                let sql = format!("SELECT {columns} FROM interventions i {clause} {order} LIMIT $8 OFFSET $9");
                bind_filter!(sqlx::query_as(&sql))
                    .bind(page.per_page)
                    .bind(page.offset())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?
            }
            None => {
                let sql = format!("SELECT {columns} FROM interventions i {clause} {order}");
                bind_filter!(sqlx::query_as(&sql)).fetch_all(&self.pool).await.map_err(store_error)?
            }
        };
        let items = self.complete_interventions(rows).await?;
        let (page_number, per_page) = page.map_or((1, total.max(1)), |p| (p.page, p.per_page));
        Ok(Page { items, total, page: page_number, per_page })
    }

    async fn intervention_reports_impl(&self, ids: &[Uuid]) -> StoreResult<Vec<InterventionReport>> {
        let mut reports = Vec::new();
        for chunk in ids.chunks(INTERVENTION_CHUNK) {
            let sql = format!(
                "SELECT {REPORT_COLUMNS} FROM intervention_reports WHERE intervention_id IN ({}) \
                 ORDER BY intervention_id, period",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query_as::<_, InterventionReportRow>(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            reports.extend(query.fetch_all(&self.pool).await.map_err(store_error)?.into_iter().map(Into::into));
        }
        Ok(reports)
    }

    async fn save_intervention_report_impl(
        &self,
        r: &InterventionReport,
        expected_version: Option<i64>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let status = ensure_period_in(&mut tx, &r.period).await?;
        if status == cnrm_domain::intervention::PeriodStatus::Locked.code() {
            return Err(StoreError::Conflict("period_locked".into()));
        }
        match expected_version {
            None => {
                if insert_report_in(&mut tx, r).await? == 0 {
                    return Err(StoreError::Conflict("intervention_report".into()));
                }
            }
            Some(version) => {
                let mut query = sqlx::query(
                    "UPDATE intervention_reports SET reached_f_0_17 = $3, reached_f_18_24 = $4, reached_f_25_59 = $5, \
                     reached_f_60_plus = $6, reached_m_0_17 = $7, reached_m_18_24 = $8, reached_m_25_59 = $9, \
                     reached_m_60_plus = $10, spent_xof = $11, narrative = $12, explanation = $13, \
                     version = version + 1, updated_by = $14, updated_at = $15 \
                     WHERE id = $1 AND period = $2 AND version = $16 AND NOT EXISTS (SELECT 1 FROM reporting_periods p \
                     WHERE p.period = intervention_reports.period AND p.status = 'locked')",
                )
                .bind(r.id)
                .bind(&r.period);
                for cell in r.reached.cells() {
                    query = query.bind(cell);
                }
                let updated = query
                    .bind(r.spent_xof)
                    .bind(&r.narrative)
                    .bind(&r.explanation)
                    .bind(r.updated_by)
                    .bind(r.updated_at)
                    .bind(version)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                if updated.rows_affected() == 0 {
                    return Err(StoreError::Conflict("stale".into()));
                }
            }
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn reporting_periods_impl(&self) -> StoreResult<Vec<ReportingPeriod>> {
        let rows: Vec<ReportingPeriodRow> = sqlx::query_as(
            "SELECT period, status, version, changed_by, changed_at FROM reporting_periods ORDER BY period DESC",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.into_iter().map(ReportingPeriod::try_from).collect()
    }

    async fn reporting_period_impl(&self, period: &str) -> StoreResult<Option<ReportingPeriod>> {
        let row: Option<ReportingPeriodRow> = sqlx::query_as(
            "SELECT period, status, version, changed_by, changed_at FROM reporting_periods WHERE period = $1",
        )
        .bind(period)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.map(ReportingPeriod::try_from).transpose()
    }

    async fn save_reporting_period_impl(
        &self,
        p: &ReportingPeriod,
        expected_version: Option<i64>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let done = match expected_version {
            None => sqlx::query(
                "INSERT INTO reporting_periods (period, status, version, changed_by, changed_at) \
                 VALUES ($1, $2, 1, $3, $4) ON CONFLICT (period) DO NOTHING",
            )
            .bind(&p.period)
            .bind(p.status.code())
            .bind(p.changed_by)
            .bind(p.changed_at)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?,
            Some(version) => sqlx::query(
                "UPDATE reporting_periods SET status = $2, version = version + 1, changed_by = $3, changed_at = $4 \
                 WHERE period = $1 AND version = $5",
            )
            .bind(&p.period)
            .bind(p.status.code())
            .bind(p.changed_by)
            .bind(p.changed_at)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?,
        };
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict("stale".into()));
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn bulk_insert_interventions_impl(
        &self,
        interventions: &[Intervention],
        reports: &[InterventionReport],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        for i in interventions {
            insert_intervention_in(&mut tx, i).await?;
        }
        let mut periods: Vec<&str> = reports.iter().map(|r| r.period.as_str()).collect();
        periods.sort_unstable();
        periods.dedup();
        for period in periods {
            ensure_period_in(&mut tx, period).await?;
        }
        for r in reports {
            if insert_report_in(&mut tx, r).await? == 0 {
                return Err(StoreError::Conflict("intervention_report".into()));
            }
        }
        tx.commit().await.map_err(store_error)
    }
}
