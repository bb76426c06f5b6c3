//! Batch issuance: all or nothing, every certificate valid and recorded, one audit event that
//! names every serial, a bad item named by its position.

use std::collections::HashSet;

use der::DecodePem as _;
use signet_core::ca::{BatchItem, KeyInput, MAX_BATCH, init_hierarchies, issue_batch};
use signet_core::platform::clock::Clock as _;
use signet_pki::Signer as _;
use signet_pki::csr::make_csr;
use signet_pki::names::parse_name;
use signet_pki::signer::Sm2Ids;
use signet_pki::validate::validate_path;
use signet_pki::{KeyAlgorithm, SoftwareKey};
use sqlx::Row as _;
use x509_cert::Certificate;

use crate::ca::{count, rng};
use crate::platform;

const URL: &str = "http://127.0.0.1:8080";

#[tokio::test]
async fn a_batch_issues_every_certificate_with_one_audit_event_naming_them() {
    let t = platform().await;
    let p = &t.platform;
    init_hierarchies(p, URL).await.unwrap();
    let key = SoftwareKey::generate(KeyAlgorithm::EcdsaP256, "", &mut rng()).unwrap();
    let csr = make_csr(&key, &parse_name("CN=ignored").unwrap()).unwrap();
    // More rows than one INSERT carries and several signing slices; CSRs, keys made here and
    // keys the platform holds; two profiles.
    let subjects: Vec<String> = (0..1203)
        .map(|i| format!("CN=员工{i},O=Signet 测试,C=CN"))
        .collect();
    let items: Vec<BatchItem<'_>> = subjects
        .iter()
        .enumerate()
        .map(|(i, subject)| BatchItem {
            profile: if i % 2 == 0 { "operator" } else { "event" },
            subject,
            key: match i % 100 {
                7 => KeyInput::MakeHere,
                8 => KeyInput::PublicKey(key.public_key().clone()),
                _ => KeyInput::Csr(&csr),
            },
        })
        .collect();
    let certificates = count(p, "ca_certificates").await;
    let events = count(p, "audit_log").await;

    let issued = issue_batch(p, "ecc", &items, "tester").await.unwrap();

    assert_eq!(issued.len(), items.len());
    assert_eq!(count(p, "ca_certificates").await, certificates + 1203);
    assert_eq!(count(p, "audit_log").await, events + 1);
    let serials: HashSet<&str> = issued.iter().map(|i| i.serial.as_str()).collect();
    assert_eq!(serials.len(), issued.len(), "serials are unique");
    let at = signet_core::ca::system_time(p.clock.now() + 60);
    for (i, one) in issued.iter().enumerate() {
        assert_eq!(one.key_pem.is_some(), i % 100 == 7, "item {i}");
        let leaf = Certificate::from_pem(one.cert_pem.as_bytes()).unwrap();
        let subject = leaf.tbs_certificate().subject().to_string();
        assert!(
            subject.contains(&format!("CN=员工{i},")),
            "item {i} keeps its place: {subject}"
        );
        if i % 97 == 0 {
            let chain = Certificate::load_pem_chain(one.chain_pem.as_bytes()).unwrap();
            validate_path(&leaf, &chain[..1], &chain[1..], at, Sm2Ids::EITHER).unwrap();
        }
    }
    let row =
        sqlx::query("SELECT action, target, after_state FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_one(p.db.pool())
            .await
            .unwrap();
    assert_eq!(
        row.try_get::<String, _>("action").unwrap(),
        "ca.certificate.issue_batch"
    );
    assert_eq!(row.try_get::<String, _>("target").unwrap(), "ca:ecc");
    let after: serde_json::Value =
        serde_json::from_str(&row.try_get::<String, _>("after_state").unwrap()).unwrap();
    let logged: Vec<&str> = after["serials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let returned: Vec<&str> = issued.iter().map(|i| i.serial.as_str()).collect();
    assert_eq!(logged, returned);
    assert_eq!(after["count"], 1203);
    assert_eq!(after["keys_made_here"], 12);
    assert_eq!(p.audit.verify(&p.db).await.unwrap().problem, None);
}

#[tokio::test]
async fn a_bad_item_refuses_the_whole_batch_by_its_position_and_writes_nothing() {
    let t = platform().await;
    let p = &t.platform;
    init_hierarchies(p, URL).await.unwrap();
    let key = SoftwareKey::generate(KeyAlgorithm::EcdsaP256, "", &mut rng()).unwrap();
    let good = make_csr(&key, &parse_name("CN=x").unwrap()).unwrap();
    let mut tampered = good.clone();
    let last = tampered.len() - 3;
    tampered[last] ^= 0x55;
    let subject = "CN=王五,O=Signet 测试,C=CN";
    let mut items = vec![
        BatchItem {
            profile: "operator",
            subject,
            key: KeyInput::Csr(&good),
        };
        900
    ];
    // Past the first slices, so some rows are written before the refusal.
    items[700].key = KeyInput::Csr(&tampered);
    items[810].subject = "not a name";
    let certificates = count(p, "ca_certificates").await;
    let events = count(p, "audit_log").await;

    let error = issue_batch(p, "ecc", &items, "tester").await.unwrap_err();
    let described = error.describe();
    assert_eq!(described.code, "csr_signature_invalid", "{error}");
    assert!(described.zh.starts_with("第 701 项："), "{}", described.zh);
    assert!(described.en.starts_with("Item 701: "), "{}", described.en);

    let empty: Vec<BatchItem<'_>> = Vec::new();
    let too_many = vec![items[0].clone(); MAX_BATCH + 1];
    let one = items[..1].to_vec();
    for (ca, batch, code) in [
        ("ecc", &empty, "batch_size"),
        ("ecc", &too_many, "batch_size"),
        ("nope", &one, "ca_unknown"),
        ("ecc-root", &one, "ca_not_issuing"),
        ("rsa", &one, "algorithm_not_allowed"),
    ] {
        let error = issue_batch(p, ca, batch, "tester").await.unwrap_err();
        assert_eq!(error.describe().code, code, "{ca}: {error}");
    }
    assert_eq!(count(p, "ca_certificates").await, certificates);
    assert_eq!(count(p, "audit_log").await, events);
}
