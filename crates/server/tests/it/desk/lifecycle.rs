//! The holder's certificates (LIFE-1 … LIFE-7): the list, the renewal window, renewal of a cloud
//! certificate and of a USB-key certificate from a token request, reissue revoking the old
//! certificate, revocation by the holder seen by `openssl ocsp`, and the expiry reminders.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::desk::certificates::send_expiry_reminders;

use super::support::{Desk, approve, personal_form, start_check};
use crate::support::{phone, problem};

const DAY: i64 = 86_400;

/// A completed personal cloud order (002 channel, 2 years); returns (order id, serial).
pub async fn cloud_certificate(desk: &Desk, phone: &str) -> (String, String) {
    let order = desk.create("zfgjj-personal-cloud").await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let form = personal_form(desk, &order, phone).await;
    desk.save(&order_id, &form).await;
    desk.sign_and_submit(&order_id, &form, false).await;
    start_check(
        desk,
        &order_id,
        json!({"party": "person", "method": "three_factor"}),
    )
    .await;
    desk.pay(&order_id).await;
    let staff = desk.staff().await;
    let done: Value = approve(&staff, &order_id).await;
    assert_eq!(done["state"], "completed");
    let serial = done["certificates"][0].as_str().unwrap().to_owned();
    (order_id, serial)
}

async fn my_certificates(desk: &Desk, query: &str) -> Vec<Value> {
    let list: Value = desk
        .app
        .get(&format!("/api/v1/certificates{query}"))
        .await
        .json()
        .await
        .unwrap();
    list.as_array().unwrap().clone()
}

