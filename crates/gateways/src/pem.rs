//! Reading the PEM files vendors hand out (`-----BEGIN PRIVATE KEY-----`, `PUBLIC KEY`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::ConfigError;

/// The DER inside the first PEM block labelled `label`. Alipay's console hands out keys as a
/// bare base64 line without armour; that is accepted too.
pub fn der(text: &str, label: &str) -> Result<Vec<u8>, ConfigError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let body = match (text.find(&begin), text.find(&end)) {
        (Some(start), Some(stop)) if start < stop => &text[start + begin.len()..stop],
        (None, None) if !text.contains("-----") => text,
        _ => return Err(ConfigError(format!("no {label} PEM block"))),
    };
    let base64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD
        .decode(base64)
        .map_err(|e| ConfigError(format!("{label}: bad base64: {e}")))
}

/// [`der`] of a file.
pub fn der_file(path: &std::path::Path, label: &str) -> Result<Vec<u8>, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
    der(&text, label).map_err(|e| ConfigError(format!("{}: {e}", path.display())))
}

/// PEM armour around `der`, 64 columns.
pub fn encode(der: &[u8], label: &str) -> String {
    let base64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in base64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bare_base64() {
        let pem = encode(&[1, 2, 3, 250], "PUBLIC KEY");
        assert_eq!(der(&pem, "PUBLIC KEY").unwrap(), vec![1, 2, 3, 250]);
        assert_eq!(der("AQID+g==", "PUBLIC KEY").unwrap(), vec![1, 2, 3, 250]);
        assert!(der(&pem, "PRIVATE KEY").is_err());
    }
}
