//! Bad input: each refused with a clear error in Chinese and English, and nothing changed.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::support::{certified, certify, company, count, real_name, submit_order};
use crate::desk::support::{Desk, id_number};
use crate::support::{phone, problem};

const ENTERPRISES: &str = "SELECT COUNT(*) AS n FROM ec_enterprises WHERE state <> $1";

#[tokio::test]
async fn certification_needs_real_name_a_valid_code_and_a_free_code() {
    let desk = Desk::start().await;
    let app = &desk.app;
    // Before real-name authentication: browse only.
    let refused = app
        .post(
            "/api/v1/enterprises",
            company("福州甲科技有限公司", "91350100M000500Y4"),
        )
        .await;
    problem(refused, StatusCode::FORBIDDEN, "real_name_required").await;
    assert_eq!(count(app, ENTERPRISES, "").await, 0);
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM desk_orders WHERE id <> $1",
            ""
        )
        .await,
        0
    );

    // Real-name needs the consent first.
    let refused = app
        .post(
            "/api/v1/me/real-name",
            json!({"name": "张三", "id_number": id_number("11010119900307123"), "method": "carrier3"}),
        )
        .await;
    problem(refused, StatusCode::BAD_REQUEST, "consent_required").await;
    let stale = app
        .post(
            "/api/v1/me/consents",
            json!({"accepted": [{"document": "privacy", "version": "2020-01-01"}, {"document": "biometric", "version": "2026-12-01"}]}),
        )
        .await;
    problem(stale, StatusCode::BAD_REQUEST, "consent_required").await;
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM ec_consents WHERE id <> $1",
            ""
        )
        .await,
        0
    );

    real_name(app, "张三", "11010119900307123").await;
    // A second real-name is refused.
    let again = app
        .post(
            "/api/v1/me/real-name",
            json!({"name": "张三", "id_number": id_number("11010119900307123"), "method": "carrier3"}),
        )
        .await;
    problem(again, StatusCode::CONFLICT, "already_real_named").await;

    // A wrong check character.
    let mut wrong = company("福州甲科技有限公司", "91350100M000500Y4");
    let code = wrong["credit_code"].as_str().unwrap().to_owned();
    let last = code.chars().last().unwrap();
    let other = if last == '0' { '1' } else { '0' };
    wrong["credit_code"] = json!(format!("{}{other}", &code[..17]));
    let refused = app.post("/api/v1/enterprises", wrong).await;
    let body = problem(refused, StatusCode::BAD_REQUEST, "credit_code_invalid").await;
    assert_eq!(body["field"], "credit_code");
    assert_eq!(count(app, ENTERPRISES, "").await, 0);
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM desk_orders WHERE id <> $1",
            ""
        )
        .await,
        0
    );

    // Certifying the same code twice: continue instead.
    let first = certify(app, &company("福州甲科技有限公司", "91350100M000500Y4")).await;
    let twice = app
        .post(
            "/api/v1/enterprises",
            company("福州甲科技有限公司", "91350100M000500Y4"),
        )
        .await;
    problem(twice, StatusCode::CONFLICT, "certification_open").await;

    // Another person: the code is being certified by someone else.
    let mut other = app.clone_signed_out().await;
    other.register(&phone(50_000_101), "other").await;
    real_name(&other, "李四", "11010119900307131").await;
    let taken = other
        .post(
            "/api/v1/enterprises",
            company("福州甲科技有限公司", "91350100M000500Y4"),
        )
        .await;
    problem(taken, StatusCode::CONFLICT, "credit_code_taken").await;
    assert_eq!(count(app, ENTERPRISES, "").await, 1);
    // The other person's order was not left open.
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM desk_orders WHERE state <> 'cancelled' AND id <> $1",
            first["order_id"].as_str().unwrap()
        )
        .await,
        0
    );

    // One ID number, one account.
    let mut third = app.clone_signed_out().await;
    third.register(&phone(50_000_102), "third").await;
    let texts: Value = third
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
    third
        .post("/api/v1/me/consents", json!({"accepted": accepted}))
        .await;
    let taken = third
        .post(
            "/api/v1/me/real-name",
            json!({"name": "张三", "id_number": id_number("11010119900307123"), "method": "carrier3"}),
        )
        .await;
    problem(taken, StatusCode::CONFLICT, "id_number_taken").await;
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM ec_persons WHERE user_id <> $1",
            ""
        )
        .await,
        2
    );
    // A failed carrier check real-names nobody (the sandbox fails numbers ending in 0000 only
    // for the phone; a bank card ending in 0000 fails four-factor).
    let failed: Value = third
        .post(
            "/api/v1/me/real-name",
            json!({"name": "王五", "id_number": id_number("11010119900307140"), "method": "bank4",
                   "card": "6222020200000060000", "card_phone": "13700000031"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(failed["state"], "failed", "{failed}");
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM ec_persons WHERE user_id <> $1",
            ""
        )
        .await,
        2
    );
}

