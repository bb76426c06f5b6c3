//! PKCS#10 requests (`signet_pki::csr::parse_csr`), DER and PEM. Properties: no input panics; a
//! refusal is one of the request errors the issuance API maps; an accepted request is really signed
//! by the key it names (proof of possession), and the PEM form of DER input gets the same answer.

#![no_main]

use der::{Decode as _, Encode as _};
use libfuzzer_sys::fuzz_target;
use signet_pki::csr::parse_csr;
use signet_pki::signer::{Sm2Ids, verify_signature};
use signet_pki::{KeyAlgorithm, PkiError};
use x509_cert::request::CertReq;

/// Codes a refused request may carry (what `ca/issuance.rs` answers the client with).
const REFUSALS: &[&str] = &[
    "pki.csr_malformed",
    "pki.csr_too_large",
    "pki.csr_proof_of_possession",
    "pki.unsupported_algorithm",
    "pki.encoding",
];

fn pem(der_bytes: &[u8]) -> Option<Vec<u8>> {
    der::pem::encode_string("CERTIFICATE REQUEST", der::pem::LineEnding::LF, der_bytes)
        .ok()
        .map(String::into_bytes)
}

fn check(input: &[u8]) -> Result<(), PkiError> {
    let verified = parse_csr(input)?;
    // Proof of possession, checked again from the request as decoded here: the signature over
    // the request info verifies under the very key the CA would certify.
    let der_bytes = if input.starts_with(b"-----BEGIN") {
        let text = std::str::from_utf8(input).expect("accepted PEM is UTF-8");
        der::pem::decode_vec(text.as_bytes())
            .expect("accepted PEM decodes")
            .1
    } else {
        input.to_vec()
    };
    let request = CertReq::from_der(&der_bytes).expect("accepted request decodes");
    assert_eq!(request.info.public_key, verified.public_key);
    assert_eq!(request.info.subject, verified.subject);
    assert_eq!(
        KeyAlgorithm::of_public_key(&verified.public_key).expect("accepted key has an algorithm"),
        verified.algorithm
    );
    let signature = request
        .signature
        .as_bytes()
        .expect("accepted signature is whole bytes");
    let info = request.info.to_der().expect("accepted info encodes");
    assert!(
        verify_signature(
            &verified.public_key,
            &request.algorithm,
            &info,
            signature,
            Sm2Ids::EITHER,
        )
        .is_ok(),
        "accepted a request its key did not sign"
    );
    Ok(())
}

fuzz_target!(|input: &[u8]| {
    let outcome = check(input);
    if let Err(error) = &outcome {
        assert!(
            REFUSALS.contains(&error.code()),
            "{}: {error}",
            error.code()
        );
    }
    // The same request in PEM gets the same answer (size limits aside: PEM is a third larger).
    if !input.starts_with(b"-----BEGIN")
        && input.len() < signet_pki::csr::MAX_CSR_BYTES / 2
        && let Some(wrapped) = pem(input)
    {
        assert_eq!(
            check(&wrapped).map_err(|e| e.code()),
            outcome.map_err(|e| e.code()),
            "PEM and DER disagree"
        );
    }
});
