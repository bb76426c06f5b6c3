//! A contract signed on a server whose blobs are in an S3 bucket (SeaweedFS under `cargo xtask
//! test`): the uploaded and signed PDFs go to the bucket, are served back from it, and verify;
//! another node with the same settings reads them. Skipped, saying so, without a test bucket.

use serde_json::json;
use signet_core::platform::crypto::sha256_hex;
use signet_core::testing::s3_blob_url;

use super::tasks_support::{
    PDF, document, launch_person_then_enterprise, person, signed_ok, verify, world_on,
};
use crate::support::app;

#[tokio::test]
async fn a_contract_signed_with_blobs_on_s3_keeps_its_pdfs_in_the_bucket() {
    let Some(url) = s3_blob_url() else {
        return;
    };
    let w = world_on(app().with_ca().blob_url(&url)).await;
    assert!(
        w.admin.platform.blobs.describe().starts_with("s3://"),
        "{}",
        w.admin.platform.blobs.describe()
    );
    let zhang = person(&w, 7_801, "张三").await;
    let id = launch_person_then_enterprise(&w, &zhang.phone).await;
    assert_eq!(document(&zhang.app, &id).await, PDF);
    signed_ok(&zhang.app, &zhang.phone, &id, json!({})).await;
    let done = signed_ok(&w.admin, &crate::support::phone(7_100), &id, json!({})).await;
    assert_eq!(done["state"], "completed", "{done}");

    let signed = document(&w.admin, &id).await;
    let (count, ok, report) = verify(&w.admin, &signed).await;
    assert!(ok && count == 3, "{report}");

    // The launched and the signed PDF are objects in the bucket, named by their SHA-256; nothing
    // went to the data directory.
    let digest = sha256_hex(&signed);
    assert!(w.admin.platform.blobs.contains(&digest).await.unwrap());
    assert!(
        w.admin
            .platform
            .blobs
            .contains(&sha256_hex(PDF))
            .await
            .unwrap()
    );
    assert!(
        !w.admin.config.data_dir.join("blobs").exists(),
        "a blob was written to the data directory"
    );

    // A second node, with its own data directory and the same blob URL, reads the same bytes.
    let elsewhere = tempfile::tempdir().unwrap();
    let node2 = signet_gateways::blobs::open(Some(&url), elsewhere.path(), None).unwrap();
    assert!(node2.get(&digest).await.unwrap() == signed);
}
