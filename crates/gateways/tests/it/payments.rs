//! WeChat Pay API v3 and Alipay against stand-ins holding the vendor's key: each checks the
//! merchant's RSA signature on every request and signs its answers; the adapters must refuse
//! answers and notifications that the vendor did not sign.

use std::path::Path;
use std::sync::Arc;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::signature::KeyPair as _;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use signet_core::platform::providers::{PaymentGateway, PaymentRequest};
use signet_gateways::alipay::{self, Alipay};
use signet_gateways::config::{AlipayConfig, WechatPayConfig};
use signet_gateways::pem;
use signet_gateways::rsa::{RsaSigner, RsaVerifier};
use signet_gateways::wechat_pay::{self, WechatPay};

use crate::{Seen, clock, header, serve};

const NOW: i64 = 1_796_000_000;
const API_V3_KEY: &str = "0123456789abcdefghijklmnopqrstuv";
const PAYMENT: &str = "3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b";

struct Keys {
    private: Vec<u8>,
    public: Vec<u8>,
}

fn keys() -> Keys {
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let private: Pkcs8V1Der<'_> = pair.as_der().unwrap();
    let public: PublicKeyX509Der<'_> = pair.public_key().as_der().unwrap();
    Keys {
        private: private.as_ref().to_vec(),
        public: public.as_ref().to_vec(),
    }
}

fn write(dir: &Path, name: &str, der: &[u8], label: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, pem::encode(der, label)).unwrap();
    path
}

struct WechatStandIn {
    merchant: RsaVerifier,
    platform: RsaSigner,
    seen: Seen,
}

