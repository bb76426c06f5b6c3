//! The contract fields an archive asks for (§2.5.2.1.2: 根据业务类型加载对应的合同归档备案填写信息):
//! the fields its business type requires of every template, required here too, except those
//! that name a person (姓名, 身份证号, 手机号: the people are the archive's parties), then the
//! optional elements a regulator reads — for a labour contract the place and hours of work,
//! the probation and the social insurance clause — and the date of signing. Values are checked
//! as a template's are (dates, numbers, ID numbers), without boxes to fit.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row as _;

use crate::contracts::templates::values::{FieldError, check_field};
use crate::contracts::templates::{
    DateFormat, FieldKind, FontChoice, STANDARD_FIELDS, TemplateField,
};
use crate::error::CoreError;

/// Keys that name a person: the parties carry them instead.
const PARTY_KEYS: [&str; 3] = ["姓名", "身份证号", "手机号"];

/// The optional elements of a labour contract a regulator reads (劳动合同法 §17), beside those
/// the type requires.
const LABOUR_EXTRAS: [(&str, &str); 5] = [
    ("工作地点", "Place of work"),
    ("工作时间", "Working hours"),
    ("试用期", "Probation"),
    ("社会保险", "Social insurance clause"),
    ("签订日期", "Date of signing"),
];

/// A field of an archive's form (and a column of the bulk workbook).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArchiveField {
    pub key: String,
    pub kind: FieldKind,
    pub required: bool,
    pub label_en: String,
}

/// The fields of an archive of business type `code` requiring `required` (its list), with the
/// enterprise's custom fields' kinds (`custom`: key → kind).
pub fn for_type(
    code: &str,
    required: &[String],
    custom: &BTreeMap<String, (FieldKind, String)>,
) -> Vec<ArchiveField> {
    let describe = |key: &str, required: bool| {
        let (kind, label_en) = STANDARD_FIELDS
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, kind, en)| (*kind, (*en).to_owned()))
            .or_else(|| custom.get(key).cloned())
            .unwrap_or_else(|| {
                let en = LABOUR_EXTRAS
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map_or(key, |(_, en)| en);
                (FieldKind::Text, en.to_owned())
            });
        ArchiveField {
            key: key.to_owned(),
            kind,
            required,
            label_en,
        }
    };
    let mut fields: Vec<ArchiveField> = required
        .iter()
        .filter(|key| !PARTY_KEYS.contains(&key.as_str()))
        .map(|key| describe(key, true))
        .collect();
    let extras: &[(&str, &str)] = if code == "labour" {
        &LABOUR_EXTRAS
    } else {
        &LABOUR_EXTRAS[4..]
    };
    for (key, _) in extras {
        if !fields.iter().any(|f| f.key == *key) {
            fields.push(describe(key, false));
        }
    }
    fields
}

/// The enterprise's custom fields: key → (kind, English label).
pub async fn custom<'e, E>(
    executor: E,
    enterprise_id: &str,
) -> Result<BTreeMap<String, (FieldKind, String)>, CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows =
        sqlx::query("SELECT key, kind, label_en FROM ec_template_fields WHERE enterprise_id = $1")
            .bind(enterprise_id)
            .fetch_all(executor)
            .await?;
    rows.iter()
        .map(|row| {
            let key: String = row.try_get("key")?;
            let kind: String = row.try_get("kind")?;
            let label: Option<String> = row.try_get("label_en")?;
            Ok((
                key.clone(),
                (
                    FieldKind::parse(&kind).unwrap_or(FieldKind::Text),
                    label.unwrap_or(key),
                ),
            ))
        })
        .collect()
}

/// The fields of an archive of `business_type_id` for `user_id`, who must be able to archive
/// under it.
pub async fn of_type(
    platform: &crate::Platform,
    user_id: &str,
    enterprise_id: &str,
    business_type_id: &str,
) -> Result<Vec<ArchiveField>, CoreError> {
    super::store::Context::load(platform, enterprise_id, business_type_id, user_id)
        .await?
        .fields(platform)
        .await
}

/// The values checked and normalised (dates as `YYYY-MM-DD`), empty optional ones left out; or
/// every field's error. A key that is not a field of the archive is refused.
pub fn check(
    fields: &[ArchiveField],
    values: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Vec<FieldError>> {
    let mut errors: Vec<FieldError> = values
        .keys()
        .filter(|key| !fields.iter().any(|f| &f.key == *key))
        .map(|key| FieldError {
            field: key.clone(),
            message_zh: "该业务类型的归档信息中没有这一项".into(),
            message_en: "The archive of this business type has no such field".into(),
        })
        .collect();
    let mut out = BTreeMap::new();
    for field in fields {
        let as_template = TemplateField {
            key: field.key.clone(),
            kind: field.kind,
            role: None,
            font: FontChoice::default(),
            size: 12.0,
            min_size: 7.0,
            required: field.required,
            date_format: Some(DateFormat::Iso),
            placements: Vec::new(),
        };
        let raw = values.get(&field.key).map_or("", String::as_str);
        match check_field(&as_template, raw) {
            Ok(Some(value)) => {
                out.insert(field.key.clone(), value);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn labour() -> Vec<ArchiveField> {
        let required: Vec<String> = ["姓名", "身份证号", "岗位", "月工资", "合同开始日期"]
            .map(String::from)
            .to_vec();
        for_type("labour", &required, &BTreeMap::new())
    }

    #[test]
    fn a_labour_archive_asks_for_the_types_fields_but_not_the_persons() {
        let fields = labour();
        let keys: Vec<&str> = fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "岗位",
                "月工资",
                "合同开始日期",
                "工作地点",
                "工作时间",
                "试用期",
                "社会保险",
                "签订日期"
            ]
        );
        assert!(fields[0].required && !fields[3].required);
        assert_eq!(fields[2].kind, FieldKind::Date);
        let other = for_type("other", &[], &BTreeMap::new());
        assert_eq!(other.len(), 1);
        assert_eq!(other[0].key, "签订日期");
        assert_eq!(other[0].kind, FieldKind::Date);
    }

    #[test]
    fn values_are_checked_and_dates_normalised() {
        let fields = labour();
        let mut values = BTreeMap::from([
            ("岗位".to_owned(), "焊工".to_owned()),
            ("月工资".to_owned(), "８０００".to_owned()),
            ("合同开始日期".to_owned(), "2027年1月4日".to_owned()),
        ]);
        let ok = check(&fields, &values).unwrap();
        assert_eq!(ok["合同开始日期"], "2027-01-04");
        assert_eq!(ok["月工资"], "8000");
        assert!(!ok.contains_key("工作地点"));

        values.insert("月工资".into(), "八千".into());
        values.remove("岗位");
        values.insert("车牌号".into(), "浙A".into());
        let errors = check(&fields, &values).unwrap_err();
        let named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["车牌号", "岗位", "月工资"]);
    }
}
