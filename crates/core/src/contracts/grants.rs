//! Seal grants (ES-12, §2.7.3): an enterprise seal granted to an active member, optionally until a
//! time, and revoked by keeping the row with the time and who revoked it. This is the one writer of
//! `ec_seal_grants`, for the approval of a join request, the members page and the seals page
//! alike. Each change is an audit event (`contracts.seal_grant`, `contracts.seal_revoke`), which
//! is the log the administrator reads (ES-13). Callers check the actor's role first.

use sqlx::Row as _;

use super::ContractsError;
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::db::Tx;

/// Audit actions of grant changes.
pub const GRANT: &str = "contracts.seal_grant";
pub const REVOKE: &str = "contracts.seal_revoke";

/// Grants `seal_id` of `enterprise_id` to `user_id` until `expires_at` (none: until revoked), in
/// the caller's transaction. Granting again replaces the expiry of the open grant. Returns the
/// grant's id. A seal of another enterprise or a grantee who is not an active member is
/// `NotFound`; a disabled or void seal is [`ContractsError::SealUnusable`].
pub async fn grant(
    platform: &Platform,
    tx: &mut Tx,
    enterprise_id: &str,
    seal_id: &str,
    user_id: &str,
    granted_by: &str,
    expires_at: Option<Timestamp>,
) -> Result<String, CoreError> {
    let now = platform.clock.now();
    if expires_at.is_some_and(|until| until <= now) {
        return Err(PlatformError::Invalid {
            field: "expires_at",
            zh: "授权截止时间必须晚于现在",
            en: "The grant's expiry must be in the future",
        }
        .into());
    }
    let seal = sqlx::query("SELECT state FROM ec_seals WHERE id = $1 AND enterprise_id = $2")
        .bind(seal_id)
        .bind(enterprise_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(PlatformError::NotFound)?;
    if seal.try_get::<String, _>("state")? != "active" {
        return Err(ContractsError::SealUnusable.into());
    }
    sqlx::query(
        "SELECT 1 AS one FROM ec_members WHERE enterprise_id = $1 AND user_id = $2 AND state = 'active'",
    )
    .bind(enterprise_id)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(PlatformError::NotFound)?;
    let open = sqlx::query(
        "UPDATE ec_seal_grants SET expires_at = $1 \
         WHERE seal_id = $2 AND user_id = $3 AND revoked_at IS NULL RETURNING id",
    )
    .bind(expires_at)
    .bind(seal_id)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?;
    let id = if let Some(row) = open {
        row.try_get("id")?
    } else {
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO ec_seal_grants (id, seal_id, enterprise_id, user_id, granted_by, granted_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(seal_id)
        .bind(enterprise_id)
        .bind(user_id)
        .bind(granted_by)
        .bind(now)
        .bind(expires_at)
        .execute(&mut **tx)
        .await?;
        id
    };
    let event = AuditEvent::new(granted_by, GRANT, format!("seal:{seal_id}")).change(
        serde_json::Value::Null,
        serde_json::json!({
            "enterprise_id": enterprise_id,
            "grantee": user_id,
            "grant_id": id,
            "expires_at": expires_at,
        }),
    );
    platform.audit.append(tx, now, &event).await?;
    Ok(id)
}

/// Revokes the open grant of `seal_id` to `user_id` (nothing when there is none; returns whether
/// one was revoked). `revoked_by` is the actor, or `system` when the platform voids grants.
pub async fn revoke(
    platform: &Platform,
    tx: &mut Tx,
    enterprise_id: &str,
    seal_id: &str,
    user_id: &str,
    revoked_by: &str,
) -> Result<bool, CoreError> {
    let now = platform.clock.now();
    let revoked = sqlx::query(
        "UPDATE ec_seal_grants SET revoked_at = $1, revoked_by = $2 \
         WHERE enterprise_id = $3 AND seal_id = $4 AND user_id = $5 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind((revoked_by != "system").then_some(revoked_by))
    .bind(enterprise_id)
    .bind(seal_id)
    .bind(user_id)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        > 0;
    if revoked {
        let event = AuditEvent::new(revoked_by, REVOKE, format!("seal:{seal_id}")).change(
            serde_json::json!({ "enterprise_id": enterprise_id, "grantee": user_id }),
            serde_json::Value::Null,
        );
        platform.audit.append(tx, now, &event).await?;
    }
    Ok(revoked)
}

/// Whether `user_id` may use `seal_id` now: the seal is active and an open grant has not expired
/// (the administrator may use every active seal of the enterprise).
pub async fn may_use(
    platform: &Platform,
    enterprise_id: &str,
    seal_id: &str,
    user_id: &str,
) -> Result<bool, CoreError> {
    let now = platform.clock.now();
    let row = sqlx::query(
        "SELECT 1 AS one FROM ec_seals s JOIN ec_members m \
           ON m.enterprise_id = s.enterprise_id AND m.user_id = $3 AND m.state = 'active' \
         WHERE s.id = $1 AND s.enterprise_id = $2 AND s.state = 'active' AND (m.role = 'admin' \
           OR EXISTS (SELECT 1 FROM ec_seal_grants g WHERE g.seal_id = s.id AND g.user_id = $3 \
                      AND g.revoked_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > $4)))",
    )
    .bind(seal_id)
    .bind(enterprise_id)
    .bind(user_id)
    .bind(now)
    .fetch_optional(platform.db.pool())
    .await?;
    Ok(row.is_some())
}
