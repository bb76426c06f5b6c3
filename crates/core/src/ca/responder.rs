//! Relying parties' questions: OCSP and RFC 3161 time-stamps.
//!
//! OCSP answers are signed by each issuing CA's delegated responder, ahead of time per serial
//! and served from memory (at most [`super::cache::MAX_ANSWERS`] per CA). A request asks about
//! at most [`signet_pki::ocsp::MAX_CERT_IDS`] certificates; one about serials the CA never
//! issued gets the same unsigned `unauthorized` answer every time (RFC 5019 §2.2.3), signed
//! and kept for none of them; roots answer no OCSP at all (their CRL says it, and their keys
//! stay offline). Only a nonce or several certificates need a fresh signature, made on the
//! blocking pool.

use std::sync::Arc;
use std::time::Duration;

use signet_pki::ocsp::{
    CertStatus, OcspRequest, Responder, ResponseStatus, error_response, parse_request,
};
use signet_pki::profile::TSA_POLICY;
use signet_pki::serial::random_serial;
use signet_pki::tsa::{Tsa, failure_of, rejection};
use sqlx::Row as _;
use x509_cert::serial_number::SerialNumber;

use super::Authority;
use super::authorities::{CaRole, unknown};
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

/// The one answer for certificates this responder does not answer for (serials the CA never
/// issued, other issuers, a root's subordinates): `OCSPResponse { unauthorized }`, the same
/// bytes every time, so asking about random serials costs no signature and no memory.
const UNAUTHORIZED: [u8; 5] = [0x30, 0x03, 0x0a, 0x01, 0x06];

fn responder(material: &CaMaterial) -> Result<Responder<'_>, CoreError> {
    Ok(match &material.ocsp {
        Some(delegate) => Responder {
            issuer: &material.certificate,
            certificate: &delegate.certificate,
            signer: delegate.signer.as_ref(),
        },
        // A hierarchy without a responder row (none is made so today): the issuing CA itself,
        // whose key the server holds for issuance anyway.
        None => Responder {
            issuer: &material.certificate,
            certificate: &material.certificate,
            signer: material.signer()?,
        },
    })
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

/// How many pre-signed OCSP answers of CA `ca` this process keeps (for metrics and tests).
pub fn ocsp_answers_kept(platform: &Platform, ca: &str) -> Result<usize, CoreError> {
    Ok(Authority::of(platform)?.cache.answers_kept(ca))
}

/// Answer a DER `OCSPRequest` about certificates of CA `ca`. A request that does not parse or
/// asks about more than [`signet_pki::ocsp::MAX_CERT_IDS`] certificates gets the
/// `malformedRequest` answer, one about no certificate this CA issued (or sent to a root) the
/// `unauthorized` answer (neither is an error); an unknown CA is [`super::CaError::UnknownCa`].
pub async fn ocsp(platform: &Platform, ca: &str, request: &[u8]) -> Result<Vec<u8>, CoreError> {
    let authority = Authority::of(platform)?;
    let cache = &authority.cache;
    let material = cache.material(platform, ca).await?;
    let request: OcspRequest = match parse_request(request) {
        Ok(request) => request,
        Err(error) => {
            tracing::debug!(%error, "malformed OCSP request");
            return error_response(ResponseStatus::MalformedRequest).map_err(from_pki);
        }
    };
    if material.role != CaRole::Issuing {
        return Ok(UNAUTHORIZED.to_vec());
    }
    let revision = cache.sync(platform, &material.name).await?;
    // Reloaded when the sync saw a renewed responder certificate.
    let material = cache.material(platform, ca).await?;
    let now = platform.clock.now();
    let single = request.cert_ids.len() == 1 && request.nonce.is_none();
    let mut statuses = Vec::with_capacity(request.cert_ids.len());
    for id in &request.cert_ids {
        if !id.is_issued_by(&material.certificate) {
            continue;
        }
        let hex = CertificateSerial::of(&id.serial_number).into_string();
        let kept = cache
            .answer(&material.name, &hex)
            .filter(|c| c.presigned.next_update >= system_time(now + OCSP_REFRESH));
        if let Some(kept) = kept {
            if single && kept.presigned.serves(&request, &material.certificate) {
                // The hot path: one certificate, no nonce — the answer signed ahead of time.
                return Ok(kept.presigned.der);
            }
            statuses.push((id.serial_number.clone(), kept.status));
            continue;
        }
        let status = status_in_db(platform, &material.name, &hex).await?;
        if status == CertStatus::Unknown {
            // Never issued here: nothing is signed or kept for it.
            continue;
        }
        if single && id.hash_algorithm.oid == signet_pki::algorithm::SHA1 {
            let presigned = presign(&authority, &material, &id.serial_number, status, now).await?;
            let cached = Cached { status, presigned };
            cache.keep(&material.name, revision, hex, cached.clone());
            return Ok(cached.presigned.der);
        }
        statuses.push((id.serial_number.clone(), status));
    }
    if statuses.is_empty() {
        return Ok(UNAUTHORIZED.to_vec());
    }
    // A nonce to echo, several certificates, or a SHA-256/SM3 CertID: a fresh signature.
    let material = Arc::clone(&material);
    authority
        .sign_off_thread(move || {
            let status_of = |serial: &SerialNumber| {
                statuses
                    .iter()
                    .find(|(s, _)| s == serial)
                    .map_or(CertStatus::Unknown, |(_, status)| *status)
            };
            responder(&material)?
                .answer(
                    &request,
                    status_of,
                    system_time(now),
                    system_time(now + OCSP_VALIDITY),
                )
                .map_err(from_pki)
        })
        .await
}

