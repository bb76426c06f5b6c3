//! RFC 3161 time-stamping: parse a `TimeStampReq`, answer with a signed `TimeStampResp`.

pub mod types;

use std::time::{Duration, SystemTime};

use cms::cert::CertificateChoices;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{CertificateSet, EncapsulatedContentInfo, SignedData, SignerInfos};
use der::asn1::{BitString, GeneralizedTime, Int, ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use sha2::Digest;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;

use types::{
    Accuracy, MessageImprint, PkiStatusInfo, TimeStampReqAsn1, TimeStampRespAsn1, TstInfo,
};

use crate::algorithm::{KeyAlgorithm, SHA256, SHA384, SHA512, SM3};
use crate::cms::{SIGNED_DATA, TST_INFO, signer_info};
use crate::error::{PkiError, Result};
use crate::signer::Signer;

/// Largest request parsed (a real one is under 200 bytes).
pub const MAX_REQUEST_BYTES: usize = 4 * 1024;

/// A parsed, acceptable request.
#[derive(Clone, Debug)]
pub struct TimeStampRequest {
    imprint: MessageImprint,
    /// The policy the requester asked for, if any.
    pub policy: Option<ObjectIdentifier>,
    nonce: Option<Int>,
    /// Whether the TSA's certificate must be in the answer.
    pub cert_req: bool,
}

/// Why a request is refused (RFC 3161 `PKIFailureInfo` bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Unrecognised or unsupported hash algorithm.
    BadAlg = 0,
    /// Transaction not permitted or supported.
    BadRequest = 2,
    /// The data submitted has the wrong format.
    BadDataFormat = 5,
    /// The requested TSA policy is not supported.
    UnacceptedPolicy = 15,
    /// The request cannot be handled due to system failure.
    SystemFailure = 25,
}

fn digest_length(algorithm: ObjectIdentifier) -> Option<usize> {
    if algorithm == SHA256 || algorithm == SM3 {
        Some(32)
    } else if algorithm == SHA384 {
        Some(48)
    } else if algorithm == SHA512 {
        Some(64)
    } else {
        None
    }
}

/// Parse a DER `TimeStampReq`. Errors say which [`Failure`] to answer with via
/// [`failure_of`].
pub fn parse_request(der_bytes: &[u8]) -> Result<TimeStampRequest> {
    let bad = |what: &str| PkiError::MalformedTimestampRequest(what.to_owned());
    if der_bytes.len() > MAX_REQUEST_BYTES {
        return Err(bad("too large"));
    }
    let request = TimeStampReqAsn1::from_der(der_bytes).map_err(|e| bad(&e.to_string()))?;
    if request.version != 1 {
        return Err(bad("version must be 1"));
    }
    if request.extensions.is_some() {
        return Err(bad("extensions are not supported"));
    }
    let algorithm = request.message_imprint.hash_algorithm.oid;
    let length = digest_length(algorithm)
        .ok_or_else(|| PkiError::UnsupportedAlgorithm(format!("imprint hash {algorithm}")))?;
    if request.message_imprint.hashed_message.as_bytes().len() != length {
        return Err(bad("imprint length does not match its hash"));
    }
    Ok(TimeStampRequest {
        imprint: request.message_imprint,
        policy: request.req_policy,
        nonce: request.nonce,
        cert_req: request.cert_req.unwrap_or(false),
    })
}

/// The failure to answer for an error from [`parse_request`] or [`Tsa::stamp`].
pub fn failure_of(error: &PkiError) -> Failure {
    match error {
        PkiError::UnsupportedAlgorithm(_) => Failure::BadAlg,
        PkiError::MalformedTimestampRequest(what) if what.contains("policy") => {
            Failure::UnacceptedPolicy
        }
        PkiError::MalformedTimestampRequest(_) => Failure::BadDataFormat,
        _ => Failure::SystemFailure,
    }
}

