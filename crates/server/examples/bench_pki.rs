//! Benchmark for `cargo xtask bench pki`: certificates issued per second for each algorithm
//! (subject key made beforehand), without and with the database write, and OCSP answers per
//! second over HTTP on loopback: from a client in this process, and from `wrk` beside nginx
//! serving a static file of the answer's size (with `--wrk`, which `cargo xtask bench pki`
//! passes after installing both). Prints one `name: rate/s` line per figure.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use signet_core::Platform;
use signet_core::ca::{BatchItem, IssueRequest, KeyInput, init_hierarchies, issue, issue_batch};
use signet_core::platform::PlatformConfig;
use signet_pki::ca::{HierarchyConfig, create_family};
use signet_pki::issue::{CertificateTemplate, Issuer, issue as issue_raw};
use signet_pki::keystore::{KeyEncryptionKey, KeyStore as _, SoftwareKeyStore};
use signet_pki::profile::Profile;
use signet_pki::{Family, KeyAlgorithm, Signer as _, SoftwareKey};
use signet_server::{AppState, ServerConfig};

type Error = Box<dyn std::error::Error>;

#[expect(
    clippy::disallowed_methods,
    reason = "a benchmark reads the wall clock"
)]
fn now() -> SystemTime {
    SystemTime::now()
}

fn rng() -> rand::rngs::StdRng {
    use rand::SeedableRng;
    rand::rngs::StdRng::seed_from_u64(42)
}

/// Issuance in memory: template → signed certificate, for `seconds`.
/// `ca_key` is the CA's key (RSA-2048 or RSA-3072 for the rsa family), `algorithm` the subject's.
fn raw(
    family: Family,
    ca_key: KeyAlgorithm,
    algorithm: KeyAlgorithm,
    seconds: f64,
) -> Result<f64, Error> {
    let store = SoftwareKeyStore::new(KeyEncryptionKey::new([3; 32]));
    let mut rng = rng();
    let start = now() - Duration::from_hours(1);
    let mut config = HierarchyConfig::new("http://127.0.0.1", "Bench");
    if family == Family::Rsa {
        config.rsa_ca_key = ca_key;
    }
    let hierarchy = create_family(&store, family, &config, start, &mut rng)?;
    let signer = store.signer(&hierarchy.issuing.key)?;
    let key = SoftwareKey::generate(algorithm, "1234567812345678", &mut rng)?;
    let subject = signet_pki::names::parse_name("CN=Bench Operator,O=Signet,C=CN")?;
    let issuer = Issuer {
        certificate: &hierarchy.issuing.certificate,
        signer: signer.as_ref(),
        urls: signet_pki::extensions::CaUrls::new("http://127.0.0.1", family.name()),
    };
    let began = Instant::now();
    let mut count = 0u32;
    while began.elapsed().as_secs_f64() < seconds {
        let template = CertificateTemplate {
            profile: Profile::Operator,
            subject: subject.clone(),
            public_key: key.public_key().clone(),
            serial: signet_pki::serial::random_serial(&mut rng)?,
            validity: Duration::from_hours(24 * 365),
        };
        issue_raw(&issuer, &template, start)?;
        count += 1;
    }
    Ok(f64::from(count) / began.elapsed().as_secs_f64())
}

fn openssl_csr(dir: &std::path::Path, name: &str, key_args: &[&str]) -> Result<Vec<u8>, Error> {
    let out = dir.join(format!("{name}.der"));
    let status = Command::new("openssl")
        .args([
            "req",
            "-new",
            "-nodes",
            "-subj",
            "/CN=Bench Operator/O=Signet/C=CN",
            "-outform",
            "DER",
        ])
        .args(key_args)
        .arg("-keyout")
        .arg(dir.join(format!("{name}.key")))
        .arg("-out")
        .arg(&out)
        .output()?;
    if !status.status.success() {
        return Err(format!("openssl req for {name} failed").into());
    }
    Ok(std::fs::read(out)?)
}

/// Issuance through the platform: CSR checked, certificate and audit event written, in one
/// transaction per certificate, sequentially.
async fn with_database(
    platform: &Platform,
    ca: &str,
    csr: &[u8],
    seconds: f64,
) -> Result<f64, Error> {
    let began = Instant::now();
    let mut count = 0u32;
    while began.elapsed().as_secs_f64() < seconds {
        let request = IssueRequest {
            ca,
            profile: "operator",
            subject: "CN=Bench Operator,O=Signet,C=CN",
            csr: Some(csr),
            actor: "bench",
        };
        issue(platform, &request).await.map_err(|e| e.to_string())?;
        count += 1;
    }
    Ok(f64::from(count) / began.elapsed().as_secs_f64())
}

