//! Visible and riding seals on rotated and cropped pages: frozen, signed by several parties,
//! found upright where the reader expects them in poppler's rendering, and every signature
//! valid for our verifier, pyHanko and pdfsig.

use signet_pdf::freeze::{FreezeOptions, QrOptions, freeze_pdf};
use signet_pdf::seal::{RidingSeal, VisibleSeal};
use signet_pdf::{Level, SignOptions, sign_pdf};

use crate::rotated::{PAGES, Rendered, assert_box, have_renderer, render, rotated_pdf};
use crate::signing::verify;
use signet_pdf::dss::HttpRevocation;

use crate::support::{Party, fixture, now, tempdir, write};
use crate::validators::{pdfsig, pyhanko};

/// The seal's quarters, so a turned or mirrored image shows: upper left red, upper right green,
/// lower left blue, lower right yellow.
const RED: [u8; 3] = [220, 20, 30];
const GREEN: [u8; 3] = [20, 160, 40];
const BLUE: [u8; 3] = [30, 40, 220];
const YELLOW: [u8; 3] = [230, 200, 20];

/// Where the visible seals go: `[x, y, width, height]` from the visible lower-left corner.
const SEAL: [f32; 4] = [100.0, 150.0, 120.0, 120.0];
/// The riding seal's width over all pages.
const RIDING_WIDTH: f32 = 110.0;

fn quartered_png() -> Vec<u8> {
    let image = image::RgbaImage::from_fn(200, 200, |x, y| {
        let [r, g, b] = match (x < 100, y < 100) {
            (true, true) => RED,
            (false, true) => GREEN,
            (true, false) => BLUE,
            (false, false) => YELLOW,
        };
        image::Rgba([r, g, b, 255])
    });
    let mut out = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// Which quarter colour a pixel shows, if any.
fn seal_colour(pixel: [u8; 3]) -> Option<[u8; 3]> {
    [RED, GREEN, BLUE, YELLOW].into_iter().find(|colour| {
        colour
            .iter()
            .zip(pixel)
            .all(|(c, p)| i16::from(*c).abs_diff(i16::from(p)) < 40)
    })
}

fn is_seal(pixel: [u8; 3]) -> bool {
    seal_colour(pixel).is_some()
}

fn sign(input: &[u8], who: &Party, page: usize, riding: Option<(usize, usize)>) -> Vec<u8> {
    let f = fixture();
    let tsa = f.tsa();
    let mut options = SignOptions::new(now());
    options.level = if riding.is_some() {
        Level::BT
    } else {
        Level::BB
    };
    options.tsa = Some(&tsa);
    let revocation = HttpRevocation::new(now());
    options.revocation = Some(&revocation);
    options.extra_certificates = f.tsa_chain();
    options.seal = Some(VisibleSeal {
        png: quartered_png(),
        page,
        rect: SEAL,
    });
    options.riding_seal = riding.map(|(first_page, last_page)| RidingSeal {
        png: quartered_png(),
        first_page,
        last_page,
        width: RIDING_WIDTH,
        center_y: None,
    });
    sign_pdf(input, &who.credentials(), &options).unwrap()
}

/// The visible seal: its box and its four quarters the right way up.
fn check_seal(shown: &Rendered, window: [f32; 4], what: &str) {
    let [x, y, width, height] = SEAL;
    assert_box(
        shown.bbox(window, is_seal),
        [x, y, x + width, y + height],
        1.0,
        what,
    );
    let quarters = [
        (0.25, 0.75, RED),
        (0.75, 0.75, GREEN),
        (0.25, 0.25, BLUE),
        (0.75, 0.25, YELLOW),
    ];
    for (across, up, colour) in quarters {
        let pixel = shown.at(x + across * width, y + up * height);
        assert_eq!(
            seal_colour(pixel),
            Some(colour),
            "{what}: quarter at {across},{up} shows {pixel:?}"
        );
    }
}

/// Slice `index` of `count` of the riding seal: on the visible right edge, centred
/// vertically, showing the image's columns for its place in the range, upright.
#[expect(clippy::cast_precision_loss, reason = "page counts and sizes")]
fn check_slice(shown: &Rendered, index: usize, count: usize, window: [f32; 4], what: &str) {
    let (width, height) = (window[2], window[3]);
    let slice = RIDING_WIDTH / count as f32;
    let centre = height / 2.0;
    let half = RIDING_WIDTH / 2.0;
    assert_box(
        shown.bbox(window, is_seal),
        [width - slice, centre - half, width, centre + half],
        1.0,
        what,
    );
    for across in [0.25, 0.75] {
        let column = (index as f32 + across) / count as f32;
        let (top, bottom) = if column < 0.5 {
            (RED, BLUE)
        } else {
            (GREEN, YELLOW)
        };
        let u = width - slice + across * slice;
        for (v, colour) in [(centre + half / 2.0, top), (centre - half / 2.0, bottom)] {
            let pixel = shown.at(u, v);
            assert_eq!(
                seal_colour(pixel),
                Some(colour),
                "{what}: slice at {across} across, {v} up shows {pixel:?}"
            );
        }
    }
}

#[test]
fn seals_sit_upright_on_rotated_and_cropped_pages() {
    let f = fixture();
    let freeze = FreezeOptions {
        qr: Some(QrOptions::new("https://signet.test/c/7/p/{page}")),
        ..FreezeOptions::default()
    };
    let mut pdf = freeze_pdf(&rotated_pdf(), &freeze).unwrap();
    // Visible seals on the turned and cropped pages; Bob's riding seal over all seven.
    let seals = [
        (&f.alice, 1, None),
        (&f.bob, 2, Some((1, PAGES.len()))),
        (&f.carol, 3, None),
        (&f.alice, 4, None),
        (&f.carol, 6, None),
    ];
    for (who, page, riding) in seals {
        pdf = sign(&pdf, who, page, riding);
    }
    let signatures = seals.len() + PAGES.len();
    let report = verify(&pdf);
    assert!(
        report.all_valid,
        "{}",
        serde_json::to_string_pretty(&report).unwrap()
    );
    assert_eq!(report.signatures.len(), signatures);
    let dir = tempdir();
    pyhanko(dir.path(), &pdf);
    pdfsig(dir.path(), &pdf, signatures);

    if !have_renderer(false) {
        return;
    }
    let file = write(dir.path(), "sealed.pdf", &pdf);
    for (index, page) in PAGES.iter().enumerate() {
        let number = index + 1;
        let what = |mark: &str| format!("page {number} ({}): {mark}", page.about);
        let shown = render(&file, number);
        assert_eq!(shown.size(), page.visible, "{}", what("rendered size"));
        #[expect(clippy::cast_precision_loss, reason = "page sizes")]
        let (width, height) = (page.visible.0 as f32, page.visible.1 as f32);
        let edge = width - 30.0;
        let body = [0.0, 0.0, edge, height];
        if seals.iter().any(|(_, p, _)| *p == number) {
            check_seal(&shown, body, &what("visible seal"));
        } else {
            assert_eq!(shown.bbox(body, is_seal), None, "{}", what("no seal"));
        }
        let strip = [edge, 0.0, width, height];
        check_slice(
            &shown,
            index,
            PAGES.len(),
            strip,
            &what("riding seal slice"),
        );
    }
}
