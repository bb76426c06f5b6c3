//! Secrets at rest: the platform master key, personal-field encryption with blind indexes for
//! lookups, and Argon2id password hashes.

use std::path::Path;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::Sha256;

use super::random::Random;
use crate::error::CoreError;

/// The 32-byte platform master key. It comes from configuration (`SIGNET_SECRET_KEY`, base64) or
/// from a file in the data directory created with mode 0600 on first start; never from the repo.
pub struct MasterKey(SecretBox<[u8; 32]>);

impl MasterKey {
    pub fn from_base64(text: &str) -> Result<Self, CoreError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| CoreError::internal("secret key is not base64"))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| CoreError::internal("secret key must be 32 bytes"))?;
        Ok(Self(SecretBox::new(Box::new(key))))
    }

    /// Reads the key file, creating it with a fresh random key when absent.
    pub fn load_or_create(path: &Path) -> Result<Self, CoreError> {
        if let Ok(text) = std::fs::read_to_string(path) {
            return Self::from_base64(&text);
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| CoreError::internal(format!("create {}: {e}", dir.display())))?;
        }
        let key = Random.bytes::<32>()?;
        write_private(path, STANDARD.encode(key).as_bytes())?;
        Ok(Self(SecretBox::new(Box::new(key))))
    }

    /// A 32-byte key for one purpose, derived with HMAC-SHA256.
    pub fn derive(&self, purpose: &str) -> Result<[u8; 32], CoreError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.0.expose_secret())
            .map_err(|_| CoreError::internal("hmac key"))?;
        mac.update(purpose.as_bytes());
        Ok(mac.finalize().into_bytes().into())
    }
}

fn write_private(path: &Path, contents: &[u8]) -> Result<(), CoreError> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| CoreError::internal(format!("create {}: {e}", path.display())))?;
    file.write_all(contents)
        .map_err(|e| CoreError::internal(format!("write {}: {e}", path.display())))
}

/// Where a sealed value lives: its table, its column and the key of its row. Sealing binds the
/// value to it (the AEAD's associated data), so a value copied to another row or column — one
/// holder's cloud key or SO PIN onto another's certificate — does not open there.
#[derive(Debug, Clone, Copy)]
pub struct SealedAt<'a> {
    pub table: &'static str,
    pub column: &'static str,
    pub row: &'a str,
}

impl<'a> SealedAt<'a> {
    pub fn new(table: &'static str, column: &'static str, row: &'a str) -> Self {
        Self { table, column, row }
    }

    fn associated_data(&self) -> Vec<u8> {
        let mut aad = b"signet/sealed/v2".to_vec();
        for part in [self.table, self.column, self.row] {
            aad.extend_from_slice(&(part.len() as u64).to_be_bytes());
            aad.extend_from_slice(part.as_bytes());
        }
        aad
    }
}

impl std::fmt::Display for SealedAt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{} of row {}", self.table, self.column, self.row)
    }
}

/// Encrypts personal fields and secrets (XChaCha20-Poly1305, random nonce, bound to their row)
/// and computes keyed blind indexes (HMAC-SHA256) so equal values can be looked up without
/// decrypting every row.
pub struct FieldCipher {
    aead: XChaCha20Poly1305,
    index_key: SecretBox<[u8; 32]>,
}

/// Sealed values bound to their row ([`SealedAt`]).
const SEALED_PREFIX: &str = "v2.";
/// Sealed values of the first format, bound to nothing: only [`FieldCipher::reseal_legacy`]
/// reads them, to rewrite them bound (see `reseal.rs`).
pub(crate) const LEGACY_PREFIX: &str = "v1.";

impl FieldCipher {
    pub fn new(master: &MasterKey) -> Result<Self, CoreError> {
        let enc = master.derive("signet/field-encryption/v1")?;
        let aead = XChaCha20Poly1305::new_from_slice(&enc)
            .map_err(|_| CoreError::internal("field key length"))?;
        let index_key = SecretBox::new(Box::new(master.derive("signet/blind-index/v1")?));
        Ok(Self { aead, index_key })
    }

