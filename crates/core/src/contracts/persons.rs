//! Real-named persons (`ec_persons`) and their free cloud certificates: issued by the platform
//! CA (hierarchy from [`super::settings::CERTIFICATE_FAMILY`]) with a key made and sealed on the
//! server (`ec_person_keys`, like the desk's `desk_cloud_keys`), in the transaction that records
//! the person, so nobody is real-named without a certificate or the other way round.

use secrecy::ExposeSecret as _;
use serde::Serialize;
use sqlx::Row as _;

use super::{ContractsError, settings};
use crate::Platform;
use crate::ca::{self, IssueRequest};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::crypto::SealedAt;
use crate::platform::jobs::messages;

/// A real-named person as the person and the API see them: masked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonView {
    pub name_masked: String,
    pub id_masked: String,
    /// `carrier3`, `bank4` or `face`.
    pub method: String,
    pub certificate_serial: Option<String>,
    pub verified_at: Timestamp,
}

/// `张三丰` → `张*丰`, `张三` → `张*`.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

fn name_sealed_at(user_id: &str) -> SealedAt<'_> {
    SealedAt::new("ec_persons", "name_sealed", user_id)
}

fn id_sealed_at(user_id: &str) -> SealedAt<'_> {
    SealedAt::new("ec_persons", "id_sealed", user_id)
}

/// Where a person's cloud key is sealed: its own row.
pub(crate) fn key_sealed_at(serial: &str) -> SealedAt<'_> {
    SealedAt::new("ec_person_keys", "key_sealed", serial)
}

pub(crate) fn id_index(platform: &Platform, id_number: &str) -> String {
    platform.cipher.blind_index("ec-person-id", id_number)
}

