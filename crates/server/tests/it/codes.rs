//! Captchas (single use) and SMS codes (6 digits, 5 minutes, 60 s gap, 5 tries).

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{app, phone, problem};

#[tokio::test]
async fn a_wrong_captcha_is_refused_and_spent() {
    let app = app().start().await;
    let (id, answer) = app.captcha().await;
    let number = phone(20_000_001);
    let wrong = app
        .post("/api/v1/sms-codes", json!({"phone": number, "purpose": "register", "captcha_id": id, "captcha_answer": "XXXX"}))
        .await;
    problem(wrong, StatusCode::BAD_REQUEST, "captcha_wrong").await;
    // The right answer no longer helps: the captcha was spent by the wrong try.
    let replay = app
        .post("/api/v1/sms-codes", json!({"phone": number, "purpose": "register", "captcha_id": id, "captcha_answer": answer}))
        .await;
    problem(replay, StatusCode::BAD_REQUEST, "captcha_expired").await;
}

#[tokio::test]
async fn a_captcha_works_once() {
    let app = app().start().await;
    let (id, answer) = app.captcha().await;
    let body = |n: u32| json!({"phone": phone(n), "purpose": "login", "captcha_id": id, "captcha_answer": answer.to_lowercase()});
    assert_eq!(
        app.post("/api/v1/sms-codes", body(20_000_002))
            .await
            .status(),
        StatusCode::OK
    );
    problem(
        app.post("/api/v1/sms-codes", body(20_000_003)).await,
        StatusCode::BAD_REQUEST,
        "captcha_expired",
    )
    .await;
}

#[tokio::test]
async fn a_captcha_expires_after_five_minutes() {
    let app = app().start().await;
    let (id, answer) = app.captcha().await;
    app.advance_clock(301).await;
    let response = app
        .post("/api/v1/sms-codes", json!({"phone": phone(20_000_004), "purpose": "login", "captcha_id": id, "captcha_answer": answer}))
        .await;
    problem(response, StatusCode::BAD_REQUEST, "captcha_expired").await;
}

#[tokio::test]
async fn codes_are_six_digits_and_cannot_be_resent_within_sixty_seconds() {
    let app = app().start().await;
    let number = phone(20_000_005);
    let code = app.code_for(&number, "login").await;
    assert_eq!(code.len(), 6);
    assert!(code.chars().all(|c| c.is_ascii_digit()));
    let again = app.request_code(&number, "login").await;
    let body = problem(again, StatusCode::TOO_MANY_REQUESTS, "sms_too_soon").await;
    let wait = body["retry_after"].as_i64().unwrap();
    assert!((55..=60).contains(&wait), "{wait}");
    app.advance_clock(61).await;
    let fresh = app.code_for(&number, "login").await;
    // The old code was replaced by the new one.
    let old = app
        .post(
            "/api/v1/login/sms",
            json!({"phone": number, "sms_code": code}),
        )
        .await;
    if code != fresh {
        problem(old, StatusCode::BAD_REQUEST, "sms_code_wrong").await;
    }
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let app = app().start().await;
    let number = phone(20_000_006);
    let code = app.code_for(&number, "login").await;
    app.advance_clock(301).await;
    let response = app
        .post(
            "/api/v1/login/sms",
            json!({"phone": number, "sms_code": code}),
        )
        .await;
    problem(response, StatusCode::BAD_REQUEST, "sms_code_expired").await;
    assert_eq!(app.user_count().await, 0);
}

#[tokio::test]
async fn five_wrong_tries_burn_the_code() {
    let app = app().start().await;
    let number = phone(20_000_007);
    let code = app.code_for(&number, "login").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for tries_left in (1..=4).rev() {
        let response = app
            .post(
                "/api/v1/login/sms",
                json!({"phone": number, "sms_code": wrong}),
            )
            .await;
        let body = problem(response, StatusCode::BAD_REQUEST, "sms_code_wrong").await;
        assert!(
            body["message"]["en"]
                .as_str()
                .unwrap()
                .contains(&format!("{tries_left} tries left"))
        );
    }
    let fifth = app
        .post(
            "/api/v1/login/sms",
            json!({"phone": number, "sms_code": wrong}),
        )
        .await;
    problem(fifth, StatusCode::BAD_REQUEST, "sms_code_burned").await;
    let right = app
        .post(
            "/api/v1/login/sms",
            json!({"phone": number, "sms_code": code}),
        )
        .await;
    problem(right, StatusCode::BAD_REQUEST, "sms_code_burned").await;
    assert_eq!(app.user_count().await, 0);
}

#[tokio::test]
async fn a_code_for_one_purpose_does_not_work_for_another() {
    let app = app().start().await;
    let number = phone(20_000_008);
    let code = app.code_for(&number, "login").await;
    let response = app
        .post(
            "/api/v1/register/phone",
            json!({"phone": number, "sms_code": code, "agree": true}),
        )
        .await;
    problem(response, StatusCode::BAD_REQUEST, "sms_code_expired").await;
}
