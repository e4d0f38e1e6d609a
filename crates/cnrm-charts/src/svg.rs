//! The few SVG-writing pieces every chart shares: escaping, compact numbers, the root element with its
//! accessible title and description, and a rough text width for layout.

use crate::ChartText;
use std::fmt::Write;

/// Font size of every chart text, in SVG units.
pub(crate) const FONT_SIZE: f64 = 12.0;

/// Text made safe for XML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A coordinate with at most one decimal, without a useless ".0" or "-0".
pub(crate) fn num(x: f64) -> String {
    let tenths = (x * 10.0).round() as i64;
    let (sign, tenths) = if tenths < 0 { ("-", -tenths) } else { ("", tenths) };
    match tenths % 10 {
        0 => format!("{sign}{}", tenths / 10),
        d => format!("{sign}{}.{d}", tenths / 10),
    }
}

/// Roughly how wide a text is drawn (average glyph of a sans-serif font), to leave it room.
pub(crate) fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * FONT_SIZE * 0.6
}

/// The text itself when it fits in `max_chars`, else its start and an ellipsis (the whole text stays
/// in the element's `<title>`).
pub(crate) fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(max_chars.saturating_sub(1)).collect();
        short.push('…');
        short
    }
}

/// An SVG document being written.
pub(crate) struct Svg {
    pub(crate) out: String,
}

impl Svg {
    /// Opens the root element: `class` for the stylesheet, `role="img"` when the drawing is one image
    /// (charts) rather than a set of links (maps), then the title and description.
    pub(crate) fn open(width: f64, height: f64, class: &str, text: &ChartText, image: bool) -> Svg {
        let id = escape(&text.id);
        let mut out = String::with_capacity(4096);
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="{class}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="sans-serif" font-size="{font}"{role} aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>"#,
            w = num(width),
            h = num(height),
            font = num(FONT_SIZE),
            role = if image { r#" role="img""# } else { "" },
            title = escape(&text.title),
            desc = escape(&text.description),
        );
        Svg { out }
    }

    /// A text element; `anchor` is `start`, `middle` or `end`.
    pub(crate) fn text(&mut self, x: f64, y: f64, anchor: &str, class: &str, content: &str) {
        let _ = write!(
            self.out,
            r#"<text x="{}" y="{}" text-anchor="{anchor}" class="{class}">{}</text>"#,
            num(x),
            num(y),
            escape(content)
        );
    }

    pub(crate) fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), class: &str) {
        let _ = write!(
            self.out,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" class="{class}" stroke="currentColor"/>"#,
            num(x1),
            num(y1),
            num(x2),
            num(y2)
        );
    }

    pub(crate) fn rect(&mut self, x: f64, y: f64, width: f64, height: f64, class: &str) {
        let _ = write!(
            self.out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" class="{class}"/>"#,
            num(x),
            num(y),
            num(width),
            num(height)
        );
    }

    /// Opens a group whose `<title>` names what it holds (shown on hover, read by screen readers).
    pub(crate) fn group(&mut self, class: &str, title: &str) {
        let _ = write!(self.out, r#"<g class="{class}"><title>{}</title>"#, escape(title));
    }

    pub(crate) fn end_group(&mut self) {
        self.out.push_str("</g>");
    }

    /// A chart with nothing to draw: the empty-data message, centred.
    pub(crate) fn empty(width: f64, class: &str, text: &ChartText) -> String {
        let height = 3.0 * FONT_SIZE;
        let mut svg = Svg::open(width, height, class, text, true);
        svg.text(width / 2.0, height / 2.0 + FONT_SIZE / 3.0, "middle", "chart-empty", &text.empty);
        svg.finish()
    }

    pub(crate) fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape(r#"<b>"R&D" l'été</b>"#), "&lt;b&gt;&quot;R&amp;D&quot; l&#39;été&lt;/b&gt;");
    }

    #[test]
    fn numbers_are_compact() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(-7.25), "-7.3");
    }

    #[test]
    fn long_texts_are_shortened() {
        assert_eq!(shorten("Koulikoro", 20), "Koulikoro");
        assert_eq!(shorten("Formation professionnelle", 10), "Formation…");
    }
}
