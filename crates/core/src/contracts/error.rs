//! The e-contract wing's refusals, each with a stable code and Chinese and English wording.
//! Nothing was changed when one of these is returned. Each part of the wing keeps its variants
//! in its own section (enterprises, members, seals, employees), so parts grow without touching
//! each other's lines.

use crate::error::{CoreError, Description, ErrorKind};

#[derive(Debug, thiserror::Error)]
pub enum ContractsError {
    // -- shared --
    #[error("real-name authentication required")]
    RealNameRequired,
    #[error("enterprise not certified")]
    NotCertified,
    #[error("role {0} required")]
    RoleRequired(&'static str),
    // -- phone --
    #[error("handwriting capture link expired")]
    CaptureExpired,
    #[error("handwriting capture link already used")]
    CaptureUsed,
    #[error("handwriting is not a PNG")]
    HandwritingNotPng,
    #[error("handwriting PNG not transparent")]
    HandwritingNotTransparent,
    #[error("handwriting is empty")]
    HandwritingEmpty,
    // -- enterprises --
    // -- members --
    // -- seals --
    #[error("seal disabled or void")]
    SealUnusable,
    // -- employees --
}

impl From<ContractsError> for CoreError {
    fn from(error: ContractsError) -> Self {
        Self::Contracts(error)
    }
}

impl ContractsError {
    /// The prefix of this wing's codes in problem `type`s (`contracts.real_name_required`).
    pub const WING: &'static str = "contracts";

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
            // -- shared --
            Self::RealNameRequired => d(
                K::Forbidden,
                "real_name_required",
                None,
                "请先完成实名认证".into(),
                "Please complete real-name authentication first".into(),
            ),
            Self::NotCertified => d(
                K::Conflict,
                "enterprise_not_certified",
                Some("enterprise_id"),
                "该企业尚未完成认证".into(),
                "This enterprise is not certified".into(),
            ),
            Self::RoleRequired(role) => d(
                K::Forbidden,
                "role_required",
                None,
                format!(
                    "需要企业{}权限",
                    super::access::Role::parse(role).map_or("管理员", super::access::Role::name_zh)
                ),
                format!("This needs the enterprise {role} role"),
            ),
            // -- phone --
            Self::CaptureExpired => d(
                K::Conflict,
                "capture_expired",
                None,
                "手写签名采集链接已过期，请在电脑上重新生成二维码".into(),
                "This handwriting link has expired; make a new QR code on the computer".into(),
            ),
            Self::CaptureUsed => d(
                K::Conflict,
                "capture_used",
                None,
                "手写签名已提交，该链接已失效".into(),
                "The handwriting was already submitted; this link no longer works".into(),
            ),
            Self::HandwritingNotPng => d(
                K::BadInput,
                "handwriting_not_png",
                Some("image"),
                "手写签名须为 PNG 图片".into(),
                "The handwriting must be a PNG image".into(),
            ),
            Self::HandwritingNotTransparent => d(
                K::BadInput,
                "handwriting_not_transparent",
                Some("image"),
                "手写签名须为透明背景的 PNG 图片".into(),
                "The handwriting must be a PNG with a transparent background".into(),
            ),
            Self::HandwritingEmpty => d(
                K::BadInput,
                "handwriting_empty",
                Some("image"),
                "请先书写签名再提交".into(),
                "Please write your signature before submitting".into(),
            ),
            // -- enterprises --
            // -- members --
            // -- seals --
            Self::SealUnusable => d(
                K::Conflict,
                "seal_unusable",
                Some("seal_id"),
                "该印章已停用或作废，不能授权或使用".into(),
                "This seal is disabled or void; it cannot be granted or used".into(),
            ),
            // -- employees --
        }
    }
}
