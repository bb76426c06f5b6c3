//! Revocation data over HTTP: `HttpRevocation` against the fixture CAs' responders when signing
//! at B-LT, and `verify_pdf_online` for files without `/DSS` evidence.

use signet_pdf::dss::{HttpRevocation, RevocationSource};
use signet_pdf::{Level, SignOptions, VerifyOptions, sign_pdf, verify_pdf, verify_pdf_online};
use signet_pki::extensions::CaUrls;
use signet_pki::{Family, KeyAlgorithm};

use crate::support::{Party, fixture, fixture_pdf, now, party_with};

fn sign(party: &Party, level: Level) -> signet_pdf::Result<Vec<u8>> {
    let f = fixture();
    let tsa = f.tsa();
    let revocation = HttpRevocation::new(now());
    let mut options = SignOptions::new(now());
    options.level = level;
    options.tsa = Some(&tsa);
    options.revocation = Some(&revocation);
    options.extra_certificates = f.tsa_chain();
    sign_pdf(
        &fixture_pdf("chromium-contract1.pdf"),
        &party.credentials(),
        &options,
    )
}

/// A signer of the RSA issuing CA whose certificate names these URLs.
fn rsa_party(urls: CaUrls, name: &'static str, seed: u64) -> Party {
    let f = fixture();
    party_with(
        urls,
        &f.store,
        f.family(Family::Rsa),
        KeyAlgorithm::Rsa2048,
        name,
        seed,
    )
}

fn options() -> VerifyOptions {
    VerifyOptions {
        trust_roots: fixture().roots(),
        now: now(),
        other_certificates: fixture().tsa_chain(),
    }
}

#[test]
fn an_unreachable_responder_and_crl_fail_signing_naming_both_urls() {
    let dead = "http://127.0.0.1:1";
    let dave = rsa_party(CaUrls::new(dead, "rsa"), "丁方 Dave", 61);
    let error = sign(&dave, Level::BLT).unwrap_err();
    assert_eq!(error.code(), "pdf.revocation");
    let message = error.to_string();
    assert!(message.contains("丁方 Dave"), "{message}");
    assert!(
        message.contains("OCSP http://127.0.0.1:1/pki/rsa/ocsp"),
        "{message}"
    );
    assert!(
        message.contains("CRL http://127.0.0.1:1/pki/rsa/crl"),
        "{message}"
    );
}

#[test]
fn a_missing_responder_falls_back_to_the_crl() {
    let f = fixture();
    let base = &f.base_url;
    let urls = CaUrls {
        ocsp: format!("{base}/pki/nowhere/ocsp"),
        ..CaUrls::new(base, "rsa")
    };
    let erin = rsa_party(urls, "戊方 Erin", 71);
    let issuer = &f.family(Family::Rsa).issuing.certificate;
    let data = HttpRevocation::new(now())
        .revocation(&erin.certificate, issuer)
        .unwrap();
    assert!(data.ocsp_responses.is_empty());
    assert_eq!(data.crls.len(), 1);
    // And a file signed with it reaches B-LT on the CRL alone.
    let signed = sign(&erin, Level::BLT).unwrap();
    let report = verify_pdf(&signed, &options()).unwrap();
    assert!(report.all_valid, "{report:#?}");
    assert_eq!(report.signatures[0].level, Some(Level::BLT));
    assert_eq!(
        report.signatures[0].revocation[0].source.as_deref(),
        Some("crl")
    );
}

#[test]
fn answers_from_another_ca_are_refused() {
    let f = fixture();
    let base = &f.base_url;
    // The ECC CA's responder and CRL know nothing of an RSA-issued certificate.
    let urls = CaUrls {
        ocsp: format!("{base}/pki/ecc/ocsp"),
        crl: format!("{base}/pki/ecc/crl"),
        ..CaUrls::new(base, "rsa")
    };
    let frank = rsa_party(urls, "己方 Frank", 81);
    let message = sign(&frank, Level::BLT).unwrap_err().to_string();
    // The answer is signed by a responder the RSA CA never certified ...
    assert!(
        message.contains(&format!("OCSP {base}/pki/ecc/ocsp"))
            && message
                .contains("no trusted issuer found for CN=Signet PDF 测试 ECC OCSP Responder"),
        "{message}"
    );
    // ... and the CRL by another CA.
    assert!(
        message.contains(&format!(
            "CRL {base}/pki/ecc/crl: CRL is issued by another CA"
        )),
        "{message}"
    );
}

#[test]
fn a_revoked_signer_cannot_sign_at_b_lt_and_fails_online_verification() {
    let f = fixture();
    let message = sign(&f.mallory, Level::BLT).unwrap_err().to_string();
    assert!(
        message.contains("吊销 Mallory") && message.contains("revoked"),
        "{message}"
    );
    // At B-T nothing is checked when signing; offline the file has no evidence, online the
    // responder says revoked.
    let signed = sign(&f.mallory, Level::BT).unwrap();
    let offline = verify_pdf(&signed, &options()).unwrap();
    assert_eq!(offline.signatures[0].revocation[0].status, "missing");
    let online = verify_pdf_online(&signed, &options(), Some(&HttpRevocation::new(now()))).unwrap();
    assert!(!online.all_valid);
    assert_eq!(online.signatures[0].revocation[0].status, "revoked");
    assert_eq!(
        online.signatures[0].revocation[0].source.as_deref(),
        Some("ocsp-online")
    );
}

#[test]
fn online_verification_fills_in_status_but_not_the_level() {
    let f = fixture();
    let signed = sign(&f.alice, Level::BT).unwrap();
    let online = verify_pdf_online(&signed, &options(), Some(&HttpRevocation::new(now()))).unwrap();
    assert!(online.all_valid, "{online:#?}");
    let signature = &online.signatures[0];
    assert!(
        signature
            .revocation
            .iter()
            .all(|r| r.status == "good"
                && r.source.as_deref().is_some_and(|s| s.ends_with("-online"))),
        "{signature:#?}"
    );
    // The level describes the file: nothing was embedded.
    assert_eq!(signature.level, Some(Level::BT));
    // An unreachable responder online is a failed check, not a silent pass.
    let dave = rsa_party(CaUrls::new("http://127.0.0.1:1", "rsa"), "丁方 Dave", 62);
    let signed = sign(&dave, Level::BT).unwrap();
    let online = verify_pdf_online(&signed, &options(), Some(&HttpRevocation::new(now()))).unwrap();
    assert!(!online.all_valid);
    assert!(
        online.signatures[0]
            .problems
            .iter()
            .any(|p| p.contains("online revocation check failed") && p.contains("127.0.0.1:1")),
        "{online:#?}"
    );
}

#[test]
fn the_dss_only_pyhanko_check_rejects_a_file_without_evidence() {
    // The check that the /DSS alone carries what validation needs must fail when it does not.
    let signed = sign(&fixture().alice, Level::BT).unwrap();
    let dir = crate::support::tempdir();
    if let Some((ok, text)) = crate::validators::run_pyhanko_ltv(dir.path(), &signed) {
        assert!(!ok, "{text}");
        assert!(
            text.contains("AdES current time AdESIndeterminate"),
            "{text}"
        );
    }
}
