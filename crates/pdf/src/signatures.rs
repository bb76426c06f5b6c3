//! Finding the signatures in a PDF and reading the certificates and tokens their CMS carries.

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode, Encode};
use lopdf::{Object, ObjectId};
use x509_cert::Certificate;

use crate::error::{PdfError, Result};
use crate::reader::{MAX_DEPTH, Pdf};
use crate::sign::cms::SIGNATURE_TIMESTAMP;

/// A signature dictionary reached from a signature field.
#[derive(Clone, Debug)]
pub struct FoundSignature {
    /// The field's full name.
    pub field_name: String,
    /// The signature dictionary's object id.
    pub dictionary: ObjectId,
    /// The field (widget) object id.
    pub field: ObjectId,
    /// `/Type /DocTimeStamp` (or `ETSI.RFC3161`).
    pub document_timestamp: bool,
    /// `/SubFilter`.
    pub sub_filter: String,
    /// `/ByteRange`.
    pub byte_range: Vec<i64>,
    /// `/Contents`, trimmed to its DER length.
    pub contents: Vec<u8>,
    /// `/M`, as written.
    pub claimed_time: Option<String>,
    /// 0-based page of the widget, when it names one.
    pub page: Option<usize>,
    /// Widget rectangle.
    pub rect: Option<[f32; 4]>,
}

/// The DER object at the start of `bytes` (hex `/Contents` is zero-padded).
pub fn der_prefix(bytes: &[u8]) -> Result<&[u8]> {
    let bad = || PdfError::Malformed("signature contents are not DER".into());
    let length_byte = *bytes.get(1).ok_or_else(bad)?;
    let (header, length) = if length_byte < 0x80 {
        (2, usize::from(length_byte))
    } else {
        let count = usize::from(length_byte & 0x7f);
        if count == 0 || count > 4 {
            return Err(bad());
        }
        let digits = bytes.get(2..2 + count).ok_or_else(bad)?;
        (
            2 + count,
            digits
                .iter()
                .fold(0usize, |n, d| (n << 8) | usize::from(*d)),
        )
    };
    bytes.get(..header + length).ok_or_else(bad)
}

fn name_of(pdf: &Pdf, dict: &lopdf::Dictionary) -> String {
    dict.get(b"T")
        .ok()
        .and_then(|t| pdf.resolve(t).ok())
        .and_then(|t| t.as_str().ok())
        .map(crate::text::decode_text_string)
        .unwrap_or_default()
}

/// Every signature field with a value, in the order their byte ranges end.
pub fn find_signatures(pdf: &Pdf) -> Result<Vec<FoundSignature>> {
    let pages = pdf.pages()?;
    let mut found = Vec::new();
    let Some(form) = pdf
        .catalog()?
        .get(b"AcroForm")
        .ok()
        .and_then(|f| pdf.resolve(f).ok())
        .and_then(|f| f.as_dict().ok())
    else {
        return Ok(found);
    };
    let Some(fields) = form
        .get(b"Fields")
        .ok()
        .and_then(|f| pdf.resolve(f).ok())
        .and_then(|f| f.as_array().ok())
    else {
        return Ok(found);
    };
    let mut stack: Vec<(Object, String, usize)> = fields
        .iter()
        .map(|f| (f.clone(), String::new(), 0))
        .collect();
    let mut visited = std::collections::HashSet::new();
    while let Some((field, parent_name, depth)) = stack.pop() {
        if depth > MAX_DEPTH || visited.len() > 100_000 {
            return Err(PdfError::TooDeep("form fields".into()));
        }
        let Object::Reference(field_id) = field else {
            continue;
        };
        if !visited.insert(field_id) {
            continue;
        }
        let Ok(dict) = pdf.dict(field_id) else {
            continue;
        };
        let own = name_of(pdf, dict);
        let full = match (parent_name.is_empty(), own.is_empty()) {
            (true, _) => own,
            (false, true) => parent_name.clone(),
            (false, false) => format!("{parent_name}.{own}"),
        };
        if let Ok(kids) = dict.get(b"Kids").and_then(Object::as_array) {
            stack.extend(kids.iter().map(|k| (k.clone(), full.clone(), depth + 1)));
        }
        let is_signature = dict
            .get(b"FT")
            .and_then(Object::as_name)
            .is_ok_and(|n| n == b"Sig");
        let Ok(Object::Reference(value_id)) = dict.get(b"V") else {
            continue;
        };
        if !is_signature {
            continue;
        }
        let value_id = *value_id;
        let signature = pdf.dict(value_id)?;
        let sub_filter = signature
            .get(b"SubFilter")
            .and_then(Object::as_name)
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        let document_timestamp = signature
            .get(b"Type")
            .and_then(Object::as_name)
            .is_ok_and(|n| n == b"DocTimeStamp")
            || sub_filter == "ETSI.RFC3161";
        let byte_range = signature
            .get(b"ByteRange")
            .and_then(Object::as_array)
            .map_err(|_| PdfError::Malformed(format!("signature {full} has no /ByteRange")))?
            .iter()
            .map(|v| v.as_i64().unwrap_or(-1))
            .collect();
        let contents = signature
            .get(b"Contents")
            .and_then(Object::as_str)
            .map_err(|_| PdfError::Malformed(format!("signature {full} has no /Contents")))?;
        let contents = der_prefix(contents).unwrap_or(contents).to_vec();
        let claimed_time = signature
            .get(b"M")
            .and_then(Object::as_str)
            .ok()
            .map(|m| String::from_utf8_lossy(m).into_owned());
        let page = dict
            .get(b"P")
            .and_then(Object::as_reference)
            .ok()
            .and_then(|p| pages.iter().position(|q| *q == p));
        let rect = dict
            .get(b"Rect")
            .and_then(Object::as_array)
            .ok()
            .and_then(|r| {
                let values: Vec<f32> = r.iter().filter_map(|v| v.as_float().ok()).collect();
                <[f32; 4]>::try_from(values).ok()
            });
        found.push(FoundSignature {
            field_name: full,
            dictionary: value_id,
            field: field_id,
            document_timestamp,
            sub_filter,
            byte_range,
            contents,
            claimed_time,
            page,
            rect,
        });
    }
    found.sort_by_key(|s| {
        s.byte_range
            .get(2)
            .zip(s.byte_range.get(3))
            .map_or(0, |(a, b)| a.saturating_add(*b))
    });
    Ok(found)
}

/// The `SignedData` in a CMS `ContentInfo`.
pub fn signed_data(contents: &[u8]) -> Result<SignedData> {
    let info = ContentInfo::from_der(contents)?;
    Ok(info.content.decode_as()?)
}

/// Certificates a `SignedData` carries.
pub fn certificates(signed: &SignedData) -> Vec<Certificate> {
    signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            cms::cert::CertificateChoices::Other(_) => None,
        })
        .collect()
}

/// Signature timestamp tokens (DER) in the first signer's unsigned attributes.
pub fn signature_timestamps(signed: &SignedData) -> Vec<Vec<u8>> {
    signed
        .signer_infos
        .0
        .iter()
        .flat_map(|info| info.unsigned_attrs.iter().flat_map(|a| a.iter()))
        .filter(|a| a.oid == SIGNATURE_TIMESTAMP)
        .flat_map(|a| a.values.iter())
        .filter_map(|v| v.to_der().ok())
        .collect()
}
