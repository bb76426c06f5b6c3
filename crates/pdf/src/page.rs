//! A page as the reader sees it: its crop box and `/Rotate`, resolved through the page tree,
//! and the mapping from that visible, upright coordinate system to default user space.
//!
//! Callers place marks, text and seals in points from the lower-left corner of the page *as
//! displayed*; [`PageFrame`] turns those into the coordinates the content stream and the
//! widget `/Rect` use.

use lopdf::ObjectId;

use crate::error::{PdfError, Result};
use crate::reader::Pdf;

/// How far a viewer turns the page clockwise for display (`/Rotate`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rotation {
    /// Shown as drawn.
    #[default]
    Upright,
    /// 90° clockwise.
    Quarter,
    /// 180°.
    Half,
    /// 270° clockwise (90° counter-clockwise).
    ThreeQuarters,
}

impl Rotation {
    /// Read a `/Rotate` value. Negative values and values past 360 fold back; anything that is
    /// not a multiple of 90 is ignored, as pdf.js does (ISO 32000 allows only multiples of 90).
    pub fn from_degrees(degrees: f32) -> Self {
        if !degrees.is_finite() || degrees.fract() != 0.0 {
            return Self::Upright;
        }
        #[expect(
            clippy::cast_possible_truncation,
            reason = "a whole number; `as` saturates the absurdly large"
        )]
        match (degrees as i64).rem_euclid(360) {
            90 => Self::Quarter,
            180 => Self::Half,
            270 => Self::ThreeQuarters,
            _ => Self::Upright,
        }
    }

    /// Clockwise degrees for display, which is also the counter-clockwise turn an upright
    /// widget needs relative to the page (`/MK /R`).
    pub fn degrees(self) -> u16 {
        match self {
            Self::Upright => 0,
            Self::Quarter => 90,
            Self::Half => 180,
            Self::ThreeQuarters => 270,
        }
    }

    /// Whether width and height swap on screen.
    pub fn is_sideways(self) -> bool {
        matches!(self, Self::Quarter | Self::ThreeQuarters)
    }

    /// The linear part `[a b c d]` of the visible-to-page matrix: a counter-clockwise turn by
    /// [`Self::degrees`], undoing the viewer's clockwise turn.
    pub fn linear(self) -> [f32; 4] {
        match self {
            Self::Upright => [1.0, 0.0, 0.0, 1.0],
            Self::Quarter => [0.0, 1.0, -1.0, 0.0],
            Self::Half => [-1.0, 0.0, 0.0, -1.0],
            Self::ThreeQuarters => [0.0, -1.0, 1.0, 0.0],
        }
    }
}

/// The visible region of a page and how it is turned.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PageFrame {
    /// The crop box clipped to the media box, `[x0, y0, x1, y1]` with `x0 < x1`, `y0 < y1`, in
    /// default user space.
    pub crop: [f32; 4],
    /// The page's `/Rotate`.
    pub rotation: Rotation,
}

impl PageFrame {
    /// Resolve `/MediaBox`, `/CropBox` and `/Rotate` of `page`, inherited ones included. A
    /// crop box that is malformed or misses the media box is ignored, as viewers do.
    pub fn of(pdf: &Pdf, page: ObjectId) -> Result<Self> {
        let media = page_box(pdf, page, b"MediaBox")?
            .ok_or_else(|| PdfError::Malformed("page without a usable /MediaBox".into()))?;
        let crop = page_box(pdf, page, b"CropBox")
            .ok()
            .flatten()
            .and_then(|crop| intersect(crop, media))
            .unwrap_or(media);
        let rotation = pdf
            .inherited(page, b"Rotate")?
            .and_then(|value| value.as_float().ok())
            .map_or(Rotation::Upright, Rotation::from_degrees);
        Ok(Self { crop, rotation })
    }

    /// Width of the page as displayed, in points.
    pub fn width(&self) -> f32 {
        if self.rotation.is_sideways() {
            self.crop[3] - self.crop[1]
        } else {
            self.crop[2] - self.crop[0]
        }
    }

    /// Height of the page as displayed, in points.
    pub fn height(&self) -> f32 {
        if self.rotation.is_sideways() {
            self.crop[2] - self.crop[0]
        } else {
            self.crop[3] - self.crop[1]
        }
    }

    /// The matrix `[a b c d e f]` taking visible coordinates `(u, v)` to default user space
    /// `(a·u + c·v + e, b·u + d·v + f)`: the viewer turns the page clockwise, so the marks
    /// are turned the other way and moved to the crop box corner that ends up lower left.
    pub fn matrix(&self) -> [f32; 6] {
        let [a, b, c, d] = self.rotation.linear();
        let origin = self.point(0.0, 0.0);
        [a, b, c, d, origin.0, origin.1]
    }

    /// Whether visible coordinates already are default user space (no turn, crop box at the
    /// origin), so nothing needs transforming.
    pub fn is_identity(&self) -> bool {
        self.rotation == Rotation::Upright && self.crop[0] == 0.0 && self.crop[1] == 0.0
    }

    /// The point of default user space shown at `(u, v)` from the visible lower-left corner.
    pub fn point(&self, u: f32, v: f32) -> (f32, f32) {
        let [x0, y0, x1, y1] = self.crop;
        match self.rotation {
            Rotation::Upright => (x0 + u, y0 + v),
            Rotation::Quarter => (x1 - v, y0 + u),
            Rotation::Half => (x1 - u, y1 - v),
            Rotation::ThreeQuarters => (x0 + v, y1 - u),
        }
    }

    /// The default-user-space rectangle shown at visible `[u0, v0, u1, v1]`, normalised.
    pub fn rect(&self, [u0, v0, u1, v1]: [f32; 4]) -> [f32; 4] {
        let (ax, ay) = self.point(u0, v0);
        let (bx, by) = self.point(u1, v1);
        [ax.min(bx), ay.min(by), ax.max(bx), ay.max(by)]
    }
}