    /// Seals `plaintext` for the column and row `at`.
    pub fn seal(&self, at: SealedAt<'_>, plaintext: &str) -> Result<String, CoreError> {
        let nonce_bytes = Random.bytes::<24>()?;
        let nonce = XNonce::from(nonce_bytes);
        let aad = at.associated_data();
        let ciphertext = self
            .aead
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| CoreError::internal("encrypt"))?;
        let mut blob = nonce_bytes.to_vec();
        blob.extend_from_slice(&ciphertext);
        Ok(format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(blob)))
    }

    /// Opens a value sealed for `at`. A value sealed for another row or column, changed in any
    /// byte, or still in the unbound first format is refused with an error that names `at`.
    pub fn open(&self, at: SealedAt<'_>, sealed: &str) -> Result<String, CoreError> {
        let body = sealed.strip_prefix(SEALED_PREFIX).ok_or_else(|| {
            CoreError::internal(if sealed.starts_with(LEGACY_PREFIX) {
                format!("{at}: sealed value is not bound to its row (format v1); it should have been re-sealed at start-up")
            } else {
                format!("{at}: unknown sealed format")
            })
        })?;
        let plain = self
            .decrypt(body, &at.associated_data())
            .map_err(|why| CoreError::internal(format!("{at}: {why}")))?;
        String::from_utf8(plain).map_err(|_| CoreError::internal(format!("{at}: not utf-8")))
    }

    /// Rewrites a first-format value as one bound to `at`; `None` when `sealed` is not of the
    /// first format (already bound, or not sealed at all).
    pub(crate) fn reseal_legacy(
        &self,
        at: SealedAt<'_>,
        sealed: &str,
    ) -> Result<Option<String>, CoreError> {
        let Some(body) = sealed.strip_prefix(LEGACY_PREFIX) else {
            return Ok(None);
        };
        let plain = self
            .decrypt(body, &[])
            .map_err(|why| CoreError::internal(format!("{at} (v1): {why}")))?;
        let text = String::from_utf8(plain)
            .map_err(|_| CoreError::internal(format!("{at}: not utf-8")))?;
        self.seal(at, &text).map(Some)
    }

    fn decrypt(&self, body: &str, aad: &[u8]) -> Result<Vec<u8>, &'static str> {
        let blob = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| "sealed value not base64")?;
        if blob.len() < 24 {
            return Err("sealed value too short");
        }
        let (nonce, ciphertext) = blob.split_at(24);
        let nonce = XNonce::try_from(nonce).map_err(|_| "nonce")?;
        self.aead
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map_err(|_| {
                "sealed value failed authentication (changed, or sealed for another row or column)"
            })
    }

    /// A stable keyed digest of `value` in namespace `kind` (e.g. "phone"), hex encoded.
    pub fn blind_index(&self, kind: &str, value: &str) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.index_key.expose_secret()) else {
            return String::new();
        };
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Argon2 hashes running at once: one per CPU, so a burst of logins queues for the cores
/// instead of piling up memory (19 MiB each) and threads.
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, usize::from))
});

/// Runs one Argon2 computation on tokio's blocking pool, behind [`HASHING`]: tens of
/// milliseconds of CPU each, which on the async threads would stall every other request.
async fn off_the_async_threads<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, CoreError> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|_| CoreError::internal("argon2 semaphore closed"))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| CoreError::internal(format!("argon2 task: {e}")))
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes), salted from the OS.
pub async fn hash_password(password: &str) -> Result<String, CoreError> {
    let password = SecretString::from(password);
    off_the_async_threads(move || {
        argon2::Argon2::default()
            .hash_password(password.expose_secret().as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| CoreError::internal(format!("argon2: {e}")))
    })
    .await?
}

