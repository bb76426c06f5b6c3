//! The desk's refusals, each with a stable code and Chinese and English wording. Nothing was
//! changed when one of these is returned.

use crate::error::{CoreError, Description, ErrorKind, WingError};

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("unknown product")]
    UnknownProduct,
    #[error("product does not offer this business")]
    BusinessNotOffered,
    #[error("order {0} not allowed in state {1}")]
    Transition(&'static str, &'static str),
    #[error("another open order for this identity and business")]
    OpenOrderExists,
    #[error("form incomplete: {0}")]
    Missing(&'static str),
    #[error("term not offered")]
    TermNotOffered,
    #[error("quantity not allowed")]
    QuantityNotAllowed { min: i64, max: i64 },
    #[error("verification method not offered")]
    MethodNotOffered,
    #[error("verification session not open")]
    VerificationClosed,
    #[error("no checks of this kind left for this party and order")]
    VerificationAttemptsExhausted,
    #[error("wrong amount")]
    WrongAmount { tries_left: i64 },
    #[error("material kind not required by product")]
    UnknownMaterial,
    #[error("payment amount mismatch")]
    PaymentMismatch,
    #[error("payment notification signature invalid")]
    BadNotification,
    #[error("payment notification replayed")]
    NotificationReplayed,
    #[error("staff role required")]
    StaffOnly,
    #[error("staff may not review or refund their own application")]
    OwnApplication,
    #[error("tracking number exists")]
    AlreadyShipped,
    #[error("link expired or used")]
    LinkExpired,
    #[error("reason required")]
    ReasonRequired,
    #[error("not paid")]
    NotPaid,
    #[error("renewal refused: {en}")]
    RenewalRefused { zh: String, en: String },
}

impl From<DeskError> for CoreError {
    fn from(error: DeskError) -> Self {
        Self::wing_error(error)
    }
}

impl WingError for DeskError {
    fn wing(&self) -> &'static str {
        Self::WING
    }

    fn describe(&self) -> Description {
        DeskError::describe(self)
    }
}

