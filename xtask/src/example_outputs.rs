//! Checks of the files a walkthrough writes: `examples/certify-enterprise.sh`'s certificates
//! (verified against the served `ecc` chain, the enterprise's subject naming it), seal images
//! (PNGs with an alpha channel) and `enterprise.json` (every id present).

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail, ensure};

use crate::examples::{fetch_chain, verify_certificate};

/// The ids `enterprise.json` must carry, as Python subscripts.
const IDS: [&str; 6] = [
    "['enterprise']['id']",
    "['administrator']['user_id']",
    "['member']['user_id']",
    "['seals']['company']",
    "['seals']['legal_rep']",
    "['seals']['name']",
];

/// One value of `enterprise.json` (read with python3, which the walkthroughs need anyway).
fn json_value(file: &Path, subscript: &str) -> anyhow::Result<String> {
    let out = Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import json,sys; print(json.load(open(sys.argv[1])){subscript})"
        ))
        .arg(file)
        .output()
        .context("running python3")?;
    ensure!(
        out.status.success(),
        "{} has no {subscript}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The subject of a PEM certificate, one `KEY=value` per line, UTF-8 unescaped.
fn subject(cert: &Path) -> anyhow::Result<Vec<String>> {
    let out = Command::new("openssl")
        .args([
            "x509",
            "-noout",
            "-subject",
            "-nameopt",
            "sep_multiline,utf8,-esc_msb",
            "-in",
        ])
        .arg(cert)
        .output()
        .context("running openssl x509")?;
    ensure!(
        out.status.success(),
        "openssl cannot read {}",
        cert.display()
    );
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .map(|line| line.trim().to_owned())
        .collect())
}

/// Whether the bytes are a PNG whose pixels carry alpha: colour type 4 or 6 in `IHDR`, or a
/// `tRNS` chunk.
pub fn png_has_alpha(bytes: &[u8]) -> bool {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.len() < 33 || !bytes.starts_with(SIGNATURE) || &bytes[12..16] != b"IHDR" {
        return false;
    }
    matches!(bytes[25], 4 | 6) || bytes.windows(4).any(|w| w == b"tRNS")
}

/// Checks `OUT_DIR` of `examples/certify-enterprise.sh`.
pub fn check_certify_enterprise(base: &str, out: &Path) -> anyhow::Result<()> {
    let json = out.join("enterprise.json");
    for subscript in IDS {
        let value = json_value(&json, subscript)?;
        ensure!(!value.is_empty(), "enterprise.json{subscript} is empty");
    }
    let name = json_value(&json, "['enterprise']['name']")?;
    let code = json_value(&json, "['enterprise']['credit_code']")?;
    fetch_chain(base, out)?;
    for pem in ["enterprise.pem", "person.pem", "member.pem"] {
        verify_certificate(&out.join(pem), out)?;
    }
    let fields = subject(&out.join("enterprise.pem"))?;
    for wanted in [format!("O={name}"), format!("serialNumber={code}")] {
        if !fields.contains(&wanted) {
            bail!("enterprise.pem's subject {fields:?} lacks {wanted}");
        }
    }
    for png in ["seal-company.png", "seal-legal-rep.png", "seal-name.png"] {
        let bytes = std::fs::read(out.join(png)).with_context(|| format!("reading {png}"))?;
        ensure!(png_has_alpha(&bytes), "{png} is not a PNG with alpha");
    }
    eprintln!(
        "certify-enterprise.sh: enterprise.json has every id; the three certificates verify; \
         enterprise.pem names O={name}, serialNumber={code}; the seals are PNGs with alpha"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::png_has_alpha;

    /// A PNG header with the given colour type (the rest of the file does not matter here).
    fn header(colour: u8) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08".to_vec();
        bytes.push(colour);
        bytes.extend_from_slice(&[0; 16]);
        bytes
    }

    #[test]
    fn alpha_is_read_from_the_colour_type_or_a_trns_chunk() {
        assert!(png_has_alpha(&header(6)));
        assert!(png_has_alpha(&header(4)));
        assert!(!png_has_alpha(&header(2)));
        let mut with_trns = header(2);
        with_trns.extend_from_slice(b"\0\0\0\x02tRNS\0\0");
        assert!(png_has_alpha(&with_trns));
        assert!(!png_has_alpha(
            b"GIF89a not a png at all, padded to be long enough"
        ));
    }
}
