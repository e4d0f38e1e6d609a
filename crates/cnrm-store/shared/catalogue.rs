// Service catalogue queries, compiled once per backend like `queries.rs` (which delegates to these).
// Names are written in full (no `use`): several shared files are included into one module.

#[derive(FromRow)]
struct CatalogueServiceRow {
    id: Uuid,
    organisation_id: Uuid,
    version: i64,
    created_by: Option<Uuid>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

#[derive(FromRow)]
struct ServiceRevisionRow {
    id: Uuid,
    service_id: Uuid,
    organisation_id: Uuid,
    number: i64,
    status: String,
    name: String,
    category: String,
    dimension: String,
    description: String,
    sexes: String,
    age_min: Option<i64>,
    age_max: Option<i64>,
    vulnerabilities: String,
    return_types: String,
    capacity_per_month: Option<i64>,
    cost_xof: i64,
    contact_name: String,
    contact_phone: String,
    contact_email: String,
    languages: String,
    opening_hours: String,
    review_comment: Option<String>,
    reviewed_by: Option<Uuid>,
    reviewed_at: Option<OffsetDateTime>,
    created_by: Option<Uuid>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const REVISION_COLUMNS: &str = "r.id, r.service_id, s.organisation_id, r.number, r.status, r.name, r.category, \
     r.dimension, r.description, r.sexes, r.age_min, r.age_max, r.vulnerabilities, r.return_types, \
     r.capacity_per_month, r.cost_xof, r.contact_name, r.contact_phone, r.contact_email, r.languages, \
     r.opening_hours, r.review_comment, r.reviewed_by, r.reviewed_at, r.created_by, r.created_at, r.updated_at";

impl ServiceRevisionRow {
    fn into_revision(self, units: Vec<String>) -> StoreResult<ServiceRevision> {
        use cnrm_domain::lifecycle::plan::{AssistanceType, Dimension};
        Ok(ServiceRevision {
            id: self.id,
            service_id: self.service_id,
            organisation_id: self.organisation_id,
            number: self.number,
            status: code("catalogue status", &self.status, cnrm_domain::service::RevisionStatus::parse)?,
            content: cnrm_domain::service::ServiceContent {
                name: self.name,
                category: code("service category", &self.category, AssistanceType::parse)?,
                dimension: code("service dimension", &self.dimension, Dimension::parse)?,
                description: self.description,
                units,
                eligibility: cnrm_domain::service::Eligibility {
                    sexes: codes("sexes", &self.sexes, cnrm_domain::person::Sex::parse)?,
                    age_min: self.age_min.map(|a| a as i32),
                    age_max: self.age_max.map(|a| a as i32),
                    vulnerabilities: codes(
                        "vulnerabilities",
                        &self.vulnerabilities,
                        cnrm_domain::vulnerability::VulnerabilityFlag::parse,
                    )?,
                    return_types: codes("return types", &self.return_types, cnrm_domain::person::ReturnType::parse)?,
                },
                capacity_per_month: self.capacity_per_month,
                cost_xof: self.cost_xof,
                contact_name: self.contact_name,
                contact_phone: self.contact_phone,
                contact_email: self.contact_email,
                languages: codes("languages", &self.languages, cnrm_domain::person::Language::parse)?,
                opening_hours: self.opening_hours,
            },
            review_comment: self.review_comment,
            reviewed_by: self.reviewed_by,
            reviewed_at: self.reviewed_at,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

async fn write_revision_in(tx: &mut Transaction<'_, Db>, r: &ServiceRevision) -> StoreResult<()> {
    let c = &r.content;
    let e = &c.eligibility;
    sqlx::query(
        "INSERT INTO catalogue_revisions (id, service_id, number, status, name, category, dimension, description, \
         sexes, age_min, age_max, vulnerabilities, return_types, capacity_per_month, cost_xof, contact_name, \
         contact_phone, contact_email, languages, opening_hours, review_comment, reviewed_by, reviewed_at, \
         created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
         $22, $23, $24, $25, $26) \
         ON CONFLICT (id) DO UPDATE SET status = $4, name = $5, category = $6, dimension = $7, description = $8, \
         sexes = $9, age_min = $10, age_max = $11, vulnerabilities = $12, return_types = $13, \
         capacity_per_month = $14, cost_xof = $15, contact_name = $16, contact_phone = $17, contact_email = $18, \
         languages = $19, opening_hours = $20, review_comment = $21, reviewed_by = $22, reviewed_at = $23, \
         updated_at = $26",
    )
    .bind(r.id)
    .bind(r.service_id)
    .bind(r.number)
    .bind(r.status.code())
    .bind(&c.name)
    .bind(c.category.code())
    .bind(c.dimension.code())
    .bind(&c.description)
    .bind(codes_json(&e.sexes, cnrm_domain::person::Sex::code))
    .bind(e.age_min.map(i64::from))
    .bind(e.age_max.map(i64::from))
    .bind(codes_json(&e.vulnerabilities, cnrm_domain::vulnerability::VulnerabilityFlag::code))
    .bind(codes_json(&e.return_types, cnrm_domain::person::ReturnType::code))
    .bind(c.capacity_per_month)
    .bind(c.cost_xof)
    .bind(&c.contact_name)
    .bind(&c.contact_phone)
    .bind(&c.contact_email)
    .bind(codes_json(&c.languages, cnrm_domain::person::Language::code))
    .bind(&c.opening_hours)
    .bind(&r.review_comment)
    .bind(r.reviewed_by)
    .bind(r.reviewed_at)
    .bind(r.created_by)
    .bind(r.created_at)
    .bind(r.updated_at)
    .execute(&mut **tx)
    .await
    .map_err(store_error)?;
    sqlx::query("DELETE FROM catalogue_revision_units WHERE revision_id = $1")
        .bind(r.id)
        .execute(&mut **tx)
        .await
        .map_err(store_error)?;
    for pcode in &c.units {
        sqlx::query("INSERT INTO catalogue_revision_units (revision_id, pcode) VALUES ($1, $2)")
            .bind(r.id)
            .bind(pcode)
            .execute(&mut **tx)
            .await
            .map_err(store_error)?;
    }
    Ok(())
}

impl Store {
    /// The revisions of these rows with their units.
    async fn revisions_with_units(&self, rows: Vec<ServiceRevisionRow>) -> StoreResult<Vec<ServiceRevision>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT revision_id, pcode FROM catalogue_revision_units WHERE revision_id IN ({}) ORDER BY pcode",
            placeholders(1, rows.len())
        );
        let mut query = sqlx::query_as::<_, (Uuid, String)>(&sql);
        for r in &rows {
            query = query.bind(r.id);
        }
        let units = query.fetch_all(&self.pool).await.map_err(store_error)?;
        rows.into_iter()
            .map(|r| {
                let mine = units.iter().filter(|(id, _)| *id == r.id).map(|(_, p)| p.clone()).collect();
                r.into_revision(mine)
            })
            .collect()
    }

    async fn insert_catalogue_service_impl(
        &self,
        s: &CatalogueService,
        revision: &ServiceRevision,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(
            "INSERT INTO catalogue_services (id, organisation_id, version, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(s.id)
        .bind(s.organisation_id)
        .bind(s.version)
        .bind(s.created_by)
        .bind(s.created_at)
        .bind(s.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        write_revision_in(&mut tx, revision).await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn save_catalogue_revision_impl(
        &self,
        service_id: Uuid,
        version: i64,
        revision: &ServiceRevision,
        supersede: Option<Uuid>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let updated = sqlx::query(
            "UPDATE catalogue_services SET version = version + 1, updated_at = $3 WHERE id = $1 AND version = $2",
        )
        .bind(service_id)
        .bind(version)
        .bind(revision.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Conflict("stale".into()));
        }
        if let Some(old) = supersede {
            sqlx::query(
                "UPDATE catalogue_revisions SET status = $2, updated_at = $3 WHERE id = $1 AND service_id = $4",
            )
            .bind(old)
            .bind(cnrm_domain::service::RevisionStatus::Superseded.code())
            .bind(revision.updated_at)
            .bind(service_id)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        write_revision_in(&mut tx, revision).await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn catalogue_service_impl(&self, id: Uuid) -> StoreResult<Option<CatalogueService>> {
        let row: Option<CatalogueServiceRow> = sqlx::query_as(
            "SELECT id, organisation_id, version, created_by, created_at, updated_at FROM catalogue_services WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        let Some(row) = row else { return Ok(None) };
        let sql = format!(
            "SELECT {REVISION_COLUMNS} FROM catalogue_revisions r JOIN catalogue_services s ON s.id = r.service_id \
             WHERE r.service_id = $1 AND r.status <> $2 ORDER BY r.number"
        );
        let rows: Vec<ServiceRevisionRow> = sqlx::query_as(&sql)
            .bind(id)
            .bind(cnrm_domain::service::RevisionStatus::Superseded.code())
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        let mut published = None;
        let mut pending = None;
        for r in self.revisions_with_units(rows).await? {
            if r.status == cnrm_domain::service::RevisionStatus::Published {
                published = Some(r);
            } else {
                pending = Some(r);
            }
        }
        Ok(Some(CatalogueService {
            id: row.id,
            organisation_id: row.organisation_id,
            version: row.version,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
            published,
            pending,
        }))
    }

    async fn catalogue_search_impl(
        &self,
        visibility: CatalogueVisibility,
        filter: &CatalogueFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<ServiceRevision>> {
        // Parameters: $1 superseded, $2 published, $3 own organisation (or NULL), $4 everything visible,
        // $5 category, $6 organisation, $7 status, then the units.
        let (own, all) = match visibility {
            CatalogueVisibility::Published => (None, false),
            CatalogueVisibility::PublishedAndOwn(org) => (Some(org), false),
            CatalogueVisibility::All => (None, true),
        };
        let units = filter.units.clone().unwrap_or_default();
        let mut clause = String::from(
            "FROM catalogue_revisions r JOIN catalogue_services s ON s.id = r.service_id \
             WHERE r.status <> $1 AND (r.status = $2 OR s.organisation_id = $3 OR $4) \
             AND ($5 IS NULL OR r.category = $5) AND ($6 IS NULL OR s.organisation_id = $6) \
             AND ($7 IS NULL OR r.status = $7)",
        );
        if filter.units.is_some() {
            if units.is_empty() {
                clause.push_str(" AND 1 = 0");
            } else {
                clause.push_str(&format!(
                    " AND EXISTS (SELECT 1 FROM catalogue_revision_units u WHERE u.revision_id = r.id AND u.pcode IN ({}))",
                    placeholders(8, units.len())
                ));
            }
        }
        let category = filter.category.map(|c| c.code().to_string());
        let status = filter.status.map(|s| s.code().to_string());
        let superseded = cnrm_domain::service::RevisionStatus::Superseded.code();
        let published = cnrm_domain::service::RevisionStatus::Published.code();
        let count_sql = format!("SELECT COUNT(*) {clause}");
        let mut count = sqlx::query_scalar::<_, i64>(&count_sql)
            .bind(superseded)
            .bind(published)
            .bind(own)
            .bind(all)
            .bind(&category)
            .bind(filter.organisation_id)
            .bind(&status);
        for u in &units {
            count = count.bind(u);
        }
        let total = count.fetch_one(&self.pool).await.map_err(store_error)?;
        let n = 8 + units.len();
        let sql =
            format!("SELECT {REVISION_COLUMNS} {clause} ORDER BY r.name, r.number LIMIT ${} OFFSET ${}", n, n + 1);
        let mut query = sqlx::query_as::<_, ServiceRevisionRow>(&sql)
            .bind(superseded)
            .bind(published)
            .bind(own)
            .bind(all)
            .bind(&category)
            .bind(filter.organisation_id)
            .bind(&status);
        for u in &units {
            query = query.bind(u);
        }
        let rows = query.bind(page.per_page).bind(page.offset()).fetch_all(&self.pool).await.map_err(store_error)?;
        let items = self.revisions_with_units(rows).await?;
        Ok(Page { items, total, page: page.page, per_page: page.per_page })
    }
}
