//! The CA keys on a PKCS#11 token (SoftHSM2 here, a network HSM in production): `signet init`
//! makes the RSA and ECDSA hierarchies' keys on the token and stores only references, `signet
//! serve` signs certificates, CRLs, OCSP answers and time-stamps with them (each checked by
//! `openssl` against the chain), and refuses to start when it cannot use the token.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use signet_core::Platform;
use signet_core::testing::sandbox_config;
use sqlx::Row as _;

use crate::production::{Running, free_port, wait_for};
use crate::text;
use crate::token::{ci, softhsm_module, tool};

const TOKEN: &str = "signet-ca";
const PIN: &str = "1234";

/// `signet` with the SoftHSM2 configuration and the CA token settings in `env`.
fn command(data: &Path, url: Option<&str>, env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_signet"));
    command
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn");
    for variable in [
        "SIGNET_CA_PKCS11_MODULE",
        "SIGNET_CA_PKCS11_TOKEN",
        "SIGNET_CA_PKCS11_PIN",
        "SIGNET_CA_PKCS11_PIN_FILE",
    ] {
        command.env_remove(variable);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    command
}

fn openssl(args: &[&str]) -> Output {
    Command::new("openssl").args(args).output().unwrap()
}

fn path(p: &Path) -> String {
    p.to_str().unwrap().to_owned()
}

/// A SoftHSM2 configuration in `dir` with one initialised token; returns the config file.
fn softhsm_token(dir: &Path) -> PathBuf {
    let tokens = dir.join("tokens");
    std::fs::create_dir(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\n",
            tokens.display()
        ),
    )
    .unwrap();
    let init = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--init-token",
            "--free",
            "--label",
            TOKEN,
            "--pin",
            PIN,
            "--so-pin",
            "5678",
        ])
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", text(&init));
    conf
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one operator's scenario: init on the token, serve, check every signature, refusals"
)]
async fn ca_keys_on_a_softhsm_token_sign_everything_and_serve_refuses_without_it() {
    let Some(module) = softhsm_module() else {
        assert!(!ci(), "SoftHSM2 is required when CI=true");
        eprintln!("SKIPPED: SoftHSM2 not installed");
        return;
    };
    assert!(tool("openssl"), "openssl is required");
    let dir = tempfile::tempdir().unwrap();
    let hsm = tempfile::tempdir().unwrap();
    let conf = softhsm_token(hsm.path());
    let mut config = sandbox_config(dir.path()).await;
    config.sandbox = false;
    let url = config.database_url.clone();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let settings = dir.path().join("signet.toml");
    std::fs::write(&settings, format!("public_url = \"{base}\"\n")).unwrap();
    let pin_file = hsm.path().join("pin");
    std::fs::write(&pin_file, format!("{PIN}\n")).unwrap();
    let (conf, module, pin_file) = (path(&conf), path(&module), path(&pin_file));
    let token_env = [
        ("SOFTHSM2_CONF", conf.as_str()),
        ("SIGNET_CA_PKCS11_MODULE", module.as_str()),
        ("SIGNET_CA_PKCS11_TOKEN", TOKEN),
        ("SIGNET_CA_PKCS11_PIN_FILE", pin_file.as_str()),
    ];
    let cfg = path(&settings);
    let run = |env: &[(&str, &str)], args: &[&str]| {
        let mut all = vec!["--config", cfg.as_str()];
        all.extend_from_slice(args);
        command(dir.path(), url.as_deref(), env, &all)
            .output()
            .unwrap()
    };

    // Half the settings: refused before anything is made.
    let partial = run(&[("SIGNET_CA_PKCS11_MODULE", module.as_str())], &["init"]);
    assert!(!partial.status.success());
    assert!(text(&partial).contains("go together"), "{}", text(&partial));
    // The wrong token label: refused, nothing made.
    let wrong_token = run(
        &[
            ("SOFTHSM2_CONF", conf.as_str()),
            ("SIGNET_CA_PKCS11_MODULE", module.as_str()),
            ("SIGNET_CA_PKCS11_TOKEN", "no-such-token"),
            ("SIGNET_CA_PKCS11_PIN", PIN),
        ],
        &["init"],
    );
    assert!(!wrong_token.status.success());
    assert!(
        text(&wrong_token).contains("no-such-token"),
        "{}",
        text(&wrong_token)
    );

    let init = run(&token_env, &["init"]);
    assert!(init.status.success(), "{}", text(&init));
    let said = text(&init);
    assert!(said.contains("created CA hierarchies"), "{said}");
    assert!(said.contains(&format!("PKCS#11 token '{TOKEN}'")), "{said}");
    assert!(said.contains("PKCS#11 defines no SM2 mechanism"), "{said}");
    assert!(!said.contains(PIN), "{said}");

    // The database holds references for the RSA and ECDSA CAs, never a key; SM2 keeps its
    // encrypted software keys.
    let platform = Platform::open(&config).await.unwrap();
    let rows = sqlx::query(
        "SELECT name, family, key_encrypted, key_token_label, key_token_id FROM ca_authorities \
         ORDER BY name",
    )
    .fetch_all(platform.db.pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), 12);
    for row in &rows {
        let name: String = row.try_get("name").unwrap();
        let family: String = row.try_get("family").unwrap();
        let encrypted: String = row.try_get("key_encrypted").unwrap();
        let label: Option<String> = row.try_get("key_token_label").unwrap();
        let id: Option<String> = row.try_get("key_token_id").unwrap();
        if family == "sm2" {
            assert!(encrypted.len() > 100, "{name}");
            assert!(id.is_none() && label.is_none(), "{name}");
        } else {
            assert_eq!(encrypted, "", "{name} holds a software key");
            assert_eq!(id.as_deref().map(str::len), Some(32), "{name}");
            assert_eq!(label.as_deref(), Some(name.as_str()));
        }
    }
    platform.db.close().await;

    // The token holds the eight key pairs, private keys not extractable.
    if tool("pkcs11-tool") {
        let objects = Command::new("pkcs11-tool")
            .env("SOFTHSM2_CONF", &conf)
            .args(["--module", &module, "--token-label", TOKEN, "--login"])
            .args(["--pin", PIN, "--list-objects", "--type", "privkey"])
            .output()
            .unwrap();
        let listed = text(&objects);
        assert_eq!(listed.matches("Private Key Object").count(), 8, "{listed}");
        assert!(
            listed.contains("rsa-root") && listed.contains("ecc"),
            "{listed}"
        );
    }

    // Without the token settings, or with a wrong PIN, serve refuses to start and says why.
    let listen = format!("127.0.0.1:{port}");
    let serve_args = ["serve", "--listen", listen.as_str()];
    let untokened = run(&[], &serve_args);
    assert!(!untokened.status.success());
    assert!(
        text(&untokened).contains("no token is configured"),
        "{}",
        text(&untokened)
    );
    let wrong_pin = run(
        &[
            ("SOFTHSM2_CONF", conf.as_str()),
            ("SIGNET_CA_PKCS11_MODULE", module.as_str()),
            ("SIGNET_CA_PKCS11_TOKEN", TOKEN),
            ("SIGNET_CA_PKCS11_PIN", "9999"),
        ],
        &serve_args,
    );
    assert!(!wrong_pin.status.success());
    let refusal = text(&wrong_pin);
    assert!(refusal.contains("cannot use the CA key token"), "{refusal}");
    assert!(refusal.contains("PIN"), "{refusal}");
    assert!(!refusal.contains("panicked"), "{refusal}");
    assert!(!refusal.contains("9999"), "{refusal}");

    // Issued on the command line by the issuing CAs' token keys.
    for family in ["ecc", "rsa"] {
        let out = dir.path().join(family);
        let issued = run(
            &token_env,
            &[
                "ca",
                "issue",
                "--ca",
                family,
                "--profile",
                "operator",
                "--subject",
                "CN=王五,O=Signet 测试,C=CN",
                "--out",
                &path(&out),
            ],
        );
        assert!(issued.status.success(), "{}", text(&issued));
        let chain = std::fs::read_to_string(out.join("chain.pem")).unwrap();
        let root_at = chain.rfind("-----BEGIN CERTIFICATE-----").unwrap();
        std::fs::write(out.join("issuing.pem"), &chain[..root_at]).unwrap();
        std::fs::write(out.join("root.pem"), &chain[root_at..]).unwrap();
        let verified = openssl(&[
            "verify",
            "-CAfile",
            &path(&out.join("root.pem")),
            "-untrusted",
            &path(&out.join("issuing.pem")),
            &path(&out.join("cert.pem")),
        ]);
        assert!(verified.status.success(), "{}", text(&verified));
        // The root's CRL, signed on the token by `signet ca crl`.
        let root_crl = out.join("root.crl");
        let crl = run(
            &token_env,
            &[
                "ca",
                "crl",
                "--ca",
                &format!("{family}-root"),
                "--out",
                &path(&root_crl),
            ],
        );
        assert!(crl.status.success(), "{}", text(&crl));
        let checked = openssl(&[
            "crl",
            "-inform",
            "DER",
            "-in",
            &path(&root_crl),
            "-CAfile",
            &path(&out.join("root.pem")),
            "-noout",
        ]);
        assert!(text(&checked).contains("verify OK"), "{}", text(&checked));
    }

    let _server = Running(
        command(dir.path(), url.as_deref(), &token_env, &{
            let mut all = vec!["--config", cfg.as_str()];
            all.extend_from_slice(&serve_args);
            all
        })
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap(),
    );
    wait_for(&format!("{base}/healthz")).await;
    let client = reqwest::Client::new();
    for family in ["ecc", "rsa"] {
        let out = dir.path().join(family);
        let file = |name: &str| path(&out.join(name));
        // The issuing CA's CRL, signed by the server with the token key.
        let crl = client
            .get(format!("{base}/pki/{family}/crl"))
            .send()
            .await
            .unwrap();
        assert!(crl.status().is_success(), "{family} crl");
        std::fs::write(out.join("issuing.crl"), crl.bytes().await.unwrap()).unwrap();
        let checked = openssl(&[
            "crl",
            "-inform",
            "DER",
            "-in",
            &file("issuing.crl"),
            "-CAfile",
            &file("chain.pem"),
            "-noout",
        ]);
        assert!(text(&checked).contains("verify OK"), "{}", text(&checked));

        // OCSP: openssl asks (with a nonce) and checks the delegated responder's signature.
        let ocsp = openssl(&[
            "ocsp",
            "-issuer",
            &file("issuing.pem"),
            "-cert",
            &file("cert.pem"),
            "-url",
            &format!("{base}/pki/{family}/ocsp"),
            "-CAfile",
            &file("root.pem"),
            "-verify_other",
            &file("issuing.pem"),
        ]);
        let answer = text(&ocsp);
        assert!(ocsp.status.success(), "{answer}");
        assert!(answer.contains("Response verify OK"), "{answer}");
        assert!(answer.contains(": good"), "{answer}");

        // A time-stamp on a file's digest, verified against the chain.
        std::fs::write(
            out.join("data.txt"),
            format!("signed on the {family} token"),
        )
        .unwrap();
        let query = openssl(&[
            "ts",
            "-query",
            "-data",
            &file("data.txt"),
            "-sha256",
            "-cert",
            "-out",
            &file("request.tsq"),
        ]);
        assert!(query.status.success(), "{}", text(&query));
        let reply = client
            .post(format!("{base}/pki/{family}/tsa"))
            .header("content-type", "application/timestamp-query")
            .body(std::fs::read(out.join("request.tsq")).unwrap())
            .send()
            .await
            .unwrap();
        assert!(reply.status().is_success(), "{family} tsa");
        std::fs::write(out.join("reply.tsr"), reply.bytes().await.unwrap()).unwrap();
        let stamped = openssl(&[
            "ts",
            "-verify",
            "-in",
            &file("reply.tsr"),
            "-queryfile",
            &file("request.tsq"),
            "-CAfile",
            &file("root.pem"),
            "-untrusted",
            &file("issuing.pem"),
        ]);
        assert!(
            text(&stamped).contains("Verification: OK"),
            "{}",
            text(&stamped)
        );
    }
}
