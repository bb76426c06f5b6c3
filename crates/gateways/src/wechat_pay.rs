//! WeChat Pay API v3, native (QR code) payments: `POST /v3/pay/transactions/native` for the
//! `code_url`, refunds through `POST /v3/refund/domestic/refunds`.
//!
//! Requests carry `Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,signature=…,
//! timestamp=…,serial_no=…`, the signature being `SHA256withRSA` by the merchant key over
//! `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n`. Answers and notifications are signed by WeChat
//! Pay over `TIMESTAMP\nNONCE\nBODY\n` (headers `Wechatpay-Timestamp`, `-Nonce`, `-Signature`,
//! `-Serial`), checked with the platform public key; a notification's `resource` is
//! `AEAD_AES_256_GCM`-encrypted under the `APIv3` key with its `nonce` and `associated_data`.

use std::sync::Arc;

use async_trait::async_trait;
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use signet_core::CoreError;
use signet_core::platform::clock::Clock;
use signet_core::platform::providers::{Notification, PaymentCode, PaymentGateway, PaymentRequest};
use signet_core::platform::random::Random;

use crate::ConfigError;
use crate::config::WechatPayConfig;
use crate::http::{client, failed, parse_endpoint};
use crate::payments::{payment_id_of, trade_number};
use crate::pem;
use crate::rsa::{RsaSigner, RsaVerifier};

/// Answers and notifications older or newer than this are refused (replay window).
pub const MAX_SKEW: i64 = 300;

/// What the merchant signs for a request.
pub fn request_message(
    method: &str,
    path: &str,
    timestamp: i64,
    nonce: &str,
    body: &str,
) -> String {
    format!("{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n")
}

/// What WeChat Pay signs for an answer or a notification.
pub fn answer_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    message
}

pub fn authorization(
    mch_id: &str,
    serial_no: &str,
    nonce: &str,
    timestamp: i64,
    signature: &str,
) -> String {
    format!(
        "WECHATPAY2-SHA256-RSA2048 mchid=\"{mch_id}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{serial_no}\""
    )
}

fn gcm_key(api_v3_key: &[u8]) -> Option<LessSafeKey> {
    Some(LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, api_v3_key).ok()?,
    ))
}

/// Decrypts a notification's `resource.ciphertext` (base64 of ciphertext and tag).
pub fn decrypt_resource(
    api_v3_key: &[u8],
    nonce: &str,
    associated_data: &str,
    ciphertext: &str,
) -> Option<Vec<u8>> {
    let key = gcm_key(api_v3_key)?;
    let nonce = Nonce::try_assume_unique_for_key(nonce.as_bytes()).ok()?;
    let mut in_out = STANDARD.decode(ciphertext).ok()?;
    let plain = key
        .open_in_place(nonce, Aad::from(associated_data.as_bytes()), &mut in_out)
        .ok()?;
    Some(plain.to_vec())
}

/// The inverse of [`decrypt_resource`], as WeChat Pay encrypts: for stand-ins and tests.
pub fn encrypt_resource(
    api_v3_key: &[u8],
    nonce: &str,
    associated_data: &str,
    plain: &[u8],
) -> Option<String> {
    let key = gcm_key(api_v3_key)?;
    let nonce = Nonce::try_assume_unique_for_key(nonce.as_bytes()).ok()?;
    let mut in_out = plain.to_vec();
    key.seal_in_place_append_tag(nonce, Aad::from(associated_data.as_bytes()), &mut in_out)
        .ok()?;
    Some(STANDARD.encode(in_out))
}

pub struct WechatPay {
    mch_id: String,
    app_id: String,
    serial_no: String,
    platform_serial: String,
    api_v3_key: Vec<u8>,
    notify_url: String,
    endpoint: reqwest::Url,
    signer: RsaSigner,
    verifier: RsaVerifier,
    client: reqwest::Client,
    clock: Arc<dyn Clock>,
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    event_type: String,
    resource: Resource,
}

#[derive(Deserialize)]
struct Resource {
    algorithm: String,
    ciphertext: String,
    #[serde(default)]
    associated_data: String,
    nonce: String,
}

