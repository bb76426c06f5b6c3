//! The producer's station in the browser (issue 13): `GET`/`POST
//! /api/v1/staff/orders/{id}/production`. What to make, one certificate per token, "1/2" and
//! then shipping; the SO PIN sealed; every refusal changes nothing; 40 requests at once never
//! issue more than the quantity paid for.

use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Row as _;

use super::support::{Desk, enterprise_form_with, start_check, token_request};
use crate::support::TestApp;

/// A ukey-org order (one certificate) or, with `two`, a ggzy-org-ukey one (exactly two), paid
/// and approved: awaiting production.
async fn awaiting_production(desk: &Desk, staff: &TestApp, two: bool) -> String {
    let code = if two { "ggzy-org-ukey" } else { "ukey-org" };
    let order = desk.create(code).await;
    let id = order["id"].as_str().unwrap().to_owned();
    let licence = desk.material(&id, "business_licence").await;
    let mut form = enterprise_form_with(&licence);
    form["quantity"] = json!(if two { 2 } else { 1 });
    if two {
        // 001 requires the operator's authorisation letter.
        form["materials"]["authorisation_letter"] =
            json!(desk.material(&id, "authorisation_letter").await);
        form["authorisation_grantee"] = json!("林经办");
    }
    let saved = desk.save(&id, &form).await;
    assert_eq!(
        saved.status(),
        StatusCode::OK,
        "{}",
        saved.text().await.unwrap()
    );
    desk.sign_and_submit(&id, &form, false).await;
    if two {
        let account = "622202020000777888";
        let started: Value = start_check(
            desk,
            &id,
            json!({"party": "organisation", "method": "micro_deposit", "bank": "中国工商银行", "account": account}),
        )
        .await
        .json()
        .await
        .unwrap();
        let vid = started["verification"]["id"].as_str().unwrap().to_owned();
        let amount = super::support::deposit_amount(desk, account).await;
        desk.app
            .post(
                &format!("/api/v1/orders/{id}/verifications/{vid}/deposit"),
                json!({"amount": amount}),
            )
            .await;
    } else {
        start_check(
            desk,
            &id,
            json!({"party": "organisation", "method": "three_factor"}),
        )
        .await;
    }
    start_check(
        desk,
        &id,
        json!({"party": "operator", "method": "three_factor"}),
    )
    .await;
    for _ in 0..2 {
        let detail = desk.detail(&id).await;
        match detail["state"].as_str().unwrap() {
            "awaiting_payment" => {
                desk.pay(&id).await;
            }
            "awaiting_review" => {
                staff
                    .post(&format!("/api/v1/staff/orders/{id}/approve"), json!({}))
                    .await;
            }
            _ => {}
        }
    }
    assert_eq!(desk.detail(&id).await["state"], "awaiting_production");
    id
}

fn csr_b64(seed: u64) -> String {
    base64::engine::general_purpose::STANDARD.encode(token_request(seed).1)
}

async fn produce(staff: &TestApp, id: &str, body: Value) -> reqwest::Response {
    staff
        .post(&format!("/api/v1/staff/orders/{id}/production"), body)
        .await
}

