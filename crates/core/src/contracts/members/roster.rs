//! The members list (§2.7.2): who belongs with which role, business types and seal grants; edits
//! of those; and removal, which revokes every grant and, when the member still holds contracts,
//! needs an active member to take them over.

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::business_types::{self, BusinessType};
use super::joining::{clear_business_types, revoke_all};
use super::review::grantable_role;
use super::{GrantInput, MEMBER_REMOVE, MEMBER_UPDATE, holdings, lock_enterprise, sms_to_user};
use crate::Platform;
use crate::contracts::access::{self, Role};
use crate::contracts::{ContractsError, grants};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp, rfc3339};
use crate::platform::db::Tx;

/// An open grant as the list shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantView {
    pub grant_id: String,
    pub seal_id: String,
    pub seal_name: String,
    pub seal_kind: String,
    pub seal_state: String,
    pub granted_at: String,
    pub expires_at: Option<Timestamp>,
}

/// A member; personal data masked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub user_id: String,
    pub name_masked: String,
    pub phone_masked: String,
    /// `admin`, `delegate` or `member`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub role: Role,
    pub business_types: Vec<BusinessType>,
    pub grants: Vec<GrantView>,
    pub joined_at: String,
}

/// The open grants of a member (expired ones included, with their expiry).
pub async fn grants_of<'e, E>(
    executor: E,
    enterprise_id: &str,
    user_id: &str,
) -> Result<Vec<GrantView>, CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT g.id, g.seal_id, s.name, s.kind, s.state, g.granted_at, g.expires_at FROM ec_seal_grants g \
         JOIN ec_seals s ON s.id = g.seal_id WHERE g.enterprise_id = $1 AND g.user_id = $2 \
         AND g.revoked_at IS NULL ORDER BY s.name, g.seal_id",
    )
    .bind(enterprise_id)
    .bind(user_id)
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(GrantView {
                grant_id: row.try_get("id")?,
                seal_id: row.try_get("seal_id")?,
                seal_name: row.try_get("name")?,
                seal_kind: row.try_get("kind")?,
                seal_state: row.try_get("state")?,
                granted_at: rfc3339(row.try_get("granted_at")?),
                expires_at: row.try_get("expires_at")?,
            })
        })
        .collect()
}

/// The active members, the administrator first (delegates and the administrator may list).
pub async fn list(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
) -> Result<Vec<Member>, CoreError> {
    let pool = platform.db.pool();
    access::require(pool, enterprise_id, actor, Role::Delegate).await?;
    let rows = sqlx::query(
        "SELECT m.user_id, m.role, p.name_masked, u.phone_masked, m.decided_at, m.created_at FROM ec_members m \
         JOIN users u ON u.id = m.user_id LEFT JOIN ec_persons p ON p.user_id = m.user_id \
         WHERE m.enterprise_id = $1 AND m.state = 'active' ORDER BY m.created_at, m.user_id",
    )
    .bind(enterprise_id)
    .fetch_all(pool)
    .await?;
    let mut members = Vec::with_capacity(rows.len());
    for row in &rows {
        let user_id: String = row.try_get("user_id")?;
        let role: String = row.try_get("role")?;
        let joined: Option<i64> = row.try_get("decided_at")?;
        members.push(Member {
            business_types: business_types::of_member(pool, enterprise_id, &user_id).await?,
            grants: grants_of(pool, enterprise_id, &user_id).await?,
            name_masked: row
                .try_get::<Option<String>, _>("name_masked")?
                .unwrap_or_default(),
            phone_masked: row.try_get("phone_masked")?,
            role: Role::parse(&role).unwrap_or(Role::Member),
            joined_at: rfc3339(joined.unwrap_or(row.try_get("created_at")?)),
            user_id,
        });
    }
    members.sort_by_key(|m| std::cmp::Reverse(m.role));
    Ok(members)
}

