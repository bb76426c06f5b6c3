//! Checking the values a contract is filled with, field by field, and writing them as they will
//! appear: required fields, dates (as text in the usual Chinese and ISO ways, or an Excel date
//! serial), numbers, ID numbers (GB 11643 check character, a lower-case `x` read as `X`),
//! mobile numbers, and a value too long for any of its boxes even shrunk to the field's minimum
//! size and wrapped. Full-width digits and spaces, as typed on Chinese keyboards, are normalised.

use std::collections::BTreeMap;

use serde::Serialize;
use signet_pdf::freeze::layout;

use super::fill;
use super::model::{DateFormat, FieldKind, TemplateField};
use super::store::TemplateVersion;

/// Longest value of any field (characters).
pub const MAX_VALUE: usize = 500;

/// A refused value: the field's key and why, in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message_zh: String,
    pub message_en: String,
}

/// Values as they will be drawn, by field key (empty optional fields left out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Normalised {
    pub values: BTreeMap<String, String>,
}

fn error(field: &str, zh: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message_zh: zh.into(),
        message_en: en.into(),
    }
}

/// The values of the fields the launcher fills (those without a role). A key the template does
/// not have, or one a party completes, is refused too.
pub fn validate_values(
    version: &TemplateVersion,
    values: &BTreeMap<String, String>,
) -> Result<Normalised, Vec<FieldError>> {
    validate_for(version, None, values)
}

/// The values of the fields party `role` completes when signing.
pub fn validate_party_values(
    version: &TemplateVersion,
    role: &str,
    values: &BTreeMap<String, String>,
) -> Result<Normalised, Vec<FieldError>> {
    validate_for(version, Some(role), values)
}

