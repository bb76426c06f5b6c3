//! Key algorithms, CA families and the object identifiers that name them.

use std::fmt;
use std::str::FromStr;

use der::asn1::{Null, ObjectIdentifier};
use der::{Any, Decode};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::error::{PkiError, Result};

/// rsaEncryption.
pub const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// sha256WithRSAEncryption.
pub const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
/// id-RSASSA-PSS.
pub const RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
/// id-ecPublicKey.
pub const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// prime256v1 / secp256r1.
pub const P256_CURVE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// ecdsa-with-SHA256.
pub const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// ecdsa-with-SHA384.
pub const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
/// The SM2 curve (GM/T 0006), carried as id-ecPublicKey parameters.
pub const SM2_CURVE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301");
/// SM2 signature with SM3 (GM/T 0006 `1.2.156.10197.1.501`).
pub const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");
/// SHA-256.
pub const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
/// SHA-384.
pub const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
/// SHA-512.
pub const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
/// SM3 hash (GM/T 0004).
pub const SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.401");
/// SHA-1 (only to read OCSP `CertIDs` that use it).
pub const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");

/// The distinguishing ID GM/T 0009 assumes for SM2 signatures.
pub const SM2_DEFAULT_ID: &str = "1234567812345678";

/// A key algorithm Signet can generate and sign with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// RSA, 2048-bit modulus; signs PKCS#1 v1.5 with SHA-256.
    Rsa2048,
    /// RSA, 3072-bit modulus; signs PKCS#1 v1.5 with SHA-256.
    Rsa3072,
    /// ECDSA on P-256 with SHA-256.
    EcdsaP256,
    /// SM2 with SM3 (GM/T 0003).
    Sm2,
}

/// A CA family: the root, its issuing CA and what they issue share one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// RSA keys.
    Rsa,
    /// ECDSA P-256 keys.
    Ecc,
    /// SM2 keys.
    Sm2,
}

impl KeyAlgorithm {
    /// Every algorithm, for tests and listings.
    pub const ALL: [Self; 4] = [Self::Rsa2048, Self::Rsa3072, Self::EcdsaP256, Self::Sm2];

    /// The family this key belongs to.
    pub fn family(self) -> Family {
        match self {
            Self::Rsa2048 | Self::Rsa3072 => Family::Rsa,
            Self::EcdsaP256 => Family::Ecc,
            Self::Sm2 => Family::Sm2,
        }
    }

    /// Stable name (`rsa-2048`, `rsa-3072`, `ecdsa-p256`, `sm2`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Rsa2048 => "rsa-2048",
            Self::Rsa3072 => "rsa-3072",
            Self::EcdsaP256 => "ecdsa-p256",
            Self::Sm2 => "sm2",
        }
    }

    /// The `AlgorithmIdentifier` this key's signatures carry.
    pub fn signature_algorithm(self) -> AlgorithmIdentifierOwned {
        match self {
            Self::Rsa2048 | Self::Rsa3072 => AlgorithmIdentifierOwned {
                oid: SHA256_WITH_RSA,
                parameters: Some(Any::from(Null)),
            },
            Self::EcdsaP256 => AlgorithmIdentifierOwned {
                oid: ECDSA_WITH_SHA256,
                parameters: None,
            },
            Self::Sm2 => AlgorithmIdentifierOwned {
                oid: SM2_WITH_SM3,
                parameters: None,
            },
        }
    }

    /// The digest used with this key's signatures (SHA-256, or SM3 for SM2).
    pub fn digest_algorithm(self) -> ObjectIdentifier {
        match self {
            Self::Sm2 => SM3,
            _ => SHA256,
        }
    }

    /// Recognise the algorithm of a public key.
    pub fn of_public_key(spki: &SubjectPublicKeyInfoOwned) -> Result<Self> {
        let oid = spki.algorithm.oid;
        if oid == RSA_ENCRYPTION {
            let bits = rsa_modulus_bits(spki.subject_public_key.raw_bytes())?;
            return match bits {
                2048 => Ok(Self::Rsa2048),
                3072 => Ok(Self::Rsa3072),
                other => Err(PkiError::UnsupportedAlgorithm(format!("RSA-{other}"))),
            };
        }
        if oid == EC_PUBLIC_KEY {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .map(der::Any::decode_as::<ObjectIdentifier>)
                .transpose()?;
            return match curve {
                Some(c) if c == P256_CURVE => Ok(Self::EcdsaP256),
                Some(c) if c == SM2_CURVE => Ok(Self::Sm2),
                Some(c) => Err(PkiError::UnsupportedAlgorithm(format!("EC curve {c}"))),
                None => Err(PkiError::UnsupportedAlgorithm(
                    "EC key without curve".into(),
                )),
            };
        }
        Err(PkiError::UnsupportedAlgorithm(format!("public key {oid}")))
    }
}

/// Bits in an `RSAPublicKey`'s modulus.
fn rsa_modulus_bits(rsa_public_key: &[u8]) -> Result<usize> {
    #[derive(der::Sequence)]
    struct RsaPublicKey<'a> {
        modulus: der::asn1::UintRef<'a>,
        exponent: der::asn1::UintRef<'a>,
    }
    let key = RsaPublicKey::from_der(rsa_public_key)?;
    if key.exponent.is_empty() {
        return Err(PkiError::Key("empty RSA exponent".into()));
    }
    let bytes = key.modulus.as_bytes();
    let Some(first) = bytes.first() else {
        return Err(PkiError::Key("empty RSA modulus".into()));
    };
    Ok((bytes.len() - 1) * 8 + (8 - first.leading_zeros() as usize))
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyAlgorithm {
    type Err = PkiError;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| PkiError::UnsupportedAlgorithm(s.to_owned()))
    }
}

impl Family {
    /// Every family.
    pub const ALL: [Self; 3] = [Self::Rsa, Self::Ecc, Self::Sm2];

    /// Stable name (`rsa`, `ecc`, `sm2`), used in URLs (`/pki/{ca}/…`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Rsa => "rsa",
            Self::Ecc => "ecc",
            Self::Sm2 => "sm2",
        }
    }

    /// The algorithm the family's CAs use by default (`HierarchyConfig::rsa_ca_key` can make the
    /// `rsa` CAs RSA-2048).
    pub fn ca_algorithm(self) -> KeyAlgorithm {
        match self {
            Self::Rsa => KeyAlgorithm::Rsa3072,
            Self::Ecc => KeyAlgorithm::EcdsaP256,
            Self::Sm2 => KeyAlgorithm::Sm2,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Family {
    type Err = PkiError;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| PkiError::UnsupportedAlgorithm(s.to_owned()))
    }
}
