//! Small-cell suppression: which published counts are hidden so that nobody can single out a returnee.
//!
//! Counts from 1 to 4 ([`THRESHOLD`] − 1) are hidden (*primary suppression*) and shown as "< 5"
//! ([`SUPPRESSED_LABEL`]). **True zeros are shown**: "nobody" identifies nobody, and hiding zeros would
//! only hide the absence of need or assistance, which the public has a right to see (common practice of
//! statistical offices). A shown zero gives nothing away about the hidden cells.
//!
//! Hiding a cell is not enough when totals are published: a cell is recovered by subtracting the other
//! cells of its row from the row total. *Secondary suppression* hides complementary entries until no
//! hidden entry can be worked out from the published ones:
//! - every line (a row of cells with its row total, a column with its column total, the row totals with the
//!   grand total, the column totals with the grand total) holds either no hidden entry or at least two;
//! - in a table, that is not quite enough: a hidden entry can still be worked out by combining several
//!   lines when it is the only link between two groups of hidden entries (a *bridge* in the graph whose
//!   nodes are the lines and whose edges are the hidden entries). A hidden entry cannot be worked out by
//!   any combination of sums exactly when it lies on a cycle of hidden entries, so bridges get one more
//!   complement that closes such a cycle.
//!
//! Complements are chosen non-zero before zero (a hidden zero protects nothing when readers may guess
//! it), then, in a table, among entries whose other line holds exactly one hidden entry (one complement
//! then protects two lines, instead of leaving a new lone hidden entry to protect), then smallest first
//! (to lose the least information; totals are larger, so cells go first); ties go to the first entry in
//! reading order so the output is deterministic.
//!
//! Totals are the sums of the cells: a breakdown must carry every category (with an "unknown" one when
//! needed), otherwise the gap between the cells and the total is one more cell to protect. Tables
//! published side by side from the same people (e.g. by sex and by age, sharing one total) are protected
//! one by one: the caller should publish breakdowns that do not overlap, or cross them in one table.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Counts below this (and above zero) are never published.
pub const THRESHOLD: u64 = 5;

/// How a count hidden for being small is written, in every language.
pub const SUPPRESSED_LABEL: &str = "< 5";

/// How a count hidden to protect another is written, in every language (the statistical offices'
/// "x"): it may be 5 or more, so writing "< 5" there would be false.
pub const WITHHELD_LABEL: &str = "x";

/// A count as published: its value, or hidden. In JSON, a hidden count is `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "Option<u64>", into = "Option<u64>")]
pub enum Cell {
    Shown(u64),
    /// Hidden for being from 1 to 4 (primary suppression).
    Suppressed,
    /// Hidden so that a small count cannot be worked out from the totals (secondary suppression).
    Withheld,
}

impl Cell {
    /// The published value, `None` when hidden.
    pub fn value(self) -> Option<u64> {
        match self {
            Cell::Shown(n) => Some(n),
            Cell::Suppressed | Cell::Withheld => None,
        }
    }

    /// Hidden, for either reason.
    pub fn is_suppressed(self) -> bool {
        self.value().is_none()
    }

    /// The text to publish, the value written by `format` (e.g. with the locale's digit grouping).
    pub fn label_with(self, format: impl FnOnce(u64) -> String) -> String {
        match self {
            Cell::Shown(n) => format(n),
            Cell::Suppressed => SUPPRESSED_LABEL.to_owned(),
            Cell::Withheld => WITHHELD_LABEL.to_owned(),
        }
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Self {
        Cell::Shown(n)
    }
}

impl From<Option<u64>> for Cell {
    fn from(value: Option<u64>) -> Self {
        value.map_or(Cell::Suppressed, Cell::Shown)
    }
}

impl From<Cell> for Option<u64> {
    fn from(cell: Cell) -> Self {
        cell.value()
    }
}

/// Plain digits, "< 5" or "x".
impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Shown(n) => write!(f, "{n}"),
            Cell::Suppressed => f.write_str(SUPPRESSED_LABEL),
            Cell::Withheld => f.write_str(WITHHELD_LABEL),
        }
    }
}

/// Whether a count is hidden for itself (primary suppression): 1 to 4.
pub fn is_small(count: u64) -> bool {
    (1..THRESHOLD).contains(&count)
}

