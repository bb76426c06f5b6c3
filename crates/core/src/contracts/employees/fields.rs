//! The onboarding field set (§2.4.1): the platform's list of fields an employee can be asked for
//! on the phone form, which of them an enterprise collects, and the parsing of what was typed.
//! Name, mobile number and ID number are always collected.

use std::collections::BTreeMap;

use serde::Serialize;
use signet_pki::ids::IdNumber;
use sqlx::Row as _;

use crate::Platform;
use crate::contracts::access::{self, Role};
use crate::error::{CoreError, PlatformError};
use crate::platform::accounts::fields::{Email, Phone};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;

/// How a field is typed and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FieldKind {
    Text,
    Phone,
    IdNumber,
    Date,
    Gender,
    Education,
    BankCard,
    Email,
    /// One of the enterprise's departments (by id).
    Department,
}

/// One field of the platform's list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldSpec {
    pub code: &'static str,
    pub label_zh: &'static str,
    pub label_en: &'static str,
    pub kind: FieldKind,
    /// Collected by every enterprise.
    pub always: bool,
    /// Personal data sealed at rest (and masked in lists where it appears).
    pub sensitive: bool,
}

const fn field(
    code: &'static str,
    label_zh: &'static str,
    label_en: &'static str,
    kind: FieldKind,
    sensitive: bool,
) -> FieldSpec {
    FieldSpec {
        code,
        label_zh,
        label_en,
        kind,
        always: false,
        sensitive,
    }
}

/// The platform's list, in the order the phone form shows it.
pub const CATALOG: &[FieldSpec] = &[
    FieldSpec {
        always: true,
        ..field("name", "姓名", "Name", FieldKind::Text, false)
    },
    FieldSpec {
        always: true,
        ..field("phone", "手机号", "Mobile number", FieldKind::Phone, true)
    },
    FieldSpec {
        always: true,
        ..field(
            "id_number",
            "身份证号",
            "ID number",
            FieldKind::IdNumber,
            true,
        )
    },
    field("gender", "性别", "Gender", FieldKind::Gender, false),
    field(
        "birth_date",
        "出生日期",
        "Date of birth",
        FieldKind::Date,
        true,
    ),
    field("ethnicity", "民族", "Ethnicity", FieldKind::Text, true),
    field(
        "household_address",
        "户籍地址",
        "Registered address",
        FieldKind::Text,
        true,
    ),
    field(
        "current_address",
        "现住址",
        "Current address",
        FieldKind::Text,
        true,
    ),
    field(
        "education",
        "学历",
        "Education",
        FieldKind::Education,
        false,
    ),
    field("email", "电子邮箱", "E-mail", FieldKind::Email, true),
    field(
        "emergency_contact",
        "紧急联系人",
        "Emergency contact",
        FieldKind::Text,
        true,
    ),
    field(
        "emergency_phone",
        "紧急联系电话",
        "Emergency contact's phone",
        FieldKind::Phone,
        true,
    ),
    field(
        "bank_card",
        "银行卡号",
        "Bank card number",
        FieldKind::BankCard,
        true,
    ),
    field("bank_name", "开户行", "Bank", FieldKind::Text, false),
    field(
        "hire_date",
        "入职日期",
        "Start date",
        FieldKind::Date,
        false,
    ),
    field(
        "department",
        "部门",
        "Department",
        FieldKind::Department,
        false,
    ),
    field("position", "岗位", "Position", FieldKind::Text, false),
];

/// What a new enterprise collects until its administrator chooses.
pub const DEFAULT_FIELDS: &[&str] = &[
    "name",
    "phone",
    "id_number",
    "gender",
    "hire_date",
    "department",
    "position",
    "bank_card",
    "bank_name",
];

/// The education levels the form offers.
pub const EDUCATION: &[&str] = &["初中及以下", "高中/中专", "大专", "本科", "硕士", "博士"];

pub fn spec(code: &str) -> Option<&'static FieldSpec> {
    CATALOG.iter().find(|spec| spec.code == code)
}

/// The fields an enterprise collects, in catalog order.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldSet {
    pub catalog: Vec<FieldSpec>,
    pub selected: Vec<String>,
}

