//! Freezing QR codes, page numbers and Chinese text into a contract, checked with poppler and
//! zbar, then signed by two parties and checked with pyHanko and pdfsig.

use std::path::{Path, PathBuf};
use std::process::Command;

use lopdf::Object;
use signet_pdf::freeze::{
    Corner, FreezeOptions, PageNumberOptions, QrOptions, TextField, draw::QUIET_ZONE, freeze_pdf,
};
use signet_pdf::{Level, PdfError};

use crate::rotated::{self, BACKGROUND, PAGES, assert_box, dark, render, rotated_pdf, white};
use crate::signing::{Step, scenario, sign_step};
use crate::support::{fixture, fixture_pdf, missing, run, tempdir, write};

const TEMPLATE: &str = "https://signet.test/c/42/p/{page}?of={pages}";
const PARTY: &str = "甲方：北京示例科技有限公司";
const DATE: &str = "签订日期：2026年11月23日";

fn options() -> FreezeOptions {
    FreezeOptions {
        qr: Some(QrOptions {
            corner: Corner::BottomRight,
            ..QrOptions::new(TEMPLATE)
        }),
        page_numbers: Some(PageNumberOptions::default()),
        boxes: Vec::new(),
        fields: vec![
            TextField {
                page: 1,
                x: 72.0,
                y: 120.0,
                font_size: 12.0,
                text: PARTY.into(),
            },
            TextField {
                page: 3,
                x: 72.0,
                y: 100.0,
                font_size: 10.0,
                text: DATE.into(),
            },
        ],
        font: None,
    }
}

fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool).arg(arg).output().is_ok()
}

pub(crate) fn pdftotext(file: &Path, page: usize) -> String {
    let page = page.to_string();
    let (ok, text) = run(Command::new("pdftotext")
        .args(["-f", &page, "-l", &page, "-enc", "UTF-8"])
        .arg(file)
        .arg("-"));
    assert!(ok, "pdftotext: {text}");
    text
}

fn render_at(file: &Path, page: usize, dpi: u32, prefix: &Path) -> PathBuf {
    let page = page.to_string();
    let (ok, text) = run(Command::new("pdftoppm")
        .args([
            "-r",
            &dpi.to_string(),
            "-png",
            "-singlefile",
            "-f",
            &page,
            "-l",
            &page,
        ])
        .arg(file)
        .arg(prefix));
    assert!(ok, "pdftoppm: {text}");
    let png = prefix.with_extension("png");
    assert!(
        std::fs::metadata(&png).is_ok_and(|m| m.len() > 0),
        "pdftoppm produced no image"
    );
    png
}

#[test]
fn frozen_contract_reads_back_in_poppler() {
    let input = fixture_pdf("libreoffice-contract10.pdf");
    let frozen = freeze_pdf(&input, &options()).unwrap();
    assert!(
        frozen.starts_with(&input),
        "freezing is an incremental update"
    );
    if !have("pdftotext", "-v") || !have("pdfinfo", "-v") || !have("pdftoppm", "-v") {
        missing("pdftotext/pdfinfo/pdftoppm (Debian poppler-utils)");
        return;
    }
    let dir = tempdir();
    let file = write(dir.path(), "frozen.pdf", &frozen);
    let (ok, info) = run(Command::new("pdfinfo").arg(&file));
    assert!(ok, "{info}");
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.trim_end().ends_with(" 10")),
        "{info}"
    );
    assert!(!info.contains("Syntax Error"), "{info}");
    let page1 = pdftotext(&file, 1);
    assert!(page1.contains(PARTY), "page 1 text:\n{page1}");
    assert!(
        page1.contains("第 1 页 / 共 10 页"),
        "page 1 text:\n{page1}"
    );
    let page3 = pdftotext(&file, 3);
    assert!(page3.contains("第 3 页"), "page 3 text:\n{page3}");
    assert!(page3.contains(DATE), "page 3 text:\n{page3}");
    assert!(!page3.contains(PARTY), "page 3 text:\n{page3}");
    // The original text is still there.
    let original = pdftotext(&write(dir.path(), "in.pdf", &input), 3);
    let first_line = original.lines().find(|l| !l.trim().is_empty()).unwrap();
    assert!(page3.contains(first_line.trim()), "{page3}");
    render_at(&file, 1, 50, &dir.path().join("page1"));

    // The QR code on page 3 decodes to page 3's URL.
    if !have("zbarimg", "--version") {
        missing("zbarimg (Debian zbar-tools)");
        return;
    }
    let png = render_at(&file, 3, 150, &dir.path().join("page3"));
    let output = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&png)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "zbarimg: {text}");
    assert_eq!(text.trim(), "https://signet.test/c/42/p/3?of=10");
}

