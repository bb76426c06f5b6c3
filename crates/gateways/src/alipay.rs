//! Alipay open platform, face-to-face QR payments: `alipay.trade.precreate` for the `qr_code`,
//! `alipay.trade.refund` for refunds, signed with RSA2 (`SHA256withRSA`) over the parameters
//! sorted by name, empty ones and `sign` left out, joined as `k=v&k=v` without URL encoding.
//! Answers are checked against Alipay's public key over the exact text of the
//! `…_response` object; asynchronous notifications (form posts) over their parameters without
//! `sign` and `sign_type`.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::value::RawValue;
use signet_core::CoreError;
use signet_core::platform::clock::Clock;
use signet_core::platform::providers::{Notification, PaymentCode, PaymentGateway, PaymentRequest};

use crate::ConfigError;
use crate::config::AlipayConfig;
use crate::http::{client, failed, parse_endpoint};
use crate::payments::{payment_id_of, trade_number};
use crate::pem;
use crate::rsa::{RsaSigner, RsaVerifier};

/// The text RSA2 signs: `params` sorted by name, without `sign` (and `sign_type` when
/// `without_sign_type`) and without empty values.
pub fn sign_content(params: &[(String, String)], without_sign_type: bool) -> String {
    let mut kept: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, v)| !v.is_empty() && k != "sign" && !(without_sign_type && k == "sign_type"))
        .collect();
    kept.sort();
    kept.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Beijing time `yyyy-MM-dd HH:mm:ss`, the `timestamp` parameter's format.
