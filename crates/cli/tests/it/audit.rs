//! Finding 9: `signet audit verify` checks the chain against the newest checkpoint kept outside
//! the database, so a tail cut (with the head fixed to match) or a wiped log fails.

use std::path::Path;

use signet_core::Platform;
use signet_core::platform::PlatformConfig;
use signet_core::testing::sandbox_config;

use crate::{signet, text};

/// Runs SQL on the data directory's database the way someone with database access would.
async fn tamper(config: &PlatformConfig, statements: &[&str]) {
    let platform = Platform::open(config).await.unwrap();
    for statement in statements {
        sqlx::query(sqlx::AssertSqlSafe((*statement).to_owned()))
            .execute(platform.db.pool())
            .await
            .unwrap();
    }
    platform.db.close().await;
}

fn verify(data: &Path, url: Option<&str>, settings: Option<&Path>) -> std::process::Output {
    match settings {
        Some(file) => signet(
            data,
            url,
            &["--config", file.to_str().unwrap(), "audit", "verify"],
        ),
        None => signet(data, url, &["audit", "verify"]),
    }
}

#[tokio::test]
async fn finding_9_audit_verify_notices_a_cut_tail() {
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox_config(dir.path()).await;
    let url = config.database_url.clone();
    let init = signet(dir.path(), url.as_deref(), &["init", "--demo"]);
    assert!(init.status.success(), "{}", text(&init));
    let first = verify(dir.path(), url.as_deref(), None);
    assert!(first.status.success(), "{}", text(&first));
    let second = verify(dir.path(), url.as_deref(), None);
    assert!(
        text(&second).contains("stamped by ecc"),
        "{}",
        text(&second)
    );
    // Delete the last two events and make the head agree with what is left: the chain alone
    // is consistent again.
    tamper(
        &config,
        &[
            "DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 2 FROM audit_log)",
            "UPDATE audit_head SET seq = (SELECT MAX(seq) FROM audit_log), \
             hash = (SELECT hash FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)) WHERE id = 1",
        ],
    )
    .await;
    let cut = verify(dir.path(), url.as_deref(), None);
    assert!(!cut.status.success(), "{}", text(&cut));
    assert!(
        text(&cut).contains("rows were deleted from its end"),
        "{}",
        text(&cut)
    );
}

#[tokio::test]
async fn finding_9_audit_verify_notices_a_wiped_log_from_the_mirror() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = sandbox_config(&data).await;
    let url = config.database_url.clone();
    let mirror = dir.path().join("mirror");
    let settings = dir.path().join("signet.toml");
    std::fs::write(
        &settings,
        format!("audit_mirror = {:?}\n", mirror.to_str().unwrap()),
    )
    .unwrap();
    let init = signet(&data, url.as_deref(), &["init", "--demo"]);
    assert!(init.status.success(), "{}", text(&init));
    let first = verify(&data, url.as_deref(), Some(&settings));
    assert!(first.status.success(), "{}", text(&first));
    assert!(std::fs::read_dir(&mirror).unwrap().count() > 0);
    // Wipe the log and its head, and the checkpoints in the data directory: the mirror, on
    // other storage, still vouches for the rows.
    tamper(
        &config,
        &[
            "DELETE FROM audit_log",
            "UPDATE audit_head SET seq = 0, hash = 'genesis' WHERE id = 1",
        ],
    )
    .await;
    std::fs::remove_dir_all(data.join("audit").join("checkpoints")).unwrap();
    let wiped = verify(&data, url.as_deref(), Some(&settings));
    assert!(!wiped.status.success(), "{}", text(&wiped));
    assert!(
        text(&wiped).contains("the log was wiped"),
        "{}",
        text(&wiped)
    );
}
