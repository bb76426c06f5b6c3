//! A key on the token as a `signet_pki::Signer`: PKCS#10 requests and login challenges.

use std::sync::{Arc, Mutex};

use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use der::Encode;
use der::asn1::UintRef;
use sha2::Digest;
use signet_pki::{KeyAlgorithm, PkiError, Signer};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::name::Name;

use crate::error::{Result, TokenError, p11};
use crate::keys::{KeyId, find};
use crate::token::{Token, lock, logged_in};

/// Bytes of each of r and s in a P-256 signature.
const P256_SCALAR_BYTES: usize = 32;

/// A key pair on the token. Signs through the token's session; the private key stays there.
pub struct TokenKey {
    session: Arc<Mutex<Session>>,
    id: KeyId,
    label: String,
    algorithm: KeyAlgorithm,
    public_key: SubjectPublicKeyInfoOwned,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKey")
            .field("id", &self.id)
            .field("label", &self.label)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// A login challenge signed on the token, with what the server needs to check it.
#[derive(Clone, Debug)]
pub struct SignedChallenge {
    /// The signature as X.509 carries it (PKCS#1 v1.5 for RSA, DER `SEQUENCE { r, s }` for
    /// ECDSA).
    pub signature: Vec<u8>,
    /// The signature algorithm (sha256WithRSAEncryption or ecdsa-with-SHA256).
    pub algorithm: AlgorithmIdentifierOwned,
    /// The key's certificate from the token (DER), if one is stored under the same ID.
    pub certificate: Option<Vec<u8>>,
}

impl TokenKey {
    pub(crate) fn new(
        session: Arc<Mutex<Session>>,
        id: KeyId,
        label: String,
        public_key: SubjectPublicKeyInfoOwned,
    ) -> Result<Self> {
        let algorithm = KeyAlgorithm::of_public_key(&public_key)?;
        Ok(Self {
            session,
            id,
            label,
            algorithm,
            public_key,
        })
    }

    /// The key's `CKA_ID`.
    pub fn id(&self) -> &KeyId {
        &self.id
    }

    /// The key's `CKA_LABEL`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// A PKCS#10 request for `subject`, signed on the token (DER).
    pub fn make_csr(&self, subject: &Name) -> Result<Vec<u8>> {
        // Check first: once inside the PKI builder a token error is only a message.
        self.require_login()?;
        Ok(signet_pki::csr::make_csr(self, subject)?)
    }

    /// A PKCS#10 request for an RFC 4514 subject (`CN=…,O=…,C=CN`), signed on the token.
    pub fn make_csr_for_dn(&self, subject: &str) -> Result<Vec<u8>> {
        self.make_csr(&signet_pki::names::parse_name(subject)?)
    }

    /// Sign `message` on the token, as [`Signer::sign`] does, keeping token errors.
    pub fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>> {
        let session = lock(&self.session);
        let private = self.private_key(&session)?;
        match self.algorithm {
            KeyAlgorithm::Rsa2048 | KeyAlgorithm::Rsa3072 => session
                .sign(&Mechanism::Sha256RsaPkcs, private, message)
                .map_err(p11),
            KeyAlgorithm::EcdsaP256 => {
                // Hash here: plain CKM_ECDSA is the mechanism every EC token has.
                let digest = sha2::Sha256::digest(message);
                let raw = session
                    .sign(&Mechanism::Ecdsa, private, &digest)
                    .map_err(p11)?;
                ecdsa_raw_to_der(&raw)
            }
            KeyAlgorithm::Sm2 => Err(TokenError::UnsupportedAlgorithm("SM2".into())),
        }
    }

    /// The private key's handle, looked up for each use: tokens hand out new handles for
    /// private objects after each login (`SoftHSM2` does), so a remembered one goes stale.
    fn private_key(&self, session: &Session) -> Result<ObjectHandle> {
        let found = find(
            session,
            &[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Id(self.id.as_bytes().to_vec()),
            ],
        )?;
        match found.first() {
            Some(handle) => Ok(*handle),
            None if !logged_in(session)? => Err(TokenError::NotLoggedIn),
            None => Err(TokenError::KeyNotFound(self.id.clone())),
        }
    }

    fn require_login(&self) -> Result<()> {
        if logged_in(&lock(&self.session))? {
            Ok(())
        } else {
            Err(TokenError::NotLoggedIn)
        }
    }
}

impl Signer for TokenKey {
    fn key_algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.public_key
    }

    fn sign(&self, message: &[u8]) -> signet_pki::Result<Vec<u8>> {
        self.sign_message(message).map_err(|error| match error {
            TokenError::Pki(inner) => inner,
            other => PkiError::Pkcs11(other.to_string()),
        })
    }
}

impl Token {
    /// Sign a login challenge with the key `id` (the user must be logged in).
    ///
    /// The server checks it with the certificate's public key
    /// (`signet_pki::signer::verify_signature`), so the certificate stored under the same ID
    /// comes along.
    pub fn sign_challenge(&self, id: &KeyId, challenge: &[u8]) -> Result<SignedChallenge> {
        let key = self.key(id)?;
        let signature = key.sign_message(challenge)?;
        let certificate = self
            .certificates()?
            .into_iter()
            .find(|c| c.id.as_ref() == Some(id))
            .map(|c| c.der);
        Ok(SignedChallenge {
            signature,
            algorithm: key.signature_algorithm(),
            certificate,
        })
    }
}

/// PKCS#11 returns ECDSA signatures as `r || s`; X.509 wants `SEQUENCE { r INTEGER, s INTEGER }`.
fn ecdsa_raw_to_der(raw: &[u8]) -> Result<Vec<u8>> {
    #[derive(der::Sequence)]
    struct EcdsaSignature<'a> {
        r: UintRef<'a>,
        s: UintRef<'a>,
    }
    if raw.len() != 2 * P256_SCALAR_BYTES {
        return Err(TokenError::Pkcs11 {
            function: "Sign".into(),
            reason: format!("ECDSA signature of {} bytes, expected 64", raw.len()),
        });
    }
    let (r, s) = raw.split_at(P256_SCALAR_BYTES);
    let encoded = (|| {
        EcdsaSignature {
            r: UintRef::new(r)?,
            s: UintRef::new(s)?,
        }
        .to_der()
    })();
    encoded.map_err(|e| PkiError::from(e).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_ecdsa_becomes_der() {
        let mut raw = [0u8; 64];
        raw[0] = 0x80; // r needs a leading zero byte to stay positive
        raw[63] = 0x01; // s is 1 after its leading zeros go
        let der = ecdsa_raw_to_der(&raw).unwrap();
        let mut expected = vec![0x30, 0x26, 0x02, 0x21, 0x00, 0x80];
        expected.extend([0; 31]);
        expected.extend([0x02, 0x01, 0x01]);
        assert_eq!(der, expected);
        assert!(ecdsa_raw_to_der(&raw[..63]).is_err());
    }
}
