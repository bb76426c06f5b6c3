//! The e-contract platform's settings an operator chooses (`ec_settings`): which desk product
//! enterprises certify with (cloud certificate or USB key, "由系统统一配置且不可修改" for the
//! applicant) and which hierarchy issues the wing's certificates (`ecc` by default, `sm2`).

use sqlx::Row as _;

use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;

/// The desk product code enterprises certify with.
pub const ENTERPRISE_PRODUCT: &str = "enterprise_product";
/// The CA hierarchy of persons' and enterprises' certificates.
pub const CERTIFICATE_FAMILY: &str = "certificate_family";

/// The demo catalog's e-contract project and its two enterprise products.
pub const PROJECT: &str = "econtract";
pub const PRODUCT_CLOUD: &str = "econtract-org-cloud";
pub const PRODUCT_UKEY: &str = "econtract-org-ukey";
/// The demo catalog's "管理员申领" product: a member's claim of the administrator role, an order
/// that proves and records and issues no certificate (`crate::desk::demo` seeds it).
pub const PRODUCT_ADMIN_CLAIM: &str = "econtract-admin-claim";

fn default_of(key: &str) -> Option<&'static str> {
    match key {
        ENTERPRISE_PRODUCT => Some(PRODUCT_CLOUD),
        CERTIFICATE_FAMILY => Some("ecc"),
        _ => None,
    }
}

/// The value of a setting, or its default.
pub async fn get(platform: &Platform, key: &str) -> Result<String, CoreError> {
    let stored = sqlx::query("SELECT value FROM ec_settings WHERE key = $1")
        .bind(key)
        .fetch_optional(platform.db.pool())
        .await?
        .map(|row| row.try_get::<String, _>("value"))
        .transpose()?;
    stored
        .or_else(|| default_of(key).map(str::to_owned))
        .ok_or_else(|| CoreError::internal(format!("unknown e-contract setting {key}")))
}

/// Refuses an unknown key or a value the key does not allow.
pub fn check(key: &str, value: &str) -> Result<(), CoreError> {
    let allowed = match key {
        ENTERPRISE_PRODUCT => [PRODUCT_CLOUD, PRODUCT_UKEY].contains(&value),
        CERTIFICATE_FAMILY => ["ecc", "sm2"].contains(&value),
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(PlatformError::Invalid {
            field: "value",
            zh: "未知的设置项或取值",
            en: "Unknown setting or value",
        }
        .into())
    }
}

/// Changes a setting (checked: a known key, a value it allows), with an audit event.
pub async fn set(
    platform: &Platform,
    key: &str,
    value: &str,
    actor: &str,
) -> Result<(), CoreError> {
    check(key, value)?;
    let now = platform.clock.now();
    let before = get(platform, key).await?;
    let mut tx = platform.db.begin().await?;
    sqlx::query("DELETE FROM ec_settings WHERE key = $1")
        .bind(key)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO ec_settings (key, value, updated_at) VALUES ($1, $2, $3)")
        .bind(key)
        .bind(value)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let event = AuditEvent::new(actor, "contracts.setting", format!("setting:{key}")).change(
        serde_json::json!({ "value": before }),
        serde_json::json!({ "value": value }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(())
}
