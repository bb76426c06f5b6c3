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
    #[error("consent to the current texts required")]
    ConsentRequired,
    #[error("already real-named")]
    AlreadyRealNamed,
    #[error("ID number belongs to another account")]
    IdNumberTaken,
    #[error("too many real-name checks")]
    RealNameTries,
    #[error("invalid credit code")]
    CreditCodeInvalid,
    #[error("credit code certified or being certified by someone else")]
    CreditCodeTaken,
    #[error("a certification of this enterprise is open")]
    CertificationOpen,
    #[error("withdraw refused: {0}")]
    WithdrawRefused(&'static str),
    #[error("enterprise state {0} does not allow this")]
    EnterpriseState(String),
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

    #[expect(
        clippy::too_many_lines,
        reason = "one arm per refusal, in the sections each part of the wing owns"
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
                format!("需要企业{}权限", super::access::Role::parse(role).map_or("管理员", super::access::Role::name_zh)),
                format!("This needs the enterprise {role} role"),
            ),
            // -- enterprises --
            Self::ConsentRequired => d(
                K::BadInput,
                "consent_required",
                Some("consents"),
                "请先阅读并同意《个人信息保护政策》和《个人生物识别信息保护声明》的当前版本".into(),
                "Please read and accept the current privacy policy and biometric notice first".into(),
            ),
            Self::AlreadyRealNamed => d(
                K::Conflict,
                "already_real_named",
                None,
                "您已完成实名认证".into(),
                "You have already completed real-name authentication".into(),
            ),
            Self::IdNumberTaken => d(
                K::Conflict,
                "id_number_taken",
                Some("id_number"),
                "该证件号已由其他账号完成实名认证，一个证件号只能认证一个账号".into(),
                "This ID number is real-named on another account; one ID number, one account".into(),
            ),
            Self::RealNameTries => d(
                K::TooMany,
                "real_name_tries",
                None,
                "今日实名核验次数已达上限，请明天再试".into(),
                "Too many real-name checks today; please try again tomorrow".into(),
            ),
            Self::CreditCodeInvalid => d(
                K::BadInput,
                "credit_code_invalid",
                Some("credit_code"),
                "统一社会信用代码不正确（18 位，校验码须符合 GB 32100-2015）".into(),
                "The unified social credit code is not valid (18 characters with a GB 32100-2015 check character)".into(),
            ),
            Self::CreditCodeTaken => d(
                K::Conflict,
                "credit_code_taken",
                Some("credit_code"),
                "该企业已由他人认证或正在认证中".into(),
                "This enterprise is certified, or being certified, by someone else".into(),
            ),
            Self::CertificationOpen => d(
                K::Conflict,
                "certification_open",
                Some("credit_code"),
                "您已在认证该企业，请在“我的企业”中继续认证".into(),
                "You are already certifying this enterprise; continue it under My enterprises".into(),
            ),
            Self::WithdrawRefused(why) => d(
                K::Conflict,
                "withdraw_refused",
                None,
                format!(
                    "认证申请{}，不能撤销",
                    if *why == "paid" { "已支付" } else { "已审核通过" }
                ),
                format!("The certification was already {why}; it cannot be withdrawn"),
            ),
            Self::EnterpriseState(state) => d(
                K::Conflict,
                "enterprise_state",
                None,
                format!("企业当前状态（{}）不允许此操作", super::enterprises::state_label(state)),
                format!("The enterprise's state ({state}) does not allow this"),
            ),
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