/// Issuance in batches of `size` through the platform: every CSR checked, certificates and one
/// audit event per batch written in one transaction.
async fn batches_with_database(
    platform: &Platform,
    ca: &str,
    key: KeyInput<'_>,
    size: usize,
    seconds: f64,
) -> Result<f64, Error> {
    let items = vec![
        BatchItem {
            profile: "operator",
            subject: "CN=Bench Operator,O=Signet,C=CN",
            key,
        };
        size
    ];
    let began = Instant::now();
    let mut count = 0u32;
    while began.elapsed().as_secs_f64() < seconds {
        let issued = issue_batch(platform, ca, &items, "bench")
            .await
            .map_err(|e| e.to_string())?;
        count += u32::try_from(issued.len())?;
    }
    Ok(f64::from(count) / began.elapsed().as_secs_f64())
}

async fn ocsp_over_http(base: &str, request: Vec<u8>, seconds: f64) -> Result<f64, Error> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let url = format!("{base}/pki/ecc/ocsp");
    let done = Arc::new(AtomicU64::new(0));
    let began = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let (client, url, body, done) =
            (client.clone(), url.clone(), request.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            while began.elapsed().as_secs_f64() < seconds {
                let response = client
                    .post(&url)
                    .header("content-type", "application/ocsp-request")
                    .body(body.clone())
                    .send()
                    .await;
                if let Ok(response) = response
                    && response.status().is_success()
                    && response.bytes().await.is_ok()
                {
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    #[expect(
        clippy::cast_precision_loss,
        reason = "request counts are far below 2^52"
    )]
    let answered = done.load(Ordering::Relaxed) as f64;
    Ok(answered / began.elapsed().as_secs_f64())
}

/// The OCSP figure measured from outside: `wrk` (Debian's) posts the request to this process's
/// server, then fetches a static file of the answer's size from nginx (Debian's) on the same
/// machine in the same run, the physical limit of one HTTP answer of that size. Prints
/// `ocsp over http (wrk): …/s` and `nginx static file of the same size (wrk): …/s`.
async fn external_figures(
    dir: &std::path::Path,
    base: &str,
    request: &[u8],
    seconds: f64,
) -> Result<(), Error> {
    let answer_len = reqwest::Client::new()
        .post(format!("{base}/pki/ecc/ocsp"))
        .header("content-type", "application/ocsp-request")
        .body(request.to_vec())
        .send()
        .await?
        .bytes()
        .await?
        .len();
    println!("ocsp answer size: {answer_len} bytes");
    let duration = format!("{}s", seconds.ceil().max(1.0));
    let script = dir.join("post.lua");
    let body = dir.join("req.der");
    std::fs::write(&body, request)?;
    std::fs::write(
        &script,
        format!(
            "local f = io.open(\"{}\", \"rb\")\nwrk.body = f:read(\"*a\")\nf:close()\n\
             wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/ocsp-request\"\n",
            body.display()
        ),
    )?;
    let ours = wrk(
        &[
            "-s",
            &script.display().to_string(),
            &format!("{base}/pki/ecc/ocsp"),
        ],
        &duration,
    )
    .await?;
    println!("ocsp over http (wrk): {ours:.1}/s");

    // nginx with a file as large as the OCSP answer, on a free loopback port.
    let www = dir.join("www");
    std::fs::create_dir_all(&www)?;
    std::fs::write(www.join("answer.der"), vec![0x30_u8; answer_len])?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let conf = dir.join("nginx.conf");
    let prefix = dir.display();
    std::fs::write(
        &conf,
        format!(
            "worker_processes auto;\npid {prefix}/nginx.pid;\nerror_log {prefix}/nginx-error.log;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {prefix}/body;\n  proxy_temp_path {prefix}/proxy;\n  \
             fastcgi_temp_path {prefix}/fastcgi;\n  uwsgi_temp_path {prefix}/uwsgi;\n  scgi_temp_path {prefix}/scgi;\n  \
             default_type application/ocsp-response;\n  \
             server {{ listen 127.0.0.1:{port}; root {}; location / {{ }} }}\n}}\n",
            www.display()
        ),
    )?;
    let mut nginx = Command::new(nginx_program())
        .arg("-c")
        .arg(&conf)
        .arg("-p")
        .arg(dir)
        .args(["-g", "daemon off;"])
        // Its workers must not hold our standard output open (xtask reads it to the end).
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let url = format!("http://127.0.0.1:{port}/answer.der");
    let ready = Instant::now();
    while reqwest::get(&url).await.is_err() {
        if ready.elapsed() > Duration::from_secs(10) {
            return Err(format!("nginx did not answer on {url}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let reference = wrk(&[&url], &duration).await;
    // SIGQUIT: the master stops its workers, then itself (SIGKILL would orphan the workers).
    Command::new("kill")
        .args(["-QUIT", &nginx.id().to_string()])
        .status()?;
    nginx.wait()?;
    let reference = reference?;
    println!("nginx static file of the same size (wrk): {reference:.1}/s");
    Ok(())
}

fn nginx_program() -> &'static str {
    if std::path::Path::new("/usr/sbin/nginx").exists() {
        "/usr/sbin/nginx"
    } else {
        "nginx"
    }
}

/// Runs `wrk` (2 threads, 32 connections, like the in-process client) on the blocking pool, so
/// the server's threads stay free, and reads Requests/sec; a non-2xx answer is an error.
async fn wrk(args: &[&str], duration: &str) -> Result<f64, Error> {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let duration = duration.to_owned();
    let shown = args.join(" ");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("wrk")
            .args(["-t", "2", "-c", "32", "-d", &duration])
            .args(&args)
            .output()
    })
    .await??;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() || text.contains("Non-2xx") {
        let errors = String::from_utf8_lossy(&output.stderr);
        return Err(format!("wrk {shown}:\n{text}{errors}").into());
    }
    if let Some(line) = text.lines().find(|l| l.contains("Socket errors")) {
        eprintln!("wrk {shown}: {}", line.trim());
    }
    text.lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))
        .and_then(|rate| rate.trim().parse().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk's output:\n{text}").into())
}

