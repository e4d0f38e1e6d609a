//! Gap and overlap analysis: returnees' needs set against the services on offer and the interventions
//! under way, per admin unit (regions and their cercles) and assistance category.
//!
//! Needs are counts of returnees (never names): a returnee of an open case settled in the unit has a
//! need in a category when an item of that [`AssistanceType`] in their plan is neither delivered nor
//! cancelled, or when their latest needs assessment lists a [`Need`] that [`need_category`] maps to
//! it; a returnee counts once per category whatever the number of items and needs.
//!
//! A cell (unit × category) is classified by [`classify`]:
//! - no need: nobody waits for that category there;
//! - uncovered: needs, and neither a published service nor an ongoing intervention covers the unit;
//! - under capacity: more returnees in need than the monthly capacity of the services covering it;
//! - covered: otherwise.
//!
//! Independently, a cercle has an overlap in a category when at least two ongoing interventions of that
//! category cover it (a region-level one covers all its cercles) with periods that overlap each other
//! and the period looked at. A region's row adds up its cercles (and the returnees settled at region
//! level): its needs are summed, its services and interventions counted once each.

use crate::assessment::Need;
use crate::lifecycle::plan::AssistanceType;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use time::Date;
use uuid::Uuid;

/// The category of assistance that answers a need found in an assessment; `None`: no category of
/// plan, service or intervention answers it directly (it is not counted in the matrix).
///
/// | need | category |
/// |---|---|
/// | income, business capital | business start-up, microcredit |
/// | employment | job placement |
/// | vocational skills | vocational training |
/// | tools and equipment | in kind |
/// | debt, basic needs | cash |
/// | housing | housing |
/// | documents | documents |
/// | children's education | education |
/// | family relations | family tracing |
/// | access to health care | medical care |
/// | legal | legal aid |
/// | every psychosocial need | psychosocial counselling |
/// | financial literacy, community acceptance | — |
pub fn need_category(need: Need) -> Option<AssistanceType> {
    use AssistanceType as A;
    use Need::*;
    Some(match need {
        Income => A::BusinessStartUp,
        BusinessCapital => A::Microcredit,
        Employment => A::JobPlacement,
        VocationalSkills => A::VocationalTraining,
        ToolsEquipment => A::InKind,
        Debt | BasicNeeds => A::Cash,
        Housing => A::Housing,
        Documents => A::Documents,
        ChildrenEducation => A::Education,
        FamilyRelations => A::FamilyTracing,
        HealthAccess => A::MedicalCare,
        Legal => A::LegalAid,
        Distress | TraumaFollowUp | SubstanceUse | Stigma | Isolation | Grief | SleepProblems => {
            A::PsychosocialCounselling
        }
        FinancialLiteracy | CommunityAcceptance => return None,
    })
}

/// Every (need, category) pair of [`need_category`], for queries that map needs in the database.
pub fn need_categories() -> Vec<(Need, AssistanceType)> {
    Need::ALL.into_iter().filter_map(|n| need_category(n).map(|c| (n, c))).collect()
}

/// An admin unit: a region (level 1), a cercle (level 2) or lower.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub pcode: String,
    pub name: String,
    pub level: i64,
    pub parent: Option<String>,
}

/// Returnees with an open need in a category, settled in a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedCount {
    pub pcode: String,
    pub category: AssistanceType,
    pub returnees: i64,
}

/// A published service covering a unit (one row per unit it names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCover {
    pub id: Uuid,
    pub pcode: String,
    pub category: AssistanceType,
    /// Returnees it can take per month; `None` when the provider did not say (it adds nothing).
    pub capacity_per_month: Option<i64>,
}

/// An intervention covering a unit (one row per unit it names), with its period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterventionCover {
    pub id: Uuid,
    pub pcode: String,
    pub category: AssistanceType,
    pub start_on: Date,
    pub end_on: Date,
}

/// The period looked at (both days included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

