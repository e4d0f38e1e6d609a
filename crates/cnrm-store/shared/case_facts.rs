// The case facts (migration 0021, `cnrm_domain::case_facts`): one row of measures per case, and the
// same measures added up per cell (arrival month × organisation × region × sex × age group), kept by
// every write that can change them. The case-based indicators are sums over the cells, or over the
// cases' rows for the filters the cells do not key. Names are written in full (no `use`): several
// shared files are included into one module.

/// Scores in whole millionths (see `cnrm_domain::case_facts::SCORE_SCALE`).
fn micro_sql(score: &str) -> String {
    format!("CAST(ROUND({score} * 1000000) AS BIGINT)")
}

/// The first day of the month of a date column.
fn first_of_month_sql(date: &str) -> String {
    match BACKEND {
        Backend::Sqlite => format!("(substr({date}, 1, 7) || '-01')"),
        Backend::Postgres => format!("CAST(date_trunc('month', {date}) AS DATE)"),
    }
}

/// The columns of `case_facts`, in order: keys, then measures.
fn case_fact_columns() -> Vec<String> {
    let keys = [
        "case_id",
        "arrival_date",
        "arrival_month",
        "organisation_id",
        "settlement_pcode",
        "region_pcode",
        "sex",
        "age_group",
        "return_type",
        "returned_from",
        "programme",
    ];
    keys.iter()
        .map(|k| k.to_string())
        .chain(cnrm_domain::case_facts::Measure::all().iter().map(|m| m.column()))
        .collect()
}

/// What one measure of a case is, over its listing row `s`, its plan `pl`, the aggregates of its plan
/// items `i` and referrals `r`, its latest sustainability survey `l`, first baseline `b`, last
/// follow-up `f` and satisfaction surveys `sa`.
fn case_measure_sql(measure: cnrm_domain::case_facts::Measure) -> String {
    use cnrm_domain::case_facts::Measure as M;
    let column = measure.column();
    let both_scored = |column: &str| format!("b.{column} IS NOT NULL AND f.{column} IS NOT NULL");
    let score_column = |d: Option<cnrm_domain::lifecycle::plan::Dimension>| {
        d.map_or("score_composite".to_string(), |d| format!("score_{}", d.code()))
    };
    match measure {
        M::Cases => "1".into(),
        M::Assisted
        | M::AssistedIn(_)
        | M::ItemsPlanned
        | M::ItemsDelivered
        | M::PlannedIn(_)
        | M::DeliveredIn(_)
        | M::BudgetXof
        | M::SpentXof
        | M::BudgetIn(_)
        | M::SpentIn(_) => format!("COALESCE(i.{column}, 0)"),
        M::ReferralsSent | M::ReferralsAccepted | M::ReferralsCompleted | M::ReferralsEnded => {
            format!("COALESCE(r.{column}, 0)")
        }
        M::PlanWithinMonth => format!(
            "CASE WHEN pl.agreed_on IS NOT NULL AND {} <= {} THEN 1 ELSE 0 END",
            days_between_sql("pl.agreed_on", "s.arrival_date"),
            cnrm_domain::indicators::PLAN_WITHIN_DAYS
        ),
        M::LatestScored | M::LatestScoredIn(_) => {
            let d = if let M::LatestScoredIn(d) = measure { Some(d) } else { None };
            format!("CASE WHEN l.{} IS NOT NULL THEN 1 ELSE 0 END", score_column(d))
        }
        M::LatestScore | M::LatestScoreIn(_) => {
            let d = if let M::LatestScoreIn(d) = measure { Some(d) } else { None };
            format!("COALESCE({}, 0)", micro_sql(&format!("l.{}", score_column(d))))
        }
        M::AboveBand(i) => format!(
            "CASE WHEN l.score_composite >= {} THEN 1 ELSE 0 END",
            cnrm_domain::indicators::BANDS[i]
        ),
        M::Changed | M::ChangedIn(_) => {
            let d = if let M::ChangedIn(d) = measure { Some(d) } else { None };
            format!("CASE WHEN {} THEN 1 ELSE 0 END", both_scored(&score_column(d)))
        }
        M::Change | M::ChangeIn(_) => {
            let d = if let M::ChangeIn(d) = measure { Some(d) } else { None };
            let c = score_column(d);
            format!(
                "CASE WHEN {} THEN {} - {} ELSE 0 END",
                both_scored(&c),
                micro_sql(&format!("f.{c}")),
                micro_sql(&format!("b.{c}"))
            )
        }
        M::SatisfactionScored | M::SatisfactionScore => format!("COALESCE(sa.{column}, 0)"),
    }
}

