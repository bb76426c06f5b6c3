//! Entries of a PDF's document information dictionary (`/Info`) that a program writes before
//! signing and reads back when checking: e.g. the digest of data a signed report stands for.

use lopdf::{Document, Object, dictionary};

use crate::error::{PdfError, Result};

/// `input` with `/Info` entry `key` set to the ASCII text `value` (the file is saved anew, as
/// one revision: do this before the first signature).
pub fn set(input: &[u8], key: &str, value: &str) -> Result<Vec<u8>> {
    if !value.is_ascii() {
        return Err(PdfError::InvalidRequest(format!(
            "/Info {key}: only ASCII values are written"
        )));
    }
    let mut doc = Document::load_mem(input)?;
    let existing = doc
        .trailer
        .get(b"Info")
        .ok()
        .and_then(|o| o.as_reference().ok());
    let id = if let Some(id) = existing {
        id
    } else {
        let id = doc.add_object(dictionary! {});
        doc.trailer.set("Info", id);
        id
    };
    doc.get_object_mut(id)
        .and_then(Object::as_dict_mut)?
        .set(key, Object::string_literal(value));
    let mut out = Vec::new();
    doc.save_to(&mut out)?;
    Ok(out)
}

/// The ASCII text of `/Info` entry `key` in the file's newest trailer, if there is one.
pub fn get(input: &[u8], key: &str) -> Result<Option<String>> {
    let doc = Document::load_mem(input)?;
    let Ok(info) = doc.trailer.get(b"Info") else {
        return Ok(None);
    };
    let info = match info {
        Object::Reference(id) => doc.get_object(*id)?,
        other => other,
    };
    let Ok(dict) = info.as_dict() else {
        return Ok(None);
    };
    Ok(dict
        .get(key.as_bytes())
        .ok()
        .and_then(|v| v.as_str().ok())
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use crate::document::{Block, TextDocument, render};

    #[test]
    fn an_info_entry_is_written_and_read_back() {
        let pdf = render(
            &TextDocument {
                title: "Report".into(),
                blocks: vec![Block::Paragraph("Hello".into())],
            },
            None,
        )
        .unwrap();
        assert_eq!(super::get(&pdf, "SignetEvidence").unwrap(), None);
        let marked = super::set(&pdf, "SignetEvidence", "abc123").unwrap();
        assert_eq!(
            super::get(&marked, "SignetEvidence").unwrap().as_deref(),
            Some("abc123")
        );
        assert!(super::set(&pdf, "X", "非ASCII").is_err());
    }
}
