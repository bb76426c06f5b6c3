//! Checks of the files `examples/labour-contracts.sh` writes: `launch.json` well-formed (rows
//! numbered as in Excel, `ok` exactly when there is no error), one completed contract and one
//! evidence package per passing row, every contract accepted by `signet verify` (the
//! enterprise's signature under `enterprise.pem`, after the employee's, and its riding seal's
//! slices, one signature per page), by pdfsig and by pyHanko with the CA roots as trust, and
//! every package by `signet verify --evidence`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail, ensure};
use serde_json::Value;

use crate::{prereqs, shell};

/// One row of `launch.json`.
#[derive(Debug, PartialEq, Eq)]
pub struct LaunchRow {
    pub row: u64,
    pub ok: bool,
    pub errors: usize,
}

/// Reads `launch.json`: `[{"row": 2, "ok": true, "errors": []}, …]`, rows from 2 (the header is
/// row 1), each once, in order; `ok` exactly when `errors` is empty; each error names its code.
pub fn launch_rows(text: &str) -> anyhow::Result<Vec<LaunchRow>> {
    let value: Value = serde_json::from_str(text).context("launch.json is not JSON")?;
    let rows = value.as_array().context("launch.json is not an array")?;
    let mut out: Vec<LaunchRow> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let number = row["row"]
            .as_u64()
            .with_context(|| format!("launch.json[{i}] has no row number"))?;
        let ok = row["ok"]
            .as_bool()
            .with_context(|| format!("launch.json[{i}] has no ok"))?;
        let errors = row["errors"]
            .as_array()
            .with_context(|| format!("launch.json[{i}] has no errors array"))?;
        ensure!(
            number >= 2,
            "launch.json[{i}]: row {number} is not a data row"
        );
        ensure!(
            out.last().is_none_or(|last| last.row < number),
            "launch.json[{i}]: row {number} is out of order or repeated"
        );
        ensure!(
            ok == errors.is_empty(),
            "launch.json[{i}]: ok is {ok} with {} errors",
            errors.len()
        );
        ensure!(
            errors
                .iter()
                .all(|e| e["code"].as_str().is_some_and(|c| !c.is_empty())),
            "launch.json[{i}]: an error without a code"
        );
        out.push(LaunchRow {
            row: number,
            ok,
            errors: errors.len(),
        });
    }
    ensure!(!out.is_empty(), "launch.json lists no row");
    Ok(out)
}

/// The files of `dir` ending in `.extension`, sorted.
fn files(dir: &Path, extension: &str) -> anyhow::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == extension))
        .collect();
    out.sort();
    Ok(out)
}

/// The served root of the `ecc` hierarchy as PEM, the only trust anchor: the persons' and the
/// enterprise's certificates, the TSA and the platform's evidence signer all chain to it.
fn trust_roots(base: &str, work: &Path) -> anyhow::Result<PathBuf> {
    let der = work.join("ecc-root.der");
    shell::run(
        Command::new("curl")
            .args(["-fsS", "-o"])
            .arg(&der)
            .arg(format!("{base}/pki/ecc-root/ca.crt")),
    )?;
    let roots = work.join("roots.pem");
    shell::run(
        Command::new("openssl")
            .args(["x509", "-inform", "DER", "-in"])
            .arg(&der)
            .arg("-out")
            .arg(&roots),
    )?;
    Ok(roots)
}

/// A PEM certificate's serial, lower-case hex without leading zeros.
fn serial(cert: &Path) -> anyhow::Result<String> {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-serial", "-in"])
        .arg(cert)
        .output()
        .context("running openssl x509")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let hex = text
        .trim()
        .strip_prefix("serial=")
        .with_context(|| format!("no serial in {}", cert.display()))?;
    Ok(normalise_serial(hex))
}

fn normalise_serial(hex: &str) -> String {
    let lower = hex.trim().to_ascii_lowercase();
    let trimmed = lower.trim_start_matches('0');
    if trimmed.is_empty() { "0" } else { trimmed }.to_owned()
}

