//! Choropleth map of a country's regions, drawn from a GeoJSON file without any tile server.
//!
//! The GeoJSON is read once into a [`Geography`]: coordinates projected (equirectangular, longitudes
//! scaled by the cosine of the middle latitude, which keeps Mali's shape), simplified
//! (Douglas–Peucker at well under a pixel, then rounded to a tenth of a unit, repeats dropped) and
//! written as compact relative SVG paths, so the page stays small. Each drawing then only colours the
//! regions: five quantile classes (`map-c0` lightest … `map-c4` darkest) and `map-none` for a region
//! without a value or with a hidden one. Every region is a link (clicking filters the dashboard) with a
//! `<title>` giving its name and value; names and values are also written on the map where they fit.
//! Regions of the caller's list that have no polygon (Ménaka lies inside Gao's polygon in Mali's file)
//! are handed back, for the caller to list beside the map.

use crate::bars::labelled;
use crate::svg::{escape, num, text_width, FONT_SIZE};
use crate::{format_cell, format_count, Cell, Locale};
use serde_json::Value;
use std::fmt::Write;
use std::sync::OnceLock;

/// Width of the map in SVG units; its height follows the country's shape.
const MAP_WIDTH: f64 = 600.0;
const PAD: f64 = 4.0;
/// Largest distance, in SVG units, between a boundary and its simplification.
const TOLERANCE: f64 = 0.5;
const LEGEND_LINE: f64 = 20.0;

/// Mali's regions (admin level 1), from the country data shipped in the repository.
const MALI_ADMIN1: &str = include_str!("../../../data/mali/admin1.geojson");

/// A region as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// The code that links the polygon to the admin units (P-code).
    pub code: String,
    /// The name in the map file, used when the caller gives none.
    pub name: String,
    /// SVG path data, already projected and simplified.
    pub path: String,
    /// Where its name can be written, and how wide the room there is.
    label_at: Option<(f64, f64, f64)>,
}

/// The regions of a country, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Geography {
    shapes: Vec<Shape>,
    width: f64,
    height: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error("the map is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the map is not a GeoJSON FeatureCollection")]
    NotFeatureCollection,
    #[error("feature {index} of the map has no text property \"{property}\"")]
    MissingProperty { index: usize, property: String },
    #[error(
        "feature {index} of the map has a geometry that is not a Polygon or MultiPolygon with numeric coordinates"
    )]
    Geometry { index: usize },
    #[error("the map has no coordinates")]
    Empty,
}

/// Polygons of one feature: rings of (longitude, latitude), the first ring of each polygon its outline.
type Polygons = Vec<Vec<Vec<(f64, f64)>>>;

