//! Issuing a subscriber certificate: from a PKCS#10 request (proof of possession checked) or with
//! a key made here, recorded with an audit event in one transaction.

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

use super::authorities::{CaRole, record_certificate};
use super::{CaError, from_pki, internal, rng, system_time};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;
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
    let mut tx = platform.db.begin().await?;
    let issued = issue_in(platform, &mut tx, request, None).await?;
    tx.commit().await?;
    Ok(issued)
}

/// [`issue`] inside the caller's transaction, so the certificate commits together with whatever
/// the caller records about it (an order moving on); `years` overrides the profile's validity.
pub async fn issue_in(
    platform: &Platform,
    tx: &mut Tx,
    request: &IssueRequest<'_>,
    years: Option<i64>,
) -> Result<Issued, CoreError> {
    let profile: Profile = request.profile.parse().map_err(from_pki)?;
    if matches!(
        profile,
        Profile::RootCa | Profile::IssuingCa | Profile::Ocsp | Profile::Tsa
    ) {
        return Err(CaError::ProfileNotIssuable(profile.name().to_owned()).into());
    }
    let subject = parse_name(request.subject).map_err(from_pki)?;
    profile.check_subject(&subject).map_err(from_pki)?;
    let material = platform.ca_cache.material(platform, request.ca).await?;
    if material.role != CaRole::Issuing {
        return Err(CaError::NotAnIssuingCa(request.ca.to_owned()).into());
    }
    let (public_key, algorithm, key) = if let Some(csr) = request.csr {
        let verified = parse_csr(csr).map_err(from_pki)?;
        (verified.public_key, verified.algorithm, None)
    } else {
        let algorithm = subscriber_algorithm(material.family);
        profile
            .check_algorithm(algorithm, material.family)
            .map_err(from_pki)?;
        let key = SoftwareKey::generate(algorithm, SM2_DEFAULT_ID, &mut rng()).map_err(from_pki)?;
        (key.public_key().clone(), algorithm, Some(key))
    };
    profile
        .check_algorithm(algorithm, material.family)
        .map_err(from_pki)?;
    let now = platform.clock.now();
    let certificate = signet_pki::issue::issue(
        &Issuer {
            certificate: &material.certificate,
            signer: material.signer.as_ref(),
            urls: CaUrls::new(&material.public_url, &material.name),
        },
        &CertificateTemplate {
            profile,
            subject,
            public_key,
            serial: random_serial(&mut rng()).map_err(from_pki)?,
            validity: years
                .and_then(|y| u64::try_from(y).ok())
                .map_or_else(|| validity(profile), |y| Duration::from_hours(y * 365 * 24)),
        },
        system_time(now),
    )
    .map_err(from_pki)?;

    let serial = record_certificate(
        tx,
        &material.name,
        profile.name(),
        algorithm.name(),
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
            "profile": profile.name(),
            "key_algorithm": algorithm.name(),
            "key_made_here": key.is_some(),
        }),
    );
    platform.audit.append(tx, now, &event).await?;

    let pem = |c: &x509_cert::Certificate| c.to_pem(LineEnding::LF).map_err(internal);
    let chain_pem = material
        .chain
        .iter()
        .map(pem)
        .collect::<Result<String, _>>()?;
    let key_pem = key
        .map(|key| -> Result<SecretString, CoreError> {
            let der = key.to_pkcs8_der().map_err(from_pki)?;
            let text =
                der::pem::encode_string("PRIVATE KEY", LineEnding::LF, &der).map_err(internal)?;
            Ok(SecretString::from(text))
        })
        .transpose()?;
    Ok(Issued {
        serial,
        cert_pem: pem(&certificate)?,
        chain_pem,
        key_pem,
    })
}
