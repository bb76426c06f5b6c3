//! Information change (§2.7.6), by the administrator of a certified enterprise. A rename voids
//! every seal of the enterprise and revokes every grant (through [`super::grants::revoke`], actor
//! `system`), and the enterprise must certify again under the new name before it can sign
//! (`recertifying`). A new legal representative voids the legal-rep seal and its grants.

use serde::Deserialize;
use sqlx::Row as _;

use super::{ContractsError, access, enterprises, grants, persons};
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;
use crate::platform::db::Tx;

/// What changes: a new name, a new legal representative, or both.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeInput {
    pub name: Option<String>,
    pub legal_rep_name: Option<String>,
}

/// Voids the enterprise's seals of `kind` (every kind when `None`) and revokes their open grants.
async fn void_seals(
    platform: &Platform,
    tx: &mut Tx,
    enterprise_id: &str,
    kind: Option<&str>,
    reason: &str,
) -> Result<Vec<String>, CoreError> {
    let seals = sqlx::query(
        "SELECT id FROM ec_seals WHERE enterprise_id = $1 AND state <> 'void' AND ($2 IS NULL OR kind = $2)",
    )
    .bind(enterprise_id)
    .bind(kind)
    .fetch_all(&mut **tx)
    .await?;
    let now = platform.clock.now();
    let mut voided = Vec::new();
    for seal in &seals {
        let seal_id: String = seal.try_get("id")?;
        let holders = sqlx::query(
            "SELECT user_id FROM ec_seal_grants WHERE seal_id = $1 AND revoked_at IS NULL",
        )
        .bind(&seal_id)
        .fetch_all(&mut **tx)
        .await?;
        for holder in &holders {
            let user_id: String = holder.try_get("user_id")?;
            grants::revoke(platform, tx, enterprise_id, &seal_id, &user_id, "system").await?;
        }
        sqlx::query(
            "UPDATE ec_seals SET state = 'void', void_reason = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(reason)
        .bind(now)
        .bind(&seal_id)
        .execute(&mut **tx)
        .await?;
        voided.push(seal_id);
    }
    Ok(voided)
}

/// The new name and legal representative, when given, are filled in and not too long; at
/// least one of them changes.
fn check_change(name: Option<&str>, legal_rep: Option<&str>) -> Result<(), CoreError> {
    if name.is_some_and(|n| n.is_empty() || n.chars().count() > 100) {
        return Err(PlatformError::Invalid {
            field: "name",
            zh: "请填写企业名称（不超过 100 字）",
            en: "Give the enterprise's name (at most 100 characters)",
        }
        .into());
    }
    if legal_rep.is_some_and(|n| n.is_empty() || n.chars().count() > 50) {
        return Err(PlatformError::Invalid {
            field: "legal_rep_name",
            zh: "请填写法定代表人姓名",
            en: "Give the legal representative's name",
        }
        .into());
    }
    if name.is_none() && legal_rep.is_none() {
        return Err(PlatformError::Invalid {
            field: "name",
            zh: "没有需要变更的信息",
            en: "Nothing to change",
        }
        .into());
    }
    Ok(())
}

/// Applies an information change; returns the enterprise afterwards.
pub async fn change(
    platform: &Platform,
    user_id: &str,
    enterprise_id: &str,
    input: &ChangeInput,
) -> Result<enterprises::EnterpriseView, CoreError> {
    access::require(
        platform.db.pool(),
        enterprise_id,
        user_id,
        access::Role::Admin,
    )
    .await?;
    let enterprise = enterprises::load(platform, enterprise_id).await?;
    let name = input
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| *n != enterprise.name);
    let legal_rep = input.legal_rep_name.as_deref().map(str::trim);
    check_change(name, legal_rep)?;
    let now = platform.clock.now();
    let actor = format!("user:{user_id}");
    let mut tx = platform.db.begin().await?;
    // The state read and written in one statement: a second, simultaneous rename finds the
    // enterprise no longer certified.
    let mut voided = Vec::new();
    if let Some(rep) = legal_rep {
        let moved = sqlx::query(
            "UPDATE ec_enterprises SET legal_rep_name_sealed = $1, legal_rep_name_masked = $2, updated_at = $3 \
             WHERE id = $4 AND state = 'certified'",
        )
        .bind(platform.cipher.seal(enterprises::legal_rep_sealed_at(enterprise_id), rep)?)
        .bind(persons::mask_name(rep))
        .bind(now)
        .bind(enterprise_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            return Err(ContractsError::NotCertified.into());
        }
        voided.extend(
            void_seals(
                platform,
                &mut tx,
                enterprise_id,
                Some("legal_rep"),
                "法定代表人变更",
            )
            .await?,
        );
    }
    if let Some(name) = name {
        let moved = sqlx::query(
            "UPDATE ec_enterprises SET name = $1, state = 'recertifying', updated_at = $2 \
             WHERE id = $3 AND state = 'certified'",
        )
        .bind(name)
        .bind(now)
        .bind(enterprise_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            return Err(ContractsError::NotCertified.into());
        }
        voided.extend(void_seals(platform, &mut tx, enterprise_id, None, "企业名称变更").await?);
    }
    let event = AuditEvent::new(
        actor,
        "contracts.enterprise.change",
        format!("enterprise:{enterprise_id}"),
    )
    .change(
        serde_json::json!({ "name": enterprise.name, "legal_rep": enterprise.legal_rep_name_masked }),
        serde_json::json!({
            "name": name,
            "legal_rep": legal_rep.map(persons::mask_name),
            "voided_seals": voided,
        }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    let (enterprise, role) = enterprises::visible(platform, user_id, enterprise_id).await?;
    enterprises::view(platform, &enterprise, user_id, role).await
}
