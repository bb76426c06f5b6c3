//! PDF text strings: decode PDFDocEncoding / UTF-16BE for reports.

/// Decode a PDF text string (UTF-16BE with BOM, else Latin-1-ish PDFDocEncoding).
pub fn decode_text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_owned();
    }
    bytes.iter().map(|b| char::from(*b)).collect()
}
