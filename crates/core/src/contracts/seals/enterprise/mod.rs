//! An enterprise's seals (ES-12, §2.7.3): the deployment's seal types, the seals (one live seal
//! per type, bound to the enterprise's certificate), their images and their grants. Members see
//! the seals; the administrator and delegates manage them ([`manage`]); an id of another
//! enterprise or seal is not found.

mod draw;
pub mod manage;

use serde::Serialize;
use sqlx::Row as _;

use super::store::{self, COLUMNS, SealImage, SealView};
use crate::Platform;
use crate::contracts::access::{self, Role};
use crate::contracts::grants;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::{Clock as _, Timestamp};

pub use manage::ensure_default_seals;

/// A seal type the deployment offers (`ec_seal_types`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SealTypeView {
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// `round`, `square` or `date`.
    pub shape: String,
}

/// An open grant of a seal to a member.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantView {
    pub id: String,
    pub user_id: String,
    /// The member's real name, masked.
    pub name_masked: Option<String>,
    pub phone_masked: String,
    pub granted_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    /// The expiry has passed (the grant no longer lets them use the seal).
    pub expired: bool,
}

/// A seal of the enterprise as its members see it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnterpriseSeal {
    pub seal: SealView,
    /// Whether the caller may use the seal now (active, and granted or the administrator).
    pub usable: bool,
    /// Open grants; listed for the administrator and delegates only.
    pub grants: Vec<GrantView>,
}

/// The active seal types, in the deployment's order.
pub async fn seal_types(platform: &Platform) -> Result<Vec<SealTypeView>, CoreError> {
    sqlx::query(
        "SELECT code, name, name_en, shape FROM ec_seal_types WHERE active = 1 ORDER BY position, code",
    )
    .fetch_all(platform.db.pool())
    .await?
    .iter()
    .map(|row| {
        Ok(SealTypeView {
            code: row.try_get("code")?,
            name: row.try_get("name")?,
            name_en: row.try_get("name_en")?,
            shape: row.try_get("shape")?,
        })
    })
    .collect()
}

/// The enterprise's seals that are not void, for any active member of it.
pub async fn list(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
) -> Result<Vec<EnterpriseSeal>, CoreError> {
    let member = access::membership(platform.db.pool(), enterprise_id, user_id).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM ec_seals s WHERE s.enterprise_id = $1 AND s.state <> 'void' \
         ORDER BY COALESCE((SELECT t.position FROM ec_seal_types t WHERE t.code = s.kind), 99), \
         s.created_at"
    )))
    .bind(enterprise_id)
    .fetch_all(platform.db.pool())
    .await?;
    let mut seals = Vec::with_capacity(rows.len());
    for row in &rows {
        let seal = SealView::from_row(row)?;
        let usable = grants::may_use(platform, enterprise_id, &seal.id, user_id).await?;
        let grants = if member.role >= Role::Delegate {
            open_grants(platform, enterprise_id, &seal.id).await?
        } else {
            Vec::new()
        };
        seals.push(EnterpriseSeal {
            seal,
            usable,
            grants,
        });
    }
    Ok(seals)
}

/// One seal of the enterprise, for an active member; another enterprise's seal is not found.
pub async fn get(
    platform: &Platform,
    enterprise_id: &str,
    seal_id: &str,
    user_id: &str,
) -> Result<EnterpriseSeal, CoreError> {
    list(platform, enterprise_id, user_id)
        .await?
        .into_iter()
        .find(|s| s.seal.id == seal_id)
        .ok_or(PlatformError::NotFound.into())
}

