//! The one administrator (§2.7, §2.9.3): the administrator transfers the role to an active member,
//! or a member claims it through a desk order ([`super::claims`]). Either way the former
//! administrator becomes a delegate in the same transaction, and the partial unique index
//! `ec_members_one_admin` keeps at most one; the enterprise's row lock makes it exactly one.

use super::{ADMIN_TRANSFER, lock_enterprise, sms_to_user};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::access::{self, Role};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;
use crate::platform::db::Tx;

/// Makes `to` the administrator and every other administrator of the enterprise a delegate, in
/// `tx` (which holds the enterprise's lock). `to` must be an active member (`NotFound`).
pub(super) async fn swap(
    tx: &mut Tx,
    enterprise_id: &str,
    to: &str,
    now: i64,
) -> Result<Vec<String>, CoreError> {
    let former: Vec<String> = sqlx::query_scalar(
        "SELECT user_id FROM ec_members WHERE enterprise_id = $1 AND role = 'admin' AND state = 'active'",
    )
    .bind(enterprise_id)
    .fetch_all(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE ec_members SET role = 'delegate', updated_at = $1 \
         WHERE enterprise_id = $2 AND role = 'admin' AND state = 'active'",
    )
    .bind(now)
    .bind(enterprise_id)
    .execute(&mut **tx)
    .await?;
    let promoted = sqlx::query(
        "UPDATE ec_members SET role = 'admin', updated_at = $1 \
         WHERE enterprise_id = $2 AND user_id = $3 AND state = 'active'",
    )
    .bind(now)
    .bind(enterprise_id)
    .bind(to)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if promoted != 1 {
        return Err(PlatformError::NotFound.into());
    }
    Ok(former)
}

/// The administrator hands the role to another active member and becomes a delegate.
pub async fn transfer(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
    to: &str,
) -> Result<(), CoreError> {
    if actor == to {
        return Err(ContractsError::NotOneself.into());
    }
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    // The lock first: a transfer that waited on another sees the administrator it left behind.
    lock_enterprise(&mut tx, enterprise_id, now).await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Admin).await?;
    swap(&mut tx, enterprise_id, to, now).await?;
    let event = AuditEvent::new(actor, ADMIN_TRANSFER, format!("enterprise:{enterprise_id}"))
        .change(
            serde_json::json!({ "admin": actor }),
            serde_json::json!({ "admin": to }),
        );
    let seq = platform.audit.append(&mut tx, now, &event).await?;
    let name = super::enterprise_name(&mut tx, enterprise_id).await?;
    let text = format!("【Signet】「{name}」的管理员已转让给您，请登录企业空间管理。");
    sms_to_user(
        platform,
        &mut tx,
        &format!("admin:{enterprise_id}:{seq}:sms"),
        to,
        &text,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
