//! Horizontal bar charts: one bar per category, or a breakdown (e.g. sex × age group) as grouped or
//! stacked bars.
//!
//! Bars run horizontally so that long category names (regions, kinds of assistance, in French) stay
//! readable on a phone; the value is written at the end of each bar and the count axis has round
//! ticks with gridlines. A hidden value ("< 5") draws no bar.

use crate::axis::Scale;
use crate::svg::{shorten, text_width, Svg, FONT_SIZE};
use crate::{format_cell, Cell, ChartText, Locale};

/// One category and its count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: Cell,
}

/// One series of a breakdown (e.g. "Women"): its values, one per category, in the categories' order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Cell>,
}

/// Counts crossed by two dimensions: categories (e.g. age groups, or periods for a time series) and
/// series (e.g. sexes). A value missing at the end of a series counts as hidden.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Breakdown {
    pub categories: Vec<String>,
    pub series: Vec<Series>,
}

impl Breakdown {
    /// The value of a series for a category.
    pub(crate) fn value(&self, series: usize, category: usize) -> Cell {
        self.series[series].values.get(category).copied().unwrap_or(Cell::Suppressed)
    }
}

/// How a breakdown is drawn. Grouped bars suit published pages: a hidden value only removes its own
/// bar, whereas a stack with a hidden segment has no drawable total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakdownLayout {
    /// One bar per series, side by side within each category.
    Grouped,
    /// One bar per category, made of one segment per series.
    Stacked,
}

/// Width of every chart, in SVG units (the stylesheet scales it down on narrow screens).
pub(crate) const WIDTH: f64 = 640.0;
const MAX_LABEL_CHARS: usize = 28;
const BAR: f64 = 16.0;
const GROUPED_BAR: f64 = 14.0;
const ROW_GAP: f64 = 8.0;
const LINE: f64 = 18.0;
/// Room under the plot for the tick values and the name of the count axis.
const BOTTOM: f64 = 40.0;

/// One bar per category.
pub fn bar_chart(bars: &[Bar], text: &ChartText, locale: Locale) -> String {
    if bars.is_empty() {
        return Svg::empty(WIDTH, "chart", text);
    }
    let data = Breakdown {
        categories: bars.iter().map(|bar| bar.label.clone()).collect(),
        series: vec![Series { name: String::new(), values: bars.iter().map(|bar| bar.value).collect() }],
    };
    draw(&data, BreakdownLayout::Grouped, false, text, locale)
}

/// A breakdown with a legend of the series.
pub fn breakdown_chart(data: &Breakdown, layout: BreakdownLayout, text: &ChartText, locale: Locale) -> String {
    if data.categories.is_empty() || data.series.is_empty() {
        return Svg::empty(WIDTH, "chart", text);
    }
    draw(data, layout, true, text, locale)
}

/// "name : value" in French, "name: value" in English.
pub(crate) fn labelled(name: &str, value: &str, locale: Locale) -> String {
    match locale {
        Locale::Fr => format!("{name}\u{a0}: {value}"),
        Locale::En => format!("{name}: {value}"),
    }
}

/// The legend of the series, wrapped over as many lines as needed from `top`; returns its height.
pub(crate) fn legend(svg: &mut Svg, series: &[Series], top: f64) -> f64 {
    let (mut x, mut y) = (0.0, top);
    for (i, s) in series.iter().enumerate() {
        let width = 14.0 + text_width(&s.name) + 16.0;
        if x > 0.0 && x + width > WIDTH {
            x = 0.0;
            y += LINE;
        }
        svg.rect(x, y + 3.0, 10.0, 10.0, &format!("chart-swatch chart-s{}", i % 6));
        svg.text(x + 14.0, y + 12.0, "start", "chart-legend", &s.name);
        x += width;
    }
    y + LINE - top
}

