//! Certificate login (LIFE-8, ACC-3): a certificate on the user's token is bound to the account
//! by signing a fresh server challenge; later the same signature over a new challenge logs in.
//! Only certificates this CA issued, still valid and not revoked, are accepted.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use der::Decode as _;
use serde::Serialize;
use signet_pki::KeyAlgorithm;
use signet_pki::signer::{Sm2Ids, verify_signature};
use sqlx::Row as _;
use x509_cert::Certificate;

use crate::Platform;
use crate::ca;
use crate::error::{CoreError, PlatformError};
use crate::platform::accounts::{LoginOutcome, Origin, login_verified};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::ids::CertificateSerial;
use crate::platform::sessions::Session;

/// How long a challenge can be signed.
pub const CHALLENGE_LIFETIME: i64 = 300;

/// A challenge for the token to sign: the UTF-8 bytes of `challenge`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Challenge {
    pub challenge_id: String,
    pub challenge: String,
    pub expires_at: Timestamp,
}

fn refused() -> CoreError {
    PlatformError::Invalid {
        field: "signature",
        zh: "证书登录失败：证书无效、已注销或签名不正确",
        en: "Certificate login failed: the certificate is not valid, is revoked, or the signature is wrong",
    }.into()
}

/// A new one-time challenge; `user_id` is set when binding (the signed-in user).
pub async fn challenge(
    platform: &Platform,
    purpose: &str,
    user_id: Option<&str>,
) -> Result<Challenge, CoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = platform.clock.now();
    let challenge = format!("signet-{purpose}:{}:{}", platform.random.token()?, now);
    sqlx::query(
        "INSERT INTO cert_challenges (id, challenge, purpose, user_id, used, expires_at) VALUES ($1, $2, $3, $4, 0, $5)",
    )
    .bind(&id)
    .bind(&challenge)
    .bind(purpose)
    .bind(user_id)
    .bind(now + CHALLENGE_LIFETIME)
    .execute(platform.db.pool())
    .await?;
    Ok(Challenge {
        challenge_id: id,
        challenge,
        expires_at: now + CHALLENGE_LIFETIME,
    })
}

