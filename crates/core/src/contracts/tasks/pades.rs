//! The cryptography of a party's signature: its own certificate and key (a person's cloud key in
//! `ec_person_keys`, an enterprise's cloud key kept by the desk), the seal images stamped at its
//! spots, PAdES B-T through the CA's own TSA in process, and at completion `/DSS` (the CAs' CRLs
//! and the chains) with a document timestamp, which makes the file B-LTA.

use std::time::SystemTime;

use der::Decode as _;
use secrecy::ExposeSecret as _;
use signet_pdf::dss::{RevocationData, RevocationSource};
use signet_pdf::seal::{RidingSeal, VisibleSeal};
use signet_pdf::sign::timestamp::LocalTsa;
use signet_pdf::sign::{Credentials, Level, SignOptions, add_document_timestamp, sign_pdf_owned};
use sqlx::Row as _;
use x509_cert::Certificate;

use super::super::ContractsError;
use crate::Platform;
use crate::ca;
use crate::error::{CoreError, PlatformError};

/// A party's signing material: its credentials and the issuing CA whose TSA stamps.
pub struct SignerKey {
    pub credentials: Credentials,
    pub ca: String,
    pub serial: String,
    pub subject: String,
}

fn pdf_error(error: impl std::fmt::Display) -> CoreError {
    CoreError::internal(format!("contract signing: {error}"))
}

async fn credentials(
    platform: &Platform,
    serial: &str,
    key_pem: &secrecy::SecretString,
) -> Result<SignerKey, CoreError> {
    let info = ca::certificate(platform, serial).await?;
    if info.status != "active" {
        return Err(ContractsError::TaskParty {
            zh: "签署方的证书已注销".into(),
            en: "the party's certificate was revoked".into(),
        }
        .into());
    }
    let pem = format!("{}{}", info.cert_pem, info.chain_pem);
    let credentials =
        Credentials::from_pem(pem.as_bytes(), key_pem.expose_secret().as_bytes(), None)
            .map_err(pdf_error)?;
    Ok(SignerKey {
        credentials,
        ca: info.ca,
        serial: info.serial,
        subject: info.subject,
    })
}

