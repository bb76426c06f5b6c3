//! Loading untrusted PDF bytes safely: size caps, truncation, broken xref, encryption, panics.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use lopdf::xref::XrefRecovery;
use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId, Stream};

use crate::error::{PdfError, Result};

/// Largest PDF accepted.
pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;
/// Largest size one stream may inflate to.
pub const MAX_STREAM_BYTES: usize = 64 * 1024 * 1024;
/// Deepest chain of references or nesting followed.
pub const MAX_DEPTH: usize = 64;

thread_local! {
    static PARSED: Cell<u64> = const { Cell::new(0) };
}

/// Bytes handed to the PDF parser on this thread since it started: whole files and revisions
/// given to [`parse`], and object texts parsed on their own (tests take differences, to hold
/// verification to one parse of the file however many revisions it has).
#[must_use]
pub fn bytes_parsed() -> u64 {
    PARSED.with(Cell::get)
}

/// Count `length` more bytes parsed (see [`bytes_parsed`]).
pub(crate) fn count_parsed(length: usize) {
    PARSED.with(|p| p.set(p.get() + length as u64));
}

/// A parsed PDF with the bytes it came from.
#[derive(Debug, Clone)]
pub struct Pdf {
    /// The file as read.
    pub bytes: Vec<u8>,
    /// Its object graph (all revisions merged).
    pub document: Document,
}

/// Check the frame of the file (header, end) before parsing.
fn check_frame(bytes: &[u8]) -> Result<()> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(PdfError::TooLarge(bytes.len()));
    }
    let head = &bytes[..bytes.len().min(1024)];
    if find(head, b"%PDF-").is_none() {
        return Err(PdfError::NotPdf);
    }
    let tail = &bytes[bytes.len().saturating_sub(2048)..];
    if rfind(tail, b"%%EOF").is_none() || rfind(tail, b"startxref").is_none() {
        return Err(PdfError::Truncated);
    }
    Ok(())
}

/// Parse `bytes`, refusing what we cannot sign or verify honestly. Every stream's data is
/// kept in memory (freezing draws on pages); signing and verifying use [`load_lean`].
pub fn load(bytes: Vec<u8>) -> Result<Pdf> {
    let document = parse(&bytes, false)?;
    checked(Pdf { bytes, document })
}

/// Parse `bytes` like [`load`], but leave the data of content, image and font streams in
/// `bytes` (see [`Pdf::stream_data`]): the document is held once, whatever its scans weigh.
pub fn load_lean(mut bytes: Vec<u8>) -> Result<Pdf> {
    // A signature's `/Contents` is mostly the zeros padding its reservation, and lopdf reads a
    // hex string a digit at a time: the padding is blanked (hex strings ignore white space)
    // for the parse and put back after it, in the file and in the parsed string.
    let holes = blank_padding(&mut bytes);
    let parsed = parse(&bytes, true);
    for hole in &holes {
        bytes[hole.blank.clone()].fill(b'0');
    }
    let mut document = parsed?;
    if !holes.is_empty() {
        pad_contents(&mut document, &holes);
    }
    checked(Pdf { bytes, document })
}

/// A signature hole whose padding was blanked for the parse.
struct Hole {
    /// `/ByteRange` as written.
    byte_range: [i64; 4],
    /// Where the zeros were.
    blank: std::ops::Range<usize>,
    /// The string's length as parsed (the DER value) and as written (with its padding).
    kept: usize,
    full: usize,
}

/// Padding shorter than this is parsed as it is.
const MIN_PADDING: usize = 256;

