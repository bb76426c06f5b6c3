//! CRLs: `openssl verify -crl_check` finds them and sees the revocation; pkilint is content.

use std::process::Command;
use std::time::Duration;

use der::EncodePem;
use der::pem::LineEnding;
use signet_pki::crl::{CrlContent, RevocationReason, RevokedEntry, build_crl};
use signet_pki::profile::Profile;
use signet_pki::{KeyAlgorithm, SoftwareKey};

use crate::issuance::issue_leaf;
use crate::support::{
    attime, fixture, lint, now, openssl, rng, run, tempdir, write, write_der, write_pem,
};

#[test]
fn revoked_certificate_fails_crl_check_and_others_pass() {
    let fixture = fixture();
    let dir = tempdir();
    for hierarchy in fixture.openssl_checkable() {
        let algorithm = match hierarchy.family.ca_algorithm() {
            KeyAlgorithm::Rsa3072 => KeyAlgorithm::Rsa2048,
            other => other,
        };
        let key = SoftwareKey::generate(algorithm, "", &mut rng(21)).unwrap();
        let revoked = issue_leaf(hierarchy, Profile::Personal, &key, 31).unwrap();
        let good = issue_leaf(hierarchy, Profile::Personal, &key, 32).unwrap();
        let entries = [RevokedEntry {
            serial: revoked.tbs_certificate().serial_number().clone(),
            revoked_at: now(),
            reason: Some(RevocationReason::KeyCompromise),
        }];
        let issuing_signer = fixture.signer(&hierarchy.issuing.key);
        let content = CrlContent {
            number: 7,
            this_update: now(),
            next_update: now() + Duration::from_hours(24),
            revoked: &entries,
        };
        let crl = build_crl(
            &hierarchy.issuing.certificate,
            issuing_signer.as_ref(),
            &content,
        )
        .unwrap();
        // The root's CRL (empty) for the issuing CA's own status under -crl_check_all.
        let root_signer = fixture.signer(&hierarchy.root.key);
        let root_crl = build_crl(
            &hierarchy.root.certificate,
            root_signer.as_ref(),
            &CrlContent {
                number: 1,
                revoked: &[],
                ..content.clone()
            },
        )
        .unwrap();

        let crls = format!(
            "{}{}",
            crl.to_pem(LineEnding::LF).unwrap(),
            root_crl.to_pem(LineEnding::LF).unwrap()
        );
        let crl_path = write(dir.path(), "crls.pem", crls.as_bytes());
        let root = write_pem(dir.path(), "root.pem", &[&hierarchy.root.certificate]);
        let chain = write_pem(dir.path(), "chain.pem", &[&hierarchy.issuing.certificate]);
        let verify = |leaf: &x509_cert::Certificate| {
            let leaf = write_pem(dir.path(), "leaf.pem", &[leaf]);
            run(Command::new("openssl")
                .args(["verify", "-crl_check_all", "-attime", &attime(), "-CAfile"])
                .arg(&root)
                .arg("-untrusted")
                .arg(&chain)
                .arg("-CRLfile")
                .arg(&crl_path)
                .arg(&leaf))
        };
        let Some(mut openssl) = openssl() else { return };
        let (ok, text) = verify(&good);
        assert!(ok, "{}: good cert: {text}", hierarchy.family);
        let (ok, text) = verify(&revoked);
        assert!(
            !ok && text.contains("certificate revoked"),
            "{}: {text}",
            hierarchy.family
        );

        let issuing = write_pem(dir.path(), "issuing.pem", &[&hierarchy.issuing.certificate]);
        let single = write_der(dir.path(), "crl.der", &crl);
        let (ok, text) = run(openssl
            .args(["crl", "-inform", "DER", "-noout", "-text", "-in"])
            .arg(&single)
            .arg("-CAfile")
            .arg(&issuing));
        assert!(ok && text.contains("verify OK"), "{text}");
        assert!(
            text.contains("Key Compromise") && text.contains("X509v3 CRL Number"),
            "{text}"
        );
        lint("lint_crl", &single, &[]);
    }
}

#[test]
fn crl_refuses_next_update_before_this_update_and_foreign_signer() {
    let fixture = fixture();
    let hierarchy = &fixture.families[0];
    let signer = fixture.signer(&hierarchy.issuing.key);
    let content = CrlContent {
        number: 1,
        this_update: now(),
        next_update: now(),
        revoked: &[],
    };
    assert_eq!(
        build_crl(&hierarchy.issuing.certificate, signer.as_ref(), &content)
            .unwrap_err()
            .code(),
        "pki.invalid_validity"
    );
    let content = CrlContent {
        next_update: now() + Duration::from_hours(1),
        ..content
    };
    let other = fixture.signer(&hierarchy.root.key);
    assert_eq!(
        build_crl(&hierarchy.issuing.certificate, other.as_ref(), &content)
            .unwrap_err()
            .code(),
        "pki.key"
    );
}
