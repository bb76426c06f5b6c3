//! Revocation data fetched over HTTP: an OCSP answer from each certificate's AIA responder,
//! else the CRL at its distribution point. Used by `signet pdf sign --level B-LT` and
//! `signet verify --online`.

use std::time::{Duration, SystemTime};

use signet_pki::extensions::AD_OCSP;
use signet_pki::nonce::random_nonce;
use signet_pki::ocsp::{CertStatus, build_request, verify_response};
use signet_pki::signer::Sm2Ids;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, BasicConstraints, CrlDistributionPoints};

use super::{RevocationData, RevocationSource};
use crate::error::{PdfError, Result};
use crate::verify::revocation::check_crl;

/// Largest OCSP answer read (a signed answer with a responder certificate is a few KiB).
const MAX_OCSP_BYTES: u64 = 256 * 1024;
/// Largest CRL read.
const MAX_CRL_BYTES: u64 = 32 * 1024 * 1024;
/// Clock difference tolerated between us and a responder.
const SKEW: Duration = Duration::from_mins(5);

/// Asks each certificate's OCSP responder (AIA), falling back to its CRL (CRL distribution
/// point). Every answer is checked against the issuer before it is used: a response signed by
/// someone else, for another certificate, with a wrong nonce, or out of date is an error that
/// names the certificate, the URL and what was wrong.
#[derive(Clone, Debug)]
pub struct HttpRevocation {
    /// How long to wait for each server.
    pub timeout: Duration,
    /// The current time (injected clock): answers must be current at it.
    pub now: SystemTime,
}

impl HttpRevocation {
    /// A client checking answers at `now`, with a 30-second timeout per request.
    pub fn new(now: SystemTime) -> Self {
        Self {
            timeout: Duration::from_secs(30),
            now,
        }
    }

    fn agent(&self) -> ureq::Agent {
        ureq::Agent::config_builder()
            .timeout_global(Some(self.timeout))
            .build()
            .into()
    }

    /// One OCSP exchange with `url`; the DER answer when it covers `certificate` and is current.
    fn ocsp(&self, certificate: &Certificate, issuer: &Certificate, url: &str) -> Result<Vec<u8>> {
        let nonce = random_nonce(16)?;
        let request = build_request(certificate, issuer, Some(&nonce))?;
        let mut response = self
            .agent()
            .post(url)
            .header("Content-Type", "application/ocsp-request")
            .send(&request[..])
            .map_err(|e| fail(&e))?;
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_OCSP_BYTES)
            .read_to_vec()
            .map_err(|e| fail(&e))?;
        let verified = verify_response(&body, issuer, Sm2Ids::EITHER)
            .map_err(|e| PdfError::Revocation(e.to_string()))?;
        if verified.nonce.as_ref().is_some_and(|n| *n != nonce) {
            return Err(PdfError::Revocation(
                "the answer echoes another nonce (a replayed or misrouted response)".into(),
            ));
        }
        let serial = certificate.tbs_certificate().serial_number();
        let answer = verified
            .answers
            .iter()
            .find(|a| &a.cert_id.serial_number == serial && a.cert_id.is_issued_by(issuer))
            .ok_or_else(|| PdfError::Revocation("the answer is about other certificates".into()))?;
        if answer.status == CertStatus::Unknown {
            return Err(PdfError::Revocation(
                "the responder does not know this certificate (status unknown)".into(),
            ));
        }
        if answer.this_update > self.now + SKEW {
            return Err(PdfError::Revocation(
                "the answer's thisUpdate is in the future (check the clocks)".into(),
            ));
        }
        // A missing nextUpdate reads as the epoch: such answers are only good right now.
        if answer.next_update != SystemTime::UNIX_EPOCH && answer.next_update + SKEW < self.now {
            return Err(PdfError::Revocation(
                "the answer is out of date (nextUpdate has passed)".into(),
            ));
        }
        Ok(body)
    }

    /// The CRL at `url`, when `issuer` signed it and it is current.
    fn crl(&self, issuer: &Certificate, url: &str) -> Result<Vec<u8>> {
        let mut response = self.agent().get(url).call().map_err(|e| fail(&e))?;
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_CRL_BYTES)
            .read_to_vec()
            .map_err(|e| fail(&e))?;
        let list = check_crl(&body, issuer)?;
        let next_update = list.tbs_cert_list.next_update.map(|t| t.to_system_time());
        if next_update.is_some_and(|t| t + SKEW < self.now) {
            return Err(PdfError::Revocation(
                "the CRL is out of date (nextUpdate has passed)".into(),
            ));
        }
        if list.tbs_cert_list.this_update.to_system_time() > self.now + SKEW {
            return Err(PdfError::Revocation(
                "the CRL's thisUpdate is in the future (check the clocks)".into(),
            ));
        }
        Ok(body)
    }
}