/// Whether `password` matches `hash`; a malformed hash or a failed task is a mismatch.
pub async fn verify_password(password: &str, hash: &str) -> bool {
    let password = SecretString::from(password);
    let hash = hash.to_owned();
    off_the_async_threads(move || {
        argon2::Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// SHA-256 hex, for tokens and codes stored only as digests.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(Sha256::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> FieldCipher {
        FieldCipher::new(&MasterKey::from_base64(&STANDARD.encode([7u8; 32])).unwrap()).unwrap()
    }

    const AT: SealedAt<'static> = SealedAt {
        table: "users",
        column: "phone_sealed",
        row: "u1",
    };

    #[test]
    fn sealed_fields_round_trip_and_hide_the_value() {
        let c = cipher();
        let sealed = c.seal(AT, "17712347069").unwrap();
        assert!(!sealed.contains("7069"));
        assert_ne!(
            sealed,
            c.seal(AT, "17712347069").unwrap(),
            "nonce must differ"
        );
        assert_eq!(c.open(AT, &sealed).unwrap(), "17712347069");
    }

    #[test]
    fn tampered_ciphertext_is_refused() {
        let c = cipher();
        let mut sealed = c.seal(AT, "secret").unwrap().into_bytes();
        let last = sealed.len() - 2;
        sealed[last] = if sealed[last] == b'A' { b'B' } else { b'A' };
        assert!(c.open(AT, std::str::from_utf8(&sealed).unwrap()).is_err());
    }

    #[test]
    fn a_value_opens_only_where_it_was_sealed() {
        let c = cipher();
        let sealed = c.seal(AT, "secret").unwrap();
        for elsewhere in [
            SealedAt::new("users", "phone_sealed", "u2"),
            SealedAt::new("users", "email_sealed", "u1"),
            SealedAt::new("sessions", "phone_sealed", "u1"),
        ] {
            let error = c.open(elsewhere, &sealed).unwrap_err().to_string();
            assert!(error.contains("sealed for another row"), "{error}");
            assert!(error.contains(&elsewhere.to_string()), "{error}");
        }
    }

    #[test]
    fn legacy_values_are_refused_until_resealed() {
        let c = cipher();
        // The first format: nonce ‖ ciphertext with no associated data.
        let nonce = [9u8; 24];
        let mut blob = nonce.to_vec();
        blob.extend(
            c.aead
                .encrypt(&XNonce::from(nonce), b"old".as_slice())
                .unwrap(),
        );
        let legacy = format!("{LEGACY_PREFIX}{}", URL_SAFE_NO_PAD.encode(blob));
        assert!(
            c.open(AT, &legacy)
                .unwrap_err()
                .to_string()
                .contains("format v1")
        );
        let bound = c.reseal_legacy(AT, &legacy).unwrap().unwrap();
        assert_eq!(c.open(AT, &bound).unwrap(), "old");
        assert_eq!(c.reseal_legacy(AT, &bound).unwrap(), None);
    }

    #[test]
    fn blind_index_is_stable_and_namespaced() {
        let c = cipher();
        assert_eq!(c.blind_index("phone", "1"), c.blind_index("phone", "1"));
        assert_ne!(c.blind_index("phone", "1"), c.blind_index("email", "1"));
    }

    #[tokio::test]
    async fn passwords_hash_with_argon2id() {
        let hash = hash_password("Abcdef12").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("Abcdef12", &hash).await);
        assert!(!verify_password("Abcdef13", &hash).await);
        assert!(!verify_password("Abcdef12", "not a hash").await);
    }

    /// Issue 12, finding 17: on a current-thread runtime (the worst case: one async thread), a
    /// timer still fires while a burst of hashes and checks runs, because they run elsewhere.
    #[tokio::test(flavor = "current_thread")]
    async fn finding_17_argon2_leaves_the_async_threads_free() {
        let hash = hash_password("Abcdef12").await.unwrap();
        let mut work = Vec::new();
        for n in 0..8 {
            let hash = hash.clone();
            work.push(tokio::spawn(async move {
                if n % 2 == 0 {
                    hash_password("Abcdef12").await.map(|_| true).unwrap()
                } else {
                    verify_password("Abcdef12", &hash).await
                }
            }));
        }
        // Argon2 takes tens of milliseconds per call; blocking this thread, eight of them
        // would all be done before the timer could fire.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let running = work.iter().filter(|task| !task.is_finished()).count();
        assert!(running > 0, "the hashes ran on the async thread");
        for task in work {
            assert!(task.await.unwrap());
        }
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets/master.key");
        let first = MasterKey::load_or_create(&path).unwrap();
        let second = MasterKey::load_or_create(&path).unwrap();
        assert_eq!(first.0.expose_secret(), second.0.expose_secret());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
