//! The drawing surface the seal shapes share: red ink on a transparent pixmap, glyph outlines
//! placed by a [`Placement`] (centre, rotation, scale), rings, stars and frames.

use image::RgbaImage;
use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Rect, Stroke, Transform};
use ttf_parser::{Face, GlyphId, OutlineBuilder};

use super::{ArtError, INK, SealFont};

/// Where one glyph goes: the glyph-space point (`glyph_x`, `glyph_y`, font units, y up) is put
/// at the pixel (`x`, `y`), scaled by `scale_x`/`scale_y` pixels per unit and turned `angle`
/// radians clockwise (its top pointing away from the centre on a ring).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    pub ch: char,
    pub glyph: u16,
    pub x: f32,
    pub y: f32,
    pub angle: f32,
    pub scale_x: f32,
    pub scale_y: f32,
    pub glyph_x: f32,
    pub glyph_y: f32,
    /// Half the larger side the glyph's em box takes on the canvas, in pixels.
    pub radius: f32,
}

impl Placement {
    /// `ch` at (`x`, `y`) with its em box `height` pixels high (`squeeze` narrows it), centred
    /// on the ideographic em box so characters of a line share one baseline.
    pub fn em_box(
        face: &Face<'_>,
        ch: char,
        (x, y): (f32, f32),
        angle: f32,
        height: f32,
        squeeze: f32,
    ) -> Result<Self, ArtError> {
        let glyph = SealFont::glyph(face, ch)?;
        let units = f32::from(face.units_per_em());
        let scale = height / units;
        let advance = f32::from(face.glyph_hor_advance(glyph).unwrap_or(face.units_per_em()));
        let (ascender, descender) = (f32::from(face.ascender()), f32::from(face.descender()));
        Ok(Self {
            ch,
            glyph: glyph.0,
            x,
            y,
            angle,
            scale_x: scale * squeeze,
            scale_y: scale,
            glyph_x: advance / 2.0,
            glyph_y: f32::midpoint(ascender, descender),
            radius: height.max(advance * scale * squeeze) / 2.0,
        })
    }

    /// `ch` stretched to fill a `width` × `height` box centred at (`x`, `y`), as seal carvers
    /// fill each cell of a square seal.
    pub fn filling(
        face: &Face<'_>,
        ch: char,
        (x, y): (f32, f32),
        width: f32,
        height: f32,
    ) -> Result<Self, ArtError> {
        let glyph = SealFont::glyph(face, ch)?;
        let bounds = face
            .glyph_bounding_box(glyph)
            .ok_or(ArtError::MissingGlyph(ch))?;
        let (w, h) = (f32::from(bounds.width()), f32::from(bounds.height()));
        if w <= 0.0 || h <= 0.0 {
            return Err(ArtError::MissingGlyph(ch));
        }
        // Keep thin characters (一, 丨) from being stretched into blocks.
        let scale_x = (width / w).min(height / h * 2.5);
        let scale_y = (height / h).min(width / w * 2.5);
        Ok(Self {
            ch,
            glyph: glyph.0,
            x,
            y,
            angle: 0.0,
            scale_x,
            scale_y,
            glyph_x: f32::midpoint(f32::from(bounds.x_min), f32::from(bounds.x_max)),
            glyph_y: f32::midpoint(f32::from(bounds.y_min), f32::from(bounds.y_max)),
            radius: width.max(height) / 2.0,
        })
    }

    fn transform(&self) -> Transform {
        let (sin, cos) = self.angle.sin_cos();
        let (a, b) = (self.scale_x, self.scale_y);
        Transform::from_row(
            cos * a,
            sin * a,
            sin * b,
            -cos * b,
            self.x - cos * a * self.glyph_x - sin * b * self.glyph_y,
            self.y - sin * a * self.glyph_x + cos * b * self.glyph_y,
        )
    }
}

/// Glyph outlines into a `tiny-skia` path, in font units.
struct Outline(PathBuilder);

