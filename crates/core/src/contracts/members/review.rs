//! The administrator's side of joining (§2.7.1): the requests waiting, approval with a role,
//! business types and seal grants, or rejection with a reason; an SMS to the applicant either way.

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::{
    GrantInput, JOIN_APPROVE, JOIN_REJECT, business_types, lock_enterprise, reason, roster,
    sms_to_user,
};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::access::{self, Role};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, rfc3339};
use crate::platform::db::Tx;

/// A request waiting for a decision; personal data masked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Request {
    pub user_id: String,
    pub name_masked: String,
    pub phone_masked: String,
    pub reason: Option<String>,
    pub requested_at: String,
}

/// The enterprise's pending requests, oldest first (delegates and the administrator).
pub async fn pending(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
) -> Result<Vec<Request>, CoreError> {
    access::require(platform.db.pool(), enterprise_id, actor, Role::Delegate).await?;
    let rows = sqlx::query(
        "SELECT m.user_id, p.name_masked, u.phone_masked, m.reason, m.created_at FROM ec_members m \
         JOIN users u ON u.id = m.user_id LEFT JOIN ec_persons p ON p.user_id = m.user_id \
         WHERE m.enterprise_id = $1 AND m.state = 'pending' ORDER BY m.created_at, m.user_id",
    )
    .bind(enterprise_id)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Request {
                user_id: row.try_get("user_id")?,
                name_masked: row
                    .try_get::<Option<String>, _>("name_masked")?
                    .unwrap_or_default(),
                phone_masked: row.try_get("phone_masked")?,
                reason: row.try_get("reason")?,
                requested_at: rfc3339(row.try_get("created_at")?),
            })
        })
        .collect()
}

/// What the approver gives the new member.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    /// `member` or `delegate` (only the administrator makes delegates).
    pub role: String,
    #[serde(default)]
    pub business_type_ids: Vec<String>,
    #[serde(default)]
    pub grants: Vec<GrantInput>,
}

/// The role an approver may give: `member`, or `delegate` when the approver is the administrator.
pub(crate) fn grantable_role(text: &str, actor_role: Role) -> Result<Role, CoreError> {
    let Some(role @ (Role::Member | Role::Delegate)) = Role::parse(text) else {
        return Err(PlatformError::Invalid {
            field: "role",
            zh: "角色须为成员或管理员代理",
            en: "The role is member or delegate",
        }
        .into());
    };
    if role == Role::Delegate && actor_role != Role::Admin {
        return Err(ContractsError::RoleRequired(Role::Admin.as_str()).into());
    }
    Ok(role)
}

/// A decision on a request: the new state, the role and the rejection's reason.
struct Decision<'a> {
    state: &'static str,
    role: Role,
    why: Option<&'a str>,
}

