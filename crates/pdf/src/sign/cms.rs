//! CMS `SignedData` for PDF signatures: CAdES signed attributes, no signing-time, optional token.

use cms::cert::CertificateChoices;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{CertificateSet, EncapsulatedContentInfo, SignedData, SignerInfos};
use der::asn1::{ObjectIdentifier, SetOfVec};
use der::{Any, Decode, Encode};
use sha2::Digest as _;
use signet_pki::algorithm::{KeyAlgorithm, SHA256, SM3};
use signet_pki::cms::{attribute, signer_info};
use signet_pki::signer::Signer;
use x509_cert::Certificate;

use crate::error::{PdfError, Result};
use crate::sign::timestamp::TimestampSource;

pub use signet_pki::cms::{
    CONTENT_TYPE, DATA, EssCertIdV2, IssuerSerial, MESSAGE_DIGEST, SIGNATURE_TIMESTAMP,
    SIGNED_DATA, SIGNING_CERTIFICATE_V2, SIGNING_TIME, SigningCertificateV2, TST_INFO,
};

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
    let mut signer_info = signer_info(
        input.signer,
        input.certificate,
        digest_for(algorithm),
        DATA,
        input.content_digest,
    )?;
    if let Some(source) = input.timestamp {
        let imprint = hash(SHA256, &[signer_info.signature.as_bytes()])?;
        let token = source.timestamp(SHA256, &imprint)?;
        signer_info.unsigned_attrs = Some(SetOfVec::try_from(vec![attribute(
            SIGNATURE_TIMESTAMP,
            Any::from_der(&token)?,
        )?])?);
    }
    let digest_alg = signer_info.digest_alg.clone();
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