fn validate_for(
    version: &TemplateVersion,
    role: Option<&str>,
    values: &BTreeMap<String, String>,
) -> Result<Normalised, Vec<FieldError>> {
    let mut errors = Vec::new();
    for key in values.keys() {
        match version.fields.iter().find(|f| &f.key == key) {
            None => errors.push(error(
                key,
                "模板中没有该字段",
                "The template has no such field",
            )),
            Some(field) if field.role.as_deref() != role => errors.push(if role.is_none() {
                error(
                    key,
                    "该字段由签署方在签署时填写",
                    "A party completes this field when signing",
                )
            } else {
                error(
                    key,
                    "该字段不由您填写",
                    "This field is not yours to complete",
                )
            }),
            Some(_) => {}
        }
    }
    let mut out = Normalised::default();
    for field in version.fields.iter().filter(|f| f.role.as_deref() == role) {
        let raw = values.get(&field.key).map_or("", String::as_str);
        match check_field(field, raw) {
            Ok(Some(text)) => {
                out.values.insert(field.key.clone(), text);
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// One field's value, normalised, or `None` when empty and optional.
pub fn check_field(field: &TemplateField, raw: &str) -> Result<Option<String>, FieldError> {
    let key = field.key.as_str();
    let cleaned = clean(raw);
    if cleaned.is_empty() {
        return if field.required {
            Err(error(key, "必填，请填写", "Required; please fill it in"))
        } else {
            Ok(None)
        };
    }
    if cleaned.chars().count() > MAX_VALUE {
        return Err(error(
            key,
            format!("内容过长（最多 {MAX_VALUE} 个字）"),
            format!("Too long (at most {MAX_VALUE} characters)"),
        ));
    }
    let text = match field.kind {
        FieldKind::Text => text(&cleaned),
        FieldKind::Date => date(&half_width(&cleaned), field.date_format),
        FieldKind::Number => number(&half_width(&cleaned)),
        FieldKind::IdNumber => id_number(&half_width(&cleaned)),
        FieldKind::Mobile => mobile(&half_width(&cleaned)),
    }
    .map_err(|(zh, en)| error(key, zh, en))?;
    fits(field, &text)?;
    Ok(Some(text))
}

/// Whether `text` can be drawn (every character in the font) and fits every box of the field.
fn fits(field: &TemplateField, text: &str) -> Result<(), FieldError> {
    if !fill::covers(field.font, text) {
        return Err(error(
            &field.key,
            "含有无法显示的字符（如表情符号），请删除后重试",
            "Contains characters the contract font cannot show (such as emoji); remove them",
        ));
    }
    let measure = fill::measure(field.font);
    for place in &field.placements {
        if layout::fit(
            text,
            place.w,
            place.h,
            field.size,
            field.min_size,
            &*measure,
        )
        .is_none()
        {
            return Err(error(
                &field.key,
                format!(
                    "内容过长：第 {} 页的位置（{:.0}×{:.0} 点）即使缩小到 {} 号字并换行也放不下",
                    place.page, place.w, place.h, field.min_size
                ),
                format!(
                    "Too long: it does not fit its {:.0}×{:.0} pt box on page {} even at {} pt and wrapped",
                    place.w, place.h, place.page, field.min_size
                ),
            ));
        }
    }
    Ok(())
}

/// Trimmed of white space at both ends (full-width spaces and a byte-order mark included).
pub fn clean(text: &str) -> String {
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .to_owned()
}

/// Full-width ASCII (`０-９`, `．`, `－`, …) and the ideographic space as their ASCII forms.
pub fn half_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(u32::from(c) - 0xfee0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

type Refusal = (String, String);

fn refuse(zh: &str, en: &str) -> Refusal {
    (zh.to_owned(), en.to_owned())
}

fn text(value: &str) -> Result<String, Refusal> {
    let one_line: String = value
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    if one_line.chars().any(char::is_control) {
        return Err(refuse(
            "含有不可见的控制字符",
            "Contains control characters",
        ));
    }
    Ok(one_line)
}

/// The date written in `format` (default `YYYY年MM月DD日`).
fn date(value: &str, format: Option<DateFormat>) -> Result<String, Refusal> {
    let bad = || {
        refuse(
            "日期不正确，可写作 2026-01-05、2026/1/5、2026年1月5日 或 Excel 日期",
            "Not a date; write 2026-01-05, 2026/1/5, 2026年1月5日 or use an Excel date",
        )
    };
    let date = parse_date(value).ok_or_else(bad)?;
    let (y, m, d) = (date.year(), u8::from(date.month()), date.day());
    Ok(match format.unwrap_or(DateFormat::Chinese) {
        DateFormat::Chinese => format!("{y:04}年{m:02}月{d:02}日"),
        DateFormat::Iso => format!("{y:04}-{m:02}-{d:02}"),
    })
}

/// A date from text (`2026-01-05`, `2026/1/5`, `2026.1.5`, `2026年1月5日`, `20260105`) or an
/// Excel serial (days since 1899-12-30, fraction ignored), years 1900–9999.
pub fn parse_date(value: &str) -> Option<time::Date> {
    let value = value.trim();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (whole, fraction) = value.split_once('.').unwrap_or((value, "0"));
    if digits(whole) && digits(fraction) {
        if whole.len() == 8 {
            return ymd(&whole[..4], &whole[4..6], &whole[6..]);
        }
        if whole.len() <= 7 {
            return excel_serial(whole.parse().ok()?);
        }
        return None;
    }
    let text = value.replace(['年', '月', '/', '.'], "-").replace('日', "");
    let parts: Vec<&str> = text.split('-').map(str::trim).collect();
    match parts[..] {
        [y, m, d] if y.len() == 4 && (1..=2).contains(&m.len()) && (1..=2).contains(&d.len()) => {
            ymd(y, m, d)
        }
        _ => None,
    }
}

fn ymd(y: &str, m: &str, d: &str) -> Option<time::Date> {
    let year: i32 = y.parse().ok()?;
    let month: u8 = m.parse().ok()?;
    let day: u8 = d.parse().ok()?;
    if !(1900..=9999).contains(&year) {
        return None;
    }
    time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

/// Excel's day numbers: 1 is 1900-01-01, and 60 the 1900-02-29 that never was (refused).
fn excel_serial(serial: i64) -> Option<time::Date> {
    let base = time::macros::date!(1899 - 12 - 30);
    match serial {
        1..=59 => base.checked_add(time::Duration::days(serial + 1)),
        61..=2_958_465 => base.checked_add(time::Duration::days(serial)),
        _ => None,
    }
}

fn number(value: &str) -> Result<String, Refusal> {
    let compact: String = value
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '¥' | '￥'))
        .collect();
    let body = compact.strip_prefix('-').unwrap_or(&compact);
    let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
    let ok = !whole.is_empty()
        && whole.len() <= 15
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.len() <= 6
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !(body.contains('.') && fraction.is_empty());
    if !ok {
        return Err(refuse("不是有效的数字", "Not a valid number"));
    }
    Ok(compact)
}

fn id_number(value: &str) -> Result<String, Refusal> {
    let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    signet_pki::ids::IdNumber::parse(&compact)
        .map(|id| id.as_str().to_owned())
        .map_err(|_| {
            refuse(
                "身份证号码不正确（应为 18 位，校验码须符合 GB 11643）",
                "Not a valid ID number (18 characters with a GB 11643 check character)",
            )
        })
}

fn mobile(value: &str) -> Result<String, Refusal> {
    let compact: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let number = compact
        .strip_prefix("+86")
        .or_else(|| compact.strip_prefix("86").filter(|n| n.len() == 11))
        .unwrap_or(&compact);
    let bytes = number.as_bytes();
    let ok = bytes.len() == 11
        && bytes.iter().all(u8::is_ascii_digit)
        && bytes[0] == b'1'
        && (b'3'..=b'9').contains(&bytes[1]);
    if !ok {
        return Err(refuse(
            "手机号码不正确（应为 11 位中国大陆手机号）",
            "Not a valid mobile number (11 digits, mainland China)",
        ));
    }
    Ok(number.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::templates::model::{FontChoice, Placement};

    fn field(key: &str, kind: FieldKind) -> TemplateField {
        TemplateField {
            key: key.into(),
            kind,
            role: None,
            font: FontChoice::Sans,
            size: 12.0,
            min_size: 7.0,
            required: true,
            date_format: None,
            placements: vec![Placement {
                page: 1,
                x: 10.0,
                y: 10.0,
                w: 200.0,
                h: 20.0,
            }],
        }
    }

    fn ok(f: &TemplateField, raw: &str) -> String {
        check_field(f, raw).unwrap().unwrap()
    }

    #[test]
    fn id_numbers_are_normalised_and_checked() {
        let f = field("身份证号", FieldKind::IdNumber);
        assert_eq!(ok(&f, "\u{3000}11010519491231002x "), "11010519491231002X");
        assert_eq!(
            ok(&f, "１１０１０５１９４９１２３１００２Ｘ"),
            "11010519491231002X"
        );
        assert!(check_field(&f, "110105194912310021").is_err());
    }

    #[test]
    fn dates_as_text_and_as_excel_serials() {
        let mut f = field("合同开始日期", FieldKind::Date);
        assert_eq!(ok(&f, "2026-01-05"), "2026年01月05日");
        assert_eq!(ok(&f, "2026/1/5"), "2026年01月05日");
        assert_eq!(ok(&f, "2026年1月5日"), "2026年01月05日");
        assert_eq!(ok(&f, "46027"), "2026年01月05日");
        assert_eq!(ok(&f, "46027.0"), "2026年01月05日");
        assert_eq!(ok(&f, "20260105"), "2026年01月05日");
        f.date_format = Some(DateFormat::Iso);
        assert_eq!(ok(&f, "２０２６．１．５"), "2026-01-05");
        assert_eq!(ok(&f, "1"), "1900-01-01");
        assert!(check_field(&f, "2026-02-30").is_err());
        assert!(check_field(&f, "60").is_err());
        assert!(check_field(&f, "明天").is_err());
    }

    #[test]
    fn numbers_and_mobiles() {
        let n = field("月工资", FieldKind::Number);
        assert_eq!(ok(&n, "12,000.50"), "12000.50");
        assert_eq!(ok(&n, "８０００"), "8000");
        assert!(check_field(&n, "八千").is_err());
        assert!(check_field(&n, "1.").is_err());
        let m = field("手机号", FieldKind::Mobile);
        assert_eq!(ok(&m, "+86 138-0013-8000"), "13800138000");
        assert!(check_field(&m, "12800138000").is_err());
        assert!(check_field(&m, "1380013800").is_err());
    }

    #[test]
    fn required_empty_and_optional_empty() {
        let mut f = field("岗位", FieldKind::Text);
        assert!(check_field(&f, " \u{3000}").is_err());
        f.required = false;
        assert_eq!(check_field(&f, "").unwrap(), None);
        assert_eq!(ok(&f, "软件\n工程师"), "软件 工程师");
        if fill::system_fonts().sans.is_some() {
            assert!(
                check_field(&f, "工程师\u{1F600}").is_err(),
                "an emoji has no glyph"
            );
        }
    }

    #[test]
    fn a_value_too_long_for_its_box_is_refused_with_the_field_named() {
        let f = field("住址", FieldKind::Text);
        // 200 × 20 points holds two lines at 8 pt: about 50 characters.
        assert!(check_field(&f, &"北".repeat(40)).is_ok());
        let e = check_field(&f, &"北".repeat(120)).unwrap_err();
        assert_eq!(e.field, "住址");
        assert!(e.message_zh.contains("放不下"));
    }
}
