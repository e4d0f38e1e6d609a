// Indicators (issue 6, see `cnrm_domain::indicators`): one aggregate query per indicator, built from
// the filters, compiled once per backend like `queries.rs` (which delegates to these). Names are
// written in full (no `use`): several shared files are included into one module. Only tallies (a key,
// counts, sums) leave these queries, never a person.
//
// Case-based indicators are sums of the case facts (shared/case_facts.rs, migration 0021): over the
// cells of arrival month × organisation × region × sex × age group where those answer the filter, else
// over the cases' rows. The other sources (interventions, trainings, action points) are counted here.

/// Conditions with their parameters, numbered as they come (`?1`, `?2` in each condition's text
/// become the next `$N`).
#[derive(Default, Clone)]
struct IndicatorSql {
    conditions: Vec<String>,
    params: Vec<Param>,
}

impl IndicatorSql {
    fn add(&mut self, sql: &str, values: Vec<Param>) {
        let mut sql = sql.to_string();
        for (i, value) in values.into_iter().enumerate() {
            self.params.push(value);
            sql = sql.replace(&format!("?{}", i + 1), &format!("${}", self.params.len()));
        }
        self.conditions.push(sql);
    }

    /// A parameter used outside the conditions: its placeholder.
    fn param(&mut self, value: Param) -> String {
        self.params.push(value);
        format!("${}", self.params.len())
    }

    fn clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }

    /// `column` within a unit: the unit's pcode starts the column's.
    fn within_unit(&mut self, column: &str, unit: &str) {
        self.add(
            &format!("{column} >= ?1 AND {column} < ?2"),
            vec![Param::Text(unit.to_string()), Param::Text(prefix_end(unit))],
        );
    }

    fn period(&mut self, column: &str, filter: &cnrm_domain::indicators::IndicatorFilter) {
        if let Some(from) = filter.from {
            self.add(&format!("{column} >= ?1"), vec![Param::Date(from)]);
        }
        if let Some(to) = filter.to {
            self.add(&format!("{column} <= ?1"), vec![Param::Date(to)]);
        }
    }
}

/// Whole days from `earlier` to `later` (two dates).
fn days_between_sql(later: &str, earlier: &str) -> String {
    match BACKEND {
        Backend::Sqlite => format!("CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"),
        Backend::Postgres => format!("({later} - {earlier})"),
    }
}

/// The UTC day of a timestamp column.
fn day_of_sql(timestamp: &str) -> String {
    match BACKEND {
        Backend::Sqlite => format!("substr({timestamp}, 1, 10)"),
        Backend::Postgres => format!("({timestamp} AT TIME ZONE 'UTC')::date"),
    }
}

/// A query with its parameters bound in order (`$1`, `$2`…).
fn bound_query<'q>(text: &'q str, params: &'q [Param]) -> sqlx::query::Query<'q, Db, Args<'q>> {
    params.iter().fold(sqlx::query(text), |query, p| p.bind_query(query))
}

/// `YYYY-MM` of a date column.
fn month_of_sql(date: &str) -> String {
    match BACKEND {
        Backend::Sqlite => format!("substr({date}, 1, 7)"),
        Backend::Postgres => format!("to_char({date}, 'YYYY-MM')"),
    }
}

/// Age in whole years on arrival of the person of the listing row `s`.
fn age_on_arrival_sql() -> &'static str {
    match BACKEND {
        Backend::Sqlite => {
            "(CAST(substr(s.arrival_date, 1, 4) AS INTEGER) - CAST(substr(s.birth_date, 1, 4) AS INTEGER) \
             - (substr(s.arrival_date, 6, 5) < substr(s.birth_date, 6, 5)))"
        }
        Backend::Postgres => "CAST(EXTRACT(YEAR FROM age(s.arrival_date, s.birth_date)) AS INTEGER)",
    }
}

fn age_group_sql() -> String {
    use cnrm_domain::indicators::AgeGroup;
    let age = age_on_arrival_sql();
    let arms = AgeGroup::ALL
        .iter()
        .filter_map(|g| g.years().1.map(|high| format!("WHEN {age} <= {high} THEN '{}'", g.code())))
        .collect::<Vec<_>>()
        .join(" ");
    format!("CASE WHEN s.birth_date IS NULL THEN 'unknown' {arms} ELSE '{}' END", AgeGroup::Over60.code())
}

