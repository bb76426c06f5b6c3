//! A document of rotated and cropped pages, and poppler renderings of it read back by pixel in
//! the page's visible coordinates (points from the lower-left corner as displayed).

use std::path::Path;
use std::process::Command;

use image::RgbImage;
use lopdf::{Document, Object, Stream, dictionary};

use crate::support::{missing, run};

const A4: [i64; 4] = [0, 0, 595, 842];

/// One page of [`rotated_pdf`] and the size a reader sees.
pub struct TestPage {
    /// What is special about it, for failure messages.
    pub about: &'static str,
    /// Its own `/Rotate`.
    pub rotate: Option<i64>,
    /// Its own `/MediaBox` (else A4 from the root `/Pages`).
    pub media: Option<[i64; 4]>,
    /// Its own `/CropBox`.
    pub crop: Option<[i64; 4]>,
    /// Under the inner `/Pages` node that has `/Rotate 90` and `/CropBox [40 60 540 780]`.
    pub in_branch: bool,
    /// Width and height as displayed, in points.
    pub visible: (u32, u32),
}

pub const PAGES: [TestPage; 7] = [
    TestPage {
        about: "Rotate 90",
        rotate: Some(90),
        media: None,
        crop: None,
        in_branch: false,
        visible: (842, 595),
    },
    TestPage {
        about: "Rotate 180",
        rotate: Some(180),
        media: None,
        crop: None,
        in_branch: false,
        visible: (595, 842),
    },
    TestPage {
        about: "Rotate 270",
        rotate: Some(270),
        media: None,
        crop: None,
        in_branch: false,
        visible: (842, 595),
    },
    TestPage {
        about: "Rotate 90 and CropBox inherited from /Pages",
        rotate: None,
        media: None,
        crop: None,
        in_branch: true,
        visible: (720, 500),
    },
    TestPage {
        about: "own Rotate 0 over an inherited 90, inherited CropBox",
        rotate: Some(0),
        media: None,
        crop: None,
        in_branch: true,
        visible: (500, 720),
    },
    TestPage {
        about: "Rotate -90, MediaBox off the origin, CropBox past the MediaBox top",
        rotate: Some(-90),
        media: Some([-100, -50, 512, 742]),
        crop: Some([-80, -20, 480, 760]),
        in_branch: false,
        visible: (762, 560),
    },
    TestPage {
        about: "plain A4",
        rotate: None,
        media: None,
        crop: None,
        in_branch: false,
        visible: (595, 842),
    },
];

/// The grey every page is filled with (its original content), `0.85 g`.
pub const BACKGROUND: u8 = 217;

fn array(numbers: [i64; 4]) -> Object {
    Object::Array(numbers.into_iter().map(Object::Integer).collect())
}

/// [`PAGES`] as a PDF: each page's media box filled grey, `/MediaBox` inherited from the root.
pub fn rotated_pdf() -> Vec<u8> {
    let mut document = Document::with_version("1.7");
    let root = document.new_object_id();
    let branch = document.new_object_id();
    let (mut root_kids, mut branch_kids) = (Vec::new(), Vec::new());
    for page in &PAGES {
        let [x0, y0, x1, y1] = page.media.unwrap_or(A4);
        let fill = format!("0.85 g {x0} {y0} {} {} re f\n", x1 - x0, y1 - y0);
        let contents = document.add_object(Stream::new(dictionary! {}, fill.into_bytes()));
        let parent = if page.in_branch { branch } else { root };
        let mut dict = dictionary! {
            "Type" => "Page",
            "Parent" => parent,
            "Contents" => contents,
            "Resources" => dictionary! {},
        };
        if let Some(media) = page.media {
            dict.set("MediaBox", array(media));
        }
        if let Some(crop) = page.crop {
            dict.set("CropBox", array(crop));
        }
        if let Some(rotate) = page.rotate {
            dict.set("Rotate", rotate);
        }
        let id = document.add_object(dict);
        if page.in_branch {
            if branch_kids.is_empty() {
                root_kids.push(branch.into());
            }
            branch_kids.push(id.into());
        } else {
            root_kids.push(id.into());
        }
    }
    let branch_count = i64::try_from(branch_kids.len()).unwrap();
    document.objects.insert(
        branch,
        dictionary! {
            "Type" => "Pages",
            "Parent" => root,
            "Kids" => branch_kids,
            "Count" => branch_count,
            "Rotate" => 90,
            "CropBox" => array([40, 60, 540, 780]),
        }
        .into(),
    );
    document.objects.insert(
        root,
        dictionary! {
            "Type" => "Pages",
            "Kids" => root_kids,
            "Count" => i64::try_from(PAGES.len()).unwrap(),
            "MediaBox" => array(A4),
        }
        .into(),
    );
    let catalog = document.add_object(dictionary! { "Type" => "Catalog", "Pages" => root });
    document.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    document.save_to(&mut bytes).unwrap();
    bytes
}