/// The aggregate of the plan items `pi` behind an item measure, named after it.
fn item_aggregate_sql(measure: cnrm_domain::case_facts::Measure) -> Option<String> {
    use cnrm_domain::case_facts::Measure as M;
    use cnrm_domain::lifecycle::plan::PlanItemStatus;
    let delivered = format!("pi.status = '{}'", PlanItemStatus::Delivered.code());
    let planned = format!("pi.status <> '{}'", PlanItemStatus::Cancelled.code());
    let of = |d: cnrm_domain::lifecycle::plan::Dimension| format!(" AND pi.dimension = '{}'", d.code());
    let (aggregate, condition, value) = match measure {
        M::Assisted => ("MAX", delivered, "1"),
        M::AssistedIn(d) => ("MAX", delivered + &of(d), "1"),
        M::ItemsPlanned => ("SUM", planned, "1"),
        M::ItemsDelivered => ("SUM", delivered, "1"),
        M::PlannedIn(d) => ("SUM", planned + &of(d), "1"),
        M::DeliveredIn(d) => ("SUM", delivered + &of(d), "1"),
        M::BudgetXof => ("SUM", planned, "COALESCE(pi.budget_xof, 0)"),
        M::SpentXof => ("SUM", planned, "COALESCE(pi.spent_xof, 0)"),
        M::BudgetIn(d) => ("SUM", planned + &of(d), "COALESCE(pi.budget_xof, 0)"),
        M::SpentIn(d) => ("SUM", planned + &of(d), "COALESCE(pi.spent_xof, 0)"),
        _ => return None,
    };
    Some(format!("{aggregate}(CASE WHEN {condition} THEN {value} ELSE 0 END) AS {}", measure.column()))
}

/// The aggregate of the referrals `rf` behind a referral measure, named after it.
fn referral_aggregate_sql(measure: cnrm_domain::case_facts::Measure) -> Option<String> {
    use cnrm_domain::case_facts::Measure as M;
    use cnrm_domain::lifecycle::referral::ReferralStatus as R;
    let codes = |statuses: &[R]| statuses.iter().map(|s| format!("'{}'", s.code())).collect::<Vec<_>>().join(", ");
    let condition = match measure {
        M::ReferralsSent => format!("rf.status <> '{}'", R::Revoked.code()),
        M::ReferralsAccepted => {
            format!("rf.status IN ({})", codes(&[R::Accepted, R::InProgress, R::Completed, R::NotCompleted]))
        }
        M::ReferralsCompleted => format!("rf.status = '{}'", R::Completed.code()),
        M::ReferralsEnded => format!("rf.status IN ({})", codes(&[R::Completed, R::NotCompleted, R::Declined])),
        _ => return None,
    };
    Some(format!("SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS {}", measure.column()))
}

