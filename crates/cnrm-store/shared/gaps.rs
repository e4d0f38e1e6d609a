// Gap and overlap analysis (task G4): one aggregate query per source, compiled once per backend like
// `queries.rs` (which delegates to these). Names are written in full (no `use`): several shared files
// are included into one module. Only counts and unit codes leave these queries, never a person.

#[derive(FromRow)]
struct GapNeedRow {
    pcode: String,
    category: String,
    returnees: i64,
}

#[derive(FromRow)]
struct GapServiceRow {
    id: Uuid,
    pcode: String,
    category: String,
    capacity_per_month: Option<i64>,
}

#[derive(FromRow)]
struct GapInterventionRow {
    id: Uuid,
    pcode: String,
    category: String,
    start_on: Date,
    end_on: Date,
}

fn gap_category(code: &str) -> StoreResult<cnrm_domain::lifecycle::plan::AssistanceType> {
    cnrm_domain::lifecycle::plan::AssistanceType::parse(code).ok_or_else(|| corrupt("assistance category", code))
}

/// The needs query: open plan items and the needs of each case's latest assessment (mapped to their
/// category by `cnrm_domain::gaps::need_category`, written out as a `VALUES` list and matched against
/// the JSON list of their own dimension only, which keeps the matching cheap), for open cases, counted
/// once per returnee and category, per settlement unit. `$1`, `$2`: the closed item statuses; `$3`: the
/// open case status.
fn gap_needs_sql() -> String {
    use cnrm_domain::lifecycle::plan::Dimension;
    let map = cnrm_domain::gaps::need_categories()
        .into_iter()
        .map(|(need, category)| {
            format!("('{}', '%\"{}\"%', '{}')", need.dimension().code(), need.code(), category.code())
        })
        .collect::<Vec<_>>()
        .join(", ");
    let branch = |dimension: Dimension, column: &str| {
        format!(
            "SELECT l.case_id, m.category FROM latest l JOIN need_map m ON m.dimension = '{}' \
             AND l.{column} <> '[]' AND l.{column} LIKE m.pattern",
            dimension.code()
        )
    };
    format!(
        "WITH need_map (dimension, pattern, category) AS (VALUES {map}), \
         latest AS (SELECT na.case_id, na.economic_needs, na.social_needs, na.psychosocial_needs \
             FROM needs_assessments na WHERE NOT EXISTS (SELECT 1 FROM needs_assessments x \
             WHERE x.case_id = na.case_id AND (x.assessed_on > na.assessed_on \
             OR (x.assessed_on = na.assessed_on AND x.id > na.id)))), \
         open_needs AS (SELECT case_id, assistance_type AS category FROM plan_items WHERE status NOT IN ($1, $2) \
             UNION ALL {} UNION ALL {} UNION ALL {}) \
         SELECT s.settlement_pcode AS pcode, n.category AS category, COUNT(DISTINCT n.case_id) AS returnees \
         FROM open_needs n JOIN case_search s ON s.case_id = n.case_id AND s.token = '' \
         WHERE s.status = $3 AND s.settlement_pcode IS NOT NULL \
         GROUP BY s.settlement_pcode, n.category",
        branch(Dimension::Economic, "economic_needs"),
        branch(Dimension::Social, "social_needs"),
        branch(Dimension::Psychosocial, "psychosocial_needs"),
    )
}

impl Store {
    async fn gap_needs_impl(&self) -> StoreResult<Vec<cnrm_domain::gaps::NeedCount>> {
        use cnrm_domain::lifecycle::{case::CaseStatus, plan::PlanItemStatus};
        let rows = sqlx::query_as::<_, GapNeedRow>(&gap_needs_sql())
            .bind(PlanItemStatus::Delivered.code())
            .bind(PlanItemStatus::Cancelled.code())
            .bind(CaseStatus::Open.code())
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.into_iter()
            .map(|r| {
                Ok(cnrm_domain::gaps::NeedCount {
                    pcode: r.pcode,
                    category: gap_category(&r.category)?,
                    returnees: r.returnees,
                })
            })
            .collect()
    }

    async fn gap_services_impl(&self) -> StoreResult<Vec<cnrm_domain::gaps::ServiceCover>> {
        let rows = sqlx::query_as::<_, GapServiceRow>(
            "SELECT r.service_id AS id, u.pcode AS pcode, r.category AS category, r.capacity_per_month \
             FROM catalogue_revisions r JOIN catalogue_revision_units u ON u.revision_id = r.id \
             WHERE r.status = $1",
        )
        .bind(cnrm_domain::service::RevisionStatus::Published.code())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.into_iter()
            .map(|r| {
                Ok(cnrm_domain::gaps::ServiceCover {
                    id: r.id,
                    pcode: r.pcode,
                    category: gap_category(&r.category)?,
                    capacity_per_month: r.capacity_per_month,
                })
            })
            .collect()
    }

    async fn gap_interventions_impl(
        &self,
        from: Date,
        to: Date,
    ) -> StoreResult<Vec<cnrm_domain::gaps::InterventionCover>> {
        let rows = sqlx::query_as::<_, GapInterventionRow>(
            "SELECT i.id, u.pcode AS pcode, i.category AS category, i.start_on, i.end_on \
             FROM interventions i JOIN intervention_units u ON u.intervention_id = i.id \
             WHERE i.published AND i.status <> $1 AND i.start_on <= $3 AND i.end_on >= $2",
        )
        .bind(cnrm_domain::intervention::InterventionStatus::Completed.code())
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.into_iter()
            .map(|r| {
                Ok(cnrm_domain::gaps::InterventionCover {
                    id: r.id,
                    pcode: r.pcode,
                    category: gap_category(&r.category)?,
                    start_on: r.start_on,
                    end_on: r.end_on,
                })
            })
            .collect()
    }
}
