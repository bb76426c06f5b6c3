//! Fonts for frozen text: a subset of a system CJK font as a Type0 font, or Helvetica for ASCII.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lopdf::{Dictionary, Object, ObjectId, Stream};
use sha2::{Digest, Sha256};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, RawFace, Tag, fonts_in_collection, name_id};

use crate::error::{PdfError, Result};
use crate::seal::image::deflate;
use crate::sign::update::Update;

/// Fonts tried, in order, when the options name none.
pub const SYSTEM_CJK_FONTS: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
];

/// Serif fonts tried first when serif text is asked for (then [`SYSTEM_CJK_FONTS`]).
pub const SYSTEM_SERIF_FONTS: &[&str] =
    &["/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"];

/// The first system CJK font that exists.
pub fn find_system_font() -> Option<PathBuf> {
    SYSTEM_CJK_FONTS
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// The first system serif CJK font that exists, else any system CJK font.
pub fn find_system_serif_font() -> Option<PathBuf> {
    SYSTEM_SERIF_FONTS
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .or_else(find_system_font)
}

/// A font file read and measured once, from which many texts take their subsets (filling
/// thousands of contracts from one template reads the file once, not per contract).
pub struct FontSource {
    path: PathBuf,
    data: Arc<[u8]>,
    index: u32,
    units_per_em: f32,
    /// char → (glyph id in the file, advance in 1/1000 em), for every mapped character.
    glyphs: HashMap<char, (u16, u16)>,
}

impl std::fmt::Debug for FontSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontSource")
            .field("path", &self.path)
            .field("glyphs", &self.glyphs.len())
            .finish_non_exhaustive()
    }
}

impl FontSource {
    /// Reads the font at `path` (for a collection, the Simplified Chinese face when named).
    pub fn load(path: &Path) -> Result<Self> {
        let data: Arc<[u8]> = std::fs::read(path)
            .map_err(|e| font_error(format_args!("{}: {e}", path.display())))?
            .into();
        let index = choose_face(&data);
        let face = Face::parse(&data, index)
            .map_err(|e| font_error(format_args!("{}: {e}", path.display())))?;
        let units_per_em = f32::from(face.units_per_em());
        let mut glyphs = HashMap::new();
        if let Some(cmap) = face.tables().cmap {
            for subtable in cmap.subtables {
                if !subtable.is_unicode() {
                    continue;
                }
                subtable.codepoints(|cp| {
                    if let (Some(c), Some(gid)) = (char::from_u32(cp), subtable.glyph_index(cp)) {
                        let advance = f32::from(face.glyph_hor_advance(gid).unwrap_or(0));
                        #[expect(
                            clippy::cast_possible_truncation,
                            clippy::cast_sign_loss,
                            reason = "advances are small and non-negative"
                        )]
                        let width = (advance * 1000.0 / units_per_em).round() as u16;
                        glyphs.entry(c).or_insert((gid.0, width));
                    }
                });
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            data,
            index,
            units_per_em,
            glyphs,
        })
    }

    /// Whether every character of `text` has a glyph.
    pub fn covers(&self, text: &str) -> bool {
        text.chars().all(|c| self.glyphs.contains_key(&c))
    }

    /// Width of `text` at `size` points (characters without a glyph count as one em).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text
            .chars()
            .map(|c| f32::from(self.glyphs.get(&c).map_or(1000, |g| g.1)))
            .sum();
        units * size / 1000.0
    }

    /// The subset for `texts`.
    pub fn subset_for(&self, texts: &[&str]) -> Result<TextFont> {
        let mut remapper = GlyphRemapper::new();
        let mut glyphs = BTreeMap::new();
        for c in texts.iter().flat_map(|t| t.chars()) {
            if glyphs.contains_key(&c) {
                continue;
            }
            let (gid, width) = *self.glyphs.get(&c).ok_or_else(|| {
                font_error(format_args!(
                    "{} has no glyph for {c:?}",
                    self.path.display()
                ))
            })?;
            glyphs.insert(c, (remapper.remap(gid), width));
        }
        Ok(TextFont::Embedded(Box::new(Embedded {
            data: Arc::clone(&self.data),
            index: self.index,
            units_per_em: self.units_per_em,
            glyphs,
            remapper,
        })))
    }
}

fn font_error(what: impl std::fmt::Display) -> PdfError {
    PdfError::Font(what.to_string())
}

/// Glyphs chosen for the text to draw, before embedding.
pub enum TextFont {
    /// Standard 14 Helvetica, WinAnsi; ASCII only.
    Helvetica,
    /// A subset of an OpenType font.
    Embedded(Box<Embedded>),
}

