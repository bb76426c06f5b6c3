//! The blob-store conformance suite: every test runs against the filesystem backend and against
//! an S3 server (SeaweedFS, started by `cargo xtask test`; the S3 half is skipped with a message
//! when `SIGNET_TEST_S3_URL` is not set, and fails under `CI=true`).

use std::future::Future;

use signet_core::error::PlatformError;
use signet_core::platform::blobs::{BlobStore, PART_SIZE};
use signet_core::testing::s3_blob_url;
use signet_gateways::blobs::open;

/// Runs `check` against each backend available, naming the backend in any failure.
async fn on_each_backend<F, Fut>(check: F)
where
    F: Fn(BlobStore, &'static str) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    check(open(None, dir.path(), None).unwrap(), "filesystem").await;
    if let Some(url) = s3_blob_url() {
        let store = open(Some(&url), dir.path(), None).unwrap();
        check(store, "s3").await;
    }
}

/// Deterministic bytes that do not repeat with any short period (so a part landing in the wrong
/// place would show).
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect()
}

#[tokio::test]
async fn put_then_get_round_trips() {
    on_each_backend(|store, name| async move {
        let bytes = pattern(100_000, 1);
        let digest = store.put(&bytes).await.unwrap();
        assert_eq!(digest.len(), 64, "{name}");
        assert_eq!(store.get(&digest).await.unwrap(), bytes, "{name}");
        assert!(store.contains(&digest).await.unwrap(), "{name}");
        let empty = store.put(b"").await.unwrap();
        assert_eq!(
            store.get(&empty).await.unwrap(),
            b"",
            "{name}: the empty blob"
        );
    })
    .await;
}

#[tokio::test]
async fn same_content_gets_the_same_digest() {
    on_each_backend(|store, name| async move {
        let a = store.put(b"one contract").await.unwrap();
        let b = store.put(b"one contract").await.unwrap();
        let c = store.put(b"another contract").await.unwrap();
        assert_eq!(a, b, "{name}");
        assert_ne!(a, c, "{name}");
        // The digest is the SHA-256 of the content, whichever way it came in.
        let streamed = store.put_reader(&b"one contract"[..]).await.unwrap();
        assert_eq!(streamed.digest, a, "{name}");
        assert_eq!(
            a, "3e9a94df9e3bfbb07e9772966f818fef1bf35d49fb6ddecfeb761196e52d016a",
            "{name}: not the SHA-256 of the content"
        );
    })
    .await;
}

#[tokio::test]
async fn existing_content_is_never_rewritten() {
    on_each_backend(|store, name| async move {
        let first = store.store(b"signed pdf").await.unwrap();
        assert!(first.created, "{name}");
        let again = store.store(b"signed pdf").await.unwrap();
        assert!(!again.created, "{name}: a second put rewrote the blob");
        assert_eq!(again.digest, first.digest, "{name}");
        let streamed = store.put_reader(&b"signed pdf"[..]).await.unwrap();
        assert!(!streamed.created, "{name}: a streamed put rewrote the blob");
        assert_eq!(
            store.get(&first.digest).await.unwrap(),
            b"signed pdf",
            "{name}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_missing_blob_is_not_found() {
    on_each_backend(|store, name| async move {
        let absent = "ab".repeat(32);
        let err = store.get(&absent).await.unwrap_err();
        assert!(
            matches!(err.as_platform(), Some(PlatformError::NotFound)),
            "{name}: {err:?}"
        );
        assert!(!store.contains(&absent).await.unwrap(), "{name}");
    })
    .await;
}

#[tokio::test]
async fn invalid_digests_are_refused() {
    on_each_backend(|store, name| async move {
        let stored = store.put(b"x").await.unwrap();
        for wrong in [
            "../../etc/passwd".to_owned(),
            String::new(),
            stored.to_uppercase(),
            format!("{stored}0"),
            stored[..63].to_owned(),
            format!("../{}", &stored[3..]),
            "zz".repeat(32),
        ] {
            let err = store.get(&wrong).await.unwrap_err();
            assert!(
                matches!(
                    err.as_platform(),
                    Some(PlatformError::Invalid {
                        field: "digest",
                        ..
                    })
                ),
                "{name}: {wrong:?} gave {err:?}"
            );
            assert!(store.contains(&wrong).await.is_err(), "{name}: {wrong:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_20_mib_streamed_upload_reads_back_identical() {
    on_each_backend(|store, name| async move {
        let bytes = pattern(20 * 1024 * 1024 + 12_345, 7);
        assert!(bytes.len() > 2 * PART_SIZE, "three parts at least");
        // Streamed from a file, as an upload spooled to disk would be.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.pdf");
        std::fs::write(&path, &bytes).unwrap();
        let stored = store.put_file(&path).await.unwrap();
        assert!(stored.created, "{name}");
        assert_eq!(stored.size, bytes.len() as u64, "{name}");
        let back = store.get(&stored.digest).await.unwrap();
        assert!(back == bytes, "{name}: the 20 MiB blob came back different");
        // The in-memory put of large content takes the same multipart way and agrees.
        let again = store.store(&bytes).await.unwrap();
        assert_eq!(again.digest, stored.digest, "{name}");
        assert!(!again.created, "{name}");
        let other = pattern(PART_SIZE + 1, 8);
        let digest = store.put(&other).await.unwrap();
        assert!(
            store.get(&digest).await.unwrap() == other,
            "{name}: just over one part"
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_puts_of_the_same_content_agree() {
    on_each_backend(|store, name| async move {
        let bytes = pattern(300_000, 3);
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let store = store.clone();
                let bytes = bytes.clone();
                tokio::spawn(async move {
                    if i % 2 == 0 {
                        store.store(&bytes).await
                    } else {
                        store.put_reader(&bytes[..]).await
                    }
                })
            })
            .collect();
        let mut digests = Vec::new();
        for task in tasks {
            digests.push(task.await.unwrap().unwrap().digest);
        }
        digests.dedup();
        assert_eq!(digests.len(), 1, "{name}: {digests:?}");
        assert!(store.get(&digests[0]).await.unwrap() == bytes, "{name}");
    })
    .await;
}

#[tokio::test]
async fn a_failing_stream_stores_nothing() {
    on_each_backend(|store, name| async move {
        let failing = tokio_test_reader(b"half a file");
        let err = store.put_reader(failing).await.unwrap_err();
        assert!(format!("{err:?}").contains("read"), "{name}: {err:?}");
        let digest = store.put(b"half a file").await.unwrap();
        let again = store.store(b"half a file").await.unwrap();
        assert_eq!(again.digest, digest, "{name}");
    })
    .await;
}

/// A reader that yields `bytes` and then fails, as a dropped upload connection would.
fn tokio_test_reader(bytes: &'static [u8]) -> impl tokio::io::AsyncRead + Unpin + Send {
    use tokio::io::AsyncReadExt as _;
    bytes.chain(FailingReader)
}

struct FailingReader;

impl tokio::io::AsyncRead for FailingReader {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        _: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection reset",
        )))
    }
}
