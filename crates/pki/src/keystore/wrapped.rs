//! The stored form of a software key (format 1): the clear PKCS#8 sealed with AES-256-GCM under
//! a wrapping key derived by Argon2id from the key-encryption key (KEK). The header names the KEK
//! by its id (so a store holding an old and a new KEK opens both during a rotation) and carries
//! the KDF parameters and salt; the header, the key's algorithm and its SM2 ID are the GCM
//! associated data, so none of them can be changed without the key being refused.
//!
//! ```text
//! "SGNK" | format 0x01 | kid[8] | kdf 0x01 (Argon2id v1.3) | m KiB u32 | t u32 | p u32
//!        | salt[16] | nonce[12] | ciphertext ‖ tag[16]
//! ```

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use zeroize::Zeroizing;

use crate::algorithm::KeyAlgorithm;
use crate::error::{PkiError, Result};

/// The first bytes of a format-1 wrapped key (a PKCS#8 document starts with 0x30 instead).
pub const MAGIC: &[u8; 4] = b"SGNK";
const FORMAT: u8 = 1;
const KDF_ARGON2ID: u8 = 1;
const SALT_LEN: usize = 16;
const HEADER_LEN: usize = 4 + 1 + 8 + 1 + 12 + SALT_LEN + NONCE_LEN;

/// Argon2id cost. The default is RFC 9106's second recommended option (64 MiB, 3 passes,
/// 4 lanes). A blob's own parameters are read from its header, within [`KdfParams::MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes.
    pub passes: u32,
    /// Lanes.
    pub lanes: u32,
}

impl KdfParams {
    /// RFC 9106 §4, second recommended option.
    pub const DEFAULT: Self = Self {
        memory_kib: 64 * 1024,
        passes: 3,
        lanes: 4,
    };

    /// The most a stored header may ask for (a damaged or hostile header cannot make loading a
    /// key take gigabytes or minutes).
    const MAX: Self = Self {
        memory_kib: 1024 * 1024,
        passes: 16,
        lanes: 16,
    };

    fn check(self) -> Result<Self> {
        let max = Self::MAX;
        if self.memory_kib > max.memory_kib || self.passes > max.passes || self.lanes > max.lanes {
            return Err(PkiError::Key(
                "stored key asks for excessive KDF cost".into(),
            ));
        }
        Ok(self)
    }
}

/// The parts of a format-1 blob.
pub struct Wrapped<'a> {
    /// Id of the KEK it was wrapped under.
    pub kid: [u8; 8],
    /// KDF parameters.
    pub kdf: KdfParams,
    /// KDF salt.
    pub salt: [u8; SALT_LEN],
    header: &'a [u8],
    nonce: [u8; NONCE_LEN],
    sealed: &'a [u8],
}

/// Whether `blob` is format 1 (else it is the legacy PKCS#8 `EncryptedPrivateKeyInfo`).
pub fn is_wrapped(blob: &[u8]) -> bool {
    blob.starts_with(MAGIC)
}

fn array<const N: usize>(bytes: &[u8], at: usize) -> Result<[u8; N]> {
    bytes
        .get(at..at + N)
        .and_then(|slice| slice.try_into().ok())
        .ok_or(PkiError::KeyDecryption)
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32> {
    Ok(u32::from_be_bytes(array::<4>(bytes, at)?))
}

/// Reads a format-1 header; a damaged one is [`PkiError::KeyDecryption`].
pub fn parse(blob: &[u8]) -> Result<Wrapped<'_>> {
    if blob.len() < HEADER_LEN + 16 || !is_wrapped(blob) {
        return Err(PkiError::KeyDecryption);
    }
    if blob[4] != FORMAT || blob[13] != KDF_ARGON2ID {
        return Err(PkiError::Key("unknown stored key format".into()));
    }
    let kdf = KdfParams {
        memory_kib: u32_at(blob, 14)?,
        passes: u32_at(blob, 18)?,
        lanes: u32_at(blob, 22)?,
    }
    .check()?;
    let (header, sealed) = blob.split_at(HEADER_LEN);
    Ok(Wrapped {
        kid: array(blob, 5)?,
        kdf,
        salt: array(blob, 26)?,
        nonce: array(blob, 26 + SALT_LEN)?,
        header,
        sealed,
    })
}

