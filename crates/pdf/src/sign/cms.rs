//! CMS `SignedData` for PDF signatures: CAdES signed attributes, no signing-time, optional token.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence};
use sha2::Digest as _;
use signet_pki::algorithm::{KeyAlgorithm, SHA256, SM3};
use signet_pki::signer::Signer;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::{GeneralName, GeneralNames};
use x509_cert::serial_number::SerialNumber;

use crate::error::{PdfError, Result};
use crate::sign::timestamp::TimestampSource;

/// id-data.
pub const DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
/// id-signedData.
pub const SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// id-contentType.
pub const CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
/// id-messageDigest.
pub const MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
/// id-signingTime (never added by us; reported when others add it).
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

/// The digest a key's PDF signatures use: SM3 for SM2, SHA-256 otherwise.
pub fn digest_for(algorithm: KeyAlgorithm) -> ObjectIdentifier {
    algorithm.digest_algorithm()
}

/// Hash `data` with `algorithm` (SHA-256/384/512 or SM3).
pub fn hash(algorithm: ObjectIdentifier, parts: &[&[u8]]) -> Result<Vec<u8>> {
    use signet_pki::algorithm::{SHA384, SHA512};
    macro_rules! run {
        ($hasher:ty) => {{
            let mut hasher = <$hasher>::new();
            for part in parts {
                hasher.update(part);
            }
            hasher.finalize().to_vec()
        }};
    }
    Ok(if algorithm == SHA256 {
        run!(sha2::Sha256)
    } else if algorithm == SHA384 {
        run!(sha2::Sha384)
    } else if algorithm == SHA512 {
        run!(sha2::Sha512)
    } else if algorithm == SM3 {
        run!(sm3::Sm3)
    } else {
        return Err(PdfError::Malformed(format!(
            "unsupported digest {algorithm}"
        )));
    })
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

/// What goes into one signature.
pub struct CmsInput<'a> {
    /// The key.
    pub signer: &'a dyn Signer,
    /// Its certificate.
    pub certificate: &'a Certificate,
    /// Intermediates (not the root) to carry.
    pub chain: &'a [Certificate],
    /// Digest of the signed byte ranges, made with [`digest_for`] of the key.
    pub content_digest: &'a [u8],
    /// Where the signature timestamp comes from (B-T and up).
    pub timestamp: Option<&'a dyn TimestampSource>,
}

/// Build the DER `ContentInfo` of a detached CAdES signature.
pub fn build_signed_data(input: &CmsInput<'_>) -> Result<Vec<u8>> {
    let algorithm = input.signer.key_algorithm();
    if input
        .certificate
        .tbs_certificate()
        .subject_public_key_info()
        != input.signer.public_key()
    {
        return Err(PdfError::Credentials(
            "the private key does not match the certificate".into(),
        ));
    }
    let digest_alg = AlgorithmIdentifierOwned {
        oid: digest_for(algorithm),
        parameters: None,
    };
    let tbs = input.certificate.tbs_certificate();
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(
                sha2::Sha256::digest(input.certificate.to_der()?).to_vec(),
            )?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
                serial_number: tbs.serial_number().clone(),
            }),
        }],
        policies: None,
    };
    let signed_attrs = SetOfVec::try_from(vec![
        attribute(CONTENT_TYPE, Any::encode_from(&DATA)?)?,
        attribute(
            MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(input.content_digest.to_vec())?)?,
        )?,
        attribute(SIGNING_CERTIFICATE_V2, Any::encode_from(&ess)?)?,
    ])?;
    // RFC 5652 §5.4: the signature covers the attributes DER-encoded as a SET OF.
    let signature = input.signer.sign(&signed_attrs.to_der()?)?;
    let unsigned_attrs = match input.timestamp {
        Some(source) => {
            let imprint = hash(SHA256, &[&signature])?;
            let token = source.timestamp(SHA256, &imprint)?;
            Some(SetOfVec::try_from(vec![attribute(
                SIGNATURE_TIMESTAMP,
                Any::from_der(&token)?,
            )?])?)
        }
        None => None,
    };
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: digest_alg.clone(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: input.signer.signature_algorithm(),
        signature: OctetString::new(signature)?,
        unsigned_attrs,
    };
    let mut certificates = vec![CertificateChoices::Certificate(input.certificate.clone())];
    for certificate in input.chain {
        if certificate != input.certificate {
            certificates.push(CertificateChoices::Certificate(certificate.clone()));
        }
    }
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![digest_alg])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(certificates)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
    };
    Ok(ContentInfo {
        content_type: SIGNED_DATA,
        content: Any::encode_from(&signed_data)?,
    }
    .to_der()?)
}