/// Issuance without the database, one core, for each CA key.
fn raw_figures(seconds: f64) -> Result<(), Error> {
    for (family, ca_key, label) in [
        (Family::Rsa, KeyAlgorithm::Rsa2048, "rsa2048"),
        (Family::Rsa, KeyAlgorithm::Rsa3072, "rsa3072"),
        (Family::Ecc, KeyAlgorithm::EcdsaP256, "ecc"),
        (Family::Sm2, KeyAlgorithm::Sm2, "sm2"),
    ] {
        let subject_key = if family == Family::Rsa {
            KeyAlgorithm::Rsa2048
        } else {
            ca_key
        };
        println!(
            "issue {label} without database: {:.1}/s",
            raw(family, ca_key, subject_key, seconds)?
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let seconds: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    raw_figures(seconds)?;

    let dir = tempfile::tempdir()?;
    let config = PlatformConfig {
        data_dir: dir.path().to_path_buf(),
        database_url: None,
        sandbox: true,
        secret_key: None,
        blobs: None,
        ca_token: None,
    };
    let platform = Platform::open(&config).await.map_err(|e| e.to_string())?;
    init_hierarchies(&platform, "http://127.0.0.1")
        .await
        .map_err(|e| e.to_string())?;
    let rsa_csr = openssl_csr(dir.path(), "rsa", &["-newkey", "rsa:2048"])?;
    let ecc_csr = openssl_csr(
        dir.path(),
        "ecc",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    )?;
    println!(
        "issue rsa with database (sqlite): {:.1}/s",
        with_database(&platform, "rsa", &rsa_csr, seconds).await?
    );
    println!(
        "issue ecc with database (sqlite): {:.1}/s",
        with_database(&platform, "ecc", &ecc_csr, seconds).await?
    );
    println!(
        "issue ecc in batches with database (sqlite): {:.1}/s",
        batches_with_database(&platform, "ecc", KeyInput::Csr(&ecc_csr), 1000, seconds).await?
    );
    let ecc_key = signet_pki::csr::parse_csr(&ecc_csr)?.public_key;
    println!(
        "issue ecc in batches from public keys with database (sqlite): {:.1}/s",
        batches_with_database(
            &platform,
            "ecc",
            KeyInput::PublicKey(ecc_key),
            1000,
            seconds
        )
        .await?
    );

    // One certificate to ask about, and openssl's own OCSP request for it (no nonce).
    let request = IssueRequest {
        ca: "ecc",
        profile: "operator",
        subject: "CN=OCSP Bench,C=CN",
        csr: Some(&ecc_csr),
        actor: "bench",
    };
    let issued = issue(&platform, &request)
        .await
        .map_err(|e| e.to_string())?;
    let issuing_pem = issued
        .chain_pem
        .split_inclusive("-----END CERTIFICATE-----\n")
        .next()
        .unwrap_or_default()
        .to_owned();
    std::fs::write(dir.path().join("issuing.pem"), issuing_pem)?;
    std::fs::write(dir.path().join("cert.pem"), &issued.cert_pem)?;
    let status = Command::new("openssl")
        .args(["ocsp", "-no_nonce", "-issuer"])
        .arg(dir.path().join("issuing.pem"))
        .arg("-cert")
        .arg(dir.path().join("cert.pem"))
        .arg("-reqout")
        .arg(dir.path().join("req.der"))
        .output()?;
    if !status.status.success() {
        return Err("openssl ocsp -reqout failed".into());
    }
    let ocsp_request = std::fs::read(dir.path().join("req.der"))?;
    // The per-address /pki limit stays on (its check is part of every answer) but cannot bind:
    // the bench is one address asking as fast as it can.
    let server = ServerConfig {
        pki_per_minute: u32::MAX,
        ..ServerConfig::default()
    };
    let state = AppState::new(platform, server);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(signet_server::serve(listener, state));
    // Warm the pre-signed answer once.
    ocsp_over_http(&base, ocsp_request.clone(), 0.2).await?;
    println!(
        "ocsp over http: {:.1}/s",
        ocsp_over_http(&base, ocsp_request.clone(), seconds).await?
    );
    if std::env::args().any(|a| a == "--wrk") {
        external_figures(dir.path(), &base, &ocsp_request, seconds).await?;
    }
    Ok(())
}
