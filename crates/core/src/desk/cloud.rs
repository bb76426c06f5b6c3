//! Using a cloud certificate (issue 6): the key is held by the platform sealed under the platform
//! key and is unsealed for one signature at a time, authorised by the holder's signing PIN
//! (Argon2id; five wrong tries lock it for 15 minutes) or by an SMS code to the bound phone.
//! The PIN is set and reset after an SMS check. Only accounts with a password use a cloud key
//! (an account made by SMS quick login is the phone alone), and each SMS code is bound to the
//! certificate it was sent for (issue 12, finding 18).

use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use signet_pki::{Signer as _, SoftwareKey};
use sqlx::Row as _;

use super::certificates::{CertificateStatus, account_phone, held};
use crate::Platform;
use crate::error::{CoreError, PlatformError};
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

/// A table of signing PINs with the columns of `desk_cloud_pins` (`serial`, `pin_hash`,
/// `failures`, `locked_until`, `updated_at`): the desk's cloud certificates keep theirs in
/// `desk_cloud_pins`, the e-contract persons' keys in a table of their own with the same rule.
#[derive(Debug, Clone, Copy)]
pub struct PinTable(pub &'static str);

/// The desk's cloud certificates' PINs.
const DESK_PINS: PinTable = PinTable("desk_cloud_pins");

/// Where a cloud certificate's private key is sealed: its own row.
pub(crate) fn key_sealed_at(serial: &str) -> SealedAt<'_> {
    SealedAt::new("desk_cloud_keys", "key_sealed", serial)
}

fn invalid(field: &'static str, zh: &'static str, en: &'static str) -> CoreError {
    PlatformError::Invalid { field, zh, en }.into()
}

async fn cloud_serial(
    platform: &Platform,
    user_id: &str,
    serial: &str,
) -> Result<String, CoreError> {
    let cert = held(platform, user_id, serial).await?;
    require_password(platform, user_id).await?;
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

/// Only an account with a password uses a cloud key: with SMS as the signature's authorisation,
/// a password-less account would let whoever holds the phone (a swapped SIM) sign in the
/// holder's name with nothing else.
pub async fn require_password(platform: &Platform, user_id: &str) -> Result<(), CoreError> {
    let user = crate::platform::accounts::find_by_id(platform, user_id)
        .await?
        .ok_or(PlatformError::NotSignedIn)?;
    if user.password_hash.is_none() {
        return Err(PlatformError::PasswordSetupRequired.into());
    }
    Ok(())
}

/// What a cloud-key code authorises: this certificate's key, nothing else.
fn code_subject(serial: &str) -> String {
    format!("cloud-key:{serial}")
}

/// Sends the SMS code that sets the PIN or authorises one signature.
pub async fn send_code(
    platform: &Platform,
    user_id: &str,
    serial: &str,
) -> Result<sms_codes::SentCode, CoreError> {
    let serial = cloud_serial(platform, user_id, serial).await?;
    send_key_code(platform, user_id, &serial).await
}

/// Sends to the account's phone a code bound to the key of `serial` (checked by the caller to be
/// the account's own).
pub async fn send_key_code(
    platform: &Platform,
    user_id: &str,
    serial: &str,
) -> Result<sms_codes::SentCode, CoreError> {
    sms_codes::send_for(
        platform,
        &account_phone(platform, user_id).await?,
        Purpose::CloudKey,
        &code_subject(serial),
    )
    .await
}

/// Takes the code [`send_key_code`] sent for the key of `serial` (once).
pub async fn consume_key_code(
    platform: &Platform,
    user_id: &str,
    serial: &str,
    code: &str,
) -> Result<(), CoreError> {
    sms_codes::consume_for(
        platform,
        &account_phone(platform, user_id).await?,
        Purpose::CloudKey,
        &code_subject(serial),
        code,
    )
    .await?;
    Ok(())
}

/// Checks the holder's authorisation of one use of the key of `serial`: its signing PIN in
/// `table` (with the lockout) or an SMS code sent for that key.
pub async fn authorise(
    platform: &Platform,
    table: PinTable,
    user_id: &str,
    serial: &str,
    authorisation: &Authorisation,
) -> Result<(), CoreError> {
    match authorisation {
        Authorisation::Pin(pin) => check_pin(platform, table, serial, pin).await,
        Authorisation::SmsCode(code) => consume_key_code(platform, user_id, serial, code).await,
    }
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
    check_pin_format(pin)?;
    consume_key_code(platform, user_id, &serial, sms_code).await?;
    let now = platform.clock.now();
    let hash = hash_password(pin).await?;
    let mut tx = platform.db.begin().await?;
    store_pin(&mut tx, DESK_PINS, &serial, &hash, now).await?;
    let event = crate::platform::audit::AuditEvent::new(
        format!("user:{user_id}"),
        "desk.cloud.pin_set",
        format!("certificate:{serial}"),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// A signing PIN is 6–8 digits.
pub fn check_pin_format(pin: &str) -> Result<(), CoreError> {
    if !(6..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(
            "pin",
            "签名 PIN 码须为 6–8 位数字",
            "The signing PIN must be 6–8 digits",
        ));
    }
    Ok(())
}

/// Stores `pin_hash` (Argon2id, `platform::crypto::hash_password`, made before the transaction)
/// as the PIN of `serial` in `table`, replacing any earlier one and its lockout.
pub async fn store_pin(
    tx: &mut crate::platform::db::Tx,
    table: PinTable,
    serial: &str,
    pin_hash: &str,
    now: i64,
) -> Result<(), CoreError> {
    let table = table.0;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE serial = $1"
    )))
    .bind(serial)
    .execute(&mut **tx)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO {table} (serial, pin_hash, failures, updated_at) VALUES ($1, $2, 0, $3)"
    )))
    .bind(serial)
    .bind(pin_hash)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Checks `pin` against the PIN of `serial` in `table`: five wrong tries lock it for 15 minutes,
