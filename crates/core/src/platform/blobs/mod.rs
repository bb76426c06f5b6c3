//! Content-addressed blob store: a blob is named by its SHA-256 and is never overwritten. One
//! interface, [`BlobStore`], over a [`BlobBackend`]: the filesystem here (the default,
//! `data/blobs`), or an S3-compatible bucket from `signet-gateways` (which holds the HTTP client;
//! docs/adr/0019-object-storage.md), chosen by `SIGNET_BLOB_URL`.

mod fs;
pub mod location;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWriteExt as _};

use self::fs::FsBlobs;
pub use self::location::{BlobLocation, S3Credentials, S3Location};
use super::crypto::sha256_hex;
use crate::error::{CoreError, PlatformError};

/// The most a streamed upload holds in memory: the part size of a multipart upload.
pub const PART_SIZE: usize = 8 * 1024 * 1024;

/// Where blobs are kept. `digest` is always checked (64 lowercase hex digits) before a backend
/// sees it; a backend stores content under the digest it is given and never replaces it.
#[async_trait::async_trait]
pub trait BlobBackend: Send + Sync + std::fmt::Debug {
    /// Where, for logs (never a credential).
    fn describe(&self) -> String;
    /// A local directory for spooling a streamed upload while its digest is computed.
    async fn spool_dir(&self) -> Result<PathBuf, CoreError>;
    async fn contains(&self, digest: &str) -> Result<bool, CoreError>;
    /// Stores `bytes` (whose SHA-256 is `digest`) unless present; whether this call wrote it.
    async fn put(&self, digest: &str, bytes: &[u8]) -> Result<bool, CoreError>;
    /// Stores the complete file `tmp` (in [`Self::spool_dir`]) as `digest` unless present, then
    /// removes `tmp` either way; whether this call wrote it.
    async fn adopt(&self, digest: &str, tmp: &Path) -> Result<bool, CoreError>;
    /// `PlatformError::NotFound` when absent.
    async fn get(&self, digest: &str) -> Result<Vec<u8>, CoreError>;
    /// Every blob's digest (for backups), in no particular order.
    async fn list(&self) -> Result<Vec<String>, CoreError>;
}

#[derive(Debug, Clone)]
pub struct BlobStore {
    backend: Arc<dyn BlobBackend>,
}

/// What a put did: the blob's name, its size, and whether this call wrote it (`false` when the
/// same content was there already and was left untouched).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub digest: String,
    pub size: u64,
    pub created: bool,
}

/// A blob name is 64 lowercase hex digits; anything else is refused before any backend is asked
/// (it would be a path or key of the caller's choosing otherwise).
pub fn check_digest(digest: &str) -> Result<(), CoreError> {
    let valid = digest.len() == 64
        && digest
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if valid {
        Ok(())
    } else {
        Err(PlatformError::Invalid {
            field: "digest",
            zh: "文件摘要应为 64 位小写十六进制",
            en: "a file digest is 64 lowercase hex digits",
        }
        .into())
    }
}

impl BlobStore {
    /// The filesystem backend at `root`.
    pub fn new(root: PathBuf) -> Self {
        Self::with_backend(Arc::new(FsBlobs::new(root)))
    }

    pub fn with_backend(backend: Arc<dyn BlobBackend>) -> Self {
        Self { backend }
    }

    /// Where the blobs are, for logs (never a credential).
    pub fn describe(&self) -> String {
        self.backend.describe()
    }

    /// Stores a small blob held in memory; its SHA-256 in hex.
    pub async fn put(&self, bytes: &[u8]) -> Result<String, CoreError> {
        Ok(self.store(bytes).await?.digest)
    }

    /// Stores a blob held in memory and says whether it was new.
    pub async fn store(&self, bytes: &[u8]) -> Result<Stored, CoreError> {
        let digest = sha256_hex(bytes);
        let created = self.backend.put(&digest, bytes).await?;
        Ok(Stored {
            digest,
            size: bytes.len() as u64,
            created,
        })
    }

