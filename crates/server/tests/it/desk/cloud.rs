//! Cloud certificates in use: signed only with the holder's PIN (locked after five wrong tries)
//! or an SMS code; the signature verifies with the certificate's key.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::lifecycle::cloud_certificate;
use super::support::Desk;
use crate::support::{phone, problem};

#[tokio::test]
async fn cloud_key_signs_only_with_the_holders_pin_or_sms_code() {
    use signet_pki::signer::{Sm2Ids, verify_signature};
    let desk = Desk::start().await;
    let (order_id, serial) = cloud_certificate(&desk, "13500000005").await;
    let sign_path = format!("/api/v1/certificates/{serial}/cloud-sign");
    let data = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b"contract");
    // No PIN set yet.
    problem(
        desk.app
            .post(
                &sign_path,
                json!({"data": data, "authorisation": {"pin": "123456"}}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    let code_path = format!("/api/v1/certificates/{serial}/cloud-code");
    assert_eq!(
        desk.app.post(&code_path, json!({})).await.status(),
        StatusCode::OK
    );
    let code = desk.app.inbox_code(&phone(50_000_001)).await;
    let set = desk
        .app
        .put(
            &format!("/api/v1/certificates/{serial}/cloud-pin"),
            json!({"pin": "246810", "sms_code": code}),
        )
        .await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let signed: Value = desk
        .app
        .post(
            &sign_path,
            json!({"data": data, "authorisation": {"pin": "246810"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    let signature = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        signed["signature"].as_str().unwrap(),
    )
    .unwrap();
    // The signature verifies with the certificate's public key.
    let certs: Value = desk
        .app
        .get(&format!("/api/v1/orders/{order_id}/certificates"))
        .await
        .json()
        .await
        .unwrap();
    let (_, der) = der::pem::decode_vec(certs[0]["cert_pem"].as_str().unwrap().as_bytes()).unwrap();
    let cert = <x509_cert::Certificate as der::Decode>::from_der(&der).unwrap();
    let spki = cert.tbs_certificate().subject_public_key_info();
    let algorithm = signet_pki::KeyAlgorithm::of_public_key(spki).unwrap();
    verify_signature(
        spki,
        &algorithm.signature_algorithm(),
        b"contract",
        &signature,
        Sm2Ids::EITHER,
    )
    .unwrap();
    // Five wrong PINs lock it; even the right one is then refused.
    for _ in 0..5 {
        problem(
            desk.app
                .post(
                    &sign_path,
                    json!({"data": data, "authorisation": {"pin": "000000"}}),
                )
                .await,
            StatusCode::BAD_REQUEST,
            "invalid_field",
        )
        .await;
    }
    problem(
        desk.app
            .post(
                &sign_path,
                json!({"data": data, "authorisation": {"pin": "246810"}}),
            )
            .await,
        StatusCode::LOCKED,
        "account_locked",
    )
    .await;
    // An SMS code still authorises one signature; the PIN can be reset.
    desk.app.advance_clock(61).await;
    desk.app.post(&code_path, json!({})).await;
    let code = desk.app.inbox_code(&phone(50_000_001)).await;
    let by_sms = desk
        .app
        .post(
            &sign_path,
            json!({"data": data, "authorisation": {"sms_code": code}}),
        )
        .await;
    assert_eq!(by_sms.status(), StatusCode::OK);
    // Another user's certificate is not found.
    let mut stranger = desk.app.clone_signed_out().await;
    stranger.register(&phone(50_000_006), "stranger3").await;
    problem(
        stranger
            .post(
                &sign_path,
                json!({"data": data, "authorisation": {"pin": "246810"}}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}
