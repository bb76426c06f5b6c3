//! Runs every `examples/*.sh` walkthrough against a fresh sandbox server, so the documented API
//! calls keep working.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::shell;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts `signet serve --sandbox` on a temporary data directory and waits for `/healthz`.
fn start(binary: &Path, data: &Path) -> anyhow::Result<(Server, String)> {
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(binary)
        .arg("--data")
        .arg(data)
        .args([
            "serve",
            "--sandbox",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .context("starting signet serve")?;
    let server = Server(child);
    for _ in 0..100 {
        if shell::output(Command::new("curl").args(["-fsS", &format!("{base}/healthz")])).is_some()
        {
            return Ok((server, base));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("signet serve did not answer /healthz at {base}")
}

/// Returns (passed, failed).
pub fn run(root: &Path, binary: &Path) -> anyhow::Result<(u64, u64)> {
    let data = std::env::temp_dir().join(format!("signet-examples-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let (server, base) = start(binary, &data)?;
    let mut scripts: Vec<_> = std::fs::read_dir(root.join("examples"))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sh"))
        .collect();
    scripts.sort();
    let (mut passed, mut failed) = (0, 0);
    for script in &scripts {
        match shell::run(Command::new("bash").arg(script).arg(&base)) {
            Ok(()) => passed += 1,
            Err(error) => {
                eprintln!("FAILED: {error:#}");
                failed += 1;
            }
        }
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
    if failed > 0 {
        bail!("{failed} example scripts failed");
    }
    Ok((passed, failed))
}
