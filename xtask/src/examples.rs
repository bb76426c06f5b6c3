//! Runs every `examples/*.sh` walkthrough against a fresh sandbox server, so the documented API
//! calls keep working.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::{example_contracts, example_outputs, shell};

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

/// Starts `signet serve --sandbox` on a temporary data directory at `base` (a free port on
/// 127.0.0.1, also the data's public URL) and waits for `/healthz`.
fn start(binary: &Path, data: &Path, port: u16, base: &str) -> anyhow::Result<Server> {
    let child = Command::new(binary)
        .arg("--data")
        .arg(data)
        .arg("--public-url")
        .arg(base)
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
            return Ok(server);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("signet serve did not answer /healthz at {base}")
}

/// The last PEM certificate a script printed, checked by `openssl verify` against the chain
/// the server publishes at `/pki/{ca}/ca.crt` (issuing CA untrusted, root trusted).
fn verify_printed_certificate(base: &str, stdout: &str, work: &Path) -> anyhow::Result<()> {
    let Some(start) = stdout.rfind("-----BEGIN CERTIFICATE-----") else {
        return Ok(());
    };
    let end = stdout[start..]
        .find("-----END CERTIFICATE-----")
        .context("unterminated PEM")?;
    let pem = &stdout[start..start + end + "-----END CERTIFICATE-----".len()];
    let cert = work.join("printed.pem");
    std::fs::write(&cert, format!("{pem}\n"))?;
    fetch_chain(base, work)?;
    verify_certificate(&cert, work)
}

/// Fetches the `ecc` hierarchy's issuing and root certificates into `work` as PEM
/// (`issuing.crt`, `root.crt`).
pub fn fetch_chain(base: &str, work: &Path) -> anyhow::Result<()> {
    for (ca, file) in [("ecc", "issuing.crt"), ("ecc-root", "root.crt")] {
        let der = work.join(format!("{file}.der"));
        shell::run(
            Command::new("curl")
                .args(["-fsS", "-o"])
                .arg(&der)
                .arg(format!("{base}/pki/{ca}/ca.crt")),
        )?;
        shell::run(
            Command::new("openssl")
                .args(["x509", "-inform", "DER", "-in"])
                .arg(&der)
                .arg("-out")
                .arg(work.join(file)),
        )?;
    }
    Ok(())
}

/// `openssl verify` of the PEM certificate `cert` against the chain [`fetch_chain`] left in
/// `work` (issuing CA untrusted, root trusted).
pub fn verify_certificate(cert: &Path, work: &Path) -> anyhow::Result<()> {
    let verify = |extra: &[&str]| {
        Command::new("openssl")
            .arg("verify")
            .args(extra)
            .arg("-CAfile")
            .arg(work.join("root.crt"))
            .arg("-untrusted")
            .arg(work.join("issuing.crt"))
            .arg(cert)
            .output()
            .context("running openssl verify")
    };
    let mut out = verify(&[])?;
    // A walkthrough that moved the sandbox clock forward (renewal) gets certificates that start
    // in the platform's future: check their chain and signatures without the validity dates.
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if said.contains("not yet valid") {
        eprintln!("openssl verify: issued on the moved sandbox clock; checking without dates");
        out = verify(&["-no_check_time"])?;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("openssl verify: {}", text.trim());
    if !out.status.success() || !text.contains(": OK") {
        bail!(
            "openssl verify refused {}: {}{}",
            cert.display(),
            text,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// Returns (passed, failed).
/// `cargo xtask examples`: the walkthroughs against `<target>/debug/signet`, ending with the line
/// [`counts`] reads.
pub fn command(root: &Path) -> anyhow::Result<()> {
    let binary = crate::shell::target_dir(root).join("debug").join("signet");
    anyhow::ensure!(
        binary.is_file(),
        "{} is missing: run `cargo build -p signet` first",
        binary.display()
    );
    let (passed, failed) = run(root, &binary)?;
    println!("walkthroughs: {passed} passed, {failed} failed");
    anyhow::ensure!(failed == 0, "{failed} example scripts failed");
    Ok(())
}

/// The closing line of [`command`]: `walkthroughs: 5 passed, 0 failed`.
pub fn counts(line: &str) -> Option<(u64, u64)> {
    let rest = line.trim().strip_prefix("walkthroughs:")?;
    let number = |word: &str| {
        rest.split(',')
            .find_map(|part| part.trim().strip_suffix(word)?.trim().parse::<u64>().ok())
    };
    Some((number("passed")?, number("failed").unwrap_or(0)))
}

pub fn run(root: &Path, binary: &Path) -> anyhow::Result<(u64, u64)> {
    let data = std::env::temp_dir().join(format!("signet-examples-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    // The certificates' CRL, OCSP and issuer URLs name the server the walkthroughs run
    // against, so pyHanko checks the signed contracts' revocation there.
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    // The desk walkthroughs need the demo catalog and the CA staff account.
    shell::run(
        Command::new(binary)
            .arg("--data")
            .arg(&data)
            .arg("--public-url")
            .arg(&base)
            .args(["init", "--demo"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null()),
    )?;
    let server = start(binary, &data, port, &base)?;
    let mut scripts: Vec<_> = std::fs::read_dir(root.join("examples"))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sh"))
        .collect();
    scripts.sort();
    let (mut passed, mut failed) = (0, 0);
    for script in &scripts {
        // A walkthrough that writes files (certify-enterprise.sh, labour-contracts.sh) gets its
        // own OUT_DIR.
        let stem = script.file_stem().unwrap_or_default().to_string_lossy();
        let out_dir = data.join(format!("{stem}-out"));
        eprintln!("$ bash {} {base} {}", script.display(), out_dir.display());
        let started = Instant::now();
        let outcome = Command::new("bash")
            .arg(script)
            .arg(&base)
            .arg(&out_dir)
            // The production station (signet token produce) works on the server's data.
            .env("SIGNET_DATA", &data)
            .env("SIGNET_BIN", binary)
            .env_remove("DATABASE_URL")
            .stderr(Stdio::inherit())
            .output()
            .context("running bash")
            .and_then(|out| {
                if !out.status.success() {
                    bail!("{} failed ({})", script.display(), out.status);
                }
                verify_printed_certificate(&base, &String::from_utf8_lossy(&out.stdout), &data)?;
                match stem.as_ref() {
                    "certify-enterprise" => {
                        example_outputs::check_certify_enterprise(&base, &out_dir)?;
                    }
                    "labour-contracts" => example_contracts::check_labour_contracts(
                        &base,
                        &out_dir,
                        binary,
                        &data.join(format!("{stem}-checks")),
                    )?,
                    _ => {}
                }
                Ok(())
            });
        // The walkthroughs run in CI beside the test suites: their time is worth watching.
        eprintln!(
            "{stem}.sh: {:.0} s (checks included)",
            started.elapsed().as_secs_f64()
        );
        match outcome {
            Ok(()) => passed += 1,
            Err(error) => {
                eprintln!("FAILED: {error:#}");
                failed += 1;
            }
        }
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
    Ok((passed, failed))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_closing_line_is_counted() {
        assert_eq!(
            super::counts("walkthroughs: 5 passed, 1 failed"),
            Some((5, 1))
        );
        assert_eq!(super::counts("$ bash examples/a.sh"), None);
    }
}
