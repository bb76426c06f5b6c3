//! Helpers: consent and real-name a signed-in person, apply for an enterprise and walk its desk
//! order to completion as the wizard and a reviewer would.

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::platform::jobs;

use crate::desk::support::{Desk, credit_code, id_number, start_check};
use crate::support::TestApp;

/// Consents to the current texts and passes carrier three-factor with the ID built from `id17`.
pub async fn real_name(app: &TestApp, name: &str, id17: &str) -> Value {
    let texts: Value = app
        .get("/api/v1/contracts/consent-texts")
        .await
        .json()
        .await
        .unwrap();
    let accepted: Vec<Value> = texts
        .as_array()
        .unwrap()
        .iter()
        .map(|t| json!({"document": t["document"], "version": t["version"]}))
        .collect();
    let consent = app
        .post("/api/v1/me/consents", json!({ "accepted": accepted }))
        .await;
    assert_eq!(consent.status(), StatusCode::NO_CONTENT);
    let response = app
        .post(
            "/api/v1/me/real-name",
            json!({"name": name, "id_number": id_number(id17), "method": "carrier3"}),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["state"], "passed", "{body}");
    body
}

/// The certification input for a company with the credit code built from `code17`.
pub fn company(name: &str, code17: &str) -> Value {
    json!({
        "name": name,
        "credit_code": credit_code(code17),
        "legal_rep_name": "王法人",
        "legal_rep_id_number": id_number("11010519491231002"),
        "legal_rep_phone": "13700000021"
    })
}

/// Applies; asserts 201 and returns the enterprise.
pub async fn certify(app: &TestApp, body: &Value) -> Value {
    let response = app.post("/api/v1/enterprises", body.clone()).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
    response.json().await.unwrap()
}

/// Walks the certification order through the desk's wizard (licence, SMS-signed with the legal
/// rep's authorisation code, legal rep and operator three-factor) up to review or payment.
pub async fn submit_order(desk: &Desk, order_id: &str) {
    let detail = desk.detail(order_id).await;
    let mut form = detail["form"].clone();
    let licence = desk.material(order_id, "business_licence").await;
    form["materials"] = json!({ "business_licence": licence });
    // A USB key is shipped (harmless for the cloud product).
    form["shipping"] = json!({"name": "张三", "phone": "13700000022", "address": "郑州市金水区"});
    let saved = desk.save(order_id, &form).await;
    assert_eq!(
        saved.status(),
        StatusCode::OK,
        "{}",
        saved.text().await.unwrap()
    );
    desk.sign_and_submit(order_id, &form, true).await;
    for party in ["organisation", "operator"] {
        let started = start_check(
            desk,
            order_id,
            json!({"party": party, "method": "three_factor"}),
        )
        .await;
        assert_eq!(started.status(), StatusCode::OK);
    }
}

/// Staff approves the order (jobs not run).
pub async fn staff_approves(staff: &TestApp, order_id: &str) {
    let approved = staff
        .post(
            &format!("/api/v1/staff/orders/{order_id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(
        approved.status(),
        StatusCode::OK,
        "{}",
        approved.text().await.unwrap()
    );
}

/// Staff approves; the desk's jobs run (the order-settled job among them).
pub async fn approve(desk: &Desk, staff: &TestApp, order_id: &str) {
    staff_approves(staff, order_id).await;
    drain(desk).await;
}

pub async fn drain(desk: &Desk) {
    jobs::drain(&desk.app.platform, &signet_core::job_handlers())
        .await
        .unwrap();
}

/// Applies for and completes the certification of a company; returns the enterprise.
pub async fn certified(desk: &Desk, staff: &TestApp, name: &str, code17: &str) -> Value {
    let enterprise = certify(&desk.app, &company(name, code17)).await;
    let order_id = enterprise["order_id"].as_str().unwrap().to_owned();
    submit_order(desk, &order_id).await;
    approve(desk, staff, &order_id).await;
    let id = enterprise["id"].as_str().unwrap();
    let now: Value = desk
        .app
        .get(&format!("/api/v1/enterprises/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now["state"], "certified", "{now}");
    now
}

pub async fn count(app: &TestApp, sql: &str, bind: &str) -> i64 {
    use sqlx::Row as _;
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(bind.to_owned())
        .fetch_one(app.platform.db.pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}
