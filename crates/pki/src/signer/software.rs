//! Private keys held in memory: RSA and ECDSA through AWS-LC, SM2 through `RustCrypto`.

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _, RSA_PKCS1_SHA256,
};
use der::Decode;
use rand_core::CryptoRng;
use sm2::elliptic_curve::Generate;
use sm2::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use spki::SubjectPublicKeyInfoOwned;
use zeroize::Zeroizing;

use super::Signer;
use crate::algorithm::{EC_PUBLIC_KEY, KeyAlgorithm, P256_CURVE, RSA_ENCRYPTION, SM2_CURVE};
use crate::error::{PkiError, Result};

/// A private key in memory. Never serialised in clear: the key store encrypts it.
pub struct SoftwareKey {
    inner: Inner,
    algorithm: KeyAlgorithm,
    public_key: SubjectPublicKeyInfoOwned,
}

enum Inner {
    Rsa(aws_lc_rs::rsa::KeyPair),
    Ecdsa(EcdsaKeyPair),
    Sm2 {
        key: Box<sm2::dsa::SigningKey>,
        secret: sm2::SecretKey,
        id: String,
    },
}

impl std::fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftwareKey")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

fn key_error(what: &str) -> impl Fn(aws_lc_rs::error::Unspecified) -> PkiError + '_ {
    move |_| PkiError::Key(what.to_owned())
}

