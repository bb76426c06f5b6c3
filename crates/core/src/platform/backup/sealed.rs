//! The encrypted stream a backup file is: a header, then frames of AES-256-GCM under a key
//! derived with Argon2id from the passphrase. Each frame's nonce holds its number and whether it
//! is the last, and every frame's tag covers the header, so frames cannot be dropped, reordered,
//! cut off at the end or moved between files unnoticed.
//!
//! ```text
//! header  "SIGNET-BACKUP" 0x00 | version 1 | m_kib u32 | t u32 | p u32 | salt 16 | prefix 7 | check 16
//! frame   length u32 (of what follows) | AES-256-GCM(plain ≤ 1 MiB), nonce = prefix | n u32 | last u8
//! ```
//! `check` is the tag of the empty message under nonce `prefix | 0xFFFFFFFF | 2`: a wrong
//! passphrase is told apart from a damaged file before anything is read.

use std::io::{self, Read, Write};

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Nonce, Payload};

use crate::error::CoreError;
use crate::platform::random::Random;

const MAGIC: &[u8; 14] = b"SIGNET-BACKUP\0";
const VERSION: u8 = 1;
const HEADER_LEN: usize = 14 + 1 + 12 + 16 + 7 + 16;
/// Plaintext per frame.
pub const FRAME: usize = 1024 * 1024;
const TAG: usize = 16;

/// Argon2id's cost: 64 MiB, three passes (OWASP's second profile); stored in the header.
const M_KIB: u32 = 64 * 1024;
const T_COST: u32 = 3;
const P_COST: u32 = 1;

/// Why a backup file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("not a Signet backup file")]
    NotABackup,
    #[error("wrong passphrase")]
    WrongPassphrase,
    #[error("the backup file is damaged (frame {0} does not decrypt)")]
    Damaged(u32),
    #[error("the backup file is cut short")]
    Truncated,
    #[error("the backup file has bytes after its end")]
    Trailing,
    #[error("reading the backup file: {0}")]
    Io(#[from] io::Error),
    #[error("{0}")]
    Key(String),
}

impl From<OpenError> for io::Error {
    fn from(e: OpenError) -> Self {
        match e {
            OpenError::Io(e) => e,
            other => io::Error::new(io::ErrorKind::InvalidData, other),
        }
    }
}

fn derive(passphrase: &[u8], salt: &[u8], m: u32, t: u32, p: u32) -> Result<Aes256Gcm, OpenError> {
    let params = argon2::Params::new(m, t, p, Some(32))
        .map_err(|e| OpenError::Key(format!("argon2 parameters: {e}")))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = [0_u8; 32];
    argon
        .hash_password_into(passphrase, salt, &mut key)
        .map_err(|e| OpenError::Key(format!("argon2: {e}")))?;
    let cipher = Aes256Gcm::new_from_slice(&key).map_err(|_| OpenError::Key("AES key".into()));
    key.fill(0);
    cipher
}

fn nonce(prefix: [u8; 7], counter: u32, last: u8) -> Nonce<Aes256Gcm> {
    let mut n = [0_u8; 12];
    n[..7].copy_from_slice(&prefix);
    n[7..11].copy_from_slice(&counter.to_be_bytes());
    n[11] = last;
    Nonce::<Aes256Gcm>::from(n)
}

/// Encrypts what is written to it into `out`; [`SealWriter::finish`] writes the last frame.
pub struct SealWriter<W: Write> {
    out: W,
    cipher: Aes256Gcm,
    header: Vec<u8>,
    prefix: [u8; 7],
    counter: u32,
    buf: Vec<u8>,
}

impl<W: Write> SealWriter<W> {
    pub fn new(mut out: W, passphrase: &[u8]) -> Result<Self, CoreError> {
        let salt = Random.bytes::<16>()?;
        let prefix = Random.bytes::<7>()?;
        let cipher = derive(passphrase, &salt, M_KIB, T_COST, P_COST)
            .map_err(|e| CoreError::internal(e.to_string()))?;
        let check = cipher
            .encrypt(&nonce(prefix, u32::MAX, 2), Payload { msg: b"", aad: b"" })
            .map_err(|_| CoreError::internal("encrypt"))?;
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.push(VERSION);
        for n in [M_KIB, T_COST, P_COST] {
            header.extend_from_slice(&n.to_be_bytes());
        }
        header.extend_from_slice(&salt);
        header.extend_from_slice(&prefix);
        header.extend_from_slice(&check);
        out.write_all(&header)
            .map_err(|e| CoreError::internal(format!("write backup: {e}")))?;
        Ok(Self {
            out,
            cipher,
            header,
            prefix,
            counter: 0,
            buf: Vec::with_capacity(FRAME),
        })
    }

    fn seal(&mut self, len: usize, last: bool) -> io::Result<()> {
        let sealed = self
            .cipher
            .encrypt(
                &nonce(self.prefix, self.counter, u8::from(last)),
                Payload {
                    msg: &self.buf[..len],
                    aad: &self.header,
                },
            )
            .map_err(|_| io::Error::other("encrypt"))?;
        let length = u32::try_from(sealed.len()).map_err(io::Error::other)?;
        self.out.write_all(&length.to_be_bytes())?;
        self.out.write_all(&sealed)?;
        self.buf.drain(..len);
        self.counter = self
            .counter
            .checked_add(1)
            .ok_or_else(|| io::Error::other("backup too large"))?;
        Ok(())
    }

