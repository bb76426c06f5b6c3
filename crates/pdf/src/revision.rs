//! Appending our own revision to a loaded PDF without parsing the file again: only the new
//! objects are parsed, and the object graph, cross-reference table and trailer move forward.
//!
//! A riding seal over 200 pages appends 200 revisions; parsing the whole file after each would
//! cost 200 passes over it.

use std::fmt::Write as _;

use lopdf::xref::XrefEntry;
use lopdf::{Object, Stream};

use crate::error::{PdfError, Result};
use crate::reader::{self, Pdf};
use crate::sign::update::Appended;

const HEADER: &[u8] = b"%PDF-1.7\n";

impl Pdf {
    /// Append `tail`, written by [`crate::sign::update::Update::write_tail`] on this very
    /// file, and take its objects into the graph as a fresh load of the whole would.
    pub fn absorb(&mut self, tail: &[u8], appended: &Appended) -> Result<()> {
        if appended.base != self.bytes.len()
            || appended.base < HEADER.len()
            || appended.xref_start < appended.base
        {
            return Err(PdfError::Malformed(
                "revision written on another file".into(),
            ));
        }
        // The new objects, at the same distances from each other as in the file, in a file of
        // their own: header, objects, cross-reference table, trailer.
        let objects_end = appended.xref_start - appended.base;
        let mut alone = Vec::with_capacity(objects_end + 64 * appended.offsets.len() + 128);
        alone.extend_from_slice(HEADER);
        alone.extend_from_slice(&tail[..objects_end]);
        let shift = appended.base - HEADER.len();
        let xref_at = alone.len();
        let mut table = String::from("xref\n0 1\n0000000000 65535 f \n");
        for (id, offset) in &appended.offsets {
            let _ = write!(table, "{id} 1\n{:010} 00000 n \n", offset - shift);
        }
        let root = appended.offsets.keys().next().copied().unwrap_or(0);
        let _ = write!(
            table,
            "trailer\n<< /Size {} /Root {root} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n",
            appended.size
        );
        alone.extend_from_slice(table.as_bytes());
        let parsed = reader::parse(&alone, true)?;
        self.bytes.extend_from_slice(tail);
        let document = &mut self.document;
        for (id, offset) in &appended.offsets {
            let mut object = parsed
                .objects
                .get(&(*id, 0))
                .cloned()
                .ok_or_else(|| PdfError::Malformed(format!("new object {id} did not parse")))?;
            if let Object::Stream(Stream {
                start_position: Some(position),
                ..
            }) = &mut object
            {
                *position += shift;
            }
            let offset = u32::try_from(*offset).map_err(|_| PdfError::TooLarge(*offset))?;
            document.reference_table.insert(
                *id,
                XrefEntry::Normal {
                    offset,
                    generation: 0,
                },
            );
            document.objects.insert((*id, 0), object);
        }
        if let Some(id) = appended.xref_stream {
            let offset = u32::try_from(appended.xref_start)
                .map_err(|_| PdfError::TooLarge(appended.xref_start))?;
            document.reference_table.insert(
                id,
                XrefEntry::Normal {
                    offset,
                    generation: 0,
                },
            );
        }
        document.max_id = document.max_id.max(appended.size.saturating_sub(1));
        document.xref_start = appended.xref_start;
        document
            .trailer
            .set("Size", i64::from(appended.size.max(document.max_id + 1)));
        Ok(())
    }
}
