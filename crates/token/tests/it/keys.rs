//! Key pairs made on the token, and PKCS#10 requests signed there.

use signet_pki::csr::parse_csr;
use signet_pki::names::parse_name;
use signet_pki::{KeyAlgorithm, Signer};
use signet_token::{KeyId, Token};

use crate::support::{ALGORITHMS, USER_PIN, openssl, run, softhsm};

#[test]
fn keys_made_on_the_token_sign_requests_that_verify() {
    let Some(hsm) = softhsm() else { return };
    let token = hsm.token("keys");
    let dir = tempfile::tempdir().unwrap();
    for (index, algorithm) in ALGORITHMS.into_iter().enumerate() {
        let id = token.random_key_id().unwrap();
        let key = token
            .generate_key_pair(algorithm, &id, &format!("signet {algorithm}"))
            .unwrap();
        assert_eq!(key.key_algorithm(), algorithm);
        assert_eq!(key.id(), &id);

        let subject = "CN=测试科技有限公司,O=测试科技有限公司,C=CN";
        let csr = key.make_csr_for_dn(subject).unwrap();
        let verified = parse_csr(&csr).unwrap();
        assert_eq!(verified.algorithm, algorithm);
        assert_eq!(&verified.public_key, key.public_key());
        assert_eq!(verified.subject, parse_name(subject).unwrap());

        if let Some(mut openssl) = openssl() {
            let path = dir.path().join(format!("request-{index}.der"));
            std::fs::write(&path, &csr).unwrap();
            let (ok, text) = run(openssl
                .args(["req", "-verify", "-noout", "-inform", "DER", "-in"])
                .arg(&path));
            assert!(ok, "openssl req -verify {algorithm}:\n{text}");
            assert!(text.contains("verify OK"), "{text}");
        }

        // The key is found again from a new session, with the same public half.
        let reopened = Token::open(&hsm.module, "keys").unwrap();
        let again = reopened.key(&id).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        assert_eq!(again.label(), format!("signet {algorithm}"));
        let csr = again.make_csr(&parse_name("CN=again").unwrap()).unwrap();
        assert_eq!(parse_csr(&csr).unwrap().algorithm, algorithm);
    }
}

#[test]
fn private_keys_are_sensitive_and_never_leave_the_token() {
    let Some(hsm) = softhsm() else { return };
    let token = hsm.token("attributes");
    let id = KeyId::from_hex("a1b2c3d4").unwrap();
    token
        .generate_key_pair(KeyAlgorithm::EcdsaP256, &id, "attribute check")
        .unwrap();
    let Some(listing) = hsm.pkcs11_tool(&[
        "--token-label",
        "attributes",
        "--login",
        "--pin",
        USER_PIN,
        "--list-objects",
        "--type",
        "privkey",
    ]) else {
        return;
    };
    assert!(listing.contains("Private Key Object; EC"), "{listing}");
    assert!(listing.contains("attribute check"), "{listing}");
    assert!(listing.contains("a1b2c3d4"), "{listing}");
    let access = listing
        .lines()
        .find(|line| line.trim_start().starts_with("Access:"))
        .unwrap_or_default();
    assert!(access.contains("sensitive"), "{listing}");
    assert!(access.contains("never extractable"), "{listing}");
    let usage = listing
        .lines()
        .find(|line| line.trim_start().starts_with("Usage:"))
        .unwrap_or_default();
    assert!(usage.contains("sign"), "{listing}");
    assert!(!usage.contains("decrypt"), "{listing}");
}

#[test]
fn key_generation_refuses_what_it_cannot_do() {
    let Some(hsm) = softhsm() else { return };
    let token = hsm.token("refusals");
    let id = KeyId::new(*b"one").unwrap();

    let sm2 = token
        .generate_key_pair(KeyAlgorithm::Sm2, &id, "sm2")
        .unwrap_err();
    assert_eq!(sm2.code(), "token.unsupported_algorithm");
    assert!(sm2.to_string().contains("SM2"), "{sm2}");

    token
        .generate_key_pair(KeyAlgorithm::EcdsaP256, &id, "first")
        .unwrap();
    let reused = token
        .generate_key_pair(KeyAlgorithm::EcdsaP256, &id, "second")
        .unwrap_err();
    assert_eq!(reused.code(), "token.key_id_in_use");

    let unknown = token.key(&KeyId::new(*b"two").unwrap()).unwrap_err();
    assert_eq!(unknown.code(), "token.key_not_found");

    token.logout().unwrap();
    let logged_out = token
        .generate_key_pair(
            KeyAlgorithm::EcdsaP256,
            &KeyId::new(*b"three").unwrap(),
            "x",
        )
        .unwrap_err();
    assert_eq!(logged_out.code(), "token.not_logged_in");
    assert_eq!(logged_out.to_string(), "log in with the user PIN first");
    assert_eq!(token.key(&id).unwrap_err().code(), "token.not_logged_in");
}

#[test]
fn signing_needs_the_login_it_was_made_under() {
    let Some(hsm) = softhsm() else { return };
    let token = hsm.token("session");
    let id = token.random_key_id().unwrap();
    let key = token
        .generate_key_pair(KeyAlgorithm::Rsa2048, &id, "rsa")
        .unwrap();
    token.logout().unwrap();
    let error = key.make_csr(&parse_name("CN=x").unwrap()).unwrap_err();
    assert_eq!(error.code(), "token.not_logged_in");
    let error = Signer::sign(&key, b"message").unwrap_err();
    assert_eq!(error.code(), "pki.pkcs11");
    token.login_user(USER_PIN).unwrap();
    assert!(key.make_csr(&parse_name("CN=x").unwrap()).is_ok());
}