/// The riding seal's slices in a `signet verify --json` report: signature fields named
/// `RidingSeal…`, every one the enterprise's (`enterprise.pem`'s serial), one on each page of a
/// run of at least two consecutive pages. Returns how many there are.
pub fn riding_slices(report: &Value, enterprise: &str) -> anyhow::Result<usize> {
    let signatures = report["signatures"].as_array().cloned().unwrap_or_default();
    let mut pages = Vec::new();
    for slice in signatures.iter().filter(|s| {
        s["field"]
            .as_str()
            .is_some_and(|f| f.starts_with("RidingSeal"))
    }) {
        let serial = slice["certificate"]["serial"]
            .as_str()
            .map(normalise_serial)
            .unwrap_or_default();
        ensure!(
            serial == enterprise,
            "a riding-seal slice is not the enterprise's signature ({serial})"
        );
        pages.push(
            slice["page"]
                .as_u64()
                .context("a riding-seal slice without its page")?,
        );
    }
    pages.sort_unstable();
    ensure!(
        pages.len() >= 2,
        "no riding seal: {} slices (one per page, at least two)",
        pages.len()
    );
    ensure!(
        pages.windows(2).all(|w| w[1] == w[0] + 1),
        "the riding seal's slices are not one per page of a run: pages {pages:?}"
    );
    Ok(pages.len())
}

/// `signet verify --json`: every signature valid and trusted; the approval signatures (not the
/// document timestamps) are more than the two parties — the employee's, the enterprise's and
/// its riding seal's slices ([`riding_slices`]) — the last one the enterprise's
/// (`enterprise.pem`'s serial) and an earlier one another certificate's (the employee's); a
/// document timestamp closes the file (B-LTA).
fn signet_verify(signet: &Path, pdf: &Path, roots: &Path, enterprise: &str) -> anyhow::Result<()> {
    let out = Command::new(signet)
        .args(["verify", "--json", "--trust"])
        .arg(roots)
        .arg(pdf)
        .output()
        .context("running signet verify")?;
    ensure!(
        out.status.success(),
        "signet verify refused {}: {}{}",
        pdf.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).context("signet verify --json")?;
    ensure!(
        report["all_valid"] == Value::Bool(true),
        "{}: not all valid",
        pdf.display()
    );
    let signatures = report["signatures"].as_array().cloned().unwrap_or_default();
    let serials: Vec<String> = signatures
        .iter()
        .filter(|s| s["kind"] == "signature")
        .filter_map(|s| s["certificate"]["serial"].as_str().map(normalise_serial))
        .collect();
    ensure!(
        serials.len() >= 2 && serials.last().is_some_and(|s| s == enterprise),
        "{}: the last signature is not the enterprise's ({enterprise}): {serials:?}",
        pdf.display()
    );
    ensure!(
        serials.iter().any(|s| s != enterprise),
        "{}: no signature by the employee",
        pdf.display()
    );
    let slices = riding_slices(&report, enterprise).with_context(|| pdf.display().to_string())?;
    ensure!(
        serials.len() == 2 + slices,
        "{}: {} approval signatures, expected the two parties' and {slices} riding-seal slices",
        pdf.display(),
        serials.len()
    );
    ensure!(
        signatures
            .last()
            .is_some_and(|s| s["kind"] == "document-timestamp"),
        "{}: no closing document timestamp (B-LTA)",
        pdf.display()
    );
    Ok(())
}

/// Whether a validator that is missing may be skipped (outside CI, with a warning).
fn missing(tool: &str) -> anyhow::Result<()> {
    if shell::is_ci() {
        bail!("{tool} is required when CI=true");
    }
    eprintln!("SKIPPED: {tool} not found");
    Ok(())
}

/// A fresh NSS database trusting the roots, for pdfsig; `None` without certutil.
fn nss_database(roots: &Path, work: &Path) -> anyhow::Result<Option<String>> {
    if !shell::has_program("certutil") {
        missing("certutil")?;
        return Ok(None);
    }
    let dir = work.join("nss");
    std::fs::create_dir_all(&dir)?;
    let db = format!("sql:{}", dir.display());
    shell::run(Command::new("certutil").args(["-N", "--empty-password", "-d", &db]))?;
    let pem = std::fs::read_to_string(roots)?;
    for (i, block) in pem
        .split_inclusive("-----END CERTIFICATE-----")
        .filter(|b| b.contains("BEGIN"))
        .enumerate()
    {
        let path = work.join(format!("root{i}.pem"));
        std::fs::write(&path, block.trim())?;
        shell::run(
            Command::new("certutil")
                .args([
                    "-A",
                    "-d",
                    &db,
                    "-t",
                    "CT,C,C",
                    "-n",
                    &format!("root{i}"),
                    "-i",
                ])
                .arg(&path),
        )?;
    }
    Ok(Some(db))
}

