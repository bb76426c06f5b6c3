//! Printable documents made from nothing: read back with poppler (text, fonts, page count, text
//! inside the margins), loaded by our reader, signed and verified.

use std::path::Path;
use std::process::Command;

use signet_pdf::document::{Block, MARGIN, PAGE_WIDTH, TextDocument, render};
use signet_pdf::freeze::font::find_system_font;
use signet_pdf::{SignOptions, VerifyOptions, sign_pdf, verify_pdf};

use crate::support::{fixture, missing, now, run, tempdir, write};

const TITLE: &str = "数字证书申请表";
/// One long CJK paragraph (no spaces): must be wrapped by character.
const CLAUSE: &str = "申请人承诺所提交的身份信息、单位信息及联系方式真实、准确、完整，\
    并已阅读、理解且同意遵守本机构的电子认证业务规则与证书策略；如因申请人提供虚假信息或\
    未妥善保管私钥、证书介质及口令而造成任何损失，由申请人自行承担全部法律责任。";

fn field(label: &str, value: &str) -> Block {
    Block::Field {
        label: label.into(),
        value: value.into(),
    }
}

fn application_form() -> TextDocument {
    TextDocument {
        title: format!("{TITLE}\n（离线邮寄办理 · 申请编号 A-2026-0001）"),
        blocks: vec![
            Block::Heading("一、申请人信息".into()),
            field("申请人姓名：", "张三"),
            field("证件号码：", "110105194912310029"),
            field(
                "通讯地址：",
                "北京市朝阳区建国门外大街一号国贸大厦写字楼二座三十八层三八零一室（邮编 100004）",
            ),
            field("联系电话：", ""),
            Block::Heading("二、申请人声明".into()),
            Block::Paragraph(CLAUSE.into()),
            Block::Signature("申请人签字：".into()),
            Block::Signature("日期：".into()),
        ],
    }
}

fn have_tools() -> bool {
    let ok = ["pdftotext", "pdffonts", "pdfinfo"]
        .iter()
        .all(|tool| Command::new(tool).arg("-v").output().is_ok());
    if !ok {
        missing("pdftotext/pdffonts/pdfinfo (Debian poppler-utils)");
    }
    ok
}

fn have_cjk_font() -> bool {
    let ok = find_system_font().is_some();
    if !ok {
        missing("a CJK font (Debian fonts-noto-cjk or fonts-wqy-microhei)");
    }
    ok
}

fn tool(name: &str, args: &[&str], file: &Path) -> String {
    let (ok, text) = run(Command::new(name).args(args).arg(file));
    assert!(ok, "{name}: {text}");
    text
}

