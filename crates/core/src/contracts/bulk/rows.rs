//! Checking one data row: each field's value with the templates' own checks (required, dates as
//! text or Excel dates, numbers, ID numbers with their check character — full-width characters
//! and a trailing lower-case `x` normalised —, a value too long for any of its boxes), each
//! person's mobile naming a registered, real-named account, and the row's name matching that
//! person's real name. Errors are by column (its header), with the row as Excel numbers it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::columns::{Column, ColumnKind, fields_of};
use super::sheet::DataRow;
use crate::Platform;
use crate::contracts::persons;
use crate::contracts::templates::values::check_field;
use crate::contracts::templates::{FieldKind, FontChoice, TemplateField, TemplateVersion};
use crate::error::CoreError;
use crate::platform::accounts::fields::Phone;

/// The field whose value must match the registered person's real name.
pub const NAME_FIELD: &str = "姓名";

/// What is wrong in one cell (or with the whole row when `column` is `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CellError {
    /// The column's header.
    pub column: Option<String>,
    pub code: String,
    pub zh: String,
    pub en: String,
}

/// One row's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowReport {
    /// As Excel numbers it (the header is row 1).
    pub row: u32,
    /// Whether the row passed the checks.
    pub ok: bool,
    pub errors: Vec<CellError>,
    /// `valid` | `invalid` | `skipped` | `launched` | `failed`.
    pub state: String,
    /// The row's task, once launched.
    pub task_id: Option<String>,
}

/// A person who signs a row's task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowPerson {
    pub user_id: String,
    pub phone: String,
}

/// A checked row as stored (sealed): the normalised values by field key and the persons by role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowContent {
    pub values: BTreeMap<String, String>,
    pub persons: BTreeMap<String, RowPerson>,
}

pub(crate) fn cell_error(column: Option<&str>, code: &str, zh: String, en: String) -> CellError {
    CellError {
        column: column.map(str::to_owned),
        code: code.to_owned(),
        zh,
        en,
    }
}

/// The mobile check of the templates' values, for a mobile column.
fn mobile_field(header: &str) -> TemplateField {
    TemplateField {
        key: header.to_owned(),
        kind: FieldKind::Mobile,
        role: None,
        font: FontChoice::Sans,
        size: 12.0,
        min_size: 7.0,
        required: true,
        date_format: None,
        placements: Vec::new(),
    }
}

/// Checks a row; its content (what passed) and its errors.
pub async fn check(
    platform: &Platform,
    versions: &[TemplateVersion],
    columns: &[Column],
    row: &DataRow,
    merged: bool,
) -> Result<(RowContent, Vec<CellError>), CoreError> {
    let mut content = RowContent::default();
    let mut errors = Vec::new();
    if merged {
        errors.push(cell_error(
            None,
            "merged_cells",
            format!(
                "第 {} 行含有合并单元格，请取消合并后每行填写一份合同",
                row.row
            ),
            format!(
                "Row {} has merged cells; unmerge them and put one contract per row",
                row.row
            ),
        ));
    }
    for (index, column) in columns.iter().enumerate() {
        let header = column.header.as_str();
        let Some(raw) = row.cells.get(index).cloned().unwrap_or(Some(String::new())) else {
            errors.push(cell_error(
                Some(header),
                "cell_error",
                "单元格是错误值（如 #DIV/0!、#REF!），请改为实际内容".into(),
                "The cell holds an error value (such as #DIV/0! or #REF!); enter the actual value"
                    .into(),
            ));
            continue;
        };
        match &column.kind {
            ColumnKind::Field { key } => {
                let mut first = None;
                for field in fields_of(versions, key) {
                    match check_field(field, &raw) {
                        Ok(value) => {
                            if first.is_none() {
                                first = Some(value);
                            }
                        }
                        Err(e) => {
                            errors.push(cell_error(
                                Some(header),
                                "value_invalid",
                                e.message_zh,
                                e.message_en,
                            ));
                            first = None;
                            break;
                        }
                    }
                }
                if let Some(Some(value)) = first {
                    content.values.insert(key.clone(), value);
                }
            }
            ColumnKind::Mobile { role } => {
                let phone = match check_field(&mobile_field(header), &raw) {
                    Ok(Some(phone)) => phone,
                    Ok(None) => continue,
                    Err(e) => {
                        errors.push(cell_error(
                            Some(header),
                            "mobile_invalid",
                            e.message_zh,
                            e.message_en,
                        ));
                        continue;
                    }
                };
                match registered(platform, &phone).await? {
                    Ok(user_id) => {
                        content
                            .persons
                            .insert(role.clone(), RowPerson { user_id, phone });
                    }
                    Err((code, zh, en)) => {
                        errors.push(cell_error(Some(header), code, zh.into(), en.into()));
                    }
                }
            }
        }
    }
    check_name(platform, columns, &mut content, &mut errors).await?;
    Ok((content, errors))
}

type Refusal = (&'static str, &'static str, &'static str);

/// The account of a registered, real-named person with this mobile.
async fn registered(
    platform: &Platform,
    phone: &str,
) -> Result<Result<String, Refusal>, CoreError> {
    let Ok(parsed) = Phone::parse(phone, "phone") else {
        return Ok(Err((
            "mobile_invalid",
            "手机号码不正确",
            "Not a valid mobile number",
        )));
    };
    let Some(user) = crate::platform::accounts::find_by_phone(platform, &parsed).await? else {
        return Ok(Err((
            "person_unregistered",
            "该手机号尚未在平台注册，签署人须先注册并完成实名认证",
            "No account has this mobile number; the signer must register and pass real-name authentication first",
        )));
    };
    let verified = sqlx::query("SELECT certificate_serial FROM ec_persons WHERE user_id = $1")
        .bind(&user.id)
        .fetch_optional(platform.db.pool())
        .await?
        .map(|r| r.try_get::<Option<String>, _>("certificate_serial"))
        .transpose()?
        .flatten()
        .is_some();
    if !verified {
        return Ok(Err((
            "person_not_verified",
            "该手机号的注册人尚未完成实名认证",
            "The person with this mobile number has not passed real-name authentication",
        )));
    }
    Ok(Ok(user.id))
}

/// With one person role and a 姓名 column: the name must be that person's real name.
async fn check_name(
    platform: &Platform,
    columns: &[Column],
    content: &mut RowContent,
    errors: &mut Vec<CellError>,
) -> Result<(), CoreError> {
    let persons: Vec<&str> = columns
        .iter()
        .filter_map(|c| match &c.kind {
            ColumnKind::Mobile { role } => Some(role.as_str()),
            ColumnKind::Field { .. } => None,
        })
        .collect();
    let [role] = persons[..] else {
        return Ok(());
    };
    let (Some(name), Some(person)) = (content.values.get(NAME_FIELD), content.persons.get(role))
    else {
        return Ok(());
    };
    let (real, _) = persons::identity(platform, &person.user_id).await?;
    if real.trim() != name.trim() {
        errors.push(cell_error(
            Some(NAME_FIELD),
            "name_mismatch",
            format!(
                "姓名与该手机号注册人的实名（{}）不符",
                persons::mask_name(&real)
            ),
            format!(
                "The name does not match the real name of the person with this mobile ({})",
                persons::mask_name(&real)
            ),
        ));
    }
    Ok(())
}
