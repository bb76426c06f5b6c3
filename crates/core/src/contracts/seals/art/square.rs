//! The square name seal (法人章, a person's 人名章): a red frame and the name in seal style, each
//! character stretched to fill its cell, read in columns from the right: a two-character name
//! becomes 「某某之印」, a three-character one 「某某某印」, four make a 2 × 2 grid.
#![expect(
    clippy::cast_precision_loss,
    reason = "pixel sizes and character counts are small"
)]

use image::RgbaImage;
use tiny_skia::Rect;

use super::canvas::{Canvas, Placement};
use super::{ArtError, SealFont};

/// The image's side in pixels.
pub const SIZE: u32 = 240;
const FRAME_WIDTH: f32 = 14.0;
/// Inset of the frame's middle line from the image's edge.
const FRAME_INSET: f32 = 12.0;
/// Space between the frame and the characters, and between cells.
const GAP: f32 = 10.0;

/// The characters a name seal shows for `name`.
pub fn seal_text(name: &str) -> Vec<char> {
    let chars: Vec<char> = name.chars().filter(|c| !c.is_whitespace()).collect();
    match chars.len() {
        2 => chars.into_iter().chain(['之', '印']).collect(),
        3 => chars.into_iter().chain(['印']).collect(),
        _ => chars,
    }
}

/// Draws the name seal of `name`.
pub fn draw(font: &SealFont, name: &str) -> Result<RgbaImage, ArtError> {
    let face = font.face()?;
    let chars = seal_text(name);
    if chars.is_empty() {
        return Err(ArtError::Empty);
    }
    let mut canvas = Canvas::new(SIZE, SIZE)?;
    let side = SIZE as f32;
    let frame = Rect::from_xywh(
        FRAME_INSET,
        FRAME_INSET,
        side - 2.0 * FRAME_INSET,
        side - 2.0 * FRAME_INSET,
    )
    .ok_or(ArtError::Canvas)?;
    canvas.frame(frame, FRAME_WIDTH);
    for place in cells(&face, &chars)? {
        canvas.glyph(&face, &place)?;
    }
    canvas.into_image()
}

/// One cell per character: columns of two from the right (one row when there is one
/// character), each character filling its cell.
pub fn cells(face: &ttf_parser::Face<'_>, chars: &[char]) -> Result<Vec<Placement>, ArtError> {
    let inner = SIZE as f32 - 2.0 * (FRAME_INSET + FRAME_WIDTH / 2.0 + GAP);
    let origin = (SIZE as f32 - inner) / 2.0;
    let rows = if chars.len() == 1 { 1 } else { 2 };
    let columns = chars.len().div_ceil(rows);
    let (cell_w, cell_h) = (inner / columns as f32, inner / rows as f32);
    chars
        .iter()
        .enumerate()
        .map(|(i, &ch)| {
            let (column, row) = (columns - 1 - i / rows, i % rows);
            let centre = (
                origin + cell_w * (column as f32 + 0.5),
                origin + cell_h * (row as f32 + 0.5),
            );
            Placement::filling(face, ch, centre, cell_w - GAP, cell_h - GAP)
        })
        .collect()
}
