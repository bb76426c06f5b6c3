//! OCSP answers built here and checked by `openssl ocsp` and pkilint.

use std::process::Command;
use std::time::Duration;

use signet_pki::crl::RevocationReason;
use signet_pki::ocsp::{CertStatus, Responder, ResponseStatus, error_response, parse_request};
use signet_pki::profile::Profile;
use signet_pki::{KeyAlgorithm, SoftwareKey};

use crate::issuance::issue_leaf;
use crate::support::{attime, fixture, lint, now, openssl, rng, run, tempdir, write, write_pem};

#[test]
fn openssl_verifies_good_and_revoked_answers_with_nonce() {
    let fixture = fixture();
    let dir = tempdir();
    for hierarchy in fixture.openssl_checkable() {
        let Some(_) = openssl() else { return };
        let algorithm = match hierarchy.family.ca_algorithm() {
            KeyAlgorithm::Rsa3072 => KeyAlgorithm::Rsa2048,
            other => other,
        };
        let key = SoftwareKey::generate(algorithm, "", &mut rng(41)).unwrap();
        let leaf = issue_leaf(hierarchy, Profile::Enterprise, &key, 42).unwrap();
        let root = write_pem(dir.path(), "root.pem", &[&hierarchy.root.certificate]);
        let issuing = write_pem(dir.path(), "issuing.pem", &[&hierarchy.issuing.certificate]);
        let others = write_pem(
            dir.path(),
            "others.pem",
            &[&hierarchy.issuing.certificate, &hierarchy.ocsp.certificate],
        );
        let leaf_path = write_pem(dir.path(), "leaf.pem", &[&leaf]);
        let request_path = dir.path().join("req.der");
        let (ok, text) = run(Command::new("openssl")
            .args(["ocsp", "-sha1", "-issuer"])
            .arg(&issuing)
            .arg("-cert")
            .arg(&leaf_path)
            .arg("-reqout")
            .arg(&request_path));
        assert!(ok, "{text}");
        let request = parse_request(&std::fs::read(&request_path).unwrap()).unwrap();
        assert!(request.nonce.is_some(), "openssl sends a nonce by default");

        let signer = fixture.signer(&hierarchy.ocsp.key);
        let responder = Responder {
            issuer: &hierarchy.issuing.certificate,
            certificate: &hierarchy.ocsp.certificate,
            signer: signer.as_ref(),
        };
        let revoked_at = now() - Duration::from_hours(1);
        for (status, expect) in [
            (CertStatus::Good, ": good"),
            (
                CertStatus::Revoked {
                    at: revoked_at,
                    reason: Some(RevocationReason::KeyCompromise),
                },
                ": revoked",
            ),
            (CertStatus::Unknown, ": unknown"),
        ] {
            let response = responder
                .answer(
                    &request,
                    |_| status,
                    now(),
                    now() + Duration::from_hours(12),
                )
                .unwrap();
            let response_path = write(dir.path(), "resp.der", &response);
            // With -cert openssl builds a new request (new nonce): check the nonce against our
            // -reqin first, then the status with -no_nonce.
            let (ok, text) = run(Command::new("openssl")
                .args(["ocsp", "-attime", &attime(), "-respin"])
                .arg(&response_path)
                .arg("-reqin")
                .arg(&request_path)
                .arg("-CAfile")
                .arg(&root)
                .arg("-verify_other")
                .arg(&others));
            assert!(
                ok && text.contains("Response verify OK"),
                "{} nonce: {text}",
                hierarchy.family
            );
            let (ok, text) = run(Command::new("openssl")
                .args([
                    "ocsp",
                    "-no_nonce",
                    "-attime",
                    &attime(),
                    "-validity_period",
                    "315360000",
                    "-respin",
                ])
                .arg(&response_path)
                .arg("-CAfile")
                .arg(&root)
                .arg("-verify_other")
                .arg(&others)
                .arg("-issuer")
                .arg(&issuing)
                .arg("-cert")
                .arg(&leaf_path));
            assert!(ok, "{} {status:?}: {text}", hierarchy.family);
            assert!(text.contains("Response verify OK"), "{text}");
            assert!(
                text.contains(expect),
                "{} expected {expect}: {text}",
                hierarchy.family
            );
            if status != CertStatus::Good {
                continue;
            }
            lint("lint_ocsp_response", &response_path, &[]);
        }

        // Pre-signed answer: no nonce; serves a nonce-less request for the same serial.
        let presigned = responder
            .presign(
                leaf.tbs_certificate().serial_number(),
                CertStatus::Good,
                now(),
                now() + Duration::from_hours(12),
            )
            .unwrap();
        assert!(!presigned.serves(&request, &hierarchy.issuing.certificate));
        let no_nonce = dir.path().join("req-nononce.der");
        let (ok, text) = run(Command::new("openssl")
            .args(["ocsp", "-no_nonce", "-sha1", "-issuer"])
            .arg(&issuing)
            .arg("-cert")
            .arg(&leaf_path)
            .arg("-reqout")
            .arg(&no_nonce));
        assert!(ok, "{text}");
        let plain = parse_request(&std::fs::read(&no_nonce).unwrap()).unwrap();
        assert!(presigned.serves(&plain, &hierarchy.issuing.certificate));
        let response_path = write(dir.path(), "presigned.der", &presigned.der);
        let (ok, text) = run(Command::new("openssl")
            .args([
                "ocsp",
                "-no_nonce",
                "-attime",
                &attime(),
                "-validity_period",
                "315360000",
                "-respin",
            ])
            .arg(&response_path)
            .arg("-CAfile")
            .arg(&root)
            .arg("-verify_other")
            .arg(&others)
            .arg("-issuer")
            .arg(&issuing)
            .arg("-cert")
            .arg(&leaf_path));
        assert!(ok && text.contains(": good"), "{text}");
    }
}

