//! Finding 2: an identity check counts only for the data it checked.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::support::{
    Desk, credit_code, enterprise_form_with, id_number, personal_form, start_check,
};

fn id(order: &Value) -> String {
    order["id"].as_str().unwrap().to_owned()
}

/// A 003 USB-key order (organisation and operator checked by three-factor), submitted.
async fn verifying_ukey(desk: &Desk) -> (String, Value) {
    let order = desk.create("ukey-org").await;
    let order_id = id(&order);
    let licence = desk.material(&order_id, "business_licence").await;
    let form = enterprise_form_with(&licence);
    assert_eq!(desk.save(&order_id, &form).await.status(), StatusCode::OK);
    desk.sign_and_submit(&order_id, &form, false).await;
    (order_id, form)
}

async fn three_factor(desk: &Desk, order_id: &str, party: &str) -> Value {
    let response = start_check(
        desk,
        order_id,
        json!({"party": party, "method": "three_factor"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn finding_2_a_pass_is_void_once_the_checked_identity_is_edited() {
    let desk = Desk::start().await;
    let (order_id, mut form) = verifying_ukey(&desk).await;
    // The organisation passes with the applicant's own company; the operator is not checked yet.
    let passed = three_factor(&desk, &order_id, "organisation").await;
    assert_eq!(passed["verification"]["state"], "passed");
    assert_eq!(passed["order_state"], "verifying");
    // The form is edited to another company (credit code and legal representative) and signed
    // again: the earlier pass was about other data.
    form["organisation"]["name"] = json!("另一家科技有限公司");
    form["organisation"]["id_number"] = json!(credit_code("91350200M000900Y4"));
    form["organisation"]["legal_rep_id_number"] = json!(id_number("11010519491231010"));
    let edited: Value = desk.save(&order_id, &form).await.json().await.unwrap();
    assert_eq!(edited["state"], "drafting");
    desk.sign_and_submit(&order_id, &form, false).await;
    // The operator's pass alone does not move the order on: the organisation needs a new check.
    let operator = three_factor(&desk, &order_id, "operator").await;
    assert_eq!(operator["verification"]["state"], "passed");
    assert_eq!(
        operator["order_state"], "verifying",
        "a pass of the old company counted for the new one"
    );
    assert_eq!(desk.detail(&order_id).await["state"], "verifying");
    // A fresh check of the edited data moves it on.
    let again = three_factor(&desk, &order_id, "organisation").await;
    assert_eq!(again["order_state"], "awaiting_payment");
}

#[tokio::test]
async fn finding_2_a_pending_face_check_cannot_pass_an_edited_identity() {
    let desk = Desk::start().await;
    let order = desk.create("zfgjj-personal-cloud").await;
    let order_id = id(&order);
    let mut form = personal_form(&desk, &order, "13600000021").await;
    assert_eq!(desk.save(&order_id, &form).await.status(), StatusCode::OK);
    desk.sign_and_submit(&order_id, &form, false).await;
    let started: Value = start_check(
        &desk,
        &order_id,
        json!({"party": "person", "method": "face"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let token = started["face_url"]
        .as_str()
        .unwrap()
        .trim_start_matches("/face/")
        .to_owned();
    // Another person's ID number goes into the form while the link is open.
    form["person"]["id_number"] = json!(id_number("44030519850505012"));
    assert_eq!(desk.save(&order_id, &form).await.status(), StatusCode::OK);
    desk.app.advance_clock(61).await;
    desk.sign_and_submit(&order_id, &form, false).await;
    let face = desk
        .app
        .client
        .post(desk.app.url(&format!("/dev/face/{token}")))
        .json(&json!({"passed": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        face.status(),
        StatusCode::OK,
        "{}",
        face.text().await.unwrap()
    );
    assert_eq!(
        desk.detail(&order_id).await["state"],
        "verifying",
        "the face of the first identity passed the second"
    );
}

#[tokio::test]
async fn finding_2_edits_outside_the_checked_identity_keep_the_pass() {
    let desk = Desk::start().await;
    let (order_id, mut form) = verifying_ukey(&desk).await;
    three_factor(&desk, &order_id, "organisation").await;
    form["shipping"]["address"] = json!("厦门市湖里区");
    form["person"]["email"] = json!("another@example.com");
    assert_eq!(desk.save(&order_id, &form).await.status(), StatusCode::OK);
    desk.sign_and_submit(&order_id, &form, false).await;
    let operator = three_factor(&desk, &order_id, "operator").await;
    assert_eq!(operator["order_state"], "awaiting_payment");
}
