//! This CA as relying parties use it in process: its certificates as trust anchors for the
//! verifier (public verification of files), and its time-stamping units as a synchronous
//! `TimestampSource` for documents the platform signs itself (evidence reports).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use der::asn1::ObjectIdentifier;
use signet_pdf::sign::timestamp::{LocalTsa, TimestampSource};
use signet_pki::profile::TSA_POLICY;
use signet_pki::tsa::Tsa;
use sqlx::Row as _;
use x509_cert::Certificate;

use super::cache::CaMaterial;
use super::{Authority, certificate_from_base64, internal, system_time};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::clock::Clock as _;

/// Every certificate of this CA: the roots (what a file must chain to, to be "signed on this
/// platform"), and the issuing CAs, OCSP responders and TSAs (to build chains with: tokens
/// carry only the TSA's own certificate).
#[derive(Clone, Debug, Default)]
pub struct TrustMaterial {
    pub roots: Vec<Certificate>,
    pub others: Vec<Certificate>,
}

impl TrustMaterial {
    /// Whether a certificate with this authority key identifier (hex, as the verifier reports
    /// it) was signed by one of this CA's keys — its issuing CAs (or roots) — whatever its
    /// chain's fate. Keys, not names: another deployment's CAs may carry the same names.
    pub fn issued_here(&self, authority_key_id: Option<&str>) -> bool {
        let Some(wanted) = authority_key_id else {
            return false;
        };
        self.others.iter().chain(&self.roots).any(|c| {
            signet_pdf::verify::certificate::summary(c)
                .subject_key_id
                .is_some_and(|id| id == wanted)
        })
    }
}

/// This CA's certificates, read from the database (empty before `signet init`).
pub async fn trust_material(platform: &Platform) -> Result<TrustMaterial, CoreError> {
    let rows = sqlx::query("SELECT role, certificate_der FROM ca_authorities")
        .fetch_all(platform.db.pool())
        .await?;
    let mut material = TrustMaterial::default();
    for row in &rows {
        let role: String = row.try_get("role")?;
        let certificate = certificate_from_base64(&row.try_get::<String, _>("certificate_der")?)?;
        if role == "root" {
            material.roots.push(certificate);
        } else {
            material.others.push(certificate);
        }
    }
    Ok(material)
}

/// The time-stamping unit of an issuing CA, called in process: `signet-pdf` asks it for
/// signature and document timestamps while it signs (synchronously, on the caller's thread —
/// run the signing on the blocking pool).
pub struct PlatformTimestamps {
    material: Arc<CaMaterial>,
    now: SystemTime,
}

impl PlatformTimestamps {
    /// The TSA certificate (for `/DSS` and for verifiers).
    pub fn certificate(&self) -> Option<&Certificate> {
        self.material.tsa.as_ref().map(|unit| &unit.certificate)
    }

    /// The issuing CA's chain: its certificate, then the root's.
    pub fn chain(&self) -> &[Certificate] {
        &self.material.chain
    }
}

impl TimestampSource for PlatformTimestamps {
    fn timestamp(&self, algorithm: ObjectIdentifier, digest: &[u8]) -> signet_pdf::Result<Vec<u8>> {
        let unit = self.material.tsa.as_ref().ok_or_else(|| {
            signet_pdf::PdfError::Timestamp(format!("CA {} has no TSA", self.material.name))
        })?;
        LocalTsa {
            tsa: Tsa {
                certificate: &unit.certificate,
                signer: unit.signer.as_ref(),
                policy: TSA_POLICY,
                accuracy: Duration::from_secs(1),
            },
            now: self.now,
        }
        .timestamp(algorithm, digest)
    }
}

/// The TSA of issuing CA `ca`, stamping at the platform clock's now.
pub async fn timestamps(platform: &Platform, ca: &str) -> Result<PlatformTimestamps, CoreError> {
    let material = Authority::of(platform)?
        .cache
        .material(platform, ca)
        .await?;
    if material.tsa.is_none() {
        return Err(internal(format!("CA {ca} has no time-stamping unit")));
    }
    Ok(PlatformTimestamps {
        material,
        now: system_time(platform.clock.now()),
    })
}
