//! Content-addressed blob store on the local filesystem: a blob is named by its SHA-256 and is
//! never overwritten.

use std::path::PathBuf;

use super::crypto::sha256_hex;
use crate::error::{CoreError, PlatformError};

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    fn path(&self, digest: &str) -> Option<PathBuf> {
        let valid = digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit());
        valid.then(|| self.root.join(&digest[..2]).join(digest))
    }

    pub async fn put(&self, bytes: &[u8]) -> Result<String, CoreError> {
        let digest = sha256_hex(bytes);
        let path = self
            .path(&digest)
            .ok_or_else(|| CoreError::internal("digest"))?;
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(digest);
        }
        let dir = path
            .parent()
            .ok_or_else(|| CoreError::internal("blob dir"))?;
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| CoreError::internal(format!("blob dir: {e}")))?;
        // Write then rename, so a reader never sees half a blob. The temporary name is unique:
        // two writers of the same content at once must not rename each other's file away.
        let tmp = dir.join(format!(".{digest}.{}.tmp", uuid::Uuid::new_v4().simple()));
        tokio::fs::write(&tmp, bytes)
            .await
            .map_err(|e| CoreError::internal(format!("blob write: {e}")))?;
        tokio::fs::rename(&tmp, &path)
            .await
            .map_err(|e| CoreError::internal(format!("blob rename: {e}")))?;
        Ok(digest)
    }

    pub async fn get(&self, digest: &str) -> Result<Vec<u8>, CoreError> {
        let path = self.path(digest).ok_or(PlatformError::NotFound)?;
        tokio::fs::read(&path)
            .await
            .map_err(|_| PlatformError::NotFound.into())
    }
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
