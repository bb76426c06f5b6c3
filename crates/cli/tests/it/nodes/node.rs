//! One `signet serve --sandbox` process of the two-node test: its own data directory and port,
//! the shared database and bucket from the environment; its log kept in a file and printed when
//! the test fails; killed with SIGKILL when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What every node and every `signet` command of the test shares: the database and the bucket
/// (the S3 keys come from the environment the test runs in).
#[derive(Clone)]
pub struct Shared {
    pub database_url: String,
    pub blob_url: String,
}

impl Shared {
    /// `signet --data DATA ARGS…` against the shared database and bucket.
    pub fn command(&self, data: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_signet"));
        command
            .arg("--data")
            .arg(data)
            .args(args)
            .env("DATABASE_URL", &self.database_url)
            .env("SIGNET_BLOB_URL", &self.blob_url)
            .env_remove("SIGNET_SECRET_KEY")
            .env_remove("SIGNET_REGULATOR_URL")
            .env("RUST_LOG", "warn");
        command
    }
}

pub struct Node {
    pub name: &'static str,
    pub base: String,
    child: Child,
    log: PathBuf,
    killed: bool,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Node {
    /// Starts `signet serve --sandbox` on a free loopback port with `data` as its data
    /// directory (and the master key `secret_key`, when its directory has none), and waits until
    /// `/healthz` answers.
    pub async fn start(
        name: &'static str,
        shared: &Shared,
        data: &Path,
        secret_key: Option<&str>,
    ) -> Self {
        let port = free_port();
        let log = data.with_extension("log");
        let mut command = shared.command(
            data,
            &[
                "serve",
                "--sandbox",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ],
        );
        if let Some(key) = secret_key {
            command.env("SIGNET_SECRET_KEY", key);
        }
        command
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        let node = Self {
            name,
            base: format!("http://127.0.0.1:{port}"),
            child: command.spawn().unwrap(),
            log,
            killed: false,
        };
        let started = Instant::now();
        let health = format!("{}/healthz", node.base);
        loop {
            if let Ok(response) = reqwest::get(&health).await
                && response.status().is_success()
            {
                let body: serde_json::Value = response.json().await.unwrap();
                assert_eq!(body["database"], "postgres", "node {name}: {body}");
                return node;
            }
            assert!(
                started.elapsed() < Duration::from_mins(1),
                "node {name} did not answer /healthz on {port}:\n{}",
                node.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9`: no shutdown, no cleanup; whatever it was running stays `running`.
    pub fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.killed = true;
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if !self.killed {
            self.child.kill().ok();
            self.child.wait().ok();
        }
        if std::thread::panicking() {
            eprintln!(
                "--- node {} ({}) log:\n{}",
                self.name,
                self.base,
                self.log_tail()
            );
        }
    }
}
