//! The figures of one case that the case-based indicators add up, defined once.
//!
//! Why this module exists: counting a million cases, their plan items, referrals and surveys for every
//! dashboard is too slow (seconds). The store keeps instead one row of [`Measure`]s per case (its
//! "facts": assisted or not, items planned and delivered, amounts, referrals by stage, latest and
//! changed scores…) and the same measures added up per cell of [`CELL_KEYS`] (arrival month ×
//! organisation × region × sex × age group). An indicator is then a sum of measures over the cells
//! its filter keeps ([`cells_answer`]) or, for finer filters, over the cases' rows: the same sums
//! either way. This module names the measures and turns their sums into the indicators' tallies, so
//! that those rules are tested without a database.

use crate::indicators::{self, Breakdown, IndicatorCode, IndicatorFilter, Source, Tally, BANDS, HEADLINE_BAND};
use crate::lifecycle::plan::Dimension;
use std::sync::LazyLock;

/// Scores are kept as whole millionths, so that sums added and taken away stay exact.
pub const SCORE_SCALE: f64 = 1_000_000.0;

/// One measure of a case: a count (0/1 for a case, more for items or referrals), an amount in XOF or a
/// score in millionths. Each is a column of the facts and of the cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// 1 for every case (the cells' number of cases).
    Cases,
    /// At least one plan item delivered (in the dimension).
    Assisted,
    AssistedIn(Dimension),
    /// Plan agreed within [`crate::indicators::PLAN_WITHIN_DAYS`] of arrival.
    PlanWithinMonth,
    /// Plan items not cancelled, and delivered (in the dimension).
    ItemsPlanned,
    ItemsDelivered,
    PlannedIn(Dimension),
    DeliveredIn(Dimension),
    /// Budgets and amounts spent of the items not cancelled, XOF (in the dimension).
    BudgetXof,
    SpentXof,
    BudgetIn(Dimension),
    SpentIn(Dimension),
    /// Referrals sent (not revoked), accepted (at any later stage), completed, ended.
    ReferralsSent,
    ReferralsAccepted,
    ReferralsCompleted,
    ReferralsEnded,
    /// The latest sustainability survey: 1 if its composite (or dimension) score is known, and the score.
    LatestScored,
    LatestScore,
    LatestScoredIn(Dimension),
    LatestScoreIn(Dimension),
    /// The latest composite score reaches the band (index into [`BANDS`]).
    AboveBand(usize),
    /// First baseline and last follow-up both scored: 1, and the follow-up's score minus the baseline's.
    Changed,
    Change,
    ChangedIn(Dimension),
    ChangeIn(Dimension),
    /// Satisfaction surveys scored, and their scores.
    SatisfactionScored,
    SatisfactionScore,
}

/// Every measure, in column order, listed once.
static ALL: LazyLock<Vec<Measure>> = LazyLock::new(Measure::list);

