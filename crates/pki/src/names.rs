//! Subject names: RFC 4514 strings with UTF-8 (Chinese) values to X.501 `Name` and back.

use der::asn1::{Ia5StringRef, ObjectIdentifier, PrintableStringRef, SetOfVec, Utf8StringRef};
use der::{Any, Decode, Encode, Tag, Tagged};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use crate::error::{PkiError, Result};

/// id-at-commonName.
pub const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
/// id-at-serialNumber.
pub const SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");
/// id-at-countryName.
pub const COUNTRY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
/// id-at-organizationName.
pub const ORGANIZATION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
/// id-at-organizationalUnitName.
pub const ORGANIZATIONAL_UNIT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");
/// emailAddress (PKCS#9).
pub const EMAIL_ADDRESS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");

/// Attribute types we accept, by every name RFC 4514 and OpenSSL use (matched case-insensitively).
const TYPES: &[(&str, &str)] = &[
    ("cn", "2.5.4.3"),
    ("commonname", "2.5.4.3"),
    ("sn", "2.5.4.4"),
    ("surname", "2.5.4.4"),
    ("serialnumber", "2.5.4.5"),
    ("c", "2.5.4.6"),
    ("l", "2.5.4.7"),
    ("st", "2.5.4.8"),
    ("street", "2.5.4.9"),
    ("o", "2.5.4.10"),
    ("ou", "2.5.4.11"),
    ("title", "2.5.4.12"),
    ("givenname", "2.5.4.42"),
    ("gn", "2.5.4.42"),
    ("organizationidentifier", "2.5.4.97"),
    ("emailaddress", "1.2.840.113549.1.9.1"),
    ("e", "1.2.840.113549.1.9.1"),
];

/// Longest value we accept for one attribute (RFC 5280's upper bounds are ≤ 255 for all these).
const MAX_VALUE_CHARS: usize = 255;

/// Parse an RFC 4514 name (`CN=测试科技有限公司,O=测试科技有限公司,serialNumber=…,C=CN`).
///
/// Values are `UTF8String`, except `C` and `serialNumber` (`PrintableString`) and `emailAddress`
/// (`IA5String`). Multi-valued RDNs (`+`) are refused: profiles expect one attribute per RDN.
pub fn parse_name(input: &str) -> Result<Name> {
    let mut rdns = Vec::new();
    for part in split_unescaped(input, b',')? {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| PkiError::InvalidName(format!("`{part}` has no `=`")))?;
        let oid = attribute_oid(key.trim())?;
        let value = unescape(value.trim())?;
        if value.is_empty() || value.chars().count() > MAX_VALUE_CHARS {
            return Err(PkiError::InvalidName(format!("{key} is empty or too long")));
        }
        let any = encode_value(oid, &value)?;
        let mut set = SetOfVec::new();
        set.insert(AttributeTypeAndValue { oid, value: any })?;
        let rdn = RelativeDistinguishedName::from_der(&set.to_der()?)?;
        rdns.push(rdn);
    }
    if rdns.is_empty() {
        return Err(PkiError::InvalidName("empty name".into()));
    }
    // RFC 4514 writes the most specific RDN first; DER order is the reverse.
    rdns.reverse();
    let mut sequence = RdnSequence::default();
    for rdn in rdns {
        sequence.push(rdn);
    }
    Ok(Name::from_der(&sequence.to_der()?)?)
}

fn attribute_oid(key: &str) -> Result<ObjectIdentifier> {
    let lower = key.to_ascii_lowercase();
    if let Some((_, oid)) = TYPES.iter().find(|(name, _)| *name == lower) {
        return ObjectIdentifier::new(oid).map_err(|e| PkiError::InvalidName(e.to_string()));
    }
    if key.starts_with(|c: char| c.is_ascii_digit()) {
        return ObjectIdentifier::new(key).map_err(|e| PkiError::InvalidName(e.to_string()));
    }
    Err(PkiError::InvalidName(format!(
        "unknown attribute type `{key}`"
    )))
}

