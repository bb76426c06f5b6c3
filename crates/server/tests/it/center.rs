//! The user center (ACC-5): login name, email, password, phone (old then new) and avatar.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::support::{PASSWORD, TestApp, app, phone, problem};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89";

async fn upload(app: &TestApp, bytes: Vec<u8>, name: &str) -> reqwest::Response {
    let form = Form::new().part("avatar", Part::bytes(bytes).file_name(name.to_owned()));
    app.client
        .post(app.url("/api/v1/me/avatar"))
        .header("x-csrf-token", &app.csrf)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn login_name_and_email_change_and_taken_ones_are_refused() {
    let mut app = app().start().await;
    app.register(&phone(40_000_001), "someone").await;
    app.logout().await;
    app.register(&phone(40_000_002), "center").await;
    let renamed: Value = app
        .put("/api/v1/me/login-name", json!({"login_name": "center2"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(renamed["login_name"], "center2");
    problem(
        app.put("/api/v1/me/login-name", json!({"login_name": "Someone"}))
            .await,
        StatusCode::CONFLICT,
        "login_name_taken",
    )
    .await;
    problem(
        app.put("/api/v1/me/login-name", json!({"login_name": "x"}))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    let email: Value = app
        .put("/api/v1/me/email", json!({"email": "new.mail@example.com"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(email["email_masked"], "ne***@example.com");
    problem(
        app.put("/api/v1/me/email", json!({"email": "someone@example.com"}))
            .await,
        StatusCode::CONFLICT,
        "email_taken",
    )
    .await;
    app.logout().await;
    assert_eq!(
        app.login("new.mail@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn password_change_needs_the_old_password_and_a_strong_new_one() {
    let mut app = app().start().await;
    app.register(&phone(40_000_003), "changer").await;
    let wrong = app
        .put(
            "/api/v1/me/password",
            json!({"old_password": "Wrong#2026", "new_password": "Another#2026"}),
        )
        .await;
    problem(wrong, StatusCode::BAD_REQUEST, "wrong_old_password").await;
    let weak = app
        .put(
            "/api/v1/me/password",
            json!({"old_password": PASSWORD, "new_password": "password"}),
        )
        .await;
    problem(weak, StatusCode::BAD_REQUEST, "weak_password").await;
    let ok = app
        .put(
            "/api/v1/me/password",
            json!({"old_password": PASSWORD, "new_password": "Another#2026"}),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    // This session stays signed in.
    assert_eq!(app.get("/api/v1/me").await.status(), StatusCode::OK);
    app.logout().await;
    problem(
        app.login("changer", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    )
    .await;
    assert_eq!(
        app.login("changer", "Another#2026").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn phone_change_proves_the_old_number_then_the_new_one() {
    let mut app = app().start().await;
    let old = phone(40_000_004);
    let new = phone(40_000_005);
    app.register(&old, "mover").await;
    // Skipping step 1 is refused.
    let code = app.code_for(&new, "change_phone_new").await;
    let early = app
        .put("/api/v1/me/phone", json!({"phone": new, "sms_code": code}))
        .await;
    problem(early, StatusCode::FORBIDDEN, "phone_not_verified").await;
    app.advance_clock(61).await;
    // Step 1: the code goes to the current phone whatever `phone` says.
    assert_eq!(
        app.request_code("", "change_phone_old").await.status(),
        StatusCode::OK
    );
    let old_code = app.inbox_code(&old).await;
    let verified = app
        .post("/api/v1/me/phone/verify-old", json!({"sms_code": old_code}))
        .await;
    assert_eq!(verified.status(), StatusCode::NO_CONTENT);
    let same = app.request_code(&old, "change_phone_new").await;
    problem(same, StatusCode::BAD_REQUEST, "same_phone").await;
    let code = app.code_for(&new, "change_phone_new").await;
    let changed: Value = app
        .put("/api/v1/me/phone", json!({"phone": new, "sms_code": code}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(changed["phone_masked"], "139****0005");
    app.logout().await;
    assert_eq!(app.login(&new, PASSWORD).await.status(), StatusCode::OK);
    app.logout().await;
    problem(
        app.login(&old, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    )
    .await;
}

#[tokio::test]
async fn a_taken_phone_cannot_be_moved_to() {
    let mut app = app().start().await;
    let taken = phone(40_000_006);
    app.register(&taken, "owner").await;
    app.logout().await;
    app.register(&phone(40_000_007), "wanter").await;
    let old_code = app.code_for(&phone(40_000_007), "change_phone_old").await;
    let verified = app
        .post("/api/v1/me/phone/verify-old", json!({"sms_code": old_code}))
        .await;
    assert_eq!(verified.status(), StatusCode::NO_CONTENT);
    // The code goes out like any other; only its holder learns the phone is taken (finding 13).
    let code = app.code_for(&taken, "change_phone_new").await;
    let response = app
        .put(
            "/api/v1/me/phone",
            json!({"phone": taken, "sms_code": code}),
        )
        .await;
    problem(response, StatusCode::CONFLICT, "phone_taken").await;
}

#[tokio::test]
async fn avatars_are_checked_by_content_and_size() {
    let mut app = app().start().await;
    app.register(&phone(40_000_008), "pictured").await;
    problem(
        app.get("/api/v1/me/avatar").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let fake = upload(&app, b"<script>alert(1)</script>".to_vec(), "face.png").await;
    problem(fake, StatusCode::BAD_REQUEST, "image_unsupported").await;
    let mut big = PNG.to_vec();
    big.resize(2 * 1024 * 1024 + 1, 0);
    problem(
        upload(&app, big, "big.png").await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
    )
    .await;
    let mut huge = PNG.to_vec();
    huge.resize(5 * 1024 * 1024, 0);
    problem(
        upload(&app, huge, "huge.png").await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
    )
    .await;
    let me: Value = app.get("/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["has_avatar"], false);
    let ok: Value = upload(&app, PNG.to_vec(), "face.jpg")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ok["has_avatar"], true);
    let image = app.get("/api/v1/me/avatar").await;
    assert_eq!(image.headers()["content-type"], "image/png");
    assert_eq!(image.bytes().await.unwrap().as_ref(), PNG);
}