impl Measure {
    /// Every measure, in column order.
    pub fn all() -> &'static [Measure] {
        &ALL
    }

    fn list() -> Vec<Measure> {
        use Measure::*;
        let per_dimension = |f: fn(Dimension) -> Measure| Dimension::ALL.into_iter().map(f).collect::<Vec<_>>();
        let mut all = vec![Cases, Assisted];
        all.extend(per_dimension(AssistedIn));
        all.extend([PlanWithinMonth, ItemsPlanned, ItemsDelivered]);
        all.extend(per_dimension(PlannedIn));
        all.extend(per_dimension(DeliveredIn));
        all.extend([BudgetXof, SpentXof]);
        all.extend(per_dimension(BudgetIn));
        all.extend(per_dimension(SpentIn));
        all.extend([ReferralsSent, ReferralsAccepted, ReferralsCompleted, ReferralsEnded, LatestScored, LatestScore]);
        all.extend(per_dimension(LatestScoredIn));
        all.extend(per_dimension(LatestScoreIn));
        all.extend((0..BANDS.len()).map(AboveBand));
        all.extend([Changed, Change]);
        all.extend(per_dimension(ChangedIn));
        all.extend(per_dimension(ChangeIn));
        all.extend([SatisfactionScored, SatisfactionScore]);
        all
    }

    /// The column's name.
    pub fn column(self) -> String {
        use Measure::*;
        let d = |dimension: Dimension| dimension.code();
        match self {
            Cases => "cases".into(),
            Assisted => "assisted".into(),
            AssistedIn(x) => format!("assisted_{}", d(x)),
            PlanWithinMonth => "plan_within_month".into(),
            ItemsPlanned => "items_planned".into(),
            ItemsDelivered => "items_delivered".into(),
            PlannedIn(x) => format!("planned_{}", d(x)),
            DeliveredIn(x) => format!("delivered_{}", d(x)),
            BudgetXof => "budget_xof".into(),
            SpentXof => "spent_xof".into(),
            BudgetIn(x) => format!("budget_{}", d(x)),
            SpentIn(x) => format!("spent_{}", d(x)),
            ReferralsSent => "referrals_sent".into(),
            ReferralsAccepted => "referrals_accepted".into(),
            ReferralsCompleted => "referrals_completed".into(),
            ReferralsEnded => "referrals_ended".into(),
            LatestScored => "latest_scored".into(),
            LatestScore => "latest_score".into(),
            LatestScoredIn(x) => format!("latest_scored_{}", d(x)),
            LatestScoreIn(x) => format!("latest_score_{}", d(x)),
            AboveBand(i) => format!("above_band_{i}"),
            Changed => "changed".into(),
            Change => "change".into(),
            ChangedIn(x) => format!("changed_{}", d(x)),
            ChangeIn(x) => format!("change_{}", d(x)),
            SatisfactionScored => "satisfaction_scored".into(),
            SatisfactionScore => "satisfaction_score".into(),
        }
    }
}

/// The columns that key the cells, as the facts hold them: arrival month (its first day), the case's
/// organisation, the region of settlement (`''` when not known), sex, age group on arrival.
pub const CELL_KEYS: [&str; 5] = ["arrival_month", "organisation_id", "region_pcode", "sex", "age_group"];

/// The sums of some measures over some cases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseSums {
    values: Vec<(Measure, i64)>,
}

impl CaseSums {
    /// From the measures summed and their values, in the same order.
    pub fn from_values(measures: &[Measure], values: Vec<i64>) -> CaseSums {
        debug_assert_eq!(measures.len(), values.len());
        CaseSums { values: measures.iter().copied().zip(values).collect() }
    }

    /// The sum of a measure (0 for one that was not summed: a [`Recipe`] reads only its own).
    pub fn get(&self, measure: Measure) -> i64 {
        self.values.iter().find(|(m, _)| *m == measure).map_or(0, |(_, v)| *v)
    }

    fn score(&self, measure: Measure) -> f64 {
        self.get(measure) as f64 / SCORE_SCALE
    }

    /// These sums plus another's, measure by measure.
    fn add(&mut self, other: &CaseSums) {
        for (measure, value) in &other.values {
            match self.values.iter_mut().find(|(m, _)| m == measure) {
                Some((_, sum)) => *sum += value,
                None => self.values.push((*measure, *value)),
            }
        }
    }
}

/// The sums per key of several disjoint parts of the cases (a read split across connections), added
/// up per key, in key order.
pub fn add_up_parts(parts: Vec<Vec<(String, CaseSums)>>) -> Vec<(String, CaseSums)> {
    let mut by_key: std::collections::BTreeMap<String, CaseSums> = std::collections::BTreeMap::new();
    for (key, sums) in parts.into_iter().flatten() {
        by_key.entry(key).or_default().add(&sums);
    }
    by_key.into_iter().collect()
}

/// The sums of every key together, as one row keyed `""` (none without rows): the total of an
/// indicator read from its breakdown's sums, every case being under one key of a grouping.
pub fn total_of(rows: &[(String, CaseSums)]) -> Vec<(String, CaseSums)> {
    add_up_parts(vec![rows.iter().map(|(_, sums)| (String::new(), sums.clone())).collect()])
}

/// The measures that the total and the breakdown of an indicator read together (`None` for an indicator
/// not made of the case sums).
pub fn measures_for(code: IndicatorCode, breakdown: Option<Breakdown>) -> Option<Vec<Measure>> {
    let mut measures = recipe(code, None)?.measures();
    for m in breakdown.and_then(|b| recipe(code, Some(b))).map(|r| r.measures()).unwrap_or_default() {
        if !measures.contains(&m) {
            measures.push(m);
        }
    }
    Some(measures)
}

