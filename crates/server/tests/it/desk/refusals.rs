//! Bad input at every step ends in a clear error and changes nothing: wrong deposit amounts,
//! an expired deposit, fake and oversized images, a second open order for one ID number,
//! tampered and replayed payment notifications, another user's order, forbidden transitions and
//! applicants acting as staff.

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::platform::providers::Notification;

use super::support::{Desk, PNG, deposit_amount, enterprise_form, personal_form, start_check};
use crate::support::{phone, problem};

fn id(order: &Value) -> String {
    order["id"].as_str().unwrap().to_owned()
}

/// An enterprise order of the 001 cloud product, submitted and waiting for its checks.
async fn verifying_enterprise(desk: &Desk) -> (String, Value) {
    let order = desk.create("ggzy-org-cloud").await;
    let order_id = id(&order);
    let form = enterprise_form(desk, &order, 1).await;
    assert_eq!(desk.save(&order_id, &form).await.status(), StatusCode::OK);
    desk.sign_and_submit(&order_id, &form, false).await;
    (order_id, form)
}

async fn start_deposit(desk: &Desk, order_id: &str, account: &str) -> String {
    let started: Value = start_check(
        desk,
        order_id,
        json!({"party": "organisation", "method": "micro_deposit", "bank": "招商银行", "account": account}),
    )
    .await
    .json()
    .await
    .unwrap();
    started["verification"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn wrong_deposit_amounts_go_to_manual_review_after_three_tries() {
    let desk = Desk::start().await;
    let (order_id, _) = verifying_enterprise(&desk).await;
    let vid = start_deposit(&desk, &order_id, "755912345678").await;
    let right = deposit_amount(&desk, "755912345678").await;
    let wrong = if right == "0.01" { "0.02" } else { "0.01" };
    let path = format!("/api/v1/orders/{order_id}/verifications/{vid}/deposit");
    problem(
        desk.app.post(&path, json!({"amount": "abc"})).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    for tries_left in [2, 1] {
        let body = problem(
            desk.app.post(&path, json!({"amount": wrong})).await,
            StatusCode::BAD_REQUEST,
            "deposit_amount_wrong",
        )
        .await;
        assert!(
            body["message"]["zh-CN"]
                .as_str()
                .unwrap()
                .contains(&tries_left.to_string())
        );
    }
    // The third wrong amount hands the organisation to a reviewer.
    let third = desk.app.post(&path, json!({"amount": wrong})).await;
    assert_eq!(third.status(), StatusCode::OK);
    let third: Value = third.json().await.unwrap();
    assert_eq!(third["verification"]["state"], "manual");
    // The fourth try, even with the right amount, is refused and changes nothing.
    let version = desk.version(&order_id).await;
    problem(
        desk.app.post(&path, json!({"amount": right})).await,
        StatusCode::CONFLICT,
        "verification_closed",
    )
    .await;
    assert_eq!(desk.version(&order_id).await, version);
    // The operator still needs checking; then the order goes to review with the flag.
    let operator: Value = start_check(
        &desk,
        &order_id,
        json!({"party": "operator", "method": "three_factor"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(operator["order_state"], "awaiting_review");
    let detail = desk.detail(&order_id).await;
    assert!(
        detail["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "deposit_tries:organisation")
    );
}

#[tokio::test]
async fn deposit_expires_after_72_hours_and_unsupported_banks_go_to_people() {
    let desk = Desk::start().await;
    let (order_id, _) = verifying_enterprise(&desk).await;
    let vid = start_deposit(&desk, &order_id, "755912345679").await;
    let amount = deposit_amount(&desk, "755912345679").await;
    desk.app.advance_clock(72 * 3600 + 1).await;
    problem(
        desk.app
            .post(
                &format!("/api/v1/orders/{order_id}/verifications/{vid}/deposit"),
                json!({"amount": amount}),
            )
            .await,
        StatusCode::CONFLICT,
        "verification_closed",
    )
    .await;
    assert_eq!(desk.detail(&order_id).await["state"], "verifying");
    // A new deposit can be started; an unsupported bank goes straight to manual review.
    let unsupported: Value = start_check(
        &desk,
        &order_id,
        json!({"party": "organisation", "method": "micro_deposit", "bank": "某不支持银行", "account": "123456789012"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(unsupported["verification"]["state"], "manual");
    // Methods the product does not offer, and malformed accounts, are refused.
    problem(
        start_check(
            &desk,
            &order_id,
            json!({"party": "organisation", "method": "face"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "method_not_offered",
    )
    .await;
    problem(
        start_check(&desk, &order_id, json!({"party": "organisation", "method": "micro_deposit", "bank": "招商银行", "account": "12ab"})).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
}

#[tokio::test]
async fn fake_and_oversized_images_and_unknown_kinds_are_refused() {
    let desk = Desk::start().await;
    let order = desk.create("ggzy-org-cloud").await;
    let order_id = id(&order);
    problem(
        desk.upload(
            &order_id,
            "business_licence",
            b"GIF? no, a text file".to_vec(),
            "licence.png",
        )
        .await,
        StatusCode::BAD_REQUEST,
        "image_unsupported",
    )
    .await;
    // 001 allows 1 MB per file.
    let mut big = PNG.to_vec();
    big.resize(1024 * 1024 + 1, 0);
    problem(
        desk.upload(&order_id, "business_licence", big, "big.png")
            .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
    )
    .await;
    problem(
        desk.upload(&order_id, "passport", PNG.to_vec(), "p.png")
            .await,
        StatusCode::BAD_REQUEST,
        "material_unknown",
    )
    .await;
    let materials: Value = desk
        .app
        .get("/api/v1/materials")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(materials.as_array().unwrap().len(), 0);
    // Another user's material cannot be put into a form.
    let mut other = desk.app.clone_signed_out().await;
    other.register(&phone(50_000_002), "other").await;
    let other_order: Value = other
        .post(
            "/api/v1/orders",
            json!({"product_id": order["product"]["id"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let form = enterprise_form(&desk, &order, 1).await;
    let stolen = form["materials"]["business_licence"].clone();
    let mut their_form = form.clone();
    their_form["materials"]["business_licence"] = stolen;
    problem(
        other
            .put(
                &format!("/api/v1/orders/{}/form", id(&other_order)),
                their_form,
            )
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
}

#[tokio::test]
async fn one_open_order_per_id_number_and_business() {
    let desk = Desk::start().await;
    let first = desk.create("zfgjj-personal-cloud").await;
    let form = personal_form(&desk, &first, "13600000009").await;
    assert_eq!(desk.save(&id(&first), &form).await.status(), StatusCode::OK);
    let second = desk.create("zfgjj-personal-cloud").await;
    let version = desk.version(&id(&second)).await;
    problem(
        desk.save(&id(&second), &form).await,
        StatusCode::CONFLICT,
        "order_open_exists",
    )
    .await;
    assert_eq!(desk.version(&id(&second)).await, version);
    // Cancelling the first frees the slot.
    let cancelled: Value = desk
        .app
        .post(&format!("/api/v1/orders/{}/cancel", id(&first)), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cancelled["state"], "cancelled");
    assert_eq!(
        desk.save(&id(&second), &form).await.status(),
        StatusCode::OK
    );
    // Bad check digits are refused on save.
    let mut bad = form.clone();
    bad["person"]["id_number"] = json!("110105194912310021");
    problem(
        desk.save(&id(&second), &bad).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
}

#[tokio::test]
async fn tampered_replayed_and_mismatched_payment_notifications_change_nothing() {
    let desk = Desk::start().await;
    let order = desk.create("zfgjj-personal-cloud").await;
    let order_id = id(&order);
    let form = personal_form(&desk, &order, "13600000004").await;
    desk.save(&order_id, &form).await;
    desk.sign_and_submit(&order_id, &form, false).await;
    start_check(
        &desk,
        &order_id,
        json!({"party": "person", "method": "three_factor"}),
    )
    .await;
    let payment: Value = desk
        .app
        .post(
            &format!("/api/v1/orders/{order_id}/payments"),
            json!({"channel": "alipay"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let gateway = desk.app.platform.sandbox_gateway.clone().unwrap();
    let note = Notification {
        notify_id: "N-1".into(),
        payment_id: payment["id"].as_str().unwrap().into(),
        amount_fen: payment["amount_fen"].as_i64().unwrap(),
        result: "paid".into(),
        transaction: "T-1".into(),
    };
    let (body, signature) = gateway.sign(&note).unwrap();
    let gateway_client = crate::support::new_client();
    let send = |body: Vec<u8>, signature: String| {
        let client = gateway_client.clone();
        let url = desk.app.url("/api/v1/payments/notify");
        async move {
            client
                .post(url)
                .header("content-type", "application/json")
                .header("x-signet-signature", signature)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let version = desk.version(&order_id).await;
    // Tampered: the amount changed after signing.
    let tampered = String::from_utf8(body.clone())
        .unwrap()
        .replace(&format!(":{},", note.amount_fen), ":1,");
    problem(
        send(tampered.into_bytes(), signature.clone()).await,
        StatusCode::UNAUTHORIZED,
        "notification_signature",
    )
    .await;
    // Signed, but for another amount.
    let short = Notification {
        amount_fen: 1,
        notify_id: "N-0".into(),
        ..note.clone()
    };
    let (short_body, short_sig) = gateway.sign(&short).unwrap();
    problem(
        send(short_body, short_sig).await,
        StatusCode::BAD_REQUEST,
        "payment_mismatch",
    )
    .await;
    assert_eq!(desk.version(&order_id).await, version);
    // The genuine one settles the payment once; its replay is refused.
    assert_eq!(
        send(body.clone(), signature.clone()).await.status(),
        StatusCode::OK
    );
    let paid = desk.detail(&order_id).await;
    assert_eq!(paid["state"], "awaiting_review");
    let version = desk.version(&order_id).await;
    problem(
        send(body, signature).await,
        StatusCode::CONFLICT,
        "notification_replayed",
    )
    .await;
    let fresh_id = Notification {
        notify_id: "N-2".into(),
        ..note
    };
    let (fresh_body, fresh_sig) = gateway.sign(&fresh_id).unwrap();
    problem(
        send(fresh_body, fresh_sig).await,
        StatusCode::CONFLICT,
        "notification_replayed",
    )
    .await;
    assert_eq!(desk.version(&order_id).await, version);
}

#[tokio::test]
async fn another_users_order_is_not_found_and_applicants_are_not_staff() {
    let desk = Desk::start().await;
    let order = desk.create("zfgjj-personal-cloud").await;
    let order_id = id(&order);
    let mut other = desk.app.clone_signed_out().await;
    other.register(&phone(50_000_003), "intruder").await;
    for path in [
        format!("/api/v1/orders/{order_id}"),
        format!("/api/v1/orders/{order_id}/certificates"),
        format!("/api/v1/orders/{order_id}/application-form.pdf"),
    ] {
        problem(other.get(&path).await, StatusCode::NOT_FOUND, "not_found").await;
    }
    problem(
        other
            .put(
                &format!("/api/v1/orders/{order_id}/form"),
                json!({"term_years": 1, "quantity": 1}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        other
            .post(&format!("/api/v1/orders/{order_id}/cancel"), json!({}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    for path in ["approve", "reject", "ship", "refund"] {
        problem(
            desk.app
                .post(
                    &format!("/api/v1/staff/orders/{order_id}/{path}"),
                    json!({"reason": "x", "courier": "x", "tracking_number": "123456"}),
                )
                .await,
            StatusCode::FORBIDDEN,
            "staff_only",
        )
        .await;
    }
    problem(
        desk.app.get("/api/v1/staff/orders").await,
        StatusCode::FORBIDDEN,
        "staff_only",
    )
    .await;
    assert_eq!(desk.detail(&order_id).await["state"], "drafting");
}

#[tokio::test]
async fn forbidden_transitions_are_refused_in_every_early_state() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let order = desk.create("zfgjj-personal-cloud").await;
    let order_id = id(&order);
    let form = personal_form(&desk, &order, "13600000005").await;
    desk.save(&order_id, &form).await;
    let attempts = |state: &'static str| {
        let order_id = order_id.clone();
        async move {
            let mut refused = vec![
                (
                    format!("/api/v1/staff/orders/{order_id}/approve"),
                    json!({}),
                ),
                (
                    format!("/api/v1/staff/orders/{order_id}/ship"),
                    json!({"courier": "EMS", "tracking_number": "EMS123456"}),
                ),
                (format!("/api/v1/staff/orders/{order_id}/refund"), json!({})),
            ];
            if state != "awaiting_payment" {
                refused.push((
                    format!("/api/v1/orders/{order_id}/payments"),
                    json!({"channel": "wechat"}),
                ));
            }
            if state != "drafting" {
                refused.push((
                    format!("/api/v1/orders/{order_id}/submit"),
                    json!({"agree": true, "sms_code": "000000"}),
                ));
            }
            refused
        }
    };
    // drafting: nothing but saving and submitting.
    for state in ["drafting", "verifying", "awaiting_payment"] {
        assert_eq!(desk.detail(&order_id).await["state"], state);
        let version = desk.version(&order_id).await;
        for (path, body) in attempts(state).await {
            let client = if path.contains("/staff/") {
                &staff
            } else {
                &desk.app
            };
            let response = client.post(&path, body).await;
            problem(response, StatusCode::CONFLICT, "order_state").await;
        }
        assert_eq!(desk.version(&order_id).await, version, "{state}");
        match state {
            "drafting" => {
                desk.sign_and_submit(&order_id, &form, false).await;
            }
            "verifying" => {
                start_check(
                    &desk,
                    &order_id,
                    json!({"party": "person", "method": "three_factor"}),
                )
                .await;
            }
            _ => {}
        }
    }
    // Verification is over: no new checks.
    problem(
        start_check(
            &desk,
            &order_id,
            json!({"party": "person", "method": "three_factor"}),
        )
        .await,
        StatusCode::CONFLICT,
        "order_state",
    )
    .await;
    // A finished order accepts nothing.
    desk.app
        .post(&format!("/api/v1/orders/{order_id}/cancel"), json!({}))
        .await;
    assert_eq!(desk.detail(&order_id).await["state"], "cancelled");
    problem(
        desk.save(&order_id, &form).await,
        StatusCode::CONFLICT,
        "order_state",
    )
    .await;
    problem(
        desk.app
            .post(&format!("/api/v1/orders/{order_id}/cancel"), json!({}))
            .await,
        StatusCode::CONFLICT,
        "order_state",
    )
    .await;
}