/// Takes a business order through the wizard again (materials re-uploaded, signed, verified,
/// paid, approved); returns the order detail at the end.
async fn complete_business(desk: &Desk, order: &Value, phone: &str) -> Value {
    let order_id = order["id"].as_str().unwrap();
    // The form comes prefilled from the first order; only the materials are new.
    assert_eq!(order["form"]["person"]["name"], "赵个人");
    let mut form = order["form"].clone();
    let fresh = personal_form(desk, order, phone).await;
    form["materials"] = fresh["materials"].clone();
    assert_eq!(desk.save(order_id, &form).await.status(), StatusCode::OK);
    desk.sign_and_submit(order_id, &form, false).await;
    start_check(
        desk,
        order_id,
        json!({"party": "person", "method": "three_factor"}),
    )
    .await;
    desk.pay(order_id).await;
    let staff = desk.staff_login().await;
    staff
        .post(
            &format!("/api/v1/staff/orders/{order_id}/approve"),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn renewal_opens_thirty_days_before_expiry_and_issues_a_new_certificate() {
    let mut desk = Desk::start().await;
    let (_, serial) = cloud_certificate(&desk, "13500000001").await;
    let list = my_certificates(&desk, "").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["status"], "active");
    assert_eq!(list[0]["medium"], "cloud");
    assert_eq!(list[0]["renewable"], false);
    assert!(list[0]["bound_phone"].as_str().unwrap().contains("****"));
    assert!(my_certificates(&desk, "?expiring=true").await.is_empty());
    // Too early: a clear refusal naming the date the window opens.
    let early = problem(
        desk.app
            .post(
                &format!("/api/v1/certificates/{serial}/orders"),
                json!({"kind": "renewal"}),
            )
            .await,
        StatusCode::CONFLICT,
        "renewal_refused",
    )
    .await;
    assert!(
        early["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("30 天")
    );
    // Two years minus 20 days later it is inside the window.
    desk.advance(2 * 365 * DAY - 20 * DAY).await;
    let expiring = my_certificates(&desk, "?expiring=true").await;
    assert_eq!(expiring.len(), 1);
    assert_eq!(expiring[0]["renewable"], true);
    let renewal = desk
        .app
        .post(
            &format!("/api/v1/certificates/{serial}/orders"),
            json!({"kind": "renewal"}),
        )
        .await;
    assert_eq!(renewal.status(), StatusCode::CREATED);
    let renewal: Value = renewal.json().await.unwrap();
    assert_eq!(renewal["kind"], "renewal");
    // One business at a time on a certificate.
    problem(
        desk.app
            .post(
                &format!("/api/v1/certificates/{serial}/orders"),
                json!({"kind": "renewal"}),
            )
            .await,
        StatusCode::CONFLICT,
        "renewal_refused",
    )
    .await;
    let list = my_certificates(&desk, "").await;
    assert_eq!(list[0]["business_in_progress"], "renewal");
    let done = complete_business(&desk, &renewal, "13500000001").await;
    assert_eq!(done["state"], "completed", "{done}");
    let list = my_certificates(&desk, "").await;
    assert_eq!(list.len(), 2);
    // The renewed certificate is new; the old one stays valid until it expires but is not
    // renewed twice.
    assert!(list.iter().all(|c| c["status"] == "active"));
    assert_ne!(list[0]["serial"], list[1]["serial"]);
    let old = list
        .iter()
        .find(|c| c["serial"] == serial.as_str())
        .unwrap();
    assert_eq!(old["renewed"], true);
    assert_eq!(old["renewable"], false);
    problem(
        desk.app
            .post(
                &format!("/api/v1/certificates/{serial}/orders"),
                json!({"kind": "renewal"}),
            )
            .await,
        StatusCode::CONFLICT,
        "renewal_refused",
    )
    .await;
    // 91 days past expiry, the old one can no longer be renewed.
    desk.advance(20 * DAY + 91 * DAY).await;
    problem(
        desk.app
            .post(
                &format!("/api/v1/certificates/{serial}/orders"),
                json!({"kind": "renewal"}),
            )
            .await,
        StatusCode::CONFLICT,
        "renewal_refused",
    )
    .await;
}

#[tokio::test]
async fn reissue_revokes_the_old_certificate_and_strangers_see_nothing() {
    let mut desk = Desk::start().await;
    let (_, serial) = cloud_certificate(&desk, "13500000002").await;
    let mut stranger = desk.app.clone_signed_out().await;
    stranger.register(&phone(50_000_004), "stranger").await;
    problem(
        stranger
            .post(
                &format!("/api/v1/certificates/{serial}/orders"),
                json!({"kind": "reissue"}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        stranger
            .post(
                &format!("/api/v1/certificates/{serial}/revocation-code"),
                json!({}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let reissue: Value = desk
        .app
        .post(
            &format!("/api/v1/certificates/{serial}/orders"),
            json!({"kind": "reissue"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let done = complete_business(&desk, &reissue, "13500000002").await;
    assert_eq!(done["state"], "completed");
    let list = my_certificates(&desk, "").await;
    let old = list
        .iter()
        .find(|c| c["serial"] == serial.as_str())
        .unwrap();
    assert_eq!(old["status"], "revoked");
    // A revoked certificate cannot be renewed.
    desk.advance(2 * 365 * DAY - 10 * DAY).await;
    let refused = problem(
        desk.app
            .post(
                &format!("/api/v1/certificates/{serial}/orders"),
                json!({"kind": "renewal"}),
            )
            .await,
        StatusCode::CONFLICT,
        "renewal_refused",
    )
    .await;
    assert!(
        refused["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("注销")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holder_revokes_after_sms_check_and_openssl_ocsp_says_revoked() {
    let desk = Desk::start().await;
    let (order_id, serial) = cloud_certificate(&desk, "13500000003").await;
    let path = format!("/api/v1/certificates/{serial}/revoke");
    // Without the account's SMS code nothing happens.
    problem(
        desk.app
            .post(
                &path,
                json!({"reason": "key-compromise", "sms_code": "000000"}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "sms_code_expired",
    )
    .await;
    let sent = desk
        .app
        .post(
            &format!("/api/v1/certificates/{serial}/revocation-code"),
            json!({}),
        )
        .await;
    assert_eq!(sent.status(), StatusCode::OK);
    let code = desk.app.inbox_code(&phone(50_000_001)).await;
    problem(
        desk.app
            .post(&path, json!({"reason": "because", "sms_code": code}))
            .await,
        StatusCode::BAD_REQUEST,
        "revocation_reason_unknown",
    )
    .await;
    assert_eq!(my_certificates(&desk, "").await[0]["status"], "active");
    let revoked = desk
        .app
        .post(&path, json!({"reason": "key-compromise", "sms_code": code}))
        .await;
    assert_eq!(
        revoked.status(),
        StatusCode::OK,
        "{}",
        revoked.text().await.unwrap()
    );
    assert_eq!(my_certificates(&desk, "").await[0]["status"], "revoked");

    if Command::new("openssl").arg("version").output().is_err() {
        assert!(
            std::env::var("CI").is_err(),
            "openssl is required when CI is set"
        );
        return;
    }
    let certs: Value = desk
        .app
        .get(&format!("/api/v1/orders/{order_id}/certificates"))
        .await
        .json()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let chain: Vec<&str> = certs[0]["chain_pem"]
        .as_str()
        .unwrap()
        .split_inclusive("-----END CERTIFICATE-----\n")
        .collect();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let leaf = write("leaf.pem", certs[0]["cert_pem"].as_str().unwrap());
    let issuing = write("issuing.pem", chain[0]);
    let root = write("root.pem", chain[1]);
    let output = Command::new("openssl")
        .args(["ocsp", "-no_nonce", "-issuer"])
        .arg(&issuing)
        .arg("-cert")
        .arg(&leaf)
        .arg("-url")
        .arg(desk.app.url("/pki/ecc/ocsp"))
        .arg("-CAfile")
        .arg(&root)
        .arg("-verify_other")
        .arg(&issuing)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains(": revoked"), "{text}");
    assert!(text.contains("keyCompromise"), "{text}");
}

#[tokio::test]
async fn usb_key_renewal_is_written_from_a_request_made_on_the_holders_token() {
    let mut desk = Desk::start().await;
    let staff = desk.staff().await;
    let (_, cert) = super::support::usb_certificate(&desk, &staff, 3).await;
    let list = my_certificates(&desk, "").await;
    assert_eq!(list[0]["token_serial"], "TOKEN-1");
    assert_eq!(list[0]["medium"], "usb_key");

    desk.advance(365 * DAY - 10 * DAY).await;
    let staff = desk.staff_login().await;
    let approved =
        super::support::usb_business_approved(&desk, &staff, &cert.serial, "renewal").await;
    let renewal_id = approved["id"].as_str().unwrap().to_owned();
    assert_eq!(approved["state"], "awaiting_update");
    // The holder's agent makes a new key on the token and sends its request.
    let (_, new_csr) = super::support::token_request(4);
    let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &new_csr);
    problem(
        desk.app
            .post(
                &format!("/api/v1/orders/{renewal_id}/key-update"),
                json!({"csr": "%%%", "token_serial": "TOKEN-1"}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    problem(
        desk.app
            .post(&format!("/api/v1/orders/{renewal_id}/key-update"), json!({"csr": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b"not a csr"), "token_serial": "TOKEN-1"}))
            .await,
        StatusCode::BAD_REQUEST,
        "csr_malformed",
    )
    .await;
    let written = desk
        .app
        .post(
            &format!("/api/v1/orders/{renewal_id}/key-update"),
            json!({"csr": encoded, "token_serial": "TOKEN-1"}),
        )
        .await;
    assert_eq!(
        written.status(),
        StatusCode::OK,
        "{}",
        written.text().await.unwrap()
    );
    let written: Value = written.json().await.unwrap();
    assert!(
        written["cert_pem"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE")
    );
    assert_eq!(desk.detail(&renewal_id).await["state"], "completed");
    // The renewed certificate on the same token keeps the SO PIN sealed at production, so the
    // holder can still unlock it.
    let new_serial = written["serial"].as_str().unwrap();
    desk.app
        .post(
            &format!("/api/v1/certificates/{new_serial}/unlock-code"),
            json!({}),
        )
        .await;
    let code = desk
        .app
        .inbox_code(&crate::support::phone(50_000_001))
        .await;
    let granted: Value = desk
        .app
        .post(
            &format!("/api/v1/certificates/{new_serial}/unlock-authorisation"),
            json!({"sms_code": code, "redeemer": signet_core::platform::crypto::sha256_hex(b"agent secret")}),
        )
        .await
        .json()
        .await
        .unwrap();
    let redeemed: Value = crate::support::new_client()
        .post(desk.app.url(&format!(
            "/api/v1/token-unlock/{}",
            granted["unlock_code"].as_str().unwrap()
        )))
        .json(&json!({"token_serial": "TOKEN-1", "redeemer_secret": "agent secret", "new_so_pin": "5566778899"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(redeemed["so_pin"], "1234567890123456");
    // Writing again is refused: the order is complete.
    problem(
        desk.app
            .post(
                &format!("/api/v1/orders/{renewal_id}/key-update"),
                json!({"csr": encoded, "token_serial": "TOKEN-1"}),
            )
            .await,
        StatusCode::CONFLICT,
        "order_state",
    )
    .await;
}

#[tokio::test]
async fn expiry_reminders_go_out_thirty_and_seven_days_ahead_once_each() {
    let mut desk = Desk::start().await;
    cloud_certificate(&desk, "13500000004").await;
    let platform = desk.app.platform.clone();
    let platform = &platform;
    assert_eq!(send_expiry_reminders(platform).await.unwrap(), 0);
    desk.advance(2 * 365 * DAY - 29 * DAY).await;
    assert_eq!(send_expiry_reminders(platform).await.unwrap(), 1);
    assert_eq!(send_expiry_reminders(platform).await.unwrap(), 0);
    let sms: Value = desk
        .app
        .get("/dev/inbox?to=13500000004")
        .await
        .json()
        .await
        .unwrap();
    assert!(sms[0]["body"].as_str().unwrap().contains("到期"));
    desk.advance(23 * DAY).await;
    assert_eq!(send_expiry_reminders(platform).await.unwrap(), 1);
    assert_eq!(send_expiry_reminders(platform).await.unwrap(), 0);
}

#[tokio::test]
async fn lost_usb_key_is_reissued_onto_a_new_token_and_staff_can_revoke() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let (_, cert) = super::support::usb_certificate(&desk, &staff, 10).await;
    let approved =
        super::support::usb_business_approved(&desk, &staff, &cert.serial, "reissue").await;
    let order_id = approved["id"].as_str().unwrap().to_owned();
    assert_eq!(approved["state"], "awaiting_recovery");
    // The replacement token makes the key; the old certificate is revoked once the new one exists.
    let (_, csr) = super::support::token_request(11);
    let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &csr);
    let written = desk
        .app
        .post(
            &format!("/api/v1/orders/{order_id}/key-update"),
            json!({"csr": encoded, "token_serial": "TOKEN-2"}),
        )
        .await;
    assert_eq!(written.status(), StatusCode::OK);
    let new_serial = written.json::<Value>().await.unwrap()["serial"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = my_certificates(&desk, "").await;
    let old = list
        .iter()
        .find(|c| c["serial"] == cert.serial.as_str())
        .unwrap();
    assert_eq!(old["status"], "revoked");
    let new = list
        .iter()
        .find(|c| c["serial"] == new_serial.as_str())
        .unwrap();
    assert_eq!(new["token_serial"], "TOKEN-2");
    // Staff revoke with a reason; applicants cannot use the staff route.
    let path = format!("/api/v1/staff/certificates/{new_serial}/revoke");
    problem(
        desk.app
            .post(&path, json!({"reason": "key-compromise"}))
            .await,
        StatusCode::FORBIDDEN,
        "staff_only",
    )
    .await;
    problem(
        staff.post(&path, json!({"reason": "lost"})).await,
        StatusCode::BAD_REQUEST,
        "revocation_reason_unknown",
    )
    .await;
    let revoked = staff.post(&path, json!({"reason": "key-compromise"})).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(
        my_certificates(&desk, "")
            .await
            .iter()
            .find(|c| c["serial"] == new_serial.as_str())
            .unwrap()["status"],
        "revoked"
    );
}
