//! Seed 001's authorisation letter (§3.1–3.2, issue 13): when the operator is not the legal
//! representative the letter is required, and its grantee must be the operator; a legal
//! representative handling the order himself needs none, but cannot tick that box for somebody
//! else. Every refusal says why in Chinese and English and leaves the order unchanged.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::support::{Desk, enterprise_form};
use crate::support::problem;

/// Submits with a made-up SMS code: the form is checked first, so a refusal of the form shows.
async fn submit(desk: &Desk, order: &str) -> reqwest::Response {
    desk.app
        .post(
            &format!("/api/v1/orders/{order}/submit"),
            json!({"agree": true, "sms_code": "000000"}),
        )
        .await
}

/// Saves `form` and expects the submission refused on `field`; the order stays a draft at the
/// same version. Returns the problem.
async fn refused(desk: &Desk, order: &str, form: &Value, field: &str) -> Value {
    assert_eq!(desk.save(order, form).await.status(), StatusCode::OK);
    let version = desk.version(order).await;
    let body = problem(
        submit(desk, order).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    assert_eq!(body["field"], field, "{body}");
    assert_eq!(desk.version(order).await, version);
    assert_eq!(desk.detail(order).await["state"], "drafting");
    body
}

#[tokio::test]
async fn the_001_letter_is_required_and_names_the_operator() {
    let desk = Desk::start().await;
    let order = desk.create("ggzy-org-cloud").await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let complete = enterprise_form(&desk, &order, 1).await;
    assert!(complete["materials"]["authorisation_letter"].is_string());

    // No letter, while the operator is not the legal representative.
    let mut form = complete.clone();
    form["materials"]
        .as_object_mut()
        .unwrap()
        .remove("authorisation_letter");
    let body = refused(&desk, &order_id, &form, "materials").await;
    assert!(
        body["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("须上传加盖公章的授权书"),
        "{body}"
    );
    assert!(
        body["message"]["en"]
            .as_str()
            .unwrap()
            .contains("upload the authorisation letter"),
        "{body}"
    );

    // The letter, but no grantee typed.
    let mut form = complete.clone();
    form["authorisation_grantee"] = json!("  ");
    let body = refused(&desk, &order_id, &form, "authorisation_grantee").await;
    assert!(
        body["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("被授权人姓名"),
        "{body}"
    );

    // The letter names somebody else.
    let mut form = complete.clone();
    form["authorisation_grantee"] = json!("张三");
    let body = refused(&desk, &order_id, &form, "authorisation_grantee").await;
    assert!(
        body["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("须与经办人为同一人"),
        "{body}"
    );
    assert!(
        body["message"]["en"]
            .as_str()
            .unwrap()
            .contains("must be the operator"),
        "{body}"
    );

    // "The legal representative handles it" for an operator who is someone else.
    form["legal_rep_handles"] = json!(true);
    refused(&desk, &order_id, &form, "legal_rep_handles").await;

    // The letter naming the operator (spaces around the name are trimmed): signed and submitted.
    let mut form = complete.clone();
    form["authorisation_grantee"] = json!(" 李经办 ");
    assert_eq!(desk.save(&order_id, &form).await.status(), StatusCode::OK);
    let submitted = desk.sign_and_submit(&order_id, &form, false).await;
    assert_ne!(submitted["state"], "drafting", "{submitted}");
    assert_eq!(
        desk.detail(&order_id).await["form"]["authorisation_grantee"],
        "李经办"
    );
}

#[tokio::test]
async fn a_legal_representative_handling_the_order_needs_no_letter() {
    let desk = Desk::start().await;
    let order = desk.create("ggzy-org-cloud").await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let mut form = enterprise_form(&desk, &order, 1).await;
    form["materials"]
        .as_object_mut()
        .unwrap()
        .remove("authorisation_letter");
    form["authorisation_grantee"] = json!("");
    form["legal_rep_handles"] = json!(true);
    form["person"]["name"] = form["organisation"]["legal_rep_name"].clone();
    form["person"]["id_number"] = form["organisation"]["legal_rep_id_number"].clone();
    assert_eq!(desk.save(&order_id, &form).await.status(), StatusCode::OK);
    let submitted = desk.sign_and_submit(&order_id, &form, false).await;
    assert_ne!(submitted["state"], "drafting", "{submitted}");
}

#[tokio::test]
async fn a_product_without_the_rule_submits_without_a_letter() {
    // The zfgjj enterprise channel lists no letter: nothing changes there.
    let desk = Desk::start().await;
    let order = desk.create("zfgjj-org-cloud").await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let form = enterprise_form(&desk, &order, 1).await;
    assert!(form["materials"].get("authorisation_letter").is_none());
    assert_eq!(desk.save(&order_id, &form).await.status(), StatusCode::OK);
    // That channel has the legal representative authorise by SMS instead (003's way).
    let submitted = desk.sign_and_submit(&order_id, &form, true).await;
    assert_ne!(submitted["state"], "drafting", "{submitted}");
}
