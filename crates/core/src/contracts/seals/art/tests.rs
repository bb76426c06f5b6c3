//! The seals as drawn, read back as PNGs: transparent corners, red ink, a round ring, and every
//! character of the name from the embedded font (no tofu).
#![expect(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "pixel coordinates of small images"
)]

use std::f32::consts::PI;

use image::RgbaImage;

use super::round::{self, RoundSeal};
use super::{ArtError, INK, SealFont, date, square};
use crate::contracts::seals::png;

fn font() -> &'static SealFont {
    SealFont::shared().expect("a CJK font (fonts-noto-cjk, installed by cargo xtask)")
}

const NAME: &str = "河南豫云签数字科技有限公司";
const CODE: &str = "91350100M000100Y43";

/// Encodes and decodes again, as a client of the API sees it.
fn round_trip(image: &RgbaImage) -> RgbaImage {
    let bytes = png::encode(image).unwrap().bytes;
    // `SIGNET_SEAL_ART_DUMP=dir` keeps the pictures to look at.
    if let Some(dir) = std::env::var_os("SIGNET_SEAL_ART_DUMP") {
        let name = format!("{}x{}-{}.png", image.width(), image.height(), bytes.len());
        std::fs::write(std::path::Path::new(&dir).join(name), &bytes).unwrap();
    }
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .unwrap()
        .to_rgba8()
}

fn company() -> RgbaImage {
    round_trip(
        &round::draw(
            font(),
            &RoundSeal {
                enterprise: NAME,
                title: "合同专用章",
                code: CODE,
            },
        )
        .unwrap(),
    )
}

fn assert_transparent_corners(image: &RgbaImage) {
    let (w, h) = (image.width() - 1, image.height() - 1);
    for (x, y) in [(0, 0), (w, 0), (0, h), (w, h)] {
        assert_eq!(
            image.get_pixel(x, y).0[3],
            0,
            "corner ({x}, {y}) is not transparent"
        );
    }
}

/// Every opaque pixel is the seal's red; returns how many there are.
fn assert_red_ink(image: &RgbaImage) -> usize {
    let ink: Vec<_> = image.pixels().filter(|p| p.0[3] == 255).collect();
    for pixel in &ink {
        assert_eq!(&pixel.0[..3], &INK, "an opaque pixel is not seal red");
    }
    let [r, g, b] = INK;
    assert!(r > 180 && g < 40 && b < 40, "INK is red");
    ink.len()
}

#[test]
fn round_seal_is_transparent_red_and_round() {
    let image = company();
    assert_eq!((image.width(), image.height()), (round::SIZE, round::SIZE));
    assert_transparent_corners(&image);
    assert!(assert_red_ink(&image) > 10_000, "the seal has ink");
    // Walk in from the edge along 72 rays: the first ink is the ring's outer edge, at the same
    // distance from the centre all round.
    let centre = round::SIZE as f32 / 2.0;
    let expected = round::RING_RADIUS + round::RING_WIDTH / 2.0;
    for step in 0..72u8 {
        let angle = f32::from(step) * 5.0 * PI / 180.0;
        let (sin, cos) = angle.sin_cos();
        let edge = (0..(centre as u32))
            .rev()
            .map(|r| r as f32)
            .find(|r| {
                let (x, y) = (centre + r * cos, centre + r * sin);
                image.get_pixel(x as u32, y as u32).0[3] >= 128
            })
            .expect("ring found on every ray");
        assert!(
            (edge - expected).abs() <= 1.5,
            "ring radius {edge} at {}°, expected {expected}",
            u16::from(step) * 5
        );
    }
    // Inside the ring, past the text, between the star's points: transparent.
    assert_eq!(
        image.get_pixel(200, 200).0[3],
        255,
        "the star's centre is inked"
    );
    assert_eq!(
        image.get_pixel(200, 95).0[3],
        0,
        "between the name and the star"
    );
}

