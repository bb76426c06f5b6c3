//! `cargo xtask bench [pdf]`: performance measured beside a reference run on the same machine in
//! the same invocation, printed as ratios. Never a pass/fail test.

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};

use crate::prereqs;
use crate::shell::{self, cargo};

/// Signs and verifies per benchmark side.
const ROUNDS: &str = "30";

fn rate(output: &str, prefix: &str) -> Option<f64> {
    output
        .lines()
        .find(|l| l.starts_with(prefix))?
        .rsplit(':')
        .next()?
        .trim()
        .trim_end_matches("/s")
        .parse()
        .ok()
}

/// RSA-2048 CA, signer and TSA certificates for pyHanko, made by openssl.
fn reference_keys(dir: &Path) -> anyhow::Result<()> {
    let openssl = |args: &[&str]| -> anyhow::Result<()> {
        shell::output(Command::new("openssl").args(args).current_dir(dir))
            .map(drop)
            .with_context(|| format!("openssl {}", args.join(" ")))
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
        "-subj",
        "/CN=Bench CA",
        "-days",
        "30",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ])?;
    std::fs::write(
        dir.join("signer.ext"),
        "keyUsage=critical,digitalSignature,nonRepudiation\n",
    )?;
    std::fs::write(
        dir.join("tsa.ext"),
        "extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n",
    )?;
    for (name, subject) in [("signer", "/CN=Bench Signer"), ("tsa", "/CN=Bench TSA")] {
        let key = if name == "signer" {
            "key.pem".to_owned()
        } else {
            format!("{name}-key.pem")
        };
        let cert = if name == "signer" {
            "cert.pem".to_owned()
        } else {
            format!("{name}.pem")
        };
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &format!("{name}.csr"),
            "-subj",
            subject,
        ])?;
        openssl(&[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
            "-CAcreateserial",
            "-out",
            &cert,
            "-days",
            "30",
            "-extfile",
            &format!("{name}.ext"),
        ])?;
    }
    Ok(())
}

fn pdf(root: &Path) -> anyhow::Result<()> {
    prereqs::python_venv()?;
    let dir = std::env::temp_dir().join(format!("signet-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    reference_keys(&dir)?;
    let fixture = root.join("crates/pdf/tests/fixtures/libreoffice-contract10.pdf");
    let ours = shell::output(
        cargo()
            .args([
                "run",
                "--quiet",
                "--release",
                "-p",
                "signet-pdf",
                "--example",
                "bench",
                "--",
                ROUNDS,
            ])
            .current_dir(root),
    )
    .context("signet-pdf bench failed")?;
    let python = prereqs::venv_dir().join("bin/python");
    let reference = shell::output(
        Command::new(python)
            .arg(root.join("xtask/bench/pyhanko_pdf.py"))
            .arg(&dir)
            .arg(ROUNDS)
            .arg(&fixture),
    )
    .context("pyHanko reference failed")?;
    let _ = std::fs::remove_dir_all(&dir);
    let (Some(sign), Some(verify)) = (rate(&ours, "pdf sign"), rate(&ours, "pdf verify")) else {
        bail!("could not read signet-pdf figures from:\n{ours}");
    };
    let (Some(py_sign), Some(py_verify)) = (
        rate(&reference, "pyhanko sign"),
        rate(&reference, "pyhanko verify"),
    ) else {
        bail!("could not read pyHanko figures from:\n{reference}");
    };
    println!(
        "\nPDF, 10-page LibreOffice contract, RSA-2048, B-T with an in-process TSA, {ROUNDS} rounds each:"
    );
    println!("| operation | Signet /s | pyHanko /s | ratio | goal |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| sign B-T | {sign:.1} | {py_sign:.1} | {:.1}x | >= 20x |",
        sign / py_sign
    );
    println!(
        "| verify | {verify:.1} | {py_verify:.1} | {:.1}x | >= 10x |",
        verify / py_verify
    );
    Ok(())
}

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        None | Some("pdf") => pdf(root),
        Some(other) => bail!("unknown benchmark {other}; available: pdf"),
    }
}
