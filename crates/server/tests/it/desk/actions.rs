//! The actions the API lists with an order are the ones it accepts: an order is walked through
//! its states; at each, every action the applicant or staff is not offered is tried and refused
//! with nothing changed, and the step taken next is one that was offered.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::support::{Desk, personal_form, start_check};
use crate::support::TestApp;

/// What each side may try; the names are those of `allowed_actions`.
const APPLICANT: [&str; 5] = ["save", "submit", "pay", "cancel", "refund"];
const STAFF: [&str; 4] = ["approve", "reject", "ship", "refund"];

fn actions(detail: &Value) -> Vec<String> {
    detail["allowed_actions"]
        .as_array()
        .unwrap_or_else(|| panic!("no allowed_actions in {detail}"))
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

async fn staff_detail(staff: &TestApp, order: &str) -> Value {
    staff
        .get(&format!("/api/v1/staff/orders/{order}"))
        .await
        .json()
        .await
        .unwrap()
}

async fn try_applicant(desk: &Desk, order: &str, form: &Value, action: &str) -> reqwest::Response {
    let app = &desk.app;
    match action {
        "save" => desk.save(order, form).await,
        "submit" => {
            app.post(
                &format!("/api/v1/orders/{order}/submit"),
                json!({"agree": true, "sms_code": "000000"}),
            )
            .await
        }
        "pay" => {
            app.post(
                &format!("/api/v1/orders/{order}/payments"),
                json!({"channel": "alipay"}),
            )
            .await
        }
        "cancel" => {
            app.post(&format!("/api/v1/orders/{order}/cancel"), json!({}))
                .await
        }
        "refund" => {
            app.post(&format!("/api/v1/orders/{order}/refund"), json!({}))
                .await
        }
        other => panic!("no probe for {other}"),
    }
}

async fn try_staff(staff: &TestApp, order: &str, action: &str) -> reqwest::Response {
    let base = format!("/api/v1/staff/orders/{order}");
    match action {
        "approve" => staff.post(&format!("{base}/approve"), json!({})).await,
        "reject" => {
            staff
                .post(&format!("{base}/reject"), json!({"reason": "探测"}))
                .await
        }
        "ship" => {
            staff
                .post(
                    &format!("{base}/ship"),
                    json!({"courier": "顺丰", "tracking_number": "SF1234567890"}),
                )
                .await
        }
        "refund" => staff.post(&format!("{base}/refund"), json!({})).await,
        other => panic!("no probe for {other}"),
    }
}

/// Every action not offered now is refused and changes nothing; returns the offers.
async fn offers_are_what_is_accepted(
    desk: &Desk,
    staff: &TestApp,
    order: &str,
    form: &Value,
) -> (Vec<String>, Vec<String>) {
    let applicant = actions(&desk.detail(order).await);
    let offered_to_staff = actions(&staff_detail(staff, order).await);
    let before = desk.version(order).await;
    for action in APPLICANT
        .iter()
        .filter(|a| !applicant.iter().any(|x| x == *a))
    {
        let response = try_applicant(desk, order, form, action).await;
        assert!(
            response.status().is_client_error(),
            "applicant {action} not offered ({applicant:?}) but answered {}",
            response.status()
        );
    }
    for action in STAFF
        .iter()
        .filter(|a| !offered_to_staff.iter().any(|x| x == *a))
    {
        let response = try_staff(staff, order, action).await;
        assert!(
            response.status().is_client_error(),
            "staff {action} not offered ({offered_to_staff:?}) but answered {}",
            response.status()
        );
    }
    assert_eq!(
        desk.version(order).await,
        before,
        "a refusal changed the order"
    );
    (applicant, offered_to_staff)
}

fn has(list: &[String], action: &str) -> bool {
    list.iter().any(|a| a == action)
}

#[tokio::test]
async fn listed_actions_match_what_the_server_accepts() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let order = desk.create("zfgjj-personal-cloud").await;
    let id = order["id"].as_str().unwrap().to_owned();
    let form = personal_form(&desk, &order, "13600000002").await;
    assert_eq!(desk.save(&id, &form).await.status(), StatusCode::OK);

    // Drafting: the applicant may go on, save, submit or cancel; staff nothing.
    let (applicant, staff_offers) = offers_are_what_is_accepted(&desk, &staff, &id, &form).await;
    assert!(has(&applicant, "continue") && has(&applicant, "submit") && has(&applicant, "cancel"));
    assert!(staff_offers.is_empty(), "{staff_offers:?}");
    desk.sign_and_submit(&id, &form, false).await;

    // Verifying, then (checks passed, pay before review) awaiting payment.
    offers_are_what_is_accepted(&desk, &staff, &id, &form).await;
    let checked: Value = start_check(
        &desk,
        &id,
        json!({"party": "person", "method": "three_factor"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(checked["order_state"], "awaiting_payment");
    let (applicant, _) = offers_are_what_is_accepted(&desk, &staff, &id, &form).await;
    assert!(has(&applicant, "pay"), "{applicant:?}");
    assert_eq!(desk.pay(&id).await["state"], "awaiting_review");

    // Paid, under review: staff approve, reject or refund; the applicant can no longer cancel.
    let (applicant, staff_offers) = offers_are_what_is_accepted(&desk, &staff, &id, &form).await;
    assert!(!has(&applicant, "cancel") && !has(&applicant, "refund"));
    assert!(
        has(&staff_offers, "approve")
            && has(&staff_offers, "reject")
            && has(&staff_offers, "refund")
    );
    let rejected = staff
        .post(
            &format!("/api/v1/staff/orders/{id}/reject"),
            json!({"reason": "照片不清晰"}),
        )
        .await;
    assert_eq!(rejected.status(), StatusCode::OK);

    // Rejected and paid: the applicant may ask for the money back.
    let (applicant, _) = offers_are_what_is_accepted(&desk, &staff, &id, &form).await;
    assert!(
        has(&applicant, "refund") && has(&applicant, "save"),
        "{applicant:?}"
    );
    let refunded = desk
        .app
        .post(&format!("/api/v1/orders/{id}/refund"), json!({}))
        .await;
    assert_eq!(refunded.status(), StatusCode::OK);

    // Refunded is final: nothing offered, everything refused.
    let (applicant, staff_offers) = offers_are_what_is_accepted(&desk, &staff, &id, &form).await;
    assert!(applicant.is_empty() && staff_offers.is_empty());
    // The history reads in codes too, the old text field beside them.
    let detail = desk.detail(&id).await;
    let rows = detail["history"].as_array().unwrap();
    let codes: Vec<&str> = rows.iter().map(|h| h["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        ["submitted", "verified", "paid", "rejected", "refunded"]
    );
    assert_eq!(rows[3]["params"]["reason"], "照片不清晰");
    assert_eq!(rows[3]["note"], "驳回：照片不清晰");
}
