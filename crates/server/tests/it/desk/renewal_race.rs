//! LIFE-2's optional renewal review (issue 13): with `renewal_review` off, a clean paid renewal
//! is approved by the system. The payment notice and the last identity check both lead there, so
//! the state check must let exactly one of many simultaneous callers approve and produce: 40 at
//! once give one approval and one certificate.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::desk::orders::OrderState;

use super::lifecycle::cloud_certificate;
use super::newuser::{save_product, saved_product};
use super::support::{Desk, personal_form, start_check};

const DAY: i64 = 86_400;

#[tokio::test]
async fn forty_simultaneous_automatic_approvals_make_one_certificate() {
    let mut desk = Desk::start().await;
    let (_, serial) = cloud_certificate(&desk, "13500001407").await;
    desk.advance(2 * 365 * DAY - 20 * DAY).await;

    // A renewal that is paid and checked while the product still has renewals reviewed: it waits
    // for a reviewer.
    let renewal: Value = desk
        .app
        .post(
            &format!("/api/v1/certificates/{serial}/orders"),
            json!({"kind": "renewal"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = renewal["id"].as_str().unwrap().to_owned();
    let mut form = renewal["form"].clone();
    form["materials"] = personal_form(&desk, &renewal, "13500001407").await["materials"].clone();
    assert_eq!(desk.save(&id, &form).await.status(), StatusCode::OK);
    desk.sign_and_submit(&id, &form, false).await;
    start_check(
        &desk,
        &id,
        json!({"party": "person", "method": "three_factor"}),
    )
    .await;
    desk.pay(&id).await;
    assert_eq!(desk.detail(&id).await["state"], "awaiting_review");

    // Renewals stop needing review; then 40 callers reach the state check at once.
    let staff = desk.staff_login().await;
    let mut product = saved_product(&staff, "zfgjj-personal-cloud").await;
    product["settings"]["renewal_review"] = json!(false);
    assert_eq!(
        save_product(&staff, &product).await.status(),
        StatusCode::OK
    );
    let platform = Arc::clone(&desk.app.platform);
    let issued_before = issued(&platform).await;
    let mut callers = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let platform = Arc::clone(&platform);
        let id = id.clone();
        callers.spawn(async move {
            signet_core::desk::review::approve_without_review(&platform, &id).await
        });
    }
    let states: Vec<OrderState> = callers
        .join_all()
        .await
        .into_iter()
        .map(|r| r.expect("a losing caller is told the state, not an error"))
        .collect();
    assert!(
        states.iter().all(|s| *s != OrderState::AwaitingReview),
        "{states:?}"
    );

    let detail = desk.detail(&id).await;
    assert_eq!(detail["state"], "completed", "{detail}");
    assert_eq!(
        detail["certificates"].as_array().unwrap().len(),
        1,
        "{detail}"
    );
    let approvals = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["code"] == "approved_without_review" || h["code"] == "approved")
        .count();
    assert_eq!(approvals, 1, "{detail}");
    // One certificate issued in the CA's own records too.
    assert_eq!(issued(&platform).await, issued_before + 1);
    // A later caller changes nothing.
    assert_eq!(
        signet_core::desk::review::approve_without_review(&platform, &id)
            .await
            .unwrap(),
        OrderState::Completed
    );
}

/// How many certificates the CAs have issued.
async fn issued(platform: &signet_core::Platform) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM ca_certificates")
        .fetch_one(platform.db.pool())
        .await
        .unwrap()
}