async fn code(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or_default();
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn two_tokens_are_produced_one_by_one_then_the_order_ships() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let id = awaiting_production(&desk, &staff, true).await;

    let plan: Value = staff
        .get(&format!("/api/v1/staff/orders/{id}/production"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(plan["algorithm"], "ecdsa-p256");
    assert_eq!(
        (plan["quantity"].as_i64(), plan["made"].as_i64()),
        (Some(2), Some(0))
    );
    assert!(
        plan["subject_dn"]
            .as_str()
            .unwrap()
            .contains("厦门令牌科技有限公司")
    );
    assert!(plan["label"].as_str().unwrap().len() <= 32);

    let first: Value = produce(
        &staff,
        &id,
        json!({"csr": csr_b64(1), "token_serial": "HSM-0001", "token_model": "SoftHSM", "so_pin": "8143920571634098"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(
        first["certificate"]["cert_pem"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    assert!(
        first["certificate"]["subject"]
            .as_str()
            .unwrap()
            .contains("厦门令牌科技有限公司")
    );
    assert_eq!(first["order"]["state"], "awaiting_production");
    assert_eq!(first["order"]["certificates"].as_array().unwrap().len(), 1);
    let plan: Value = staff
        .get(&format!("/api/v1/staff/orders/{id}/production"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(plan["made"], 1);

    // The SO PIN is sealed under the certificate's row, never stored as typed.
    let serial = first["certificate"]["serial"].as_str().unwrap();
    let sealed: Option<String> =
        sqlx::query("SELECT so_pin_sealed FROM desk_tokens WHERE certificate_serial = $1")
            .bind(serial)
            .fetch_one(desk.app.platform.db.pool())
            .await
            .unwrap()
            .try_get("so_pin_sealed")
            .unwrap();
    let sealed = sealed.expect("the SO PIN is kept");
    assert!(!sealed.contains("8143920571634098"));

    let second: Value = produce(
        &staff,
        &id,
        json!({"csr": csr_b64(2), "token_serial": "HSM-0002", "token_model": "SoftHSM", "so_pin": "5550001112223334"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(second["order"]["state"], "awaiting_delivery");
    assert_eq!(second["order"]["certificates"].as_array().unwrap().len(), 2);

    // A third token is refused, and so is the plan: the order has moved on.
    let version = desk.version(&id).await;
    assert_eq!(
        code(
            produce(
                &staff,
                &id,
                json!({"csr": csr_b64(3), "token_serial": "HSM-0003"})
            )
            .await
        )
        .await,
        (StatusCode::CONFLICT, "order_state".to_owned())
    );
    assert_eq!(
        code(
            staff
                .get(&format!("/api/v1/staff/orders/{id}/production"))
                .await
        )
        .await,
        (StatusCode::CONFLICT, "order_state".to_owned())
    );
    assert_eq!(desk.version(&id).await, version);

    // Shipping tells the applicant by SMS.
    let shipped = staff
        .post(
            &format!("/api/v1/staff/orders/{id}/ship"),
            json!({"courier": "顺丰速运", "tracking_number": "SF1234567890"}),
        )
        .await;
    assert_eq!(shipped.status(), StatusCode::OK);
    let inbox: Value = desk
        .app
        .get("/dev/inbox?to=13700000012")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        inbox.as_array().unwrap().iter().any(|m| m["body"]
            .as_str()
            .unwrap_or_default()
            .contains("SF1234567890")),
        "{inbox}"
    );
}

#[tokio::test]
async fn the_station_refuses_what_it_must_and_changes_nothing() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let id = awaiting_production(&desk, &staff, false).await;
    let version = desk.version(&id).await;

    // The applicant is no producer; an unknown order is not found.
    assert_eq!(
        code(
            produce(
                &desk.app,
                &id,
                json!({"csr": csr_b64(1), "token_serial": "T"})
            )
            .await
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        desk.app
            .get(&format!("/api/v1/staff/orders/{id}/production"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        code(
            staff
                .get("/api/v1/staff/orders/no-such-order/production")
                .await
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    // Not base64, not a request, no token serial, an SO PIN that is no PIN.
    for (body, want) in [
        (json!({"csr": "!!!", "token_serial": "T"}), "invalid_field"),
        (json!({"csr": "AAAA", "token_serial": "T"}), ""),
        (
            json!({"csr": csr_b64(1), "token_serial": "  "}),
            "invalid_field",
        ),
        (
            json!({"csr": csr_b64(1), "token_serial": "T", "so_pin": "12\n34"}),
            "invalid_field",
        ),
        (
            json!({"csr": csr_b64(1), "token_serial": "T", "extra": 1}),
            "malformed_request",
        ),
    ] {
        let (status, got) = code(produce(&staff, &id, body.clone()).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {got}");
        if !want.is_empty() {
            assert_eq!(got, want, "{body}");
        }
    }
    assert_eq!(desk.version(&id).await, version);
    assert!(
        desk.detail(&id).await["certificates"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // A cloud order is not the station's to produce.
    let cloud = desk.checked_cloud_order("13600000077").await;
    assert_eq!(
        code(
            staff
                .get(&format!("/api/v1/staff/orders/{cloud}/production"))
                .await
        )
        .await,
        (StatusCode::CONFLICT, "order_state".to_owned())
    );
}

#[tokio::test]
async fn forty_tokens_at_once_never_make_more_certificates_than_paid_for() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let id = awaiting_production(&desk, &staff, true).await;
    let url = staff.url(&format!("/api/v1/staff/orders/{id}/production"));
    // 40 at once on PostgreSQL; SQLite's single writer waits at most its busy timeout, which a
    // queue of 40 issuances (each signs with the CA) can outlast on a loaded machine.
    let at_once: u64 = if std::env::var(signet_core::testing::DATABASE_ENV).is_ok() {
        40
    } else {
        8
    };
    let mut all = tokio::task::JoinSet::new();
    for n in 0..at_once {
        let request = staff
            .client
            .post(&url)
            .header("x-csrf-token", &staff.csrf)
            .json(&json!({"csr": csr_b64(100 + n), "token_serial": format!("HSM-{n:04}"), "so_pin": "1234567812345678"}));
        all.spawn(async move { request.send().await.unwrap().status() });
    }
    let statuses = all.join_all().await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let conflict = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert!(
        (1..=2).contains(&ok) && ok + conflict == statuses.len(),
        "{statuses:?}"
    );
    // Whatever lost a race can be produced again; never a third.
    for n in 0..2_u64 {
        let _ = produce(
            &staff,
            &id,
            json!({"csr": csr_b64(200 + n), "token_serial": format!("HSM-R{n}")}),
        )
        .await;
    }
    let made: i64 = sqlx::query("SELECT COUNT(*) AS n FROM desk_tokens WHERE order_id = $1")
        .bind(&id)
        .fetch_one(desk.app.platform.db.pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    assert_eq!(made, 2);
    assert_eq!(desk.detail(&id).await["state"], "awaiting_delivery");
}