/// The overlay's content stream of `page` (1-based), decoded.
pub(crate) fn overlay(pdf: &[u8], page: usize) -> String {
    let pdf = signet_pdf::reader::load(pdf.to_vec()).unwrap();
    let id = pdf.pages().unwrap()[page - 1];
    let resources = pdf.inherited(id, b"Resources").unwrap().unwrap();
    let xobjects = resources.as_dict().unwrap().get(b"XObject").unwrap();
    let form = pdf
        .resolve(xobjects)
        .unwrap()
        .as_dict()
        .unwrap()
        .get(b"SgFrz")
        .unwrap();
    let Object::Stream(stream) = pdf.resolve(form).unwrap() else {
        panic!("overlay is not a stream");
    };
    String::from_utf8(stream.decompressed_content().unwrap()).unwrap()
}

#[test]
#[expect(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "module positions are small non-negative numbers"
)]
fn drawn_modules_match_the_qr_matrix() {
    let frozen = freeze_pdf(&fixture_pdf("libreoffice-contract10.pdf"), &options()).unwrap();
    for page in [1, 7] {
        let ops = overlay(&frozen, page);
        let expected =
            qrcode::QrCode::new(format!("https://signet.test/c/42/p/{page}?of=10")).unwrap();
        let width = expected.width();
        let mut lines = ops.lines();
        let background: Vec<f64> = lines
            .next()
            .unwrap()
            .split_whitespace()
            .filter_map(|t| t.parse().ok())
            .collect();
        // q 1 1 1 rg x y s s re f 0 0 0 rg
        let [x, y, size] = [background[3], background[4], background[5]];
        let module = size / (width + 2 * QUIET_ZONE) as f64;
        let mut grid = vec![false; width * width];
        for line in lines.take_while(|l| l.ends_with(" re")) {
            let v: Vec<f64> = line
                .split_whitespace()
                .filter_map(|t| t.parse().ok())
                .collect();
            let col = ((v[0] - x) / module).round() as usize - QUIET_ZONE;
            let row = ((y + size - v[1]) / module).round() as usize - QUIET_ZONE - 1;
            let run = (v[2] / module).round() as usize;
            assert!((v[3] - module).abs() < 0.01);
            for c in col..col + run {
                grid[row * width + c] = true;
            }
        }
        let want: Vec<bool> = expected
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect();
        assert_eq!(grid, want, "page {page}");
        // Lower-right corner, 18 points in, 64 points wide, on an A4 page.
        assert!((x - (595.304 - 18.0 - 64.0)).abs() < 0.01 && (y - 18.0).abs() < 0.01);
    }
}

