//! RFC 3161 time-stamp sources: the in-process `signet_pki` TSA and an HTTP client.

use std::time::{Duration, SystemTime};

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::asn1::{Int, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::serial_number::SerialNumber;

use crate::error::{PdfError, Result};
use signet_pki::nonce::random_nonce;
use signet_pki::tsa::types::{TimeStampReqAsn1, TimeStampRespAsn1};

use crate::sign::cms::{TST_INFO, hash};

pub use signet_pki::tsa::types::{MessageImprint, TstInfo};

/// Largest answer read from a TSA.
const MAX_RESPONSE_BYTES: u64 = 1024 * 1024;

/// Anything that turns a digest into a DER `TimeStampToken` (a CMS `ContentInfo`).
///
/// A source that cannot answer returns an error: signing then fails instead of quietly
/// producing a lower level.
pub trait TimestampSource: Send + Sync {
    /// A token over `digest`, made with `algorithm`.
    fn timestamp(&self, algorithm: ObjectIdentifier, digest: &[u8]) -> Result<Vec<u8>>;
}

/// Read the `TSTInfo` inside a token.
pub fn tst_info(token: &[u8]) -> Result<TstInfo> {
    let info = ContentInfo::from_der(token)?;
    let signed: SignedData = info.content.decode_as()?;
    if signed.encap_content_info.econtent_type != TST_INFO {
        return Err(PdfError::Timestamp("token does not hold a TSTInfo".into()));
    }
    let content = signed
        .encap_content_info
        .econtent
        .ok_or_else(|| PdfError::Timestamp("token without content".into()))?;
    let octets: OctetString = content.decode_as()?;
    Ok(TstInfo::from_der(octets.as_bytes())?)
}

/// A request for `digest` with a nonce; certificate requested so validators find the TSA.
fn request(algorithm: ObjectIdentifier, digest: &[u8]) -> Result<(Vec<u8>, Int)> {
    let mut nonce = random_nonce(12)?;
    if let Some(first) = nonce.first_mut() {
        *first &= 0x7f;
        *first |= 0x01;
    }
    let nonce = Int::new(&nonce)?;
    let request = TimeStampReqAsn1 {
        version: 1,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: algorithm,
                parameters: None,
            },
            hashed_message: OctetString::new(digest.to_vec())?,
        },
        req_policy: None,
        nonce: Some(nonce.clone()),
        cert_req: Some(true),
        extensions: None,
    };
    Ok((request.to_der()?, nonce))
}

/// Take the token out of a `TimeStampResp`, checking it answers our request.
fn token_from_response(
    response: &[u8],
    algorithm: ObjectIdentifier,
    digest: &[u8],
    nonce: &Int,
) -> Result<Vec<u8>> {
    let response = TimeStampRespAsn1::from_der(response)
        .map_err(|e| PdfError::Timestamp(format!("unreadable answer: {e}")))?;
    if response.status.status > 1 {
        return Err(PdfError::Timestamp(format!(
            "TSA refused (status {})",
            response.status.status
        )));
    }
    let token = response
        .time_stamp_token
        .ok_or_else(|| PdfError::Timestamp("granted without a token".into()))?
        .to_der()?;
    let info = tst_info(&token)?;
    if info.message_imprint.hash_algorithm.oid != algorithm
        || info.message_imprint.hashed_message.as_bytes() != digest
    {
        return Err(PdfError::Timestamp("token stamps another digest".into()));
    }
    if info.nonce.as_ref() != Some(nonce) {
        return Err(PdfError::Timestamp("token nonce does not match".into()));
    }
    Ok(token)
}

/// The platform's own TSA, called in process (tests, and the server signing for itself).
pub struct LocalTsa<'a> {
    /// The TSA.
    pub tsa: signet_pki::tsa::Tsa<'a>,
    /// The time written into tokens (injected: the caller's clock).
    pub now: SystemTime,
}

impl TimestampSource for LocalTsa<'_> {
    fn timestamp(&self, algorithm: ObjectIdentifier, digest: &[u8]) -> Result<Vec<u8>> {
        let (request_der, nonce) = request(algorithm, digest)?;
        let parsed = signet_pki::tsa::parse_request(&request_der)?;
        let mut serial = hash(
            signet_pki::algorithm::SHA256,
            &[&request_der, &nonce.to_der()?],
        )?;
        serial.truncate(16);
        if let Some(first) = serial.first_mut() {
            *first = (*first & 0x7f) | 0x40;
        }
        let serial = SerialNumber::new(&serial)?;
        let response = self.tsa.stamp(&parsed, serial, self.now)?;
        token_from_response(&response, algorithm, digest, &nonce)
    }
}

/// An RFC 3161 TSA reached over HTTP(S) (`--tsa URL`).
#[derive(Clone, Debug)]
pub struct HttpTsa {
    /// The TSA's URL.
    pub url: String,
    /// How long to wait for it.
    pub timeout: Duration,
}

impl HttpTsa {
    /// A client for `url` with a 30-second timeout.
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            timeout: Duration::from_secs(30),
        }
    }
}

impl TimestampSource for HttpTsa {
    fn timestamp(&self, algorithm: ObjectIdentifier, digest: &[u8]) -> Result<Vec<u8>> {
        let (request_der, nonce) = request(algorithm, digest)?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(self.timeout))
            .build()
            .into();
        let fail = |e: ureq::Error| PdfError::Timestamp(format!("{}: {e}", self.url));
        let mut response = agent
            .post(&self.url)
            .header("Content-Type", "application/timestamp-query")
            .send(&request_der[..])
            .map_err(fail)?;
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_vec()
            .map_err(fail)?;
        token_from_response(&body, algorithm, digest, &nonce)
    }
}
