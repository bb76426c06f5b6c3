//! Using a cloud certificate (issue 6): the key is held by the platform sealed under the platform
//! key and is unsealed for one signature at a time, authorised by the holder's signing PIN
//! (Argon2id; five wrong tries lock it for 15 minutes) or by an SMS code to the bound phone.
//! The PIN is set and reset after an SMS check.

use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use signet_pki::{Signer as _, SoftwareKey};
use sqlx::Row as _;

use super::certificates::{CertificateStatus, account_phone, held};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::clock::Clock as _;
use crate::platform::crypto::{SealedAt, hash_password, verify_password};
use crate::platform::sms_codes::{self, Purpose};

const MAX_FAILURES: i64 = 5;
const LOCKOUT: i64 = 15 * 60;

/// How a signature is authorised.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Authorisation {
    Pin(String),
    SmsCode(String),
}

/// Where a cloud certificate's private key is sealed: its own row.
pub(crate) fn key_sealed_at(serial: &str) -> SealedAt<'_> {
    SealedAt::new("desk_cloud_keys", "key_sealed", serial)
}

fn invalid(field: &'static str, zh: &'static str, en: &'static str) -> CoreError {
    CoreError::Invalid { field, zh, en }
}

async fn cloud_serial(
    platform: &Platform,
    user_id: &str,
    serial: &str,
) -> Result<String, CoreError> {
    let cert = held(platform, user_id, serial).await?;
    if cert.medium != "cloud" {
        return Err(invalid(
            "serial",
            "这不是云证书",
            "This is not a cloud certificate",
        ));
    }
    if cert.status != CertificateStatus::Active {
        return Err(invalid(
            "serial",
            "证书已过期或已注销，不能使用",
            "The certificate has expired or was revoked",
        ));
    }
    Ok(cert.serial)
}

/// Sends the SMS code that sets the PIN or authorises one signature.
pub async fn send_code(
    platform: &Platform,
    user_id: &str,
    serial: &str,
) -> Result<sms_codes::SentCode, CoreError> {
    cloud_serial(platform, user_id, serial).await?;
    sms_codes::send(
        platform,
        &account_phone(platform, user_id).await?,
        Purpose::CloudKey,
    )
    .await
}

/// Sets or resets the signing PIN (6–8 digits) after the SMS check; clears any lockout.
pub async fn set_pin(
    platform: &Platform,
    user_id: &str,
    serial: &str,
    pin: &str,
    sms_code: &str,
) -> Result<(), CoreError> {
    let serial = cloud_serial(platform, user_id, serial).await?;
    if !(6..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(
            "pin",
            "签名 PIN 码须为 6–8 位数字",
            "The signing PIN must be 6–8 digits",
        ));
    }
    sms_codes::consume(
        platform,
        &account_phone(platform, user_id).await?,
        Purpose::CloudKey,
        sms_code,
    )
    .await?;
    let now = platform.clock.now();
    let hash = hash_password(pin)?;
    let mut tx = platform.db.begin().await?;
    sqlx::query("DELETE FROM desk_cloud_pins WHERE serial = $1")
        .bind(&serial)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO desk_cloud_pins (serial, pin_hash, failures, updated_at) VALUES ($1, $2, 0, $3)")
        .bind(&serial)
        .bind(&hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let event = crate::platform::audit::AuditEvent::new(
        format!("user:{user_id}"),
        "desk.cloud.pin_set",
        format!("certificate:{serial}"),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(())
}

async fn check_pin(platform: &Platform, serial: &str, pin: &str) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let row = sqlx::query(
        "SELECT pin_hash, failures, locked_until FROM desk_cloud_pins WHERE serial = $1",
    )
    .bind(serial)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or_else(|| {
        invalid(
            "pin",
            "尚未设置签名 PIN 码，请先通过短信验证设置",
            "No signing PIN yet: set one with an SMS check",
        )
    })?;
    if let Some(until) = row
        .try_get::<Option<i64>, _>("locked_until")?
        .filter(|u| *u > now)
    {
        return Err(CoreError::AccountLocked {
            until,
            retry_after: until - now,
        });
    }
    if verify_password(pin, &row.try_get::<String, _>("pin_hash")?) {
        sqlx::query(
            "UPDATE desk_cloud_pins SET failures = 0, locked_until = NULL WHERE serial = $1",
        )
        .bind(serial)
        .execute(platform.db.pool())
        .await?;
        return Ok(());
    }
    let failures = row.try_get::<i64, _>("failures")? + 1;
    let locked = (failures >= MAX_FAILURES).then_some(now + LOCKOUT);
    sqlx::query("UPDATE desk_cloud_pins SET failures = $1, locked_until = $2 WHERE serial = $3")
        .bind(if locked.is_some() { 0 } else { failures })
        .bind(locked)
        .bind(serial)
        .execute(platform.db.pool())
        .await?;
    Err(invalid(
        "pin",
        "签名 PIN 码不正确（连续 5 次错误将锁定 15 分钟）",
        "Wrong signing PIN (five wrong tries lock it for 15 minutes)",
    ))
}

/// Signs `message` with the cloud key of `serial`; returns the signature as X.509/CMS carry it.
pub async fn sign(
    platform: &Platform,
    user_id: &str,
    serial: &str,
    message: &[u8],
    authorisation: &Authorisation,
) -> Result<Vec<u8>, CoreError> {
    let serial = cloud_serial(platform, user_id, serial).await?;
    match authorisation {
        Authorisation::Pin(pin) => check_pin(platform, &serial, pin).await?,
        Authorisation::SmsCode(code) => {
            sms_codes::consume(
                platform,
                &account_phone(platform, user_id).await?,
                Purpose::CloudKey,
                code,
            )
            .await?;
        }
    }
    let sealed: String = sqlx::query("SELECT key_sealed FROM desk_cloud_keys WHERE serial = $1")
        .bind(&serial)
        .fetch_one(platform.db.pool())
        .await?
        .try_get("key_sealed")?;
    let pem = SecretString::from(platform.cipher.open(key_sealed_at(&serial), &sealed)?);
    let (_, der) = der::pem::decode_vec(pem.expose_secret().as_bytes())
        .map_err(|e| CoreError::internal(format!("cloud key: {e}")))?;
    let key = SoftwareKey::from_pkcs8_der(&der, signet_pki::algorithm::SM2_DEFAULT_ID)
        .map_err(|e| CoreError::internal(format!("cloud key: {e}")))?;
    let signature = key
        .sign(message)
        .map_err(|e| CoreError::internal(format!("cloud key: {e}")))?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let event = crate::platform::audit::AuditEvent::new(
        format!("user:{user_id}"),
        "desk.cloud.sign",
        format!("certificate:{serial}"),
    )
    .change(
        serde_json::Value::Null,
        serde_json::json!({ "message_sha256": crate::platform::crypto::sha256_hex(message) }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(signature)
}
