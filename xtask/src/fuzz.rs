//! `cargo xtask fuzz`, and the fuzz step of `cargo xtask test`: builds the cargo-fuzz targets in
//! `fuzz/` and runs each for a short budget against a fresh copy of its committed seeds. A crash,
//! a timeout or memory past the limits fails the target. Why cargo-fuzz on stable Rust works this
//! way: docs/adr/0005-fuzzing-on-stable.md.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context as _, bail};

use crate::shell::{self, Steps, is_ci, target_dir};

/// Every fuzz target in `fuzz/Cargo.toml`, with its seconds in `cargo xtask test`: 80 in all,
/// most to the PDF reader, whose inputs are large and slow (a signed PDF is verified in full).
pub const TARGETS: &[(&str, u64)] = &[
    ("csr", 15),
    ("ocsp_request", 10),
    ("tsa_request", 10),
    ("pdf_reader", 45),
];

/// The cargo-fuzz the project is known to work with (its flags are part of our build).
const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// libFuzzer's limits: a run past them is a finding, like a crash. The RSS limit leaves room for
/// the address sanitizer's shadow memory and quarantine on top of what the code itself uses.
const LIBFUZZER_LIMITS: &[&str] = &["-rss_limit_mb=1024", "-malloc_limit_mb=512", "-timeout=10"];

/// Where cargo-fuzz is installed: outside the clone, so it survives between runs.
fn install_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("SIGNET_CARGO_BIN") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    home.join(".cache").join("signet").join("cargo-bin")
}

/// The address sanitizer by default; `SIGNET_FUZZ_SANITIZER=none` builds without it (faster, fewer
/// findings: only panics, aborts, timeouts and libFuzzer's own memory limits).
fn sanitizer() -> String {
    std::env::var("SIGNET_FUZZ_SANITIZER").unwrap_or_else(|_| "address".to_owned())
}

/// `cargo fuzz` with the pinned cargo-fuzz first on `PATH`, and `RUSTC_BOOTSTRAP=1` so stable
/// rustc takes the one unstable flag cargo-fuzz passes (`-Zsanitizer`).
fn cargo_fuzz(root: &Path, bin: &Path, subcommand: &str, target: Option<&str>) -> Command {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(
        std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&path)),
    )
    .unwrap_or(path);
    let mut command = shell::cargo();
    command
        .args(["fuzz", subcommand])
        .args(target)
        .args(["--sanitizer", &sanitizer()])
        // 16 units instead of cargo-fuzz's 1: the build is most of the step's time on 2 cores.
        .args(["--codegen-units", "16"])
        .arg("--target-dir")
        .arg(target_dir(root).join("fuzz"))
        .current_dir(root)
        .env("PATH", path)
        .env("RUSTC_BOOTSTRAP", "1");
    command
}

/// Installs the pinned cargo-fuzz unless it is there; returns its `bin` directory.
fn ensure_cargo_fuzz() -> anyhow::Result<PathBuf> {
    let root = install_root();
    let bin = root.join("bin");
    let installed = shell::output(Command::new(bin.join("cargo-fuzz")).arg("--version"));
    if installed.is_some_and(|v| v.trim().ends_with(CARGO_FUZZ_VERSION)) {
        return Ok(bin);
    }
    shell::run(
        shell::cargo()
            .args(["install", "cargo-fuzz", "--locked", "--version"])
            .arg(CARGO_FUZZ_VERSION)
            .arg("--root")
            .arg(&root),
    )
    .context("installing cargo-fuzz")?;
    Ok(bin)
}

/// What one target's run printed that we report.
#[derive(Default)]
struct RunStats {
    runs: Option<u64>,
    seconds: Option<u64>,
    peak_rss_mb: Option<u64>,
    artifact: Option<String>,
}

