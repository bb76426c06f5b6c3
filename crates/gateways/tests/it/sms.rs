//! Tencent Cloud and Alibaba Cloud SMS against stand-ins that recompute TC3-HMAC-SHA256 and
//! ACS3-HMAC-SHA256 from the request they received.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::post;
use serde_json::{Value, json};
use signet_core::platform::providers::{SmsMessage, SmsSender};
use signet_gateways::config::{AliyunSmsConfig, TencentSmsConfig};
use signet_gateways::sms_aliyun::{self, AliyunSms};
use signet_gateways::sms_tencent::{self, TencentSms};

use crate::{Seen, clock, header, serve};

const NOW: i64 = 1_796_000_000;
const TENCENT_KEY: &str = "tencent-secret-key";
const ALIYUN_SECRET: &str = "aliyun-access-key-secret";

/// Tencent's check: rebuild the canonical request from the received host, content type and
/// body; derive the key for the date of X-TC-Timestamp; compare the signature.
async fn tencent_stand_in(
    State(seen): State<Seen>,
    headers: HeaderMap,
    body: Bytes,
) -> Json<Value> {
    let timestamp: i64 = header(&headers, "x-tc-timestamp").parse().unwrap_or(0);
    let canonical = sms_tencent::canonical_request(
        &header(&headers, "host"),
        &header(&headers, "content-type"),
        &body,
    );
    let expected = sms_tencent::signature(TENCENT_KEY, "sms", timestamp, &canonical);
    let authorization = header(&headers, "authorization");
    let scope = format!("/{}/sms/tc3_request,", sms_tencent::utc_date(timestamp));
    let ok = header(&headers, "x-tc-action") == "SendSms"
        && authorization.starts_with("TC3-HMAC-SHA256 Credential=AKIDtest")
        && authorization.contains(&scope)
        && authorization.ends_with(&format!("Signature={expected}"));
    if !ok {
        return Json(
            json!({"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "signature mismatch"}, "RequestId": "r1"}}),
        );
    }
    let request: Value = serde_json::from_slice(&body).unwrap();
    seen.lock().unwrap().push(request.to_string());
    Json(
        json!({"Response": {"SendStatusSet": [{"SerialNo": "5000:1", "PhoneNumber": request["PhoneNumberSet"][0], "Fee": 1, "Code": "Ok", "Message": "send success"}], "RequestId": "r2"}}),
    )
}

fn tencent_config(endpoint: &str, key: &str) -> TencentSmsConfig {
    TencentSmsConfig {
        secret_id: "AKIDtest".into(),
        secret_key: key.into(),
        sdk_app_id: "1400006666".into(),
        sign_name: "Signet".into(),
        code_template: "449739".into(),
        notice_template: "449740".into(),
        region: None,
        endpoint: Some(endpoint.into()),
    }
}

#[tokio::test]
async fn tencent_sms_is_signed_as_tc3_and_refused_with_a_wrong_key() {
    let seen = Seen::default();
    let url = serve(
        axum::Router::new()
            .route("/", post(tencent_stand_in))
            .with_state(seen.clone()),
    )
    .await;
    let sms = TencentSms::new(tencent_config(&url, TENCENT_KEY), clock(NOW)).unwrap();
    let code = SmsMessage {
        text: "验证码 123456".into(),
        code: Some("123456".into()),
    };
    sms.send("13800000001", &code).await.unwrap();
    let notice = SmsMessage {
        text: "请打开 https://ca.example.cn/face/abc".into(),
        code: None,
    };
    sms.send("13800000001", &notice).await.unwrap();
    let seen_now = seen.lock().unwrap().clone();
    assert_eq!(seen_now.len(), 2);
    let first: Value = serde_json::from_str(&seen_now[0]).unwrap();
    assert_eq!(first["PhoneNumberSet"][0], "+8613800000001");
    assert_eq!(first["TemplateId"], "449739");
    assert_eq!(first["TemplateParamSet"][0], "123456");
    let second: Value = serde_json::from_str(&seen_now[1]).unwrap();
    assert_eq!(second["TemplateId"], "449740");
    assert_eq!(
        second["TemplateParamSet"][0],
        "请打开 https://ca.example.cn/face/abc"
    );

    let wrong = TencentSms::new(tencent_config(&url, "wrong"), clock(NOW)).unwrap();
    let error = wrong.send("13800000001", &code).await.unwrap_err();
    assert!(error.to_string().contains("AuthFailure"), "{error}");
    assert_eq!(
        seen.lock().unwrap().len(),
        2,
        "nothing sent with a bad signature"
    );
}

/// Alibaba's check: re-encode and sort the received query, take host and every x-acs-* header
/// the request names as signed, the body's SHA-256, and compare the HMAC.
async fn aliyun_stand_in(
    State(seen): State<Seen>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Json<Value> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let canonical_query = sms_aliyun::canonical_query(&borrowed);
    let authorization = header(&headers, "authorization");
    let signed = authorization
        .split("SignedHeaders=")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .unwrap_or_default()
        .to_owned();
    let values: Vec<(String, String)> = signed
        .split(';')
        .map(|name| (name.to_owned(), header(&headers, name)))
        .collect();
    let signed_pairs: Vec<(&str, &str)> = values
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let hashed = sms_aliyun::sha256_hex(&body);
    let (canonical, _) =
        sms_aliyun::canonical_request("POST", &canonical_query, &signed_pairs, &hashed);
    let expected = sms_aliyun::signature(ALIYUN_SECRET, &canonical);
    let ok = signed
        == "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
        && header(&headers, "x-acs-content-sha256") == hashed
        && header(&headers, "x-acs-action") == "SendSms"
        && authorization.starts_with("ACS3-HMAC-SHA256 Credential=LTAItest,")
        && authorization.ends_with(&format!("Signature={expected}"));
    if !ok {
        return Json(
            json!({"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched with our calculation.", "RequestId": "r1"}),
        );
    }
    let params: serde_json::Map<String, Value> = pairs
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    seen.lock().unwrap().push(Value::Object(params).to_string());
    Json(json!({"Code": "OK", "Message": "OK", "BizId": "9006197469364984^0", "RequestId": "r2"}))
}

fn aliyun_config(endpoint: &str, secret: &str) -> AliyunSmsConfig {
    AliyunSmsConfig {
        access_key_id: "LTAItest".into(),
        access_key_secret: secret.into(),
        sign_name: "Signet 数字证书".into(),
        code_template: "SMS_154950909".into(),
        notice_template: "SMS_154950910".into(),
        endpoint: Some(endpoint.into()),
    }
}

#[tokio::test]
async fn aliyun_sms_is_signed_as_acs3_and_refused_with_a_wrong_secret() {
    let seen = Seen::default();
    let url = serve(
        axum::Router::new()
            .route("/", post(aliyun_stand_in))
            .with_state(seen.clone()),
    )
    .await;
    let sms = AliyunSms::new(aliyun_config(&url, ALIYUN_SECRET), clock(NOW)).unwrap();
    let code = SmsMessage {
        text: "验证码 654321".into(),
        code: Some("654321".into()),
    };
    sms.send("13800000002", &code).await.unwrap();
    let notice = SmsMessage {
        text: "您的订单 已审核通过 (100%)".into(),
        code: None,
    };
    sms.send("13800000002", &notice).await.unwrap();
    let seen_now = seen.lock().unwrap().clone();
    assert_eq!(seen_now.len(), 2);
    let first: Value = serde_json::from_str(&seen_now[0]).unwrap();
    assert_eq!(first["PhoneNumbers"], "13800000002");
    assert_eq!(first["SignName"], "Signet 数字证书");
    assert_eq!(first["TemplateCode"], "SMS_154950909");
    assert_eq!(first["TemplateParam"], r#"{"code":"654321"}"#);
    let second: Value = serde_json::from_str(&seen_now[1]).unwrap();
    assert_eq!(
        second["TemplateParam"],
        r#"{"content":"您的订单 已审核通过 (100%)"}"#
    );

    let wrong = AliyunSms::new(aliyun_config(&url, "wrong"), clock(NOW)).unwrap();
    let error = wrong.send("13800000002", &code).await.unwrap_err();
    assert!(
        error.to_string().contains("SignatureDoesNotMatch"),
        "{error}"
    );
    assert_eq!(seen.lock().unwrap().len(), 2);
}
