// Collective project queries, compiled once per backend like `queries.rs` (which delegates to these).
// Names are written in full (no `use`): several shared files are included into one module.

#[derive(FromRow)]
struct ProjectRow {
    id: Uuid,
    organisation_id: Uuid,
    name: String,
    level: String,
    sector: String,
    location_pcode: String,
    description: String,
    budget_xof: i64,
    start_on: Option<Date>,
    status: String,
    status_reason: Option<String>,
    version: i64,
    created_by: Option<Uuid>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const PROJECT_COLUMNS: &str =
    "id, organisation_id, name, level, sector, location_pcode, description, budget_xof, start_on, \
     status, status_reason, version, created_by, created_at, updated_at";

impl TryFrom<ProjectRow> for Project {
    type Error = StoreError;
    fn try_from(r: ProjectRow) -> StoreResult<Project> {
        Ok(Project {
            id: r.id,
            organisation_id: r.organisation_id,
            name: r.name,
            level: code("project level", &r.level, cnrm_domain::lifecycle::plan::AssistanceLevel::parse)?,
            sector: code("project sector", &r.sector, cnrm_domain::project::Sector::parse)?,
            location_pcode: r.location_pcode,
            description: r.description,
            budget_xof: r.budget_xof,
            start_on: r.start_on,
            status: code("project status", &r.status, cnrm_domain::project::ProjectStatus::parse)?,
            status_reason: r.status_reason,
            version: r.version,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(FromRow)]
struct ProjectMemberRow {
    case_id: Uuid,
    case_number: String,
    family_name: String,
    given_names: String,
    organisation_id: Uuid,
    assigned_to: Option<Uuid>,
    team: Option<String>,
    protection: bool,
    plan_item_id: Option<Uuid>,
    plan_item_budget_xof: Option<i64>,
    plan_item_status: Option<String>,
    added_at: OffsetDateTime,
}

#[derive(FromRow)]
struct ProjectSummaryRow {
    #[sqlx(flatten)]
    project: ProjectRow,
    member_count: i64,
}

impl Store {
    async fn insert_project_impl(&self, p: &Project, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(&format!(
            "INSERT INTO projects ({PROJECT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        ))
        .bind(p.id)
        .bind(p.organisation_id)
        .bind(&p.name)
        .bind(p.level.code())
        .bind(p.sector.code())
        .bind(&p.location_pcode)
        .bind(&p.description)
        .bind(p.budget_xof)
        .bind(p.start_on)
        .bind(p.status.code())
        .bind(&p.status_reason)
        .bind(p.version)
        .bind(p.created_by)
        .bind(p.created_at)
        .bind(p.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn update_project_impl(&self, p: &Project, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let updated = sqlx::query(
            "UPDATE projects SET name = $2, level = $3, sector = $4, location_pcode = $5, description = $6, budget_xof = $7, \
             start_on = $8, status = $9, status_reason = $10, version = version + 1, updated_at = $11 \
             WHERE id = $1 AND version = $12",
        )
        .bind(p.id)
        .bind(&p.name)
        .bind(p.level.code())
        .bind(p.sector.code())
        .bind(&p.location_pcode)
        .bind(&p.description)
        .bind(p.budget_xof)
        .bind(p.start_on)
        .bind(p.status.code())
        .bind(&p.status_reason)
        .bind(p.updated_at)
        .bind(p.version)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        stale_unless_written(updated)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn project_impl(&self, id: Uuid) -> StoreResult<Option<ProjectFile>> {
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE id = $1");
        let row: Option<ProjectRow> =
            sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        let Some(row) = row else { return Ok(None) };
        let members: Vec<ProjectMemberRow> = sqlx::query_as(
            "SELECT m.case_id, c.case_number, p.family_name, p.given_names, c.organisation_id, c.assigned_to, c.team, \
             c.protection, m.plan_item_id, i.budget_xof AS plan_item_budget_xof, i.status AS plan_item_status, m.added_at \
             FROM project_members m JOIN cases c ON c.id = m.case_id JOIN persons p ON p.id = c.person_id \
             LEFT JOIN plan_items i ON i.id = m.plan_item_id \
             WHERE m.project_id = $1 ORDER BY c.case_number",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let members = members
            .into_iter()
            .map(|m| {
                Ok(ProjectMember {
                    case_id: m.case_id,
                    case_number: m.case_number,
                    family_name: m.family_name,
                    given_names: m.given_names,
                    organisation_id: m.organisation_id,
                    assigned_to: m.assigned_to,
                    team: m.team,
                    protection: m.protection,
                    plan_item_id: m.plan_item_id,
                    plan_item_budget_xof: m.plan_item_budget_xof,
                    plan_item_status: m
                        .plan_item_status
                        .map(|s| code("plan item status", &s, cnrm_domain::lifecycle::plan::PlanItemStatus::parse))
                        .transpose()?,
                    added_at: m.added_at,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Some(ProjectFile { project: Project::try_from(row)?, members }))
    }

    async fn projects_impl(
        &self,
        organisation_id: Option<Uuid>,
        status: Option<cnrm_domain::project::ProjectStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<ProjectSummary>> {
        let clause = "WHERE ($1 IS NULL OR organisation_id = $1) AND ($2 IS NULL OR status = $2)";
        let status = status.map(|s| s.code().to_string());
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM projects {clause}"))
            .bind(organisation_id)
            .bind(&status)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        let sql = format!(
            "SELECT {PROJECT_COLUMNS}, (SELECT COUNT(*) FROM project_members m WHERE m.project_id = projects.id) AS member_count \
             FROM projects {clause} ORDER BY id DESC LIMIT $3 OFFSET $4"
        );
        let rows: Vec<ProjectSummaryRow> = sqlx::query_as(&sql)
            .bind(organisation_id)
            .bind(&status)
            .bind(page.per_page)
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        let items = rows
            .into_iter()
            .map(|r| Ok(ProjectSummary { project: Project::try_from(r.project)?, member_count: r.member_count }))
            .collect::<StoreResult<_>>()?;
        Ok(Page { items, total, page: page.page, per_page: page.per_page })
    }

    async fn add_project_member_impl(&self, m: &NewProjectMember, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let added = sqlx::query(
            "INSERT INTO project_members (project_id, case_id, plan_item_id, added_by, added_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (project_id, case_id) DO NOTHING",
        )
        .bind(m.project_id)
        .bind(m.case_id)
        .bind(m.plan_item_id)
        .bind(m.added_by)
        .bind(m.added_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if added.rows_affected() == 0 {
            return Err(StoreError::Conflict("project_member".into()));
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn remove_project_member_impl(&self, project_id: Uuid, case_id: Uuid, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let removed = sqlx::query("DELETE FROM project_members WHERE project_id = $1 AND case_id = $2")
            .bind(project_id)
            .bind(case_id)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        if removed.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn projects_of_case_impl(&self, case_id: Uuid) -> StoreResult<Vec<Project>> {
        let sql = format!(
            "SELECT {PROJECT_COLUMNS} FROM projects WHERE id IN (SELECT project_id FROM project_members WHERE case_id = $1) \
             ORDER BY id DESC"
        );
        let rows: Vec<ProjectRow> =
            sqlx::query_as(&sql).bind(case_id).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.into_iter().map(Project::try_from).collect()
    }
}

#[derive(FromRow)]
struct ShareableRow {
    plan_item_id: Uuid,
    case_id: Uuid,
    case_number: String,
    assistance_type: String,
    level: String,
    description: String,
    budget_xof: i64,
    status: String,
    organisation_id: Uuid,
    assigned_to: Option<Uuid>,
    team: Option<String>,
    protection: bool,
}

impl Store {
    async fn shareable_plan_items_impl(&self, organisation_id: Uuid, limit: i64) -> StoreResult<Vec<ShareableItem>> {
        let rows: Vec<ShareableRow> = sqlx::query_as(
            "SELECT i.id AS plan_item_id, i.case_id, c.case_number, i.assistance_type, i.level, i.description, i.budget_xof, \
             i.status, c.organisation_id, c.assigned_to, c.team, c.protection \
             FROM plan_items i JOIN cases c ON c.id = i.case_id \
             WHERE c.organisation_id = $1 AND c.status = 'open' AND i.level IN ('collective', 'community') \
             AND i.status <> 'cancelled' ORDER BY c.case_number, i.id LIMIT $2",
        )
        .bind(organisation_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.into_iter()
            .map(|r| {
                Ok(ShareableItem {
                    plan_item_id: r.plan_item_id,
                    case_id: r.case_id,
                    case_number: r.case_number,
                    assistance_type: code(
                        "assistance type",
                        &r.assistance_type,
                        cnrm_domain::lifecycle::plan::AssistanceType::parse,
                    )?,
                    level: code("level", &r.level, cnrm_domain::lifecycle::plan::AssistanceLevel::parse)?,
                    description: r.description,
                    budget_xof: r.budget_xof,
                    status: code("plan item status", &r.status, cnrm_domain::lifecycle::plan::PlanItemStatus::parse)?,
                    organisation_id: r.organisation_id,
                    assigned_to: r.assigned_to,
                    team: r.team,
                    protection: r.protection,
                })
            })
            .collect()
    }
}
