//! PKCS#11 key store (network HSMs in production, `SoftHSM2` in tests) through `cryptoki`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CryptokiError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::{AuthPin, Ulong};
use der::asn1::{BitString, Null, OctetString, UintRef};
use der::{Any, Decode, Encode};
use rand_core::CryptoRng;
use sha2::Digest;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use super::{KeyLocation, KeyStore, StoredKey};
use crate::algorithm::{EC_PUBLIC_KEY, KeyAlgorithm, P256_CURVE, RSA_ENCRYPTION};
use crate::error::{PkiError, Result};
use crate::signer::Signer;

/// Where the token is and how to log in. Its `Debug` leaves the PIN out, so a config that
/// reaches a log line or an error never carries it.
#[derive(Clone)]
pub struct Pkcs11Config {
    /// Path of the PKCS#11 module (`libsofthsm2.so`, a vendor HSM's library).
    pub module: PathBuf,
    /// Label of the token to use.
    pub token_label: String,
    /// The user PIN.
    pub user_pin: String,
}

impl std::fmt::Debug for Pkcs11Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Config")
            .field("module", &self.module)
            .field("token_label", &self.token_label)
            .field("user_pin", &"(hidden)")
            .finish()
    }
}

/// What a key pair is made with on a PKCS#11 token, for the CA's HSM keys here and the
/// subscribers' token keys in `signet-token`: a permanent (`CKA_TOKEN`) pair under `id` and
/// `label`; the private key signs only, is sensitive and never leaves the token; every other
/// usage is said to be off (left out, `SoftHSM2` and others also allow encryption and wrapping).
pub struct KeyPairTemplate {
    /// The key-pair generation mechanism.
    pub mechanism: Mechanism<'static>,
    /// The public key's attributes.
    pub public: Vec<Attribute>,
    /// The private key's attributes.
    pub private: Vec<Attribute>,
}

impl KeyPairTemplate {
    /// The template for an `algorithm` key pair (RSA-2048/3072 with exponent 65537, or ECDSA
    /// P-256); SM2 is refused: PKCS#11 defines no SM2 mechanism.
    pub fn new(algorithm: KeyAlgorithm, id: &[u8], label: &str) -> Result<Self> {
        let common = |private: bool| {
            vec![
                Attribute::Token(true),
                Attribute::Private(private),
                Attribute::Id(id.to_vec()),
                Attribute::Label(label.as_bytes().to_vec()),
            ]
        };
        let mut public = common(false);
        public.extend([
            Attribute::Verify(true),
            Attribute::Encrypt(false),
            Attribute::Wrap(false),
        ]);
        let mut private = common(true);
        private.extend([
            Attribute::Sign(true),
            Attribute::Decrypt(false),
            Attribute::Unwrap(false),
            Attribute::Derive(false),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
        ]);
        let mechanism = match algorithm {
            KeyAlgorithm::Rsa2048 | KeyAlgorithm::Rsa3072 => {
                // `CK_ULONG` is 64-bit on Linux and 32-bit on Windows: the literal takes
                // whichever width the target's PKCS#11 headers give it.
                let bits = Ulong::new(if algorithm == KeyAlgorithm::Rsa2048 {
                    2048
                } else {
                    3072
                });
                public.push(Attribute::ModulusBits(bits));
                public.push(Attribute::PublicExponent(vec![1, 0, 1]));
                Mechanism::RsaPkcsKeyPairGen
            }
            KeyAlgorithm::EcdsaP256 => {
                public.push(Attribute::EcParams(P256_CURVE.to_der()?));
                Mechanism::EccKeyPairGen
            }
            KeyAlgorithm::Sm2 => {
                return Err(PkiError::UnsupportedAlgorithm(
                    "SM2 keys on a PKCS#11 token (PKCS#11 defines no SM2 mechanism)".into(),
                ));
            }
        };
        Ok(Self {
            mechanism,
            public,
            private,
        })
    }
}

/// Keys on a PKCS#11 token. One logged-in session, shared by every signer it hands out.
pub struct Pkcs11KeyStore {
    session: Arc<Mutex<Session>>,
    // Keeps the module loaded for as long as the store lives.
    _context: Pkcs11,
}

impl std::fmt::Debug for Pkcs11KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11KeyStore").finish_non_exhaustive()
    }
}

fn p11(error: impl std::fmt::Display) -> PkiError {
    PkiError::Pkcs11(error.to_string())
}

