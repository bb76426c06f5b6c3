//! OCSP requests (`signet_pki::ocsp::parse_request`, what the responder parses from anyone).
//! Properties: no input panics; every refusal is `malformedRequest`; an accepted request can be
//! answered, and the signed answer verifies, covers exactly the certificates asked about and
//! echoes the nonce.

#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_fuzz::{ca, now};
use signet_pki::ocsp::{CertStatus, Responder, ResponseStatus, error_response, parse_request};
use signet_pki::signer::Sm2Ids;

fuzz_target!(|input: &[u8]| {
    let request = match parse_request(input) {
        Ok(request) => request,
        Err(error) => {
            assert_eq!(error.code(), "pki.ocsp_malformed_request", "{error}");
            assert!(error_response(ResponseStatus::MalformedRequest).is_ok());
            return;
        }
    };
    assert!(!request.cert_ids.is_empty());
    let ca = ca();
    let responder = Responder {
        issuer: &ca.certificate,
        certificate: &ca.certificate,
        signer: &ca.key,
    };
    let next_update = now() + std::time::Duration::from_hours(1);
    let answer = responder
        .answer(&request, |_| CertStatus::Good, now(), next_update)
        .expect("an accepted request can be answered");
    let verified = signet_pki::ocsp::verify_response(&answer, &ca.certificate, Sm2Ids::EITHER)
        .expect("our own answer verifies");
    assert_eq!(verified.answers.len(), request.cert_ids.len());
    for (answer, asked) in verified.answers.iter().zip(&request.cert_ids) {
        assert_eq!(&answer.cert_id, asked);
    }
    if let Some(nonce) = &request.nonce {
        let echoed = answer
            .windows(nonce.extn_value.as_bytes().len())
            .any(|w| w == nonce.extn_value.as_bytes());
        assert!(echoed, "nonce not echoed");
    }
});
