//! Certificate profiles: what each kind of certificate Signet issues must contain.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use der::asn1::{ObjectIdentifier, OctetString};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::KeyUsages;
use x509_cert::name::Name;

use crate::algorithm::{Family, KeyAlgorithm};
use crate::error::{PkiError, Result};
use crate::extensions::{self as ext, CaUrls};
use crate::ids::{CreditCode, IdNumber};
use crate::names::{self, COMMON_NAME, ORGANIZATION, SERIAL_NUMBER};

/// Private arc for Signet's policy OIDs.
///
/// PLACEHOLDER: 32473 is IANA's enterprise number reserved for documentation (RFC 5612). An
/// operator must replace it with its own Private Enterprise Number before issuing for real.
pub const POLICY_ARC: &str = "1.3.6.1.4.1.32473";
/// TSA policy OID (`{POLICY_ARC}.2.1`), put in every `TSTInfo` unless the request asks otherwise.
pub const TSA_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.32473.2.1");

/// id-kp-clientAuth.
pub const KP_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");
/// id-kp-emailProtection.
pub const KP_EMAIL_PROTECTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
/// id-kp-timeStamping.
pub const KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
/// id-kp-OCSPSigning.
pub const KP_OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
/// id-kp-documentSigning (RFC 9336).
pub const KP_DOCUMENT_SIGNING: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.36");

/// How far notBefore is set before the issuing instant, so relying parties with slow clocks
/// accept a fresh certificate.
pub const BACKDATE: Duration = Duration::from_mins(5);

const DAY: u64 = 24 * 60 * 60;

