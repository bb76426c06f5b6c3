//! Registration (ACC-1) and its bad inputs.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{PASSWORD, app, phone, problem};

#[tokio::test]
async fn a_newcomer_registers_and_is_signed_in_with_masked_data() {
    let mut app = app().start().await;
    let user = app.register(&phone(10_000_001), "newcomer").await;
    assert_eq!(user["phone_masked"], "139****0001");
    assert_eq!(user["email_masked"], "ne***@example.com");
    assert_eq!(user["login_name"], "newcomer");
    let me: serde_json::Value = app.get("/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["id"], user["id"]);
    assert_eq!(me["has_password"], true);
}

#[tokio::test]
async fn a_taken_phone_is_refused_once_its_code_is_proven() {
    let mut app = app().start().await;
    let number = phone(10_000_002);
    app.register(&number, "first").await;
    app.logout().await;
    app.advance_clock(61).await;
    // Only the phone's owner can learn that it is taken (issue 12, finding 13).
    let code = app.code_for(&number, "register").await;
    let body = problem(
        app.post(
            "/api/v1/register/phone",
            json!({"phone": number, "sms_code": code, "agree": true}),
        )
        .await,
        StatusCode::CONFLICT,
        "phone_taken",
    )
    .await;
    assert_eq!(body["field"], "phone");
    assert!(
        body["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("已注册")
    );
}

#[tokio::test]
async fn the_agreement_must_be_accepted() {
    let app = app().start().await;
    let number = phone(10_000_003);
    let code = app.code_for(&number, "register").await;
    let response = app
        .post(
            "/api/v1/register/phone",
            json!({"phone": number, "sms_code": code, "agree": false}),
        )
        .await;
    problem(response, StatusCode::BAD_REQUEST, "agreement_required").await;
}

#[tokio::test]
async fn step_two_without_a_proven_phone_is_refused() {
    let app = app().start().await;
    let response = app
        .post("/api/v1/register", json!({"login_name": "sneaky", "real_name": "某人", "email": "s@example.com", "password": PASSWORD}))
        .await;
    problem(response, StatusCode::FORBIDDEN, "phone_not_verified").await;
    assert_eq!(app.user_count().await, 0);
}

#[tokio::test]
async fn weak_passwords_and_bad_fields_change_nothing() {
    let app = app().start().await;
    let number = phone(10_000_004);
    let code = app.code_for(&number, "register").await;
    let step1 = app
        .post(
            "/api/v1/register/phone",
            json!({"phone": number, "sms_code": code, "agree": true}),
        )
        .await;
    assert_eq!(step1.status(), StatusCode::OK);
    for (password, login_name, email, code, field) in [
        (
            "abcdefgh",
            "weakling",
            "w@example.com",
            "weak_password",
            "password",
        ),
        (
            "Ab1!",
            "weakling",
            "w@example.com",
            "weak_password",
            "password",
        ),
        (
            "Abcdefghijk12345!",
            "weakling",
            "w@example.com",
            "weak_password",
            "password",
        ),
        (
            PASSWORD,
            "1abc",
            "w@example.com",
            "invalid_field",
            "login_name",
        ),
        (
            PASSWORD,
            "weakling",
            "not-an-email",
            "invalid_field",
            "email",
        ),
    ] {
        let response = app
            .post("/api/v1/register", json!({"login_name": login_name, "real_name": "张三", "email": email, "password": password}))
            .await;
        let body = problem(response, StatusCode::BAD_REQUEST, code).await;
        assert_eq!(body["field"], field);
    }
    assert_eq!(app.user_count().await, 0);
}

#[tokio::test]
async fn taken_login_names_and_emails_are_refused() {
    let mut app = app().start().await;
    app.register(&phone(10_000_005), "taken").await;
    app.logout().await;
    let number = phone(10_000_006);
    let code = app.code_for(&number, "register").await;
    app.post(
        "/api/v1/register/phone",
        json!({"phone": number, "sms_code": code, "agree": true}),
    )
    .await;
    let name = app
        .post("/api/v1/register", json!({"login_name": "TAKEN", "real_name": "李四", "email": "other@example.com", "password": PASSWORD}))
        .await;
    problem(name, StatusCode::CONFLICT, "login_name_taken").await;
    let email = app
        .post("/api/v1/register", json!({"login_name": "other", "real_name": "李四", "email": "Taken@Example.com", "password": PASSWORD}))
        .await;
    problem(email, StatusCode::CONFLICT, "email_taken").await;
    assert_eq!(app.user_count().await, 1);
}

#[tokio::test]
async fn malformed_requests_get_a_problem() {
    let app = app().start().await;
    let response = app
        .client
        .post(app.url("/api/v1/register"))
        .header("x-csrf-token", &app.csrf)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::BAD_REQUEST, "malformed_request").await;
    let wrong_type = app
        .post(
            "/api/v1/register/phone",
            json!({"phone": 139, "sms_code": "1"}),
        )
        .await;
    problem(wrong_type, StatusCode::BAD_REQUEST, "malformed_request").await;
    let bad_phone = app.request_code("12345", "register").await;
    problem(bad_phone, StatusCode::BAD_REQUEST, "invalid_field").await;
}
