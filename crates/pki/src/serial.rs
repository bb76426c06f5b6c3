//! Certificate serial numbers: positive, random, with far more than 64 bits of entropy.

use rand_core::CryptoRng;
use x509_cert::serial_number::SerialNumber;

use crate::error::{PkiError, Result};

/// Random bytes in a serial (first byte forced into 0x01..=0x7f: positive, no leading zero).
const SERIAL_BYTES: usize = 16;

/// A fresh random serial: 16 bytes, 127 bits of entropy, positive, minimal DER.
pub fn random_serial<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<SerialNumber> {
    let mut bytes = [0u8; SERIAL_BYTES];
    rng.fill_bytes(&mut bytes);
    bytes[0] &= 0x7f;
    if bytes[0] == 0 {
        bytes[0] = 0x01;
    }
    SerialNumber::new(&bytes).map_err(PkiError::from)
}

/// A random serial that `is_taken` does not know, trying a few times (collisions at 127 bits
/// mean a broken RNG, so this gives up rather than loops).
pub fn unique_serial<R: CryptoRng + ?Sized>(
    rng: &mut R,
    mut is_taken: impl FnMut(&SerialNumber) -> bool,
) -> Result<SerialNumber> {
    for _ in 0..8 {
        let serial = random_serial(rng)?;
        if !is_taken(&serial) {
            return Ok(serial);
        }
    }
    Err(PkiError::Signing(
        "could not find an unused serial number".into(),
    ))
}

/// Lower-case hex of a serial, as the platform stores and OpenSSL prints it.
pub fn serial_hex(serial: &SerialNumber) -> String {
    serial
        .as_bytes()
        .iter()
        .fold(String::new(), |mut out, byte| {
            use std::fmt::Write;
            let _ = write!(out, "{byte:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn serials_are_positive_sixteen_bytes_and_unique_helper_retries() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        for _ in 0..1000 {
            let serial = random_serial(&mut rng).unwrap();
            let bytes = serial.as_bytes();
            assert_eq!(bytes.len(), 16);
            assert!(bytes[0] > 0 && bytes[0] < 0x80);
        }
        let mut calls = 0;
        let serial = unique_serial(&mut rng, |_| {
            calls += 1;
            calls < 3
        });
        assert!(serial.is_ok());
        assert!(unique_serial(&mut rng, |_| true).is_err());
        assert_eq!(
            serial_hex(&SerialNumber::new(&[0x01, 0xab]).unwrap()),
            "01ab"
        );
    }
}
