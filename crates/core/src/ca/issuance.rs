//! Issuing a subscriber certificate: from a PKCS#10 request (proof of possession checked) or with
//! a key made here, recorded with an audit event in one transaction.

use std::sync::Arc;
use std::time::Duration;

use der::EncodePem as _;
use der::pem::LineEnding;
use secrecy::SecretString;
use serde_json::json;
use signet_pki::algorithm::SM2_DEFAULT_ID;
use signet_pki::csr::parse_csr;
use signet_pki::extensions::CaUrls;
use signet_pki::issue::{CertificateTemplate, Issuer};
use signet_pki::names::parse_name;
use signet_pki::profile::Profile;
use signet_pki::serial::random_serial;
use signet_pki::{Family, KeyAlgorithm, Signer as _, SoftwareKey};

use x509_cert::Certificate;
use x509_cert::name::Name;
use x509_cert::spki::SubjectPublicKeyInfoOwned;

use super::Authority;
use super::authorities::{CaRole, record_certificate};
use super::cache::CaMaterial;
use super::{CaError, from_pki, internal, rng, system_time};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::db::Tx;

/// What to issue.
#[derive(Clone, Copy, Debug)]
pub struct IssueRequest<'a> {
    /// The issuing CA (`rsa`, `ecc`, `sm2`).
    pub ca: &'a str,
    /// Profile name (`enterprise`, `personal`, `enterprise-seal`, `operator`, `event`,
    /// `sm2-encryption`).
    pub profile: &'a str,
    /// Subject in RFC 4514 form; identifiers the profile needs go in `serialNumber`.
    pub subject: &'a str,
    /// A PKCS#10 request (DER or PEM); `None` makes the key here.
    pub csr: Option<&'a [u8]>,
    /// Who asks, for the audit log.
    pub actor: &'a str,
}

/// The issued certificate, its chain and, when the key was made here, the key.
#[derive(Debug)]
pub struct Issued {
    pub serial: String,
    pub cert_pem: String,
    /// The issuing CA's certificate, then the root's.
    pub chain_pem: String,
    /// Unencrypted PKCS#8 PEM, for the holder to download once; never stored.
    pub key_pem: Option<SecretString>,
}

/// How long subscriber certificates last.
fn validity(profile: Profile) -> Duration {
    if profile == Profile::Event {
        Duration::from_hours(24)
    } else {
        Duration::from_hours(365 * 24)
    }
}

/// The algorithm of keys made here for a family's subscribers.
fn subscriber_algorithm(family: Family) -> KeyAlgorithm {
    match family {
        Family::Rsa => KeyAlgorithm::Rsa2048,
        Family::Ecc => KeyAlgorithm::EcdsaP256,
        Family::Sm2 => KeyAlgorithm::Sm2,
    }
}

/// Issue a certificate. Every refusal (unknown CA or profile, bad subject, malformed request,
/// failed proof of possession, algorithm not allowed) comes before anything is written.
pub async fn issue(platform: &Platform, request: &IssueRequest<'_>) -> Result<Issued, CoreError> {
    prepare(platform, request.ca).await?;
    let mut tx = platform.db.begin().await?;
    let issued = issue_in(platform, &mut tx, request, None).await?;
    tx.commit().await?;
    Ok(issued)
}

/// [`issue`] inside the caller's transaction, so the certificate commits together with whatever
/// the caller records about it (an order moving on); `years` overrides the profile's validity.
/// Call [`prepare`] before beginning that transaction.
pub async fn issue_in(
    platform: &Platform,
    tx: &mut Tx,
    request: &IssueRequest<'_>,
    years: Option<i64>,
) -> Result<Issued, CoreError> {
    let material = issuing_material(platform, request.ca).await?;
    let key = request.csr.map_or(KeyInput::MakeHere, KeyInput::Csr);
    let planned = plan(&material, request.profile, request.subject, key, years)?;
    let now = platform.clock.now();
    let certificate = sign(&material, &planned, now)?;
    let serial = record_certificate(
        tx,
        &material.name,
        planned.profile.name(),
        planned.algorithm.name(),
        &certificate,
        now,
    )
    .await?;
    let event = AuditEvent::new(
        request.actor,
        "ca.certificate.issue",
        format!("certificate:{serial}"),
    )
    .change(
        serde_json::Value::Null,
        json!({
            "ca": material.name,
            "profile": planned.profile.name(),
            "key_algorithm": planned.algorithm.name(),
            "key_made_here": planned.key.is_some(),
        }),
    );
    platform.audit.append(tx, now, &event).await?;
    let cert_pem = certificate.to_pem(LineEnding::LF).map_err(internal)?;
    deliver(planned, cert_pem, serial, chain_pem(&material)?)
}

/// Loads an issuing CA's keys and certificates into the cache before the caller begins a write
/// transaction for [`issue_in`]: the first issuance after a start would otherwise read them
/// through a second pool connection while holding SQLite's write lock, and requests queued on that
/// lock can hold every other connection (each waits out the busy timeout, then answers 500).
pub async fn prepare(platform: &Platform, ca: &str) -> Result<(), CoreError> {
    issuing_material(platform, ca).await.map(|_| ())
}