impl RunStats {
    fn read(&mut self, line: &str) {
        let number = |prefix: &str| {
            line.strip_prefix(prefix)
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
        };
        if let Some(runs) = number("stat::number_of_executed_units:") {
            self.runs = Some(runs);
        } else if let Some(mb) = number("stat::peak_rss_mb:") {
            self.peak_rss_mb = Some(mb);
        } else if let Some(rest) = line.strip_prefix("Done ") {
            // `Done 123456 runs in 21 second(s)`
            let words: Vec<&str> = rest.split_whitespace().collect();
            self.seconds = words.get(3).and_then(|s| s.parse().ok());
        } else if let Some(at) = line.find("Test unit written to ") {
            self.artifact = Some(line[at + "Test unit written to ".len()..].trim().to_owned());
        }
    }

    fn summary(&self) -> String {
        let rate = match (self.runs, self.seconds) {
            (Some(runs), Some(seconds)) if seconds > 0 => format!("{}/s", runs / seconds),
            _ => "?/s".into(),
        };
        format!(
            "{} runs, {rate}, peak {} MB",
            self.runs.map_or_else(|| "?".into(), |r| r.to_string()),
            self.peak_rss_mb
                .map_or_else(|| "?".into(), |m| m.to_string())
        )
    }
}

/// Copies `fuzz/seeds/<target>` into a fresh working corpus under the build directory, so runs
/// never write into the clone and each starts from the committed seeds.
fn fresh_corpus(root: &Path, target: &str) -> anyhow::Result<PathBuf> {
    let corpus = target_dir(root).join("fuzz").join("corpus").join(target);
    if corpus.exists() {
        std::fs::remove_dir_all(&corpus).with_context(|| corpus.display().to_string())?;
    }
    std::fs::create_dir_all(&corpus)?;
    let seeds = root.join("fuzz").join("seeds").join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&seeds).with_context(|| seeds.display().to_string())? {
        let entry = entry?;
        std::fs::copy(entry.path(), corpus.join(entry.file_name()))?;
        count += 1;
    }
    if count == 0 {
        bail!("{} has no seeds", seeds.display());
    }
    Ok(corpus)
}

/// Runs one target for `seconds`; `Ok(summary)` when nothing was found.
fn run_target(root: &Path, bin: &Path, target: &str, seconds: u64) -> anyhow::Result<String> {
    let corpus = fresh_corpus(root, target)?;
    let artifacts = target_dir(root).join("fuzz").join("artifacts").join(target);
    std::fs::create_dir_all(&artifacts)?;
    let mut command = cargo_fuzz(root, bin, "run", Some(target));
    command
        .arg(&corpus)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .args(LIBFUZZER_LIMITS)
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg("-print_final_stats=1");
    eprintln!("$ {}", shell::describe(&command));
    let mut child = command
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| shell::describe(&command))?;
    let mut stats = RunStats::default();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap_or_default();
            stats.read(&line);
            // libFuzzer's progress lines (`#1024 pulse …`, `#77 NEW …`) and its recommended
            // dictionary (`"/XRef" # Uses: 3`) would drown the log.
            if !line.starts_with('#') && !line.starts_with('"') {
                eprintln!("{line}");
            }
        }
    }
    let exit = child.wait()?;
    if !exit.success() {
        let reproduce = stats.artifact.as_deref().map_or_else(String::new, |a| {
            format!("; reproduce with `RUSTC_BOOTSTRAP=1 cargo fuzz run {target} {a}`")
        });
        bail!("{target}: finding ({exit}){reproduce}");
    }
    Ok(stats.summary())
}

/// Passed and failed targets, and one line per target for the summary.
pub struct Outcome {
    pub passed: u64,
    pub failed: u64,
    pub notes: Vec<String>,
}

