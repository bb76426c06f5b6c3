//! CSRF, cookies, rate limits and sandbox-only routes.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{app, new_client, phone, problem};

#[tokio::test]
async fn the_session_cookie_is_httponly_and_samesite() {
    let app = app().start().await;
    let response = new_client()
        .get(app.url("/api/v1/session"))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("signet_session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(cookie.contains("Path=/"));
}

#[tokio::test]
async fn state_changes_without_the_csrf_token_are_refused_and_change_nothing() {
    let app = app().start().await;
    let number = phone(50_000_001);
    let (captcha_id, captcha_answer) = app.captcha().await;
    let body = json!({"phone": number, "purpose": "register", "captcha_id": captcha_id, "captcha_answer": captcha_answer});
    // No header.
    let missing = app
        .client
        .post(app.url("/api/v1/sms-codes"))
        .json(&body)
        .send()
        .await
        .unwrap();
    problem(missing, StatusCode::FORBIDDEN, "csrf_failed").await;
    // A forged token.
    let forged = app
        .client
        .post(app.url("/api/v1/sms-codes"))
        .header("x-csrf-token", "0".repeat(64))
        .json(&body)
        .send()
        .await
        .unwrap();
    problem(forged, StatusCode::FORBIDDEN, "csrf_failed").await;
    // Another session's token.
    let mut other = crate::support::app().start().await;
    other.refresh_session().await;
    let stolen = app
        .client
        .post(app.url("/api/v1/sms-codes"))
        .header("x-csrf-token", &other.csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    problem(stolen, StatusCode::FORBIDDEN, "csrf_failed").await;
    // No session at all.
    let anonymous = new_client()
        .post(app.url("/api/v1/sms-codes"))
        .header("x-csrf-token", &app.csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    problem(anonymous, StatusCode::FORBIDDEN, "csrf_failed").await;
    // Nothing was sent, and the captcha is still unspent.
    let inbox: serde_json::Value = app
        .get(&format!("/dev/inbox?to={number}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox.as_array().unwrap().len(), 0);
    assert_eq!(
        app.post("/api/v1/sms-codes", body).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_csrf_token_changes_when_signing_in() {
    let mut app = app().start().await;
    let before = app.csrf.clone();
    app.register(&phone(50_000_002), "rotated").await;
    assert_ne!(app.csrf, before);
}

#[tokio::test]
async fn too_many_writes_from_one_address_are_limited() {
    let app = app().writes_per_minute(3).start().await;
    for _ in 0..3 {
        assert_eq!(
            app.post("/api/v1/captcha", json!({})).await.status(),
            StatusCode::OK
        );
    }
    let limited = app.post("/api/v1/captcha", json!({})).await;
    let body = problem(limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_eq!(body["retry_after"], 60);
    // Reads are not limited.
    assert_eq!(app.get("/api/v1/session").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn sandbox_routes_do_not_exist_outside_the_sandbox() {
    let app = app().without_sandbox().start().await;
    problem(
        app.get("/dev/inbox?to=x").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let clock = app.post("/dev/clock", json!({"advance_seconds": 10})).await;
    problem(clock, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn the_sandbox_clock_needs_staff_and_only_moves_forward() {
    let mut app = app().start().await;
    let anonymous = app.post("/dev/clock", json!({"advance_seconds": 10})).await;
    problem(anonymous, StatusCode::UNAUTHORIZED, "not_signed_in").await;
    let user = app.register("13700000101", "clockuser").await;
    let applicant = app.post("/dev/clock", json!({"advance_seconds": 10})).await;
    problem(applicant, StatusCode::FORBIDDEN, "staff_only").await;
    assert_eq!(
        app.platform.clock.offset(),
        0,
        "an applicant moved the clock"
    );
    signet_core::desk::roles::grant(
        &app.platform,
        user["id"].as_str().unwrap(),
        signet_core::desk::roles::Role::Reviewer,
        "test",
    )
    .await
    .unwrap();
    let back = app
        .post("/dev/clock", json!({"advance_seconds": -100}))
        .await;
    problem(back, StatusCode::BAD_REQUEST, "invalid_field").await;
    let forward = app.post("/dev/clock", json!({"advance_seconds": 10})).await;
    assert_eq!(forward.status(), StatusCode::OK);
    assert_eq!(app.platform.clock.offset(), 10);
}

#[tokio::test]
async fn the_inbox_page_renders_for_browsers() {
    let app = app().start().await;
    app.captcha().await;
    let page = app
        .client
        .get(app.url("/dev/inbox"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let text = page.text().await.unwrap();
    assert!(text.contains("沙箱收件箱"));
    assert!(text.contains("图形验证码"));
}
