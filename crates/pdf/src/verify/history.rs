//! Each signed revision as it was, rewound from the final object graph instead of parsed again.
//!
//! The cross-reference sections written after a revision list every object it did not have
//! yet or had otherwise; every other object is the same as in the final graph. So the graph is
//! copied once and rewound revision by revision, newest first, reading only the older versions
//! of the objects each later section lists (at their old offsets). A file whose cross-reference
//! data cannot be followed this way (hybrid files, a loop, an offset outside the file) gets
//! the old treatment: the revision is parsed from the start of the file up to its end.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};

use lopdf::{Dictionary, Object, ObjectId, ObjectStream};

use super::changes::{Changes, Final, Memo};
use crate::error::{PdfError, Result};
use crate::reader::{self, MAX_STREAM_BYTES, Pdf, count_parsed, find, rfind};

/// More sections than this is not a file we follow (each costs at least a few bytes).
const MAX_SECTIONS: usize = 100_000;

/// Where one version of an object lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    Free,
    InFile { offset: usize, generation: u16 },
    InStream { container: u32 },
}

/// One cross-reference section.
struct Section {
    offset: usize,
    entries: BTreeMap<u32, Entry>,
    root: Option<ObjectId>,
    prev: Option<usize>,
}

/// The file's cross-reference sections, newest first as `/Prev` leads.
struct History<'a> {
    bytes: &'a [u8],
    chain: Vec<Section>,
    /// For each object number, the positions in `chain` of the sections listing it, ascending.
    listings: HashMap<u32, Vec<usize>>,
    /// Every object and section offset, sorted, and the file's end: an object's text runs to
    /// the next one.
    boundaries: Vec<usize>,
    /// Object streams of older revisions, by file offset.
    containers: HashMap<usize, ObjectStream>,
}

fn unusable(why: &str) -> PdfError {
    PdfError::Malformed(format!("cross-reference data cannot be followed: {why}"))
}

/// What later revisions changed, for each signature's signed revision: `ends[k]` is the end of
/// signature `k`'s revision (`None` for a malformed signature, which gets `None`). A revision
/// that is the whole file gets no changes (`None`) either.
pub fn later_changes(pdf: &Pdf, ends: &[Option<usize>]) -> Vec<Option<Result<Changes>>> {
    let mut out: Vec<Option<Result<Changes>>> = ends.iter().map(|_| None).collect();
    if !ends.iter().flatten().any(|e| *e < pdf.bytes.len()) {
        // Every signature covers the whole file: nothing came after.
        return out;
    }
    let last = Final::new(pdf);
    let history = History::read(pdf).ok();
    let mut targets = Vec::new();
    for (index, end) in ends.iter().enumerate() {
        let Some(end) = end.filter(|e| *e < pdf.bytes.len()) else {
            continue;
        };
        match history.as_ref().and_then(|h| h.position_of(end)) {
            Some(position) => targets.push((position, index, end)),
            None => out[index] = Some(prefix_changes(pdf, end, &last)),
        }
    }
    let Some(mut history) = history.filter(|_| !targets.is_empty()) else {
        return out;
    };
    targets.sort_unstable();
    let mut old = Pdf {
        bytes: Vec::new(),
        document: pdf.document.clone(),
    };
    let mut rewound = 0;
    let mut newer = BTreeSet::new();
    let mut memo = Memo::default();
    let mut broken = false;
    for (position, index, end) in targets {
        let mut step = BTreeSet::new();
        if !broken && position > rewound {
            match history.rewind(&mut old, rewound, position, &mut newer) {
                Ok(numbers) => {
                    rewound = position;
                    step = numbers;
                }
                Err(_) => broken = true,
            }
        }
        out[index] = Some(if broken {
            prefix_changes(pdf, end, &last)
        } else {
            Ok(last.analyse_older(&old, &newer, &step, &mut memo))
        });
    }
    out
}

/// The old way: parse the file up to `end` and compare every object.
pub fn prefix_changes(pdf: &Pdf, end: usize, last: &Final<'_>) -> Result<Changes> {
    let old = reader::load_graph(&pdf.bytes[..end])?;
    Ok(last.analyse(&old, None))
}

