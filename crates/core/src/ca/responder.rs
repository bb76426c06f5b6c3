//! Relying parties' questions: OCSP (answers pre-signed per serial and served from memory; a
//! request with a nonce gets a fresh signature to echo it) and RFC 3161 time-stamps.

use std::time::Duration;

use signet_pki::ocsp::{
    CertStatus, OcspRequest, Responder, ResponseStatus, error_response, parse_request,
};
use signet_pki::profile::TSA_POLICY;
use signet_pki::serial::random_serial;
use signet_pki::tsa::{Tsa, failure_of, rejection};
use sqlx::Row as _;

use super::Authority;
use super::authorities::unknown;
use super::cache::{CaMaterial, Cached};
use super::{from_pki, parse_reason, rng, system_time};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::ids::CertificateSerial;

/// An OCSP answer is valid this long ...
const OCSP_VALIDITY: i64 = 4 * 3600;
/// ... and is signed again when less than this is left.
const OCSP_REFRESH: i64 = 3600;

fn responder(material: &CaMaterial) -> Responder<'_> {
    match &material.ocsp {
        Some(delegate) => Responder {
            issuer: &material.certificate,
            certificate: &delegate.certificate,
            signer: delegate.signer.as_ref(),
        },
        None => Responder {
            issuer: &material.certificate,
            certificate: &material.certificate,
            signer: material.signer.as_ref(),
        },
    }
}

async fn status_in_db(
    platform: &Platform,
    ca: &str,
    serial: &str,
) -> Result<CertStatus, CoreError> {
    let row = sqlx::query(
        "SELECT status, revoked_at, revocation_reason FROM ca_certificates \
         WHERE serial = $1 AND ca_name = $2",
    )
    .bind(serial)
    .bind(ca)
    .fetch_optional(platform.db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(CertStatus::Unknown);
    };
    if row.try_get::<String, _>("status")? != "revoked" {
        return Ok(CertStatus::Good);
    }
    let at: Option<i64> = row.try_get("revoked_at")?;
    let reason: Option<String> = row.try_get("revocation_reason")?;
    Ok(CertStatus::Revoked {
        at: system_time(at.unwrap_or_default()),
        reason: reason.map(|r| parse_reason(&r)).transpose()?,
    })
}

/// The cached answer for `serial`, signed now if missing or about to expire.
async fn answer_for(
    platform: &Platform,
    material: &CaMaterial,
    revision: i64,
    serial: &x509_cert::serial_number::SerialNumber,
    now: Timestamp,
) -> Result<Cached, CoreError> {
    let hex = CertificateSerial::of(serial).into_string();
    let authority = Authority::of(platform)?;
    let cache = &authority.cache;
    if let Some(cached) = cache
        .answer(&material.name, &hex)
        .filter(|c| c.presigned.next_update >= system_time(now + OCSP_REFRESH))
    {
        return Ok(cached);
    }
    let status = status_in_db(platform, &material.name, &hex).await?;
    let presigned = responder(material)
        .presign(
            serial,
            status,
            system_time(now),
            system_time(now + OCSP_VALIDITY),
        )
        .map_err(from_pki)?;
    let cached = Cached { status, presigned };
    cache.keep(&material.name, revision, hex, cached.clone());
    Ok(cached)
}

/// Answer a DER `OCSPRequest` about certificates of CA `ca`. A request that does not parse gets
/// the `malformedRequest` answer (not an error); an unknown CA is [`super::CaError::UnknownCa`].
pub async fn ocsp(platform: &Platform, ca: &str, request: &[u8]) -> Result<Vec<u8>, CoreError> {
    let material = Authority::of(platform)?
        .cache
        .material(platform, ca)
        .await?;
    let request: OcspRequest = match parse_request(request) {
        Ok(request) => request,
        Err(error) => {
            tracing::debug!(%error, "malformed OCSP request");
            return error_response(ResponseStatus::MalformedRequest).map_err(from_pki);
        }
    };
    let revision = Authority::of(platform)?
        .cache
        .sync(platform, &material.name)
        .await?;
    let now = platform.clock.now();
    let mut statuses = Vec::with_capacity(request.cert_ids.len());
    for id in &request.cert_ids {
        if id.is_issued_by(&material.certificate) {
            let cached = answer_for(platform, &material, revision, &id.serial_number, now).await?;
            if request.nonce.is_none() && cached.presigned.serves(&request, &material.certificate) {
                // The hot path: one certificate, no nonce — the answer signed ahead of time.
                return Ok(cached.presigned.der);
            }
            statuses.push((id.serial_number.clone(), cached.status));
        }
    }
    let status_of = |serial: &x509_cert::serial_number::SerialNumber| {
        statuses
            .iter()
            .find(|(s, _)| s == serial)
            .map_or(CertStatus::Unknown, |(_, status)| *status)
    };
    responder(&material)
        .answer(
            &request,
            status_of,
            system_time(now),
            system_time(now + OCSP_VALIDITY),
        )
        .map_err(from_pki)
}

/// Answer a DER `TimeStampReq` with the TSA of issuing CA `ca`. A request that does not parse
/// or asks for another policy gets a `rejection` answer (not an error).
pub async fn timestamp(
    platform: &Platform,
    ca: &str,
    request: &[u8],
) -> Result<Vec<u8>, CoreError> {
    let material = Authority::of(platform)?
        .cache
        .material(platform, ca)
        .await?;
    let Some(unit) = &material.tsa else {
        return Err(unknown(ca));
    };
    let tsa = Tsa {
        certificate: &unit.certificate,
        signer: unit.signer.as_ref(),
        policy: TSA_POLICY,
        accuracy: Duration::from_secs(1),
    };
    let stamped = signet_pki::tsa::parse_request(request).and_then(|parsed| {
        let serial = random_serial(&mut rng())?;
        tsa.stamp(&parsed, serial, system_time(platform.clock.now()))
    });
    match stamped {
        Ok(reply) => Ok(reply),
        Err(error) => {
            tracing::debug!(%error, "time-stamp request refused");
            rejection(failure_of(&error)).map_err(from_pki)
        }
    }
}
