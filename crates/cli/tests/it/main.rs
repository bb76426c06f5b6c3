//! The `signet` binary as an operator uses it: init, audit verify, dev inbox, settings, serve.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] fail loudly by design"
)]

use std::path::Path;
use std::process::{Command, Output};

use signet_core::Platform;
use signet_core::testing::sandbox_config;

fn signet(data: &Path, database_url: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_signet"));
    command
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn");
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    command.output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test]
async fn audit_verify_passes_then_names_a_tampered_row() {
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox_config(dir.path()).await;
    let url = config.database_url.clone();
    let init = signet(dir.path(), url.as_deref(), &["init", "--demo"]);
    assert!(init.status.success(), "{}", text(&init));
    assert!(text(&init).contains("demo / Demo@2026"));
    // Idempotent.
    assert!(
        signet(dir.path(), url.as_deref(), &["init", "--demo"])
            .status
            .success()
    );
    let verify = signet(dir.path(), url.as_deref(), &["audit", "verify"]);
    assert!(verify.status.success(), "{}", text(&verify));
    assert!(text(&verify).contains("2 rows"), "{}", text(&verify));

    let platform = Platform::open(&config).await.unwrap();
    sqlx::query("UPDATE audit_log SET actor = 'intruder' WHERE seq = 1")
        .execute(platform.db.pool())
        .await
        .unwrap();
    platform.db.close().await;
    let tampered = signet(dir.path(), url.as_deref(), &["audit", "verify"]);
    assert!(!tampered.status.success());
    assert!(
        text(&tampered).contains("row 1 was changed"),
        "{}",
        text(&tampered)
    );
}

#[tokio::test]
async fn dev_inbox_lists_what_the_sandbox_kept() {
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox_config(dir.path()).await;
    let platform = Platform::open(&config).await.unwrap();
    let inbox = platform.sandbox.clone().unwrap();
    inbox
        .keep(
            "sms",
            "13900000001",
            "",
            "您的验证码 123456",
            Some("123456"),
        )
        .await
        .unwrap();
    platform.db.close().await;
    let url = config.database_url.as_deref();
    let out = signet(dir.path(), url, &["dev", "inbox", "--to", "13900000001"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("[123456]"));
    let json = signet(dir.path(), url, &["dev", "inbox", "--json"]);
    let messages: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(messages[0]["code"], "123456");
}

#[test]
fn serve_refuses_to_start_without_gateways_or_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let out = signet(dir.path(), None, &["serve", "--listen", "127.0.0.1:0"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("--sandbox"), "{}", text(&out));
}

#[test]
fn unknown_settings_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("signet.toml");
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:9\"\nlisten_adress = \"typo\"\n",
    )
    .unwrap();
    let out = signet(
        dir.path(),
        None,
        &["--config", file.to_str().unwrap(), "audit", "verify"],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("listen_adress"), "{}", text(&out));
}