/// An inheritable page box, normalised; `None` when absent.
fn page_box(pdf: &Pdf, page: ObjectId, key: &[u8]) -> Result<Option<[f32; 4]>> {
    let Some(value) = pdf.inherited(page, key)? else {
        return Ok(None);
    };
    let bad = || PdfError::Malformed(format!("bad /{}", String::from_utf8_lossy(key)));
    let array = value.as_array().map_err(|_| bad())?;
    if array.len() != 4 {
        return Err(bad());
    }
    let mut numbers = [0.0; 4];
    for (slot, item) in numbers.iter_mut().zip(array) {
        *slot = pdf
            .resolve(item)?
            .as_float()
            .ok()
            .filter(|n| n.is_finite())
            .ok_or_else(bad)?;
    }
    let [x0, y0, x1, y1] = numbers;
    let normalised = [x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)];
    if !(normalised[0] < normalised[2] && normalised[1] < normalised[3]) {
        return Err(bad());
    }
    Ok(Some(normalised))
}

/// The overlap of two normalised boxes, if it has an area.
fn intersect(a: [f32; 4], b: [f32; 4]) -> Option<[f32; 4]> {
    let out = [
        a[0].max(b[0]),
        a[1].max(b[1]),
        a[2].min(b[2]),
        a[3].min(b[3]),
    ];
    (out[0] < out[2] && out[1] < out[3]).then_some(out)
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::float_cmp,
        clippy::many_single_char_names,
        reason = "whole numbers map exactly; a to f are the matrix entries' names in ISO 32000"
    )]

    use super::*;

    const A4: [f32; 4] = [0.0, 0.0, 595.0, 842.0];

    fn frame(crop: [f32; 4], rotation: Rotation) -> PageFrame {
        PageFrame { crop, rotation }
    }

    #[test]
    fn rotate_values_fold_into_quarter_turns() {
        assert_eq!(Rotation::from_degrees(-90.0), Rotation::ThreeQuarters);
        assert_eq!(Rotation::from_degrees(450.0), Rotation::Quarter);
        assert_eq!(Rotation::from_degrees(180.0), Rotation::Half);
        assert_eq!(Rotation::from_degrees(45.0), Rotation::Upright);
        assert_eq!(Rotation::from_degrees(90.5), Rotation::Upright);
        assert_eq!(Rotation::from_degrees(f32::NAN), Rotation::Upright);
    }

    #[test]
    fn the_visible_lower_left_corner_is_the_crop_corner_turned_there() {
        let crop = [10.0, 20.0, 110.0, 220.0];
        let corners = [
            (Rotation::Upright, (10.0, 20.0), (100.0, 200.0)),
            (Rotation::Quarter, (110.0, 20.0), (200.0, 100.0)),
            (Rotation::Half, (110.0, 220.0), (100.0, 200.0)),
            (Rotation::ThreeQuarters, (10.0, 220.0), (200.0, 100.0)),
        ];
        for (rotation, origin, size) in corners {
            let frame = frame(crop, rotation);
            assert_eq!(frame.point(0.0, 0.0), origin, "{rotation:?}");
            assert_eq!((frame.width(), frame.height()), size, "{rotation:?}");
            // The visible upper-right corner is the opposite crop corner.
            let (x, y) = frame.point(frame.width(), frame.height());
            assert_eq!((x + origin.0, y + origin.1), (120.0, 240.0), "{rotation:?}");
        }
    }

    #[test]
    fn matrix_and_point_agree() {
        for rotation in [
            Rotation::Upright,
            Rotation::Quarter,
            Rotation::Half,
            Rotation::ThreeQuarters,
        ] {
            let frame = frame([-50.0, 30.0, 500.0, 800.0], rotation);
            let [a, b, c, d, e, f] = frame.matrix();
            for (u, v) in [(0.0, 0.0), (12.0, 0.0), (0.0, 7.0), (33.0, 44.0)] {
                assert_eq!(frame.point(u, v), (a * u + c * v + e, b * u + d * v + f));
            }
            // The visible "up" is the page direction a viewer turns to point up.
            let up = (c, d);
            let expected = match rotation {
                Rotation::Upright => (0.0, 1.0),
                Rotation::Quarter => (-1.0, 0.0),
                Rotation::Half => (0.0, -1.0),
                Rotation::ThreeQuarters => (1.0, 0.0),
            };
            assert_eq!(up, expected);
        }
    }

    #[test]
    fn plain_pages_map_to_themselves() {
        let frame = frame(A4, Rotation::Upright);
        assert!(frame.is_identity());
        assert_eq!(
            frame.rect([380.0, 90.0, 500.0, 210.0]),
            [380.0, 90.0, 500.0, 210.0]
        );
        assert!(
            !PageFrame {
                crop: [1.0, 0.0, 595.0, 842.0],
                ..frame
            }
            .is_identity()
        );
    }

    #[test]
    fn rectangles_come_out_normalised() {
        let frame = frame(A4, Rotation::Quarter);
        // 100 wide and 50 high on screen: 50 wide and 100 high on the page, at the right.
        assert_eq!(
            frame.rect([0.0, 0.0, 100.0, 50.0]),
            [545.0, 0.0, 595.0, 100.0]
        );
    }

    #[test]
    fn crop_boxes_are_clipped_to_the_media_box() {
        assert_eq!(
            intersect([-10.0, 5.0, 700.0, 800.0], A4),
            Some([0.0, 5.0, 595.0, 800.0])
        );
        assert_eq!(intersect([600.0, 0.0, 700.0, 10.0], A4), None);
    }
}
