//! Identifiers with rules, parsed once at the edge: a certificate's serial in its one canonical
//! form, and money as integer fen with checked arithmetic. On the wire both are what they were
//! before (a hex string, a number).

use std::fmt;

use serde::{Deserialize, Serialize};
use x509_cert::serial_number::SerialNumber;

/// A certificate serial number as the platform stores and prints it: the lower-case hex of its
/// DER integer content (positive, minimal: no leading zero byte unless the next byte has its top
/// bit set, so `00ff` but `01ab`). Typed forms (`0x…`, `:`-separated, any case, leading zeros
/// or an odd digit count) parse to the same value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CertificateSerial(String);

/// Longest serial accepted: RFC 5280 allows 20 octets; a little room for non-conforming CAs.
const MAX_SERIAL_BYTES: usize = 32;

impl CertificateSerial {
    /// Parses a serial as people and tools write it; `None` when it is not hex, is empty or zero,
    /// or is too long.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let text = text
            .strip_prefix("0x")
            .or_else(|| text.strip_prefix("0X"))
            .unwrap_or(text);
        let digits: String = text
            .chars()
            .filter(|c| *c != ':' && *c != ' ')
            .collect::<String>()
            .to_ascii_lowercase();
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let significant = digits.trim_start_matches('0');
        if significant.is_empty() {
            return None;
        }
        let mut hex = if significant.len() % 2 == 1 {
            format!("0{significant}")
        } else {
            significant.to_owned()
        };
        // A positive DER integer whose top bit is set carries one zero byte in front.
        if hex.as_bytes().first().is_some_and(|b| *b >= b'8') {
            hex.insert_str(0, "00");
        }
        (hex.len() / 2 <= MAX_SERIAL_BYTES + 1).then_some(Self(hex))
    }

    /// The serial of a certificate, from its DER content bytes.
    pub fn of(serial: &SerialNumber) -> Self {
        let hex = signet_pki::serial::serial_hex(serial);
        // DER content is already minimal; parsing only guards against a non-minimal encoding.
        Self::parse(&hex).unwrap_or(Self(hex))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for CertificateSerial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CertificateSerial {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom("not a certificate serial number"))
    }
}

/// Declares an opaque text id with a type of its own, so that an order's id is never passed where
/// a user's is meant. On the wire and in the database it is the same string as before; it reads
/// as a `&str` where one is wanted (`Deref`), and compares with strings.
#[macro_export]
macro_rules! text_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug,
            Clone,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            Default,
            serde::Serialize,
            serde::Deserialize,
            sqlx::Type,
        )]
        #[serde(transparent)]
        #[sqlx(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    };
}

text_id!(
    /// A user's id (`users.id`): whoever signs in, applicant or staff.
    UserId
);

/// An amount of money in fen (1/100 yuan). Arithmetic is checked: an overflow is an error, never
/// a wrapped price.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fen(i64);

impl Fen {
    pub const ZERO: Self = Self(0);

    pub const fn new(fen: i64) -> Self {
        Self(fen)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Self) -> Option<Self> {
        self.0.checked_add(other.0).map(Self)
    }

    pub fn checked_mul(self, factor: i64) -> Option<Self> {
        self.0.checked_mul(factor).map(Self)
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// As yuan with two decimals: `30005` → `300.05`.
    pub fn yuan(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let fen = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", fen / 100, fen % 100)
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.yuan())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn serials_have_one_form() {
        let canonical = CertificateSerial::parse("01ab").unwrap();
        for typed in ["0x1AB", "01:AB", " 1ab ", "0001ab", "1ab"] {
            assert_eq!(
                CertificateSerial::parse(typed).as_ref(),
                Some(&canonical),
                "{typed}"
            );
        }
        assert_eq!(CertificateSerial::parse("ff").unwrap().as_str(), "00ff");
        assert_eq!(CertificateSerial::parse("00ff").unwrap().as_str(), "00ff");
        for bad in ["", "0", "00:00", "xyz", "12-34", &"ab".repeat(40)] {
            assert_eq!(CertificateSerial::parse(bad), None, "{bad}");
        }
        let der = SerialNumber::new(&[0x01, 0xab]).unwrap();
        assert_eq!(CertificateSerial::of(&der), canonical);
        assert_eq!(serde_json::to_string(&canonical).unwrap(), "\"01ab\"");
        let read: CertificateSerial = serde_json::from_str("\"01:AB\"").unwrap();
        assert_eq!(read, canonical);
    }

    #[test]
    fn text_ids_are_their_string_on_the_wire_and_in_comparisons() {
        let id = UserId::new("u-1");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"u-1\"");
        let read: UserId = serde_json::from_str("\"u-2\"").unwrap();
        assert_eq!(read.as_str(), "u-2");
        assert_eq!(id, "u-1");
        assert_eq!("u-1", id);
        assert_ne!(id, "u-2");
        let text: &str = &id;
        assert_eq!(text, "u-1");
        assert_eq!(String::from(id.clone()), "u-1");
        assert_eq!(id.to_string(), "u-1");
    }

    #[test]
    fn money_is_checked() {
        assert_eq!(Fen::new(30_005).yuan(), "300.05");
        assert_eq!(Fen::new(-5).yuan(), "-0.05");
        assert_eq!(Fen::new(i64::MAX).checked_add(Fen::new(1)), None);
        assert_eq!(Fen::new(i64::MAX / 2 + 1).checked_mul(2), None);
        assert_eq!(serde_json::to_string(&Fen::new(300)).unwrap(), "300");
    }

    proptest! {
        #[test]
        fn serial_from_der_bytes_matches_any_typed_form(
            bytes in proptest::collection::vec(any::<u8>(), 1..20),
            upper in any::<bool>(),
            colons in any::<bool>(),
            zeros in 0usize..4,
        ) {
            // The DER content of a positive serial: minimal, with a zero byte before a top bit.
            let mut content: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
            prop_assume!(!content.is_empty());
            if content[0] >= 0x80 {
                content.insert(0, 0);
            }
            let der = SerialNumber::new(&content).unwrap();
            let canonical = CertificateSerial::of(&der);
            let hex: Vec<String> = content.iter().map(|b| format!("{b:02x}")).collect();
            let mut typed = hex.join(if colons { ":" } else { "" });
            if upper {
                typed = typed.to_uppercase();
            }
            typed.insert_str(0, &"0".repeat(zeros));
            prop_assert_eq!(CertificateSerial::parse(&typed), Some(canonical.clone()));
            // Parsing the canonical form gives it back.
            prop_assert_eq!(CertificateSerial::parse(canonical.as_str()), Some(canonical));
        }

        #[test]
        fn yuan_text_round_trips(fen in any::<i64>()) {
            let text = Fen::new(fen).yuan();
            let (whole, frac) = text.trim_start_matches('-').split_once('.').unwrap();
            prop_assert_eq!(frac.len(), 2);
            let back = whole.parse::<u64>().unwrap() * 100 + frac.parse::<u64>().unwrap();
            prop_assert_eq!(back, fen.unsigned_abs());
        }
    }
}