#[test]
fn the_name_on_the_arc_comes_from_the_embedded_font() {
    let font = font();
    let face = font.face().unwrap();
    assert!(
        font.family.contains("CJK") || font.family.contains("WenQuanYi"),
        "a CJK face: {}",
        font.family
    );
    let places = round::name_arc(&face, NAME).unwrap();
    assert_eq!(places.len(), NAME.chars().count());
    let image = round_trip(
        &round::draw(
            font,
            &RoundSeal {
                enterprise: NAME,
                title: "",
                code: "",
            },
        )
        .unwrap(),
    );
    for place in &places {
        // A real glyph, not .notdef (the tofu box is glyph 0), with an outline of some area.
        assert_ne!(place.glyph, 0, "{:?} has no glyph", place.ch);
        let bounds = face
            .glyph_bounding_box(ttf_parser::GlyphId(place.glyph))
            .expect("an outline");
        assert!(
            bounds.width() > 0 && bounds.height() > 0,
            "{:?} is empty",
            place.ch
        );
        // And it was drawn where it was placed, on the upper half, left to right.
        let r = place.radius.floor() as i32;
        let inked = (-r..=r)
            .flat_map(|dx| (-r..=r).map(move |dy| (dx, dy)))
            .filter(|(dx, dy)| {
                let (x, y) = (place.x as i32 + dx, place.y as i32 + dy);
                image.get_pixel(x as u32, y as u32).0[3] > 0
            })
            .count();
        assert!(inked > 40, "{:?} drew {inked} pixels", place.ch);
        assert!(place.y < round::SIZE as f32 / 2.0 + 60.0);
    }
    assert!(
        places.windows(2).all(|w| w[0].angle < w[1].angle),
        "left to right"
    );
}

#[test]
fn a_character_without_a_glyph_is_refused_not_drawn_as_a_box() {
    let face = font().face().unwrap();
    let refused = round::name_arc(&face, "某某\u{E000}公司").unwrap_err();
    assert!(matches!(refused, ArtError::MissingGlyph('\u{E000}')));
    assert!(matches!(
        round::name_arc(&face, "  ").unwrap_err(),
        ArtError::Empty
    ));
}

#[test]
fn square_seal_fills_a_two_by_two_grid_read_from_the_right() {
    assert_eq!(square::seal_text("张三"), vec!['张', '三', '之', '印']);
    assert_eq!(square::seal_text("王小明"), vec!['王', '小', '明', '印']);
    assert_eq!(square::seal_text("欧阳小明"), vec!['欧', '阳', '小', '明']);
    let face = font().face().unwrap();
    let cells = square::cells(&face, &square::seal_text("张三")).unwrap();
    let mid = square::SIZE as f32 / 2.0;
    // 张 top right, 三 bottom right, 之 top left, 印 bottom left.
    assert!(cells[0].x > mid && cells[0].y < mid);
    assert!(cells[1].x > mid && cells[1].y > mid);
    assert!(cells[2].x < mid && cells[2].y < mid);
    assert!(cells[3].x < mid && cells[3].y > mid);
    let image = round_trip(&square::draw(font(), "张三").unwrap());
    assert_eq!(
        (image.width(), image.height()),
        (square::SIZE, square::SIZE)
    );
    assert_transparent_corners(&image);
    assert!(assert_red_ink(&image) > 5_000);
    // Each quarter has ink of its character.
    for (x0, y0) in [(40, 40), (130, 40), (40, 130), (130, 130)] {
        let inked = (x0..x0 + 70)
            .flat_map(|x| (y0..y0 + 70).map(move |y| (x, y)))
            .filter(|&(x, y)| image.get_pixel(x, y).0[3] > 0)
            .count();
        assert!(inked > 300, "cell at ({x0}, {y0}) has {inked} inked pixels");
    }
}

#[test]
fn date_stamp_shows_the_day() {
    assert_eq!(date::text(2026, 12, 14), "2026年12月14日");
    let image = round_trip(&date::draw(font(), 2026, 12, 14).unwrap());
    assert_eq!((image.width(), image.height()), (date::WIDTH, date::HEIGHT));
    assert_transparent_corners(&image);
    assert!(assert_red_ink(&image) > 1_000);
}