/// Blank the zero padding after the DER value of every signature hole a `/ByteRange` points
/// at (`[0 a b c]`, `<` at `a`, `>` before `b`, only hex digits then only zeros in between).
fn blank_padding(bytes: &mut [u8]) -> Vec<Hole> {
    let mut holes = Vec::new();
    let mut from = 0;
    while let Some(found) = memchr::memmem::find(&bytes[from..], b"/ByteRange") {
        let at = from + found + b"/ByteRange".len();
        from = at;
        let Some(byte_range) = byte_range_at(bytes, at) else {
            continue;
        };
        let (Ok(a), Ok(b)) = (
            usize::try_from(byte_range[1]),
            usize::try_from(byte_range[2]),
        ) else {
            continue;
        };
        if byte_range[0] != 0
            || a >= b
            || b > bytes.len()
            || bytes[a] != b'<'
            || bytes[b - 1] != b'>'
        {
            continue;
        }
        let digits = &bytes[a + 1..b - 1];
        let Some(kept) = der_length_in_hex(digits) else {
            continue;
        };
        let Some(value) = kept.checked_mul(2).filter(|v| *v <= digits.len()) else {
            continue;
        };
        let padding = &digits[value..];
        if padding.len() < MIN_PADDING
            || !digits[..value].iter().all(u8::is_ascii_hexdigit)
            || !padding.iter().all(|d| *d == b'0')
        {
            continue;
        }
        let full = kept + padding.len().div_ceil(2);
        let blank = a + 1 + value..b - 1;
        bytes[blank.clone()].fill(b' ');
        holes.push(Hole {
            byte_range,
            blank,
            kept,
            full,
        });
    }
    holes
}

/// The four integers of a `/ByteRange` array starting (after white space) at `at`.
fn byte_range_at(bytes: &[u8], mut at: usize) -> Option<[i64; 4]> {
    let space = |at: &mut usize| {
        while bytes.get(*at).is_some_and(u8::is_ascii_whitespace) {
            *at += 1;
        }
    };
    space(&mut at);
    if bytes.get(at) != Some(&b'[') {
        return None;
    }
    at += 1;
    let mut out = [0i64; 4];
    for slot in &mut out {
        space(&mut at);
        let start = at;
        while bytes.get(at).is_some_and(u8::is_ascii_digit) && at - start < 18 {
            at += 1;
        }
        *slot = std::str::from_utf8(bytes.get(start..at)?)
            .ok()?
            .parse()
            .ok()?;
    }
    space(&mut at);
    (bytes.get(at) == Some(&b']')).then_some(out)
}

/// The length in bytes of the DER value whose hex the digits start with.
fn der_length_in_hex(digits: &[u8]) -> Option<usize> {
    let byte = |i: usize| -> Option<usize> {
        let pair = std::str::from_utf8(digits.get(2 * i..2 * i + 2)?).ok()?;
        usize::from_str_radix(pair, 16).ok()
    };
    let first = byte(1)?;
    if first < 0x80 {
        return Some(2 + first);
    }
    let count = first & 0x7f;
    if count == 0 || count > 4 {
        return None;
    }
    let mut length = 0usize;
    for i in 0..count {
        length = (length << 8) | byte(2 + i)?;
    }
    length.checked_add(2 + count)
}

/// Put the padding back into the parsed `/Contents` of the signature dictionaries whose
/// holes were blanked: the graph is what a parse of the file as written gives.
fn pad_contents(document: &mut Document, holes: &[Hole]) {
    for object in document.objects.values_mut() {
        let dict = match object {
            Object::Dictionary(dict) => dict,
            Object::Stream(stream) => &mut stream.dict,
            _ => continue,
        };
        let Ok(Object::Array(range)) = dict.get(b"ByteRange") else {
            continue;
        };
        let range: Vec<i64> = range.iter().filter_map(|v| v.as_i64().ok()).collect();
        let Some(hole) = holes
            .iter()
            .find(|h| h.byte_range.as_slice() == range.as_slice())
        else {
            continue;
        };
        if let Ok(Object::String(contents, lopdf::StringFormat::Hexadecimal)) =
            dict.get_mut(b"Contents")
            && contents.len() == hole.kept
        {
            contents.resize(hole.full, 0);
        }
    }
}

