//! Where the CA's keys live: software keys encrypted under the CA key-encryption key, or, when
//! the CA token is configured (`SIGNET_CA_PKCS11_*`), keys on that PKCS#11 token. One store
//! hands out signers for both; the database row says which (ADR 0020).

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use signet_pki::keystore::{
    KeyLocation, KeyStore, Pkcs11Config, Pkcs11KeyStore, SoftwareKeyStore, StoredKey,
};
use signet_pki::{KeyAlgorithm, PkiError, Signer};
use sqlx::Row as _;
use sqlx::any::AnyRow;
use sys_rng::rand_core::CryptoRng;

use super::{Authority, internal};
use crate::Platform;
use crate::error::CoreError;

/// The CA's keys: software, and the token's when one is configured. Clones share both.
#[derive(Clone)]
pub struct CaKeys {
    pub(super) software: SoftwareKeyStore,
    token: Option<Arc<Pkcs11KeyStore>>,
}

impl CaKeys {
    pub(super) fn new(software: SoftwareKeyStore, token: Option<Arc<Pkcs11KeyStore>>) -> Self {
        Self { software, token }
    }

    /// Whether new keys of `algorithm` are made on the token: RSA and ECDSA when a token is
    /// configured. PKCS#11 defines no SM2 mechanism, so SM2 keys are always software keys.
    pub fn on_token(&self, algorithm: KeyAlgorithm) -> bool {
        self.token.is_some() && algorithm != KeyAlgorithm::Sm2
    }
}

impl KeyStore for CaKeys {
    fn generate(
        &self,
        algorithm: KeyAlgorithm,
        label: &str,
        sm2_id: &str,
        rng: &mut dyn CryptoRng,
    ) -> signet_pki::Result<StoredKey> {
        match &self.token {
            Some(token) if algorithm != KeyAlgorithm::Sm2 => {
                token.generate(algorithm, label, sm2_id, rng)
            }
            _ => self.software.generate(algorithm, label, sm2_id, rng),
        }
    }

    fn signer(&self, key: &StoredKey) -> signet_pki::Result<Box<dyn Signer>> {
        match (&key.location, &self.token) {
            (KeyLocation::Software { .. }, _) => self.software.signer(key),
            (KeyLocation::Pkcs11 { .. }, Some(token)) => token.signer(key),
            (KeyLocation::Pkcs11 { label, .. }, None) => Err(PkiError::Pkcs11(format!(
                "CA 密钥 {label} 在 PKCS#11 令牌上，但未配置令牌 / the CA key {label} is on a \
                 PKCS#11 token and no token is configured (set SIGNET_CA_PKCS11_MODULE, \
                 SIGNET_CA_PKCS11_TOKEN and SIGNET_CA_PKCS11_PIN or SIGNET_CA_PKCS11_PIN_FILE)"
            ))),
        }
    }
}

/// Logs in to the CA token, with an error that says which setting to look at.
pub(super) fn open_token(config: &Pkcs11Config) -> Result<Pkcs11KeyStore, CoreError> {
    Pkcs11KeyStore::open(config).map_err(|error| {
        CoreError::internal(format!(
            "CA 密钥令牌无法使用 / cannot use the CA key token '{}' through {}: {error} (check \
             SIGNET_CA_PKCS11_MODULE, SIGNET_CA_PKCS11_TOKEN and the PIN)",
            config.token_label,
            config.module.display()
        ))
    })
}

/// A row's key: `key_token_id` (hex `CKA_ID`) set means a token key, else the encrypted
/// software key in `key_encrypted`.
pub(super) fn stored_key(row: &AnyRow) -> Result<StoredKey, CoreError> {
    let algorithm: String = row.try_get("key_algorithm")?;
    let token_id: Option<String> = row.try_get("key_token_id")?;
    let location = match token_id {
        Some(id) => KeyLocation::Pkcs11 {
            label: row
                .try_get::<Option<String>, _>("key_token_label")?
                .unwrap_or_default(),
            id: hex::decode(id).map_err(internal)?,
        },
        None => KeyLocation::Software {
            encrypted_pkcs8_der: STANDARD
                .decode(row.try_get::<String, _>("key_encrypted")?)
                .map_err(internal)?,
        },
    };
    Ok(StoredKey {
        algorithm: algorithm.parse().map_err(internal)?,
        sm2_id: row.try_get("sm2_id")?,
        location,
    })
}

/// The columns a key is stored in: `key_encrypted` (base64, empty for a token key),
/// `key_token_label` and `key_token_id` (hex, both `None` for a software key). Never a private
/// key in clear: a token key is only its label and id.
pub(super) struct KeyColumns {
    pub encrypted: String,
    pub token_label: Option<String>,
    pub token_id: Option<String>,
}