/// Fills `case_facts` with the rows of the cases listed by the placeholders `cases` (or of every case).
fn case_fact_rows_sql(cases: Option<&str>) -> String {
    use cnrm_domain::case_facts::Measure;
    use cnrm_domain::survey::SurveyKind;
    let only = |column: &str| cases.map_or(String::new(), |ids| format!("{column} IN ({ids}) AND "));
    let all = Measure::all();
    let items = all.iter().filter_map(|m| item_aggregate_sql(*m)).collect::<Vec<_>>().join(", ");
    let referrals = all.iter().filter_map(|m| referral_aggregate_sql(*m)).collect::<Vec<_>>().join(", ");
    let (baseline, follow_up, satisfaction) =
        (SurveyKind::Baseline.code(), SurveyKind::FollowUp.code(), SurveyKind::Satisfaction.code());
    let scores = "ss.score_economic, ss.score_social, ss.score_psychosocial, ss.score_composite";
    let region = "COALESCE((SELECT u.pcode FROM admin_units u WHERE u.level = 1 \
                  AND substr(s.settlement_pcode, 1, length(u.pcode)) = u.pcode \
                  ORDER BY length(u.pcode) DESC LIMIT 1), '')";
    let keys = [
        "s.case_id".to_string(),
        "s.arrival_date".into(),
        first_of_month_sql("s.arrival_date"),
        "s.organisation_id".into(),
        "COALESCE(s.settlement_pcode, '')".into(),
        region.into(),
        "COALESCE(s.sex, 'unknown')".into(),
        age_group_sql(),
        "s.return_type".into(),
        "s.returned_from".into(),
        "COALESCE(s.programme, '')".into(),
    ];
    let values = keys.into_iter().chain(all.iter().map(|m| case_measure_sql(*m))).collect::<Vec<_>>().join(", ");
    format!(
        "INSERT INTO case_facts ({}) \
         WITH i AS (SELECT pi.case_id, {items} FROM plan_items pi WHERE {}1 = 1 GROUP BY pi.case_id), \
         r AS (SELECT rf.case_id, {referrals} FROM referrals rf WHERE {}1 = 1 GROUP BY rf.case_id), \
         ranked AS MATERIALIZED (SELECT ss.case_id, ss.kind, {scores}, \
             ROW_NUMBER() OVER (PARTITION BY ss.case_id ORDER BY ss.answered_on DESC, ss.id DESC) AS latest_place, \
             ROW_NUMBER() OVER (PARTITION BY ss.case_id, ss.kind ORDER BY ss.answered_on ASC, ss.id ASC) AS first_place, \
             ROW_NUMBER() OVER (PARTITION BY ss.case_id, ss.kind ORDER BY ss.answered_on DESC, ss.id DESC) AS last_place \
             FROM survey_submissions ss WHERE {}ss.kind IN ('{baseline}', '{follow_up}')), \
         sa AS (SELECT ss.case_id, COUNT(ss.score_composite) AS satisfaction_scored, \
             COALESCE(SUM({}), 0) AS satisfaction_score \
             FROM survey_submissions ss WHERE {}ss.kind = '{satisfaction}' GROUP BY ss.case_id) \
         SELECT {values} FROM case_search s \
         LEFT JOIN plans pl ON pl.case_id = s.case_id \
         LEFT JOIN i ON i.case_id = s.case_id \
         LEFT JOIN r ON r.case_id = s.case_id \
         LEFT JOIN ranked l ON l.case_id = s.case_id AND l.latest_place = 1 \
         LEFT JOIN ranked b ON b.case_id = s.case_id AND b.kind = '{baseline}' AND b.first_place = 1 \
         LEFT JOIN ranked f ON f.case_id = s.case_id AND f.kind = '{follow_up}' AND f.last_place = 1 \
         LEFT JOIN sa ON sa.case_id = s.case_id \
         WHERE {}s.token = ''",
        case_fact_columns().join(", "),
        only("pi.case_id"),
        only("rf.case_id"),
        only("ss.case_id"),
        micro_sql("ss.score_composite"),
        only("ss.case_id"),
        only("s.case_id"),
    )
}

/// Adds up the facts per cell: of the listed cases with `sign` (`-` takes them away) into the
/// counters, or (`cases` `None`) of every case into empty cells.
fn case_fact_cells_sql(sign: &str, cases: Option<&str>) -> String {
    let measures: Vec<String> = cnrm_domain::case_facts::Measure::all().iter().map(|m| m.column()).collect();
    let keys = cnrm_domain::case_facts::CELL_KEYS.join(", ");
    let sums = measures.iter().map(|m| format!("{sign}SUM({m})")).collect::<Vec<_>>().join(", ");
    let filter = cases.map_or(String::new(), |ids| format!("WHERE case_id IN ({ids}) "));
    let upsert = if cases.is_some() {
        let set = measures.iter().map(|m| format!("{m} = case_fact_cells.{m} + excluded.{m}")).collect::<Vec<_>>();
        format!(" ON CONFLICT ({keys}) DO UPDATE SET {}", set.join(", "))
    } else {
        String::new()
    };
    format!(
        "INSERT INTO case_fact_cells ({keys}, {}) SELECT {keys}, {sums} FROM case_facts {filter}GROUP BY {keys}{upsert}",
        measures.join(", ")
    )
}

