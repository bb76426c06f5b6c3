//! Freezing content before the first signature: page QR codes, page numbers and filled text.
//!
//! Everything is written in one incremental revision. Each page gets a form XObject holding
//! its marks (with its own font resources); its `/Contents` becomes `[q, old…, Q + Do]`, so the
//! old streams are kept byte for byte and cannot leak their graphics state into the overlay.
//! Pages and resources are edited as text (see `sign/raw.rs`). Marks are drawn in the page's
//! visible, upright coordinates ([`PageFrame`]); a `cm` before the `Do` turns and moves them
//! onto rotated pages and crop boxes away from the origin.

pub mod draw;
pub mod font;
pub mod layout;

use std::path::PathBuf;
use std::sync::Arc;

use lopdf::{Dictionary, Object, ObjectId, Stream};
use serde::{Deserialize, Serialize};

use crate::error::{PdfError, Result};
use crate::page::PageFrame;
use crate::reader::{self, MAX_DEPTH, Pdf};
use crate::seal::image::deflate;
use crate::sign::raw::{Edit, dict_value, edit_dict, parse_reference};
use crate::sign::update::Update;
use crate::signatures::find_signatures;
use draw::{FONT_NAME, SERIF_FONT_NAME, num, qr_ops, text_ops, text_ops_in};
use font::{FontSource, TextFont};

/// Default page-number format.
pub const DEFAULT_PAGE_FORMAT: &str = "第 {page} 页 / 共 {pages} 页";

/// A page corner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Corner {
    /// Upper left.
    TopLeft,
    /// Upper right.
    TopRight,
    /// Lower left.
    BottomLeft,
    /// Lower right.
    #[default]
    BottomRight,
}

/// A QR code on every page linking to that page of the electronic original.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QrOptions {
    /// URL with `{page}` (1-based) and optionally `{pages}`.
    pub url_template: String,
    /// Side of the symbol in points, quiet zone included.
    pub size: f32,
    /// Distance from the page edges in points.
    pub margin: f32,
    /// Where it goes, on the page as displayed (crop box, after `/Rotate`).
    pub corner: Corner,
}

impl QrOptions {
    /// A 64-point code 18 points from the lower-right corner.
    pub fn new(url_template: impl Into<String>) -> Self {
        Self {
            url_template: url_template.into(),
            size: 64.0,
            margin: 18.0,
            corner: Corner::BottomRight,
        }
    }

    /// The URL for one page.
    pub fn url(&self, page: usize, pages: usize) -> String {
        fill(&self.url_template, page, pages)
    }
}

/// Page numbers centred at the bottom of every page as displayed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PageNumberOptions {
    /// Text with `{page}` and `{pages}`, e.g. [`DEFAULT_PAGE_FORMAT`].
    pub format: String,
    /// Font size in points.
    pub font_size: f32,
    /// Baseline height above the page bottom in points.
    pub bottom: f32,
}

impl Default for PageNumberOptions {
    fn default() -> Self {
        Self {
            format: DEFAULT_PAGE_FORMAT.into(),
            font_size: 9.0,
            bottom: 20.0,
        }
    }
}

/// Text written onto a page.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TextField {
    /// 1-based page.
    pub page: usize,
    /// Baseline start, in points from the lower-left corner of the page as displayed (crop
    /// box, after `/Rotate`); the text runs upright from there.
    pub x: f32,
    /// Baseline height.
    pub y: f32,
    /// Font size in points.
    pub font_size: f32,
    /// The text (one line).
    pub text: String,
}

/// Text fitted into a box: kept at its size on one line when it fits, else shrunk down to
/// `min_size`, then wrapped (see [`layout`]); refused when it still does not fit.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TextBox {
    /// 1-based page.
    pub page: usize,
    /// Lower-left corner, in points on the page as displayed (origin at its lower left).
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    /// Preferred font size in points.
    pub font_size: f32,
    /// Smallest size it may shrink to.
    pub min_size: f32,
    /// The text (one paragraph, no control characters).
    pub text: String,
    /// In the serif font rather than the sans one.
    #[serde(default)]
    pub serif: bool,
}

/// Fonts read once for many freezes (see [`freeze_loaded`]); a missing one is looked up as
/// [`freeze_pdf`] does.
#[derive(Clone, Debug, Default)]
pub struct FontSources {
    pub sans: Option<Arc<FontSource>>,
    pub serif: Option<Arc<FontSource>>,
}

