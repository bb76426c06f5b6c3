//! Batch signing refused, with a clear problem and nothing changed: an empty, repeated or
//! over-long list, a task not the caller's turn, another party's task, a wrong code (sharing the
//! single signature's try limit), a code asked for another set; and 40 confirmations racing
//! with the same valid code start exactly one batch.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::contracts::tasks::batch_sign;

use super::tasks_batch::{admin_phone, batch_code, launch_unordered};
use super::tasks_support::{launch_person_then_enterprise, person, snapshot, world};
use crate::support::{TestApp, problem};

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.platform.db.pool())
        .await
        .unwrap()
}

async fn codes(app: &TestApp) -> i64 {
    count(app, "SELECT CAST(COUNT(*) AS BIGINT) FROM sms_codes").await
}

async fn batches(app: &TestApp) -> i64 {
    count(app, "SELECT CAST(COUNT(*) AS BIGINT) FROM ec_sign_batches").await
}

#[tokio::test]
async fn bad_lists_and_tasks_not_the_callers_to_sign_are_refused_up_front() {
    let w = world().await;
    let zhang = person(&w, 7_521, "张三").await;
    let li = person(&w, 7_522, "李四").await;
    let ready = launch_unordered(&w, &zhang.phone, 2).await;
    // Serial: the person first, so not yet the enterprise's turn.
    let waiting = launch_person_then_enterprise(&w, &zhang.phone).await;
    // Li's own task, which Zhang is no party of.
    let lis = launch_unordered(&w, &li.phone, 1).await;
    let before = (
        snapshot(&w.admin, &ready[0]).await,
        snapshot(&w.admin, &waiting).await,
        codes(&w.admin).await,
    );

    let too_many: Vec<String> = (0..=batch_sign::MAX_TASKS)
        .map(|i| format!("t{i}"))
        .collect();
    let cases: Vec<(&TestApp, Value, StatusCode, &str)> = vec![
        (
            &w.admin,
            json!([]),
            StatusCode::BAD_REQUEST,
            "batch_sign_tasks",
        ),
        (
            &w.admin,
            json!([ready[0], ready[1], ready[0]]),
            StatusCode::BAD_REQUEST,
            "batch_sign_tasks",
        ),
        (
            &w.admin,
            json!(too_many),
            StatusCode::BAD_REQUEST,
            "batch_sign_tasks",
        ),
        (
            &w.admin,
            json!([ready[0], waiting]),
            StatusCode::CONFLICT,
            "not_your_turn",
        ),
        (
            &zhang.app,
            json!([ready[0], lis[0]]),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &w.admin,
            json!([ready[0], "no-such-task"]),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (client, ids, status, code) in &cases {
        let asked = client
            .post("/api/v1/tasks/batch-sign/code", json!({"task_ids": ids}))
            .await;
        let body = problem(asked, *status, code).await;
        assert_eq!(body["field"], "task_ids", "{body}");
        let confirmed = client
            .post(
                "/api/v1/tasks/batch-sign",
                json!({"task_ids": ids, "sms_code": "123456"}),
            )
            .await;
        problem(confirmed, *status, code).await;
    }
    // The refusal names the task.
    let named = w
        .admin
        .post(
            "/api/v1/tasks/batch-sign/code",
            json!({"task_ids": [ready[0], waiting]}),
        )
        .await;
    let body = problem(named, StatusCode::CONFLICT, "not_your_turn").await;
    assert!(
        body["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains(&waiting),
        "{body}"
    );
    assert_eq!(
        (
            snapshot(&w.admin, &ready[0]).await,
            snapshot(&w.admin, &waiting).await,
            codes(&w.admin).await,
        ),
        before
    );
    assert_eq!(batches(&w.admin).await, 0);
}

#[tokio::test]
async fn a_wrong_code_spends_the_single_signatures_tries_and_a_code_covers_only_its_set() {
    let w = world().await;
    let zhang = person(&w, 7_531, "张三").await;
    let ids = launch_unordered(&w, &zhang.phone, 3).await;
    let before = snapshot(&w.admin, &ids[0]).await;
    let (_, code) = batch_code(&w.admin, &admin_phone(), &ids).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let confirm = |ids: Value, code: String| {
        w.admin.post(
            "/api/v1/tasks/batch-sign",
            json!({"task_ids": ids, "sms_code": code}),
        )
    };
    let first = confirm(json!(ids), wrong.to_owned()).await;
    let body = problem(first, StatusCode::BAD_REQUEST, "sms_code_wrong").await;
    assert!(
        body["message"]["en"].as_str().unwrap().contains("4 tries"),
        "{body}"
    );
    // The right code for a subset is a wrong code: it was asked for the three.
    let subset = confirm(json!(ids[..2]), code.clone()).await;
    problem(subset, StatusCode::BAD_REQUEST, "sms_code_wrong").await;
    // The single signature takes it for a wrong code too, from the same tries.
    let single = w
        .admin
        .post(
            &format!("/api/v1/tasks/{}/sign", ids[0]),
            json!({"sms_code": code}),
        )
        .await;
    let body = problem(single, StatusCode::BAD_REQUEST, "sms_code_wrong").await;
    assert!(
        body["message"]["en"].as_str().unwrap().contains("2 tries"),
        "{body}"
    );
    for _ in 0..2 {
        let _ = confirm(json!(ids), wrong.to_owned()).await;
    }
    let burned = confirm(json!(ids), code.clone()).await;
    problem(burned, StatusCode::BAD_REQUEST, "sms_code_burned").await;
    assert_eq!(snapshot(&w.admin, &ids[0]).await, before);
    assert_eq!(batches(&w.admin).await, 0);
}

#[tokio::test]
async fn forty_confirmations_racing_with_one_code_start_exactly_one_batch() {
    let w = world().await;
    let zhang = person(&w, 7_541, "张三").await;
    let ids = launch_unordered(&w, &zhang.phone, 2).await;
    let (_, code) = batch_code(&w.admin, &admin_phone(), &ids).await;
    let body = json!({"task_ids": ids, "sms_code": code});
    let handles: Vec<_> = (0..40)
        .map(|_| {
            let client = w.admin.client.clone();
            let csrf = w.admin.csrf.clone();
            let full = w.admin.url("/api/v1/tasks/batch-sign");
            let body = body.clone();
            tokio::spawn(async move {
                client
                    .post(full)
                    .header("x-csrf-token", csrf)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut statuses = BTreeMap::new();
    for handle in handles {
        let response = handle.await.unwrap();
        let status = response.status();
        let answer: Value = response.json().await.unwrap();
        if status != StatusCode::ACCEPTED {
            assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
            let code = answer["code"].as_str().unwrap();
            assert!(
                matches!(code, "sms_code_expired" | "sms_code_burned"),
                "{answer}"
            );
        }
        *statuses.entry(status.as_u16()).or_insert(0) += 1;
    }
    assert_eq!(statuses.get(&202), Some(&1), "{statuses:?}");
    assert_eq!(batches(&w.admin).await, 1);
    let jobs = count(
        &w.admin,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM jobs WHERE kind = 'contracts.batch_sign'",
    )
    .await;
    assert_eq!(jobs, 1);
}
