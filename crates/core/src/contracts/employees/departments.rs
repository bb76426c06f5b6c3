//! The directory's department tree (§2.4.4): add, rename, move (never under itself or a
//! descendant) and delete (only when empty). Changes to one enterprise's tree are serialised on
//! its `ec_enterprises` row, so two moves at once cannot build a cycle between them.

use serde::Serialize;
use sqlx::Row as _;

use super::fields::clean;
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::access::{self, Role};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::db::Tx;

/// One department; the tree is built from `parent_id`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub position: i64,
    /// Employees on the roster in this department (not counting sub-departments).
    pub employees: i64,
}

/// Deepest tree accepted (a guard for the ancestor walk, far beyond any real organisation).
const MAX_DEPTH: usize = 64;

fn parse_name(text: &str) -> Result<String, CoreError> {
    let name = clean(text);
    let length = name.chars().count();
    if length == 0 || length > 50 || name.chars().any(char::is_control) {
        return Err(PlatformError::Invalid {
            field: "name",
            zh: "请填写部门名称（不超过 50 个字）",
            en: "Enter the department's name (at most 50 characters)",
        }
        .into());
    }
    Ok(name.to_owned())
}

/// Every department of the enterprise, for any active member (pickers need them).
pub async fn list(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
) -> Result<Vec<Department>, CoreError> {
    access::require(platform.db.pool(), enterprise_id, user_id, Role::Member).await?;
    let rows = sqlx::query(
        "SELECT d.id, d.parent_id, d.name, d.position, \
           (SELECT COUNT(*) FROM ec_employees e WHERE e.department_id = d.id AND e.state = 'active') AS employees \
         FROM ec_departments d WHERE d.enterprise_id = $1 ORDER BY d.position, d.created_at, d.name",
    )
    .bind(enterprise_id)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Department {
                id: row.try_get("id")?,
                parent_id: row.try_get("parent_id")?,
                name: row.try_get("name")?,
                position: row.try_get("position")?,
                employees: row.try_get("employees")?,
            })
        })
        .collect()
}

/// `NotFound` unless `department_id` is a department of `enterprise_id`.
pub(super) async fn ensure_in<'e, E>(
    executor: E,
    enterprise_id: &str,
    department_id: &str,
) -> Result<(), CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("SELECT 1 AS one FROM ec_departments WHERE id = $1 AND enterprise_id = $2")
        .bind(department_id)
        .bind(enterprise_id)
        .fetch_optional(executor)
        .await?
        .map(|_| ())
        .ok_or(PlatformError::NotFound.into())
}

/// Opens a transaction holding the enterprise's tree, after checking the caller's role.
async fn begin(platform: &Platform, enterprise_id: &str, user_id: &str) -> Result<Tx, CoreError> {
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, user_id, Role::Delegate).await?;
    sqlx::query("UPDATE ec_enterprises SET updated_at = updated_at WHERE id = $1")
        .bind(enterprise_id)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

async fn name_taken(
    tx: &mut Tx,
    enterprise_id: &str,
    parent_id: Option<&str>,
    name: &str,
    except: Option<&str>,
) -> Result<bool, CoreError> {
    let found = sqlx::query(
        "SELECT 1 AS one FROM ec_departments WHERE enterprise_id = $1 AND name = $2 \
         AND ((parent_id IS NULL AND $3 IS NULL) OR parent_id = $3) AND id <> $4",
    )
    .bind(enterprise_id)
    .bind(name)
    .bind(parent_id)
    .bind(except.unwrap_or(""))
    .fetch_optional(&mut **tx)
    .await?;
    Ok(found.is_some())
}

