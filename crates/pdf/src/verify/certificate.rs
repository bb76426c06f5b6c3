//! The signer's certificate as a report shows it: names, issuer, serial and validity, so a
//! reader (the public verification page) can say who signed and under which certificate.

use std::fmt::Write as _;

use der::asn1::{Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
use der::{Tag, Tagged as _};
use signet_pki::names::{COMMON_NAME, ORGANIZATION, SERIAL_NUMBER, attribute};
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectKeyIdentifier};
use x509_cert::name::Name;

/// One certificate, summarised.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct CertificateSummary {
    /// The subject, RFC 4514.
    pub subject: String,
    /// The subject's `CN`.
    pub common_name: Option<String>,
    /// The subject's `O`.
    pub organisation: Option<String>,
    /// The subject's `serialNumber` (an ID number or a credit code in our profiles).
    pub subject_serial_number: Option<String>,
    /// The issuer, RFC 4514.
    pub issuer: String,
    /// The issuer's `CN`.
    pub issuer_common_name: Option<String>,
    /// The certificate's serial, lower-case hex.
    pub serial: String,
    /// `notBefore`, Unix seconds.
    pub not_before: i64,
    /// `notAfter`, Unix seconds.
    pub not_after: i64,
    /// The subject key identifier, lower-case hex.
    pub subject_key_id: Option<String>,
    /// The authority key identifier's key identifier, lower-case hex: which key signed it
    /// (names alone do not tell two CAs of the same name apart).
    pub authority_key_id: Option<String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn unix(time: &x509_cert::time::Time) -> i64 {
    i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

/// The summary of `certificate`.
pub fn summary(certificate: &Certificate) -> CertificateSummary {
    let tbs = certificate.tbs_certificate();
    let subject = tbs.subject();
    let serial = hex(tbs.serial_number().as_bytes());
    let subject_key_id = tbs
        .get_extension::<SubjectKeyIdentifier>()
        .ok()
        .flatten()
        .map(|(_, k)| hex(k.0.as_bytes()));
    let authority_key_id = tbs
        .get_extension::<AuthorityKeyIdentifier>()
        .ok()
        .flatten()
        .and_then(|(_, k)| k.key_identifier.map(|id| hex(id.as_bytes())));
    CertificateSummary {
        subject: name_text(subject),
        common_name: attribute(subject, COMMON_NAME),
        organisation: attribute(subject, ORGANIZATION),
        subject_serial_number: attribute(subject, SERIAL_NUMBER),
        issuer: name_text(tbs.issuer()),
        issuer_common_name: attribute(tbs.issuer(), COMMON_NAME),
        serial,
        not_before: unix(&tbs.validity().not_before),
        not_after: unix(&tbs.validity().not_after),
        subject_key_id,
        authority_key_id,
    }
}

/// The attribute types our certificates use, with the keyword `x509-cert`'s RFC 4514 text
/// gives them (the shortest name its OID table knows, in capitals). That text looks each
/// type up by a linear search of the whole table, a twentieth of a signature's verification.
fn keyword(attribute: &AttributeTypeAndValue) -> Option<&'static str> {
    Some(match attribute.oid.as_bytes() {
        [0x55, 0x04, 0x03] => "CN",
        [0x55, 0x04, 0x05] => "SERIALNUMBER",
        [0x55, 0x04, 0x06] => "C",
        [0x55, 0x04, 0x07] => "L",
        [0x55, 0x04, 0x08] => "ST",
        [0x55, 0x04, 0x0a] => "O",
        [0x55, 0x04, 0x0b] => "OU",
        _ => return None,
    })
}

/// The value of a string attribute, as `x509-cert` reads it.
fn string_value(attribute: &AttributeTypeAndValue) -> Option<&str> {
    let value = &attribute.value;
    match value.tag() {
        Tag::PrintableString => PrintableStringRef::try_from(value).ok().map(|s| s.as_str()),
        Tag::Utf8String => Utf8StringRef::try_from(value).ok().map(|s| s.as_str()),
        Tag::Ia5String => Ia5StringRef::try_from(value).ok().map(|s| s.as_str()),
        Tag::TeletexString => TeletexStringRef::try_from(value).ok().map(|s| s.as_str()),
        _ => None,
    }
}

/// `name` as RFC 4514 text, the same as its `Display` (tested against it): last RDN first,
/// `+` inside an RDN; a value escaped where RFC 4514 section 2.4 asks (a leading `#`, a
/// space at either end, the special characters, control characters as hex).
pub fn name_text(name: &Name) -> String {
    let mut out = String::new();
    let rdns: Vec<_> = name.iter_rdn().collect();
    for (i, rdn) in rdns.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (j, attribute) in rdn.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            match (keyword(attribute), string_value(attribute)) {
                (Some(keyword), Some(value)) => {
                    out.push_str(keyword);
                    out.push('=');
                    escape_into(&mut out, value);
                }
                _ => {
                    let _ = write!(out, "{attribute}");
                }
            }
        }
    }
    out
}

fn escape_into(out: &mut String, value: &str) {
    let last = value.char_indices().last().map(|(i, _)| i);
    for (i, c) in value.char_indices() {
        match c {
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || Some(i) == last => out.push_str("\\ "),
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\x00'..='\x1f' | '\x7f' => {
                let _ = write!(out, "\\{:02x}", c as u8);
            }
            _ => out.push(c),
        }
    }
}