/// WeChat Pay's side: checks `Authorization` over `POST\nPATH\nTS\nNONCE\nBODY\n` with the
/// merchant's public key, answers with a body signed by the platform key.
async fn wechat(
    State(s): State<Arc<WechatStandIn>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let auth = header(&headers, "authorization");
    let field = |name: &str| {
        auth.split(&format!("{name}=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_owned()
    };
    let message = wechat_pay::request_message(
        "POST",
        uri.path(),
        field("timestamp").parse().unwrap_or(0),
        &field("nonce_str"),
        std::str::from_utf8(&body).unwrap(),
    );
    let valid = auth.starts_with("WECHATPAY2-SHA256-RSA2048 ")
        && field("mchid") == "1900009191"
        && field("serial_no") == "MERCHANTSERIAL"
        && s.merchant
            .verify_base64(message.as_bytes(), &field("signature"));
    let (status, answer) = if valid {
        s.seen
            .lock()
            .unwrap()
            .push(format!("{} {}", uri.path(), String::from_utf8_lossy(&body)));
        if uri.path() == "/v3/pay/transactions/native" {
            (
                StatusCode::OK,
                json!({"code_url": "weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}),
            )
        } else {
            (
                StatusCode::OK,
                json!({"refund_id": "50000000382019052709732678859", "status": "PROCESSING"}),
            )
        }
    } else {
        (
            StatusCode::UNAUTHORIZED,
            json!({"code": "SIGN_ERROR", "message": "签名错误"}),
        )
    };
    let text = answer.to_string();
    let (timestamp, nonce) = (NOW.to_string(), "5K8264ILTKCH16CQ2502SI8ZNMTM67VS");
    let signature = s
        .platform
        .sign_base64(&wechat_pay::answer_message(
            &timestamp,
            nonce,
            text.as_bytes(),
        ))
        .unwrap();
    (
        status,
        [
            ("Wechatpay-Timestamp", timestamp),
            ("Wechatpay-Nonce", nonce.to_owned()),
            ("Wechatpay-Signature", signature),
            (
                "Wechatpay-Serial",
                "PUB_KEY_ID_0114232134912410000000000000".to_owned(),
            ),
            ("Content-Type", "application/json".to_owned()),
        ],
        text,
    )
        .into_response()
}

#[tokio::test]
async fn wechat_pay_native_order_refund_and_notification() {
    let dir = tempfile::tempdir().unwrap();
    let (merchant, platform, impostor) = (keys(), keys(), keys());
    let stand_in = Arc::new(WechatStandIn {
        merchant: RsaVerifier::from_spki_der(&merchant.public).unwrap(),
        platform: RsaSigner::from_pkcs8_der(&platform.private).unwrap(),
        seen: Seen::default(),
    });
    let url = serve(
        axum::Router::new()
            .route("/v3/pay/transactions/native", post(wechat))
            .route("/v3/refund/domestic/refunds", post(wechat))
            .with_state(stand_in.clone()),
    )
    .await;
    let config = |private: &[u8], name: &str| WechatPayConfig {
        mch_id: "1900009191".into(),
        app_id: "wxd678efh567hg6787".into(),
        serial_no: "MERCHANTSERIAL".into(),
        private_key_file: write(dir.path(), name, private, "PRIVATE KEY"),
        platform_public_key_file: write(dir.path(), "platform.pem", &platform.public, "PUBLIC KEY"),
        platform_serial: "PUB_KEY_ID_0114232134912410000000000000".into(),
        api_v3_key: API_V3_KEY.into(),
        notify_url: None,
        endpoint: Some(url.clone()),
    };
    let gateway = WechatPay::new(
        &config(&merchant.private, "merchant.pem"),
        "https://ca.example.cn",
        clock(NOW),
    )
    .unwrap();
    let request = PaymentRequest {
        payment_id: PAYMENT,
        channel: "wechat",
        amount_fen: 8800,
        description: "个人证书 1 年",
    };
    let code = gateway.create(&request).await.unwrap();
    assert_eq!(code.code_url, "weixin://wxpay/bizpayurl?pr=p4lpSuKzz");
    gateway.refund(PAYMENT, 8800).await.unwrap();
    {
        let seen = stand_in.seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        let order: Value = serde_json::from_str(seen[0].split_once(' ').unwrap().1).unwrap();
        assert_eq!(order["out_trade_no"], "3f2b8c1e9a4d4e6f8b2a1c3d5e7f9a0b");
        assert_eq!(order["amount"]["total"], 8800);
        assert_eq!(
            order["notify_url"],
            "https://ca.example.cn/api/v1/payments/notify/wechat"
        );
        assert!(seen[1].starts_with("/v3/refund/domestic/refunds "));
    }
    // A merchant key WeChat Pay does not know: the stand-in refuses, nothing is recorded.
    let wrong = WechatPay::new(
        &config(&impostor.private, "impostor.pem"),
        "https://ca.example.cn",
        clock(NOW),
    )
    .unwrap();
    assert!(wrong.create(&request).await.is_err());
    assert_eq!(stand_in.seen.lock().unwrap().len(), 2);
    // An answer older than five minutes is refused even though its signature is valid.
    let late = WechatPay::new(
        &config(&merchant.private, "merchant.pem"),
        "https://ca.example.cn",
        clock(NOW + 301),
    )
    .unwrap();
    assert!(late.create(&request).await.is_err());

    // The payment notification: resource encrypted under the APIv3 key, body signed by WeChat Pay.
    let transaction = json!({
        "mchid": "1900009191", "appid": "wxd678efh567hg6787",
        "out_trade_no": "3f2b8c1e9a4d4e6f8b2a1c3d5e7f9a0b",
        "transaction_id": "1217752501201407033233368018", "trade_type": "NATIVE",
        "trade_state": "SUCCESS", "amount": {"total": 8800, "payer_total": 8800, "currency": "CNY"}
    });
    let ciphertext = wechat_pay::encrypt_resource(
        API_V3_KEY.as_bytes(),
        "fdasflkja484",
        "transaction",
        transaction.to_string().as_bytes(),
    )
    .unwrap();
    let body = json!({
        "id": "EV-2018022511223320873", "create_time": "2015-05-20T13:29:35+08:00",
        "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
        "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM", "ciphertext": ciphertext, "associated_data": "transaction", "nonce": "fdasflkja484"}
    })
    .to_string();
    let sign = |signer: &RsaSigner, body: &str| {
        signer
            .sign_base64(&wechat_pay::answer_message(
                &NOW.to_string(),
                "n0nce",
                body.as_bytes(),
            ))
            .unwrap()
    };
    let platform_signer = RsaSigner::from_pkcs8_der(&platform.private).unwrap();
    let headers_with = |signature: String, serial: &str| {
        let serial = serial.to_owned();
        move |name: &str| match name {
            "wechatpay-timestamp" => Some(NOW.to_string()),
            "wechatpay-nonce" => Some("n0nce".to_owned()),
            "wechatpay-signature" => Some(signature.clone()),
            "wechatpay-serial" => Some(serial.clone()),
            _ => None,
        }
    };
    let good = headers_with(
        sign(&platform_signer, &body),
        "PUB_KEY_ID_0114232134912410000000000000",
    );
    let note = gateway.verify_request(body.as_bytes(), &good).unwrap();
    assert_eq!(note.payment_id, PAYMENT);
    assert_eq!(note.amount_fen, 8800);
    assert_eq!(note.result, "paid");
    assert_eq!(note.transaction, "1217752501201407033233368018");
    assert_eq!(note.notify_id, "wechat:EV-2018022511223320873");
    // Changed body, another signer, another serial: refused.
    let changed = body.replace("支付成功", "支付成功!");
    assert!(gateway.verify_request(changed.as_bytes(), &good).is_none());
    let impostor_signer = RsaSigner::from_pkcs8_der(&impostor.private).unwrap();
    let forged = headers_with(
        sign(&impostor_signer, &body),
        "PUB_KEY_ID_0114232134912410000000000000",
    );
    assert!(gateway.verify_request(body.as_bytes(), &forged).is_none());
    let other_serial = headers_with(sign(&platform_signer, &body), "OTHER");
    assert!(
        gateway
            .verify_request(body.as_bytes(), &other_serial)
            .is_none()
    );
}

struct AlipayStandIn {
    app: RsaVerifier,
    alipay: RsaSigner,
    seen: Seen,
}

/// Alipay's side: checks RSA2 over the sorted form parameters, answers
/// `{"<method>_response": {...}, "sign": "..."}` signed over the response object's text.
async fn alipay_gateway(State(s): State<Arc<AlipayStandIn>>, body: Bytes) -> String {
    let params: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let valid = get("sign_type") == "RSA2"
        && get("app_id") == "2021000000000001"
        && s.app.verify_base64(
            alipay::sign_content(&params, false).as_bytes(),
            &get("sign"),
        );
    let method = get("method");
    let response = if !valid {
        json!({"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature", "sub_msg": "验签出错"})
    } else if method == "alipay.trade.precreate" {
        s.seen.lock().unwrap().push(get("biz_content"));
        let biz: Value = serde_json::from_str(&get("biz_content")).unwrap();
        json!({"code": "10000", "msg": "Success", "out_trade_no": biz["out_trade_no"], "qr_code": "https://qr.alipay.com/bax03431ljhokirwl38f00a7"})
    } else {
        s.seen.lock().unwrap().push(get("biz_content"));
        json!({"code": "10000", "msg": "Success", "fund_change": "Y", "refund_fee": "88.00"})
    };
    let text = response.to_string();
    let sign = s.alipay.sign_base64(text.as_bytes()).unwrap();
    format!(
        "{{\"{}_response\":{text},\"sign\":\"{sign}\"}}",
        method.replace('.', "_")
    )
}

#[tokio::test]
async fn alipay_precreate_refund_and_notification() {
    let dir = tempfile::tempdir().unwrap();
    let (app, alipay_keys, impostor) = (keys(), keys(), keys());
    let stand_in = Arc::new(AlipayStandIn {
        app: RsaVerifier::from_spki_der(&app.public).unwrap(),
        alipay: RsaSigner::from_pkcs8_der(&alipay_keys.private).unwrap(),
        seen: Seen::default(),
    });
    let url = serve(
        axum::Router::new()
            .route("/gateway.do", post(alipay_gateway))
            .with_state(stand_in.clone()),
    )
    .await;
    let config = |private: &[u8], name: &str| AlipayConfig {
        app_id: "2021000000000001".into(),
        private_key_file: write(dir.path(), name, private, "PRIVATE KEY"),
        alipay_public_key_file: write(dir.path(), "alipay.pem", &alipay_keys.public, "PUBLIC KEY"),
        notify_url: None,
        endpoint: Some(format!("{url}/gateway.do")),
    };
    let gateway = Alipay::new(
        &config(&app.private, "app.pem"),
        "https://ca.example.cn",
        clock(NOW),
    )
    .unwrap();
    let request = PaymentRequest {
        payment_id: PAYMENT,
        channel: "alipay",
        amount_fen: 8800,
        description: "个人证书 1 年",
    };
    let code = gateway.create(&request).await.unwrap();
    assert_eq!(
        code.code_url,
        "https://qr.alipay.com/bax03431ljhokirwl38f00a7"
    );
    gateway.refund(PAYMENT, 8800).await.unwrap();
    {
        let seen = stand_in.seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        let biz: Value = serde_json::from_str(&seen[0]).unwrap();
        assert_eq!(biz["total_amount"], "88.00");
        assert_eq!(biz["out_trade_no"], "3f2b8c1e9a4d4e6f8b2a1c3d5e7f9a0b");
        let refund: Value = serde_json::from_str(&seen[1]).unwrap();
        assert_eq!(refund["refund_amount"], "88.00");
    }
    let wrong = Alipay::new(
        &config(&impostor.private, "impostor.pem"),
        "https://ca.example.cn",
        clock(NOW),
    )
    .unwrap();
    let error = wrong.create(&request).await.unwrap_err();
    assert!(
        error.to_string().contains("isv.invalid-signature"),
        "{error}"
    );
    assert_eq!(stand_in.seen.lock().unwrap().len(), 2);

    // The asynchronous notification, signed by Alipay over the sorted parameters.
    let alipay_signer = RsaSigner::from_pkcs8_der(&alipay_keys.private).unwrap();
    let notification = |signer: &RsaSigner, amount: &str| {
        let mut params: Vec<(String, String)> = [
            ("notify_time", "2026-12-06 10:00:00"),
            ("notify_type", "trade_status_sync"),
            ("notify_id", "ac05099524730693a8b330c5ecf72da9786"),
            ("app_id", "2021000000000001"),
            ("charset", "utf-8"),
            ("version", "1.0"),
            ("trade_no", "2026120622001412345678901234"),
            ("out_trade_no", "3f2b8c1e9a4d4e6f8b2a1c3d5e7f9a0b"),
            ("trade_status", "TRADE_SUCCESS"),
            ("total_amount", amount),
            ("subject", "个人证书 1 年"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let sign = signer
            .sign_base64(alipay::sign_content(&params, true).as_bytes())
            .unwrap();
        params.push(("sign_type".into(), "RSA2".into()));
        params.push(("sign".into(), sign));
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter())
            .finish()
    };
    let no_headers = |_: &str| None;
    let body = notification(&alipay_signer, "88.00");
    let note = gateway
        .verify_request(body.as_bytes(), &no_headers)
        .unwrap();
    assert_eq!(note.payment_id, PAYMENT);
    assert_eq!(note.amount_fen, 8800);
    assert_eq!(note.result, "paid");
    assert_eq!(note.notify_id, "alipay:ac05099524730693a8b330c5ecf72da9786");
    // The amount changed after signing, or a signature by someone else: refused.
    let changed = body.replace("total_amount=88.00", "total_amount=0.01");
    assert!(
        gateway
            .verify_request(changed.as_bytes(), &no_headers)
            .is_none()
    );
    let impostor_signer = RsaSigner::from_pkcs8_der(&impostor.private).unwrap();
    assert!(
        gateway
            .verify_request(
                notification(&impostor_signer, "88.00").as_bytes(),
                &no_headers
            )
            .is_none()
    );
}
