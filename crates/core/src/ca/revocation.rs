//! Revoking certificates and publishing CRLs: a revocation bumps its CA's revision, which makes
//! the next CRL a new one (with the next number) and drops the CA's pre-signed OCSP answers.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use der::Encode as _;
use serde_json::json;
use signet_pki::crl::{CrlContent, RevocationReason, RevokedEntry, build_crl};
use sqlx::Row as _;
use x509_cert::serial_number::SerialNumber;

use super::Authority;
use super::{CaError, from_pki, internal, normalise_serial, system_time};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};

/// A CRL is valid this long ...
const CRL_VALIDITY: Duration = Duration::from_hours(7 * 24);
/// ... and is made anew when less than this is left (or after a revocation).
const CRL_REFRESH: i64 = 6 * 24 * 3600;

const REASONS: [(&str, RevocationReason); 7] = [
    ("unspecified", RevocationReason::Unspecified),
    ("key-compromise", RevocationReason::KeyCompromise),
    ("ca-compromise", RevocationReason::CaCompromise),
    ("affiliation-changed", RevocationReason::AffiliationChanged),
    ("superseded", RevocationReason::Superseded),
    (
        "cessation-of-operation",
        RevocationReason::CessationOfOperation,
    ),
    ("privilege-withdrawn", RevocationReason::PrivilegeWithdrawn),
];

/// A reason by its name: `key-compromise` or RFC 5280's `keyCompromise`. Certificate hold is
/// not offered: a revocation here is final.
pub fn parse_reason(text: &str) -> Result<RevocationReason, CoreError> {
    let wanted: String = text
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    REASONS
        .iter()
        .find(|(name, _)| name.replace('-', "") == wanted)
        .map(|(_, reason)| *reason)
        .ok_or_else(|| CaError::UnknownReason(text.to_owned()).into())
}

fn reason_name(reason: RevocationReason) -> &'static str {
    REASONS
        .iter()
        .find(|(_, r)| *r == reason)
        .map_or("unspecified", |(name, _)| name)
}

/// What a revocation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revoked {
    pub serial: String,
    pub ca: String,
    pub revoked_at: Timestamp,
    pub reason: &'static str,
}

/// Revoke the certificate with serial `serial` (hex, any case, colons allowed).
pub async fn revoke(
    platform: &Platform,
    serial: &str,
    reason: &str,
    actor: &str,
) -> Result<Revoked, CoreError> {
    let reason = reason_name(parse_reason(reason)?);
    let serial = normalise_serial(serial);
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let row = sqlx::query("SELECT ca_name, status FROM ca_certificates WHERE serial = $1")
        .bind(&serial)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| CaError::UnknownCertificate(serial.clone()))?;
    let ca: String = row.try_get("ca_name")?;
    let status: String = row.try_get("status")?;
    let done = sqlx::query(
        "UPDATE ca_certificates SET status = 'revoked', revoked_at = $1, revocation_reason = $2 \
         WHERE serial = $3 AND status = 'active'",
    )
    .bind(now)
    .bind(reason)
    .bind(&serial)
    .execute(&mut *tx)
    .await?;
    if status != "active" || done.rows_affected() != 1 {
        return Err(CaError::AlreadyRevoked(serial).into());
    }
    sqlx::query("UPDATE ca_authorities SET revision = revision + 1 WHERE name = $1")
        .bind(&ca)
        .execute(&mut *tx)
        .await?;
    let event = AuditEvent::new(
        actor,
        "ca.certificate.revoke",
        format!("certificate:{serial}"),
    )
    .change(
        json!({"status": "active"}),
        json!({"status": "revoked", "reason": reason, "ca": ca}),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Authority::of(platform)?.cache.forget(&ca);
    Ok(Revoked {
        serial,
        ca,
        revoked_at: now,
        reason,
    })
}

/// The current CRL of root or issuing CA `ca` (DER): the stored one while it is fresh and no
/// revocation came since, otherwise a new one with the next CRL number.
pub async fn crl(platform: &Platform, ca: &str) -> Result<Vec<u8>, CoreError> {
    let material = Authority::of(platform)?
        .cache
        .material(platform, ca)
        .await?;
    let now = platform.clock.now();
    let latest = sqlx::query(
        "SELECT c.crl_der, c.revision AS crl_revision, c.next_update, a.revision \
         FROM ca_crls c JOIN ca_authorities a ON a.name = c.ca_name \
         WHERE c.ca_name = $1 ORDER BY c.number DESC LIMIT 1",
    )
    .bind(ca)
    .fetch_optional(platform.db.pool())
    .await?;
    if let Some(row) = latest {
        let current =
            row.try_get::<i64, _>("crl_revision")? == row.try_get::<i64, _>("revision")?;
        let next_update: i64 = row.try_get("next_update")?;
        if current && next_update - now > CRL_REFRESH {
            let text: String = row.try_get("crl_der")?;
            return STANDARD.decode(text).map_err(internal);
        }
    }

    let mut tx = platform.db.begin().await?;
    // Taking the CA's row first serialises CRL makers, so numbers never repeat.
    sqlx::query("UPDATE ca_authorities SET crl_number = crl_number + 1 WHERE name = $1")
        .bind(ca)
        .execute(&mut *tx)
        .await?;
    let row = sqlx::query("SELECT crl_number, revision FROM ca_authorities WHERE name = $1")
        .bind(ca)
        .fetch_one(&mut *tx)
        .await?;
    let number: i64 = row.try_get("crl_number")?;
    let revision: i64 = row.try_get("revision")?;
    let rows = sqlx::query(
        "SELECT serial, revoked_at, revocation_reason FROM ca_certificates \
         WHERE ca_name = $1 AND status = 'revoked' ORDER BY revoked_at, serial",
    )
    .bind(ca)
    .fetch_all(&mut *tx)
    .await?;
    let mut revoked = Vec::with_capacity(rows.len());
    for row in rows {
        let serial: String = row.try_get("serial")?;
        let bytes = hex::decode(&serial).map_err(internal)?;
        let reason: Option<String> = row.try_get("revocation_reason")?;
        revoked.push(RevokedEntry {
            serial: SerialNumber::new(&bytes).map_err(internal)?,
            revoked_at: system_time(row.try_get("revoked_at")?),
            reason: reason.map(|r| parse_reason(&r)).transpose()?,
        });
    }
    let this_update = system_time(now);
    let next_update = this_update + CRL_VALIDITY;
    let list = build_crl(
        &material.certificate,
        material.signer.as_ref(),
        &CrlContent {
            number: u64::try_from(number).map_err(internal)?,
            this_update,
            next_update,
            revoked: &revoked,
        },
    )
    .map_err(from_pki)?;
    let der = list.to_der().map_err(internal)?;
    sqlx::query(
        "INSERT INTO ca_crls (ca_name, number, revision, this_update, next_update, crl_der) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(ca)
    .bind(number)
    .bind(revision)
    .bind(now)
    .bind(now + i64::try_from(CRL_VALIDITY.as_secs()).map_err(internal)?)
    .bind(STANDARD.encode(&der))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(der)
}
