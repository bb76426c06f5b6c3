//! The person's side (ES-3, §2.2.4, §2.9.3.2): find a certified enterprise, ask to join it with a
//! reason, withdraw the request (or leave), ask again (the same row is reused), and the list of
//! the enterprises one has asked to join or belongs to.

use serde::Serialize;
use sqlx::Row as _;

use super::{JOIN_APPLY, JOIN_WITHDRAW, MEMBER_LEAVE, lock_enterprise, reason};
use crate::Platform;
use crate::contracts::access::{self, Role};
use crate::contracts::{ContractsError, grants};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, rfc3339};
use crate::platform::db::Tx;

/// Found enterprises per search.
pub const SEARCH_LIMIT: i64 = 20;

/// A certified enterprise as the search shows it, with where the caller stands with it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Found {
    pub id: String,
    pub name: String,
    pub credit_code: String,
    /// The caller's row: `pending`, `active`, `rejected`, `withdrawn`, `removed`, or none.
    pub my_state: Option<String>,
}

/// Certified enterprises whose name contains `query` or whose credit code is `query` (at least
/// two characters; the case of a code does not matter). Only real-named persons search.
pub async fn search(
    platform: &Platform,
    user_id: &str,
    query: &str,
) -> Result<Vec<Found>, CoreError> {
    access::require_real_name(platform.db.pool(), user_id).await?;
    let query = query.trim();
    if query.chars().count() < 2 || query.chars().count() > 100 {
        return Err(PlatformError::Invalid {
            field: "q",
            zh: "请输入至少两个字的企业名称或统一社会信用代码",
            en: "Enter at least two characters of the name, or the credit code",
        }
        .into());
    }
    let pattern = format!(
        "%{}%",
        query
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let rows = sqlx::query(
        "SELECT e.id, e.name, e.credit_code, m.state AS my_state FROM ec_enterprises e \
         LEFT JOIN ec_members m ON m.enterprise_id = e.id AND m.user_id = $1 \
         WHERE e.state = 'certified' AND (e.name LIKE $2 ESCAPE '\\' OR e.credit_code = $3) \
         ORDER BY e.name LIMIT $4",
    )
    .bind(user_id)
    .bind(&pattern)
    .bind(query.to_uppercase())
    .bind(SEARCH_LIMIT)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Found {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                credit_code: row.try_get("credit_code")?,
                my_state: row.try_get("my_state")?,
            })
        })
        .collect()
}

