//! Seal and handwriting images: PNG with alpha → image XObject with `/SMask`, and a form
//! XObject that shows it.

use flate2::Compression;
use flate2::write::ZlibEncoder;
use lopdf::{Dictionary, Object, ObjectId, Stream};
use std::io::Write;

use crate::error::{PdfError, Result};
use crate::page::Rotation;
use crate::sign::update::Update;

/// Largest seal image accepted, in pixels.
const MAX_PIXELS: u64 = 4096 * 4096;

/// Decoded RGBA pixels.
#[derive(Clone, Debug)]
pub struct SealImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// RGBA, row-major.
    pub rgba: Vec<u8>,
}

impl SealImage {
    /// Decode a PNG (transparent background expected).
    pub fn from_png(bytes: &[u8]) -> Result<Self> {
        let reader =
            image::ImageReader::with_format(std::io::Cursor::new(bytes), image::ImageFormat::Png);
        let decoder_limits = {
            let mut limits = image::Limits::default();
            limits.max_alloc = Some(MAX_PIXELS * 4 + 1024);
            limits
        };
        let mut reader = reader;
        reader.limits(decoder_limits);
        let decoded = reader
            .decode()
            .map_err(|e| PdfError::Image(e.to_string()))?
            .to_rgba8();
        Ok(Self {
            width: decoded.width(),
            height: decoded.height(),
            rgba: decoded.into_raw(),
        })
    }

    /// The vertical strip of columns `[from, to)`.
    #[must_use]
    pub fn columns(&self, from: u32, to: u32) -> Self {
        let to = to.min(self.width);
        let from = from.min(to);
        let width = to - from;
        let mut rgba = Vec::with_capacity((width * self.height * 4) as usize);
        for row in 0..self.height {
            let start = ((row * self.width + from) * 4) as usize;
            let end = ((row * self.width + to) * 4) as usize;
            rgba.extend_from_slice(&self.rgba[start..end]);
        }
        Self {
            width,
            height: self.height,
            rgba,
        }
    }

    /// Add the image and its soft mask to `doc`; returns the image's id.
    pub fn add_image(&self, doc: &mut Update<'_>) -> Result<ObjectId> {
        let pixels = self.rgba.len() / 4;
        let mut rgb = Vec::with_capacity(pixels * 3);
        let mut alpha = Vec::with_capacity(pixels);
        for px in self.rgba.chunks_exact(4) {
            rgb.extend_from_slice(&px[..3]);
            alpha.push(px[3]);
        }
        let image_dict = |color_space: &str| {
            let mut dict = Dictionary::new();
            dict.set("Type", Object::Name(b"XObject".to_vec()));
            dict.set("Subtype", Object::Name(b"Image".to_vec()));
            dict.set("Width", i64::from(self.width));
            dict.set("Height", i64::from(self.height));
            dict.set("ColorSpace", Object::Name(color_space.as_bytes().to_vec()));
            dict.set("BitsPerComponent", 8);
            dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
            dict
        };
        let mask = doc.add(Stream::new(image_dict("DeviceGray"), deflate(&alpha)?));
        let mut dict = image_dict("DeviceRGB");
        dict.set("SMask", Object::Reference(mask));
        Ok(doc.add(Stream::new(dict, deflate(&rgb)?)))
    }
}

/// zlib-compress `data`.
pub fn deflate(data: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data)?;
    Ok(encoder.finish()?)
}

/// A widget appearance: an image stretched over a `width` × `height` box.
#[derive(Clone, Debug)]
pub struct Appearance {
    /// The pixels.
    pub image: SealImage,
    /// Box width in points.
    pub width: f32,
    /// Box height in points.
    pub height: f32,
}

impl Appearance {
    /// Add the form XObject (and its image) to `doc`; returns the form's id. On a page shown
    /// turned by `rotation` the form's `/Matrix` turns it back, so the image reads upright.
    pub fn add_to(&self, doc: &mut Update<'_>, rotation: Rotation) -> Result<ObjectId> {
        let image = self.image.add_image(doc)?;
        let mut xobjects = Dictionary::new();
        xobjects.set("Im0", Object::Reference(image));
        let mut resources = Dictionary::new();
        resources.set("XObject", Object::Dictionary(xobjects));
        let mut dict = Dictionary::new();
        dict.set("Type", Object::Name(b"XObject".to_vec()));
        dict.set("Subtype", Object::Name(b"Form".to_vec()));
        dict.set(
            "BBox",
            Object::Array(vec![
                Object::Real(0.0),
                Object::Real(0.0),
                Object::Real(self.width),
                Object::Real(self.height),
            ]),
        );
        if rotation != Rotation::Upright {
            let [a, b, c, d] = rotation.linear();
            dict.set(
                "Matrix",
                Object::Array(
                    [a, b, c, d, 0.0, 0.0]
                        .into_iter()
                        .map(Object::Real)
                        .collect(),
                ),
            );
        }
        dict.set("Resources", Object::Dictionary(resources));
        let content = format!(
            "q {:.3} 0 0 {:.3} 0 0 cm /Im0 Do Q",
            self.width, self.height
        );
        Ok(doc.add(Stream::new(dict, content.into_bytes())))
    }
}
