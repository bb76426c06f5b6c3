//! Text fitted into boxes (templates' fields): kept, shrunk or wrapped inside the box, refused
//! when it cannot fit, never a page more; one parse and one font read serve many fills.

use std::process::Command;
use std::sync::Arc;

use signet_pdf::PdfError;
use signet_pdf::freeze::font::{FontSource, find_system_font, find_system_serif_font};
use signet_pdf::freeze::{FontSources, FreezeOptions, TextBox, freeze_loaded, freeze_pdf};

use crate::freeze::{overlay, pdftotext};
use crate::support::{fixture_pdf, missing, run, tempdir, write};

fn text_box(page: usize, text: &str, w: f32, h: f32) -> TextBox {
    TextBox {
        page,
        x: 72.0,
        y: 500.0,
        w,
        h,
        font_size: 12.0,
        min_size: 7.0,
        text: text.into(),
        serif: false,
    }
}

/// Every `n Tf` size in an overlay.
fn sizes(ops: &str) -> Vec<f32> {
    let words: Vec<&str> = ops.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| w[1] == "Tf")
        .map(|w| w[0].parse().unwrap())
        .collect()
}

#[test]
fn boxes_keep_shrink_or_wrap_and_never_add_a_page() {
    if find_system_font().is_none() {
        missing("a CJK font (Debian fonts-noto-cjk)");
        return;
    }
    let input = fixture_pdf("libreoffice-contract10.pdf");
    let long = "北京市海淀区中关村南大街甲十八号院示例大厦十二层一二零六室";
    let options = FreezeOptions {
        boxes: vec![
            text_box(1, "张三", 200.0, 20.0),
            // 30 characters: 12 pt is 360 points; 7 pt still 210 > 200, so it wraps, at the
            // largest size whose lines fit the box's height (here 12 pt: two lines in 40 pt).
            text_box(2, long, 200.0, 40.0),
            TextBox {
                serif: true,
                ..text_box(3, "软件工程师", 200.0, 20.0)
            },
        ],
        ..FreezeOptions::default()
    };
    let frozen = freeze_pdf(&input, &options).unwrap();
    assert!(frozen.starts_with(&input));
    assert_eq!(sizes(&overlay(&frozen, 1)), vec![12.0]);
    let wrapped = sizes(&overlay(&frozen, 2));
    assert!(wrapped.len() >= 2, "wrapped into lines: {wrapped:?}");
    assert!(
        wrapped.iter().all(|s| (7.0..=12.0).contains(s)),
        "{wrapped:?}"
    );
    assert!(
        overlay(&frozen, 3).contains("/SgF2"),
        "serif text in the second font"
    );

    let dir = tempdir();
    let file = write(dir.path(), "boxes.pdf", &frozen);
    let (ok, info) = run(Command::new("pdfinfo").arg(&file));
    if !ok {
        missing("pdfinfo (Debian poppler-utils)");
        return;
    }
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.trim_end().ends_with(" 10")),
        "{info}"
    );
    let page2: String = pdftotext(&file, 2).split_whitespace().collect();
    assert!(
        page2.contains(long),
        "all of the wrapped text is there: {page2}"
    );
    assert!(pdftotext(&file, 3).contains("软件工程师"));
}

#[test]
fn text_that_cannot_fit_is_refused() {
    if find_system_font().is_none() {
        missing("a CJK font (Debian fonts-noto-cjk)");
        return;
    }
    let input = fixture_pdf("libreoffice-contract2.pdf");
    let options = FreezeOptions {
        boxes: vec![text_box(1, &"长".repeat(200), 200.0, 20.0)],
        ..FreezeOptions::default()
    };
    assert!(matches!(
        freeze_pdf(&input, &options),
        Err(PdfError::InvalidRequest(m)) if m.contains("does not fit")
    ));
    let tiny = FreezeOptions {
        boxes: vec![TextBox {
            min_size: 14.0,
            ..text_box(1, "x", 10.0, 10.0)
        }],
        ..FreezeOptions::default()
    };
    assert!(matches!(
        freeze_pdf(&input, &tiny),
        Err(PdfError::InvalidRequest(_))
    ));
}

#[test]
fn one_parse_and_one_font_read_fill_many_times_alike() {
    let (Some(sans), Some(serif)) = (find_system_font(), find_system_serif_font()) else {
        missing("a CJK font (Debian fonts-noto-cjk)");
        return;
    };
    let input = fixture_pdf("libreoffice-contract2.pdf");
    let pdf = signet_pdf::reader::load(input.clone()).unwrap();
    let sources = FontSources {
        sans: Some(Arc::new(FontSource::load(&sans).unwrap())),
        serif: Some(Arc::new(FontSource::load(&serif).unwrap())),
    };
    for name in ["李四", "欧阳娜娜", "Mary Ann"] {
        let options = FreezeOptions {
            boxes: vec![text_box(1, name, 200.0, 20.0)],
            ..FreezeOptions::default()
        };
        let once = freeze_loaded(&pdf, &options, &sources).unwrap();
        if !name.is_ascii() {
            // (A fresh freeze draws ASCII-only text in Helvetica; the preloaded font in Noto.)
            let again = freeze_pdf(&input, &options).unwrap();
            assert_eq!(
                once, again,
                "preloaded fonts draw what a fresh freeze draws"
            );
        }
        let dir = tempdir();
        assert!(pdftotext(&write(dir.path(), "f.pdf", &once), 1).contains(name));
    }
    assert_eq!(pdf.bytes, input, "the parsed template is left as it was");
}
