//! Tests of the text document renderer.

use super::*;

/// A `width` × `height` PNG, half transparent.
fn png(width: u32, height: u32) -> Vec<u8> {
    let pixels = image::RgbaImage::from_pixel(width, height, image::Rgba([200, 30, 30, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    pixels.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn pictures_are_drawn_whole_scaled_to_the_page_once_each() {
    let doc = TextDocument {
        title: "Manual".into(),
        blocks: vec![
            Block::Paragraph("Intro".into()),
            Block::Image {
                png: png(1600, 900),
                caption: "Wide".into(),
            },
            Block::Image {
                png: png(300, 3000),
                caption: String::new(),
            },
            Block::Image {
                png: png(40, 20),
                caption: "Small".into(),
            },
        ],
    };
    let pdf = render(&doc, None).unwrap();
    let parsed = Document::load_mem(&pdf).unwrap();
    let images: Vec<_> = parsed
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .filter(|s| s.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Image"))
        .collect();
    assert_eq!(images.len(), 3);
    // The tall one cannot share a page with the wide one: three pages at least.
    assert!(
        parsed.get_pages().len() >= 2,
        "{}",
        parsed.get_pages().len()
    );
    // Sizes: the wide picture at the text width, the small one at 96 dpi, the tall one
    // no taller than a page's text area.
    let picture = Picture::from_png(&png(1600, 900)).unwrap();
    let (w, h) = picture.size(TOP - MARGIN);
    assert!((w - TEXT_WIDTH).abs() < 0.01 && h < w);
    let (w, h) = Picture::from_png(&png(300, 3000))
        .unwrap()
        .size(TOP - MARGIN);
    assert!(h <= TOP - MARGIN + 0.01 && w < 100.0);
    let (w, _) = Picture::from_png(&png(40, 20)).unwrap().size(TOP - MARGIN);
    assert!((w - 30.0).abs() < 0.01);
    // Half-transparent red over white.
    assert_eq!(&picture.rgb[..3], &[227, 142, 142]);
    assert!(Picture::from_png(b"not a png").is_err());
}

#[test]
fn wraps_cjk_by_character_and_latin_by_word() {
    let font = TextFont::Helvetica;
    let lines = wrap(&font, "alpha beta gamma delta", 10.0, 60.0);
    assert_eq!(lines, ["alpha beta", "gamma delta"]);
    assert!(lines.iter().all(|l| measure(&font, l, 10.0) <= 60.0));
    assert_eq!(wrap(&font, "WWWWWW", 10.0, 20.0), ["WW", "WW", "WW"]);
    assert_eq!(wrap(&font, "a\n\nb", 10.0, 100.0), ["a", "", "b"]);
    assert_eq!(
        tokens("甲方，《乙方》ok go"),
        ["甲", "方，", "《乙", "方》", "ok", " ", "go"]
    );
}
