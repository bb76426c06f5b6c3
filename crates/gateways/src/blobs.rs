//! The blob store `SIGNET_BLOB_URL` names ([`open`]), and its S3-compatible backend (SeaweedFS,
//! MinIO, Ceph, AWS): one object per blob at `prefix/ab/abcd…`, looked up with HEAD before it is
//! written (docs/adr/0019-object-storage.md), and uploaded in parts of [`PART_SIZE`] when larger
//! than one part.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};
use signet_core::error::{CoreError, PlatformError};
use signet_core::platform::blobs::{
    BlobBackend, BlobLocation, BlobStore, PART_SIZE, S3Credentials, S3Location,
};
use tokio::io::{AsyncRead, AsyncReadExt as _};

/// The store `url` names (`file:///…` or `s3://bucket[/prefix]?endpoint=…&region=…`), or the
/// filesystem at `data_dir/blobs` when there is none. S3 keys: `credentials`, else
/// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`; streamed uploads spool in `data_dir/tmp`.
pub fn open(
    url: Option<&str>,
    data_dir: &Path,
    credentials: Option<&S3Credentials>,
) -> Result<BlobStore, CoreError> {
    let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(BlobStore::new(data_dir.join("blobs")));
    };
    Ok(match BlobLocation::parse(url)? {
        BlobLocation::File(root) => BlobStore::new(root),
        BlobLocation::S3(location) => {
            let from_env = S3Credentials::from_env();
            let credentials = credentials.or(from_env.as_ref());
            let spool = data_dir.join("tmp").join("blob-uploads");
            BlobStore::with_backend(Arc::new(S3Blobs::open(&location, credentials, spool)?))
        }
    })
}

pub struct S3Blobs {
    store: Arc<AmazonS3>,
    prefix: String,
    /// Where streamed uploads are spooled while their digest is computed.
    spool: PathBuf,
    label: String,
}

impl std::fmt::Debug for S3Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Blobs")
            .field("location", &self.label)
            .finish_non_exhaustive()
    }
}

fn s3_error(what: &str, e: object_store::Error) -> CoreError {
    match e {
        object_store::Error::NotFound { .. } => PlatformError::NotFound.into(),
        other => CoreError::internal(format!("object storage {what}: {other}")),
    }
}

