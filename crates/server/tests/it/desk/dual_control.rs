//! Dual control (issue 12, finding 8): a reviewer who also applied cannot approve, reject or
//! refund their own application; another reviewer can.

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::desk::roles::{self, Role};
use sqlx::Row as _;

use super::support::Desk;
use crate::support::problem;

#[tokio::test]
async fn finding_8_reviewers_cannot_approve_reject_or_refund_their_own_application() {
    let desk = Desk::start().await;
    // The reviewer applies for a certificate of their own, and pays for it.
    let reviewer = Desk {
        app: desk.staff().await,
    };
    let order_id = reviewer.checked_cloud_order("13600000081").await;
    let paid = reviewer.pay(&order_id).await;
    assert_eq!(paid["state"], "awaiting_review", "{paid}");
    let version = reviewer.version(&order_id).await;
    let staff_path = |action: &str| format!("/api/v1/staff/orders/{order_id}/{action}");
    for (action, body) in [
        ("approve", json!({})),
        ("reject", json!({"reason": "材料不清晰"})),
        ("refund", json!({})),
    ] {
        let refused = reviewer.app.post(&staff_path(action), body).await;
        let body = problem(refused, StatusCode::FORBIDDEN, "own_application").await;
        assert!(
            body["message"]["zh-CN"].as_str().unwrap().contains("本人"),
            "{body}"
        );
    }
    // Nothing changed: the order waits for review, its payment is still paid, no refund queued.
    assert_eq!(reviewer.version(&order_id).await, version);
    assert_eq!(reviewer.detail(&order_id).await["state"], "awaiting_review");
    let platform = &desk.app.platform;
    let payments = sqlx::query("SELECT state FROM desk_payments WHERE order_id = $1")
        .bind(&order_id)
        .fetch_all(platform.db.pool())
        .await
        .unwrap();
    assert!(
        payments
            .iter()
            .all(|row| row.try_get::<String, _>("state").unwrap() == "paid")
    );
    let jobs = sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'desk.refund'")
        .fetch_one(platform.db.pool())
        .await
        .unwrap();
    assert_eq!(jobs.try_get::<i64, _>("n").unwrap(), 0);
    // A second reviewer decides instead.
    let applicant: String = sqlx::query("SELECT id FROM users WHERE login_name = 'applicant'")
        .fetch_one(platform.db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
    roles::grant(platform, &applicant, Role::Reviewer, "test")
        .await
        .unwrap();
    let approved = desk.app.post(&staff_path("approve"), json!({})).await;
    assert_eq!(approved.status(), StatusCode::OK);
    let approved: Value = approved.json().await.unwrap();
    assert_eq!(approved["state"], "completed", "{approved}");
}