/// and racing requests compare at most five PINs.
pub async fn check_pin(
    platform: &Platform,
    table: PinTable,
    serial: &str,
    pin: &str,
) -> Result<(), CoreError> {
    let table = table.0;
    let now = platform.clock.now();
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT pin_hash, locked_until FROM {table} WHERE serial = $1"
    )))
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
    let locked = |until: i64| PlatformError::AccountLocked {
        until,
        retry_after: until - now,
    };
    if let Some(until) = row
        .try_get::<Option<i64>, _>("locked_until")?
        .filter(|u| *u > now)
    {
        return Err(locked(until).into());
    }
    // One conditional statement takes a try before the PIN is compared, and the try that
    // reaches the limit sets the lockout: racing requests compare at most five PINs.
    let claimed = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE {table} SET \
         failures = CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failures + 1 END, \
         locked_until = CASE WHEN (CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failures + 1 END) >= $3 \
             THEN $4 ELSE NULL END \
         WHERE serial = $1 AND (locked_until IS NULL OR locked_until <= $2) \
         RETURNING failures"
    )))
    .bind(serial)
    .bind(now)
    .bind(MAX_FAILURES)
    .bind(now + LOCKOUT)
    .fetch_optional(platform.db.pool())
    .await?;
    if claimed.is_none() {
        let until = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT locked_until FROM {table} WHERE serial = $1"
        )))
        .bind(serial)
        .fetch_optional(platform.db.pool())
        .await?
        .and_then(|row| row.try_get::<Option<i64>, _>("locked_until").ok().flatten())
        .filter(|u| *u > now)
        .unwrap_or(now + LOCKOUT);
        return Err(locked(until).into());
    }
    if verify_password(pin, &row.try_get::<String, _>("pin_hash")?).await {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET failures = 0, locked_until = NULL WHERE serial = $1"
        )))
        .bind(serial)
        .execute(platform.db.pool())
        .await?;
        return Ok(());
    }
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
    authorise(platform, DESK_PINS, user_id, &serial, authorisation).await?;
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

/// The PKCS#8 PEM key of the cloud certificate `serial`, opened for one signature by a caller
/// that authorised it itself: the e-contract wing signs for an enterprise (whose certificate the
/// desk issued and whose key it keeps) after the signer's own SMS intent and seal grant. `None`
/// when the desk holds no key for it (a USB-key certificate).
pub async fn cloud_key_pem(
    platform: &Platform,
    serial: &str,
) -> Result<Option<SecretString>, CoreError> {
    let Some(row) = sqlx::query("SELECT key_sealed FROM desk_cloud_keys WHERE serial = $1")
        .bind(serial)
        .fetch_optional(platform.db.pool())
        .await?
    else {
        return Ok(None);
    };
    let sealed: String = row.try_get("key_sealed")?;
    Ok(Some(SecretString::from(
        platform.cipher.open(key_sealed_at(serial), &sealed)?,
    )))
}