impl KeyColumns {
    pub(super) fn of(key: &StoredKey) -> Self {
        match &key.location {
            KeyLocation::Software {
                encrypted_pkcs8_der,
            } => Self {
                encrypted: STANDARD.encode(encrypted_pkcs8_der),
                token_label: None,
                token_id: None,
            },
            KeyLocation::Pkcs11 { label, id } => Self {
                encrypted: String::new(),
                token_label: Some(label.clone()),
                token_id: Some(hex::encode(id)),
            },
        }
    }
}

/// Checks at start that every CA key on a token is there and matches its certificate (a token
/// missing, the wrong token, a wrong PIN or a key deleted), so `signet serve` refuses to start
/// with the reason rather than failing a request later. Software keys are not opened here (a
/// root's key is never opened by the server). Returns the names of the token keys checked.
pub async fn check_keys(platform: &Platform) -> Result<Vec<String>, CoreError> {
    let rows = sqlx::query(
        "SELECT name, certificate_der, key_algorithm, sm2_id, key_encrypted, key_token_label, \
         key_token_id FROM ca_authorities WHERE key_token_id IS NOT NULL ORDER BY name",
    )
    .fetch_all(platform.db.pool())
    .await?;
    let mut checked = Vec::new();
    if rows.is_empty() {
        // Opening the authority still logs in to a configured token: a wrong PIN shows now.
        Authority::of(platform)?;
        return Ok(checked);
    }
    let keys = super::key_store(platform)?;
    for row in rows {
        let name: String = row.try_get("name")?;
        let certificate =
            super::certificate_from_base64(&row.try_get::<String, _>("certificate_der")?)?;
        let key = stored_key(&row)?;
        let signer = keys.signer(&key).map_err(|error| {
            CoreError::internal(format!(
                "CA {name} 的密钥不可用 / the key of CA {name} cannot be used: {error}"
            ))
        })?;
        if signer.public_key() != certificate.tbs_certificate().subject_public_key_info() {
            return Err(CoreError::internal(format!(
                "令牌上的密钥与 CA {name} 的证书不符 / the key on the token does not match the \
                 certificate of CA {name} (another token, or the key was replaced)"
            )));
        }
        checked.push(name);
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use signet_pki::keystore::{KeyEncryptionKey, KeyLocation, KeyStore as _, StoredKey};
    use signet_pki::{KeyAlgorithm, PkiError};

    use super::{CaKeys, KeyColumns, SoftwareKeyStore};

    fn software_only() -> CaKeys {
        CaKeys::new(SoftwareKeyStore::new(KeyEncryptionKey::new([9; 32])), None)
    }

    #[test]
    fn a_token_key_without_a_token_names_the_settings() {
        let keys = software_only();
        let key = StoredKey {
            algorithm: KeyAlgorithm::EcdsaP256,
            sm2_id: String::new(),
            location: KeyLocation::Pkcs11 {
                label: "ecc".into(),
                id: vec![1; 16],
            },
        };
        let Err(PkiError::Pkcs11(message)) = keys.signer(&key) else {
            panic!("a token key opened without a token");
        };
        assert!(message.contains("no token is configured"), "{message}");
        assert!(message.contains("SIGNET_CA_PKCS11_MODULE"), "{message}");
    }

    #[test]
    fn without_a_token_keys_are_software_and_stored_encrypted() {
        let keys = software_only();
        assert!(!keys.on_token(KeyAlgorithm::EcdsaP256));
        let mut rng = sys_rng::rand_core::UnwrapErr(sys_rng::SysRng);
        let key = keys
            .generate(KeyAlgorithm::EcdsaP256, "ecc", "", &mut rng)
            .unwrap();
        assert!(matches!(key.location, KeyLocation::Software { .. }));
        assert!(keys.signer(&key).unwrap().sign(b"x").is_ok());
        let columns = KeyColumns::of(&key);
        assert!(!columns.encrypted.is_empty());
        assert!(columns.token_label.is_none() && columns.token_id.is_none());
        let token = KeyColumns::of(&StoredKey {
            algorithm: KeyAlgorithm::Rsa3072,
            sm2_id: String::new(),
            location: KeyLocation::Pkcs11 {
                label: "rsa-root".into(),
                id: vec![0xab, 0x01],
            },
        });
        assert_eq!(token.encrypted, "");
        assert_eq!(token.token_label.as_deref(), Some("rsa-root"));
        assert_eq!(token.token_id.as_deref(), Some("ab01"));
    }
}
