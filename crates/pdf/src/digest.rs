//! Digests carried forward across revisions: a PDF only grows at its end, so the hash state of
//! one revision is the starting point of every later signature's digest.
//!
//! Every byte the crate hashes for a signature goes through [`RunningHash`], which also counts
//! it on a per-thread counter ([`bytes_hashed`]) so tests can hold the single-pass property.

use std::cell::Cell;

use der::asn1::ObjectIdentifier;
use sha2::Digest as _;
use signet_pki::algorithm::{SHA256, SHA384, SHA512, SM3};

use crate::error::{PdfError, Result};

thread_local! {
    static HASHED: Cell<u64> = const { Cell::new(0) };
}

/// Bytes hashed by [`RunningHash`] on this thread since it started (tests take differences).
#[must_use]
pub fn bytes_hashed() -> u64 {
    HASHED.with(Cell::get)
}

#[derive(Clone)]
enum State {
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
    Sm3(sm3::Sm3),
}

/// A hash state over a prefix of a growing file.
#[derive(Clone)]
pub struct RunningHash {
    algorithm: ObjectIdentifier,
    state: State,
    /// How many bytes of the file the state covers.
    position: usize,
}

impl RunningHash {
    /// A fresh state for `algorithm` (SHA-256/384/512 or SM3).
    pub fn new(algorithm: ObjectIdentifier) -> Result<Self> {
        let state = if algorithm == SHA256 {
            State::Sha256(sha2::Sha256::new())
        } else if algorithm == SHA384 {
            State::Sha384(sha2::Sha384::new())
        } else if algorithm == SHA512 {
            State::Sha512(sha2::Sha512::new())
        } else if algorithm == SM3 {
            State::Sm3(sm3::Sm3::new())
        } else {
            return Err(PdfError::Malformed(format!(
                "unsupported digest {algorithm}"
            )));
        };
        Ok(Self {
            algorithm,
            state,
            position: 0,
        })
    }

    /// The digest algorithm.
    #[must_use]
    pub fn algorithm(&self) -> ObjectIdentifier {
        self.algorithm
    }

    /// Bytes of the file covered so far.
    #[must_use]
    pub fn position(&self) -> usize {
        self.position
    }

    /// Hash the next `bytes` of the file.
    pub fn update(&mut self, bytes: &[u8]) {
        HASHED.with(|h| h.set(h.get() + bytes.len() as u64));
        match &mut self.state {
            State::Sha256(h) => h.update(bytes),
            State::Sha384(h) => h.update(bytes),
            State::Sha512(h) => h.update(bytes),
            State::Sm3(h) => h.update(bytes),
        }
        self.position += bytes.len();
    }

    /// Skip `length` bytes of the file (a signature's `/Contents` hole).
    pub fn skip(&mut self, length: usize) {
        self.position += length;
    }

    /// Hash `file[position..end]`, so the state covers the first `end` bytes.
    pub fn catch_up(&mut self, file: &[u8], end: usize) -> Result<()> {
        let part = file
            .get(self.position..end)
            .ok_or_else(|| PdfError::Malformed("hash range outside the file".into()))?;
        self.update(part);
        Ok(())
    }

    /// The digest of everything hashed so far (the state itself goes on).
    #[must_use]
    pub fn digest(&self) -> Vec<u8> {
        match self.state.clone() {
            State::Sha256(h) => h.finalize().to_vec(),
            State::Sha384(h) => h.finalize().to_vec(),
            State::Sha512(h) => h.finalize().to_vec(),
            State::Sm3(h) => h.finalize().to_vec(),
        }
    }
}