/// The number after the last `startxref` before `end`.
fn startxref(bytes: &[u8], end: usize) -> Option<usize> {
    let from = end.saturating_sub(1024);
    let tail = bytes.get(from..end)?;
    let at = rfind(tail, b"startxref")? + 9;
    let digits: Vec<u8> = tail[at..]
        .iter()
        .copied()
        .skip_while(u8::is_ascii_whitespace)
        .take_while(u8::is_ascii_digit)
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

/// Whitespace-separated words from `at` (PDF whitespace, comments not expected here).
struct Words<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Words<'a> {
    fn skip_space(&mut self) {
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == 0)
        {
            self.at += 1;
        }
    }

    fn next(&mut self) -> Option<&'a [u8]> {
        self.skip_space();
        let start = self.at;
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| !b.is_ascii_whitespace() && *b != 0)
        {
            self.at += 1;
        }
        (self.at > start).then(|| &self.bytes[start..self.at])
    }

    fn number<T: std::str::FromStr>(&mut self) -> Option<T> {
        std::str::from_utf8(self.next()?).ok()?.parse().ok()
    }

    fn peek_is(&mut self, word: &[u8]) -> bool {
        self.skip_space();
        self.bytes[self.at.min(self.bytes.len())..].starts_with(word)
    }
}

fn reference(value: Option<&Object>) -> Option<ObjectId> {
    value.and_then(|v| v.as_reference().ok())
}

fn offset_of(value: Option<&Object>) -> Result<Option<usize>> {
    value
        .map(|v| {
            v.as_i64()
                .ok()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| unusable("/Prev is not an offset"))
        })
        .transpose()
}

impl<'a> History<'a> {
    fn read(pdf: &'a Pdf) -> Result<Self> {
        let bytes = &pdf.bytes;
        let mut at = startxref(bytes, bytes.len()).ok_or_else(|| unusable("no startxref"))?;
        let mut chain: Vec<Section> = Vec::new();
        let mut seen = HashSet::new();
        loop {
            if !seen.insert(at) || chain.len() >= MAX_SECTIONS || at >= bytes.len() {
                return Err(unusable("/Prev loops or leaves the file"));
            }
            let section = if bytes[at..].starts_with(b"xref") {
                read_table(bytes, at)?
            } else {
                read_stream(bytes, at)?
            };
            let prev = section.prev;
            chain.push(section);
            match prev {
                Some(prev) => at = prev,
                None => break,
            }
        }
        let mut listings: HashMap<u32, Vec<usize>> = HashMap::new();
        let mut boundaries = vec![bytes.len()];
        for (position, section) in chain.iter().enumerate() {
            boundaries.push(section.offset);
            for (number, entry) in &section.entries {
                listings.entry(*number).or_default().push(position);
                if let Entry::InFile { offset, .. } = entry {
                    boundaries.push(*offset);
                }
            }
        }
        boundaries.sort_unstable();
        boundaries.dedup();
        Ok(Self {
            bytes,
            chain,
            listings,
            boundaries,
            containers: HashMap::new(),
        })
    }

    /// The position in the chain of the section a revision ending at `end` starts from.
    fn position_of(&self, end: usize) -> Option<usize> {
        let start = startxref(self.bytes, end)?;
        self.chain.iter().position(|s| s.offset == start)
    }

    /// Object `number` as of the revision whose section is at `position`: the section listing
    /// it first from there.
    fn version(&self, number: u32, position: usize) -> Option<Entry> {
        let listed = self.listings.get(&number)?;
        let first = listed.partition_point(|p| *p < position);
        let section = &self.chain[*listed.get(first)?];
        section.entries.get(&number).copied()
    }