/// Moves the pending request of `user_id` to the decision's state in `tx`: `NotFound` when the
/// enterprise has no row of them, `RequestNotPending` when it is not waiting.
async fn decide(
    tx: &mut Tx,
    enterprise_id: &str,
    user_id: &str,
    actor: &str,
    decision: Decision<'_>,
    now: i64,
) -> Result<(), CoreError> {
    let done = sqlx::query(
        "UPDATE ec_members SET state = $1, role = $2, decision_reason = $3, decided_by = $4, \
         decided_at = $5, updated_at = $5 WHERE enterprise_id = $6 AND user_id = $7 AND state = 'pending'",
    )
    .bind(decision.state)
    .bind(decision.role.as_str())
    .bind(decision.why)
    .bind(actor)
    .bind(now)
    .bind(enterprise_id)
    .bind(user_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if done == 1 {
        return Ok(());
    }
    let exists =
        sqlx::query("SELECT 1 AS one FROM ec_members WHERE enterprise_id = $1 AND user_id = $2")
            .bind(enterprise_id)
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?;
    Err(if exists.is_some() {
        ContractsError::RequestNotPending.into()
    } else {
        PlatformError::NotFound.into()
    })
}

/// Approves the request: the person becomes an active member with `approval`'s role, types and
/// grants, all in one transaction with the audit events and the SMS.
pub async fn approve(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    actor: &str,
    approval: &Approval,
) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let actor_role = access::require(&mut *tx, enterprise_id, actor, Role::Delegate).await?;
    let role = grantable_role(&approval.role, actor_role)?;
    lock_enterprise(&mut tx, enterprise_id, now).await?;
    decide(
        &mut tx,
        enterprise_id,
        user_id,
        actor,
        Decision {
            state: "active",
            role,
            why: None,
        },
        now,
    )
    .await?;
    let types = business_types::set_for_member(
        platform,
        &mut tx,
        enterprise_id,
        user_id,
        &approval.business_type_ids,
    )
    .await?;
    let granted = roster::set_grants(
        platform,
        &mut tx,
        enterprise_id,
        user_id,
        actor,
        &approval.grants,
    )
    .await?;
    let event = AuditEvent::new(actor, JOIN_APPROVE, format!("member:{enterprise_id}:{user_id}")).change(
        serde_json::json!({ "state": "pending" }),
        serde_json::json!({ "state": "active", "role": role.as_str(), "business_types": types, "seals": granted }),
    );
    let seq = platform.audit.append(&mut tx, now, &event).await?;
    let name = super::enterprise_name(&mut tx, enterprise_id).await?;
    let text = format!(
        "【Signet】您加入「{name}」的申请已通过，角色：{}。请登录后切换到企业空间使用。",
        role.name_zh()
    );
    sms_to_user(
        platform,
        &mut tx,
        &format!("member:{enterprise_id}:{user_id}:{seq}:approved:sms"),
        user_id,
        &text,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Rejects the request with a reason (sent to the applicant by SMS).
pub async fn reject(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    actor: &str,
    why: &str,
) -> Result<(), CoreError> {
    let why = reason(why, "reason")?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Delegate).await?;
    lock_enterprise(&mut tx, enterprise_id, now).await?;
    let decision = Decision {
        state: "rejected",
        role: Role::Member,
        why: Some(&why),
    };
    decide(&mut tx, enterprise_id, user_id, actor, decision, now).await?;
    let event = AuditEvent::new(
        actor,
        JOIN_REJECT,
        format!("member:{enterprise_id}:{user_id}"),
    )
    .change(
        serde_json::json!({ "state": "pending" }),
        serde_json::json!({ "state": "rejected", "reason": why }),
    );
    let seq = platform.audit.append(&mut tx, now, &event).await?;
    let name = super::enterprise_name(&mut tx, enterprise_id).await?;
    let text = format!("【Signet】您加入「{name}」的申请未通过，原因：{why}。您可修改后重新申请。");
    sms_to_user(
        platform,
        &mut tx,
        &format!("member:{enterprise_id}:{user_id}:{seq}:rejected:sms"),
        user_id,
        &text,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A seal the approver can tick.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SealOption {
    pub id: String,
    pub name: String,
    pub kind: String,
}

/// What an approval (or an edit of a member) can give: the active business types and seals.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantOptions {
    pub business_types: Vec<business_types::BusinessType>,
    pub seals: Vec<SealOption>,
}

/// The enterprise's active business types and seals, for the approval and edit forms.
pub async fn options(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
) -> Result<GrantOptions, CoreError> {
    let pool = platform.db.pool();
    access::require(pool, enterprise_id, actor, Role::Delegate).await?;
    let business_types = business_types::list(platform, enterprise_id, actor)
        .await?
        .into_iter()
        .filter(|t| t.active)
        .collect();
    let rows = sqlx::query(
        "SELECT id, name, kind FROM ec_seals WHERE enterprise_id = $1 AND state = 'active' ORDER BY created_at, name",
    )
    .bind(enterprise_id)
    .fetch_all(pool)
    .await?;
    let seals = rows
        .iter()
        .map(|row| {
            Ok(SealOption {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                kind: row.try_get("kind")?,
            })
        })
        .collect::<Result<_, CoreError>>()?;
    Ok(GrantOptions {
        business_types,
        seals,
    })
}

#[cfg(test)]
mod tests {
    use super::grantable_role;
    use crate::contracts::access::Role;

    #[test]
    fn only_the_administrator_makes_delegates_and_nobody_makes_an_administrator() {
        assert_eq!(
            grantable_role("member", Role::Delegate).unwrap(),
            Role::Member
        );
        assert_eq!(
            grantable_role("delegate", Role::Admin).unwrap(),
            Role::Delegate
        );
        assert!(grantable_role("delegate", Role::Delegate).is_err());
        assert!(grantable_role("admin", Role::Admin).is_err());
        assert!(grantable_role("owner", Role::Admin).is_err());
    }
}
