//! RFC 6960 structures on der 0.8 (`x509-ocsp` 0.2 is on the older der 0.7 stack).

// der's `Choice` derive generates the nested or-patterns; nothing to fix by hand.
#![allow(clippy::unnested_or_patterns)]

use der::asn1::{BitString, GeneralizedTime, Null, ObjectIdentifier, OctetString};
use der::{Choice, Enumerated, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

/// id-pkix-ocsp-basic.
pub const OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// id-pkix-ocsp-nonce.
pub const OCSP_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");

/// `OCSPRequest`.
#[derive(Clone, Debug, Sequence)]
pub struct OcspRequestAsn1 {
    pub tbs_request: TbsRequest,
    #[asn1(context_specific = "0", optional = "true")]
    pub optional_signature: Option<RequestSignature>,
}

/// `Signature` of a signed request (we accept and ignore it: requests need no signature here).
#[derive(Clone, Debug, Sequence)]
pub struct RequestSignature {
    pub signature_algorithm: AlgorithmIdentifierOwned,
    pub signature: BitString,
    #[asn1(context_specific = "0", optional = "true")]
    pub certs: Option<Vec<Certificate>>,
}

/// `TBSRequest`.
#[derive(Clone, Debug, Sequence)]
pub struct TbsRequest {
    #[asn1(context_specific = "0", optional = "true")]
    pub version: Option<u8>,
    #[asn1(context_specific = "1", optional = "true")]
    pub requestor_name: Option<GeneralName>,
    pub request_list: Vec<Request>,
    #[asn1(context_specific = "2", optional = "true")]
    pub request_extensions: Option<Extensions>,
}

/// `Request`.
#[derive(Clone, Debug, Sequence)]
pub struct Request {
    pub req_cert: CertId,
    #[asn1(context_specific = "0", optional = "true")]
    pub single_request_extensions: Option<Extensions>,
}

/// `CertID`: which certificate, named by hashes of its issuer and its serial.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct CertId {
    /// Hash used for the two issuer hashes.
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// Hash of the issuer's DER name.
    pub issuer_name_hash: OctetString,
    /// Hash of the issuer's subjectPublicKey bits.
    pub issuer_key_hash: OctetString,
    /// The certificate's serial number.
    pub serial_number: SerialNumber,
}

/// `OCSPResponseStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enumerated)]
#[repr(u8)]
pub enum ResponseStatus {
    /// Response has valid confirmations.
    Successful = 0,
    /// Illegal confirmation request.
    MalformedRequest = 1,
    /// Internal error in issuer.
    InternalError = 2,
    /// Try again later.
    TryLater = 3,
    /// Must sign the request.
    SigRequired = 5,
    /// Request unauthorized (e.g. not a certificate of ours).
    Unauthorized = 6,
}

/// `OCSPResponse`.
#[derive(Clone, Debug, Sequence)]
pub struct OcspResponseAsn1 {
    pub response_status: ResponseStatus,
    #[asn1(context_specific = "0", optional = "true")]
    pub response_bytes: Option<ResponseBytes>,
}

/// `ResponseBytes`.
#[derive(Clone, Debug, Sequence)]
pub struct ResponseBytes {
    pub response_type: ObjectIdentifier,
    pub response: OctetString,
}

/// `BasicOCSPResponse`.
#[derive(Clone, Debug, Sequence)]
pub struct BasicOcspResponse {
    pub tbs_response_data: ResponseData,
    pub signature_algorithm: AlgorithmIdentifierOwned,
    pub signature: BitString,
    #[asn1(context_specific = "0", optional = "true")]
    pub certs: Option<Vec<Certificate>>,
}

/// `ResponseData` (version left out: DEFAULT v1).
#[derive(Clone, Debug, Sequence)]
pub struct ResponseData {
    #[asn1(context_specific = "0", optional = "true")]
    pub version: Option<u8>,
    pub responder_id: ResponderId,
    pub produced_at: GeneralizedTime,
    pub responses: Vec<SingleResponse>,
    #[asn1(context_specific = "1", optional = "true")]
    pub response_extensions: Option<Extensions>,
}

/// `ResponderID`.
#[derive(Clone, Debug, Choice)]
pub enum ResponderId {
    /// By name.
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", constructed = "true")]
    ByName(Name),
    /// By SHA-1 of the responder's public key.
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", constructed = "true")]
    ByKey(OctetString),
}

/// `SingleResponse`.
#[derive(Clone, Debug, Sequence)]
pub struct SingleResponse {
    pub cert_id: CertId,
    pub cert_status: CertStatusAsn1,
    pub this_update: GeneralizedTime,
    #[asn1(context_specific = "0", optional = "true")]
    pub next_update: Option<GeneralizedTime>,
    #[asn1(context_specific = "1", optional = "true")]
    pub single_extensions: Option<Extensions>,
}

/// `CertStatus`.
#[derive(Clone, Debug, Choice)]
pub enum CertStatusAsn1 {
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    Good(Null),
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    Revoked(RevokedInfo),
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    Unknown(Null),
}

/// `RevokedInfo`.
#[derive(Clone, Debug, Sequence)]
pub struct RevokedInfo {
    pub revocation_time: GeneralizedTime,
    #[asn1(context_specific = "0", optional = "true")]
    pub revocation_reason: Option<CrlReason>,
}