/// A kind of certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Profile {
    /// Self-signed root CA.
    RootCa,
    /// Issuing (intermediate) CA, path length 0.
    IssuingCa,
    /// An organisation's signing certificate: O + unified social credit code in serialNumber.
    Enterprise,
    /// A person's signing certificate: CN + resident identity number in serialNumber.
    Personal,
    /// An organisation's electronic seal (电子印章): as `Enterprise`, CN names the seal.
    EnterpriseSeal,
    /// The platform's operator staff: sign documents and log in.
    Operator,
    /// Short-lived certificate for one signing event (事件证书).
    Event,
    /// Delegated OCSP responder (id-kp-OCSPSigning, ocsp-nocheck).
    Ocsp,
    /// RFC 3161 time-stamping unit (critical id-kp-timeStamping).
    Tsa,
    /// Encryption half of an SM2 dual certificate (双证书).
    Sm2Encryption,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Self; 10] = [
        Self::RootCa,
        Self::IssuingCa,
        Self::Enterprise,
        Self::Personal,
        Self::EnterpriseSeal,
        Self::Operator,
        Self::Event,
        Self::Ocsp,
        Self::Tsa,
        Self::Sm2Encryption,
    ];

    /// Stable name, as the platform stores and the API shows it.
    pub fn name(self) -> &'static str {
        match self {
            Self::RootCa => "root-ca",
            Self::IssuingCa => "issuing-ca",
            Self::Enterprise => "enterprise",
            Self::Personal => "personal",
            Self::EnterpriseSeal => "enterprise-seal",
            Self::Operator => "operator",
            Self::Event => "event",
            Self::Ocsp => "ocsp",
            Self::Tsa => "tsa",
            Self::Sm2Encryption => "sm2-encryption",
        }
    }

    fn number(self) -> u32 {
        match self {
            Self::RootCa => 1,
            Self::IssuingCa => 2,
            Self::Enterprise => 3,
            Self::Personal => 4,
            Self::EnterpriseSeal => 5,
            Self::Operator => 6,
            Self::Event => 7,
            Self::Ocsp => 8,
            Self::Tsa => 9,
            Self::Sm2Encryption => 10,
        }
    }

    /// The certificate policy OID (`{POLICY_ARC}.1.{n}`); issuing CAs carry anyPolicy,
    /// roots none.
    pub fn policy(self) -> Option<ObjectIdentifier> {
        match self {
            Self::RootCa => None,
            Self::IssuingCa => Some(ext::ANY_POLICY),
            other => ObjectIdentifier::new(&format!("{POLICY_ARC}.1.{}", other.number())).ok(),
        }
    }

    /// True for CA certificates.
    pub fn is_ca(self) -> bool {
        matches!(self, Self::RootCa | Self::IssuingCa)
    }

    /// Longest validity this profile allows.
    pub fn max_validity(self) -> Duration {
        Duration::from_secs(
            DAY * match self {
                Self::RootCa => 25 * 366,
                Self::IssuingCa => 15 * 366,
                Self::Tsa => 6 * 366,
                Self::Ocsp => 366,
                Self::Event => 7,
                _ => 5 * 366,
            },
        )
    }

    /// Whether a key of `algorithm` may be certified under this profile.
    pub fn allows(self, algorithm: KeyAlgorithm) -> bool {
        match self {
            Self::Sm2Encryption => algorithm == KeyAlgorithm::Sm2,
            _ => true,
        }
    }

    /// Refuse `algorithm` unless this profile and the issuing CA's `family` both allow it.
    pub fn check_algorithm(self, algorithm: KeyAlgorithm, family: Family) -> Result<()> {
        if self.allows(algorithm) && algorithm.family() == family {
            Ok(())
        } else {
            Err(PkiError::AlgorithmNotAllowed {
                algorithm: algorithm.name().to_owned(),
                profile: self.name().to_owned(),
            })
        }
    }

    /// Check the subject carries what this profile needs, with valid identifiers.
    pub fn check_subject(self, subject: &Name) -> Result<()> {
        let need = |oid, what: &str| {
            names::attribute(subject, oid)
                .ok_or_else(|| PkiError::InvalidName(format!("{} needs {what}", self.name())))
        };
        let serial = names::attribute(subject, SERIAL_NUMBER);
        match self {
            Self::Enterprise | Self::EnterpriseSeal => {
                need(ORGANIZATION, "O")?;
                CreditCode::parse(&need(SERIAL_NUMBER, "serialNumber")?)?;
                if self == Self::EnterpriseSeal {
                    need(COMMON_NAME, "CN (the seal's name)")?;
                }
            }
            Self::Personal => {
                need(COMMON_NAME, "CN")?;
                IdNumber::parse(&need(SERIAL_NUMBER, "serialNumber")?)?;
            }
            _ => {
                need(COMMON_NAME, "CN")?;
                if let Some(serial) = serial.filter(|_| !self.is_ca()) {
                    // Whoever it names, an identifier present must be a valid one.
                    if CreditCode::parse(&serial).is_err() {
                        IdNumber::parse(&serial)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn key_usages(self) -> &'static [KeyUsages] {
        use KeyUsages::{
            CRLSign, DataEncipherment, DigitalSignature, KeyAgreement, KeyCertSign,
            KeyEncipherment, NonRepudiation,
        };
        match self {
            Self::RootCa | Self::IssuingCa => &[DigitalSignature, KeyCertSign, CRLSign],
            Self::Enterprise
            | Self::Personal
            | Self::EnterpriseSeal
            | Self::Operator
            | Self::Event => &[DigitalSignature, NonRepudiation],
            Self::Ocsp | Self::Tsa => &[DigitalSignature],
            Self::Sm2Encryption => &[KeyEncipherment, DataEncipherment, KeyAgreement],
        }
    }

    fn extended_key_usages(self) -> &'static [ObjectIdentifier] {
        match self {
            Self::RootCa | Self::IssuingCa | Self::Sm2Encryption => &[],
            Self::Enterprise | Self::Personal | Self::EnterpriseSeal | Self::Event => {
                &[KP_DOCUMENT_SIGNING, KP_EMAIL_PROTECTION]
            }
            Self::Operator => &[KP_DOCUMENT_SIGNING, KP_CLIENT_AUTH],
            Self::Ocsp => &[KP_OCSP_SIGNING],
            Self::Tsa => &[KP_TIME_STAMPING],
        }
    }

    /// The extensions of a certificate under this profile.
    ///
    /// `issuer_key_id` is the issuer's SKI (`None` for a self-signed root); `urls` are the
    /// issuing CA's publication points (`None` for a root, which has no issuer to point at).
    pub fn extensions(
        self,
        subject_key: &SubjectPublicKeyInfoOwned,
        issuer_key_id: Option<OctetString>,
        urls: Option<&CaUrls>,
    ) -> Result<Vec<Extension>> {
        let mut out = vec![];
        match self {
            Self::RootCa => out.push(ext::basic_constraints(true, None)?),
            Self::IssuingCa => out.push(ext::basic_constraints(true, Some(0))?),
            _ => {}
        }
        out.push(ext::key_usage(ext::usages(self.key_usages()))?);
        let purposes = self.extended_key_usages();
        if !purposes.is_empty() {
            // RFC 3161 §2.3: the TSA's EKU MUST be critical.
            out.push(ext::extended_key_usage(purposes, self == Self::Tsa)?);
        }
        out.push(ext::ski(subject_key)?);
        if let Some(key_id) = issuer_key_id {
            out.push(ext::aki(key_id)?);
        }
        if let Some(policy) = self.policy() {
            out.push(ext::policies(&[policy])?);
        }
        if let Some(urls) = urls {
            // A responder whose certificate is ocsp-nocheck is not itself checked by OCSP, and
            // a root's key stays offline: it publishes its subordinates' status by CRL only.
            let ocsp = !matches!(self, Self::Ocsp | Self::IssuingCa);
            let ocsp = ocsp.then_some(urls.ocsp.as_str());
            out.push(ext::authority_info_access(&urls.ca_issuers, ocsp)?);
            if self != Self::Ocsp {
                out.push(ext::crl_distribution_point(&urls.crl)?);
            }
        }
        if self == Self::Ocsp {
            out.push(ext::ocsp_nocheck()?);
        }
        Ok(out)
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = PkiError;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| PkiError::UnknownProfile(s.to_owned()))
    }
}
