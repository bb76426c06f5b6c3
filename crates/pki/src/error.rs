//! The crate's one error type, each variant with a stable code the server maps to problem+json.

/// Everything that can go wrong in `signet-pki`.
///
/// `code()` is stable: the server keys its messages (zh-CN, en) and HTTP statuses on it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// The algorithm is not one Signet implements (or the store cannot make it).
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// The profile does not allow the key's algorithm.
    #[error("algorithm {algorithm} is not allowed by profile {profile}")]
    AlgorithmNotAllowed {
        /// The key algorithm offered.
        algorithm: String,
        /// The profile that refused it.
        profile: String,
    },
    /// No profile has this name.
    #[error("unknown profile: {0}")]
    UnknownProfile(String),
    /// The subject is not a valid RFC 4514 name or misses what the profile needs.
    #[error("invalid subject name: {0}")]
    InvalidName(String),
    /// A unified social credit code failed its GB 32100 format or check character.
    #[error("invalid unified social credit code")]
    InvalidCreditCode,
    /// A resident identity number failed its GB 11643 format or check digit.
    #[error("invalid resident identity number")]
    InvalidIdNumber,
    /// The PKCS#10 request could not be parsed.
    #[error("malformed certificate request: {0}")]
    MalformedCsr(String),
    /// The PKCS#10 request is larger than we accept.
    #[error("certificate request too large ({0} bytes)")]
    CsrTooLarge(usize),
    /// The request's own signature does not verify: no proof of possession.
    #[error("proof of possession failed: the request's signature does not verify")]
    ProofOfPossession,
    /// A signature did not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// A key could not be generated, parsed or used.
    #[error("key error: {0}")]
    Key(String),
    /// The key-encryption key is wrong or the stored key is damaged.
    #[error("stored key cannot be decrypted (wrong key-encryption key or damaged data)")]
    KeyDecryption,
    /// The PKCS#11 module or token failed.
    #[error("PKCS#11 error: {0}")]
    Pkcs11(String),
    /// A signing operation failed.
    #[error("signing failed: {0}")]
    Signing(String),
    /// DER encoding or decoding failed.
    #[error("encoding error: {0}")]
    Encoding(String),
    /// The validity window is empty or out of range.
    #[error("invalid validity: {0}")]
    InvalidValidity(String),
    /// An OCSP request could not be parsed (answer `malformedRequest`).
    #[error("malformed OCSP request: {0}")]
    MalformedOcspRequest(String),
    /// A time-stamp request could not be parsed or is not acceptable (answer `badRequest`).
    #[error("malformed time-stamp request: {0}")]
    MalformedTimestampRequest(String),
    /// The certificate path does not validate.
    #[error("path validation failed: {0}")]
    PathValidation(String),
    /// A certificate or CRL could not be parsed.
    #[error("malformed certificate: {0}")]
    MalformedCertificate(String),
}

impl PkiError {
    /// Stable machine-readable code, e.g. `pki.csr_malformed`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedAlgorithm(_) => "pki.unsupported_algorithm",
            Self::AlgorithmNotAllowed { .. } => "pki.algorithm_not_allowed",
            Self::UnknownProfile(_) => "pki.unknown_profile",
            Self::InvalidName(_) => "pki.invalid_name",
            Self::InvalidCreditCode => "pki.invalid_credit_code",
            Self::InvalidIdNumber => "pki.invalid_id_number",
            Self::MalformedCsr(_) => "pki.csr_malformed",
            Self::CsrTooLarge(_) => "pki.csr_too_large",
            Self::ProofOfPossession => "pki.csr_proof_of_possession",
            Self::BadSignature => "pki.bad_signature",
            Self::Key(_) => "pki.key",
            Self::KeyDecryption => "pki.key_decryption",
            Self::Pkcs11(_) => "pki.pkcs11",
            Self::Signing(_) => "pki.signing",
            Self::Encoding(_) => "pki.encoding",
            Self::InvalidValidity(_) => "pki.invalid_validity",
            Self::MalformedOcspRequest(_) => "pki.ocsp_malformed_request",
            Self::MalformedTimestampRequest(_) => "pki.tsa_bad_request",
            Self::PathValidation(_) => "pki.path_validation",
            Self::MalformedCertificate(_) => "pki.certificate_malformed",
        }
    }
}

impl From<der::Error> for PkiError {
    fn from(error: der::Error) -> Self {
        Self::Encoding(error.to_string())
    }
}

impl From<spki::Error> for PkiError {
    fn from(error: spki::Error) -> Self {
        Self::Encoding(error.to_string())
    }
}

impl From<x509_cert::builder::Error> for PkiError {
    fn from(error: x509_cert::builder::Error) -> Self {
        Self::Signing(error.to_string())
    }
}

/// Result with [`PkiError`].
pub type Result<T> = std::result::Result<T, PkiError>;
