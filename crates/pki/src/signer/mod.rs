//! The signer interface every key store hands out, and its bridge to the `x509-cert` builders.

mod software;
mod verify;

pub use software::SoftwareKey;
pub use verify::{Sm2Ids, verify_signature};

use der::asn1::BitString;
use spki::{
    AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey,
    SignatureBitStringEncoding, SubjectPublicKeyInfoOwned,
};

use crate::algorithm::KeyAlgorithm;
use crate::error::{PkiError, Result};

/// A private key that can sign, wherever it lives (memory, PKCS#11 token).
///
/// `sign` returns the signature exactly as X.509/CMS carry it: PKCS#1 v1.5 bytes for RSA, a DER
/// `SEQUENCE { r, s }` for ECDSA and SM2.
pub trait Signer: Send + Sync {
    /// The key's algorithm.
    fn key_algorithm(&self) -> KeyAlgorithm;
    /// The public half, as `SubjectPublicKeyInfo`.
    fn public_key(&self) -> &SubjectPublicKeyInfoOwned;
    /// SM2 distinguishing ID this key signs with (`None` for RSA/ECDSA).
    fn sm2_id(&self) -> Option<&str> {
        None
    }
    /// Sign `message` (the signer hashes it).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>>;
    /// The `AlgorithmIdentifier` this key's signatures carry.
    fn signature_algorithm(&self) -> AlgorithmIdentifierOwned {
        self.key_algorithm().signature_algorithm()
    }
}

/// Wraps any [`Signer`] so `x509-cert`'s `CertificateBuilder`/`CrlBuilder` can use it.
pub(crate) struct BuilderSigner<'a>(pub &'a dyn Signer);

/// A public key that encodes itself as the SPKI it already is.
#[derive(Clone)]
pub(crate) struct SpkiKey(SubjectPublicKeyInfoOwned);

/// Signature bytes already in their final form.
pub(crate) struct RawSignature(Vec<u8>);

impl EncodePublicKey for SpkiKey {
    fn to_public_key_der(&self) -> spki::Result<der::Document> {
        Ok(der::Document::encode_msg(&self.0)?)
    }
}

impl SignatureBitStringEncoding for RawSignature {
    fn to_bitstring(&self) -> der::Result<BitString> {
        BitString::from_bytes(&self.0)
    }
}

impl signature::Keypair for BuilderSigner<'_> {
    type VerifyingKey = SpkiKey;

    fn verifying_key(&self) -> SpkiKey {
        SpkiKey(self.0.public_key().clone())
    }
}

impl DynSignatureAlgorithmIdentifier for BuilderSigner<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(self.0.signature_algorithm())
    }
}

impl signature::Signer<RawSignature> for BuilderSigner<'_> {
    fn try_sign(&self, msg: &[u8]) -> std::result::Result<RawSignature, signature::Error> {
        self.0
            .sign(msg)
            .map(RawSignature)
            .map_err(signature::Error::from_source)
    }
}

/// Sign with the builder, keeping our own error when the signer is the one that failed.
pub(crate) fn build_with<B>(builder: B, signer: &dyn Signer) -> Result<B::Output>
where
    B: x509_cert::builder::Builder,
{
    builder
        .build::<_, RawSignature>(&BuilderSigner(signer))
        .map_err(|error| match error {
            x509_cert::builder::Error::Signature(inner) => PkiError::Signing(
                std::error::Error::source(&inner)
                    .map_or_else(|| inner.to_string(), std::string::ToString::to_string),
            ),
            other => PkiError::from(other),
        })
}
