//! The documents of a launch: readable PDFs with pages, and signing spots of known roles, of the
//! kinds their roles allow, inside their pages.

use std::collections::{BTreeMap, BTreeSet};

use super::super::super::ContractsError;
use super::parties::Resolved;
use super::{LaunchDocument, MAX_DOCUMENT_BYTES, MAX_DOCUMENTS};
use crate::contracts::tasks::{ENTERPRISE_SPOTS, PERSON_SPOTS, PageSize, SigningSpot};
use crate::error::{CoreError, PlatformError};

fn document_error(zh: String, en: String) -> CoreError {
    ContractsError::TaskDocument { zh, en }.into()
}

/// A checked document.
pub(crate) struct Checked {
    pub name: String,
    pub template_version_id: Option<String>,
    pub pdf: Vec<u8>,
    pub pages: Vec<PageSize>,
    pub spots: Vec<SigningSpot>,
    pub values: BTreeMap<String, String>,
}

/// The displayed page sizes of a PDF, or why it cannot be launched.
pub fn page_sizes(pdf: &[u8]) -> Result<Vec<PageSize>, CoreError> {
    let bad = || {
        document_error(
            "文件不是可读取的 PDF".into(),
            "the file is not a readable PDF".into(),
        )
    };
    if !pdf.starts_with(b"%PDF-") {
        return Err(bad());
    }
    let parsed = signet_pdf::reader::load_lean(pdf.to_vec()).map_err(|_| bad())?;
    let pages = parsed.pages().map_err(|_| bad())?;
    let mut sizes = Vec::with_capacity(pages.len());
    for page in pages {
        let frame = signet_pdf::page::PageFrame::of(&parsed, page).map_err(|_| bad())?;
        sizes.push(PageSize {
            width: frame.width(),
            height: frame.height(),
        });
    }
    if sizes.is_empty() {
        return Err(document_error(
            "PDF 没有页面".into(),
            "the PDF has no pages".into(),
        ));
    }
    Ok(sizes)
}

/// The documents checked against the resolved parties (count, names, size, pages, spots).
pub(crate) fn check_documents(
    documents: Vec<LaunchDocument>,
    parties: &[Resolved],
) -> Result<Vec<Checked>, CoreError> {
    if documents.is_empty() || documents.len() > MAX_DOCUMENTS {
        return Err(document_error(
            format!("合同文件须为 1–{MAX_DOCUMENTS} 份"),
            format!("a task needs 1–{MAX_DOCUMENTS} documents"),
        ));
    }
    let kinds: BTreeMap<&str, &str> = parties.iter().map(|p| (p.role.as_str(), p.kind)).collect();
    let mut out = Vec::new();
    for document in documents {
        let name = document.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(document_error(
                "文件名为空或过长".into(),
                "a document name is empty or too long".into(),
            ));
        }
        if document.pdf.len() > MAX_DOCUMENT_BYTES {
            return Err(PlatformError::TooLarge {
                field: "documents",
                limit: MAX_DOCUMENT_BYTES,
            }
            .into());
        }
        let pages = page_sizes(&document.pdf)?;
        let mut ids = BTreeSet::new();
        for spot in &document.spots {
            let Some(kind) = kinds.get(spot.role.as_str()) else {
                return Err(document_error(
                    format!("《{name}》的签署位置属于未知角色“{}”", spot.role),
                    format!(
                        "a spot of \"{name}\" names the unknown role \"{}\"",
                        spot.role
                    ),
                ));
            };
            let allowed: &[&str] = if *kind == "person" {
                &PERSON_SPOTS
            } else {
                &ENTERPRISE_SPOTS
            };
            if !allowed.contains(&spot.kind.as_str()) || !ids.insert(spot.id.clone()) {
                return Err(document_error(
                    format!(
                        "《{name}》的签署位置“{}”类型不适合该角色或编号重复",
                        spot.id
                    ),
                    format!(
                        "spot \"{}\" of \"{name}\" does not fit its role or repeats",
                        spot.id
                    ),
                ));
            }
            let inside = usize::try_from(spot.page)
                .ok()
                .and_then(|p| p.checked_sub(1))
                .and_then(|p| pages.get(p))
                .is_some_and(|page| {
                    spot.x >= 0.0
                        && spot.y >= 0.0
                        && spot.w > 0.0
                        && spot.h > 0.0
                        && spot.x + spot.w <= page.width + 0.5
                        && spot.y + spot.h <= page.height + 0.5
                });
            if !inside {
                return Err(document_error(
                    format!("《{name}》的签署位置“{}”超出页面", spot.id),
                    format!("spot \"{}\" of \"{name}\" lies outside its page", spot.id),
                ));
            }
        }
        out.push(Checked {
            name,
            template_version_id: document.template_version_id,
            pdf: document.pdf,
            pages,
            spots: document.spots,
            values: document.values,
        });
    }
    Ok(out)
}
