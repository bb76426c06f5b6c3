//! `cargo xtask test`: every test. Rust on SQLite, the database tests again on PostgreSQL when one
//! is reachable (loudly skipped otherwise, and a failure with `CI=true`), the cargo-fuzz targets for
//! a few seconds each, web lint and unit tests, Playwright in Chromium against the real server, and
//! the `examples/` walkthroughs.

use std::io::{BufRead as _, BufReader};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::shell::{self, Steps, cargo, is_ci, target_dir};
use crate::{architecture, fuzz, openapi, prereqs, tree};

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

fn strip_ansi(line: &str) -> String {
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

#[expect(
    clippy::too_many_lines,
    reason = "the test plan reads best top to bottom as one list of steps"
)]
pub fn run(root: &Path, _args: &[String]) -> anyhow::Result<()> {
    let mut steps = Steps::new();
    let mut tally = Tally::default();
    let web = root.join("web");
    let venv = prereqs::venv_dir();
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

    steps.step("rust: tests on SQLite", || {
        let mut command = cargo();
        command
            .args(["test", "--workspace", "--locked"])
            .current_dir(root)
            .env("SIGNET_VENV", &venv)
            .env_remove("SIGNET_TEST_DATABASE_URL");
        let counts = run_counting(&mut command, cargo_counts)?;
        Ok(tally.add(counts))
    })?;

    let pg = postgres_url();
    if postgres_reachable(&pg) {
        steps.step("rust: database tests on PostgreSQL", || {
            drop_test_databases(&pg);
            let mut command = cargo();
            command
                .args([
                    "test",
                    "--locked",
                    "-p",
                    "signet-core",
                    "-p",
                    "signet-server",
                    // The command line's process tests: two servers on one PostgreSQL, kill -9.
                    "-p",
                    "signet",
                    "--test",
                    "it",
                ])
                .current_dir(root)
                .env("SIGNET_VENV", &venv)
                .env("SIGNET_TEST_DATABASE_URL", &pg);
            let counts = run_counting(&mut command, cargo_counts);
            drop_test_databases(&pg);
            Ok(tally.add(counts?))
        })?;
    } else if is_ci() {
        steps.note("rust: database tests on PostgreSQL", "FAILED: unreachable");
        steps.print();
        bail!("PostgreSQL is not reachable at {pg} and CI=true: the database tests must run on it");
    } else {
        eprintln!(
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
        );
        eprintln!("!! PostgreSQL is NOT reachable at {pg}");
        eprintln!(
            "!! The database tests ran on SQLite ONLY. Set SIGNET_TEST_PG to a server to run them on PostgreSQL."
        );
        eprintln!(
            "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
        steps.note(
            "rust: database tests on PostgreSQL",
            "SKIPPED: PostgreSQL unreachable (SQLite only)",
        );
    }

    steps.step("fuzz: cargo fuzz targets (briefly)", || {
        let mut counts = (0, 0);
        let note = fuzz::run_step(root, fuzz::TARGETS, &mut counts);
        tally.add(counts);
        note
    })?;

    steps.step("agent: signet-agent downloads", || {
        crate::agent::build(root)
    })?;

    steps.step("browser: Playwright in Chromium", || {
        shell::run(
            cargo()
                .args(["build", "--locked", "-p", "signet"])
                .current_dir(root),
        )?;
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
    })?;

    steps.step("examples: curl walkthroughs", || {
        let binary = target_dir(root).join("debug").join("signet");
        let counts = crate::examples::run(root, &binary)?;
        Ok(tally.add(counts))
    })?;

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
