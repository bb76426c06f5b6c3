//! OCSP (RFC 6960): parse requests, build signed responses, pre-sign them for the hot path;
//! build requests and check responses as a relying party.

mod read;
mod request;
mod types;

use std::time::SystemTime;

use der::asn1::{BitString, GeneralizedTime, Null, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use sha2::Digest;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;

pub use read::{VerifiedResponse, verify_response};
pub use request::{build_request, build_request_for};
use types::{
    BasicOcspResponse, CertStatusAsn1, OCSP_BASIC, OCSP_NONCE, OcspRequestAsn1, OcspResponseAsn1,
    ResponderId, ResponseBytes, ResponseData, RevokedInfo, SingleResponse,
};
pub use types::{CertId, ResponseStatus};

use crate::algorithm::{SHA1, SHA256, SM3};
use crate::crl::RevocationReason;
use crate::error::{PkiError, Result};
use crate::signer::Signer;

/// Largest request we parse (a request for [`MAX_CERT_IDS`] certificates with a nonce is well
/// under 1 KiB; signed requests carry a certificate or two).
pub const MAX_REQUEST_BYTES: usize = 8 * 1024;

/// Most certificates one request may ask about. Each one costs the responder a look-up and a
/// place in the signed answer; RFC 6960 §4.2.1 lets a responder refuse what it will not serve,
/// and real clients ask about one certificate at a time.
pub const MAX_CERT_IDS: usize = 8;

/// A parsed request: which certificates, and the nonce extension to echo.
#[derive(Clone, Debug)]
pub struct OcspRequest {
    /// The certificates asked about.
    pub cert_ids: Vec<CertId>,
    /// The request's nonce extension, echoed as is.
    pub nonce: Option<Extension>,
}

/// The status the platform knows for a serial.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertStatus {
    /// Issued by this CA and not revoked.
    Good,
    /// Revoked at a time, for a reason.
    Revoked {
        /// When.
        at: SystemTime,
        /// Why (`None`: left out).
        reason: Option<RevocationReason>,
    },
    /// Not a certificate this CA issued.
    Unknown,
}

/// Parse a DER `OCSPRequest`. Any failure means answering `malformedRequest`
/// ([`error_response`]).
pub fn parse_request(der_bytes: &[u8]) -> Result<OcspRequest> {
    let malformed = |what: String| PkiError::MalformedOcspRequest(what);
    if der_bytes.len() > MAX_REQUEST_BYTES {
        return Err(malformed(format!("{} bytes", der_bytes.len())));
    }
    let request = OcspRequestAsn1::from_der(der_bytes).map_err(|e| malformed(e.to_string()))?;
    let tbs = request.tbs_request;
    if tbs.version.is_some_and(|v| v != 0) {
        return Err(malformed("unknown version".into()));
    }
    if tbs.request_list.is_empty() {
        return Err(malformed("no certificates asked about".into()));
    }
    if tbs.request_list.len() > MAX_CERT_IDS {
        return Err(malformed(format!(
            "{} certificates asked about, at most {MAX_CERT_IDS} are answered",
            tbs.request_list.len()
        )));
    }
    let nonce = tbs
        .request_extensions
        .unwrap_or_default()
        .into_iter()
        .find(|e| e.extn_id == OCSP_NONCE);
    if let Some(nonce) = &nonce {
        // RFC 8954: the nonce is an OCTET STRING of 1 to 32 bytes.
        let value = OctetString::from_der(nonce.extn_value.as_bytes())
            .map_err(|_| malformed("nonce is not an OCTET STRING".into()))?;
        if value.as_bytes().is_empty() || value.as_bytes().len() > 32 {
            return Err(malformed("nonce must be 1 to 32 bytes".into()));
        }
    }
    Ok(OcspRequest {
        cert_ids: tbs.request_list.into_iter().map(|r| r.req_cert).collect(),
        nonce,
    })
}

/// A bare error answer (`malformedRequest`, `internalError`, `tryLater`, `unauthorized`).
pub fn error_response(status: ResponseStatus) -> Result<Vec<u8>> {
    Ok(OcspResponseAsn1 {
        response_status: status,
        response_bytes: None,
    }
    .to_der()?)
}

fn hash(algorithm: ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>> {
    if algorithm == SHA1 {
        Some(sha1::Sha1::digest(data).to_vec())
    } else if algorithm == SHA256 {
        Some(sha2::Sha256::digest(data).to_vec())
    } else if algorithm == SM3 {
        Some(sm3::Sm3::digest(data).to_vec())
    } else {
        None
    }
}

impl CertId {
    /// The `CertID` of `serial` under `issuer`, hashed with SHA-1 (what most clients send).
    pub fn new(issuer: &Certificate, serial: SerialNumber) -> Result<Self> {
        let tbs = issuer.tbs_certificate();
        let sha1 = |data: &[u8]| OctetString::new(sha1::Sha1::digest(data).to_vec());
        Ok(Self {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: SHA1,
                parameters: Some(der::Any::from(Null)),
            },
            issuer_name_hash: sha1(&tbs.subject().to_der()?)?,
            issuer_key_hash: sha1(tbs.subject_public_key_info().subject_public_key.raw_bytes())?,
            serial_number: serial,
        })
    }

    /// Whether this `CertID` names `issuer` (SHA-1, SHA-256 or SM3 hashes).
    pub fn is_issued_by(&self, issuer: &Certificate) -> bool {
        let tbs = issuer.tbs_certificate();
        let Ok(name) = tbs.subject().to_der() else {
            return false;
        };
        let key = tbs.subject_public_key_info().subject_public_key.raw_bytes();
        let oid = self.hash_algorithm.oid;
        hash(oid, &name).is_some_and(|h| h == self.issuer_name_hash.as_bytes())
            && hash(oid, key).is_some_and(|h| h == self.issuer_key_hash.as_bytes())
    }
}

