//! Filling a template version's PDF with checked values: each value drawn into every box of its
//! field (CJK font subset, shrunk to the field's minimum size, then wrapped; see
//! `signet_pdf::freeze::layout`), optionally a QR code per page and page numbers, all in one
//! incremental revision. **Filling never changes the page count**: text that does not fit is
//! refused (at validation, with the field named), never moved onto a new page.
//!
//! [`PreparedTemplate`] parses the PDF once and [`system_fonts`] reads the fonts once, so a bulk
//! launch of 10,000 rows parses neither per row.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use signet_pdf::freeze::font::{FontSource, find_system_font, find_system_serif_font};
use signet_pdf::freeze::{FontSources, FreezeOptions, PageNumberOptions, QrOptions, TextBox};
use signet_pdf::reader::{self, Pdf};

use super::model::{FontChoice, SigningSpot};
use super::store::{self, TemplateVersion};
use super::values::{self, Normalised};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::error::CoreError;

/// The system's CJK fonts, read once per process (sans: Noto Sans CJK, serif: Noto Serif CJK,
/// each falling back to another CJK font); `None` where none is installed.
pub fn system_fonts() -> &'static FontSources {
    static FONTS: OnceLock<FontSources> = OnceLock::new();
    FONTS.get_or_init(|| {
        let load = |path: Option<std::path::PathBuf>| {
            path.and_then(|p| match FontSource::load(&p) {
                Ok(source) => Some(Arc::new(source)),
                Err(e) => {
                    tracing::warn!(path = %p.display(), error = %e, "template font unreadable");
                    None
                }
            })
        };
        FontSources {
            sans: load(find_system_font()),
            serif: load(find_system_serif_font()),
        }
    })
}

/// Width of a text at a size in the field's font (an estimate when no font is installed: one
/// em per character, half for ASCII).
/// The width of a text at a size, in points.
pub type Measure = Box<dyn Fn(&str, f32) -> f32 + Send + Sync>;

pub fn measure(font: FontChoice) -> Measure {
    let fonts = system_fonts();
    let source = match font {
        FontChoice::Sans => fonts.sans.clone(),
        FontChoice::Serif => fonts.serif.clone().or_else(|| fonts.sans.clone()),
    };
    match source {
        Some(source) => Box::new(move |text, size| source.width(text, size)),
        None => Box::new(|text, size| {
            text.chars()
                .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
                .sum::<f32>()
                * size
        }),
    }
}

/// Whether the field's font has a glyph for every character of `text` (true when no font is
/// installed: drawing then reports the missing font itself).
pub fn covers(font: FontChoice, text: &str) -> bool {
    let fonts = system_fonts();
    let source = match font {
        FontChoice::Sans => fonts.sans.as_ref(),
        FontChoice::Serif => fonts.serif.as_ref().or(fonts.sans.as_ref()),
    };
    source.is_none_or(|s| s.covers(text))
}

/// What is drawn besides the values.
#[derive(Debug, Clone, Default)]
pub struct FillOptions {
    /// A QR code on every page linking to that page of the electronic original: a URL
    /// template with `{page}` (and optionally `{pages}`).
    pub page_qr: Option<String>,
    /// `第 n 页 / 共 m 页` centred at the bottom of every page.
    pub page_numbers: bool,
}

/// A filled document and where its parties sign (as in the version: points from the displayed
/// page's top-left corner; [`SigningSpot::placement`] and `Placement::to_pdf` convert).
#[derive(Debug, Clone)]
pub struct Filled {
    pub pdf: Vec<u8>,
    pub spots: Vec<SigningSpot>,
}

/// A version's PDF parsed once, ready to fill any number of times.
pub struct PreparedTemplate {
    version: TemplateVersion,
    pdf: Pdf,
    fonts: FontSources,
}

fn pdf_error(e: &signet_pdf::PdfError) -> CoreError {
    CoreError::internal(format!("template fill: {e}"))
}

impl PreparedTemplate {
    /// Parses the version's PDF (the bytes of its `pdf_blob`).
    pub fn new(version_pdf: &[u8], version: &TemplateVersion) -> Result<Self, CoreError> {
        let pdf = reader::load(version_pdf.to_vec()).map_err(|e| pdf_error(&e))?;
        let fonts = system_fonts();
        Ok(Self {
            version: version.clone(),
            pdf,
            fonts: FontSources {
                sans: fonts.sans.clone(),
                serif: fonts.serif.clone().or_else(|| fonts.sans.clone()),
            },
        })
    }

    pub fn version(&self) -> &TemplateVersion {
        &self.version
    }

    /// The boxes the values go into.
    fn boxes(&self, values: &Normalised) -> Vec<TextBox> {
        let mut boxes = Vec::new();
        for field in &self.version.fields {
            let Some(text) = values.values.get(&field.key) else {
                continue;
            };
            for place in &field.placements {
                let Some(page) = place
                    .page
                    .checked_sub(1)
                    .and_then(|i| self.version.pages.get(i))
                else {
                    continue;
                };
                let [x, y, w, h] = place.to_pdf(page.height);
                boxes.push(TextBox {
                    page: place.page,
                    x,
                    y,
                    w,
                    h,
                    font_size: field.size,
                    min_size: field.min_size,
                    text: text.clone(),
                    serif: field.font == FontChoice::Serif,
                });
            }
        }
        boxes
    }

    /// The filled PDF (one incremental revision over the template's file).
    pub fn fill(&self, values: &Normalised, options: &FillOptions) -> Result<Filled, CoreError> {
        let freeze = FreezeOptions {
            qr: options.page_qr.as_ref().map(QrOptions::new),
            page_numbers: options.page_numbers.then(PageNumberOptions::default),
            boxes: self.boxes(values),
            ..FreezeOptions::default()
        };
        let pdf = signet_pdf::freeze::freeze_loaded(&self.pdf, &freeze, &self.fonts)
            .map_err(|e| pdf_error(&e))?;
        Ok(Filled {
            pdf,
            spots: self.version.signing.clone(),
        })
    }
}

/// Fills once (parse, fill); for many rows make one [`PreparedTemplate`].
pub fn fill(
    version_pdf: &[u8],
    version: &TemplateVersion,
    values: &Normalised,
    options: &FillOptions,
) -> Result<Filled, CoreError> {
    PreparedTemplate::new(version_pdf, version)?.fill(values, options)
}

/// The current version (draft, else published) filled with `values` for the editor's preview,
/// with page numbers; refused values are named.
pub async fn preview(
    platform: &Platform,
    enterprise_id: &str,
    template_id: &str,
    actor: &str,
    values: &BTreeMap<String, String>,
) -> Result<Vec<u8>, CoreError> {
    let version = store::current(platform, enterprise_id, template_id, actor).await?;
    let mut normalised = Normalised::default();
    let mut errors = Vec::new();
    // The preview shows the parties' fields too, when given.
    for field in &version.fields {
        let raw = values.get(&field.key).map_or("", String::as_str);
        if raw.trim().is_empty() {
            continue;
        }
        match values::check_field(field, raw) {
            Ok(Some(text)) => {
                normalised.values.insert(field.key.clone(), text);
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(ContractsError::TemplateValues(errors).into());
    }
    let pdf = platform.blobs.get(&version.pdf_blob).await?;
    let options = FillOptions {
        page_qr: None,
        page_numbers: true,
    };
    tokio::task::spawn_blocking(move || fill(&pdf, &version, &normalised, &options).map(|f| f.pdf))
        .await
        .map_err(|e| CoreError::internal(format!("preview: {e}")))?
}