/// The enterprise's selected field codes (the default list until it chose).
pub async fn selected<'e, E>(executor: E, enterprise_id: &str) -> Result<Vec<String>, CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query("SELECT fields FROM ec_employee_settings WHERE enterprise_id = $1")
        .bind(enterprise_id)
        .fetch_optional(executor)
        .await?;
    let Some(row) = row else {
        return Ok(DEFAULT_FIELDS.iter().map(|c| (*c).to_owned()).collect());
    };
    let text: String = row.try_get("fields")?;
    serde_json::from_str(&text).map_err(|e| CoreError::internal(format!("employee fields: {e}")))
}

/// The list and the enterprise's choice, for a delegate or the administrator.
pub async fn show(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
) -> Result<FieldSet, CoreError> {
    access::require(platform.db.pool(), enterprise_id, user_id, Role::Delegate).await?;
    Ok(FieldSet {
        catalog: CATALOG.to_vec(),
        selected: selected(platform.db.pool(), enterprise_id).await?,
    })
}

/// Chooses the fields to collect (unknown codes refused; the always-collected ones added).
pub async fn choose(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    codes: &[String],
) -> Result<FieldSet, CoreError> {
    if let Some(unknown) = codes.iter().find(|code| spec(code).is_none()) {
        tracing::debug!(%unknown, "unknown onboarding field");
        return Err(PlatformError::Invalid {
            field: "fields",
            zh: "入职字段不在平台字段列表中",
            en: "An onboarding field is not on the platform's list",
        }
        .into());
    }
    let chosen: Vec<String> = CATALOG
        .iter()
        .filter(|spec| spec.always || codes.iter().any(|code| code == spec.code))
        .map(|spec| spec.code.to_owned())
        .collect();
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, user_id, Role::Delegate).await?;
    let before = selected(&mut *tx, enterprise_id).await?;
    let now = platform.clock.now();
    let json = serde_json::to_string(&chosen)
        .map_err(|e| CoreError::internal(format!("employee fields: {e}")))?;
    sqlx::query(
        "INSERT INTO ec_employee_settings (enterprise_id, fields, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (enterprise_id) DO UPDATE SET fields = $2, updated_at = $3",
    )
    .bind(enterprise_id)
    .bind(&json)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::new(
        format!("user:{user_id}"),
        "contracts.employee_fields",
        format!("enterprise:{enterprise_id}"),
    )
    .change(serde_json::json!(before), serde_json::json!(chosen));
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(FieldSet {
        catalog: CATALOG.to_vec(),
        selected: chosen,
    })
}

/// Trims white space at both ends, full-width spaces (U+3000) included, as pasted from Excel or
/// typed on a phone's Chinese keyboard.
pub fn clean(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

/// A person's name: trimmed, full-width spaces inside removed (`张　三` is 张三), 1–50 characters.
pub fn parse_name(text: &str) -> Result<String, CoreError> {
    let name: String = clean(text).chars().filter(|c| *c != '\u{3000}').collect();
    let length = name.chars().count();
    if length == 0 || length > 50 || name.chars().any(char::is_control) {
        return Err(PlatformError::Invalid {
            field: "name",
            zh: "请填写姓名（不超过 50 个字）",
            en: "Enter the name (at most 50 characters)",
        }
        .into());
    }
    Ok(name)
}

/// An ID number with its GB 11643 check character; a lower-case `x` is read as `X`.
pub fn parse_id_number(text: &str) -> Result<IdNumber, CoreError> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    IdNumber::parse(&compact).map_err(|_| {
        PlatformError::Invalid {
            field: "id_number",
            zh: "身份证号码不正确（校验码不符，GB 11643）",
            en: "The ID number is not valid (GB 11643 check character)",
        }
        .into()
    })
}

/// `YYYY-MM-DD`, a real calendar date.
pub fn parse_date(text: &str, field: &'static str) -> Result<String, CoreError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let text = clean(text);
    time::Date::parse(text, &format)
        .map(|_| text.to_owned())
        .map_err(|_| {
            PlatformError::Invalid {
                field,
                zh: "日期格式应为 YYYY-MM-DD",
                en: "Dates are written YYYY-MM-DD",
            }
            .into()
        })
}

/// What the phone form collected, checked and normalised field by field.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    pub name: String,
    pub id_number: Option<IdNumber>,
    pub department_id: Option<String>,
    pub position: Option<String>,
    pub hire_date: Option<String>,
    /// The other fields, sealed together.
    pub other: BTreeMap<String, String>,
}

