//! CMS (RFC 5652) and ESS (RFC 5035) pieces shared by every signature Signet makes: time-stamp
//! tokens here (`tsa`) and PDF signatures in `signet-pdf`. Object identifiers, the ESS
//! signing-certificate attribute, and the `SignerInfo` over signed attributes.

use cms::cert::IssuerAndSerialNumber;
use cms::content_info::CmsVersion;
use cms::signed_data::{SignerIdentifier, SignerInfo};
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Encode, Sequence};
use sha2::Digest as _;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::{GeneralName, GeneralNames};
use x509_cert::serial_number::SerialNumber;

use crate::error::Result;
use crate::signer::Signer;

/// id-data.
pub const DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
/// id-signedData.
pub const SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// id-contentType.
pub const CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
/// id-messageDigest.
pub const MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
/// id-signingTime (never added by Signet; reported when others add it).
pub const SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
/// id-aa-signingCertificateV2.
pub const SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// id-aa-signatureTimeStampToken.
pub const SIGNATURE_TIMESTAMP: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
/// id-ct-TSTInfo.
pub const TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

/// ESS `SigningCertificateV2` (RFC 5035).
#[derive(Clone, Debug, Sequence)]
pub struct SigningCertificateV2 {
    /// The signer's certificate first.
    pub certs: Vec<EssCertIdV2>,
    /// Policies (never written).
    #[asn1(optional = "true")]
    pub policies: Option<Vec<Any>>,
}

/// ESS `ESSCertIDv2`; the hash algorithm is left out when it is SHA-256, the DEFAULT.
#[derive(Clone, Debug, Sequence)]
pub struct EssCertIdV2 {
    /// Hash algorithm when not SHA-256.
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    /// Hash of the certificate's DER.
    pub cert_hash: OctetString,
    /// Issuer and serial.
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// ESS `IssuerSerial`.
#[derive(Clone, Debug, Sequence)]
pub struct IssuerSerial {
    /// The issuer as general names.
    pub issuer: GeneralNames,
    /// The serial.
    pub serial_number: SerialNumber,
}

impl SigningCertificateV2 {
    /// The attribute value naming `certificate`: its SHA-256 hash (the DEFAULT algorithm, so
    /// left out) with its issuer and serial.
    pub fn of(certificate: &Certificate) -> Result<Self> {
        let tbs = certificate.tbs_certificate();
        Ok(Self {
            certs: vec![EssCertIdV2 {
                hash_algorithm: None,
                cert_hash: OctetString::new(sha2::Sha256::digest(certificate.to_der()?).to_vec())?,
                issuer_serial: Some(IssuerSerial {
                    issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
                    serial_number: tbs.serial_number().clone(),
                }),
            }],
            policies: None,
        })
    }
}

/// A CMS attribute with one value.
pub fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

/// A version 1 `SignerInfo` by `signer` (holder of `certificate`) over the signed attributes
/// content type `content_type`, message digest `content_digest` (made with `digest_algorithm`)
/// and the ESS signing certificate; no unsigned attributes (the caller may add them, e.g. a
/// signature time-stamp over [`SignerInfo::signature`]).
pub fn signer_info(
    signer: &dyn Signer,
    certificate: &Certificate,
    digest_algorithm: ObjectIdentifier,
    content_type: ObjectIdentifier,
    content_digest: &[u8],
) -> Result<SignerInfo> {
    let signed_attrs = SetOfVec::try_from(vec![
        attribute(CONTENT_TYPE, Any::encode_from(&content_type)?)?,
        attribute(
            MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(content_digest.to_vec())?)?,
        )?,
        attribute(
            SIGNING_CERTIFICATE_V2,
            Any::encode_from(&SigningCertificateV2::of(certificate)?)?,
        )?,
    ])?;
    // RFC 5652 §5.4: the signature covers the attributes DER-encoded as a SET OF.
    let signature = signer.sign(&signed_attrs.to_der()?)?;
    let tbs = certificate.tbs_certificate();
    Ok(SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: AlgorithmIdentifierOwned {
            oid: digest_algorithm,
            parameters: None,
        },
        signed_attrs: Some(signed_attrs),
        signature_algorithm: signer.signature_algorithm(),
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    })
}
