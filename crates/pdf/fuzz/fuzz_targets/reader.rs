//! Fuzz the PDF reader and verifier with arbitrary bytes: errors are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = signet_pdf::VerifyOptions {
        trust_roots: Vec::new(),
        now: std::time::UNIX_EPOCH,
        other_certificates: Vec::new(),
    };
    let _ = signet_pdf::verify_pdf(data, &options);
});
