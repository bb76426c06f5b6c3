//! The CJK font seals are drawn with: Noto Serif CJK SC Bold from Debian's `fonts-noto-cjk`
//! (SIL OFL 1.1; installed by `cargo xtask`, see ADR 0014), read once into memory, with the
//! other Noto CJK faces and `WenQuanYi` as fallbacks. `SIGNET_SEAL_FONT` names another file.

use std::path::PathBuf;
use std::sync::OnceLock;

use ttf_parser::{Face, GlyphId, fonts_in_collection, name_id};

use super::ArtError;

/// The environment variable naming a TTF/OTF/TTC file to draw seals with instead.
pub const FONT_ENV: &str = "SIGNET_SEAL_FONT";

/// Fonts tried, in order: a bold serif reads most like carved seal characters.
pub const SEAL_FONTS: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
];

/// A font file held in memory and the face of it that seals use.
#[derive(Debug)]
pub struct SealFont {
    data: Vec<u8>,
    index: u32,
    pub path: PathBuf,
    pub family: String,
}

impl SealFont {
    /// Reads the font at `path`, choosing the Simplified Chinese face of a collection.
    pub fn load(path: PathBuf) -> Result<Self, ArtError> {
        let data =
            std::fs::read(&path).map_err(|e| ArtError::Font(format!("{}: {e}", path.display())))?;
        let index = choose_face(&data);
        let face = Face::parse(&data, index)
            .map_err(|e| ArtError::Font(format!("{}: {e}", path.display())))?;
        let family = face
            .names()
            .into_iter()
            .filter(|n| n.name_id == name_id::FAMILY)
            .find_map(|n| n.to_string())
            .unwrap_or_default();
        Ok(Self {
            data,
            index,
            path,
            family,
        })
    }

    /// The process-wide seal font: `SIGNET_SEAL_FONT`, else the first of [`SEAL_FONTS`] present.
    pub fn shared() -> Result<&'static Self, ArtError> {
        static FONT: OnceLock<Result<SealFont, ArtError>> = OnceLock::new();
        FONT.get_or_init(|| {
            let path = std::env::var_os(FONT_ENV)
                .map(PathBuf::from)
                .or_else(|| SEAL_FONTS.iter().map(PathBuf::from).find(|p| p.is_file()))
                .ok_or(ArtError::NoFont)?;
            Self::load(path)
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    /// The parsed face (cheap: tables are read lazily).
    pub fn face(&self) -> Result<Face<'_>, ArtError> {
        Face::parse(&self.data, self.index).map_err(|e| ArtError::Font(e.to_string()))
    }

    /// The glyph of `c`, or [`ArtError::MissingGlyph`]: a seal never shows a tofu box.
    pub fn glyph(face: &Face<'_>, c: char) -> Result<GlyphId, ArtError> {
        face.glyph_index(c)
            .filter(|g| g.0 != 0)
            .ok_or(ArtError::MissingGlyph(c))
    }
}

/// The face of a collection named for Simplified Chinese (" SC"), else the first.
fn choose_face(data: &[u8]) -> u32 {
    let count = fonts_in_collection(data).unwrap_or(1);
    (0..count)
        .find(|&index| {
            Face::parse(data, index).is_ok_and(|face| {
                face.names()
                    .into_iter()
                    .filter(|n| n.name_id == name_id::FAMILY)
                    .filter_map(|n| n.to_string())
                    .any(|family| family.ends_with(" SC"))
            })
        })
        .unwrap_or(0)
}
