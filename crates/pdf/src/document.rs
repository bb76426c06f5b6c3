//! Printable A4 documents made from nothing: the certificate application form, prefilled
//! authorisation letters (授权书), e-invoices, and the illustrated user manuals (pictures from
//! PNG, scaled to the text width and kept whole on a page).
//!
//! The layout is a single column: the title centred on page 1, then headings, label/value rows,
//! paragraphs and signature lines. Text is wrapped to the page width with the font's advances
//! (Latin between words, CJK between any two characters, never before a closing mark such as
//! `，` or after an opening one such as `《`); pages break automatically and every page gets a
//! `第 N 页 / 共 M 页` footer (`Page N of M` for an all-ASCII document).
//!
//! Text is shown with the crate's [`TextFont`]: a subset of the given or system CJK font,
//! embedded, or Helvetica for an all-ASCII document when no font is given. The font objects are
//! written by [`TextFont::add_to`] into an [`Update`] of an empty base file; the pages are then
//! added with lopdf and the whole is saved once more, as a single revision.

use std::fmt::Write as _;
use std::path::Path;

use lopdf::xref::XrefType;
use lopdf::{Document, Object, ObjectId, Stream, StringFormat, dictionary};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::freeze::DEFAULT_PAGE_FORMAT;
use crate::freeze::draw::{FONT_NAME, num, text_ops};
use crate::freeze::font::TextFont;
use crate::reader::Pdf;
use crate::seal::image::deflate;
use crate::sign::update::Update;

/// A4 portrait width, in points.
pub const PAGE_WIDTH: f32 = 595.0;
/// A4 portrait height, in points.
pub const PAGE_HEIGHT: f32 = 842.0;
/// Space left blank on every side of the text, in points (the footer sits in the bottom one).
pub const MARGIN: f32 = 56.0;
/// Size of the title's first line.
pub const TITLE_SIZE: f32 = 18.0;
/// Size of everything else but headings and the footer.
pub const BODY_SIZE: f32 = 11.0;
const HEADING_SIZE: f32 = 13.0;
const FOOTER_SIZE: f32 = 9.0;
const FOOTER_BASELINE: f32 = 28.0;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.5;
/// Footer of an all-ASCII document (no CJK glyphs needed).
const ASCII_PAGE_FORMAT: &str = "Page {page} of {pages}";
/// Width of the line drawn after a signature label.
const SIGNATURE_LINE: f32 = 180.0;
/// Never at the start of a line.
const CLOSING: &str = "，。、；：？！）》」』】〕”’·…—,.;:?!)]}%";
/// Never at the end of a line.
const OPENING: &str = "（《「『【〔“‘([{";

const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Resource names of pictures: `Im0`, `Im1`, … in the order of the blocks.
const IMAGE_PREFIX: &str = "Im";
const TOP: f32 = PAGE_HEIGHT - MARGIN;

/// A simple printable A4 document: a title, optional subtitle line, then sections of
/// label/value rows and free paragraphs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextDocument {
    /// Centred at the top of page 1 in [`TITLE_SIZE`]; lines after the first (separated by
    /// `\n`) form the subtitle, centred in [`BODY_SIZE`]. Also the PDF's `/Title`.
    pub title: String,
    /// The body, top to bottom.
    pub blocks: Vec<Block>,
}

/// One part of a [`TextDocument`]'s body. `\n` in any text starts a new line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Block {
    /// A section heading, a little larger, ruled underneath, kept with what follows.
    Heading(String),
    /// A label/value row: labels in a left column as wide as the longest (at most 40% of the
    /// text width), values wrapped beside them. An empty value gets a line to write on.
    Field {
        /// E.g. `申请人姓名：`.
        label: String,
        /// The filled-in value, or empty for a blank to fill in by hand.
        value: String,
    },
    /// Free text wrapped to the full width.
    Paragraph(String),
    /// A labelled blank line to sign on paper, e.g. `法定代表人签字：`.
    Signature(String),
    /// A picture: a PNG drawn centred at most as wide as the text (and at 96 dpi at most its
    /// own size), never split across pages, with an optional caption centred under it.
    Image {
        /// The PNG file's bytes.
        png: Vec<u8>,
        /// Under the picture; empty for none.
        caption: String,
    },
}

