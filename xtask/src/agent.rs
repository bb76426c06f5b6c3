//! The key agent downloads (issue 13): `signet-agent` built with the `agent` profile (release,
//! size-optimised, stripped) for Linux (`x86_64`) and, cross-built with Debian's mingw-w64 (and
//! NASM, for aws-lc) and the rustup target `x86_64-pc-windows-gnu`, for Windows (`x86_64`);
//! copied to `<target>/agent-dist`, the folder `signet serve --agent-dir` offers.
//! Cargo's own freshness check is the cache: it rebuilds only when the agent's sources (signet-token,
//! signet-pki, the lock file) changed, so a run with nothing changed takes about a second per
//! build; a cold cross build of aws-lc and the rest takes minutes once per target directory. A
//! file is copied only when it changed. When the Windows build cannot be made this says exactly
//! why, and Linux is served; `SIGNET_AGENT_WINDOWS=0` leaves it out on purpose.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context as _;

use crate::shell::{self, cargo, has_program, target_dir};

const WINDOWS: &str = "x86_64-pc-windows-gnu";
/// The Cargo profile of the downloads (workspace Cargo.toml).
const PROFILE: &str = "agent";
const MINGW_GCC: &str = "x86_64-w64-mingw32-gcc";

/// The folder the builds are copied to.
pub fn dist_dir(root: &Path) -> PathBuf {
    target_dir(root).join("agent-dist")
}

/// Build both agents; the note says what was built and, for Windows, why not.
pub fn build(root: &Path) -> anyhow::Result<String> {
    let dist = dist_dir(root);
    std::fs::create_dir_all(&dist).with_context(|| dist.display().to_string())?;
    let started = Instant::now();
    shell::run(
        cargo()
            .args([
                "build",
                "--locked",
                "--profile",
                PROFILE,
                "-p",
                "signet-token",
                "--bin",
                "signet-agent",
            ])
            .current_dir(root),
    )?;
    let linux = target_dir(root).join(PROFILE).join("signet-agent");
    copy_if_changed(&linux, &dist.join("signet-agent-linux-x86_64"))?;
    let linux_took = started.elapsed().as_secs();
    let windows = if let Err(why) = windows_ready() {
        // A stale Windows build would be offered as current: take it away.
        let _ = std::fs::remove_file(dist.join("signet-agent-windows-x86_64.exe"));
        eprintln!("\n!! signet-agent for Windows NOT built: {why}\n");
        format!("Windows NOT built: {why}")
    } else {
        let started = Instant::now();
        shell::run(
            cargo()
                .args([
                    "build",
                    "--locked",
                    "--profile",
                    PROFILE,
                    "--target",
                    WINDOWS,
                    "-p",
                    "signet-token",
                    "--bin",
                    "signet-agent",
                ])
                .env("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER", MINGW_GCC)
                .current_dir(root),
        )?;
        let exe = target_dir(root)
            .join(WINDOWS)
            .join(PROFILE)
            .join("signet-agent.exe");
        copy_if_changed(&exe, &dist.join("signet-agent-windows-x86_64.exe"))?;
        format!("Windows x86_64 built ({} s)", started.elapsed().as_secs())
    };
    Ok(format!(
        "Linux x86_64 built ({linux_took} s); {windows}; in {}",
        dist.display()
    ))
}

/// Whether the Windows cross build can run here; if not, exactly why.
fn windows_ready() -> Result<(), String> {
    if std::env::var_os("SIGNET_AGENT_WINDOWS").is_some_and(|v| v == "0") {
        return Err("SIGNET_AGENT_WINDOWS=0 asked to leave it out".to_owned());
    }
    if !has_program("nasm") {
        return Err(
            "nasm is missing (Debian package nasm: aws-lc-sys assembles its Windows code with it; the prerequisites step installs it when run as root)"
                .to_owned(),
        );
    }
    if !has_program(MINGW_GCC) {
        return Err(format!(
            "{MINGW_GCC} is missing (Debian package gcc-mingw-w64-x86-64; the prerequisites step installs it when run as root)"
        ));
    }
    let installed = shell::output(Command::new("rustup").args(["target", "list", "--installed"]));
    let Some(installed) = installed else {
        return Err(format!(
            "rustup is not available to check for the {WINDOWS} standard library"
        ));
    };
    if installed.lines().any(|line| line.trim() == WINDOWS) {
        return Ok(());
    }
    let added = Command::new("rustup")
        .args(["target", "add", WINDOWS])
        .output();
    match added {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!(
            "`rustup target add {WINDOWS}` failed, so the Windows standard library cannot be installed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(error) => Err(format!(
            "`rustup target add {WINDOWS}` could not run: {error}"
        )),
    }
}

fn copy_if_changed(from: &Path, to: &Path) -> anyhow::Result<()> {
    let new = std::fs::read(from).with_context(|| from.display().to_string())?;
    if std::fs::read(to).is_ok_and(|old| old == new) {
        return Ok(());
    }
    std::fs::write(to, &new).with_context(|| to.display().to_string())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}
