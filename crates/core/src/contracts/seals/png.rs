//! Seal images checked by content, never by name: a PNG (by its magic), that decodes within size
//! limits, has an alpha channel with transparent pixels and some ink. Accepted images are
//! trimmed to their ink (plus a small margin) and re-encoded as 8-bit RGBA, so what is stored is
//! always a clean, transparent PNG whatever the uploader sent.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits, RgbaImage};

use crate::contracts::ContractsError;
use crate::error::{CoreError, PlatformError};
use crate::platform::blobs::sniff_image;

/// The largest seal image accepted, in bytes (an uploaded or captured PNG).
pub const MAX_BYTES: usize = 1024 * 1024;
/// The largest width or height accepted, in pixels.
pub const MAX_SIDE: u32 = 2000;
/// Transparent pixels kept around the ink when trimming.
const MARGIN: u32 = 4;
/// The form field of seal image uploads (and the field errors name).
pub const FIELD: &str = "image";

/// A checked, trimmed RGBA PNG.
#[derive(Debug, Clone)]
pub struct CheckedPng {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Checks an uploaded or captured seal image and returns it trimmed to its ink.
pub fn check(bytes: &[u8]) -> Result<CheckedPng, CoreError> {
    if bytes.len() > MAX_BYTES {
        return Err(PlatformError::TooLarge {
            field: FIELD,
            limit: MAX_BYTES,
        }
        .into());
    }
    if sniff_image(bytes) != Some("image/png") {
        return Err(ContractsError::SealImageNotPng.into());
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), ImageFormat::Png);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => {
            ContractsError::SealImageTooBig { max_side: MAX_SIDE }.into()
        }
        _ => CoreError::from(ContractsError::SealImageNotPng),
    })?;
    if !decoded.color().has_alpha() {
        return Err(ContractsError::SealImageNotTransparent.into());
    }
    let rgba = decoded.to_rgba8();
    if !rgba.pixels().any(|p| p.0[3] == 0) {
        return Err(ContractsError::SealImageNotTransparent.into());
    }
    let trimmed = trim(&rgba).ok_or(ContractsError::SealImageEmpty)?;
    encode(&trimmed)
}

/// `image` cut to the bounding box of its visible pixels plus [`MARGIN`]; `None` when nothing
/// is visible.
pub fn trim(image: &RgbaImage) -> Option<RgbaImage> {
    let (mut left, mut top, mut right, mut bottom) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, pixel) in image.enumerate_pixels() {
        if pixel.0[3] > 0 {
            left = left.min(x);
            top = top.min(y);
            right = right.max(x);
            bottom = bottom.max(y);
        }
    }
    if left > right {
        return None;
    }
    let width = right - left + 1 + 2 * MARGIN;
    let height = bottom - top + 1 + 2 * MARGIN;
    let mut out = RgbaImage::new(width, height);
    image::imageops::replace(
        &mut out,
        &image::imageops::crop_imm(image, left, top, right - left + 1, bottom - top + 1).to_image(),
        i64::from(MARGIN),
        i64::from(MARGIN),
    );
    Some(out)
}

/// `image` as an 8-bit RGBA PNG.
pub fn encode(image: &RgbaImage) -> Result<CheckedPng, CoreError> {
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
        .map_err(|e| CoreError::internal(format!("encode seal PNG: {e}")))?;
    Ok(CheckedPng {
        bytes,
        width: image.width(),
        height: image.height(),
    })
}

#[cfg(test)]
mod tests {
    use image::{RgbImage, Rgba};

    use super::*;

    fn png_of(image: &RgbaImage) -> Vec<u8> {
        encode(image).unwrap().bytes
    }

    fn code(error: &CoreError) -> &'static str {
        error.describe().code
    }

    #[test]
    fn trims_to_the_ink_with_a_margin() {
        let mut image = RgbaImage::new(100, 80);
        for x in 30..40 {
            for y in 20..25 {
                image.put_pixel(x, y, Rgba([200, 0, 0, 255]));
            }
        }
        let checked = check(&png_of(&image)).unwrap();
        assert_eq!(
            (checked.width, checked.height),
            (10 + 2 * MARGIN, 5 + 2 * MARGIN)
        );
        let back = image::load_from_memory(&checked.bytes).unwrap().to_rgba8();
        assert_eq!(back.get_pixel(0, 0).0[3], 0);
        assert_eq!(back.get_pixel(MARGIN, MARGIN).0, [200, 0, 0, 255]);
    }

    #[test]
    fn refuses_what_is_not_a_transparent_png() {
        assert_eq!(
            code(&check(b"GIF89a not a png").unwrap_err()),
            "seal_image_not_png"
        );
        let mut broken = b"\x89PNG\r\n\x1a\n".to_vec();
        broken.extend_from_slice(&[0; 40]);
        assert_eq!(code(&check(&broken).unwrap_err()), "seal_image_not_png");
        let mut opaque = Vec::new();
        RgbImage::new(20, 20)
            .write_to(&mut Cursor::new(&mut opaque), ImageFormat::Png)
            .unwrap();
        assert_eq!(
            code(&check(&opaque).unwrap_err()),
            "seal_image_not_transparent"
        );
        let solid = RgbaImage::from_pixel(20, 20, Rgba([255, 0, 0, 255]));
        assert_eq!(
            code(&check(&png_of(&solid)).unwrap_err()),
            "seal_image_not_transparent"
        );
        let empty = RgbaImage::new(20, 20);
        assert_eq!(
            code(&check(&png_of(&empty)).unwrap_err()),
            "seal_image_empty"
        );
        let huge = RgbaImage::new(MAX_SIDE + 1, 4);
        assert_eq!(
            code(&check(&png_of(&huge)).unwrap_err()),
            "seal_image_too_big"
        );
        let mut heavy = b"\x89PNG\r\n\x1a\n".to_vec();
        heavy.resize(MAX_BYTES + 1, 0);
        assert_eq!(code(&check(&heavy).unwrap_err()), "too_large");
    }
}