#[test]
fn malformed_requests_map_to_malformed_request() {
    for bad in [&b""[..], b"\x30\x03\x02\x01\x01", &[0x30; 9000]] {
        let error = parse_request(bad).unwrap_err();
        assert_eq!(error.code(), "pki.ocsp_malformed_request");
    }
    let answer = error_response(ResponseStatus::MalformedRequest).unwrap();
    assert_eq!(answer, [0x30, 0x03, 0x0a, 0x01, 0x01]);
}

#[test]
fn built_requests_parse_and_the_nonce_comes_back() {
    let fixture = fixture();
    let hierarchy = &fixture.families[0];
    let key = SoftwareKey::generate(KeyAlgorithm::Rsa2048, "", &mut rng(43)).unwrap();
    let leaf = issue_leaf(hierarchy, Profile::Enterprise, &key, 44).unwrap();
    let request = signet_pki::ocsp::build_request(
        &leaf,
        &hierarchy.issuing.certificate,
        Some(b"0123456789ab"),
    )
    .unwrap();
    let parsed = parse_request(&request).unwrap();
    assert_eq!(parsed.cert_ids.len(), 1);
    assert!(parsed.cert_ids[0].is_issued_by(&hierarchy.issuing.certificate));
    assert_eq!(
        &parsed.cert_ids[0].serial_number,
        leaf.tbs_certificate().serial_number()
    );
    let signer = fixture.signer(&hierarchy.ocsp.key);
    let responder = Responder {
        issuer: &hierarchy.issuing.certificate,
        certificate: &hierarchy.ocsp.certificate,
        signer: signer.as_ref(),
    };
    let response = responder
        .answer(
            &parsed,
            |_| CertStatus::Good,
            now(),
            now() + Duration::from_hours(1),
        )
        .unwrap();
    let verified = signet_pki::ocsp::verify_response(
        &response,
        &hierarchy.issuing.certificate,
        signet_pki::signer::Sm2Ids::EITHER,
    )
    .unwrap();
    assert_eq!(verified.nonce.as_deref(), Some(&b"0123456789ab"[..]));
    assert_eq!(verified.answers[0].status, CertStatus::Good);
    // Without a nonce, none is asked for; a nonce of 33 bytes is refused.
    let plain =
        signet_pki::ocsp::build_request(&leaf, &hierarchy.issuing.certificate, None).unwrap();
    assert!(parse_request(&plain).unwrap().nonce.is_none());
    assert!(
        signet_pki::ocsp::build_request(&leaf, &hierarchy.issuing.certificate, Some(&[1; 33]))
            .is_err()
    );
}
