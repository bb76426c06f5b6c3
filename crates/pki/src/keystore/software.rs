//! Software keys, encrypted under a key-encryption key (KEK) the platform passes in. New keys are
//! written in format 1 ([`super::wrapped`]: Argon2id + AES-256-GCM, with the KEK's id); keys
//! written before it (PKCS#8 PBES2: PBKDF2-SHA256 2048 rounds + AES-256-CBC, unauthenticated)
//! still open, and [`SoftwareKeyStore::needs_rewrap`] tells the caller to rewrite them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use der::Decode;
use pkcs8::pkcs5::pbes2;
use rand_core::CryptoRng;
use sha2::Digest as _;
use zeroize::Zeroizing;

use super::wrapped::{self, KdfParams, Seal};
use super::{KeyLocation, KeyStore, StoredKey};
use crate::algorithm::KeyAlgorithm;
use crate::error::{PkiError, Result};
use crate::signer::{Signer, SoftwareKey};

/// PBKDF2 rounds of the legacy format (read only; written only by [`SoftwareKeyStore::wrap_legacy`]).
const LEGACY_PBKDF2_ROUNDS: u32 = 2048;

/// The 32-byte secret from the platform's config that encrypts every software key.
#[derive(Clone)]
pub struct KeyEncryptionKey(Zeroizing<[u8; 32]>);

impl KeyEncryptionKey {
    /// Wrap the secret.
    pub fn new(secret: [u8; 32]) -> Self {
        Self(Zeroizing::new(secret))
    }

    /// The KEK's id, written in every key it wraps: the first 8 bytes of a domain-separated
    /// SHA-256 of the secret (it tells KEKs apart; it reveals nothing usable about the secret).
    pub fn id(&self) -> [u8; 8] {
        let digest = sha2::Sha256::new()
            .chain_update(b"signet/kek-id/v1\0")
            .chain_update(self.0.as_slice())
            .finalize();
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        id
    }

    /// The legacy PBES2 password: the secret in lower-case hex.
    fn password(&self) -> Zeroizing<String> {
        let mut hex = Zeroizing::new(String::with_capacity(64));
        for byte in self.0.iter() {
            hex.push(char::from(HEX[usize::from(byte >> 4)]));
            hex.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        hex
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl std::fmt::Debug for KeyEncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyEncryptionKey(..)")
    }
}

/// Which derived wrapping key: KEK id, KDF parameters and salt.
type DerivedId = ([u8; 8], KdfParams, [u8; 16]);

/// Keys kept encrypted by the caller (database column, file).
///
/// Argon2id is deliberately slow, so a store derives one wrapping key per salt and keeps it:
/// every key it wraps shares the salt it picks on its first wrap (each with its own GCM nonce),
/// and the keys it opens cost one derivation per distinct salt. Clones share both.
#[derive(Clone)]
pub struct SoftwareKeyStore {
    kek: KeyEncryptionKey,
    retired: Vec<KeyEncryptionKey>,
    kdf: KdfParams,
    salt: Arc<OnceLock<[u8; 16]>>,
    derived: Arc<Mutex<HashMap<DerivedId, Zeroizing<[u8; 32]>>>>,
}

impl std::fmt::Debug for SoftwareKeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftwareKeyStore")
            .field("kek_id", &self.kek.id())
            .field("retired", &self.retired.len())
            .field("kdf", &self.kdf)
            .finish_non_exhaustive()
    }
}

