//! Issuing certificates: a profile, a subject, a public key and an issuer become a signed cert.

use std::cell::Cell;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use der::asn1::OctetString;
use spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::Certificate;
use x509_cert::builder::CertificateBuilder;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::algorithm::KeyAlgorithm;
use crate::error::{PkiError, Result};
use crate::extensions::{self as ext, CaUrls, subject_key_identifier};
use crate::profile::{BACKDATE, Profile};
use crate::signer::{Signer, build_with};

/// A CA able to issue: its certificate, a signer for its key and where it publishes.
pub struct Issuer<'a> {
    /// The CA's certificate.
    pub certificate: &'a Certificate,
    /// The CA's private key.
    pub signer: &'a dyn Signer,
    /// The CA's publication URLs (what issued certificates point at in AIA and CRLDP).
    pub urls: CaUrls,
}

/// What to certify.
#[derive(Clone, Debug)]
pub struct CertificateTemplate {
    /// The profile.
    pub profile: Profile,
    /// The subject name (checked against the profile).
    pub subject: Name,
    /// The subject's public key.
    pub public_key: SubjectPublicKeyInfoOwned,
    /// Serial number (see [`crate::serial::random_serial`]).
    pub serial: SerialNumber,
    /// How long from `now` the certificate is valid (capped at the issuer's notAfter).
    pub validity: Duration,
}

/// Our `BuilderProfile`: the built-in ones are for TLS; ours takes the extensions a
/// [`Profile`] computed and the names as given.
struct Prepared {
    issuer: Name,
    subject: Name,
    /// Taken by the builder, which asks once.
    extensions: Cell<Vec<Extension>>,
}

impl BuilderProfile for Prepared {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.take())
    }
}

/// The extensions of a (profile, issuer key, publication URLs) that do not depend on the
/// subject's key, and where the subject key identifier goes among them.
struct Fixed {
    extensions: Vec<Extension>,
    ski_at: usize,
}

type FixedKey = (Profile, Vec<u8>, CaUrls);

/// [`Fixed`] sets already built. A CA issuing thousands of certificates would otherwise build
/// and encode the same policies, URLs and key usages for each one (a quarter of the work besides
/// the signature, measured with callgrind on ECDSA P-256).
static FIXED: Mutex<Vec<(FixedKey, Arc<Fixed>)>> = Mutex::new(Vec::new());

/// Kept sets; past this the memo starts again (a deployment has a handful of CAs and profiles).
const FIXED_KEPT: usize = 64;

/// `profile`'s extensions for a certificate of `subject_key` under the issuer whose key
/// identifier is `issuer_key_id`: [`Profile::extensions`], with the key-independent part memoised.
fn extensions_for(
    profile: Profile,
    subject_key: &SubjectPublicKeyInfoOwned,
    issuer_key_id: OctetString,
    urls: &CaUrls,
) -> Result<Vec<Extension>> {
    let known = FIXED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .find(|((p, id, u), _)| *p == profile && id == issuer_key_id.as_bytes() && u == urls)
        .map(|(_, fixed)| Arc::clone(fixed));
    let fixed = if let Some(fixed) = known {
        fixed
    } else {
        let key = (profile, issuer_key_id.as_bytes().to_vec(), urls.clone());
        let mut extensions = profile.extensions(subject_key, Some(issuer_key_id), Some(urls))?;
        let ski_at = extensions
            .iter()
            .position(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER)
            .ok_or_else(|| PkiError::Key("profile without a subject key identifier".into()))?;
        extensions.remove(ski_at);
        let fixed = Arc::new(Fixed { extensions, ski_at });
        let mut memo = FIXED.lock().unwrap_or_else(PoisonError::into_inner);
        if memo.len() >= FIXED_KEPT {
            memo.clear();
        }
        memo.push((key, Arc::clone(&fixed)));
        fixed
    };
    let mut out = Vec::with_capacity(fixed.extensions.len() + 1);
    out.extend_from_slice(&fixed.extensions[..fixed.ski_at]);
    out.push(ext::ski(subject_key)?);
    out.extend_from_slice(&fixed.extensions[fixed.ski_at..]);
    Ok(out)
}

