//! RFC 3161 time-stamp requests (`signet_pki::tsa::parse_request`). Properties: no input panics;
//! every refusal maps to an RFC 3161 failure the TSA can send; an accepted request is stamped, or
//! refused for its policy, never with `systemFailure`.

#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use signet_fuzz::{ca, now};
use signet_pki::profile::TSA_POLICY;
use signet_pki::tsa::{Failure, Tsa, failure_of, parse_request, rejection};
use x509_cert::serial_number::SerialNumber;

fuzz_target!(|input: &[u8]| {
    let refused = |error: &signet_pki::PkiError| {
        let failure = failure_of(error);
        assert_ne!(failure, Failure::SystemFailure, "{error}");
        assert!(rejection(failure).is_ok());
    };
    let request = match parse_request(input) {
        Ok(request) => request,
        Err(error) => return refused(&error),
    };
    let ca = ca();
    let tsa = Tsa {
        certificate: &ca.certificate,
        signer: &ca.key,
        policy: TSA_POLICY,
        accuracy: Duration::from_millis(1500),
    };
    let serial = SerialNumber::new(&[0x42; 16]).expect("a fixed serial");
    match tsa.stamp(&request, serial, now()) {
        Ok(response) => assert!(!response.is_empty()),
        Err(error) => refused(&error),
    }
});
