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
            Self::SealUnusable
            | Self::SealImageNotPng
            | Self::SealImageNotTransparent
            | Self::SealImageEmpty
            | Self::SealImageTooBig { .. }
            | Self::SealExists
            | Self::SealState { .. }
            | Self::SealNoCertificate
            | Self::SealText { .. } => super::seals::errors::describe(self),
            // -- employees --
        }
    }
}
