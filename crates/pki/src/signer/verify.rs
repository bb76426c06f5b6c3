//! Signature verification for every algorithm Signet accepts from others.

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA384_ASN1, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256,
    RSA_PKCS1_2048_8192_SHA384, RSA_PKCS1_2048_8192_SHA512, RSA_PSS_2048_8192_SHA256,
    RSA_PSS_2048_8192_SHA384, RSA_PSS_2048_8192_SHA512, VerificationAlgorithm,
};
use std::sync::{Arc, Mutex, PoisonError};

use der::{Decode, Encode, asn1::ObjectIdentifier};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::algorithm::{
    EC_PUBLIC_KEY, ECDSA_WITH_SHA256, ECDSA_WITH_SHA384, P256_CURVE, RSA_ENCRYPTION, RSASSA_PSS,
    SHA256, SHA256_WITH_RSA, SHA384, SHA512, SM2_CURVE, SM2_DEFAULT_ID, SM2_WITH_SM3,
};
use crate::error::{PkiError, Result};

const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");

/// Which SM2 distinguishing IDs a verifier accepts.
#[derive(Clone, Copy, Debug)]
pub struct Sm2Ids<'a>(pub &'a [&'a str]);

impl Sm2Ids<'static> {
    /// GM/T's `1234567812345678` or the empty ID OpenSSL 3.0's command line uses.
    pub const EITHER: Self = Sm2Ids(&[SM2_DEFAULT_ID, ""]);
    /// Only GM/T's default ID.
    pub const GMT: Self = Sm2Ids(&[SM2_DEFAULT_ID]);
    /// Only the empty ID.
    pub const EMPTY: Self = Sm2Ids(&[""]);
}

/// RSASSA-PSS-params (RFC 4055); only the hash decides which verifier we use.
#[derive(der::Sequence)]
struct PssParams {
    #[asn1(context_specific = "0", optional = "true")]
    hash: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", optional = "true")]
    mask_generation: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", optional = "true")]
    salt_length: Option<u32>,
    #[asn1(context_specific = "3", optional = "true")]
    trailer: Option<u32>,
}

/// Verify `signature` over `message` by `public_key` under `algorithm`.
///
/// RSA: PKCS#1 v1.5 and PSS (SHA-256/384/512); ECDSA P-256; SM2 with SM3 under any of
/// `sm2_ids`.
pub fn verify_signature(
    public_key: &SubjectPublicKeyInfoOwned,
    algorithm: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
    sm2_ids: Sm2Ids<'_>,
) -> Result<()> {
    let key_oid = public_key.algorithm.oid;
    let curve = public_key
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    let oid = algorithm.oid;
    if oid == SM2_WITH_SM3 {
        if key_oid != EC_PUBLIC_KEY || curve != Some(SM2_CURVE) {
            return Err(key_mismatch(oid));
        }
        return verify_sm2(public_key, message, signature, sm2_ids);
    }
    let verifier: &'static dyn VerificationAlgorithm = if oid == SHA256_WITH_RSA {
        &RSA_PKCS1_2048_8192_SHA256
    } else if oid == SHA384_WITH_RSA {
        &RSA_PKCS1_2048_8192_SHA384
    } else if oid == SHA512_WITH_RSA {
        &RSA_PKCS1_2048_8192_SHA512
    } else if oid == RSASSA_PSS {
        pss_verifier(algorithm)?
    } else if oid == ECDSA_WITH_SHA256 || oid == ECDSA_WITH_SHA384 {
        if key_oid != EC_PUBLIC_KEY || curve != Some(P256_CURVE) {
            return Err(PkiError::UnsupportedAlgorithm(format!(
                "ECDSA key on curve {curve:?}"
            )));
        }
        if oid == ECDSA_WITH_SHA256 {
            &ECDSA_P256_SHA256_ASN1
        } else {
            &ECDSA_P256_SHA384_ASN1
        }
    } else {
        return Err(PkiError::UnsupportedAlgorithm(format!("signature {oid}")));
    };
    let is_rsa_signature = oid != ECDSA_WITH_SHA256 && oid != ECDSA_WITH_SHA384;
    if is_rsa_signature && key_oid != RSA_ENCRYPTION {
        return Err(key_mismatch(oid));
    }
    let spki_der = public_key.to_der()?;
    parsed_key(verifier, spki_der)?
        .verify_sig(message, signature)
        .map_err(|_| PkiError::BadSignature)
}

