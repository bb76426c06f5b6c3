//! The date stamp (日期章): the date in red in a thin frame, drawn for a given day (the seal
//! keeps the day it was made; signing redraws it for the signing day).
#![expect(
    clippy::cast_precision_loss,
    reason = "pixel sizes and character counts are small"
)]

use image::RgbaImage;
use tiny_skia::Rect;

use super::canvas::{Canvas, Placement};
use super::{ArtError, SealFont};

pub const WIDTH: u32 = 360;
pub const HEIGHT: u32 = 84;
const TEXT_HEIGHT: f32 = 40.0;

/// The stamp's text for a day: `2026年12月14日`.
pub fn text(year: i32, month: u8, day: u8) -> String {
    format!("{year}年{month}月{day}日")
}

/// Draws the stamp of `year`-`month`-`day`.
pub fn draw(font: &SealFont, year: i32, month: u8, day: u8) -> Result<RgbaImage, ArtError> {
    let face = font.face()?;
    let mut canvas = Canvas::new(WIDTH, HEIGHT)?;
    let (width, height) = (WIDTH as f32, HEIGHT as f32);
    canvas.frame(
        Rect::from_xywh(4.0, 4.0, width - 8.0, height - 8.0).ok_or(ArtError::Canvas)?,
        4.0,
    );
    let chars: Vec<char> = text(year, month, day).chars().collect();
    // Digits take about half an em, the three characters a whole one.
    let widths: Vec<f32> = chars
        .iter()
        .map(|c| if c.is_ascii_digit() { 0.55 } else { 1.0 } * TEXT_HEIGHT)
        .collect();
    let total: f32 = widths.iter().sum();
    let mut x = (width - total) / 2.0;
    for (&ch, w) in chars.iter().zip(&widths) {
        let place = Placement::em_box(
            &face,
            ch,
            (x + w / 2.0, height / 2.0),
            0.0,
            TEXT_HEIGHT,
            1.0,
        )?;
        canvas.glyph(&face, &place)?;
        x += w;
    }
    canvas.into_image()
}