/// Uses up a challenge (once, before it expires) and checks the signature over it with the
/// certificate's key; returns the certificate's serial.
async fn check(
    platform: &Platform,
    purpose: &str,
    user_id: Option<&str>,
    challenge_id: &str,
    certificate: &str,
    signature: &str,
) -> Result<String, CoreError> {
    let now = platform.clock.now();
    let row = sqlx::query(
        "SELECT challenge, purpose, user_id, expires_at FROM cert_challenges WHERE id = $1",
    )
    .bind(challenge_id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or_else(refused)?;
    let used = sqlx::query("UPDATE cert_challenges SET used = 1 WHERE id = $1 AND used = 0")
        .bind(challenge_id)
        .execute(platform.db.pool())
        .await?;
    let owner: Option<String> = row.try_get("user_id")?;
    if used.rows_affected() != 1
        || row.try_get::<i64, _>("expires_at")? <= now
        || row.try_get::<String, _>("purpose")? != purpose
        || owner.as_deref() != user_id
    {
        return Err(refused());
    }
    let text: String = row.try_get("challenge")?;
    let der = if certificate.trim_start().starts_with("-----BEGIN") {
        der::pem::decode_vec(certificate.as_bytes())
            .map_err(|_| refused())?
            .1
    } else {
        STANDARD.decode(certificate.trim()).map_err(|_| refused())?
    };
    let cert = Certificate::from_der(&der).map_err(|_| refused())?;
    let serial = CertificateSerial::of(cert.tbs_certificate().serial_number()).into_string();
    // The certificate must be one this CA issued (byte for byte), active and in its validity.
    let issued = ca::certificate(platform, &serial)
        .await
        .map_err(|_| refused())?;
    let stored = der::pem::decode_vec(issued.cert_pem.as_bytes())
        .map_err(|_| refused())?
        .1;
    if stored != der
        || issued.status != "active"
        || issued.not_after <= now
        || issued.not_before > now
    {
        return Err(refused());
    }
    let spki = cert.tbs_certificate().subject_public_key_info();
    let algorithm = KeyAlgorithm::of_public_key(spki).map_err(|_| refused())?;
    let signature = STANDARD.decode(signature.trim()).map_err(|_| refused())?;
    verify_signature(
        spki,
        &algorithm.signature_algorithm(),
        text.as_bytes(),
        &signature,
        Sm2Ids::EITHER,
    )
    .map_err(|_| refused())?;
    Ok(serial)
}

/// Binds a certificate issued to the signed-in user after it signed a binding challenge.
pub async fn bind(
    platform: &Platform,
    user_id: &str,
    challenge_id: &str,
    certificate: &str,
    signature: &str,
) -> Result<String, CoreError> {
    let serial = check(
        platform,
        "bind",
        Some(user_id),
        challenge_id,
        certificate,
        signature,
    )
    .await?;
    // Holding the key is not enough: a token that changed hands (a former employee's, a found
    // one) must not log anyone else into the account it was issued to (issue 12, finding 18).
    match super::certificates::held(platform, user_id, &serial).await {
        Ok(_) => {}
        Err(CoreError::Platform(PlatformError::NotFound)) => {
            return Err(PlatformError::Invalid {
                field: "certificate",
                zh: "该证书不是为您的账号签发的，不能绑定",
                en: "This certificate was not issued to your account, so it cannot be bound to it",
            }
            .into());
        }
        Err(other) => return Err(other),
    }
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let done = sqlx::query(
        "INSERT INTO cert_bindings (serial, user_id, bound_at) SELECT $1, $2, $3 \
         WHERE NOT EXISTS (SELECT 1 FROM cert_bindings WHERE serial = $1)",
    )
    .bind(&serial)
    .bind(user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(PlatformError::Invalid {
            field: "certificate",
            zh: "该证书已绑定到账号",
            en: "This certificate is already bound to an account",
        }
        .into());
    }
    let event = AuditEvent::new(
        format!("user:{user_id}"),
        "account.certificate.bind",
        format!("certificate:{serial}"),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(serial)
}

/// Removes a binding of the signed-in user.
pub async fn unbind(platform: &Platform, user_id: &str, serial: &str) -> Result<(), CoreError> {
    let serial = ca::normalise_serial(serial);
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let done = sqlx::query("DELETE FROM cert_bindings WHERE serial = $1 AND user_id = $2")
        .bind(&serial)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() != 1 {
        return Err(PlatformError::NotFound.into());
    }
    let event = AuditEvent::new(
        format!("user:{user_id}"),
        "account.certificate.unbind",
        format!("certificate:{serial}"),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// The serials bound to a user.
pub async fn bindings(platform: &Platform, user_id: &str) -> Result<Vec<String>, CoreError> {
    let rows = sqlx::query("SELECT serial FROM cert_bindings WHERE user_id = $1 ORDER BY bound_at")
        .bind(user_id)
        .fetch_all(platform.db.pool())
        .await?;
    rows.iter()
        .map(|r| r.try_get::<String, _>("serial").map_err(CoreError::from))
        .collect()
}

/// Logs in with a bound certificate that signed a login challenge.
pub async fn login(
    platform: &Platform,
    session: &Session,
    origin: &Origin,
    challenge_id: &str,
    certificate: &str,
    signature: &str,
) -> Result<LoginOutcome, CoreError> {
    let serial = check(
        platform,
        "login",
        None,
        challenge_id,
        certificate,
        signature,
    )
    .await?;
    let row = sqlx::query("SELECT user_id FROM cert_bindings WHERE serial = $1")
        .bind(&serial)
        .fetch_optional(platform.db.pool())
        .await?
        .ok_or(PlatformError::Invalid {
            field: "certificate",
            zh: "该证书尚未绑定账号，请先用密码登录后在用户中心绑定",
            en: "This certificate is not bound to an account; sign in with your password and bind it first",
        })?;
    let user_id: String = row.try_get("user_id")?;
    login_verified(platform, session, origin, &user_id, "certificate").await
}
