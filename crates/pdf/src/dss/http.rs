//! Revocation data fetched over HTTP: an OCSP answer from each certificate's AIA responder,
//! else the CRL at its distribution point. Used by `signet pdf sign --level B-LT` and
//! `signet verify --online`.

use std::net::{IpAddr, Ipv4Addr, ToSocketAddrs as _};
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
    /// Whether a URL may lead to a loopback, private, link-local or otherwise non-public
    /// address. A verifier turns it off (`signet verify --online` unless `--allow-private`):
    /// its URLs come from the file, whose author could aim them at the verifier's own network
    /// (issue 12, finding 18). Redirects are not followed then, as one could lead there too.
    pub allow_private: bool,
}

impl HttpRevocation {
    /// A client checking answers at `now`, with a 30-second timeout per request, that asks any
    /// address: a signer asks its own CA, which may well sit on its own network.
    pub fn new(now: SystemTime) -> Self {
        Self {
            timeout: Duration::from_secs(30),
            now,
            allow_private: true,
        }
    }

    fn agent(&self) -> ureq::Agent {
        let mut config = ureq::Agent::config_builder().timeout_global(Some(self.timeout));
        if !self.allow_private {
            config = config.max_redirects(0);
        }
        config.build().into()
    }

    /// Refuses `url` when private addresses are not allowed and its host is, or resolves to,
    /// one.
    fn check_destination(&self, url: &str) -> Result<()> {
        if self.allow_private {
            return Ok(());
        }
        let uri: ureq::http::Uri = url
            .parse()
            .map_err(|_| PdfError::Revocation("not a valid URL".into()))?;
        let host = uri
            .host()
            .ok_or_else(|| PdfError::Revocation("the URL names no host".into()))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let https = uri
            .scheme_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("https"));
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let addresses = (host, port)
            .to_socket_addrs()
            .map_err(|e| PdfError::Revocation(format!("cannot resolve {host}: {e}")))?;
        for address in addresses {
            if !is_public(address.ip()) {
                return Err(PdfError::Revocation(format!(
                    "{host} is a loopback, private or link-local address ({}): not asked \
                     (signet verify --allow-private asks it anyway)",
                    address.ip()
                )));
            }
        }
        Ok(())
    }

    /// One OCSP exchange with `url`; the DER answer when it covers `certificate` and is current.
    fn ocsp(&self, certificate: &Certificate, issuer: &Certificate, url: &str) -> Result<Vec<u8>> {
        self.check_destination(url)?;
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
        self.check_destination(url)?;
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

/// Whether `ip` is an ordinary address on the internet: not loopback, private (RFC 1918, IPv6
/// unique local), link-local, shared (carrier NAT), unspecified, broadcast, multicast,
/// documentation, benchmarking or reserved; IPv4 inside IPv6 (mapped, NAT64, 6to4) is judged as
/// the IPv4 address it carries.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let embedded = |hi: u16, lo: u16| {
                let [h1, h2] = hi.to_be_bytes();
                let [l1, l2] = lo.to_be_bytes();
                is_public(IpAddr::V4(Ipv4Addr::new(h1, h2, l1, l2)))
            };
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            if s[0] == 0x0064 && s[1] == 0xff9b {
                return embedded(s[6], s[7]);
            }
            if s[0] == 0x2002 {
                return embedded(s[1], s[2]);
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || s[..6] == [0; 6])
        }
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

#[cfg(test)]
mod tests {
    use std::net::IpAddr;
    use std::time::{Duration, SystemTime};

    use super::{HttpRevocation, is_public};

    #[test]
    fn private_loopback_and_reserved_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "127.5.6.7",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2002:c0a8:101::1",
            "::127.0.0.1",
        ] {
            assert!(!is_public(ip.parse::<IpAddr>().unwrap()), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip.parse::<IpAddr>().unwrap()), "{ip}");
        }
    }

    #[test]
    fn a_verifier_refuses_loopback_urls_before_connecting() {
        let strict = HttpRevocation {
            timeout: Duration::from_secs(1),
            now: SystemTime::UNIX_EPOCH,
            allow_private: false,
        };
        for url in [
            "http://127.0.0.1:9/pki/rsa/ocsp",
            "http://localhost:9/pki/rsa/crl",
            "http://[::1]:9/x",
            "http://169.254.169.254/latest/meta-data",
        ] {
            let refused = strict.check_destination(url).unwrap_err().to_string();
            assert!(refused.contains("--allow-private"), "{url}: {refused}");
        }
        assert!(
            HttpRevocation::new(SystemTime::UNIX_EPOCH)
                .check_destination("http://127.0.0.1:9/x")
                .is_ok()
        );
    }
}