/// A font file and the glyphs used from it.
pub struct Embedded {
    data: Arc<[u8]>,
    index: u32,
    units_per_em: f32,
    /// char → (new glyph id = CID, advance in 1/1000 em).
    glyphs: BTreeMap<char, (u16, u16)>,
    remapper: GlyphRemapper,
}

/// The face of a collection that best suits Chinese text (Simplified Chinese when named).
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

impl TextFont {
    /// The font for `texts`: the one at `path` if given, else Helvetica when all is ASCII,
    /// else the first system CJK font.
    pub fn for_texts(path: Option<&Path>, texts: &[&str]) -> Result<Self> {
        let ascii = texts
            .iter()
            .all(|t| t.chars().all(|c| (' '..='~').contains(&c)));
        let path = match path {
            Some(path) => path.to_path_buf(),
            None if ascii => return Ok(Self::Helvetica),
            None => find_system_font().ok_or_else(|| {
                font_error(
                    "non-ASCII text needs a CJK font: none given and none found \
                     (install fonts-noto-cjk or pass a font path)",
                )
            })?,
        };
        let data = std::fs::read(&path)
            .map_err(|e| font_error(format_args!("{}: {e}", path.display())))?;
        let index = choose_face(&data);
        let face = Face::parse(&data, index)
            .map_err(|e| font_error(format_args!("{}: {e}", path.display())))?;
        let units_per_em = f32::from(face.units_per_em());
        let mut remapper = GlyphRemapper::new();
        let mut glyphs = BTreeMap::new();
        for c in texts.iter().flat_map(|t| t.chars()) {
            if glyphs.contains_key(&c) {
                continue;
            }
            let gid = face.glyph_index(c).ok_or_else(|| {
                font_error(format_args!("{} has no glyph for {c:?}", path.display()))
            })?;
            let advance = f32::from(face.glyph_hor_advance(gid).unwrap_or(0));
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "advances are small and non-negative"
            )]
            let width = (advance * 1000.0 / units_per_em).round() as u16;
            glyphs.insert(c, (remapper.remap(gid.0), width));
        }
        Ok(Self::Embedded(Box::new(Embedded {
            data: data.into(),
            index,
            units_per_em,
            glyphs,
            remapper,
        })))
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = match self {
            // Helvetica averages about half an em per character.
            Self::Helvetica => 556.0 * count_chars(text),
            Self::Embedded(e) => text
                .chars()
                .map(|c| f32::from(e.glyphs.get(&c).map_or(0, |g| g.1)))
                .sum(),
        };
        units * size / 1000.0
    }

    /// The operand of `Tj` for `text`.
    pub fn encode(&self, text: &str) -> String {
        match self {
            Self::Helvetica => {
                let mut out = String::from("(");
                for c in text.chars() {
                    if matches!(c, '(' | ')' | '\\') {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push(')');
                out
            }
            Self::Embedded(e) => {
                let mut out = String::from("<");
                for c in text.chars() {
                    let cid = e.glyphs.get(&c).map_or(0, |g| g.0);
                    let _ = write!(out, "{cid:04X}");
                }
                out.push('>');
                out
            }
        }
    }

    /// Add the font's objects to the update; returns the font dictionary's id.
    pub fn add_to(&self, doc: &mut Update<'_>) -> Result<ObjectId> {
        match self {
            Self::Helvetica => {
                let mut dict = Dictionary::new();
                dict.set("Type", Object::Name(b"Font".to_vec()));
                dict.set("Subtype", Object::Name(b"Type1".to_vec()));
                dict.set("BaseFont", Object::Name(b"Helvetica".to_vec()));
                dict.set("Encoding", Object::Name(b"WinAnsiEncoding".to_vec()));
                Ok(doc.add(dict))
            }
            Self::Embedded(e) => e.add_to(doc),
        }
    }
}

#[expect(clippy::cast_precision_loss, reason = "short strings")]
fn count_chars(text: &str) -> f32 {
    text.chars().count() as f32
}

fn name(value: &str) -> Object {
    Object::Name(value.as_bytes().to_vec())
}

impl Embedded {
    fn add_to(&self, doc: &mut Update<'_>) -> Result<ObjectId> {
        let subset = subsetter::subset(&self.data, self.index, &self.remapper)
            .map_err(|e| font_error(format_args!("subsetting failed: {e}")))?;
        let face = Face::parse(&self.data, self.index).map_err(font_error)?;
        let cff = face.tables().cff.is_some();
        let base = self.base_name(&face);

        let (file_key, file) = if cff {
            let raw = RawFace::parse(&subset, 0).map_err(font_error)?;
            let table = raw
                .table(Tag::from_bytes(b"CFF "))
                .ok_or_else(|| font_error("subset has no CFF table"))?;
            let mut dict = Dictionary::new();
            dict.set("Subtype", name("CIDFontType0C"));
            dict.set("Filter", name("FlateDecode"));
            ("FontFile3", Stream::new(dict, deflate(table)?))
        } else {
            let mut dict = Dictionary::new();
            dict.set(
                "Length1",
                Object::Integer(i64::try_from(subset.len()).unwrap_or(0)),
            );
            dict.set("Filter", name("FlateDecode"));
            ("FontFile2", Stream::new(dict, deflate(&subset)?))
        };
        let file = doc.add(file);

        let scale = |v: i16| Object::Real(f32::from(v) * 1000.0 / self.units_per_em);
        let bbox = face.global_bounding_box();
        let mut descriptor = Dictionary::new();
        descriptor.set("Type", name("FontDescriptor"));
        descriptor.set("FontName", name(&base));
        descriptor.set("Flags", Object::Integer(4));
        descriptor.set(
            "FontBBox",
            Object::Array(vec![
                scale(bbox.x_min),
                scale(bbox.y_min),
                scale(bbox.x_max),
                scale(bbox.y_max),
            ]),
        );
        descriptor.set("ItalicAngle", Object::Integer(0));
        descriptor.set("Ascent", scale(face.ascender()));
        descriptor.set("Descent", scale(face.descender()));
        descriptor.set(
            "CapHeight",
            scale(face.capital_height().unwrap_or(face.ascender())),
        );
        descriptor.set("StemV", Object::Integer(80));
        descriptor.set(file_key, Object::Reference(file));
        let descriptor = doc.add(descriptor);

        let mut widths = Vec::new();
        for (cid, width) in self.glyphs.values() {
            widths.push(Object::Integer(i64::from(*cid)));
            widths.push(Object::Array(vec![Object::Integer(i64::from(*width))]));
        }
        let mut system = Dictionary::new();
        system.set("Registry", Object::string_literal("Adobe"));
        system.set("Ordering", Object::string_literal("Identity"));
        system.set("Supplement", Object::Integer(0));
        let mut cid_font = Dictionary::new();
        cid_font.set("Type", name("Font"));
        cid_font.set(
            "Subtype",
            name(if cff { "CIDFontType0" } else { "CIDFontType2" }),
        );
        cid_font.set("BaseFont", name(&base));
        cid_font.set("CIDSystemInfo", Object::Dictionary(system));
        cid_font.set("FontDescriptor", Object::Reference(descriptor));
        cid_font.set("DW", Object::Integer(1000));
        cid_font.set("W", Object::Array(widths));
        if !cff {
            cid_font.set("CIDToGIDMap", name("Identity"));
        }
        let cid_font = doc.add(cid_font);

        let to_unicode = doc.add(Stream::new(
            Dictionary::new(),
            self.to_unicode().into_bytes(),
        ));
        let mut font = Dictionary::new();
        font.set("Type", name("Font"));
        font.set("Subtype", name("Type0"));
        font.set("BaseFont", name(&base));
        font.set("Encoding", name("Identity-H"));
        font.set(
            "DescendantFonts",
            Object::Array(vec![Object::Reference(cid_font)]),
        );
        font.set("ToUnicode", Object::Reference(to_unicode));
        Ok(doc.add(font))
    }

    /// `ABCDEF+PostScriptName`, the tag derived from the glyph set.
    fn base_name(&self, face: &Face<'_>) -> String {
        let postscript: String = face
            .names()
            .into_iter()
            .filter(|n| n.name_id == name_id::POST_SCRIPT_NAME)
            .find_map(|n| n.to_string())
            .unwrap_or_else(|| "SignetCJK".into())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let mut hasher = Sha256::new();
        for c in self.glyphs.keys() {
            hasher.update(u32::from(*c).to_be_bytes());
        }
        let tag: String = hasher
            .finalize()
            .iter()
            .take(6)
            .map(|b| char::from(b'A' + b % 26))
            .collect();
        format!("{tag}+{postscript}")
    }

    /// A `/ToUnicode` CMap from CIDs back to the characters.
    fn to_unicode(&self) -> String {
        let mut out = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let entries: Vec<_> = self.glyphs.iter().collect();
        for chunk in entries.chunks(100) {
            let _ = writeln!(out, "{} beginbfchar", chunk.len());
            for (c, (cid, _)) in chunk {
                let mut units = [0u16; 2];
                let _ = write!(out, "<{cid:04X}> <");
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "{unit:04X}");
                }
                out.push_str(">\n");
            }
            out.push_str("endbfchar\n");
        }
        out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        out
    }
}