impl Geography {
    /// Reads a GeoJSON FeatureCollection of Polygons and MultiPolygons; `code_property` and
    /// `name_property` name the properties holding each region's code and name (`"pcode"` and
    /// `"name"` in Mali's file). A feature without geometry (or too small to draw) is left out, so its
    /// region is listed as unmapped.
    pub fn from_geojson(text: &str, code_property: &str, name_property: &str) -> Result<Geography, MapError> {
        let root: Value = serde_json::from_str(text)?;
        if root.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
            return Err(MapError::NotFeatureCollection);
        }
        let features = root.get("features").and_then(Value::as_array).ok_or(MapError::NotFeatureCollection)?;
        let mut regions: Vec<(String, String, Polygons)> = Vec::with_capacity(features.len());
        for (index, feature) in features.iter().enumerate() {
            let property = |name: &str| {
                feature
                    .pointer(&format!("/properties/{name}"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| MapError::MissingProperty { index, property: name.to_owned() })
            };
            let polygons =
                polygons(feature.get("geometry").unwrap_or(&Value::Null)).ok_or(MapError::Geometry { index })?;
            regions.push((property(code_property)?, property(name_property)?, polygons));
        }
        let points = || regions.iter().flat_map(|(_, _, p)| p.iter().flatten().flatten());
        let (mut west, mut east, mut south, mut north) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(lon, lat) in points() {
            (west, east, south, north) = (west.min(lon), east.max(lon), south.min(lat), north.max(lat));
        }
        if west >= east || south >= north {
            return Err(MapError::Empty);
        }
        let squeeze = ((south + north) / 2.0).to_radians().cos();
        let scale = (MAP_WIDTH - 2.0 * PAD) / ((east - west) * squeeze);
        let project = |&(lon, lat): &(f64, f64)| (PAD + (lon - west) * squeeze * scale, PAD + (north - lat) * scale);
        let shapes = regions
            .into_iter()
            .filter_map(|(code, name, polygons)| {
                let rings: Vec<Vec<(i64, i64)>> = polygons
                    .iter()
                    .flatten()
                    .map(|ring| simplify(&ring.iter().map(project).collect::<Vec<_>>()))
                    .filter(|ring| ring.len() >= 3)
                    .collect();
                let outline = polygons
                    .iter()
                    .map(|p| p[0].iter().map(project).collect::<Vec<_>>())
                    .max_by(|a, b| area(a).total_cmp(&area(b)));
                let label_at = outline.and_then(|o| label_spot(&o));
                (!rings.is_empty()).then(|| Shape { code, name, path: path_data(&rings), label_at })
            })
            .collect();
        Ok(Geography { shapes, width: MAP_WIDTH, height: (north - south) * scale + 2.0 * PAD })
    }

    /// Mali's regions, read once from the embedded `data/mali/admin1.geojson`.
    pub fn mali() -> &'static Geography {
        static MALI: OnceLock<Geography> = OnceLock::new();
        MALI.get_or_init(|| {
            Geography::from_geojson(MALI_ADMIN1, "pcode", "name").expect("the embedded map of Mali is valid")
        })
    }

    pub fn shapes(&self) -> &[Shape] {
        &self.shapes
    }
}

/// The polygons of a GeoJSON geometry (none for a null geometry); `None` when it is not a polygon.
fn polygons(geometry: &Value) -> Option<Polygons> {
    if geometry.is_null() {
        return Some(Vec::new());
    }
    let coordinates = geometry.get("coordinates")?;
    let polygon = |p: &Value| -> Option<Vec<Vec<(f64, f64)>>> {
        p.as_array()?
            .iter()
            .map(|ring| ring.as_array()?.iter().map(|pt| Some((pt.get(0)?.as_f64()?, pt.get(1)?.as_f64()?))).collect())
            .collect::<Option<Vec<_>>>()
            .filter(|rings| !rings.is_empty())
    };
    match geometry.get("type")?.as_str()? {
        "Polygon" => Some(vec![polygon(coordinates)?]),
        "MultiPolygon" => coordinates.as_array()?.iter().map(polygon).collect(),
        _ => None,
    }
}

/// A closed ring simplified by Douglas–Peucker, in tenths of a unit, without repeated points or the
/// closing point (the path's `z` closes it).
fn simplify(ring: &[(f64, f64)]) -> Vec<(i64, i64)> {
    let mut ring = ring.to_vec();
    if ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    if ring.len() < 3 {
        return Vec::new();
    }
    // A closed ring has no natural ends: cut it at its first point and at the point farthest from it.
    let far =
        (1..ring.len()).max_by(|&a, &b| distance(ring[0], ring[a]).total_cmp(&distance(ring[0], ring[b]))).unwrap_or(1);
    let mut keep = vec![false; ring.len() + 1];
    keep[0] = true;
    keep[far] = true;
    keep[ring.len()] = true;
    let closed: Vec<(f64, f64)> = ring.iter().copied().chain([ring[0]]).collect();
    let mut stack = vec![(0, far), (far, ring.len())];
    while let Some((first, last)) = stack.pop() {
        let farthest = (first + 1..last)
            .map(|i| (i, segment_distance(closed[i], closed[first], closed[last])))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((i, _)) = farthest.filter(|&(_, d)| d > TOLERANCE) {
            keep[i] = true;
            stack.push((first, i));
            stack.push((i, last));
        }
    }
    let mut out: Vec<(i64, i64)> = Vec::new();
    for (_, &(x, y)) in ring.iter().enumerate().filter(|&(i, _)| keep[i]) {
        let point = ((x * 10.0).round() as i64, (y * 10.0).round() as i64);
        if out.last() != Some(&point) {
            out.push(point);
        }
    }
    if out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    out
}