/// A list of counts and its total, as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtectedList {
    pub cells: Vec<Cell>,
    pub total: Cell,
}

/// A table of counts with its row totals, column totals and grand total, as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtectedTable {
    /// Row by row, in the order given.
    pub cells: Vec<Vec<Cell>>,
    pub row_totals: Vec<Cell>,
    pub column_totals: Vec<Cell>,
    pub total: Cell,
}

/// Protects a list of counts published with its total (the sum of the counts).
pub fn protect_list(counts: &[u64]) -> ProtectedList {
    let mut values = counts.to_vec();
    values.push(counts.iter().sum());
    let mut hidden: Vec<bool> = values.iter().map(|&v| is_small(v)).collect();
    let line: Vec<usize> = (0..values.len()).collect();
    if let Some(complement) = complement_for(&line, &values, &hidden, |_| false) {
        hidden[complement] = true;
    }
    let mut cells: Vec<Cell> = values.iter().zip(&hidden).map(|(&v, &h)| publish(v, h)).collect();
    let total = cells.pop().expect("the total is always there");
    ProtectedList { cells, total }
}

/// Protects a table of counts published with its row, column and grand totals (the sums of the cells).
///
/// # Panics
/// When the rows are not all the same length.
pub fn protect_table(counts: &[Vec<u64>]) -> ProtectedTable {
    let grid = Grid::new(counts);
    let hidden = grid.protect();
    let (rows, columns) = (counts.len(), grid.columns - 1);
    let cell = |r: usize, c: usize| publish(grid.value(r, c), hidden[grid.index(r, c)]);
    ProtectedTable {
        cells: (0..rows).map(|r| (0..columns).map(|c| cell(r, c)).collect()).collect(),
        row_totals: (0..rows).map(|r| cell(r, columns)).collect(),
        column_totals: (0..columns).map(|c| cell(rows, c)).collect(),
        total: cell(rows, columns),
    }
}

fn publish(value: u64, hidden: bool) -> Cell {
    match (hidden, is_small(value)) {
        (false, _) => Cell::Shown(value),
        (true, true) => Cell::Suppressed,
        (true, false) => Cell::Withheld,
    }
}

/// The entry to hide with the only hidden entry of a line, if the line has exactly one;
/// `protects_more(entry)`: hiding the entry also gives its other line its second hidden entry.
fn complement_for(
    line: &[usize],
    values: &[u64],
    hidden: &[bool],
    protects_more: impl Fn(usize) -> bool,
) -> Option<usize> {
    if line.iter().filter(|&&i| hidden[i]).count() != 1 {
        return None;
    }
    line.iter().copied().filter(|&i| !hidden[i]).min_by_key(|&i| (values[i] == 0, !protects_more(i), values[i], i))
}

/// The entry whose hiding loses the least: smallest non-zero value, then zeros; first on ties.
fn cheapest(candidates: impl Iterator<Item = usize>, values: &[u64]) -> Option<usize> {
    candidates.min_by_key(|&i| (values[i] == 0, values[i], i))
}

/// A table extended with its margins: rows `0..R` of cells plus the row of column totals, columns
/// `0..C` of cells plus the column of row totals, the grand total at the corner. Every row and every
/// column of the grid is a line: its last entry is the sum of the others.
struct Grid {
    rows: usize,
    columns: usize,
    values: Vec<u64>,
}

impl Grid {
    fn new(counts: &[Vec<u64>]) -> Grid {
        let cell_columns = counts.first().map_or(0, Vec::len);
        assert!(counts.iter().all(|row| row.len() == cell_columns), "every row of a table has the same length");
        let (rows, columns) = (counts.len() + 1, cell_columns + 1);
        let mut values = vec![0; rows * columns];
        for (r, row) in counts.iter().enumerate() {
            for (c, &count) in row.iter().enumerate() {
                values[r * columns + c] = count;
                values[r * columns + cell_columns] += count;
                values[counts.len() * columns + c] += count;
                values[counts.len() * columns + cell_columns] += count;
            }
        }
        Grid { rows, columns, values }
    }

    fn index(&self, row: usize, column: usize) -> usize {
        row * self.columns + column
    }