/// Public keys already parsed, by verifier and `SubjectPublicKeyInfo`. Parsing an RSA key and
/// setting up its Montgomery context cost more than the verification itself, and a relying
/// party meets the same few CA, TSA and signer keys again and again (every signature of a
/// document, every certificate a CA issued).
type ParsedKeys = Vec<((usize, Vec<u8>), Arc<ParsedPublicKey>)>;

static PARSED: Mutex<ParsedKeys> = Mutex::new(Vec::new());

/// Parsed keys kept; past this the cache starts again.
const PARSED_KEPT: usize = 256;

fn parsed_key(
    verifier: &'static dyn VerificationAlgorithm,
    spki_der: Vec<u8>,
) -> Result<Arc<ParsedPublicKey>> {
    // The verifiers are statics: their address names them.
    let id = std::ptr::from_ref(verifier).cast::<()>().addr();
    let known = PARSED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .find(|((v, der), _)| *v == id && *der == spki_der)
        .map(|(_, key)| Arc::clone(key));
    if let Some(key) = known {
        return Ok(key);
    }
    // A key the verifier cannot use fails like a bad signature, as `UnparsedPublicKey` did.
    let key =
        Arc::new(ParsedPublicKey::new(verifier, &spki_der).map_err(|_| PkiError::BadSignature)?);
    let mut parsed = PARSED.lock().unwrap_or_else(PoisonError::into_inner);
    if parsed.len() >= PARSED_KEPT {
        parsed.clear();
    }
    parsed.push(((id, spki_der), Arc::clone(&key)));
    Ok(key)
}

fn key_mismatch(oid: ObjectIdentifier) -> PkiError {
    PkiError::UnsupportedAlgorithm(format!("signature {oid} with a key of another type"))
}

fn pss_verifier(
    algorithm: &AlgorithmIdentifierOwned,
) -> Result<&'static dyn VerificationAlgorithm> {
    let params = algorithm
        .parameters
        .as_ref()
        .ok_or_else(|| PkiError::UnsupportedAlgorithm("RSASSA-PSS without parameters".into()))?;
    let params = PssParams::from_der(&params.to_der()?)?;
    let _ = (&params.mask_generation, params.trailer);
    let hash = params.hash.map(|h| h.oid);
    // AWS-LC verifies PSS with the salt as long as the hash (RFC 4055's recommendation, what
    // `openssl -sigopt rsa_pss_saltlen:digest` makes); other salt lengths are refused.
    let (verifier, salt): (&'static dyn VerificationAlgorithm, u32) = match hash {
        Some(h) if h == SHA256 => (&RSA_PSS_2048_8192_SHA256, 32),
        Some(h) if h == SHA384 => (&RSA_PSS_2048_8192_SHA384, 48),
        Some(h) if h == SHA512 => (&RSA_PSS_2048_8192_SHA512, 64),
        other => {
            return Err(PkiError::UnsupportedAlgorithm(format!(
                "RSASSA-PSS with hash {other:?}"
            )));
        }
    };
    if params.salt_length.unwrap_or(20) != salt {
        return Err(PkiError::UnsupportedAlgorithm(format!(
            "RSASSA-PSS salt length {:?} (only the hash length is accepted)",
            params.salt_length
        )));
    }
    Ok(verifier)
}

fn verify_sm2(
    public_key: &SubjectPublicKeyInfoOwned,
    message: &[u8],
    signature: &[u8],
    sm2_ids: Sm2Ids<'_>,
) -> Result<()> {
    let point = public_key.subject_public_key.raw_bytes();
    let signature = sm2::dsa::Signature::from_der(signature).map_err(|_| PkiError::BadSignature)?;
    for id in sm2_ids.0 {
        let key = sm2::dsa::VerifyingKey::from_sec1_bytes(id, point)
            .map_err(|_| PkiError::Key("bad SM2 public key".into()))?;
        if signature::Verifier::verify(&key, message, &signature).is_ok() {
            return Ok(());
        }
    }
    Err(PkiError::BadSignature)
}
