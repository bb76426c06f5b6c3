//! Reading OCSP responses others (or we) signed: parse, check the signer, list the answers.

use std::time::SystemTime;

use der::{Decode, Encode};
use x509_cert::Certificate;

use der::asn1::OctetString;

use super::types::{BasicOcspResponse, CertStatusAsn1, OCSP_BASIC, OCSP_NONCE, OcspResponseAsn1};
use super::{CertStatus, ResponseStatus, StatusAnswer};
use crate::error::{PkiError, Result};
use crate::profile::KP_OCSP_SIGNING;
use crate::signer::{Sm2Ids, verify_signature};

/// A successful response whose signature was checked against the CA that issued the
/// certificates it answers for.
#[derive(Clone, Debug)]
pub struct VerifiedResponse {
    /// producedAt.
    pub produced_at: SystemTime,
    /// Each certificate's answer.
    pub answers: Vec<StatusAnswer>,
    /// The delegated responder's certificate, when the CA did not sign itself.
    pub responder: Option<Certificate>,
    /// The nonce the responder echoed (the bytes inside the extension's OCTET STRING).
    pub nonce: Option<Vec<u8>>,
}

fn bad(what: &str) -> PkiError {
    PkiError::MalformedCertificate(format!("OCSP response: {what}"))
}

/// Parse a DER `OCSPResponse` and check it was signed by `issuer` or by a responder `issuer`
/// certified for OCSP signing (carried in the response).
pub fn verify_response(
    der_bytes: &[u8],
    issuer: &Certificate,
    sm2_ids: Sm2Ids<'_>,
) -> Result<VerifiedResponse> {
    let response = OcspResponseAsn1::from_der(der_bytes).map_err(|e| bad(&e.to_string()))?;
    if response.response_status != ResponseStatus::Successful {
        return Err(bad("not successful"));
    }
    let bytes = response
        .response_bytes
        .ok_or_else(|| bad("no response bytes"))?;
    if bytes.response_type != OCSP_BASIC {
        return Err(bad("not a basic response"));
    }
    let basic =
        BasicOcspResponse::from_der(bytes.response.as_bytes()).map_err(|e| bad(&e.to_string()))?;
    let tbs = basic.tbs_response_data.to_der()?;
    let signature = basic
        .signature
        .as_bytes()
        .ok_or_else(|| bad("signature has unused bits"))?;
    let check = |certificate: &Certificate| {
        verify_signature(
            certificate.tbs_certificate().subject_public_key_info(),
            &basic.signature_algorithm,
            &tbs,
            signature,
            sm2_ids,
        )
    };
    let responder = if check(issuer).is_ok() {
        None
    } else {
        let delegated = basic
            .certs
            .iter()
            .flatten()
            .find(|c| check(c).is_ok())
            .ok_or_else(|| bad("signature does not verify"))?;
        crate::validate::validate_path(
            delegated,
            &[],
            std::slice::from_ref(issuer),
            basic.tbs_response_data.produced_at.to_system_time(),
            sm2_ids,
        )?;
        let usage = delegated
            .tbs_certificate()
            .get_extension::<x509_cert::ext::pkix::ExtendedKeyUsage>()?
            .map(|(_, usage)| usage.0);
        if !usage.is_some_and(|u| u.contains(&KP_OCSP_SIGNING)) {
            return Err(bad("responder is not certified for OCSP signing"));
        }
        Some(delegated.clone())
    };
    let answers = basic
        .tbs_response_data
        .responses
        .iter()
        .map(|single| StatusAnswer {
            cert_id: single.cert_id.clone(),
            status: match &single.cert_status {
                CertStatusAsn1::Good(_) => CertStatus::Good,
                CertStatusAsn1::Unknown(_) => CertStatus::Unknown,
                CertStatusAsn1::Revoked(info) => CertStatus::Revoked {
                    at: info.revocation_time.to_system_time(),
                    reason: info.revocation_reason,
                },
            },
            this_update: single.this_update.to_system_time(),
            next_update: single
                .next_update
                .map_or(SystemTime::UNIX_EPOCH, |t| t.to_system_time()),
        })
        .collect();
    let nonce = basic
        .tbs_response_data
        .response_extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == OCSP_NONCE)
        .map(|e| {
            OctetString::from_der(e.extn_value.as_bytes())
                .map(|value| value.as_bytes().to_vec())
                .map_err(|_| bad("nonce is not an OCTET STRING"))
        })
        .transpose()?;
    Ok(VerifiedResponse {
        produced_at: basic.tbs_response_data.produced_at.to_system_time(),
        answers,
        responder,
        nonce,
    })
}
