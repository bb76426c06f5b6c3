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
    #[error("already a member of the enterprise")]
    AlreadyMember,
    #[error("a join request is already pending")]
    JoinPending,
    #[error("the join request is not pending")]
    RequestNotPending,
    #[error("the business type is switched off")]
    BusinessTypeInactive,
    #[error("a business type of that name exists")]
    BusinessTypeTaken,
    #[error("someone must take over the member's contracts")]
    TakeoverRequired,
    #[error("the administrator cannot be removed or leave")]
    AdminStays,
    #[error("cannot act on oneself here")]
    NotOneself,
    #[error("the claimant is not the legal representative")]
    NotLegalRep,
    #[error("the identity check failed: {0}")]
    ClaimCheckFailed(String),
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
            // -- enterprises --
            // -- members --
            Self::AlreadyMember
            | Self::JoinPending
            | Self::RequestNotPending
            | Self::BusinessTypeInactive
            | Self::BusinessTypeTaken
            | Self::TakeoverRequired
            | Self::AdminStays
            | Self::NotOneself
            | Self::NotLegalRep
            | Self::ClaimCheckFailed(_) => super::members::errors::describe(self),
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
