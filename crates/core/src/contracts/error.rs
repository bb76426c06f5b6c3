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
    // -- enterprises --
    // -- members --
    // -- seals --
    #[error("seal disabled or void")]
    SealUnusable,
    #[error("seal image is not a PNG")]
    SealImageNotPng,
    #[error("seal image has no transparent background")]
    SealImageNotTransparent,
    #[error("seal image is empty")]
    SealImageEmpty,
    #[error("seal image larger than {max_side} pixels")]
    SealImageTooBig { max_side: u32 },
    #[error("a seal of this type exists")]
    SealExists,
    #[error("seal state does not allow this")]
    SealState { state: String },
    #[error("enterprise has no certificate")]
    SealNoCertificate,
    #[error("seal text cannot be drawn")]
    SealText { what: String },
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
            Self::SealImageNotPng => d(
                K::BadInput,
                "seal_image_not_png",
                Some("image"),
                "印章图片必须是 PNG 文件".into(),
                "The seal image must be a PNG file".into(),
            ),
            Self::SealImageNotTransparent => d(
                K::BadInput,
                "seal_image_not_transparent",
                Some("image"),
                "印章图片必须是透明背景的 PNG（带透明通道）".into(),
                "The seal image must be a PNG with a transparent background (an alpha channel)"
                    .into(),
            ),
            Self::SealImageEmpty => d(
                K::BadInput,
                "seal_image_empty",
                Some("image"),
                "印章图片是空白的".into(),
                "The seal image is blank".into(),
            ),
            Self::SealImageTooBig { max_side } => d(
                K::BadInput,
                "seal_image_too_big",
                Some("image"),
                format!("印章图片的宽和高不能超过 {max_side} 像素"),
                format!("The seal image may be at most {max_side} pixels wide and high"),
            ),
            Self::SealExists => d(
                K::Conflict,
                "seal_exists",
                Some("seal_type"),
                "该类型的印章已存在，可替换其图片".into(),
                "A seal of this type exists; replace its image instead".into(),
            ),
            Self::SealState { state } => d(
                K::Conflict,
                "seal_state",
                Some("seal_id"),
                match state.as_str() {
                    "void" => "该印章已作废，不能再操作".into(),
                    "active" => "该印章已是启用状态".into(),
                    _ => "该印章已是停用状态".into(),
                },
                format!("The seal is {state}; this cannot be done now"),
            ),
            Self::SealNoCertificate => d(
                K::Conflict,
                "seal_no_certificate",
                Some("enterprise_id"),
                "企业证书尚未签发，印章须绑定企业证书".into(),
                "The enterprise has no certificate yet; seals are bound to it".into(),
            ),
            Self::SealText { what } => d(
                K::BadInput,
                "seal_text",
                Some("name"),
                format!("印章文字无法生成：{what}"),
                format!("The seal's text cannot be drawn: {what}"),
            ),
            // -- employees --
        }
    }
}
