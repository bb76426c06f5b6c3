//! One signature revision: field, widget, `/ByteRange` and `/Contents` placeholder, byte patch.

use std::time::SystemTime;

use der::asn1::ObjectIdentifier;
use lopdf::{Dictionary, Object, ObjectId, StringFormat};

use crate::digest::RunningHash;
use crate::error::{PdfError, Result};
use crate::page::{PageFrame, Rotation};
use crate::reader::{Pdf, find};
use crate::sign::field::{attach_field, fresh_name, place_widget};
use crate::sign::update::Update;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Placeholder value for the three unknown `/ByteRange` numbers (ten digits, room for any
/// offset in a file we accept).
const BYTE_RANGE_PLACEHOLDER: i64 = 9_999_999_999;

/// What kind of signature dictionary to write.
#[derive(Clone, Debug)]
pub enum SignatureKind {
    /// An approval signature.
    Signature {
        /// `/SubFilter` (`ETSI.CAdES.detached`, or `adbe.pkcs7.detached` for SM2).
        sub_filter: &'static str,
        /// `/M`, the claimed signing time.
        time: SystemTime,
        /// `/Reason`.
        reason: Option<String>,
        /// `/Location`.
        location: Option<String>,
        /// `/Name`.
        name: Option<String>,
    },
    /// A document timestamp (`ETSI.RFC3161`).
    DocTimestamp,
}

/// Where the widget goes and what it shows.
pub struct FieldSpec<'a> {
    /// Field name prefix (a number is appended to keep it unique).
    pub name_prefix: &'a str,
    /// 0-based page index.
    pub page: usize,
    /// What the widget shows and where; `None` for an invisible signature.
    pub widget: Option<Widget<'a>>,
}

/// A visible signature widget.
pub struct Widget<'a> {
    /// `[x0, y0, x1, y1]` in the page's visible, upright coordinates (see [`crate::page`]).
    pub rect: [f32; 4],
    /// Adds the normal appearance stream to the new revision, turned to read upright on a page
    /// shown with the given rotation, and returns its id.
    pub appearance: &'a dyn Fn(&mut Update<'_>, Rotation) -> Result<ObjectId>,
}

/// PDF date `D:YYYYMMDDHHmmSSZ`.
pub fn pdf_date(time: SystemTime) -> Result<String> {
    let t = der::DateTime::from_system_time(time)?;
    Ok(format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minutes(),
        t.seconds()
    ))
}

fn text(value: &str) -> Object {
    // PDF text strings: PDFDocEncoding for ASCII, UTF-16BE with BOM otherwise.
    if value.is_ascii() {
        Object::string_literal(value)
    } else {
        let mut bytes = vec![0xfe, 0xff];
        for unit in value.encode_utf16() {
            bytes.extend(unit.to_be_bytes());
        }
        Object::String(bytes, StringFormat::Hexadecimal)
    }
}

fn signature_dictionary(kind: &SignatureKind, reserve: usize) -> Result<Dictionary> {
    let mut dict = Dictionary::new();
    match kind {
        SignatureKind::Signature {
            sub_filter,
            time,
            reason,
            location,
            name,
        } => {
            dict.set("Type", Object::Name(b"Sig".to_vec()));
            dict.set("Filter", Object::Name(b"Adobe.PPKLite".to_vec()));
            dict.set("SubFilter", Object::Name(sub_filter.as_bytes().to_vec()));
            dict.set("M", Object::string_literal(pdf_date(*time)?));
            for (key, value) in [("Reason", reason), ("Location", location), ("Name", name)] {
                if let Some(value) = value {
                    dict.set(key, text(value));
                }
            }
        }
        SignatureKind::DocTimestamp => {
            dict.set("Type", Object::Name(b"DocTimeStamp".to_vec()));
            dict.set("Filter", Object::Name(b"Adobe.PPKLite".to_vec()));
            dict.set("SubFilter", Object::Name(b"ETSI.RFC3161".to_vec()));
        }
    }
    dict.set(
        "ByteRange",
        Object::Array(vec![
            Object::Integer(0),
            Object::Integer(BYTE_RANGE_PLACEHOLDER),
            Object::Integer(BYTE_RANGE_PLACEHOLDER),
            Object::Integer(BYTE_RANGE_PLACEHOLDER),
        ]),
    );
    dict.set(
        "Contents",
        Object::String(vec![0; reserve], StringFormat::Hexadecimal),
    );
    Ok(dict)
}

/// A file being signed: its parsed object graph and the digests carried along as it grows.
pub struct Signing {
    /// The file so far.
    pub pdf: Pdf,
    hashes: Vec<RunningHash>,
}

impl Signing {
    /// Start from a parsed file.
    pub fn new(pdf: Pdf) -> Self {
        Self {
            pdf,
            hashes: Vec::new(),
        }
    }

    /// The signed file.
    pub fn into_bytes(self) -> Vec<u8> {
        self.pdf.bytes
    }

    /// The state of `algorithm` over the whole file as it is (hashing only what it lacks).
    fn hash_to_end(&mut self, algorithm: ObjectIdentifier) -> Result<RunningHash> {
        let index = if let Some(index) = self.hashes.iter().position(|h| h.algorithm() == algorithm)
        {
            index
        } else {
            self.hashes.push(RunningHash::new(algorithm)?);
            self.hashes.len() - 1
        };
        let hash = &mut self.hashes[index];
        hash.catch_up(&self.pdf.bytes, self.pdf.bytes.len())?;
        Ok(hash.clone())
    }