impl Pkcs11KeyStore {
    /// Load the module, find the token by label and log in as user.
    pub fn open(config: &Pkcs11Config) -> Result<Self> {
        let context = Pkcs11::new(&config.module).map_err(p11)?;
        match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(CryptokiError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(error) => return Err(p11(error)),
        }
        let slot = context
            .get_slots_with_initialized_token()
            .map_err(p11)?
            .into_iter()
            .find(|slot| {
                context
                    .get_token_info(*slot)
                    .is_ok_and(|info| info.label() == config.token_label)
            })
            .ok_or_else(|| PkiError::Pkcs11(format!("no token labelled {}", config.token_label)))?;
        let session = context.open_rw_session(slot).map_err(p11)?;
        let pin = AuthPin::from(config.user_pin.as_str());
        session.login(UserType::User, Some(&pin)).map_err(p11)?;
        Ok(Self {
            session: Arc::new(Mutex::new(session)),
            _context: context,
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Session>> {
        self.session
            .lock()
            .map_err(|_| PkiError::Pkcs11("session lock poisoned".into()))
    }
}

impl KeyStore for Pkcs11KeyStore {
    fn generate(
        &self,
        algorithm: KeyAlgorithm,
        label: &str,
        _sm2_id: &str,
        rng: &mut dyn CryptoRng,
    ) -> Result<StoredKey> {
        let mut id = vec![0u8; 16];
        rng.fill_bytes(&mut id);
        let template = KeyPairTemplate::new(algorithm, &id, label)?;
        self.lock()?
            .generate_key_pair(&template.mechanism, &template.public, &template.private)
            .map_err(p11)?;
        Ok(StoredKey {
            algorithm,
            sm2_id: String::new(),
            location: KeyLocation::Pkcs11 {
                label: label.to_owned(),
                id,
            },
        })
    }

    fn signer(&self, key: &StoredKey) -> Result<Box<dyn Signer>> {
        let KeyLocation::Pkcs11 { id, .. } = &key.location else {
            return Err(PkiError::Key("not a PKCS#11 key".into()));
        };
        let session = self.lock()?;
        let find = |class: ObjectClass| -> Result<ObjectHandle> {
            session
                .find_objects(&[Attribute::Class(class), Attribute::Id(id.clone())])
                .map_err(p11)?
                .into_iter()
                .next()
                .ok_or_else(|| PkiError::Pkcs11("key not found on token".into()))
        };
        let private = find(ObjectClass::PRIVATE_KEY)?;
        let public = find(ObjectClass::PUBLIC_KEY)?;
        let public_key = match key.algorithm {
            KeyAlgorithm::Rsa2048 | KeyAlgorithm::Rsa3072 => rsa_spki(&session, public)?,
            KeyAlgorithm::EcdsaP256 => ec_spki(&session, public)?,
            KeyAlgorithm::Sm2 => return Err(PkiError::UnsupportedAlgorithm("SM2".into())),
        };
        drop(session);
        Ok(Box::new(Pkcs11Signer {
            session: Arc::clone(&self.session),
            private,
            algorithm: key.algorithm,
            public_key,
        }))
    }
}

/// One byte-string attribute of a token object, if the object has it (the raw `cryptoki` error
/// is left to the caller, which knows how to word it). Shared with `signet-token`.
pub fn read_attribute_bytes(
    session: &Session,
    object: ObjectHandle,
    kind: AttributeType,
) -> std::result::Result<Option<Vec<u8>>, CryptokiError> {
    let values = session.get_attributes(object, &[kind])?;
    Ok(values
        .into_iter()
        .find(|attribute| attribute.attribute_type() == kind)
        .and_then(|attribute| match attribute {
            Attribute::Modulus(v)
            | Attribute::PublicExponent(v)
            | Attribute::EcPoint(v)
            | Attribute::EcParams(v)
            | Attribute::Id(v)
            | Attribute::Label(v)
            | Attribute::Value(v) => Some(v),
            _ => None,
        }))
}

fn attribute_bytes(
    session: &Session,
    object: ObjectHandle,
    kind: AttributeType,
) -> Result<Vec<u8>> {
    read_attribute_bytes(session, object, kind)
        .map_err(p11)?
        .ok_or_else(|| PkiError::Pkcs11(format!("token did not return {kind}")))
}

/// The `SubjectPublicKeyInfo` of an RSA public key object from its `CKA_MODULUS` and
/// `CKA_PUBLIC_EXPONENT`. Shared with `signet-token`.
pub fn rsa_public_key_info(modulus: &[u8], exponent: &[u8]) -> Result<SubjectPublicKeyInfoOwned> {
    #[derive(der::Sequence)]
    struct RsaPublicKey<'a> {
        modulus: UintRef<'a>,
        exponent: UintRef<'a>,
    }
    let key = RsaPublicKey {
        modulus: UintRef::new(modulus)?,
        exponent: UintRef::new(exponent)?,
    };
    Ok(SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: RSA_ENCRYPTION,
            parameters: Some(Any::from(Null)),
        },
        subject_public_key: BitString::from_bytes(&key.to_der()?)?,
    })
}

