//! The PKCS#11 key store against `SoftHSM2`: keys made on the token sign a certificate chain.
//!
//! `SoftHSM2` reads its configuration from `SOFTHSM2_CONF`, which must be set before the module
//! loads; tests may not change the environment (no unsafe), so the outer test prepares a token
//! and runs the inner one in a child process of this same binary with that variable set.

use std::path::Path;
use std::process::Command;

use signet_pki::csr::{make_csr, parse_csr};
use signet_pki::keystore::{KeyStore, Pkcs11Config, Pkcs11KeyStore};
use signet_pki::names::parse_name;
use signet_pki::profile::Profile;
use signet_pki::signer::Sm2Ids;
use signet_pki::validate::validate_path;
use signet_pki::{Family, KeyAlgorithm};

use crate::issuance::issue_leaf;
use crate::support::{fixture, missing, now, rng, run, tempdir};

const MODULES: [&str; 2] = [
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
];

#[test]
fn softhsm_key_store_signs_through_the_signer_interface() {
    let Some(module) = MODULES.iter().find(|m| Path::new(m).exists()) else {
        missing("SoftHSM2 (apt-get install softhsm2)");
        return;
    };
    let dir = tempdir();
    let tokens = dir.path().join("tokens");
    std::fs::create_dir(&tokens).unwrap();
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\n",
            tokens.display()
        ),
    )
    .unwrap();
    let (ok, text) = run(Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--init-token",
            "--free",
            "--label",
            "signet",
            "--pin",
            "1234",
            "--so-pin",
            "5678",
        ]));
    assert!(ok, "{text}");
    let (ok, text) = run(Command::new(std::env::current_exe().unwrap())
        .env("SOFTHSM2_CONF", &conf)
        .env("SIGNET_PKCS11_MODULE", module)
        .args([
            "pkcs11::inside_softhsm",
            "--exact",
            "--ignored",
            "--nocapture",
        ]));
    assert!(ok && text.contains("1 passed"), "{text}");
}

#[test]
#[ignore = "run by softhsm_key_store_signs_through_the_signer_interface in a child process"]
fn inside_softhsm() {
    let module = std::env::var("SIGNET_PKCS11_MODULE").unwrap();
    let store = Pkcs11KeyStore::open(&Pkcs11Config {
        module: module.into(),
        token_label: "signet".into(),
        user_pin: "1234".into(),
    })
    .unwrap();
    let mut rng = rng(61);
    for algorithm in [KeyAlgorithm::Rsa2048, KeyAlgorithm::EcdsaP256] {
        let key = store
            .generate(algorithm, "subscriber", "", &mut rng)
            .unwrap();
        let signer = store.signer(&key).unwrap();
        // Proof of possession made on the token verifies.
        let csr = make_csr(signer.as_ref(), &parse_name("CN=token").unwrap()).unwrap();
        assert_eq!(parse_csr(&csr).unwrap().algorithm, algorithm);
        let family = fixture().family(algorithm.family());
        let certificate = issue_leaf(family, Profile::Personal, signer.as_ref(), 62).unwrap();
        validate_path(
            &certificate,
            std::slice::from_ref(&family.issuing.certificate),
            std::slice::from_ref(&family.root.certificate),
            now(),
            Sm2Ids::EITHER,
        )
        .unwrap();
    }
    let error = store
        .generate(KeyAlgorithm::Sm2, "sm2", "", &mut rng)
        .unwrap_err();
    assert_eq!(error.code(), "pki.unsupported_algorithm");
    assert_eq!(Family::Sm2.ca_algorithm(), KeyAlgorithm::Sm2);
}
