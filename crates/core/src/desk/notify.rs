//! Telling the applicant what happened to an order, by SMS and email to the contact on the form.
//! Sent after the change commits; a failed message is logged and does not undo the change.

use super::orders::Order;
use crate::Platform;
use crate::platform::providers::{EmailMessage, SmsMessage};

pub async fn applicant(platform: &Platform, order: &Order, subject: &str, text: &str) {
    let Some(person) = order.form.person.as_ref() else {
        return;
    };
    let sms = SmsMessage {
        text: format!("【Signet】您的订单 {} {text}", order.number),
        code: None,
    };
    if let Err(error) = platform.sms.send(&person.phone, &sms).await {
        tracing::warn!(order = %order.number, %error, "order SMS not sent");
    }
    if !person.email.is_empty() {
        let mail = EmailMessage {
            subject: format!("{subject}（订单 {}）", order.number),
            body: format!(
                "{}：\n\n您的订单 {} {text}\n\n查看订单：{}\n\nSignet 数字证书服务",
                person.name,
                order.number,
                platform.link(&format!("/orders/{}", order.id))
            ),
        };
        if let Err(error) = platform.email.send(&person.email, &mail).await {
            tracing::warn!(order = %order.number, %error, "order email not sent");
        }
    }
}
