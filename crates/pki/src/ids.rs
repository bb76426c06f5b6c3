//! Chinese identifiers carried in subject names, parsed with their check characters.

use std::fmt;
use std::str::FromStr;

use crate::error::PkiError;

/// GB 32100-2015 code characters (no I, O, S, V, Z).
const CREDIT_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A unified social credit code (统一社会信用代码, GB 32100-2015), check character verified.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

impl CreditCode {
    /// Parse and check an 18-character code (upper-cased first).
    pub fn parse(input: &str) -> Result<Self, PkiError> {
        let code = input.trim().to_ascii_uppercase();
        let bytes = code.as_bytes();
        if bytes.len() != 18 || !bytes[2..8].iter().all(u8::is_ascii_digit) {
            return Err(PkiError::InvalidCreditCode);
        }
        let expected = credit_check_character(&code[..17]).ok_or(PkiError::InvalidCreditCode)?;
        if bytes[17] != expected {
            return Err(PkiError::InvalidCreditCode);
        }
        Ok(Self(code))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The GB 32100 check character for the first 17 characters, if they use the code's alphabet.
pub fn credit_check_character(first17: &str) -> Option<u8> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    let mut weight = 1u32;
    for byte in first17.bytes() {
        let value = CREDIT_CHARSET.iter().position(|c| *c == byte)?;
        sum += u32::try_from(value).ok()? * weight;
        weight = weight * 3 % 31;
    }
    let check = (31 - sum % 31) % 31;
    CREDIT_CHARSET.get(usize::try_from(check).ok()?).copied()
}

impl FromStr for CreditCode {
    type Err = PkiError;
    fn from_str(s: &str) -> Result<Self, PkiError> {
        Self::parse(s)
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A resident identity card number (居民身份证号码, GB 11643-1999), check digit verified.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

impl IdNumber {
    /// Parse and check an 18-character number (`x` accepted for `X`).
    pub fn parse(input: &str) -> Result<Self, PkiError> {
        let number = input.trim().to_ascii_uppercase();
        let bytes = number.as_bytes();
        if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
            return Err(PkiError::InvalidIdNumber);
        }
        let month = two_digits(&bytes[10..12]);
        let day = two_digits(&bytes[12..14]);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return Err(PkiError::InvalidIdNumber);
        }
        let expected = id_check_digit(&number[..17]).ok_or(PkiError::InvalidIdNumber)?;
        if bytes[17] != expected {
            return Err(PkiError::InvalidIdNumber);
        }
        Ok(Self(number))
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn two_digits(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |acc, b| acc * 10 + (b - b'0'))
}

/// The GB 11643 check digit (`0`–`9` or `X`) for the first 17 digits.
pub fn id_check_digit(first17: &str) -> Option<u8> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (byte, weight) in first17.bytes().zip(WEIGHTS) {
        if !byte.is_ascii_digit() {
            return None;
        }
        sum += u32::from(byte - b'0') * weight;
    }
    Some(b"10X98765432"[usize::try_from(sum % 11).ok()?])
}

impl FromStr for IdNumber {
    type Err = PkiError;
    fn from_str(s: &str) -> Result<Self, PkiError> {
        Self::parse(s)
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Masks all but the region and the check digit, so logs never hold a full number.
impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({}…{})", &self.0[..3], &self.0[17..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_code_check_character() {
        // A published code (国家市场监督管理总局 example format) and a computed one.
        let first = "91110108MA01ABCD1";
        let check = char::from(credit_check_character(first).unwrap());
        let good = format!("{first}{check}");
        assert!(CreditCode::parse(&good).is_ok());
        let bad_check = if check == '0' { '1' } else { '0' };
        assert!(CreditCode::parse(&format!("{first}{bad_check}")).is_err());
        assert!(CreditCode::parse("91110108MA01ABCD").is_err());
        assert!(CreditCode::parse("9111O108MA01ABCD1E").is_err());
        // Known real code: 91350100M000100Y43.
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
    }

    #[test]
    fn id_number_check_digit() {
        // The GB 11643 standard's own example.
        assert!(IdNumber::parse("11010519491231002X").is_ok());
        assert!(IdNumber::parse("11010519491231002x").is_ok());
        assert!(IdNumber::parse("110105194912310021").is_err());
        assert!(IdNumber::parse("110105194913310029").is_err());
        assert!(format!("{:?}", IdNumber::parse("11010519491231002X").unwrap()).contains('…'));
    }
}
