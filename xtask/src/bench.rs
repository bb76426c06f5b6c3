//! `cargo xtask bench [pdf|pki|contracts]`: performance measured beside a reference run on the same
//! machine in the same invocation, printed as ratios (contracts: beside the goals). Never a
//! pass/fail test.

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};

use crate::prereqs;
use crate::shell::{self, cargo};

/// How long pyHanko may take to validate a riding-sealed file (202 signatures) in the bench.
const PYHANKO_RIDING_LIMIT_SECONDS: u32 = 180;

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
        "| verify | {verify:.1} | {py_verify:.1} | {:.1}x | >= 20x |",
        verify / py_verify
    );
    // The memory figure on a large file stands beside the table.
    for line in ours.lines().filter(|l| l.starts_with("pdf 200-page")) {
        println!("\n{line}");
    }
    real_files(root)
}

/// One operation in its own process: `(seconds, peak RSS in MiB)` from its last line.
fn measured(command: &mut Command) -> anyhow::Result<(f64, f64)> {
    let out = shell::output(command).context("benchmark process failed")?;
    let field = |name: &str| -> Option<f64> {
        out.lines().rev().find_map(|line| {
            line.split_whitespace()
                .find_map(|f| f.strip_prefix(name)?.parse().ok())
        })
    };
    match (field("seconds="), field("peak_rss_kib=")) {
        (Some(seconds), Some(kib)) => Ok((seconds, kib / 1024.0)),
        _ => bail!("no figures in:\n{out}"),
    }
}