async fn audit(
    platform: &Platform,
    tx: &mut Tx,
    user_id: &str,
    action: &str,
    id: &str,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<(), CoreError> {
    let event = AuditEvent::new(
        format!("user:{user_id}"),
        action,
        format!("department:{id}"),
    )
    .change(before, after);
    platform
        .audit
        .append(tx, platform.clock.now(), &event)
        .await?;
    Ok(())
}

async fn load(tx: &mut Tx, enterprise_id: &str, id: &str) -> Result<Department, CoreError> {
    let row = sqlx::query(
        "SELECT id, parent_id, name, position FROM ec_departments WHERE id = $1 AND enterprise_id = $2",
    )
    .bind(id)
    .bind(enterprise_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(PlatformError::NotFound)?;
    Ok(Department {
        id: row.try_get("id")?,
        parent_id: row.try_get("parent_id")?,
        name: row.try_get("name")?,
        position: row.try_get("position")?,
        employees: 0,
    })
}

/// Adds a department under `parent_id` (none: directly under the enterprise).
pub async fn add(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    parent_id: Option<&str>,
    name: &str,
) -> Result<Department, CoreError> {
    let name = parse_name(name)?;
    let mut tx = begin(platform, enterprise_id, user_id).await?;
    if let Some(parent) = parent_id {
        ensure_in(&mut *tx, enterprise_id, parent).await?;
    }
    if name_taken(&mut tx, enterprise_id, parent_id, &name, None).await? {
        return Err(ContractsError::DepartmentNameTaken.into());
    }
    let id = uuid::Uuid::new_v4().to_string();
    let now: Timestamp = platform.clock.now();
    let position: i64 = sqlx::query(
        "SELECT COALESCE(MAX(position), 0) + 1 AS next FROM ec_departments \
         WHERE enterprise_id = $1 AND ((parent_id IS NULL AND $2 IS NULL) OR parent_id = $2)",
    )
    .bind(enterprise_id)
    .bind(parent_id)
    .fetch_one(&mut *tx)
    .await?
    .try_get("next")?;
    sqlx::query(
        "INSERT INTO ec_departments (id, enterprise_id, parent_id, name, position, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(&id)
    .bind(enterprise_id)
    .bind(parent_id)
    .bind(&name)
    .bind(position)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let after =
        serde_json::json!({"enterprise_id": enterprise_id, "parent_id": parent_id, "name": name});
    audit(
        platform,
        &mut tx,
        user_id,
        "contracts.department.add",
        &id,
        serde_json::Value::Null,
        after,
    )
    .await?;
    tx.commit().await?;
    Ok(Department {
        id,
        parent_id: parent_id.map(str::to_owned),
        name,
        position,
        employees: 0,
    })
}

/// Renames a department.
pub async fn rename(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    id: &str,
    name: &str,
) -> Result<Department, CoreError> {
    let name = parse_name(name)?;
    let mut tx = begin(platform, enterprise_id, user_id).await?;
    let mut department = load(&mut tx, enterprise_id, id).await?;
    if name_taken(
        &mut tx,
        enterprise_id,
        department.parent_id.as_deref(),
        &name,
        Some(id),
    )
    .await?
    {
        return Err(ContractsError::DepartmentNameTaken.into());
    }
    sqlx::query("UPDATE ec_departments SET name = $1, updated_at = $2 WHERE id = $3")
        .bind(&name)
        .bind(platform.clock.now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let before = serde_json::json!({"name": department.name});
    audit(
        platform,
        &mut tx,
        user_id,
        "contracts.department.rename",
        id,
        before,
        serde_json::json!({"name": name}),
    )
    .await?;
    tx.commit().await?;
    department.name = name;
    Ok(department)
}

/// Moves a department under `parent_id` (none: to the top). Under itself or one of its
/// descendants is [`ContractsError::DepartmentCycle`].
pub async fn move_to(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    id: &str,
    parent_id: Option<&str>,
) -> Result<Department, CoreError> {
    let mut tx = begin(platform, enterprise_id, user_id).await?;
    let mut department = load(&mut tx, enterprise_id, id).await?;
    if let Some(parent) = parent_id {
        ensure_in(&mut *tx, enterprise_id, parent).await?;
        // Walk up from the new parent: meeting the department itself means a cycle.
        let mut cursor = Some(parent.to_owned());
        let mut depth = 0;
        while let Some(current) = cursor {
            if current == id {
                return Err(ContractsError::DepartmentCycle.into());
            }
            depth += 1;
            if depth > MAX_DEPTH {
                return Err(ContractsError::DepartmentCycle.into());
            }
            cursor = sqlx::query("SELECT parent_id FROM ec_departments WHERE id = $1")
                .bind(&current)
                .fetch_one(&mut *tx)
                .await?
                .try_get("parent_id")?;
        }
    }
    if name_taken(
        &mut tx,
        enterprise_id,
        parent_id,
        &department.name,
        Some(id),
    )
    .await?
    {
        return Err(ContractsError::DepartmentNameTaken.into());
    }
    sqlx::query("UPDATE ec_departments SET parent_id = $1, updated_at = $2 WHERE id = $3")
        .bind(parent_id)
        .bind(platform.clock.now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let before = serde_json::json!({"parent_id": department.parent_id});
    audit(
        platform,
        &mut tx,
        user_id,
        "contracts.department.move",
        id,
        before,
        serde_json::json!({"parent_id": parent_id}),
    )
    .await?;
    tx.commit().await?;
    department.parent_id = parent_id.map(str::to_owned);
    Ok(department)
}

/// Deletes an empty department: no sub-departments, nobody onboarding or on the roster in it, no
/// member placed in it. Resigned employees keep their row without the department.
pub async fn delete(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    id: &str,
) -> Result<(), CoreError> {
    let mut tx = begin(platform, enterprise_id, user_id).await?;
    let department = load(&mut tx, enterprise_id, id).await?;
    let busy = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM ec_departments WHERE parent_id = $1) \
              + (SELECT COUNT(*) FROM ec_employees WHERE department_id = $1 AND state <> 'resigned') \
              + (SELECT COUNT(*) FROM ec_members WHERE department_id = $1 AND state = 'active') AS n",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?
    .try_get::<i64, _>("n")?;
    if busy > 0 {
        return Err(ContractsError::DepartmentNotEmpty.into());
    }
    sqlx::query("UPDATE ec_employees SET department_id = NULL WHERE department_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE ec_members SET department_id = NULL WHERE department_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM ec_departments WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let before = serde_json::json!({"parent_id": department.parent_id, "name": department.name});
    audit(
        platform,
        &mut tx,
        user_id,
        "contracts.department.delete",
        id,
        before,
        serde_json::Value::Null,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Finds a department by the name or `/`-separated path written in an Excel row: `None` when
/// none or several match.
pub(super) fn resolve<'a>(departments: &'a [Department], text: &str) -> Option<&'a Department> {
    let path: Vec<&str> = text
        .split('/')
        .map(clean)
        .filter(|p| !p.is_empty())
        .collect();
    let leaf = path.last()?;
    let mut matches = departments.iter().filter(|d| d.name == *leaf).filter(|d| {
        // Check the ancestors named before the leaf, nearest first.
        let mut parent = d.parent_id.as_deref();
        for name in path.iter().rev().skip(1) {
            let Some(found) = parent.and_then(|p| departments.iter().find(|x| x.id == p)) else {
                return false;
            };
            if found.name != *name {
                return false;
            }
            parent = found.parent_id.as_deref();
        }
        true
    });
    let first = matches.next()?;
    matches.next().is_none().then_some(first)
}
