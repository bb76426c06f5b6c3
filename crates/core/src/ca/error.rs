//! The CA wing's refusals: its own (unknown CA, certificate, reason, batch size) and the
//! `PkiError`s a caller can cause, wrapped as they are, each with a stable code and Chinese and
//! English wording. Other `PkiError`s are internal errors.

use signet_pki::PkiError;

use crate::error::{CoreError, Description, ErrorKind, WingError};

/// Why the CA refused a request. Nothing was changed when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("unknown CA {0}")]
    UnknownCa(String),
    #[error("CA {0} does not issue subscriber certificates")]
    NotAnIssuingCa(String),
    /// A refusal `signet-pki` made of what the caller sent (profile, subject, request, algorithm),
    /// kept as the library's own error; [`from_pki`] lets only such refusals in.
    #[error("{0}")]
    Pki(PkiError),
    #[error("profile {0} is not issued on request")]
    ProfileNotIssuable(String),
    #[error("unknown certificate {0}")]
    UnknownCertificate(String),
    #[error("certificate {0} is already revoked")]
    AlreadyRevoked(String),
    #[error("unknown revocation reason {0}")]
    UnknownReason(String),
    /// A root's CRL is signed on the command line (`signet ca crl --ca …-root`); none is stored.
    #[error("no CRL of root {0} has been published")]
    RootCrlNotPublished(String),
    #[error("a batch holds 1 to 10000 certificates, not {0}")]
    BatchSize(usize),
    #[error("batch item {index}: {error}")]
    InBatch { index: usize, error: Box<CaError> },
}

impl From<CaError> for CoreError {
    fn from(error: CaError) -> Self {
        Self::wing_error(error)
    }
}

impl WingError for CaError {
    fn wing(&self) -> &'static str {
        Self::WING
    }

    fn describe(&self) -> Description {
        CaError::describe(self)
    }

    fn label(&self) -> &'static str {
        "certificate authority"
    }
}

/// Maps a library error: what the caller caused becomes [`CaError::Pki`], the rest is internal.
pub fn from_pki(error: PkiError) -> CoreError {
    if is_refusal(&error) {
        CaError::Pki(error).into()
    } else {
        CoreError::internal(format!("pki: {} ({error})", error.code()))
    }
}

/// Whether the caller caused `error` (and can fix it), rather than the CA or its data.
fn is_refusal(error: &PkiError) -> bool {
    matches!(
        error,
        PkiError::UnknownProfile(_)
            | PkiError::InvalidName(_)
            | PkiError::InvalidCreditCode
            | PkiError::InvalidIdNumber
            | PkiError::MalformedCsr(_)
            | PkiError::CsrTooLarge(_)
            | PkiError::ProofOfPossession
            | PkiError::AlgorithmNotAllowed { .. }
            | PkiError::UnsupportedAlgorithm(_)
    )
}

impl CaError {
    /// The prefix of this wing's codes in problem `type`s (`ca.certificate_unknown`).
    pub const WING: &'static str = "ca";

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
            Self::ProfileNotIssuable(name) => d(
                K::BadInput,
                "profile_not_issuable",
                Some("profile"),
                format!("证书模板 {name} 不能按申请签发"),
                format!("Profile {name} is not issued on request"),
            ),
            Self::Pki(error) => describe_pki(error),
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
            Self::RootCrlNotPublished(name) => d(
                K::Unavailable,
                "root_crl_not_published",
                Some("ca"),
                format!("根 CA {name} 尚未发布 CRL，请在命令行运行 signet ca crl --ca {name}"),
                format!(
                    "Root {name} has no published CRL yet; \
                     run `signet ca crl --ca {name}` on the command line"
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

/// The wording of a [`PkiError`] the caller caused; anything else reads as an internal error.
fn describe_pki(error: &PkiError) -> Description {
    use ErrorKind as K;
    let d = |kind, code, field: Option<&'static str>, zh: String, en: String| Description {
        kind,
        code,
        field,
        zh,
        en,
        retry_after: None,
    };
    match error {
        PkiError::UnknownProfile(name) => d(
            K::BadInput,
            "profile_unknown",
            Some("profile"),
            format!("不存在证书模板 {name}"),
            format!("There is no certificate profile {name}"),
        ),
        PkiError::InvalidName(what) => d(
            K::BadInput,
            "subject_invalid",
            Some("subject"),
            format!("证书主题不正确：{what}"),
            format!("The subject name is not valid: {what}"),
        ),
        PkiError::InvalidCreditCode => d(
            K::BadInput,
            "credit_code_invalid",
            Some("subject"),
            "统一社会信用代码格式或校验位不正确".to_owned(),
            "The unified social credit code is malformed or its check character is wrong"
                .to_owned(),
        ),
        PkiError::InvalidIdNumber => d(
            K::BadInput,
            "id_number_invalid",
            Some("subject"),
            "身份证号码格式或校验位不正确".to_owned(),
            "The resident identity number is malformed or its check digit is wrong".to_owned(),
        ),
        PkiError::MalformedCsr(what) => d(
            K::BadInput,
            "csr_malformed",
            Some("csr"),
            format!("证书请求（PKCS#10）格式不正确：{what}"),
            format!("The certificate request (PKCS#10) is malformed: {what}"),
        ),
        PkiError::CsrTooLarge(size) => d(
            K::PayloadTooLarge,
            "csr_too_large",
            Some("csr"),
            format!("证书请求过大（{size} 字节）"),
            format!("The certificate request is too large ({size} bytes)"),
        ),
        PkiError::ProofOfPossession => d(
            K::BadInput,
            "csr_signature_invalid",
            Some("csr"),
            "证书请求的签名验证失败，无法证明持有私钥".to_owned(),
            "The certificate request's signature does not verify: no proof of possession"
                .to_owned(),
        ),
        PkiError::AlgorithmNotAllowed { algorithm, profile } => d(
            K::BadInput,
            "algorithm_not_allowed",
            Some("csr"),
            format!("该 CA 的证书模板 {profile} 不接受 {algorithm} 密钥"),
            format!("Profile {profile} under this CA does not accept {algorithm} keys"),
        ),
        PkiError::UnsupportedAlgorithm(what) => d(
            K::BadInput,
            "algorithm_unsupported",
            Some("csr"),
            format!("不支持的算法：{what}"),
            format!("Unsupported algorithm: {what}"),
        ),
        other => CoreError::internal(other.to_string()).describe(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wing_errors_keep_their_codes_and_name_their_wing() {
        let ca = CoreError::from(CaError::UnknownCa("x".into()));
        assert_eq!(
            (ca.code(), ca.qualified_code().as_str(), ca.kind()),
            ("ca_unknown", "ca.ca_unknown", ErrorKind::NotFound)
        );
        assert_eq!(ca.to_string(), "certificate authority: unknown CA x");
        assert!(matches!(ca.as_wing::<CaError>(), Some(CaError::UnknownCa(name)) if name == "x"));
        // A refusal of the library is the CA's; anything else of it is internal.
        let refused = from_pki(PkiError::InvalidCreditCode);
        assert_eq!(refused.qualified_code(), "ca.credit_code_invalid");
        let internal = from_pki(PkiError::Key("broken".into()));
        assert_eq!(internal.qualified_code(), "platform.internal");
    }
}