    fn value(&self, row: usize, column: usize) -> u64 {
        self.values[self.index(row, column)]
    }

    fn lines(&self) -> Vec<Vec<usize>> {
        let rows = (0..self.rows).map(|r| (0..self.columns).map(|c| self.index(r, c)).collect());
        let columns = (0..self.columns).map(|c| (0..self.rows).map(|r| self.index(r, c)).collect());
        rows.chain(columns).collect()
    }

    /// Which entries are hidden: primary, then complements until every line holds 0 or ≥ 2 hidden
    /// entries and no hidden entry is a bridge.
    fn protect(&self) -> Vec<bool> {
        let mut hidden: Vec<bool> = self.values.iter().map(|&v| is_small(v)).collect();
        let lines = self.lines();
        loop {
            let mut changed = false;
            for (l, line) in lines.iter().enumerate() {
                // The other line of an entry: its column when `line` is a row, its row otherwise.
                let other = |entry: usize| {
                    if l < self.rows {
                        &lines[self.rows + entry % self.columns]
                    } else {
                        &lines[entry / self.columns]
                    }
                };
                let lone = |entry: usize| other(entry).iter().filter(|&&i| hidden[i]).count() == 1;
                if let Some(complement) = complement_for(line, &self.values, &hidden, lone) {
                    hidden[complement] = true;
                    changed = true;
                }
            }
            if changed {
                continue;
            }
            match self.first_bridge(&hidden) {
                Some(bridge) => {
                    let complement = self.cycle_closer(bridge, &hidden);
                    hidden[complement] = true;
                }
                None => return hidden,
            }
        }
    }

    /// Nodes of the line graph: row `r` is node `r`, column `c` is node `rows + c`.
    fn ends(&self, entry: usize) -> (usize, usize) {
        (entry / self.columns, self.rows + entry % self.columns)
    }

    /// The nodes reached from `start` through hidden entries, without crossing `skip`.
    fn reachable(&self, start: usize, skip: usize, hidden: &[bool]) -> Vec<bool> {
        let mut seen = vec![false; self.rows + self.columns];
        let mut stack = vec![start];
        seen[start] = true;
        while let Some(node) = stack.pop() {
            let entries: Vec<usize> = if node < self.rows {
                (0..self.columns).map(|c| self.index(node, c)).collect()
            } else {
                (0..self.rows).map(|r| self.index(r, node - self.rows)).collect()
            };
            for entry in entries.into_iter().filter(|&e| hidden[e] && e != skip) {
                let (row, column) = self.ends(entry);
                let next = if node == row { column } else { row };
                if !seen[next] {
                    seen[next] = true;
                    stack.push(next);
                }
            }
        }
        seen
    }

    /// The first hidden entry that is the only link between its row and its column.
    fn first_bridge(&self, hidden: &[bool]) -> Option<usize> {
        (0..self.values.len()).filter(|&e| hidden[e]).find(|&e| {
            let (row, column) = self.ends(e);
            !self.reachable(row, e, hidden)[column]
        })
    }