    fn keep(&mut self, hash: RunningHash) {
        self.hashes.retain(|h| h.algorithm() != hash.algorithm());
        self.hashes.push(hash);
    }
}

/// Append one signature revision and fill it with what `sign` returns for the `algorithm`
/// digest of the signed byte ranges. `reserve` is the `/Contents` size in bytes.
///
/// The digest continues the state carried over the file so far: only the new revision is
/// hashed. Nothing changes when this fails. Returns how many bytes of the reservation the
/// signature took.
pub fn append_signature(
    signing: &mut Signing,
    spec: &FieldSpec<'_>,
    kind: &SignatureKind,
    reserve: usize,
    algorithm: ObjectIdentifier,
    sign: &dyn Fn(&[u8]) -> Result<Vec<u8>>,
) -> Result<usize> {
    let pdf = &signing.pdf;
    let pages = pdf.pages()?;
    let page = *pages.get(spec.page).ok_or_else(|| {
        PdfError::InvalidRequest(format!(
            "page {} does not exist (the document has {})",
            spec.page + 1,
            pages.len()
        ))
    })?;
    let catalog_id = pdf.catalog_id()?;
    let field_name = fresh_name(pdf, spec.name_prefix);
    let mut update = Update::new(pdf);
    let signature_id = update.add(signature_dictionary(kind, reserve)?);
    let mut widget = Dictionary::new();
    widget.set("Type", Object::Name(b"Annot".to_vec()));
    widget.set("Subtype", Object::Name(b"Widget".to_vec()));
    widget.set("FT", Object::Name(b"Sig".to_vec()));
    widget.set("T", text(&field_name));
    widget.set("V", Object::Reference(signature_id));
    // Print + Locked.
    widget.set("F", 132);
    widget.set("P", Object::Reference(page));
    match &spec.widget {
        None => widget.set("Rect", Object::Array(vec![Object::Real(0.0); 4])),
        Some(visible) => {
            let frame = PageFrame::of(pdf, page)?;
            let stream = (visible.appearance)(&mut update, frame.rotation)?;
            place_widget(&mut widget, &frame, visible.rect, stream);
        }
    }
    let widget_id = update.add(widget);
    attach_field(&mut update, pdf, catalog_id, page, widget_id)?;
    let (mut tail, appended) = update.write_tail()?;
    let object = appended
        .offsets
        .get(&signature_id.0)
        .ok_or_else(|| PdfError::Malformed("signature object not written".into()))?
        - appended.base;
    let mut hash = signing.hash_to_end(algorithm)?;
    let used = fill(&mut tail, appended.base, object, reserve, &mut hash, sign)?;
    signing.pdf.absorb(&tail, &appended)?;
    signing.keep(hash);
    Ok(used)
}

/// In `tail` (the revision, appended at `base`), write the real `/ByteRange` of the signature
/// object at `object`, sign, write `/Contents`; `hash` (over the file before `tail`) moves to
/// the end of the signed file. Returns the length of what `sign` returned.
fn fill(
    tail: &mut [u8],
    base: usize,
    object: usize,
    reserve: usize,
    hash: &mut RunningHash,
    sign: &dyn Fn(&[u8]) -> Result<Vec<u8>>,
) -> Result<usize> {
    let missing = || PdfError::Malformed("signature placeholder not found in output".into());
    let object_end = find(&tail[object..], b"endobj").ok_or_else(missing)? + object;
    let text = &tail[object..object_end];
    let range_key = find(text, b"/ByteRange").ok_or_else(missing)? + object;
    let range_open = find(&tail[range_key..], b"[").ok_or_else(missing)? + range_key;
    let range_close = find(&tail[range_open..], b"]").ok_or_else(missing)? + range_open;
    let contents_key = find(text, b"/Contents").ok_or_else(missing)? + object;
    let open = find(&tail[contents_key..], b"<").ok_or_else(missing)? + contents_key;
    let close = open + 1 + reserve * 2;
    if tail.get(close) != Some(&b'>') || tail[open + 1..close].iter().any(|b| *b != b'0') {
        return Err(missing());
    }
    let total = base + tail.len();
    let ranges = format!(
        "0 {} {} {}",
        base + open,
        base + close + 1,
        total - base - close - 1
    );
    let width = range_close - range_open - 1;
    if ranges.len() > width {
        return Err(PdfError::Malformed("byte range does not fit".into()));
    }
    let mut patched = ranges.into_bytes();
    patched.resize(width, b' ');
    tail[range_open + 1..range_close].copy_from_slice(&patched);
    let mut signed = hash.clone();
    signed.update(&tail[..open]);
    let mut after = signed.clone();
    after.update(&tail[close + 1..]);
    let contents = sign(&after.digest())?;
    if contents.len() > reserve {
        return Err(PdfError::PlaceholderTooSmall {
            needed: contents.len(),
            reserved: reserve,
        });
    }
    for (i, byte) in contents.iter().enumerate() {
        tail[open + 1 + 2 * i] = HEX[usize::from(byte >> 4)];
        tail[open + 2 + 2 * i] = HEX[usize::from(byte & 0xf)];
    }
    // Later signatures cover this one's `/Contents` too.
    signed.update(&tail[open..]);
    *hash = signed;
    Ok(contents.len())
}
