//! Payment gateways (WeChat Pay, Alipay QR codes) behind one trait, and the sandbox gateway: it
//! hands out a pay/fail page instead of a QR code that a phone would scan, and signs its
//! notifications with HMAC-SHA256 the way real gateways sign theirs, so the same verification
//! path runs in tests as in production.

use async_trait::async_trait;
use hmac::{Hmac, KeyInit as _, Mac};
use secrecy::{ExposeSecret, SecretBox};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::CoreError;

/// A payment to collect.
#[derive(Debug, Clone)]
pub struct PaymentRequest<'a> {
    pub payment_id: &'a str,
    pub channel: &'a str,
    pub amount_fen: i64,
    pub description: &'a str,
}

/// What the payer is shown: a QR code's content (a URL for the sandbox page).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentCode {
    pub code_url: String,
}

/// A gateway's notification of a payment's result, once its signature checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    /// The gateway's id of this notification; each is accepted once.
    pub notify_id: String,
    pub payment_id: String,
    pub amount_fen: i64,
    /// `paid` or `failed`.
    pub result: String,
    /// The gateway's transaction number.
    pub transaction: String,
}

#[async_trait]
pub trait PaymentGateway: Send + Sync {
    async fn create(&self, request: &PaymentRequest<'_>) -> Result<PaymentCode, CoreError>;
    /// Checks a notification's signature and reads it; `None` when the signature is wrong.
    fn verify(&self, body: &[u8], signature: &str) -> Option<Notification>;
    async fn refund(&self, payment_id: &str, amount_fen: i64) -> Result<(), CoreError>;
    /// Refunds through the channel the payment was made on (gateways that serve several
    /// channels need it; single-channel ones ignore it).
    async fn refund_on(
        &self,
        channel: &str,
        payment_id: &str,
        amount_fen: i64,
    ) -> Result<(), CoreError> {
        let _ = channel;
        self.refund(payment_id, amount_fen).await
    }
    /// Checks a notification as it arrived over HTTP: `header` looks a request header up by its
    /// lower-case name. Gateways whose signature is spread over several headers override it.
    fn verify_request(
        &self,
        body: &[u8],
        header: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> Option<Notification> {
        self.verify(body, &header("x-signet-signature").unwrap_or_default())
    }
    /// Whether `channel` (`wechat`, `alipay`) can take payments on this server.
    fn accepts(&self, channel: &str) -> bool {
        let _ = channel;
        true
    }
}

/// The sandbox gateway.
pub struct SandboxGateway {
    key: SecretBox<[u8; 32]>,
}

impl SandboxGateway {
    pub fn new(key: [u8; 32]) -> Self {
        Self {
            key: SecretBox::new(Box::new(key)),
        }
    }

    fn mac(&self, body: &[u8]) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.key.expose_secret()) else {
            return String::new();
        };
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }

    /// What the sandbox pay page sends: the notification body and its signature.
    pub fn sign(&self, notification: &Notification) -> Result<(Vec<u8>, String), CoreError> {
        let body = serde_json::to_vec(notification)
            .map_err(|e| CoreError::internal(format!("json: {e}")))?;
        let signature = self.mac(&body);
        Ok((body, signature))
    }
}

#[async_trait]
impl PaymentGateway for SandboxGateway {
    async fn create(&self, request: &PaymentRequest<'_>) -> Result<PaymentCode, CoreError> {
        Ok(PaymentCode {
            // Relative: the web app shows it as a QR code and as a link to the pay/fail page.
            code_url: format!(
                "/sandbox/pay/{}?channel={}",
                request.payment_id, request.channel
            ),
        })
    }

    fn verify(&self, body: &[u8], signature: &str) -> Option<Notification> {
        let expected = self.mac(body);
        let same = expected.len() == signature.len()
            && expected
                .bytes()
                .zip(signature.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !same {
            return None;
        }
        serde_json::from_slice(body).ok()
    }

    async fn refund(&self, _payment_id: &str, _amount_fen: i64) -> Result<(), CoreError> {
        Ok(())
    }
}
