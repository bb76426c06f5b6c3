//! Round seals (公章, 合同专用章): a red ring, the enterprise's name set along the upper arc,
//! a five-pointed star in the middle, the seal's name below it and the code (the unified social
//! credit code) along the lower edge.
#![expect(
    clippy::cast_precision_loss,
    reason = "pixel sizes and character counts are small"
)]

use image::RgbaImage;
use ttf_parser::Face;

use super::canvas::{Canvas, Placement};
use super::{ArtError, SealFont};

/// The image's side in pixels (about 240 dpi at the usual 42 mm).
pub const SIZE: u32 = 400;
/// The ring's radius (middle of the line) and line width, in pixels.
pub const RING_RADIUS: f32 = 186.0;
pub const RING_WIDTH: f32 = 10.0;

/// What a round seal says.
#[derive(Debug, Clone, Copy)]
pub struct RoundSeal<'a> {
    /// Along the upper arc: the enterprise's name.
    pub enterprise: &'a str,
    /// Below the star: the seal's name (合同专用章); empty for a company seal.
    pub title: &'a str,
    /// Along the lower edge: the code; may be empty.
    pub code: &'a str,
}

const CENTRE: (f32, f32) = (SIZE as f32 / 2.0, SIZE as f32 / 2.0);
/// Height of the name's characters and the radius their centres sit on.
const NAME_HEIGHT: f32 = 62.0;
const NAME_RADIUS: f32 = 136.0;
const CODE_HEIGHT: f32 = 19.0;
const CODE_RADIUS: f32 = 162.0;
const STAR_RADIUS: f32 = 50.0;
const TITLE_HEIGHT: f32 = 36.0;
const TITLE_Y: f32 = CENTRE.1 + 86.0;

/// Draws `seal` with `font`.
pub fn draw(font: &SealFont, seal: &RoundSeal<'_>) -> Result<RgbaImage, ArtError> {
    let face = font.face()?;
    let mut canvas = Canvas::new(SIZE, SIZE)?;
    canvas.ring(CENTRE, RING_RADIUS, RING_WIDTH)?;
    canvas.star(CENTRE, STAR_RADIUS)?;
    for place in name_arc(&face, seal.enterprise)?
        .iter()
        .chain(&code_arc(&face, seal.code)?)
        .chain(&title_line(&face, seal.title)?)
    {
        canvas.glyph(&face, place)?;
    }
    canvas.into_image()
}

/// The name's characters along the upper arc, left to right, each turned to face outward. The
/// arc grows with the name up to 250°; past that the characters are narrowed to fit.
pub fn name_arc(face: &Face<'_>, text: &str) -> Result<Vec<Placement>, ArtError> {
    let chars: Vec<char> = text.trim().chars().collect();
    if chars.is_empty() {
        return Err(ArtError::Empty);
    }
    let count = chars.len() as f32;
    let step = (250f32.to_radians() / count).min(30f32.to_radians());
    let span = step * (count - 1.0);
    // The chord each character may take, as a share of its em box.
    let room = 2.0 * NAME_RADIUS * (step / 2.0).sin();
    let squeeze = (room / NAME_HEIGHT).clamp(0.45, 0.85);
    chars
        .iter()
        .enumerate()
        .map(|(i, &ch)| {
            let angle = -span / 2.0 + step * i as f32;
            let at = (
                CENTRE.0 + NAME_RADIUS * angle.sin(),
                CENTRE.1 - NAME_RADIUS * angle.cos(),
            );
            Placement::em_box(face, ch, at, angle, NAME_HEIGHT, squeeze)
        })
        .collect()
}

/// The code along the lower edge, left to right, upright towards the centre.
pub fn code_arc(face: &Face<'_>, text: &str) -> Result<Vec<Placement>, ArtError> {
    let chars: Vec<char> = text.trim().chars().collect();
    if chars.is_empty() {
        return Ok(Vec::new());
    }
    let count = chars.len() as f32;
    let step = (100f32.to_radians() / count).min(7f32.to_radians());
    let span = step * (count - 1.0);
    chars
        .iter()
        .enumerate()
        .map(|(i, &ch)| {
            // Measured from the bottom, positive to the left.
            let angle = span / 2.0 - step * i as f32;
            let at = (
                CENTRE.0 - CODE_RADIUS * angle.sin(),
                CENTRE.1 + CODE_RADIUS * angle.cos(),
            );
            Placement::em_box(face, ch, at, angle, CODE_HEIGHT, 1.0)
        })
        .collect()
}

/// The seal's name in one line under the star, narrowed to fit the ring's width there.
pub fn title_line(face: &Face<'_>, text: &str) -> Result<Vec<Placement>, ArtError> {
    let chars: Vec<char> = text.trim().chars().collect();
    if chars.is_empty() {
        return Ok(Vec::new());
    }
    let count = chars.len() as f32;
    let room = 210.0;
    let pitch = (room / count).min(TITLE_HEIGHT * 1.05);
    let squeeze = (pitch / TITLE_HEIGHT).min(1.0);
    let left = CENTRE.0 - pitch * (count - 1.0) / 2.0;
    chars
        .iter()
        .enumerate()
        .map(|(i, &ch)| {
            Placement::em_box(
                face,
                ch,
                (left + pitch * i as f32, TITLE_Y),
                0.0,
                TITLE_HEIGHT,
                squeeze,
            )
        })
        .collect()
}