/// Who signs answers for a CA: the CA itself or its delegated responder (ocsp-nocheck).
pub struct Responder<'a> {
    /// The CA whose certificates are answered for.
    pub issuer: &'a Certificate,
    /// The responder's certificate (the CA's own when it signs itself).
    pub certificate: &'a Certificate,
    /// The responder's key.
    pub signer: &'a dyn Signer,
}

/// One certificate's answer.
#[derive(Clone, Debug)]
pub struct StatusAnswer {
    /// The `CertID` as asked.
    pub cert_id: CertId,
    /// Its status.
    pub status: CertStatus,
    /// thisUpdate.
    pub this_update: SystemTime,
    /// nextUpdate: until when a cache may keep the answer.
    pub next_update: SystemTime,
}

/// A response signed ahead of time for one serial, reusable until `next_update`.
#[derive(Clone, Debug)]
pub struct PresignedResponse {
    /// The serial answered for.
    pub serial: SerialNumber,
    /// DER `OCSPResponse`.
    pub der: Vec<u8>,
    /// Re-sign before this.
    pub next_update: SystemTime,
}

impl PresignedResponse {
    /// Whether this answer fits `request`: one certificate, this serial, SHA-1 `CertID`, no
    /// nonce (a nonce needs a fresh signature).
    pub fn serves(&self, request: &OcspRequest, issuer: &Certificate) -> bool {
        matches!(request.cert_ids.as_slice(), [id]
            if id.serial_number == self.serial
                && id.hash_algorithm.oid == SHA1
                && id.is_issued_by(issuer))
            && request.nonce.is_none()
    }
}

fn generalized(at: SystemTime) -> Result<GeneralizedTime> {
    let seconds = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_err(|_| PkiError::InvalidValidity("time before 1970".into()))?
        .as_secs();
    Ok(GeneralizedTime::from_unix_duration(
        std::time::Duration::from_secs(seconds),
    )?)
}

impl Responder<'_> {
    /// Sign a response with `answers`, echoing `nonce`.
    pub fn respond(
        &self,
        answers: &[StatusAnswer],
        nonce: Option<&Extension>,
        produced_at: SystemTime,
    ) -> Result<Vec<u8>> {
        let responses = answers
            .iter()
            .map(|answer| {
                let cert_status = match answer.status {
                    CertStatus::Good => CertStatusAsn1::Good(Null),
                    CertStatus::Unknown => CertStatusAsn1::Unknown(Null),
                    CertStatus::Revoked { at, reason } => CertStatusAsn1::Revoked(RevokedInfo {
                        revocation_time: generalized(at)?,
                        revocation_reason: reason,
                    }),
                };
                Ok(SingleResponse {
                    cert_id: answer.cert_id.clone(),
                    cert_status,
                    this_update: generalized(answer.this_update)?,
                    next_update: Some(generalized(answer.next_update)?),
                    single_extensions: None,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let responder_key = self
            .certificate
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes();
        let data = ResponseData {
            version: None,
            responder_id: ResponderId::ByKey(OctetString::new(
                sha1::Sha1::digest(responder_key).to_vec(),
            )?),
            produced_at: generalized(produced_at)?,
            responses,
            response_extensions: nonce.map(|n| vec![n.clone()]),
        };
        let signature = self.signer.sign(&data.to_der()?)?;
        // A delegated responder sends its certificate; a CA signing itself need not.
        let certs = (self.certificate != self.issuer).then(|| vec![self.certificate.clone()]);
        let basic = BasicOcspResponse {
            tbs_response_data: data,
            signature_algorithm: self.signer.signature_algorithm(),
            signature: BitString::from_bytes(&signature)?,
            certs,
        };
        Ok(OcspResponseAsn1 {
            response_status: ResponseStatus::Successful,
            response_bytes: Some(ResponseBytes {
                response_type: OCSP_BASIC,
                response: OctetString::new(basic.to_der()?)?,
            }),
        }
        .to_der()?)
    }

    /// Answer a parsed request: `status_of` gives each serial's status; certificates of
    /// another issuer are answered `unknown`.
    pub fn answer(
        &self,
        request: &OcspRequest,
        status_of: impl Fn(&SerialNumber) -> CertStatus,
        now: SystemTime,
        next_update: SystemTime,
    ) -> Result<Vec<u8>> {
        let answers: Vec<StatusAnswer> = request
            .cert_ids
            .iter()
            .map(|id| StatusAnswer {
                cert_id: id.clone(),
                status: if id.is_issued_by(self.issuer) {
                    status_of(&id.serial_number)
                } else {
                    CertStatus::Unknown
                },
                this_update: now,
                next_update,
            })
            .collect();
        self.respond(&answers, request.nonce.as_ref(), now)
    }

    /// Sign the answer for one serial ahead of time (no nonce, SHA-1 `CertID`).
    pub fn presign(
        &self,
        serial: &SerialNumber,
        status: CertStatus,
        now: SystemTime,
        next_update: SystemTime,
    ) -> Result<PresignedResponse> {
        let answer = StatusAnswer {
            cert_id: CertId::new(self.issuer, serial.clone())?,
            status,
            this_update: now,
            next_update,
        };
        Ok(PresignedResponse {
            serial: serial.clone(),
            der: self.respond(&[answer], None, now)?,
            next_update,
        })
    }
}
