//! Making a package: the chained JSON, the report rendered, marked with the JSON's digest,
//! signed under a one-off platform certificate (the CA's `event` profile) with a timestamp
//! from the CA's own TSA, and the four files zipped.

use std::io::Write as _;

use signet_pdf::{Level, SignOptions};
use zip::write::SimpleFileOptions;

use super::{
    CERTIFICATES, EVIDENCE_JSON, EVIDENCE_PDF, EvidenceInput, INFO_KEY, SIGNED_PDF, chain, report,
    sha256_hex,
};
use crate::Platform;
use crate::ca;
use crate::contracts::{ContractsError, platform_signer};
use crate::error::CoreError;
use crate::platform::clock::Clock as _;

/// The common name of the report's signing certificates.
pub const SIGNER_NAME: &str = "Signet 电子签署平台（证据报告）";

fn internal(error: impl std::fmt::Display) -> CoreError {
    CoreError::internal(format!("evidence: {error}"))
}

/// The evidence package of `input`, as zip bytes. Issues one `event` certificate (recorded by
/// the CA with its audit event) and asks the CA's TSA for one timestamp.
pub async fn build(platform: &Platform, input: EvidenceInput) -> Result<Vec<u8>, CoreError> {
    if input.events.is_empty() {
        return Err(ContractsError::EvidenceNoEvents.into());
    }
    let now = platform.clock.now();
    let json = chain::chain(&input, now);
    let json_bytes = serde_json::to_vec_pretty(&json).map_err(internal)?;
    let json_sha256 = sha256_hex(&json_bytes);
    let document = report::document(&json, &json_sha256);

    let signer = platform_signer::one_off(platform, SIGNER_NAME, "system:evidence").await?;
    let credentials = signer.credentials;
    let chain_pem = signer.chain_pem;
    let ca_name = signer.ca;
    let timestamps = ca::timestamps(platform, &ca_name).await?;
    let signing_time = ca::system_time(now);
    let signed_report = tokio::task::spawn_blocking(move || {
        let pdf = signet_pdf::document::render(&document, None)?;
        let pdf = signet_pdf::info::set(&pdf, INFO_KEY, &json_sha256)?;
        let mut options = SignOptions::new(signing_time);
        options.level = Level::BT;
        options.tsa = Some(&timestamps);
        options.reason = Some("电子签署证据报告 / Evidence report".into());
        options.name = Some(SIGNER_NAME.into());
        signet_pdf::sign_pdf(&pdf, &credentials, &options)
    })
    .await
    .map_err(internal)?
    .map_err(internal)?;

    zip(&[
        (SIGNED_PDF, &input.signed_pdf),
        (EVIDENCE_JSON, &json_bytes),
        (EVIDENCE_PDF, &signed_report),
        (CERTIFICATES, chain_pem.as_bytes()),
    ])
}

/// The files, deflated, in this order.
pub(super) fn zip(files: &[(&str, &[u8])]) -> Result<Vec<u8>, CoreError> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        writer.start_file(*name, options).map_err(internal)?;
        writer.write_all(bytes).map_err(internal)?;
    }
    Ok(writer.finish().map_err(internal)?.into_inner())
}
