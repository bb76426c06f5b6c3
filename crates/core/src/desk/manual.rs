//! The operation manual of each project or channel (issue 13): a PDF made from the project's
//! own Markdown user guide (`docs/user-guide/`, compiled in with its screenshots) with
//! `signet_pdf::document`. The channel's introduction, notices and service contacts come first,
//! then the guide's chapters for what the channel sells (USB key, cloud certificate), then the
//! channel's FAQ. Served at `/manuals/{code}.pdf`.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use signet_pdf::document::{Block, TextDocument};

use super::catalog::{self, Medium, Project};
use crate::Platform;
use crate::error::CoreError;

/// Which chapters a channel's manual includes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum For {
    Everyone,
    UsbKey,
    Cloud,
}

/// The guide's chapters, in order.
const CHAPTERS: &[(&str, For, &str)] = &[
    (
        "01-apply.md",
        For::Everyone,
        include_str!("../../../../docs/user-guide/01-apply.md"),
    ),
    (
        "02-verify-pay.md",
        For::Everyone,
        include_str!("../../../../docs/user-guide/02-verify-pay.md"),
    ),
    (
        "03-usb-key.md",
        For::UsbKey,
        include_str!("../../../../docs/user-guide/03-usb-key.md"),
    ),
    (
        "04-cloud.md",
        For::Cloud,
        include_str!("../../../../docs/user-guide/04-cloud.md"),
    ),
    (
        "05-certificates.md",
        For::Everyone,
        include_str!("../../../../docs/user-guide/05-certificates.md"),
    ),
    (
        "06-agent.md",
        For::UsbKey,
        include_str!("../../../../docs/user-guide/06-agent.md"),
    ),
];

/// The screenshots the chapters show (taken by `web/e2e/user-guide.spec.ts`).
const IMAGES: &[(&str, &[u8])] = &[
    (
        "images/01-catalog.png",
        include_bytes!("../../../../docs/user-guide/images/01-catalog.png"),
    ),
    (
        "images/02-channel.png",
        include_bytes!("../../../../docs/user-guide/images/02-channel.png"),
    ),
    (
        "images/03-wizard.png",
        include_bytes!("../../../../docs/user-guide/images/03-wizard.png"),
    ),
    (
        "images/04-orders.png",
        include_bytes!("../../../../docs/user-guide/images/04-orders.png"),
    ),
    (
        "images/05-certificates.png",
        include_bytes!("../../../../docs/user-guide/images/05-certificates.png"),
    ),
    (
        "images/06-agent-download.png",
        include_bytes!("../../../../docs/user-guide/images/06-agent-download.png"),
    ),
];

/// The manual of the project or channel `code` as a PDF.
pub async fn for_channel(platform: &Platform, code: &str) -> Result<Vec<u8>, CoreError> {
    render(&catalog::project_by_code(platform, code).await?).await
}

/// The manual of `project` as a PDF (laid out on the blocking pool: fonts and pictures).
pub async fn render(project: &Project) -> Result<Vec<u8>, CoreError> {
    let document = document(project)?;
    tokio::task::spawn_blocking(move || signet_pdf::document::render(&document, None))
        .await
        .map_err(|error| CoreError::internal(format!("manual: {error}")))?
        .map_err(|error| CoreError::internal(format!("manual: {error}")))
}

/// The manual's content for `project`.
pub fn document(project: &Project) -> Result<TextDocument, CoreError> {
    let sells = |medium: Medium| {
        project
            .products
            .iter()
            .any(|product| product.settings.medium == medium)
    };
    let help = &project.help;
    let name = if help.landing_title.trim().is_empty() {
        &project.name
    } else {
        &help.landing_title
    };
    let mut blocks = vec![Block::Heading("关于本项目".into())];
    if !help.introduction.trim().is_empty() {
        blocks.push(Block::Paragraph(help.introduction.clone()));
    }
    if !project.products.is_empty() {
        blocks.push(Block::Paragraph("可办理的证书：".into()));
        blocks.extend(
            project
                .products
                .iter()
                .map(|product| Block::Paragraph(format!("• {}", product.name))),
        );
    }
    if !help.notices.is_empty() {
        blocks.push(Block::Paragraph("办理须知：".into()));
        blocks.extend(
            help.notices
                .iter()
                .map(|notice| Block::Paragraph(format!("• {notice}"))),
        );
    }
    for (label, value) in [
        ("客服电话：", &help.service_phone),
        ("客服邮箱：", &help.service_email),
        ("服务时间：", &help.service_hours),
    ] {
        if !value.trim().is_empty() {
            blocks.push(Block::Field {
                label: label.into(),
                value: value.clone(),
            });
        }
    }
    for (file, audience, markdown) in CHAPTERS {
        let included = match audience {
            For::Everyone => true,
            For::UsbKey => sells(Medium::UsbKey) || sells(Medium::OwnKey),
            For::Cloud => sells(Medium::Cloud),
        };
        if included {
            blocks.extend(blocks_of(file, markdown)?);
        }
    }
    if !help.faq.is_empty() {
        blocks.push(Block::Heading("常见问题".into()));
        for faq in &help.faq {
            blocks.push(Block::Paragraph(format!("问：{}", faq.question)));
            blocks.push(Block::Paragraph(format!("答：{}", faq.answer)));
        }
    }
    Ok(TextDocument {
        title: format!("{name}\n数字证书办理操作手册"),
        blocks,
    })
}

