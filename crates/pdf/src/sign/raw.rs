//! Byte-exact edits of existing objects: lopdf reads numbers as `f32`, so re-serialising a page
//! would change `/MediaBox` digits and validators would call it a modification. Objects we
//! change are edited as text instead, touching only the keys we add to.

use lopdf::xref::XrefEntry;
use lopdf::{Object, ObjectId};

use crate::error::{PdfError, Result};
use crate::reader::{MAX_DEPTH, Pdf, find};

fn bad(what: &str) -> PdfError {
    PdfError::Malformed(format!("object text: {what}"))
}

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | 0)
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// Skip whitespace and comments from `at`.
fn skip_space(text: &[u8], mut at: usize) -> usize {
    while at < text.len() {
        if is_white(text[at]) {
            at += 1;
        } else if text[at] == b'%' {
            while at < text.len() && text[at] != b'\n' && text[at] != b'\r' {
                at += 1;
            }
        } else {
            break;
        }
    }
    at
}

/// End of the regular token (number, keyword, name body) starting at `at`.
fn token_end(text: &[u8], mut at: usize) -> usize {
    while at < text.len() && !is_white(text[at]) && !is_delimiter(text[at]) {
        at += 1;
    }
    at
}

/// End (exclusive) of the single value starting at `at` (references `n g R` included).
pub fn value_end(text: &[u8], at: usize, depth: usize) -> Result<usize> {
    if depth > MAX_DEPTH {
        return Err(PdfError::TooDeep("object text".into()));
    }
    let first = *text.get(at).ok_or_else(|| bad("value expected"))?;
    match first {
        b'/' => Ok(token_end(text, at + 1)),
        b'(' => {
            let mut level = 0usize;
            let mut i = at;
            while i < text.len() {
                match text[i] {
                    b'\\' => i += 1,
                    b'(' => level += 1,
                    b')' => {
                        level -= 1;
                        if level == 0 {
                            return Ok(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            Err(bad("unterminated string"))
        }
        b'<' if text.get(at + 1) == Some(&b'<') => {
            let mut i = skip_space(text, at + 2);
            loop {
                if text.get(i..i + 2) == Some(b">>") {
                    return Ok(i + 2);
                }
                i = value_end(text, i, depth + 1)?;
                i = skip_space(text, i);
            }
        }
        b'<' => find(&text[at..], b">")
            .map(|e| at + e + 1)
            .ok_or_else(|| bad("unterminated hex string")),
        b'[' => {
            let mut i = skip_space(text, at + 1);
            loop {
                if text.get(i) == Some(&b']') {
                    return Ok(i + 1);
                }
                i = value_end(text, i, depth + 1)?;
                i = skip_space(text, i);
            }
        }
        _ => {
            let end = token_end(text, at);
            if end == at {
                return Err(bad("unexpected delimiter"));
            }
            // `n g R`: two integers and R.
            let is_int = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
            if is_int(&text[at..end]) {
                let g_start = skip_space(text, end);
                let g_end = token_end(text, g_start);
                if is_int(&text[g_start..g_end]) {
                    let r_start = skip_space(text, g_end);
                    if text.get(r_start) == Some(&b'R') && token_end(text, r_start) == r_start + 1 {
                        return Ok(r_start + 1);
                    }
                }
            }
            Ok(end)
        }
    }
}

/// Top-level entries of the dictionary starting at `at`: (key, value start, value end), and
/// the position of its closing `>>`.
fn entries(text: &[u8], at: usize) -> Result<(Vec<(Vec<u8>, usize, usize)>, usize)> {
    if text.get(at..at + 2) != Some(b"<<") {
        return Err(bad("dictionary expected"));
    }
    let mut out = Vec::new();
    let mut i = skip_space(text, at + 2);
    loop {
        if text.get(i..i + 2) == Some(b">>") {
            return Ok((out, i));
        }
        if text.get(i) != Some(&b'/') {
            return Err(bad("key expected"));
        }
        let key_end = token_end(text, i + 1);
        let key = text[i + 1..key_end].to_vec();
        let value_start = skip_space(text, key_end);
        let end = value_end(text, value_start, 1)?;
        out.push((key, value_start, end));
        i = skip_space(text, end);
    }
}

/// One change to a dictionary's text.
pub enum Edit<'a> {
    /// Set `key` to the value text.
    Set(&'a [u8], String),
    /// Add an item to the array at `key` (created when missing). Fails with
    /// [`Indirect`] when the array is a reference: edit that object instead.
    Append(&'a [u8], String),
    /// Apply edits to the direct dictionary at `key`.
    Nested(&'a [u8], Vec<Edit<'a>>),
}

/// The array to change lives in another object.
#[derive(Debug)]
pub struct Indirect(pub ObjectId);

/// Apply `edits` to the dictionary at the start of `text` (after whitespace).
pub fn edit_dict(
    text: &[u8],
    edits: &[Edit<'_>],
) -> Result<std::result::Result<Vec<u8>, Indirect>> {
    let start = skip_space(text, 0);
    let mut current = text.to_vec();
    for edit in edits {
        let (entries, close) = entries(&current, start)?;
        let key = match edit {
            Edit::Set(k, _) | Edit::Append(k, _) | Edit::Nested(k, _) => *k,
        };
        let found = entries.iter().find(|(k, _, _)| k == key);
        let replacement: (usize, usize, Vec<u8>) = match (edit, found) {
            (Edit::Set(_, value), Some((_, s, e))) => {
                // `/Key<<…>>` replaced by `n 0 R` needs a space, or the key would absorb it.
                let space = if is_white(current[*s - 1]) { "" } else { " " };
                (*s, *e, format!("{space}{value}").into_bytes())
            }
            (Edit::Set(k, value) | Edit::Append(k, value), None) => {
                let value = if matches!(edit, Edit::Append(..)) {
                    format!("[{value}]")
                } else {
                    value.clone()
                };
                let mut text = b" /".to_vec();
                text.extend_from_slice(k);
                text.push(b' ');
                text.extend(value.into_bytes());
                text.push(b' ');
                (close, close, text)
            }
            (Edit::Append(_, value), Some((_, s, e))) => {
                if current[*s] == b'[' {
                    let close = e - 1;
                    (close, close, format!(" {value}").into_bytes())
                } else if let Some(id) = parse_reference(&current[*s..*e]) {
                    return Ok(Err(Indirect(id)));
                } else {
                    return Err(bad("array expected"));
                }
            }
            (Edit::Nested(_, inner), Some((_, s, e))) => {
                match edit_dict(&current[*s..*e], inner)? {
                    Ok(text) => (*s, *e, text),
                    Err(indirect) => return Ok(Err(indirect)),
                }
            }
            (Edit::Nested(..), None) => return Err(bad("nested dictionary missing")),
        };
        let (s, e, text) = replacement;
        current.splice(s..e, text);
    }
    Ok(Ok(current))
}

/// The text of the value at `key` in the dictionary at the start of `text`, if present.
pub fn dict_value(text: &[u8], key: &[u8]) -> Result<Option<Vec<u8>>> {
    let start = skip_space(text, 0);
    let (entries, _) = entries(text, start)?;
    Ok(entries
        .into_iter()
        .find(|(k, _, _)| k == key)
        .map(|(_, s, e)| text[s..e].to_vec()))
}

/// `n g R` → id.
pub fn parse_reference(text: &[u8]) -> Option<ObjectId> {
    let text = std::str::from_utf8(text).ok()?;
    let mut parts = text.split_ascii_whitespace();
    let id = parts.next()?.parse().ok()?;
    let generation = parts.next()?.parse().ok()?;
    (parts.next()? == "R").then_some((id, generation))
}

/// Insert an item before the closing `]` of the array text.
pub fn append_to_array(text: &[u8], item: &str) -> Result<Vec<u8>> {
    let start = skip_space(text, 0);
    if text.get(start) != Some(&b'[') {
        return Err(bad("array expected"));
    }
    let end = value_end(text, start, 0)?;
    let mut out = text.to_vec();
    out.splice(end - 1..end - 1, format!(" {item}").into_bytes());
    Ok(out)
}

/// The source text of object `id` as the file holds it (between `obj` and `endobj`).
pub fn object_text(pdf: &Pdf, id: ObjectId) -> Result<Vec<u8>> {
    match pdf.document.reference_table.get(id.0) {
        Some(XrefEntry::Normal { offset, .. }) => {
            let offset = usize::try_from(*offset).map_err(|_| bad("offset"))?;
            let body = pdf
                .bytes
                .get(offset..)
                .ok_or_else(|| bad("offset past end"))?;
            let obj = find(body, b"obj").ok_or_else(|| bad("no obj keyword"))? + 3;
            let value_start = skip_space(body, obj);
            let end = value_end(body, value_start, 0)?;
            Ok(body[value_start..end].to_vec())
        }
        Some(XrefEntry::Compressed { container, index }) => {
            compressed_text(pdf, *container, usize::from(*index))
        }
        _ => Err(bad("object not in the cross-reference table")),
    }
}

fn compressed_text(pdf: &Pdf, container: u32, index: usize) -> Result<Vec<u8>> {
    let Ok(Object::Stream(stream)) = pdf.document.get_object((container, 0)) else {
        return Err(bad("object stream not loaded"));
    };
    let data = stream
        .decompressed_content_with_limit(crate::reader::MAX_STREAM_BYTES)
        .map_err(|e| bad(&e.to_string()))?;
    let first = usize::try_from(stream.dict.get(b"First").and_then(Object::as_i64)?)
        .map_err(|_| bad("/First"))?;
    let header = std::str::from_utf8(data.get(..first).ok_or_else(|| bad("/First"))?)
        .map_err(|_| bad("object stream header"))?;
    let numbers: Vec<usize> = header
        .split_ascii_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    let offset = *numbers.get(index * 2 + 1).ok_or_else(|| bad("index"))?;
    let start = first + offset;
    let value_start = skip_space(&data, start);
    let end = value_end(&data, value_start, 0)?;
    Ok(data[value_start..end].to_vec())
}