fn overlaps(a: (Date, Date), b: (Date, Date)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

crate::person::coded_enum! {
    /// How well a cell's needs are covered.
    pub enum Coverage in "gap-status" {
        NoNeed = "no_need",
        Uncovered = "uncovered",
        UnderCapacity = "under_capacity",
        Covered = "covered",
    }
}

/// The coverage of a cell with `needs` returnees in need, `services` services of that category covering
/// it with a total monthly capacity of `capacity`, and `interventions` ongoing interventions.
pub fn classify(needs: i64, services: usize, capacity: i64, interventions: usize) -> Coverage {
    if needs <= 0 {
        Coverage::NoNeed
    } else if services == 0 && interventions == 0 {
        Coverage::Uncovered
    } else if needs > capacity {
        Coverage::UnderCapacity
    } else {
        Coverage::Covered
    }
}

/// One unit × category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapCell {
    pub category: AssistanceType,
    pub needs: i64,
    pub services: usize,
    pub capacity: i64,
    pub interventions: usize,
    pub coverage: Coverage,
    pub overlap: bool,
}

impl GapCell {
    /// The status codes of the cell: its coverage, then `overlap` if it has one (exports).
    pub fn status_codes(&self) -> String {
        if self.overlap {
            format!("{} overlap", self.coverage.code())
        } else {
            self.coverage.code().to_string()
        }
    }
}

/// A unit's row: one cell per category of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub pcode: String,
    pub name: String,
    pub cells: Vec<GapCell>,
}

/// A region's row and its cercles' rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionRows {
    pub region: UnitRow,
    pub cercles: Vec<UnitRow>,
}

/// Ongoing interventions of one category covering one cercle at overlapping times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    pub region: String,
    pub cercle: String,
    pub cercle_name: String,
    pub category: AssistanceType,
    /// The interventions, sorted, each overlapping at least one other of the list.
    pub interventions: Vec<Uuid>,
}

/// The whole matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapMatrix {
    pub categories: Vec<AssistanceType>,
    pub regions: Vec<RegionRows>,
    pub overlaps: Vec<Overlap>,
}

/// What one unit × category gathers before classification.
#[derive(Default)]
struct Tally {
    needs: i64,
    services: BTreeMap<Uuid, i64>,
    interventions: BTreeMap<Uuid, (Date, Date)>,
}

impl Tally {
    fn absorb(&mut self, other: &Tally) {
        self.needs += other.needs;
        self.services.extend(other.services.iter().map(|(k, v)| (*k, *v)));
        self.interventions.extend(other.interventions.iter().map(|(k, v)| (*k, *v)));
    }

    fn cell(&self, category: AssistanceType, overlap: bool) -> GapCell {
        let capacity = self.services.values().sum();
        GapCell {
            category,
            needs: self.needs,
            services: self.services.len(),
            capacity,
            interventions: self.interventions.len(),
            coverage: classify(self.needs, self.services.len(), capacity, self.interventions.len()),
            overlap,
        }
    }

    /// The interventions that overlap at least one other, sorted.
    fn overlapping(&self) -> Vec<Uuid> {
        let list: Vec<_> = self.interventions.iter().collect();
        let mut found = BTreeSet::new();
        for (i, (a, pa)) in list.iter().enumerate() {
            for (b, pb) in &list[i + 1..] {
                if overlaps(**pa, **pb) {
                    found.insert(**a);
                    found.insert(**b);
                }
            }
        }
        found.into_iter().collect()
    }
}

