//! Telling the applicant what happened to an order, by SMS and email to the contact on the form.
//! The messages are outbox jobs written in the transaction of the change they announce: they go
//! out if and only if the change commits, and a crash after the commit delays them, never loses them.

use super::orders::Order;
use crate::Platform;
use crate::error::CoreError;
use crate::platform::db::Tx;
use crate::platform::jobs::messages;

/// Queues the SMS (and the e-mail, when the form has an address) in `tx`. `order` is the order
/// as read before the change: its version names this transition, so each transition notifies
/// once however often the caller's job or request is repeated.
pub async fn applicant(
    platform: &Platform,
    tx: &mut Tx,
    order: &Order,
    subject: &str,
    text: &str,
) -> Result<(), CoreError> {
    let Some(person) = order.form.person.as_ref() else {
        return Ok(());
    };
    let key = format!("desk.notify:{}:{}", order.id, order.version);
    messages::sms(
        platform,
        tx,
        &format!("{key}:sms"),
        &person.phone,
        &format!("【Signet】您的订单 {} {text}", order.number),
    )
    .await?;
    if !person.email.is_empty() {
        messages::email(
            platform,
            tx,
            &format!("{key}:email"),
            &person.email,
            &format!("{subject}（订单 {}）", order.number),
            &format!(
                "{}：\n\n您的订单 {} {text}\n\n查看订单：{}\n\nSignet 数字证书服务",
                person.name,
                order.number,
                platform.link(&format!("/orders/{}", order.id))
            ),
        )
        .await?;
    }
    Ok(())
}
