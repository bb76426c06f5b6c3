//! Checking a CMS signature or time-stamp token against the bytes it claims to cover.

use cms::signed_data::SignedData;
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use signet_pki::algorithm::{RSA_ENCRYPTION, SHA256, SHA256_WITH_RSA, SHA384, SHA512};
use signet_pki::signer::{Sm2Ids, verify_signature};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use crate::dss::signer_certificate;
use crate::sign::cms::{MESSAGE_DIGEST, SIGNING_CERTIFICATE_V2, hash};
use crate::signatures::certificates;

/// What a verified `SignerInfo` tells.
#[derive(Clone, Debug)]
pub struct CmsCheck {
    /// The signer's certificate.
    pub signer: Option<Certificate>,
    /// Certificates the CMS carries.
    pub carried: Vec<Certificate>,
    /// Why the signature is not intact, when it is not.
    pub error: Option<String>,
    /// ESS signing-certificate-v2 present (CAdES).
    pub signing_certificate_v2: bool,
    /// The signature value (what a signature timestamp stamps).
    pub signature: Vec<u8>,
}

fn rsa_algorithm(digest: ObjectIdentifier) -> ObjectIdentifier {
    if digest == SHA384 {
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12")
    } else if digest == SHA512 {
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13")
    } else {
        SHA256_WITH_RSA
    }
}

/// Check the first `SignerInfo`: `content_digest` is computed with its digest algorithm by
/// `digest_of`, compared with messageDigest, and the signature checked with the signer's key.
pub fn check_signer(
    signed: &SignedData,
    digest_of: &dyn Fn(ObjectIdentifier) -> crate::Result<Vec<u8>>,
) -> CmsCheck {
    let carried = certificates(signed);
    let found = signer_certificate(signed, &carried);
    let mut check = CmsCheck {
        signer: found.clone(),
        carried,
        error: None,
        signing_certificate_v2: false,
        signature: Vec::new(),
    };
    let Some(info) = signed.signer_infos.0.iter().next() else {
        check.error = Some("no signer".into());
        return check;
    };
    check.signature = info.signature.as_bytes().to_vec();
    let Some(signer_certificate) = found else {
        check.error = Some("signer certificate not in the signature".into());
        return check;
    };
    let Some(attributes) = &info.signed_attrs else {
        check.error = Some("no signed attributes".into());
        return check;
    };
    check.signing_certificate_v2 = attributes.iter().any(|a| a.oid == SIGNING_CERTIFICATE_V2);
    let claimed = attributes
        .iter()
        .find(|a| a.oid == MESSAGE_DIGEST)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.decode_as::<OctetString>().ok());
    let digest = match digest_of(info.digest_alg.oid) {
        Ok(d) => d,
        Err(e) => {
            check.error = Some(e.to_string());
            return check;
        }
    };
    if claimed.as_ref().map(OctetString::as_bytes) != Some(digest.as_slice()) {
        check.error = Some("the signed bytes were changed (digest mismatch)".into());
        return check;
    }
    let mut algorithm = info.signature_algorithm.clone();
    if algorithm.oid == RSA_ENCRYPTION {
        algorithm = AlgorithmIdentifierOwned {
            oid: rsa_algorithm(info.digest_alg.oid),
            parameters: Some(der::Any::from(der::asn1::Null)),
        };
    }
    let verified = attributes
        .to_der()
        .map_err(|e| e.to_string())
        .and_then(|der| {
            verify_signature(
                signer_certificate
                    .tbs_certificate()
                    .subject_public_key_info(),
                &algorithm,
                &der,
                info.signature.as_bytes(),
                Sm2Ids::EITHER,
            )
            .map_err(|e| e.to_string())
        });
    if let Err(error) = verified {
        check.error = Some(format!("signature value does not verify: {error}"));
    }
    check
}

/// Check a time-stamp token: its own signature, and that it stamps `expected` (hashed with
/// the imprint's algorithm by `digest_of`). Returns the check, the time, and the imprint result.
pub fn check_token(
    token: &[u8],
    digest_of: &dyn Fn(ObjectIdentifier) -> crate::Result<Vec<u8>>,
) -> (CmsCheck, Option<std::time::SystemTime>) {
    let failed = |what: String| {
        (
            CmsCheck {
                signer: None,
                carried: Vec::new(),
                error: Some(what),
                signing_certificate_v2: false,
                signature: Vec::new(),
            },
            None,
        )
    };
    let Ok(signed) = crate::signatures::signed_data(token) else {
        return failed("time-stamp token is not CMS".into());
    };
    let Ok(info) = crate::sign::timestamp::tst_info(token) else {
        return failed("time-stamp token holds no TSTInfo".into());
    };
    let Some(content) = signed
        .encap_content_info
        .econtent
        .as_ref()
        .and_then(|c| c.decode_as::<OctetString>().ok())
    else {
        return failed("time-stamp token without content".into());
    };
    let mut check = check_signer(&signed, &|algorithm| hash(algorithm, &[content.as_bytes()]));
    match digest_of(info.message_imprint.hash_algorithm.oid) {
        Ok(d) if d == info.message_imprint.hashed_message.as_bytes() => {}
        Ok(_) => {
            check
                .error
                .get_or_insert_with(|| "time-stamp stamps other data".into());
        }
        Err(e) => {
            check.error.get_or_insert_with(|| e.to_string());
        }
    }
    let _ = SHA256;
    (check, Some(info.gen_time.to_system_time()))
}

/// Check a detached CMS signature (DER `ContentInfo`) over `content`: the digest it signs is
/// `content`'s, and its signature value verifies with the signer's key. The chain is not
/// judged here.
pub fn check_detached(signature: &[u8], content: &[u8]) -> CmsCheck {
    match crate::signatures::signed_data(signature) {
        Ok(signed) => check_signer(&signed, &|algorithm| hash(algorithm, &[content])),
        Err(_) => CmsCheck {
            signer: None,
            carried: Vec::new(),
            error: Some("not a CMS signature".into()),
            signing_certificate_v2: false,
            signature: Vec::new(),
        },
    }
}

/// Parse a DER certificate, ignoring failures.
pub fn parse_certificate(der: &[u8]) -> Option<Certificate> {
    Certificate::from_der(der).ok()
}
