//! Finding 9: the audit log records check outcomes, staff views of applicants' materials and
//! payment creation, each event with the address of the request that caused it.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Row as _;

use super::support::{Desk, deposit_amount, enterprise_form, start_check};

/// `(actor, ip, after)` of every event named `action`.
pub async fn events(desk: &Desk, action: &str) -> Vec<(String, String, Value)> {
    sqlx::query("SELECT actor, ip, after_state FROM audit_log WHERE action = $1 ORDER BY seq")
        .bind(action)
        .fetch_all(desk.app.platform.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|row| {
            let after: String = row.try_get("after_state").unwrap();
            (
                row.try_get("actor").unwrap(),
                row.try_get("ip").unwrap(),
                serde_json::from_str(&after).unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn finding_9_check_outcomes_material_views_and_payments_are_audited_with_the_address() {
    let desk = Desk::start().await;
    let order = desk.create("ggzy-org-cloud").await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let form = enterprise_form(&desk, &order, 1).await;
    desk.save(&order_id, &form).await;
    desk.sign_and_submit(&order_id, &form, false).await;
    let account = "6222020200001234999";
    let started: Value = start_check(
        &desk,
        &order_id,
        json!({"party": "organisation", "method": "micro_deposit", "bank": "中国工商银行", "account": account}),
    )
    .await
    .json()
    .await
    .unwrap();
    let verification = started["verification"]["id"].as_str().unwrap().to_owned();
    let amount = deposit_amount(&desk, account).await;
    let done = desk
        .app
        .post(
            &format!("/api/v1/orders/{order_id}/verifications/{verification}/deposit"),
            json!({"amount": amount}),
        )
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let outcome = events(&desk, "desk.verification.outcome").await;
    assert_eq!(outcome.len(), 1, "{outcome:?}");
    assert_eq!(outcome[0].1, "127.0.0.1");
    assert_eq!(outcome[0].2["state"], "passed");

    let staff = desk.staff().await;
    let licence = form["materials"]["business_licence"].as_str().unwrap();
    let view = staff
        .get(&format!("/api/v1/staff/materials/{licence}"))
        .await;
    assert_eq!(view.status(), StatusCode::OK);
    let views = events(&desk, "desk.material.view").await;
    assert_eq!(views.len(), 1, "{views:?}");
    let staff_id = staff.get("/api/v1/me").await.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(views[0].0, format!("user:{staff_id}"));
    assert_eq!(views[0].1, "127.0.0.1");

    let operator = start_check(
        &desk,
        &order_id,
        json!({"party": "operator", "method": "three_factor"}),
    )
    .await;
    assert_eq!(operator.status(), StatusCode::OK);
    staff
        .post(
            &format!("/api/v1/staff/orders/{order_id}/approve"),
            json!({}),
        )
        .await;
    desk.pay(&order_id).await;
    let payments = events(&desk, "desk.payment.create").await;
    assert_eq!(payments.len(), 1, "{payments:?}");
    assert_eq!(payments[0].1, "127.0.0.1");
    assert_eq!(payments[0].2["channel"], "wechat");
    // Events of the desk's own writers carry the address too, not only those given one.
    for action in ["desk.order.create", "desk.verification.start"] {
        let written = events(&desk, action).await;
        assert!(!written.is_empty(), "{action}");
        assert!(
            written.iter().all(|(_, ip, _)| ip == "127.0.0.1"),
            "{action}: {written:?}"
        );
    }
}