/// Asks to join a certified enterprise. Unknown: `NotFound`; not certified: `NotCertified`;
/// already a member: `AlreadyMember`; already waiting: `JoinPending`. A rejected, withdrawn or
/// removed row becomes a new request.
pub async fn apply(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    why: &str,
) -> Result<(), CoreError> {
    let why = reason(why, "reason")?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    access::require_real_name(&mut *tx, user_id).await?;
    let state: String = sqlx::query("SELECT state FROM ec_enterprises WHERE id = $1")
        .bind(enterprise_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(PlatformError::NotFound)?
        .try_get("state")?;
    if state != "certified" {
        return Err(ContractsError::NotCertified.into());
    }
    lock_enterprise(&mut tx, enterprise_id, now).await?;
    let existing =
        sqlx::query("SELECT state FROM ec_members WHERE enterprise_id = $1 AND user_id = $2")
            .bind(enterprise_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    match existing {
        Some(row) => match row.try_get::<String, _>("state")?.as_str() {
            "active" => return Err(ContractsError::AlreadyMember.into()),
            "pending" => return Err(ContractsError::JoinPending.into()),
            _ => {
                sqlx::query(
                    "UPDATE ec_members SET state = 'pending', role = 'member', reason = $1, \
                     decision_reason = NULL, decided_by = NULL, decided_at = NULL, created_at = $2, \
                     updated_at = $2 WHERE enterprise_id = $3 AND user_id = $4",
                )
                .bind(&why)
                .bind(now)
                .bind(enterprise_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            }
        },
        None => {
            sqlx::query(
                "INSERT INTO ec_members (enterprise_id, user_id, role, state, reason, created_at, updated_at) \
                 VALUES ($1, $2, 'member', 'pending', $3, $4, $4)",
            )
            .bind(enterprise_id)
            .bind(user_id)
            .bind(&why)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    let event = AuditEvent::new(user_id, JOIN_APPLY, format!("enterprise:{enterprise_id}")).change(
        serde_json::Value::Null,
        serde_json::json!({ "state": "pending" }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws the caller's pending request, or leaves the enterprise as an active member (every
/// open grant is revoked). The administrator cannot leave: `AdminStays`. Nothing to withdraw:
/// `NotFound`.
pub async fn withdraw(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    lock_enterprise(&mut tx, enterprise_id, now).await?;
    let row = sqlx::query(
        "SELECT role, state FROM ec_members WHERE enterprise_id = $1 AND user_id = $2 \
         AND state IN ('pending', 'active')",
    )
    .bind(enterprise_id)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(PlatformError::NotFound)?;
    let state: String = row.try_get("state")?;
    let leaving = state == "active";
    if leaving && row.try_get::<String, _>("role")? == Role::Admin.as_str() {
        return Err(ContractsError::AdminStays.into());
    }
    if leaving {
        revoke_all(platform, &mut tx, enterprise_id, user_id, user_id).await?;
        clear_business_types(&mut tx, enterprise_id, user_id).await?;
    }
    sqlx::query(
        "UPDATE ec_members SET state = 'withdrawn', role = 'member', updated_at = $1 \
         WHERE enterprise_id = $2 AND user_id = $3",
    )
    .bind(now)
    .bind(enterprise_id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    let action = if leaving { MEMBER_LEAVE } else { JOIN_WITHDRAW };
    let event = AuditEvent::new(user_id, action, format!("enterprise:{enterprise_id}")).change(
        serde_json::json!({ "state": state }),
        serde_json::json!({ "state": "withdrawn" }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// Revokes every open grant of the member in `tx` (each an audit event).
pub(crate) async fn revoke_all(
    platform: &Platform,
    tx: &mut Tx,
    enterprise_id: &str,
    user_id: &str,
    actor: &str,
) -> Result<usize, CoreError> {
    let seals: Vec<String> = sqlx::query_scalar(
        "SELECT seal_id FROM ec_seal_grants WHERE enterprise_id = $1 AND user_id = $2 \
         AND revoked_at IS NULL ORDER BY seal_id",
    )
    .bind(enterprise_id)
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await?;
    for seal_id in &seals {
        grants::revoke(platform, tx, enterprise_id, seal_id, user_id, actor).await?;
    }
    Ok(seals.len())
}

/// Takes every business type from the member in `tx`.
pub(crate) async fn clear_business_types(
    tx: &mut Tx,
    enterprise_id: &str,
    user_id: &str,
) -> Result<(), CoreError> {
    sqlx::query("DELETE FROM ec_member_business_types WHERE enterprise_id = $1 AND user_id = $2")
        .bind(enterprise_id)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One enterprise the caller asked to join or belongs to (§2.9.3.2).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Joined {
    pub enterprise_id: String,
    pub name: String,
    pub credit_code: String,
    pub enterprise_state: String,
    /// `admin`, `delegate` or `member`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub role: Role,
    /// `pending`, `active` or `rejected`.
    pub state: String,
    pub reason: Option<String>,
    /// The administrator's reason when rejected.
    pub decision_reason: Option<String>,
    pub updated_at: String,
}

/// The caller's requests and memberships, newest first (withdrawn and removed rows are gone
/// from the list; asking again brings the row back).
pub async fn joined(platform: &Platform, user_id: &str) -> Result<Vec<Joined>, CoreError> {
    let rows = sqlx::query(
        "SELECT e.id, e.name, e.credit_code, e.state AS enterprise_state, m.role, m.state, m.reason, \
         m.decision_reason, m.updated_at FROM ec_members m JOIN ec_enterprises e ON e.id = m.enterprise_id \
         WHERE m.user_id = $1 AND m.state IN ('pending', 'active', 'rejected') \
         ORDER BY m.updated_at DESC, e.name",
    )
    .bind(user_id)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let role: String = row.try_get("role")?;
            Ok(Joined {
                enterprise_id: row.try_get("id")?,
                name: row.try_get("name")?,
                credit_code: row.try_get("credit_code")?,
                enterprise_state: row.try_get("enterprise_state")?,
                role: Role::parse(&role).unwrap_or(Role::Member),
                state: row.try_get("state")?,
                reason: row.try_get("reason")?,
                decision_reason: row.try_get("decision_reason")?,
                updated_at: rfc3339(row.try_get("updated_at")?),
            })
        })
        .collect()
}
