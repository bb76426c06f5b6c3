//! Findings 2 and 5: an identity check counts only for the data it checked, and checks cannot be
//! restarted without limit (micro-deposits, three-/four-factor lookups, face-check SMS); a flag
//! for a reviewer stays once raised.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::support::{
    Desk, credit_code, deposit_amount, enterprise_form, enterprise_form_with, id_number,
    personal_form, start_check,
};
use crate::support::{TestApp, problem};

fn id(order: &Value) -> String {
    order["id"].as_str().unwrap().to_owned()
}

/// `n` copies of one POST at once; each answer's status and body.
pub async fn parallel_posts(
    app: &TestApp,
    path: &str,
    body: &Value,
    n: usize,
) -> Vec<(StatusCode, Value)> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let request = app
            .client
            .post(app.url(path))
            .header("x-csrf-token", &app.csrf)
            .json(body);
        set.spawn(async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        });
    }
    let mut answers = Vec::new();
    while let Some(answer) = set.join_next().await {
        answers.push(answer.unwrap());
    }
    answers
}

/// How many messages the sandbox kept for `to` (a phone or an account number).
async fn inbox_len(desk: &Desk, to: &str) -> usize {
    let list: Value = desk
        .app
        .get(&format!("/dev/inbox?to={to}"))
        .await
        .json()
        .await
        .unwrap();
    list.as_array().map_or(0, Vec::len)
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

/// A 001 cloud order: the organisation is checked by micro-deposit only.
async fn verifying_deposit_order(desk: &Desk) -> String {
    let order = desk.create("ggzy-org-cloud").await;
    let order_id = id(&order);
    let form = enterprise_form(desk, &order, 1).await;
    assert_eq!(desk.save(&order_id, &form).await.status(), StatusCode::OK);
    desk.sign_and_submit(&order_id, &form, false).await;
    order_id
}

fn deposit(account: &str) -> Value {
    json!({"party": "organisation", "method": "micro_deposit", "bank": "招商银行", "account": account})
}

#[tokio::test]
async fn finding_5_micro_deposits_are_capped_per_party_and_order() {
    let desk = Desk::start().await;
    let order_id = verifying_deposit_order(&desk).await;
    let accounts = ["755900000001", "755900000002", "755900000003"];
    for account in &accounts[..2] {
        let started = start_check(&desk, &order_id, deposit(account)).await;
        assert_eq!(started.status(), StatusCode::OK);
    }
    // The third transfer is refused before any money moves.
    problem(
        start_check(&desk, &order_id, deposit(accounts[2])).await,
        StatusCode::TOO_MANY_REQUESTS,
        "verification_attempts_exhausted",
    )
    .await;
    assert_eq!(inbox_len(&desk, accounts[2]).await, 0);
    let list: Value = desk.detail(&order_id).await["verifications"].clone();
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn finding_5_a_new_deposit_does_not_reset_the_three_tries() {
    let desk = Desk::start().await;
    let order_id = verifying_deposit_order(&desk).await;
    let first: Value = start_check(&desk, &order_id, deposit("755900000011"))
        .await
        .json()
        .await
        .unwrap();
    let right = deposit_amount(&desk, "755900000011").await;
    let wrong = if right == "0.01" { "0.02" } else { "0.01" };
    let vid = first["verification"]["id"].as_str().unwrap();
    for _ in 0..2 {
        desk.app
            .post(
                &format!("/api/v1/orders/{order_id}/verifications/{vid}/deposit"),
                json!({"amount": wrong}),
            )
            .await;
    }
    let second: Value = start_check(&desk, &order_id, deposit("755900000012"))
        .await
        .json()
        .await
        .unwrap();
    let right = deposit_amount(&desk, "755900000012").await;
    let wrong = if right == "0.01" { "0.02" } else { "0.01" };
    let vid = second["verification"]["id"].as_str().unwrap();
    // One try was left, not three: this wrong answer hands the organisation to a person.
    let answer: Value = desk
        .app
        .post(
            &format!("/api/v1/orders/{order_id}/verifications/{vid}/deposit"),
            json!({"amount": wrong}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["verification"]["state"], "manual", "{answer}");
}

#[tokio::test]
async fn finding_5_forty_parallel_deposit_starts_send_at_most_the_cap() {
    let desk = Desk::start().await;
    let order_id = verifying_deposit_order(&desk).await;
    let answers = parallel_posts(
        &desk.app,
        &format!("/api/v1/orders/{order_id}/verifications"),
        &deposit("755900000021"),
        40,
    )
    .await;
    let sent = answers
        .iter()
        .filter(|(status, _)| *status == StatusCode::OK)
        .count();
    let refused = answers
        .iter()
        .filter(|(status, body)| {
            *status == StatusCode::TOO_MANY_REQUESTS
                && body["code"] == "verification_attempts_exhausted"
        })
        .count();
    assert!(sent <= 2, "{sent} deposits started: {answers:?}");
    assert_eq!(sent + refused, 40, "{answers:?}");
    assert!(inbox_len(&desk, "755900000021").await <= 2);
}

/// A personal order whose phone three-factor always fails in the sandbox (number ends 0000).
async fn verifying_failing_person(desk: &Desk) -> String {
    let order = desk.create("zfgjj-personal-cloud").await;
    let order_id = id(&order);
    let form = personal_form(desk, &order, "13600020000").await;
    assert_eq!(desk.save(&order_id, &form).await.status(), StatusCode::OK);
    desk.sign_and_submit(&order_id, &form, false).await;
    order_id
}

#[tokio::test]
async fn finding_5_three_and_four_factor_lookups_are_capped_per_party_and_order() {
    let desk = Desk::start().await;
    let order_id = verifying_failing_person(&desk).await;
    let four = json!({"party": "person", "method": "four_factor", "card": "62220202000060000", "card_phone": "13600020000"});
    let three = json!({"party": "person", "method": "three_factor"});
    for body in [&three, &four, &three] {
        let answer: Value = start_check(&desk, &order_id, body.clone())
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(answer["verification"]["state"], "failed", "{answer}");
    }
    for body in [three, four] {
        problem(
            start_check(&desk, &order_id, body).await,
            StatusCode::TOO_MANY_REQUESTS,
            "verification_attempts_exhausted",
        )
        .await;
    }
    // The offline mail flow stays open: a person checks the paper form.
    let offline = desk
        .app
        .post(&format!("/api/v1/orders/{order_id}/offline"), json!({}))
        .await;
    assert_eq!(offline.status(), StatusCode::OK);
}

#[tokio::test]
async fn finding_5_forty_parallel_lookups_stay_within_the_cap() {
    let desk = Desk::start().await;
    let order_id = verifying_failing_person(&desk).await;
    let answers = parallel_posts(
        &desk.app,
        &format!("/api/v1/orders/{order_id}/verifications"),
        &json!({"party": "person", "method": "three_factor"}),
        40,
    )
    .await;
    let looked_up = answers
        .iter()
        .filter(|(status, _)| *status == StatusCode::OK)
        .count();
    assert!(looked_up <= 3, "{looked_up} lookups: {answers:?}");
    assert!(
        answers
            .iter()
            .all(|(status, body)| *status == StatusCode::OK
                || body["code"] == "verification_attempts_exhausted"),
        "{answers:?}"
    );
    assert!(
        desk.detail(&order_id).await["verifications"]
            .as_array()
            .unwrap()
            .len()
            <= 3
    );
}

#[tokio::test]
async fn finding_5_a_later_pass_keeps_the_manual_review_flag() {
    let desk = Desk::start().await;
    // 002's enterprise product: the organisation by deposit or three-factor, the operator too.
    let order = desk.create("zfgjj-org-cloud").await;
    let order_id = id(&order);
    let form = enterprise_form(&desk, &order, 1).await;
    assert_eq!(desk.save(&order_id, &form).await.status(), StatusCode::OK);
    desk.sign_and_submit(&order_id, &form, true).await;
    let started: Value = start_check(&desk, &order_id, deposit("755900000031"))
        .await
        .json()
        .await
        .unwrap();
    let right = deposit_amount(&desk, "755900000031").await;
    let wrong = if right == "0.01" { "0.02" } else { "0.01" };
    let vid = started["verification"]["id"].as_str().unwrap();
    for _ in 0..3 {
        desk.app
            .post(
                &format!("/api/v1/orders/{order_id}/verifications/{vid}/deposit"),
                json!({"amount": wrong}),
            )
            .await;
    }
    assert_eq!(desk.detail(&order_id).await["state"], "verifying");
    // The organisation then passes another way, and the operator too.
    three_factor(&desk, &order_id, "organisation").await;
    let done = three_factor(&desk, &order_id, "operator").await;
    assert_eq!(done["order_state"], "awaiting_payment");
    let flags = desk.detail(&order_id).await["flags"].clone();
    assert!(
        flags
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "deposit_tries:organisation"),
        "the reviewer lost the flag: {flags}"
    );
}

#[tokio::test]
async fn finding_5_face_check_sms_wait_for_the_resend_gap_and_a_daily_cap() {
    let desk = Desk::start().await;
    let order = desk.create("zfgjj-personal-cloud").await;
    let order_id = id(&order);
    let phone = "13600000041";
    let form = personal_form(&desk, &order, phone).await;
    assert_eq!(desk.save(&order_id, &form).await.status(), StatusCode::OK);
    desk.sign_and_submit(&order_id, &form, false).await;
    let face = json!({"party": "person", "method": "face"});
    desk.app.advance_clock(61).await;
    assert_eq!(
        start_check(&desk, &order_id, face.clone()).await.status(),
        StatusCode::OK
    );
    // At once again, and 40 at once: the resend gap holds, nothing more is sent.
    problem(
        start_check(&desk, &order_id, face.clone()).await,
        StatusCode::TOO_MANY_REQUESTS,
        "sms_too_soon",
    )
    .await;
    let path = format!("/api/v1/orders/{order_id}/verifications");
    let answers = parallel_posts(&desk.app, &path, &face, 40).await;
    assert!(
        answers
            .iter()
            .all(|(status, _)| *status == StatusCode::TOO_MANY_REQUESTS),
        "{answers:?}"
    );
    assert_eq!(
        inbox_len(&desk, phone).await,
        2,
        "signing code and one face link"
    );
    // After the gap, more links; but at most the daily cap of SMS reaches one number.
    let mut refused = None;
    for _ in 0..40 {
        desk.app.advance_clock(61).await;
        let response = start_check(&desk, &order_id, face.clone()).await;
        if response.status() != StatusCode::OK {
            refused = Some(response);
            break;
        }
    }
    problem(
        refused.expect("no daily cap"),
        StatusCode::TOO_MANY_REQUESTS,
        "sms_daily_limit",
    )
    .await;
    // 20 a day (`sms_limits::DAILY_CAP`), the signing code included.
    let sent = inbox_len(&desk, phone).await;
    assert_eq!(sent, 20, "{sent} messages in one day");
    // The next day the number can be reached again.
    desk.app.advance_clock(24 * 3600).await;
    assert_eq!(
        start_check(&desk, &order_id, face).await.status(),
        StatusCode::OK
    );
}
