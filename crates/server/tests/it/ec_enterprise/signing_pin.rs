//! A real-named person's cloud key is opened only with the signing PIN or an SMS code, as a desk
//! cloud certificate's is: the PIN is set after an SMS check, bad PINs and codes change nothing,
//! five wrong tries lock it (and forty racing wrong tries compare at most five), an SMS code
//! opens the key once.

use der::{DecodePem as _, Encode as _};
use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::contracts::{Proof, unlock_signing_key};
use signet_core::{CoreError, PlatformError};
use signet_pki::Signer as _;

use super::support::{count, real_name};
use crate::desk::support::Desk;
use crate::support::{phone, problem};

const PIN: &str = "246810";

/// A real-named applicant with the PIN set; returns the user id.
#[expect(clippy::similar_names, reason = "the code was sent, then the PIN set")]
async fn person_with_pin(desk: &Desk, id17: &str) -> String {
    let app = &desk.app;
    real_name(app, "李签名", id17).await;
    let me: Value = app.get("/api/v1/me").await.json().await.unwrap();
    let sent = app.post("/api/v1/me/signing-pin/code", json!({})).await;
    assert_eq!(
        sent.status(),
        StatusCode::OK,
        "{}",
        sent.text().await.unwrap()
    );
    let code = app.inbox_code(&phone(50_000_001)).await;
    let set = app
        .put(
            "/api/v1/me/signing-pin",
            json!({"pin": PIN, "sms_code": code}),
        )
        .await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    me["id"].as_str().unwrap().to_owned()
}

fn code_of(error: &CoreError) -> String {
    match error {
        CoreError::Platform(PlatformError::Invalid { field, .. }) => format!("invalid:{field}"),
        CoreError::Platform(PlatformError::AccountLocked { .. }) => "locked".into(),
        other => format!("{other:?}"),
    }
}

#[tokio::test]
async fn the_persons_key_opens_with_the_signing_pin_or_an_sms_code_only() {
    let desk = Desk::start().await;
    let app = &desk.app;
    // Not real-named: no key, no PIN.
    problem(
        app.get("/api/v1/me/signing-pin").await,
        StatusCode::FORBIDDEN,
        "real_name_required",
    )
    .await;
    real_name(app, "李签名", "11010119900307555").await;
    let me: Value = app.get("/api/v1/me").await.json().await.unwrap();
    let user = me["id"].as_str().unwrap();
    let status: Value = app
        .get("/api/v1/me/signing-pin")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["pin_set"], false, "{status}");
    // Without a PIN the key does not open by PIN.
    let refused = unlock_signing_key(&app.platform, user, &Proof::Pin(PIN.into()))
        .await
        .unwrap_err();
    assert_eq!(code_of(&refused), "invalid:pin");

    // A PIN of the wrong shape, or a wrong SMS code: refused, nothing stored.
    app.post("/api/v1/me/signing-pin/code", json!({})).await;
    let code = app.inbox_code(&phone(50_000_001)).await;
    let wrong_code = if code == "000000" { "000001" } else { "000000" };
    for (pin, sms) in [
        ("12345", code.as_str()),
        ("12ab56", code.as_str()),
        (PIN, wrong_code),
    ] {
        let answer = app
            .put(
                "/api/v1/me/signing-pin",
                json!({"pin": pin, "sms_code": sms}),
            )
            .await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{pin}");
    }
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM ec_person_pins WHERE serial <> $1",
            ""
        )
        .await,
        0
    );
    let set = app
        .put(
            "/api/v1/me/signing-pin",
            json!({"pin": PIN, "sms_code": code}),
        )
        .await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let status: Value = app
        .get("/api/v1/me/signing-pin")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["pin_set"], true, "{status}");
    assert!(status["locked_until"].is_null());

    // The right PIN opens the key of the person's certificate.
    let key = unlock_signing_key(&app.platform, user, &Proof::Pin(PIN.into()))
        .await
        .unwrap();
    let certificate: Value = app
        .get("/api/v1/me/person-certificate")
        .await
        .json()
        .await
        .unwrap();
    let cert = x509_cert::Certificate::from_pem(certificate["cert_pem"].as_str().unwrap()).unwrap();
    assert_eq!(
        cert.tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .unwrap(),
        key.public_key().to_der().unwrap()
    );
    // A wrong PIN does not.
    let wrong = unlock_signing_key(&app.platform, user, &Proof::Pin("135790".into()))
        .await
        .unwrap_err();
    assert_eq!(code_of(&wrong), "invalid:pin");
    // An SMS code sent for the key opens it once.
    app.advance_clock(61).await;
    app.post("/api/v1/me/signing-pin/code", json!({})).await;
    let code = app.inbox_code(&phone(50_000_001)).await;
    unlock_signing_key(&app.platform, user, &Proof::SmsCode(code.clone()))
        .await
        .unwrap();
    assert!(
        unlock_signing_key(&app.platform, user, &Proof::SmsCode(code))
            .await
            .is_err()
    );
    // Each opening is an audit event.
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1",
            "contracts.person_key.unlock"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn five_wrong_pins_lock_the_persons_key() {
    let desk = Desk::start().await;
    let user = person_with_pin(&desk, "11010119900307566").await;
    let platform = &desk.app.platform;
    for n in 0..5 {
        let error = unlock_signing_key(platform, &user, &Proof::Pin(format!("10000{n}")))
            .await
            .unwrap_err();
        // The fifth wrong PIN is still compared (and told so); it sets the lock.
        assert_eq!(code_of(&error), "invalid:pin", "try {n}");
    }
    // Locked: even the right PIN waits out the 15 minutes.
    let locked = unlock_signing_key(platform, &user, &Proof::Pin(PIN.into()))
        .await
        .unwrap_err();
    assert_eq!(code_of(&locked), "locked");
    let status: Value = desk
        .app
        .get("/api/v1/me/signing-pin")
        .await
        .json()
        .await
        .unwrap();
    assert!(status["locked_until"].is_i64(), "{status}");
    desk.app.advance_clock(15 * 60 + 1).await;
    unlock_signing_key(platform, &user, &Proof::Pin(PIN.into()))
        .await
        .unwrap();
}

/// Forty wrong PINs at once (PostgreSQL shows the race; SQLite runs the same test): at most five
/// are compared, the rest find the key locked, and afterwards the right PIN is locked out too.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_parallel_wrong_pins_compare_at_most_five() {
    let desk = Desk::start().await;
    let user = person_with_pin(&desk, "11010119900307577").await;
    let mut tries = tokio::task::JoinSet::new();
    for n in 0..40 {
        let platform = desk.app.platform.clone();
        let user = user.clone();
        tries.spawn(async move {
            let proof = Proof::Pin(format!("{:06}", 100_000 + n));
            unlock_signing_key(&platform, &user, &proof)
                .await
                .map(|_| ())
                .map_err(|e| code_of(&e))
        });
    }
    let answers = tries.join_all().await;
    let wrong = answers
        .iter()
        .filter(|a| a.as_ref().err().is_some_and(|c| c == "invalid:pin"))
        .count();
    let locked = answers
        .iter()
        .filter(|a| a.as_ref().err().is_some_and(|c| c == "locked"))
        .count();
    assert!(wrong <= 5, "{answers:?}");
    assert_eq!(wrong + locked, 40, "{answers:?}");
    let after = unlock_signing_key(&desk.app.platform, &user, &Proof::Pin(PIN.into()))
        .await
        .unwrap_err();
    assert_eq!(code_of(&after), "locked");
}
