//! X.509 extension values Signet puts in certificates, built explicitly so criticality is ours.

use const_oid::AssociatedOid;
use der::asn1::{Ia5String, Null, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use sha1::Digest;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CertificatePolicies, CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};

use crate::error::{PkiError, Result};

/// id-pkix-ocsp-nocheck.
pub const OCSP_NOCHECK: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.5");
/// id-ad-ocsp.
pub const AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
/// id-ad-caIssuers.
pub const AD_CA_ISSUERS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2");
/// anyPolicy.
pub const ANY_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.32.0");

/// An extension with the DER of `value`.
pub fn extension(oid: ObjectIdentifier, critical: bool, value: &impl Encode) -> Result<Extension> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// A typed extension under its own OID.
pub fn typed<T: AssociatedOid + Encode>(critical: bool, value: &T) -> Result<Extension> {
    extension(T::OID, critical, value)
}

/// RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bytes.
pub fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Result<OctetString> {
    let digest = sha1::Sha1::digest(spki.subject_public_key.raw_bytes());
    Ok(OctetString::new(digest.to_vec())?)
}

/// The subject key identifier a certificate declares (or computes, if it has none).
pub fn subject_key_identifier(certificate: &Certificate) -> Result<OctetString> {
    let tbs = certificate.tbs_certificate();
    if let Some(extensions) = tbs.extensions() {
        for ext in extensions {
            if ext.extn_id == SubjectKeyIdentifier::OID {
                return Ok(SubjectKeyIdentifier::from_der(ext.extn_value.as_bytes())?.0);
            }
        }
    }
    key_identifier(tbs.subject_public_key_info())
}

/// subjectKeyIdentifier extension (non-critical).
pub fn ski(spki: &SubjectPublicKeyInfoOwned) -> Result<Extension> {
    typed(false, &SubjectKeyIdentifier(key_identifier(spki)?))
}

/// authorityKeyIdentifier extension with only the key identifier (non-critical).
pub fn aki(key_id: OctetString) -> Result<Extension> {
    typed(
        false,
        &AuthorityKeyIdentifier {
            key_identifier: Some(key_id),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        },
    )
}

/// basicConstraints (critical).
pub fn basic_constraints(ca: bool, path_len: Option<u8>) -> Result<Extension> {
    typed(
        true,
        &BasicConstraints {
            ca,
            path_len_constraint: path_len,
        },
    )
}

/// keyUsage (critical).
pub fn key_usage(usages: KeyUsage) -> Result<Extension> {
    typed(true, &usages)
}

/// extKeyUsage.
pub fn extended_key_usage(purposes: &[ObjectIdentifier], critical: bool) -> Result<Extension> {
    typed(critical, &ExtendedKeyUsage(purposes.to_vec()))
}

/// certificatePolicies (non-critical) naming `policies` without qualifiers.
pub fn policies(policies: &[ObjectIdentifier]) -> Result<Extension> {
    let infos = policies
        .iter()
        .map(|oid| PolicyInformation {
            policy_identifier: *oid,
            policy_qualifiers: None,
        })
        .collect();
    typed(false, &CertificatePolicies(infos))
}

fn uri(url: &str) -> Result<GeneralName> {
    Ia5String::new(url)
        .map(GeneralName::UniformResourceIdentifier)
        .map_err(|_| PkiError::InvalidName(format!("URL is not ASCII: {url}")))
}

/// authorityInfoAccess (non-critical): caIssuers and, when given, OCSP.
pub fn authority_info_access(ca_issuers: &str, ocsp: Option<&str>) -> Result<Extension> {
    let mut access = vec![AccessDescription {
        access_method: AD_CA_ISSUERS,
        access_location: uri(ca_issuers)?,
    }];
    if let Some(ocsp) = ocsp {
        access.insert(
            0,
            AccessDescription {
                access_method: AD_OCSP,
                access_location: uri(ocsp)?,
            },
        );
    }
    typed(false, &AuthorityInfoAccessSyntax(access))
}

/// cRLDistributionPoints (non-critical) with one full-name URL.
pub fn crl_distribution_point(url: &str) -> Result<Extension> {
    typed(
        false,
        &CrlDistributionPoints(vec![DistributionPoint {
            distribution_point: Some(DistributionPointName::FullName(vec![uri(url)?])),
            reasons: None,
            crl_issuer: None,
        }]),
    )
}

/// id-pkix-ocsp-nocheck (non-critical, value NULL).
pub fn ocsp_nocheck() -> Result<Extension> {
    extension(OCSP_NOCHECK, false, &Null)
}

/// The URLs where a CA's artefacts are published: `{base}/pki/{ca}/ca.crt|ocsp|crl`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaUrls {
    /// The CA certificate (DER).
    pub ca_issuers: String,
    /// The OCSP responder.
    pub ocsp: String,
    /// The CRL (DER).
    pub crl: String,
}

impl CaUrls {
    /// URLs for CA `ca` under the public base URL (`https://ca.example.cn`).
    pub fn new(base_url: &str, ca: &str) -> Self {
        let base = base_url.trim_end_matches('/');
        Self {
            ca_issuers: format!("{base}/pki/{ca}/ca.crt"),
            ocsp: format!("{base}/pki/{ca}/ocsp"),
            crl: format!("{base}/pki/{ca}/crl"),
        }
    }
}

/// Key usage sets used by profiles.
pub fn usages(flags: &[KeyUsages]) -> KeyUsage {
    let mut set = der::flagset::FlagSet::<KeyUsages>::default();
    for flag in flags {
        set |= *flag;
    }
    KeyUsage(set)
}