impl DeskError {
    /// The prefix of this wing's codes in problem `type`s (`desk.product_unknown`).
    pub const WING: &'static str = "desk";

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
            Self::UnknownProduct => d(
                K::NotFound,
                "product_unknown",
                Some("product_id"),
                "该产品不存在或已下架".into(),
                "This product does not exist or is no longer offered".into(),
            ),
            Self::BusinessNotOffered => d(
                K::BadInput,
                "business_not_offered",
                Some("kind"),
                "该产品不提供此项业务".into(),
                "This product does not offer this business".into(),
            ),
            Self::Transition(action, state) => d(
                K::Conflict,
                "order_state",
                None,
                format!(
                    "订单当前为“{}”，不能{}",
                    super::orders::OrderState::label_of(state),
                    action_zh(action)
                ),
                format!("The order is {state}; it cannot {action} now"),
            ),
            Self::OpenOrderExists => d(
                K::Conflict,
                "order_open_exists",
                Some("id_number"),
                "您已有一笔该证件号码的未完成同类业务订单，请在“我的订单”中继续办理".into(),
                "You already have an unfinished order of this business for this ID number; continue it from My orders".into(),
            ),
            Self::Missing(field) => d(
                K::BadInput,
                "form_incomplete",
                Some(field),
                format!("请填写完整：{}", field_zh(field)),
                format!("Please complete: {field}"),
            ),
            Self::TermNotOffered => d(
                K::BadInput,
                "term_not_offered",
                Some("term_years"),
                "该产品不提供所选的证书有效期".into(),
                "This product does not offer the chosen term".into(),
            ),
            Self::QuantityNotAllowed { min, max } => d(
                K::BadInput,
                "quantity_not_allowed",
                Some("quantity"),
                if min == max {
                    format!("该项目须申请 {min} 张证书")
                } else {
                    format!("证书数量须在 {min}–{max} 张之间")
                },
                format!("Quantity must be between {min} and {max}"),
            ),
            Self::MethodNotOffered => d(
                K::BadInput,
                "method_not_offered",
                Some("method"),
                "该产品不支持此核验方式".into(),
                "This product does not offer this verification method".into(),
            ),
            Self::VerificationClosed => d(
                K::Conflict,
                "verification_closed",
                None,
                "该核验已结束或已过期，请重新发起".into(),
                "This check has ended or expired; start a new one".into(),
            ),
            Self::VerificationAttemptsExhausted => d(
                K::TooMany,
                "verification_attempts_exhausted",
                Some("method"),
                "该核验方式的次数已用完，请改用其他核验方式，或选择线下邮寄申请由人工审核".into(),
                "No more checks of this kind for this order; choose another method or the offline mail flow".into(),
            ),
            Self::WrongAmount { tries_left } => d(
                K::BadInput,
                "deposit_amount_wrong",
                Some("amount"),
                format!("打款金额不正确，还可尝试 {tries_left} 次"),
                format!("The amount is wrong; {tries_left} tries left"),
            ),
            Self::UnknownMaterial => d(
                K::BadInput,
                "material_unknown",
                Some("kind"),
                "该产品不需要此类材料".into(),
                "This product does not ask for this kind of material".into(),
            ),
            Self::PaymentMismatch => d(
                K::BadInput,
                "payment_mismatch",
                Some("amount_fen"),
                "支付通知的金额与订单不符".into(),
                "The notified amount does not match the payment".into(),
            ),
            Self::BadNotification => d(
                K::Unauthorized,
                "notification_signature",
                Some("signature"),
                "支付通知签名无效".into(),
                "The payment notification's signature is not valid".into(),
            ),
            Self::NotificationReplayed => d(
                K::Conflict,
                "notification_replayed",
                Some("notify_id"),
                "该支付通知已处理过".into(),
                "This payment notification was already processed".into(),
            ),
            Self::StaffOnly => d(
                K::Forbidden,
                "staff_only",
                None,
                "需要 CA 工作人员权限".into(),
                "This needs a CA staff role".into(),
            ),
            Self::OwnApplication => d(
                K::Forbidden,
                "own_application",
                None,
                "不能审核或退款本人提交的申请，请由其他审核员办理".into(),
                "You cannot review or refund your own application; another reviewer must do it".into(),
            ),
            Self::AlreadyShipped => d(
                K::Conflict,
                "already_shipped",
                Some("shipping"),
                "证书已发货，收货信息不能再修改".into(),
                "The order has shipped; the address can no longer change".into(),
            ),
            Self::LinkExpired => d(
                K::BadInput,
                "link_expired",
                None,
                "链接已失效，请重新获取".into(),
                "This link has expired or was used".into(),
            ),
            Self::ReasonRequired => d(
                K::BadInput,
                "reason_required",
                Some("reason"),
                "请填写驳回原因".into(),
                "Give the reason".into(),
            ),
            Self::RenewalRefused { zh, en } => d(
                K::Conflict,
                "renewal_refused",
                None,
                zh.clone(),
                en.clone(),
            ),
            Self::NotPaid => d(
                K::Conflict,
                "not_paid",
                None,
                "订单尚未支付".into(),
                "The order is not paid".into(),
            ),
        }
    }
}

fn action_zh(action: &str) -> &'static str {
    match action {
        "save" => "修改申请信息",
        "submit" => "提交",
        "verify" => "进行身份核验",
        "pay" => "支付",
        "approve" | "reject" => "审核",
        "produce" => "制证",
        "ship" => "发货",
        "download" => "下载证书",
        "cancel" => "取消",
        "refund" => "退款",
        _ => "进行此操作",
    }
}

fn field_zh(field: &str) -> &'static str {
    match field {
        "organisation" => "单位信息",
        "organisation.name" => "单位名称",
        "organisation.id_number" => "统一社会信用代码",
        "organisation.legal_rep_name" => "法定代表人姓名",
        "organisation.legal_rep_id_number" => "法定代表人证件号码",
        "person" => "经办人/持有人信息",
        "person.name" => "姓名",
        "person.id_number" => "证件号码",
        "person.phone" => "手机号码",
        "person.email" => "电子邮箱",
        "shipping" => "收货信息",
        "invoice" => "发票信息",
        "materials" => "申请材料",
        "seal_image" => "印章图片",
        "bank" => "对公账户",
        _ => "必填项",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desk_errors_keep_their_codes_and_name_their_wing() {
        let desk = CoreError::from(DeskError::UnknownProduct);
        assert_eq!(desk.code(), "product_unknown");
        assert_eq!(desk.qualified_code(), "desk.product_unknown");
        assert_eq!(desk.to_string(), "desk: unknown product");
        assert!(desk.as_wing::<crate::ca::CaError>().is_none());
        assert!(matches!(
            desk.into_wing::<DeskError>(),
            Ok(DeskError::UnknownProduct)
        ));
    }
}