    /// The text of the object at `offset`: up to the next object or section.
    fn text(&self, offset: usize) -> Result<&'a [u8]> {
        let next = self.boundaries.partition_point(|b| *b <= offset);
        let end = self
            .boundaries
            .get(next)
            .copied()
            .ok_or_else(|| unusable("object offset outside the file"))?;
        Ok(&self.bytes[offset..end])
    }

    /// Rewind `old` from the revision at chain position `from` to the one at `to`: every
    /// object the sections in between list goes back to its version at `to` (or away).
    fn rewind(
        &mut self,
        old: &mut Pdf,
        from: usize,
        to: usize,
        newer: &mut BTreeSet<u32>,
    ) -> Result<BTreeSet<u32>> {
        let numbers: BTreeSet<u32> = self.chain[from..to]
            .iter()
            .flat_map(|s| s.entries.keys().copied())
            .filter(|n| *n != 0)
            .collect();
        let objects = &mut old.document.objects;
        let mut texts = Vec::new();
        let mut packed = Vec::new();
        for number in &numbers {
            let stale: Vec<ObjectId> = objects
                .range((*number, 0)..=(*number, u16::MAX))
                .map(|(id, _)| *id)
                .collect();
            for id in stale {
                objects.remove(&id);
            }
            match self.version(*number, to) {
                None | Some(Entry::Free) => {}
                Some(Entry::InFile { offset, generation }) => {
                    texts.push(((*number, generation), offset, self.text(offset)?));
                }
                Some(Entry::InStream { container }) => packed.push((*number, container)),
            }
        }
        for (id, object) in parse_alone(&texts)? {
            objects.insert(id, object);
        }
        for (number, container) in packed {
            let Some(Entry::InFile { offset, generation }) = self.version(container, to) else {
                return Err(unusable("object stream not in the file"));
            };
            if !self.containers.contains_key(&offset) {
                let text = self.text(offset)?;
                let stream = parse_alone(&[((container, generation), offset, text)])?
                    .into_values()
                    .next()
                    .and_then(|o| o.as_stream().ok().cloned())
                    .ok_or_else(|| unusable("object stream did not parse"))?;
                count_parsed(stream.content.len());
                // lopdf reads attacker-controlled bytes here too: a panic is an error.
                let parsed = catch_unwind(AssertUnwindSafe(|| {
                    ObjectStream::new_with_limit(&stream, Some(MAX_STREAM_BYTES))
                }))
                .map_err(|_| unusable("object stream parser failure"))?
                .map_err(|e| unusable(&format!("object stream: {e}")))?;
                self.containers.insert(offset, parsed);
            }
            let object = self
                .containers
                .get(&offset)
                .and_then(|c| c.objects.get(&(number, 0)))
                .cloned()
                .ok_or_else(|| unusable("object not in its object stream"))?;
            old.document.objects.insert((number, 0), object);
        }
        let root = self.chain[to]
            .root
            .ok_or_else(|| unusable("trailer without /Root"))?;
        old.document.trailer.set("Root", root);
        newer.extend(numbers.iter().copied());
        Ok(numbers)
    }
}

/// A classic `xref` table at `at` and its trailer.
fn read_table(bytes: &[u8], at: usize) -> Result<Section> {
    let mut words = Words { bytes, at: at + 4 };
    let mut entries = BTreeMap::new();
    let bad = || unusable("cross-reference table");
    while !words.peek_is(b"trailer") {
        let first: u32 = words.number().ok_or_else(bad)?;
        let count: u32 = words.number().ok_or_else(bad)?;
        for number in first..first.checked_add(count).ok_or_else(bad)? {
            let offset: usize = words.number().ok_or_else(bad)?;
            let generation: u16 = words.number().ok_or_else(bad)?;
            let entry = match words.next() {
                Some(b"n") => Entry::InFile { offset, generation },
                Some(b"f") => Entry::Free,
                _ => return Err(bad()),
            };
            // The first section listing an object number wins, as in any reader.
            entries.entry(number).or_insert(entry);
        }
    }
    let start = words.at + 7;
    count_parsed(start - at);
    let window = &bytes[start..bytes.len().min(start + 64 * 1024)];
    let length = find(window, b"startxref").ok_or_else(bad)?;
    // The trailer dictionary parsed as an object of its own.
    let mut text = b"1 0 obj\n".to_vec();
    text.extend_from_slice(&window[..length]);
    text.extend_from_slice(b"\nendobj\n");
    let trailer = parse_alone(&[((1, 0), 0, &text)])?
        .remove(&(1, 0))
        .and_then(|o| o.as_dict().ok().cloned())
        .ok_or_else(bad)?;
    if trailer.has(b"XRefStm") {
        return Err(unusable("hybrid file (/XRefStm)"));
    }
    Ok(Section {
        offset: at,
        entries,
        root: reference(trailer.get(b"Root").ok()),
        prev: offset_of(trailer.get(b"Prev").ok())?,
    })
}

/// A cross-reference stream at `at`.
fn read_stream(bytes: &[u8], at: usize) -> Result<Section> {
    let mut words = Words { bytes, at };
    let (Some(number), Some(generation), Some(b"obj")) =
        (words.number::<u32>(), words.number::<u16>(), words.next())
    else {
        return Err(unusable("no cross-reference section at /Prev"));
    };
    let end = find(&bytes[at..], b"startxref").map_or(bytes.len(), |e| at + e);
    let stream = parse_alone(&[((number, generation), at, &bytes[at..end])])?
        .into_values()
        .next()
        .and_then(|o| o.as_stream().ok().cloned())
        .filter(|s| s.dict.has_type(b"XRef"))
        .ok_or_else(|| unusable("cross-reference stream did not parse"))?;
    let data = catch_unwind(AssertUnwindSafe(|| {
        stream.decompressed_content_with_limit(MAX_STREAM_BYTES)
    }))
    .map_err(|_| unusable("cross-reference stream decoder failure"))?
    .map_err(|e| unusable(&format!("cross-reference stream: {e}")))?;
    count_parsed(data.len());
    let entries = decode_stream(&stream.dict, &data)?;
    Ok(Section {
        offset: at,
        entries,
        root: reference(stream.dict.get(b"Root").ok()),
        prev: offset_of(stream.dict.get(b"Prev").ok())?,
    })
}