#[derive(Deserialize)]
#[expect(
    clippy::struct_field_names,
    reason = "the field names are WeChat Pay's JSON names"
)]
struct Transaction {
    mchid: String,
    out_trade_no: String,
    transaction_id: String,
    trade_state: String,
    amount: Amount,
}

#[derive(Deserialize)]
struct Amount {
    total: i64,
}

#[derive(Deserialize)]
struct CodeAnswer {
    code_url: String,
}

impl WechatPay {
    pub fn new(
        config: &WechatPayConfig,
        public_url: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, ConfigError> {
        if config.api_v3_key.len() != 32 {
            return Err(ConfigError(
                "[wechat_pay] api_v3_key must be 32 characters".into(),
            ));
        }
        Ok(Self {
            mch_id: config.mch_id.clone(),
            app_id: config.app_id.clone(),
            serial_no: config.serial_no.clone(),
            platform_serial: config.platform_serial.clone(),
            api_v3_key: config.api_v3_key.as_bytes().to_vec(),
            notify_url: config
                .notify_url
                .clone()
                .unwrap_or_else(|| format!("{public_url}/api/v1/payments/notify/wechat")),
            endpoint: parse_endpoint(
                config
                    .endpoint
                    .as_deref()
                    .unwrap_or("https://api.mch.weixin.qq.com"),
            )?,
            signer: RsaSigner::from_pkcs8_der(&pem::der_file(
                &config.private_key_file,
                "PRIVATE KEY",
            )?)?,
            verifier: RsaVerifier::from_spki_der(&pem::der_file(
                &config.platform_public_key_file,
                "PUBLIC KEY",
            )?)?,
            client: client()?,
            clock,
        })
    }

    /// Checks WeChat Pay's signature headers over `body`: the serial must be the configured
    /// one, the time within [`MAX_SKEW`], the RSA signature valid.
    pub fn signed_by_wechat(&self, body: &[u8], header: &dyn Fn(&str) -> Option<String>) -> bool {
        let (Some(timestamp), Some(nonce), Some(signature), Some(serial)) = (
            header("wechatpay-timestamp"),
            header("wechatpay-nonce"),
            header("wechatpay-signature"),
            header("wechatpay-serial"),
        ) else {
            return false;
        };
        let fresh = timestamp
            .parse::<i64>()
            .is_ok_and(|t| (t - self.clock.now()).abs() <= MAX_SKEW);
        serial == self.platform_serial
            && fresh
            && self
                .verifier
                .verify_base64(&answer_message(&timestamp, &nonce, body), &signature)
    }

    async fn call(&self, path: &str, body: &serde_json::Value) -> Result<Vec<u8>, CoreError> {
        let body = body.to_string();
        let timestamp = self.clock.now();
        let nonce = hex::encode(Random.bytes::<16>()?);
        let signature = self
            .signer
            .sign_base64(request_message("POST", path, timestamp, &nonce, &body).as_bytes())?;
        let mut url = self.endpoint.clone();
        url.set_path(path);
        let answer = self
            .client
            .post(url)
            .header(
                "Authorization",
                authorization(&self.mch_id, &self.serial_no, &nonce, timestamp, &signature),
            )
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| failed("wechat pay", e))?;
        let status = answer.status();
        let headers = answer.headers().clone();
        let bytes = answer.bytes().await.map_err(|e| failed("wechat pay", e))?;
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        if !self.signed_by_wechat(&bytes, &header) {
            return Err(failed(
                "wechat pay",
                format!("answer {status} not signed by WeChat Pay"),
            ));
        }
        if !status.is_success() {
            return Err(failed(
                "wechat pay",
                format!("{status}: {}", String::from_utf8_lossy(&bytes)),
            ));
        }
        Ok(bytes.to_vec())
    }