#[tokio::test]
async fn withdrawing_works_until_paid_or_approved_and_frees_the_code() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let app = &desk.app;
    real_name(app, "张三", "11010119900307123").await;
    let enterprise = certify(app, &company("福州乙科技有限公司", "91350100M000600Y4")).await;
    let id = enterprise["id"].as_str().unwrap();
    let withdrawn: Value = app
        .post(&format!("/api/v1/enterprises/{id}/withdraw"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(withdrawn["state"], "withdrawn");
    assert_eq!(withdrawn["order_state"], "cancelled");
    // Cleared from "my enterprises"; someone else may now certify the code.
    let mine: Value = app
        .get("/api/v1/me/enterprises")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine, json!([]));
    let mut other = app.clone_signed_out().await;
    other.register(&phone(50_000_111), "other").await;
    real_name(&other, "李四", "11010119900307131").await;
    let taken_over = certify(&other, &company("福州乙科技有限公司", "91350100M000600Y4")).await;
    assert_eq!(
        taken_over["id"], enterprise["id"],
        "the withdrawn row is used again"
    );
    assert_eq!(taken_over["state"], "certifying");
    // The first applicant no longer sees it.
    let hidden = app.get(&format!("/api/v1/enterprises/{id}")).await;
    problem(hidden, StatusCode::NOT_FOUND, "not_found").await;

    // A paid certification (the USB-key product takes payment first) cannot be withdrawn.
    signet_core::contracts::settings::set(
        &app.platform,
        "enterprise_product",
        "econtract-org-ukey",
        "test",
    )
    .await
    .unwrap();
    let paid = certify(app, &company("福州丙科技有限公司", "91350100M000700Y4")).await;
    assert_eq!(paid["medium"], "ukey");
    let order_id = paid["order_id"].as_str().unwrap().to_owned();
    submit_order(&desk, &order_id).await;
    desk.pay(&order_id).await;
    let version = desk.version(&order_id).await;
    let paid_id = paid["id"].as_str().unwrap();
    let refused = app
        .post(
            &format!("/api/v1/enterprises/{paid_id}/withdraw"),
            json!({}),
        )
        .await;
    let body = problem(refused, StatusCode::CONFLICT, "withdraw_refused").await;
    assert!(
        body["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("已支付"),
        "{body}"
    );
    assert_eq!(desk.version(&order_id).await, version);
    let still: Value = app
        .get(&format!("/api/v1/enterprises/{paid_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still["state"], "certifying");
    assert!(
        !still["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("withdraw"))
    );

    // Approved (and completed): a certified enterprise has nothing to withdraw.
    signet_core::contracts::settings::set(
        &app.platform,
        "enterprise_product",
        "econtract-org-cloud",
        "test",
    )
    .await
    .unwrap();
    let done = certified(&desk, &staff, "福州丁科技有限公司", "91350100M000800Y4").await;
    let done_id = done["id"].as_str().unwrap();
    let refused = app
        .post(
            &format!("/api/v1/enterprises/{done_id}/withdraw"),
            json!({}),
        )
        .await;
    problem(refused, StatusCode::CONFLICT, "enterprise_state").await;
    let order = desk.detail(done["order_id"].as_str().unwrap()).await;
    assert_eq!(order["state"], "completed");
}

#[tokio::test]
async fn ids_of_another_enterprise_answer_not_found() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let app = &desk.app;
    real_name(app, "张三", "11010119900307123").await;
    let enterprise = certified(&desk, &staff, "福州戊科技有限公司", "91350100M000900Y4").await;
    let id = enterprise["id"].as_str().unwrap();
    let serial = enterprise["certificate_serial"].as_str().unwrap();
    let order_id = enterprise["order_id"].as_str().unwrap();

    let mut outsider = app.clone_signed_out().await;
    outsider.register(&phone(50_000_121), "outsider").await;
    real_name(&outsider, "李四", "11010119900307131").await;
    for path in [
        format!("/api/v1/enterprises/{id}"),
        format!("/api/v1/enterprises/{id}/certificate"),
        format!("/api/v1/enterprises/{id}/certificates"),
        "/api/v1/enterprises/no-such-id".to_owned(),
    ] {
        let response = outsider.get(&path).await;
        let body = problem(response, StatusCode::NOT_FOUND, "not_found").await;
        assert!(!body.to_string().contains("福州戊"), "{path}: {body}");
    }
    for (path, body) in [
        (format!("/api/v1/enterprises/{id}/withdraw"), json!({})),
        (format!("/api/v1/enterprises/{id}/recertify"), json!({})),
        (
            format!("/api/v1/enterprises/{id}/change"),
            json!({"name": "夺名公司"}),
        ),
        (
            format!("/api/v1/enterprises/{id}/certificates/{serial}/renew"),
            json!({}),
        ),
        (
            format!("/api/v1/enterprises/{id}/orders/{order_id}/withdraw"),
            json!({}),
        ),
    ] {
        let response = outsider.post(&path, body).await;
        problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let unchanged: Value = app
        .get(&format!("/api/v1/enterprises/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unchanged["name"], "福州戊科技有限公司");
    assert_eq!(unchanged["state"], "certified");
    // The outsider's spaces show only the personal one.
    let spaces: Value = outsider
        .get("/api/v1/me/spaces")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(spaces["enterprises"], json!([]));
    assert_eq!(spaces["landing"], "personal");
}