/// The wrapping key for `kek` under `kdf` and `salt`.
pub fn derive(kek: &[u8; 32], kdf: KdfParams, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
    let params = argon2::Params::new(kdf.memory_kib, kdf.passes, kdf.lanes, Some(32))
        .map_err(|e| PkiError::Key(format!("argon2 parameters: {e}")))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(kek, salt, out.as_mut())
        .map_err(|e| PkiError::Key(format!("argon2: {e}")))?;
    Ok(out)
}

/// What the tag also covers besides the header: the key's algorithm and SM2 ID, so a stored
/// key cannot be relabelled.
fn associated(header: &[u8], algorithm: KeyAlgorithm, sm2_id: &str) -> Vec<u8> {
    let mut aad = header.to_vec();
    for part in [algorithm.name(), sm2_id] {
        aad.extend_from_slice(&(part.len() as u64).to_be_bytes());
        aad.extend_from_slice(part.as_bytes());
    }
    aad
}

fn aead(key: &[u8; 32]) -> Result<LessSafeKey> {
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| PkiError::Key("AES-256-GCM key".into()))
}

/// Seals `clear` (PKCS#8 DER) into a format-1 blob.
pub struct Seal<'a> {
    /// Id of the KEK `wrapping_key` was derived from.
    pub kid: [u8; 8],
    /// Parameters it was derived with.
    pub kdf: KdfParams,
    /// Salt it was derived with.
    pub salt: [u8; SALT_LEN],
    /// The derived key.
    pub wrapping_key: &'a [u8; 32],
    /// A fresh random nonce.
    pub nonce: [u8; NONCE_LEN],
}

impl Seal<'_> {
    /// The blob for `clear`, bound to `algorithm` and `sm2_id`.
    pub fn seal(&self, clear: &[u8], algorithm: KeyAlgorithm, sm2_id: &str) -> Result<Vec<u8>> {
        let mut blob = Vec::with_capacity(HEADER_LEN + clear.len() + 16);
        blob.extend_from_slice(MAGIC);
        blob.push(FORMAT);
        blob.extend_from_slice(&self.kid);
        blob.push(KDF_ARGON2ID);
        for value in [self.kdf.memory_kib, self.kdf.passes, self.kdf.lanes] {
            blob.extend_from_slice(&value.to_be_bytes());
        }
        blob.extend_from_slice(&self.salt);
        blob.extend_from_slice(&self.nonce);
        let aad = associated(&blob, algorithm, sm2_id);
        let mut body = clear.to_vec();
        aead(self.wrapping_key)?
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(self.nonce),
                Aad::from(aad.as_slice()),
                &mut body,
            )
            .map_err(|_| PkiError::Key("AES-256-GCM seal".into()))?;
        blob.extend_from_slice(&body);
        Ok(blob)
    }
}

impl Wrapped<'_> {
    /// The clear PKCS#8 DER; any change to the blob, the algorithm or the SM2 ID is refused.
    pub fn open(
        &self,
        wrapping_key: &[u8; 32],
        algorithm: KeyAlgorithm,
        sm2_id: &str,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let aad = associated(self.header, algorithm, sm2_id);
        let mut body = Zeroizing::new(self.sealed.to_vec());
        let clear = aead(wrapping_key)?
            .open_in_place(
                Nonce::assume_unique_for_key(self.nonce),
                Aad::from(aad.as_slice()),
                body.as_mut_slice(),
            )
            .map_err(|_| PkiError::KeyDecryption)?;
        Ok(Zeroizing::new(clear.to_vec()))
    }
}
