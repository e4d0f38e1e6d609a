//! Reports with figures: headings, paragraphs, notices, tables, horizontal bar charts and a
//! choropleth map, all drawn as vector graphics (no image, no SVG engine), on A4 pages.
//!
//! The map takes its regions as SVG path data (what `cnrm-charts` projects and simplifies from the
//! country's GeoJSON), so that this crate knows no geography; each region comes with its colour class
//! (0 lightest … 4 darkest, `None` for no data) and a label written at its centre. As everywhere in
//! this crate, every text comes translated from the caller.

use printpdf::path::{PaintMode, WindingOrder};
use printpdf::{Color, Line, Mm, PdfDocument, Point, Polygon, Rect, Rgb};
use std::io::Cursor;

use crate::{PdfError, Writer, BOLD, MARGIN, PAGE_HEIGHT, PAGE_WIDTH, PT, REGULAR};

/// A report: its title, label–value facts under it, then blocks in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub title: String,
    pub facts: Vec<(String, String)>,
    pub blocks: Vec<Block>,
    /// Printed at the bottom of every page (with the page number).
    pub footer: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(String),
    Paragraph(String),
    /// A paragraph set apart (bold, in a frame), e.g. the provisional-weights notice.
    Notice(String),
    Table(Table),
    Bars(BarChart),
    Map(Map),
}

/// A table; its header row is repeated on each page it runs over.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
    /// The last row is a total: printed bold.
    pub total_row: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Column {
    pub header: String,
    /// The column's share of the width (the shares are added up, then each gets its part).
    pub width: f32,
    /// Numbers: aligned right.
    pub right: bool,
}

/// Horizontal bars, one per category, with the value written after each bar.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BarChart {
    pub title: String,
    pub bars: Vec<BarItem>,
    /// Written instead of the bars when there are none.
    pub empty: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BarItem {
    pub label: String,
    /// The length of the bar (negative values draw none).
    pub value: f64,
    /// The value as written for the reader.
    pub text: String,
}

/// A choropleth map: regions coloured by class, a legend under it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Map {
    pub title: String,
    pub regions: Vec<MapRegion>,
    /// The legend's heading (what the classes count).
    pub legend_title: String,
    /// One line per class shown: its class (`None`: no data) and its label.
    pub legend: Vec<(Option<usize>, String)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapRegion {
    /// SVG path data (`M`, `L`, `H`, `V`, `Z`, absolute or relative), y growing downwards.
    pub path: String,
    /// 0 (lightest) to 4 (darkest); `None`: no data.
    pub class: Option<usize>,
    /// Written at the region's centre (e.g. its name and value); empty: nothing.
    pub label: String,
}

/// The colour classes of maps, lightest first, and the colour of regions without data.
const CLASSES: [(f32, f32, f32); 5] =
    [(0.871, 0.922, 0.969), (0.620, 0.792, 0.882), (0.420, 0.682, 0.839), (0.192, 0.510, 0.741), (0.031, 0.322, 0.612)];
const NO_DATA: (f32, f32, f32) = (0.93, 0.93, 0.93);
const BAR: (f32, f32, f32) = (0.192, 0.510, 0.741);
const HEADER_FILL: (f32, f32, f32) = (0.90, 0.91, 0.93);
const RULE: (f32, f32, f32) = (0.55, 0.58, 0.62);

const TABLE_SIZE: f32 = 8.0;
const USABLE: f32 = PAGE_WIDTH - 2.0 * MARGIN;

fn rgb((r, g, b): (f32, f32, f32)) -> Color {
    Color::Rgb(Rgb::new(r, g, b, None))
}

fn point(x: f32, y: f32) -> (Point, bool) {
    (Point::new(Mm(x), Mm(y)), false)
}