/// Whether the cells hold what this filter and breakdown need (else the cases' rows are read):
/// filters on the cells' keys only, a period of whole months, a place that is a region (level 1), for
/// every breakdown (the cells carry each grouping).
pub fn cells_answer(filter: &IndicatorFilter) -> bool {
    let whole_months = filter.from.is_none_or(|d| d.day() == 1)
        && filter.to.is_none_or(|d| d.next_day().is_none_or(|next| next.day() == 1));
    whole_months
        && (filter.unit.is_none() || filter.unit_level == Some(1))
        && filter.return_type.is_none()
        && filter.returned_from.is_none()
        && filter.programme.is_none()
        && filter.vulnerability.is_none()
}

/// Whether an indicator is made of these sums: every case-based one but the median days to acceptance,
/// which needs each referral's days.
pub fn made_of_sums(code: IndicatorCode) -> bool {
    indicators::indicator(code).source == Source::Cases && code != IndicatorCode::ReferralDaysToAcceptance
}

/// The case-side key a breakdown groups by (the others are columns of the same sums).
pub fn grouping(breakdown: Option<Breakdown>) -> Option<Breakdown> {
    breakdown.filter(|b| matches!(b, Breakdown::Sex | Breakdown::AgeGroup | Breakdown::Month | Breakdown::Region))
}

/// One column of a column-wise breakdown: its key and the measures of its tally.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    key: String,
    count: Measure,
    of: Option<Measure>,
    sum: Option<Measure>,
}

/// How a case-based indicator's tallies are made from the sums per key of its grouping. Knowing it
/// before reading lets the store add up only the measures it uses: summing 3 columns of a million
/// cases' rows instead of every column is what keeps the finer filters fast.
#[derive(Debug, Clone, PartialEq)]
pub enum Recipe {
    /// One tally per key: the count, out of `of`.
    PerKey(Measure, Option<Measure>),
    /// One tally per key: the number scored and the sum of their scores.
    Scores(Measure, Measure),
    /// One tally per column, from the total of every key; zero ones are left out as a grouping leaves
    /// out keys without cases.
    Columns(Vec<Column>),
    /// One tally of the total, under this key, even when zero.
    Total(&'static str, Measure),
}

impl Recipe {
    /// The measures this recipe reads, each once.
    pub fn measures(&self) -> Vec<Measure> {
        let mut measures: Vec<Measure> = match self {
            Recipe::PerKey(count, of) => std::iter::once(*count).chain(*of).collect(),
            Recipe::Scores(scored, score) => vec![*scored, *score],
            Recipe::Columns(columns) => {
                columns.iter().flat_map(|c| std::iter::once(c.count).chain(c.of).chain(c.sum)).collect()
            }
            Recipe::Total(_, measure) => vec![*measure],
        };
        let mut seen = Vec::with_capacity(measures.len());
        measures.retain(|m| {
            let new = !seen.contains(m);
            seen.push(*m);
            new
        });
        measures
    }

