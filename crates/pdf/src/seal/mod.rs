//! Seals: a visible seal in one rectangle, and a riding (cross-page) seal cut into slices.
//!
//! Rectangles here are in the page's visible, upright coordinates (see [`crate::page`]); the
//! signature widget maps them onto the page and turns the image to match `/Rotate`.

pub mod image;

pub use image::{Appearance, SealImage};

use crate::error::{PdfError, Result};
use crate::page::PageFrame;
use crate::reader;

/// A seal shown at one place on one page.
#[derive(Clone, Debug)]
pub struct VisibleSeal {
    /// PNG bytes (transparent background).
    pub png: Vec<u8>,
    /// 1-based page number.
    pub page: usize,
    /// `[x, y, width, height]` in points from the lower-left corner of the page as displayed
    /// (crop box, after `/Rotate`); the image is shown upright there.
    pub rect: [f32; 4],
}

/// A seal cut into vertical slices, one per page, laid upright on the right edge of pages
/// `first..=last` as displayed, so the pages fanned out show the whole seal.
#[derive(Clone, Debug)]
pub struct RidingSeal {
    /// PNG bytes (transparent background).
    pub png: Vec<u8>,
    /// First page (1-based).
    pub first_page: usize,
    /// Last page (1-based, inclusive).
    pub last_page: usize,
    /// Width of the whole seal in points (each slice is `width / pages`).
    pub width: f32,
    /// Vertical centre from the bottom of the page as displayed; `None` for the middle.
    pub center_y: Option<f32>,
}

/// Where one widget goes.
#[derive(Clone, Debug)]
pub struct Placement {
    /// 0-based page.
    pub page: usize,
    /// `[x0, y0, x1, y1]` in the page's visible, upright coordinates.
    pub rect: [f32; 4],
    /// What it shows.
    pub appearance: Appearance,
}

/// The placement of a visible seal.
pub fn visible_placement(seal: &VisibleSeal) -> Result<Placement> {
    let [x, y, width, height] = seal.rect;
    if seal.page == 0 || width <= 0.0 || height <= 0.0 {
        return Err(PdfError::InvalidRequest(
            "seal needs a page ≥ 1 and a positive size".into(),
        ));
    }
    Ok(Placement {
        page: seal.page - 1,
        rect: [x, y, x + width, y + height],
        appearance: Appearance {
            image: SealImage::from_png(&seal.png)?,
            width,
            height,
        },
    })
}

/// The slices of a riding seal for the document `pdf`.
pub fn riding_placements(pdf: &[u8], seal: &RidingSeal) -> Result<Vec<Placement>> {
    riding_placements_in(&reader::load_lean(pdf.to_vec())?, seal)
}

/// The slices of a riding seal for the parsed document `document`.
pub fn riding_placements_in(document: &reader::Pdf, seal: &RidingSeal) -> Result<Vec<Placement>> {
    let pages = document.pages()?;
    if seal.first_page == 0 || seal.last_page < seal.first_page || seal.last_page > pages.len() {
        return Err(PdfError::InvalidRequest(format!(
            "riding seal pages {}-{} outside 1-{}",
            seal.first_page,
            seal.last_page,
            pages.len()
        )));
    }
    if seal.last_page == seal.first_page {
        return Err(PdfError::InvalidRequest(
            "a riding seal spans at least two pages".into(),
        ));
    }
    let image = SealImage::from_png(&seal.png)?;
    let count = seal.last_page - seal.first_page + 1;
    let count_u32 =
        u32::try_from(count).map_err(|_| PdfError::InvalidRequest("too many pages".into()))?;
    #[expect(
        clippy::cast_precision_loss,
        reason = "page counts and pixel sizes are small"
    )]
    let (slice_width, height) = (
        seal.width / count as f32,
        seal.width * image.height as f32 / image.width.max(1) as f32,
    );
    (0..count)
        .map(|i| {
            let page = seal.first_page - 1 + i;
            let frame = PageFrame::of(document, pages[page])?;
            let center = seal.center_y.unwrap_or(frame.height() / 2.0);
            let x1 = frame.width();
            let x0 = x1 - slice_width;
            let y0 = center - height / 2.0;
            let i_u32 = u32::try_from(i).unwrap_or(u32::MAX);
            let from = image.width * i_u32 / count_u32;
            let to = image.width * (i_u32 + 1) / count_u32;
            Ok(Placement {
                page,
                rect: [x0, y0, x1, y0 + height],
                appearance: Appearance {
                    image: image.columns(from, to),
                    width: slice_width,
                    height,
                },
            })
        })
        .collect()
}