/// The width of a text in millimetres, from the font's advances.
pub fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    let Ok(face) = ttf_parser::Face::parse(if bold { BOLD } else { REGULAR }, 0) else {
        return text.chars().count() as f32 * size * PT * 0.55;
    };
    let em = f32::from(face.units_per_em().max(1));
    let units: f32 = text
        .chars()
        .map(|c| face.glyph_index(c).and_then(|g| face.glyph_hor_advance(g)).map_or(em * 0.55, f32::from))
        .sum();
    units / em * size * PT
}

/// Splits text into lines that fit `width` millimetres, at spaces where possible (never at a
/// no-break space, so that "12 345" stays whole); a word wider than the line is cut.
pub fn fit(text: &str, width: f32, size: f32, bold: bool) -> Vec<String> {
    let fits = |t: &str| text_width(t, size, bold) <= width;
    let mut lines = Vec::new();
    for raw in text.lines() {
        let mut line = String::new();
        for word in raw.split(' ').filter(|w| !w.is_empty()) {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if fits(&candidate) {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut rest: Vec<char> = word.chars().collect();
            while !fits(&rest.iter().collect::<String>()) && rest.len() > 1 {
                let mut cut = rest.len() - 1;
                while cut > 1 && !fits(&rest[..cut].iter().collect::<String>()) {
                    cut -= 1;
                }
                lines.push(rest[..cut].iter().collect());
                rest = rest[cut..].to_vec();
            }
            line = rest.into_iter().collect();
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// Closed rings of (x, y) points.
pub type Rings = Vec<Vec<(f64, f64)>>;

/// The rings of SVG path data, as absolute (x, y) points.
pub fn path_rings(d: &str) -> Rings {
    enum Token {
        Command(char),
        Number(f64),
    }
    let mut tokens = Vec::new();
    let mut number = String::new();
    let flush = |number: &mut String, tokens: &mut Vec<Token>| {
        if let Ok(n) = number.parse::<f64>() {
            tokens.push(Token::Number(n));
        }
        number.clear();
    };
    for c in d.chars() {
        match c {
            'M' | 'm' | 'L' | 'l' | 'H' | 'h' | 'V' | 'v' | 'Z' | 'z' => {
                flush(&mut number, &mut tokens);
                tokens.push(Token::Command(c));
            }
            '-' => {
                flush(&mut number, &mut tokens);
                number.push('-');
            }
            '.' if number.contains('.') => {
                flush(&mut number, &mut tokens);
                number.push('.');
            }
            '0'..='9' | '.' | 'e' | 'E' => number.push(c),
            _ => flush(&mut number, &mut tokens),
        }
    }
    flush(&mut number, &mut tokens);

    let mut rings = Vec::new();
    let mut ring: Vec<(f64, f64)> = Vec::new();
    let (mut at, mut start) = ((0.0, 0.0), (0.0, 0.0));
    let mut command = 'M';
    let mut pending: Vec<f64> = Vec::new();
    let close = |ring: &mut Vec<(f64, f64)>, rings: &mut Vec<Vec<(f64, f64)>>| {
        if ring.len() >= 3 {
            rings.push(std::mem::take(ring));
        } else {
            ring.clear();
        }
    };
    for token in tokens {
        match token {
            Token::Command(c) => {
                pending.clear();
                command = c;
                if c == 'Z' || c == 'z' {
                    close(&mut ring, &mut rings);
                    at = start;
                }
            }
            Token::Number(n) => {
                pending.push(n);
                let relative = command.is_ascii_lowercase();
                let base = if relative { at } else { (0.0, 0.0) };
                match command.to_ascii_uppercase() {
                    'M' | 'L' if pending.len() == 2 => {
                        at = (base.0 + pending[0], base.1 + pending[1]);
                        pending.clear();
                        if command.eq_ignore_ascii_case(&'M') {
                            close(&mut ring, &mut rings);
                            start = at;
                            // Pairs after a move are lines.
                            command = if relative { 'l' } else { 'L' };
                        }
                        ring.push(at);
                    }
                    'H' => {
                        at = (base.0 + pending[0], at.1);
                        pending.clear();
                        ring.push(at);
                    }
                    'V' => {
                        at = (at.0, base.1 + pending[0]);
                        pending.clear();
                        ring.push(at);
                    }
                    _ => {}
                }
            }
        }
    }
    close(&mut ring, &mut rings);
    rings
}

/// Where a label goes in a ring: its centroid (the mean of its points for a degenerate ring).
fn centroid(ring: &[(f64, f64)]) -> (f64, f64) {
    let n = ring.len();
    let (mut area, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + 1) % n]);
        let cross = a.0 * b.1 - b.0 * a.1;
        area += cross;
        cx += (a.0 + b.0) * cross;
        cy += (a.1 + b.1) * cross;
    }
    if area.abs() < 1e-9 {
        let mean = |f: fn(&(f64, f64)) -> f64| ring.iter().map(f).sum::<f64>() / n.max(1) as f64;
        return (mean(|p| p.0), mean(|p| p.1));
    }
    (cx / (3.0 * area), cy / (3.0 * area))
}

fn ring_area(ring: &[(f64, f64)]) -> f64 {
    let n = ring.len();
    (0..n).map(|i| ring[i].0 * ring[(i + 1) % n].1 - ring[(i + 1) % n].0 * ring[i].1).sum::<f64>().abs() / 2.0
}

/// The largest map drawing that fits the page width and 125 mm of height: its scale, width and
/// height in millimetres, for the bounds (x0, y0, x1, y1) of the regions.
fn map_scale((x0, y0, x1, y1): (f64, f64, f64, f64)) -> (f64, f32, f32) {
    if x1 > x0 && y1 > y0 {
        let scale = (f64::from(USABLE) / (x1 - x0)).min(125.0 / (y1 - y0));
        (scale, ((x1 - x0) * scale) as f32, ((y1 - y0) * scale) as f32)
    } else {
        (1.0, 0.0, 0.0)
    }
}

/// The bounds of a map's regions.
fn map_bounds(map: &Map) -> (f64, f64, f64, f64) {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for region in &map.regions {
        for &(x, y) in path_rings(&region.path).iter().flatten() {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    (x0, y0, x1, y1)
}

/// The height a map takes on the page: title, drawing and legend.
fn map_height(map: &Map) -> f32 {
    let title = 10.0 * PT * 1.45 + 2.0;
    let legend = (map.legend.len() as f32 + 1.0) * 5.0 + 2.0;
    title + map_scale(map_bounds(map)).2 + legend + 3.0
}

impl Writer {
    /// A new page first when `height` millimetres do not fit on this one.
    fn room(&mut self, height: f32) {
        if self.y - height < MARGIN {
            self.new_page();
        }
    }

    /// Text at a place, in black.
    fn text_at(&self, text: &str, size: f32, bold: bool, x: f32, y: f32) {
        self.layer.set_fill_color(rgb((0.0, 0.0, 0.0)));
        let font = if bold { &self.bold } else { &self.regular };
        self.layer.use_text(text, size, Mm(x), Mm(y), font);
    }

    fn fill_rect(&self, colour: (f32, f32, f32), (x0, y0, x1, y1): (f32, f32, f32, f32)) {
        self.layer.set_fill_color(rgb(colour));
        self.layer.add_rect(Rect::new(Mm(x0), Mm(y0), Mm(x1), Mm(y1)).with_mode(PaintMode::Fill));
    }

    fn rule(&self, y: f32) {
        self.layer.set_outline_color(rgb(RULE));
        self.layer.set_outline_thickness(0.4);
        self.layer.add_line(Line { points: vec![point(MARGIN, y), point(PAGE_WIDTH - MARGIN, y)], is_closed: false });
    }

    fn notice(&mut self, text: &str) {
        let lines = fit(text, USABLE - 6.0, 9.5, true);
        let line_height = 9.5 * PT * 1.45;
        let height = lines.len() as f32 * line_height + 4.0;
        self.room(height);
        let top = self.y;
        self.fill_rect((1.0, 0.95, 0.80), (MARGIN, top - height, PAGE_WIDTH - MARGIN, top));
        self.y -= 2.0;
        for line in lines {
            self.y -= line_height;
            self.text_at(&line, 9.5, true, MARGIN + 3.0, self.y + 1.0);
        }
        self.y = top - height;
    }

    fn table(&mut self, table: &Table) {
        let total: f32 = table.columns.iter().map(|c| c.width.max(0.01)).sum();
        let widths: Vec<f32> = table.columns.iter().map(|c| USABLE * c.width.max(0.01) / total).collect();
        let lefts: Vec<f32> = widths.iter().scan(MARGIN, |x, w| Some(std::mem::replace(x, *x + w))).collect();
        let line_height = TABLE_SIZE * PT * 1.4;
        // Numbers stay on one line, whole; headers wrap.
        let cells = |row: &[String], bold: bool, header: bool| -> Vec<Vec<String>> {
            table
                .columns
                .iter()
                .enumerate()
                .map(|(i, column)| {
                    let text = row.get(i).map_or("", String::as_str);
                    let room = widths[i] - 2.0;
                    match (column.right, header) {
                        (true, false) => vec![text.to_string()],
                        // A header word wider than its column is written smaller (below), not cut.
                        (_, true) => {
                            let widest = text.split(' ').map(|w| text_width(w, TABLE_SIZE, bold)).fold(room, f32::max);
                            fit(text, widest, TABLE_SIZE, bold)
                        }
                        (false, false) => fit(text, room, TABLE_SIZE, bold),
                    }
                })
                .collect()
        };
        let headers: Vec<String> = table.columns.iter().map(|c| c.header.clone()).collect();
        let header_cells = cells(&headers, true, true);
        let draw_row = |w: &mut Writer, lines: &[Vec<String>], bold: bool, shaded: bool| {
            let count = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let height = count as f32 * line_height + 1.5;
            let top = w.y;
            if shaded {
                w.fill_rect(HEADER_FILL, (MARGIN, top - height, PAGE_WIDTH - MARGIN, top));
            }
            for (i, cell) in lines.iter().enumerate() {
                for (n, line) in cell.iter().enumerate() {
                    let y = top - (n as f32 + 1.0) * line_height;
                    // A number (or a header word) wider than its column is written smaller rather than cut.
                    let natural = text_width(line, TABLE_SIZE, bold);
                    let size = if natural > widths[i] - 2.0 {
                        (TABLE_SIZE * (widths[i] - 2.0) / natural).max(5.0)
                    } else {
                        TABLE_SIZE
                    };
                    let x = if table.columns[i].right {
                        lefts[i] + widths[i] - 1.0 - text_width(line, size, bold)
                    } else {
                        lefts[i] + 1.0
                    };
                    w.text_at(line, size, bold, x, y);
                }
            }
            w.y = top - height;
            w.rule(w.y);
        };
        let height_of =
            |lines: &[Vec<String>]| lines.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * line_height + 1.5;
        self.room(height_of(&header_cells) + line_height * 2.0);
        draw_row(self, &header_cells, true, true);
        let last = table.rows.len().saturating_sub(1);
        for (r, row) in table.rows.iter().enumerate() {
            let bold = table.total_row && r == last;
            let lines = cells(row, bold, false);
            if self.y - height_of(&lines) < MARGIN {
                self.new_page();
                draw_row(self, &header_cells, true, true);
            }
            draw_row(self, &lines, bold, false);
        }
    }

    fn bars(&mut self, chart: &BarChart) {
        let size = 8.5;
        let line_height = size * PT * 1.5;
        self.room(line_height * 3.0);
        self.paragraph(&chart.title, 10.0, true, 0.0);
        self.gap(1.0);
        if chart.bars.is_empty() {
            self.paragraph(&chart.empty, size, false, 0.0);
            return;
        }
        let label_width = USABLE * 0.35;
        let value_width = chart.bars.iter().map(|b| text_width(&b.text, size, false)).fold(10.0, f32::max) + 2.0;
        let bar_room = USABLE - label_width - value_width - 2.0;
        let max = chart.bars.iter().map(|b| b.value).fold(0.0, f64::max);
        for bar in &chart.bars {
            let label = fit(&bar.label, label_width - 2.0, size, false);
            let height = label.len() as f32 * line_height + 1.0;
            self.room(height);
            let top = self.y;
            for (n, line) in label.iter().enumerate() {
                self.text_at(line, size, false, MARGIN, top - (n as f32 + 1.0) * line_height + 0.5);
            }
            let x0 = MARGIN + label_width;
            let length = if max > 0.0 { (bar.value.max(0.0) / max) as f32 * bar_room } else { 0.0 };
            if length > 0.0 {
                self.fill_rect(BAR, (x0, top - line_height + 0.3, x0 + length, top - 0.5));
            }
            self.text_at(&bar.text, size, false, x0 + length + 1.5, top - line_height + 0.5);
            self.y = top - height;
        }
        self.gap(2.0);
    }

    fn map(&mut self, map: &Map) {
        let regions: Vec<(Rings, &MapRegion)> =
            map.regions.iter().map(|r| (path_rings(&r.path), r)).filter(|(rings, _)| !rings.is_empty()).collect();
        let (x0, y0, x1, y1) = map_bounds(map);
        let (scale, width, height) = map_scale((x0, y0, x1, y1));
        self.room(map_height(map));
        self.paragraph(&map.title, 10.0, true, 0.0);
        self.gap(2.0);
        let top = self.y;
        let left = MARGIN + (USABLE - width) / 2.0;
        let place = |&(x, y): &(f64, f64)| (left + ((x - x0) * scale) as f32, top - ((y - y0) * scale) as f32);
        self.layer.set_outline_color(rgb((0.35, 0.38, 0.42)));
        self.layer.set_outline_thickness(0.5);
        for (rings, region) in &regions {
            self.layer.set_fill_color(rgb(region.class.map_or(NO_DATA, |c| CLASSES[c.min(CLASSES.len() - 1)])));
            self.layer.add_polygon(Polygon {
                rings: rings.iter().map(|ring| ring.iter().map(&place).map(|(x, y)| point(x, y)).collect()).collect(),
                mode: PaintMode::FillStroke,
                winding_order: WindingOrder::EvenOdd,
            });
        }
        // Labels over every region, so that no neighbour covers one.
        let size = 7.0;
        for (rings, region) in regions.iter().filter(|(_, r)| !r.label.is_empty()) {
            let largest = rings.iter().max_by(|a, b| ring_area(a).total_cmp(&ring_area(b))).expect("a ring");
            let (x, y) = place(&centroid(largest));
            let dark = region.class.is_some_and(|c| c >= 3);
            for (n, line) in region.label.lines().enumerate() {
                let x = x - text_width(line, size, false) / 2.0;
                let y = y - n as f32 * size * PT * 1.3;
                let font = &self.regular;
                self.layer.set_fill_color(rgb(if dark { (1.0, 1.0, 1.0) } else { (0.0, 0.0, 0.0) }));
                self.layer.use_text(line, size, Mm(x), Mm(y), font);
            }
        }
        self.y = top - height - 3.0;
        self.line(&map.legend_title, 9.0, true, 0.0);
        for (class, label) in &map.legend {
            self.room(5.0);
            self.y -= 5.0;
            self.layer.set_outline_color(rgb((0.3, 0.34, 0.38)));
            self.layer.set_outline_thickness(0.3);
            self.layer.set_fill_color(rgb(class.map_or(NO_DATA, |c| CLASSES[c.min(CLASSES.len() - 1)])));
            self.layer.add_rect(
                Rect::new(Mm(MARGIN), Mm(self.y), Mm(MARGIN + 4.0), Mm(self.y + 3.5)).with_mode(PaintMode::FillStroke),
            );
            self.text_at(label, 8.5, false, MARGIN + 6.0, self.y + 0.5);
        }
        self.gap(3.0);
    }
}

/// The report as PDF bytes.
pub fn render_report(report: &Report) -> Result<Vec<u8>, PdfError> {
    let engine = |e: printpdf::Error| PdfError::Engine(e.to_string());
    let (doc, page, layer) = PdfDocument::new(&report.title, Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT), "text");
    let regular = doc.add_external_font(Cursor::new(REGULAR)).map_err(engine)?;
    let bold = doc.add_external_font(Cursor::new(BOLD)).map_err(engine)?;
    let layer = doc.get_page(page).get_layer(layer);
    let mut w = Writer { doc, layer, regular, bold, y: PAGE_HEIGHT - MARGIN, pages: 1, footer: report.footer.clone() };
    w.footer();
    w.paragraph(&report.title, 16.0, true, 0.0);
    w.gap(3.0);
    for (label, value) in &report.facts {
        w.paragraph(&format!("{label} : {value}"), 10.0, false, 0.0);
    }
    for (i, block) in report.blocks.iter().enumerate() {
        match block {
            Block::Heading(text) => {
                w.gap(4.0);
                // A heading stays with what follows it (a whole map, or a few lines).
                w.room(match report.blocks.get(i + 1) {
                    Some(Block::Map(map)) => map_height(map) + 12.0,
                    _ => 30.0,
                });
                w.paragraph(text, 12.0, true, 0.0);
                w.gap(1.0);
            }
            Block::Paragraph(text) => {
                w.paragraph(text, 10.0, false, 0.0);
                w.gap(1.0);
            }
            Block::Notice(text) => {
                w.gap(1.0);
                w.notice(text);
                w.gap(2.0);
            }
            Block::Table(table) => {
                w.table(table);
                w.gap(2.0);
            }
            Block::Bars(chart) => w.bars(chart),
            Block::Map(map) => w.map(map),
        }
    }
    w.doc.save_to_bytes().map_err(engine)
}

/// How many filled or stroked paths the pages draw (rectangles and polygons), for checks that the
/// map and the charts are there.
pub fn drawn_shapes(pdf: &[u8]) -> usize {
    let Ok(doc) = lopdf::Document::load_mem(pdf) else { return 0 };
    doc.get_pages()
        .values()
        .filter_map(|page| doc.get_and_decode_page_content(*page).ok())
        .map(|content| {
            content
                .operations
                .iter()
                .filter(|op| matches!(op.operator.as_str(), "f" | "f*" | "F" | "B" | "B*" | "b" | "b*"))
                .count()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_paths_give_absolute_rings() {
        let rings = path_rings("M10 20l5 0 0 5-5 0zM100 100L110 100 110 110z");
        assert_eq!(rings.len(), 2);
        assert_eq!(rings[0], vec![(10.0, 20.0), (15.0, 20.0), (15.0, 25.0), (10.0, 25.0)]);
        assert_eq!(rings[1], vec![(100.0, 100.0), (110.0, 100.0), (110.0, 110.0)]);
        // Compact numbers: signs and second decimal points start a new number.
        let rings = path_rings("M1.5.5l2-1.5h3v4z");
        assert_eq!(rings[0], vec![(1.5, 0.5), (3.5, -1.0), (6.5, -1.0), (6.5, 3.0)]);
        assert!(path_rings("").is_empty() && path_rings("M1 1l2 2z").is_empty(), "no ring of fewer than 3 points");
    }

    #[test]
    fn long_texts_are_fitted_to_the_width() {
        let text = "Part des migrants de retour ayant un plan convenu dans le mois suivant l'arrivée";
        let lines = fit(text, 40.0, 9.0, false);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| text_width(l, 9.0, false) <= 40.0), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        assert!(text_width("WWW", 10.0, true) > text_width("iii", 10.0, true));
        assert_eq!(fit("total 4\u{a0}767\u{a0}237", 20.0, 9.0, false), vec!["total", "4\u{a0}767\u{a0}237"]);
        assert_eq!(fit("abcdefghijklmnopqrstuvwxyz", 10.0, 9.0, false).concat(), "abcdefghijklmnopqrstuvwxyz");
        assert_eq!(fit("a\nb", 50.0, 9.0, false), vec!["a", "b"]);
    }

    fn report() -> Report {
        Report {
            title: "Rapport périodique du CNRM — 2026-T3".into(),
            facts: vec![("Période".into(), "du 1er juillet au 30 septembre 2026".into())],
            blocks: vec![
                Block::Notice("Scores calculés avec des pondérations provisoires.".into()),
                Block::Heading("Indicateurs".into()),
                Block::Table(Table {
                    columns: vec![
                        Column { header: "Indicateur".into(), width: 3.0, right: false },
                        Column { header: "Valeur".into(), width: 1.0, right: true },
                    ],
                    rows: (0..70)
                        .map(|i| vec![format!("Indicateur numéro {i}"), format!("{}", i * 3)])
                        .chain([vec!["Total".into(), "7 245".into()]])
                        .collect(),
                    total_row: true,
                }),
                Block::Bars(BarChart {
                    title: "Par sexe".into(),
                    bars: vec![
                        BarItem { label: "Femmes".into(), value: 12.0, text: "12".into() },
                        BarItem { label: "Hommes".into(), value: 30.0, text: "30".into() },
                        BarItem { label: "Inconnu".into(), value: 0.0, text: "0".into() },
                    ],
                    empty: "Aucune donnée".into(),
                }),
                Block::Bars(BarChart { title: "Par étape".into(), bars: vec![], empty: "Rien à montrer".into() }),
                Block::Map(Map {
                    title: "Carte des régions".into(),
                    regions: vec![
                        MapRegion { path: "M0 0l100 0 0 80-100 0z".into(), class: Some(4), label: "Kayes\n12".into() },
                        MapRegion { path: "M100 0l60 0 0 80-60 0z".into(), class: None, label: "Ségou".into() },
                    ],
                    legend_title: "Migrants de retour".into(),
                    legend: vec![(Some(0), "1 – 3".into()), (None, "Aucune donnée".into())],
                }),
            ],
            footer: "Rapport périodique".into(),
        }
    }

    #[test]
    fn a_report_prints_its_tables_charts_and_map() {
        let bytes = render_report(&report()).unwrap();
        assert!(bytes.starts_with(b"%PDF"));
        for text in [
            "Rapport périodique du CNRM",
            "pondérations provisoires",
            "Indicateur numéro 0",
            "Indicateur numéro 69",
            "7 245",
            "Femmes",
            "Rien à montrer",
            "Carte des régions",
            "Kayes",
            "Ségou",
            "Aucune donnée",
        ] {
            assert!(crate::contains_text(&bytes, text), "{text}");
        }
        assert!(!crate::contains_text(&bytes, "Indicateur numéro 70"));
        // Two map regions, two legend keys, two bars, the notice and the header rows (one per page).
        let shapes = drawn_shapes(&bytes);
        assert!(shapes >= 8, "{shapes}");
        let without_map = Report { blocks: report().blocks[..4].to_vec(), ..report() };
        assert_eq!(
            drawn_shapes(&render_report(&without_map).unwrap()),
            shapes - 4,
            "the map draws its regions and keys"
        );
    }
}
