//! The test suites run several at a time. The machine CI gets has two cores, and most suites spend
//! much of their time waiting (on their own test servers, SQLite's disk writes, PostgreSQL,
//! pyHanko and pdfsig, a browser): one suite after another left a core idle for minutes. cargo
//! builds every test binary once (`cargo test --no-run`); the pool then runs each binary (on
//! SQLite, and the database ones again on PostgreSQL) and the walkthroughs as jobs,
//! `SIGNET_TEST_JOBS` of them at once (2 by default), longest first. Each job's output is printed
//! whole when it ends, so the log reads one suite at a time.

use std::collections::VecDeque;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context as _, bail};

use crate::shell::{self, cargo};

/// One test executable cargo built.
pub struct TestBinary {
    /// The package's name, e.g. `signet-server`.
    pub package: String,
    /// The target's name (`it`, or the crate's name for unit tests) and kind (`lib`, `test`, `bin`).
    pub target: String,
    pub kind: String,
    pub path: PathBuf,
    /// The package's directory: cargo runs a test binary there, and so do we.
    pub dir: PathBuf,
}

impl TestBinary {
    pub fn label(&self) -> String {
        format!("{} {} ({})", self.package, self.target, self.kind)
    }

    /// A command that runs this binary as `cargo test` would.
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.path);
        command
            .current_dir(&self.dir)
            .env("CARGO_MANIFEST_DIR", &self.dir)
            .env("CARGO_PKG_NAME", &self.package);
        command
    }
}

/// Builds the test binaries of `args` (`cargo test --no-run …`) and lists them.
pub fn build_test_binaries(root: &Path, args: &[&str]) -> anyhow::Result<Vec<TestBinary>> {
    let mut command = cargo();
    command
        .args([
            "test",
            "--no-run",
            "--message-format=json-render-diagnostics",
        ])
        .args(args)
        .current_dir(root)
        .stdout(Stdio::piped());
    eprintln!("$ {}", shell::describe(&command));
    let mut child = command.spawn().context("starting cargo test --no-run")?;
    let mut binaries = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            if let Some(binary) = test_binary(&line) {
                binaries.push(binary);
            }
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("cargo test --no-run failed ({status})");
    }
    Ok(binaries)
}

/// A `compiler-artifact` message of a test executable, or `None`.
fn test_binary(line: &str) -> Option<TestBinary> {
    let message: serde_json::Value = serde_json::from_str(line).ok()?;
    if message["reason"] != "compiler-artifact" || message["profile"]["test"] != true {
        return None;
    }
    let path = PathBuf::from(message["executable"].as_str()?);
    let manifest = PathBuf::from(message["manifest_path"].as_str()?);
    let target = &message["target"];
    // `…#name@version`, or `…#version` when the folder has the package's name.
    let package = message["package_id"]
        .as_str()
        .and_then(|id| id.rsplit_once('#'))
        .and_then(|(_, tail)| tail.split_once('@').map(|(name, _)| name.to_owned()))
        .or_else(|| {
            manifest
                .parent()
                .and_then(Path::file_name)
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "?".to_owned());
    Some(TestBinary {
        package,
        target: target["name"].as_str()?.to_owned(),
        kind: target["kind"][0].as_str().unwrap_or("?").to_owned(),
        path,
        dir: manifest.parent()?.to_path_buf(),
    })
}

/// Something to run: a label for the log, the command, how to count its tests, and its expected
/// length (longer jobs start first, so the last one to finish is a short one).
pub struct Job {
    pub label: String,
    pub command: Command,
    pub parse: fn(&str) -> Option<(u64, u64)>,
    pub weight: u32,
}

/// What a job did.
pub struct Outcome {
    pub label: String,
    pub seconds: f64,
    pub passed: u64,
    pub failed: u64,
    /// `None` when the command exited successfully, else why it did not.
    pub error: Option<String>,
}

/// How many jobs run at once: `SIGNET_TEST_JOBS`, else 2.
pub fn width() -> usize {
    std::env::var("SIGNET_TEST_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(2)
}

/// Runs every job, `width` at a time, and returns their outcomes in the order they finished.
/// A failing job does not stop the others.
pub fn run(mut jobs: Vec<Job>, width: usize) -> Vec<Outcome> {
    jobs.sort_by_key(|job| std::cmp::Reverse(job.weight));
    let total = jobs.len();
    let queue = Mutex::new(jobs.into_iter().collect::<VecDeque<_>>());
    let done = Mutex::new(Vec::with_capacity(total));
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..width.min(total) {
            scope.spawn(|| {
                loop {
                    let Some(job) = queue.lock().map_or(None, |mut q| q.pop_front()) else {
                        break;
                    };
                    let outcome = run_one(job, started);
                    if let Ok(mut done) = done.lock() {
                        done.push(outcome);
                        eprintln!("  [{}/{total} done]", done.len());
                    }
                }
            });
        }
    });
    done.into_inner().unwrap_or_default()
}