fn numbers(dict: &Dictionary, key: &[u8]) -> Option<Vec<usize>> {
    dict.get(key)
        .ok()?
        .as_array()
        .ok()?
        .iter()
        .map(|v| v.as_i64().ok().and_then(|n| usize::try_from(n).ok()))
        .collect()
}

/// The entries of a cross-reference stream's decoded data (`/W`, `/Index`).
fn decode_stream(dict: &Dictionary, data: &[u8]) -> Result<BTreeMap<u32, Entry>> {
    let bad = || unusable("cross-reference stream fields");
    let widths = numbers(dict, b"W").ok_or_else(bad)?;
    let [kind_width, first_width, second_width] = widths.as_slice() else {
        return Err(bad());
    };
    if widths.iter().any(|w| *w > 8) {
        return Err(bad());
    }
    let row = kind_width + first_width + second_width;
    let size = dict
        .get(b"Size")
        .ok()
        .and_then(|s| s.as_i64().ok())
        .and_then(|s| usize::try_from(s).ok())
        .ok_or_else(bad)?;
    let index = numbers(dict, b"Index").unwrap_or_else(|| vec![0, size]);
    if row == 0 || !index.len().is_multiple_of(2) {
        return Err(bad());
    }
    let field = |bytes: &[u8]| bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b));
    let mut rows = data.chunks_exact(row);
    let mut entries = BTreeMap::new();
    for pair in index.chunks_exact(2) {
        for number in pair[0]..pair[0].checked_add(pair[1]).ok_or_else(bad)? {
            let row = rows.next().ok_or_else(bad)?;
            let kind = if *kind_width == 0 {
                1
            } else {
                field(&row[..*kind_width])
            };
            let first = field(&row[*kind_width..kind_width + first_width]);
            let second = field(&row[kind_width + first_width..]);
            let entry = match kind {
                0 => Entry::Free,
                1 => Entry::InFile {
                    offset: first,
                    generation: u16::try_from(second).map_err(|_| bad())?,
                },
                2 => Entry::InStream {
                    container: u32::try_from(first).map_err(|_| bad())?,
                },
                // Unknown kinds are null references (ISO 32000-1, 7.5.8.3).
                _ => continue,
            };
            let number = u32::try_from(number).map_err(|_| bad())?;
            entries.entry(number).or_insert(entry);
        }
    }
    Ok(entries)
}

const HEADER: &[u8] = b"%PDF-1.7\n";

/// Object texts (`N G obj … endobj`, each found in the file at the given offset) parsed on
/// their own, laid out in a small PDF with a table of their own; stream positions are moved
/// back to the file's. The ids must differ.
fn parse_alone(texts: &[(ObjectId, usize, &[u8])]) -> Result<BTreeMap<ObjectId, Object>> {
    if texts.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut alone = HEADER.to_vec();
    let mut placed = Vec::with_capacity(texts.len());
    for (id, _, text) in texts {
        placed.push((*id, alone.len()));
        alone.extend_from_slice(text);
        alone.push(b'\n');
    }
    let xref_at = alone.len();
    placed.sort_unstable();
    let mut table = String::from("xref\n0 1\n0000000000 65535 f \n");
    for ((number, generation), at) in &placed {
        let _ = write!(table, "{number} 1\n{at:010} {generation:05} n \n");
    }
    let (root, _) = placed[0];
    let size = placed.last().map_or(1, |((n, _), _)| n + 1);
    let _ = write!(
        table,
        "trailer\n<< /Size {size} /Root {} {} R >>\nstartxref\n{xref_at}\n%%EOF\n",
        root.0, root.1
    );
    alone.extend_from_slice(table.as_bytes());
    let mut document = reader::parse(&alone, true)?;
    let mut out = BTreeMap::new();
    for (id, offset, _) in texts {
        let at = placed
            .binary_search_by_key(id, |(id, _)| *id)
            .map(|i| placed[i].1)
            .map_err(|_| unusable("object placement"))?;
        let mut object = document
            .objects
            .remove(id)
            .ok_or_else(|| unusable(&format!("object {} {} did not parse", id.0, id.1)))?;
        if let Object::Stream(stream) = &mut object
            && let Some(position) = stream.start_position.as_mut()
        {
            *position = position.saturating_sub(at) + offset;
        }
        out.insert(*id, object);
    }
    Ok(out)
}
