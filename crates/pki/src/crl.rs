//! Certificate revocation lists, signed by the CA with the right authority key identifier.

use std::time::SystemTime;

use der::Encode;
use der::asn1::Uint;
use x509_cert::Certificate;
use x509_cert::certificate::Version;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::CrlNumber;
use x509_cert::serial_number::SerialNumber;

pub use x509_cert::ext::pkix::crl::CrlReason as RevocationReason;

use crate::error::{PkiError, Result};
use crate::extensions::{aki, subject_key_identifier, typed};
use crate::issue::to_time;
use crate::signer::Signer;

/// One revoked certificate.
#[derive(Clone, Debug)]
pub struct RevokedEntry {
    /// Its serial number.
    pub serial: SerialNumber,
    /// When it was revoked.
    pub revoked_at: SystemTime,
    /// Why; `None` or `Unspecified` leaves the reason out (RFC 5280 §5.3.1).
    pub reason: Option<RevocationReason>,
}

/// What a CRL says.
#[derive(Clone, Debug)]
pub struct CrlContent<'a> {
    /// Monotonic CRL number (keep it in the database; never reuse one).
    pub number: u64,
    /// thisUpdate.
    pub this_update: SystemTime,
    /// nextUpdate (RFC 5280 requires it).
    pub next_update: SystemTime,
    /// The revoked certificates not yet expired.
    pub revoked: &'a [RevokedEntry],
}

/// Build and sign a CRL for `issuer`.
///
/// Built by hand rather than with `x509-cert`'s `CrlBuilder`, which copies the issuer
/// certificate's own AKI into the CRL: `openssl verify -crl_check` then cannot match the CRL to
/// the CA. Here the AKI is the issuer's subject key identifier.
pub fn build_crl(
    issuer: &Certificate,
    signer: &dyn Signer,
    content: &CrlContent<'_>,
) -> Result<CertificateList> {
    if content.next_update <= content.this_update {
        return Err(PkiError::InvalidValidity(
            "nextUpdate must follow thisUpdate".into(),
        ));
    }
    if issuer.tbs_certificate().subject_public_key_info() != signer.public_key() {
        return Err(PkiError::Key(
            "signer does not match the issuer certificate".into(),
        ));
    }
    let number = Uint::new(&content.number.to_be_bytes())?;
    let extensions = vec![
        aki(subject_key_identifier(issuer)?)?,
        typed(false, &CrlNumber(number))?,
    ];
    let revoked = content
        .revoked
        .iter()
        .map(|entry| {
            let reason = entry
                .reason
                .filter(|r| *r != RevocationReason::Unspecified)
                .map(|r| typed(false, &r))
                .transpose()?;
            Ok(RevokedCert {
                serial_number: entry.serial.clone(),
                revocation_date: to_time(entry.revoked_at)?,
                crl_entry_extensions: reason.map(|r| vec![r]),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let tbs = TbsCertList {
        version: Version::V2,
        signature: signer.signature_algorithm(),
        issuer: issuer.tbs_certificate().subject().clone(),
        this_update: to_time(content.this_update)?,
        next_update: Some(to_time(content.next_update)?),
        revoked_certificates: (!revoked.is_empty()).then_some(revoked),
        crl_extensions: Some(extensions),
    };
    let signature = signer.sign(&tbs.to_der()?)?;
    Ok(CertificateList {
        signature_algorithm: tbs.signature.clone(),
        tbs_cert_list: tbs,
        signature: der::asn1::BitString::from_bytes(&signature)?,
    })
}