/// What to freeze into the pages.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FreezeOptions {
    /// A QR code per page.
    pub qr: Option<QrOptions>,
    /// Page numbers.
    pub page_numbers: Option<PageNumberOptions>,
    /// Filled-in text.
    pub fields: Vec<TextField>,
    /// Filled-in text fitted into boxes.
    #[serde(default)]
    pub boxes: Vec<TextBox>,
    /// Font file (TTF/OTF/TTC); else Helvetica for ASCII-only text, else a system CJK font.
    pub font: Option<PathBuf>,
}

fn fill(template: &str, page: usize, pages: usize) -> String {
    template
        .replace("{page}", &page.to_string())
        .replace("{pages}", &pages.to_string())
}

fn invalid(what: impl Into<String>) -> PdfError {
    PdfError::InvalidRequest(what.into())
}

fn check(options: &FreezeOptions, pages: usize) -> Result<()> {
    let positive = |v: f32| v.is_finite() && v > 0.0;
    if let Some(qr) = &options.qr {
        if !qr.url_template.contains("{page}") {
            return Err(invalid("QR URL template must contain {page}"));
        }
        if !positive(qr.size) || !qr.margin.is_finite() {
            return Err(invalid("QR code needs a positive size"));
        }
    }
    if let Some(numbers) = &options.page_numbers
        && (!positive(numbers.font_size) || !numbers.bottom.is_finite())
    {
        return Err(invalid("page numbers need a positive font size"));
    }
    for field in &options.fields {
        if field.page == 0 || field.page > pages {
            return Err(invalid(format!(
                "text field on page {} outside 1-{pages}",
                field.page
            )));
        }
        if !positive(field.font_size) || !field.x.is_finite() || !field.y.is_finite() {
            return Err(invalid(
                "text field needs a position and a positive font size",
            ));
        }
        if field.text.chars().any(char::is_control) {
            return Err(invalid(
                "text field must be one line without control characters",
            ));
        }
    }
    for b in &options.boxes {
        if b.page == 0 || b.page > pages {
            return Err(invalid(format!(
                "text box on page {} outside 1-{pages}",
                b.page
            )));
        }
        let numbers = [b.x, b.y, b.w, b.h, b.font_size, b.min_size];
        if !numbers.iter().all(|v| v.is_finite())
            || !positive(b.w)
            || !positive(b.h)
            || !positive(b.min_size)
            || b.min_size > b.font_size
        {
            return Err(invalid(
                "text box needs a positive size and a minimum font size no larger than its size",
            ));
        }
        if b.text.chars().any(char::is_control) {
            return Err(invalid("text box text must have no control characters"));
        }
    }
    Ok(())
}

/// The font for `texts`: a subset of the preloaded source when there is one, else as
/// [`TextFont::for_texts`] chooses (for serif, the system serif font when none is given).
fn text_font(
    source: Option<&Arc<FontSource>>,
    path: Option<&std::path::Path>,
    serif: bool,
    texts: &[&str],
) -> Result<Option<TextFont>> {
    if texts.is_empty() {
        return Ok(None);
    }
    if let Some(source) = source {
        return source.subset_for(texts).map(Some);
    }
    if serif && path.is_none() && !texts.iter().all(|t| t.is_ascii()) {
        let serif = font::find_system_serif_font();
        return TextFont::for_texts(serif.as_deref(), texts).map(Some);
    }
    TextFont::for_texts(path, texts).map(Some)
}

/// Write the options' marks into `input` as one incremental revision. Refuses a signed file:
/// freezing must come before the first signature, or it would break the signatures.
pub fn freeze_pdf(input: &[u8], options: &FreezeOptions) -> Result<Vec<u8>> {
    let pdf = reader::load(input.to_vec())?;
    if !find_signatures(&pdf)?.is_empty() {
        return Err(PdfError::AlreadySigned);
    }
    freeze_loaded(&pdf, options, &FontSources::default())
}