impl SoftwareKeyStore {
    /// A store that encrypts under `kek`.
    pub fn new(kek: KeyEncryptionKey) -> Self {
        Self {
            kek,
            retired: Vec::new(),
            kdf: KdfParams::DEFAULT,
            salt: Arc::new(OnceLock::new()),
            derived: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Also opens keys wrapped under `old` (a KEK being rotated out); they report
    /// [`Self::needs_rewrap`] so the caller rewrites them under the current KEK.
    #[must_use]
    pub fn with_retired(mut self, old: KeyEncryptionKey) -> Self {
        self.retired.push(old);
        self
    }

    fn kek_by_id(&self, kid: [u8; 8]) -> Result<&KeyEncryptionKey> {
        std::iter::once(&self.kek)
            .chain(&self.retired)
            .find(|kek| kek.id() == kid)
            .ok_or_else(|| {
                PkiError::Key(format!(
                    "stored key is wrapped under key-encryption key {}, which this store does not hold",
                    hex(&kid)
                ))
            })
    }

    fn wrapping_key(
        &self,
        kek: &KeyEncryptionKey,
        kdf: KdfParams,
        salt: [u8; 16],
    ) -> Result<Zeroizing<[u8; 32]>> {
        let id = (kek.id(), kdf, salt);
        let mut cache = self.derived.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(key) = cache.get(&id) {
            return Ok(key.clone());
        }
        let key = wrapped::derive(&kek.0, kdf, &salt)?;
        cache.insert(id, key.clone());
        Ok(key)
    }

    /// Encrypt a key made elsewhere (e.g. a server-generated subscriber key).
    pub fn wrap(&self, key: &SoftwareKey, rng: &mut dyn CryptoRng) -> Result<StoredKey> {
        let clear = key.to_pkcs8_der()?;
        let salt = *self.salt.get_or_init(|| {
            let mut salt = [0u8; 16];
            rng.fill_bytes(&mut salt);
            salt
        });
        let mut nonce = [0u8; 12];
        rng.fill_bytes(&mut nonce);
        let wrapping_key = self.wrapping_key(&self.kek, self.kdf, salt)?;
        let algorithm = key.key_algorithm();
        let sm2_id = key.sm2_id().unwrap_or_default().to_owned();
        let blob = Seal {
            kid: self.kek.id(),
            kdf: self.kdf,
            salt,
            wrapping_key: &wrapping_key,
            nonce,
        }
        .seal(&clear, algorithm, &sm2_id)?;
        Ok(StoredKey {
            algorithm,
            sm2_id,
            location: KeyLocation::Software {
                encrypted_pkcs8_der: blob,
            },
        })
    }

    /// Encrypt in the legacy format (PKCS#8 PBES2, PBKDF2 2048 rounds, AES-256-CBC). Nothing
    /// writes it any more; it exists so migration tests can make a key as older versions did.
    #[doc(hidden)]
    pub fn wrap_legacy(&self, key: &SoftwareKey, rng: &mut dyn CryptoRng) -> Result<StoredKey> {
        let clear = key.to_pkcs8_der()?;
        let mut salt = [0u8; 16];
        let mut iv = [0u8; 16];
        rng.fill_bytes(&mut salt);
        rng.fill_bytes(&mut iv);
        let params =
            pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(LEGACY_PBKDF2_ROUNDS, &salt, iv)
                .map_err(|e| PkiError::Key(e.to_string()))?;
        let info = pkcs8::PrivateKeyInfoRef::from_der(&clear)?;
        let encrypted = info
            .encrypt_with_params(params, self.kek.password().as_bytes())
            .map_err(|e| PkiError::Key(e.to_string()))?;
        Ok(StoredKey {
            algorithm: key.key_algorithm(),
            sm2_id: key.sm2_id().unwrap_or_default().to_owned(),
            location: KeyLocation::Software {
                encrypted_pkcs8_der: encrypted.as_bytes().to_vec(),
            },
        })
    }

    /// Whether `key` should be rewritten ([`Self::rewrap`]): a legacy-format key, or one wrapped
    /// under a retired KEK or with other KDF parameters than this store's.
    pub fn needs_rewrap(&self, key: &StoredKey) -> bool {
        let KeyLocation::Software {
            encrypted_pkcs8_der,
        } = &key.location
        else {
            return false;
        };
        match wrapped::parse(encrypted_pkcs8_der) {
            Ok(blob) => blob.kid != self.kek.id() || blob.kdf != self.kdf,
            Err(_) => true,
        }
    }

    /// Opens `key` and wraps it again in the current format under the current KEK.
    pub fn rewrap(&self, key: &StoredKey, rng: &mut dyn CryptoRng) -> Result<StoredKey> {
        let loaded = self.unwrap_key(key)?;
        self.wrap(&loaded, rng)
    }

    /// Decrypt a stored key into memory. A format-1 key that was changed in any byte, or whose
    /// algorithm or SM2 ID was changed beside it, is refused ([`PkiError::KeyDecryption`]).
    pub fn unwrap_key(&self, key: &StoredKey) -> Result<SoftwareKey> {
        let KeyLocation::Software {
            encrypted_pkcs8_der,
        } = &key.location
        else {
            return Err(PkiError::Key("not a software key".into()));
        };
        let clear = if wrapped::is_wrapped(encrypted_pkcs8_der) {
            let blob = wrapped::parse(encrypted_pkcs8_der)?;
            let kek = self.kek_by_id(blob.kid)?;
            let wrapping_key = self.wrapping_key(kek, blob.kdf, blob.salt)?;
            blob.open(&wrapping_key, key.algorithm, &key.sm2_id)?
        } else {
            self.unwrap_legacy(encrypted_pkcs8_der)?
        };
        let loaded = SoftwareKey::from_pkcs8_der(&clear, &key.sm2_id)?;
        if loaded.key_algorithm() != key.algorithm {
            return Err(PkiError::Key(format!(
                "stored as {} but holds {}",
                key.algorithm,
                loaded.key_algorithm()
            )));
        }
        Ok(loaded)
    }

    fn unwrap_legacy(&self, der_bytes: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(der_bytes)
            .map_err(|_| PkiError::KeyDecryption)?;
        for kek in std::iter::once(&self.kek).chain(&self.retired) {
            if let Ok(clear) = info.decrypt(kek.password().as_bytes()) {
                return Ok(Zeroizing::new(clear.as_bytes().to_vec()));
            }
        }
        Err(PkiError::KeyDecryption)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]])
        .map(char::from)
        .collect()
}

