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

/// The common table expressions of the needs: `open_needs` (case, category) holds the open plan items
/// and the needs of each case's latest assessment (mapped to their category by
/// `cnrm_domain::gaps::need_category`, written out as a `VALUES` list and matched against the JSON list
/// of their own dimension only, which keeps the matching cheap). `cases`: the placeholders of an `IN`
/// list restricting the cases, or `None` for every case. Codes are written out rather than bound, so
/// that the 0016 migration fills `case_needs` with this very text (a test holds them equal).
fn open_needs_ctes(cases: Option<&str>) -> String {
    use cnrm_domain::lifecycle::plan::{Dimension, PlanItemStatus};
    let map = cnrm_domain::gaps::need_categories()
        .into_iter()
        .map(|(need, category)| {
            format!("('{}', '%\"{}\"%', '{}')", need.dimension().code(), need.code(), category.code())
        })
        .collect::<Vec<_>>()
        .join(", ");
    let ended = PlanItemStatus::ALL
        .into_iter()
        .filter(|s| s.is_terminal())
        .map(|s| format!("'{}'", s.code()))
        .collect::<Vec<_>>()
        .join(", ");
    let only = |column: &str| cases.map_or(String::new(), |ids| format!("{column} IN ({ids}) AND "));
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
             FROM needs_assessments na WHERE {}NOT EXISTS (SELECT 1 FROM needs_assessments x \
             WHERE x.case_id = na.case_id AND (x.assessed_on > na.assessed_on \
             OR (x.assessed_on = na.assessed_on AND x.id > na.id)))), \
         open_needs AS (SELECT case_id, assistance_type AS category FROM plan_items WHERE {}status NOT IN ({ended}) \
             UNION ALL {} UNION ALL {} UNION ALL {})",
        only("na.case_id"),
        only("case_id"),
        branch(Dimension::Economic, "economic_needs"),
        branch(Dimension::Social, "social_needs"),
        branch(Dimension::Psychosocial, "psychosocial_needs"),
    )
}

/// Fills `case_needs` with what the cases contribute to the matrix: each open need category of an open
/// case whose returnee has a place of settlement, once, with that place. `cases` as in
/// [`open_needs_ctes`]: the rows of these cases only (their old rows deleted first).
///
/// The open, settled cases are a `MATERIALIZED` set of their own: joined directly, SQLite guesses the
/// needs of one case to be many and builds a Bloom filter over every case and person first (30 ms a
/// write at 100,000 cases instead of half a millisecond).
fn case_needs_rows_sql(cases: Option<&str>) -> String {
    let open = cnrm_domain::lifecycle::case::CaseStatus::Open.code();
    let only = cases.map_or(String::new(), |ids| format!("c.id IN ({ids}) AND "));
    format!(
        "INSERT INTO case_needs (case_id, category, pcode) {}, \
         settled AS MATERIALIZED (SELECT c.id AS case_id, p.settlement_pcode AS pcode \
             FROM cases c JOIN persons p ON p.id = c.person_id \
             WHERE {only}c.status = '{open}' AND p.settlement_pcode IS NOT NULL) \
         SELECT DISTINCT n.case_id, n.category, s.pcode FROM open_needs n JOIN settled s ON s.case_id = n.case_id",
        open_needs_ctes(cases)
    )
}

/// Fills the counters from `case_needs` (emptied first): the rebuild and the 0016 migration.
const GAP_NEED_COUNTS_ROWS: &str = "INSERT INTO gap_need_counts (pcode, category, returnees) \
     SELECT pcode, category, COUNT(*) FROM case_needs GROUP BY pcode, category";

/// Adds (`sign` empty) or takes away (`sign` `-`) what the listed cases' rows of `case_needs` count.
fn gap_need_delta_sql(sign: &str, ids: &str) -> String {
    format!(
        "INSERT INTO gap_need_counts (pcode, category, returnees) \
         SELECT pcode, category, {sign}COUNT(*) FROM case_needs WHERE case_id IN ({ids}) GROUP BY pcode, category \
         ON CONFLICT (pcode, category) DO UPDATE SET returnees = gap_need_counts.returnees + excluded.returnees"
    )
}

