//! Revocation status at signing time from the OCSP answers and CRLs embedded in `/DSS`, or
//! (online mode) fetched from the certificate's responder or distribution point.

use std::time::SystemTime;

use der::{Decode, Encode};
use signet_pki::ocsp::{CertStatus, verify_response};
use signet_pki::signer::{Sm2Ids, verify_signature};
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

use crate::dss::{DssContent, RevocationSource};
use crate::error::{PdfError, Result};

/// One certificate's status.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RevocationEntry {
    /// The certificate's subject.
    pub subject: String,
    /// `good`, `revoked`, or `missing` (no usable evidence).
    pub status: String,
    /// `ocsp` or `crl` when found in `/DSS`; `ocsp-online` or `crl-online` when fetched.
    pub source: Option<String>,
    /// Why fetching failed (online mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Parse a DER CRL and check that `issuer` signed it.
pub fn check_crl(der_bytes: &[u8], issuer: &Certificate) -> Result<CertificateList> {
    let bad = |what: &str| PdfError::Revocation(format!("CRL {what}"));
    let list =
        CertificateList::from_der(der_bytes).map_err(|e| bad(&format!("unreadable: {e}")))?;
    if list.tbs_cert_list.issuer != *issuer.tbs_certificate().subject() {
        return Err(bad("is issued by another CA"));
    }
    let tbs = list.tbs_cert_list.to_der()?;
    let signature = list
        .signature
        .as_bytes()
        .ok_or_else(|| bad("signature has unused bits"))?;
    verify_signature(
        issuer.tbs_certificate().subject_public_key_info(),
        &list.signature_algorithm,
        &tbs,
        signature,
        Sm2Ids::EITHER,
    )
    .map_err(|_| bad("signature does not verify against the issuer"))?;
    Ok(list)
}

/// Status of `certificate` (issued by `issuer`) at `at`.
pub fn status_of(
    certificate: &Certificate,
    issuer: &Certificate,
    dss: &DssContent,
    at: SystemTime,
) -> RevocationEntry {
    let subject = super::certificate::name_text(certificate.tbs_certificate().subject());
    let serial = certificate.tbs_certificate().serial_number();
    let entry = |status: &str, source: Option<&str>| RevocationEntry {
        subject: subject.clone(),
        status: status.to_owned(),
        source: source.map(str::to_owned),
        error: None,
    };
    for response in &dss.ocsp_responses {
        let Ok(verified) = verify_response(response, issuer, Sm2Ids::EITHER) else {
            continue;
        };
        for answer in &verified.answers {
            if &answer.cert_id.serial_number == serial && answer.cert_id.is_issued_by(issuer) {
                return match answer.status {
                    CertStatus::Good => entry("good", Some("ocsp")),
                    CertStatus::Revoked { at: when, .. } if when > at => {
                        entry("good", Some("ocsp"))
                    }
                    CertStatus::Revoked { .. } => entry("revoked", Some("ocsp")),
                    CertStatus::Unknown => continue,
                };
            }
        }
    }
    for crl in &dss.crls {
        let Ok(list) = check_crl(crl, issuer) else {
            continue;
        };
        let revoked = list
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .find(|r| &r.serial_number == serial);
        return match revoked {
            Some(r) if r.revocation_date.to_system_time() <= at => entry("revoked", Some("crl")),
            _ => entry("good", Some("crl")),
        };
    }
    entry("missing", None)
}

/// Status of `certificate` at `at` from the embedded data, else (when `online` is given and the
/// file has no evidence) from the certificate's OCSP responder or CRL.
pub fn status_with(
    certificate: &Certificate,
    issuer: &Certificate,
    dss: &DssContent,
    at: SystemTime,
    online: Option<&dyn RevocationSource>,
) -> RevocationEntry {
    let embedded = status_of(certificate, issuer, dss, at);
    let Some(source) = online.filter(|_| embedded.status == "missing") else {
        return embedded;
    };
    match source.revocation(certificate, issuer) {
        Ok(data) => {
            let fetched = DssContent {
                certificates: Vec::new(),
                ocsp_responses: data.ocsp_responses,
                crls: data.crls,
            };
            let mut entry = status_of(certificate, issuer, &fetched, at);
            entry.source = entry.source.map(|s| format!("{s}-online"));
            entry
        }
        Err(error) => RevocationEntry {
            error: Some(error.to_string()),
            ..embedded
        },
    }
}
