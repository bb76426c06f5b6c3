//! Running pyHanko and poppler's pdfsig on signed files.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{fixture, missing, run, write, write_pem};

fn venv_tool(tool: &str) -> Option<PathBuf> {
    let venv = std::env::var_os("SIGNET_VENV").map(PathBuf::from)?;
    let path = venv.join("bin").join(tool);
    path.exists().then_some(path)
}

/// pyHanko's CLI (`pyhanko sign validate`): every signature intact, trusted, no disallowed
/// modification, and every certificate's revocation status checked in hard-fail mode (pyHanko
/// asks the fixture CAs' responders, [`crate::responder`]).
pub fn pyhanko(dir: &Path, pdf: &[u8]) {
    let Some(tool) = venv_tool("pyhanko") else {
        missing("pyHanko (set SIGNET_VENV to a virtualenv with pyhanko and pyhanko-cli)");
        return;
    };
    let file = write(dir, "validate.pdf", pdf);
    let roots = write_pem(dir, "roots.pem", &fixture().roots());
    let others = write_pem(dir, "others.pem", &fixture().tsa_chain());
    let (ok, text) = run(Command::new(tool)
        .args(["sign", "validate", "--trust-replace", "--trust"])
        .arg(&roots)
        .arg("--other-certs")
        .arg(&others)
        .arg(&file));
    assert!(ok, "pyHanko rejected the file:\n{text}");
    assert!(!text.contains("INVALID"), "{text}");
}

/// pyHanko with revocation data taken only from `/DSS`, no network: its legacy hard-fail check
/// and its `AdES` long-term validation (`tests/validators/pyhanko_ltv.py`). The CLI cannot switch
/// fetching off, so this is what shows the file alone carries what validation needs.
pub fn pyhanko_ltv(dir: &Path, pdf: &[u8]) {
    if let Some((ok, text)) = run_pyhanko_ltv(dir, pdf) {
        assert!(
            ok && text.contains("\n0 failed"),
            "pyHanko (DSS revocation) rejected the file:\n{text}"
        );
    }
}

/// The `/DSS`-only script's verdict and output (`None` without pyHanko).
pub fn run_pyhanko_ltv(dir: &Path, pdf: &[u8]) -> Option<(bool, String)> {
    let Some(python) = venv_tool("python") else {
        missing("pyHanko (set SIGNET_VENV)");
        return None;
    };
    let file = write(dir, "ltv.pdf", pdf);
    let roots = write_pem(dir, "roots.pem", &fixture().roots());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validators/pyhanko_ltv.py");
    Some(run(Command::new(python).arg(script).arg(&file).arg(&roots)))
}

/// pyHanko's `AdES` validation CLI (`pyhanko sign adesverify`, ETSI EN 319 102-1 with long-term
/// availability): revocation information required for every certificate, document timestamps
/// as evidence records. At the current time pyHanko also asks the responders named in the
/// certificates; when one cannot be reached that failure hides the `/DSS` answers (pyHanko
/// 0.38), which is why the fixture CAs answer over HTTP. Every regular signature must pass.
pub fn pyhanko_ades(dir: &Path, pdf: &[u8]) {
    let Some(tool) = venv_tool("pyhanko") else {
        missing("pyHanko (set SIGNET_VENV to a virtualenv with pyhanko and pyhanko-cli)");
        return;
    };
    let file = write(dir, "ades.pdf", pdf);
    let roots = write_pem(dir, "roots.pem", &fixture().roots());
    let (ok, text) = run(Command::new(tool)
        .args([
            "sign",
            "adesverify",
            "--pretty-print",
            "--trust-replace",
            "--trust",
        ])
        .arg(&roots)
        .arg(&file));
    assert!(ok, "pyHanko adesverify rejected the file:\n{text}");
    assert!(!text.contains("INVALID"), "{text}");
}

/// poppler's pdfsig: every signature (document timestamps aside: poppler 22 cannot check
/// them) valid and its certificate trusted.
pub fn pdfsig(dir: &Path, pdf: &[u8], expected: usize) {
    if Command::new("pdfsig").arg("-v").output().is_err()
        || Command::new("certutil").arg("-H").output().is_err()
    {
        missing("pdfsig and certutil (Debian poppler-utils, libnss3-tools)");
        return;
    }
    let nss = dir.join("nss");
    if !nss.exists() {
        std::fs::create_dir_all(&nss).unwrap();
        let db = format!("sql:{}", nss.display());
        let (ok, text) = run(Command::new("certutil").args(["-N", "--empty-password", "-d", &db]));
        assert!(ok, "{text}");
        for (i, root) in fixture().roots().iter().enumerate() {
            let path = write_pem(dir, &format!("root{i}.pem"), std::slice::from_ref(root));
            // Trusted for e-mail signing too: NSS checks signers with the e-mail usage.
            let (ok, text) = run(Command::new("certutil")
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
                .arg(path));
            assert!(ok, "{text}");
        }
    }
    let file = write(dir, "pdfsig.pdf", pdf);
    let (_, text) = run(Command::new("pdfsig")
        .args(["-nssdir", &format!("sql:{}", nss.display()), "-no-ocsp"])
        .arg(&file));
    let signatures = text
        .split("Signature #")
        .skip(1)
        .filter(|s| !s.contains("Signature Type: unknown"));
    let mut count = 0;
    let mut seen_signers = Vec::new();
    for block in signatures {
        count += 1;
        assert!(
            block.contains("Signature Validation: Signature is Valid."),
            "pdfsig:\n{text}"
        );
        // poppler 22.12 + NSS report "Unknown issue with Certificate" for the second and later
        // signatures made with a certificate already seen in the same file (reproduced with two
        // plain invisible signatures by one signer); the first one of each signer must be trusted.
        let signer = block
            .lines()
            .find(|l| l.contains("Signer full Distinguished Name"))
            .unwrap_or("")
            .to_owned();
        if !seen_signers.contains(&signer) {
            assert!(
                block.contains("Certificate Validation: Certificate is Trusted."),
                "pdfsig:\n{text}"
            );
            seen_signers.push(signer);
        }
    }
    assert_eq!(
        count, expected,
        "pdfsig saw another number of signatures:\n{text}"
    );
}