impl SoftwareKey {
    /// Generate a key. RSA and ECDSA keys come from AWS-LC's own DRBG (it takes no RNG);
    /// SM2 keys from `rng`. `sm2_id` is the distinguishing ID an SM2 key signs with.
    pub fn generate<R: CryptoRng + ?Sized>(
        algorithm: KeyAlgorithm,
        sm2_id: &str,
        rng: &mut R,
    ) -> Result<Self> {
        match algorithm {
            KeyAlgorithm::Rsa2048 | KeyAlgorithm::Rsa3072 => {
                let size = if algorithm == KeyAlgorithm::Rsa2048 {
                    KeySize::Rsa2048
                } else {
                    KeySize::Rsa3072
                };
                let pair = aws_lc_rs::rsa::KeyPair::generate(size)
                    .map_err(key_error("RSA key generation failed"))?;
                Self::from_rsa(pair)
            }
            KeyAlgorithm::EcdsaP256 => {
                let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING)
                    .map_err(key_error("ECDSA key generation failed"))?;
                Self::from_ecdsa(pair)
            }
            KeyAlgorithm::Sm2 => {
                let Ok(secret) = sm2::SecretKey::try_generate_from_rng(rng);
                Self::from_sm2(secret, sm2_id)
            }
        }
    }

    /// Load a key from unencrypted PKCS#8 DER (the key store decrypts first).
    pub fn from_pkcs8_der(der: &[u8], sm2_id: &str) -> Result<Self> {
        let info = pkcs8::PrivateKeyInfoRef::from_der(der)
            .map_err(|e| PkiError::Key(format!("not PKCS#8: {e}")))?;
        let oid = info.algorithm.oid;
        let curve = info
            .algorithm
            .parameters
            .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok());
        if oid == RSA_ENCRYPTION {
            let pair = aws_lc_rs::rsa::KeyPair::from_pkcs8(der)
                .map_err(|e| PkiError::Key(e.to_string()))?;
            Self::from_rsa(pair)
        } else if oid == EC_PUBLIC_KEY && curve == Some(P256_CURVE) {
            let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, der)
                .map_err(|e| PkiError::Key(e.to_string()))?;
            Self::from_ecdsa(pair)
        } else if oid == EC_PUBLIC_KEY && curve == Some(SM2_CURVE) {
            let secret =
                sm2::SecretKey::from_pkcs8_der(der).map_err(|e| PkiError::Key(e.to_string()))?;
            Self::from_sm2(secret, sm2_id)
        } else {
            Err(PkiError::UnsupportedAlgorithm(format!("private key {oid}")))
        }
    }

    fn from_rsa(pair: aws_lc_rs::rsa::KeyPair) -> Result<Self> {
        let algorithm = match pair.public_modulus_len() {
            256 => KeyAlgorithm::Rsa2048,
            384 => KeyAlgorithm::Rsa3072,
            other => {
                return Err(PkiError::UnsupportedAlgorithm(format!("RSA-{}", other * 8)));
            }
        };
        let spki_der: PublicKeyX509Der<'_> = pair
            .public_key()
            .as_der()
            .map_err(key_error("RSA public key encoding failed"))?;
        let public_key = SubjectPublicKeyInfoOwned::from_der(spki_der.as_ref())?;
        Ok(Self {
            inner: Inner::Rsa(pair),
            algorithm,
            public_key,
        })
    }

    fn from_ecdsa(pair: EcdsaKeyPair) -> Result<Self> {
        let spki_der: PublicKeyX509Der<'_> = pair
            .public_key()
            .as_der()
            .map_err(key_error("EC public key encoding failed"))?;
        let public_key = SubjectPublicKeyInfoOwned::from_der(spki_der.as_ref())?;
        Ok(Self {
            inner: Inner::Ecdsa(pair),
            algorithm: KeyAlgorithm::EcdsaP256,
            public_key,
        })
    }

    fn from_sm2(secret: sm2::SecretKey, id: &str) -> Result<Self> {
        let key = sm2::dsa::SigningKey::new(id, &secret)
            .map_err(|_| PkiError::Key("SM2 distinguishing ID too long".into()))?;
        let spki_der = secret
            .public_key()
            .to_public_key_der()
            .map_err(|e| PkiError::Key(e.to_string()))?;
        let public_key = SubjectPublicKeyInfoOwned::from_der(spki_der.as_bytes())?;
        Ok(Self {
            inner: Inner::Sm2 {
                key: Box::new(key),
                secret,
                id: id.to_owned(),
            },
            algorithm: KeyAlgorithm::Sm2,
            public_key,
        })
    }

    /// The same key signing with another SM2 distinguishing ID (no-op for RSA/ECDSA).
    pub fn with_sm2_id(self, id: &str) -> Result<Self> {
        match self.inner {
            Inner::Sm2 { secret, .. } => Self::from_sm2(secret, id),
            _ => Ok(self),
        }
    }

    /// Unencrypted PKCS#8 DER: the key store encrypts it at once; `signet ca issue` writes it
    /// as `key.pem` for a server-generated key the holder downloads.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        match &self.inner {
            Inner::Rsa(pair) => {
                let der: Pkcs8V1Der<'_> = pair
                    .as_der()
                    .map_err(key_error("RSA private key encoding failed"))?;
                Ok(Zeroizing::new(der.as_ref().to_vec()))
            }
            Inner::Ecdsa(pair) => {
                let doc = pair
                    .to_pkcs8v1()
                    .map_err(key_error("EC private key encoding failed"))?;
                Ok(Zeroizing::new(doc.as_ref().to_vec()))
            }
            Inner::Sm2 { secret, .. } => {
                let doc = secret
                    .to_pkcs8_der()
                    .map_err(|e| PkiError::Key(e.to_string()))?;
                Ok(Zeroizing::new(doc.as_bytes().to_vec()))
            }
        }
    }
}

impl Signer for SoftwareKey {
    fn key_algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.public_key
    }

    fn sm2_id(&self) -> Option<&str> {
        match &self.inner {
            Inner::Sm2 { id, .. } => Some(id),
            _ => None,
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        match &self.inner {
            Inner::Rsa(pair) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                // AWS-LC ignores the RNG for PKCS#1 v1.5; the parameter is an API leftover.
                let rng = aws_lc_rs::rand::SystemRandom::new();
                pair.sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature)
                    .map_err(|_| PkiError::Signing("RSA signing failed".into()))?;
                Ok(signature)
            }
            Inner::Ecdsa(pair) => {
                let rng = aws_lc_rs::rand::SystemRandom::new();
                let signature = pair
                    .sign(&rng, message)
                    .map_err(|_| PkiError::Signing("ECDSA signing failed".into()))?;
                Ok(signature.as_ref().to_vec())
            }
            Inner::Sm2 { key, .. } => {
                // `sm2` yields raw r‖s; X.509 and CMS need the DER SEQUENCE.
                let raw: sm2::dsa::Signature = signature::Signer::try_sign(key.as_ref(), message)
                    .map_err(|e| PkiError::Signing(e.to_string()))?;
                Ok(raw.to_der().to_vec())
            }
        }
    }
}