#[test]
fn ascii_only_freezes_without_a_cjk_font() {
    let options = FreezeOptions {
        page_numbers: Some(PageNumberOptions {
            format: "Page {page} of {pages}".into(),
            ..PageNumberOptions::default()
        }),
        ..FreezeOptions::default()
    };
    let dir = tempdir();
    // An xref-table file and an xref-stream file.
    let mut modern = Vec::new();
    lopdf::Document::load_mem(&fixture_pdf("chromium-contract1.pdf"))
        .unwrap()
        .save_modern(&mut modern)
        .unwrap();
    for (name, input) in [
        (
            "libreoffice-contract2.pdf",
            fixture_pdf("libreoffice-contract2.pdf"),
        ),
        ("xref-stream.pdf", modern),
    ] {
        let frozen = freeze_pdf(&input, &options).unwrap();
        let pages = signet_pdf::reader::load(frozen.clone())
            .unwrap()
            .pages()
            .unwrap()
            .len();
        assert!(overlay(&frozen, pages).contains("/SgF1 9 Tf"));
        if !have("pdftotext", "-v") {
            missing("pdftotext (Debian poppler-utils)");
            return;
        }
        let text = pdftotext(&write(dir.path(), name, &frozen), pages);
        assert!(
            text.contains(&format!("Page {pages} of {pages}")),
            "{name}: {text}"
        );
    }
}

#[test]
fn truetype_font_path_embeds_cid_font_type2() {
    let path = PathBuf::from("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc");
    if !path.exists() || !have("pdffonts", "-v") {
        eprintln!("SKIPPED: {} or pdffonts not found", path.display());
        return;
    }
    let mut options = options();
    options.font = Some(path);
    let frozen = freeze_pdf(&fixture_pdf("libreoffice-contract10.pdf"), &options).unwrap();
    let dir = tempdir();
    let file = write(dir.path(), "wqy.pdf", &frozen);
    let (ok, fonts) = run(Command::new("pdffonts").arg(&file));
    assert!(ok && fonts.contains("CID TrueType"), "{fonts}");
    let page1 = pdftotext(&file, 1);
    assert!(page1.contains(PARTY), "{page1}");
}

#[test]
fn frozen_then_signed_by_two_parties_validates() {
    let f = fixture();
    let frozen = freeze_pdf(&fixture_pdf("libreoffice-contract10.pdf"), &options()).unwrap();
    scenario(
        "frozen-contract10.pdf",
        frozen,
        &[
            Step {
                who: &f.alice,
                level: Level::BT,
                seal_page: Some(10),
                riding: None,
            },
            Step {
                who: &f.bob,
                level: Level::BLTA,
                seal_page: Some(10),
                riding: None,
            },
        ],
    );
}

#[test]
fn refusals() {
    let signed = sign_step(
        &fixture_pdf("libreoffice-contract2.pdf"),
        &Step {
            who: &fixture().alice,
            level: Level::BB,
            seal_page: None,
            riding: None,
        },
    );
    let err = freeze_pdf(&signed, &options()).unwrap_err();
    assert!(matches!(err, PdfError::AlreadySigned), "{err}");
    assert_eq!(err.code(), "pdf.already_signed");

    let input = fixture_pdf("libreoffice-contract10.pdf");
    let mut out_of_range = options();
    out_of_range.fields[1].page = 11;
    let err = freeze_pdf(&input, &out_of_range).unwrap_err();
    assert!(matches!(err, PdfError::InvalidRequest(_)), "{err}");

    let mut no_font = options();
    no_font.font = Some(PathBuf::from("/nonexistent/font.ttf"));
    let err = freeze_pdf(&input, &no_font).unwrap_err();
    assert!(matches!(err, PdfError::Font(_)), "{err}");

    let mut no_page = options();
    no_page.qr = Some(QrOptions::new("https://signet.test/c/42"));
    assert!(matches!(
        freeze_pdf(&input, &no_page),
        Err(PdfError::InvalidRequest(_))
    ));
}

/// The symbols `zbarimg --xml` finds in `png`: `(data, orientation)`.
fn zbar_symbols(png: &Path) -> Vec<(String, String)> {
    let output = Command::new("zbarimg")
        .args(["--xml", "-q"])
        .arg(png)
        .output()
        .unwrap();
    let xml = String::from_utf8_lossy(&output.stdout);
    xml.split("<symbol ")
        .skip(1)
        .map(|symbol| {
            let orientation = symbol
                .split("orientation='")
                .nth(1)
                .and_then(|s| s.split('\'').next())
                .unwrap_or("")
                .to_owned();
            let data = symbol
                .split("<![CDATA[")
                .nth(1)
                .and_then(|s| s.split("]]>").next())
                .unwrap_or("")
                .to_owned();
            (data, orientation)
        })
        .collect()
}