/// Brings `case_needs` and `gap_need_counts` in step with what the transaction wrote for these cases
/// (their plan items, needs assessments, status, the returnee's settlement): their old rows are taken
/// off the counters, recomputed from the records, and added back, so the matrix reads a few hundred
/// counters instead of every need. Every write that can change a case's needs ends here.
///
/// Call it after `append_audit_in`: in PostgreSQL the audit head's row lock, held until the commit,
/// makes the refreshes take turns, each reading the rows the previous one committed (a case changed
/// by two transactions at once is then neither counted twice nor forgotten).
async fn refresh_gap_needs(tx: &mut Transaction<'_, Db>, case_ids: &[Uuid]) -> StoreResult<()> {
    let refreshed = per_case_chunk(tx, case_ids, |ids| {
        vec![
            gap_need_delta_sql("-", ids),
            format!("DELETE FROM case_needs WHERE case_id IN ({ids})"),
            case_needs_rows_sql(Some(ids)),
            gap_need_delta_sql("", ids),
        ]
    })
    .await?;
    if refreshed {
        sqlx::query("DELETE FROM gap_need_counts WHERE returnees = 0").execute(&mut **tx).await.map_err(store_error)?;
    }
    Ok(())
}

/// Runs the statements `make` writes for a list of placeholders over the cases, each once (sorted,
/// in chunks under the engines' limits on bound parameters); false when there was no case.
async fn per_case_chunk(
    tx: &mut Transaction<'_, Db>,
    case_ids: &[Uuid],
    make: impl Fn(&str) -> Vec<String>,
) -> StoreResult<bool> {
    let mut unique = case_ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    for chunk in unique.chunks(BULK_ROWS) {
        for sql in make(&placeholders(1, chunk.len())) {
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(&mut **tx).await.map_err(store_error)?;
        }
    }
    Ok(!unique.is_empty())
}

/// The needs counted from the records rather than the counters (reaching status and settlement through
/// `case_search`, unlike [`case_needs_rows_sql`]): the check the tests hold the counters to.
fn gap_needs_recomputed_sql() -> String {
    let open = cnrm_domain::lifecycle::case::CaseStatus::Open.code();
    format!(
        "{} SELECT s.settlement_pcode AS pcode, n.category AS category, COUNT(DISTINCT n.case_id) AS returnees \
         FROM open_needs n JOIN case_search s ON s.case_id = n.case_id AND s.token = '' \
         WHERE s.status = '{open}' AND s.settlement_pcode IS NOT NULL \
         GROUP BY s.settlement_pcode, n.category",
        open_needs_ctes(None)
    )
}

fn need_counts(rows: Vec<GapNeedRow>) -> StoreResult<Vec<cnrm_domain::gaps::NeedCount>> {
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

impl Store {
    async fn gap_needs_impl(&self) -> StoreResult<Vec<cnrm_domain::gaps::NeedCount>> {
        let rows = sqlx::query_as::<_, GapNeedRow>(
            "SELECT pcode, category, returnees FROM gap_need_counts WHERE returnees > 0",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        need_counts(rows)
    }

    async fn gap_needs_recomputed_impl(&self) -> StoreResult<Vec<cnrm_domain::gaps::NeedCount>> {
        let rows = sqlx::query_as::<_, GapNeedRow>(&gap_needs_recomputed_sql())
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        need_counts(rows)
    }

    async fn rebuild_gap_needs_impl(&self, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        // The audit entry first: it takes the lock every refresh holds (see `refresh_gap_needs`).
        append_audit_in(&mut tx, audit).await?;
        let statements = [
            "DELETE FROM case_needs".to_string(),
            case_needs_rows_sql(None),
            "DELETE FROM gap_need_counts".to_string(),
            GAP_NEED_COUNTS_ROWS.to_string(),
        ];
        for sql in &statements {
            sqlx::query(sql).execute(&mut *tx).await.map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)
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

#[cfg(test)]
mod gap_migration_tests {
    /// The 0016 migration fills `case_needs` and `gap_need_counts` with the statements the rebuild
    /// runs, written out as they were then: a change to the needs' mapping or to what counts fails
    /// here, a reminder that the rows already stored need a new migration refilling them.
    #[test]
    fn the_0016_migration_fills_the_counters_as_the_rebuild_does() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/0016_gap_counters.sql");
        let text = std::fs::read_to_string(path).expect("the 0016 migration");
        let squeeze = |sql: &str| {
            sql.lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        let migration = squeeze(&text);
        for statement in [super::case_needs_rows_sql(None), super::GAP_NEED_COUNTS_ROWS.to_string()] {
            let statement = squeeze(&statement);
            assert!(migration.contains(&statement), "{path} should run:\n{statement};");
        }
    }
}