/// Lay out `doc` on A4 pages and return the PDF. `font` is a TTF/OTF/TTC file; without one an
/// all-ASCII document uses Helvetica and any other a system CJK font (see [`TextFont::for_texts`]).
/// Fails with [`crate::PdfError::Font`] when no font can show every character.
pub fn render(doc: &TextDocument, font: Option<&Path>) -> Result<Vec<u8>> {
    let cleaned: Vec<String> = texts(doc).map(clean).collect();
    let mut all: Vec<&str> = cleaned.iter().flat_map(|t| t.split('\n')).collect();
    let ascii = all
        .iter()
        .all(|t| t.chars().all(|c| (' '..='~').contains(&c)));
    let (format, footer_glyphs) = if ascii {
        (ASCII_PAGE_FORMAT, "Page of 0123456789")
    } else {
        (DEFAULT_PAGE_FORMAT, "第页共 /0123456789")
    };
    all.push(footer_glyphs);
    let font = TextFont::for_texts(font, &all)?;
    let images = doc
        .blocks
        .iter()
        .filter_map(|block| match block {
            Block::Image { png, .. } => Some(Picture::from_png(png)),
            _ => None,
        })
        .collect::<Result<Vec<_>>>()?;

    let mut pages = layout(doc, &font, &images);
    let count = pages.len();
    for (index, ops) in pages.iter_mut().enumerate() {
        let text = format
            .replace("{page}", &(index + 1).to_string())
            .replace("{pages}", &count.to_string());
        let x = (PAGE_WIDTH - measure(&font, &text, FOOTER_SIZE)) / 2.0;
        ops.push_str(&text_ops(&font, &text, x, FOOTER_BASELINE, FOOTER_SIZE));
    }
    assemble(&font, &pages, &images, &clean(&doc.title))
}

/// A decoded picture: RGB pixels (any transparency dropped onto white).
struct Picture {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Picture {
    fn from_png(png: &[u8]) -> Result<Self> {
        let decoded = crate::seal::image::SealImage::from_png(png)?;
        let rgb = decoded
            .rgba
            .chunks_exact(4)
            .flat_map(|px| {
                let alpha = u16::from(px[3]);
                let over_white =
                    |c: u8| u8::try_from((u16::from(c) * alpha + 255 * (255 - alpha)) / 255);
                [px[0], px[1], px[2]].map(|c| over_white(c).unwrap_or(255))
            })
            .collect();
        Ok(Self {
            width: decoded.width,
            height: decoded.height,
            rgb,
        })
    }

    /// Size on the page, in points: 96 dpi, no wider than the text, no taller than `max_height`.
    #[expect(
        clippy::cast_precision_loss,
        reason = "pixel counts of decoded images are far below f32's exact range"
    )]
    fn size(&self, max_height: f32) -> (f32, f32) {
        let (w, h) = (self.width.max(1) as f32, self.height.max(1) as f32);
        let mut width = (w * 0.75).min(TEXT_WIDTH);
        let mut height = width * h / w;
        if height > max_height {
            height = max_height;
            width = height * w / h;
        }
        (width, height)
    }
}

/// Every text of the document.
fn texts(doc: &TextDocument) -> impl Iterator<Item = &str> {
    std::iter::once(doc.title.as_str()).chain(doc.blocks.iter().flat_map(|block| match block {
        Block::Heading(t) | Block::Paragraph(t) | Block::Signature(t) => [t.as_str(), ""],
        Block::Field { label, value } => [label.as_str(), value.as_str()],
        Block::Image { caption, .. } => [caption.as_str(), ""],
    }))
}

