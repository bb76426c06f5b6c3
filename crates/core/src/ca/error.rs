//! The CA's refusals as the desk reports them: each `PkiError` a caller can cause becomes a
//! `CaError` with a stable code and Chinese and English wording; the rest are internal errors.

use signet_pki::PkiError;

use crate::error::{CoreError, Description, ErrorKind};

/// Why the CA refused a request. Nothing was changed when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("unknown CA {0}")]
    UnknownCa(String),
    #[error("CA {0} does not issue subscriber certificates")]
    NotAnIssuingCa(String),
    #[error("unknown profile {0}")]
    UnknownProfile(String),
    #[error("profile {0} is not issued on request")]
    ProfileNotIssuable(String),
    #[error("invalid subject: {0}")]
    InvalidSubject(String),
    #[error("invalid unified social credit code")]
    InvalidCreditCode,
    #[error("invalid resident identity number")]
    InvalidIdNumber,
    #[error("malformed certificate request: {0}")]
    MalformedCsr(String),
    #[error("certificate request too large: {0} bytes")]
    CsrTooLarge(usize),
    #[error("certificate request signature does not verify")]
    ProofOfPossession,
    #[error("algorithm {algorithm} not allowed by profile {profile} under this CA")]
    AlgorithmNotAllowed { algorithm: String, profile: String },
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    #[error("unknown certificate {0}")]
    UnknownCertificate(String),
    #[error("certificate {0} is already revoked")]
    AlreadyRevoked(String),
    #[error("unknown revocation reason {0}")]
    UnknownReason(String),
    #[error("a batch holds 1 to 10000 certificates, not {0}")]
    BatchSize(usize),
    #[error("batch item {index}: {error}")]
    InBatch { index: usize, error: Box<CaError> },
}

impl From<CaError> for CoreError {
    fn from(error: CaError) -> Self {
        Self::Ca(error)
    }
}

/// Maps a library error: what the caller caused becomes a [`CaError`], the rest is internal.
pub fn from_pki(error: PkiError) -> CoreError {
    let refusal = match error {
        PkiError::UnknownProfile(p) => CaError::UnknownProfile(p),
        PkiError::InvalidName(what) => CaError::InvalidSubject(what),
        PkiError::InvalidCreditCode => CaError::InvalidCreditCode,
        PkiError::InvalidIdNumber => CaError::InvalidIdNumber,
        PkiError::MalformedCsr(what) => CaError::MalformedCsr(what),
        PkiError::CsrTooLarge(size) => CaError::CsrTooLarge(size),
        PkiError::ProofOfPossession => CaError::ProofOfPossession,
        PkiError::AlgorithmNotAllowed { algorithm, profile } => {
            CaError::AlgorithmNotAllowed { algorithm, profile }
        }
        PkiError::UnsupportedAlgorithm(what) => CaError::UnsupportedAlgorithm(what),
        other => return CoreError::internal(format!("pki: {} ({other})", other.code())),
    };
    CoreError::Ca(refusal)
}

