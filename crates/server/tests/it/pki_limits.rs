//! Finding 4: the OCSP responder under abuse. A request asks about at most eight certificates;
//! random serials cost no signature and no memory; the answers are signed by a short-lived
//! delegated responder that a job renews; the server serves every `/pki` artefact with the
//! roots' keys gone from the database (it never loads them).

use std::process::Command;

use der::{Decode as _, DecodePem as _, Encode as _};
use reqwest::StatusCode;
use signet_core::ca::{IssueRequest, issue, list_cas, ocsp_answers_kept};
use signet_core::platform::clock::Clock as _;
use signet_core::platform::jobs;
use signet_pki::ocsp::{CertStatus, build_request_for, verify_response};
use signet_pki::signer::Sm2Ids;
use x509_cert::Certificate;
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::serial_number::SerialNumber;

use crate::support::{TestApp, app};

const MALFORMED: [u8; 5] = [0x30, 0x03, 0x0a, 0x01, 0x01];
const UNAUTHORIZED: [u8; 5] = [0x30, 0x03, 0x0a, 0x01, 0x06];

async fn ca_certificate(app: &TestApp, ca: &str) -> Certificate {
    let response = app.get(&format!("/pki/{ca}/ca.crt")).await;
    assert_eq!(response.status(), StatusCode::OK, "{ca}");
    Certificate::from_der(&response.bytes().await.unwrap()).unwrap()
}

async fn ask(app: &TestApp, ca: &str, request: Vec<u8>) -> Vec<u8> {
    let response = reqwest::Client::new()
        .post(app.url(&format!("/pki/{ca}/ocsp")))
        .header("content-type", "application/ocsp-request")
        .body(request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.bytes().await.unwrap().to_vec()
}

/// Issues `n` operator certificates under `ecc`; returns them.
async fn leaves(app: &TestApp, n: usize) -> Vec<Certificate> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let issued = issue(
            &app.platform,
            &IssueRequest {
                ca: "ecc",
                profile: "operator",
                subject: "CN=王五,O=Signet 测试,C=CN",
                csr: None,
                actor: "tester",
            },
        )
        .await
        .unwrap();
        out.push(Certificate::from_pem(issued.cert_pem.as_bytes()).unwrap());
    }
    out
}

