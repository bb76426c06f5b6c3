//! Mutation fuzzing of the parsers that take bytes from anyone: PKCS#10 requests, OCSP requests
//! and RFC 3161 time-stamp requests. Each starts from a valid input and runs thousands of seeded
//! mutations (flips, overwrites, truncations, insertions, splices) on stable Rust, so it runs in
//! every `cargo xtask test`: no input may panic, refusals carry their typed error, and a mutated
//! certificate request is never accepted with a key that did not sign it.

use rand::RngExt as _;
use rand::rngs::StdRng;
use signet_pki::csr::{make_csr, parse_csr};
use signet_pki::names::parse_name;
use signet_pki::{KeyAlgorithm, Signer as _, SoftwareKey};

use crate::support::rng;

const ROUNDS: usize = 20_000;

fn mutate(seed: &[u8], rng: &mut StdRng) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..rng.random_range(1..=4) {
        if bytes.is_empty() {
            bytes.push(rng.random());
            continue;
        }
        let at = rng.random_range(0..bytes.len());
        match rng.random_range(0..6) {
            0 => bytes[at] ^= 1 << rng.random_range(0..8),
            1 => bytes[at] = rng.random(),
            2 => bytes.truncate(at),
            3 => bytes.insert(at, rng.random()),
            4 => {
                let end = rng.random_range(at..bytes.len());
                let slice = bytes[at..end].to_vec();
                let to = rng.random_range(0..bytes.len());
                bytes.splice(to..to, slice);
            }
            // Length bytes are where parsers break: make one huge or zero.
            _ => bytes[at] = if rng.random() { 0x84 } else { 0x00 },
        }
    }
    bytes
}

#[test]
fn mutated_certificate_requests_never_panic_or_change_the_key() {
    let key = SoftwareKey::generate(KeyAlgorithm::EcdsaP256, "", &mut rng(11)).unwrap();
    let csr = make_csr(&key, &parse_name("CN=fuzz,O=Signet,C=CN").unwrap()).unwrap();
    assert!(parse_csr(&csr).is_ok());
    let mut rng = rng(12);
    let mut accepted = 0;
    for _ in 0..ROUNDS {
        let input = mutate(&csr, &mut rng);
        if let Ok(verified) = parse_csr(&input) {
            // Only changes outside the signed key can survive (e.g. in the outer lengths a
            // lenient reader skips): the key is the one that signed.
            assert_eq!(&verified.public_key, key.public_key());
            accepted += 1;
        }
    }
    assert!(
        accepted < ROUNDS / 10,
        "{accepted} mutated requests accepted"
    );
}

/// An OCSP request for serial 5: a SHA-1 `CertID` with fixed hashes.
fn ocsp_request() -> Vec<u8> {
    let mut cert_id = vec![
        0x30, 0x3a, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
    ];
    cert_id.extend([0x11; 20]);
    cert_id.extend([0x04, 0x14]);
    cert_id.extend([0x22; 20]);
    cert_id.extend([0x02, 0x01, 0x05]);
    let mut request = vec![0x30, 0x42, 0x30, 0x40, 0x30, 0x3e, 0x30, 0x3c];
    request.extend(cert_id);
    request
}

#[test]
fn mutated_ocsp_requests_never_panic() {
    let seed = ocsp_request();
    assert!(signet_pki::ocsp::parse_request(&seed).is_ok());
    let mut rng = rng(13);
    for _ in 0..ROUNDS {
        let input = mutate(&seed, &mut rng);
        if let Err(error) = signet_pki::ocsp::parse_request(&input) {
            assert_eq!(error.code(), "pki.ocsp_malformed_request", "{error}");
        }
    }
}

/// A time-stamp request: version 1, SHA-256 imprint of 32 bytes, certReq TRUE.
fn tsa_request() -> Vec<u8> {
    let mut request = vec![
        0x30, 0x00, 0x02, 0x01, 0x01, 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
        0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
    ];
    request.extend([7u8; 32]);
    request.extend([0x01, 0x01, 0xff]);
    request[1] = u8::try_from(request.len() - 2).unwrap();
    request
}

#[test]
fn mutated_time_stamp_requests_never_panic() {
    let seed = tsa_request();
    assert!(signet_pki::tsa::parse_request(&seed).is_ok());
    let mut rng = rng(14);
    let mut accepted = 0;
    for _ in 0..ROUNDS {
        let input = mutate(&seed, &mut rng);
        match signet_pki::tsa::parse_request(&input) {
            Ok(_) => accepted += 1,
            // Each refusal maps to an RFC 3161 failure the TSA can answer with.
            Err(error) => {
                assert!(
                    ["pki.tsa_bad_request", "pki.unsupported_algorithm"].contains(&error.code()),
                    "{error}"
                );
                assert!(signet_pki::tsa::rejection(signet_pki::tsa::failure_of(&error)).is_ok());
            }
        }
    }
    // Most mutations break the DER; the few accepted ones changed only free content (imprint
    // bytes, the certReq flag).
    assert!(
        accepted < ROUNDS / 2,
        "{accepted} mutated requests accepted"
    );
}
