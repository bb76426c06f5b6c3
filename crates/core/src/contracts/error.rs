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
            Self::AlreadyMember => d(
                K::Conflict,
                "already_member",
                Some("enterprise_id"),
                "您已是该企业的成员".into(),
                "You are already a member of this enterprise".into(),
            ),
            Self::JoinPending => d(
                K::Conflict,
                "join_pending",
                Some("enterprise_id"),
                "您加入该企业的申请正在审核中，请勿重复申请".into(),
                "Your request to join this enterprise is already waiting for review".into(),
            ),
            Self::RequestNotPending => d(
                K::Conflict,
                "join_request_not_pending",
                None,
                "该申请已处理或已撤销".into(),
                "This request has already been decided or withdrawn".into(),
            ),
            Self::BusinessTypeInactive => d(
                K::Conflict,
                "business_type_inactive",
                Some("business_type_ids"),
                "该业务类型已停用".into(),
                "This business type is switched off".into(),
            ),
            Self::BusinessTypeTaken => d(
                K::Conflict,
                "business_type_taken",
                Some("name"),
                "已有同名的业务类型".into(),
                "A business type of this name already exists".into(),
            ),
            Self::TakeoverRequired => d(
                K::Conflict,
                "takeover_required",
                Some("takeover_user_id"),
                "该成员仍有合同权限，请指定接手人后再删除".into(),
                "This member still holds contracts; name who takes them over first".into(),
            ),
            Self::AdminStays => d(
                K::Conflict,
                "admin_stays",
                Some("user_id"),
                "企业管理员不能被删除或退出，请先转让管理员".into(),
                "The administrator cannot be removed or leave; transfer the role first".into(),
            ),
            Self::NotOneself => d(
                K::BadInput,
                "not_oneself",
                Some("user_id"),
                "不能对自己执行此操作".into(),
                "You cannot do this to yourself".into(),
            ),
            Self::NotLegalRep => d(
                K::Forbidden,
                "not_legal_rep",
                None,
                "您的实名信息与该企业的法定代表人不一致".into(),
                "Your verified name is not the enterprise's legal representative".into(),
            ),
            Self::ClaimCheckFailed(why) => d(
                K::Conflict,
                "claim_check_failed",
                None,
                format!("身份核验未通过：{why}"),
                "The identity check did not pass".into(),
            ),
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
