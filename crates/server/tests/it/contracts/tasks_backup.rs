//! A backup of a running server with contracts in flight (one completed, one half signed, one
//! launched while the backup runs) restores into a fresh data directory and database where the
//! audit log verifies and the signed PDFs are there, byte for byte, and verify.

use serde_json::json;
use signet_core::Platform;
use signet_core::platform::PlatformConfig;
use signet_core::platform::backup;
use signet_core::platform::clock::Clock as _;
use signet_core::platform::crypto::sha256_hex;
use signet_core::testing::fresh_database_url;

use super::tasks_support::{document, launch_person_then_enterprise, person, signed_ok, world};

async fn verifies(platform: &Platform, pdf: &[u8]) -> (usize, bool, String) {
    let mut pem = String::new();
    for ca in signet_core::ca::list_cas(platform).await.unwrap() {
        if ca.role == signet_core::ca::CaRole::Root {
            let der = signet_core::ca::ca_certificate(platform, &ca.name)
                .await
                .unwrap();
            let cert = <x509_cert::Certificate as der::Decode>::from_der(&der).unwrap();
            pem.push_str(&der::EncodePem::to_pem(&cert, der::pem::LineEnding::LF).unwrap());
        }
    }
    let options = signet_pdf::VerifyOptions {
        trust_roots: signet_pdf::Credentials::parse_pem(pem.as_bytes()).unwrap(),
        now: signet_core::ca::system_time(platform.clock.now()),
        other_certificates: Vec::new(),
    };
    let report = signet_pdf::verify_pdf(pdf, &options).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    let signatures = json["signatures"].as_array().cloned().unwrap_or_default();
    let ok = !signatures.is_empty()
        && signatures
            .iter()
            .all(|s| s["intact"] == true && s["trusted"] == true);
    (signatures.len(), ok, json.to_string())
}

#[tokio::test]
async fn a_backup_of_a_running_server_restores_with_its_audit_log_and_signed_pdfs() {
    let w = world().await;
    let zhang = person(&w, 7_901, "张三").await;
    let done = launch_person_then_enterprise(&w, &zhang.phone).await;
    signed_ok(&zhang.app, &zhang.phone, &done, json!({})).await;
    let admin_phone = crate::support::phone(7_100);
    signed_ok(&w.admin, &admin_phone, &done, json!({})).await;
    let completed = document(&w.admin, &done).await;
    let li = person(&w, 7_902, "李四").await;
    let half = launch_person_then_enterprise(&w, &li.phone).await;
    signed_ok(&li.app, &li.phone, &half, json!({})).await;
    let half_signed = document(&w.admin, &half).await;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("signet.backup");
    let source = &w.admin.config;
    // The server keeps taking launches while the backup runs.
    let (made, _third) = tokio::join!(
        backup::backup(
            &w.admin.platform,
            &source.data_dir,
            source.database_url.as_deref(),
            &file,
            b"correct horse battery staple",
            true,
        ),
        launch_person_then_enterprise(&w, &li.phone),
    );
    let manifest = made.unwrap();
    assert!(manifest.with_secrets && manifest.blobs >= 3, "{manifest:?}");

    let target = dir.path().join("restored");
    let database_url = fresh_database_url().await;
    let restored = backup::restore(
        &file,
        &target,
        b"correct horse battery staple",
        database_url.as_deref(),
    )
    .await
    .unwrap();
    assert_eq!(restored, manifest);
    let platform = Platform::open(&PlatformConfig {
        data_dir: target.clone(),
        database_url,
        sandbox: true,
        secret_key: None,
        blobs: None,
        ca_token: None,
    })
    .await
    .unwrap();
    let report = signet_core::audit_verify(&platform).await.unwrap();
    assert!(report.problem.is_none(), "{:?}", report.problem);
    assert!(report.rows > 10, "{}", report.rows);

    for (pdf, signatures) in [(&completed, 3), (&half_signed, 1)] {
        let stored = platform.blobs.get(&sha256_hex(pdf)).await.unwrap();
        assert!(&stored == pdf, "the restored PDF differs");
        let (count, ok, report) = verifies(&platform, &stored).await;
        assert!(ok && count == signatures, "{report}");
    }
    // The half-signed contract is still waiting for the enterprise in the restored database.
    let state: String = sqlx::query_scalar("SELECT state FROM ec_tasks WHERE id = $1")
        .bind(&half)
        .fetch_one(platform.db.pool())
        .await
        .unwrap();
    assert_eq!(state, "launched");
}