/// `text` with line ends as `\n`, tabs as spaces and other control characters dropped.
fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\r' | '\n' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Content-stream operators of each page, footers excepted.
fn layout(doc: &TextDocument, font: &TextFont, images: &[Picture]) -> Vec<String> {
    let mut pictures = images.iter().enumerate();
    let mut page = Pages {
        font,
        done: Vec::new(),
        ops: String::new(),
        y: TOP,
    };
    let title = clean(&doc.title);
    let mut title = title.split('\n').filter(|l| !l.trim().is_empty());
    if let Some(first) = title.next() {
        page.centred(first, TITLE_SIZE);
        for line in title {
            page.centred(line, BODY_SIZE);
        }
        page.gap(BODY_SIZE);
    }
    let label_column = doc
        .blocks
        .iter()
        .filter_map(|block| match block {
            Block::Field { label, .. } => clean(label)
                .split('\n')
                .map(|line| measure(font, line, BODY_SIZE) + BODY_SIZE)
                .reduce(f32::max),
            _ => None,
        })
        .fold(0.0, f32::max)
        .min(TEXT_WIDTH * 0.4);
    for block in &doc.blocks {
        match block {
            Block::Heading(text) => {
                page.gap(HEADING_SIZE);
                // Keep the heading with at least two lines of what follows.
                page.need((HEADING_SIZE + 2.0 * BODY_SIZE) * LEADING);
                let (baseline, _) = page.lines(text, HEADING_SIZE, TEXT_WIDTH);
                page.rule(MARGIN, MARGIN + TEXT_WIDTH, baseline - 4.0);
                page.gap(2.0);
            }
            Block::Field { label, value } => {
                page.gap(2.0);
                let labels = wrap(font, label, BODY_SIZE, label_column - BODY_SIZE);
                let values = wrap(font, value, BODY_SIZE, TEXT_WIDTH - label_column);
                let rows = labels.len().max(values.len());
                let x = MARGIN + label_column;
                for row in 0..rows {
                    let baseline = page.line(BODY_SIZE);
                    let text = |lines: &[String]| lines.get(row).cloned().unwrap_or_default();
                    page.show(&text(&labels), MARGIN, baseline, BODY_SIZE);
                    page.show(&text(&values), x, baseline, BODY_SIZE);
                    if value.trim().is_empty() && row + 1 == rows {
                        page.rule(x, MARGIN + TEXT_WIDTH, baseline - 3.0);
                    }
                }
            }
            Block::Paragraph(text) => {
                page.gap(BODY_SIZE * 0.5);
                page.lines(text, BODY_SIZE, TEXT_WIDTH);
            }
            Block::Signature(label) => {
                // Room above the line to sign in.
                page.gap(BODY_SIZE * 2.5);
                let width = TEXT_WIDTH - SIGNATURE_LINE - 4.0;
                let (baseline, used) = page.lines(label, BODY_SIZE, width);
                let end = MARGIN + used + 4.0;
                page.rule(end, end + SIGNATURE_LINE, baseline - 2.0);
            }
            Block::Image { caption, .. } => {
                let Some((index, picture)) = pictures.next() else {
                    continue;
                };
                let caption_height = if caption.trim().is_empty() {
                    0.0
                } else {
                    BODY_SIZE * LEADING * 2.0
                };
                let (width, height) =
                    picture.size(TOP - MARGIN - caption_height - BODY_SIZE * LEADING);
                page.gap(BODY_SIZE * 0.5);
                page.need(height + caption_height);
                let x = MARGIN + (TEXT_WIDTH - width) / 2.0;
                let y = page.y - height;
                let _ = writeln!(
                    page.ops,
                    "q {} 0 0 {} {} {} cm /{}{index} Do Q",
                    num(width),
                    num(height),
                    num(x),
                    num(y),
                    IMAGE_PREFIX,
                );
                page.y = y - BODY_SIZE * 0.5;
                if !caption.trim().is_empty() {
                    page.centred(caption, BODY_SIZE);
                }
            }
        }
    }
    page.done.push(page.ops);
    page.done
}

