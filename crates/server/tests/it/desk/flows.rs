//! Whole applications: the 001-style enterprise project (micro-deposit, review before payment),
//! the 002-style personal channel (three-factor, pay then review), a USB-key order produced,
//! shipped and completed, face checks, the offline mail flow, reject-edit-resubmit and refund.

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::desk::orders;
use signet_core::desk::production::{TokenProduction, produce_on_token};
use signet_pki::SoftwareKey;

use super::support::{Desk, approve, deposit_amount, enterprise_form, personal_form, start_check};
use crate::support::problem;

/// Keys that stand in for a token's: seeded, tests need no real randomness.
fn test_rng(seed: u64) -> rand::rngs::StdRng {
    rand::SeedableRng::seed_from_u64(seed)
}

fn id(order: &Value) -> String {
    order["id"].as_str().unwrap().to_owned()
}

/// Verifies the organisation by micro-deposit and the operator by three-factor.
async fn verify_enterprise(desk: &Desk, order: &str, account: &str) -> Value {
    let started: Value = start_check(
        desk,
        order,
        json!({"party": "organisation", "method": "micro_deposit", "bank": "中国工商银行", "account": account}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(started["verification"]["state"], "pending");
    let vid = started["verification"]["id"].as_str().unwrap().to_owned();
    let amount = deposit_amount(desk, &account.replace(' ', "")).await;
    let done = desk
        .app
        .post(
            &format!("/api/v1/orders/{order}/verifications/{vid}/deposit"),
            json!({"amount": amount}),
        )
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let operator = start_check(
        desk,
        order,
        json!({"party": "operator", "method": "three_factor"}),
    )
    .await;
    assert_eq!(operator.status(), StatusCode::OK);
    operator.json().await.unwrap()
}

#[tokio::test]
async fn enterprise_project_reviews_before_payment_and_issues_a_cloud_certificate() {
    let desk = Desk::start().await;
    let order = desk.create("ggzy-org-cloud").await;
    assert_eq!(order["state"], "drafting");
    let order_id = id(&order);
    let form = enterprise_form(&desk, &order, 1).await;
    let saved = desk.save(&order_id, &form).await;
    assert_eq!(saved.status(), StatusCode::OK);
    let saved: Value = saved.json().await.unwrap();
    // Pasted spaces are stripped, the price follows term × quantity × unit price.
    assert_eq!(
        saved["form"]["organisation"]["id_number"],
        form["organisation"]["id_number"].as_str().unwrap().trim()
    );
    assert_eq!(
        saved["form"]["invoice"]["taxpayer_id"],
        "91350100M000100Y43"
    );
    assert_eq!(saved["amount_fen"], 30_000);
    let mut three_years = form.clone();
    three_years["term_years"] = json!(3);
    let repriced: Value = desk
        .save(&order_id, &three_years)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(repriced["amount_fen"], 90_000);

    let submitted = desk.sign_and_submit(&order_id, &three_years, false).await;
    assert_eq!(submitted["state"], "verifying");
    assert_eq!(
        submitted["verification_needed"].as_array().unwrap().len(),
        2
    );
    let after = verify_enterprise(&desk, &order_id, "6222 0202 0000 1234 56").await;
    assert_eq!(after["order_state"], "awaiting_review");

    // Review comes first: paying now is refused.
    problem(
        desk.app
            .post(
                &format!("/api/v1/orders/{order_id}/payments"),
                json!({"channel": "alipay"}),
            )
            .await,
        StatusCode::CONFLICT,
        "order_state",
    )
    .await;
    let staff = desk.staff().await;
    let queue: Value = staff
        .get("/api/v1/staff/orders?state=awaiting_review")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        queue
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == order_id.as_str())
    );
    // Lists mask identifiers.
    let line = &queue.as_array().unwrap()[0];
    assert!(
        line["summary"]["person"]["id_number"]
            .as_str()
            .unwrap()
            .contains("****")
    );
    let approved: Value = approve(&staff, &order_id).await;
    assert_eq!(approved["state"], "awaiting_payment");

    let paid = desk.pay(&order_id).await;
    assert_eq!(paid["state"], "completed", "{paid}");
    assert_eq!(paid["certificates"].as_array().unwrap().len(), 1);
    let certs: Value = desk
        .app
        .get(&format!("/api/v1/orders/{order_id}/certificates"))
        .await
        .json()
        .await
        .unwrap();
    let cert = &certs[0];
    assert!(
        cert["cert_pem"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    assert!(
        cert["subject"]
            .as_str()
            .unwrap()
            .contains("福州测试科技有限公司")
    );
    // Three years, as ordered.
    let years = (cert["not_after"].as_i64().unwrap() - cert["not_before"].as_i64().unwrap())
        / (365 * 86_400);
    assert_eq!(years, 3);
    // The e-invoice was made after payment and emailed.
    let invoice = desk
        .app
        .get(&format!("/api/v1/orders/{order_id}/invoice.pdf"))
        .await;
    assert_eq!(invoice.status(), StatusCode::OK);
    assert!(invoice.bytes().await.unwrap().starts_with(b"%PDF-"));
    let mail: Value = desk
        .app
        .get("/dev/inbox?to=finance@example.com")
        .await
        .json()
        .await
        .unwrap();
    assert!(mail[0]["subject"].as_str().unwrap().contains("电子发票"));
    // The history names every step.
    let detail = desk.detail(&order_id).await;
    let events: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to_state"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "verifying",
            "awaiting_review",
            "awaiting_payment",
            "awaiting_production",
            "completed"
        ]
    );
    // A finished order frees the ID for a new one of the same business.
    let again = desk.create("ggzy-org-cloud").await;
    assert_eq!(
        desk.save(&id(&again), &three_years).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn personal_channel_pays_before_review() {
    let desk = Desk::start().await;
    let order = desk.create("zfgjj-personal-cloud").await;
    let order_id = id(&order);
    let form = personal_form(&desk, &order, "13600000001").await;
    assert_eq!(desk.save(&order_id, &form).await.status(), StatusCode::OK);
    desk.sign_and_submit(&order_id, &form, false).await;
    let checked: Value = start_check(
        &desk,
        &order_id,
        json!({"party": "person", "method": "three_factor"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(checked["verification"]["state"], "passed");
    assert_eq!(checked["order_state"], "awaiting_payment");
    let paid = desk.pay(&order_id).await;
    assert_eq!(paid["state"], "awaiting_review");
    assert!(paid["paid"].as_bool().unwrap());
    let staff = desk.staff().await;
    let approved: Value = approve(&staff, &order_id).await;
    assert_eq!(approved["state"], "completed");
    let sms: Value = desk
        .app
        .get("/dev/inbox?to=13600000001")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        sms.as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"].as_str().unwrap().contains("云证书已签发"))
    );
}

#[tokio::test]
async fn usb_key_order_is_produced_on_tokens_shipped_and_completed() {
    let desk = Desk::start().await;
    let order = desk.create("ggzy-org-ukey").await;
    let order_id = id(&order);
    // 001 requires exactly two certificates.
    let one = enterprise_form(&desk, &order, 1).await;
    problem(
        desk.save(&order_id, &one).await,
        StatusCode::BAD_REQUEST,
        "quantity_not_allowed",
    )
    .await;
    let form = enterprise_form(&desk, &order, 2).await;
    let saved: Value = desk.save(&order_id, &form).await.json().await.unwrap();
    assert_eq!(saved["amount_fen"], 60_000);
    desk.sign_and_submit(&order_id, &form, false).await;
    verify_enterprise(&desk, &order_id, "622202020000123456").await;
    let staff = desk.staff().await;
    staff
        .post(
            &format!("/api/v1/staff/orders/{order_id}/approve"),
            json!({}),
        )
        .await;
    let paid = desk.pay(&order_id).await;
    assert_eq!(paid["state"], "awaiting_production");

    // Production (what `signet token produce` does, with a software key standing in for the
    // token here; the SoftHSM2 path is tested through the command line).
    let platform = &desk.app.platform;
    for n in 0..2_u64 {
        let order = orders::load(platform, &order_id).await.unwrap();
        let key = SoftwareKey::generate(signet_pki::KeyAlgorithm::EcdsaP256, "", &mut test_rng(n))
            .unwrap();
        let name = signet_pki::names::parse_name("CN=ignored").unwrap();
        let csr = signet_pki::csr::make_csr(&key, &name).unwrap();
        let cert = produce_on_token(
            platform,
            &order,
            &TokenProduction {
                csr: &csr,
                token_serial: &format!("TOKEN{n}"),
                token_model: "test",
                so_pin: Some("12345678"),
                actor: "test",
            },
        )
        .await
        .unwrap();
        // The subject is the verified one, whatever the request said.
        assert!(cert.subject.contains("福州测试科技有限公司"));
    }
    let produced = desk.detail(&order_id).await;
    assert_eq!(produced["state"], "awaiting_delivery");
    assert_eq!(produced["certificates"].as_array().unwrap().len(), 2);
    // A third production is refused.
    let order = orders::load(platform, &order_id).await.unwrap();
    let key =
        SoftwareKey::generate(signet_pki::KeyAlgorithm::EcdsaP256, "", &mut test_rng(99)).unwrap();
    let csr =
        signet_pki::csr::make_csr(&key, &signet_pki::names::parse_name("CN=x").unwrap()).unwrap();
    let extra = produce_on_token(
        platform,
        &order,
        &TokenProduction {
            csr: &csr,
            token_serial: "T3",
            token_model: "test",
            so_pin: None,
            actor: "test",
        },
    )
    .await;
    assert_eq!(extra.unwrap_err().code(), "order_state");

    // The address can change until the tracking number exists.
    let moved = desk
        .app
        .put(
            &format!("/api/v1/orders/{order_id}/shipping"),
            json!({"name": "李经办", "phone": "13700000002", "address": "福州市仓山区新地址 8 号"}),
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let shipped: Value = staff
        .post(
            &format!("/api/v1/staff/orders/{order_id}/ship"),
            json!({"courier": "顺丰速运", "tracking_number": "SF 1234 5678 9012"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shipped["state"], "completed");
    assert_eq!(shipped["tracking_number"], "顺丰速运 SF123456789012");
    problem(
        desk.app
            .put(
                &format!("/api/v1/orders/{order_id}/shipping"),
                json!({"name": "李经办", "phone": "13700000002", "address": "又一个地址"}),
            )
            .await,
        StatusCode::CONFLICT,
        "already_shipped",
    )
    .await;
    let sms: Value = desk
        .app
        .get("/dev/inbox?to=13700000002")
        .await
        .json()
        .await
        .unwrap();
    assert!(sms[0]["body"].as_str().unwrap().contains("SF123456789012"));
    // Invoice after shipment for this product.
    assert_eq!(
        desk.app
            .get(&format!("/api/v1/orders/{order_id}/invoice.pdf"))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn face_check_fails_then_passes_and_four_factor_mismatch_is_reported() {
    let desk = Desk::start().await;
    let order = desk.create("zfgjj-personal-cloud").await;
    let order_id = id(&order);
    let form = personal_form(&desk, &order, "13600000002").await;
    desk.save(&order_id, &form).await;
    desk.sign_and_submit(&order_id, &form, false).await;
    let mismatch: Value = start_check(
        &desk,
        &order_id,
        json!({"party": "person", "method": "four_factor", "card": "6222020200000060000", "card_phone": "13600000002"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(mismatch["verification"]["state"], "failed", "{mismatch}");
    assert!(
        mismatch["verification"]["detail"]
            .as_str()
            .unwrap()
            .contains("线下邮寄")
    );
    assert_eq!(mismatch["order_state"], "verifying");

    for passed in [false, true] {
        // Face-check links to one number are at least 60 s apart (finding 5).
        desk.app.advance_clock(61).await;
        let face: Value = start_check(
            &desk,
            &order_id,
            json!({"party": "person", "method": "face"}),
        )
        .await
        .json()
        .await
        .unwrap();
        let url = face["face_url"].as_str().unwrap();
        let token = url.trim_start_matches("/face/");
        // The link went to the person's phone.
        let sms: Value = desk
            .app
            .get("/dev/inbox?to=13600000002")
            .await
            .json()
            .await
            .unwrap();
        assert!(sms[0]["body"].as_str().unwrap().contains(url));
        // The phone has no session: the face page works without one.
        let phone = crate::support::new_client();
        let answer = phone
            .post(desk.app.url(&format!("/dev/face/{token}")))
            .json(&json!({"passed": passed}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        let body: Value = answer.json().await.unwrap();
        assert_eq!(
            body["order_state"],
            if passed {
                "awaiting_payment"
            } else {
                "verifying"
            }
        );
        // A used link is dead.
        let again = phone
            .post(desk.app.url(&format!("/dev/face/{token}")))
            .json(&json!({"passed": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn offline_mail_flow_prints_the_form_and_goes_to_manual_review() {
    let desk = Desk::start().await;
    let order = desk.create("zfgjj-org-cloud").await;
    let order_id = id(&order);
    let form = enterprise_form(&desk, &order, 1).await;
    desk.save(&order_id, &form).await;
    // This channel asks the legal representative to authorise by SMS code too.
    let sent = desk.signing_code(&order_id, false).await;
    assert_eq!(sent.status(), StatusCode::OK);
    let code = desk.app.inbox_code("13700000002").await;
    problem(
        desk.app
            .post(
                &format!("/api/v1/orders/{order_id}/submit"),
                json!({"agree": true, "sms_code": code}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "sms_code_expired",
    )
    .await;
    assert_eq!(desk.detail(&order_id).await["state"], "drafting");
    let submitted = desk.sign_and_submit(&order_id, &form, true).await;
    assert_eq!(submitted["state"], "verifying");
    let pdf = desk
        .app
        .get(&format!("/api/v1/orders/{order_id}/application-form.pdf"))
        .await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    let letter = desk
        .app
        .get(&format!(
            "/api/v1/orders/{order_id}/authorisation-letter.pdf"
        ))
        .await;
    assert_eq!(letter.status(), StatusCode::OK);
    let offline: Value = desk
        .app
        .post(&format!("/api/v1/orders/{order_id}/offline"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(offline["state"], "awaiting_payment");
    assert!(
        offline["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f.as_str().unwrap().starts_with("offline_form:"))
    );
}

#[tokio::test]
async fn rejected_order_is_edited_resubmitted_or_refunded() {
    let desk = Desk::start().await;
    let order = desk.create("zfgjj-personal-cloud").await;
    let order_id = id(&order);
    let form = personal_form(&desk, &order, "13600000003").await;
    desk.save(&order_id, &form).await;
    desk.sign_and_submit(&order_id, &form, false).await;
    start_check(
        &desk,
        &order_id,
        json!({"party": "person", "method": "three_factor"}),
    )
    .await;
    desk.pay(&order_id).await;
    let staff = desk.staff().await;
    problem(
        staff
            .post(
                &format!("/api/v1/staff/orders/{order_id}/reject"),
                json!({"reason": "  "}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "reason_required",
    )
    .await;
    let rejected: Value = staff
        .post(
            &format!("/api/v1/staff/orders/{order_id}/reject"),
            json!({"reason": "身份证照片模糊"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rejected["state"], "rejected");
    assert_eq!(rejected["reject_reason"], "身份证照片模糊");
    let mail: Value = desk
        .app
        .get("/dev/inbox?to=person@example.com")
        .await
        .json()
        .await
        .unwrap();
    assert!(mail[0]["body"].as_str().unwrap().contains("身份证照片模糊"));
    // Paid orders are refunded, not cancelled.
    problem(
        desk.app
            .post(&format!("/api/v1/orders/{order_id}/cancel"), json!({}))
            .await,
        StatusCode::CONFLICT,
        "order_state",
    )
    .await;
    // Edit → back to drafting, reason cleared; the payment stays, so after verification the
    // order goes straight to review.
    let edited: Value = desk.save(&order_id, &form).await.json().await.unwrap();
    assert_eq!(edited["state"], "drafting");
    assert!(edited["reject_reason"].is_null());
    desk.sign_and_submit(&order_id, &form, false).await;
    let checked: Value = start_check(
        &desk,
        &order_id,
        json!({"party": "person", "method": "three_factor"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(checked["order_state"], "awaiting_review");
    let rejected_again: Value = staff
        .post(
            &format!("/api/v1/staff/orders/{order_id}/reject"),
            json!({"reason": "不符合办理条件"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rejected_again["state"], "rejected");
    let refunded: Value = desk
        .app
        .post(&format!("/api/v1/orders/{order_id}/refund"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(refunded["state"], "refunded");
    let payments: Value = desk
        .app
        .get(&format!("/api/v1/orders/{order_id}/payments"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(payments[0]["state"], "refunded");
}
