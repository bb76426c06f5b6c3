//! Key stores: where CA and subscriber private keys live, behind one trait.

mod pkcs11;
mod software;
mod wrapped;

pub use pkcs11::{
    KeyPairTemplate, Pkcs11Config, Pkcs11KeyStore, p256_public_key_info, read_attribute_bytes,
    rsa_public_key_info,
};
pub use software::{KeyEncryptionKey, SoftwareKeyStore};
pub use wrapped::KdfParams;

use rand_core::CryptoRng;

use crate::algorithm::KeyAlgorithm;
use crate::error::Result;
use crate::signer::Signer;

/// What the platform stores to find a key again. Holds no private key in clear.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredKey {
    /// The key's algorithm.
    pub algorithm: KeyAlgorithm,
    /// The SM2 distinguishing ID the key signs with (empty for RSA/ECDSA keys).
    pub sm2_id: String,
    /// Where the private key lives.
    pub location: KeyLocation,
}

/// Where a private key lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyLocation {
    /// A key encrypted under the platform's key-encryption key: format 1 (Argon2id +
    /// AES-256-GCM with the KEK's id, see `wrapped.rs`) or, for keys written before it, a PKCS#8
    /// `EncryptedPrivateKeyInfo` (PBES2: PBKDF2-SHA256 + AES-256-CBC) that is read and rewritten.
    Software {
        /// The encrypted key (the name is from the first format, kept for the callers).
        encrypted_pkcs8_der: Vec<u8>,
    },
    /// A key pair on a PKCS#11 token, found by its `CKA_ID`.
    Pkcs11 {
        /// `CKA_LABEL` given at generation.
        label: String,
        /// `CKA_ID` (random, 16 bytes).
        id: Vec<u8>,
    },
}

impl StoredKey {
    /// The encrypted key as PEM, for software keys: `SIGNET WRAPPED PRIVATE KEY` (format 1) or
    /// `ENCRYPTED PRIVATE KEY` (a legacy PKCS#8 key).
    pub fn encrypted_pem(&self) -> Option<String> {
        match &self.location {
            KeyLocation::Software {
                encrypted_pkcs8_der,
            } => der::pem::encode_string(
                if wrapped::is_wrapped(encrypted_pkcs8_der) {
                    "SIGNET WRAPPED PRIVATE KEY"
                } else {
                    "ENCRYPTED PRIVATE KEY"
                },
                der::pem::LineEnding::LF,
                encrypted_pkcs8_der,
            )
            .ok(),
            KeyLocation::Pkcs11 { .. } => None,
        }
    }
}

/// A place that makes keys and hands out signers for them.
pub trait KeyStore: Send + Sync {
    /// Make a new key pair. `label` names it for people (PKCS#11 `CKA_LABEL`).
    fn generate(
        &self,
        algorithm: KeyAlgorithm,
        label: &str,
        sm2_id: &str,
        rng: &mut dyn CryptoRng,
    ) -> Result<StoredKey>;

    /// A signer for a key this store made.
    fn signer(&self, key: &StoredKey) -> Result<Box<dyn Signer>>;
}