/// The page being filled, and those already full.
struct Pages<'a> {
    font: &'a TextFont,
    done: Vec<String>,
    ops: String,
    /// Top of the next line.
    y: f32,
}

impl Pages<'_> {
    /// Start a new page unless `height` more fits on this one (or nothing is on it yet).
    fn need(&mut self, height: f32) {
        if self.y - height < MARGIN && self.y < TOP {
            self.done.push(std::mem::take(&mut self.ops));
            self.y = TOP;
        }
    }

    /// Vertical space, dropped at the top of a page.
    fn gap(&mut self, height: f32) {
        if self.y < TOP {
            self.y -= height;
        }
    }

    /// Make room for a line of `size`; returns its baseline.
    fn line(&mut self, size: f32) -> f32 {
        self.need(size * LEADING);
        let baseline = self.y - size;
        self.y -= size * LEADING;
        baseline
    }

    fn show(&mut self, text: &str, x: f32, baseline: f32, size: f32) {
        if !text.is_empty() {
            self.ops
                .push_str(&text_ops(self.font, text, x, baseline, size));
        }
    }

    /// `text` wrapped to `width` from the left margin; returns the last line's baseline and width.
    fn lines(&mut self, text: &str, size: f32, width: f32) -> (f32, f32) {
        let (mut baseline, mut used) = (self.y - size, 0.0);
        for line in wrap(self.font, text, size, width) {
            baseline = self.line(size);
            self.show(&line, MARGIN, baseline, size);
            used = measure(self.font, &line, size);
        }
        (baseline, used)
    }

    /// `text` wrapped and centred, one line of `size` each.
    fn centred(&mut self, text: &str, size: f32) {
        for line in wrap(self.font, text, size, TEXT_WIDTH) {
            let baseline = self.line(size);
            let x = MARGIN + (TEXT_WIDTH - measure(self.font, &line, size)) / 2.0;
            self.show(&line, x, baseline, size);
        }
    }

    /// A thin horizontal line.
    fn rule(&mut self, from: f32, to: f32, y: f32) {
        let (from, to, y) = (num(from), num(to), num(y));
        let _ = writeln!(self.ops, "q 0.5 w 0.3 G {from} {y} m {to} {y} l S Q");
    }
}

/// `text` broken into lines no wider than `width` at `size`: at `\n`, else between words, else
/// between CJK characters, else (a word longer than a line) anywhere.
fn wrap(font: &TextFont, text: &str, size: f32, width: f32) -> Vec<String> {
    let width = width + 0.01;
    let mut lines = Vec::new();
    for paragraph in clean(text).split('\n') {
        let (mut line, mut used) = (String::new(), 0.0);
        for token in tokens(paragraph) {
            let advance = measure(font, &token, size);
            if used + advance > width && !line.trim().is_empty() {
                lines.push(line.trim_end().to_owned());
                (line, used) = (String::new(), 0.0);
                if token.trim().is_empty() {
                    continue;
                }
            }
            if advance <= width {
                line.push_str(&token);
                used += advance;
                continue;
            }
            for c in token.chars() {
                let advance = measure(font, c.encode_utf8(&mut [0; 4]), size);
                if used + advance > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    used = 0.0;
                }
                line.push(c);
                used += advance;
            }
        }
        lines.push(line.trim_end().to_owned());
    }
    lines
}

/// Unbreakable pieces of a line: a space, a Latin word, or one CJK character, with closing
/// marks glued to what precedes them and opening marks to what follows.
fn tokens(line: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let (mut in_word, mut after_opening) = (false, false);
    for c in line.chars() {
        let latin = !c.is_whitespace() && !is_cjk(c);
        match out.last_mut() {
            Some(last) if after_opening || CLOSING.contains(c) || (in_word && latin) => {
                last.push(c);
            }
            _ => out.push(c.to_string()),
        }
        in_word = latin;
        after_opening = OPENING.contains(c);
    }
    out
}

