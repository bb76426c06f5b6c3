//! A template's source file: a PDF taken as it is (after checking it can be read, is not
//! encrypted or signed and has pages), or a Word `.docx` converted to PDF by LibreOffice in
//! headless mode (ADR 0015): a private profile per call, a time limit, off the async runtime.

use std::path::{Path, PathBuf};
use std::time::Duration;

use signet_pdf::PdfError;
use signet_pdf::page::PageFrame;

use super::model::PageSize;
use crate::contracts::ContractsError;
use crate::error::CoreError;

/// The largest source file taken.
pub const MAX_SOURCE_BYTES: usize = 20 * 1024 * 1024;
/// Pages per template, at most.
pub const MAX_PAGES: usize = 200;
/// How long LibreOffice may take for one file.
pub const CONVERT_TIMEOUT: Duration = Duration::from_secs(90);

/// Why a source file was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileProblem {
    Kind,
    Encrypted,
    Corrupt,
    NoPages,
    Signed,
    TooManyPages,
    DocxUnconvertible,
    ConverterMissing,
}

impl From<FileProblem> for CoreError {
    fn from(problem: FileProblem) -> Self {
        ContractsError::TemplateFile(problem).into()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Pdf,
    Docx,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Docx => "docx",
        }
    }

    /// Recognised by the first bytes, never by the file name: `%PDF-` or a ZIP holding
    /// `word/document.xml`.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        let head = &bytes[..bytes.len().min(1024)];
        if head.windows(5).any(|w| w == b"%PDF-") {
            return Some(Self::Pdf);
        }
        let zip = bytes.starts_with(b"PK\x03\x04");
        let word = bytes.windows(17).any(|w| w == b"word/document.xml");
        (zip && word).then_some(Self::Docx)
    }
}

/// What was learnt from the PDF.
#[derive(Debug, Clone)]
pub struct Inspected {
    pub pages: Vec<PageSize>,
}

/// Checks a template PDF and measures its pages as displayed.
pub fn inspect(pdf: &[u8]) -> Result<Inspected, CoreError> {
    let parsed = signet_pdf::reader::load_lean(pdf.to_vec()).map_err(|e| match e {
        PdfError::Encrypted => FileProblem::Encrypted,
        PdfError::Malformed(m) if m == "no pages" => FileProblem::NoPages,
        _ => FileProblem::Corrupt,
    })?;
    if !signet_pdf::signatures::find_signatures(&parsed)
        .map_err(|_| FileProblem::Corrupt)?
        .is_empty()
    {
        return Err(FileProblem::Signed.into());
    }
    let pages = parsed.pages().map_err(|_| FileProblem::Corrupt)?;
    if pages.is_empty() {
        return Err(FileProblem::NoPages.into());
    }
    if pages.len() > MAX_PAGES {
        return Err(FileProblem::TooManyPages.into());
    }
    let pages = pages
        .iter()
        .map(|&page| {
            let frame = PageFrame::of(&parsed, page).map_err(|_| FileProblem::Corrupt)?;
            let size = PageSize {
                width: round(frame.width()),
                height: round(frame.height()),
            };
            if size.width < 1.0 || size.height < 1.0 {
                return Err(CoreError::from(FileProblem::Corrupt));
            }
            Ok(size)
        })
        .collect::<Result<_, _>>()?;
    Ok(Inspected { pages })
}

/// Two decimals are plenty for a browser and keep the JSON short.
fn round(v: f32) -> f32 {
    (v * 100.0).round() / 100.0
}

/// The LibreOffice program, if installed.
pub fn soffice() -> Option<PathBuf> {
    ["/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// Converts a `.docx` to PDF with LibreOffice headless in a temporary directory of its own
/// (input, output and a private user profile, so calls at once never share a profile lock).
pub async fn docx_to_pdf(docx: &[u8]) -> Result<Vec<u8>, CoreError> {
    let program = soffice().ok_or(FileProblem::ConverterMissing)?;
    let dir = std::env::temp_dir().join(format!("signet-docx-{}", uuid::Uuid::new_v4().simple()));
    let result = convert_in(&program, &dir, docx).await;
    let _ = tokio::fs::remove_dir_all(&dir).await;
    result
}

async fn convert_in(program: &Path, dir: &Path, docx: &[u8]) -> Result<Vec<u8>, CoreError> {
    let io = |e: std::io::Error| CoreError::internal(format!("docx conversion: {e}"));
    let out = dir.join("out");
    tokio::fs::create_dir_all(&out).await.map_err(io)?;
    let input = dir.join("template.docx");
    tokio::fs::write(&input, docx).await.map_err(io)?;
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.join("profile").display()
    );
    let child = tokio::process::Command::new(program)
        .arg(profile)
        // The Word import filter is forced: LibreOffice would otherwise read a broken file as
        // plain text and "convert" it.
        .args([
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--infilter=MS Word 2007 XML",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(&out)
        .arg(&input)
        .env("HOME", dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(io)?;
    let output = tokio::time::timeout(CONVERT_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| {
            tracing::warn!("LibreOffice took longer than {CONVERT_TIMEOUT:?}; killed");
            FileProblem::DocxUnconvertible
        })?
        .map_err(io)?;
    match tokio::fs::read(out.join("template.pdf")).await {
        Ok(pdf) if output.status.success() && !pdf.is_empty() => Ok(pdf),
        _ => {
            tracing::info!(
                status = %output.status,
                stderr = %String::from_utf8_lossy(&output.stderr),
                "LibreOffice could not convert a .docx"
            );
            Err(FileProblem::DocxUnconvertible.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_recognised_by_content() {
        assert_eq!(SourceKind::sniff(b"%PDF-1.7\n..."), Some(SourceKind::Pdf));
        assert_eq!(
            SourceKind::sniff(b"PK\x03\x04....word/document.xml...."),
            Some(SourceKind::Docx)
        );
        assert_eq!(SourceKind::sniff(b"PK\x03\x04....xl/workbook.xml"), None);
        assert_eq!(SourceKind::sniff(b"hello"), None);
    }

    #[test]
    fn unreadable_pdfs_are_named() {
        let err = inspect(b"%PDF-1.4\ngarbage").unwrap_err();
        assert!(matches!(
            err.as_wing(),
            Some(ContractsError::TemplateFile(FileProblem::Corrupt))
        ));
    }
}
