//! Every signature's digest in one sequential pass over the file: one hash state per
//! algorithm runs from the start, and at each signature's `/Contents` hole a copy of it skips
//! the hole and finishes that signature's revision.

use std::collections::HashMap;

use der::asn1::ObjectIdentifier;

use crate::digest::RunningHash;
use crate::error::Result;

/// The signed ranges of one signature: `[0, hole_start)` and `[hole_end, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedRanges {
    /// First byte of the `/Contents` hole.
    pub hole_start: usize,
    /// First byte after the hole.
    pub hole_end: usize,
    /// End of the signed revision.
    pub end: usize,
}

/// Digests of `bytes` over each `(key, ranges, algorithm)` wanted, by key and algorithm.
///
/// Holes that come in file order cost nothing beyond their own revision's tail; one that
/// starts before an earlier one (not a file we write) is hashed on its own.
pub fn one_pass(
    bytes: &[u8],
    wanted: &[(usize, SignedRanges, ObjectIdentifier)],
) -> Result<HashMap<(usize, ObjectIdentifier), Vec<u8>>> {
    let mut out = HashMap::new();
    let mut order: Vec<&(usize, SignedRanges, ObjectIdentifier)> = wanted.iter().collect();
    order.sort_by_key(|(_, ranges, algorithm)| (algorithm.as_bytes().to_vec(), ranges.hole_start));
    let mut running: Option<RunningHash> = None;
    for (key, ranges, algorithm) in order {
        if running.as_ref().is_none_or(|r| r.algorithm() != *algorithm) {
            running = Some(RunningHash::new(*algorithm)?);
        }
        let Some(main) = running.as_mut() else {
            continue;
        };
        let mut own = if main.position() <= ranges.hole_start {
            main.catch_up(bytes, ranges.hole_start)?;
            main.clone()
        } else {
            let mut fresh = RunningHash::new(*algorithm)?;
            fresh.catch_up(bytes, ranges.hole_start)?;
            fresh
        };
        own.skip(ranges.hole_end - ranges.hole_start);
        own.catch_up(bytes, ranges.end)?;
        out.insert((*key, *algorithm), own.digest());
    }
    Ok(out)
}