/// Key columns of the tallies: `k`, `n`, `of_n`, `total` (a sum over no row is 0, not NULL).
fn tally_columns(key: &str, count: &str, of: &str, sum: &str) -> String {
    format!(
        "{key} AS k, CAST(COALESCE({count}, 0) AS BIGINT) AS n, CAST(COALESCE({of}, 0) AS BIGINT) AS of_n, \
         CAST(COALESCE({sum}, 0) AS DOUBLE PRECISION) AS total"
    )
}

impl Store {
    /// The tallies of one indicator for a filter and a breakdown (`None`: the total). `today` bounds
    /// what is overdue.
    async fn indicator_tallies_impl(
        &self,
        code: cnrm_domain::indicators::IndicatorCode,
        filter: &cnrm_domain::indicators::IndicatorFilter,
        breakdown: Option<cnrm_domain::indicators::Breakdown>,
        today: Date,
    ) -> StoreResult<Vec<cnrm_domain::indicators::Tally>> {
        use cnrm_domain::indicators::{Breakdown, IndicatorCode as I};
        let mut sql = IndicatorSql::default();
        let zero = "0";
        if let Some(recipe) = cnrm_domain::case_facts::recipe(code, breakdown) {
            let grouping = cnrm_domain::case_facts::grouping(breakdown);
            let sums = self.case_sums_impl(filter, grouping, &recipe.measures(), false).await?;
            return Ok(recipe.tallies(&sums));
        }
        let text = match code {
            I::ReferralDaysToAcceptance => return self.referral_days_tallies(filter).await,
            I::InterventionReach => Self::intervention_reach_sql(&mut sql, filter, breakdown),
            I::Trainings | I::PeopleTrained => {
                sql.period("t.start_on", filter);
                if code == I::Trainings {
                    if let Some(org) = filter.organisation {
                        sql.add("t.organisation_id = ?1", vec![Param::Id(org)]);
                    }
                    let key =
                        if breakdown == Some(Breakdown::Month) { month_of_sql("t.start_on") } else { "''".to_string() };
                    format!(
                        "SELECT {} FROM trainings t {} GROUP BY 1 ORDER BY 1",
                        tally_columns(&key, "COUNT(*)", zero, zero),
                        sql.clause()
                    )
                } else {
                    if let Some(org) = filter.organisation {
                        sql.add("tp.organisation_id = ?1", vec![Param::Id(org)]);
                    }
                    if let Some(sex) = filter.sex {
                        sql.add("tp.sex = ?1", vec![Param::Text(sex.code().into())]);
                    }
                    let key = if breakdown == Some(Breakdown::Sex) { "tp.sex" } else { "''" };
                    format!(
                        "SELECT {} FROM training_participants tp JOIN trainings t ON t.id = tp.training_id {} \
                         GROUP BY 1 ORDER BY 1",
                        tally_columns(key, "COUNT(*)", zero, zero),
                        sql.clause()
                    )
                }
            }
            I::ActionPointsOverdue => {
                use cnrm_domain::coordination::ActionStatus;
                let as_of = filter.to.map_or(today, |to| to.min(today));
                sql.add("a.due_on < ?1", vec![Param::Date(as_of)]);
                if let Some(from) = filter.from {
                    sql.add("a.due_on >= ?1", vec![Param::Date(from)]);
                }
                sql.add(
                    "a.status NOT IN (?1, ?2)",
                    vec![
                        Param::Text(ActionStatus::Done.code().into()),
                        Param::Text(ActionStatus::Dropped.code().into()),
                    ],
                );
                if let Some(org) = filter.organisation {
                    sql.add("a.owner_organisation_id = ?1", vec![Param::Id(org)]);
                }
                if let Some(unit) = &filter.unit {
                    sql.within_unit("m.location_pcode", unit);
                }
                format!(
                    "SELECT {} FROM action_points a JOIN meetings m ON m.id = a.meeting_id {}",
                    tally_columns("''", "COUNT(*)", zero, zero),
                    sql.clause()
                )
            }
            _ => unreachable!("the case-based indicators are answered above"),
        };
        self.run_tallies(&text, &sql.params).await
    }

