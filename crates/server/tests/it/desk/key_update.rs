//! `POST /orders/{id}/key-update` (issue 12, finding 1): the holder's key client writes only to a
//! key the holder has (renewal, change, reissue, own-key download), never the staff's production
//! of a new USB key; and racing calls never issue more certificates than the order paid for.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Row as _;

use super::support::{Desk, approve, enterprise_form_with, start_check, token_request};
use crate::support::problem;
use crate::try_limits::{PARALLEL, parallel_posts};

async fn count(desk: &Desk, sql: &'static str, order_id: Option<&str>) -> i64 {
    let mut query = sqlx::query(sql);
    if let Some(id) = order_id {
        query = query.bind(id.to_owned());
    }
    query
        .fetch_one(desk.app.platform.db.pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

#[tokio::test]
async fn finding_1_an_applicant_cannot_produce_a_new_usb_key_certificate() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let order = desk.create("ukey-org").await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let licence = desk.material(&order_id, "business_licence").await;
    let form = enterprise_form_with(&licence);
    desk.save(&order_id, &form).await;
    desk.sign_and_submit(&order_id, &form, false).await;
    for party in ["organisation", "operator"] {
        start_check(
            &desk,
            &order_id,
            json!({"party": party, "method": "three_factor"}),
        )
        .await;
    }
    desk.pay(&order_id).await;
    let approved: Value = approve(&staff, &order_id).await;
    assert_eq!(approved["state"], "awaiting_production");
    let version = desk.version(&order_id).await;
    let certificates = count(&desk, "SELECT COUNT(*) AS n FROM ca_certificates", None).await;
    // The applicant's own request for the staff's production step is refused…
    let (_, csr) = token_request(21);
    let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &csr);
    problem(
        desk.app
            .post(
                &format!("/api/v1/orders/{order_id}/key-update"),
                json!({"csr": encoded, "token_serial": "MINE-1"}),
            )
            .await,
        StatusCode::CONFLICT,
        "order_state",
    )
    .await;
    // …and changes nothing: no certificate, no token, the order as it was.
    assert_eq!(desk.version(&order_id).await, version);
    assert_eq!(desk.detail(&order_id).await["state"], "awaiting_production");
    assert_eq!(
        count(&desk, "SELECT COUNT(*) AS n FROM ca_certificates", None).await,
        certificates
    );
    assert_eq!(
        count(
            &desk,
            "SELECT COUNT(*) AS n FROM desk_tokens WHERE order_id = $1",
            Some(&order_id)
        )
        .await,
        0
    );
    // The staff's token station still produces it.
    let loaded = signet_core::desk::orders::load(&desk.app.platform, &order_id)
        .await
        .unwrap();
    signet_core::desk::production::produce_on_token(
        &desk.app.platform,
        &loaded,
        &signet_core::desk::production::TokenProduction {
            csr: &csr,
            token_serial: "TOKEN-1",
            token_model: "test",
            so_pin: Some("1234567890123456"),
            actor: "staff",
        },
    )
    .await
    .unwrap();
    assert_eq!(desk.detail(&order_id).await["state"], "awaiting_delivery");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn finding_1_40_parallel_key_updates_issue_one_certificate() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let (_, cert) = super::support::usb_certificate(&desk, &staff, 22).await;
    let approved =
        super::support::usb_business_approved(&desk, &staff, &cert.serial, "reissue").await;
    let order_id = approved["id"].as_str().unwrap().to_owned();
    assert_eq!(approved["state"], "awaiting_recovery");
    assert_eq!(approved["quantity"], 1);
    let certificates = count(&desk, "SELECT COUNT(*) AS n FROM ca_certificates", None).await;
    let (_, csr) = token_request(23);
    let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &csr);
    let bodies = (0..PARALLEL)
        .map(|n| json!({"csr": encoded, "token_serial": format!("TOKEN-{n}")}))
        .collect();
    let answers = parallel_posts(
        &desk.app,
        &format!("/api/v1/orders/{order_id}/key-update"),
        bodies,
    )
    .await;
    let issued = answers.iter().filter(|(s, _)| s.is_success()).count();
    let refused = answers
        .iter()
        .filter(|(s, body)| *s == StatusCode::CONFLICT && body["code"] == "order_state")
        .count();
    assert_eq!((issued, refused), (1, PARALLEL - 1), "{answers:?}");
    assert_eq!(
        count(
            &desk,
            "SELECT COUNT(*) AS n FROM desk_tokens WHERE order_id = $1",
            Some(&order_id)
        )
        .await,
        1
    );
    assert_eq!(
        count(&desk, "SELECT COUNT(*) AS n FROM ca_certificates", None).await,
        certificates + 1
    );
    assert_eq!(desk.detail(&order_id).await["state"], "completed");
}