/// Fills `case_referral_days` with the accepted referrals of the cases listed by the placeholders
/// `cases` (or of every case), per number of days from sending to acceptance.
fn case_referral_days_sql(cases: Option<&str>) -> String {
    let only = cases.map_or(String::new(), |ids| format!("r.case_id IN ({ids}) AND "));
    let days = days_between_sql("r.accepted_on", &day_of_sql("r.created_at"));
    format!(
        "INSERT INTO case_referral_days (case_id, days, referrals) \
         SELECT r.case_id, {days}, COUNT(*) FROM referrals r WHERE {only}r.accepted_on IS NOT NULL GROUP BY 1, 2"
    )
}

/// Adds up the referral days per cell and number of days, as [`case_fact_cells_sql`] does the facts: the
/// cell of a case is that of its facts row (so this takes a case off with its old row, before the row is
/// rewritten, and adds it back after).
fn referral_day_cells_sql(sign: &str, cases: Option<&str>) -> String {
    let keys = cnrm_domain::case_facts::CELL_KEYS.join(", ");
    let keys_of_facts = cnrm_domain::case_facts::CELL_KEYS.map(|k| format!("f.{k}")).join(", ");
    let filter = cases.map_or(String::new(), |ids| format!("WHERE d.case_id IN ({ids}) "));
    let upsert = if cases.is_some() {
        format!(
            " ON CONFLICT ({keys}, days) DO UPDATE SET referrals = referral_day_cells.referrals + excluded.referrals"
        )
    } else {
        String::new()
    };
    format!(
        "INSERT INTO referral_day_cells ({keys}, days, referrals) \
         SELECT {keys_of_facts}, d.days, {sign}SUM(d.referrals) FROM case_referral_days d \
         JOIN case_facts f ON f.case_id = d.case_id {filter}GROUP BY {keys_of_facts}, d.days{upsert}"
    )
}

/// Brings the facts and their cells in step with what the transaction wrote for these cases (the case,
/// its person, plan, referrals, surveys): their old rows are taken off the cells, rewritten from the
/// records, and added back. Call it after `append_audit_in`, as [`refresh_gap_needs`] (same reason).
async fn refresh_case_facts(tx: &mut Transaction<'_, Db>, case_ids: &[Uuid]) -> StoreResult<()> {
    let refreshed = per_case_chunk(tx, case_ids, |ids| {
        vec![
            referral_day_cells_sql("-", Some(ids)),
            case_fact_cells_sql("-", Some(ids)),
            format!("DELETE FROM case_facts WHERE case_id IN ({ids})"),
            format!("DELETE FROM case_referral_days WHERE case_id IN ({ids})"),
            case_fact_rows_sql(Some(ids)),
            case_referral_days_sql(Some(ids)),
            case_fact_cells_sql("", Some(ids)),
            referral_day_cells_sql("", Some(ids)),
        ]
    })
    .await?;
    if refreshed {
        for empty in ["DELETE FROM case_fact_cells WHERE cases = 0", "DELETE FROM referral_day_cells WHERE referrals = 0"] {
            sqlx::query(empty).execute(&mut **tx).await.map_err(store_error)?;
        }
    }
    Ok(())
}

/// Everything derived from a case that the store keeps: the gap counters and the case facts.
async fn cases_changed(tx: &mut Transaction<'_, Db>, case_ids: &[Uuid]) -> StoreResult<()> {
    refresh_gap_needs(tx, case_ids).await?;
    refresh_case_facts(tx, case_ids).await
}

/// Rewrites every fact and cell from the records.
async fn rebuild_case_facts_in(tx: &mut Transaction<'_, Db>) -> StoreResult<()> {
    let statements = [
        "DELETE FROM referral_day_cells".to_string(),
        "DELETE FROM case_referral_days".to_string(),
        "DELETE FROM case_fact_cells".to_string(),
        "DELETE FROM case_facts".to_string(),
        case_fact_rows_sql(None),
        case_referral_days_sql(None),
        case_fact_cells_sql("", None),
        referral_day_cells_sql("", None),
    ];
    for sql in &statements {
        sqlx::query(sql).execute(&mut **tx).await.map_err(store_error)?;
    }
    Ok(())
}

/// One row of sums read back: the key, then the measures in order.
fn case_sums_of(
    row: &<Db as sqlx::Database>::Row,
    measures: &[cnrm_domain::case_facts::Measure],
) -> StoreResult<(String, cnrm_domain::case_facts::CaseSums)> {
    use sqlx::Row;
    let key: String = row.try_get(0).map_err(store_error)?;
    let values =
        (1..=measures.len()).map(|i| row.try_get::<i64, _>(i).map_err(store_error)).collect::<StoreResult<Vec<_>>>()?;
    Ok((key, cnrm_domain::case_facts::CaseSums::from_values(measures, values)))
}

