//! The payment channels a server takes: WeChat Pay and Alipay behind the one
//! `PaymentGateway` the desk calls, each payment going to the channel it was made on.

use async_trait::async_trait;
use signet_core::platform::providers::{Notification, PaymentCode, PaymentGateway, PaymentRequest};
use signet_core::{CoreError, PlatformError};

use crate::alipay::Alipay;
use crate::wechat_pay::WechatPay;

/// The merchant order number for a payment id: WeChat Pay allows 6–32 characters of
/// `[0-9A-Za-z_-|*]`, so a UUID goes without its hyphens.
pub fn trade_number(payment_id: &str) -> String {
    payment_id.replace('-', "")
}

/// The payment id back from a merchant order number made by [`trade_number`].
pub fn payment_id_of(trade_number: &str) -> String {
    let t = trade_number;
    if t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        format!(
            "{}-{}-{}-{}-{}",
            &t[..8],
            &t[8..12],
            &t[12..16],
            &t[16..20],
            &t[20..]
        )
    } else {
        t.to_owned()
    }
}

pub struct Channels {
    wechat: Option<WechatPay>,
    alipay: Option<Alipay>,
}

impl Channels {
    pub fn new(wechat: Option<WechatPay>, alipay: Option<Alipay>) -> Self {
        Self { wechat, alipay }
    }

    fn channel(&self, name: &str) -> Result<&dyn PaymentGateway, CoreError> {
        let gateway: Option<&dyn PaymentGateway> = match name {
            "wechat" => self.wechat.as_ref().map(|g| g as &dyn PaymentGateway),
            "alipay" => self.alipay.as_ref().map(|g| g as &dyn PaymentGateway),
            _ => None,
        };
        gateway.ok_or_else(|| {
            PlatformError::ProviderNotConfigured {
                provider: if name == "alipay" { "alipay" } else { "wechat" },
            }
            .into()
        })
    }
}

#[async_trait]
impl PaymentGateway for Channels {
    async fn create(&self, request: &PaymentRequest<'_>) -> Result<PaymentCode, CoreError> {
        self.channel(request.channel)?.create(request).await
    }

    fn verify(&self, body: &[u8], signature: &str) -> Option<Notification> {
        self.alipay.as_ref()?.verify(body, signature)
    }

    fn verify_request(
        &self,
        body: &[u8],
        header: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> Option<Notification> {
        // WeChat Pay signs in headers; Alipay inside the form body.
        if header("wechatpay-signature").is_some() {
            self.wechat.as_ref()?.verify_request(body, header)
        } else {
            self.alipay.as_ref()?.verify_request(body, header)
        }
    }

    async fn refund(&self, payment_id: &str, amount_fen: i64) -> Result<(), CoreError> {
        // Without the channel: the only configured one, if there is exactly one.
        match (&self.wechat, &self.alipay) {
            (Some(wechat), None) => wechat.refund(payment_id, amount_fen).await,
            (None, Some(alipay)) => alipay.refund(payment_id, amount_fen).await,
            _ => Err(CoreError::internal(
                "refund without a channel on a two-channel server",
            )),
        }
    }

    async fn refund_on(
        &self,
        channel: &str,
        payment_id: &str,
        amount_fen: i64,
    ) -> Result<(), CoreError> {
        self.channel(channel)?.refund(payment_id, amount_fen).await
    }

    fn accepts(&self, channel: &str) -> bool {
        self.channel(channel).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trade_numbers_round_trip() {
        let id = "3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b";
        assert_eq!(trade_number(id), "3f2b8c1e9a4d4e6f8b2a1c3d5e7f9a0b");
        assert_eq!(payment_id_of(&trade_number(id)), id);
        assert_eq!(payment_id_of("other"), "other");
    }
}