    /// Stores what `reader` yields without holding it in memory: it is spooled to a temporary
    /// file while hashed, then linked into place (filesystem) or uploaded in parts of
    /// [`PART_SIZE`] (S3). A reader that fails stores nothing.
    pub async fn put_reader(
        &self,
        mut reader: impl AsyncRead + Unpin + Send,
    ) -> Result<Stored, CoreError> {
        let spool = self.backend.spool_dir().await?;
        let tmp = spool.join(format!("{}.part", uuid::Uuid::new_v4().simple()));
        let (digest, size) = match spool_to(&mut reader, &tmp).await {
            Ok(done) => done,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
        };
        let created = self.backend.adopt(&digest, &tmp).await?;
        Ok(Stored {
            digest,
            size,
            created,
        })
    }

    /// Stores the file at `path` as a blob, streamed.
    pub async fn put_file(&self, path: &Path) -> Result<Stored, CoreError> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| CoreError::internal(format!("open {}: {e}", path.display())))?;
        self.put_reader(file).await
    }

    pub async fn contains(&self, digest: &str) -> Result<bool, CoreError> {
        check_digest(digest)?;
        self.backend.contains(digest).await
    }

    /// Every blob's digest, sorted.
    pub async fn list(&self) -> Result<Vec<String>, CoreError> {
        let mut digests = self.backend.list().await?;
        digests.retain(|d| check_digest(d).is_ok());
        digests.sort_unstable();
        Ok(digests)
    }

    /// The blob's bytes, checked against its name; `PlatformError::NotFound` when absent.
    pub async fn get(&self, digest: &str) -> Result<Vec<u8>, CoreError> {
        check_digest(digest)?;
        let bytes = self.backend.get(digest).await?;
        if sha256_hex(&bytes) != digest {
            return Err(CoreError::internal(format!(
                "blob {digest} does not match its digest: the store is damaged"
            )));
        }
        Ok(bytes)
    }
}

impl S3Credentials {
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, when both are set.
    pub fn from_env() -> Option<Self> {
        let id = std::env::var("AWS_ACCESS_KEY_ID").ok()?;
        let secret = std::env::var("AWS_SECRET_ACCESS_KEY").ok()?;
        (!id.is_empty() && !secret.is_empty()).then_some(Self {
            access_key_id: id,
            secret_access_key: secret,
        })
    }
}

/// Copies `reader` into a new file at `tmp`, hashing on the way; the digest and size.
async fn spool_to(
    reader: &mut (impl AsyncRead + Unpin),
    tmp: &Path,
) -> Result<(String, u64), CoreError> {
    let fail = |what: &str, e: std::io::Error| CoreError::internal(format!("blob {what}: {e}"));
    let mut file = tokio::fs::File::create_new(tmp)
        .await
        .map_err(|e| fail("spool", e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0_u8; 64 * 1024];
    let mut size = 0_u64;
    loop {
        let n = reader.read(&mut buf).await.map_err(|e| fail("read", e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n])
            .await
            .map_err(|e| fail("spool write", e))?;
        size += n as u64;
    }
    file.sync_all().await.map_err(|e| fail("spool sync", e))?;
    Ok((hex::encode(hasher.finalize()), size))
}

/// Image formats recognised by their first bytes, never by file name.
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.starts_with(b"BM") && bytes.len() > 26 {
        Some("image/bmp")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn blobs_are_content_addressed() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path().to_path_buf());
        let a = store.put(b"hello").await.unwrap();
        assert_eq!(a, store.put(b"hello").await.unwrap());
        assert_eq!(store.get(&a).await.unwrap(), b"hello");
        assert!(store.get("../../etc/passwd").await.is_err());
    }

    #[test]
    fn images_are_sniffed_by_content() {
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff_image(b"GIF89a...."), Some("image/gif"));
        assert_eq!(sniff_image(b"<svg xmlns=...>"), None);
        assert_eq!(sniff_image(b"MZ\x90\x00"), None);
    }
}
