//! The PDF read path: `signet_pdf::reader::load` (the full loader that freezing uses),
//! `reader::load_lean` (the one-copy loader of signing and verifying) and the whole verifier
//! (`verify_pdf`) on the same bytes, trusting the test CA that signed the seeds so chain,
//! timestamp and revocation checks run. Properties: no input panics (a panic that the reader's
//! `catch_unwind` would swallow counts too: libFuzzer's panic hook aborts first) and memory stays
//! under `-rss_limit_mb`; a refusal by either loader is one of the reader's typed errors, and the
//! verifier refuses a file with the same error as the lean loader it reads with. (The two loaders
//! may name different errors for the same broken file: the lean one skips stream data that the
//! full one decodes.)

#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_fuzz::{ca, now};
use signet_pdf::{PdfError, VerifyOptions, reader, verify_pdf};

fn assert_typed(loaded: &Result<signet_pdf::reader::Pdf, PdfError>) {
    if let Err(error) = loaded {
        assert!(
            matches!(
                error,
                PdfError::TooLarge(_)
                    | PdfError::NotPdf
                    | PdfError::Truncated
                    | PdfError::BrokenXref
                    | PdfError::Encrypted
                    | PdfError::Malformed(_)
                    | PdfError::TooDeep(_)
            ),
            "{}: {error}",
            error.code()
        );
    }
}

fuzz_target!(|input: &[u8]| {
    assert_typed(&reader::load(input.to_vec()));
    let loaded = reader::load_lean(input.to_vec());
    assert_typed(&loaded);
    let options = VerifyOptions {
        trust_roots: vec![ca().certificate.clone()],
        now: now(),
        other_certificates: Vec::new(),
    };
    let verified = verify_pdf(input, &options);
    if let Err(refused) = &loaded {
        let code = verified.as_ref().err().map(PdfError::code);
        assert_eq!(code, Some(refused.code()), "reader and verifier disagree");
    }
    if let Ok(report) = &verified {
        assert_eq!(
            report.all_valid,
            !report.signatures.is_empty() && report.signatures.iter().all(|s| s.valid)
        );
    }
});