pub fn beijing_time(timestamp: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(timestamp + 8 * 3600)
        .ok()
        .and_then(|t| {
            t.format(&time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// `12.34` (yuan) → 1234 fen; anything else is refused.
pub fn fen(yuan: &str) -> Option<i64> {
    let (whole, part) = yuan.split_once('.').unwrap_or((yuan, ""));
    if whole.is_empty()
        || part.len() > 2
        || !whole
            .bytes()
            .chain(part.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let cents = format!("{part:0<2}");
    whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents.parse().ok()?)
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

pub struct Alipay {
    app_id: String,
    notify_url: String,
    endpoint: reqwest::Url,
    signer: RsaSigner,
    verifier: RsaVerifier,
    client: reqwest::Client,
    clock: Arc<dyn Clock>,
}

#[derive(Deserialize)]
struct Answer {
    code: String,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    sub_code: String,
    #[serde(default)]
    qr_code: String,
}

impl Alipay {
    pub fn new(
        config: &AlipayConfig,
        public_url: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            app_id: config.app_id.clone(),
            notify_url: config
                .notify_url
                .clone()
                .unwrap_or_else(|| format!("{public_url}/api/v1/payments/notify/alipay")),
            endpoint: parse_endpoint(
                config
                    .endpoint
                    .as_deref()
                    .unwrap_or("https://openapi.alipay.com/gateway.do"),
            )?,
            signer: RsaSigner::from_pkcs8_der(&pem::der_file(
                &config.private_key_file,
                "PRIVATE KEY",
            )?)?,
            verifier: RsaVerifier::from_spki_der(&pem::der_file(
                &config.alipay_public_key_file,
                "PUBLIC KEY",
            )?)?,
            client: client()?,
            clock,
        })
    }

    /// Calls `method` with `biz_content`; returns the checked `…_response` object.
    async fn call(
        &self,
        method: &str,
        biz_content: &serde_json::Value,
        notify: bool,
    ) -> Result<Answer, CoreError> {
        let mut params: Vec<(String, String)> = vec![
            ("app_id".into(), self.app_id.clone()),
            ("method".into(), method.into()),
            ("format".into(), "JSON".into()),
            ("charset".into(), "utf-8".into()),
            ("sign_type".into(), "RSA2".into()),
            ("timestamp".into(), beijing_time(self.clock.now())),
            ("version".into(), "1.0".into()),
            ("biz_content".into(), biz_content.to_string()),
        ];
        if notify {
            params.push(("notify_url".into(), self.notify_url.clone()));
        }
        let sign = self
            .signer
            .sign_base64(sign_content(&params, false).as_bytes())?;
        params.push(("sign".into(), sign));
        let form: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter())
            .finish();
        let bytes = self
            .client
            .post(self.endpoint.clone())
            .header(
                "Content-Type",
                "application/x-www-form-urlencoded;charset=utf-8",
            )
            .body(form)
            .send()
            .await
            .map_err(|e| failed("alipay", e))?
            .bytes()
            .await
            .map_err(|e| failed("alipay", e))?;
        let parts: BTreeMap<String, Box<RawValue>> =
            serde_json::from_slice(&bytes).map_err(|e| failed("alipay", e))?;
        let key = format!("{}_response", method.replace('.', "_"));
        let response = parts
            .get(&key)
            .ok_or_else(|| failed("alipay", format!("no {key}")))?;
        let sign: String = parts
            .get("sign")
            .and_then(|s| serde_json::from_str(s.get()).ok())
            .unwrap_or_default();
        if !self
            .verifier
            .verify_base64(response.get().as_bytes(), &sign)
        {
            return Err(failed(
                "alipay",
                format!("{method}: answer not signed by Alipay"),
            ));
        }
        let answer: Answer =
            serde_json::from_str(response.get()).map_err(|e| failed("alipay", e))?;
        if answer.code != "10000" {
            return Err(failed(
                "alipay",
                format!(
                    "{method}: {} {} {}",
                    answer.code, answer.msg, answer.sub_code
                ),
            ));
        }
        Ok(answer)
    }
}

#[async_trait]
impl PaymentGateway for Alipay {
    async fn create(&self, request: &PaymentRequest<'_>) -> Result<PaymentCode, CoreError> {
        let biz = serde_json::json!({
            "out_trade_no": trade_number(request.payment_id),
            "total_amount": yuan(request.amount_fen),
            "subject": request.description,
        });
        let answer = self.call("alipay.trade.precreate", &biz, true).await?;
        if answer.qr_code.is_empty() {
            return Err(failed("alipay", "precreate answered no qr_code"));
        }
        Ok(PaymentCode {
            code_url: answer.qr_code,
        })
    }

    fn verify(&self, body: &[u8], _signature: &str) -> Option<Notification> {
        // Alipay's signature travels inside the form body.
        let params: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let sign = get("sign")?;
        if get("sign_type").is_some_and(|t| t != "RSA2")
            || !self
                .verifier
                .verify_base64(sign_content(&params, true).as_bytes(), &sign)
            || get("app_id")? != self.app_id
        {
            return None;
        }
        let result = match get("trade_status")?.as_str() {
            "TRADE_SUCCESS" | "TRADE_FINISHED" => "paid",
            "TRADE_CLOSED" => "failed",
            _ => return None,
        };
        Some(Notification {
            notify_id: format!("alipay:{}", get("notify_id")?),
            payment_id: payment_id_of(&get("out_trade_no")?),
            amount_fen: fen(&get("total_amount")?)?,
            result: result.to_owned(),
            transaction: get("trade_no")?,
        })
    }

    fn verify_request(
        &self,
        body: &[u8],
        _header: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> Option<Notification> {
        self.verify(body, "")
    }

    async fn refund(&self, payment_id: &str, amount_fen: i64) -> Result<(), CoreError> {
        let trade = trade_number(payment_id);
        let biz = serde_json::json!({
            "out_trade_no": trade,
            "refund_amount": yuan(amount_fen),
            // One refund per payment: a retry names the same request.
            "out_request_no": format!("R{trade}"),
        });
        self.call("alipay.trade.refund", &biz, false).await?;
        Ok(())
    }

    fn accepts(&self, channel: &str) -> bool {
        channel == "alipay"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn sign_content_sorts_and_drops_sign_and_empty_values() {
        let params = pairs(&[
            ("method", "alipay.trade.precreate"),
            ("app_id", "2014072300007148"),
            ("sign", "xyz"),
            ("sign_type", "RSA2"),
            ("notify_url", ""),
            ("biz_content", "{\"subject\":\"证书\"}"),
        ]);
        assert_eq!(
            sign_content(&params, false),
            "app_id=2014072300007148&biz_content={\"subject\":\"证书\"}&method=alipay.trade.precreate&sign_type=RSA2"
        );
        assert_eq!(
            sign_content(&params, true),
            "app_id=2014072300007148&biz_content={\"subject\":\"证书\"}&method=alipay.trade.precreate"
        );
    }

    #[test]
    fn amounts_and_times() {
        assert_eq!(fen("88.88"), Some(8888));
        assert_eq!(fen("0.5"), Some(50));
        assert_eq!(fen("12"), Some(1200));
        assert_eq!(fen("1.234"), None);
        assert_eq!(fen("-1.00"), None);
        assert_eq!(fen(".5"), None);
        assert_eq!(yuan(8808), "88.08");
        assert_eq!(beijing_time(1_698_315_752), "2023-10-26 18:22:32");
    }
}
