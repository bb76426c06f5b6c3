//! The signer's certificate as a report shows it: names, issuer, serial and validity, so a
//! reader (the public verification page) can say who signed and under which certificate.

use signet_pki::names::{COMMON_NAME, ORGANIZATION, SERIAL_NUMBER, attribute};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectKeyIdentifier};

/// One certificate, summarised.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct CertificateSummary {
    /// The subject, RFC 4514.
    pub subject: String,
    /// The subject's `CN`.
    pub common_name: Option<String>,
    /// The subject's `O`.
    pub organisation: Option<String>,
    /// The subject's `serialNumber` (an ID number or a credit code in our profiles).
    pub subject_serial_number: Option<String>,
    /// The issuer, RFC 4514.
    pub issuer: String,
    /// The issuer's `CN`.
    pub issuer_common_name: Option<String>,
    /// The certificate's serial, lower-case hex.
    pub serial: String,
    /// `notBefore`, Unix seconds.
    pub not_before: i64,
    /// `notAfter`, Unix seconds.
    pub not_after: i64,
    /// The subject key identifier, lower-case hex.
    pub subject_key_id: Option<String>,
    /// The authority key identifier's key identifier, lower-case hex: which key signed it
    /// (names alone do not tell two CAs of the same name apart).
    pub authority_key_id: Option<String>,
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn unix(time: &x509_cert::time::Time) -> i64 {
    i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

/// The summary of `certificate`.
pub fn summary(certificate: &Certificate) -> CertificateSummary {
    let tbs = certificate.tbs_certificate();
    let subject = tbs.subject();
    let serial = hex(tbs.serial_number().as_bytes());
    let subject_key_id = tbs
        .get_extension::<SubjectKeyIdentifier>()
        .ok()
        .flatten()
        .map(|(_, k)| hex(k.0.as_bytes()));
    let authority_key_id = tbs
        .get_extension::<AuthorityKeyIdentifier>()
        .ok()
        .flatten()
        .and_then(|(_, k)| k.key_identifier.map(|id| hex(id.as_bytes())));
    CertificateSummary {
        subject: subject.to_string(),
        common_name: attribute(subject, COMMON_NAME),
        organisation: attribute(subject, ORGANIZATION),
        subject_serial_number: attribute(subject, SERIAL_NUMBER),
        issuer: tbs.issuer().to_string(),
        issuer_common_name: attribute(tbs.issuer(), COMMON_NAME),
        serial,
        not_before: unix(&tbs.validity().not_before),
        not_after: unix(&tbs.validity().not_after),
        subject_key_id,
        authority_key_id,
    }
}