/// Makes the member's open grants exactly `wanted` in `tx` (through [`grants`], the one writer):
/// grants not wanted are revoked, new ones granted, changed expiries replaced, unchanged grants
/// left alone. Returns the seal ids granted.
pub(crate) async fn set_grants(
    platform: &Platform,
    tx: &mut Tx,
    enterprise_id: &str,
    user_id: &str,
    actor: &str,
    wanted: &[GrantInput],
) -> Result<Vec<String>, CoreError> {
    let rows = sqlx::query(
        "SELECT seal_id, expires_at FROM ec_seal_grants WHERE enterprise_id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(enterprise_id)
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut open = Vec::with_capacity(rows.len());
    for row in &rows {
        open.push((
            row.try_get::<String, _>("seal_id")?,
            row.try_get::<Option<Timestamp>, _>("expires_at")?,
        ));
    }
    for (seal_id, _) in open
        .iter()
        .filter(|(s, _)| !wanted.iter().any(|w| &w.seal_id == s))
    {
        grants::revoke(platform, tx, enterprise_id, seal_id, user_id, actor).await?;
    }
    let mut granted = Vec::new();
    for grant in wanted {
        if granted.contains(&grant.seal_id) {
            continue;
        }
        granted.push(grant.seal_id.clone());
        // An open grant with the same expiry stays as it is (and logs nothing).
        if open
            .iter()
            .any(|(s, until)| s == &grant.seal_id && *until == grant.expires_at)
        {
            continue;
        }
        grants::grant(
            platform,
            tx,
            enterprise_id,
            &grant.seal_id,
            user_id,
            actor,
            grant.expires_at,
        )
        .await?;
    }
    Ok(granted)
}

/// A change of a member: each part left out stays as it is.
#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberUpdate {
    pub role: Option<String>,
    pub business_type_ids: Option<Vec<String>>,
    pub grants: Option<Vec<GrantInput>>,
}

/// The target's active role; delegates are managed only by the administrator, and the
/// administrator's own row only by the administrator.
async fn target_role(
    tx: &mut Tx,
    enterprise_id: &str,
    user_id: &str,
    actor_role: Role,
) -> Result<Role, CoreError> {
    let role: String = sqlx::query(
        "SELECT role FROM ec_members WHERE enterprise_id = $1 AND user_id = $2 AND state = 'active'",
    )
    .bind(enterprise_id)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(PlatformError::NotFound)?
    .try_get("role")?;
    let role = Role::parse(&role).unwrap_or(Role::Member);
    if role >= Role::Delegate && actor_role != Role::Admin {
        return Err(ContractsError::RoleRequired(Role::Admin.as_str()).into());
    }
    Ok(role)
}

