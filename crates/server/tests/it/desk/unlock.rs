//! Self-service unlock (LIFE-5): an SMS code to the bound phone buys a one-time unlock code; the
//! key client redeems it, for the token it names only, for the SO PIN kept sealed since
//! production.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::support::{Desk, usb_certificate};
use crate::support::{phone, problem};

#[tokio::test]
async fn unlock_code_is_redeemed_once_for_the_right_token() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let (_, cert) = usb_certificate(&desk, &staff, 8).await;
    let serial = &cert.serial;
    let authorise = format!("/api/v1/certificates/{serial}/unlock-authorisation");
    problem(
        desk.app
            .post(&authorise, json!({"sms_code": "123456"}))
            .await,
        StatusCode::BAD_REQUEST,
        "sms_code_expired",
    )
    .await;
    let sent = desk
        .app
        .post(
            &format!("/api/v1/certificates/{serial}/unlock-code"),
            json!({}),
        )
        .await;
    assert_eq!(sent.status(), StatusCode::OK);
    let code = desk.app.inbox_code(&phone(50_000_001)).await;
    let granted: Value = desk
        .app
        .post(&authorise, json!({"sms_code": code}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(granted["token_serial"], "TOKEN-1");
    let unlock_code = granted["unlock_code"].as_str().unwrap();
    // The key client has no session; the code is its credential.
    let client = crate::support::new_client();
    let redeem = |token: &'static str| {
        let client = client.clone();
        let url = desk.app.url(&format!("/api/v1/token-unlock/{unlock_code}"));
        async move {
            client
                .post(url)
                .json(&json!({"token_serial": token}))
                .send()
                .await
                .unwrap()
        }
    };
    problem(
        redeem("OTHER-TOKEN").await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    let answer = redeem("TOKEN-1").await;
    assert_eq!(answer.status(), StatusCode::OK);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["so_pin"], "1234567890123456");
    problem(
        redeem("TOKEN-1").await,
        StatusCode::BAD_REQUEST,
        "link_expired",
    )
    .await;
    let forged = client
        .post(desk.app.url("/api/v1/token-unlock/000000000000"))
        .json(&json!({"token_serial": "TOKEN-1"}))
        .send()
        .await
        .unwrap();
    problem(forged, StatusCode::BAD_REQUEST, "link_expired").await;
    // Another user cannot ask for the code.
    let mut stranger = desk.app.clone_signed_out().await;
    stranger.register(&phone(50_000_005), "stranger2").await;
    problem(
        stranger
            .post(
                &format!("/api/v1/certificates/{serial}/unlock-code"),
                json!({}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn staff_approved_unlock_order_completes_when_its_code_is_redeemed() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let (_, cert) = usb_certificate(&desk, &staff, 9).await;
    let approved =
        super::support::usb_business_approved(&desk, &staff, &cert.serial, "unlock").await;
    // Unlocking costs nothing: no payment was asked, and the order went from review to waiting.
    assert_eq!(approved["amount_fen"], 0);
    let order_id = approved["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/orders/{order_id}/unlock-authorisation");
    // Only an approved unlock order gets a code: the order that produced the key does not.
    let produced = desk
        .app
        .get("/api/v1/orders?status=finished")
        .await
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "new")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    problem(
        desk.app
            .post(
                &format!("/api/v1/orders/{produced}/unlock-authorisation"),
                json!({}),
            )
            .await,
        StatusCode::CONFLICT,
        "order_state",
    )
    .await;
    assert_eq!(approved["state"], "awaiting_unlock");
    let granted: Value = desk.app.post(&path, json!({})).await.json().await.unwrap();
    let answer: Value = crate::support::new_client()
        .post(desk.app.url(&format!(
            "/api/v1/token-unlock/{}",
            granted["unlock_code"].as_str().unwrap()
        )))
        .json(&json!({"token_serial": "TOKEN-1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["so_pin"], "1234567890123456");
    assert_eq!(desk.detail(&order_id).await["state"], "completed");
}