/// [`freeze_pdf`] on a file parsed (and checked unsigned) once, with fonts read once: what
/// filling many contracts from one template uses. `pdf` is left as it is.
pub fn freeze_loaded(pdf: &Pdf, options: &FreezeOptions, sources: &FontSources) -> Result<Vec<u8>> {
    let pages = pdf.pages()?;
    let count = pages.len();
    check(options, count)?;
    if options.qr.is_none()
        && options.page_numbers.is_none()
        && options.fields.is_empty()
        && options.boxes.is_empty()
    {
        return Ok(pdf.bytes.clone());
    }
    let numbers: Vec<String> = options.page_numbers.as_ref().map_or_else(Vec::new, |n| {
        (1..=count).map(|p| fill(&n.format, p, count)).collect()
    });
    let texts: Vec<&str> = numbers
        .iter()
        .map(String::as_str)
        .chain(options.fields.iter().map(|f| f.text.as_str()))
        .chain(
            options
                .boxes
                .iter()
                .filter(|b| !b.serif)
                .map(|b| b.text.as_str()),
        )
        .collect();
    let serif_texts: Vec<&str> = options
        .boxes
        .iter()
        .filter(|b| b.serif)
        .map(|b| b.text.as_str())
        .collect();
    let font = text_font(
        sources.sans.as_ref(),
        options.font.as_deref(),
        false,
        &texts,
    )?;
    let serif = text_font(
        sources.serif.as_ref(),
        options.font.as_deref(),
        true,
        &serif_texts,
    )?;
    let mut fitted = Vec::with_capacity(options.boxes.len());
    for b in &options.boxes {
        let Some(face) = (if b.serif { &serif } else { &font }) else {
            return Err(invalid("text box without a font"));
        };
        let lines = layout::fit(&b.text, b.w, b.h, b.font_size, b.min_size, &|t, s| {
            face.width(t, s)
        })
        .ok_or_else(|| {
            invalid(format!(
                "text does not fit its {}×{} box on page {} even at {} pt",
                b.w, b.h, b.page, b.min_size
            ))
        })?;
        fitted.push((b, face, lines));
    }

    let mut update = Update::new(pdf);
    let mut font_ids = Vec::new();
    if let Some(font) = &font {
        font_ids.push((FONT_NAME, font.add_to(&mut update)?));
    }
    if let Some(serif) = &serif {
        font_ids.push((SERIF_FONT_NAME, serif.add_to(&mut update)?));
    }
    for (index, &page) in pages.iter().enumerate() {
        let frame = PageFrame::of(pdf, page)?;
        let (width, height) = (frame.width(), frame.height());
        let mut ops = String::new();
        if let Some(qr) = &options.qr {
            let x = match qr.corner {
                Corner::TopLeft | Corner::BottomLeft => qr.margin,
                Corner::TopRight | Corner::BottomRight => width - qr.margin - qr.size,
            };
            let y = match qr.corner {
                Corner::BottomLeft | Corner::BottomRight => qr.margin,
                Corner::TopLeft | Corner::TopRight => height - qr.margin - qr.size,
            };
            ops.push_str(&qr_ops(&qr.url(index + 1, count), x, y, qr.size)?);
        }
        if let (Some(options), Some(text), Some(font)) =
            (&options.page_numbers, numbers.get(index), &font)
        {
            let x = width / 2.0 - font.width(text, options.font_size) / 2.0;
            ops.push_str(&text_ops(font, text, x, options.bottom, options.font_size));
        }
        for field in options.fields.iter().filter(|f| f.page == index + 1) {
            if let Some(font) = &font {
                ops.push_str(&text_ops(
                    font,
                    &field.text,
                    field.x,
                    field.y,
                    field.font_size,
                ));
            }
        }
        for (b, face, lines) in fitted.iter().filter(|(b, _, _)| b.page == index + 1) {
            let name = if b.serif { SERIF_FONT_NAME } else { FONT_NAME };
            for (line, (x, y)) in lines
                .lines
                .iter()
                .zip(layout::baselines(lines, b.x, b.y, b.h))
            {
                ops.push_str(&text_ops_in(name, face, line, x, y, lines.size));
            }
        }
        if !ops.is_empty() {
            overlay_page(pdf, &mut update, page, &frame, &ops, &font_ids)?;
        }
    }
    update.write()
}

