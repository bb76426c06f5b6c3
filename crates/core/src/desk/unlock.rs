//! Unlocking a USB key's user PIN (LIFE-5), self-service: the holder proves the bound phone by
//! SMS code and gets a one-time unlock authorisation code (10 minutes); the key client on the
//! holder's machine redeems it for the token's SO PIN, resets the user PIN through PKCS#11 and
//! never shows the SO PIN. The SO PIN was set at production and is kept sealed by the platform.

use serde::Serialize;
use sqlx::Row as _;

use super::DeskError;
use super::certificates::{CertificateStatus, account_phone, held};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::sms_codes::{self, Purpose};

/// How long an unlock authorisation code can be redeemed.
pub const UNLOCK_LIFETIME: i64 = 600;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnlockAuthorisation {
    /// Give this to the key client (`signet token unlock --unlock-code`, or the agent).
    pub unlock_code: String,
    pub token_serial: String,
    pub expires_at: Timestamp,
}

fn not_a_token() -> CoreError {
    CoreError::Invalid {
        field: "serial",
        zh: "只有 USB Key 证书可以解锁",
        en: "Only USB-key certificates can be unlocked",
    }
}

/// Sends the unlock SMS code to the account's phone.
pub async fn send_code(
    platform: &Platform,
    user_id: &str,
    serial: &str,
) -> Result<sms_codes::SentCode, CoreError> {
    let cert = held(platform, user_id, serial).await?;
    if cert.medium != "usb_key" {
        return Err(not_a_token());
    }
    sms_codes::send(
        platform,
        &account_phone(platform, user_id).await?,
        Purpose::UnlockToken,
    )
    .await
}

/// Checks the SMS code and issues a one-time unlock authorisation code.
pub async fn authorise(
    platform: &Platform,
    user_id: &str,
    serial: &str,
    sms_code: &str,
) -> Result<UnlockAuthorisation, CoreError> {
    let cert = held(platform, user_id, serial).await?;
    let token_serial = cert.token_serial.clone().ok_or_else(not_a_token)?;
    if cert.status == CertificateStatus::Revoked {
        return Err(crate::ca::CaError::AlreadyRevoked(cert.serial).into());
    }
    let phone = account_phone(platform, user_id).await?;
    sms_codes::consume(platform, &phone, Purpose::UnlockToken, sms_code).await?;
    let code = platform.random.digits(12)?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    sqlx::query(
        "INSERT INTO desk_links (token_hash, order_id, purpose, detail, used, expires_at, created_at) \
         VALUES ($1, $2, 'unlock', $3, 0, $4, $5)",
    )
    .bind(platform.cipher.blind_index("unlock-code", &code))
    .bind(&cert.order_id)
    .bind(&cert.serial)
    .bind(now + UNLOCK_LIFETIME)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::new(
        format!("user:{user_id}"),
        "desk.token.unlock_authorised",
        format!("certificate:{}", cert.serial),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(UnlockAuthorisation {
        unlock_code: code,
        token_serial,
        expires_at: now + UNLOCK_LIFETIME,
    })
}

/// For a staff-approved unlock order waiting in "awaiting unlock": a one-time unlock code for the
/// token of the order's certificate (no SMS: the order was verified and reviewed).
pub async fn authorise_order(
    platform: &Platform,
    order: &super::orders::Order,
) -> Result<UnlockAuthorisation, CoreError> {
    if order.kind != super::catalog::Business::Unlock
        || order.state != super::orders::OrderState::AwaitingUnlock
    {
        return Err(DeskError::Transition("download", order.state.as_str()).into());
    }
    let serial = order.target_serial.clone().ok_or_else(not_a_token)?;
    let token = sqlx::query("SELECT token_serial FROM desk_tokens WHERE certificate_serial = $1")
        .bind(&serial)
        .fetch_optional(platform.db.pool())
        .await?
        .ok_or_else(not_a_token)?;
    let code = platform.random.digits(12)?;
    let now = platform.clock.now();
    sqlx::query(
        "INSERT INTO desk_links (token_hash, order_id, purpose, detail, used, expires_at, created_at) \
         VALUES ($1, $2, 'unlock', $3, 0, $4, $5)",
    )
    .bind(platform.cipher.blind_index("unlock-code", &code))
    .bind(&order.id)
    .bind(&serial)
    .bind(now + UNLOCK_LIFETIME)
    .bind(now)
    .execute(platform.db.pool())
    .await?;
    Ok(UnlockAuthorisation {
        unlock_code: code,
        token_serial: token.try_get("token_serial")?,
        expires_at: now + UNLOCK_LIFETIME,
    })
}

/// Redeems an unlock code for the SO PIN of the token it was issued for (once). The key client
/// calls this with the serial of the token in front of it; another token's serial is refused.
pub async fn redeem(
    platform: &Platform,
    unlock_code: &str,
    token_serial: &str,
) -> Result<String, CoreError> {
    let now = platform.clock.now();
    let index = platform
        .cipher
        .blind_index("unlock-code", unlock_code.trim());
    let row = sqlx::query(
        "SELECT order_id, detail, used, expires_at FROM desk_links WHERE token_hash = $1 AND purpose = 'unlock'",
    )
    .bind(&index)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(DeskError::LinkExpired)?;
    let serial: String = row.try_get("detail")?;
    if row.try_get::<i64, _>("used")? != 0 || row.try_get::<i64, _>("expires_at")? <= now {
        return Err(DeskError::LinkExpired.into());
    }
    let token = sqlx::query(
        "SELECT token_serial, so_pin_sealed FROM desk_tokens WHERE certificate_serial = $1",
    )
    .bind(&serial)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(DeskError::LinkExpired)?;
    if token.try_get::<String, _>("token_serial")? != token_serial.trim() {
        return Err(CoreError::Invalid {
            field: "token_serial",
            zh: "解锁码不属于这个 USB Key",
            en: "This unlock code is for another token",
        });
    }
    let sealed: Option<String> = token.try_get("so_pin_sealed")?;
    let sealed = sealed.ok_or_else(|| CoreError::Invalid {
        field: "token_serial",
        zh: "平台未保存该 USB Key 的管理员 PIN，请联系客服人工解锁",
        en: "The platform holds no SO PIN for this token; contact customer service",
    })?;
    let mut tx = platform.db.begin().await?;
    let used = sqlx::query("UPDATE desk_links SET used = 1 WHERE token_hash = $1 AND used = 0")
        .bind(&index)
        .execute(&mut *tx)
        .await?;
    if used.rows_affected() != 1 {
        return Err(DeskError::LinkExpired.into());
    }
    // A staff-approved unlock order completes when its code is redeemed.
    let order_id: String = row.try_get("order_id")?;
    let order = super::orders::load_in(platform, &mut tx, &order_id).await?;
    if order.kind == super::catalog::Business::Unlock
        && order.state == super::orders::OrderState::AwaitingUnlock
    {
        super::orders::apply(
            platform,
            &mut tx,
            &order,
            &super::orders::Change::new(
                super::orders::Event::KeyDone,
                "key-client",
                super::orders::Note::Unlocked,
                now,
            ),
        )
        .await?;
    }
    let event = AuditEvent::new(
        "key-client",
        "desk.token.unlock_redeemed",
        format!("certificate:{serial}"),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    platform
        .cipher
        .open(super::production::so_pin_sealed_at(&serial), &sealed)
}