fn serials(certificates: &[Certificate]) -> Vec<SerialNumber> {
    certificates
        .iter()
        .map(|c| c.tbs_certificate().serial_number().clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_4_more_than_eight_certificates_in_one_request_are_refused_unsigned() {
    let app = app().with_ca().start().await;
    let issuer = ca_certificate(&app, "ecc").await;
    let serials = serials(&leaves(&app, 9).await);

    let nine = build_request_for(&issuer, &serials, None).unwrap();
    assert_eq!(ask(&app, "ecc", nine).await, MALFORMED);
    let nine_with_nonce = build_request_for(&issuer, &serials, Some(b"0123456789abcdef")).unwrap();
    assert_eq!(ask(&app, "ecc", nine_with_nonce).await, MALFORMED);

    let eight = build_request_for(&issuer, &serials[..8], None).unwrap();
    let answer = ask(&app, "ecc", eight).await;
    let verified = verify_response(&answer, &issuer, Sm2Ids::EITHER).unwrap();
    assert_eq!(verified.answers.len(), 8);
    assert!(
        verified
            .answers
            .iter()
            .all(|a| a.status == CertStatus::Good)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_4_unknown_serials_get_one_shared_unsigned_answer_and_are_not_kept() {
    let app = app().with_ca().start().await;
    let issuer = ca_certificate(&app, "ecc").await;
    let known = serials(&leaves(&app, 1).await);
    let mut answers = std::collections::HashSet::new();
    for n in 0..40u32 {
        let [.., high, low] = n.to_be_bytes();
        let random = SerialNumber::new(&[0x7f, 0x13, 0x37, high, low]).unwrap();
        let nonce = (n % 2 == 0).then_some(&b"0123456789abcdef"[..]);
        let request = build_request_for(&issuer, std::slice::from_ref(&random), nonce).unwrap();
        answers.insert(ask(&app, "ecc", request).await);
    }
    assert_eq!(
        answers.len(),
        1,
        "{} different answers to 40 requests",
        answers.len()
    );
    assert!(answers.contains(&UNAUTHORIZED[..]));
    assert_eq!(ocsp_answers_kept(&app.platform, "ecc").unwrap(), 0);

    // A certificate the CA issued is still answered, signed and kept.
    let request = build_request_for(&issuer, &known, None).unwrap();
    let answer = ask(&app, "ecc", request).await;
    let verified = verify_response(&answer, &issuer, Sm2Ids::EITHER).unwrap();
    assert_eq!(verified.answers[0].status, CertStatus::Good);
    assert_eq!(ocsp_answers_kept(&app.platform, "ecc").unwrap(), 1);
    // Asked of a root (whose key stays offline), any serial gets the same unsigned answer.
    let root = ca_certificate(&app, "ecc-root").await;
    let issuing_serial = issuer.tbs_certificate().serial_number().clone();
    let request = build_request_for(&root, &[issuing_serial], None).unwrap();
    assert_eq!(ask(&app, "ecc-root", request).await, UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_4_pki_serves_everything_with_the_root_keys_gone_from_the_database() {
    let app = app().with_ca().start().await;
    // What a server process could read of the roots' keys: nothing usable.
    sqlx::query("UPDATE ca_authorities SET key_encrypted = 'AAAA' WHERE role = 'root'")
        .execute(app.platform.db.pool())
        .await
        .unwrap();
    for family in ["rsa", "ecc", "sm2"] {
        let root = ca_certificate(&app, &format!("{family}-root")).await;
        let issuer = ca_certificate(&app, family).await;
        let response = app.get(&format!("/pki/{family}-root/crl")).await;
        assert_eq!(response.status(), StatusCode::OK, "{family}");
        let crl = x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(
            &response.bytes().await.unwrap(),
        )
        .unwrap();
        assert_eq!(
            crl.tbs_cert_list.issuer.to_der().unwrap(),
            root.tbs_certificate().subject().to_der().unwrap()
        );
        // The issuing CA certificate points at its root's CRL, not at an OCSP responder.
        assert!(
            !issuer
                .to_der()
                .unwrap()
                .windows(b"-root/ocsp".len())
                .any(|w| w == b"-root/ocsp"),
            "{family}"
        );
        let response = app.get(&format!("/pki/{family}/crl")).await;
        assert_eq!(response.status(), StatusCode::OK, "{family}");
    }
    // Issuing, the delegated responder and the TSA work as before.
    let issuer = ca_certificate(&app, "ecc").await;
    let leaf = serials(&leaves(&app, 1).await);
    let request = build_request_for(&issuer, &leaf, Some(b"nonce-nonce")).unwrap();
    let answer = ask(&app, "ecc", request).await;
    let verified = verify_response(&answer, &issuer, Sm2Ids::EITHER).unwrap();
    assert_eq!(verified.answers[0].status, CertStatus::Good);
    assert!(verified.responder.is_some(), "a delegated responder signs");
}

const KP_OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";
const OCSP_NOCHECK: &str = "1.3.6.1.5.5.7.48.1.5";

fn is_delegated_responder(certificate: &Certificate) -> bool {
    let tbs = certificate.tbs_certificate();
    let eku = matches!(
        tbs.get_extension::<ExtendedKeyUsage>(),
        Ok(Some((_, usage))) if usage.0.iter().any(|o| o.to_string() == KP_OCSP_SIGNING)
    );
    let nocheck = tbs
        .extensions()
        .is_some_and(|e| e.iter().any(|e| e.extn_id.to_string() == OCSP_NOCHECK));
    eku && nocheck
}

fn openssl_verifies(app: &TestApp, dir: &std::path::Path, chain: [&Certificate; 3]) {
    let [root, issuer, leaf] = chain;
    if Command::new("openssl").arg("version").output().is_err() {
        assert!(std::env::var("CI").is_err(), "openssl is required under CI");
        eprintln!("!!!!!!!! SKIPPED: openssl not found !!!!!!!!");
        return;
    }
    let pem = |name: &str, c: &Certificate| {
        let path = dir.join(name);
        let text = der::EncodePem::to_pem(c, der::pem::LineEnding::LF).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    };
    let output = Command::new("openssl")
        .args(["ocsp", "-no_nonce", "-attime"])
        .arg(app.platform.clock.now().to_string())
        // The answer's times follow the moved platform clock; openssl checks them against its
        // own clock, so it is told to accept the days the test moved on.
        .args(["-validity_period", "864000"])
        .arg("-issuer")
        .arg(pem("issuer.pem", issuer))
        .arg("-cert")
        .arg(pem("leaf.pem", leaf))
        .arg("-url")
        .arg(app.url("/pki/ecc/ocsp"))
        .arg("-CAfile")
        .arg(pem("root.pem", root))
        .arg("-verify_other")
        .arg(pem("others.pem", issuer))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && text.contains("Response verify OK") && text.contains(": good"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_4_the_delegated_responder_lives_a_week_and_a_job_renews_it() {
    let app = app().with_ca().start().await;
    // A week from now, plus the few minutes every certificate is backdated.
    let week = 7 * 86_400 + 3600;
    let responders: Vec<_> = list_cas(&app.platform)
        .await
        .unwrap()
        .into_iter()
        .filter(|ca| ca.role == signet_core::ca::CaRole::Ocsp)
        .collect();
    assert_eq!(responders.len(), 3);
    for responder in &responders {
        assert!(
            responder.not_after - responder.not_before <= week,
            "{} lives {} days",
            responder.name,
            (responder.not_after - responder.not_before) / 86_400
        );
    }
    let issuer = ca_certificate(&app, "ecc").await;
    let leaf = leaves(&app, 1).await.remove(0);
    let request = build_request_for(&issuer, &serials(std::slice::from_ref(&leaf)), None).unwrap();
    let first = verify_response(
        &ask(&app, "ecc", request.clone()).await,
        &issuer,
        Sm2Ids::EITHER,
    )
    .unwrap()
    .responder
    .unwrap();
    assert!(is_delegated_responder(&first));

    // Four days on, the hourly schedule renews every responder (a new key, a new week).
    app.advance_clock(4 * 86_400).await;
    let platform = &app.platform;
    jobs::schedules::ensure(platform, &signet_core::job_schedules())
        .await
        .unwrap();
    jobs::schedules::tick(platform).await.unwrap();
    jobs::drain(platform, &signet_core::job_handlers())
        .await
        .unwrap();
    let renewed: Vec<_> = list_cas(platform)
        .await
        .unwrap()
        .into_iter()
        .filter(|ca| ca.role == signet_core::ca::CaRole::Ocsp)
        .collect();
    for (before, after) in responders.iter().zip(&renewed) {
        assert_ne!(before.serial, after.serial, "{}", after.name);
        assert!(after.not_after > platform.clock.now() + 6 * 86_400);
        assert!(after.not_after - after.not_before <= week);
    }
    let second = verify_response(&ask(&app, "ecc", request).await, &issuer, Sm2Ids::EITHER)
        .unwrap()
        .responder
        .unwrap();
    assert!(is_delegated_responder(&second));
    assert_ne!(
        second.tbs_certificate().serial_number(),
        first.tbs_certificate().serial_number()
    );
    assert_ne!(
        second.tbs_certificate().subject_public_key_info(),
        first.tbs_certificate().subject_public_key_info(),
        "a new key"
    );
    let dir = tempfile::tempdir().unwrap();
    let root = ca_certificate(&app, "ecc-root").await;
    openssl_verifies(&app, dir.path(), [&root, &issuer, &leaf]);
}