/// The open grants of a seal, with the grantees' masked names and phones.
async fn open_grants(
    platform: &Platform,
    enterprise_id: &str,
    seal_id: &str,
) -> Result<Vec<GrantView>, CoreError> {
    let now = platform.clock.now();
    sqlx::query(
        "SELECT g.id, g.user_id, g.granted_at, g.expires_at, p.name_masked, u.phone_masked \
         FROM ec_seal_grants g JOIN users u ON u.id = g.user_id \
         LEFT JOIN ec_persons p ON p.user_id = g.user_id \
         WHERE g.enterprise_id = $1 AND g.seal_id = $2 AND g.revoked_at IS NULL ORDER BY g.granted_at",
    )
    .bind(enterprise_id)
    .bind(seal_id)
    .fetch_all(platform.db.pool())
    .await?
    .iter()
    .map(|row| {
        let expires_at: Option<Timestamp> = row.try_get("expires_at")?;
        Ok(GrantView {
            id: row.try_get("id")?,
            user_id: row.try_get("user_id")?,
            name_masked: row.try_get("name_masked")?,
            phone_masked: row.try_get("phone_masked")?,
            granted_at: row.try_get("granted_at")?,
            expires_at,
            expired: expires_at.is_some_and(|t| t <= now),
        })
    })
    .collect()
}

/// The image of a seal of the enterprise (void ones too), for its active members only.
pub async fn image(
    platform: &Platform,
    enterprise_id: &str,
    seal_id: &str,
    user_id: &str,
) -> Result<SealImage, CoreError> {
    access::membership(platform.db.pool(), enterprise_id, user_id).await?;
    store::image_where(
        platform,
        "s.id = $1 AND s.enterprise_id = $2",
        seal_id,
        enterprise_id,
    )
    .await
}

/// Grants the seal to a member until `expires_at` (administrator or delegate only).
pub async fn grant(
    platform: &Platform,
    enterprise_id: &str,
    seal_id: &str,
    actor: &str,
    grantee: &str,
    expires_at: Option<Timestamp>,
) -> Result<EnterpriseSeal, CoreError> {
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Delegate).await?;
    grants::grant(
        platform,
        &mut tx,
        enterprise_id,
        seal_id,
        grantee,
        actor,
        expires_at,
    )
    .await?;
    tx.commit().await?;
    get(platform, enterprise_id, seal_id, actor).await
}

/// Revokes a member's grant of the seal (administrator or delegate only); revoking what is not
/// granted changes nothing.
pub async fn revoke(
    platform: &Platform,
    enterprise_id: &str,
    seal_id: &str,
    actor: &str,
    grantee: &str,
) -> Result<EnterpriseSeal, CoreError> {
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Delegate).await?;
    sqlx::query("SELECT 1 AS one FROM ec_seals WHERE id = $1 AND enterprise_id = $2")
        .bind(seal_id)
        .bind(enterprise_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(PlatformError::NotFound)?;
    grants::revoke(platform, &mut tx, enterprise_id, seal_id, grantee, actor).await?;
    tx.commit().await?;
    get(platform, enterprise_id, seal_id, actor).await
}

/// An active member who can be granted a seal.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GranteeView {
    pub user_id: String,
    pub name_masked: Option<String>,
    pub phone_masked: String,
    /// `admin`, `delegate` or `member`.
    pub role: String,
}

/// The enterprise's active members, for the grant dialog (administrator or delegate only).
pub async fn grantees(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
) -> Result<Vec<GranteeView>, CoreError> {
    access::require(platform.db.pool(), enterprise_id, actor, Role::Delegate).await?;
    sqlx::query(
        "SELECT m.user_id, m.role, p.name_masked, u.phone_masked FROM ec_members m \
         JOIN users u ON u.id = m.user_id LEFT JOIN ec_persons p ON p.user_id = m.user_id \
         WHERE m.enterprise_id = $1 AND m.state = 'active' ORDER BY m.created_at, m.user_id",
    )
    .bind(enterprise_id)
    .fetch_all(platform.db.pool())
    .await?
    .iter()
    .map(|row| {
        Ok(GranteeView {
            user_id: row.try_get("user_id")?,
            name_masked: row.try_get("name_masked")?,
            phone_masked: row.try_get("phone_masked")?,
            role: row.try_get("role")?,
        })
    })
    .collect()
}
