//! The handwriting a phone sends: checked by content (a PNG within the size and dimension limits,
//! with an alpha channel and a transparent background, not blank) and trimmed to the ink.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits, RgbaImage};

use crate::contracts::ContractsError;
use crate::error::{CoreError, PlatformError};

/// The most a phone may send (a finger-drawn signature at three device pixels per CSS pixel is
/// well under 200 KB).
pub const MAX_BYTES: usize = 512 * 1024;
/// The widest and tallest canvas accepted, in pixels.
pub const MAX_SIDE: u32 = 4096;
/// Pixels at least this opaque count as ink when trimming (anti-aliasing fringes below it are
/// dropped with the border).
const INK_ALPHA: u8 = 8;

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// A trimmed handwriting image: PNG bytes and their size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trimmed {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Checks `bytes` and returns the image cut to the bounding box of its ink.
pub fn trim(bytes: &[u8]) -> Result<Trimmed, CoreError> {
    if bytes.len() > MAX_BYTES {
        return Err(PlatformError::TooLarge {
            field: "image",
            limit: MAX_BYTES,
        }
        .into());
    }
    if !bytes.starts_with(SIGNATURE) {
        return Err(ContractsError::HandwritingNotPng.into());
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), ImageFormat::Png);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    reader.limits(limits);
    let decoded = reader
        .decode()
        .map_err(|_| CoreError::from(ContractsError::HandwritingNotPng))?;
    if !decoded.color().has_alpha() {
        return Err(ContractsError::HandwritingNotTransparent.into());
    }
    let pixels = decoded.to_rgba8();
    if !pixels.pixels().any(|p| p.0[3] == 0) {
        return Err(ContractsError::HandwritingNotTransparent.into());
    }
    let (left, top, right, bottom) = ink_box(&pixels).ok_or(ContractsError::HandwritingEmpty)?;
    let cropped = image::imageops::crop_imm(&pixels, left, top, right - left + 1, bottom - top + 1)
        .to_image();
    let mut png = Vec::new();
    cropped
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(|e| CoreError::internal(format!("encode handwriting: {e}")))?;
    Ok(Trimmed {
        png,
        width: cropped.width(),
        height: cropped.height(),
    })
}

/// The inclusive bounds (left, top, right, bottom) of the pixels that carry ink.
fn ink_box(pixels: &RgbaImage) -> Option<(u32, u32, u32, u32)> {
    let mut bounds: Option<(u32, u32, u32, u32)> = None;
    for (x, y, pixel) in pixels.enumerate_pixels() {
        if pixel.0[3] >= INK_ALPHA {
            bounds = Some(match bounds {
                None => (x, y, x, y),
                Some((l, t, r, b)) => (l.min(x), t.min(y), r.max(x), b.max(y)),
            });
        }
    }
    bounds
}

#[cfg(test)]
mod tests {
    use image::{Rgb, RgbImage, Rgba};

    use super::*;

    fn encode(image: &image::DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    fn stroke_canvas() -> Vec<u8> {
        let mut canvas = RgbaImage::new(300, 200);
        for x in 40..=120 {
            canvas.put_pixel(x, 70, Rgba([0, 0, 0, 255]));
        }
        for y in 70..=150 {
            canvas.put_pixel(120, y, Rgba([0, 0, 0, 255]));
        }
        // A faint fringe pixel outside the ink is trimmed away with the border.
        canvas.put_pixel(5, 5, Rgba([0, 0, 0, 3]));
        encode(&image::DynamicImage::ImageRgba8(canvas))
    }

    #[test]
    fn trims_the_transparent_border_to_the_ink() {
        let trimmed = trim(&stroke_canvas()).unwrap();
        assert_eq!((trimmed.width, trimmed.height), (81, 81));
        let back = image::load_from_memory(&trimmed.png).unwrap().to_rgba8();
        assert_eq!(
            back.get_pixel(0, 0).0[3],
            255,
            "top-left is the stroke's start"
        );
        assert_eq!(
            back.get_pixel(0, 80).0[3],
            0,
            "bottom-left stays transparent"
        );
        assert!(trimmed.png.starts_with(SIGNATURE));
    }

    #[test]
    fn refuses_what_is_not_a_transparent_png_with_ink() {
        let code = |bytes: &[u8]| trim(bytes).unwrap_err().code();
        assert_eq!(code(b"GIF89a not a png"), "handwriting_not_png");
        let mut broken = stroke_canvas();
        broken.truncate(60);
        assert_eq!(code(&broken), "handwriting_not_png");
        let opaque = encode(&image::DynamicImage::ImageRgb8(RgbImage::from_pixel(
            20,
            20,
            Rgb([255, 255, 255]),
        )));
        assert_eq!(code(&opaque), "handwriting_not_transparent");
        let filled = encode(&image::DynamicImage::ImageRgba8(RgbaImage::from_pixel(
            20,
            20,
            Rgba([255, 255, 255, 255]),
        )));
        assert_eq!(code(&filled), "handwriting_not_transparent");
        let blank = encode(&image::DynamicImage::ImageRgba8(RgbaImage::new(50, 50)));
        assert_eq!(code(&blank), "handwriting_empty");
        let huge = vec![0u8; MAX_BYTES + 1];
        assert_eq!(code(&huge), "too_large");
        let wide = encode(&image::DynamicImage::ImageRgba8(RgbaImage::new(
            MAX_SIDE + 1,
            1,
        )));
        assert_eq!(code(&wide), "handwriting_not_png");
    }
}