/// Builds the matrix over `units` (regions, cercles; lower units count in their cercle) for
/// `categories`, `regions` limiting the rows when given. Interventions outside `period` are ignored;
/// needs and services are what they are now.
pub fn matrix(
    units: &[Unit],
    categories: &[AssistanceType],
    regions: Option<&[String]>,
    period: Period,
    needs: &[NeedCount],
    services: &[ServiceCover],
    interventions: &[InterventionCover],
) -> GapMatrix {
    let by_pcode: BTreeMap<&str, &Unit> = units.iter().map(|u| (u.pcode.as_str(), u)).collect();
    // The (region, cercle) of a unit: cercle `None` for a region itself.
    let place = |pcode: &str| -> Option<(String, Option<String>)> {
        let mut unit = *by_pcode.get(pcode)?;
        let mut cercle = None;
        for _ in 0..8 {
            match unit.level {
                1 => return Some((unit.pcode.clone(), cercle)),
                2 => cercle = Some(unit.pcode.clone()),
                _ => {}
            }
            unit = *by_pcode.get(unit.parent.as_deref()?)?;
        }
        None
    };
    let wanted = |region: &str| regions.is_none_or(|r| r.iter().any(|p| p == region));
    // Tallies per (region, cercle or None for the region itself, category).
    let mut tallies: HashMap<(String, Option<String>, AssistanceType), Tally> = HashMap::new();
    for n in needs {
        if let Some((region, cercle)) = place(&n.pcode) {
            tallies.entry((region, cercle, n.category)).or_default().needs += n.returnees;
        }
    }
    for s in services {
        if let Some((region, cercle)) = place(&s.pcode) {
            tallies
                .entry((region, cercle, s.category))
                .or_default()
                .services
                .insert(s.id, s.capacity_per_month.unwrap_or(0));
        }
    }
    for i in interventions {
        if i.start_on > i.end_on || !overlaps((i.start_on, i.end_on), (period.from, period.to)) {
            continue;
        }
        if let Some((region, cercle)) = place(&i.pcode) {
            tallies.entry((region, cercle, i.category)).or_default().interventions.insert(i.id, (i.start_on, i.end_on));
        }
    }
    let empty = Tally::default();
    let mut rows = Vec::new();
    let mut overlaps_found = Vec::new();
    let mut region_units: Vec<&Unit> = units.iter().filter(|u| u.level == 1 && wanted(&u.pcode)).collect();
    region_units.sort_by(|a, b| a.pcode.cmp(&b.pcode));
    for region in region_units {
        let mut cercles: Vec<&Unit> =
            units.iter().filter(|u| u.level == 2 && u.parent.as_deref() == Some(region.pcode.as_str())).collect();
        cercles.sort_by(|a, b| a.pcode.cmp(&b.pcode));
        let mut region_cells = Vec::new();
        let mut cercle_cells: Vec<Vec<GapCell>> = vec![Vec::new(); cercles.len()];
        for &category in categories {
            let own = tallies.get(&(region.pcode.clone(), None, category)).unwrap_or(&empty);
            let mut total = Tally::default();
            total.absorb(own);
            let mut any_overlap = false;
            for (k, cercle) in cercles.iter().enumerate() {
                let mine = tallies.get(&(region.pcode.clone(), Some(cercle.pcode.clone()), category)).unwrap_or(&empty);
                total.absorb(mine);
                // A cercle is covered by what names it and by what names its region.
                let mut covering = Tally::default();
                covering.absorb(mine);
                covering.services.extend(own.services.iter().map(|(k, v)| (*k, *v)));
                covering.interventions.extend(own.interventions.iter().map(|(k, v)| (*k, *v)));
                let overlapping = covering.overlapping();
                let overlap = !overlapping.is_empty();
                any_overlap |= overlap;
                if overlap {
                    overlaps_found.push(Overlap {
                        region: region.pcode.clone(),
                        cercle: cercle.pcode.clone(),
                        cercle_name: cercle.name.clone(),
                        category,
                        interventions: overlapping,
                    });
                }
                cercle_cells[k].push(covering.cell(category, overlap));
            }
            region_cells.push(total.cell(category, any_overlap));
        }
        rows.push(RegionRows {
            region: UnitRow { pcode: region.pcode.clone(), name: region.name.clone(), cells: region_cells },
            cercles: cercles
                .iter()
                .zip(cercle_cells)
                .map(|(c, cells)| UnitRow { pcode: c.pcode.clone(), name: c.name.clone(), cells })
                .collect(),
        });
    }
    GapMatrix { categories: categories.to_vec(), regions: rows, overlaps: overlaps_found }
}

