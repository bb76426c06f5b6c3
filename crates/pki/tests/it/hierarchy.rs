//! The CA hierarchy `signet init` creates, checked by openssl and pkilint.

use std::process::Command;

use signet_pki::Family;
use signet_pki::keystore::KeyLocation;

use crate::support::{attime, fixture, lint, openssl, run, tempdir, write_der, write_pem};

#[test]
fn openssl_verifies_every_family_chain() {
    let fixture = fixture();
    let dir = tempdir();
    for family in fixture.openssl_checkable() {
        let Some(mut openssl) = openssl() else { return };
        let root = write_pem(dir.path(), "root.pem", &[&family.root.certificate]);
        let issuing = write_pem(dir.path(), "issuing.pem", &[&family.issuing.certificate]);
        for leaf in [&family.issuing, &family.ocsp, &family.tsa] {
            let leaf_path = write_pem(dir.path(), "leaf.pem", &[&leaf.certificate]);
            let (ok, text) = run(openssl
                .args(["verify", "-attime", &attime(), "-CAfile"])
                .arg(&root)
                .arg("-untrusted")
                .arg(&issuing)
                .arg(&leaf_path));
            assert!(ok, "{} {}: {text}", family.family, leaf.name);
            openssl = Command::new("openssl");
        }
    }
}

#[test]
fn pkilint_accepts_every_ca_certificate() {
    let fixture = fixture();
    let dir = tempdir();
    for family in &fixture.families {
        for cert in [&family.root, &family.issuing, &family.ocsp, &family.tsa] {
            let path = write_der(dir.path(), "cert.der", &cert.certificate);
            lint("lint_pkix_cert", &path, &[]);
        }
    }
}

#[test]
fn keys_are_stored_encrypted_and_reload() {
    let fixture = fixture();
    for family in &fixture.families {
        for keyed in [&family.root, &family.issuing, &family.ocsp, &family.tsa] {
            assert!(matches!(keyed.key.location, KeyLocation::Software { .. }));
            let pem = keyed.key.encrypted_pem().unwrap();
            assert!(pem.starts_with("-----BEGIN SIGNET WRAPPED PRIVATE KEY-----"));
            let signer = fixture.signer(&keyed.key);
            assert_eq!(
                signer.public_key(),
                keyed
                    .certificate
                    .tbs_certificate()
                    .subject_public_key_info()
            );
        }
        if family.family == Family::Sm2 {
            assert_eq!(family.root.key.sm2_id, "1234567812345678");
        }
    }
    assert_eq!(fixture.sm2_empty_id.root.key.sm2_id, "");
}