impl S3Blobs {
    pub fn open(
        location: &S3Location,
        credentials: Option<&S3Credentials>,
        spool: PathBuf,
    ) -> Result<Self, CoreError> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&location.bucket)
            .with_region(&location.region)
            // Path-style (`endpoint/bucket/key`): what self-hosted servers answer.
            .with_virtual_hosted_style_request(false);
        if let Some(endpoint) = &location.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        builder = match credentials {
            Some(credentials) => builder
                .with_access_key_id(&credentials.access_key_id)
                .with_secret_access_key(&credentials.secret_access_key),
            // Anonymous requests rather than the SDK's fallback to a cloud metadata endpoint,
            // which a self-hosted server must never be sent to look for.
            None => builder.with_skip_signature(true),
        };
        let store = builder
            .build()
            .map_err(|e| CoreError::internal(format!("object storage settings: {e}")))?;
        let label = format!(
            "s3://{}/{} at {}",
            location.bucket,
            location.prefix,
            location.endpoint.as_deref().unwrap_or("AWS")
        );
        Ok(Self {
            store: Arc::new(store),
            prefix: location.prefix.clone(),
            spool,
            label,
        })
    }

    fn key(&self, digest: &str) -> ObjectPath {
        let relative = format!("{}/{digest}", &digest[..2]);
        if self.prefix.is_empty() {
            ObjectPath::from(relative)
        } else {
            ObjectPath::from(format!("{}/{relative}", self.prefix))
        }
    }

    async fn upload_file(&self, digest: &str, tmp: &Path) -> Result<bool, CoreError> {
        if self.contains(digest).await? {
            return Ok(false);
        }
        let spool = |e: std::io::Error| CoreError::internal(format!("blob spool: {e}"));
        let mut file = tokio::fs::File::open(tmp).await.map_err(spool)?;
        let len = file.metadata().await.map_err(spool)?.len();
        self.upload(digest, &mut file, len).await?;
        Ok(true)
    }

    /// One PUT up to a part's size, a multipart upload of [`PART_SIZE`] parts above it: at most
    /// one part is held in memory at a time.
    async fn upload(
        &self,
        digest: &str,
        reader: &mut (impl AsyncRead + Unpin),
        len: u64,
    ) -> Result<(), CoreError> {
        let key = self.key(digest);
        if len <= PART_SIZE as u64 {
            let chunk = read_chunk(reader, usize::try_from(len).unwrap_or(PART_SIZE)).await?;
            self.store
                .put(&key, PutPayload::from(chunk))
                .await
                .map_err(|e| s3_error("put", e))?;
            return Ok(());
        }
        let mut upload = self
            .store
            .put_multipart(&key)
            .await
            .map_err(|e| s3_error("multipart start", e))?;
        let parts = async {
            loop {
                let chunk = read_chunk(reader, PART_SIZE).await?;
                if chunk.is_empty() {
                    break;
                }
                upload
                    .put_part(PutPayload::from(chunk))
                    .await
                    .map_err(|e| s3_error("multipart part", e))?;
            }
            upload
                .complete()
                .await
                .map_err(|e| s3_error("multipart complete", e))
        }
        .await;
        if let Err(e) = parts {
            let _ = upload.abort().await;
            return Err(e);
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl BlobBackend for S3Blobs {
    fn describe(&self) -> String {
        self.label.clone()
    }

    async fn spool_dir(&self) -> Result<PathBuf, CoreError> {
        tokio::fs::create_dir_all(&self.spool)
            .await
            .map_err(|e| CoreError::internal(format!("blob spool dir: {e}")))?;
        Ok(self.spool.clone())
    }

    async fn contains(&self, digest: &str) -> Result<bool, CoreError> {
        match self.store.head(&self.key(digest)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(s3_error("lookup", e)),
        }
    }

    async fn put(&self, digest: &str, bytes: &[u8]) -> Result<bool, CoreError> {
        if self.contains(digest).await? {
            return Ok(false);
        }
        let mut reader = bytes;
        self.upload(digest, &mut reader, bytes.len() as u64).await?;
        Ok(true)
    }

    async fn adopt(&self, digest: &str, tmp: &Path) -> Result<bool, CoreError> {
        let result = self.upload_file(digest, tmp).await;
        let _ = tokio::fs::remove_file(tmp).await;
        result
    }

    async fn get(&self, digest: &str) -> Result<Vec<u8>, CoreError> {
        let found = self
            .store
            .get(&self.key(digest))
            .await
            .map_err(|e| s3_error("get", e))?;
        let bytes = found.bytes().await.map_err(|e| s3_error("read", e))?;
        Ok(bytes.to_vec())
    }

    async fn list(&self) -> Result<Vec<String>, CoreError> {
        use futures::TryStreamExt as _;
        let prefix = (!self.prefix.is_empty()).then(|| ObjectPath::from(self.prefix.as_str()));
        let objects: Vec<_> = self
            .store
            .list(prefix.as_ref())
            .try_collect()
            .await
            .map_err(|e| s3_error("list", e))?;
        Ok(objects
            .into_iter()
            .filter_map(|meta| meta.location.filename().map(str::to_owned))
            .collect())
    }
}

/// Up to [`PART_SIZE`] bytes from `reader` (fewer only at its end); `expected` sizes the buffer.
async fn read_chunk(
    reader: &mut (impl AsyncRead + Unpin),
    expected: usize,
) -> Result<Bytes, CoreError> {
    let mut chunk = Vec::with_capacity(expected.min(PART_SIZE));
    (&mut *reader)
        .take(PART_SIZE as u64)
        .read_to_end(&mut chunk)
        .await
        .map_err(|e| CoreError::internal(format!("blob upload read: {e}")))?;
    Ok(Bytes::from(chunk))
}