/// The object graph of `bytes` (say, an earlier revision inside a file being verified), lean,
/// without copying them: the result's `bytes` is empty, so its stream data cannot be read.
pub fn load_graph(bytes: &[u8]) -> Result<Pdf> {
    let document = parse(bytes, true)?;
    checked(Pdf {
        bytes: Vec::new(),
        document,
    })
}

fn checked(pdf: Pdf) -> Result<Pdf> {
    pdf.catalog()?;
    let pages = pdf.pages()?;
    if pages.is_empty() {
        return Err(PdfError::Malformed("no pages".into()));
    }
    Ok(pdf)
}

/// Stands for stream data left in the file by a lean parse. A real stream holding exactly
/// these bytes is read back from the file too, which gives the same data.
const LEFT_IN_FILE: &[u8] = b"\0signet: stream data left in the file\0";

/// Lean-load filter: object and cross-reference streams are parsed as usual (the objects they
/// hold are needed); every other stream keeps its dictionary (and file position, when lopdf
/// gives one: only for a `/Length` it could not resolve while parsing) only. lopdf copies a
/// stream's data before it reaches the filter, one stream at a time; the filter drops it.
/// A stream whose `/Length` is direct gets no position from lopdf: [`place_left_streams`]
/// finds it in the file afterwards.
#[expect(clippy::unnecessary_wraps, reason = "lopdf's FilterFunc signature")]
fn leave_data_in_file(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    if let Object::Stream(stream) = object
        && !stream.dict.has_type(b"ObjStm")
        && !stream.dict.has_type(b"XRef")
    {
        stream.content = LEFT_IN_FILE.to_vec();
    }
    // lopdf keeps the object it passed for a top-level object and the returned one for an
    // object out of an object stream: both must be the (edited) object.
    Some((id, object.clone()))
}

/// The object graph of `bytes`, checked for what we refuse (size, frame, encryption, a
/// rebuilt cross-reference table).
pub fn parse(bytes: &[u8], lean: bool) -> Result<Document> {
    check_frame(bytes)?;
    count_parsed(bytes.len());
    let options = LoadOptions {
        strict: false,
        max_decompressed_size: Some(MAX_STREAM_BYTES),
        filter: lean.then_some(leave_data_in_file as lopdf::FilterFunc),
        ..LoadOptions::default()
    };
    // lopdf is defensive, but it parses attacker-controlled bytes: a panic there must become an
    // error, never take the caller (a server thread) down.
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        Document::load_mem_with_options(bytes, options)
    }))
    .map_err(|_| PdfError::Malformed("parser failure".into()))?;
    let mut document = parsed.map_err(|e| match e {
        lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => PdfError::Encrypted,
        other => PdfError::Malformed(other.to_string()),
    })?;
    if document.trailer.has(b"Encrypt") || document.encryption_state.is_some() {
        return Err(PdfError::Encrypted);
    }
    if document.xref_recovery == Some(XrefRecovery::Reconstructed) {
        return Err(PdfError::BrokenXref);
    }
    if lean && !place_left_streams(&mut document, bytes) {
        // A stream whose data could not be found again (a wrong /Length lopdf recovered
        // from, say): hold every stream's data rather than lose one.
        return parse(bytes, false);
    }
    Ok(document)
}

/// Give every stream the lean parse left without a file position (its `/Length` was direct)
/// the position of its data: after the `stream` keyword that follows the object's offset, at
/// the one keyword whose data, `/Length` long, is followed by `endstream` (what lopdf parsed).
/// False when one cannot be placed so.
fn place_left_streams(document: &mut Document, bytes: &[u8]) -> bool {
    let unplaced: Vec<(ObjectId, usize)> = document
        .objects
        .iter()
        .filter_map(|(id, object)| match object {
            Object::Stream(stream)
                if stream.start_position.is_none() && stream.content == LEFT_IN_FILE =>
            {
                let length = stream
                    .dict
                    .get(b"Length")
                    .ok()
                    .and_then(|l| document.dereference(l).ok())
                    .and_then(|(_, l)| l.as_i64().ok())
                    .and_then(|l| usize::try_from(l).ok())
                    .unwrap_or(usize::MAX);
                Some((*id, length))
            }
            _ => None,
        })
        .collect();
    for (id, length) in unplaced {
        let offset = match document.reference_table.get(id.0) {
            Some(lopdf::xref::XrefEntry::Normal { offset, generation }) if *generation == id.1 => {
                *offset as usize
            }
            _ => return false,
        };
        let Some(start) = stream_data_start(bytes, offset, length) else {
            return false;
        };
        if let Ok(Object::Stream(stream)) = document.get_object_mut(id) {
            stream.start_position = Some(start);
        }
    }
    true
}