/// The person's own cloud certificate and key.
pub async fn person_key(platform: &Platform, user_id: &str) -> Result<SignerKey, CoreError> {
    let serial: Option<String> =
        sqlx::query("SELECT certificate_serial FROM ec_persons WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(platform.db.pool())
            .await?
            .ok_or(ContractsError::RealNameRequired)?
            .try_get("certificate_serial")?;
    let serial = serial.ok_or(ContractsError::RealNameRequired)?;
    let sealed: String =
        sqlx::query("SELECT key_sealed FROM ec_person_keys WHERE serial = $1 AND user_id = $2")
            .bind(&serial)
            .bind(user_id)
            .fetch_optional(platform.db.pool())
            .await?
            .ok_or_else(|| CoreError::internal("person certificate without key"))?
            .try_get("key_sealed")?;
    let pem = secrecy::SecretString::from(
        platform
            .cipher
            .open(super::super::persons::key_sealed_at(&serial), &sealed)?,
    );
    credentials(platform, &serial, &pem).await
}

/// The enterprise's certificate (behind its seals) and the cloud key the desk keeps for it.
pub async fn enterprise_key(
    platform: &Platform,
    enterprise_id: &str,
) -> Result<SignerKey, CoreError> {
    let serial: Option<String> =
        sqlx::query("SELECT certificate_serial FROM ec_enterprises WHERE id = $1")
            .bind(enterprise_id)
            .fetch_optional(platform.db.pool())
            .await?
            .ok_or(PlatformError::NotFound)?
            .try_get("certificate_serial")?;
    let serial = serial.ok_or(ContractsError::SealNoCertificate)?;
    let pem = crate::desk::cloud_key_pem(platform, &serial)
        .await?
        .ok_or_else(|| ContractsError::TaskParty {
            zh: "企业证书在 USB Key 中，请通过 signet agent 签署".into(),
            en: "the enterprise's key is on a USB key; sign through signet agent".into(),
        })?;
    credentials(platform, &serial, &pem).await
}

/// A seal image at a spot, in the page's displayed coordinates from its lower-left corner.
#[derive(Debug, Clone)]
pub struct Stamp {
    pub png: Vec<u8>,
    pub page: usize,
    pub rect: [f32; 4],
}

/// The CAs' current CRLs, keyed by the issuer certificate: `/DSS` evidence for every certificate
/// the platform issued (signers, issuing CAs, TSAs).
pub struct CaRevocation {
    crls: Vec<(Certificate, Vec<u8>)>,
}

impl RevocationSource for CaRevocation {
    fn revocation(
        &self,
        _certificate: &Certificate,
        issuer: &Certificate,
    ) -> signet_pdf::Result<RevocationData> {
        Ok(RevocationData {
            ocsp_responses: Vec::new(),
            crls: self
                .crls
                .iter()
                .filter(|(ca, _)| ca == issuer)
                .map(|(_, crl)| crl.clone())
                .collect(),
        })
    }
}

/// Every root's and issuing CA's CRL now.
pub async fn ca_revocation(platform: &Platform) -> Result<CaRevocation, CoreError> {
    let mut crls = Vec::new();
    for summary in ca::list_cas(platform).await? {
        if !matches!(summary.role, ca::CaRole::Root | ca::CaRole::Issuing) {
            continue;
        }
        let der = ca::ca_certificate(platform, &summary.name).await?;
        let certificate = Certificate::from_der(&der).map_err(pdf_error)?;
        crls.push((certificate, ca::crl(platform, &summary.name).await?));
    }
    Ok(CaRevocation { crls })
}

/// What a party stamps on one document: its seals at its spots, and its riding seal's slices.
#[derive(Debug, Clone, Default)]
pub struct Marks {
    pub stamps: Vec<Stamp>,
    pub riding: Option<RidingSeal>,
}

/// What a party's signature over one document needs, owned, for the blocking pool.
pub struct Work {
    pub pdf: Vec<u8>,
    pub marks: Marks,
    pub name: String,
    pub reason: String,
    pub now: SystemTime,
}

/// Signs `work.pdf` once per stamp (invisibly when there is none) at B-T — the riding seal's
/// slices, one signature per page, go before the first — and when `complete` adds `/DSS` and a
/// document timestamp. Runs on the calling thread (a blocking one).
#[expect(
    clippy::needless_pass_by_value,
    reason = "the work is moved onto the blocking pool by its caller"
)]
pub fn sign_document(
    work: Work,
    key: &SignerKey,
    tsa: &ca::TsaHandle,
    complete: Option<&CaRevocation>,
) -> Result<Vec<u8>, CoreError> {
    let local = LocalTsa {
        tsa: tsa.tsa()?,
        now: work.now,
    };
    let options = |seal: Option<VisibleSeal>, riding: Option<RidingSeal>| {
        let mut options = SignOptions::new(work.now);
        options.level = Level::BT;
        options.tsa = Some(&local);
        options.seal = seal;
        options.riding_seal = riding;
        options.reason = Some(work.reason.clone());
        options.name = Some(work.name.clone());
        options
    };
    let mut pdf = work.pdf.clone();
    let mut riding = work.marks.riding.clone();
    if work.marks.stamps.is_empty() {
        pdf = sign_pdf_owned(pdf, &key.credentials, &options(None, riding.take()))
            .map_err(pdf_error)?;
    }
    for stamp in &work.marks.stamps {
        let seal = VisibleSeal {
            png: stamp.png.clone(),
            page: stamp.page,
            rect: stamp.rect,
        };
        pdf = sign_pdf_owned(pdf, &key.credentials, &options(Some(seal), riding.take()))
            .map_err(pdf_error)?;
    }
    if let Some(revocation) = complete {
        pdf =
            signet_pdf::dss::add_dss(pdf, revocation, &tsa.chain(), work.now).map_err(pdf_error)?;
        pdf = add_document_timestamp(&pdf, &local).map_err(pdf_error)?;
    }
    Ok(pdf)
}
