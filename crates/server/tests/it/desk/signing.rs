//! Finding 12: the order's signing codes go out only behind a solved captcha, and the legal
//! representative's authorisation cannot be given from the operator's own phone.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::support::{Desk, enterprise_form};
use crate::support::problem;

fn id(order: &Value) -> String {
    order["id"].as_str().unwrap().to_owned()
}

/// How many messages the sandbox kept for `to`.
async fn inbox_len(desk: &Desk, to: &str) -> usize {
    let list: Value = desk
        .app
        .get(&format!("/dev/inbox?to={to}"))
        .await
        .json()
        .await
        .unwrap();
    list.as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn finding_12_signing_code_needs_a_solved_captcha() {
    let desk = Desk::start().await;
    let order = desk.create("zfgjj-org-cloud").await;
    let order_id = id(&order);
    let form = enterprise_form(&desk, &order, 1).await;
    assert_eq!(desk.save(&order_id, &form).await.status(), StatusCode::OK);
    let path = format!("/api/v1/orders/{order_id}/signing-code");
    // No captcha, to the operator and to the legal representative: refused, nothing sent.
    for body in [json!({}), json!({"legal_rep": true})] {
        problem(
            desk.app.post(&path, body).await,
            StatusCode::BAD_REQUEST,
            "captcha_expired",
        )
        .await;
    }
    // A wrong answer spends the captcha and sends nothing either.
    let (captcha_id, _) = desk.app.captcha().await;
    problem(
        desk.app
            .post(
                &path,
                json!({"captcha_id": captcha_id, "captcha_answer": "XXXX"}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "captcha_wrong",
    )
    .await;
    assert_eq!(inbox_len(&desk, "13700000002").await, 0);
    assert_eq!(inbox_len(&desk, "13700000001").await, 0);
    // Solved: the code goes out; the captcha cannot be used a second time.
    let (captcha_id, captcha_answer) = desk.app.captcha().await;
    let body = json!({"captcha_id": captcha_id, "captcha_answer": captcha_answer});
    let sent = desk.app.post(&path, body.clone()).await;
    assert_eq!(
        sent.status(),
        StatusCode::OK,
        "{}",
        sent.text().await.unwrap()
    );
    assert_eq!(inbox_len(&desk, "13700000002").await, 1);
    desk.app.advance_clock(61).await;
    problem(
        desk.app.post(&path, body).await,
        StatusCode::BAD_REQUEST,
        "captcha_expired",
    )
    .await;
    assert_eq!(inbox_len(&desk, "13700000002").await, 1);
    assert_eq!(desk.detail(&order_id).await["state"], "drafting");
}

#[tokio::test]
async fn finding_12_legal_rep_authorisation_from_the_operators_phone_is_refused() {
    let desk = Desk::start().await;
    // This channel's enterprise product asks the legal representative to authorise by SMS.
    let order = desk.create("zfgjj-org-cloud").await;
    let order_id = id(&order);
    let mut form = enterprise_form(&desk, &order, 1).await;
    form["organisation"]["legal_rep_phone"] = form["person"]["phone"].clone();
    assert_eq!(desk.save(&order_id, &form).await.status(), StatusCode::OK);
    let version = desk.version(&order_id).await;
    // The operator's code arrives; the "legal representative's" would go to the same phone.
    let (captcha_id, captcha_answer) = desk.app.captcha().await;
    let sent = desk
        .app
        .post(
            &format!("/api/v1/orders/{order_id}/signing-code"),
            json!({"captcha_id": captcha_id, "captcha_answer": captcha_answer}),
        )
        .await;
    assert_eq!(sent.status(), StatusCode::OK);
    let code = desk.app.inbox_code("13700000002").await;
    let (captcha_id, captcha_answer) = desk.app.captcha().await;
    let body = problem(
        desk.app
            .post(
                &format!("/api/v1/orders/{order_id}/signing-code"),
                json!({"legal_rep": true, "captcha_id": captcha_id, "captcha_answer": captcha_answer}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    assert_eq!(body["field"], "organisation.legal_rep_phone", "{body}");
    assert!(
        body["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("法定代表人"),
        "{body}"
    );
    // Submitting with the operator's code as both signatures is refused and changes nothing.
    let body = problem(
        desk.app
            .post(
                &format!("/api/v1/orders/{order_id}/submit"),
                json!({"agree": true, "sms_code": code, "legal_rep_code": code}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    assert_eq!(body["field"], "organisation.legal_rep_phone", "{body}");
    assert_eq!(desk.detail(&order_id).await["state"], "drafting");
    assert_eq!(desk.version(&order_id).await, version);
    // With the legal representative's own phone the same order signs and submits.
    form["organisation"]["legal_rep_phone"] = json!("13700000001");
    assert_eq!(desk.save(&order_id, &form).await.status(), StatusCode::OK);
    let submitted = desk.sign_and_submit(&order_id, &form, true).await;
    assert_eq!(submitted["state"], "verifying");
}
