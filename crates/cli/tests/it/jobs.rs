//! Jobs across real `signet serve --sandbox` processes on one database: two servers run each
//! recurring period once and share the queue; a server killed with SIGKILL under a job leaves it
//! to be run again after the lease, and its effect happens once.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use signet_core::Platform;
use signet_core::platform::clock::Clock as _;
use signet_core::platform::jobs::{NewJob, Status, enqueue, queue};
use signet_core::testing::sandbox_config;

use crate::{signet, text};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One `signet serve --sandbox` node, killed (SIGKILL) when dropped.
struct Node {
    child: Child,
    port: u16,
}

impl Node {
    fn start(data: &Path, database_url: Option<&str>) -> Self {
        let port = free_port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_signet"));
        command
            .arg("--data")
            .arg(data)
            .args([
                "serve",
                "--sandbox",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(url) = database_url {
            command.env("DATABASE_URL", url);
        }
        let node = Self {
            child: command.spawn().unwrap(),
            port,
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_mins(1),
                "signet serve did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        node
    }

    /// `kill -9`: no shutdown, no cleanup, whatever it was running stays `running`.
    fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Moves this node's sandbox clock forward (`POST /dev/clock`, with a session's CSRF token).
    fn advance_clock(&self, seconds: i64) {
        let jar = tempfile::NamedTempFile::new().unwrap();
        let jar = jar.path().to_str().unwrap();
        let base = format!("http://127.0.0.1:{}", self.port);
        let session = curl(&["-c", jar, &format!("{base}/api/v1/session")]);
        let csrf = serde_json::from_str::<serde_json::Value>(&session).unwrap()["csrf_token"]
            .as_str()
            .unwrap()
            .to_owned();
        // The sandbox clock needs a staff role: sign in as the demo staff member first.
        let post = |path: &str, body: &serde_json::Value| {
            curl(&[
                "-b",
                jar,
                "-c",
                jar,
                "-X",
                "POST",
                "-H",
                "content-type: application/json",
                "-H",
                &format!("x-csrf-token: {csrf}"),
                "-d",
                &body.to_string(),
                &format!("{base}{path}"),
            ])
        };
        let captcha = post("/api/v1/captcha", &json!({}));
        let captcha = serde_json::from_str::<serde_json::Value>(&captcha).unwrap()["captcha_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let inbox = curl(&[
            "-H",
            "accept: application/json",
            &format!("{base}/dev/inbox?to={captcha}"),
        ]);
        let answer = serde_json::from_str::<serde_json::Value>(&inbox).unwrap()[0]["code"]
            .as_str()
            .unwrap()
            .to_owned();
        post(
            "/api/v1/login/password",
            &json!({
                "identifier": "staff",
                "password": "Staff@2026",
                "captcha_id": captcha,
                "captcha_answer": answer,
            }),
        );
        // Signing in renews the session and its CSRF token.
        let session = curl(&["-b", jar, &format!("{base}/api/v1/session")]);
        let csrf = serde_json::from_str::<serde_json::Value>(&session).unwrap()["csrf_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let moved = curl(&[
            "-b",
            jar,
            "-X",
            "POST",
            "-H",
            "content-type: application/json",
            "-H",
            &format!("x-csrf-token: {csrf}"),
            "-d",
            &json!({ "advance_seconds": seconds }).to_string(),
            &format!("{base}/dev/clock"),
        ]);
        assert!(moved.contains("offset_seconds"), "{moved}");
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn curl(args: &[&str]) -> String {
    let output = Command::new("curl")
        .arg("-fsS")
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "curl {args:?}: {}", text(&output));
    String::from_utf8(output.stdout).unwrap()
}

/// Waits (real time: the servers run on their own) until `check` holds.
async fn eventually<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn count(platform: &Platform, sql: &'static str) -> i64 {
    let row = sqlx::query(sql)
        .fetch_one(platform.db.pool())
        .await
        .unwrap();
    sqlx::Row::try_get::<i64, _>(&row, "n").unwrap()
}

async fn probe_messages(platform: &Platform) -> usize {
    platform
        .sandbox
        .as_ref()
        .unwrap()
        .list(Some("probe"), 1000)
        .await
        .unwrap()
        .len()
}

async fn put_probes(platform: &Platform, prefix: &str, n: usize, millis: u64) {
    let mut tx = platform.db.begin().await.unwrap();
    for i in 0..n {
        let job = NewJob::new(
            "sandbox.probe",
            format!("{prefix}:{i}"),
            json!({ "millis": millis, "label": format!("{prefix} {i}") }),
        );
        assert!(enqueue(&mut tx, platform.clock.now(), &job).await.unwrap());
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn two_servers_run_each_scheduled_period_once_and_share_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox_config(dir.path()).await;
    let url = config.database_url.clone();
    let init = signet(dir.path(), url.as_deref(), &["init", "--demo"]);
    assert!(init.status.success(), "{}", text(&init));
    let a = Node::start(dir.path(), url.as_deref());
    let b = Node::start(dir.path(), url.as_deref());
    let platform = Platform::open(&config).await.unwrap();

    // Both nodes tick the schedules every second; each period's job exists once and runs.
    let scheduled =
        "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'platform.purge' AND status = 'done'";
    eventually("the first purge", Duration::from_secs(30), || async {
        count(&platform, scheduled).await >= 1
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        count(&platform, scheduled).await,
        1,
        "one run for the first period"
    );
    // The next period on both nodes' clocks.
    a.advance_clock(3600);
    b.advance_clock(3600);
    eventually("the second purge", Duration::from_secs(30), || async {
        count(&platform, scheduled).await >= 2
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        count(&platform, scheduled).await,
        2,
        "one run for the second period"
    );
    assert_eq!(
        count(
            &platform,
            "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'platform.purge'"
        )
        .await,
        2
    );

    // Forty jobs of 300 ms each: both nodes take some, none is taken twice.
    put_probes(&platform, "shared", 40, 300).await;
    eventually("forty probes done", Duration::from_secs(90), || async {
        count(
            &platform,
            "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'sandbox.probe' AND status = 'done'",
        )
        .await
            == 40
    })
    .await;
    let done = queue::list(&platform, Some(Status::Done), Some("sandbox.probe"), 100)
        .await
        .unwrap();
    assert!(done.iter().all(|j| j.attempts == 1), "no probe ran twice");
    let processes: std::collections::BTreeSet<String> = done
        .iter()
        .map(|j| {
            j.locked_by
                .as_deref()
                .unwrap()
                .split(':')
                .nth(1)
                .unwrap()
                .to_owned()
        })
        .collect();
    let pids = [a.child.id().to_string(), b.child.id().to_string()];
    assert_eq!(
        processes,
        pids.iter().cloned().collect(),
        "both servers took jobs"
    );
    assert_eq!(probe_messages(&platform).await, 40);
    platform.db.close().await;
}

#[tokio::test]
async fn a_job_cut_off_by_kill_9_runs_again_after_restart_and_its_effect_happens_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox_config(dir.path()).await;
    let url = config.database_url.clone();
    assert!(
        signet(dir.path(), url.as_deref(), &["init", "--demo"])
            .status
            .success()
    );
    let mut node = Node::start(dir.path(), url.as_deref());
    let platform = Platform::open(&config).await.unwrap();
    // The probe leaves its message at once, then takes 8 s reporting progress.
    put_probes(&platform, "killed", 1, 8_000).await;
    let job = queue::by_key(&platform, "killed:0").await.unwrap().unwrap();
    eventually(
        "the probe to be under way",
        Duration::from_secs(30),
        || async {
            let now = queue::get(&platform, &job.id).await.unwrap();
            now.status == Status::Running && now.progress_done >= 1
        },
    )
    .await;
    assert_eq!(probe_messages(&platform).await, 1, "the effect happened");
    node.kill9();
    let cut = queue::get(&platform, &job.id).await.unwrap();
    assert_eq!(
        (cut.status, cut.attempts),
        (Status::Running, 1),
        "left running by the dead worker"
    );

    let node = Node::start(dir.path(), url.as_deref());
    // The lease still holds right after the restart …
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(queue::get(&platform, &job.id).await.unwrap().attempts, 1);
    // … and once it has run out, the new process takes the job and finishes it.
    node.advance_clock(queue::LEASE_SECONDS + 1);
    eventually("the rerun", Duration::from_mins(1), || async {
        queue::get(&platform, &job.id).await.unwrap().status == Status::Done
    })
    .await;
    let rerun = queue::get(&platform, &job.id).await.unwrap();
    assert_eq!(rerun.attempts, 2);
    assert_eq!(rerun.progress_done, 10);
    assert_eq!(
        probe_messages(&platform).await,
        1,
        "the rerun added no second message"
    );
    platform.db.close().await;
}
