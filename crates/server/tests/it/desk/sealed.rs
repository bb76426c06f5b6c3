//! Finding 16: a cloud key is sealed for its own certificate's row. Copied onto another
//! certificate (whose PIN the copier knows), it does not open there, so it cannot sign.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::lifecycle::cloud_certificate;
use super::support::Desk;
use crate::support::{phone, problem};

#[tokio::test]
async fn finding_16_a_cloud_key_copied_to_another_certificate_does_not_sign() {
    let desk = Desk::start().await;
    let (_, victim) = cloud_certificate(&desk, "13500000005").await;
    // A second cloud certificate, approved by the staff member the first one made.
    let order = desk.checked_cloud_order("13500000006").await;
    desk.pay(&order).await;
    let done: Value = desk
        .staff_login()
        .await
        .post(&format!("/api/v1/staff/orders/{order}/approve"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let own = done["certificates"][0].as_str().unwrap().to_owned();
    desk.app
        .post(&format!("/api/v1/certificates/{own}/cloud-code"), json!({}))
        .await;
    let code = desk.app.inbox_code(&phone(50_000_001)).await;
    let set = desk
        .app
        .put(
            &format!("/api/v1/certificates/{own}/cloud-pin"),
            json!({"pin": "246810", "sms_code": code}),
        )
        .await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    // Someone with write access to the database copies the victim's sealed key onto the row
    // of a certificate whose PIN they know.
    let pool = desk.app.platform.db.pool();
    let victims_key: String =
        sqlx::query_scalar("SELECT key_sealed FROM desk_cloud_keys WHERE serial = $1")
            .bind(&victim)
            .fetch_one(pool)
            .await
            .unwrap();
    sqlx::query("UPDATE desk_cloud_keys SET key_sealed = $1 WHERE serial = $2")
        .bind(&victims_key)
        .bind(&own)
        .execute(pool)
        .await
        .unwrap();
    let data = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b"contract");
    problem(
        desk.app
            .post(
                &format!("/api/v1/certificates/{own}/cloud-sign"),
                json!({"data": data, "authorisation": {"pin": "246810"}}),
            )
            .await,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
    )
    .await;
}