fn encode_value(oid: ObjectIdentifier, value: &str) -> Result<Any> {
    let bad = |what: &str| PkiError::InvalidName(format!("{oid}: {what}"));
    if oid == COUNTRY {
        if value.len() != 2 || !value.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(bad("country must be two upper-case letters"));
        }
        return Ok(Any::encode_from(&PrintableStringRef::new(value)?)?);
    }
    if oid == SERIAL_NUMBER {
        let printable = PrintableStringRef::new(value).map_err(|_| bad("not printable"))?;
        return Ok(Any::encode_from(&printable)?);
    }
    if oid == EMAIL_ADDRESS {
        let ia5 = Ia5StringRef::new(value).map_err(|_| bad("not IA5"))?;
        return Ok(Any::encode_from(&ia5)?);
    }
    Ok(Any::encode_from(&Utf8StringRef::new(value)?)?)
}

fn split_unescaped(input: &str, separator: u8) -> Result<Vec<&str>> {
    let bytes = input.as_bytes();
    let mut parts = Vec::new();
    let mut start = 0;
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' => index += 2,
            b'+' => {
                return Err(PkiError::InvalidName(
                    "multi-valued RDNs are not accepted".into(),
                ));
            }
            byte if byte == separator => {
                parts.push(&input[start..index]);
                start = index + 1;
                index += 1;
            }
            _ => index += 1,
        }
    }
    if start < input.len() || !parts.is_empty() {
        parts.push(&input[start..]);
    }
    Ok(parts.into_iter().filter(|p| !p.trim().is_empty()).collect())
}

fn unescape(value: &str) -> Result<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] != b'\\' {
            out.push(bytes[index]);
            index += 1;
            continue;
        }
        let next = *bytes
            .get(index + 1)
            .ok_or_else(|| PkiError::InvalidName("dangling `\\`".into()))?;
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        if let Some(byte) = hex {
            out.push(byte);
            index += 3;
        } else {
            out.push(next);
            index += 2;
        }
    }
    String::from_utf8(out).map_err(|_| PkiError::InvalidName("value is not UTF-8".into()))
}

/// The string value of the first attribute of type `oid` in `name`, if any.
pub fn attribute(name: &Name, oid: ObjectIdentifier) -> Option<String> {
    name.iter()
        .find(|atv| atv.oid == oid)
        .and_then(|atv| value_text(&atv.value))
}

fn value_text(value: &Any) -> Option<String> {
    match value.tag() {
        Tag::Utf8String => Utf8StringRef::try_from(value).ok().map(|s| s.to_string()),
        Tag::PrintableString => PrintableStringRef::try_from(value)
            .ok()
            .map(|s| s.to_string()),
        Tag::Ia5String => Ia5StringRef::try_from(value).ok().map(|s| s.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_chinese_values_in_rfc4514_order() {
        let name = parse_name(
            "CN=测试科技有限公司,O=测试科技有限公司,serialNumber=91350100M000100Y43,C=CN",
        )
        .unwrap();
        let rdns: Vec<_> = name.iter().map(|atv| atv.oid).collect();
        assert_eq!(rdns, [COUNTRY, SERIAL_NUMBER, ORGANIZATION, COMMON_NAME]);
        assert_eq!(
            attribute(&name, COMMON_NAME).as_deref(),
            Some("测试科技有限公司")
        );
        let country = name.iter().next().unwrap();
        assert_eq!(country.value.tag(), Tag::PrintableString);
    }

    #[test]
    fn escapes_and_errors() {
        let name = parse_name(r"CN=A\, B,O=x\2Cy").unwrap();
        assert_eq!(attribute(&name, COMMON_NAME).as_deref(), Some("A, B"));
        assert_eq!(attribute(&name, ORGANIZATION).as_deref(), Some("x,y"));
        assert!(parse_name("").is_err());
        assert!(parse_name("CN").is_err());
        assert!(parse_name("XX=1").is_err());
        assert!(parse_name("C=China").is_err());
        assert!(parse_name("CN=a+O=b").is_err());
        assert!(parse_name("serialNumber=测试").is_err());
    }
}
