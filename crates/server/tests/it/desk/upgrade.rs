//! Finding 6: a paid order whose price changes after a rejection is settled before review: an
//! upgrade pays the difference, a downgrade has its payment refunded through the outbox and pays
//! the new price.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::support::{Desk, personal_form, start_check};
use crate::support::problem;

fn id(order: &Value) -> String {
    order["id"].as_str().unwrap().to_owned()
}

/// A personal cloud order (50.00 CNY a year, pay first) for two years: checked, paid (100.00),
/// then rejected by a reviewer. The order id, its form and the staff client.
async fn paid_then_rejected(desk: &Desk, phone: &str) -> (String, Value, crate::support::TestApp) {
    let order = desk.create("zfgjj-personal-cloud").await;
    let order_id = id(&order);
    let form = personal_form(desk, &order, phone).await;
    assert_eq!(desk.save(&order_id, &form).await.status(), StatusCode::OK);
    desk.sign_and_submit(&order_id, &form, false).await;
    start_check(
        desk,
        &order_id,
        json!({"party": "person", "method": "three_factor"}),
    )
    .await;
    let paid = desk.pay(&order_id).await;
    assert_eq!(paid["amount_fen"], 10_000);
    assert_eq!(paid["state"], "awaiting_review");
    let staff = desk.staff().await;
    let rejected = staff
        .post(
            &format!("/api/v1/staff/orders/{order_id}/reject"),
            json!({"reason": "证件照片模糊"}),
        )
        .await;
    assert_eq!(rejected.status(), StatusCode::OK);
    (order_id, form, staff)
}

/// Edits the term, signs again and passes the check again; the order's state afterwards.
async fn change_term_and_resubmit(
    desk: &Desk,
    order_id: &str,
    form: &mut Value,
    years: i64,
) -> Value {
    form["term_years"] = json!(years);
    let saved: Value = desk.save(order_id, form).await.json().await.unwrap();
    assert_eq!(saved["amount_fen"], 5_000 * years);
    desk.sign_and_submit(order_id, form, false).await;
    let checked: Value = start_check(
        desk,
        order_id,
        json!({"party": "person", "method": "three_factor"}),
    )
    .await
    .json()
    .await
    .unwrap();
    checked["order_state"].clone()
}

async fn payments(desk: &Desk, order_id: &str) -> Vec<Value> {
    desk.app
        .get(&format!("/api/v1/orders/{order_id}/payments"))
        .await
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Refund jobs queued for the order's payments.
async fn refund_jobs(desk: &Desk) -> i64 {
    use sqlx::Row as _;
    sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'desk.refund'")
        .fetch_one(desk.app.platform.db.pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

#[tokio::test]
async fn finding_6_an_upgrade_after_rejection_pays_the_difference_before_review() {
    let desk = Desk::start().await;
    let (order_id, mut form, staff) = paid_then_rejected(&desk, "13600000061").await;
    // Two years became five: 250.00 CNY, of which 100.00 is paid.
    let state = change_term_and_resubmit(&desk, &order_id, &mut form, 5).await;
    assert_eq!(
        state, "awaiting_payment",
        "the upgrade went to review without paying the difference"
    );
    problem(
        staff
            .post(
                &format!("/api/v1/staff/orders/{order_id}/approve"),
                json!({}),
            )
            .await,
        StatusCode::CONFLICT,
        "order_state",
    )
    .await;
    // The payment asked for is the difference, and paying it sends the order to review.
    let detail = desk.pay(&order_id).await;
    assert_eq!(detail["state"], "awaiting_review");
    let paid: Vec<i64> = payments(&desk, &order_id)
        .await
        .iter()
        .filter(|p| p["state"] == "paid")
        .map(|p| p["amount_fen"].as_i64().unwrap())
        .collect();
    let mut sorted = paid.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [10_000, 15_000]);
    // Rejected again and refunded: both payments go back.
    staff
        .post(
            &format!("/api/v1/staff/orders/{order_id}/reject"),
            json!({"reason": "不符合办理条件"}),
        )
        .await;
    let refunded: Value = desk
        .app
        .post(&format!("/api/v1/orders/{order_id}/refund"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(refunded["state"], "refunded");
    assert!(
        payments(&desk, &order_id)
            .await
            .iter()
            .all(|p| p["state"] == "refunded")
    );
    assert_eq!(refund_jobs(&desk).await, 2);
}

#[tokio::test]
async fn finding_6_a_downgrade_after_rejection_is_refunded_before_review() {
    let desk = Desk::start().await;
    let (order_id, mut form, _staff) = paid_then_rejected(&desk, "13600000062").await;
    // Two years became one: 50.00 CNY, 100.00 paid. The payment goes back through the outbox
    // and the new price is paid before review.
    let state = change_term_and_resubmit(&desk, &order_id, &mut form, 1).await;
    assert_eq!(
        state, "awaiting_payment",
        "the downgrade went to review keeping the surplus"
    );
    assert_eq!(refund_jobs(&desk).await, 1);
    let before = payments(&desk, &order_id).await;
    assert_eq!(before.len(), 1);
    assert_eq!(before[0]["state"], "refunded");
    let detail = desk.pay(&order_id).await;
    assert_eq!(detail["state"], "awaiting_review");
    let after = payments(&desk, &order_id).await;
    let paid: Vec<i64> = after
        .iter()
        .filter(|p| p["state"] == "paid")
        .map(|p| p["amount_fen"].as_i64().unwrap())
        .collect();
    assert_eq!(paid, [5_000]);
}

#[tokio::test]
async fn finding_6_an_unchanged_price_goes_straight_to_review() {
    let desk = Desk::start().await;
    let (order_id, mut form, _staff) = paid_then_rejected(&desk, "13600000063").await;
    let state = change_term_and_resubmit(&desk, &order_id, &mut form, 2).await;
    assert_eq!(state, "awaiting_review");
    assert_eq!(refund_jobs(&desk).await, 0);
    assert_eq!(payments(&desk, &order_id).await.len(), 1);
}