#[test]
fn marks_sit_upright_on_rotated_and_cropped_pages() {
    let field = |page| TextField {
        page,
        x: 72.0,
        y: 120.0,
        font_size: 12.0,
        text: PARTY.into(),
    };
    let options = FreezeOptions {
        // 2.7 pixels a module at 72 dpi: enough for zbar.
        qr: Some(QrOptions {
            size: 100.0,
            ..QrOptions::new(TEMPLATE)
        }),
        page_numbers: Some(PageNumberOptions::default()),
        fields: vec![field(1), field(4), field(6)],
        font: None,
        boxes: Vec::new(),
    };
    let frozen = freeze_pdf(&rotated_pdf(), &options).unwrap();
    if !rotated::have_renderer(true) {
        return;
    }
    let dir = tempdir();
    let file = write(dir.path(), "rotated.pdf", &frozen);
    std::fs::write(
        std::env::temp_dir().join("signet-rotated-frozen.pdf"),
        &frozen,
    )
    .ok();
    for (index, page) in PAGES.iter().enumerate() {
        let number = index + 1;
        let what = |mark: &str| format!("page {number} ({}): {mark}", page.about);
        let shown = render(&file, number);
        assert_eq!(shown.size(), page.visible, "{}", what("rendered size"));
        #[expect(clippy::cast_precision_loss, reason = "page sizes")]
        let (width, height) = (page.visible.0 as f32, page.visible.1 as f32);
        assert_eq!(
            shown.at(width / 2.0, height / 2.0),
            [BACKGROUND; 3],
            "{}",
            what("the page's own content")
        );

        // The QR code's white square 18 points from the visible lower-right corner, readable
        // and the right way up.
        let qr = [width - 118.0, 18.0, width - 18.0, 118.0];
        let everywhere = [0.0, 0.0, width, height];
        assert_box(shown.bbox(everywhere, white), qr, 1.0, &what("QR code"));
        let symbols = zbar_symbols(&shown.png);
        assert_eq!(
            symbols,
            [(
                format!("https://signet.test/c/42/p/{number}?of=7"),
                "UP".to_owned()
            )],
            "{}",
            what("zbarimg")
        );

        // The page number centred on the visible bottom, glyphs above the 20-point baseline.
        let numbers = [width / 2.0 - 80.0, 0.0, width / 2.0 + 80.0, 60.0];
        let found = shown.bbox(numbers, dark);
        let [left, bottom, right, top] = found.unwrap_or_else(|| panic!("{}", what("number")));
        assert!(
            (f32::midpoint(left, right) - width / 2.0).abs() <= 3.0
                && (15.0..=21.0).contains(&bottom)
                && (25.0..=31.0).contains(&top)
                && right - left > 40.0,
            "{}: {found:?}",
            what("page number")
        );

        // The field's text runs right from (72, 120), about 13 ems of 12 points.
        let text = [60.0, 100.0, 260.0, 150.0];
        let mut expected = vec![qr, numbers];
        if options.fields.iter().any(|f| f.page == number) {
            let found = shown.bbox(text, dark);
            let [left, bottom, right, top] = found.unwrap_or_else(|| panic!("{}", what("text")));
            assert!(
                (72.0..=76.0).contains(&left)
                    && (212.0..=230.0).contains(&right)
                    && (116.0..=122.0).contains(&bottom)
                    && (127.0..=134.0).contains(&top),
                "{}: {found:?}",
                what("text field")
            );
            expected.push(text);
        }

        // And nothing dark anywhere else.
        let stray = shown.stray(&expected, dark);
        assert!(
            stray.is_none(),
            "{}: {stray:?}",
            what("dark pixel outside the marks")
        );
    }
}
