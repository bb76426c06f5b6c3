//! The audit log is a chain: appending keeps it intact; changing, deleting or truncating breaks it.

use serde_json::json;
use signet_core::platform::audit::AuditEvent;
use signet_core::platform::clock::Clock as _;

use crate::platform;

async fn append_three(p: &signet_core::Platform) {
    for i in 1..=3 {
        let mut tx = p.db.begin().await.unwrap();
        let event = AuditEvent::new("tester", "test.event", format!("thing:{i}"))
            .from_ip("127.0.0.1")
            .change(json!(null), json!({"n": i}));
        p.audit
            .append(&mut tx, p.clock.now(), &event)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn an_untouched_chain_verifies() {
    let t = platform().await;
    append_three(&t.platform).await;
    let report = t.platform.audit.verify(&t.platform.db).await.unwrap();
    assert_eq!(report.rows, 3);
    assert_eq!(report.problem, None);
}

#[tokio::test]
async fn a_changed_row_is_detected() {
    let t = platform().await;
    append_three(&t.platform).await;
    sqlx::query("UPDATE audit_log SET after_state = '{\"n\":99}' WHERE seq = 2")
        .execute(t.platform.db.pool())
        .await
        .unwrap();
    let report = t.platform.audit.verify(&t.platform.db).await.unwrap();
    assert_eq!(
        report.problem.as_deref(),
        Some("row 2 was changed after it was written")
    );
}

#[tokio::test]
async fn a_deleted_row_is_detected() {
    let t = platform().await;
    append_three(&t.platform).await;
    sqlx::query("DELETE FROM audit_log WHERE seq = 2")
        .execute(t.platform.db.pool())
        .await
        .unwrap();
    let report = t.platform.audit.verify(&t.platform.db).await.unwrap();
    assert!(report.problem.unwrap().contains("row 2 is missing"));
}

#[tokio::test]
async fn a_deleted_tail_is_detected() {
    let t = platform().await;
    append_three(&t.platform).await;
    sqlx::query("DELETE FROM audit_log WHERE seq = 3")
        .execute(t.platform.db.pool())
        .await
        .unwrap();
    let report = t.platform.audit.verify(&t.platform.db).await.unwrap();
    assert!(report.problem.unwrap().contains("rows were deleted"));
}

#[tokio::test]
async fn a_recomputed_plain_hash_does_not_pass() {
    // Someone with database access but without the master key cannot forge a link.
    let t = platform().await;
    append_three(&t.platform).await;
    sqlx::query("UPDATE audit_log SET actor = 'intruder', hash = 'deadbeef' WHERE seq = 3")
        .execute(t.platform.db.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE audit_head SET hash = 'deadbeef' WHERE id = 1")
        .execute(t.platform.db.pool())
        .await
        .unwrap();
    let report = t.platform.audit.verify(&t.platform.db).await.unwrap();
    assert_eq!(
        report.problem.as_deref(),
        Some("row 3 was changed after it was written")
    );
}
