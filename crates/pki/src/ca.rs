//! CA hierarchy set-up: per family a root, an issuing CA, its OCSP responder and its TSA.

use std::time::{Duration, SystemTime};

use rand_core::CryptoRng;
use x509_cert::Certificate;
use x509_cert::name::Name;

use crate::algorithm::{Family, KeyAlgorithm};
use crate::error::{PkiError, Result};
use crate::extensions::CaUrls;
use crate::issue::{CertificateTemplate, Issuer, issue, self_signed_root};
use crate::keystore::{KeyStore, StoredKey};
use crate::names::parse_name;
use crate::profile::Profile;
use crate::serial::random_serial;

const YEAR: u64 = 365 * 24 * 60 * 60;

/// How long a delegated OCSP responder certificate lives. It carries id-pkix-ocsp-nocheck, so
/// no client checks whether it was revoked: its short life is its revocation. The platform
/// renews it with a job well before it ends (a new key each time).
pub const OCSP_RESPONDER_VALIDITY: Duration = Duration::from_hours(7 * 24);

/// What `signet init` decides.
#[derive(Clone, Debug)]
pub struct HierarchyConfig {
    /// Public base URL the `/pki` endpoints answer on (`https://ca.example.cn`).
    pub base_url: String,
    /// Organisation named in every CA's subject (`O=`), e.g. `Signet 测试`.
    pub organization: String,
    /// SM2 distinguishing ID the SM2 CAs sign with (GM/T default or empty for OpenSSL 3.0).
    pub sm2_id: String,
    /// Root validity (default 20 years).
    pub root_validity: Duration,
    /// Issuing CA validity (default 10 years).
    pub issuing_validity: Duration,
    /// OCSP responder certificate validity (default [`OCSP_RESPONDER_VALIDITY`]).
    pub ocsp_validity: Duration,
    /// TSA certificate validity (default 5 years).
    pub tsa_validity: Duration,
    /// Key of the `rsa` family's root and issuing CA: RSA-3072 by default, RSA-2048 where
    /// relying parties need the smaller key.
    pub rsa_ca_key: KeyAlgorithm,
}

impl HierarchyConfig {
    /// Defaults for `base_url` and `organization`; SM2 CAs use the GM/T default ID.
    pub fn new(base_url: &str, organization: &str) -> Self {
        Self {
            base_url: base_url.to_owned(),
            organization: organization.to_owned(),
            sm2_id: crate::algorithm::SM2_DEFAULT_ID.to_owned(),
            root_validity: Duration::from_secs(20 * YEAR),
            issuing_validity: Duration::from_secs(10 * YEAR),
            ocsp_validity: OCSP_RESPONDER_VALIDITY,
            tsa_validity: Duration::from_secs(5 * YEAR),
            rsa_ca_key: KeyAlgorithm::Rsa3072,
        }
    }
}

/// A certificate and its (encrypted or token-held) key.
#[derive(Clone, Debug)]
pub struct KeyedCertificate {
    /// URL name (`sm2-root`, `sm2`, …); the issuing CA's is the `{ca}` in `/pki/{ca}/…`.
    pub name: String,
    /// The certificate.
    pub certificate: Certificate,
    /// The key, as the platform stores it.
    pub key: StoredKey,
}

/// One family's CAs.
#[derive(Clone, Debug)]
pub struct FamilyHierarchy {
    /// The family.
    pub family: Family,
    /// Self-signed root (`{family}-root`).
    pub root: KeyedCertificate,
    /// Issuing CA (`{family}`), signed by the root.
    pub issuing: KeyedCertificate,
    /// Delegated OCSP responder for the issuing CA.
    pub ocsp: KeyedCertificate,
    /// Time-stamping unit under the issuing CA.
    pub tsa: KeyedCertificate,
}

/// The CA names `/pki/{ca}/…` uses for a family: (root, issuing).
pub fn ca_names(family: Family) -> (String, String) {
    (format!("{}-root", family.name()), family.name().to_owned())
}

/// Create every family's hierarchy (`rsa`, `ecc`, `sm2`).
pub fn create_hierarchy(
    store: &dyn KeyStore,
    config: &HierarchyConfig,
    now: SystemTime,
    rng: &mut dyn CryptoRng,
) -> Result<Vec<FamilyHierarchy>> {
    Family::ALL
        .into_iter()
        .map(|family| create_family(store, family, config, now, rng))
        .collect()
}

