//! The administrator's log (ES-13, §2.8): every change of a seal grant and every use of a seal of
//! the enterprise, read from the audit chain (the events are written by [`grants`] and by part 2's
//! signing with [`SEAL_USE`]), filtered by seal, member, action and time, newest first.
//!
//! [`grants`]: crate::contracts::grants

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use crate::Platform;
use crate::contracts::access::{self, Role};
use crate::contracts::grants;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::{Timestamp, rfc3339};

/// The audit action of a seal's use in signing (part 2 writes it: target `seal:<id>`, and in
/// `after` at least `enterprise_id` and `user_id`, the member who used it, plus the contract).
pub const SEAL_USE: &str = "contracts.seal_use";

/// The actions this log shows.
pub const ACTIONS: [&str; 3] = [grants::GRANT, grants::REVOKE, SEAL_USE];

/// Entries per page, at most.
pub const MAX_PER_PAGE: i64 = 100;

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogQuery {
    pub seal_id: Option<String>,
    /// The member granted, revoked, or who used the seal (or who acted).
    pub user_id: Option<String>,
    /// `contracts.seal_grant`, `contracts.seal_revoke` or `contracts.seal_use`.
    pub action: Option<String>,
    /// Unix seconds, inclusive.
    pub from: Option<Timestamp>,
    /// Unix seconds, exclusive.
    pub to: Option<Timestamp>,
    /// From 1.
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogEntry {
    pub seq: i64,
    pub at: String,
    pub action: String,
    pub actor: String,
    pub seal_id: String,
    pub seal_name: Option<String>,
    /// Whom the grant was for, or who used the seal.
    pub user_id: Option<String>,
    pub expires_at: Option<Timestamp>,
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogPage {
    pub entries: Vec<LogEntry>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// The text `"key":"value"` as `serde_json` writes it, for a LIKE over the stored JSON (values
/// here are ids: letters, digits and dashes, checked before use).
fn json_pair(key: &str, value: &str) -> Result<String, CoreError> {
    if value.is_empty()
        || value.len() > 100
        || !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(PlatformError::NotFound.into());
    }
    Ok(format!("%\"{key}\":\"{value}\"%"))
}

/// The `FROM … WHERE …` of a query and its text binds (then `from` and `to` follow as numbers).
fn filter(enterprise_id: &str, query: &LogQuery) -> Result<(String, Vec<String>), CoreError> {
    use std::fmt::Write as _;
    let mut sql = String::from(
        "FROM audit_log WHERE action IN ($1, $2, $3) AND (before_state LIKE $4 OR after_state LIKE $4)",
    );
    let mut binds: Vec<String> = ACTIONS.iter().map(|a| (*a).to_owned()).collect();
    binds.push(json_pair("enterprise_id", enterprise_id)?);
    if let Some(seal) = &query.seal_id {
        binds.push(format!("seal:{seal}"));
        let _ = write!(sql, " AND target = ${}", binds.len());
    }
    if let Some(user) = &query.user_id {
        binds.push(json_pair("grantee", user)?);
        binds.push(json_pair("user_id", user)?);
        binds.push(user.clone());
        let n = binds.len();
        let (a, b) = (n - 2, n - 1);
        let _ = write!(
            sql,
            " AND (before_state LIKE ${a} OR after_state LIKE ${a} OR after_state LIKE ${b} OR actor = ${n})"
        );
    }
    if let Some(action) = &query.action {
        if !ACTIONS.contains(&action.as_str()) {
            return Err(PlatformError::Invalid {
                field: "action",
                zh: "日志类型须为印章授权、收回授权或用章",
                en: "The action is contracts.seal_grant, contracts.seal_revoke or contracts.seal_use",
            }.into());
        }
        binds.push(action.clone());
        let _ = write!(sql, " AND action = ${}", binds.len());
    }
    let n = binds.len();
    let _ = write!(sql, " AND at >= ${} AND at < ${}", n + 1, n + 2);
    Ok((sql, binds))
}

/// One audit row as a log entry.
async fn entry_of(
    platform: &Platform,
    enterprise_id: &str,
    row: &sqlx::any::AnyRow,
) -> Result<LogEntry, CoreError> {
    let target: String = row.try_get("target")?;
    let seal_id = target.strip_prefix("seal:").unwrap_or(&target).to_owned();
    let before: serde_json::Value =
        serde_json::from_str(&row.try_get::<String, _>("before_state")?).unwrap_or_default();
    let after: serde_json::Value =
        serde_json::from_str(&row.try_get::<String, _>("after_state")?).unwrap_or_default();
    let details = if after.is_null() { before } else { after };
    let seal_name: Option<String> =
        sqlx::query_scalar("SELECT name FROM ec_seals WHERE id = $1 AND enterprise_id = $2")
            .bind(&seal_id)
            .bind(enterprise_id)
            .fetch_optional(platform.db.pool())
            .await?;
    Ok(LogEntry {
        seq: row.try_get("seq")?,
        at: rfc3339(row.try_get("at")?),
        action: row.try_get("action")?,
        actor: row.try_get("actor")?,
        seal_name,
        user_id: details["grantee"]
            .as_str()
            .or_else(|| details["user_id"].as_str())
            .map(str::to_owned),
        expires_at: details["expires_at"].as_i64(),
        seal_id,
        details,
    })
}

/// A page of the enterprise's seal log (delegates and the administrator).
pub async fn list(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
    query: &LogQuery,
) -> Result<LogPage, CoreError> {
    let pool = platform.db.pool();
    access::require(pool, enterprise_id, actor, Role::Delegate).await?;
    let per_page = query.per_page.unwrap_or(20).clamp(1, MAX_PER_PAGE);
    let page = query.page.unwrap_or(1).max(1);
    let (filter, binds) = filter(enterprise_id, query)?;
    let n = binds.len();
    let from = query.from.unwrap_or(i64::MIN);
    let to = query.to.unwrap_or(i64::MAX);
    let mut count = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) {filter}")));
    for bind in &binds {
        count = count.bind(bind);
    }
    let total: i64 = count.bind(from).bind(to).fetch_one(pool).await?;
    let page_sql = format!(
        "SELECT seq, at, actor, action, target, before_state, after_state {filter} ORDER BY seq DESC LIMIT ${} OFFSET ${}",
        n + 3,
        n + 4
    );
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(page_sql));
    for bind in &binds {
        rows = rows.bind(bind);
    }
    let rows = rows
        .bind(from)
        .bind(to)
        .bind(per_page)
        .bind((page - 1).saturating_mul(per_page))
        .fetch_all(pool)
        .await?;
    let mut entries = Vec::with_capacity(rows.len());
    for row in &rows {
        entries.push(entry_of(platform, enterprise_id, row).await?);
    }
    Ok(LogPage {
        entries,
        total,
        page,
        per_page,
    })
}

#[cfg(test)]
mod tests {
    use super::json_pair;

    #[test]
    fn a_json_pair_takes_ids_only() {
        assert_eq!(
            json_pair("grantee", "ab-12_c").unwrap(),
            "%\"grantee\":\"ab-12_c\"%"
        );
        assert!(json_pair("grantee", "a%b").is_err());
        assert!(json_pair("grantee", "a\"b").is_err());
        assert!(json_pair("grantee", "").is_err());
    }
}
