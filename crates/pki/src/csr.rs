//! PKCS#10 requests: parse, bound, and check proof of possession before anything is issued.

use der::{Decode, Encode};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::name::Name;
use x509_cert::request::{CertReq, RequestBuilder, Version};

use crate::algorithm::KeyAlgorithm;
use crate::error::{PkiError, Result};
use crate::signer::{Signer, Sm2Ids, build_with, verify_signature};

/// Largest request accepted (an RSA-4096 request with extensions is under 2 KiB).
pub const MAX_CSR_BYTES: usize = 16 * 1024;

/// A request whose signature verified: the requester holds the private key.
#[derive(Clone, Debug)]
pub struct VerifiedCsr {
    /// Subject the requester asked for (the platform usually replaces it with the verified one).
    pub subject: Name,
    /// The key to certify.
    pub public_key: SubjectPublicKeyInfoOwned,
    /// Its algorithm.
    pub algorithm: KeyAlgorithm,
}

/// Parse a PKCS#10 request in DER or PEM and verify its signature.
///
/// SM2 requests are accepted under either distinguishing ID (tokens differ).
pub fn parse_csr(input: &[u8]) -> Result<VerifiedCsr> {
    if input.len() > MAX_CSR_BYTES {
        return Err(PkiError::CsrTooLarge(input.len()));
    }
    let der_bytes = if input.starts_with(b"-----BEGIN") {
        let text =
            std::str::from_utf8(input).map_err(|_| PkiError::MalformedCsr("not UTF-8".into()))?;
        let (label, der_bytes) = der::pem::decode_vec(text.as_bytes())
            .map_err(|e| PkiError::MalformedCsr(e.to_string()))?;
        if label != "CERTIFICATE REQUEST" && label != "NEW CERTIFICATE REQUEST" {
            return Err(PkiError::MalformedCsr(format!("PEM label {label}")));
        }
        der_bytes
    } else {
        input.to_vec()
    };
    let request =
        CertReq::from_der(&der_bytes).map_err(|e| PkiError::MalformedCsr(e.to_string()))?;
    if request.info.version != Version::V1 {
        return Err(PkiError::MalformedCsr("unknown version".into()));
    }
    let algorithm = KeyAlgorithm::of_public_key(&request.info.public_key)?;
    let signed = request.info.to_der()?;
    let signature = request
        .signature
        .as_bytes()
        .ok_or_else(|| PkiError::MalformedCsr("signature has unused bits".into()))?;
    match verify_signature(
        &request.info.public_key,
        &request.algorithm,
        &signed,
        signature,
        Sm2Ids::EITHER,
    ) {
        Ok(()) => {}
        Err(PkiError::BadSignature | PkiError::Key(_)) => return Err(PkiError::ProofOfPossession),
        Err(other) => return Err(other),
    }
    Ok(VerifiedCsr {
        subject: request.info.subject,
        public_key: request.info.public_key,
        algorithm,
    })
}

/// Make a PKCS#10 request (what a token client does); DER.
pub fn make_csr(signer: &dyn Signer, subject: &Name) -> Result<Vec<u8>> {
    let builder = RequestBuilder::new(subject.clone())?;
    Ok(build_with(builder, signer)?.to_der()?)
}
