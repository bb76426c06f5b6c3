//! Renewing each issuing CA's delegated OCSP responder. Its certificate carries ocsp-nocheck, so
//! no client can learn that it was revoked: it lives a week ([`OCSP_RESPONDER_VALIDITY`]) and an
//! hourly job gives it a new key and certificate, signed by the issuing CA, when less than
//! [`RESPONDER_RENEW_BEFORE`] is left. Serving processes see the new row within a second
//! (`CaCache::sync`) and sign with it from then on.

use async_trait::async_trait;
use serde_json::json;
use signet_pki::ca::{OCSP_RESPONDER_VALIDITY, ResponderRequest, ocsp_responder};
use signet_pki::extensions::CaUrls;
use signet_pki::issue::Issuer;
use sqlx::Row as _;

use super::authorities::{CaRole, helper, record_certificate, unknown};
use super::issuance::issuing_material;
use super::keys::KeyColumns;
use super::{Authority, key_store, rng, serial_of, system_time, to_base64, unix};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;
use crate::platform::jobs::{Handler, RunningJob, Schedule};

pub const RENEW_RESPONDERS: &str = "ca.renew_responders";

/// A responder certificate is renewed when less than this is left of its week (so a job that
/// fails for three days still leaves a valid responder).
pub const RESPONDER_RENEW_BEFORE: i64 = 4 * 86_400;

/// The CA's recurring jobs.
pub const SCHEDULES: &[Schedule] = &[Schedule {
    name: RENEW_RESPONDERS,
    kind: RENEW_RESPONDERS,
    every_seconds: 3600,
}];

/// The job: renews the responders that are due.
pub struct RenewResponders;

#[async_trait]
impl Handler for RenewResponders {
    async fn run(&self, platform: &Platform, _job: &RunningJob) -> Result<(), CoreError> {
        let renewed = renew_responders(platform).await?;
        tracing::debug!(?renewed, "OCSP responders renewed");
        Ok(())
    }
}

/// Renews every delegated OCSP responder with less than [`RESPONDER_RENEW_BEFORE`] left;
/// returns the names of those renewed. Idempotent: a responder another node renewed first is
/// skipped (its row's serial moved under us).
pub async fn renew_responders(platform: &Platform) -> Result<Vec<String>, CoreError> {
    let now = platform.clock.now();
    let due = sqlx::query(
        "SELECT issuer_name FROM ca_authorities WHERE role = 'ocsp' AND not_after < $1 \
         ORDER BY name",
    )
    .bind(now + RESPONDER_RENEW_BEFORE)
    .fetch_all(platform.db.pool())
    .await?;
    let mut renewed = Vec::new();
    for row in due {
        let Some(issuer_name) = row.try_get::<Option<String>, _>("issuer_name")? else {
            continue;
        };
        if let Some(name) = renew(platform, &issuer_name).await? {
            renewed.push(name);
        }
    }
    Ok(renewed)
}

async fn renew(platform: &Platform, issuer_name: &str) -> Result<Option<String>, CoreError> {
    let now = platform.clock.now();
    let material = issuing_material(platform, issuer_name).await?;
    let old = helper(platform, issuer_name, CaRole::Ocsp)
        .await?
        .ok_or_else(|| unknown(issuer_name))?;
    let old_serial = serial_of(&old.certificate);
    let store = key_store(platform)?;
    let name = old.name.clone();
    let subject = old.certificate.tbs_certificate().subject().clone();
    let algorithm = old.key.algorithm;
    let sm2_id = old.key.sm2_id.clone();
    let authority = Authority::of(platform)?;
    // Key generation (RSA-3072 for the rsa family) and signing: off the async threads.
    let keyed = authority
        .sign_off_thread(move || {
            let issuer = Issuer {
                certificate: &material.certificate,
                signer: material.signer()?,
                urls: CaUrls::new(&material.public_url, &material.name),
            };
            let request = ResponderRequest {
                name: &name,
                subject,
                algorithm,
                sm2_id: &sm2_id,
                validity: OCSP_RESPONDER_VALIDITY,
            };
            ocsp_responder(&store, &issuer, request, system_time(now), &mut rng())
                .map_err(super::from_pki)
        })
        .await?;
    // The new key is made where the CA's keys are made now: on the CA token when one is set.
    let key = KeyColumns::of(&keyed.key);
    let tbs = keyed.certificate.tbs_certificate();
    let serial = serial_of(&keyed.certificate);
    let mut tx = platform.db.begin().await?;
    let moved = sqlx::query(
        "UPDATE ca_authorities SET serial = $1, subject = $2, not_before = $3, not_after = $4, \
         certificate_der = $5, key_algorithm = $6, sm2_id = $7, key_encrypted = $8, \
         key_token_label = $9, key_token_id = $10 WHERE name = $11 AND serial = $12",
    )
    .bind(&serial)
    .bind(tbs.subject().to_string())
    .bind(unix(&tbs.validity().not_before))
    .bind(unix(&tbs.validity().not_after))
    .bind(to_base64(&keyed.certificate)?)
    .bind(keyed.key.algorithm.name())
    .bind(&keyed.key.sm2_id)
    .bind(key.encrypted)
    .bind(key.token_label)
    .bind(key.token_id)
    .bind(&keyed.name)
    .bind(&old_serial)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(None);
    }
    record_certificate(
        &mut tx,
        issuer_name,
        "ocsp",
        keyed.key.algorithm.name(),
        &keyed.certificate,
        now,
    )
    .await?;
    let event = AuditEvent::new("system", "ca.responder.renew", format!("ca:{}", keyed.name))
        .change(
            json!({"serial": old_serial}),
            json!({"serial": serial, "not_after": unix(&tbs.validity().not_after)}),
        );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    authority.cache.reload(issuer_name);
    Ok(Some(keyed.name))
}
