//! `signet serve` without `--sandbox`, as a real process: no SMS provider, SMTP to a local
//! aiosmtpd started here. PKI answers, `/dev/*` does not exist, an SMS flow answers 503
//! `provider_not_configured`, and an e-mail the server sends really arrives.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use der::{Decode as _, DecodePem as _};
use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::Platform;
use signet_core::platform::PlatformConfig;
use signet_core::platform::clock::Clock as _;
use signet_core::testing::sandbox_config;
use x509_cert::Certificate;

use crate::{signet, text};

/// Kills the child when the test ends, however it ends.
pub(crate) struct Running(pub(crate) Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The venv's Python with aiosmtpd (`cargo xtask test` installs it); `None` to skip outside CI.
fn python_with_aiosmtpd() -> Option<PathBuf> {
    let venv = std::env::var_os("SIGNET_VENV").map(PathBuf::from);
    let python = venv.map(|v| v.join("bin/python"));
    let found = python.filter(|p| {
        Command::new(p)
            .args(["-c", "import aiosmtpd"])
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "aiosmtpd is missing from $SIGNET_VENV: run `cargo xtask test` (it installs it)"
        );
        eprintln!("skipped: aiosmtpd not found in $SIGNET_VENV");
    }
    found
}

pub(crate) async fn wait_for(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if reqwest::get(url)
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{url} did not answer within 30 s");
}

/// The rows an order that ended with a cloud certificate leaves, for a certificate that now
/// expires in ten days: the expiry reminder job (run by `serve` at start-up) mails its holder.
async fn expiring_certificate(config: &PlatformConfig, serial: &str, email: &str) {
    let platform = Platform::open(config).await.unwrap();
    let pool = platform.db.pool();
    let now = platform.clock.now();
    let user: String = sqlx::query_scalar("SELECT id FROM users ORDER BY created_at LIMIT 1")
        .fetch_one(pool)
        .await
        .unwrap();
    let product: String = sqlx::query_scalar("SELECT id FROM desk_products ORDER BY id LIMIT 1")
        .fetch_one(pool)
        .await
        .unwrap();
    let form = json!({"person": {"name": "王五", "phone": "13800000001", "email": email}});
    let at = signet_core::platform::crypto::SealedAt::new("desk_orders", "form_sealed", "o-prod");
    let sealed = platform.cipher.seal(at, &form.to_string()).unwrap();
    sqlx::query(
        "INSERT INTO desk_orders (id, number, user_id, product_id, kind, state, form_sealed, summary, \
         subject_name, term_years, quantity, amount_fen, review_first, flags, created_at, updated_at) \
         VALUES ('o-prod', 'SN-PROD-1', $1, $2, 'new', 'completed', $3, '{}', '王五', 1, 1, 0, 0, '[]', $4, $4)",
    )
    .bind(&user)
    .bind(&product)
    .bind(&sealed)
    .bind(now)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("UPDATE ca_certificates SET not_after = $1 WHERE serial = $2")
        .bind(now + 10 * 86_400)
        .bind(serial)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO desk_cloud_keys (serial, order_id, user_id, key_sealed, created_at) \
         VALUES ($1, 'o-prod', $2, 'unused', $3)",
    )
    .bind(serial)
    .bind(&user)
    .bind(now)
    .execute(pool)
    .await
    .unwrap();
    platform.db.close().await;
}

/// A `TimeStampReq` (RFC 3161) for a SHA-256 digest, asking for the TSA's certificate.
fn timestamp_query(digest: [u8; 32]) -> Vec<u8> {
    let mut der = vec![
        0x30, 0x39, 0x02, 0x01, 0x01, 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09,
    ];
    der.extend_from_slice(&[
        0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
    ]);
    der.extend_from_slice(&[0x04, 0x20]);
    der.extend_from_slice(&digest);
    der.extend_from_slice(&[0x01, 0x01, 0xff]);
    der
}