    /// The tallies from the sums per key (`rows`: one per key, `""` for no grouping).
    pub fn tallies(&self, rows: &[(String, CaseSums)]) -> Vec<Tally> {
        let total = || {
            let mut total = CaseSums::default();
            for (_, sums) in rows {
                total.add(sums);
            }
            total
        };
        match self {
            Recipe::PerKey(count, of) => {
                rows.iter().map(|(key, s)| Tally::new(key.clone(), s.get(*count), of.map_or(0, |m| s.get(m)))).collect()
            }
            Recipe::Scores(scored, score) => rows
                .iter()
                .map(|(key, s)| Tally { key: key.clone(), count: s.get(*scored), of: 0, sum: s.score(*score) })
                .collect(),
            Recipe::Columns(columns) => {
                let s = total();
                columns
                    .iter()
                    .map(|c| Tally {
                        key: c.key.clone(),
                        count: s.get(c.count),
                        of: c.of.map_or(0, |m| s.get(m)),
                        sum: c.sum.map_or(0.0, |m| s.score(m)),
                    })
                    .filter(|t| t.count != 0 || t.of != 0)
                    .collect()
            }
            Recipe::Total(key, measure) => vec![Tally::new(*key, total().get(*measure), 0)],
        }
    }
}

/// A dimension's (count, of, score sum) measures.
type ColumnsOf = fn(Dimension) -> (Measure, Option<Measure>, Option<Measure>);

/// The recipe of a case-based indicator drawn with this breakdown; `None` for an indicator not made of
/// these sums (the median days to acceptance, and the indicators of other sources).
pub fn recipe(code: IndicatorCode, breakdown: Option<Breakdown>) -> Option<Recipe> {
    use IndicatorCode as I;
    use Measure as M;
    let by = |b: Breakdown| breakdown == Some(b);
    let column = |key: &str, count: M, of: Option<M>, sum: Option<M>| Column { key: key.to_string(), count, of, sum };
    let dimensions = |f: ColumnsOf| {
        Recipe::Columns(
            Dimension::ALL
                .into_iter()
                .map(|d| {
                    let (count, of, sum) = f(d);
                    column(d.code(), count, of, sum)
                })
                .collect(),
        )
    };
    Some(match code {
        I::ReturneesRegistered => Recipe::PerKey(M::Cases, None),
        I::ReturneesAssisted if by(Breakdown::Dimension) => dimensions(|d| (M::AssistedIn(d), None, None)),
        I::ReturneesAssisted => Recipe::PerKey(M::Assisted, None),
        I::PlanWithinMonth => Recipe::PerKey(M::PlanWithinMonth, Some(M::Cases)),
        I::AssistanceDelivered if by(Breakdown::Dimension) => {
            dimensions(|d| (M::DeliveredIn(d), Some(M::PlannedIn(d)), None))
        }
        I::AssistanceDelivered => Recipe::PerKey(M::ItemsDelivered, Some(M::ItemsPlanned)),
        I::AssistanceDeliveredXof if by(Breakdown::Dimension) => {
            dimensions(|d| (M::SpentIn(d), Some(M::BudgetIn(d)), None))
        }
        I::AssistanceDeliveredXof => Recipe::PerKey(M::SpentXof, Some(M::BudgetXof)),
        I::ReferralsSent if by(Breakdown::Stage) => Recipe::Columns(vec![
            column("sent", M::ReferralsSent, None, None),
            column("accepted", M::ReferralsAccepted, None, None),
            column("completed", M::ReferralsCompleted, None, None),
        ]),
        I::ReferralsSent => Recipe::Total("sent", M::ReferralsSent),
        I::ReferralsSuccessful => Recipe::PerKey(M::ReferralsCompleted, Some(M::ReferralsEnded)),
        I::SustainabilityScore if by(Breakdown::Dimension) => {
            dimensions(|d| (M::LatestScoredIn(d), None, Some(M::LatestScoreIn(d))))
        }
        I::SustainabilityScore => Recipe::Scores(M::LatestScored, M::LatestScore),
        I::SustainabilityAboveBand if by(Breakdown::Band) => Recipe::Columns(
            BANDS
                .iter()
                .enumerate()
                .map(|(i, band)| column(&band.to_string(), M::AboveBand(i), Some(M::LatestScored), None))
                .collect(),
        ),
        I::SustainabilityAboveBand => {
            let headline = BANDS.iter().position(|b| *b == HEADLINE_BAND).expect("the headline band is a band");
            Recipe::PerKey(M::AboveBand(headline), Some(M::LatestScored))
        }
        I::SustainabilityChange if by(Breakdown::Dimension) => {
            dimensions(|d| (M::ChangedIn(d), None, Some(M::ChangeIn(d))))
        }
        I::SustainabilityChange => Recipe::Scores(M::Changed, M::Change),
        I::Satisfaction => Recipe::Scores(M::SatisfactionScored, M::SatisfactionScore),
        _ => return None,
    })
}

/// The tallies of a case-based indicator from the sums per key of its grouping (`rows`: one per key,
/// `""` for no grouping). `None` for an indicator not made of these sums.
pub fn case_tallies(
    code: IndicatorCode,
    breakdown: Option<Breakdown>,
    rows: &[(String, CaseSums)],
) -> Option<Vec<Tally>> {
    recipe(code, breakdown).map(|r| r.tallies(rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::{self, Figure};
    use time::macros::date;

    fn sums(pairs: &[(Measure, i64)]) -> CaseSums {
        let measures: Vec<Measure> = pairs.iter().map(|(m, _)| *m).collect();
        CaseSums::from_values(&measures, pairs.iter().map(|(_, v)| *v).collect())
    }

    #[test]
    fn every_measure_has_its_own_column() {
        let all = Measure::all();
        let mut columns: Vec<String> = all.iter().map(|m| m.column()).collect();
        columns.sort();
        columns.dedup();
        assert_eq!(columns.len(), all.len());
        assert!(columns
            .iter()
            .all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')));
    }

    #[test]
    fn registered_and_shares_per_key() {
        let rows = vec![
            ("female".to_string(), sums(&[(Measure::Cases, 3), (Measure::PlanWithinMonth, 1)])),
            ("male".to_string(), sums(&[(Measure::Cases, 2), (Measure::PlanWithinMonth, 2)])),
        ];
        let registered = case_tallies(IndicatorCode::ReturneesRegistered, Some(Breakdown::Sex), &rows).unwrap();
        assert_eq!(registered, vec![Tally::new("female", 3, 0), Tally::new("male", 2, 0)]);
        let within = case_tallies(IndicatorCode::PlanWithinMonth, None, &rows).unwrap();
        let f = indicators::figure(indicators::indicator(IndicatorCode::PlanWithinMonth), &within);
        assert_eq!(f, Figure { value: Some(0.6), count: 3, of: Some(5) });
    }

    #[test]
    fn columns_become_rows_and_scores_are_exact_means() {
        use Dimension::*;
        let rows = vec![
            (
                "2025-01-01".to_string(),
                sums(&[
                    (Measure::LatestScored, 2),
                    (Measure::LatestScore, 1_100_000),
                    (Measure::LatestScoredIn(Social), 1),
                    (Measure::LatestScoreIn(Social), 250_000),
                    (Measure::AboveBand(0), 2),
                    (Measure::AboveBand(1), 1),
                ]),
            ),
            (
                "2025-02-01".to_string(),
                sums(&[(Measure::LatestScored, 1), (Measure::LatestScore, 400_000), (Measure::AboveBand(0), 1)]),
            ),
        ];
        let by_dimension = case_tallies(IndicatorCode::SustainabilityScore, Some(Breakdown::Dimension), &rows).unwrap();
        assert_eq!(by_dimension.len(), 1, "dimensions without a score are left out");
        assert_eq!((by_dimension[0].key.as_str(), by_dimension[0].count), ("social", 1));
        assert!((by_dimension[0].sum - 0.25).abs() < 1e-12);
        let mean = case_tallies(IndicatorCode::SustainabilityScore, None, &rows).unwrap();
        let f = indicators::figure(indicators::indicator(IndicatorCode::SustainabilityScore), &mean);
        assert!((f.value.unwrap() - 0.5).abs() < 1e-12);
        let bands = case_tallies(IndicatorCode::SustainabilityAboveBand, Some(Breakdown::Band), &rows).unwrap();
        assert_eq!(bands, vec![Tally::new("0.33", 3, 3), Tally::new("0.5", 1, 3), Tally::new("0.66", 0, 3)]);
        let headline = case_tallies(IndicatorCode::SustainabilityAboveBand, None, &rows).unwrap();
        assert_eq!(headline, vec![Tally::new("2025-01-01", 1, 2), Tally::new("2025-02-01", 0, 1)]);
    }

    #[test]
    fn a_recipe_reads_only_the_measures_it_lists() {
        // Every measure gets its own value per key: the tallies from every sum and from only the
        // recipe's measures agree exactly when the recipe lists all it reads.
        let all = Measure::all();
        let every =
            |salt: i64| CaseSums::from_values(all, (0..all.len() as i64).map(|i| (i + 1) * 1_000 + salt).collect());
        let rows = vec![("a".to_string(), every(1)), ("b".to_string(), every(7))];
        let mut checked = 0;
        for code in IndicatorCode::ALL {
            let offered = indicators::indicator(code).breakdowns.iter().map(|b| Some(*b));
            for breakdown in std::iter::once(None).chain(offered) {
                let Some(recipe) = recipe(code, breakdown) else { continue };
                let measures = recipe.measures();
                let mut unique = measures.clone();
                unique.dedup();
                assert_eq!(unique.len(), measures.len(), "{code:?} {breakdown:?} lists a measure twice");
                let only: Vec<(String, CaseSums)> = rows
                    .iter()
                    .map(|(key, s)| {
                        (key.clone(), CaseSums::from_values(&measures, measures.iter().map(|m| s.get(*m)).collect()))
                    })
                    .collect();
                assert_eq!(recipe.tallies(&only), recipe.tallies(&rows), "{code:?} {breakdown:?}");
                assert!(measures.len() < all.len() / 3, "{code:?} {breakdown:?} reads {} measures", measures.len());
                checked += 1;
            }
        }
        assert!(checked > 20, "{checked} recipes checked");
    }

    #[test]
    fn parts_add_up_per_key() {
        let a = vec![
            ("female".to_string(), sums(&[(Measure::Cases, 3), (Measure::Assisted, 1)])),
            ("male".to_string(), sums(&[(Measure::Cases, 2), (Measure::Assisted, 0)])),
        ];
        let b = vec![
            ("unknown".to_string(), sums(&[(Measure::Cases, 1), (Measure::Assisted, 1)])),
            ("female".to_string(), sums(&[(Measure::Cases, 4), (Measure::Assisted, 2)])),
        ];
        let all = add_up_parts(vec![a, b, Vec::new()]);
        let keys: Vec<&str> = all.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["female", "male", "unknown"]);
        assert_eq!((all[0].1.get(Measure::Cases), all[0].1.get(Measure::Assisted)), (7, 3));
        assert_eq!(all[2].1.get(Measure::Cases), 1);
        assert!(add_up_parts(vec![Vec::new(), Vec::new()]).is_empty());
    }

    #[test]
    fn a_total_is_the_sum_of_its_keys() {
        let rows = vec![
            ("female".to_string(), sums(&[(Measure::Cases, 3), (Measure::PlanWithinMonth, 1)])),
            ("male".to_string(), sums(&[(Measure::Cases, 2), (Measure::PlanWithinMonth, 2)])),
        ];
        let total = total_of(&rows);
        assert_eq!(total.len(), 1);
        assert_eq!(
            (total[0].0.as_str(), total[0].1.get(Measure::Cases), total[0].1.get(Measure::PlanWithinMonth)),
            ("", 5, 3)
        );
        assert!(total_of(&[]).is_empty());
        let both = measures_for(IndicatorCode::SustainabilityScore, Some(Breakdown::Dimension)).unwrap();
        assert!(both.contains(&Measure::LatestScore) && both.contains(&Measure::LatestScoreIn(Dimension::Social)));
        assert!(measures_for(IndicatorCode::Trainings, None).is_none());
    }

    #[test]
    fn indicators_of_other_sources_are_not_sums() {
        assert!(case_tallies(IndicatorCode::ReferralDaysToAcceptance, None, &[]).is_none());
        assert!(case_tallies(IndicatorCode::Trainings, None, &[]).is_none());
    }

    #[test]
    fn the_cells_answer_only_what_they_key() {
        let national = IndicatorFilter::default();
        assert!(cells_answer(&national));
        let quarter =
            IndicatorFilter { from: Some(date!(2025 - 04 - 01)), to: Some(date!(2025 - 06 - 30)), ..national.clone() };
        assert!(cells_answer(&quarter));
        let leap =
            IndicatorFilter { from: Some(date!(2024 - 02 - 01)), to: Some(date!(2024 - 02 - 29)), ..national.clone() };
        assert!(cells_answer(&leap));
        let days = IndicatorFilter { to: Some(date!(2025 - 06 - 29)), ..national.clone() };
        assert!(!cells_answer(&days));
        let mid = IndicatorFilter { from: Some(date!(2025 - 06 - 02)), ..national.clone() };
        assert!(!cells_answer(&mid));
        let region = IndicatorFilter { unit: Some("ML01".into()), unit_level: Some(1), ..national.clone() };
        assert!(cells_answer(&region));
        let cercle = IndicatorFilter { unit: Some("ML0101".into()), unit_level: Some(2), ..national.clone() };
        assert!(!cells_answer(&cercle), "a cercle is finer than the cells");
        let unknown = IndicatorFilter { unit: Some("ML01".into()), ..national.clone() };
        assert!(!cells_answer(&unknown), "a place of unknown level is read from the cases");
        let programme = IndicatorFilter { programme: Some("MPRR".into()), ..national.clone() };
        assert!(!cells_answer(&programme));
        let flag =
            IndicatorFilter { vulnerability: Some(crate::vulnerability::VulnerabilityFlag::Disability), ..national };
        assert!(!cells_answer(&flag));
    }
}