fn distance(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

fn segment_distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length = dx * dx + dy * dy;
    if length == 0.0 {
        return distance(p, a);
    }
    let t = (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / length).clamp(0.0, 1.0);
    distance(p, (a.0 + t * dx, a.1 + t * dy))
}

/// Rings as SVG path data: an absolute move, then relative lines, numbers in tenths written as
/// compactly as SVG allows ("-.4" for -0.4, no space before a minus sign).
fn path_data(rings: &[Vec<(i64, i64)>]) -> String {
    let mut out = String::new();
    for ring in rings {
        out.push('M');
        push_pair(&mut out, ring[0]);
        out.push('l');
        let mut first = true;
        for pair in ring.windows(2) {
            let delta = (pair[1].0 - pair[0].0, pair[1].1 - pair[0].1);
            if !first && delta.0 >= 0 {
                out.push(' ');
            }
            push_pair(&mut out, delta);
            first = false;
        }
        out.push('z');
    }
    out
}

fn push_pair(out: &mut String, (x, y): (i64, i64)) {
    push_tenths(out, x);
    if y >= 0 {
        out.push(' ');
    }
    push_tenths(out, y);
}

fn push_tenths(out: &mut String, tenths: i64) {
    if tenths < 0 {
        out.push('-');
    }
    let (units, tenth) = (tenths.abs() / 10, tenths.abs() % 10);
    match (units, tenth) {
        (0, 0) => out.push('0'),
        (0, t) => {
            let _ = write!(out, ".{t}");
        }
        (u, 0) => {
            let _ = write!(out, "{u}");
        }
        (u, t) => {
            let _ = write!(out, "{u}.{t}");
        }
    }
}

/// Signed area of a ring, by the shoelace formula.
fn area(ring: &[(f64, f64)]) -> f64 {
    let n = ring.len();
    (0..n).map(|i| ring[i].0 * ring[(i + 1) % n].1 - ring[(i + 1) % n].0 * ring[i].1).sum::<f64>().abs() / 2.0
}

/// Where a name and its value fit inside an outline, with the width of the room there: among
/// horizontal lines across the region, the middle of the widest inside stretch that also leaves room
/// for two lines of text above and below (the centroid alone may fall outside a curved region).
fn label_spot(ring: &[(f64, f64)]) -> Option<(f64, f64, f64)> {
    let (top, bottom) = ring.iter().fold((f64::MAX, f64::MIN), |(t, b), p| (t.min(p.1), b.max(p.1)));
    let half_height = FONT_SIZE + 3.0;
    (1..20)
        .map(|k| top + (bottom - top) * k as f64 / 20.0)
        .flat_map(|y| stretches(ring, y, false).into_iter().map(move |(a, b)| ((a + b) / 2.0, y, b - a)))
        .filter(|&(x, y, _)| {
            stretches(ring, x, true).iter().any(|&(a, b)| a <= y - half_height && y + half_height <= b)
        })
        .max_by(|a, b| a.2.total_cmp(&b.2))
}

/// The inside stretches of a ring along the line `y = at` (or `x = at` when `vertical`), as ordered
/// pairs of crossings.
fn stretches(ring: &[(f64, f64)], at: f64, vertical: bool) -> Vec<(f64, f64)> {
    let n = ring.len();
    let axes = |p: (f64, f64)| if vertical { (p.1, p.0) } else { p };
    let mut crossings: Vec<f64> = (0..n)
        .filter_map(|i| {
            let (a, b) = (axes(ring[i]), axes(ring[(i + 1) % n]));
            ((a.1 <= at) != (b.1 <= at)).then(|| a.0 + (at - a.1) / (b.1 - a.1) * (b.0 - a.0))
        })
        .collect();
    crossings.sort_by(f64::total_cmp);
    crossings.chunks_exact(2).map(|s| (s[0], s[1])).collect()
}