impl KeyStore for SoftwareKeyStore {
    fn generate(
        &self,
        algorithm: KeyAlgorithm,
        _label: &str,
        sm2_id: &str,
        rng: &mut dyn CryptoRng,
    ) -> Result<StoredKey> {
        let key = SoftwareKey::generate(algorithm, sm2_id, rng)?;
        self.wrap(&key, rng)
    }

    fn signer(&self, key: &StoredKey) -> Result<Box<dyn Signer>> {
        Ok(Box::new(self.unwrap_key(key)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn blob(key: &StoredKey) -> &[u8] {
        let KeyLocation::Software {
            encrypted_pkcs8_der,
        } = &key.location
        else {
            panic!("software")
        };
        encrypted_pkcs8_der
    }

    fn with_blob(key: &StoredKey, blob: Vec<u8>) -> StoredKey {
        StoredKey {
            location: KeyLocation::Software {
                encrypted_pkcs8_der: blob,
            },
            ..key.clone()
        }
    }

    #[test]
    fn round_trip_every_algorithm_and_wrong_kek_fails() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let store = SoftwareKeyStore::new(KeyEncryptionKey::new([7; 32]));
        let other = SoftwareKeyStore::new(KeyEncryptionKey::new([8; 32]));
        for algorithm in KeyAlgorithm::ALL {
            let stored = store.generate(algorithm, "t", "", &mut rng).unwrap();
            let signer = store.signer(&stored).unwrap();
            assert_eq!(signer.key_algorithm(), algorithm);
            assert!(blob(&stored).starts_with(wrapped::MAGIC));
            assert!(!store.needs_rewrap(&stored));
            // Another KEK is another id: refused before any decryption is tried.
            assert!(matches!(
                other.signer(&stored).map(|_| ()),
                Err(PkiError::Key(why)) if why.contains("does not hold")
            ));
        }
    }

    #[test]
    fn finding_16_a_flipped_byte_in_a_stored_ca_key_is_refused() {
        // Format 1 is authenticated: any changed byte — header, nonce, ciphertext or tag — is
        // refused by the tag (or, in the header, by the KEK id or the KDF bounds). The legacy
        // CBC format also refused every single flipped byte, but only thanks to DER parsing and
        // the key libraries' consistency checks, not to any integrity protection.
        let mut rng = rand::rngs::StdRng::seed_from_u64(16);
        let store = SoftwareKeyStore::new(KeyEncryptionKey::new([16; 32]));
        let stored = store
            .generate(KeyAlgorithm::EcdsaP256, "root", "", &mut rng)
            .unwrap();
        let original = blob(&stored).to_vec();
        let mut accepted = Vec::new();
        for at in 0..original.len() {
            let mut changed = original.clone();
            changed[at] ^= 0x01;
            if store.signer(&with_blob(&stored, changed)).is_ok() {
                accepted.push(at);
            }
        }
        assert!(
            accepted.is_empty(),
            "{} of {} flipped bytes still loaded a key (first at {:?})",
            accepted.len(),
            original.len(),
            accepted.first()
        );
        assert!(store.signer(&stored).is_ok());
    }

    #[test]
    fn finding_16_a_relabelled_key_is_refused() {
        // The SM2 distinguishing ID sits beside the key in the database; the legacy format
        // loaded the key under whatever ID the row said, so its signatures silently changed.
        let mut rng = rand::rngs::StdRng::seed_from_u64(17);
        let store = SoftwareKeyStore::new(KeyEncryptionKey::new([17; 32]));
        let stored = store
            .generate(KeyAlgorithm::Sm2, "sm2", "1234567812345678", &mut rng)
            .unwrap();
        let other_id = StoredKey {
            sm2_id: String::new(),
            ..stored.clone()
        };
        assert!(matches!(
            store.signer(&other_id).map(|_| ()),
            Err(PkiError::KeyDecryption)
        ));
    }

    #[test]
    fn finding_16_legacy_keys_open_and_are_rewrapped() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(18);
        let store = SoftwareKeyStore::new(KeyEncryptionKey::new([18; 32]));
        let key = SoftwareKey::generate(KeyAlgorithm::EcdsaP256, "", &mut rng).unwrap();
        let legacy = store.wrap_legacy(&key, &mut rng).unwrap();
        assert_eq!(blob(&legacy)[0], 0x30, "PKCS#8 DER");
        assert!(store.needs_rewrap(&legacy));
        let public = store.signer(&legacy).unwrap().public_key().clone();
        let fresh = store.rewrap(&legacy, &mut rng).unwrap();
        assert!(!store.needs_rewrap(&fresh));
        assert!(blob(&fresh).starts_with(wrapped::MAGIC));
        assert_eq!(store.signer(&fresh).unwrap().public_key(), &public);
    }

    #[test]
    fn finding_16_a_retired_kek_opens_until_rotated() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(19);
        let old = SoftwareKeyStore::new(KeyEncryptionKey::new([1; 32]));
        let stored = old
            .generate(KeyAlgorithm::EcdsaP256, "t", "", &mut rng)
            .unwrap();
        let rotating = SoftwareKeyStore::new(KeyEncryptionKey::new([2; 32]))
            .with_retired(KeyEncryptionKey::new([1; 32]));
        assert!(rotating.signer(&stored).is_ok());
        assert!(rotating.needs_rewrap(&stored));
        let rotated = rotating.rewrap(&stored, &mut rng).unwrap();
        assert!(!rotating.needs_rewrap(&rotated));
        // Once the old KEK is gone, only the rotated key opens.
        let new_only = SoftwareKeyStore::new(KeyEncryptionKey::new([2; 32]));
        assert!(new_only.signer(&rotated).is_ok());
        assert!(new_only.signer(&stored).is_err());
    }
}