impl OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.move_to(x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.line_to(x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.quad_to(x1, y1, x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.cubic_to(x1, y1, x2, y2, x, y);
    }
    fn close(&mut self) {
        self.0.close();
    }
}

/// A transparent canvas that draws in [`INK`].
pub struct Canvas {
    pixmap: Pixmap,
    paint: Paint<'static>,
}

impl Canvas {
    pub fn new(width: u32, height: u32) -> Result<Self, ArtError> {
        let mut paint = Paint::default();
        paint.set_color_rgba8(INK[0], INK[1], INK[2], 255);
        paint.anti_alias = true;
        Ok(Self {
            pixmap: Pixmap::new(width, height).ok_or(ArtError::Canvas)?,
            paint,
        })
    }

    /// A circle of `radius` (the middle of the line) and line `width`.
    pub fn ring(&mut self, (x, y): (f32, f32), radius: f32, width: f32) -> Result<(), ArtError> {
        let path = PathBuilder::from_circle(x, y, radius).ok_or(ArtError::Canvas)?;
        let stroke = Stroke {
            width,
            ..Stroke::default()
        };
        self.pixmap
            .stroke_path(&path, &self.paint, &stroke, Transform::identity(), None);
        Ok(())
    }

    /// A rectangle frame (the middle of the line on `rect`).
    pub fn frame(&mut self, rect: Rect, width: f32) {
        let path = PathBuilder::from_rect(rect);
        let stroke = Stroke {
            width,
            line_join: tiny_skia::LineJoin::Round,
            ..Stroke::default()
        };
        self.pixmap
            .stroke_path(&path, &self.paint, &stroke, Transform::identity(), None);
    }

    /// A filled five-pointed star, one point straight up.
    pub fn star(&mut self, (x, y): (f32, f32), outer: f32) -> Result<(), ArtError> {
        // The inner radius of a regular star: outer · sin 18° / sin 126°.
        let inner = outer * 0.381_966;
        let mut path = PathBuilder::new();
        for i in 0..10u8 {
            let radius = if i % 2 == 0 { outer } else { inner };
            let angle = f32::from(i) * std::f32::consts::PI / 5.0;
            let point = (x + radius * angle.sin(), y - radius * angle.cos());
            if i == 0 {
                path.move_to(point.0, point.1);
            } else {
                path.line_to(point.0, point.1);
            }
        }
        path.close();
        let path = path.finish().ok_or(ArtError::Canvas)?;
        self.pixmap.fill_path(
            &path,
            &self.paint,
            FillRule::Winding,
            Transform::identity(),
            None,
        );
        Ok(())
    }

    /// Draws the glyph `place` names. A glyph without an outline is refused unless its
    /// character is white space.
    pub fn glyph(&mut self, face: &Face<'_>, place: &Placement) -> Result<(), ArtError> {
        let mut outline = Outline(PathBuilder::new());
        let drawn = face.outline_glyph(GlyphId(place.glyph), &mut outline);
        match (drawn, outline.0.finish()) {
            (Some(_), Some(path)) => {
                self.pixmap.fill_path(
                    &path,
                    &self.paint,
                    FillRule::Winding,
                    place.transform(),
                    None,
                );
                Ok(())
            }
            _ if place.ch.is_whitespace() => Ok(()),
            _ => Err(ArtError::MissingGlyph(place.ch)),
        }
    }

    /// The picture as straight (not premultiplied) RGBA.
    pub fn into_image(self) -> Result<RgbaImage, ArtError> {
        let (width, height) = (self.pixmap.width(), self.pixmap.height());
        let mut bytes = Vec::with_capacity(self.pixmap.data().len());
        for pixel in self.pixmap.pixels() {
            let c = pixel.demultiply();
            bytes.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
        }
        RgbaImage::from_raw(width, height, bytes).ok_or(ArtError::Canvas)
    }
}
