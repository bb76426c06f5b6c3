//! The wording of billing's refusals ([`ContractsError`]'s `-- billing --` section).

use crate::contracts::ContractsError;
use crate::error::{Description, ErrorKind};

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

pub(crate) fn describe(error: &ContractsError) -> Description {
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
        ContractsError::BillingInput { field, zh, en } => d(
            K::BadInput,
            "billing_input",
            Some(*field),
            zh.clone(),
            en.clone(),
        ),
        ContractsError::PackageNotOnSale => d(
            K::Conflict,
            "package_not_on_sale",
            Some("package_id"),
            "该套餐已下架，请选择其他套餐".into(),
            "This package is no longer on sale; choose another one".into(),
        ),
        ContractsError::ChannelUnavailable(channel) => d(
            K::BadInput,
            "channel_unavailable",
            Some("channel"),
            format!("暂不支持该支付方式（{channel}）"),
            format!("The payment channel {channel} is not available"),
        ),
        ContractsError::NotificationReplayed => d(
            K::Conflict,
            "notification_replayed",
            None,
            "该支付通知已处理过，或该订单已结算；未做任何更改".into(),
            "This payment notification was already handled, or the purchase is settled; nothing changed".into(),
        ),
        ContractsError::PaymentMismatch => d(
            K::BadInput,
            "payment_mismatch",
            Some("amount_fen"),
            "支付金额与订单金额不符，未入账".into(),
            "The paid amount does not match the purchase; nothing was credited".into(),
        ),
        ContractsError::InvoiceOverAmount { asked, invoiceable } => d(
            K::Conflict,
            "invoice_over_amount",
            Some("amount_fen"),
            format!(
                "申请开票金额 {} 元超过可开票金额 {} 元",
                yuan(*asked),
                yuan(*invoiceable)
            ),
            format!(
                "The invoice of {} yuan is more than the invoiceable {} yuan",
                yuan(*asked),
                yuan(*invoiceable)
            ),
        ),
        ContractsError::InvoiceIssued => d(
            K::Conflict,
            "invoice_issued",
            None,
            "该发票已开具".into(),
            "This invoice has already been issued".into(),
        ),
        _ => d(
            K::Internal,
            "internal",
            None,
            "内部错误".into(),
            "Internal error".into(),
        ),
    }
}
