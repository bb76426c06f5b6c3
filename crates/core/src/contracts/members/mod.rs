//! People of an enterprise (ES-3, seed 004 §2.2.4, §2.7.1–2.7.2, §2.8, §2.9.3): a real-named
//! person asks to join a certified enterprise; the administrator (or a delegate) approves with a
//! role, business types and seal grants, or rejects; the members list with edits and removal;
//! the enterprise's business types; the administrator's transfer and claim (a desk order); the log of grants and
//! seal uses. Every change writes its audit event, and its SMS through the outbox, in the change's
//! own transaction.

pub mod admin;
pub mod business_types;
pub mod claims;
pub(crate) mod errors;
pub mod joining;
pub mod logs;
pub mod review;
pub mod roster;

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::Timestamp;
use crate::platform::crypto::SealedAt;
use crate::platform::db::Tx;
use crate::platform::jobs::messages;

/// Audit actions of this part (grant changes are `grants::GRANT` / `grants::REVOKE`).
pub const JOIN_APPLY: &str = "contracts.join_apply";
pub const JOIN_WITHDRAW: &str = "contracts.join_withdraw";
pub const JOIN_APPROVE: &str = "contracts.join_approve";
pub const JOIN_REJECT: &str = "contracts.join_reject";
pub const MEMBER_UPDATE: &str = "contracts.member_update";
pub const MEMBER_REMOVE: &str = "contracts.member_remove";
pub const MEMBER_LEAVE: &str = "contracts.member_leave";
pub const ADMIN_TRANSFER: &str = "contracts.admin_transfer";
pub const ADMIN_CLAIM: &str = "contracts.admin_claim";
pub const BUSINESS_TYPE: &str = "contracts.business_type";

/// One seal to grant, optionally until a time (Unix seconds).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantInput {
    pub seal_id: String,
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
}

/// How many contracts `user_id` still holds in the enterprise: the ones they launched or must
/// handle. Part 2 (templates, launch, signing) owns contracts and fills this in; until then
/// nobody holds any. Removing a member who holds some needs someone to take them over.
pub async fn holdings(
    _platform: &Platform,
    _tx: &mut Tx,
    _enterprise_id: &str,
    _user_id: &str,
) -> Result<i64, CoreError> {
    Ok(0)
}

/// Takes the enterprise's row lock for the rest of `tx`: changes of roles in one enterprise
/// (approval, transfer, claim, removal) queue on it, so each sees the one before it.
pub(crate) async fn lock_enterprise(
    tx: &mut Tx,
    enterprise_id: &str,
    now: Timestamp,
) -> Result<(), CoreError> {
    let locked = sqlx::query("UPDATE ec_enterprises SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(enterprise_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if locked == 0 {
        return Err(PlatformError::NotFound.into());
    }
    Ok(())
}

/// The enterprise's name (for messages).
pub(crate) async fn enterprise_name(tx: &mut Tx, enterprise_id: &str) -> Result<String, CoreError> {
    let row = sqlx::query("SELECT name FROM ec_enterprises WHERE id = $1")
        .bind(enterprise_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(PlatformError::NotFound)?;
    Ok(row.try_get("name")?)
}

/// Queues an SMS to the account's phone in `tx` (nothing when the account is gone).
pub(crate) async fn sms_to_user(
    platform: &Platform,
    tx: &mut Tx,
    key: &str,
    user_id: &str,
    text: &str,
) -> Result<(), CoreError> {
    let row = sqlx::query("SELECT phone_sealed FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(row) = row {
        let at = SealedAt::new("users", "phone_sealed", user_id);
        let phone = platform
            .cipher
            .open(at, &row.try_get::<String, _>("phone_sealed")?)?;
        messages::sms(platform, tx, key, &phone, text).await?;
    }
    Ok(())
}

/// The `PlatformError::Invalid` of a reason that is blank or too long.
pub(crate) fn reason(text: &str, field: &'static str) -> Result<String, CoreError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 200 {
        return Err(PlatformError::Invalid {
            field,
            zh: "请填写理由（不超过 200 字）",
            en: "Give a reason of at most 200 characters",
        }
        .into());
    }
    Ok(text.to_owned())
}