/// Characters written without spaces between words.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}' | '\u{FF00}'..='\u{FFEF}' | '\u{20000}'..='\u{3FFFF}')
}

/// Helvetica's advances for ' '..='~' (WinAnsi), in 1/1000 em.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// Width of `text` at `size`: [`TextFont::width`], with Helvetica's real advances (it only
/// averages them).
fn measure(font: &TextFont, text: &str, size: f32) -> f32 {
    match font {
        TextFont::Helvetica => {
            let units: f32 = text
                .chars()
                .map(|c| {
                    let index = u32::from(c).checked_sub(32);
                    let index = index.and_then(|i| usize::try_from(i).ok());
                    f32::from(index.and_then(|i| HELVETICA.get(i)).copied().unwrap_or(556))
                })
                .sum();
            units * size / 1000.0
        }
        TextFont::Embedded(_) => font.width(text, size),
    }
}

/// The PDF: the font through the crate's writer, then catalog, pages and `/Info` with lopdf.
fn assemble(font: &TextFont, pages: &[String], images: &[Picture], title: &str) -> Result<Vec<u8>> {
    let mut base = Document::with_version("1.7");
    base.reference_table.cross_reference_type = XrefType::CrossReferenceTable;
    let tree = base.try_add_object(dictionary! {
        "Type" => "Pages", "Kids" => Vec::<Object>::new(), "Count" => 0,
    })?;
    let catalog = base.try_add_object(dictionary! { "Type" => "Catalog", "Pages" => tree })?;
    base.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    base.save_to(&mut bytes)?;
    let base = Pdf {
        document: Document::load_mem(&bytes)?,
        bytes,
    };
    let mut update = Update::new(&base);
    let font_id = font.add_to(&mut update)?;
    let mut doc = Document::load_mem(&update.write()?)?;
    // Saved again below as one revision.
    doc.trailer.remove(b"Prev");

    let mut xobjects = lopdf::Dictionary::new();
    for (index, picture) in images.iter().enumerate() {
        let stream = Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image",
                "Width" => i64::from(picture.width), "Height" => i64::from(picture.height),
                "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8,
                "Filter" => "FlateDecode",
            },
            deflate(&picture.rgb)?,
        );
        let id = doc.try_add_object(stream)?;
        xobjects.set(format!("{IMAGE_PREFIX}{index}"), id);
    }
    let resources = doc.try_add_object(dictionary! {
        "Font" => dictionary! { FONT_NAME => font_id },
        "XObject" => xobjects,
    })?;
    let mut kids = Vec::new();
    for ops in pages {
        let stream = Stream::new(
            dictionary! { "Filter" => "FlateDecode" },
            deflate(ops.as_bytes())?,
        );
        let contents = doc.try_add_object(stream)?;
        let media: Vec<Object> = [0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT].map(Object::Real).into();
        kids.push(Object::Reference(doc.try_add_object(dictionary! {
            "Type" => "Page", "Parent" => tree, "MediaBox" => media,
            "Resources" => resources, "Contents" => contents,
        })?));
    }
    let count = i64::try_from(kids.len()).unwrap_or(i64::MAX);
    let node = doc.get_object_mut(tree).and_then(Object::as_dict_mut)?;
    node.set("Kids", kids);
    node.set("Count", count);
    let title = title.split('\n').next().unwrap_or_default().trim();
    let mut info = dictionary! { "Producer" => Object::string_literal("Signet") };
    if !title.is_empty() {
        info.set("Title", text_string(title));
    }
    let info: ObjectId = doc.try_add_object(info)?;
    doc.trailer.set("Info", info);
    let mut out = Vec::new();
    doc.save_to(&mut out)?;
    Ok(out)
}

/// A PDF text string: literal for ASCII, else UTF-16BE with a byte-order mark.
fn text_string(text: &str) -> Object {
    if text.is_ascii() {
        return Object::string_literal(text);
    }
    let bytes = [0xFE, 0xFF]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    Object::String(bytes, StringFormat::Hexadecimal)
}

#[cfg(test)]
mod tests;
