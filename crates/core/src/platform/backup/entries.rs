//! What is inside the decrypted stream: a sequence of entries, each a name and its bytes, closed
//! by an end marker (so a stream cut at an entry boundary is not taken for a complete one).
//!
//! ```text
//! entry   b'F' | name length u16 | name (UTF-8) | size u64 | bytes
//! end     b'E'
//! ```
//! Names are relative paths of `/`-separated plain components under one of the top-level
//! folders a backup writes; anything else is refused before it is written anywhere.

use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

const FILE: u8 = b'F';
const END: u8 = b'E';

/// The longest entry name accepted.
const NAME_MAX: usize = 1024;

pub fn write_entry(
    out: &mut impl Write,
    name: &str,
    size: u64,
    content: &mut impl Read,
) -> io::Result<()> {
    let name_len = u16::try_from(name.len())
        .ok()
        .filter(|&n| usize::from(n) <= NAME_MAX)
        .ok_or_else(|| io::Error::other(format!("entry name too long: {name}")))?;
    out.write_all(&[FILE])?;
    out.write_all(&name_len.to_be_bytes())?;
    out.write_all(name.as_bytes())?;
    out.write_all(&size.to_be_bytes())?;
    let copied = io::copy(&mut content.take(size), out)?;
    if copied != size {
        return Err(io::Error::other(format!(
            "{name} changed while it was backed up ({copied} of {size} bytes)"
        )));
    }
    Ok(())
}

pub fn write_end(out: &mut impl Write) -> io::Result<()> {
    out.write_all(&[END])
}

/// One entry's header, read; its `size` bytes follow in the stream.
#[derive(Debug)]
pub struct EntryHeader {
    pub name: String,
    pub size: u64,
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// The next entry's header, or `None` at the end marker.
pub fn read_header(input: &mut impl Read) -> io::Result<Option<EntryHeader>> {
    let mut tag = [0_u8; 1];
    input.read_exact(&mut tag)?;
    match tag[0] {
        END => return Ok(None),
        FILE => {}
        other => return Err(invalid(format!("unknown entry kind {other:#04x}"))),
    }
    let mut len = [0_u8; 2];
    input.read_exact(&mut len)?;
    let len = usize::from(u16::from_be_bytes(len));
    if len == 0 || len > NAME_MAX {
        return Err(invalid(format!("entry name of {len} bytes")));
    }
    let mut name = vec![0_u8; len];
    input.read_exact(&mut name)?;
    let name = String::from_utf8(name).map_err(|_| invalid("entry name not UTF-8".into()))?;
    let mut size = [0_u8; 8];
    input.read_exact(&mut size)?;
    Ok(Some(EntryHeader {
        name,
        size: u64::from_be_bytes(size),
    }))
}

/// `name` as a relative path of plain components (no `..`, no root, no empty part).
pub fn safe_relative(name: &str) -> Option<PathBuf> {
    if name.is_empty() || name.contains('\\') || name.contains('\0') {
        return None;
    }
    let path = Path::new(name);
    let plain = name
        .split('/')
        .all(|part| !part.is_empty() && part != "." && part != "..")
        && path.components().all(|c| matches!(c, Component::Normal(_)));
    plain.then(|| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_escaping_the_folder_are_refused() {
        assert!(safe_relative("blobs/ab/abcd").is_some());
        for wrong in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../b",
            "a//b",
            "a/./b",
            "a\\b",
            "a/",
        ] {
            assert!(safe_relative(wrong).is_none(), "{wrong}");
        }
    }

    #[test]
    fn entries_round_trip() {
        let mut out = Vec::new();
        write_entry(&mut out, "audit/x.json", 3, &mut &b"abc"[..]).unwrap();
        write_end(&mut out).unwrap();
        let mut input = &out[..];
        let header = read_header(&mut input).unwrap().unwrap();
        assert_eq!((header.name.as_str(), header.size), ("audit/x.json", 3));
        let mut body = [0_u8; 3];
        input.read_exact(&mut body).unwrap();
        assert!(read_header(&mut input).unwrap().is_none());
        // A file that shrank while it was read is an error, not a short entry.
        assert!(write_entry(&mut Vec::new(), "a", 5, &mut &b"abc"[..]).is_err());
    }
}