/// A region's value, as the caller knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionValue {
    /// The region's code, as in the map file (P-code).
    pub code: String,
    /// The name to show (in the reader's language when names are translated).
    pub name: String,
    pub value: Cell,
}

/// The texts of a map, already in the reader's language.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapText {
    /// Unique on the page: prefixes the ids the title and description get.
    pub id: String,
    pub title: String,
    pub description: String,
    /// Heading of the legend: what the values count (e.g. "Returnees").
    pub legend: String,
    /// Legend of the `map-none` regions, and value of regions missing from the caller's list (e.g.
    /// "No data or fewer than 5").
    pub no_data: String,
}

/// A drawn map, and the regions that have no polygon on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choropleth {
    pub svg: String,
    /// Regions of the caller's list without a polygon, in the caller's order, to list beside the map.
    pub unmapped: Vec<RegionValue>,
}

/// Draws `regions` on `geography`: each region is coloured after its class and links to
/// `link(code)`; `selected` marks the region the page is filtered on (class `map-selected`,
/// `aria-current`). Regions of the map absent from `regions` are drawn as `map-none`.
pub fn choropleth(
    geography: &Geography,
    regions: &[RegionValue],
    selected: Option<&str>,
    link: impl Fn(&str) -> String,
    text: &MapText,
    locale: Locale,
) -> Choropleth {
    let classes = Classes::quantiles(regions.iter().filter_map(|r| r.value.value()).collect());
    let legend_rows = legend_rows(&classes, text, locale);
    let legend_top = geography.height + 8.0;
    let height = legend_top + LEGEND_LINE * (legend_rows.len() + 1) as f64;
    let id = escape(&text.id);
    let mut out = String::with_capacity(8192 + geography.shapes.iter().map(|s| s.path.len()).sum::<usize>());
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="sans-serif" font-size="{font}" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc><g class="map-regions" fill-rule="evenodd" stroke="#7d8590" stroke-width=".7" stroke-linejoin="round">"##,
        w = num(geography.width),
        h = num(height),
        font = num(FONT_SIZE),
        title = escape(&text.title),
        desc = escape(&text.description),
    );
    let value_of = |code: &str| regions.iter().find(|r| r.code == code);
    let mut labels = String::new();
    // The selected region last, so that no neighbour's border covers its outline.
    let is_selected = |shape: &Shape| selected == Some(shape.code.as_str());
    let ordered =
        geography.shapes.iter().filter(|s| !is_selected(s)).chain(geography.shapes.iter().filter(|s| is_selected(s)));
    for shape in ordered {
        let given = value_of(&shape.code);
        let name = given.map_or(shape.name.as_str(), |r| r.name.as_str());
        let (class, shown) = match given.map(|r| r.value) {
            Some(Cell::Shown(n)) => (format!("map-c{}", classes.of(n)), format_count(n, locale)),
            Some(hidden @ (Cell::Suppressed | Cell::Withheld)) => ("map-none".to_owned(), format_cell(hidden, locale)),
            None => ("map-none".to_owned(), text.no_data.clone()),
        };
        let _ = write!(
            out,
            r#"<a href="{href}" class="map-region{extra}"{current}><title>{title}</title><path class="{class}" d="{d}"/></a>"#,
            href = escape(&link(&shape.code)),
            extra = if is_selected(shape) { " map-selected" } else { "" },
            current = if is_selected(shape) { r#" aria-current="true""# } else { "" },
            title = escape(&labelled(name, &shown, locale)),
            d = shape.path,
        );
        if let Some((x, y, _)) = shape.label_at.filter(|&(_, _, room)| room >= text_width(name) + 4.0) {
            let _ = write!(
                labels,
                r#"<text x="{x}" y="{y}" text-anchor="middle" class="map-label">{name}<tspan x="{x}" dy="{dy}">{value}</tspan></text>"#,
                x = num(x),
                y = num(y - 2.0),
                dy = num(FONT_SIZE + 1.0),
                name = escape(name),
                value = escape(if given.is_some() { &shown } else { "" }),
            );
        }
    }
    out.push_str("</g>");
    // Names drawn over every region, not inside the links: they neither hide a neighbour's border nor
    // catch the click meant for the region below, nor are they read twice.
    let _ = write!(out, r#"<g class="map-labels" aria-hidden="true" pointer-events="none">{labels}</g>"#);
    let _ = write!(
        out,
        r#"<g class="map-legend"><text x="0" y="{}" class="map-legend-title">{}</text>"#,
        num(legend_top + 14.0),
        escape(&text.legend)
    );
    for (row, (class, label)) in legend_rows.iter().enumerate() {
        let y = legend_top + LEGEND_LINE * (row + 1) as f64;
        let _ = write!(
            out,
            r##"<rect x="0" y="{}" width="14" height="14" class="{class}" stroke="#4d5661" stroke-width=".5"/><text x="20" y="{}" class="map-legend-label">{}</text>"##,
            num(y + 3.0),
            num(y + 14.0),
            escape(label)
        );
    }
    out.push_str("</g></svg>");
    let unmapped = regions.iter().filter(|r| !geography.shapes.iter().any(|s| s.code == r.code)).cloned().collect();
    Choropleth { svg: out, unmapped }
}

/// The legend's rows: each class in use with its range of values, then `map-none`.
fn legend_rows(classes: &Classes, text: &MapText, locale: Locale) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = (0..5)
        .filter_map(|class| {
            let (low, high) = classes.range(class)?;
            let label = if low == high {
                format_count(low, locale)
            } else {
                format!("{} – {}", format_count(low, locale), format_count(high, locale))
            };
            Some((format!("map-c{class}"), label))
        })
        .collect();
    rows.push(("map-none".to_owned(), text.no_data.clone()));
    rows
}

