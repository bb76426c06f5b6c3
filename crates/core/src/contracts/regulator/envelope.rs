//! The report signed by the platform: each document's SHA-256 gets a timestamp token from the
//! platform's TSA, the body is serialised once, and a detached CMS signature (CAdES signed
//! attributes, with a signature timestamp) is made over those exact bytes under a one-off
//! certificate of the platform's CA. The receiver checks it with any CMS tool, for example
//! `openssl cms -verify -binary -inform DER -in sig.der -content body.json -CAfile roots.pem`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use signet_pdf::sign::cms::{CmsInput, build_signed_data, digest_for, hash};
use signet_pdf::sign::timestamp::TimestampSource as _;
use signet_pki::algorithm::SHA256;

use super::payload::{Report, VoidReport};
use crate::Platform;
use crate::ca;
use crate::contracts::platform_signer;
use crate::error::CoreError;

/// The common name of the reports' signing certificates.
pub const SIGNER_NAME: &str = "Signet 电子签署平台（监管上报）";

fn internal(error: impl std::fmt::Display) -> CoreError {
    CoreError::internal(format!("regulator report: {error}"))
}

/// A body ready to send, and its detached signature (base64 DER).
#[derive(Debug, Clone)]
pub struct Signed {
    pub body: Vec<u8>,
    pub signature: String,
}

/// Timestamps each document of `report` that has no token yet, then serialises and signs it.
pub async fn seal_report(platform: &Platform, report: Report) -> Result<Signed, CoreError> {
    seal(platform, report, |report, tsa| {
        // A paper archive's document carries the token made when it was archived.
        for document in report
            .documents
            .iter_mut()
            .filter(|d| d.timestamp_token.is_empty())
        {
            let digest = hex::decode(&document.sha256).map_err(internal)?;
            let token = tsa.timestamp(SHA256, &digest).map_err(internal)?;
            document.timestamp_token = STANDARD.encode(token);
        }
        Ok(())
    })
    .await
}

/// Serialises and signs a void report.
pub async fn seal_void(platform: &Platform, report: VoidReport) -> Result<Signed, CoreError> {
    seal(platform, report, |_, _| Ok(())).await
}

async fn seal<T, F>(platform: &Platform, mut body: T, prepare: F) -> Result<Signed, CoreError>
where
    T: Serialize + Send + 'static,
    F: FnOnce(&mut T, &ca::PlatformTimestamps) -> Result<(), CoreError> + Send + 'static,
{
    let signer = platform_signer::one_off(platform, SIGNER_NAME, "system:regulator").await?;
    let tsa = ca::timestamps(platform, &signer.ca).await?;
    tokio::task::spawn_blocking(move || {
        prepare(&mut body, &tsa)?;
        let bytes = serde_json::to_vec(&body).map_err(internal)?;
        let credentials = &signer.credentials;
        let digest =
            hash(digest_for(credentials.signer.key_algorithm()), &[&bytes]).map_err(internal)?;
        let der = build_signed_data(&CmsInput {
            signer: credentials.signer.as_ref(),
            certificate: &credentials.certificate,
            chain: &credentials.chain,
            content_digest: &digest,
            timestamp: Some(&tsa),
        })
        .map_err(internal)?;
        Ok(Signed {
            body: bytes,
            signature: STANDARD.encode(der),
        })
    })
    .await
    .map_err(internal)?
}

/// Checks a report's detached signature (base64 DER) over `body`, as a receiver would: intact,
/// and made under a certificate issued by one of the platform CA's keys. Returns the signer's
/// subject.
pub fn check_signature(
    body: &[u8],
    signature: &str,
    trust: &ca::TrustMaterial,
) -> Result<String, String> {
    let der = STANDARD
        .decode(signature.trim())
        .map_err(|_| "签名不是 base64".to_owned())?;
    let check = signet_pdf::verify::cms::check_detached(&der, body);
    if let Some(error) = check.error {
        return Err(format!("签名无效：{error}"));
    }
    let signer = check
        .signer
        .ok_or_else(|| "签名中没有签名者证书".to_owned())?;
    let summary = signet_pdf::verify::certificate::summary(&signer);
    if !trust.issued_here(summary.authority_key_id.as_deref()) {
        return Err("签名证书不是本平台 CA 签发的".to_owned());
    }
    Ok(summary.subject)
}