    async fn run_tallies(&self, text: &str, params: &[Param]) -> StoreResult<Vec<cnrm_domain::indicators::Tally>> {
        let rows = bound_query(text, params).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.iter()
            .map(|row| {
                use sqlx::Row;
                Ok(cnrm_domain::indicators::Tally {
                    key: row.try_get("k").map_err(store_error)?,
                    count: row.try_get("n").map_err(store_error)?,
                    of: row.try_get("of_n").map_err(store_error)?,
                    sum: row.try_get("total").map_err(store_error)?,
                })
            })
            .collect()
    }

    /// People reached (reports of the period's quarters) and targeted (interventions meeting the
    /// period), summing the sex and age cells the filters keep, one row per breakdown key.
    fn intervention_reach_sql(
        sql: &mut IndicatorSql,
        filter: &cnrm_domain::indicators::IndicatorFilter,
        breakdown: Option<cnrm_domain::indicators::Breakdown>,
    ) -> String {
        use cnrm_domain::indicators::{AgeGroup, Breakdown};
        use cnrm_domain::person::Sex;
        sql.add("i.published", vec![]);
        if let Some(to) = filter.to {
            sql.add("i.start_on <= ?1", vec![Param::Date(to)]);
        }
        if let Some(from) = filter.from {
            sql.add("i.end_on >= ?1", vec![Param::Date(from)]);
        }
        if let Some(org) = filter.organisation {
            sql.add("i.organisation_id = ?1", vec![Param::Id(org)]);
        }
        if let Some(unit) = &filter.unit {
            // Units inside the filter's, or units containing it (a region's intervention covers its cercles).
            sql.add(
                "EXISTS (SELECT 1 FROM intervention_units u WHERE u.intervention_id = i.id \
                 AND ((u.pcode >= ?1 AND u.pcode < ?2) OR substr(?1, 1, length(u.pcode)) = u.pcode))",
                vec![Param::Text(unit.clone()), Param::Text(prefix_end(unit))],
            );
        }
        let interventions = format!("WITH iv AS (SELECT i.* FROM interventions i {})", sql.clause());
        let (first, last) = cnrm_domain::indicators::quarter_bounds(filter.from, filter.to);
        let mut periods = String::new();
        if let Some(first) = first {
            periods.push_str(&format!(" AND r.period >= {}", sql.param(Param::Text(first))));
        }
        if let Some(last) = last {
            periods.push_str(&format!(" AND r.period <= {}", sql.param(Param::Text(last))));
        }
        // The reporting cells: female and male by age group.
        let cells: Vec<(Sex, AgeGroup)> = [Sex::Female, Sex::Male]
            .into_iter()
            .flat_map(|sex| AgeGroup::ALL.into_iter().map(move |age| (sex, age)))
            .filter(|(sex, age)| filter.sex.is_none_or(|s| s == *sex) && filter.age_group.is_none_or(|a| a == *age))
            .collect();
        let keys: Vec<String> = match breakdown {
            Some(Breakdown::Sex) => vec![Sex::Female.code().into(), Sex::Male.code().into()],
            Some(Breakdown::AgeGroup) => AgeGroup::ALL.iter().map(|a| a.code().to_string()).collect(),
            _ => vec![String::new()],
        };
        let selects = keys
            .iter()
            .map(|key| {
                let of_key: Vec<String> = cells
                    .iter()
                    .filter(|(sex, age)| key.is_empty() || sex.code() == key || age.code() == key)
                    .map(|(sex, age)| format!("{}_{}", &sex.code()[..1], age.code()))
                    .collect();
                // No cell kept (a sex filtered out): nothing, without reading the tables.
                let sum = |prefix: &str, table: &str, from: &str| {
                    if of_key.is_empty() {
                        "0".to_string()
                    } else {
                        let cells = of_key.iter().map(|c| format!("{table}.{prefix}_{c}")).collect::<Vec<_>>();
                        format!("(SELECT COALESCE(SUM({}), 0) {from})", cells.join(" + "))
                    }
                };
                let reached = sum(
                    "reached",
                    "r",
                    &format!("FROM intervention_reports r JOIN iv ON iv.id = r.intervention_id WHERE 1 = 1{periods}"),
                );
                let targeted = sum("targeted", "iv", "FROM iv");
                format!(
                    "SELECT {} FROM (SELECT 1 AS one) x",
                    tally_columns(&format!("'{key}'"), &reached, &targeted, "0")
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        format!("{interventions} {selects}")
    }
}