impl Store {
    async fn rebuild_case_facts_impl(&self, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        // The audit entry first: it takes the lock every refresh holds.
        append_audit_in(&mut tx, audit).await?;
        rebuild_case_facts_in(&mut tx).await?;
        tx.commit().await.map_err(store_error)
    }

    /// After the migrations: a database with cases and no facts (migration 0021 just ran), or with
    /// accepted referrals and no counts of their days (0022), gets them.
    async fn fill_case_facts_if_missing(&self) -> StoreResult<()> {
        let missing: bool = sqlx::query_scalar(
            "SELECT (EXISTS (SELECT 1 FROM case_search WHERE token = '') AND NOT EXISTS (SELECT 1 FROM case_facts)) \
             OR (EXISTS (SELECT 1 FROM referrals r JOIN case_facts f ON f.case_id = r.case_id \
                 WHERE r.accepted_on IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM case_referral_days))",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        if missing {
            let mut tx = self.pool.begin().await.map_err(store_error)?;
            rebuild_case_facts_in(&mut tx).await?;
            tx.commit().await.map_err(store_error)?;
        }
        Ok(())
    }

    /// The conditions of the filter over the facts (`per_case`) or the cells, aliased `f`.
    fn case_fact_filters(sql: &mut IndicatorSql, filter: &cnrm_domain::indicators::IndicatorFilter, per_case: bool) {
        if per_case {
            sql.period("f.arrival_date", filter);
            if let Some(unit) = &filter.unit {
                sql.within_unit("f.settlement_pcode", unit);
            }
        } else {
            sql.period("f.arrival_month", filter);
            if let Some(unit) = &filter.unit {
                sql.add("f.region_pcode = ?1", vec![Param::Text(unit.clone())]);
            }
        }
        if let Some(org) = filter.organisation {
            sql.add("f.organisation_id = ?1", vec![Param::Id(org)]);
        }
        if let Some(sex) = filter.sex {
            sql.add("f.sex = ?1", vec![Param::Text(sex.code().into())]);
        }
        if let Some(group) = filter.age_group {
            sql.add("f.age_group = ?1", vec![Param::Text(group.code().into())]);
        }
        if let Some(kind) = filter.return_type {
            sql.add("f.return_type = ?1", vec![Param::Text(kind.code().into())]);
        }
        if let Some(country) = &filter.returned_from {
            sql.add("f.returned_from = ?1", vec![Param::Text(country.clone())]);
        }
        if let Some(programme) = &filter.programme {
            sql.add("f.programme = ?1", vec![Param::Text(programme.clone())]);
        }
        if let Some(flag) = filter.vulnerability {
            sql.add(
                "f.case_id IN (SELECT v.case_id FROM vulnerabilities v WHERE v.flag = ?1)",
                vec![Param::Text(flag.code().into())],
            );
        }
    }

    /// The sums of these measures over the cases the filter keeps, per key of the grouping (`None`: one
    /// row, key `''`, unless no case is kept). Read from the cells where they answer the filter, else
    /// (or `per_case`) from the cases' rows.
    async fn case_sums_impl(
        &self,
        filter: &cnrm_domain::indicators::IndicatorFilter,
        grouping: Option<cnrm_domain::indicators::Breakdown>,
        measures: &[cnrm_domain::case_facts::Measure],
        per_case: bool,
    ) -> StoreResult<Vec<(String, cnrm_domain::case_facts::CaseSums)>> {
        use cnrm_domain::indicators::Breakdown;
        let per_case = per_case || !cnrm_domain::case_facts::cells_answer(filter);
        let mut sql = IndicatorSql::default();
        Self::case_fact_filters(&mut sql, filter, per_case);
        let key = match grouping {
            Some(Breakdown::Sex) => "f.sex".to_string(),
            Some(Breakdown::AgeGroup) => "f.age_group".to_string(),
            Some(Breakdown::Month) => "CAST(f.arrival_month AS TEXT)".to_string(),
            Some(Breakdown::Region) => "CASE WHEN f.region_pcode = '' THEN 'unknown' ELSE f.region_pcode END".to_string(),
            _ => "''".to_string(),
        };
        let sums = measures
            .iter()
            .map(|m| format!("CAST(SUM(f.{}) AS BIGINT)", m.column()))
            .collect::<Vec<_>>()
            .join(", ");
        let table = if per_case { "case_facts" } else { "case_fact_cells" };
        // Without a grouping, one aggregate row (none when no case is kept) spares sorting every row
        // into a single group.
        let grouped = if grouping.is_some() { "GROUP BY 1 ORDER BY 1" } else { "HAVING COUNT(*) > 0" };
        let text_of = |sql: &IndicatorSql| format!("SELECT {key} AS k, {sums} FROM {table} f {} {grouped}", sql.clause());
        let parts = if per_case { self.case_fact_parts(&text_of(&sql), &sql.params).await? } else { vec![None] };
        let reads = parts.into_iter().map(|part| {
            let mut sql = sql.clone();
            if let Some((first, last)) = part {
                sql.add(&format!("f.rowid BETWEEN {first} AND {last}"), vec![]);
            }
            let text = text_of(&sql);
            async move {
                let rows = bound_query(&text, &sql.params).fetch_all(&self.pool).await.map_err(store_error)?;
                rows.iter().map(|row| case_sums_of(row, measures)).collect::<StoreResult<Vec<_>>>()
            }
        });
        let mut read = futures_util::future::try_join_all(reads).await?;
        Ok(if read.len() == 1 { read.remove(0) } else { cnrm_domain::case_facts::add_up_parts(read) })
    }

    /// How a read of the case facts (`text`, aliased `f`) is split. SQLite runs one query on one core:
    /// when its plan reads every row (no index narrows the filter), the rows are read in as many ranges
    /// of row numbers as there are cores (at most 4), side by side on the pool's connections — a million
    /// rows in half the time on two cores. A read an index narrows stays whole (a range of row numbers
    /// would displace the index). PostgreSQL splits a scan across its own workers: one read (`None`).
    async fn case_fact_parts(&self, text: &str, params: &[Param]) -> StoreResult<Vec<Option<(i64, i64)>>> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4) as i64;
        if BACKEND != Backend::Sqlite || cores == 1 {
            return Ok(vec![None]);
        }
        let explain = format!("EXPLAIN QUERY PLAN {text}");
        let plan = bound_query(&explain, params).fetch_all(&self.pool).await.map_err(store_error)?;
        let scans_every_row = plan.iter().any(|row| {
            let detail: String = sqlx::Row::try_get(row, "detail").unwrap_or_default();
            detail == "SCAN f" || detail.starts_with("SCAN f ")
        });
        if !scans_every_row {
            return Ok(vec![None]);
        }
        // Two lookups at the ends of the table's b-tree (one query with both would read it all).
        let first: Option<i64> =
            sqlx::query_scalar("SELECT min(rowid) FROM case_facts").fetch_one(&self.pool).await.map_err(store_error)?;
        let last: Option<i64> =
            sqlx::query_scalar("SELECT max(rowid) FROM case_facts").fetch_one(&self.pool).await.map_err(store_error)?;
        let (Some(first), Some(last)) = (first, last) else { return Ok(vec![None]) };
        let step = (last - first) / cores + 1;
        Ok((0..cores).map(|i| Some((first + i * step, (first + (i + 1) * step - 1).min(last)))).collect())
    }

    /// The median days to acceptance: the accepted referrals of the cases the filter keeps, counted per
    /// number of days; read from the cells where they answer the filter, else from the cases' counts.
    async fn referral_days_tallies(
        &self,
        filter: &cnrm_domain::indicators::IndicatorFilter,
    ) -> StoreResult<Vec<cnrm_domain::indicators::Tally>> {
        let per_case = !cnrm_domain::case_facts::cells_answer(filter);
        let mut sql = IndicatorSql::default();
        Self::case_fact_filters(&mut sql, filter, per_case);
        let (days, referrals, from) = if per_case {
            ("d.days", "SUM(d.referrals)", "case_referral_days d JOIN case_facts f ON f.case_id = d.case_id")
        } else {
            ("f.days", "SUM(f.referrals)", "referral_day_cells f")
        };
        let text = format!(
            "SELECT {} FROM {from} {} GROUP BY 1",
            tally_columns(&format!("CAST({days} AS TEXT)"), referrals, "0", "0"),
            sql.clause()
        );
        self.run_tallies(&text, &sql.params).await
    }
}