fn text(file: &Path, page: Option<usize>) -> String {
    let page = page.map(|p| p.to_string());
    let mut args = vec!["-enc", "UTF-8"];
    if let Some(page) = &page {
        args.extend(["-f", page.as_str(), "-l", page.as_str()]);
    }
    let (ok, text) = run(Command::new("pdftotext").args(&args).arg(file).arg("-"));
    assert!(ok, "pdftotext: {text}");
    text
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn pages_of(file: &Path) -> usize {
    let info = tool("pdfinfo", &[], file);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in {info}"))
}

/// Every word poppler finds lies within the left and right margins.
fn assert_inside_margins(file: &Path) {
    let (ok, html) = run(Command::new("pdftotext")
        .args(["-bbox", "-enc", "UTF-8"])
        .arg(file)
        .arg("-"));
    assert!(ok, "pdftotext -bbox: {html}");
    let number = |line: &str, key: &str| -> f32 {
        let start = line.find(key).unwrap() + key.len() + 2;
        let end = start + line[start..].find('"').unwrap();
        line[start..end].parse().unwrap()
    };
    let mut words = 0;
    for line in html.lines().filter(|l| l.contains("<word ")) {
        words += 1;
        let (left, right) = (number(line, "xMin"), number(line, "xMax"));
        assert!(left >= MARGIN - 1.0, "left of the margin: {line}");
        assert!(
            right <= PAGE_WIDTH - MARGIN + 1.0,
            "right of the margin: {line}"
        );
    }
    assert!(words > 0, "{html}");
}

#[test]
fn application_form_reads_back_with_embedded_cjk_font() {
    if !have_tools() || !have_cjk_font() {
        return;
    }
    let pdf = render(&application_form(), None).unwrap();
    assert_eq!(
        signet_pdf::reader::load(pdf.clone())
            .unwrap()
            .pages()
            .unwrap()
            .len(),
        1
    );
    let dir = tempdir();
    let file = write(dir.path(), "form.pdf", &pdf);

    let all = text(&file, None);
    assert!(all.contains(TITLE), "{all}");
    let flat = squeeze(&all);
    assert!(flat.contains("申请编号A-2026-0001"), "{all}");
    for expected in [
        "申请人姓名：张三",
        "110105194912310029",
        "申请人签字：",
        "第1页/共1页",
    ] {
        assert!(flat.contains(expected), "{expected} missing from {all}");
    }
    // The clause comes back whole, but over several lines: it was wrapped.
    assert!(flat.contains(&squeeze(CLAUSE)), "{all}");
    let clause_lines = all
        .lines()
        .filter(|l| !l.trim().is_empty() && squeeze(CLAUSE).contains(&squeeze(l)))
        .count();
    assert!(clause_lines >= 2, "clause not wrapped: {all}");
    assert_inside_margins(&file);

    let fonts = tool("pdffonts", &[], &file);
    let row = fonts
        .lines()
        .find(|l| l.contains("CID"))
        .unwrap_or_else(|| panic!("no CID font: {fonts}"));
    let columns: Vec<&str> = row.split_whitespace().collect();
    let [emb, sub, uni] = [5, 4, 3].map(|back| columns[columns.len() - back]);
    assert_eq!((emb, sub, uni), ("yes", "yes", "yes"), "{fonts}");

    let info = tool("pdfinfo", &[], &file);
    assert!(info.contains("595 x 842 pts (A4)"), "{info}");
    assert!(info.contains(TITLE), "title in /Info: {info}");
}

#[test]
fn long_document_breaks_onto_numbered_pages() {
    if !have_tools() || !have_cjk_font() {
        return;
    }
    let doc = TextDocument {
        title: "授权书".into(),
        blocks: (1..=200)
            .map(|i| {
                let clause: String = CLAUSE.chars().take(50).collect();
                Block::Paragraph(format!("第{i}条：{clause}"))
            })
            .collect(),
    };
    let pdf = render(&doc, None).unwrap();
    let dir = tempdir();
    let file = write(dir.path(), "long.pdf", &pdf);
    let pages = pages_of(&file);
    assert!(pages >= 5, "200 paragraphs on {pages} pages");
    assert_eq!(
        signet_pdf::reader::load(pdf)
            .unwrap()
            .pages()
            .unwrap()
            .len(),
        pages
    );
    let first = squeeze(&text(&file, Some(1)));
    assert!(
        first.contains("授权书") && first.contains("第1条："),
        "{first}"
    );
    assert!(first.contains(&format!("第1页/共{pages}页")), "{first}");
    let last = squeeze(&text(&file, Some(pages)));
    assert!(last.contains("第200条："), "{last}");
    assert!(last.contains(&format!("第{pages}页/共{pages}页")), "{last}");
    // Nothing lost or repeated across the breaks.
    let all = squeeze(&text(&file, None));
    for i in 1..=200 {
        assert_eq!(
            all.matches(&format!("第{i}条：")).count(),
            1,
            "paragraph {i}"
        );
    }
    assert_inside_margins(&file);
}

#[test]
fn ascii_invoice_uses_helvetica_and_wraps_by_word() {
    if !have_tools() {
        return;
    }
    let doc = TextDocument {
        // A subtitle line: still all ASCII, so Helvetica and an English footer.
        title: "INVOICE\nNo. INV-2026-000123".into(),
        blocks: vec![
            field("Invoice number:", "INV-2026-000123"),
            field(
                "Billed to:",
                "WORLDWIDE MANUFACTURING AND WHOLESALE TRADING CORPORATION LIMITED, \
                 BUILDING 7, WEST INDUSTRIAL PARK",
            ),
            Block::Paragraph("Terms: ".repeat(40) + &"X".repeat(120)),
            Block::Signature("Authorised signature:".into()),
        ],
    };
    let pdf = render(&doc, None).unwrap();
    let dir = tempdir();
    let file = write(dir.path(), "invoice.pdf", &pdf);
    let all = text(&file, None);
    for expected in [
        "INVOICE",
        "INV-2026-000123",
        "WEST INDUSTRIAL PARK",
        "Page 1 of 1",
    ] {
        assert!(all.contains(expected), "{expected} missing from {all}");
    }
    assert!(
        !all.lines()
            .any(|l| l.contains("WORLDWIDE") && l.contains("PARK")),
        "long value not wrapped: {all}"
    );
    assert_inside_margins(&file);
    let fonts = tool("pdffonts", &[], &file);
    assert!(
        fonts.contains("Helvetica") && !fonts.contains("CID"),
        "{fonts}"
    );
}

#[test]
fn rendered_form_signs_and_verifies() {
    if !have_cjk_font() {
        return;
    }
    let pdf = render(&application_form(), None).unwrap();
    let f = fixture();
    let signed = sign_pdf(&pdf, &f.alice.credentials(), &SignOptions::new(now())).unwrap();
    let report = verify_pdf(
        &signed,
        &VerifyOptions {
            trust_roots: f.roots(),
            now: now(),
            other_certificates: Vec::new(),
        },
    )
    .unwrap();
    assert_eq!(report.signatures.len(), 1, "{report:?}");
    assert!(report.all_valid, "{report:?}");
    assert_eq!(report.revisions, 2, "{report:?}");
}

#[test]
fn truetype_font_path_embeds_cid_font_type2() {
    let font = Path::new("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc");
    if !have_tools() {
        return;
    }
    if !font.exists() {
        missing("wqy-microhei (Debian fonts-wqy-microhei)");
        return;
    }
    let pdf = render(&application_form(), Some(font)).unwrap();
    let dir = tempdir();
    let file = write(dir.path(), "wqy.pdf", &pdf);
    let fonts = tool("pdffonts", &[], &file);
    assert!(
        fonts.contains("CID TrueType") && fonts.contains("yes yes yes"),
        "{fonts}"
    );
    let all = squeeze(&text(&file, None));
    assert!(
        all.contains(TITLE) && all.contains(&squeeze(CLAUSE)),
        "{all}"
    );
    assert_inside_margins(&file);
}

#[test]
fn missing_glyph_is_a_font_error() {
    let Some(font) = find_system_font() else {
        return;
    };
    let doc = TextDocument {
        title: "\u{10FFFD}".into(),
        blocks: Vec::new(),
    };
    let error = render(&doc, Some(&font)).unwrap_err();
    assert_eq!(error.code(), "pdf.font", "{error}");
}
