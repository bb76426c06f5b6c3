//! Login by password (ACC-3) with lockout, SMS login and quick registration (ACC-2), forgotten
//! password (ACC-4) and logout.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{PASSWORD, app, new_client, phone, problem};

#[tokio::test]
async fn login_by_name_phone_or_email() {
    let mut app = app().start().await;
    let number = phone(30_000_001);
    app.register(&number, "loginuser").await;
    for identifier in [
        "loginuser",
        "LoginUser",
        number.as_str(),
        "loginuser@example.com",
    ] {
        app.logout().await;
        let response = app.login(identifier, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK, "{identifier}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["user"]["login_name"], "loginuser");
        assert_eq!(body["must_set_password"], false);
    }
}

#[tokio::test]
async fn a_wrong_password_or_captcha_is_refused() {
    let mut app = app().start().await;
    app.register(&phone(30_000_002), "wrongpw").await;
    app.logout().await;
    problem(
        app.login("wrongpw", "Wrong#2026").await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    )
    .await;
    problem(
        app.login("nobody", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    )
    .await;
    let (id, _) = app.captcha().await;
    let response = app
        .post("/api/v1/login/password", json!({"identifier": "wrongpw", "password": PASSWORD, "captcha_id": id, "captcha_answer": "ZZZZ"}))
        .await;
    problem(response, StatusCode::BAD_REQUEST, "captcha_wrong").await;
    let me = app.get("/api/v1/me").await;
    problem(me, StatusCode::UNAUTHORIZED, "not_signed_in").await;
}

#[tokio::test]
async fn five_failures_lock_the_account_for_fifteen_minutes() {
    let mut app = app().start().await;
    app.register(&phone(30_000_003), "lockme").await;
    app.logout().await;
    for _ in 0..4 {
        problem(
            app.login("lockme", "Wrong#2026").await,
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
        )
        .await;
    }
    let body = problem(
        app.login("lockme", "Wrong#2026").await,
        StatusCode::LOCKED,
        "account_locked",
    )
    .await;
    assert_eq!(body["retry_after"], 900);
    assert!(
        body["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("后重试")
    );
    // Even the right password waits out the lock.
    let locked = app.login("lockme", PASSWORD).await;
    let retry: i64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    problem(locked, StatusCode::LOCKED, "account_locked").await;
    app.advance_clock(901).await;
    assert_eq!(app.login("lockme", PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn sms_login_signs_in_a_known_phone() {
    let mut app = app().start().await;
    let number = phone(30_000_004);
    app.register(&number, "smsuser").await;
    app.logout().await;
    let code = app.code_for(&number, "login").await;
    let response = app
        .post(
            "/api/v1/login/sms",
            json!({"phone": number, "sms_code": code}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["login_name"], "smsuser");
    assert_eq!(body["must_set_password"], false);
    app.refresh_session().await;
    // The code is spent.
    app.logout().await;
    let replay = app
        .post(
            "/api/v1/login/sms",
            json!({"phone": number, "sms_code": code}),
        )
        .await;
    problem(replay, StatusCode::BAD_REQUEST, "sms_code_expired").await;
}

#[tokio::test]
async fn sms_login_of_an_unknown_phone_registers_it_and_requires_a_password() {
    let mut app = app().start().await;
    let number = phone(30_000_005);
    let code = app.code_for(&number, "login").await;
    let response = app
        .post(
            "/api/v1/login/sms",
            json!({"phone": number, "sms_code": code}),
        )
        .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["must_set_password"], true);
    assert_eq!(body["user"]["has_password"], false);
    let session = app.refresh_session().await;
    assert_eq!(session["must_set_password"], true);
    // Nothing else until a password is set.
    let blocked = app
        .put("/api/v1/me/email", json!({"email": "quick@example.com"}))
        .await;
    problem(blocked, StatusCode::FORBIDDEN, "password_setup_required").await;
    let weak = app
        .post("/api/v1/me/password/initial", json!({"password": "short"}))
        .await;
    problem(weak, StatusCode::BAD_REQUEST, "weak_password").await;
    let set = app
        .post("/api/v1/me/password/initial", json!({"password": PASSWORD}))
        .await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let twice = app
        .post("/api/v1/me/password/initial", json!({"password": PASSWORD}))
        .await;
    problem(twice, StatusCode::CONFLICT, "password_already_set").await;
    app.logout().await;
    assert_eq!(app.login(&number, PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_forgotten_password_is_reset_and_other_sessions_end() {
    let mut app = app().start().await;
    let number = phone(30_000_006);
    app.register(&number, "forgetful").await;
    // A second device stays signed in until the reset.
    let other_device = app.client.clone();
    app.client = new_client();
    app.refresh_session().await;
    let code = app.code_for(&number, "reset_password").await;
    let weak = app
        .post(
            "/api/v1/password/reset",
            json!({"phone": number, "sms_code": code, "new_password": "weak"}),
        )
        .await;
    problem(weak, StatusCode::BAD_REQUEST, "weak_password").await;
    let reset = app
        .post(
            "/api/v1/password/reset",
            json!({"phone": number, "sms_code": code, "new_password": "Newer#2026"}),
        )
        .await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    problem(
        app.login("forgetful", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    )
    .await;
    app.logout().await;
    assert_eq!(
        app.login("forgetful", "Newer#2026").await.status(),
        StatusCode::OK
    );
    let old = other_device
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap();
    problem(old, StatusCode::UNAUTHORIZED, "not_signed_in").await;
}

#[tokio::test]
async fn reset_for_an_unknown_phone_sends_nothing_and_fails_like_a_wrong_code() {
    let app = app().start().await;
    let number = phone(30_000_007);
    let response = app.request_code(&number, "reset_password").await;
    assert_eq!(response.status(), StatusCode::OK);
    let inbox: Value = app
        .get(&format!("/dev/inbox?to={number}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox.as_array().unwrap().len(), 0);
    let reset = app
        .post(
            "/api/v1/password/reset",
            json!({"phone": number, "sms_code": "123456", "new_password": "Newer#2026"}),
        )
        .await;
    problem(reset, StatusCode::BAD_REQUEST, "sms_code_wrong").await;
}

#[tokio::test]
async fn logout_ends_the_session_and_its_cookie_cannot_be_replayed() {
    let mut app = app().start().await;
    app.register(&phone(30_000_008), "leaver").await;
    app.logout().await;
    let response = app.login("leaver", PASSWORD).await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_owned();
    let raw = reqwest::Client::new();
    let before = raw
        .get(app.url("/api/v1/me"))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(before.status(), StatusCode::OK);
    app.logout().await;
    let replay = raw
        .get(app.url("/api/v1/me"))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    problem(replay, StatusCode::UNAUTHORIZED, "not_signed_in").await;
}