/// The blocks of one chapter: headings, paragraphs, list items (as `• ` paragraphs) and
/// pictures; emphasis and inline code are shown as plain text.
fn blocks_of(file: &str, markdown: &str) -> Result<Vec<Block>, CoreError> {
    let mut blocks = Vec::new();
    let mut text = String::new();
    let mut image: Option<(String, String)> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Image { dest_url, .. }) => {
                image = Some((dest_url.to_string(), String::new()));
            }
            Event::End(TagEnd::Image) => {
                if let Some((path, caption)) = image.take() {
                    let png = picture(&path).ok_or_else(|| {
                        CoreError::internal(format!("manual: {file} shows {path}, not compiled in"))
                    })?;
                    blocks.push(Block::Image {
                        png: png.to_vec(),
                        caption,
                    });
                }
            }
            Event::Text(piece) | Event::Code(piece) => match &mut image {
                Some((_, caption)) => caption.push_str(&piece),
                None => text.push_str(&piece),
            },
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::Start(Tag::Item) => text.push_str("• "),
            Event::End(TagEnd::Heading(level)) => {
                let heading = std::mem::take(&mut text);
                blocks.push(if level == HeadingLevel::H1 {
                    Block::Heading(heading)
                } else {
                    Block::Paragraph(format!("【{heading}】"))
                });
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item) => {
                let paragraph = std::mem::take(&mut text);
                if !paragraph.trim().is_empty() {
                    blocks.push(Block::Paragraph(paragraph.trim().to_owned()));
                }
            }
            _ => {}
        }
    }
    Ok(blocks)
}

fn picture(path: &str) -> Option<&'static [u8]> {
    IMAGES
        .iter()
        .find(|(name, _)| *name == path)
        .map(|(_, bytes)| *bytes)
}

/// How many pictures the manual of a channel selling these media shows (for tests).
#[must_use]
pub fn pictures_in(usb_key: bool, cloud: bool) -> usize {
    CHAPTERS
        .iter()
        .filter(|(_, audience, _)| match audience {
            For::Everyone => true,
            For::UsbKey => usb_key,
            For::Cloud => cloud,
        })
        .map(|(_, _, markdown)| {
            Parser::new(markdown)
                .filter(|event| matches!(event, Event::Start(Tag::Image { .. })))
                .count()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_picture_a_chapter_shows_is_compiled_in_and_every_one_is_shown() {
        let mut shown = Vec::new();
        for (file, _, markdown) in CHAPTERS {
            for block in blocks_of(file, markdown).unwrap() {
                if let Block::Image { png, caption } = block {
                    assert!(png.starts_with(b"\x89PNG"), "{file}: {caption}");
                    assert!(!caption.is_empty(), "{file}: a picture without a caption");
                    shown.push(caption);
                }
            }
        }
        assert_eq!(shown.len(), IMAGES.len());
        // And the folder holds nothing the manual forgot.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/user-guide/images");
        let files = std::fs::read_dir(dir)
            .unwrap()
            .filter(|entry| {
                entry
                    .as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "png"))
            })
            .count();
        assert_eq!(files, IMAGES.len());
    }

    #[test]
    fn markdown_becomes_headings_paragraphs_items_and_pictures() {
        let blocks = blocks_of(
            "t.md",
            "# 标题\n\n第一段\n接着\n\n## 小节\n\n- 甲\n- 乙 `code`\n\n![说明](images/01-catalog.png)\n",
        )
        .unwrap();
        assert_eq!(blocks[0], Block::Heading("标题".into()));
        assert_eq!(blocks[1], Block::Paragraph("第一段 接着".into()));
        assert_eq!(blocks[2], Block::Paragraph("【小节】".into()));
        assert_eq!(blocks[3], Block::Paragraph("• 甲".into()));
        assert_eq!(blocks[4], Block::Paragraph("• 乙 code".into()));
        assert!(matches!(&blocks[5], Block::Image { caption, .. } if caption == "说明"));
        assert!(blocks_of("t.md", "![x](images/none.png)").is_err());
    }
}
