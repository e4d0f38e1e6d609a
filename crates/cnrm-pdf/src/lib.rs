//! cnrm's PDF documents: a title, facts and sections of text, laid out on A4 pages; and reports with
//! tables, bar charts and a map ([`Report`]).
//!
//! Kept in a crate of its own so that the PDF engine (`printpdf`) and the embedded font stay out
//! of the other crates' builds. The font is DejaVu Sans (Bitstream Vera licence, redistribution
//! allowed: `fonts/LICENSE-DejaVu.txt`), which covers French accents and every Latin script the
//! platform's names are written in. The caller gives text already translated: this crate knows
//! nothing of meetings or languages.

use printpdf::{IndirectFontRef, Mm, PdfDocument, PdfDocumentReference, PdfLayerReference};
use std::io::Cursor;

mod report;
pub use report::{
    drawn_shapes, fit, path_rings, render_report, text_width, BarChart, BarItem, Block, Column, Map, MapRegion, Report,
    Rings, Table,
};

const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

const PAGE_WIDTH: f32 = 210.0;
const PAGE_HEIGHT: f32 = 297.0;
const MARGIN: f32 = 20.0;
/// Millimetres per point.
const PT: f32 = 0.3528;

/// A document to print: its title, a few label–value facts under it, then sections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    pub title: String,
    pub facts: Vec<(String, String)>,
    pub sections: Vec<Section>,
    /// Printed at the bottom of every page (with the page number).
    pub footer: String,
}

/// A heading and its paragraphs; `bullets` prints each paragraph as a list item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub bullets: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("PDF generation failed: {0}")]
    Engine(String),
}

/// Splits text into lines of at most `width` characters, at spaces where possible.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for raw in text.lines() {
        let mut line = String::new();
        for word in raw.split_whitespace() {
            let mut word = word.to_string();
            while word.chars().count() > width {
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                let head: String = word.chars().take(width).collect();
                word = word.chars().skip(width).collect();
                lines.push(head);
            }
            let needed = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
            if needed > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

struct Writer {
    doc: PdfDocumentReference,
    layer: PdfLayerReference,
    regular: IndirectFontRef,
    bold: IndirectFontRef,
    /// Distance from the bottom of the page of the next line, in millimetres.
    y: f32,
    pages: usize,
    footer: String,
}

impl Writer {
    fn footer(&self) {
        let text = format!("{} — {}", self.footer, self.pages);
        self.layer.use_text(text, 8.0, Mm(MARGIN), Mm(MARGIN / 2.0), &self.regular);
    }

    fn new_page(&mut self) {
        let (page, layer) = self.doc.add_page(Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT), "text");
        self.layer = self.doc.get_page(page).get_layer(layer);
        self.pages += 1;
        self.y = PAGE_HEIGHT - MARGIN;
        self.footer();
    }

    /// One line of `size` points, with a new page first when it does not fit.
    fn line(&mut self, text: &str, size: f32, bold: bool, indent: f32) {
        let height = size * PT * 1.45;
        if self.y - height < MARGIN {
            self.new_page();
        }
        self.y -= height;
        let font = if bold { &self.bold } else { &self.regular };
        self.layer.use_text(text, size, Mm(MARGIN + indent), Mm(self.y), font);
    }

    fn gap(&mut self, mm: f32) {
        self.y -= mm;
    }

    /// A paragraph wrapped to the page width (characters per line estimated from the size).
    fn paragraph(&mut self, text: &str, size: f32, bold: bool, indent: f32) {
        let usable = PAGE_WIDTH - 2.0 * MARGIN - indent;
        let width = (usable / (size * PT * 0.55)).floor().max(10.0) as usize;
        for line in wrap(text, width) {
            self.line(&line, size, bold, indent);
        }
    }
}