/// Five quantile classes of the shown values: a value's class is the share of values strictly below
/// it, in fifths, so equal values share a class.
struct Classes {
    sorted: Vec<u64>,
}

impl Classes {
    fn quantiles(mut values: Vec<u64>) -> Classes {
        values.sort_unstable();
        Classes { sorted: values }
    }

    fn of(&self, value: u64) -> usize {
        let below = self.sorted.partition_point(|&v| v < value);
        (below * 5 / self.sorted.len().max(1)).min(4)
    }

    /// The smallest and largest values in a class, if any value falls in it.
    fn range(&self, class: usize) -> Option<(u64, u64)> {
        let members: Vec<u64> = self.sorted.iter().copied().filter(|&v| self.of(v) == class).collect();
        Some((*members.first()?, *members.last()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_classes_spread_values_and_keep_ties_together() {
        let classes = Classes::quantiles(vec![0, 3, 8, 8, 20, 40, 55, 90, 120, 300]);
        let of: Vec<usize> = [0, 3, 8, 20, 40, 55, 90, 120, 300].iter().map(|&v| classes.of(v)).collect();
        assert_eq!(of, vec![0, 0, 1, 2, 2, 3, 3, 4, 4]);
        assert_eq!(classes.range(1), Some((8, 8)));
        assert_eq!(classes.range(4), Some((120, 300)));
    }

    #[test]
    fn paths_are_compact_and_relative() {
        let rings = vec![vec![(0, 0), (15, 0), (15, -4), (10, -30)]];
        assert_eq!(path_data(&rings), "M0 0l1.5 0 0-.4-.5-2.6z");
    }

    #[test]
    fn simplification_drops_points_within_tolerance() {
        let square: Vec<(f64, f64)> = vec![(0.0, 0.0), (5.0, 0.01), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)];
        assert_eq!(simplify(&square), vec![(0, 0), (100, 0), (100, 100), (0, 100)]);
    }
}
