//! An enterprise's business types (劳动合同, 劳务派遣合同, …; §2.7.1): the administrator lists
//! them, adds a custom one, renames or switches one off; members are given a set of them, and
//! data of a type is invisible to members without it (part 2 reads [`of_member`]).

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::BUSINESS_TYPE;
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::access::{self, Role};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;
use crate::platform::db::Tx;

/// Types per enterprise, at most.
pub const MAX_TYPES: i64 = 100;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusinessType {
    pub id: String,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub active: bool,
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<BusinessType, CoreError> {
    Ok(BusinessType {
        id: row.try_get("id")?,
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        name_en: row.try_get("name_en")?,
        active: row.try_get::<i64, _>("active")? != 0,
    })
}

/// The enterprise's types (active first, then by name). Any active member may read them.
pub async fn list(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
) -> Result<Vec<BusinessType>, CoreError> {
    access::membership(platform.db.pool(), enterprise_id, user_id).await?;
    let rows = sqlx::query(
        "SELECT id, code, name, name_en, active FROM ec_business_types WHERE enterprise_id = $1 \
         ORDER BY active DESC, created_at, name",
    )
    .bind(enterprise_id)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// The types a member holds (part 2 filters data by them).
pub async fn of_member<'e, E>(
    executor: E,
    enterprise_id: &str,
    user_id: &str,
) -> Result<Vec<BusinessType>, CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT t.id, t.code, t.name, t.name_en, t.active FROM ec_member_business_types mt \
         JOIN ec_business_types t ON t.id = mt.business_type_id \
         WHERE mt.enterprise_id = $1 AND mt.user_id = $2 ORDER BY t.created_at, t.name",
    )
    .bind(enterprise_id)
    .bind(user_id)
    .fetch_all(executor)
    .await?;
    rows.iter().map(from_row).collect()
}

/// A new custom type or a change of one.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TypeInput {
    pub name: Option<String>,
    pub name_en: Option<String>,
    pub active: Option<bool>,
}

fn clean_name(text: Option<&str>, field: &'static str) -> Result<Option<String>, CoreError> {
    let Some(text) = text else { return Ok(None) };
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 40 {
        return Err(PlatformError::Invalid {
            field,
            zh: "业务类型名称须为 1 到 40 个字",
            en: "A business type's name has 1 to 40 characters",
        }
        .into());
    }
    Ok(Some(text.to_owned()))
}

async fn name_taken(
    tx: &mut Tx,
    enterprise_id: &str,
    name: &str,
    except: &str,
) -> Result<bool, CoreError> {
    Ok(sqlx::query("SELECT 1 AS one FROM ec_business_types WHERE enterprise_id = $1 AND name = $2 AND id <> $3")
        .bind(enterprise_id)
        .bind(name)
        .bind(except)
        .fetch_optional(&mut **tx)
        .await?
        .is_some())
}