impl GapMatrix {
    /// How many cells of cercles have each coverage, and how many have an overlap.
    pub fn counts(&self) -> (HashMap<Coverage, usize>, usize) {
        let mut by = HashMap::new();
        let mut overlaps = 0;
        for cell in self.regions.iter().flat_map(|r| r.cercles.iter()).flat_map(|c| c.cells.iter()) {
            *by.entry(cell.coverage).or_insert(0) += 1;
            overlaps += usize::from(cell.overlap);
        }
        (by, overlaps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn unit(pcode: &str, level: i64, parent: Option<&str>) -> Unit {
        Unit { pcode: pcode.into(), name: format!("U {pcode}"), level, parent: parent.map(Into::into) }
    }

    fn units() -> Vec<Unit> {
        vec![
            unit("ML01", 1, None),
            unit("ML0101", 2, Some("ML01")),
            unit("ML0102", 2, Some("ML01")),
            unit("ML02", 1, None),
            unit("ML0201", 2, Some("ML02")),
        ]
    }

    fn id(n: u8) -> Uuid {
        Uuid::from_bytes([n; 16])
    }

    const H: AssistanceType = AssistanceType::Housing;
    const J: AssistanceType = AssistanceType::JobPlacement;
    const M: AssistanceType = AssistanceType::MedicalCare;
    const YEAR: Period = Period { from: date!(2026 - 01 - 01), to: date!(2026 - 12 - 31) };

    fn need(pcode: &str, category: AssistanceType, returnees: i64) -> NeedCount {
        NeedCount { pcode: pcode.into(), category, returnees }
    }
    fn service(n: u8, pcode: &str, category: AssistanceType, capacity: Option<i64>) -> ServiceCover {
        ServiceCover { id: id(n), pcode: pcode.into(), category, capacity_per_month: capacity }
    }
    fn intervention(n: u8, pcode: &str, category: AssistanceType, start: Date, end: Date) -> InterventionCover {
        InterventionCover { id: id(n), pcode: pcode.into(), category, start_on: start, end_on: end }
    }

    fn cell<'a>(m: &'a GapMatrix, pcode: &str, category: AssistanceType) -> &'a GapCell {
        let k = m.categories.iter().position(|c| *c == category).unwrap();
        let row = m
            .regions
            .iter()
            .flat_map(|r| std::iter::once(&r.region).chain(r.cercles.iter()))
            .find(|r| r.pcode == pcode)
            .unwrap();
        &row.cells[k]
    }

    #[test]
    fn classification_rules() {
        assert_eq!(classify(0, 0, 0, 0), Coverage::NoNeed);
        assert_eq!(classify(0, 3, 10, 2), Coverage::NoNeed);
        assert_eq!(classify(1, 0, 0, 0), Coverage::Uncovered);
        assert_eq!(classify(5, 1, 4, 0), Coverage::UnderCapacity);
        assert_eq!(classify(5, 1, 5, 0), Coverage::Covered);
        assert_eq!(classify(5, 0, 0, 1), Coverage::UnderCapacity);
    }

