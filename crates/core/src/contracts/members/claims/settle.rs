//! A finished claim order (the order-settled job, or a withdrawal): cancelled or refunded, the
//! claim is `withdrawn`; completed, the claimant becomes the one administrator under the
//! enterprise's lock, or nothing changes and the order's history says why. Idempotent: the
//! claim leaves `open` once.

use sqlx::Row as _;

use super::super::{ADMIN_CLAIM, admin, lock_enterprise, sms_to_user};
use super::{CLAIM_VOID, CLAIM_WITHDRAWN, COLUMNS, legal_rep};
use crate::Platform;
use crate::contracts::access::{self, Role};
use crate::contracts::{enterprises, persons};
use crate::desk::{Note, Order, OrderState};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;

/// What a finished claim order means, run by the order-settled job (and by a withdrawal).
/// Returns whether the order was a claim's. Idempotent: the claim leaves `open` once.
pub async fn settle(platform: &Platform, order_id: &str) -> Result<bool, CoreError> {
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM ec_admin_claims WHERE order_id = $1"
    )))
    .bind(order_id)
    .fetch_optional(platform.db.pool())
    .await?
    else {
        return Ok(false);
    };
    let claim = Claim {
        id: row.try_get("id")?,
        enterprise_id: row.try_get("enterprise_id")?,
        user_id: row.try_get("user_id")?,
    };
    if row.try_get::<String, _>("state")? != "open" {
        return Ok(true);
    }
    let order = crate::desk::load_order(platform, order_id).await?;
    match order.state {
        OrderState::Completed => conclude(platform, &claim, &order).await?,
        OrderState::Cancelled | OrderState::Refunded => {
            let now = platform.clock.now();
            let mut tx = platform.db.begin().await?;
            let moved = sqlx::query(
                "UPDATE ec_admin_claims SET state = 'withdrawn', updated_at = $1 WHERE id = $2 AND state = 'open'",
            )
            .bind(now)
            .bind(&claim.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved > 0 {
                let event = AuditEvent::new(
                    format!("order:{order_id}"),
                    CLAIM_WITHDRAWN,
                    format!("enterprise:{}", claim.enterprise_id),
                )
                .change(
                    serde_json::json!({ "claim": claim.id, "state": "open" }),
                    serde_json::json!({ "state": "withdrawn", "order_state": order.state.as_str() }),
                );
                platform.audit.append(&mut tx, now, &event).await?;
            }
            tx.commit().await?;
        }
        _ => {}
    }
    Ok(true)
}

struct Claim {
    id: String,
    enterprise_id: String,
    user_id: String,
}

/// Why a completed claim changes nothing, in the history's two languages.
fn void_note(reason: &str) -> Note {
    let (zh, en) = match reason {
        "not_member" => (
            "管理员申领未生效：申领人已不是该企业的成员",
            "The claim changed nothing: the claimant is no longer a member of the enterprise",
        ),
        "already_admin" => (
            "管理员申领未生效：申领人已是该企业的管理员",
            "The claim changed nothing: the claimant is already the enterprise's administrator",
        ),
        "not_certified" => (
            "管理员申领未生效：该企业当前不是已认证状态",
            "The claim changed nothing: the enterprise is not certified now",
        ),
        _ => (
            "管理员申领未生效：订单中的企业、法定代表人或申领人与申领时不一致",
            "The claim changed nothing: the order's enterprise, legal representative or claimant is not the one claimed for",
        ),
    };
    Note::Settled {
        zh: zh.into(),
        en: en.into(),
    }
}

/// Whether the completed order still proves this claim: it names the enterprise and its legal
/// representative as stored, and the claimant as operator (the wizard lets the form be edited).
async fn form_matches(
    platform: &Platform,
    claim: &Claim,
    order: &Order,
) -> Result<bool, CoreError> {
    let enterprise = enterprises::load(platform, &claim.enterprise_id).await?;
    let legal_rep = legal_rep(platform, &claim.enterprise_id).await?;
    let (name, id_number) = persons::identity(platform, &claim.user_id).await?;
    let org = order.form.organisation.as_ref();
    let person = order.form.person.as_ref();
    Ok(org.is_some_and(|o| {
        o.name == enterprise.name
            && o.id_number == enterprise.credit_code
            && o.legal_rep_name == legal_rep
    }) && person.is_some_and(|p| p.name == name && p.id_number == id_number)
        && order.user_id == claim.user_id)
}

