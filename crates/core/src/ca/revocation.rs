//! Revoking certificates and publishing CRLs: a revocation bumps its CA's revision, which makes
//! the next CRL a new one (with the next number) and drops the CA's pre-signed OCSP answers.
//! A root's CRL is the only word on its subordinates' status; the server serves the stored one
//! and never loads a root key: `signet ca crl` (and `signet init`) sign it on the command line.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use der::Encode as _;
use serde_json::json;
use signet_pki::crl::{CrlContent, RevocationReason, RevokedEntry, build_crl};
use signet_pki::keystore::KeyStore as _;
use sqlx::Row as _;
use x509_cert::serial_number::SerialNumber;

use super::authorities::{CaRole, find, unknown};
use super::{Authority, CaError, from_pki, internal, key_store, normalise_serial, system_time};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};

/// A CRL is valid this long ...
const CRL_VALIDITY: Duration = Duration::from_hours(7 * 24);
/// ... and is made anew when less than this is left (or after a revocation).
const CRL_REFRESH: i64 = 6 * 24 * 3600;
/// A root's CRL, signed on the command line, is valid this long ...
const ROOT_CRL_VALIDITY: Duration = Duration::from_hours(90 * 24);
/// ... and `signet ca crl` signs a new one when less than this is left (run it monthly).
const ROOT_CRL_REFRESH: i64 = 60 * 24 * 3600;

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

/// The current CRL of root or issuing CA `ca` (DER). An issuing CA's is the stored one while it
/// is fresh and no revocation came since, otherwise a new one with the next CRL number. A
/// root's is the last one `signet ca crl` published ([`publish_crl`]): its key is not loaded.
pub async fn crl(platform: &Platform, ca: &str) -> Result<Vec<u8>, CoreError> {
    let material = Authority::of(platform)?
        .cache
        .material(platform, ca)
        .await?;
    if material.role == CaRole::Root {
        let stored: Option<String> = sqlx::query_scalar(
            "SELECT crl_der FROM ca_crls WHERE ca_name = $1 ORDER BY number DESC LIMIT 1",
        )
        .bind(ca)
        .fetch_optional(platform.db.pool())
        .await?;
        let text = stored.ok_or_else(|| CaError::RootCrlNotPublished(ca.to_owned()))?;
        return STANDARD.decode(text).map_err(internal);
    }
    let signer = material.signer()?;
    let freshness = Freshness {
        validity: CRL_VALIDITY,
        refresh: CRL_REFRESH,
    };
    make_crl(platform, ca, &material.certificate, signer, freshness).await
}

/// For the command line: like [`crl`], and for a root a new CRL signed with the root's key
/// (decrypted for this call only) when the stored one is stale or a revocation came since.
pub async fn publish_crl(platform: &Platform, ca: &str) -> Result<Vec<u8>, CoreError> {
    let material = Authority::of(platform)?
        .cache
        .material(platform, ca)
        .await?;
    if material.role != CaRole::Root {
        return crl(platform, ca).await;
    }
    let row = find(platform, ca).await?.ok_or_else(|| unknown(ca))?;
    let signer = key_store(platform)?.signer(&row.key).map_err(from_pki)?;
    let freshness = Freshness {
        validity: ROOT_CRL_VALIDITY,
        refresh: ROOT_CRL_REFRESH,
    };
    make_crl(
        platform,
        ca,
        &material.certificate,
        signer.as_ref(),
        freshness,
    )
    .await
}

#[derive(Clone, Copy)]
struct Freshness {
    validity: Duration,
    refresh: i64,
}

/// The latest stored CRL of `ca` when it is current (no revocation since) and has more than
/// `refresh` seconds left.
async fn current_crl(
    executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
    ca: &str,
    now: Timestamp,
    refresh: i64,
) -> Result<Option<Vec<u8>>, CoreError> {
    let latest = sqlx::query(
        "SELECT c.crl_der, c.revision AS crl_revision, c.next_update, a.revision \
         FROM ca_crls c JOIN ca_authorities a ON a.name = c.ca_name \
         WHERE c.ca_name = $1 ORDER BY c.number DESC LIMIT 1",
    )
    .bind(ca)
    .fetch_optional(executor)
    .await?;
    let Some(row) = latest else {
        return Ok(None);
    };
    let current = row.try_get::<i64, _>("crl_revision")? == row.try_get::<i64, _>("revision")?;
    let next_update: i64 = row.try_get("next_update")?;
    if current && next_update - now > refresh {
        let text: String = row.try_get("crl_der")?;
        return Ok(Some(STANDARD.decode(text).map_err(internal)?));
    }
    Ok(None)
}

async fn make_crl(
    platform: &Platform,
    ca: &str,
    certificate: &x509_cert::Certificate,
    signer: &dyn signet_pki::Signer,
    freshness: Freshness,
) -> Result<Vec<u8>, CoreError> {
    let now = platform.clock.now();
    if let Some(der) = current_crl(platform.db.pool(), ca, now, freshness.refresh).await? {
        return Ok(der);
    }

    let mut tx = platform.db.begin().await?;
    // Taking the CA's row first serialises CRL makers, so numbers never repeat ...
    sqlx::query("UPDATE ca_authorities SET crl_number = crl_number + 1 WHERE name = $1")
        .bind(ca)
        .execute(&mut *tx)
        .await?;
    // ... and a maker that waited for another finds its CRL instead of signing one more.
    if let Some(der) = current_crl(&mut *tx, ca, now, freshness.refresh).await? {
        tx.rollback().await?;
        return Ok(der);
    }
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
    let next_update = this_update + freshness.validity;
    let list = build_crl(
        certificate,
        signer,
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
    .bind(now + i64::try_from(freshness.validity.as_secs()).map_err(internal)?)
    .bind(STANDARD.encode(&der))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(der)
}
