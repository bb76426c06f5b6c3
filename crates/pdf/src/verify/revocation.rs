//! Revocation status at signing time from the OCSP answers and CRLs embedded in `/DSS`.

use std::time::SystemTime;

use der::{Decode, Encode};
use signet_pki::ocsp::{CertStatus, verify_response};
use signet_pki::signer::{Sm2Ids, verify_signature};
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

use crate::dss::DssContent;

/// One certificate's status.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RevocationEntry {
    /// The certificate's subject.
    pub subject: String,
    /// `good`, `revoked`, or `missing` (no usable evidence).
    pub status: String,
    /// `ocsp` or `crl` when found.
    pub source: Option<String>,
}

/// Status of `certificate` (issued by `issuer`) at `at`.
pub fn status_of(
    certificate: &Certificate,
    issuer: &Certificate,
    dss: &DssContent,
    at: SystemTime,
) -> RevocationEntry {
    let subject = certificate.tbs_certificate().subject().to_string();
    let serial = certificate.tbs_certificate().serial_number();
    let entry = |status: &str, source: Option<&str>| RevocationEntry {
        subject: subject.clone(),
        status: status.to_owned(),
        source: source.map(str::to_owned),
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
        let Ok(list) = CertificateList::from_der(crl) else {
            continue;
        };
        if list.tbs_cert_list.issuer != *issuer.tbs_certificate().subject() {
            continue;
        }
        let (Ok(tbs), Some(signature)) = (list.tbs_cert_list.to_der(), list.signature.as_bytes())
        else {
            continue;
        };
        if verify_signature(
            issuer.tbs_certificate().subject_public_key_info(),
            &list.signature_algorithm,
            &tbs,
            signature,
            Sm2Ids::EITHER,
        )
        .is_err()
        {
            continue;
        }
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