fn draw(data: &Breakdown, layout: BreakdownLayout, with_legend: bool, text: &ChartText, locale: Locale) -> String {
    let series = data.series.len();
    let categories = data.categories.len();
    let all_values = (0..series).flat_map(|s| (0..categories).map(move |c| (s, c)));
    let largest = match layout {
        BreakdownLayout::Grouped => all_values.filter_map(|(s, c)| data.value(s, c).value()).max().unwrap_or(0),
        BreakdownLayout::Stacked => {
            (0..categories).map(|c| (0..series).filter_map(|s| data.value(s, c).value()).sum()).max().unwrap_or(0)
        }
    };
    let scale = Scale::for_largest(largest);
    let ends: Vec<String> = match layout {
        BreakdownLayout::Grouped => (0..series)
            .flat_map(|s| (0..categories).map(move |c| (s, c)))
            .map(|(s, c)| format_cell(data.value(s, c), locale))
            .collect(),
        BreakdownLayout::Stacked => (0..categories).map(|c| stack_end(data, c, locale)).collect(),
    };
    let labels: Vec<String> = data.categories.iter().map(|c| shorten(c, MAX_LABEL_CHARS)).collect();
    let label_room = labels.iter().map(|l| text_width(l)).fold(0.0, f64::max).min(WIDTH * 0.35) + 8.0;
    let end_room =
        ends.iter().map(|e| text_width(e)).fold(text_width(&crate::format_count(scale.max, locale)) / 2.0, f64::max)
            + 8.0;
    let (plot_left, plot_right) = (label_room, WIDTH - end_room);
    let x_of = |value: u64| plot_left + scale.fraction(value) * (plot_right - plot_left);
    let row = match layout {
        BreakdownLayout::Grouped => {
            let thickness = if with_legend { GROUPED_BAR } else { BAR };
            thickness * series as f64 + ROW_GAP
        }
        BreakdownLayout::Stacked => BAR + ROW_GAP,
    };

    // The height depends on the legend's lines: measure it on a scratch document first.
    let legend_height = if with_legend { legend(&mut Svg { out: String::new() }, &data.series, 0.0) } else { 0.0 };
    let plot_top = legend_height + LINE + 4.0;
    let plot_bottom = plot_top + row * categories as f64;
    let height = plot_bottom + BOTTOM;
    let mut svg = Svg::open(WIDTH, height, "chart chart-bars", text, true);
    if with_legend {
        legend(&mut svg, &data.series, 0.0);
    }
    svg.text(0.0, legend_height + 13.0, "start", "chart-axis-name", &text.category_axis);
    for tick in scale.ticks() {
        let x = x_of(tick);
        svg.line((x, plot_top), (x, plot_bottom), "chart-grid");
        svg.text(x, plot_bottom + FONT_SIZE + 2.0, "middle", "chart-tick", &crate::format_count(tick, locale));
    }
    svg.text((plot_left + plot_right) / 2.0, height - 6.0, "middle", "chart-axis-name", &text.value_axis);

    for (c, label) in labels.iter().enumerate() {
        let top = plot_top + row * c as f64 + ROW_GAP / 2.0;
        svg.text(plot_left - 6.0, top + (row - ROW_GAP) / 2.0 + FONT_SIZE / 3.0, "end", "chart-label", label);
        match layout {
            BreakdownLayout::Grouped => {
                let thickness = (row - ROW_GAP) / series as f64;
                for s in 0..series {
                    let value = data.value(s, c);
                    let y = top + thickness * s as f64;
                    let shown = format_cell(value, locale);
                    let name = if with_legend {
                        format!("{}, {}", data.categories[c], data.series[s].name)
                    } else {
                        data.categories[c].clone()
                    };
                    svg.group("chart-item", &labelled(&name, &shown, locale));
                    if let Some(n) = value.value().filter(|&n| n > 0) {
                        svg.rect(
                            plot_left,
                            y,
                            x_of(n) - plot_left,
                            thickness - 1.0,
                            &format!("chart-bar chart-s{}", s % 6),
                        );
                    }
                    let end = value.value().map_or(plot_left, x_of);
                    svg.text(end + 4.0, y + thickness / 2.0 + FONT_SIZE / 3.0, "start", "chart-value", &shown);
                    svg.end_group();
                }
            }
            BreakdownLayout::Stacked => {
                let mut start = 0;
                for s in 0..series {
                    let value = data.value(s, c);
                    let title = format!("{}, {}", data.categories[c], data.series[s].name);
                    svg.group("chart-item", &labelled(&title, &format_cell(value, locale), locale));
                    if let Some(n) = value.value().filter(|&n| n > 0) {
                        svg.rect(
                            x_of(start),
                            top,
                            x_of(start + n) - x_of(start),
                            BAR,
                            &format!("chart-bar chart-s{}", s % 6),
                        );
                        start += n;
                    }
                    svg.end_group();
                }
                svg.text(x_of(start) + 4.0, top + BAR / 2.0 + FONT_SIZE / 3.0, "start", "chart-value", &ends[c]);
            }
        }
    }
    svg.line((plot_left, plot_top), (plot_left, plot_bottom), "chart-axis");
    svg.finish()
}

/// What is written at the end of a stack: its segments in the legend's order and their total
/// ("12 + 30 = 42"); without the total when a segment is hidden (the drawn stack is then not the
/// total, and saying so beats a wrong total).
fn stack_end(data: &Breakdown, category: usize, locale: Locale) -> String {
    let values: Vec<Cell> = (0..data.series.len()).map(|s| data.value(s, category)).collect();
    let parts = values.iter().map(|&v| format_cell(v, locale)).collect::<Vec<_>>().join(" + ");
    if values.len() < 2 || values.iter().any(|v| v.is_suppressed()) {
        return parts;
    }
    format!("{parts} = {}", crate::format_count(values.iter().filter_map(|v| v.value()).sum(), locale))
}
