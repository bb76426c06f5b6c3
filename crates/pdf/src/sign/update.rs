//! Writing an incremental update: new objects, byte-exact edits of old ones, xref and trailer.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use lopdf::xref::XrefType;
use lopdf::{Object, ObjectId, Writer};

use crate::error::{PdfError, Result};
use crate::reader::Pdf;
use crate::sign::raw::{Edit, append_to_array, edit_dict, object_text};

/// An object in the update: built here, or the edited text of an old one.
enum Body {
    Object(Object),
    Raw(Vec<u8>),
}

/// Objects to append to a PDF as one revision.
pub struct Update<'a> {
    pdf: &'a Pdf,
    next_id: u32,
    objects: BTreeMap<u32, Body>,
}

impl<'a> Update<'a> {
    /// An empty revision on top of `pdf`.
    pub fn new(pdf: &'a Pdf) -> Self {
        Self {
            pdf,
            next_id: pdf.document.max_id + 1,
            objects: BTreeMap::new(),
        }
    }

    /// Add a new object.
    pub fn add(&mut self, object: impl Into<Object>) -> ObjectId {
        let id = self.next_id;
        self.next_id += 1;
        self.objects.insert(id, Body::Object(object.into()));
        (id, 0)
    }

    /// Add a new object given as PDF source text (a dictionary or array, never a stream).
    pub fn add_raw(&mut self, text: Vec<u8>) -> ObjectId {
        let id = self.next_id;
        self.next_id += 1;
        self.objects.insert(id, Body::Raw(text));
        (id, 0)
    }

    /// The current source text of object `id`, old or added with [`Self::add_raw`].
    pub fn text(&self, id: ObjectId) -> Result<Vec<u8>> {
        self.text_of(id)
    }

    /// The current text of an old object (edited, if this update edited it already).
    fn text_of(&self, id: ObjectId) -> Result<Vec<u8>> {
        match self.objects.get(&id.0) {
            Some(Body::Raw(text)) => Ok(text.clone()),
            Some(Body::Object(_)) => Err(PdfError::Malformed("editing a new object".into())),
            None => object_text(self.pdf, id),
        }
    }