/// The document as PDF bytes.
pub fn render(document: &Document) -> Result<Vec<u8>, PdfError> {
    let engine = |e: printpdf::Error| PdfError::Engine(e.to_string());
    let (doc, page, layer) = PdfDocument::new(&document.title, Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT), "text");
    let regular = doc.add_external_font(Cursor::new(REGULAR)).map_err(engine)?;
    let bold = doc.add_external_font(Cursor::new(BOLD)).map_err(engine)?;
    let layer = doc.get_page(page).get_layer(layer);
    let mut w =
        Writer { doc, layer, regular, bold, y: PAGE_HEIGHT - MARGIN, pages: 1, footer: document.footer.clone() };
    w.footer();
    w.paragraph(&document.title, 16.0, true, 0.0);
    w.gap(3.0);
    for (label, value) in &document.facts {
        w.paragraph(&format!("{label} : {value}"), 10.0, false, 0.0);
    }
    for section in &document.sections {
        w.gap(4.0);
        w.paragraph(&section.heading, 12.0, true, 0.0);
        w.gap(1.0);
        for p in &section.paragraphs {
            if section.bullets {
                let lines = {
                    let usable = PAGE_WIDTH - 2.0 * MARGIN - 5.0;
                    wrap(p, (usable / (10.0 * PT * 0.55)).floor() as usize)
                };
                for (i, line) in lines.iter().enumerate() {
                    if i == 0 {
                        w.line(&format!("•  {line}"), 10.0, false, 0.0);
                    } else {
                        w.line(line, 10.0, false, 5.0);
                    }
                }
            } else {
                w.paragraph(p, 10.0, false, 0.0);
                w.gap(1.0);
            }
        }
    }
    w.doc.save_to_bytes().map_err(engine)
}

/// Whether the text shown on the document's pages contains `text` (written in either font, on one
/// line): the content streams are decoded and the glyphs of each `Tj` compared with the font's.
pub fn contains_text(pdf: &[u8], text: &str) -> bool {
    let Ok(doc) = lopdf::Document::load_mem(pdf) else { return false };
    let mut shown = Vec::new();
    for page in doc.get_pages().values() {
        let Ok(content) = doc.get_and_decode_page_content(*page) else { return false };
        for op in content.operations.iter().filter(|op| op.operator == "Tj") {
            for operand in &op.operands {
                if let lopdf::Object::String(bytes, _) = operand {
                    shown.extend_from_slice(bytes);
                }
            }
        }
    }
    [REGULAR, BOLD].iter().any(|font| {
        let Ok(face) = ttf_parser::Face::parse(font, 0) else { return false };
        let glyphs: Option<Vec<u8>> = text
            .chars()
            .map(|c| face.glyph_index(c).map(|g| g.0.to_be_bytes()))
            .collect::<Option<Vec<_>>>()
            .map(|ids| ids.concat());
        glyphs.is_some_and(|g| !g.is_empty() && shown.windows(g.len()).any(|w| w == g.as_slice()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_wrap_at_spaces_and_long_words_are_cut() {
        assert_eq!(wrap("un deux trois quatre", 9), vec!["un deux", "trois", "quatre"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\nb", 10), vec!["a", "b"]);
        assert_eq!(wrap("", 10), vec![""]);
        assert!(wrap(&"mot ".repeat(200), 80).iter().all(|l| l.chars().count() <= 80));
    }

    #[test]
    fn a_document_is_a_pdf_whose_text_can_be_extracted_accents_included() {
        let document = Document {
            title: "Réunion nationale de coordination — 2e trimestre".into(),
            facts: vec![("Lieu".into(), "Bamako, salle de conférence du ministère".into())],
            sections: vec![
                Section {
                    heading: "Décisions".into(),
                    paragraphs: vec!["Créer un groupe de travail « données »".into()],
                    bullets: true,
                },
                Section {
                    heading: "Points d'action".into(),
                    paragraphs: (0..80)
                        .map(|i| format!("Action numéro {i} confiée à l'ANPE, échéance dépassée"))
                        .collect(),
                    bullets: true,
                },
            ],
            footer: "Compte rendu".into(),
        };
        let bytes = render(&document).unwrap();
        assert!(bytes.starts_with(b"%PDF"));
        assert!(contains_text(&bytes, "Réunion nationale de coordination"));
        assert!(contains_text(&bytes, "groupe de travail « données »"));
        assert!(contains_text(&bytes, "Action numéro 79"), "the list goes on over a second page");
        assert!(!contains_text(&bytes, "Réunion régionale"));
        assert!(!contains_text(b"not a pdf", "Réunion"));
    }
}
