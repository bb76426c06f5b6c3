//! Certificates written next to their keys, listed, renewed, and used for login challenges.

use der::Encode;
use signet_pki::signer::{Sm2Ids, verify_signature};
use signet_pki::{KeyAlgorithm, Signer};
use signet_token::KeyId;

use crate::support::{ALGORITHMS, USER_PIN, issue_for, softhsm};

#[test]
fn certificates_are_stored_with_their_key_and_seen_by_pkcs11_tool() {
    let Some(hsm) = softhsm() else { return };
    let token = hsm.token("certificates");
    let id = KeyId::from_hex("5167e1a7").unwrap();
    let key = token
        .generate_key_pair(KeyAlgorithm::Rsa2048, &id, "operator")
        .unwrap();
    let certificate = issue_for(&key, "张三", 1);
    let der = certificate.to_der().unwrap();

    let stored = token.write_certificate(&der, &id, "operator").unwrap();
    assert_eq!(stored.id.as_ref(), Some(&id));
    assert_eq!(stored.certificate, certificate);
    // Writing it again changes nothing.
    token.write_certificate(&der, &id, "operator").unwrap();
    let listed = token.certificates().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id.as_ref(), Some(&id));
    assert_eq!(listed[0].label, "operator");
    assert_eq!(listed[0].der, der);

    // Certificates are public objects: listed without logging in.
    token.logout().unwrap();
    assert_eq!(token.certificates().unwrap().len(), 1);
    token.login_user(USER_PIN).unwrap();

    let Some(listing) = hsm.pkcs11_tool(&[
        "--token-label",
        "certificates",
        "--login",
        "--pin",
        USER_PIN,
        "--list-objects",
    ]) else {
        return;
    };
    for kind in [
        "Private Key Object; RSA",
        "Public Key Object; RSA 2048 bits",
        "Certificate Object; type = X.509 cert",
    ] {
        assert!(listing.contains(kind), "{kind} missing:\n{listing}");
    }
    let ids = listing
        .lines()
        .filter(|line| line.trim_start().starts_with("ID:") && line.contains("5167e1a7"))
        .count();
    assert_eq!(ids, 3, "{listing}");
    let labels = listing
        .lines()
        .filter(|line| line.trim_start().starts_with("label:") && line.contains("operator"))
        .count();
    assert_eq!(labels, 3, "{listing}");
    // pkcs11-tool prints the subject's UTF-8 as escapes; the serial it decodes from
    // CKA_SERIAL_NUMBER must be the certificate's.
    let serial = signet_pki::serial::serial_hex(certificate.tbs_certificate().serial_number());
    let shown = listing
        .lines()
        .find(|line| line.trim_start().starts_with("serial:"))
        .unwrap_or_default();
    assert!(
        shown
            .to_ascii_lowercase()
            .contains(&serial.to_ascii_lowercase()),
        "serial {serial} missing:\n{listing}"
    );
    // 张三
    assert!(
        listing.contains("CN=\\xE5\\xBC\\xA0\\xE4\\xB8\\x89"),
        "{listing}"
    );
}

#[test]
fn a_certificate_for_another_key_is_refused() {
    let Some(hsm) = softhsm() else { return };
    let token = hsm.token("mismatch");
    let first = KeyId::new(*b"first").unwrap();
    let second = KeyId::new(*b"second").unwrap();
    let key = token
        .generate_key_pair(KeyAlgorithm::EcdsaP256, &first, "first")
        .unwrap();
    token
        .generate_key_pair(KeyAlgorithm::EcdsaP256, &second, "second")
        .unwrap();
    let der = issue_for(&key, "first", 2).to_der().unwrap();
    let error = token
        .write_certificate(&der, &second, "second")
        .unwrap_err();
    assert_eq!(error.code(), "token.certificate_key_mismatch");
    let error = token
        .write_certificate(&der, &KeyId::new(*b"none").unwrap(), "none")
        .unwrap_err();
    assert_eq!(error.code(), "token.key_not_found");
    let error = token
        .write_certificate(b"not DER", &first, "x")
        .unwrap_err();
    assert_eq!(error.code(), "token.certificate_malformed");
    assert!(token.certificates().unwrap().is_empty());
}

#[test]
fn renewal_writes_the_new_key_and_certificate_before_removing_the_old() {
    let Some(hsm) = softhsm() else { return };
    let token = hsm.token("renewal");
    let old_id = token.random_key_id().unwrap();
    let old_key = token
        .generate_key_pair(KeyAlgorithm::EcdsaP256, &old_id, "signing")
        .unwrap();
    let old = issue_for(&old_key, "renewal", 3).to_der().unwrap();
    token.write_certificate(&old, &old_id, "signing").unwrap();

    let new_id = token.random_key_id().unwrap();
    let new_key = token
        .generate_key_pair(KeyAlgorithm::EcdsaP256, &new_id, "signing")
        .unwrap();
    let new = issue_for(&new_key, "renewal", 4).to_der().unwrap();
    token.write_certificate(&new, &new_id, "signing").unwrap();
    assert_eq!(token.certificates().unwrap().len(), 2);

    assert_eq!(token.delete_key_and_certificate(&old_id).unwrap(), 3);
    let left = token.certificates().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].der, new);
    assert_eq!(
        token.key(&old_id).unwrap_err().code(),
        "token.key_not_found"
    );
    assert_eq!(
        token
            .delete_key_and_certificate(&old_id)
            .unwrap_err()
            .code(),
        "token.key_not_found"
    );
    assert!(token.key(&new_id).is_ok());

    // A new certificate for the same key replaces the one stored with it.
    let reissued = issue_for(&new_key, "renewal", 5).to_der().unwrap();
    token
        .write_certificate(&reissued, &new_id, "signing")
        .unwrap();
    let left = token.certificates().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].der, reissued);
}

#[test]
fn login_challenges_signed_on_the_token_verify() {
    let Some(hsm) = softhsm() else { return };
    let token = hsm.token("login");
    let challenge = b"signet login 2026-11-01T00:00:00Z nonce 3f9a";
    for (seed, algorithm) in (10..).zip(ALGORITHMS) {
        let id = token.random_key_id().unwrap();
        let key = token.generate_key_pair(algorithm, &id, "login").unwrap();
        let certificate = issue_for(&key, "operator", seed);
        token
            .write_certificate(&certificate.to_der().unwrap(), &id, "login")
            .unwrap();

        let signed = token.sign_challenge(&id, challenge).unwrap();
        assert_eq!(signed.algorithm, key.signature_algorithm());
        assert_eq!(
            signed.certificate.as_deref(),
            Some(certificate.to_der().unwrap().as_slice())
        );
        let public_key = certificate.tbs_certificate().subject_public_key_info();
        verify_signature(
            public_key,
            &signed.algorithm,
            challenge,
            &signed.signature,
            Sm2Ids::EITHER,
        )
        .unwrap();
        let error = verify_signature(
            public_key,
            &signed.algorithm,
            b"another challenge",
            &signed.signature,
            Sm2Ids::EITHER,
        )
        .unwrap_err();
        assert_eq!(error.code(), "pki.bad_signature", "{algorithm}");
    }
    token.logout().unwrap();
    let id = token.certificates().unwrap()[0].id.clone().unwrap();
    assert_eq!(
        token.sign_challenge(&id, challenge).unwrap_err().code(),
        "token.not_logged_in"
    );
}
