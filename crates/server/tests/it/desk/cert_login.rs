//! Certificate login (LIFE-8): bind a token certificate by signing a challenge, log in with it;
//! wrong keys, replays, expired challenges, unbound and revoked certificates are refused.

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_pki::SoftwareKey;

use super::support::{Desk, usb_certificate};
use crate::support::problem;

fn sign(key: &SoftwareKey, text: &str) -> String {
    use signet_pki::Signer as _;
    base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        key.sign(text.as_bytes()).unwrap(),
    )
}

#[tokio::test]
async fn token_certificate_binds_to_the_account_and_logs_in() {
    let mut desk = Desk::start().await;
    let staff = desk.staff().await;
    let (key, cert) = usb_certificate(&desk, &staff, 5).await;
    let (other_key, _) = usb_certificate(&desk, &staff, 6).await;
    let pem = cert.cert_pem.clone();
    // An unbound certificate cannot log in.
    let login_challenge = |app: &crate::support::TestApp| {
        let app_url = app.url("/api/v1/login/certificate/challenge");
        let client = app.client.clone();
        let csrf = app.csrf.clone();
        async move {
            let body: Value = client
                .post(app_url)
                .header("x-csrf-token", csrf)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body
        }
    };
    let mut visitor = desk.app.clone_signed_out().await;
    let c = login_challenge(&visitor).await;
    let text = c["challenge"].as_str().unwrap();
    problem(
        visitor.post("/api/v1/login/certificate", json!({"challenge_id": c["challenge_id"], "certificate": pem, "signature": sign(&key, text)})).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    // Bind: the signed-in holder signs a binding challenge on the token.
    let bind: Value = desk
        .app
        .post("/api/v1/me/certificates/challenge", json!({}))
        .await
        .json()
        .await
        .unwrap();
    let bind_text = bind["challenge"].as_str().unwrap();
    // A signature by another key is refused, and the challenge is then spent.
    problem(
        desk.app.post("/api/v1/me/certificates", json!({"challenge_id": bind["challenge_id"], "certificate": pem, "signature": sign(&other_key, bind_text)})).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    problem(
        desk.app.post("/api/v1/me/certificates", json!({"challenge_id": bind["challenge_id"], "certificate": pem, "signature": sign(&key, bind_text)})).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    let bind: Value = desk
        .app
        .post("/api/v1/me/certificates/challenge", json!({}))
        .await
        .json()
        .await
        .unwrap();
    let bound = desk
        .app
        .post("/api/v1/me/certificates", json!({"challenge_id": bind["challenge_id"], "certificate": pem, "signature": sign(&key, bind["challenge"].as_str().unwrap())}))
        .await;
    assert_eq!(bound.status(), StatusCode::CREATED);
    // A binding challenge does not log in; a login challenge does.
    let c = login_challenge(&visitor).await;
    let response = visitor
        .post("/api/v1/login/certificate", json!({"challenge_id": c["challenge_id"], "certificate": pem, "signature": sign(&key, c["challenge"].as_str().unwrap())}))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    visitor.refresh_session().await;
    let me: Value = visitor.get("/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["login_name"], "applicant");
    // The same signed challenge again is refused (replay).
    let mut replayer = desk.app.clone_signed_out().await;
    problem(
        replayer.post("/api/v1/login/certificate", json!({"challenge_id": c["challenge_id"], "certificate": pem, "signature": sign(&key, c["challenge"].as_str().unwrap())})).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    replayer.refresh_session().await;
    // An expired challenge is refused.
    let c = login_challenge(&replayer).await;
    desk.advance(301).await;
    replayer.refresh_session().await;
    problem(
        replayer.post("/api/v1/login/certificate", json!({"challenge_id": c["challenge_id"], "certificate": pem, "signature": sign(&key, c["challenge"].as_str().unwrap())})).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    // A revoked certificate no longer logs in; unbinding works.
    signet_core::ca::revoke(&desk.app.platform, &cert.serial, "key-compromise", "test")
        .await
        .unwrap();
    let c = login_challenge(&replayer).await;
    problem(
        replayer.post("/api/v1/login/certificate", json!({"challenge_id": c["challenge_id"], "certificate": pem, "signature": sign(&key, c["challenge"].as_str().unwrap())})).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    let unbind = desk
        .app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/me/certificates/{}", cert.serial),
            None,
        )
        .await;
    assert_eq!(unbind.status(), StatusCode::NO_CONTENT);
    let list: Value = desk
        .app
        .get("/api/v1/me/certificates")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["serials"].as_array().unwrap().len(), 0);
}