/// `now - BACKDATE` to `now + validity`, capped at `cap`.
pub(crate) fn validity_window(
    now: SystemTime,
    validity: Duration,
    cap: Option<SystemTime>,
) -> Result<Validity> {
    let not_before = now.checked_sub(BACKDATE).unwrap_or(now);
    let mut not_after = now
        .checked_add(validity)
        .ok_or_else(|| PkiError::InvalidValidity("validity overflows".into()))?;
    if let Some(cap) = cap {
        not_after = not_after.min(cap);
    }
    if not_after <= now {
        return Err(PkiError::InvalidValidity(
            "certificate would not be valid after now (issuer expired?)".into(),
        ));
    }
    Ok(Validity::new(to_time(not_before)?, to_time(not_after)?))
}

/// RFC 5280 time: `UTCTime` through 2049, `GeneralizedTime` after; whole seconds.
pub(crate) fn to_time(at: SystemTime) -> Result<Time> {
    der::DateTime::from_system_time(at)
        .map(Time::from)
        .map_err(|e| PkiError::InvalidValidity(e.to_string()))
}

fn check_template(template: &CertificateTemplate) -> Result<KeyAlgorithm> {
    if template.validity.is_zero() || template.validity > template.profile.max_validity() {
        return Err(PkiError::InvalidValidity(format!(
            "{} allows at most {} days",
            template.profile,
            template.profile.max_validity().as_secs() / 86_400
        )));
    }
    template.profile.check_subject(&template.subject)?;
    KeyAlgorithm::of_public_key(&template.public_key)
}

/// Issue a certificate under `issuer`.
///
/// Refuses a subject the profile does not accept, a key algorithm the profile or the CA's family
/// does not allow, and a validity longer than the profile's maximum.
pub fn issue(
    issuer: &Issuer<'_>,
    template: &CertificateTemplate,
    now: SystemTime,
) -> Result<Certificate> {
    if template.profile == Profile::RootCa {
        return Err(PkiError::UnknownProfile(
            "root-ca is self-signed: use self_signed_root".into(),
        ));
    }
    let algorithm = check_template(template)?;
    let family = issuer.signer.key_algorithm().family();
    template.profile.check_algorithm(algorithm, family)?;
    let issuer_tbs = issuer.certificate.tbs_certificate();
    if issuer.signer.public_key() != issuer_tbs.subject_public_key_info() {
        return Err(PkiError::Key(
            "signer does not match the issuer certificate".into(),
        ));
    }
    let cap = issuer_tbs.validity().not_after.to_system_time();
    let validity = validity_window(now, template.validity, Some(cap))?;
    let issuer_key_id = subject_key_identifier(issuer.certificate)?;
    let extensions = extensions_for(
        template.profile,
        &template.public_key,
        issuer_key_id,
        &issuer.urls,
    )?;
    let prepared = Prepared {
        issuer: issuer_tbs.subject().clone(),
        subject: template.subject.clone(),
        extensions: Cell::new(extensions),
    };
    let builder = CertificateBuilder::new(
        prepared,
        template.serial.clone(),
        validity,
        template.public_key.clone(),
    )?;
    build_with(builder, issuer.signer)
}

/// A self-signed root CA certificate for `signer`'s key.
pub fn self_signed_root(
    signer: &dyn Signer,
    subject: &Name,
    serial: SerialNumber,
    validity: Duration,
    now: SystemTime,
) -> Result<Certificate> {
    let template = CertificateTemplate {
        profile: Profile::RootCa,
        subject: subject.clone(),
        public_key: signer.public_key().clone(),
        serial,
        validity,
    };
    check_template(&template)?;
    let key_id: OctetString = crate::extensions::key_identifier(signer.public_key())?;
    let extensions = Profile::RootCa.extensions(signer.public_key(), Some(key_id), None)?;
    let prepared = Prepared {
        issuer: subject.clone(),
        subject: subject.clone(),
        extensions: Cell::new(extensions),
    };
    let builder = CertificateBuilder::new(
        prepared,
        template.serial,
        validity_window(now, validity, None)?,
        template.public_key,
    )?;
    build_with(builder, signer)
}
