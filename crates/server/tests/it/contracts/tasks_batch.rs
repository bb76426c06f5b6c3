//! Batch signing under one intent code: one SMS code for a set of tasks, confirmed once, signed
//! by the `contracts.batch_sign` job with progress; a task withdrawn meanwhile fails with its
//! reason while the others are signed; a run stopped midway continues where it stopped; and
//! only the signer sees its batch.

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::contracts::tasks::batch_sign;

use super::tasks_support::{World, document, launch, launch_body, task, verify, world};
use crate::support::{TestApp, phone, problem};

/// The administrator's phone (it signs for the enterprise).
pub fn admin_phone() -> String {
    phone(7_100)
}

/// `n` unordered tasks between the enterprise and the person with `person_phone`: the
/// enterprise may sign each at once.
pub async fn launch_unordered(w: &World, person_phone: &str, n: usize) -> Vec<String> {
    let body = launch_body(
        &w.bt,
        "unordered",
        json!([
            {"role": "B", "kind": "person", "phone": person_phone},
            {"role": "A", "kind": "enterprise", "enterprise_id": w.enterprise_id}
        ]),
    );
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(launch(&w.admin, &w.enterprise_id, &body).await);
    }
    out
}

/// Asks for the batch code for `ids`; the SMS's text and its code.
pub async fn batch_code(client: &TestApp, phone: &str, ids: &[String]) -> (String, String) {
    let sent = client
        .post("/api/v1/tasks/batch-sign/code", json!({"task_ids": ids}))
        .await;
    assert_eq!(
        sent.status(),
        StatusCode::OK,
        "{}",
        sent.text().await.unwrap()
    );
    let list: Value = client
        .get(&format!("/dev/inbox?to={phone}"))
        .await
        .json()
        .await
        .unwrap();
    let message = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["code"].is_string())
        .unwrap_or_else(|| panic!("no code: {list}"))
        .clone();
    (
        message["body"].as_str().unwrap().to_owned(),
        message["code"].as_str().unwrap().to_owned(),
    )
}

pub async fn drain(app: &TestApp) {
    signet_core::platform::jobs::drain(&app.platform, &signet_core::job_handlers())
        .await
        .unwrap();
}

async fn progress(client: &TestApp, batch: &str) -> Value {
    let response = client
        .get(&format!("/api/v1/tasks/batch-sign/{batch}"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn start(client: &TestApp, ids: &[String], code: &str) -> String {
    let response = client
        .post(
            "/api/v1/tasks/batch-sign",
            json!({"task_ids": ids, "sms_code": code}),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::ACCEPTED,
        "{}",
        response.text().await.unwrap()
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["total"], ids.len());
    body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn three_tasks_are_signed_under_one_code_and_each_signature_verifies() {
    let w = world().await;
    let zhang = super::tasks_support::person(&w, 7_501, "张三").await;
    let ids = launch_unordered(&w, &zhang.phone, 3).await;
    let (text, code) = batch_code(&w.admin, &admin_phone(), &ids).await;
    assert!(text.contains("批量签署 3 份合同"), "{text}");
    // The code is bound to the set, not to its order.
    let mut reversed = ids.clone();
    reversed.reverse();
    let batch = start(&w.admin, &reversed, &code).await;
    // Replayed before the job ran (the tasks still to sign): the code is spent.
    let replay = w
        .admin
        .post(
            "/api/v1/tasks/batch-sign",
            json!({"task_ids": ids, "sms_code": code}),
        )
        .await;
    problem(replay, StatusCode::BAD_REQUEST, "sms_code_expired").await;
    let before = progress(&w.admin, &batch).await;
    assert_eq!(before["state"], "signing");
    assert_eq!(
        (before["done"].as_i64(), before["total"].as_i64()),
        (Some(0), Some(3))
    );

    drain(&w.admin).await;
    let after = progress(&w.admin, &batch).await;
    assert_eq!(after["state"], "done", "{after}");
    assert_eq!(after["done"], 3);
    assert_eq!(after["signed"], 3);
    assert_eq!(after["failed"], 0);
    assert!(after["failures"].as_array().unwrap().is_empty());
    assert_eq!(after["job_status"], "done");
    for id in &ids {
        let view = task(&w.admin, id).await;
        assert_eq!(view["parties"][1]["state"], "signed", "{view}");
        assert_eq!(view["parties"][0]["state"], "to_sign");
        let pdf = document(&w.admin, id).await;
        let (count, ok, report) = verify(&w.admin, &pdf).await;
        assert!(ok && count == 1, "{report}");
        assert!(
            report
                .to_string()
                .contains(signet_core::contracts::demo::NAME),
            "{report}"
        );
    }

    // Replayed after: refused up front, naming a task already signed.
    let again = w
        .admin
        .post(
            "/api/v1/tasks/batch-sign",
            json!({"task_ids": ids, "sms_code": code}),
        )
        .await;
    let body = problem(again, StatusCode::CONFLICT, "already_signed").await;
    assert_eq!(body["field"], "task_ids", "{body}");
    assert!(
        body["message"]["en"].as_str().unwrap().contains(&ids[0]),
        "{body}"
    );
    // Only the signer sees its batch.
    let other = zhang
        .app
        .get(&format!("/api/v1/tasks/batch-sign/{batch}"))
        .await;
    problem(other, StatusCode::NOT_FOUND, "not_found").await;
    let unknown = w
        .admin
        .get("/api/v1/tasks/batch-sign/nothing-like-it")
        .await;
    problem(unknown, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_task_withdrawn_meanwhile_fails_with_its_reason_and_the_others_are_signed() {
    let w = world().await;
    let zhang = super::tasks_support::person(&w, 7_511, "张三").await;
    let ids = launch_unordered(&w, &zhang.phone, 3).await;
    let (_, code) = batch_code(&w.admin, &admin_phone(), &ids).await;
    let batch = start(&w.admin, &ids, &code).await;
    let withdrawn = w
        .admin
        .post(
            "/api/v1/tasks/withdraw",
            json!({"task_ids": [ids[1]], "reason": "录入有误"}),
        )
        .await;
    assert_eq!(withdrawn.status(), StatusCode::OK);

    // A run stopped after one task continues where it stopped.
    let handled = batch_sign::run_batch(&w.admin.platform, &batch, Some(1), None)
        .await
        .unwrap();
    assert_eq!(handled, 1);
    let midway = progress(&w.admin, &batch).await;
    assert_eq!(
        (midway["done"].as_i64(), midway["state"].as_str()),
        (Some(1), Some("signing"))
    );
    drain(&w.admin).await;
    let after = progress(&w.admin, &batch).await;
    assert_eq!(after["state"], "done", "{after}");
    assert_eq!(after["signed"], 2);
    assert_eq!(after["failed"], 1);
    let failure = &after["failures"][0];
    assert_eq!(failure["task_id"], ids[1].as_str());
    assert_eq!(failure["code"], "task_closed");
    assert!(
        failure["zh"].as_str().unwrap().contains("已作废"),
        "{failure}"
    );
    for (i, id) in ids.iter().enumerate() {
        let view = task(&w.admin, id).await;
        let want = if i == 1 { "to_sign" } else { "signed" };
        assert_eq!(view["parties"][1]["state"], want, "{view}");
    }
}
