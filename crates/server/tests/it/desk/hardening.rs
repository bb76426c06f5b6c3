//! Issue 12, finding 18, the desk's part: cloud signing needs an account with a password, SMS
//! codes authorise only the certificate and action they were sent for, and a certificate binds
//! only to the account it was issued to.

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_pki::SoftwareKey;
use sqlx::Row as _;

use super::support::{Desk, approve, personal_form, start_check, usb_certificate};
use crate::support::{PASSWORD, TestApp, phone, problem};

/// A completed personal cloud certificate of `desk`'s signed-in user, approved by `staff`.
async fn cloud_serial(desk: &Desk, staff: &TestApp, holder_phone: &str) -> String {
    let order = desk.create("zfgjj-personal-cloud").await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let form = personal_form(desk, &order, holder_phone).await;
    desk.save(&order_id, &form).await;
    desk.sign_and_submit(&order_id, &form, false).await;
    start_check(
        desk,
        &order_id,
        json!({"party": "person", "method": "three_factor"}),
    )
    .await;
    desk.pay(&order_id).await;
    let done: Value = approve(staff, &order_id).await;
    assert_eq!(done["state"], "completed", "{done}");
    done["certificates"][0].as_str().unwrap().to_owned()
}

async fn inbox_size(app: &TestApp, to: &str) -> usize {
    let inbox: Value = app
        .get(&format!("/dev/inbox?to={to}"))
        .await
        .json()
        .await
        .unwrap();
    inbox.as_array().unwrap().len()
}

fn base64(bytes: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)
}

async fn status_of(desk: &Desk, serial: &str) -> String {
    sqlx::query("SELECT status FROM ca_certificates WHERE serial = $1")
        .bind(serial)
        .fetch_one(desk.app.platform.db.pool())
        .await
        .unwrap()
        .try_get("status")
        .unwrap()
}

#[tokio::test]
async fn finding_18_accounts_without_a_password_cannot_use_cloud_signing() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    // An account made by SMS quick login: a phone and no password.
    let mut visitor = desk.app.clone_signed_out().await;
    let number = phone(50_000_018);
    let code = visitor.code_for(&number, "login").await;
    let login = visitor
        .post(
            "/api/v1/login/sms",
            json!({"phone": number, "sms_code": code}),
        )
        .await;
    let login: Value = login.json().await.unwrap();
    assert_eq!(login["must_set_password"], true, "{login}");
    visitor.refresh_session().await;
    let quick = Desk { app: visitor };
    let serial = cloud_serial(&quick, &staff, "13600000181").await;
    let code_path = format!("/api/v1/certificates/{serial}/cloud-code");
    let sign_path = format!("/api/v1/certificates/{serial}/cloud-sign");
    // Whoever holds the phone alone can neither get a signing code nor sign with one.
    let messages = inbox_size(&quick.app, &number).await;
    problem(
        quick.app.post(&code_path, json!({})).await,
        StatusCode::FORBIDDEN,
        "password_setup_required",
    )
    .await;
    problem(
        quick
            .app
            .put(
                &format!("/api/v1/certificates/{serial}/cloud-pin"),
                json!({"pin": "246810", "sms_code": "123456"}),
            )
            .await,
        StatusCode::FORBIDDEN,
        "password_setup_required",
    )
    .await;
    problem(
        quick
            .app
            .post(
                &sign_path,
                json!({"data": base64(b"contract"), "authorisation": {"sms_code": "123456"}}),
            )
            .await,
        StatusCode::FORBIDDEN,
        "password_setup_required",
    )
    .await;
    assert_eq!(inbox_size(&quick.app, &number).await, messages);
    // With a password set, the same certificate signs after an SMS check.
    let set = quick
        .app
        .post("/api/v1/me/password/initial", json!({"password": PASSWORD}))
        .await;
    assert_eq!(
        set.status(),
        StatusCode::NO_CONTENT,
        "{}",
        set.text().await.unwrap()
    );
    let mut app = quick.app;
    app.refresh_session().await;
    app.advance_clock(61).await;
    assert_eq!(
        app.post(&code_path, json!({})).await.status(),
        StatusCode::OK
    );
    let code = app.inbox_code(&number).await;
    let signed = app
        .post(
            &sign_path,
            json!({"data": base64(b"contract"), "authorisation": {"sms_code": code}}),
        )
        .await;
    assert_eq!(
        signed.status(),
        StatusCode::OK,
        "{}",
        signed.text().await.unwrap()
    );
}