/// Whether poppler's `pdftoppm` (and, if asked, `zbarimg`) can run; says so when not.
pub fn have_renderer(with_zbar: bool) -> bool {
    if Command::new("pdftoppm").arg("-v").output().is_err() {
        missing("pdftoppm (Debian poppler-utils)");
        return false;
    }
    if with_zbar && Command::new("zbarimg").arg("--version").output().is_err() {
        missing("zbarimg (Debian zbar-tools)");
        return false;
    }
    true
}

/// A page rendered at 72 dpi, so one pixel is one point.
pub struct Rendered {
    pub png: std::path::PathBuf,
    pub image: RgbImage,
}

/// Render page `page` (1-based) of `file` with `pdftoppm -r 72 -png -cropbox`: the crop box
/// is what viewers show (pdftoppm draws the media box unless asked).
pub fn render(file: &Path, page: usize) -> Rendered {
    let prefix = file.with_file_name(format!("page{page}"));
    let page = page.to_string();
    let (ok, text) = run(Command::new("pdftoppm")
        .args(["-r", "72", "-png", "-cropbox", "-singlefile"])
        .args(["-f", &page, "-l", &page])
        .arg(file)
        .arg(&prefix));
    assert!(ok, "pdftoppm: {text}");
    let png = prefix.with_extension("png");
    let image = image::open(&png).unwrap().to_rgb8();
    Rendered { png, image }
}

impl Rendered {
    pub fn size(&self) -> (u32, u32) {
        self.image.dimensions()
    }

    /// The pixel shown at visible point `(u, v)`.
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "points inside the page"
    )]
    pub fn at(&self, u: f32, v: f32) -> [u8; 3] {
        let (_, height) = self.size();
        let x = u.floor() as u32;
        let y = (height as f32 - v).floor() as u32;
        self.image.get_pixel(x, y).0
    }

    /// The visible bounding box `[u0, v0, u1, v1]` of the pixels inside `window` (visible
    /// coordinates) for which `matches` holds.
    #[expect(
        clippy::cast_precision_loss,
        reason = "pixel coordinates are small numbers"
    )]
    pub fn bbox(&self, window: [f32; 4], matches: impl Fn([u8; 3]) -> bool) -> Option<[f32; 4]> {
        let (_, height) = self.size();
        let h = height as f32;
        let mut out: Option<[f32; 4]> = None;
        for (x, y, pixel) in self.image.enumerate_pixels() {
            let (u, v) = (x as f32, h - y as f32 - 1.0);
            let inside = u + 0.5 >= window[0]
                && u + 0.5 <= window[2]
                && v + 0.5 >= window[1]
                && v + 0.5 <= window[3];
            if inside && matches(pixel.0) {
                let b = out.get_or_insert([u, v, u + 1.0, v + 1.0]);
                *b = [
                    b[0].min(u),
                    b[1].min(v),
                    b[2].max(u + 1.0),
                    b[3].max(v + 1.0),
                ];
            }
        }
        out
    }
}

impl Rendered {
    /// The first pixel, as a visible point, for which `matches` holds outside every one of
    /// the `allowed` windows.
    #[expect(
        clippy::cast_precision_loss,
        reason = "pixel coordinates are small numbers"
    )]
    pub fn stray(
        &self,
        allowed: &[[f32; 4]],
        matches: impl Fn([u8; 3]) -> bool,
    ) -> Option<(f32, f32)> {
        let h = self.size().1 as f32;
        self.image.enumerate_pixels().find_map(|(x, y, pixel)| {
            let (u, v) = (x as f32 + 0.5, h - y as f32 - 0.5);
            let allowed = allowed
                .iter()
                .any(|w| u >= w[0] - 1.0 && u <= w[2] + 1.0 && v >= w[1] - 1.0 && v <= w[3] + 1.0);
            (!allowed && matches(pixel.0)).then_some((u, v))
        })
    }
}

/// Black-ish: text and QR modules.
pub fn dark([r, g, b]: [u8; 3]) -> bool {
    u32::from(r) + u32::from(g) + u32::from(b) < 3 * 110
}

/// Paper white: the QR code's background square (the page itself is grey).
pub fn white(pixel: [u8; 3]) -> bool {
    pixel.iter().all(|c| *c >= 250)
}

/// Assert that `actual` is `expected` within `tolerance` points on every side.
pub fn assert_box(actual: Option<[f32; 4]>, expected: [f32; 4], tolerance: f32, what: &str) {
    let actual = actual.unwrap_or_else(|| panic!("{what}: nothing found, expected {expected:?}"));
    assert!(
        actual
            .iter()
            .zip(expected)
            .all(|(a, e)| (a - e).abs() <= tolerance),
        "{what}: found at {actual:?}, expected {expected:?} (±{tolerance})"
    );
}