/// Adds a custom type (administrator only).
pub async fn add(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
    input: &TypeInput,
) -> Result<BusinessType, CoreError> {
    let name = clean_name(input.name.as_deref(), "name")?.ok_or(PlatformError::Invalid {
        field: "name",
        zh: "请填写业务类型名称",
        en: "Give the business type a name",
    })?;
    let name_en = clean_name(input.name_en.as_deref(), "name_en")?.unwrap_or_else(|| name.clone());
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Admin).await?;
    super::lock_enterprise(&mut tx, enterprise_id, now).await?;
    if name_taken(&mut tx, enterprise_id, &name, "").await? {
        return Err(ContractsError::BusinessTypeTaken.into());
    }
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM ec_business_types WHERE enterprise_id = $1")
            .bind(enterprise_id)
            .fetch_one(&mut *tx)
            .await?;
    if count >= MAX_TYPES {
        return Err(PlatformError::Invalid {
            field: "name",
            zh: "业务类型已达上限",
            en: "This enterprise has as many business types as allowed",
        }
        .into());
    }
    let id = uuid::Uuid::new_v4().to_string();
    let code = format!("custom_{}", &id[..8]);
    sqlx::query(
        "INSERT INTO ec_business_types (id, enterprise_id, code, name, name_en, required_fields, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, '[]', 1, $6)",
    )
    .bind(&id)
    .bind(enterprise_id)
    .bind(&code)
    .bind(&name)
    .bind(&name_en)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::new(actor, BUSINESS_TYPE, format!("business_type:{id}")).change(
        serde_json::Value::Null,
        serde_json::json!({ "enterprise_id": enterprise_id, "name": name, "active": true }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(BusinessType {
        id,
        code,
        name,
        name_en,
        active: true,
    })
}

/// Renames a type or switches it on or off (administrator only). Switching off keeps it on the
/// members who hold it (their data stays visible) but it can no longer be given.
pub async fn update(
    platform: &Platform,
    enterprise_id: &str,
    type_id: &str,
    actor: &str,
    input: &TypeInput,
) -> Result<BusinessType, CoreError> {
    let name = clean_name(input.name.as_deref(), "name")?;
    let name_en = clean_name(input.name_en.as_deref(), "name_en")?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Admin).await?;
    super::lock_enterprise(&mut tx, enterprise_id, now).await?;
    let row = sqlx::query(
        "SELECT id, code, name, name_en, active FROM ec_business_types WHERE id = $1 AND enterprise_id = $2",
    )
    .bind(type_id)
    .bind(enterprise_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(PlatformError::NotFound)?;
    let before = from_row(&row)?;
    if let Some(name) = &name
        && name_taken(&mut tx, enterprise_id, name, type_id).await?
    {
        return Err(ContractsError::BusinessTypeTaken.into());
    }
    let after = BusinessType {
        name: name.unwrap_or_else(|| before.name.clone()),
        name_en: name_en.unwrap_or_else(|| before.name_en.clone()),
        active: input.active.unwrap_or(before.active),
        ..before.clone()
    };
    sqlx::query("UPDATE ec_business_types SET name = $1, name_en = $2, active = $3 WHERE id = $4")
        .bind(&after.name)
        .bind(&after.name_en)
        .bind(i64::from(after.active))
        .bind(type_id)
        .execute(&mut *tx)
        .await?;
    let event = AuditEvent::new(actor, BUSINESS_TYPE, format!("business_type:{type_id}")).change(
        serde_json::json!({ "enterprise_id": enterprise_id, "name": before.name, "active": before.active }),
        serde_json::json!({ "enterprise_id": enterprise_id, "name": after.name, "active": after.active }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(after)
}

/// Gives the member exactly `type_ids` in `tx`. A type of another enterprise (or none) is
/// `NotFound`; adding a switched-off type is `BusinessTypeInactive` (one the member already
/// holds may stay). Returns the codes held afterwards.
pub(crate) async fn set_for_member(
    platform: &Platform,
    tx: &mut Tx,
    enterprise_id: &str,
    user_id: &str,
    type_ids: &[String],
) -> Result<Vec<String>, CoreError> {
    let now = platform.clock.now();
    let held: Vec<String> = sqlx::query_scalar(
        "SELECT business_type_id FROM ec_member_business_types WHERE enterprise_id = $1 AND user_id = $2",
    )
    .bind(enterprise_id)
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut wanted: Vec<&String> = type_ids.iter().collect();
    wanted.sort();
    wanted.dedup();
    let mut codes = Vec::new();
    for id in &wanted {
        let row = sqlx::query(
            "SELECT code, active FROM ec_business_types WHERE id = $1 AND enterprise_id = $2",
        )
        .bind(id.as_str())
        .bind(enterprise_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(PlatformError::NotFound)?;
        if row.try_get::<i64, _>("active")? == 0 && !held.contains(id) {
            return Err(ContractsError::BusinessTypeInactive.into());
        }
        codes.push(row.try_get::<String, _>("code")?);
    }
    for id in held.iter().filter(|id| !wanted.contains(id)) {
        sqlx::query(
            "DELETE FROM ec_member_business_types WHERE enterprise_id = $1 AND user_id = $2 AND business_type_id = $3",
        )
        .bind(enterprise_id)
        .bind(user_id)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    for id in wanted.iter().filter(|id| !held.contains(id)) {
        sqlx::query(
            "INSERT INTO ec_member_business_types (enterprise_id, user_id, business_type_id, granted_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(enterprise_id)
        .bind(user_id)
        .bind(id.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    codes.sort();
    Ok(codes)
}