    /// The cheapest visible entry joining the bridge's two sides (a row on one side with a column on
    /// the other), which puts the bridge on a cycle.
    fn cycle_closer(&self, bridge: usize, hidden: &[bool]) -> usize {
        let (row, _) = self.ends(bridge);
        let row_side = self.reachable(row, bridge, hidden);
        let candidates = (0..self.values.len()).filter(|&e| {
            let (r, c) = self.ends(e);
            !hidden[e] && row_side[r] != row_side[c]
        });
        cheapest(candidates, &self.values).expect("a full grid always has an entry across a bridge")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use Cell::{Shown as S, Suppressed as X, Withheld as W};

    #[test]
    fn zeros_and_large_counts_are_shown_small_ones_hidden() {
        assert_eq!(protect_list(&[0, 12, 30]), ProtectedList { cells: vec![S(0), S(12), S(30)], total: S(42) });
        assert!(!is_small(0) && is_small(1) && is_small(4) && !is_small(5));
        assert_eq!(X.to_string(), "< 5");
        assert_eq!(S(7).to_string(), "7");
        assert_eq!(X.label_with(|n| n.to_string()), "< 5");
        assert_eq!(W.to_string(), "x", "a complement may be 5 or more: never written < 5");
    }

    #[test]
    fn a_lone_small_count_in_a_list_takes_the_smallest_non_zero_other() {
        let list = protect_list(&[3, 0, 40, 9, 12]);
        assert_eq!(list.cells, vec![X, S(0), S(40), W, S(12)]);
        assert_eq!(list.total, S(64));
    }

    #[test]
    fn two_small_counts_protect_each_other() {
        let list = protect_list(&[3, 2, 40]);
        assert_eq!(list.cells, vec![X, X, S(40)]);
        assert_eq!(list.total, S(45));
    }

    #[test]
    fn a_small_total_is_hidden_and_protects_its_only_cell() {
        assert_eq!(protect_list(&[3, 0]), ProtectedList { cells: vec![X, S(0)], total: X });
    }

    #[test]
    fn empty_inputs_publish_zero_totals() {
        assert_eq!(protect_list(&[]), ProtectedList { cells: vec![], total: S(0) });
        let table = protect_table(&[]);
        assert_eq!((table.cells.len(), table.column_totals.len(), table.total), (0, 0, S(0)));
        let table = protect_table(&[vec![], vec![]]);
        assert_eq!(table.row_totals, vec![S(0), S(0)]);
    }

    #[test]
    fn hidden_counts_are_null_in_json() {
        assert_eq!(serde_json::to_string(&[S(12), X]).unwrap(), "[12,null]");
        assert_eq!(serde_json::from_str::<Vec<Cell>>("[12,null]").unwrap(), vec![S(12), X]);
    }

    #[test]
    fn table_hides_complements_in_rows_and_columns() {
        // Women/men by age group: the 3 needs a partner in its row and in its column.
        let table = protect_table(&[vec![3, 20], vec![10, 30], vec![8, 50]]);
        assert_eq!(table.cells, vec![vec![X, W], vec![S(10), S(30)], vec![W, W]]);
        assert_eq!(table.row_totals, vec![S(23), S(40), S(58)]);
        assert_eq!(table.column_totals, vec![S(21), S(100)]);
        assert_eq!(table.total, S(121));
    }

    #[test]
    fn a_bridge_between_two_hidden_blocks_gets_closed() {
        // Line rule alone: rows 0-1 × columns 0-1 hidden (a cycle), rows 2-3 × columns 2-3 hidden (another)
        // and nothing links them: fine. Here a single hidden cell links two cycles and must not stay a bridge.
        let counts = vec![
            vec![1, 1, 50, 50, 50],
            vec![1, 1, 50, 50, 50],
            vec![50, 2, 2, 50, 50],
            vec![50, 50, 2, 2, 50],
            vec![50, 50, 2, 2, 50],
        ];
        let table = protect_table(&counts);
        assert!(no_entry_recoverable(&table));
    }

    /// The table's entries (cells, row totals, column totals, grand total) as one grid, row by row.
    fn extended(table: &ProtectedTable) -> Vec<Vec<Cell>> {
        let mut grid: Vec<Vec<Cell>> = table
            .cells
            .iter()
            .zip(&table.row_totals)
            .map(|(row, &t)| row.iter().copied().chain([t]).collect())
            .collect();
        grid.push(table.column_totals.iter().copied().chain([table.total]).collect());
        grid
    }

    fn extended_values(counts: &[Vec<u64>]) -> Vec<Vec<u64>> {
        let columns = counts.first().map_or(0, Vec::len);
        let mut grid: Vec<Vec<u64>> =
            counts.iter().map(|row| row.iter().copied().chain([row.iter().sum()]).collect()).collect();
        let totals = (0..=columns).map(|c| grid.iter().map(|row| row[c]).sum()).collect();
        grid.push(totals);
        grid
    }

    /// Independent check by linear algebra: a hidden entry can be worked out from the published sums
    /// exactly when its unit vector lies in the row space of the line equations restricted to hidden
    /// entries.
    fn no_entry_recoverable(table: &ProtectedTable) -> bool {
        let grid = extended(table);
        let (rows, columns) = (grid.len(), grid[0].len());
        let unknowns: Vec<(usize, usize)> = (0..rows)
            .flat_map(|r| (0..columns).map(move |c| (r, c)))
            .filter(|&(r, c)| grid[r][c].is_suppressed())
            .collect();
        let coefficient = |line_is_row: bool, line: usize, (r, c): (usize, usize)| -> f64 {
            let (on_line, position, last) =
                if line_is_row { (r == line, c, columns - 1) } else { (c == line, r, rows - 1) };
            match (on_line, position == last) {
                (false, _) => 0.0,
                (true, false) => 1.0,
                (true, true) => -1.0,
            }
        };
        let equations: Vec<Vec<f64>> = (0..rows)
            .map(|r| (true, r))
            .chain((0..columns).map(|c| (false, c)))
            .map(|(is_row, line)| unknowns.iter().map(|&u| coefficient(is_row, line, u)).collect())
            .collect();
        let base = rank(equations.clone());
        (0..unknowns.len()).all(|k| {
            let mut with_unit = equations.clone();
            with_unit.push((0..unknowns.len()).map(|j| if j == k { 1.0 } else { 0.0 }).collect());
            rank(with_unit) > base
        })
    }

    fn rank(mut m: Vec<Vec<f64>>) -> usize {
        let columns = m.first().map_or(0, Vec::len);
        let mut rank = 0;
        for c in 0..columns {
            let Some(pivot) = (rank..m.len()).max_by(|&a, &b| m[a][c].abs().total_cmp(&m[b][c].abs())) else { break };
            if m[pivot][c].abs() < 1e-9 {
                continue;
            }
            m.swap(rank, pivot);
            let pivot_row = m[rank].clone();
            for row in m.iter_mut().enumerate().filter(|(r, _)| *r != rank).map(|(_, row)| row) {
                let factor = row[c] / pivot_row[c];
                for (value, pivot_value) in row.iter_mut().zip(&pivot_row).skip(c) {
                    *value -= factor * pivot_value;
                }
            }
            rank += 1;
        }
        rank
    }

    fn small_heavy_count() -> impl Strategy<Value = u64> {
        prop_oneof![3 => Just(0u64), 4 => 1u64..5, 3 => 5u64..60]
    }

    fn table_strategy() -> impl Strategy<Value = Vec<Vec<u64>>> {
        (1usize..6, 1usize..6).prop_flat_map(|(rows, columns)| {
            prop::collection::vec(prop::collection::vec(small_heavy_count(), columns), rows)
        })
    }

    proptest! {
        #[test]
        fn list_never_shows_small_counts_nor_leaves_one_hidden(counts in prop::collection::vec(small_heavy_count(), 0..8)) {
            let list = protect_list(&counts);
            let entries: Vec<Cell> = list.cells.iter().copied().chain([list.total]).collect();
            let values: Vec<u64> = counts.iter().copied().chain([counts.iter().sum()]).collect();
            for (cell, value) in entries.iter().zip(&values) {
                match cell {
                    Cell::Shown(n) => prop_assert!(*n == *value && !is_small(*n)),
                    Cell::Suppressed => prop_assert!(is_small(*value)),
                    Cell::Withheld => prop_assert!(!is_small(*value)),
                }
            }
            let hidden = entries.iter().filter(|c| c.is_suppressed()).count();
            prop_assert!(hidden == 0 || hidden >= 2, "{counts:?} → {list:?}");
        }

        #[test]
        fn table_never_shows_small_counts_and_hides_nothing_recoverable(counts in table_strategy()) {
            let table = protect_table(&counts);
            let grid = extended(&table);
            let values = extended_values(&counts);
            for (cells, row_values) in grid.iter().zip(&values) {
                for (cell, value) in cells.iter().zip(row_values) {
                    if let Cell::Shown(n) = cell {
                        prop_assert!(n == value && !is_small(*n));
                    }
                }
            }
            for (r, row) in grid.iter().enumerate() {
                let hidden = row.iter().filter(|c| c.is_suppressed()).count();
                prop_assert!(hidden == 0 || hidden >= 2, "row {r} of {counts:?} → {table:?}");
            }
            for c in 0..grid[0].len() {
                let hidden = grid.iter().filter(|row| row[c].is_suppressed()).count();
                prop_assert!(hidden == 0 || hidden >= 2, "column {c} of {counts:?} → {table:?}");
            }
            prop_assert!(no_entry_recoverable(&table), "{counts:?} → {table:?}");
        }
    }
}
