//! Building OCSP requests (RFC 6960 §4.1) for relying parties: our own signer and verifier.

use der::Encode;
use der::asn1::OctetString;
use x509_cert::Certificate;
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;

use super::CertId;
use super::types::{OCSP_NONCE, OcspRequestAsn1, Request, TbsRequest};
use crate::error::{PkiError, Result};

/// A DER `OCSPRequest` asking about `certificate` (issued by `issuer`), unsigned, with a SHA-1
/// `CertID` (what every responder understands) and, when given, a nonce of 1 to 32 bytes
/// (RFC 8954) that the responder should echo.
pub fn build_request(
    certificate: &Certificate,
    issuer: &Certificate,
    nonce: Option<&[u8]>,
) -> Result<Vec<u8>> {
    build_request_for(
        issuer,
        std::slice::from_ref(certificate.tbs_certificate().serial_number()),
        nonce,
    )
}

/// A DER `OCSPRequest` asking about every serial in `serials` under `issuer` (SHA-1 `CertID`s),
/// with an optional nonce as in [`build_request`].
pub fn build_request_for(
    issuer: &Certificate,
    serials: &[SerialNumber],
    nonce: Option<&[u8]>,
) -> Result<Vec<u8>> {
    let request_list = serials
        .iter()
        .map(|serial| {
            Ok(Request {
                req_cert: CertId::new(issuer, serial.clone())?,
                single_request_extensions: None,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let request_extensions = nonce
        .map(|nonce| {
            if nonce.is_empty() || nonce.len() > 32 {
                return Err(PkiError::MalformedOcspRequest(
                    "nonce must be 1 to 32 bytes".into(),
                ));
            }
            Ok(vec![Extension {
                extn_id: OCSP_NONCE,
                critical: false,
                extn_value: OctetString::new(OctetString::new(nonce)?.to_der()?)?,
            }])
        })
        .transpose()?;
    Ok(OcspRequestAsn1 {
        tbs_request: TbsRequest {
            version: None,
            requestor_name: None,
            request_list,
            request_extensions,
        },
        optional_signature: None,
    }
    .to_der()?)
}
