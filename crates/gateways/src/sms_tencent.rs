//! Tencent Cloud SMS (`SendSms`, API version 2021-01-11), signed with TC3-HMAC-SHA256 as
//! Tencent's "签名方法 v3" page describes: a canonical request (method, `/`, empty query, the
//! `content-type` and `host` headers, the payload's SHA-256), a string to sign under the
//! credential scope `date/service/tc3_request`, and a key derived from `"TC3" + SecretKey`
//! through the date, the service and `tc3_request`.

use std::sync::Arc;

use async_trait::async_trait;
use hmac::{Hmac, KeyInit as _, Mac as _};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use signet_core::CoreError;
use signet_core::platform::clock::Clock;
use signet_core::platform::providers::{SmsMessage, SmsSender};

use crate::ConfigError;
use crate::config::TencentSmsConfig;
use crate::http::{authority, client, failed, parse_endpoint};

pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";
const SIGNED_HEADERS: &str = "content-type;host";
const ACTION: &str = "SendSms";
const VERSION: &str = "2021-01-11";

fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The UTC date of `timestamp`, `YYYY-MM-DD`, as the credential scope names it.
pub fn utc_date(timestamp: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(timestamp)
        .ok()
        .and_then(|t| {
            t.format(&time::macros::format_description!("[year]-[month]-[day]"))
                .ok()
        })
        .unwrap_or_default()
}

/// Step 1: the canonical request of a POST with a JSON body.
pub fn canonical_request(host: &str, content_type: &str, payload: &[u8]) -> String {
    format!(
        "POST\n/\n\ncontent-type:{content_type}\nhost:{host}\n\n{SIGNED_HEADERS}\n{}",
        sha256_hex(payload)
    )
}

/// Steps 2 and 3: the signature (lower-case hex) of a canonical request.
pub fn signature(secret_key: &str, service: &str, timestamp: i64, canonical: &str) -> String {
    let date = utc_date(timestamp);
    let scope = format!("{date}/{service}/tc3_request");
    let to_sign = format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let secret_date = hmac(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let secret_service = hmac(&secret_date, service.as_bytes());
    let secret_signing = hmac(&secret_service, b"tc3_request");
    hex::encode(hmac(&secret_signing, to_sign.as_bytes()))
}

/// Step 4: the `Authorization` header.
pub fn authorization(
    secret_id: &str,
    secret_key: &str,
    service: &str,
    host: &str,
    timestamp: i64,
    payload: &[u8],
) -> String {
    let canonical = canonical_request(host, CONTENT_TYPE, payload);
    format!(
        "TC3-HMAC-SHA256 Credential={secret_id}/{}/{service}/tc3_request, SignedHeaders={SIGNED_HEADERS}, Signature={}",
        utc_date(timestamp),
        signature(secret_key, service, timestamp, &canonical)
    )
}

/// Tencent wants E.164: mainland numbers get `+86`.
fn e164(phone: &str) -> String {
    if phone.starts_with('+') {
        phone.to_owned()
    } else {
        format!("+86{phone}")
    }
}

pub struct TencentSms {
    config: TencentSmsConfig,
    endpoint: reqwest::Url,
    client: reqwest::Client,
    clock: Arc<dyn Clock>,
}

impl TencentSms {
    pub fn new(config: TencentSmsConfig, clock: Arc<dyn Clock>) -> Result<Self, ConfigError> {
        let endpoint = parse_endpoint(
            config
                .endpoint
                .as_deref()
                .unwrap_or("https://sms.tencentcloudapi.com"),
        )?;
        Ok(Self {
            config,
            endpoint,
            client: client()?,
            clock,
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    response: AnswerBody,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AnswerBody {
    error: Option<VendorError>,
    #[serde(default)]
    send_status_set: Vec<SendStatus>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VendorError {
    code: String,
    message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendStatus {
    code: String,
    message: String,
}

#[async_trait]
impl SmsSender for TencentSms {
    async fn send(&self, phone: &str, message: &SmsMessage) -> Result<(), CoreError> {
        let (template, parameter) = match &message.code {
            Some(code) => (&self.config.code_template, code.clone()),
            None => (&self.config.notice_template, message.text.clone()),
        };
        let body = serde_json::json!({
            "PhoneNumberSet": [e164(phone)],
            "SmsSdkAppId": self.config.sdk_app_id,
            "SignName": self.config.sign_name,
            "TemplateId": template,
            "TemplateParamSet": [parameter],
        });
        let payload = serde_json::to_vec(&body).map_err(|e| failed("tencent sms", e))?;
        let host = authority(&self.endpoint);
        let timestamp = self.clock.now();
        let auth = authorization(
            &self.config.secret_id,
            &self.config.secret_key,
            "sms",
            &host,
            timestamp,
            &payload,
        );
        let answer = self
            .client
            .post(self.endpoint.clone())
            .header("Authorization", auth)
            .header("Content-Type", CONTENT_TYPE)
            .header("Host", &host)
            .header("X-TC-Action", ACTION)
            .header("X-TC-Version", VERSION)
            .header("X-TC-Timestamp", timestamp.to_string())
            .header(
                "X-TC-Region",
                self.config.region.as_deref().unwrap_or("ap-guangzhou"),
            )
            .body(payload)
            .send()
            .await
            .map_err(|e| failed("tencent sms", e))?
            .json::<Answer>()
            .await
            .map_err(|e| failed("tencent sms", e))?;
        if let Some(error) = answer.response.error {
            return Err(failed(
                "tencent sms",
                format!("{}: {}", error.code, error.message),
            ));
        }
        match answer.response.send_status_set.first() {
            Some(status) if status.code == "Ok" => Ok(()),
            Some(status) => Err(failed(
                "tencent sms",
                format!("{}: {}", status.code, status.message),
            )),
            None => Err(failed("tencent sms", "no send status in the answer")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The worked example on Tencent Cloud's "签名方法 v3" page: DescribeInstances on CVM with
    // these fixed inputs (the page masks the key with asterisks and computes with them as written).
    const SECRET_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******";
    const SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3*******";
    const TIMESTAMP: i64 = 1_551_113_065;
    const PAYLOAD: &str =
        r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;

    #[test]
    fn tc3_matches_tencents_worked_example() {
        let canonical =
            canonical_request("cvm.tencentcloudapi.com", CONTENT_TYPE, PAYLOAD.as_bytes());
        assert!(
            canonical.ends_with("35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"),
            "{canonical}"
        );
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        assert_eq!(utc_date(TIMESTAMP), "2019-02-25");
        assert_eq!(
            authorization(
                SECRET_ID,
                SECRET_KEY,
                "cvm",
                "cvm.tencentcloudapi.com",
                TIMESTAMP,
                PAYLOAD.as_bytes()
            ),
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
        );
    }

    #[test]
    fn another_key_or_day_gives_another_signature() {
        let canonical =
            canonical_request("cvm.tencentcloudapi.com", CONTENT_TYPE, PAYLOAD.as_bytes());
        let good = signature(SECRET_KEY, "cvm", TIMESTAMP, &canonical);
        assert_ne!(signature("another", "cvm", TIMESTAMP, &canonical), good);
        assert_ne!(
            signature(SECRET_KEY, "cvm", TIMESTAMP + 86_400, &canonical),
            good
        );
        assert_eq!(e164("13800000001"), "+8613800000001");
    }
}
