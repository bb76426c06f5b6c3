//! The fields a template editor offers: the platform's standard list and the enterprise's own
//! (§2.6.2), which the administrator and delegates add and remove. Removing one leaves the
//! templates that already use it as they are.

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::TEMPLATE_FIELD;
use super::model::{FieldKind, MAX_NAME};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::access::{self, Role};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;

/// Custom fields per enterprise, at most.
pub const MAX_CUSTOM: i64 = 200;

/// The platform's standard fields: key (Chinese, as placed and as the Excel column), kind,
/// English label.
pub const STANDARD_FIELDS: &[(&str, FieldKind, &str)] = &[
    ("姓名", FieldKind::Text, "Name"),
    ("身份证号", FieldKind::IdNumber, "ID number"),
    ("手机号", FieldKind::Mobile, "Mobile"),
    ("性别", FieldKind::Text, "Gender"),
    ("住址", FieldKind::Text, "Address"),
    ("部门", FieldKind::Text, "Department"),
    ("岗位", FieldKind::Text, "Position"),
    ("工作地点", FieldKind::Text, "Place of work"),
    ("月工资", FieldKind::Number, "Monthly wage"),
    ("试用期工资", FieldKind::Number, "Probation wage"),
    ("合同开始日期", FieldKind::Date, "Contract start date"),
    ("合同结束日期", FieldKind::Date, "Contract end date"),
    ("试用期开始日期", FieldKind::Date, "Probation start date"),
    ("试用期结束日期", FieldKind::Date, "Probation end date"),
    ("签订日期", FieldKind::Date, "Date of signing"),
    ("企业名称", FieldKind::Text, "Enterprise name"),
    (
        "统一社会信用代码",
        FieldKind::Text,
        "Unified social credit code",
    ),
    ("法定代表人", FieldKind::Text, "Legal representative"),
    ("企业地址", FieldKind::Text, "Enterprise address"),
];

/// A field the editor offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldDef {
    /// `null` for a standard field.
    pub id: Option<String>,
    pub key: String,
    pub kind: FieldKind,
    pub label_en: Option<String>,
    pub standard: bool,
}

/// A new custom field.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldInput {
    pub key: String,
    pub kind: FieldKind,
    pub label_en: Option<String>,
}

/// The standard fields, then the enterprise's own (any active member may read them).
pub async fn list(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
) -> Result<Vec<FieldDef>, CoreError> {
    access::membership(platform.db.pool(), enterprise_id, actor).await?;
    let rows = sqlx::query(
        "SELECT id, key, kind, label_en FROM ec_template_fields WHERE enterprise_id = $1 ORDER BY created_at, key",
    )
    .bind(enterprise_id)
    .fetch_all(platform.db.pool())
    .await?;
    let mut out: Vec<FieldDef> = STANDARD_FIELDS
        .iter()
        .map(|(key, kind, en)| FieldDef {
            id: None,
            key: (*key).into(),
            kind: *kind,
            label_en: Some((*en).into()),
            standard: true,
        })
        .collect();
    for row in &rows {
        let kind: String = row.try_get("kind")?;
        out.push(FieldDef {
            id: Some(row.try_get("id")?),
            key: row.try_get("key")?,
            kind: FieldKind::parse(&kind)
                .ok_or_else(|| CoreError::internal(format!("field kind {kind}")))?,
            label_en: row.try_get("label_en")?,
            standard: false,
        });
    }
    Ok(out)
}

/// Adds a custom field (administrator or delegate); a key taken by a standard or custom field
/// is refused.
pub async fn add(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
    input: &FieldInput,
) -> Result<FieldDef, CoreError> {
    let key = input.key.trim();
    let bad_key =
        key.is_empty() || key.chars().count() > MAX_NAME || key.chars().any(char::is_control);
    if bad_key {
        return Err(PlatformError::Invalid {
            field: "key",
            zh: "字段名须为 1 到 40 个字",
            en: "A field's name has 1 to 40 characters",
        }
        .into());
    }
    let label_en = input
        .label_en
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned);
    if label_en
        .as_ref()
        .is_some_and(|l| l.chars().count() > 80 || l.chars().any(char::is_control))
    {
        return Err(PlatformError::Invalid {
            field: "label_en",
            zh: "英文名称不超过 80 个字符",
            en: "The English label has at most 80 characters",
        }
        .into());
    }
    if STANDARD_FIELDS.iter().any(|(k, _, _)| *k == key) {
        return Err(ContractsError::TemplateFieldTaken.into());
    }
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Delegate).await?;
    crate::contracts::members::lock_enterprise(&mut tx, enterprise_id, now).await?;
    let taken = sqlx::query(
        "SELECT 1 AS one FROM ec_template_fields WHERE enterprise_id = $1 AND key = $2",
    )
    .bind(enterprise_id)
    .bind(key)
    .fetch_optional(&mut *tx)
    .await?;
    if taken.is_some() {
        return Err(ContractsError::TemplateFieldTaken.into());
    }
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM ec_template_fields WHERE enterprise_id = $1")
            .bind(enterprise_id)
            .fetch_one(&mut *tx)
            .await?;
    if count >= MAX_CUSTOM {
        return Err(PlatformError::Invalid {
            field: "key",
            zh: "自定义字段已达上限（200 个）",
            en: "This enterprise has as many custom fields as allowed (200)",
        }
        .into());
    }
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO ec_template_fields (id, enterprise_id, key, kind, label_en, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(enterprise_id)
    .bind(key)
    .bind(input.kind.as_str())
    .bind(label_en.as_deref())
    .bind(actor)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::new(actor, TEMPLATE_FIELD, format!("template_field:{id}")).change(
        serde_json::Value::Null,
        serde_json::json!({ "enterprise_id": enterprise_id, "key": key, "kind": input.kind.as_str() }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(FieldDef {
        id: Some(id),
        key: key.to_owned(),
        kind: input.kind,
        label_en,
        standard: false,
    })
}

/// Removes a custom field (administrator or delegate); another enterprise's id is not found.
pub async fn remove(
    platform: &Platform,
    enterprise_id: &str,
    field_id: &str,
    actor: &str,
) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Delegate).await?;
    let row =
        sqlx::query("SELECT key FROM ec_template_fields WHERE id = $1 AND enterprise_id = $2")
            .bind(field_id)
            .bind(enterprise_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(PlatformError::NotFound)?;
    let key: String = row.try_get("key")?;
    sqlx::query("DELETE FROM ec_template_fields WHERE id = $1")
        .bind(field_id)
        .execute(&mut *tx)
        .await?;
    let event = AuditEvent::new(actor, TEMPLATE_FIELD, format!("template_field:{field_id}"))
        .change(
            serde_json::json!({ "enterprise_id": enterprise_id, "key": key }),
            serde_json::Value::Null,
        );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(())
}