/// Signing and verifying real files (a 200-page img2pdf scan, a 60-page `LibreOffice` contract
/// in Chinese, and the 201-page text our own writer makes): each operation in a process of its
/// own, time and peak RSS, beside pyHanko on the same file in the same run.
#[expect(
    clippy::too_many_lines,
    reason = "one table, row by row, beside the reference"
)]
fn real_files(root: &Path) -> anyhow::Result<()> {
    prereqs::bench_debian_packages()?;
    let dir = std::env::temp_dir().join(format!("signet-bench-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    reference_keys(&dir)?;
    let python = prereqs::venv_dir().join("bin/python");
    shell::output(
        Command::new(&python)
            .arg(root.join("xtask/bench/make_pdfs.py"))
            .arg(&dir),
    )
    .context("making the scan and the LibreOffice contract")?;
    let ours = |operation: &str, input: &Path, output: &Path| {
        measured(
            cargo()
                .args(["run", "--quiet", "--release", "-p", "signet-pdf"])
                .args(["--example", "bench_file", "--"])
                .arg(&dir)
                .arg(operation)
                .arg(input)
                .arg(output)
                .current_dir(root),
        )
    };
    let theirs = |operation: &str, input: &Path, output: &Path| {
        measured(
            Command::new(&python)
                .arg(root.join("xtask/bench/pyhanko_file.py"))
                .arg(&dir)
                .arg(operation)
                .arg(input)
                .arg(output),
        )
    };
    let text = dir.join("text201.pdf");
    // Writing the text prints no figures: run it, do not measure it.
    shell::output(
        cargo()
            .args(["run", "--quiet", "--release", "-p", "signet-pdf"])
            .args(["--example", "bench_file", "--"])
            .arg(&dir)
            .arg("make-text")
            .arg(&text)
            .arg(&text)
            .current_dir(root),
    )
    .context("writing the 201-page text")?;
    println!("\nPDF, real files, RSA-2048, in-process TSA; each operation in its own process:");
    println!(
        "| file | operation | Signet s | Signet peak MiB | pyHanko s | pyHanko peak MiB | goal |"
    );
    println!("|---|---|---:|---:|---:|---:|---|");
    let mut timestamps = None;
    for (name, label) in [
        ("scan.pdf", "200-page scan (img2pdf)"),
        ("contract60.pdf", "60-page contract (LibreOffice, CJK)"),
        ("text201.pdf", "201-page text (our writer)"),
    ] {
        let input = dir.join(name);
        #[expect(clippy::cast_precision_loss, reason = "a file size for display")]
        let size = std::fs::metadata(&input)?.len() as f64 / (1024.0 * 1024.0);
        let label = format!("{label}, {size:.1} MiB");
        let memory_goal = format!("peak <= {:.0} MiB", size + 40.0);
        let (bt, lta, py_bt) = (
            dir.join(format!("{name}.bt.pdf")),
            dir.join(format!("{name}.lta.pdf")),
            dir.join(format!("{name}.py.pdf")),
        );
        let row = |operation: &str, ours: (f64, f64), theirs: Option<(f64, f64)>, goal: &str| {
            let (py_s, py_m) = theirs.map_or(("-".into(), "-".into()), |(s, m)| {
                (format!("{s:.2}"), format!("{m:.0}"))
            });
            println!(
                "| {label} | {operation} | {:.2} | {:.0} | {py_s} | {py_m} | {goal} |",
                ours.0, ours.1
            );
        };
        let sign_bt = ours("sign-bt", &input, &bt)?;
        row(
            "sign B-T",
            sign_bt,
            Some(theirs("sign-bt", &input, &py_bt)?),
            &memory_goal,
        );
        let sign_lta = ours("sign-riding", &input, &lta)?;
        row(
            "sign B-LTA, seal + riding seal over all pages",
            sign_lta,
            None,
            &format!("<= {:.2} s (10x sign B-T); {memory_goal}", sign_bt.0 * 10.0),
        );
        if name == "scan.pdf" {
            // What the slices' signature timestamps cost: the same seals with and without them.
            let (with, _) = ours("sign-riding-bt", &input, &dir.join("out.pdf"))?;
            let with_size = std::fs::metadata(dir.join("out.pdf"))?.len();
            let (without, _) = ours("sign-riding-bb", &input, &dir.join("out.pdf"))?;
            let without_size = std::fs::metadata(dir.join("out.pdf"))?.len();
            let pages = 200.0;
            #[expect(clippy::cast_precision_loss, reason = "file sizes for display")]
            let grown = (with_size as f64 - without_size as f64) / (pages + 1.0) / 1024.0;
            timestamps = Some(format!(
                "riding seal over the scan at B-T {with:.2} s, at B-B (no timestamps) {without:.2} s: \
                 {:.2} ms and {grown:.1} KiB of file per signature timestamp (in-process TSA)",
                (with - without) * 1000.0 / (pages + 1.0)
            ));
        }
        let verify_bt = ours("verify", &bt, &dir.join("out"))?;
        row(
            "verify the B-T file",
            verify_bt,
            Some(theirs("verify", &bt, &dir.join("out"))?),
            &memory_goal,
        );
        let verify_lta = ours("verify", &lta, &dir.join("out"))?;
        // pyHanko checks every revision after each of the 202 signatures: it gets a bounded
        // time, and a run past it is shown as a lower bound.
        let limit = PYHANKO_RIDING_LIMIT_SECONDS;
        let py_lta = measured(
            Command::new("timeout")
                .arg(limit.to_string())
                .arg(&python)
                .arg(root.join("xtask/bench/pyhanko_file.py"))
                .arg(&dir)
                .arg("verify")
                .arg(&lta)
                .arg(dir.join("out")),
        )
        .ok();
        if py_lta.is_none() {
            println!(
                "| {label} | pyHanko verify of the riding-sealed file | | | > {limit} s (stopped) | | |"
            );
        }
        row(
            "verify the riding-sealed file",
            verify_lta,
            py_lta,
            &format!(
                "<= {:.2} s (3x verify B-T); {memory_goal}",
                verify_bt.0 * 3.0
            ),
        );
    }
    if let Some(line) = timestamps {
        println!("\n{line}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// `openssl speed` sign rates, by the bench's labels.
fn openssl_speed() -> anyhow::Result<[(&'static str, f64); 4]> {
    let out = shell::output(Command::new("openssl").args([
        "speed",
        "-seconds",
        "3",
        "rsa2048",
        "rsa3072",
        "ecdsap256",
        "sm2",
    ]))
    .context("openssl speed failed")?;
    // "rsa 2048 bits 0.000600s 0.000018s 1666.0 55000.0", "256 bits ecdsa (nistp256) … sign/s verify/s"
    let sign_rate = |needle: &str, column_from_end: usize| -> Option<f64> {
        let line = out.lines().find(|l| l.contains(needle))?;
        let fields: Vec<&str> = line.split_whitespace().collect();
        fields
            .get(fields.len().checked_sub(column_from_end)?)?
            .parse()
            .ok()
    };
    match (
        sign_rate("rsa 2048 bits", 2),
        sign_rate("rsa 3072 bits", 2),
        sign_rate("ecdsa (nistp256)", 2),
        sign_rate("SM2 (CurveSM2)", 2),
    ) {
        (Some(rsa2048), Some(rsa3072), Some(ecc), Some(sm2)) => Ok([
            ("rsa2048", rsa2048),
            ("rsa3072", rsa3072),
            ("ecc", ecc),
            ("sm2", sm2),
        ]),
        _ => bail!("could not read openssl speed output:\n{out}"),
    }
}

fn pki(root: &Path) -> anyhow::Result<()> {
    println!(
        "Debian packages (wrk, nginx): {}",
        prereqs::bench_pki_debian_packages()?
    );
    let references = openssl_speed()?;
    let ours = shell::output(
        cargo()
            .args([
                "run",
                "--quiet",
                "--release",
                "-p",
                "signet-server",
                "--example",
                "bench_pki",
                "--",
                "3",
                "--wrk",
            ])
            .current_dir(root),
    )
    .context("bench_pki failed")?;
    let figure =
        |name: &str| rate(&ours, name).with_context(|| format!("no `{name}` figure in:\n{ours}"));
    println!(
        "\nCA, one process on this machine ({} cores), 3 s per figure; reference: openssl speed, same run:",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    println!("| figure | Signet /s | openssl sign /s | ratio | goal |");
    println!("|---|---:|---:|---:|---|");
    for (label, reference) in references {
        let issued = figure(&format!("issue {label} without database"))?;
        println!(
            "| issue {label} (CA key), no database write, one core | {issued:.0} | {reference:.0} | {:.0}% | >= 50% |",
            100.0 * issued / reference
        );
    }
    for (label, what) in [
        ("rsa", "rsa3072 CA, one at a time"),
        ("ecc", "ecc, one at a time"),
    ] {
        let issued = figure(&format!("issue {label} with database"))?;
        println!("| issue {what}, SQLite write and audit event each | {issued:.0} | | | |");
    }
    println!(
        "| issue ecc in batches of 1,000, each CSR's signature checked, SQLite write, one audit event a batch | {:.0} | | | |",
        figure("issue ecc in batches with database")?
    );
    println!(
        "| issue ecc in batches of 1,000, key made elsewhere (public key given), SQLite write, one audit event a batch | {:.0} | | | >= 10,000/s |",
        figure("issue ecc in batches from public keys with database")?
    );
    println!(
        "| OCSP answers over HTTP (32 clients in the bench process, same machine) | {:.0} | | | |",
        figure("ocsp over http")?
    );
    let signet = figure("ocsp over http (wrk)")?;
    let nginx = figure("nginx static file of the same size (wrk)")?;
    let size = ours
        .lines()
        .find_map(|line| line.strip_prefix("ocsp answer size: "))
        .unwrap_or("? bytes")
        .to_owned();
    println!(
        "\nOCSP from outside: wrk (2 threads, 32 connections) posts the request to Signet, then GETs a \
         static file of the answer's size ({size}) from nginx, same machine, same run:"
    );
    println!("| figure | answers /s | nginx static /s | ratio | goal |");
    println!("|---|---:|---:|---:|---|");
    println!(
        "| OCSP answers over HTTP, pre-signed, measured by wrk | {signet:.0} | {nginx:.0} | {:.0}% | >= 20,000/s |",
        100.0 * signet / nginx
    );
    Ok(())
}

/// The PostgreSQL server the contracts bench uses (a fresh database is made on it).
const BENCH_DATABASE: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A figure `name: 123.4/s …` of the contracts bench.
fn per_second(output: &str, prefix: &str) -> anyhow::Result<f64> {
    output
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .and_then(|rest| rest.trim_start_matches(':').split_whitespace().next())
        .and_then(|v| v.trim_end_matches("/s").parse().ok())
        .with_context(|| format!("no `{prefix}` figure in:\n{output}"))
}

/// A `key=value` figure on the line starting with `prefix`.
fn field(output: &str, prefix: &str, key: &str) -> anyhow::Result<f64> {
    output
        .lines()
        .filter(|l| l.starts_with(prefix))
        .find_map(|l| {
            l.split_whitespace()
                .find_map(|f| f.strip_prefix(key)?.trim_end_matches(')').parse().ok())
        })
        .with_context(|| format!("no `{key}` on `{prefix}` in:\n{output}"))
}

/// `contracts [ROWS]`: a bulk launch of a ROWS-row workbook (10,000 by default) on SQLite and on
/// PostgreSQL — rows/s for the upload's checks and for the launch job, the process's peak RSS —
/// and signatures/s through the signing path with 16 signers at once; each in its own process.
fn contracts(root: &Path, rows: &str) -> anyhow::Result<()> {
    let database =
        std::env::var("SIGNET_BENCH_DATABASE_URL").unwrap_or_else(|_| BENCH_DATABASE.into());
    let run = |args: &[&str], postgres: bool| -> anyhow::Result<String> {
        let mut command = cargo();
        command
            .args([
                "run",
                "--quiet",
                "--release",
                "-p",
                "signet-server",
                "--example",
                "bench_contracts",
                "--",
            ])
            .args(args)
            .current_dir(root);
        if postgres {
            command.env("SIGNET_TEST_DATABASE_URL", &database);
        } else {
            command.env_remove("SIGNET_TEST_DATABASE_URL");
        }
        shell::output(&mut command)
            .with_context(|| format!("bench_contracts {} failed", args.join(" ")))
    };
    let mut launch_runs = Vec::new();
    let mut signatures = Vec::new();
    for postgres in [false, true] {
        launch_runs.push(run(&["launch", rows], postgres)?);
        signatures.push(run(&["sign", "10", "16"], postgres)?);
    }
    let launch_prefix = format!("contracts launch {rows} rows");
    let check_prefix = format!("contracts validate {rows} rows");
    let pair = |outs: &[String],
                f: &dyn Fn(&str) -> anyhow::Result<f64>|
     -> anyhow::Result<(f64, f64)> { Ok((f(&outs[0])?, f(&outs[1])?)) };
    let checked = pair(&launch_runs, &|o| per_second(o, &check_prefix))?;
    let launched = pair(&launch_runs, &|o| per_second(o, &launch_prefix))?;
    let launch_seconds = pair(&launch_runs, &|o| field(o, &launch_prefix, "seconds="))?;
    let check_seconds = pair(&launch_runs, &|o| field(o, &check_prefix, "seconds="))?;
    let peak = pair(&launch_runs, &|o| {
        field(o, "contracts peak", "peak_rss_kib=").map(|k| k / 1024.0)
    })?;
    let setup = pair(&launch_runs, &|o| {
        field(o, "contracts setup", "peak_rss_kib=").map(|k| k / 1024.0)
    })?;
    let signed = pair(&signatures, &|o| {
        per_second(o, "contracts sign (16 signers at once)")
    })?;
    println!(
        "\nContracts, bulk launch of a {rows}-row workbook (two-page labour template, six fields, page QR \
         codes and page numbers; rows over 100 real-named persons) and signing; this machine, {} cores:",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    println!("| figure | SQLite | PostgreSQL | goal |");
    println!("|---|---:|---:|---|");
    println!(
        "| rows checked /s (upload: read, every value, each person looked up) | {:.0} | {:.0} | |",
        checked.0, checked.1
    );
    println!(
        "| checking {rows} rows, s | {:.1} | {:.1} | |",
        check_seconds.0, check_seconds.1
    );
    println!(
        "| rows launched /s (job: fill, store, task, quota, SMS outbox) | {:.0} | {:.0} | |",
        launched.0, launched.1
    );
    println!(
        "| launching {rows} rows, s | {:.1} | {:.1} | < 30 s on SQLite |",
        launch_seconds.0, launch_seconds.1
    );
    println!(
        "| peak RSS of the launch process, MiB | {:.0} | {:.0} | < 500 MB |",
        peak.0, peak.1
    );
    println!(
        "| of which before the upload (CA, 100 persons, template), MiB | {:.0} | {:.0} | |",
        setup.0, setup.1
    );
    println!(
        "| signatures /s, 16 signers at once (intent confirmed; stamp, PAdES B-T with the platform TSA, store, move) | {:.1} | {:.1} | >= 200/s |",
        signed.0, signed.1
    );
    Ok(())
}

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        None => {
            pdf(root)?;
            pki(root)
        }
        Some("pdf") => pdf(root),
        Some("pki") => pki(root),
        Some("contracts") => contracts(root, args.get(1).map_or("10000", String::as_str)),
        Some(other) => bail!("unknown benchmark {other}; available: pdf, pki, contracts"),
    }
}
