//! The `signet` binary as an operator uses it: init, audit verify, dev inbox, settings, serve.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::too_many_lines,
    reason = "test helpers outside #[test] fail loudly by design; scenarios read top to bottom"
)]

use std::path::Path;
use std::process::{Command, Output};

use signet_core::Platform;
use signet_core::testing::sandbox_config;

mod audit;
mod backup;
mod evidence;
mod hsm;
mod jobs;
mod ltv;
mod nodes;
mod production;
mod token;

pub(crate) fn signet(data: &Path, database_url: Option<&str>, args: &[&str]) -> Output {
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

pub(crate) fn text(output: &Output) -> String {
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
    // Six demo accounts, the staff member's three roles, three CA hierarchies, the demo
    // catalog's four projects and eight products (the administrator claim among them), and the e-contract demo: the administrator's
    // consents and real name, the enterprise's certification order and its four seals, and its
    // two members' consents (two texts each), real names, join requests and approvals, and the
    // member's grant of the company seal, and the three demo packages of contract quota.
    assert!(text(&verify).contains(": 54 rows"), "{}", text(&verify));

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
async fn ca_issue_revoke_and_crl_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox_config(dir.path()).await;
    let url = config.database_url.clone();
    let run = |args: &[&str]| signet(dir.path(), url.as_deref(), args);
    assert!(run(&["init"]).status.success());
    let list = run(&["ca", "list"]);
    assert!(text(&list).contains("ecc-root"), "{}", text(&list));
    let out = dir.path().join("issued");
    let issued = run(&[
        "ca",
        "issue",
        "--ca",
        "ecc",
        "--profile",
        "operator",
        "--subject",
        "CN=王五,O=Signet 测试,C=CN",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(issued.status.success(), "{}", text(&issued));
    let serial = text(&issued)
        .split("serial ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    for file in ["cert.pem", "chain.pem", "key.pem"] {
        assert!(out.join(file).is_file(), "{file}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(out.join("key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let bad = run(&[
        "ca",
        "issue",
        "--ca",
        "ecc",
        "--profile",
        "enterprise",
        "--subject",
        "CN=x",
        "--out",
        "x",
    ]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("subject_invalid"), "{}", text(&bad));
    let revoke = |reason| run(&["ca", "revoke", "--serial", &serial, "--reason", reason]);
    assert!(revoke("key-compromise").status.success());
    let twice = revoke("superseded");
    assert!(!twice.status.success());
    assert!(
        text(&twice).contains("certificate_already_revoked"),
        "{}",
        text(&twice)
    );
    let crl = dir.path().join("ecc.crl");
    assert!(
        run(&["ca", "crl", "--ca", "ecc", "--out", crl.to_str().unwrap()])
            .status
            .success()
    );
    assert!(std::fs::metadata(&crl).unwrap().len() > 100);
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
fn production_mode_refuses_to_start_without_a_public_url() {
    let dir = tempfile::tempdir().unwrap();
    let out = signet(dir.path(), None, &["serve", "--listen", "127.0.0.1:0"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("public URL"), "{}", text(&out));
    // http:// is refused for anything but loopback.
    let plain = signet(
        dir.path(),
        None,
        &[
            "--public-url",
            "http://ca.example.cn",
            "serve",
            "--listen",
            "127.0.0.1:0",
        ],
    );
    assert!(!plain.status.success());
    assert!(text(&plain).contains("https://"), "{}", text(&plain));
}

#[test]
fn finding_15_signet_agent_refuses_a_plain_http_platform_on_another_machine() {
    let dir = tempfile::tempdir().unwrap();
    let agent = |origin: &str| {
        signet(
            dir.path(),
            None,
            &[
                "agent",
                "--listen",
                "127.0.0.1:0",
                "--origin",
                origin,
                "--module",
                "/nonexistent/libvendor-pkcs11.so",
            ],
        )
    };
    let plain = agent("http://sign.example.com");
    assert!(!plain.status.success());
    assert!(text(&plain).contains("https://"), "{}", text(&plain));
    assert!(!text(&plain).contains("listening"), "{}", text(&plain));
    // An https platform gets past the origin check (and stops at the missing module).
    let https = agent("https://sign.example.com");
    assert!(!https.status.success());
    assert!(text(&https).contains("PKCS#11"), "{}", text(&https));
}

#[test]
fn the_sandbox_refuses_a_public_address_without_sandbox_public() {
    let dir = tempfile::tempdir().unwrap();
    let out = signet(
        dir.path(),
        None,
        &["serve", "--sandbox", "--listen", "0.0.0.0:0"],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("--sandbox-public"), "{}", text(&out));
}

#[test]
fn the_sandbox_refuses_production_hierarchies() {
    let dir = tempfile::tempdir().unwrap();
    assert!(signet(dir.path(), None, &["init"]).status.success());
    let out = signet(
        dir.path(),
        None,
        &["serve", "--sandbox", "--listen", "127.0.0.1:0"],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("production CA"), "{}", text(&out));
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

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one end-to-end scenario: issue, sign, verify, then each way it must fail"
)]
fn pdf_sign_and_verify_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert!(signet(data, None, &["init"]).status.success());
    let out = data.join("signer");
    let issued = signet(
        data,
        None,
        &[
            "ca",
            "issue",
            "--ca",
            "ecc",
            "--profile",
            "personal",
            "--subject",
            "CN=王五,serialNumber=11010519491231002X,C=CN",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(issued.status.success(), "{}", text(&issued));
    // chain.pem holds the issuing CA, then the root.
    let chain = std::fs::read_to_string(out.join("chain.pem")).unwrap();
    let root_at = chain.rfind("-----BEGIN CERTIFICATE-----").unwrap();
    std::fs::write(data.join("root.pem"), &chain[root_at..]).unwrap();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../pdf/tests/fixtures/libreoffice-contract2.pdf"
    );
    let signed = data.join("signed.pdf");
    let path = |p: &Path| p.to_str().unwrap().to_owned();
    let sign = signet(
        data,
        None,
        &[
            "pdf",
            "sign",
            "--in",
            fixture,
            "--out",
            &path(&signed),
            "--cert",
            &path(&out.join("cert.pem")),
            "--key",
            &path(&out.join("key.pem")),
            "--chain",
            &path(&out.join("chain.pem")),
        ],
    );
    assert!(sign.status.success(), "{}", text(&sign));
    let verify = signet(
        data,
        None,
        &[
            "verify",
            &path(&signed),
            "--trust",
            &path(&data.join("root.pem")),
        ],
    );
    assert!(verify.status.success(), "{}", text(&verify));
    assert!(text(&verify).contains("VALID"), "{}", text(&verify));
    let json = signet(
        data,
        None,
        &[
            "verify",
            &path(&signed),
            "--trust",
            &path(&data.join("root.pem")),
            "--json",
        ],
    );
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["all_valid"], true);
    assert!(
        report["signatures"][0]["signer"]
            .as_str()
            .unwrap()
            .contains("王五")
    );

    // Without the root it is not trusted; with a changed byte it is not intact.
    assert!(
        !signet(data, None, &["verify", &path(&signed)])
            .status
            .success()
    );
    let mut bytes = std::fs::read(&signed).unwrap();
    let at = bytes.len() / 3;
    bytes[at] ^= 0x01;
    let tampered = data.join("tampered.pdf");
    std::fs::write(&tampered, bytes).unwrap();
    let broken = signet(
        data,
        None,
        &[
            "verify",
            &path(&tampered),
            "--trust",
            &path(&data.join("root.pem")),
        ],
    );
    assert!(!broken.status.success(), "{}", text(&broken));

    // B-LT without a TSA is refused clearly rather than silently downgraded.
    let lt = signet(
        data,
        None,
        &[
            "pdf",
            "sign",
            "--in",
            fixture,
            "--out",
            &path(&data.join("lt.pdf")),
            "--cert",
            &path(&out.join("cert.pem")),
            "--key",
            &path(&out.join("key.pem")),
            "--level",
            "B-LT",
        ],
    );
    assert!(!lt.status.success());
    assert!(text(&lt).contains("B-LT"), "{}", text(&lt));
    // A corrupt PDF gets a clear error, not a panic.
    std::fs::write(data.join("junk.pdf"), b"%PDF-1.7\nnot really").unwrap();
    let junk = signet(data, None, &["verify", &path(&data.join("junk.pdf"))]);
    assert!(!junk.status.success());
    assert!(!text(&junk).contains("panicked"), "{}", text(&junk));
}