/// Checks the values of every selected field (all are required; the phone is the onboarding's
/// own and not retyped). The department's membership of the enterprise is checked by the caller.
pub fn parse_values(
    selected: &[String],
    values: &BTreeMap<String, String>,
) -> Result<Collected, CoreError> {
    let mut collected = Collected::default();
    for code in selected {
        let Some(spec) = spec(code) else { continue };
        if spec.code == "phone" {
            continue;
        }
        let raw = values.get(spec.code).map_or("", |v| clean(v));
        // The department may be left for the administrator to choose at approval.
        if raw.is_empty() && spec.kind == FieldKind::Department {
            continue;
        }
        if raw.is_empty() {
            return Err(PlatformError::Invalid {
                field: spec.code,
                zh: "请填写所有必填项",
                en: "Fill in every field",
            }
            .into());
        }
        let value = match spec.kind {
            FieldKind::Text => {
                if raw.chars().count() > 200 || raw.chars().any(char::is_control) {
                    return Err(PlatformError::Invalid {
                        field: spec.code,
                        zh: "内容过长（不超过 200 个字）",
                        en: "Too long (at most 200 characters)",
                    }
                    .into());
                }
                if spec.code == "name" {
                    parse_name(raw)?
                } else {
                    raw.to_owned()
                }
            }
            FieldKind::Phone => Phone::parse(raw, spec.code)?.as_str().to_owned(),
            FieldKind::IdNumber => {
                collected.id_number = Some(parse_id_number(raw)?);
                continue;
            }
            FieldKind::Date => parse_date(raw, spec.code)?,
            FieldKind::Gender => match raw {
                "male" | "男" => "male".to_owned(),
                "female" | "女" => "female".to_owned(),
                _ => {
                    return Err(PlatformError::Invalid {
                        field: spec.code,
                        zh: "请选择性别",
                        en: "Choose the gender",
                    }
                    .into());
                }
            },
            FieldKind::Education => {
                if !EDUCATION.contains(&raw) {
                    return Err(PlatformError::Invalid {
                        field: spec.code,
                        zh: "请选择学历",
                        en: "Choose the education level",
                    }
                    .into());
                }
                raw.to_owned()
            }
            FieldKind::BankCard => {
                let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
                if !(12..=19).contains(&digits.len()) || !crate::desk::luhn_ok(&digits) {
                    return Err(PlatformError::Invalid {
                        field: spec.code,
                        zh: "银行卡号不正确",
                        en: "The bank card number is not valid",
                    }
                    .into());
                }
                digits
            }
            FieldKind::Email => Email::parse(raw)?.as_str().to_owned(),
            FieldKind::Department => {
                collected.department_id = Some(raw.to_owned());
                continue;
            }
        };
        match spec.code {
            "name" => collected.name = value,
            "position" => collected.position = Some(value),
            "hire_date" => collected.hire_date = Some(value),
            _ => {
                collected.other.insert(spec.code.to_owned(), value);
            }
        }
    }
    Ok(collected)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_catalog_is_consistent() {
        for code in DEFAULT_FIELDS {
            assert!(spec(code).is_some(), "{code}");
        }
        let always: Vec<_> = CATALOG
            .iter()
            .filter(|s| s.always)
            .map(|s| s.code)
            .collect();
        assert_eq!(always, ["name", "phone", "id_number"]);
    }

    #[test]
    fn values_are_cleaned_and_checked() {
        let selected: Vec<String> = [
            "name",
            "phone",
            "id_number",
            "gender",
            "bank_card",
            "hire_date",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let good = values(&[
            ("name", "\u{3000}张　三 "),
            ("id_number", "11010519491231002x"),
            ("gender", "女"),
            ("bank_card", "4111 1111 1111 1111"),
            ("hire_date", "2026-12-01"),
        ]);
        let collected = parse_values(&selected, &good).unwrap();
        assert_eq!(collected.name, "张三");
        assert_eq!(collected.id_number.unwrap().as_str(), "11010519491231002X");
        assert_eq!(collected.other["gender"], "female");
        assert_eq!(collected.other["bank_card"], "4111111111111111");
        assert_eq!(collected.hire_date.as_deref(), Some("2026-12-01"));
        for (field, bad) in [
            ("id_number", "110105194912310021"),
            ("gender", "x"),
            ("bank_card", "4111111111111112"),
            ("hire_date", "2026-02-30"),
            ("name", ""),
        ] {
            let mut input = good.clone();
            input.insert(field.to_owned(), bad.to_owned());
            let error = parse_values(&selected, &input).unwrap_err();
            assert_eq!(error.describe().field, Some(field), "{field}");
        }
    }
}