/// Create one family's root, issuing CA, OCSP responder and TSA certificates.
pub fn create_family(
    store: &dyn KeyStore,
    family: Family,
    config: &HierarchyConfig,
    now: SystemTime,
    rng: &mut dyn CryptoRng,
) -> Result<FamilyHierarchy> {
    let algorithm = match family {
        Family::Rsa if config.rsa_ca_key.family() == Family::Rsa => config.rsa_ca_key,
        Family::Rsa => {
            return Err(PkiError::UnsupportedAlgorithm(format!(
                "{} for the rsa CAs",
                config.rsa_ca_key.name()
            )));
        }
        _ => family.ca_algorithm(),
    };
    let sm2_id = if algorithm == KeyAlgorithm::Sm2 {
        config.sm2_id.as_str()
    } else {
        ""
    };
    let (root_name, issuing_name) = ca_names(family);
    let upper = family.name().to_ascii_uppercase();
    let organization = escape(&config.organization);
    let subject = |role: &str| {
        parse_name(&format!(
            "CN={organization} {upper} {role},O={organization},C=CN"
        ))
    };

    let root_key = store.generate(algorithm, &root_name, sm2_id, rng)?;
    let root_signer = store.signer(&root_key)?;
    let root_certificate = self_signed_root(
        root_signer.as_ref(),
        &subject("Root CA")?,
        random_serial(rng)?,
        config.root_validity,
        now,
    )?;

    let issuing_key = store.generate(algorithm, &issuing_name, sm2_id, rng)?;
    let issuing_signer = store.signer(&issuing_key)?;
    let root_issuer = Issuer {
        certificate: &root_certificate,
        signer: root_signer.as_ref(),
        urls: CaUrls::new(&config.base_url, &root_name),
    };
    let issuing_certificate = issue(
        &root_issuer,
        &CertificateTemplate {
            profile: Profile::IssuingCa,
            subject: subject("Issuing CA")?,
            public_key: issuing_signer.public_key().clone(),
            serial: random_serial(rng)?,
            validity: config.issuing_validity,
        },
        now,
    )?;

    let issuer = Issuer {
        certificate: &issuing_certificate,
        signer: issuing_signer.as_ref(),
        urls: CaUrls::new(&config.base_url, &issuing_name),
    };
    let mut leaf = |profile: Profile, role: &str, validity: Duration| -> Result<KeyedCertificate> {
        let name = format!("{issuing_name}-{}", profile.name());
        let key = store.generate(algorithm, &name, sm2_id, rng)?;
        let public_key = store.signer(&key)?.public_key().clone();
        let certificate = issue(
            &issuer,
            &CertificateTemplate {
                profile,
                subject: subject(role)?,
                public_key,
                serial: random_serial(rng)?,
                validity,
            },
            now,
        )?;
        Ok(KeyedCertificate {
            name,
            certificate,
            key,
        })
    };
    let ocsp = leaf(Profile::Ocsp, "OCSP Responder", config.ocsp_validity)?;
    let tsa = leaf(Profile::Tsa, "Time Stamping Authority", config.tsa_validity)?;
    Ok(FamilyHierarchy {
        family,
        root: KeyedCertificate {
            name: root_name,
            certificate: root_certificate,
            key: root_key,
        },
        issuing: KeyedCertificate {
            name: issuing_name,
            certificate: issuing_certificate,
            key: issuing_key,
        },
        ocsp,
        tsa,
    })
}

/// What a delegated OCSP responder certificate is made from.
pub struct ResponderRequest<'a> {
    /// Its URL-style name (`ecc-ocsp`), also the key's label.
    pub name: &'a str,
    /// Its subject (the renewed certificate keeps the one before).
    pub subject: Name,
    /// Its key's algorithm (the issuing CA's).
    pub algorithm: KeyAlgorithm,
    /// SM2 distinguishing ID of the key.
    pub sm2_id: &'a str,
    /// How long it lives (at most the profile's limit).
    pub validity: Duration,
}

/// A delegated OCSP responder of `issuer` with a new key: id-kp-OCSPSigning, ocsp-nocheck,
/// signed by the issuing CA (not its root).
pub fn ocsp_responder(
    store: &dyn KeyStore,
    issuer: &Issuer<'_>,
    request: ResponderRequest<'_>,
    now: SystemTime,
    rng: &mut dyn CryptoRng,
) -> Result<KeyedCertificate> {
    let key = store.generate(request.algorithm, request.name, request.sm2_id, rng)?;
    let public_key = store.signer(&key)?.public_key().clone();
    let certificate = issue(
        issuer,
        &CertificateTemplate {
            profile: Profile::Ocsp,
            subject: request.subject,
            public_key,
            serial: random_serial(rng)?,
            validity: request.validity,
        },
        now,
    )?;
    Ok(KeyedCertificate {
        name: request.name.to_owned(),
        certificate,
        key,
    })
}

/// Escape RFC 4514 specials in a value we put into a name string.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
