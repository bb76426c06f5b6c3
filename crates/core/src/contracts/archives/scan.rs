//! The scanned PDF of an archive: a PDF (by its first bytes, whatever its name says), not
//! encrypted, readable, with pages, within the size and page limits. It is kept exactly as
//! uploaded; this only reads it, and measures its SHA-256 and pages.

use sha2::{Digest as _, Sha256};
use signet_pdf::PdfError;

/// Largest PDF (bytes): a 200-page colour scan at 300 dpi is about 25 MB.
pub const MAX_BYTES: usize = 64 * 1024 * 1024;
/// Most pages.
pub const MAX_PAGES: usize = 2000;

/// Why a PDF was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanProblem {
    NotPdf,
    Encrypted,
    Corrupt,
    NoPages,
    TooLarge,
    TooManyPages,
}

impl ScanProblem {
    pub fn code(self) -> &'static str {
        match self {
            Self::NotPdf => "archive_not_pdf",
            Self::Encrypted => "archive_pdf_encrypted",
            Self::Corrupt => "archive_pdf_corrupt",
            Self::NoPages => "archive_pdf_no_pages",
            Self::TooLarge => "archive_pdf_too_large",
            Self::TooManyPages => "archive_pdf_too_many_pages",
        }
    }

    /// The refusal in Chinese and English.
    pub fn words(self) -> (String, String) {
        match self {
            Self::NotPdf => (
                "不是 PDF 文件，请上传纸质合同扫描后的 PDF".into(),
                "Not a PDF; upload the scanned paper contract as a PDF".into(),
            ),
            Self::Encrypted => (
                "PDF 已加密（设置了打开或编辑密码），请上传未加密的扫描件".into(),
                "The PDF is encrypted; upload an unencrypted scan".into(),
            ),
            Self::Corrupt => (
                "PDF 已损坏或格式无法识别，请重新扫描或导出后上传".into(),
                "The PDF is damaged or malformed; scan or export it again".into(),
            ),
            Self::NoPages => ("PDF 中没有任何页面".into(), "The PDF has no pages".into()),
            Self::TooLarge => (
                format!("PDF 超过 {} MB", MAX_BYTES / 1024 / 1024),
                format!("The PDF is larger than {} MB", MAX_BYTES / 1024 / 1024),
            ),
            Self::TooManyPages => (
                format!("PDF 超过 {MAX_PAGES} 页"),
                format!("The PDF has more than {MAX_PAGES} pages"),
            ),
        }
    }
}

/// What was measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// Hex SHA-256 of the bytes as uploaded.
    pub sha256: String,
    pub size: i64,
    pub pages: i64,
}

/// Whether `bytes` start like a PDF (a few bytes of junk before the header are tolerated, as
/// readers do).
pub fn looks_like_pdf(bytes: &[u8]) -> bool {
    bytes
        .get(..1024.min(bytes.len()))
        .is_some_and(|head| head.windows(5).any(|w| w == b"%PDF-"))
}

/// Checks and measures a scan. CPU-bound: call it on the blocking pool.
pub fn inspect(bytes: &[u8]) -> Result<Scan, ScanProblem> {
    if bytes.len() > MAX_BYTES {
        return Err(ScanProblem::TooLarge);
    }
    if !looks_like_pdf(bytes) {
        return Err(ScanProblem::NotPdf);
    }
    let parsed = signet_pdf::reader::load_lean(bytes.to_vec()).map_err(|e| match e {
        PdfError::Encrypted => ScanProblem::Encrypted,
        PdfError::Malformed(m) if m == "no pages" => ScanProblem::NoPages,
        _ => ScanProblem::Corrupt,
    })?;
    let pages = parsed.pages().map_err(|_| ScanProblem::Corrupt)?.len();
    if pages == 0 {
        return Err(ScanProblem::NoPages);
    }
    if pages > MAX_PAGES {
        return Err(ScanProblem::TooManyPages);
    }
    Ok(Scan {
        sha256: hex::encode(Sha256::digest(bytes)),
        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        pages: i64::try_from(pages).unwrap_or(i64::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_not_a_readable_pdf_is_named() {
        assert_eq!(inspect(b"hello"), Err(ScanProblem::NotPdf));
        assert_eq!(inspect(b"\x89PNG\r\n"), Err(ScanProblem::NotPdf));
        assert!(matches!(
            inspect(b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF"),
            Err(ScanProblem::Corrupt | ScanProblem::NoPages)
        ));
    }
}