fn maildir_messages(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir.join("new"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn serve_without_sandbox_answers_pki_hides_dev_refuses_sms_and_mails() {
    let Some(python) = python_with_aiosmtpd() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut config = sandbox_config(dir.path()).await;
    config.sandbox = false;
    let url = config.database_url.clone();
    let (port, smtp_port) = (free_port(), free_port());
    let base = format!("http://127.0.0.1:{port}");
    let settings = dir.path().join("signet.toml");
    std::fs::write(
        &settings,
        format!(
            "public_url = \"{base}\"\n\n[smtp]\nhost = \"127.0.0.1\"\nport = {smtp_port}\nsecurity = \"plain\"\nfrom = \"Signet <noreply@signet.example>\"\n"
        ),
    )
    .unwrap();
    let cfg = settings.to_str().unwrap();
    let run = |args: &[&str]| signet(dir.path(), url.as_deref(), args);
    let init = run(&["--config", cfg, "init", "--demo"]);
    assert!(init.status.success(), "{}", text(&init));
    let out = dir.path().join("issued");
    let issued = run(&[
        "--config",
        cfg,
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
    expiring_certificate(&config, &serial, "wangwu@signet.example").await;

    let maildir = dir.path().join("maildir");
    let _smtp = Running(
        Command::new(&python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{smtp_port}"),
            ])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // Wait until aiosmtpd accepts connections, so the start-up reminder finds it.
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", smtp_port)).is_err() {
        assert!(Instant::now() < deadline, "aiosmtpd did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut command = Command::new(env!("CARGO_BIN_EXE_signet"));
    command
        .arg("--data")
        .arg(dir.path())
        .args([
            "--config",
            cfg,
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(url) = &url {
        command.env("DATABASE_URL", url);
    }
    let _server = Running(command.spawn().unwrap());
    wait_for(&format!("{base}/healthz")).await;

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let get = |path: &str| client.get(format!("{base}{path}")).send();
    // /pki: CA certificate, CRL, OCSP, TSA.
    let ca = get("/pki/ecc/ca.crt").await.unwrap();
    assert_eq!(ca.status(), StatusCode::OK);
    let issuing_ca = Certificate::from_der(&ca.bytes().await.unwrap()).unwrap();
    // `init --demo` made test hierarchies: their subjects say so.
    assert!(
        issuing_ca
            .tbs_certificate()
            .subject()
            .to_string()
            .contains("测试 TEST"),
        "{}",
        issuing_ca.tbs_certificate().subject()
    );
    let crl = get("/pki/ecc/crl").await.unwrap();
    assert_eq!(crl.status(), StatusCode::OK);
    assert!(crl.bytes().await.unwrap().len() > 100);
    let leaf = Certificate::from_pem(std::fs::read(out.join("cert.pem")).unwrap()).unwrap();
    let ocsp = client
        .post(format!("{base}/pki/ecc/ocsp"))
        .header("content-type", "application/ocsp-request")
        .body(signet_pki::ocsp::build_request(&leaf, &issuing_ca, None).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(ocsp.status(), StatusCode::OK);
    // OCSPResponse { responseStatus successful (0), responseBytes … }
    let answer = ocsp.bytes().await.unwrap();
    assert!(
        answer.windows(3).any(|w| w == [0x0a, 0x01, 0x00]),
        "{answer:02x?}"
    );
    let tsa = client
        .post(format!("{base}/pki/ecc/tsa"))
        .header("content-type", "application/timestamp-query")
        .body(timestamp_query([7; 32]))
        .send()
        .await
        .unwrap();
    assert_eq!(tsa.status(), StatusCode::OK);
    assert_eq!(tsa.headers()["content-type"], "application/timestamp-reply");
    assert_eq!(get("/healthz").await.unwrap().status(), StatusCode::OK);
    assert_eq!(get("/metrics").await.unwrap().status(), StatusCode::OK);

    // No sandbox routes.
    for path in ["/dev/inbox", "/dev/inbox?to=13800000001"] {
        assert_eq!(
            get(path).await.unwrap().status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }

    // An SMS flow: a clear 503 with its code, before the captcha is spent.
    let session: Value = get("/api/v1/session").await.unwrap().json().await.unwrap();
    let csrf = session["csrf_token"].as_str().unwrap().to_owned();
    let sms = client
        .post(format!("{base}/api/v1/sms-codes"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"phone": "13900000001", "purpose": "register", "captcha_id": "x", "captcha_answer": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sms.status(), StatusCode::SERVICE_UNAVAILABLE);
    let problem: Value = sms.json().await.unwrap();
    assert_eq!(problem["code"], "provider_not_configured", "{problem}");
    assert!(
        problem["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("短信"),
        "{problem}"
    );

    // The expiry reminder went out over SMTP at start-up and arrived.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mail = loop {
        // The demo's enterprise certification mails its administrator too; find the reminder.
        if let Some(mail) = maildir_messages(&maildir)
            .into_iter()
            .find(|m| m.contains("To: wangwu@signet.example"))
        {
            break mail;
        }
        assert!(Instant::now() < deadline, "no e-mail arrived at aiosmtpd");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(mail.contains("To: wangwu@signet.example"), "{mail}");
    assert!(
        mail.contains("From: Signet <noreply@signet.example>"),
        "{mail}"
    );
    let body = mail_body(&mail);
    assert!(body.contains(&serial[..8]), "{body}");
    assert!(body.contains("到期"), "{body}");
}

/// The text of a single-part message as lettre writes it (base64 or quoted-printable).
fn mail_body(mail: &str) -> String {
    use base64::Engine as _;
    let normalised = mail.replace("\r\n", "\n");
    let (head, body) = normalised.split_once("\n\n").unwrap();
    if head.contains("Content-Transfer-Encoding: base64") {
        let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .unwrap(),
        )
        .unwrap()
    } else {
        let joined = body.replace("=\n", "");
        let mut bytes = Vec::new();
        let mut rest = joined.as_bytes();
        while let Some((&b, tail)) = rest.split_first() {
            if b == b'=' && tail.len() >= 2 {
                bytes.push(
                    u8::from_str_radix(std::str::from_utf8(&tail[..2]).unwrap(), 16).unwrap(),
                );
                rest = &tail[2..];
            } else {
                bytes.push(b);
                rest = tail;
            }
        }
        String::from_utf8(bytes).unwrap()
    }
}