/// Where the data of the stream object at `offset` starts, given its length.
fn stream_data_start(bytes: &[u8], offset: usize, length: usize) -> Option<usize> {
    /// How far past the object's start its `stream` keyword may be (a long dictionary).
    const SEARCH: usize = 1024 * 1024;
    let window = bytes.get(offset..bytes.len().min(offset.saturating_add(SEARCH)))?;
    let eol = |at: usize| -> usize {
        if bytes[at..].starts_with(b"\r\n") {
            2
        } else {
            usize::from(bytes[at..].starts_with(b"\n") || bytes[at..].starts_with(b"\r"))
        }
    };
    for found in memchr::memmem::find_iter(window, b"stream") {
        if window[..found].ends_with(b"end") {
            continue;
        }
        let mut at = offset + found + 6;
        while matches!(bytes.get(at), Some(b' ' | b'\t')) {
            at += 1;
        }
        let after_eol = eol(at);
        if after_eol == 0 {
            continue;
        }
        let start = at + after_eol;
        let Some(end) = start.checked_add(length).filter(|e| *e <= bytes.len()) else {
            continue;
        };
        if bytes[end + eol(end)..].starts_with(b"endstream") {
            return Some(start);
        }
    }
    None
}

impl Pdf {
    /// A stream's data as written in the file (still encoded), wherever a lean parse left it.
    pub fn stream_data<'a>(&'a self, stream: &'a Stream) -> Result<std::borrow::Cow<'a, [u8]>> {
        if stream.content != LEFT_IN_FILE {
            return Ok(std::borrow::Cow::Borrowed(&stream.content));
        }
        let bad = || PdfError::Malformed("stream data outside the file".into());
        let start = stream.start_position.ok_or_else(bad)?;
        let length = stream
            .dict
            .get(b"Length")
            .ok()
            .and_then(|l| self.resolve(l).ok())
            .and_then(|l| l.as_i64().ok())
            .and_then(|l| usize::try_from(l).ok())
            .ok_or_else(bad)?;
        let end = start.checked_add(length).ok_or_else(bad)?;
        Ok(std::borrow::Cow::Borrowed(
            self.bytes.get(start..end).ok_or_else(bad)?,
        ))
    }

    /// A stream's data decoded (bounded by [`MAX_STREAM_BYTES`]), or as written when its
    /// filter is not one we decode.
    pub fn stream_content(&self, stream: &Stream) -> Result<Vec<u8>> {
        let data = self.stream_data(stream)?;
        let whole = Stream::new(stream.dict.clone(), data.into_owned());
        Ok(whole
            .decompressed_content_with_limit(MAX_STREAM_BYTES)
            .unwrap_or_else(|_| whole.content.clone()))
    }

    /// The document catalog.
    pub fn catalog(&self) -> Result<&Dictionary> {
        self.document
            .catalog()
            .map_err(|_| PdfError::Malformed("no catalog".into()))
    }

    /// The catalog's object id.
    pub fn catalog_id(&self) -> Result<ObjectId> {
        self.document
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(|_| PdfError::Malformed("trailer has no /Root reference".into()))
    }