/// poppler's pdfsig: every signature (document timestamps aside) valid, and the certificate of
/// each signer's first signature trusted.
fn pdfsig(pdf: &Path, db: &str) -> anyhow::Result<()> {
    let out = Command::new("pdfsig")
        .args(["-nssdir", db, "-no-ocsp"])
        .arg(pdf)
        .output()
        .context("running pdfsig")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    ensure!(
        pdfsig_accepts(&text),
        "pdfsig refused {}:\n{text}{}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

/// Whether pdfsig's report accepts the file. The closing document timestamp is left out:
/// pdfsig does not validate those ("Signature Type: unknown"); signet verify and pyHanko do.
/// poppler 22.12 with NSS reports "Unknown issue with Certificate" for the second and later
/// signatures made with a certificate already seen in the same file (an enterprise's riding-seal
/// slices and its main seal; `crates/pdf/tests/it/validators.rs` reproduces it with two plain
/// signatures by one signer), so only each signer's first signature must be trusted; every
/// signature must be valid.
fn pdfsig_accepts(text: &str) -> bool {
    let blocks: Vec<&str> = text
        .split("Signature #")
        .skip(1)
        .filter(|b| !b.contains("ETSI.RFC3161") && !b.contains("Signature Type: unknown"))
        .collect();
    let mut seen = Vec::new();
    !blocks.is_empty()
        && blocks.iter().all(|b| {
            let signer = b
                .lines()
                .find(|l| l.contains("Signer full Distinguished Name"))
                .unwrap_or_default();
            let first = !seen.contains(&signer);
            seen.push(signer);
            b.contains("Signature Validation: Signature is Valid.")
                && (!first || b.contains("Certificate Validation: Certificate is Trusted."))
        })
}

/// pyHanko's `sign validate` with the roots as the only trust.
fn pyhanko(tool: &Path, pdf: &Path, roots: &Path) -> anyhow::Result<()> {
    let out = Command::new(tool)
        .args([
            "sign",
            "validate",
            "--pretty-print",
            "--trust-replace",
            "--trust",
        ])
        .arg(roots)
        .arg(pdf)
        .output()
        .context("running pyhanko")?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    ensure!(
        out.status.success() && !text.contains("INVALID") && !text.contains("INDETERMINATE"),
        "pyHanko refused {}:\n{text}",
        pdf.display()
    );
    Ok(())
}

/// Checks `OUT_DIR` of `examples/labour-contracts.sh`, with `signet` the CLI and `work` a
/// scratch directory.
pub fn check_labour_contracts(
    base: &str,
    out: &Path,
    signet: &Path,
    work: &Path,
) -> anyhow::Result<()> {
    let rows = launch_rows(
        &std::fs::read_to_string(out.join("launch.json")).context("reading launch.json")?,
    )?;
    let passing = rows.iter().filter(|r| r.ok).count();
    ensure!(passing > 0, "launch.json: no row passed");
    let workbook = std::fs::read(out.join("rows-template.xlsx")).context("rows-template.xlsx")?;
    ensure!(
        workbook.starts_with(b"PK\x03\x04"),
        "rows-template.xlsx is not an .xlsx"
    );
    let contracts = files(&out.join("contracts"), "pdf")?;
    let packages = files(&out.join("evidence"), "zip")?;
    ensure!(
        contracts.len() == passing && packages.len() == passing,
        "{passing} rows passed but there are {} contracts and {} evidence packages",
        contracts.len(),
        packages.len()
    );
    std::fs::create_dir_all(work)?;
    let roots = trust_roots(base, work)?;
    let enterprise = serial(&out.join("enterprise.pem"))?;
    let nss = nss_database(&roots, work)?;
    let pyhanko_tool = prereqs::venv_dir().join("bin").join("pyhanko");
    let have_pyhanko = pyhanko_tool.is_file();
    if !have_pyhanko {
        missing("pyHanko (the venv of `cargo xtask test`)")?;
    }
    let have_pdfsig = shell::has_program("pdfsig");
    if !have_pdfsig {
        missing("pdfsig")?;
    }
    for pdf in &contracts {
        signet_verify(signet, pdf, &roots, &enterprise)?;
        if let (true, Some(db)) = (have_pdfsig, &nss) {
            pdfsig(pdf, db)?;
        }
        if have_pyhanko {
            pyhanko(&pyhanko_tool, pdf, &roots)?;
        }
    }
    for package in &packages {
        let out = Command::new(signet)
            .args(["verify", "--trust"])
            .arg(&roots)
            .arg("--evidence")
            .arg(package)
            .output()
            .context("running signet verify --evidence")?;
        ensure!(
            out.status.success(),
            "signet verify --evidence refused {}: {}{}",
            package.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    eprintln!(
        "labour-contracts.sh: launch.json lists {} rows ({passing} passed); {} contracts pass \
         signet verify (the enterprise last, under enterprise.pem), pdfsig{} and pyHanko{}; {} \
         evidence packages pass signet verify --evidence",
        rows.len(),
        contracts.len(),
        if have_pdfsig { "" } else { " (skipped)" },
        if have_pyhanko { "" } else { " (skipped)" },
        packages.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{LaunchRow, launch_rows, normalise_serial, pdfsig_accepts};

    fn block(n: u32, who: &str, signature: &str, certificate: &str) -> String {
        format!(
            "Signature #{n}:\n  - Signer full Distinguished Name: CN={who}\n  - Signature Type: \
             ETSI.CAdES.detached\n  - Signature Validation: {signature}\n  - Certificate \
             Validation: {certificate}\n"
        )
    }

    #[test]
    fn pdfsig_must_trust_each_signers_first_signature_and_find_every_one_valid() {
        const VALID: &str = "Signature is Valid.";
        const TRUSTED: &str = "Certificate is Trusted.";
        const UNKNOWN: &str = "Unknown issue with Certificate or corrupted data.";
        let riding = [
            block(1, "person", VALID, TRUSTED),
            block(2, "firm", VALID, TRUSTED),
            block(3, "firm", VALID, UNKNOWN),
            block(4, "firm", VALID, TRUSTED),
        ]
        .concat();
        assert!(pdfsig_accepts(&riding));
        let first_untrusted = [
            block(1, "person", VALID, TRUSTED),
            block(2, "firm", VALID, UNKNOWN),
            block(3, "firm", VALID, TRUSTED),
        ]
        .concat();
        assert!(!pdfsig_accepts(&first_untrusted));
        let invalid = [
            block(1, "person", VALID, TRUSTED),
            block(2, "firm", VALID, TRUSTED),
            block(3, "firm", "Signature is Invalid.", UNKNOWN),
        ]
        .concat();
        assert!(!pdfsig_accepts(&invalid));
        assert!(!pdfsig_accepts("no signatures"));
    }

    #[test]
    fn launch_json_is_read_and_its_rules_held() {
        let rows = launch_rows(
            r#"[{"row": 2, "ok": true, "errors": []},
                {"row": 4, "ok": false, "errors": [{"column": "身份证号", "code": "value_invalid", "zh": "", "en": ""}]}]"#,
        )
        .unwrap();
        assert_eq!(
            rows,
            vec![
                LaunchRow {
                    row: 2,
                    ok: true,
                    errors: 0
                },
                LaunchRow {
                    row: 4,
                    ok: false,
                    errors: 1
                }
            ]
        );
        for bad in [
            "{}",
            "[]",
            r#"[{"row": 1, "ok": true, "errors": []}]"#,
            r#"[{"row": 2, "ok": false, "errors": []}]"#,
            r#"[{"row": 2, "ok": true, "errors": [{"code": "x"}]}]"#,
            r#"[{"row": 3, "ok": true, "errors": []}, {"row": 2, "ok": true, "errors": []}]"#,
            r#"[{"row": 2, "ok": false, "errors": [{"column": null}]}]"#,
        ] {
            assert!(launch_rows(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn riding_slices_are_the_enterprises_one_per_page() {
        let slice = |page: u64, serial: &str| {
            serde_json::json!({"field": format!("RidingSeal{page}"), "page": page,
                "certificate": {"serial": serial}})
        };
        let main = serde_json::json!({"field": "Signature1", "page": 2,
            "certificate": {"serial": "0a"}});
        let report =
            serde_json::json!({"signatures": [slice(1, "0A"), slice(2, "0a"), main.clone()]});
        assert_eq!(super::riding_slices(&report, "a").unwrap(), 2);
        let none = serde_json::json!({"signatures": [main.clone()]});
        assert!(super::riding_slices(&none, "a").is_err(), "no riding seal");
        let stranger = serde_json::json!({"signatures": [slice(1, "0a"), slice(2, "0b")]});
        assert!(
            super::riding_slices(&stranger, "a").is_err(),
            "a slice by another"
        );
        let gap = serde_json::json!({"signatures": [slice(1, "0a"), slice(3, "0a")]});
        assert!(super::riding_slices(&gap, "a").is_err(), "a page left out");
    }

    #[test]
    fn serials_compare_without_case_or_leading_zeros() {
        assert_eq!(normalise_serial("00AB12"), "ab12");
        assert_eq!(normalise_serial("000"), "0");
    }
}
