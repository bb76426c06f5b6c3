//! The filesystem backend: `root/ab/abcd…` per blob, written to a temporary file and linked
//! into place, so a reader never sees half a blob and an existing blob is never replaced.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::BlobBackend;
use crate::error::{CoreError, PlatformError};

#[derive(Debug)]
pub struct FsBlobs {
    root: PathBuf,
}

fn io(what: &str, e: &std::io::Error) -> CoreError {
    CoreError::internal(format!("blob {what}: {e}"))
}

impl FsBlobs {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    /// `digest` is already checked to be 64 lowercase hex digits.
    fn path(&self, digest: &str) -> PathBuf {
        self.root.join(&digest[..2]).join(digest)
    }
}

#[async_trait::async_trait]
impl BlobBackend for FsBlobs {
    fn describe(&self) -> String {
        format!("file://{}", self.root.display())
    }

    /// On the same filesystem as the blobs, so that a spooled upload is linked into place.
    async fn spool_dir(&self) -> Result<PathBuf, CoreError> {
        let dir = self.root.join(".incoming");
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| io("spool dir", &e))?;
        Ok(dir)
    }

    async fn contains(&self, digest: &str) -> Result<bool, CoreError> {
        tokio::fs::try_exists(self.path(digest))
            .await
            .map_err(|e| io("lookup", &e))
    }

    async fn put(&self, digest: &str, bytes: &[u8]) -> Result<bool, CoreError> {
        if self.contains(digest).await? {
            return Ok(false);
        }
        let spool = self.spool_dir().await?;
        // A unique temporary name: two writers of the same content at once must not clobber
        // each other's half-written file.
        let tmp = spool.join(format!("{digest}.{}.tmp", uuid::Uuid::new_v4().simple()));
        tokio::fs::write(&tmp, bytes)
            .await
            .map_err(|e| io("write", &e))?;
        self.adopt(digest, &tmp).await
    }

    async fn adopt(&self, digest: &str, tmp: &Path) -> Result<bool, CoreError> {
        let path = self.path(digest);
        let dir = path
            .parent()
            .ok_or_else(|| CoreError::internal("blob dir"))?;
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| io("dir", &e))?;
        // A hard link fails when the name exists, unlike a rename: the first writer's blob stays.
        let created = match tokio::fs::hard_link(tmp, &path).await {
            Ok(()) => true,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => false,
            Err(e) => {
                let _ = tokio::fs::remove_file(tmp).await;
                return Err(io("link", &e));
            }
        };
        let _ = tokio::fs::remove_file(tmp).await;
        Ok(created)
    }

    async fn get(&self, digest: &str) -> Result<Vec<u8>, CoreError> {
        match tokio::fs::read(self.path(digest)).await {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(PlatformError::NotFound.into()),
            Err(e) => Err(io("read", &e)),
        }
    }

    async fn list(&self) -> Result<Vec<String>, CoreError> {
        let mut digests = Vec::new();
        let mut dirs = match tokio::fs::read_dir(&self.root).await {
            Ok(dirs) => dirs,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(digests),
            Err(e) => return Err(io("list", &e)),
        };
        while let Some(dir) = dirs.next_entry().await.map_err(|e| io("list", &e))? {
            let name = dir.file_name();
            let Some(name) = name.to_str() else { continue };
            // `ab/` folders only: `.incoming` holds uploads in progress.
            if name.len() != 2 || name.starts_with('.') {
                continue;
            }
            let mut files = tokio::fs::read_dir(dir.path())
                .await
                .map_err(|e| io("list", &e))?;
            while let Some(file) = files.next_entry().await.map_err(|e| io("list", &e))? {
                if let Some(digest) = file.file_name().to_str()
                    && digest.starts_with(name)
                    && super::check_digest(digest).is_ok()
                {
                    digests.push(digest.to_owned());
                }
            }
        }
        Ok(digests)
    }
}
