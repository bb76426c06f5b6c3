//! `signet pdf sign --level B-LT|B-LTA` against a running `signet serve --sandbox`: the TSA, the
//! OCSP responders and the CRLs are the server's own `/pki` endpoints, named in the certificates'
//! AIA and CRL distribution points through `--public-url`. Each result is checked by
//! `signet verify` and by pyHanko's `AdES` (long-term) validation.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{signet, text};

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `signet serve --sandbox`, stopped when dropped.
struct Server {
    child: Child,
}

impl Server {
    fn start(data: &Path, port: u16) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_signet"))
            .arg("--data")
            .arg(data)
            .args(["--public-url", &format!("http://127.0.0.1:{port}")])
            .args([
                // Production mode (only /pki is used): the hierarchies are production ones.
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Self { child };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_mins(1),
                "signet serve did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn path(p: &Path) -> String {
    p.to_str().unwrap().to_owned()
}

/// `signet ca issue` a personal certificate into `data/slug`; returns that directory (cert,
/// chain, key).
fn issue(data: &Path, ca: &str, name: &str, slug: &str) -> PathBuf {
    let out = data.join(slug);
    let issued = signet(
        data,
        None,
        &[
            "ca",
            "issue",
            "--ca",
            ca,
            "--profile",
            "personal",
            "--subject",
            &format!("CN={name},serialNumber=11010519491231002X,C=CN"),
            "--out",
            &path(&out),
        ],
    );
    assert!(issued.status.success(), "{}", text(&issued));
    out
}

/// The last certificate of chain.pem: the root.
fn root_of(signer: &Path) -> String {
    let chain = std::fs::read_to_string(signer.join("chain.pem")).unwrap();
    let at = chain.rfind("-----BEGIN CERTIFICATE-----").unwrap();
    chain[at..].to_owned()
}

fn sign(
    data: &Path,
    input: &Path,
    out: &Path,
    signer: &Path,
    extra: &[&str],
) -> std::process::Output {
    let mut args = vec![
        "pdf".to_owned(),
        "sign".to_owned(),
        "--in".to_owned(),
        path(input),
        "--out".to_owned(),
        path(out),
        "--cert".to_owned(),
        path(&signer.join("cert.pem")),
        "--key".to_owned(),
        path(&signer.join("key.pem")),
        "--chain".to_owned(),
        path(&signer.join("chain.pem")),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    signet(data, None, &args)
}

fn pyhanko() -> Option<PathBuf> {
    let venv = std::env::var_os("SIGNET_VENV").map(PathBuf::from)?;
    let tool = venv.join("bin/pyhanko");
    tool.exists().then_some(tool)
}

/// pyHanko's `AdES` validation with long-term availability (`adesverify`: revocation data
/// required, document timestamps as evidence records), its plain validation with hard-fail
/// revocation checking (both ask the running server's responders at the current time), and
/// the same pyHanko validations from `/DSS` alone, no network (the pdf crate's script).
fn pyhanko_checks(file: &Path, roots: &Path) {
    let Some(tool) = pyhanko() else {
        assert!(!ci(), "pyHanko is required when CI=true (set SIGNET_VENV)");
        eprintln!("\n!!!!!!!! SKIPPED: pyHanko not found (set SIGNET_VENV) !!!!!!!!\n");
        return;
    };
    for subcommand in ["adesverify", "validate"] {
        let output = Command::new(&tool)
            .args([
                "sign",
                subcommand,
                "--pretty-print",
                "--trust-replace",
                "--trust",
            ])
            .arg(roots)
            .arg(file)
            .output()
            .unwrap();
        let report = text(&output);
        assert!(
            output.status.success(),
            "pyhanko sign {subcommand} rejected {}:\n{report}",
            file.display()
        );
        assert!(
            !report.contains("INDETERMINATE") && !report.contains("INVALID"),
            "pyhanko sign {subcommand}:\n{report}"
        );
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../pdf/tests/validators/pyhanko_ltv.py"
    );
    let output = Command::new(tool.with_file_name("python"))
        .arg(script)
        .arg(file)
        .arg(roots)
        .output()
        .unwrap();
    assert!(output.status.success(), "/DSS only:\n{}", text(&output));
}

fn verify_json(data: &Path, file: &Path, roots: &Path) -> serde_json::Value {
    let output = signet(
        data,
        None,
        &["verify", &path(file), "--trust", &path(roots), "--json"],
    );
    assert!(output.status.success(), "{}", text(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn b_lt_and_b_lta_from_the_command_line_against_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let init = signet(data, None, &["--public-url", &base, "init"]);
    assert!(init.status.success(), "{}", text(&init));
    let alice = issue(data, "rsa", "甲方 Alice", "alice");
    let bob = issue(data, "ecc", "乙方 Bob", "bob");
    let carol = issue(data, "rsa", "丙方 Carol", "carol");
    let roots = data.join("roots.pem");
    std::fs::write(&roots, root_of(&alice) + &root_of(&bob)).unwrap();
    let _server = Server::start(data, port);
    let rsa_tsa = format!("{base}/pki/rsa/tsa");
    let ecc_tsa = format!("{base}/pki/ecc/tsa");

    // Alice at B-LT, Bob at B-LTA with the other family's TSA, Carol at B-LTA.
    let steps: [(&Path, &str, &str, &[&str]); 3] = [
        (&alice, "B-LT", &rsa_tsa, &[]),
        (&bob, "B-LTA", &ecc_tsa, &[]),
        (&carol, "B-LTA", &rsa_tsa, &[]),
    ];
    let mut input = input_fixture();
    for (i, (signer, level, tsa, extra)) in steps.into_iter().enumerate() {
        let out = data.join(format!("step{i}.pdf"));
        let mut args = vec!["--level", level, "--tsa", tsa];
        args.extend_from_slice(extra);
        let signed = sign(data, &input, &out, signer, &args);
        assert!(signed.status.success(), "step {i}: {}", text(&signed));
        let report = verify_json(data, &out, &roots);
        assert_eq!(report["all_valid"], true, "step {i}: {report:#}");
        let regular: Vec<&serde_json::Value> = report["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["kind"] == "signature")
            .collect();
        assert_eq!(regular.len(), i + 1);
        assert_eq!(regular[i]["level"], level, "step {i}: {report:#}");
        for entry in regular[i]["revocation"].as_array().unwrap() {
            assert_eq!(entry["status"], "good", "step {i}: {report:#}");
        }
        pyhanko_checks(&out, &roots);
        input = out;
    }
    // Everything is in the file: verifying online finds nothing to ask and agrees.
    let online = signet(
        data,
        None,
        &[
            "verify",
            &path(&input),
            "--trust",
            &path(&roots),
            "--online",
        ],
    );
    assert!(online.status.success(), "{}", text(&online));

    // A B-T file has no /DSS: offline it stays B-T, online its status is fetched.
    let bt = data.join("bt.pdf");
    let signed = sign(
        data,
        &input_fixture(),
        &bt,
        &alice,
        &["--level", "B-T", "--tsa", &rsa_tsa],
    );
    assert!(signed.status.success(), "{}", text(&signed));
    let offline = verify_json(data, &bt, &roots);
    assert_eq!(offline["signatures"][0]["level"], "B-T");
    assert_eq!(
        offline["signatures"][0]["revocation"][0]["status"],
        "missing"
    );
    let online = signet(
        data,
        None,
        &[
            "verify",
            &path(&bt),
            "--trust",
            &path(&roots),
            "--online",
            // The test's responders listen on loopback.
            "--allow-private",
            "--json",
        ],
    );
    assert!(online.status.success(), "{}", text(&online));
    let online: serde_json::Value = serde_json::from_slice(&online.stdout).unwrap();
    assert_eq!(online["signatures"][0]["revocation"][0]["status"], "good");
    assert_eq!(
        online["signatures"][0]["revocation"][0]["source"],
        "ocsp-online"
    );
}

fn input_fixture() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../pdf/tests/fixtures/libreoffice-contract2.pdf"
    ))
}

#[test]
fn b_lt_with_an_unreachable_responder_fails_clearly_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // The server that stamps time.
    let served = dir.path().join("served");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    assert!(
        signet(&served, None, &["--public-url", &base, "init"])
            .status
            .success()
    );
    // A CA whose certificates name OCSP and CRL URLs where nothing listens.
    let dead = dir.path().join("dead");
    let dead_port = free_port();
    let dead_base = format!("http://127.0.0.1:{dead_port}");
    assert!(
        signet(&dead, None, &["--public-url", &dead_base, "init"])
            .status
            .success()
    );
    let signer = issue(&dead, "rsa", "丁方 Dave", "dave");
    let _server = Server::start(&served, port);
    let out = dir.path().join("never.pdf");
    let tsa = format!("{base}/pki/rsa/tsa");
    let failed = sign(
        &dead,
        &input_fixture(),
        &out,
        &signer,
        &["--level", "B-LT", "--tsa", &tsa, "--timeout", "5"],
    );
    assert!(!failed.status.success());
    let message = text(&failed);
    assert!(message.contains("丁方 Dave"), "{message}");
    assert!(
        message.contains(&format!("OCSP {dead_base}/pki/rsa/ocsp")),
        "{message}"
    );
    assert!(
        message.contains(&format!("CRL {dead_base}/pki/rsa/crl")),
        "{message}"
    );
    assert!(!message.contains("panicked"), "{message}");
    assert!(!out.exists(), "no output file after a failed signing");

    // B-LT and B-LTA without a TSA are refused, not downgraded.
    for level in ["B-LT", "B-LTA"] {
        let refused = sign(&dead, &input_fixture(), &out, &signer, &["--level", level]);
        assert!(!refused.status.success());
        assert!(text(&refused).contains("--tsa"), "{}", text(&refused));
        assert!(!out.exists());
    }
}

#[test]
fn finding_18_verify_online_refuses_private_and_loopback_addresses_without_allow_private() {
    let dir = tempfile::tempdir().unwrap();
    // A CA whose certificates name OCSP and CRL URLs on loopback (where nothing listens).
    let data = dir.path().join("ca");
    let base = format!("http://127.0.0.1:{}", free_port());
    assert!(
        signet(&data, None, &["--public-url", &base, "init"])
            .status
            .success()
    );
    let signer = issue(&data, "rsa", "戊方 Erin", "erin");
    let roots = dir.path().join("roots.pem");
    std::fs::write(&roots, root_of(&signer)).unwrap();
    let file = dir.path().join("bb.pdf");
    let bb = sign(&data, &input_fixture(), &file, &signer, &[]);
    assert!(bb.status.success(), "{}", text(&bb));
    let verify = |extra: &[&str]| {
        let mut args = vec![
            "verify",
            file.to_str().unwrap(),
            "--trust",
            roots.to_str().unwrap(),
            "--online",
            "--timeout",
            "5",
        ];
        args.extend_from_slice(extra);
        signet(&data, None, &args)
    };
    // A file can name any URL: by default nothing on loopback or a private network is asked,
    // and the report says why and how to allow it.
    let refused = verify(&[]);
    assert!(!refused.status.success());
    let message = text(&refused);
    assert!(
        message.contains(&format!("OCSP {base}/pki/rsa/ocsp")),
        "{message}"
    );
    assert!(message.contains("--allow-private"), "{message}");
    assert!(!message.contains("panicked"), "{message}");
    // Allowed, the responder is asked (and, as nothing listens, the connection fails).
    let allowed = verify(&["--allow-private"]);
    assert!(!allowed.status.success());
    let message = text(&allowed);
    assert!(
        message.contains(&format!("OCSP {base}/pki/rsa/ocsp")),
        "{message}"
    );
    assert!(!message.contains("--allow-private"), "{message}");
}
