//! A real-named person's cloud key (`ec_person_keys`) is used only with the person's signing PIN
//! or an SMS code, exactly as the desk's cloud certificates are: the same PIN rule (6–8 digits,
//! Argon2id, five wrong tries lock it for 15 minutes, racing tries compare at most five PINs),
//! set and reset after an SMS check, codes bound to the key, and only for accounts with a
//! password. Part 2's signing calls [`unlock_signing_key`].

use secrecy::{ExposeSecret as _, SecretString};
use serde::Serialize;
use signet_pki::SoftwareKey;
use sqlx::Row as _;

use super::ContractsError;
use crate::Platform;
use crate::desk::{Authorisation, PinTable};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::crypto::hash_password;
use crate::platform::sms_codes::SentCode;

/// How the person authorises one use of the key: `{"pin": "…"}` or `{"sms_code": "…"}`.
pub type Proof = Authorisation;

/// The persons' signing PINs.
const PINS: PinTable = PinTable("ec_person_pins");

/// Whether the person set a signing PIN, and until when it is locked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PinStatus {
    /// The serial of the person's certificate whose key the PIN opens.
    pub serial: String,
    pub pin_set: bool,
    /// Set while five wrong tries keep the PIN locked.
    pub locked_until: Option<Timestamp>,
}

/// The serial of the person's usable cloud key: real-named, the certificate active and unexpired,
/// and the account has a password.
async fn key_serial(platform: &Platform, user_id: &str) -> Result<String, CoreError> {
    let serial: String = sqlx::query(
        "SELECT k.serial FROM ec_persons p JOIN ec_person_keys k ON k.serial = p.certificate_serial \
         WHERE p.user_id = $1 AND k.user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(ContractsError::RealNameRequired)?
    .try_get("serial")?;
    let certificate = crate::ca::certificate(platform, &serial).await?;
    if certificate.status != "active" || certificate.not_after <= platform.clock.now() {
        return Err(PlatformError::Invalid {
            field: "serial",
            zh: "个人证书已过期或已注销，不能使用",
            en: "The personal certificate has expired or was revoked",
        }
        .into());
    }
    crate::desk::require_password_for_cloud_key(platform, user_id).await?;
    Ok(serial)
}

/// The PIN's state for the person's page.
pub async fn status(platform: &Platform, user_id: &str) -> Result<PinStatus, CoreError> {
    let serial = key_serial(platform, user_id).await?;
    let row = sqlx::query("SELECT locked_until FROM ec_person_pins WHERE serial = $1")
        .bind(&serial)
        .fetch_optional(platform.db.pool())
        .await?;
    let now = platform.clock.now();
    Ok(PinStatus {
        pin_set: row.is_some(),
        locked_until: row
            .map(|r| r.try_get::<Option<i64>, _>("locked_until"))
            .transpose()?
            .flatten()
            .filter(|until| *until > now),
        serial,
    })
}

/// Sends the SMS code that sets the PIN or authorises one use of the key.
pub async fn send_code(platform: &Platform, user_id: &str) -> Result<SentCode, CoreError> {
    let serial = key_serial(platform, user_id).await?;
    crate::desk::send_cloud_key_code(platform, user_id, &serial).await
}

/// Sets or resets the signing PIN (6–8 digits) after the SMS check; clears any lockout.
pub async fn set_pin(
    platform: &Platform,
    user_id: &str,
    pin: &str,
    sms_code: &str,
) -> Result<(), CoreError> {
    let serial = key_serial(platform, user_id).await?;
    crate::desk::check_pin_format(pin)?;
    crate::desk::consume_cloud_key_code(platform, user_id, &serial, sms_code).await?;
    let hash = hash_password(pin).await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    crate::desk::store_signing_pin(&mut tx, PINS, &serial, &hash, now).await?;
    let actor = format!("user:{user_id}");
    let event = AuditEvent::new(
        actor,
        "contracts.person_key.pin_set",
        format!("certificate:{serial}"),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// Opens the person's cloud key for one signature, authorised by the signing PIN or an SMS code
/// sent for it ([`send_code`]); every opening is an audit event.
pub async fn unlock_signing_key(
    platform: &Platform,
    user_id: &str,
    proof: &Proof,
) -> Result<SoftwareKey, CoreError> {
    let serial = key_serial(platform, user_id).await?;
    crate::desk::authorise_cloud_key(platform, PINS, user_id, &serial, proof).await?;
    let sealed: String = sqlx::query("SELECT key_sealed FROM ec_person_keys WHERE serial = $1")
        .bind(&serial)
        .fetch_one(platform.db.pool())
        .await?
        .try_get("key_sealed")?;
    let pem = SecretString::from(
        platform
            .cipher
            .open(super::persons::key_sealed_at(&serial), &sealed)?,
    );
    let (_, der) = der::pem::decode_vec(pem.expose_secret().as_bytes())
        .map_err(|e| CoreError::internal(format!("person key: {e}")))?;
    let key = SoftwareKey::from_pkcs8_der(&der, signet_pki::algorithm::SM2_DEFAULT_ID)
        .map_err(|e| CoreError::internal(format!("person key: {e}")))?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let how = match proof {
        Authorisation::Pin(_) => "pin",
        Authorisation::SmsCode(_) => "sms_code",
    };
    let event = AuditEvent::new(
        format!("user:{user_id}"),
        "contracts.person_key.unlock",
        format!("certificate:{serial}"),
    )
    .change(serde_json::Value::Null, serde_json::json!({ "by": how }));
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(key)
}