    /// Seals the rest as the last frame and hands back the output.
    pub fn finish(mut self) -> io::Result<W> {
        let len = self.buf.len();
        self.seal(len, true)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for SealWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        // A full frame is sealed only once more follows, so the last frame is never empty
        // unless the whole stream is.
        while self.buf.len() > FRAME {
            self.seal(FRAME, false)?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Decrypts a backup file as it is read; a read fails at the first frame that does not
/// decrypt, at a missing last frame, and at bytes after it.
pub struct OpenReader<R: Read> {
    input: R,
    cipher: Aes256Gcm,
    header: Vec<u8>,
    prefix: [u8; 7],
    counter: u32,
    plain: Vec<u8>,
    pos: usize,
    done: bool,
}

fn read_exact_or(input: &mut impl Read, buf: &mut [u8], short: OpenError) -> Result<(), OpenError> {
    match input.read_exact(buf) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(short),
        Err(e) => Err(OpenError::Io(e)),
    }
}

impl<R: Read> OpenReader<R> {
    /// Reads the header and checks the passphrase against it.
    pub fn new(mut input: R, passphrase: &[u8]) -> Result<Self, OpenError> {
        let mut header = vec![0_u8; HEADER_LEN];
        read_exact_or(&mut input, &mut header, OpenError::NotABackup)?;
        if &header[..14] != MAGIC || header[14] != VERSION {
            return Err(OpenError::NotABackup);
        }
        let word = |at: usize| {
            let mut b = [0_u8; 4];
            b.copy_from_slice(&header[at..at + 4]);
            u32::from_be_bytes(b)
        };
        let (m, t, p) = (word(15), word(19), word(23));
        // A crafted header must not make us allocate gigabytes or spin for minutes.
        if !(8..=1024 * 1024).contains(&m) || !(1..=16).contains(&t) || !(1..=16).contains(&p) {
            return Err(OpenError::NotABackup);
        }
        let salt = &header[27..43];
        let mut prefix = [0_u8; 7];
        prefix.copy_from_slice(&header[43..50]);
        let cipher = derive(passphrase, salt, m, t, p)?;
        cipher
            .decrypt(
                &nonce(prefix, u32::MAX, 2),
                Payload {
                    msg: &header[50..66],
                    aad: b"",
                },
            )
            .map_err(|_| OpenError::WrongPassphrase)?;
        Ok(Self {
            input,
            cipher,
            header,
            prefix,
            counter: 0,
            plain: Vec::new(),
            pos: 0,
            done: false,
        })
    }

    fn next_frame(&mut self) -> Result<(), OpenError> {
        let mut length = [0_u8; 4];
        read_exact_or(&mut self.input, &mut length, OpenError::Truncated)?;
        let length = u32::from_be_bytes(length) as usize;
        if !(TAG..=FRAME + TAG).contains(&length) {
            return Err(OpenError::Damaged(self.counter));
        }
        let mut sealed = vec![0_u8; length];
        read_exact_or(&mut self.input, &mut sealed, OpenError::Truncated)?;
        let open = |last: u8| {
            self.cipher
                .decrypt(
                    &nonce(self.prefix, self.counter, last),
                    Payload {
                        msg: &sealed,
                        aad: &self.header,
                    },
                )
                .ok()
        };
        let (plain, last) = match open(0) {
            Some(plain) => (plain, false),
            None => (open(1).ok_or(OpenError::Damaged(self.counter))?, true),
        };
        self.plain = plain;
        self.pos = 0;
        self.counter = self.counter.wrapping_add(1);
        if last {
            self.done = true;
            let mut extra = [0_u8; 1];
            if self.input.read(&mut extra)? != 0 {
                return Err(OpenError::Trailing);
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for OpenReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.plain.len() {
            if self.done {
                return Ok(0);
            }
            self.next_frame()?;
        }
        let n = out.len().min(self.plain.len() - self.pos);
        out[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seal(data: &[u8], passphrase: &[u8]) -> Vec<u8> {
        let mut w = SealWriter::new(Vec::new(), passphrase).unwrap();
        w.write_all(data).unwrap();
        w.finish().unwrap()
    }

    fn open(file: &[u8], passphrase: &[u8]) -> Result<Vec<u8>, String> {
        let mut r = OpenReader::new(file, passphrase).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        r.read_to_end(&mut out).map_err(|e| e.to_string())?;
        Ok(out)
    }

    #[test]
    fn round_trips_and_refuses_changes() {
        let data: Vec<u8> = (0..(FRAME * 2 + 77))
            .map(|i| u8::try_from(i % 251).unwrap())
            .collect();
        let file = seal(&data, b"correct horse");
        assert_eq!(open(&file, b"correct horse").unwrap(), data);
        assert_eq!(open(&seal(b"", b"p"), b"p").unwrap(), b"");
        assert_eq!(open(&file, b"wrong").unwrap_err(), "wrong passphrase");
        assert_eq!(
            open(&file[..10], b"x").unwrap_err(),
            "not a Signet backup file"
        );
        // Cut at a frame boundary: the last frame is missing.
        let cut = HEADER_LEN + 2 * (4 + FRAME + TAG);
        assert!(
            open(&file[..cut], b"correct horse")
                .unwrap_err()
                .contains("cut short")
        );
        assert!(
            open(&file[..file.len() - 1], b"correct horse")
                .unwrap_err()
                .contains("cut short")
        );
        let mut flipped = file.clone();
        flipped[HEADER_LEN + 100] ^= 1;
        assert!(
            open(&flipped, b"correct horse")
                .unwrap_err()
                .contains("damaged")
        );
        let mut longer = file.clone();
        longer.push(0);
        assert!(
            open(&longer, b"correct horse")
                .unwrap_err()
                .contains("after its end")
        );
    }
}
