//! Software keys: PKCS#8 encrypted under a key-encryption key the platform passes in.

use der::Decode;
use pkcs8::pkcs5::pbes2;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::{KeyLocation, KeyStore, StoredKey};
use crate::algorithm::KeyAlgorithm;
use crate::error::{PkiError, Result};
use crate::signer::{Signer, SoftwareKey};

/// PBKDF2 rounds. The password is a 32-byte random secret, not a human one, so stretching adds
/// nothing; a modest count keeps loading keys fast and stays readable by `openssl pkcs8`.
const PBKDF2_ROUNDS: u32 = 2048;

/// The 32-byte secret from the platform's config that encrypts every software key.
pub struct KeyEncryptionKey(Zeroizing<[u8; 32]>);

impl KeyEncryptionKey {
    /// Wrap the secret.
    pub fn new(secret: [u8; 32]) -> Self {
        Self(Zeroizing::new(secret))
    }

    /// The PBES2 password: the secret in lower-case hex (so `openssl pkcs8 -passin` can use it).
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

/// Keys kept as encrypted PKCS#8 by the caller (database column, file).
#[derive(Debug)]
pub struct SoftwareKeyStore {
    kek: KeyEncryptionKey,
}

impl SoftwareKeyStore {
    /// A store that encrypts under `kek`.
    pub fn new(kek: KeyEncryptionKey) -> Self {
        Self { kek }
    }

    /// Encrypt a key made elsewhere (e.g. a server-generated subscriber key).
    pub fn wrap(&self, key: &SoftwareKey, rng: &mut dyn CryptoRng) -> Result<StoredKey> {
        let clear = key.to_pkcs8_der()?;
        let mut salt = [0u8; 16];
        let mut iv = [0u8; 16];
        rng.fill_bytes(&mut salt);
        rng.fill_bytes(&mut iv);
        let params = pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(PBKDF2_ROUNDS, &salt, iv)
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

    /// Decrypt a stored key into memory.
    pub fn unwrap_key(&self, key: &StoredKey) -> Result<SoftwareKey> {
        let KeyLocation::Software {
            encrypted_pkcs8_der,
        } = &key.location
        else {
            return Err(PkiError::Key("not a software key".into()));
        };
        let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(encrypted_pkcs8_der)
            .map_err(|_| PkiError::KeyDecryption)?;
        let clear = info
            .decrypt(self.kek.password().as_bytes())
            .map_err(|_| PkiError::KeyDecryption)?;
        let loaded = SoftwareKey::from_pkcs8_der(clear.as_bytes(), &key.sm2_id)?;
        if loaded.key_algorithm() != key.algorithm {
            return Err(PkiError::Key(format!(
                "stored as {} but holds {}",
                key.algorithm,
                loaded.key_algorithm()
            )));
        }
        Ok(loaded)
    }
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
    use der::Encode;
    use rand::SeedableRng;

    #[test]
    fn round_trip_every_algorithm_and_wrong_kek_fails() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let store = SoftwareKeyStore::new(KeyEncryptionKey::new([7; 32]));
        let other = SoftwareKeyStore::new(KeyEncryptionKey::new([8; 32]));
        for algorithm in KeyAlgorithm::ALL {
            let stored = store.generate(algorithm, "t", "", &mut rng).unwrap();
            let signer = store.signer(&stored).unwrap();
            assert_eq!(signer.key_algorithm(), algorithm);
            let KeyLocation::Software {
                encrypted_pkcs8_der,
            } = &stored.location
            else {
                panic!("software")
            };
            // Nothing of the clear key shows: it parses as EncryptedPrivateKeyInfo.
            let parsed = pkcs8::EncryptedPrivateKeyInfoRef::from_der(encrypted_pkcs8_der).unwrap();
            assert!(!parsed.to_der().unwrap().is_empty());
            assert!(matches!(
                other.signer(&stored).map(|_| ()),
                Err(PkiError::KeyDecryption)
            ));
        }
    }
}