fn fail(error: &ureq::Error) -> PdfError {
    PdfError::Revocation(error.to_string())
}

fn uri(name: &GeneralName) -> Option<String> {
    match name {
        GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
        _ => None,
    }
}

fn http(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The OCSP responder URLs in `certificate`'s authority information access.
pub fn ocsp_urls(certificate: &Certificate) -> Vec<String> {
    let Ok(Some((_, access))) = certificate
        .tbs_certificate()
        .get_extension::<AuthorityInfoAccessSyntax>()
    else {
        return Vec::new();
    };
    access
        .0
        .iter()
        .filter(|a| a.access_method == AD_OCSP)
        .filter_map(|a| uri(&a.access_location))
        .filter(|url| http(url))
        .collect()
}

/// The CRL URLs in `certificate`'s distribution points.
pub fn crl_urls(certificate: &Certificate) -> Vec<String> {
    let Ok(Some((_, points))) = certificate
        .tbs_certificate()
        .get_extension::<CrlDistributionPoints>()
    else {
        return Vec::new();
    };
    points
        .0
        .iter()
        .filter_map(|p| match &p.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names.iter().filter_map(uri)),
            _ => None,
        })
        .flatten()
        .filter(|url| http(url))
        .collect()
}

/// Whether `certificate` is a CA certificate (basicConstraints cA).
fn is_ca(certificate: &Certificate) -> bool {
    matches!(
        certificate.tbs_certificate().get_extension::<BasicConstraints>(),
        Ok(Some((_, constraints))) if constraints.ca
    )
}

#[derive(Clone, Copy)]
enum Kind {
    Ocsp,
    Crl,
}

impl RevocationSource for HttpRevocation {
    /// End-entity certificates: OCSP first, the CRL if no responder answers well. CA
    /// certificates: the CRL (the authority revocation list) first, OCSP after. Besides being
    /// the usual source for CA status, this keeps answers signed by a root about its own
    /// subordinate out of `/DSS`: pyHanko 0.38's AdES past-signature validation treats such an
    /// answer as signed by a delegated responder that is the root, then asks for revocation
    /// data about the root itself and fails (`_delegated_ocsp_response_path` in
    /// pyhanko_certvalidator).
    fn revocation(
        &self,
        certificate: &Certificate,
        issuer: &Certificate,
    ) -> Result<RevocationData> {
        let subject = certificate.tbs_certificate().subject();
        let ocsp = ocsp_urls(certificate).into_iter().map(|u| (Kind::Ocsp, u));
        let crl = crl_urls(certificate).into_iter().map(|u| (Kind::Crl, u));
        let attempts: Vec<(Kind, String)> = if is_ca(certificate) {
            crl.chain(ocsp).collect()
        } else {
            ocsp.chain(crl).collect()
        };
        let mut failures = Vec::new();
        for (kind, url) in attempts {
            let fetched = match kind {
                Kind::Ocsp => self
                    .ocsp(certificate, issuer, &url)
                    .map(|answer| RevocationData {
                        ocsp_responses: vec![answer],
                        crls: Vec::new(),
                    }),
                Kind::Crl => self.crl(issuer, &url).map(|crl| RevocationData {
                    ocsp_responses: Vec::new(),
                    crls: vec![crl],
                }),
            };
            match fetched {
                Ok(data) => return Ok(data),
                Err(e) => failures.push(format!(
                    "{} {url}: {}",
                    match kind {
                        Kind::Ocsp => "OCSP",
                        Kind::Crl => "CRL",
                    },
                    reason(e)
                )),
            }
        }
        if failures.is_empty() {
            return Err(PdfError::Revocation(format!(
                "{subject}: the certificate names no OCSP responder (AIA) and no CRL \
                 distribution point over HTTP"
            )));
        }
        Err(PdfError::Revocation(format!(
            "{subject}: {}",
            failures.join("; ")
        )))
    }
}

/// The message without the "revocation data unavailable" prefix, which the caller adds once.
fn reason(error: PdfError) -> String {
    match error {
        PdfError::Revocation(text) => text,
        other => other.to_string(),
    }
}