    /// Apply `edits` to old dictionary object `id`; an array held by reference is edited in
    /// its own object.
    pub fn edit(&mut self, id: ObjectId, edits: &[Edit<'_>]) -> Result<()> {
        let text = self.text_of(id)?;
        if matches!(self.pdf.document.get_object(id), Ok(Object::Stream(_))) {
            return Err(PdfError::Malformed("cannot edit a stream object".into()));
        }
        match edit_dict(&text, edits)? {
            Ok(edited) => {
                self.objects.insert(id.0, Body::Raw(edited));
                Ok(())
            }
            Err(indirect) => {
                let item = edits
                    .iter()
                    .find_map(|e| match e {
                        Edit::Append(_, item) => Some(item.clone()),
                        Edit::Nested(_, inner) => inner.iter().find_map(|e| match e {
                            Edit::Append(_, item) => Some(item.clone()),
                            _ => None,
                        }),
                        Edit::Set(..) => None,
                    })
                    .ok_or_else(|| PdfError::Malformed("indirect value".into()))?;
                let array = self.text_of(indirect.0)?;
                self.objects
                    .insert(indirect.0.0, Body::Raw(append_to_array(&array, &item)?));
                // The other edits (e.g. /SigFlags) still apply to the dictionary itself.
                let rest: Vec<Edit<'_>> = edits
                    .iter()
                    .filter_map(|e| match e {
                        Edit::Set(k, v) => Some(Edit::Set(k, v.clone())),
                        _ => None,
                    })
                    .collect();
                if !rest.is_empty()
                    && let Ok(edited) = edit_dict(&text, &rest)?
                {
                    self.objects.insert(id.0, Body::Raw(edited));
                }
                Ok(())
            }
        }
    }

    /// Append the revision to the file's bytes.
    pub fn write(self) -> Result<Vec<u8>> {
        let previous = &self.pdf.bytes;
        let mut out = Vec::with_capacity(previous.len() + 64 * 1024);
        out.extend_from_slice(previous);
        let (tail, _) = self.write_tail()?;
        out.extend_from_slice(&tail);
        Ok(out)
    }

    /// The revision's bytes, to append to the file, and where it put what.
    pub fn write_tail(self) -> Result<(Vec<u8>, Appended)> {
        let previous = &self.pdf.bytes;
        let base = previous.len();
        let mut out = Vec::with_capacity(64 * 1024);
        if previous.last() != Some(&b'\n') {
            out.push(b'\n');
        }
        let mut offsets = BTreeMap::new();
        for (id, body) in &self.objects {
            offsets.insert(*id, base + out.len());
            out.extend_from_slice(format!("{id} 0 obj\n").as_bytes());
            match body {
                Body::Object(object) => Writer::write_object(&mut out, object)?,
                Body::Raw(text) => out.extend_from_slice(text),
            }
            out.extend_from_slice(b"\nendobj\n");
        }
        let trailer = &self.pdf.document.trailer;
        let size = self.next_id.max(
            trailer
                .get(b"Size")
                .and_then(Object::as_i64)
                .ok()
                .and_then(|s| u32::try_from(s).ok())
                .unwrap_or(0),
        );
        let mut entries = String::new();
        for key in ["Root", "Info", "ID"] {
            if let Ok(value) = trailer.get(key.as_bytes()) {
                let mut text = Vec::new();
                Writer::write_object(&mut text, value)?;
                let _ = write!(entries, "/{key} {} ", String::from_utf8_lossy(&text));
            }
        }
        let previous_xref = self.pdf.document.xref_start;
        let xref_start = base + out.len();
        let mut xref_stream = None;
        match self.pdf.document.reference_table.cross_reference_type {
            XrefType::CrossReferenceTable => {
                out.extend_from_slice(b"xref\n");
                for run in runs(&offsets) {
                    out.extend_from_slice(format!("{} {}\n", run[0].0, run.len()).as_bytes());
                    for (_, offset) in run {
                        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
                    }
                }
                out.extend_from_slice(
                    format!("trailer\n<< /Size {size} {entries}/Prev {previous_xref} >>\n")
                        .as_bytes(),
                );
            }
            XrefType::CrossReferenceStream => {
                let xref_id = self.next_id;
                xref_stream = Some(xref_id);
                let mut all = offsets.clone();
                all.insert(xref_id, xref_start);
                let mut data = Vec::new();
                let mut index = String::new();
                for run in runs(&all) {
                    let _ = write!(index, "{} {} ", run[0].0, run.len());
                    for (_, offset) in run {
                        let offset =
                            u32::try_from(offset).map_err(|_| PdfError::TooLarge(offset))?;
                        data.push(1);
                        data.extend_from_slice(&offset.to_be_bytes());
                        data.extend_from_slice(&[0, 0]);
                    }
                }
                let header = format!(
                    "{xref_id} 0 obj\n<< /Type /XRef /Size {} /Index [{}] /W [1 4 2] {entries}/Prev {previous_xref} /Length {} >>\nstream\n",
                    size.max(xref_id + 1),
                    index.trim_end(),
                    data.len()
                );
                out.extend_from_slice(header.as_bytes());
                out.extend_from_slice(&data);
                out.extend_from_slice(b"\nendstream\nendobj\n");
            }
        }
        out.extend_from_slice(format!("startxref\n{xref_start}\n%%EOF\n").as_bytes());
        let appended = Appended {
            base,
            offsets,
            xref_start,
            xref_stream,
            size: xref_stream.map_or(size, |id| size.max(id + 1)),
        };
        Ok((out, appended))
    }
}

/// Where [`Update::write_tail`] put things, in offsets of the whole file.
#[derive(Debug)]
pub struct Appended {
    /// Length of the file before the revision.
    pub base: usize,
    /// Each object written, by number.
    pub offsets: BTreeMap<u32, usize>,
    /// The revision's `startxref`.
    pub xref_start: usize,
    /// The number of the cross-reference stream, when the file uses them.
    pub xref_stream: Option<u32>,
    /// `/Size` of the new trailer.
    pub size: u32,
}

/// Consecutive ids grouped into xref subsections.
fn runs(offsets: &BTreeMap<u32, usize>) -> Vec<Vec<(u32, usize)>> {
    let mut out: Vec<Vec<(u32, usize)>> = Vec::new();
    for (&id, &offset) in offsets {
        match out.last_mut() {
            Some(run) if run.last().is_some_and(|(last, _)| *last + 1 == id) => {
                run.push((id, offset));
            }
            _ => out.push(vec![(id, offset)]),
        }
    }
    out
}