/// The person, if real-named.
pub async fn find(platform: &Platform, user_id: &str) -> Result<Option<PersonView>, CoreError> {
    let row = sqlx::query(
        "SELECT name_masked, id_masked, method, certificate_serial, verified_at FROM ec_persons WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(platform.db.pool())
    .await?;
    row.map(|row| {
        Ok(PersonView {
            name_masked: row.try_get("name_masked")?,
            id_masked: row.try_get("id_masked")?,
            method: row.try_get("method")?,
            certificate_serial: row.try_get("certificate_serial")?,
            verified_at: row.try_get("verified_at")?,
        })
    })
    .transpose()
}

/// The person's real name and ID number, opened (for prefilling the desk's forms).
pub async fn identity(platform: &Platform, user_id: &str) -> Result<(String, String), CoreError> {
    let row = sqlx::query("SELECT name_sealed, id_sealed FROM ec_persons WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(platform.db.pool())
        .await?
        .ok_or(ContractsError::RealNameRequired)?;
    Ok((
        platform.cipher.open(
            name_sealed_at(user_id),
            &row.try_get::<String, _>("name_sealed")?,
        )?,
        platform.cipher.open(
            id_sealed_at(user_id),
            &row.try_get::<String, _>("id_sealed")?,
        )?,
    ))
}

/// Whether another account was real-named with this ID number.
pub async fn id_taken_by_other(
    platform: &Platform,
    user_id: &str,
    id_number: &str,
) -> Result<bool, CoreError> {
    Ok(
        sqlx::query("SELECT user_id FROM ec_persons WHERE id_index = $1 AND user_id <> $2")
            .bind(id_index(platform, id_number))
            .bind(user_id)
            .fetch_optional(platform.db.pool())
            .await?
            .is_some(),
    )
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(e) => {
            e.is_unique_violation()
                || e.message().contains("UNIQUE")
                || e.message().contains("duplicate key")
        }
        _ => false,
    }
}

/// Records the person who passed `check_id` and issues their cloud certificate, in one
/// transaction. A second account with the same ID number is refused by the unique blind index,
/// whatever the timing.
pub async fn create(
    platform: &Platform,
    user_id: &str,
    name: &str,
    id_number: &str,
    method: &str,
    check_id: &str,
) -> Result<PersonView, CoreError> {
    let now = platform.clock.now();
    let family = settings::get(platform, settings::CERTIFICATE_FAMILY).await?;
    let user = crate::platform::accounts::find_by_id(platform, user_id)
        .await?
        .ok_or(PlatformError::NotSignedIn)?;
    // The ID is claimed first in a short transaction of its own: simultaneous accounts with one
    // ID number are told at once, without queueing behind the winner's certificate.
    let mut claim = platform.db.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO ec_persons (user_id, name_sealed, name_masked, id_index, id_sealed, id_masked, method, \
         verification_id, verified_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(user_id)
    .bind(platform.cipher.seal(name_sealed_at(user_id), name)?)
    .bind(mask_name(name))
    .bind(id_index(platform, id_number))
    .bind(platform.cipher.seal(id_sealed_at(user_id), id_number)?)
    .bind(crate::platform::mask::identifier(id_number))
    .bind(method)
    .bind(check_id)
    .bind(now)
    .execute(&mut *claim)
    .await;
    match inserted {
        Ok(_) => claim.commit().await?,
        Err(e) if is_unique_violation(&e) => {
            // Rolled back now, not when the connection is next used: the write lock goes at once.
            claim.rollback().await?;
            return Err(if find(platform, user_id).await?.is_some() {
                ContractsError::AlreadyRealNamed.into()
            } else {
                ContractsError::IdNumberTaken.into()
            });
        }
        Err(e) => return Err(e.into()),
    }
    match certify_person(
        platform, &user, user_id, name, id_number, method, check_id, &family,
    )
    .await
    {
        Ok(()) => {}
        Err(error) => {
            // No person without a certificate: the claim goes again.
            sqlx::query("DELETE FROM ec_persons WHERE user_id = $1 AND certificate_serial IS NULL")
                .bind(user_id)
                .execute(platform.db.pool())
                .await?;
            return Err(error);
        }
    }
    find(platform, user_id)
        .await?
        .ok_or_else(|| CoreError::internal("person vanished after commit"))
}

/// Issues the claimed person's cloud certificate and records it, with the audit event and the SMS.
#[expect(
    clippy::too_many_arguments,
    reason = "the person's parts, passed through once"
)]
async fn certify_person(
    platform: &Platform,
    user: &crate::platform::accounts::User,
    user_id: &str,
    name: &str,
    id_number: &str,
    method: &str,
    check_id: &str,
    family: &str,
) -> Result<(), CoreError> {
    let now = platform.clock.now();
    // Everything read through the pool is read before the write transaction begins (see
    // `ca::prepare`): on SQLite, 40 people racing for one ID number queue on the write lock with
    // every pool connection, and the winner must not need another one to finish.
    ca::prepare(platform, family).await?;
    let mut tx = platform.db.begin().await?;
    let subject = format!(
        "CN={},serialNumber={},C=CN",
        crate::ca::escape_name_value(name),
        crate::ca::escape_name_value(id_number)
    );
    let actor = format!("user:{user_id}");
    let issued = ca::issue_in(
        platform,
        &mut tx,
        &IssueRequest {
            ca: family,
            profile: "personal",
            subject: &subject,
            csr: None,
            actor: &actor,
        },
        None,
    )
    .await?;
    let key = issued
        .key_pem
        .as_ref()
        .ok_or_else(|| CoreError::internal("cloud issuance without key"))?;
    sqlx::query(
        "INSERT INTO ec_person_keys (serial, user_id, key_sealed, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&issued.serial)
    .bind(user_id)
    .bind(
        platform
            .cipher
            .seal(key_sealed_at(&issued.serial), key.expose_secret())?,
    )
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE ec_persons SET certificate_serial = $1 WHERE user_id = $2")
        .bind(&issued.serial)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let event = AuditEvent::new(actor.clone(), "contracts.real_name", actor.clone()).change(
        serde_json::Value::Null,
        serde_json::json!({ "method": method, "check": check_id, "certificate": issued.serial }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    messages::sms(
        platform,
        &mut tx,
        &format!("contracts.real_name:{user_id}:sms"),
        &user.phone,
        "【Signet】您已完成个人实名认证，免费个人云证书已签发，可在电子合同平台中使用。",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The person's certificate with its chain.
pub async fn certificate(
    platform: &Platform,
    user_id: &str,
) -> Result<ca::CertificateInfo, CoreError> {
    let serial = find(platform, user_id)
        .await?
        .and_then(|p| p.certificate_serial)
        .ok_or(ContractsError::RealNameRequired)?;
    ca::certificate(platform, &serial).await
}