impl CaError {
    #[expect(
        clippy::too_many_lines,
        reason = "one table of every refusal's wording reads best in one place"
    )]
    pub fn describe(&self) -> Description {
        use ErrorKind as K;
        let d = |kind, code, field: Option<&'static str>, zh: String, en: String| Description {
            kind,
            code,
            field,
            zh,
            en,
            retry_after: None,
        };
        match self {
            Self::UnknownCa(name) => d(
                K::NotFound,
                "ca_unknown",
                Some("ca"),
                format!("不存在名为 {name} 的 CA"),
                format!("There is no CA named {name}"),
            ),
            Self::NotAnIssuingCa(name) => d(
                K::BadInput,
                "ca_not_issuing",
                Some("ca"),
                format!("{name} 不签发用户证书，请使用签发 CA（rsa、ecc、sm2）"),
                format!(
                    "{name} does not issue subscriber certificates; use an issuing CA (rsa, ecc, sm2)"
                ),
            ),
            Self::UnknownProfile(name) => d(
                K::BadInput,
                "profile_unknown",
                Some("profile"),
                format!("不存在证书模板 {name}"),
                format!("There is no certificate profile {name}"),
            ),
            Self::ProfileNotIssuable(name) => d(
                K::BadInput,
                "profile_not_issuable",
                Some("profile"),
                format!("证书模板 {name} 不能按申请签发"),
                format!("Profile {name} is not issued on request"),
            ),
            Self::InvalidSubject(what) => d(
                K::BadInput,
                "subject_invalid",
                Some("subject"),
                format!("证书主题不正确：{what}"),
                format!("The subject name is not valid: {what}"),
            ),
            Self::InvalidCreditCode => d(
                K::BadInput,
                "credit_code_invalid",
                Some("subject"),
                "统一社会信用代码格式或校验位不正确".to_owned(),
                "The unified social credit code is malformed or its check character is wrong"
                    .to_owned(),
            ),
            Self::InvalidIdNumber => d(
                K::BadInput,
                "id_number_invalid",
                Some("subject"),
                "身份证号码格式或校验位不正确".to_owned(),
                "The resident identity number is malformed or its check digit is wrong".to_owned(),
            ),
            Self::MalformedCsr(what) => d(
                K::BadInput,
                "csr_malformed",
                Some("csr"),
                format!("证书请求（PKCS#10）格式不正确：{what}"),
                format!("The certificate request (PKCS#10) is malformed: {what}"),
            ),
            Self::CsrTooLarge(size) => d(
                K::PayloadTooLarge,
                "csr_too_large",
                Some("csr"),
                format!("证书请求过大（{size} 字节）"),
                format!("The certificate request is too large ({size} bytes)"),
            ),
            Self::ProofOfPossession => d(
                K::BadInput,
                "csr_signature_invalid",
                Some("csr"),
                "证书请求的签名验证失败，无法证明持有私钥".to_owned(),
                "The certificate request's signature does not verify: no proof of possession"
                    .to_owned(),
            ),
            Self::AlgorithmNotAllowed { algorithm, profile } => d(
                K::BadInput,
                "algorithm_not_allowed",
                Some("csr"),
                format!("该 CA 的证书模板 {profile} 不接受 {algorithm} 密钥"),
                format!("Profile {profile} under this CA does not accept {algorithm} keys"),
            ),
            Self::UnsupportedAlgorithm(what) => d(
                K::BadInput,
                "algorithm_unsupported",
                Some("csr"),
                format!("不支持的算法：{what}"),
                format!("Unsupported algorithm: {what}"),
            ),
            Self::UnknownCertificate(serial) => d(
                K::NotFound,
                "certificate_unknown",
                Some("serial"),
                format!("不存在序列号为 {serial} 的证书"),
                format!("There is no certificate with serial {serial}"),
            ),
            Self::AlreadyRevoked(serial) => d(
                K::Conflict,
                "certificate_already_revoked",
                Some("serial"),
                format!("证书 {serial} 已被吊销"),
                format!("Certificate {serial} is already revoked"),
            ),
            Self::UnknownReason(reason) => d(
                K::BadInput,
                "revocation_reason_unknown",
                Some("reason"),
                format!("不支持的吊销原因 {reason}"),
                format!(
                    "Unknown revocation reason {reason}; use unspecified, key-compromise, \
                     ca-compromise, affiliation-changed, superseded, cessation-of-operation \
                     or privilege-withdrawn"
                ),
            ),
            Self::BatchSize(count) => d(
                K::BadInput,
                "batch_size",
                Some("items"),
                format!("批量签发每批 1 至 10000 张证书，本批为 {count} 张"),
                format!("A batch holds 1 to 10000 certificates, not {count}"),
            ),
            Self::InBatch { index, error } => {
                let inner = error.describe();
                Description {
                    zh: format!("第 {} 项：{}", index + 1, inner.zh),
                    en: format!("Item {}: {}", index + 1, inner.en),
                    ..inner
                }
            }
        }
    }
}