/// Where the subject's key comes from.
#[derive(Clone, Debug)]
pub enum KeyInput<'a> {
    /// A PKCS#10 request (DER or PEM): its signature proves possession.
    Csr(&'a [u8]),
    /// A public key whose private half the platform itself holds (a cloud key in its key
    /// store), so there is nothing to prove.
    PublicKey(SubjectPublicKeyInfoOwned),
    /// Make the key here and hand it to the caller once.
    MakeHere,
}

/// An issuing CA's keys and certificates; a root or an unknown name is refused.
pub(super) async fn issuing_material(
    platform: &Platform,
    ca: &str,
) -> Result<Arc<CaMaterial>, CoreError> {
    let material = Authority::of(platform)?
        .cache
        .material(platform, ca)
        .await?;
    if material.role != CaRole::Issuing {
        return Err(CaError::NotAnIssuingCa(ca.to_owned()).into());
    }
    Ok(material)
}

/// A request checked and ready to sign: every refusal happens here, before anything is written.
pub(super) struct Planned {
    pub(super) profile: Profile,
    subject: Name,
    public_key: SubjectPublicKeyInfoOwned,
    pub(super) algorithm: KeyAlgorithm,
    /// The key made here when the request brought no CSR.
    pub(super) key: Option<SoftwareKey>,
    validity: Duration,
}

/// Checks profile, subject, request and algorithm; makes the key when there is no CSR.
pub(super) fn plan(
    material: &CaMaterial,
    profile: &str,
    subject: &str,
    key: KeyInput<'_>,
    years: Option<i64>,
) -> Result<Planned, CoreError> {
    let profile: Profile = profile.parse().map_err(from_pki)?;
    if matches!(
        profile,
        Profile::RootCa | Profile::IssuingCa | Profile::Ocsp | Profile::Tsa
    ) {
        return Err(CaError::ProfileNotIssuable(profile.name().to_owned()).into());
    }
    let subject = parse_name(subject).map_err(from_pki)?;
    profile.check_subject(&subject).map_err(from_pki)?;
    let (public_key, algorithm, key) = match key {
        KeyInput::Csr(csr) => {
            let verified = parse_csr(csr).map_err(from_pki)?;
            (verified.public_key, verified.algorithm, None)
        }
        KeyInput::PublicKey(public_key) => {
            let algorithm = KeyAlgorithm::of_public_key(&public_key).map_err(from_pki)?;
            (public_key, algorithm, None)
        }
        KeyInput::MakeHere => {
            let algorithm = subscriber_algorithm(material.family);
            profile
                .check_algorithm(algorithm, material.family)
                .map_err(from_pki)?;
            let key =
                SoftwareKey::generate(algorithm, SM2_DEFAULT_ID, &mut rng()).map_err(from_pki)?;
            (key.public_key().clone(), algorithm, Some(key))
        }
    };
    profile
        .check_algorithm(algorithm, material.family)
        .map_err(from_pki)?;
    Ok(Planned {
        profile,
        subject,
        public_key,
        algorithm,
        key,
        validity: years
            .and_then(|y| u64::try_from(y).ok())
            .map_or_else(|| validity(profile), |y| Duration::from_hours(y * 365 * 24)),
    })
}

/// Builds and signs the certificate (no I/O: batches run this on every core).
pub(super) fn sign(
    material: &CaMaterial,
    planned: &Planned,
    now: Timestamp,
) -> Result<Certificate, CoreError> {
    signet_pki::issue::issue(
        &Issuer {
            certificate: &material.certificate,
            signer: material.signer()?,
            urls: CaUrls::new(&material.public_url, &material.name),
        },
        &CertificateTemplate {
            profile: planned.profile,
            subject: planned.subject.clone(),
            public_key: planned.public_key.clone(),
            serial: random_serial(&mut rng()).map_err(from_pki)?,
            validity: planned.validity,
        },
        system_time(now),
    )
    .map_err(from_pki)
}

/// The issuing CA's certificate, then the root's, as PEM.
pub(super) fn chain_pem(material: &CaMaterial) -> Result<String, CoreError> {
    material
        .chain
        .iter()
        .map(|c| c.to_pem(LineEnding::LF).map_err(internal))
        .collect()
}

/// The certificate, its chain and the key made here, as PEM for the holder.
pub(super) fn deliver(
    planned: Planned,
    cert_pem: String,
    serial: String,
    chain_pem: String,
) -> Result<Issued, CoreError> {
    let key_pem = planned
        .key
        .map(|key| -> Result<SecretString, CoreError> {
            let der = key.to_pkcs8_der().map_err(from_pki)?;
            let text =
                der::pem::encode_string("PRIVATE KEY", LineEnding::LF, &der).map_err(internal)?;
            Ok(SecretString::from(text))
        })
        .transpose()?;
    Ok(Issued {
        serial,
        cert_pem,
        chain_pem,
        key_pem,
    })
}