/// A `rejection` answer carrying `failure`.
pub fn rejection(failure: Failure) -> Result<Vec<u8>> {
    let bit = failure as usize;
    let mut bytes = vec![0u8; bit / 8 + 1];
    bytes[bit / 8] |= 0x80 >> (bit % 8);
    let unused = u8::try_from(7 - bit % 8).map_err(|_| PkiError::Encoding("bit".into()))?;
    Ok(TimeStampRespAsn1 {
        status: PkiStatusInfo {
            status: 2,
            status_string: None,
            fail_info: Some(BitString::new(unused, bytes)?),
        },
        time_stamp_token: None,
    }
    .to_der()?)
}

/// A time-stamping unit: its certificate and key, policy and stated accuracy.
pub struct Tsa<'a> {
    /// The TSA certificate (critical id-kp-timeStamping).
    pub certificate: &'a Certificate,
    /// Its key.
    pub signer: &'a dyn Signer,
    /// Policy put in every token (requests asking for another are refused).
    pub policy: ObjectIdentifier,
    /// Accuracy stated in tokens (whole seconds and milliseconds are used).
    pub accuracy: Duration,
}

impl Tsa<'_> {
    /// Answer `request` with a granted `TimeStampResp` for time `gen_time` and serial `serial`
    /// (unique per TSA: the caller's job, e.g. [`crate::serial::random_serial`]).
    pub fn stamp(
        &self,
        request: &TimeStampRequest,
        serial: SerialNumber,
        gen_time: SystemTime,
    ) -> Result<Vec<u8>> {
        if request.policy.is_some_and(|p| p != self.policy) {
            return Err(PkiError::MalformedTimestampRequest(
                "requested policy is not ours".into(),
            ));
        }
        let seconds = gen_time
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_err(|_| PkiError::InvalidValidity("time before 1970".into()))?
            .as_secs();
        let millis = u16::try_from(self.accuracy.subsec_millis())
            .ok()
            .filter(|m| *m > 0);
        let whole = u32::try_from(self.accuracy.as_secs())
            .ok()
            .filter(|s| *s > 0);
        let tst_info = TstInfo {
            version: 1,
            policy: self.policy,
            message_imprint: request.imprint.clone(),
            serial_number: serial,
            gen_time: GeneralizedTime::from_unix_duration(Duration::from_secs(seconds))?,
            accuracy: (whole.is_some() || millis.is_some()).then_some(Accuracy {
                seconds: whole,
                millis,
                micros: None,
            }),
            ordering: None,
            nonce: request.nonce.clone(),
            tsa: Some(GeneralName::DirectoryName(
                self.certificate.tbs_certificate().subject().clone(),
            )),
            extensions: None,
        };
        let content = tst_info.to_der()?;
        let token = self.sign(&content, request.cert_req)?;
        Ok(TimeStampRespAsn1 {
            status: PkiStatusInfo {
                status: 0,
                status_string: None,
                fail_info: None,
            },
            time_stamp_token: Some(Any::encode_from(&token)?),
        }
        .to_der()?)
    }

    fn sign(&self, content: &[u8], include_certificate: bool) -> Result<ContentInfo> {
        let sm2 = self.signer.key_algorithm() == KeyAlgorithm::Sm2;
        let (digest_oid, digest) = if sm2 {
            (SM3, sm3::Sm3::digest(content).to_vec())
        } else {
            (SHA256, sha2::Sha256::digest(content).to_vec())
        };
        let signer_info =
            signer_info(self.signer, self.certificate, digest_oid, TST_INFO, &digest)?;
        let digest_alg = signer_info.digest_alg.clone();
        let certificates = if include_certificate {
            Some(CertificateSet(SetOfVec::try_from(vec![
                CertificateChoices::Certificate(self.certificate.clone()),
            ])?))
        } else {
            None
        };
        let signed_data = SignedData {
            version: CmsVersion::V3,
            digest_algorithms: SetOfVec::try_from(vec![digest_alg])?,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: TST_INFO,
                econtent: Some(Any::encode_from(&OctetString::new(content.to_vec())?)?),
            },
            certificates,
            crls: None,
            signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
        };
        Ok(ContentInfo {
            content_type: SIGNED_DATA,
            content: Any::encode_from(&signed_data)?,
        })
    }
}
