//! A certificate's subject as a person reads it: the holder's name, the organisation, and the ID
//! number or credit code masked (the RFC 4514 string carries them whole).

use serde::Serialize;

use crate::platform::mask;

/// The subject of a held certificate, masked for lists and the detail page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubjectView {
    /// The common name: the holder, or the organisation (or its seal) for an enterprise.
    pub name: String,
    /// The organisation (`O`), for enterprise certificates.
    pub organisation: Option<String>,
    /// The ID number or unified social credit code (`serialNumber`), masked.
    pub id_masked: Option<String>,
    /// The subject in RFC 4514 form with the identifier masked.
    pub masked: String,
}

/// Reads `CN=…,O=…,serialNumber=…,C=CN` (values escaped with `\`), masking the identifier.
pub fn view(subject: &str) -> SubjectView {
    let mut out = SubjectView::default();
    let mut masked = Vec::new();
    for part in split_unescaped(subject) {
        let Some((key, raw)) = part.split_once('=') else {
            continue;
        };
        let value = unescape(raw);
        match key.trim().to_ascii_lowercase().as_str() {
            "cn" => out.name.clone_from(&value),
            "o" => out.organisation = Some(value.clone()),
            "serialnumber" => {
                let hidden = mask::identifier(&value);
                masked.push(format!("{}={hidden}", key.trim()));
                out.id_masked = Some(hidden);
                continue;
            }
            _ => {}
        }
        masked.push(part);
    }
    out.masked = masked.join(",");
    out
}

/// Splits on commas not escaped by a backslash, keeping the escapes in each part.
fn split_unescaped(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            current.push(c);
            escaped = false;
        } else if c == '\\' {
            current.push(c);
            escaped = true;
        } else if c == ',' {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut escaped = false;
    for c in text.trim().chars() {
        if escaped || c != '\\' {
            out.push(c);
            escaped = false;
        } else {
            escaped = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_personal_subject_reads_as_name_and_masked_id() {
        let v = view("CN=张三,serialNumber=11010519491231002X,C=CN");
        assert_eq!(v.name, "张三");
        assert_eq!(v.organisation, None);
        assert_eq!(v.id_masked.as_deref(), Some("1101**********002X"));
        assert_eq!(v.masked, "CN=张三,serialNumber=1101**********002X,C=CN");
        assert!(!v.masked.contains("11010519491231002X"));
    }

    #[test]
    fn an_enterprise_subject_keeps_escaped_commas_in_its_values() {
        let v = view(
            "CN=甲\\,乙科技有限公司,O=甲\\,乙科技有限公司,serialNumber=91350100M000100Y43,C=CN",
        );
        assert_eq!(v.name, "甲,乙科技有限公司");
        assert_eq!(v.organisation.as_deref(), Some("甲,乙科技有限公司"));
        assert_eq!(v.id_masked.as_deref(), Some("9135**********0Y43"));
    }
}