fn run_one(mut job: Job, pool_started: Instant) -> Outcome {
    eprintln!(
        "  +{:>4.0}s start {}: {}",
        pool_started.elapsed().as_secs_f64(),
        job.label,
        shell::describe(&job.command)
    );
    let started = Instant::now();
    let output = job.command.stdin(Stdio::null()).output();
    let seconds = started.elapsed().as_secs_f64();
    let (mut passed, mut failed) = (0, 0);
    let error = match output {
        Ok(output) => {
            let stdout = String::from_utf8_lossy(&output.stdout);
            let stderr = String::from_utf8_lossy(&output.stderr);
            for line in stdout.lines() {
                if let Some((p, f)) = (job.parse)(&crate::test::strip_ansi(line)) {
                    passed += p;
                    failed += f;
                }
            }
            // The whole job at once, so that suites running together do not interleave.
            print!("\n──── {} ({seconds:.0}s) ────\n{stdout}", job.label);
            if !stderr.trim().is_empty() {
                eprintln!("──── {}: stderr ────\n{stderr}", job.label);
            }
            (!output.status.success()).then(|| format!("exited with {}", output.status))
        }
        Err(error) => Some(format!("could not start: {error}")),
    };
    eprintln!(
        "  +{:>4.0}s end   {} in {seconds:.0}s: {passed} passed, {failed} failed{}",
        pool_started.elapsed().as_secs_f64(),
        job.label,
        error
            .as_deref()
            .map_or(String::new(), |e| format!(" — {e}"))
    );
    Outcome {
        label: job.label,
        seconds,
        passed,
        failed,
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(label: &str, script: &str, weight: u32) -> Job {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        Job {
            label: label.to_owned(),
            command,
            parse: |line| {
                line.strip_prefix("ok ")
                    .map(|n| (n.parse().unwrap_or(0), 0))
            },
            weight,
        }
    }

    #[test]
    fn every_job_runs_and_a_failure_does_not_stop_the_others() {
        let jobs = vec![
            job("a", "echo ok 2", 1),
            job("b", "echo ok 3; exit 1", 5),
            job("c", "echo ok 4", 3),
        ];
        let mut outcomes = run(jobs, 2);
        outcomes.sort_by(|x, y| x.label.cmp(&y.label));
        let summary: Vec<_> = outcomes
            .iter()
            .map(|o| (o.label.as_str(), o.passed, o.error.is_some()))
            .collect();
        assert_eq!(summary, [("a", 2, false), ("b", 3, true), ("c", 4, false)]);
    }

    #[test]
    fn a_missing_program_is_a_failed_job() {
        let outcomes = run(
            vec![Job {
                label: "missing".into(),
                command: Command::new("/nonexistent/program"),
                parse: |_| None,
                weight: 1,
            }],
            3,
        );
        assert!(
            outcomes[0]
                .error
                .as_deref()
                .is_some_and(|e| e.starts_with("could not start"))
        );
    }

    #[test]
    fn test_executables_are_read_from_cargo_messages() {
        let line = r#"{"reason":"compiler-artifact","package_id":"path+file:///w/crates/server#signet-server@0.1.0","manifest_path":"/w/crates/server/Cargo.toml","target":{"kind":["test"],"name":"it"},"profile":{"test":true},"executable":"/t/debug/deps/it-123"}"#;
        let binary = test_binary(line).unwrap();
        assert_eq!(binary.label(), "signet-server it (test)");
        assert_eq!(binary.dir, PathBuf::from("/w/crates/server"));
        assert_eq!(binary.path, PathBuf::from("/t/debug/deps/it-123"));
        let xtask = r#"{"reason":"compiler-artifact","package_id":"path+file:///w/xtask#0.1.0","manifest_path":"/w/xtask/Cargo.toml","target":{"kind":["bin"],"name":"xtask"},"profile":{"test":true},"executable":"/t/debug/deps/xtask-1"}"#;
        assert_eq!(test_binary(xtask).unwrap().label(), "xtask xtask (bin)");
        // A library built for a test binary is not itself a test.
        let lib = line.replace(r#""test":true"#, r#""test":false"#);
        assert!(test_binary(&lib).is_none());
    }
}
