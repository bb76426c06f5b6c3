//! Running commands with their output shown, timing steps, and finding the build directory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context as _, bail};

pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Prints the command, runs it, and fails on a non-zero exit.
pub fn run(command: &mut Command) -> anyhow::Result<()> {
    eprintln!("$ {}", describe(command));
    let status = command
        .status()
        .with_context(|| format!("starting {}", describe(command)))?;
    if !status.success() {
        bail!("{} failed ({status})", describe(command));
    }
    Ok(())
}

/// Runs and captures stdout; `None` if the program is missing or fails.
pub fn output(command: &mut Command) -> Option<String> {
    let out = command.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

pub fn has_program(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()))
}

/// Where cargo puts builds: `CARGO_TARGET_DIR` or `<workspace>/target`.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
}

/// Times a step and records its outcome for the closing summary.
pub struct Steps {
    started: Instant,
    rows: Vec<(String, String, f64)>,
}

impl Steps {
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            rows: Vec::new(),
        }
    }

    pub fn step(
        &mut self,
        name: &str,
        f: impl FnOnce() -> anyhow::Result<String>,
    ) -> anyhow::Result<()> {
        eprintln!("\n==> {name}");
        let started = Instant::now();
        let result = f();
        let seconds = started.elapsed().as_secs_f64();
        match result {
            Ok(note) => {
                eprintln!("<== {name}: ok in {seconds:.0}s {note}");
                self.rows.push((
                    name.to_owned(),
                    if note.is_empty() { "ok".into() } else { note },
                    seconds,
                ));
                Ok(())
            }
            Err(error) => {
                self.rows
                    .push((name.to_owned(), format!("FAILED: {error:#}"), seconds));
                self.print();
                Err(error)
            }
        }
    }

    /// A step that also hands back a value: `f` returns it with the step's note.
    pub fn value<T>(
        &mut self,
        name: &str,
        f: impl FnOnce() -> anyhow::Result<(T, String)>,
    ) -> anyhow::Result<T> {
        let mut value = None;
        self.step(name, || {
            let (v, note) = f()?;
            value = Some(v);
            Ok(note)
        })?;
        value.ok_or_else(|| anyhow::anyhow!("{name}: no value"))
    }

    /// A row of the summary measured elsewhere (a job of the pool).
    pub fn row(&mut self, name: &str, note: &str, seconds: f64) {
        self.rows.push((name.to_owned(), note.to_owned(), seconds));
    }

    pub fn note(&mut self, name: &str, note: &str) {
        self.rows.push((name.to_owned(), note.to_owned(), 0.0));
    }

    pub fn print(&self) {
        eprintln!(
            "\n---- summary ({:.0}s) ----",
            self.started.elapsed().as_secs_f64()
        );
        for (name, note, seconds) in &self.rows {
            eprintln!("{seconds:>6.0}s  {name:<34} {note}");
        }
    }
}