    /// Reads a notification whose headers were checked.
    fn read_notification(&self, body: &[u8]) -> Option<Notification> {
        let envelope: Envelope = serde_json::from_slice(body).ok()?;
        if envelope.resource.algorithm != "AEAD_AES_256_GCM" {
            return None;
        }
        let plain = decrypt_resource(
            &self.api_v3_key,
            &envelope.resource.nonce,
            &envelope.resource.associated_data,
            &envelope.resource.ciphertext,
        )?;
        let transaction: Transaction = serde_json::from_slice(&plain).ok()?;
        if transaction.mchid != self.mch_id {
            return None;
        }
        let paid =
            envelope.event_type == "TRANSACTION.SUCCESS" && transaction.trade_state == "SUCCESS";
        Some(Notification {
            notify_id: format!("wechat:{}", envelope.id),
            payment_id: payment_id_of(&transaction.out_trade_no),
            amount_fen: transaction.amount.total,
            result: if paid { "paid" } else { "failed" }.to_owned(),
            transaction: transaction.transaction_id,
        })
    }
}

#[async_trait]
impl PaymentGateway for WechatPay {
    async fn create(&self, request: &PaymentRequest<'_>) -> Result<PaymentCode, CoreError> {
        let body = serde_json::json!({
            "appid": self.app_id,
            "mchid": self.mch_id,
            "description": request.description,
            "out_trade_no": trade_number(request.payment_id),
            "notify_url": self.notify_url,
            "amount": { "total": request.amount_fen, "currency": "CNY" },
        });
        let answer = self.call("/v3/pay/transactions/native", &body).await?;
        let code: CodeAnswer =
            serde_json::from_slice(&answer).map_err(|e| failed("wechat pay", e))?;
        Ok(PaymentCode {
            code_url: code.code_url,
        })
    }

    fn verify(&self, _body: &[u8], _signature: &str) -> Option<Notification> {
        // A single signature string cannot carry WeChat Pay's four headers.
        None
    }

    fn verify_request(
        &self,
        body: &[u8],
        header: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> Option<Notification> {
        if !self.signed_by_wechat(body, header) {
            return None;
        }
        self.read_notification(body)
    }

    async fn refund(&self, payment_id: &str, amount_fen: i64) -> Result<(), CoreError> {
        let trade = trade_number(payment_id);
        let body = serde_json::json!({
            "out_trade_no": trade,
            // One refund per payment: its number is the payment's, so a retry is the same refund.
            "out_refund_no": format!("R{trade}"),
            "amount": { "refund": amount_fen, "total": amount_fen, "currency": "CNY" },
        });
        self.call("/v3/refund/domestic/refunds", &body).await?;
        Ok(())
    }

    fn accepts(&self, channel: &str) -> bool {
        channel == "wechat"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_round_trip_and_tampering() {
        let key = b"0123456789abcdef0123456789abcdef";
        let sealed = encrypt_resource(key, "fdasflkja484", "transaction", b"{\"a\":1}").unwrap();
        assert_eq!(
            decrypt_resource(key, "fdasflkja484", "transaction", &sealed).unwrap(),
            b"{\"a\":1}"
        );
        // Another associated data, nonce or key: refused by the tag.
        assert!(decrypt_resource(key, "fdasflkja484", "refund", &sealed).is_none());
        assert!(decrypt_resource(key, "fdasflkja485", "transaction", &sealed).is_none());
        assert!(
            decrypt_resource(
                b"1123456789abcdef0123456789abcdef",
                "fdasflkja484",
                "transaction",
                &sealed
            )
            .is_none()
        );
    }

    #[test]
    fn request_message_is_five_lines() {
        assert_eq!(
            request_message(
                "POST",
                "/v3/pay/transactions/native",
                1_554_208_460,
                "593BEC0C930BF1AFEB40B4A08C8FB242",
                "{}"
            ),
            "POST\n/v3/pay/transactions/native\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n{}\n"
        );
        assert_eq!(
            authorization(
                "1900009191",
                "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",
                "n",
                1,
                "s"
            ),
            "WECHATPAY2-SHA256-RSA2048 mchid=\"1900009191\",nonce_str=\"n\",signature=\"s\",timestamp=\"1\",serial_no=\"1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C\""
        );
    }
}