/// Signs the answer for one serial ahead of time, on the blocking pool.
async fn presign(
    authority: &Authority,
    material: &Arc<CaMaterial>,
    serial: &SerialNumber,
    status: CertStatus,
    now: Timestamp,
) -> Result<signet_pki::ocsp::PresignedResponse, CoreError> {
    let material = Arc::clone(material);
    let serial = serial.clone();
    authority
        .sign_off_thread(move || {
            responder(&material)?
                .presign(
                    &serial,
                    status,
                    system_time(now),
                    system_time(now + OCSP_VALIDITY),
                )
                .map_err(from_pki)
        })
        .await
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
    if material.tsa.is_none() {
        return Err(unknown(ca));
    }
    let request = request.to_vec();
    let now = system_time(platform.clock.now());
    Authority::of(platform)?
        .sign_off_thread(move || {
            let Some(unit) = &material.tsa else {
                return Err(unknown(&material.name));
            };
            let tsa = Tsa {
                certificate: &unit.certificate,
                signer: unit.signer.as_ref(),
                policy: TSA_POLICY,
                accuracy: Duration::from_secs(1),
            };
            let stamped = signet_pki::tsa::parse_request(&request).and_then(|parsed| {
                let serial = random_serial(&mut rng())?;
                tsa.stamp(&parsed, serial, now)
            });
            match stamped {
                Ok(reply) => Ok(reply),
                Err(error) => {
                    tracing::debug!(%error, "time-stamp request refused");
                    rejection(failure_of(&error)).map_err(from_pki)
                }
            }
        })
        .await
}

/// An issuing CA's TSA held for signing in process: the e-contract wing timestamps its parties'
/// signatures with it (through `signet_pdf`'s `LocalTsa`) without a round trip over HTTP.
pub struct TsaHandle(Arc<CaMaterial>);

impl TsaHandle {
    /// The TSA, ready to stamp requests (its policy and accuracy as the `/pki` endpoint's).
    pub fn tsa(&self) -> Result<Tsa<'_>, CoreError> {
        let unit = self.0.tsa.as_ref().ok_or_else(|| unknown(&self.0.name))?;
        Ok(Tsa {
            certificate: &unit.certificate,
            signer: unit.signer.as_ref(),
            policy: TSA_POLICY,
            accuracy: Duration::from_secs(1),
        })
    }

    /// The TSA's certificate followed by its CA chain (issuing CA, root).
    pub fn chain(&self) -> Vec<x509_cert::Certificate> {
        self.0
            .tsa
            .iter()
            .map(|unit| unit.certificate.clone())
            .chain(self.0.chain.iter().cloned())
            .collect()
    }
}

/// The TSA of issuing CA `ca`, for in-process time-stamps.
pub async fn tsa_handle(platform: &Platform, ca: &str) -> Result<TsaHandle, CoreError> {
    let material = Authority::of(platform)?
        .cache
        .material(platform, ca)
        .await?;
    if material.tsa.is_none() {
        return Err(unknown(ca));
    }
    Ok(TsaHandle(material))
}
