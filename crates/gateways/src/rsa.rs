//! `SHA256withRSA` (RSASSA-PKCS1-v1_5 with SHA-256), the signature both WeChat Pay API v3 and
//! Alipay's RSA2 use, on AWS-LC like the rest of Signet's RSA.

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::ConfigError;

/// A merchant's private key.
pub struct RsaSigner {
    pair: aws_lc_rs::rsa::KeyPair,
}

impl RsaSigner {
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, ConfigError> {
        let pair = aws_lc_rs::rsa::KeyPair::from_pkcs8(der)
            .map_err(|e| ConfigError(format!("RSA private key: {e}")))?;
        Ok(Self { pair })
    }

    /// Base64 of the signature over `message`.
    pub fn sign_base64(&self, message: &[u8]) -> Result<String, signet_core::CoreError> {
        let mut signature = vec![0; self.pair.public_modulus_len()];
        // PKCS#1 v1.5 is deterministic; AWS-LC does not draw from the RNG argument.
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.pair
            .sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature)
            .map_err(|_| signet_core::CoreError::internal("RSA signing failed"))?;
        Ok(STANDARD.encode(signature))
    }
}

/// A vendor's public key (`SubjectPublicKeyInfo` DER).
#[derive(Clone)]
pub struct RsaVerifier {
    spki: Vec<u8>,
}

impl RsaVerifier {
    pub fn from_spki_der(der: &[u8]) -> Result<Self, ConfigError> {
        let verifier = Self { spki: der.to_vec() };
        // A key that cannot verify anything is a settings error, found at start-up.
        if der.len() < 64 {
            return Err(ConfigError("RSA public key too short".into()));
        }
        Ok(verifier)
    }

    /// Whether `signature_base64` is a valid signature of `message`.
    pub fn verify_base64(&self, message: &[u8], signature_base64: &str) -> bool {
        let Ok(signature) = STANDARD.decode(signature_base64.trim()) else {
            return false;
        };
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &self.spki)
            .verify(message, &signature)
            .is_ok()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
    use aws_lc_rs::signature::KeyPair as _;

    use super::*;

    /// A fresh 2048-bit key pair as (PKCS#8 DER, SPKI DER).
    pub(crate) fn key_pair() -> (Vec<u8>, Vec<u8>) {
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let private: Pkcs8V1Der<'_> = pair.as_der().unwrap();
        let public: PublicKeyX509Der<'_> = pair.public_key().as_der().unwrap();
        (private.as_ref().to_vec(), public.as_ref().to_vec())
    }

    #[test]
    fn signs_and_verifies_and_refuses_a_changed_message() {
        let (private, public) = key_pair();
        let signer = RsaSigner::from_pkcs8_der(&private).unwrap();
        let verifier = RsaVerifier::from_spki_der(&public).unwrap();
        let signature = signer.sign_base64(b"app_id=1&method=x").unwrap();
        assert!(verifier.verify_base64(b"app_id=1&method=x", &signature));
        assert!(!verifier.verify_base64(b"app_id=2&method=x", &signature));
        assert!(!verifier.verify_base64(b"app_id=1&method=x", "not base64!"));
    }
}