/// Add the overlay form (drawn in `frame`'s visible coordinates) to `page` and wrap its old
/// content in `q … Q`.
fn overlay_page(
    pdf: &Pdf,
    update: &mut Update<'_>,
    page: ObjectId,
    frame: &PageFrame,
    ops: &str,
    font_ids: &[(&str, ObjectId)],
) -> Result<()> {
    let mut resources = Dictionary::new();
    if !font_ids.is_empty() {
        let mut fonts = Dictionary::new();
        for (name, id) in font_ids {
            fonts.set(*name, Object::Reference(*id));
        }
        resources.set("Font", Object::Dictionary(fonts));
    }
    let mut form = Dictionary::new();
    form.set("Type", Object::Name(b"XObject".to_vec()));
    form.set("Subtype", Object::Name(b"Form".to_vec()));
    form.set(
        "BBox",
        Object::Array(
            [0.0, 0.0, frame.width(), frame.height()]
                .into_iter()
                .map(Object::Real)
                .collect(),
        ),
    );
    form.set("Resources", Object::Dictionary(resources));
    form.set("Filter", Object::Name(b"FlateDecode".to_vec()));
    let form = update.add(Stream::new(form, deflate(ops.as_bytes())?));

    let page_text = update.text(page)?;
    let old_resources =
        inherited_text(pdf, update, page, b"Resources")?.unwrap_or_else(|| b"<< >>".to_vec());
    let (name, resources) = add_xobject(update, &old_resources, form)?;
    let resources = update.add_raw(resources);

    let before = update.add(Stream::new(Dictionary::new(), b"q\n".to_vec()));
    // Plain pages keep the bare `Do`; others map visible coordinates onto the page.
    let transform = if frame.is_identity() {
        String::new()
    } else {
        let numbers: Vec<String> = frame.matrix().into_iter().map(num).collect();
        format!("{} cm ", numbers.join(" "))
    };
    let after = update.add(Stream::new(
        Dictionary::new(),
        format!("\nQ q {transform}/{name} Do Q\n").into_bytes(),
    ));
    let old = match dict_value(&page_text, b"Contents")? {
        None => String::new(),
        Some(value) => {
            let value = match parse_reference(&value) {
                Some(id) if matches!(pdf.document.get_object(id), Ok(Object::Array(_))) => {
                    update.text(id)?
                }
                _ => value,
            };
            let text = String::from_utf8_lossy(&value).trim().to_owned();
            match text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
                Some(items) => items.trim().to_owned(),
                None => text,
            }
        }
    };
    let contents = format!("[{} 0 R {old} {} 0 R]", before.0, after.0);
    update.edit(
        page,
        &[
            Edit::Set(b"Contents", contents),
            Edit::Set(b"Resources", format!("{} 0 R", resources.0)),
        ],
    )?;
    Ok(())
}

/// The source text of an inheritable page attribute, references followed.
fn inherited_text(
    pdf: &Pdf,
    update: &Update<'_>,
    page: ObjectId,
    key: &[u8],
) -> Result<Option<Vec<u8>>> {
    let mut node = page;
    for _ in 0..MAX_DEPTH {
        let text = update.text(node)?;
        if let Some(value) = dict_value(&text, key)? {
            return Ok(Some(match parse_reference(&value) {
                Some(id) => update.text(id)?,
                None => value,
            }));
        }
        match pdf
            .dict(node)?
            .get(b"Parent")
            .and_then(Object::as_reference)
        {
            Ok(parent) => node = parent,
            Err(_) => return Ok(None),
        }
    }
    Err(PdfError::TooDeep("page parents".into()))
}

/// A copy of the resources text with `form` added under a fresh `/XObject` name.
fn add_xobject(
    update: &mut Update<'_>,
    resources: &[u8],
    form: ObjectId,
) -> Result<(String, Vec<u8>)> {
    let reference = format!("{} 0 R", form.0);
    let existing = dict_value(resources, b"XObject")?;
    let xobjects = match &existing {
        Some(value) => match parse_reference(value) {
            Some(id) => update.text(id)?,
            None => value.clone(),
        },
        None => b"<< >>".to_vec(),
    };
    let mut name = String::from("SgFrz");
    let mut n = 0;
    while dict_value(&xobjects, name.as_bytes())?.is_some() {
        n += 1;
        name = format!("SgFrz{n}");
    }
    let edited = edit_dict(&xobjects, &[Edit::Set(name.as_bytes(), reference)])?
        .map_err(|_| PdfError::Malformed("resources /XObject".into()))?;
    let value = if existing.as_deref().and_then(parse_reference).is_some() {
        format!("{} 0 R", update.add_raw(edited).0)
    } else {
        String::from_utf8_lossy(&edited).into_owned()
    };
    let resources = edit_dict(resources, &[Edit::Set(b"XObject", value)])?
        .map_err(|_| PdfError::Malformed("resources".into()))?;
    Ok((name, resources))
}