#[tokio::test]
async fn finding_18_sms_codes_authorise_only_the_certificate_and_action_they_were_sent_for() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let first = cloud_serial(&desk, &staff, "13600000182").await;
    let second = cloud_serial(&desk, &staff, "13600000183").await;
    let (_, usb) = usb_certificate(&desk, &staff, 18).await;
    let holder = phone(50_000_001);
    let data = base64(b"contract");
    // A code sent to sign with the first cloud certificate does not sign with the second.
    desk.app.advance_clock(61).await;
    let sent = desk
        .app
        .post(
            &format!("/api/v1/certificates/{first}/cloud-code"),
            json!({}),
        )
        .await;
    assert_eq!(sent.status(), StatusCode::OK);
    let cloud_code = desk.app.inbox_code(&holder).await;
    problem(
        desk.app
            .post(
                &format!("/api/v1/certificates/{second}/cloud-sign"),
                json!({"data": data, "authorisation": {"sms_code": cloud_code}}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "sms_code_wrong",
    )
    .await;
    // Nor does it set the second one's PIN.
    problem(
        desk.app
            .put(
                &format!("/api/v1/certificates/{second}/cloud-pin"),
                json!({"pin": "246810", "sms_code": cloud_code}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "sms_code_wrong",
    )
    .await;
    // A code sent to revoke the USB key's certificate revokes neither cloud certificate …
    let sent = desk
        .app
        .post(
            &format!("/api/v1/certificates/{}/revocation-code", usb.serial),
            json!({}),
        )
        .await;
    assert_eq!(sent.status(), StatusCode::OK);
    let revoke_code = desk.app.inbox_code(&holder).await;
    problem(
        desk.app
            .post(
                &format!("/api/v1/certificates/{first}/revoke"),
                json!({"reason": "key-compromise", "sms_code": revoke_code}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "sms_code_wrong",
    )
    .await;
    // … nor signs with one.
    problem(
        desk.app
            .post(
                &format!("/api/v1/certificates/{first}/cloud-sign"),
                json!({"data": data, "authorisation": {"sms_code": revoke_code}}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "sms_code_wrong",
    )
    .await;
    for serial in [&first, &second] {
        assert_eq!(status_of(&desk, serial).await, "active");
    }
    // Each code still does what it was sent for.
    let revoked = desk
        .app
        .post(
            &format!("/api/v1/certificates/{}/revoke", usb.serial),
            json!({"reason": "key-compromise", "sms_code": revoke_code}),
        )
        .await;
    assert_eq!(
        revoked.status(),
        StatusCode::OK,
        "{}",
        revoked.text().await.unwrap()
    );
    let signed = desk
        .app
        .post(
            &format!("/api/v1/certificates/{first}/cloud-sign"),
            json!({"data": data, "authorisation": {"sms_code": cloud_code}}),
        )
        .await;
    assert_eq!(
        signed.status(),
        StatusCode::OK,
        "{}",
        signed.text().await.unwrap()
    );
}

fn sign(key: &SoftwareKey, text: &str) -> String {
    use signet_pki::Signer as _;
    base64(&key.sign(text.as_bytes()).unwrap())
}

#[tokio::test]
async fn finding_18_a_certificate_binds_only_to_the_account_it_was_issued_to() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let (key, cert) = usb_certificate(&desk, &staff, 181).await;
    // Someone else who has the token (and so can sign with it) tries to bind it to their account.
    let mut other = desk.app.clone_signed_out().await;
    other.register(&phone(50_000_181), "tokenfinder").await;
    let challenge: Value = other
        .post("/api/v1/me/certificates/challenge", json!({}))
        .await
        .json()
        .await
        .unwrap();
    let text = challenge["challenge"].as_str().unwrap();
    let refused = problem(
        other
            .post(
                "/api/v1/me/certificates",
                json!({"challenge_id": challenge["challenge_id"], "certificate": cert.cert_pem, "signature": sign(&key, text)}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    assert_eq!(refused["field"], "certificate", "{refused}");
    let bindings = sqlx::query("SELECT COUNT(*) AS n FROM cert_bindings WHERE serial = $1")
        .bind(&cert.serial)
        .fetch_one(desk.app.platform.db.pool())
        .await
        .unwrap();
    assert_eq!(bindings.try_get::<i64, _>("n").unwrap(), 0);
    // Its holder binds it.
    let challenge: Value = desk
        .app
        .post("/api/v1/me/certificates/challenge", json!({}))
        .await
        .json()
        .await
        .unwrap();
    let text = challenge["challenge"].as_str().unwrap();
    let bound = desk
        .app
        .post(
            "/api/v1/me/certificates",
            json!({"challenge_id": challenge["challenge_id"], "certificate": cert.cert_pem, "signature": sign(&key, text)}),
        )
        .await;
    assert!(
        bound.status().is_success(),
        "{}",
        bound.text().await.unwrap()
    );
}
