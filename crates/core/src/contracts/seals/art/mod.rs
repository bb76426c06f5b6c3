//! Seal art: transparent RGBA images of seals, drawn with `tiny-skia` from glyph outlines of the
//! embedded CJK font ([`font::SealFont`]). Pure drawing: no database, no clock (the date stamp
//! is given its date). The round company and contract seals ([`round`]), the square name seal
//! ([`square`]) and the date stamp ([`date`]).

mod canvas;
pub mod date;
pub mod font;
pub mod round;
pub mod square;
#[cfg(test)]
mod tests;

pub use canvas::Placement;
pub use font::SealFont;

use crate::contracts::ContractsError;
use crate::error::CoreError;

/// The seals' red (ink pixels are this colour, fully opaque except at anti-aliased edges).
pub const INK: [u8; 3] = [214, 0, 15];

#[derive(Debug, Clone, thiserror::Error)]
pub enum ArtError {
    #[error("no CJK font for seals (install fonts-noto-cjk or set SIGNET_SEAL_FONT)")]
    NoFont,
    #[error("seal font: {0}")]
    Font(String),
    #[error("the seal font has no glyph for {0:?}")]
    MissingGlyph(char),
    #[error("nothing to draw")]
    Empty,
    #[error("drawing failed")]
    Canvas,
}

impl From<ArtError> for CoreError {
    fn from(error: ArtError) -> Self {
        match error {
            ArtError::MissingGlyph(c) => ContractsError::SealText {
                what: format!("“{c}”无对应字形 / no glyph for {c:?}"),
            }
            .into(),
            ArtError::Empty => ContractsError::SealText {
                what: "文字为空 / empty text".into(),
            }
            .into(),
            other => CoreError::internal(other.to_string()),
        }
    }
}
