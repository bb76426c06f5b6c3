//! Randomness from the operating system, behind one type held in app state.

use crate::error::CoreError;

/// Source of secrets: session tokens, SMS codes, captcha text, salts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Random;

impl Random {
    pub fn bytes<const N: usize>(self) -> Result<[u8; N], CoreError> {
        let mut buf = [0u8; N];
        getrandom::fill(&mut buf).map_err(|e| CoreError::internal(format!("getrandom: {e}")))?;
        Ok(buf)
    }

    /// A URL-safe token carrying 256 bits.
    pub fn token(self) -> Result<String, CoreError> {
        Ok(hex::encode(self.bytes::<32>()?))
    }

    /// `len` decimal digits, uniform (rejection sampling avoids modulo bias).
    pub fn digits(self, len: usize) -> Result<String, CoreError> {
        let mut out = String::with_capacity(len);
        while out.len() < len {
            for b in self.bytes::<16>()? {
                if b < 250 && out.len() < len {
                    out.push(char::from(b'0' + b % 10));
                }
            }
        }
        Ok(out)
    }

    /// A uniform index below `bound` (bound ≤ 256).
    pub fn below(self, bound: u8) -> Result<u8, CoreError> {
        let limit = 256 - (256 % u16::from(bound.max(1)));
        loop {
            for b in self.bytes::<8>()? {
                if u16::from(b) < limit {
                    return Ok(b % bound.max(1));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_digits_of_the_right_length() {
        let code = Random.digits(6).unwrap();
        assert_eq!(code.len(), 6);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
        assert_ne!(Random.token().unwrap(), Random.token().unwrap());
    }

    #[test]
    fn below_stays_below() {
        for _ in 0..200 {
            assert!(Random.below(23).unwrap() < 23);
        }
    }
}
