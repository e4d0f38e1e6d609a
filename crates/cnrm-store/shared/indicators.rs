// Indicators (issue 6, see `cnrm_domain::indicators`): one aggregate query per indicator, built from
// the filters, compiled once per backend like `queries.rs` (which delegates to these). Names are
// written in full (no `use`): several shared files are included into one module. Only tallies (a key,
// counts, sums) leave these queries, never a person.
//
// Case-based indicators start from the cohort of cases arrived in the period, read from the cases'
// listing rows in `case_search` (index `case_search_arrival`, migrations 0019 and 0020), which carry
// the person's sex and birth date and the case's programme: no indicator joins persons or cases.

/// Conditions with their parameters, numbered as they come (`?1`, `?2` in each condition's text
/// become the next `$N`).
#[derive(Default)]
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
    /// The cohort of cases for the filter: `fc (case_id, arrival_date, k)`, `k` being the case-side
    /// breakdown key (or `''`).
    fn indicator_cohort(
        sql: &mut IndicatorSql,
        filter: &cnrm_domain::indicators::IndicatorFilter,
        breakdown: Option<cnrm_domain::indicators::Breakdown>,
    ) -> String {
        use cnrm_domain::indicators::Breakdown;
        sql.add("s.token = ''", vec![]);
        sql.period("s.arrival_date", filter);
        if let Some(org) = filter.organisation {
            sql.add("s.organisation_id = ?1", vec![Param::Id(org)]);
        }
        if let Some(unit) = &filter.unit {
            sql.within_unit("s.settlement_pcode", unit);
        }
        if let Some(kind) = filter.return_type {
            sql.add("s.return_type = ?1", vec![Param::Text(kind.code().into())]);
        }
        if let Some(country) = &filter.returned_from {
            sql.add("s.returned_from = ?1", vec![Param::Text(country.clone())]);
        }
        if let Some(programme) = &filter.programme {
            sql.add("s.programme = ?1", vec![Param::Text(programme.clone())]);
        }
        if let Some(sex) = filter.sex {
            sql.add("s.sex = ?1", vec![Param::Text(sex.code().into())]);
        }
        if let Some(group) = filter.age_group {
            let age = age_on_arrival_sql();
            let (low, high) = group.years();
            let high = high.map(|h| format!(" AND {age} <= {h}")).unwrap_or_default();
            sql.add(&format!("s.birth_date IS NOT NULL AND {age} >= {low}{high}"), vec![]);
        }
        if let Some(flag) = filter.vulnerability {
            sql.add(
                "EXISTS (SELECT 1 FROM vulnerabilities v WHERE v.case_id = s.case_id AND v.flag = ?1)",
                vec![Param::Text(flag.code().into())],
            );
        }
        let key = match breakdown {
            Some(Breakdown::Sex) => "s.sex".to_string(),
            Some(Breakdown::AgeGroup) => age_group_sql(),
            // Per day, rolled up to months by the service: far cheaper than formatting every row.
            Some(Breakdown::Month) => "CAST(s.arrival_date AS TEXT)".to_string(),
            Some(Breakdown::Region) => "COALESCE(s.settlement_pcode, 'unknown')".to_string(),
            _ => "''".to_string(),
        };
        format!("WITH fc AS (SELECT s.case_id, s.arrival_date, {key} AS k FROM case_search s {})", sql.clause())
    }

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
        use cnrm_domain::lifecycle::plan::PlanItemStatus;
        use cnrm_domain::lifecycle::referral::ReferralStatus as R;
        let mut sql = IndicatorSql::default();
        let zero = "0";
        let text = match code {
            I::ReturneesRegistered => {
                let cohort = Self::indicator_cohort(&mut sql, filter, breakdown);
                format!("{cohort} SELECT {} FROM fc GROUP BY 1 ORDER BY 1", tally_columns("k", "COUNT(*)", zero, zero))
            }
            I::ReturneesAssisted => {
                let by_dimension = breakdown == Some(Breakdown::Dimension);
                let cohort = Self::indicator_cohort(&mut sql, filter, breakdown.filter(|_| !by_dimension));
                let delivered = sql.param(Param::Text(PlanItemStatus::Delivered.code().into()));
                let key = if by_dimension { "i.dimension" } else { "fc.k" };
                format!(
                    "{cohort} SELECT {} FROM fc JOIN plan_items i ON i.case_id = fc.case_id AND i.status = {delivered} \
                     GROUP BY 1 ORDER BY 1",
                    tally_columns(key, "COUNT(DISTINCT fc.case_id)", zero, zero)
                )
            }
            I::PlanWithinMonth => {
                let cohort = Self::indicator_cohort(&mut sql, filter, breakdown);
                let days = days_between_sql("pl.agreed_on", "fc.arrival_date");
                let within = format!(
                    "SUM(CASE WHEN pl.agreed_on IS NOT NULL AND {days} <= {} THEN 1 ELSE 0 END)",
                    cnrm_domain::indicators::PLAN_WITHIN_DAYS
                );
                format!(
                    "{cohort} SELECT {} FROM fc LEFT JOIN plans pl ON pl.case_id = fc.case_id GROUP BY 1 ORDER BY 1",
                    tally_columns("fc.k", &within, "COUNT(*)", zero)
                )
            }
            I::AssistanceDelivered | I::AssistanceDeliveredXof => {
                let by_dimension = breakdown == Some(Breakdown::Dimension);
                let cohort = Self::indicator_cohort(&mut sql, filter, None);
                let delivered = sql.param(Param::Text(PlanItemStatus::Delivered.code().into()));
                let cancelled = sql.param(Param::Text(PlanItemStatus::Cancelled.code().into()));
                let key = if by_dimension { "i.dimension" } else { "''" };
                let (done, planned) = if code == I::AssistanceDelivered {
                    (format!("SUM(CASE WHEN i.status = {delivered} THEN 1 ELSE 0 END)"), "COUNT(*)".to_string())
                } else {
                    ("COALESCE(SUM(i.spent_xof), 0)".to_string(), "COALESCE(SUM(i.budget_xof), 0)".to_string())
                };
                format!(
                    "{cohort} SELECT {} FROM fc JOIN plan_items i ON i.case_id = fc.case_id WHERE i.status <> {cancelled} \
                     GROUP BY 1 ORDER BY 1",
                    tally_columns(key, &done, &planned, zero)
                )
            }
            I::ReferralsSent => {
                let cohort = Self::indicator_cohort(&mut sql, filter, None);
                let revoked = sql.param(Param::Text(R::Revoked.code().into()));
                let stage = |key: &str, condition: &str| {
                    format!(
                        "SELECT {} FROM fc JOIN referrals r ON r.case_id = fc.case_id WHERE {condition}",
                        tally_columns(&format!("'{key}'"), "COUNT(*)", zero, zero)
                    )
                };
                let codes =
                    |statuses: &[R]| statuses.iter().map(|s| format!("'{}'", s.code())).collect::<Vec<_>>().join(", ");
                let sent = stage("sent", &format!("r.status <> {revoked}"));
                if breakdown == Some(Breakdown::Stage) {
                    let accepted = stage(
                        "accepted",
                        &format!(
                            "r.status IN ({})",
                            codes(&[R::Accepted, R::InProgress, R::Completed, R::NotCompleted])
                        ),
                    );
                    let completed = stage("completed", &format!("r.status IN ({})", codes(&[R::Completed])));
                    format!("{cohort} {sent} UNION ALL {accepted} UNION ALL {completed}")
                } else {
                    format!("{cohort} {sent}")
                }
            }
            I::ReferralsSuccessful => {
                let cohort = Self::indicator_cohort(&mut sql, filter, None);
                let completed = sql.param(Param::Text(R::Completed.code().into()));
                let ended = [R::Completed, R::NotCompleted, R::Declined]
                    .iter()
                    .map(|s| sql.param(Param::Text(s.code().into())))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!(
                    "{cohort} SELECT {} FROM fc JOIN referrals r ON r.case_id = fc.case_id WHERE r.status IN ({ended})",
                    tally_columns(
                        "''",
                        &format!("SUM(CASE WHEN r.status = {completed} THEN 1 ELSE 0 END)"),
                        "COUNT(*)",
                        zero
                    )
                )
            }
            I::ReferralDaysToAcceptance => {
                let cohort = Self::indicator_cohort(&mut sql, filter, None);
                let days = days_between_sql("r.accepted_on", &day_of_sql("r.created_at"));
                format!(
                    "{cohort} SELECT {} FROM fc JOIN referrals r ON r.case_id = fc.case_id WHERE r.accepted_on IS NOT NULL \
                     GROUP BY 1",
                    tally_columns(&format!("CAST({days} AS TEXT)"), "COUNT(*)", zero, zero)
                )
            }
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
            I::SustainabilityScore | I::SustainabilityAboveBand | I::SustainabilityChange | I::Satisfaction => {
                return self.survey_tallies(code, filter, breakdown).await;
            }
        };
        self.run_tallies(&text, &sql.params).await
    }

    async fn run_tallies(&self, text: &str, params: &[Param]) -> StoreResult<Vec<cnrm_domain::indicators::Tally>> {
        let mut query = sqlx::query(text);
        for p in params {
            query = p.bind_query(query);
        }
        let rows = query.fetch_all(&self.pool).await.map_err(store_error)?;
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

    /// Survey scores, from the score columns of `survey_submissions` (migration 0018): the latest
    /// sustainability survey (baseline or follow-up) of each returnee of the cohort, the change from
    /// their first baseline to their latest follow-up, and every satisfaction survey.
    async fn survey_tallies(
        &self,
        code: cnrm_domain::indicators::IndicatorCode,
        filter: &cnrm_domain::indicators::IndicatorFilter,
        breakdown: Option<cnrm_domain::indicators::Breakdown>,
    ) -> StoreResult<Vec<cnrm_domain::indicators::Tally>> {
        use cnrm_domain::indicators::{Breakdown, IndicatorCode as I, BANDS, HEADLINE_BAND};
        use cnrm_domain::survey::SurveyKind;
        let mut sql = IndicatorSql::default();
        let cohort = Self::indicator_cohort(&mut sql, filter, None);
        // Parameters are added only where used: PostgreSQL refuses one it cannot type.
        let mut kind = |k: SurveyKind| sql.param(Param::Text(k.code().into()));
        let dimensions = ["economic", "social", "psychosocial"];
        // The one survey of `kinds` per case that no later (or, `first`, earlier) one of those kinds follows
        // (ties on the day go to the identifier). PostgreSQL ranks them in one pass (measured at 100,000
        // cases: the change indicator 2.3 s → 0.4 s); SQLite was slower ranking (3.0 s → 5.0 s, debug
        // build) than with the anti-join, which its index on the submissions serves.
        let pick = |name: &str, kinds: &str, first: bool| {
            let scores = "ss.case_id, ss.score_economic, ss.score_social, ss.score_psychosocial, ss.score_composite";
            let (order, cmp) = if first { ("ASC", "<") } else { ("DESC", ">") };
            match BACKEND {
                Backend::Postgres => format!(
                    "{name} AS (SELECT case_id, score_economic, score_social, score_psychosocial, score_composite FROM \
                     (SELECT {scores}, ROW_NUMBER() OVER (PARTITION BY ss.case_id ORDER BY ss.answered_on {order}, \
                     ss.id {order}) AS place FROM survey_submissions ss JOIN fc ON fc.case_id = ss.case_id \
                     WHERE ss.kind IN ({kinds})) ranked WHERE place = 1)"
                ),
                Backend::Sqlite => format!(
                    "{name} AS (SELECT {scores} FROM survey_submissions ss JOIN fc ON fc.case_id = ss.case_id \
                     WHERE ss.kind IN ({kinds}) AND NOT EXISTS (SELECT 1 FROM survey_submissions x \
                     WHERE x.case_id = ss.case_id AND x.kind IN ({kinds}) \
                     AND (x.answered_on {cmp} ss.answered_on OR (x.answered_on = ss.answered_on AND x.id {cmp} ss.id))))"
                ),
            }
        };
        let mut latest = || {
            let kinds = format!("{}, {}", kind(SurveyKind::Baseline), kind(SurveyKind::FollowUp));
            pick("latest", &kinds, false)
        };
        let text = match code {
            I::SustainabilityScore => {
                let selects: Vec<String> = if breakdown == Some(Breakdown::Dimension) {
                    dimensions
                        .iter()
                        .map(|d| {
                            let column = format!("score_{d}");
                            format!(
                                "SELECT {} FROM latest",
                                tally_columns(
                                    &format!("'{d}'"),
                                    &format!("COUNT({column})"),
                                    "0",
                                    &format!("SUM({column})")
                                )
                            )
                        })
                        .collect()
                } else {
                    vec![format!(
                        "SELECT {} FROM latest",
                        tally_columns("''", "COUNT(score_composite)", "0", "SUM(score_composite)")
                    )]
                };
                format!("{cohort}, {} {}", latest(), selects.join(" UNION ALL "))
            }
            I::SustainabilityAboveBand => {
                let bands: Vec<f64> =
                    if breakdown == Some(Breakdown::Band) { BANDS.to_vec() } else { vec![HEADLINE_BAND] };
                let selects: Vec<String> = bands
                    .iter()
                    .map(|band| {
                        let key = if breakdown == Some(Breakdown::Band) { format!("'{band}'") } else { "''".into() };
                        format!(
                            "SELECT {} FROM latest",
                            tally_columns(
                                &key,
                                &format!("SUM(CASE WHEN score_composite >= {band} THEN 1 ELSE 0 END)"),
                                "COUNT(score_composite)",
                                "0"
                            )
                        )
                    })
                    .collect();
                format!("{cohort}, {} {}", latest(), selects.join(" UNION ALL "))
            }
            I::SustainabilityChange => {
                let first = pick("first_baseline", &kind(SurveyKind::Baseline), true);
                let last = pick("last_follow_up", &kind(SurveyKind::FollowUp), false);
                let columns: Vec<(String, String)> = if breakdown == Some(Breakdown::Dimension) {
                    dimensions.iter().map(|d| (format!("'{d}'"), format!("score_{d}"))).collect()
                } else {
                    vec![("''".into(), "score_composite".into())]
                };
                let selects: Vec<String> = columns
                    .iter()
                    .map(|(key, column)| {
                        format!(
                            "SELECT {} FROM first_baseline b JOIN last_follow_up f ON f.case_id = b.case_id \
                             WHERE b.{column} IS NOT NULL AND f.{column} IS NOT NULL",
                            tally_columns(key, "COUNT(*)", "0", &format!("SUM(f.{column} - b.{column})"))
                        )
                    })
                    .collect();
                format!("{cohort}, {first}, {last} {}", selects.join(" UNION ALL "))
            }
            _ => {
                let satisfaction = kind(SurveyKind::Satisfaction);
                format!(
                    "{cohort} SELECT {} FROM survey_submissions ss JOIN fc ON fc.case_id = ss.case_id \
                     WHERE ss.kind = {satisfaction}",
                    tally_columns("''", "COUNT(ss.score_composite)", "0", "SUM(ss.score_composite)")
                )
            }
        };
        self.run_tallies(&text, &sql.params).await
    }
}
