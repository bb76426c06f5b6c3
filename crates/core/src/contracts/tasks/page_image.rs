//! The image of one page of a document for the public page ([`super::public_page`]): poppler's
//! `pdftoppm` renders that single page of the stored revision to PNG in a subprocess with a
//! timeout, never the whole file, and the PNG is kept in memory per (revision hash, page) — a
//! revision never changes, so an entry never goes stale; a new signature is a new hash.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncWriteExt as _;
use tokio::sync::Semaphore;

use super::public_page;
use crate::Platform;
use crate::contracts::ContractsError;
use crate::error::CoreError;

/// Resolution of the image: 110 dpi is an A4 page 910 px wide, sharp on a phone.
const DPI: &str = "110";
/// A page that takes longer is given up (the process is killed).
const RENDER_TIMEOUT: Duration = Duration::from_secs(20);
/// How many pages render at once on this machine; more wait for a turn.
const RENDERS_AT_ONCE: usize = 2;
/// Pages kept; a rendered A4 page is tens of kilobytes, so this stays within a few megabytes.
const KEPT: usize = 256;

/// poppler's `pdftoppm`, if installed (Debian `poppler-utils`).
pub fn pdftoppm() -> Option<PathBuf> {
    ["/usr/bin/pdftoppm", "/usr/local/bin/pdftoppm"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

type Key = (String, u32);

#[derive(Default)]
struct Kept {
    images: HashMap<Key, Arc<Vec<u8>>>,
    /// Oldest first: the next to go when full.
    order: VecDeque<Key>,
}

/// The rendered pages kept in memory, and the turns to render one.
pub struct PageImages {
    kept: Mutex<Kept>,
    turns: Semaphore,
}

impl Default for PageImages {
    fn default() -> Self {
        Self {
            kept: Mutex::new(Kept::default()),
            turns: Semaphore::new(RENDERS_AT_ONCE),
        }
    }
}

impl std::fmt::Debug for PageImages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageImages").finish_non_exhaustive()
    }
}

impl PageImages {
    fn get(&self, key: &Key) -> Option<Arc<Vec<u8>>> {
        self.kept.lock().ok()?.images.get(key).cloned()
    }

    fn keep(&self, key: Key, png: Arc<Vec<u8>>) {
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        if kept.images.insert(key.clone(), png).is_none() {
            kept.order.push_back(key);
        }
        while kept.order.len() > KEPT {
            if let Some(old) = kept.order.pop_front() {
                kept.images.remove(&old);
            }
        }
    }

    /// How many pages are kept (for tests).
    pub fn len(&self) -> usize {
        self.kept.lock().map_or(0, |k| k.images.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Page `page` (1-based) of the document at `position` (0-based) of `task_id` as PNG, as
    /// the document stands now. Unknown task, document or page: [`ContractsError::PageNotFound`].
    pub async fn png(
        &self,
        platform: &Platform,
        task_id: &str,
        position: u32,
        page: u32,
    ) -> Result<Arc<Vec<u8>>, CoreError> {
        let (_, source) = public_page::source(platform, task_id, position, page).await?;
        let key = (source.sha256.clone(), page);
        if let Some(png) = self.get(&key) {
            return Ok(png);
        }
        let program = pdftoppm().ok_or_else(|| {
            tracing::warn!("pdftoppm (poppler-utils) is not installed: page images are off");
            ContractsError::PageImageUnavailable
        })?;
        let pdf = platform.blobs.get(&source.blob).await?;
        let _turn = self
            .turns
            .acquire()
            .await
            .map_err(|e| CoreError::internal(e.to_string()))?;
        // Another request may have rendered it while this one waited for its turn.
        if let Some(png) = self.get(&key) {
            return Ok(png);
        }
        let png = Arc::new(render(&program, pdf, page).await?);
        self.keep(key, png.clone());
        Ok(png)
    }
}

/// One page of `pdf` as PNG: the PDF goes in on stdin, the PNG comes out on stdout.
async fn render(program: &std::path::Path, pdf: Vec<u8>, page: u32) -> Result<Vec<u8>, CoreError> {
    let unavailable = |why: String| {
        tracing::warn!("page image: {why}");
        CoreError::from(ContractsError::PageImageUnavailable)
    };
    let page = page.to_string();
    let mut child = tokio::process::Command::new(program)
        .args([
            "-f",
            &page,
            "-l",
            &page,
            "-png",
            "-r",
            DPI,
            "-singlefile",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| unavailable(format!("pdftoppm did not start: {e}")))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| unavailable("no stdin".into()))?;
    // Written while the output is read, so a full pipe on either side never stalls both.
    let feed = tokio::spawn(async move {
        let _ = stdin.write_all(&pdf).await;
    });
    let output = tokio::time::timeout(RENDER_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| {
            unavailable(format!(
                "pdftoppm took longer than {RENDER_TIMEOUT:?}; killed"
            ))
        })?
        .map_err(|e| unavailable(format!("pdftoppm: {e}")))?;
    let _ = feed.await;
    if !output.status.success() || !output.stdout.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(unavailable(format!(
            "pdftoppm failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = include_bytes!("../../../../pdf/tests/fixtures/libreoffice-contract2.pdf");

    #[tokio::test]
    async fn one_page_renders_to_png_and_a_page_past_the_end_does_not() {
        let Some(program) = pdftoppm() else {
            eprintln!("pdftoppm missing: skipped");
            return;
        };
        let png = render(&program, PDF.to_vec(), 2).await.unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        assert!(png.len() > 1_000, "{}", png.len());
        assert!(render(&program, PDF.to_vec(), 3).await.is_err());
        assert!(render(&program, b"not a pdf".to_vec(), 1).await.is_err());
    }

    #[test]
    fn the_oldest_page_goes_when_full() {
        let images = PageImages::default();
        for page in 0..=u32::try_from(KEPT).unwrap() {
            images.keep(("h".into(), page), Arc::new(vec![1]));
        }
        assert_eq!(images.len(), KEPT);
        assert!(images.get(&("h".into(), 0)).is_none());
        assert!(images.get(&("h".into(), 1)).is_some());
    }
}
