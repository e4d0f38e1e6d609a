//! Time series: counts per month or quarter as lines with a marker and the value written at each
//! point. A hidden value ("< 5") breaks the line and is written at the foot of its period.

use crate::axis::Scale;
use crate::bars::{labelled, legend, Breakdown, WIDTH};
use crate::svg::{num, text_width, Svg, FONT_SIZE};
use crate::{format_cell, format_count, ChartText, Locale};
use std::fmt::Write;

const PLOT_HEIGHT: f64 = 200.0;
const LINE: f64 = 18.0;

/// One line per series over the periods of `data.categories` (in time order, labels given by the
/// caller: "janv. 2026", "T1 2026"…). The legend is drawn when there are several series.
pub fn time_series(data: &Breakdown, text: &ChartText, locale: Locale) -> String {
    let periods = data.categories.len();
    let series = data.series.len();
    if periods == 0 || series == 0 {
        return Svg::empty(WIDTH, "chart", text);
    }
    let points = || (0..series).flat_map(move |s| (0..periods).map(move |p| (s, p)));
    let largest = points().filter_map(|(s, p)| data.value(s, p).value()).max().unwrap_or(0);
    let scale = Scale::for_largest(largest);
    let tick_room = scale.ticks().map(|t| text_width(&format_count(t, locale))).fold(0.0, f64::max) + 10.0;
    let legend_height = if series > 1 { legend(&mut Svg { out: String::new() }, &data.series, 0.0) } else { 0.0 };
    // Above the plot: the legend, then the name of the count axis, then room for the top value.
    let plot_top = legend_height + 2.0 * LINE;
    let plot_bottom = plot_top + PLOT_HEIGHT;
    let height = plot_bottom + 2.0 * LINE + 8.0;
    let (plot_left, plot_right) = (tick_room, WIDTH - 10.0);
    let step = (plot_right - plot_left) / periods as f64;
    let x_of = |period: usize| plot_left + step * (period as f64 + 0.5);
    let y_of = |value: u64| plot_bottom - scale.fraction(value) * PLOT_HEIGHT;

    let mut svg = Svg::open(WIDTH, height, "chart chart-series", text, true);
    if series > 1 {
        legend(&mut svg, &data.series, 0.0);
    }
    svg.text(0.0, legend_height + 13.0, "start", "chart-axis-name", &text.value_axis);
    for tick in scale.ticks() {
        let y = y_of(tick);
        svg.line((plot_left, y), (plot_right, y), "chart-grid");
        svg.text(plot_left - 6.0, y + FONT_SIZE / 3.0, "end", "chart-tick", &format_count(tick, locale));
    }
    // Every period keeps its label in its points' titles; on the axis, only as many as fit.
    let widest = data.categories.iter().map(|c| text_width(c)).fold(0.0, f64::max) + 6.0;
    let every = ((widest / step).ceil() as usize).max(1);
    for (p, period) in data.categories.iter().enumerate().filter(|(p, _)| p.is_multiple_of(every)) {
        svg.text(x_of(p), plot_bottom + FONT_SIZE + 4.0, "middle", "chart-tick", period);
    }
    svg.text((plot_left + plot_right) / 2.0, height - 6.0, "middle", "chart-axis-name", &text.category_axis);
    svg.line((plot_left, plot_bottom), (plot_right, plot_bottom), "chart-axis");

    for (s, line) in data.series.iter().enumerate() {
        let class = format!("chart-s{}", s % 6);
        // Runs of consecutive shown points, each drawn as one polyline.
        let mut run: Vec<(f64, f64)> = Vec::new();
        let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
        for p in 0..periods {
            match data.value(s, p).value() {
                Some(n) => run.push((x_of(p), y_of(n))),
                None => runs.push(std::mem::take(&mut run)),
            }
        }
        runs.push(run);
        for run in runs.iter().filter(|run| run.len() > 1) {
            let points: Vec<String> = run.iter().map(|&(x, y)| format!("{},{}", num(x), num(y))).collect();
            let _ =
                write!(svg.out, r#"<polyline class="chart-line {class}" fill="none" points="{}"/>"#, points.join(" "));
        }
        for (p, period) in data.categories.iter().enumerate() {
            let value = data.value(s, p);
            let shown = format_cell(value, locale);
            let name = if series > 1 { format!("{period}, {}", line.name) } else { period.clone() };
            svg.group("chart-item", &labelled(&name, &shown, locale));
            match value.value() {
                Some(n) => {
                    let (x, y) = (x_of(p), y_of(n));
                    let _ = write!(
                        svg.out,
                        r#"<circle class="chart-point {class}" cx="{}" cy="{}" r="3"/>"#,
                        num(x),
                        num(y)
                    );
                    svg.text(x, y - 6.0, "middle", "chart-value", &shown);
                }
                None => {
                    svg.text(x_of(p), plot_bottom - 6.0 - LINE * s as f64, "middle", "chart-value chart-hidden", &shown)
                }
            }
            svg.end_group();
        }
    }
    svg.finish()
}
