//! One of the holder's certificates in full (LIFE-1): its fields, its chain, and the files the
//! holder may download (PEM, DER, the chain). Another user's serial answers not found.

use serde::Serialize;
use sqlx::Row as _;

use super::{HeldCertificate, SubjectView, held, subject};
use crate::Platform;
use crate::ca;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::Timestamp;

/// A held certificate with its fields and chain.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateDetail {
    pub held: HeldCertificate,
    /// The issuing CA's subject.
    pub issuer: String,
    /// The issuing CA (`sm2`, `rsa`, `ecc` hierarchy's issuing CA name).
    pub ca: String,
    pub profile: String,
    pub key_algorithm: String,
    pub revoked_at: Option<Timestamp>,
    /// The chain from the issuing CA up, each as a person reads its subject.
    pub chain: Vec<SubjectView>,
    pub cert_pem: String,
    /// The issuing CA's certificate, then the root's.
    pub chain_pem: String,
}

/// `user_id`'s certificate `serial` in full.
pub async fn detail(
    platform: &Platform,
    user_id: &str,
    serial: &str,
) -> Result<CertificateDetail, CoreError> {
    let held = held(platform, user_id, serial).await?;
    let info = ca::certificate(platform, &held.serial).await?;
    let chain = chain_subjects(platform, &info.ca).await?;
    Ok(CertificateDetail {
        issuer: chain.first().map(|c| c.masked.clone()).unwrap_or_default(),
        chain,
        ca: info.ca,
        profile: info.profile,
        key_algorithm: info.key_algorithm,
        revoked_at: info.revoked_at,
        cert_pem: info.cert_pem,
        chain_pem: info.chain_pem,
        held,
    })
}

/// The subjects of `ca` and the CAs above it, issuing CA first.
async fn chain_subjects(platform: &Platform, ca: &str) -> Result<Vec<SubjectView>, CoreError> {
    let mut out = Vec::new();
    let mut next = Some(ca.to_owned());
    // A hierarchy is a root and an issuing CA; the bound stops a malformed loop.
    while let Some(name) = next.take().filter(|_| out.len() < 5) {
        let Some(row) =
            sqlx::query("SELECT subject, issuer_name FROM ca_authorities WHERE name = $1")
                .bind(&name)
                .fetch_optional(platform.db.pool())
                .await?
        else {
            break;
        };
        out.push(subject::view(&row.try_get::<String, _>("subject")?));
        next = row
            .try_get::<Option<String>, _>("issuer_name")?
            .filter(|issuer| issuer != &name);
    }
    Ok(out)
}

/// A file the holder downloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateFile {
    /// The certificate, PEM.
    Pem,
    /// The certificate, DER.
    Der,
    /// The certificate then its chain, PEM.
    Chain,
}

impl CertificateFile {
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        match text {
            "pem" => Ok(Self::Pem),
            "der" => Ok(Self::Der),
            "chain" => Ok(Self::Chain),
            _ => Err(PlatformError::Invalid {
                field: "format",
                zh: "下载格式应为 pem、der 或 chain",
                en: "The download format is pem, der or chain",
            }
            .into()),
        }
    }

    /// The media type and the file name's extension.
    pub fn content_type(self) -> (&'static str, &'static str) {
        match self {
            Self::Pem => ("application/x-pem-file", "pem"),
            Self::Der => ("application/pkix-cert", "cer"),
            Self::Chain => ("application/x-pem-file", "chain.pem"),
        }
    }
}

/// The bytes of `user_id`'s certificate `serial` as `format`.
pub async fn file(
    platform: &Platform,
    user_id: &str,
    serial: &str,
    format: CertificateFile,
) -> Result<Vec<u8>, CoreError> {
    let held = held(platform, user_id, serial).await?;
    let info = ca::certificate(platform, &held.serial).await?;
    Ok(match format {
        CertificateFile::Pem => info.cert_pem.into_bytes(),
        CertificateFile::Chain => format!("{}{}", info.cert_pem, info.chain_pem).into_bytes(),
        CertificateFile::Der => {
            der::pem::decode_vec(info.cert_pem.as_bytes())
                .map_err(|e| CoreError::internal(format!("certificate PEM: {e}")))?
                .1
        }
    })
}