/// Edits a member's role (not the administrator's: that is a transfer), business types and grants.
pub async fn update(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    actor: &str,
    change: &MemberUpdate,
) -> Result<Member, CoreError> {
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let actor_role = access::require(&mut *tx, enterprise_id, actor, Role::Delegate).await?;
    lock_enterprise(&mut tx, enterprise_id, now).await?;
    let before = target_role(&mut tx, enterprise_id, user_id, actor_role).await?;
    let mut after = serde_json::Map::new();
    if let Some(role) = &change.role {
        let role = grantable_role(role, actor_role)?;
        if before == Role::Admin && role != Role::Admin {
            return Err(ContractsError::AdminStays.into());
        }
        sqlx::query("UPDATE ec_members SET role = $1, updated_at = $2 WHERE enterprise_id = $3 AND user_id = $4")
            .bind(role.as_str())
            .bind(now)
            .bind(enterprise_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        after.insert("role".into(), role.as_str().into());
    }
    if let Some(ids) = &change.business_type_ids {
        let codes =
            business_types::set_for_member(platform, &mut tx, enterprise_id, user_id, ids).await?;
        after.insert("business_types".into(), codes.into());
    }
    if let Some(wanted) = &change.grants {
        let seals = set_grants(platform, &mut tx, enterprise_id, user_id, actor, wanted).await?;
        after.insert("seals".into(), seals.into());
    }
    let event = AuditEvent::new(
        actor,
        MEMBER_UPDATE,
        format!("member:{enterprise_id}:{user_id}"),
    )
    .change(
        serde_json::json!({ "role": before.as_str() }),
        serde_json::Value::Object(after),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    member(platform, enterprise_id, user_id).await
}

/// One active member as the list shows them.
async fn member(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
) -> Result<Member, CoreError> {
    let pool = platform.db.pool();
    let row = sqlx::query(
        "SELECT m.role, p.name_masked, u.phone_masked, m.decided_at, m.created_at FROM ec_members m \
         JOIN users u ON u.id = m.user_id LEFT JOIN ec_persons p ON p.user_id = m.user_id \
         WHERE m.enterprise_id = $1 AND m.user_id = $2 AND m.state = 'active'",
    )
    .bind(enterprise_id)
    .bind(user_id)
    .fetch_optional(pool)
    .await?
    .ok_or(PlatformError::NotFound)?;
    let role: String = row.try_get("role")?;
    let joined: Option<i64> = row.try_get("decided_at")?;
    Ok(Member {
        user_id: user_id.to_owned(),
        name_masked: row
            .try_get::<Option<String>, _>("name_masked")?
            .unwrap_or_default(),
        phone_masked: row.try_get("phone_masked")?,
        role: Role::parse(&role).unwrap_or(Role::Member),
        business_types: business_types::of_member(pool, enterprise_id, user_id).await?,
        grants: grants_of(pool, enterprise_id, user_id).await?,
        joined_at: rfc3339(joined.unwrap_or(row.try_get("created_at")?)),
    })
}

/// Who takes over a removed member's contracts.
#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Removal {
    pub takeover_user_id: Option<String>,
}

/// Removes a member: every grant revoked, business types taken away, the row `removed`. When
/// [`holdings`] counts contracts, `takeover_user_id` must name another active member
/// (`TakeoverRequired` otherwise). The administrator cannot be removed (`AdminStays`), nor can
/// the actor remove themselves (`NotOneself`: they leave instead).
pub async fn remove(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    actor: &str,
    removal: &Removal,
) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let actor_role = access::require(&mut *tx, enterprise_id, actor, Role::Delegate).await?;
    if user_id == actor {
        return Err(ContractsError::NotOneself.into());
    }
    lock_enterprise(&mut tx, enterprise_id, now).await?;
    if target_role(&mut tx, enterprise_id, user_id, actor_role).await? == Role::Admin {
        return Err(ContractsError::AdminStays.into());
    }
    if let Some(takeover) = &removal.takeover_user_id {
        let active = takeover != user_id
            && sqlx::query("SELECT 1 AS one FROM ec_members WHERE enterprise_id = $1 AND user_id = $2 AND state = 'active'")
                .bind(enterprise_id)
                .bind(takeover)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        if !active {
            return Err(PlatformError::Invalid {
                field: "takeover_user_id",
                zh: "接手人须为本企业的其他在职成员",
                en: "The person taking over must be another active member of the enterprise",
            }
            .into());
        }
    }
    let held = holdings(platform, &mut tx, enterprise_id, user_id).await?;
    if held > 0 && removal.takeover_user_id.is_none() {
        return Err(ContractsError::TakeoverRequired.into());
    }
    let revoked = revoke_all(platform, &mut tx, enterprise_id, user_id, actor).await?;
    clear_business_types(&mut tx, enterprise_id, user_id).await?;
    sqlx::query(
        "UPDATE ec_members SET state = 'removed', role = 'member', decided_by = $1, decided_at = $2, \
         updated_at = $2 WHERE enterprise_id = $3 AND user_id = $4",
    )
    .bind(actor)
    .bind(now)
    .bind(enterprise_id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::new(
        actor,
        MEMBER_REMOVE,
        format!("member:{enterprise_id}:{user_id}"),
    )
    .change(
        serde_json::json!({ "state": "active" }),
        serde_json::json!({ "state": "removed", "grants_revoked": revoked, "holdings": held,
                            "takeover_user_id": removal.takeover_user_id }),
    );
    let seq = platform.audit.append(&mut tx, now, &event).await?;
    let name = super::enterprise_name(&mut tx, enterprise_id).await?;
    let text = format!("【Signet】您已被移出「{name}」的企业空间，相关印章授权已收回。");
    sms_to_user(
        platform,
        &mut tx,
        &format!("member:{enterprise_id}:{user_id}:{seq}:removed:sms"),
        user_id,
        &text,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
