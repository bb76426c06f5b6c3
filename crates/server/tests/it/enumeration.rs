//! Phone and ID enumeration (issue 12, finding 13): nobody learns whether a phone has an account
//! before proving a code sent to it, nor whether another user has an open order for an ID.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::desk::support::{Desk, id_number};
use crate::support::{app, phone, problem};

/// A six-digit code that is not `right`.
fn not(right: &str) -> String {
    format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000)
}

#[tokio::test]
async fn finding_13_password_reset_and_sms_login_answer_alike_for_known_and_unknown_phones() {
    let mut app = app().start().await;
    let known = phone(32_000_001);
    let unknown = phone(32_000_002);
    app.register(&known, "known").await;
    app.logout().await;
    // Asking for a reset code: the same answer, but only the real account's phone gets an SMS.
    let sent_known = app.request_code(&known, "reset_password").await;
    let sent_unknown = app.request_code(&unknown, "reset_password").await;
    assert_eq!(sent_known.status(), StatusCode::OK);
    assert_eq!(sent_unknown.status(), StatusCode::OK);
    assert_eq!(
        sent_known.json::<Value>().await.unwrap(),
        sent_unknown.json::<Value>().await.unwrap()
    );
    let code = app.inbox_code(&known).await;
    let inbox: Value = app
        .get(&format!("/dev/inbox?to={unknown}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox.as_array().unwrap().len(), 0, "{inbox}");
    // Asking again at once: the same resend gap for both.
    for number in [&known, &unknown] {
        problem(
            app.request_code(number, "reset_password").await,
            StatusCode::TOO_MANY_REQUESTS,
            "sms_too_soon",
        )
        .await;
    }
    // Resetting with a wrong code: the same refusal, the same tries left.
    let mut answers = Vec::new();
    for number in [&known, &unknown] {
        let response = app
            .post(
                "/api/v1/password/reset",
                json!({"phone": number, "sms_code": not(&code), "new_password": "Newer#2026"}),
            )
            .await;
        let body = problem(response, StatusCode::BAD_REQUEST, "sms_code_wrong").await;
        answers.push(body["tries_left"].clone());
    }
    assert_eq!(answers[0], answers[1]);
    // SMS login: a wrong code is refused alike for both.
    app.advance_clock(61).await;
    let login_code = app.code_for(&known, "login").await;
    app.code_for(&unknown, "login").await;
    for number in [&known, &unknown] {
        let response = app
            .post(
                "/api/v1/login/sms",
                json!({"phone": number, "sms_code": not(&login_code)}),
            )
            .await;
        problem(response, StatusCode::BAD_REQUEST, "sms_code_wrong").await;
    }
    // The real code still resets the real account; nobody was created for the unknown phone.
    let reset = app
        .post(
            "/api/v1/password/reset",
            json!({"phone": known, "sms_code": code, "new_password": "Newer#2026"}),
        )
        .await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.user_count().await, 1);
}

#[tokio::test]
async fn finding_13_a_taken_phone_is_told_only_to_whoever_proves_its_code() {
    let mut app = app().start().await;
    let taken = phone(32_000_003);
    app.register(&taken, "owner13").await;
    app.logout().await;
    app.advance_clock(61).await;
    // The code request answers like any other; the code goes to the phone's owner.
    let code = app.code_for(&taken, "register").await;
    let wrong = app
        .post(
            "/api/v1/register/phone",
            json!({"phone": taken, "sms_code": not(&code), "agree": true}),
        )
        .await;
    problem(wrong, StatusCode::BAD_REQUEST, "sms_code_wrong").await;
    let right = app
        .post(
            "/api/v1/register/phone",
            json!({"phone": taken, "sms_code": code, "agree": true}),
        )
        .await;
    let body = problem(right, StatusCode::CONFLICT, "phone_taken").await;
    assert_eq!(body["field"], "phone");
    assert_eq!(app.user_count().await, 1);
}

#[tokio::test]
async fn finding_13_another_users_open_order_for_an_id_is_neither_revealed_nor_blocking() {
    let desk = Desk::start().await;
    let product_id = desk.product_id("zfgjj-personal-cloud").await;
    let form = json!({
        "term_years": 2,
        "quantity": 1,
        "person": {"name": "赵个人", "id_number": id_number("44030519850505331"), "phone": "13600000013", "email": "p@example.com"}
    });
    // The applicant's draft holds the ID (and then goes stale)…
    let first: Value = desk
        .app
        .post("/api/v1/orders", json!({"product_id": product_id}))
        .await
        .json()
        .await
        .unwrap();
    let first_id = first["id"].as_str().unwrap().to_owned();
    assert_eq!(desk.save(&first_id, &form).await.status(), StatusCode::OK);
    // …but another user typing the same ID learns nothing and is not blocked.
    let mut other = desk.app.clone_signed_out().await;
    other.register(&phone(32_000_004), "other13").await;
    let create = || async {
        other
            .post("/api/v1/orders", json!({"product_id": product_id}))
            .await
            .json::<Value>()
            .await
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let theirs = create().await;
    let saved = other
        .put(&format!("/api/v1/orders/{theirs}/form"), form.clone())
        .await;
    assert_eq!(
        saved.status(),
        StatusCode::OK,
        "{}",
        saved.text().await.unwrap()
    );
    // Their own second order for the same ID is refused: that one points at their own order.
    let second = create().await;
    let version = desk.version(&second).await;
    let body = problem(
        other
            .put(&format!("/api/v1/orders/{second}/form"), form.clone())
            .await,
        StatusCode::CONFLICT,
        "order_open_exists",
    )
    .await;
    assert!(
        body["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("您已有"),
        "{body}"
    );
    assert_eq!(desk.version(&second).await, version);
}