/// The order completed: under the enterprise's lock, the claimant becomes the administrator (the
/// former one a delegate, told by SMS) unless removed, already administrator or the enterprise
/// not certified; then the claim is `void` and the order's history says why.
async fn conclude(platform: &Platform, claim: &Claim, order: &Order) -> Result<(), CoreError> {
    // Read before the write lock: the lock is held for writes only.
    let matches = form_matches(platform, claim, order).await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    lock_enterprise(&mut tx, &claim.enterprise_id, now).await?;
    // The lock orders repeated jobs: the second one reads the first one's result.
    let state: String = sqlx::query("SELECT state FROM ec_admin_claims WHERE id = $1")
        .bind(&claim.id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("state")?;
    if state != "open" {
        return Ok(());
    }
    let membership = match access::membership(&mut *tx, &claim.enterprise_id, &claim.user_id).await
    {
        Ok(found) => Some(found),
        Err(CoreError::Platform(PlatformError::NotFound)) => None,
        Err(e) => return Err(e),
    };
    let reason = match &membership {
        _ if !matches => Some("form_mismatch"),
        None => Some("not_member"),
        Some(m) if m.role == Role::Admin => Some("already_admin"),
        Some(m) if !m.certified() => Some("not_certified"),
        Some(_) => None,
    };
    let order_actor = format!("order:{}", order.id);
    let name = super::super::enterprise_name(&mut tx, &claim.enterprise_id).await?;
    if let Some(reason) = reason {
        sqlx::query(
            "UPDATE ec_admin_claims SET state = 'void', reason = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(reason)
        .bind(now)
        .bind(&claim.id)
        .execute(&mut *tx)
        .await?;
        crate::desk::annotate_order(&mut tx, order, &order_actor, &void_note(reason), now).await?;
        let event = AuditEvent::new(
            order_actor.as_str(),
            CLAIM_VOID,
            format!("enterprise:{}", claim.enterprise_id),
        )
        .change(
            serde_json::json!({ "claim": claim.id, "state": "open" }),
            serde_json::json!({ "state": "void", "reason": reason }),
        );
        platform.audit.append(&mut tx, now, &event).await?;
        let text = format!("【Signet】您对「{name}」的管理员申领未生效，原因请在订单记录中查看。");
        sms_to_user(
            platform,
            &mut tx,
            &format!("admin_claim:{}:void:sms", claim.id),
            &claim.user_id,
            &text,
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    }
    let former = admin::swap(&mut tx, &claim.enterprise_id, &claim.user_id, now).await?;
    sqlx::query("UPDATE ec_admin_claims SET state = 'done', updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&claim.id)
        .execute(&mut *tx)
        .await?;
    let note = Note::Settled {
        zh: "管理员申领已生效：申领人已成为企业管理员，原管理员改为管理员代理".into(),
        en: "The claim took effect: the claimant is the enterprise's administrator, the former one a delegate".into(),
    };
    crate::desk::annotate_order(&mut tx, order, &order_actor, &note, now).await?;
    let event = AuditEvent::new(
        format!("user:{}", claim.user_id),
        ADMIN_CLAIM,
        format!("enterprise:{}", claim.enterprise_id),
    )
    .change(
        serde_json::json!({ "admin": former }),
        serde_json::json!({ "admin": claim.user_id, "claim": claim.id, "order": order.id }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    for user in &former {
        let text = format!(
            "【Signet】「{name}」的管理员已由经核验的申领人接任，您的角色已改为管理员代理。"
        );
        sms_to_user(
            platform,
            &mut tx,
            &format!("admin_claim:{}:{user}:sms", claim.id),
            user,
            &text,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