    #[test]
    fn hand_made_fixture_has_known_answers() {
        let needs = vec![
            need("ML0101", H, 12),
            need("ML0101", J, 3),
            need("ML0102", H, 2),
            need("ML0102", M, 7),
            need("ML01", M, 1), // settled at region level: only in the region's row
            need("ML0201", J, 4),
        ];
        let services = vec![
            service(1, "ML0101", H, Some(10)), // 12 > 10: under capacity in ML0101
            service(2, "ML01", J, Some(5)),    // region-level: covers ML0101 and ML0102
            service(2, "ML0102", J, Some(5)),  // the same service naming a cercle too counts once
            service(3, "ML0102", M, None),     // capacity unknown: adds nothing
        ];
        let interventions = vec![
            intervention(10, "ML0102", H, date!(2026 - 01 - 01), date!(2026 - 06 - 30)),
            intervention(11, "ML01", H, date!(2026 - 06 - 01), date!(2026 - 12 - 31)), // overlaps 10 in ML0102
            intervention(12, "ML0201", J, date!(2026 - 01 - 01), date!(2026 - 03 - 31)),
            intervention(13, "ML0201", J, date!(2026 - 04 - 01), date!(2026 - 06 - 30)), // follows 12: no overlap
            intervention(14, "ML0201", J, date!(2025 - 01 - 01), date!(2025 - 12 - 31)), // outside the period
        ];
        let m = matrix(&units(), &[H, J, M], None, YEAR, &needs, &services, &interventions);
        assert_eq!(m.regions.len(), 2);
        assert_eq!(m.regions[0].cercles.len(), 2);

        let c = cell(&m, "ML0101", H);
        assert_eq!((c.needs, c.services, c.capacity, c.interventions), (12, 1, 10, 1));
        assert_eq!((c.coverage, c.overlap), (Coverage::UnderCapacity, false));
        let c = cell(&m, "ML0101", J);
        assert_eq!((c.needs, c.services, c.capacity, c.coverage), (3, 1, 5, Coverage::Covered));
        let c = cell(&m, "ML0102", H);
        assert_eq!((c.needs, c.services, c.interventions), (2, 0, 2));
        assert_eq!((c.coverage, c.overlap), (Coverage::UnderCapacity, true));
        let c = cell(&m, "ML0102", M);
        assert_eq!((c.needs, c.services, c.capacity, c.coverage), (7, 1, 0, Coverage::UnderCapacity));
        let c = cell(&m, "ML0102", J);
        assert_eq!((c.needs, c.services, c.coverage), (0, 1, Coverage::NoNeed));
        let c = cell(&m, "ML0201", J);
        assert_eq!((c.needs, c.services, c.interventions), (4, 0, 2));
        assert_eq!((c.coverage, c.overlap), (Coverage::UnderCapacity, false));
        let c = cell(&m, "ML0201", H);
        assert_eq!(c.coverage, Coverage::NoNeed);

        // Region rows: needs summed (with the region-level returnee), services counted once.
        let r = cell(&m, "ML01", H);
        assert_eq!((r.needs, r.services, r.capacity, r.interventions, r.overlap), (14, 1, 10, 2, true));
        let r = cell(&m, "ML01", J);
        assert_eq!((r.needs, r.services, r.capacity, r.coverage), (3, 1, 5, Coverage::Covered));
        let r = cell(&m, "ML01", M);
        assert_eq!((r.needs, r.coverage), (8, Coverage::UnderCapacity));

        assert_eq!(m.overlaps.len(), 1);
        assert_eq!(m.overlaps[0].cercle, "ML0102");
        assert_eq!(m.overlaps[0].category, H);
        assert_eq!(m.overlaps[0].interventions, vec![id(10), id(11)]);
        assert_eq!(cell(&m, "ML0102", H).status_codes(), "under_capacity overlap");
    }

    #[test]
    fn uncovered_and_region_filter() {
        let needs = vec![need("ML0201", M, 2), need("ML0101", M, 1)];
        let m = matrix(&units(), &[M], Some(&["ML02".to_string()]), YEAR, &needs, &[], &[]);
        assert_eq!(m.regions.len(), 1);
        assert_eq!(cell(&m, "ML0201", M).coverage, Coverage::Uncovered);
        assert_eq!(cell(&m, "ML02", M).coverage, Coverage::Uncovered);
        let (counts, overlaps) = m.counts();
        assert_eq!(counts.get(&Coverage::Uncovered), Some(&1));
        assert_eq!(overlaps, 0);
    }

    #[test]
    fn every_need_maps_as_the_table_says() {
        assert_eq!(need_category(Need::Housing), Some(AssistanceType::Housing));
        assert_eq!(need_category(Need::Grief), Some(AssistanceType::PsychosocialCounselling));
        assert_eq!(need_category(Need::FinancialLiteracy), None);
        assert_eq!(need_categories().len(), Need::ALL.len() - 2);
    }

    proptest::proptest! {
        /// Region needs are the sum of their cercles' needs; a cercle's coverage follows `classify`.
        #[test]
        fn regions_add_up(n1 in 0i64..50, n2 in 0i64..50, cap in proptest::option::of(0i64..60)) {
            let needs = vec![need("ML0101", H, n1), need("ML0102", H, n2)];
            let services = vec![service(1, "ML01", H, cap)];
            let m = matrix(&units(), &[H], None, YEAR, &needs, &services, &[]);
            proptest::prop_assert_eq!(cell(&m, "ML01", H).needs, n1 + n2);
            let c = cell(&m, "ML0101", H);
            proptest::prop_assert_eq!(c.coverage, classify(n1, 1, cap.unwrap_or(0), 0));
            proptest::prop_assert!(m.overlaps.is_empty());
        }
    }
}
