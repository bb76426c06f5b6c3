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
async fn a_head_that_names_another_link_is_detected() {
    let t = platform().await;
    append_three(&t.platform).await;
    sqlx::query("UPDATE audit_head SET hash = 'deadbeef' WHERE id = 1")
        .execute(t.platform.db.pool())
        .await
        .unwrap();
    let report = t.platform.audit.verify(&t.platform.db).await.unwrap();
    assert_eq!(
        report.problem.as_deref(),
        Some("row 3 differs from the chain head: the chain was rewritten")
    );
}

/// Servers append while `signet audit verify` runs (every node of a cluster does, all the
/// time): the rows appended between reading the head and reading the rows are links after the
/// head, not a sign that rows were deleted.
#[tokio::test]
async fn a_verify_beside_writers_sees_no_gap_between_the_rows_and_the_head() {
    let t = platform().await;
    let p = &t.platform;
    let written = std::cell::Cell::new(false);
    let writer = async {
        for i in 0..200 {
            let mut tx = p.db.begin().await.unwrap();
            let event = AuditEvent::new("tester", "test.event", format!("thing:{i}"));
            p.audit
                .append(&mut tx, p.clock.now(), &event)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        written.set(true);
    };
    let verifier = async {
        let mut runs = 0;
        while !written.get() {
            let report = p.audit.verify(&p.db).await.unwrap();
            assert_eq!(report.problem, None, "after {runs} clean runs");
            runs += 1;
        }
        runs
    };
    let ((), runs) = tokio::join!(writer, verifier);
    assert!(runs > 1, "{runs}");
    let report = p.audit.verify(&p.db).await.unwrap();
    assert_eq!((report.rows, report.problem), (200, None));
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

#[tokio::test]
async fn finding_9_a_forged_checkpoint_is_refused() {
    let t = platform().await;
    let p = &t.platform;
    signet_core::ca::init_hierarchies(p, "http://127.0.0.1:8080")
        .await
        .unwrap();
    append_three(p).await;
    let written = signet_core::audit_checkpoint(p).await.unwrap().unwrap();
    assert_eq!(written.tsa.as_deref(), Some("ecc"));
    assert!(written.token.is_some());
    // Nothing moved: no second checkpoint.
    assert_eq!(signet_core::audit_checkpoint(p).await.unwrap(), None);
    let clean = signet_core::audit_verify(p).await.unwrap();
    assert_eq!(clean.problem, None);
    assert_eq!(clean.checkpoint, Some(written.clone()));
    // A checkpoint that claims more rows than were written does not carry a valid MAC.
    let dir = &p.checkpoints.dirs()[0];
    let path = std::fs::read_dir(dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut forged: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    forged["rows"] = json!(written.rows + 10);
    std::fs::write(
        dir.join("checkpoint-999999999999-0.json"),
        forged.to_string(),
    )
    .unwrap();
    let report = signet_core::audit_verify(p).await.unwrap();
    assert!(
        report
            .problem
            .as_deref()
            .is_some_and(|why| why.contains("MAC does not verify")),
        "{report:?}"
    );
    std::fs::remove_file(dir.join("checkpoint-999999999999-0.json")).unwrap();
    // A checkpoint whose token stamps another statement is refused too.
    let mut restamped = written.clone();
    let other = signet_core::audit_checkpoint(p).await.unwrap();
    assert_eq!(other, None);
    restamped.at += 1;
    restamped.mac = p.audit.checkpoint_mac(
        &signet_core::platform::audit::checkpoint::Checkpoint::statement(
            restamped.rows,
            &restamped.head,
            restamped.at,
        ),
    );
    std::fs::write(
        dir.join("checkpoint-000000000003-9.json"),
        serde_json::to_string(&restamped).unwrap(),
    )
    .unwrap();
    let report = signet_core::audit_verify(p).await.unwrap();
    assert!(
        report
            .problem
            .as_deref()
            .is_some_and(|why| why.contains("time-stamp refused")),
        "{report:?}"
    );
}