/// Builds every target, then runs each of `targets` for its seconds. A target that finds
/// something counts as failed; the others still run.
pub fn run(root: &Path, targets: &[(&str, u64)]) -> anyhow::Result<Outcome> {
    let bin = match ensure_cargo_fuzz() {
        Ok(bin) => bin,
        Err(error) if !is_ci() => {
            eprintln!("\n!!!! cargo-fuzz is missing and could not be installed: {error:#}");
            eprintln!("!!!! The fuzz targets did NOT run.\n");
            return Ok(Outcome {
                passed: 0,
                failed: 0,
                notes: vec!["SKIPPED: cargo-fuzz could not be installed".into()],
            });
        }
        Err(error) => return Err(error.context("cargo-fuzz is required with CI=true")),
    };
    let started = Instant::now();
    shell::run(&mut cargo_fuzz(root, &bin, "build", None))?;
    let mut outcome = Outcome {
        passed: 0,
        failed: 0,
        notes: vec![format!(
            "build {:.0}s ({} sanitizer)",
            started.elapsed().as_secs_f64(),
            sanitizer()
        )],
    };
    for &(target, seconds) in targets {
        match run_target(root, &bin, target, seconds) {
            Ok(summary) => {
                outcome.passed += 1;
                outcome.notes.push(format!("{target}: {summary}"));
            }
            Err(error) => {
                outcome.failed += 1;
                outcome.notes.push(format!("{error:#}"));
            }
        }
    }
    Ok(outcome)
}

/// `cargo xtask fuzz [TARGET…] [--seconds N]`: the fuzz step alone, or some targets for longer.
pub fn command(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let mut seconds = None;
    let mut targets: Vec<(&str, u64)> = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--seconds" {
            seconds = Some(
                args.next()
                    .and_then(|s| s.parse().ok())
                    .context("--seconds takes a number")?,
            );
        } else if let Some(known) = TARGETS.iter().find(|(name, _)| name == arg) {
            targets.push(*known);
        } else {
            let names: Vec<&str> = TARGETS.iter().map(|(name, _)| *name).collect();
            bail!("unknown fuzz target {arg}; targets: {}", names.join(", "));
        }
    }
    if targets.is_empty() {
        targets = TARGETS.to_vec();
    }
    if let Some(seconds) = seconds {
        for target in &mut targets {
            target.1 = seconds;
        }
    }
    let mut steps = Steps::new();
    let mut counts = (0, 0);
    let result = steps.step("fuzz: cargo fuzz targets", || {
        run_step(root, &targets, &mut counts)
    });
    if result.is_ok() {
        steps.print();
    }
    println!("\nxtask fuzz: {} passed, {} failed", counts.0, counts.1);
    result
}

/// The step's body: sets `counts` to the passed and failed targets and returns the note for the
/// summary; an error when a target found something (the note then says which, and how to
/// reproduce it).
pub fn run_step(
    root: &Path,
    targets: &[(&str, u64)],
    counts: &mut (u64, u64),
) -> anyhow::Result<String> {
    let outcome = run(root, targets)?;
    *counts = (outcome.passed, outcome.failed);
    let note = format!(
        "{} passed, {} failed; {}",
        outcome.passed,
        outcome.failed,
        outcome.notes.join("; ")
    );
    if outcome.failed > 0 {
        bail!(note);
    }
    Ok(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libfuzzer_output_is_read() {
        let mut stats = RunStats::default();
        for line in [
            "#2048\tpulse  cov: 1520 ft: 4410 corp: 77/9413b exec/s: 682 rss: 301Mb",
            "Done 144454 runs in 21 second(s)",
            "stat::number_of_executed_units: 144454",
            "stat::peak_rss_mb:              455",
            "artifact_prefix='/t/fuzz/artifacts/csr/'; Test unit written to /t/fuzz/artifacts/csr/crash-3f2a",
        ] {
            stats.read(line);
        }
        assert_eq!(stats.summary(), "144454 runs, 6878/s, peak 455 MB");
        assert_eq!(
            stats.artifact.as_deref(),
            Some("/t/fuzz/artifacts/csr/crash-3f2a")
        );
    }
}