    /// Page object ids in order (page 1 first), walking the tree with loop and depth limits.
    pub fn pages(&self) -> Result<Vec<ObjectId>> {
        let root = self
            .catalog()?
            .get(b"Pages")
            .and_then(Object::as_reference)
            .map_err(|_| PdfError::Malformed("catalog has no /Pages".into()))?;
        let mut pages = Vec::new();
        let mut seen = std::collections::HashSet::new();
        self.walk_pages(root, 0, &mut seen, &mut pages)?;
        Ok(pages)
    }

    fn walk_pages(
        &self,
        node: ObjectId,
        depth: usize,
        seen: &mut std::collections::HashSet<ObjectId>,
        pages: &mut Vec<ObjectId>,
    ) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(PdfError::TooDeep("page tree".into()));
        }
        if !seen.insert(node) {
            return Err(PdfError::TooDeep("page tree loops".into()));
        }
        let dict = self.dict(node)?;
        if dict.has_type(b"Page") || !dict.has(b"Kids") {
            pages.push(node);
            return Ok(());
        }
        let kids = dict
            .get(b"Kids")
            .and_then(Object::as_array)
            .map_err(|_| PdfError::Malformed("page tree node without /Kids".into()))?;
        for kid in kids {
            let kid = kid
                .as_reference()
                .map_err(|_| PdfError::Malformed("page tree kid is not a reference".into()))?;
            self.walk_pages(kid, depth + 1, seen, pages)?;
        }
        Ok(())
    }

    /// The dictionary of object `id` (a stream's dictionary for streams).
    pub fn dict(&self, id: ObjectId) -> Result<&Dictionary> {
        match self.document.get_object(id) {
            Ok(Object::Dictionary(dict)) => Ok(dict),
            Ok(Object::Stream(stream)) => Ok(&stream.dict),
            _ => Err(PdfError::Malformed(format!(
                "object {} {} is not a dictionary",
                id.0, id.1
            ))),
        }
    }

    /// Follow references from `object` (bounded).
    pub fn resolve<'a>(&'a self, object: &'a Object) -> Result<&'a Object> {
        let mut current = object;
        for _ in 0..MAX_DEPTH {
            match current {
                Object::Reference(id) => {
                    current = self.document.get_object(*id).map_err(|_| {
                        PdfError::Malformed(format!("dangling reference {} {}", id.0, id.1))
                    })?;
                }
                other => return Ok(other),
            }
        }
        Err(PdfError::TooDeep("reference chain".into()))
    }

    /// The value of an inheritable page attribute (`/Resources`, `/MediaBox`, `/Rotate`).
    pub fn inherited(&self, page: ObjectId, key: &[u8]) -> Result<Option<&Object>> {
        let mut node = page;
        for _ in 0..MAX_DEPTH {
            let dict = self.dict(node)?;
            if let Ok(value) = dict.get(key) {
                return Ok(Some(self.resolve(value)?));
            }
            match dict.get(b"Parent").and_then(Object::as_reference) {
                Ok(parent) => node = parent,
                Err(_) => return Ok(None),
            }
        }
        Err(PdfError::TooDeep("page parents".into()))
    }

    /// A page's media box as `[x0, y0, x1, y1]`.
    pub fn media_box(&self, page: ObjectId) -> Result<[f32; 4]> {
        let array = self
            .inherited(page, b"MediaBox")?
            .and_then(|o| o.as_array().ok())
            .ok_or_else(|| PdfError::Malformed("page without /MediaBox".into()))?;
        let mut out = [0.0; 4];
        if array.len() != 4 {
            return Err(PdfError::Malformed("bad /MediaBox".into()));
        }
        for (slot, value) in out.iter_mut().zip(array) {
            *slot = self
                .resolve(value)?
                .as_float()
                .map_err(|_| PdfError::Malformed("bad /MediaBox number".into()))?;
        }
        Ok(out)
    }
}

/// First position of `needle` in `haystack` (vectorised: `%%EOF` is looked for through files
/// of tens of megabytes).
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// Last position of `needle` in `haystack`.
pub fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::rfind(haystack, needle)
}