/// The `SubjectPublicKeyInfo` of a P-256 public key object from its `CKA_EC_POINT`: a DER
/// OCTET STRING around the point, or (some modules) the bare point. Shared with `signet-token`.
pub fn p256_public_key_info(ec_point: Vec<u8>) -> Result<SubjectPublicKeyInfoOwned> {
    let point = match OctetString::from_der(&ec_point) {
        Ok(octets) => octets.into_bytes().into_vec(),
        Err(_) => ec_point,
    };
    Ok(SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: EC_PUBLIC_KEY,
            parameters: Some(Any::encode_from(&P256_CURVE)?),
        },
        subject_public_key: BitString::from_bytes(&point)?,
    })
}

fn rsa_spki(session: &Session, public: ObjectHandle) -> Result<SubjectPublicKeyInfoOwned> {
    let modulus = attribute_bytes(session, public, AttributeType::Modulus)?;
    let exponent = attribute_bytes(session, public, AttributeType::PublicExponent)?;
    rsa_public_key_info(&modulus, &exponent)
}

fn ec_spki(session: &Session, public: ObjectHandle) -> Result<SubjectPublicKeyInfoOwned> {
    p256_public_key_info(attribute_bytes(session, public, AttributeType::EcPoint)?)
}

struct Pkcs11Signer {
    session: Arc<Mutex<Session>>,
    private: ObjectHandle,
    algorithm: KeyAlgorithm,
    public_key: SubjectPublicKeyInfoOwned,
}

impl Signer for Pkcs11Signer {
    fn key_algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.public_key
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let session = self
            .session
            .lock()
            .map_err(|_| PkiError::Pkcs11("session lock poisoned".into()))?;
        match self.algorithm {
            KeyAlgorithm::Rsa2048 | KeyAlgorithm::Rsa3072 => session
                .sign(&Mechanism::Sha256RsaPkcs, self.private, message)
                .map_err(p11),
            KeyAlgorithm::EcdsaP256 => {
                // Hash here: plain CKM_ECDSA is the mechanism every token has.
                let digest = sha2::Sha256::digest(message);
                let raw = session
                    .sign(&Mechanism::Ecdsa, self.private, &digest)
                    .map_err(p11)?;
                let signature = p256::ecdsa::Signature::from_slice(&raw)
                    .map_err(|e| PkiError::Signing(e.to_string()))?;
                Ok(signature.to_der().as_bytes().to_vec())
            }
            KeyAlgorithm::Sm2 => Err(PkiError::UnsupportedAlgorithm("SM2".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_never_prints_its_pin() {
        let config = Pkcs11Config {
            module: "/usr/lib/libvendor.so".into(),
            token_label: "signet-ca".into(),
            user_pin: "s3cret-pin".into(),
        };
        let shown = format!("{config:?}");
        assert!(shown.contains("signet-ca"), "{shown}");
        assert!(!shown.contains("s3cret-pin"), "{shown}");
    }

    #[test]
    fn key_pair_templates_sign_only_and_keep_the_key_in() {
        let template = KeyPairTemplate::new(KeyAlgorithm::Rsa3072, b"id-1", "alice").unwrap();
        assert!(matches!(template.mechanism, Mechanism::RsaPkcsKeyPairGen));
        for wanted in [
            Attribute::ModulusBits(3072.into()),
            Attribute::Verify(true),
            Attribute::Encrypt(false),
            Attribute::Wrap(false),
            Attribute::Id(b"id-1".to_vec()),
            Attribute::Private(false),
        ] {
            assert!(template.public.contains(&wanted), "public lacks {wanted:?}");
        }
        for wanted in [
            Attribute::Sign(true),
            Attribute::Decrypt(false),
            Attribute::Unwrap(false),
            Attribute::Derive(false),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Token(true),
            Attribute::Label(b"alice".to_vec()),
        ] {
            assert!(
                template.private.contains(&wanted),
                "private lacks {wanted:?}"
            );
        }
        let ec = KeyPairTemplate::new(KeyAlgorithm::EcdsaP256, b"id-2", "bob").unwrap();
        assert!(matches!(ec.mechanism, Mechanism::EccKeyPairGen));
        assert!(
            ec.public
                .contains(&Attribute::EcParams(P256_CURVE.to_der().unwrap()))
        );
        let sm2 = KeyPairTemplate::new(KeyAlgorithm::Sm2, b"id-3", "carol");
        assert!(matches!(sm2, Err(PkiError::UnsupportedAlgorithm(_))));
    }
}
