//! The fixture PKI's `/pki/{ca}/…` endpoints on a loopback port — OCSP (POST), CRL and CA
//! certificate — so `HttpRevocation`, pyHanko and pdfsig fetch revocation data the way they
//! would from a real CA. Certificates of [`crate::support::Fixture::revoked`] are revoked.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use der::Encode;
use signet_pki::Signer;
use signet_pki::crl::{CrlContent, RevocationReason, RevokedEntry, build_crl};
use signet_pki::ocsp::{CertStatus, Responder, parse_request};
use x509_cert::Certificate;

use crate::support::{fixture, now};

/// Start serving on a free loopback port; returns the base URL (`http://127.0.0.1:PORT`).
pub fn start() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    base
}

fn serve(mut stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_owned(),
        parts.next().unwrap_or("").to_owned(),
    );
    let mut length = 0;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let (status, content_type, answer) = match answer(&method, &path, &body) {
        Some((content_type, answer)) => ("200 OK", content_type, answer),
        None => ("404 Not Found", "text/plain", b"not found".to_vec()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        answer.len()
    );
    stream.write_all(head.as_bytes()).ok();
    stream.write_all(&answer).ok();
}

/// The CA named `name` (`rsa`, `rsa-root`, …): its certificate, its key, and who signs its OCSP
/// answers (the delegated responder for issuing CAs, the root itself for roots).
type Authority = (Certificate, Box<dyn Signer>, Certificate, Box<dyn Signer>);

fn authority(name: &str) -> Option<Authority> {
    let f = fixture();
    f.families.iter().find_map(|h| {
        if h.root.name == name {
            Some((
                h.root.certificate.clone(),
                f.signer(&h.root.key),
                h.root.certificate.clone(),
                f.signer(&h.root.key),
            ))
        } else if h.issuing.name == name {
            Some((
                h.issuing.certificate.clone(),
                f.signer(&h.issuing.key),
                h.ocsp.certificate.clone(),
                f.signer(&h.ocsp.key),
            ))
        } else {
            None
        }
    })
}

fn answer(method: &str, path: &str, body: &[u8]) -> Option<(&'static str, Vec<u8>)> {
    let rest = path.strip_prefix("/pki/")?;
    let (name, what) = rest.split_once('/')?;
    let (certificate, key, responder_certificate, responder_key) = authority(name)?;
    let revoked_at = now() - Duration::from_hours(1);
    // Revoked here: the fixture's revoked certificates this CA issued.
    let revoked: Vec<_> = fixture()
        .revoked
        .iter()
        .filter(|c| c.tbs_certificate().issuer() == certificate.tbs_certificate().subject())
        .map(|c| c.tbs_certificate().serial_number().clone())
        .collect();
    match (method, what) {
        ("POST", "ocsp") => {
            let request = parse_request(body).ok()?;
            let responder = Responder {
                issuer: &certificate,
                certificate: &responder_certificate,
                signer: responder_key.as_ref(),
            };
            let status = |serial: &_| {
                if revoked.contains(serial) {
                    CertStatus::Revoked {
                        at: revoked_at,
                        reason: Some(RevocationReason::KeyCompromise),
                    }
                } else {
                    CertStatus::Good
                }
            };
            let answer = responder
                .answer(&request, status, now(), now() + Duration::from_hours(24))
                .ok()?;
            Some(("application/ocsp-response", answer))
        }
        ("GET", "crl") => {
            let entries: Vec<RevokedEntry> = revoked
                .iter()
                .map(|serial| RevokedEntry {
                    serial: serial.clone(),
                    revoked_at,
                    reason: Some(RevocationReason::KeyCompromise),
                })
                .collect();
            let crl = build_crl(
                &certificate,
                key.as_ref(),
                &CrlContent {
                    number: 1,
                    this_update: now(),
                    next_update: now() + Duration::from_hours(24),
                    revoked: &entries,
                },
            )
            .ok()?;
            Some(("application/pkix-crl", crl.to_der().ok()?))
        }
        ("GET", "ca.crt") => Some(("application/pkix-cert", certificate.to_der().ok()?)),
        _ => None,
    }
}
