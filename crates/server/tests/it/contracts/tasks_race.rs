//! What must hold under concurrency and across nodes: 40 launches racing for the enterprise's
//! last contract leave exactly one task; two nodes running the deadline job void an expired task
//! once; and visibility (business type, confidential flag, seal grants) in lists and reads.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::contracts::grants;
use signet_core::contracts::tasks::{self, quota};
use signet_core::platform::clock::Clock as _;

use super::support::{add_member, grant_seal, hold_business_type};
use super::tasks_support::{balance, launch, launch_body, list_ids, person, world};
use crate::support::problem;

#[tokio::test]
async fn forty_launches_race_for_the_last_contract_and_exactly_one_wins() {
    let w = world().await;
    let zhang = person(&w, 7_401, "张三").await;
    let left = balance(&w.admin, &w.enterprise_id).await;
    let mut tx = w.admin.platform.db.begin().await.unwrap();
    quota::record(
        &mut tx,
        &w.enterprise_id,
        1 - left,
        quota::EXPIRY,
        None,
        "test",
        w.admin.platform.clock.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(balance(&w.admin, &w.enterprise_id).await, 1);
    let body = launch_body(
        &w.bt,
        "serial",
        json!([{"role": "B", "kind": "person", "phone": zhang.phone},
               {"role": "A", "kind": "enterprise", "enterprise_id": w.enterprise_id}]),
    );
    let url = format!("/api/v1/enterprises/{}/tasks", w.enterprise_id);
    let handles: Vec<_> = (0..40)
        .map(|_| {
            let client = w.admin.client.clone();
            let csrf = w.admin.csrf.clone();
            let full = w.admin.url(&url);
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
    let mut answers = Vec::new();
    for handle in handles {
        answers.push(handle.await.unwrap());
    }
    let mut statuses = BTreeMap::new();
    for response in answers {
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        if status != StatusCode::CREATED {
            assert_eq!(status, StatusCode::CONFLICT, "{body}");
            assert_eq!(body["code"], "quota_short", "{body}");
            assert!(
                body["message"]["zh-CN"]
                    .as_str()
                    .unwrap()
                    .contains("还差 1 份")
            );
        }
        *statuses.entry(status.as_u16()).or_insert(0) += 1;
    }
    assert_eq!(statuses.get(&201), Some(&1), "{statuses:?}");
    assert_eq!(balance(&w.admin, &w.enterprise_id).await, 0);
    let tasks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ec_tasks")
        .fetch_one(w.admin.platform.db.pool())
        .await
        .unwrap();
    assert_eq!(tasks, 1);
}

#[tokio::test]
async fn two_nodes_running_the_deadline_job_void_an_expired_task_once() {
    let w = world().await;
    let zhang = person(&w, 7_411, "张三").await;
    let now = w.admin.platform.clock.now();
    let mut body = launch_body(
        &w.bt,
        "unordered",
        json!([{"role": "B", "kind": "person", "phone": zhang.phone},
               {"role": "A", "kind": "enterprise", "enterprise_id": w.enterprise_id}]),
    );
    body["deadline"] = json!(now + 3600);
    let due = launch(&w.admin, &w.enterprise_id, &body).await;
    body["deadline"] = json!(now + 7200);
    let later = launch(&w.admin, &w.enterprise_id, &body).await;
    body["deadline"] = json!(now - 1);
    let past = w
        .admin
        .post(
            &format!("/api/v1/enterprises/{}/tasks", w.enterprise_id),
            body,
        )
        .await;
    problem(past, StatusCode::BAD_REQUEST, "invalid_field").await;

    w.admin.advance_clock(3601).await;
    // A second node on the same database: its own platform, same clock moved as far.
    let other = signet_core::Platform::open(&w.admin.config).await.unwrap();
    other
        .clock
        .advance(w.admin.platform.clock.now() - other.clock.now());
    let (a, b) = tokio::join!(
        tasks::expire_due(&w.admin.platform),
        tasks::expire_due(&other)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let states: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT id, void_reason FROM ec_tasks ORDER BY deadline")
            .fetch_all(w.admin.platform.db.pool())
            .await
            .unwrap();
    assert_eq!(states[0], (due.clone(), Some("expired".to_owned())));
    assert_eq!(states[1], (later, None));
    let expired: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM ec_task_events WHERE task_id = $1 AND kind = 'expired'",
    )
    .bind(&due)
    .fetch_one(w.admin.platform.db.pool())
    .await
    .unwrap();
    assert_eq!(expired, 1);
    let response = zhang
        .app
        .post(&format!("/api/v1/tasks/{due}/sign-code"), json!({}))
        .await;
    problem(response, StatusCode::CONFLICT, "task_closed").await;
    assert_eq!(list_ids(&zhang.app, "void").await, vec![due]);
    // The job is registered and scheduled.
    assert!(signet_core::job_handlers().kinds().contains(&tasks::EXPIRE));
    assert!(
        signet_core::job_schedules()
            .iter()
            .any(|s| s.kind == tasks::EXPIRE)
    );
}

#[tokio::test]
async fn visibility_follows_business_type_confidentiality_and_seal_grants() {
    let w = world().await;
    let zhang = person(&w, 7_421, "张三").await;
    let typed = person(&w, 7_422, "周一").await;
    let untyped = person(&w, 7_423, "吴二").await;
    let holder = person(&w, 7_424, "郑三").await;
    for member in [&typed, &untyped, &holder] {
        add_member(&w.admin.platform, &w.enterprise_id, &member.id, "member").await;
    }
    hold_business_type(&w.admin.platform, &w.enterprise_id, &typed.id, &w.bt).await;
    let seal: String =
        sqlx::query_scalar("SELECT id FROM ec_seals WHERE enterprise_id = $1 AND kind = 'company'")
            .bind(&w.enterprise_id)
            .fetch_one(w.admin.platform.db.pool())
            .await
            .unwrap();
    grant_seal(
        &w.admin.platform,
        &w.enterprise_id,
        &seal,
        &holder.id,
        &w.admin_id,
    )
    .await;
    let mut body = launch_body(
        &w.bt,
        "serial",
        json!([{"role": "B", "kind": "person", "phone": zhang.phone},
               {"role": "A", "kind": "enterprise", "enterprise_id": w.enterprise_id}]),
    );
    let open = launch(&w.admin, &w.enterprise_id, &body).await;
    body["confidential"] = json!(true);
    let secret = launch(&w.admin, &w.enterprise_id, &body).await;

    // A member holding the business type sees the open task, not the confidential one.
    assert_eq!(status_of(&typed.app, &open).await, StatusCode::OK);
    assert_eq!(status_of(&typed.app, &secret).await, StatusCode::NOT_FOUND);
    assert_eq!(list_ids(&typed.app, "others").await, vec![open.clone()]);
    // A member without it sees nothing.
    assert_eq!(status_of(&untyped.app, &open).await, StatusCode::NOT_FOUND);
    assert!(list_ids(&untyped.app, "others").await.is_empty());
    // The seal holder signs for the enterprise: both tasks, confidential included.
    assert_eq!(status_of(&holder.app, &secret).await, StatusCode::OK);
    let mut seen = list_ids(&holder.app, "others").await;
    seen.sort();
    let mut both = vec![open.clone(), secret.clone()];
    both.sort();
    assert_eq!(seen, both);
    // The person party and the administrator see both.
    assert_eq!(status_of(&zhang.app, &secret).await, StatusCode::OK);
    assert_eq!(list_ids(&w.admin, "initiated").await.len(), 2);
    // Search and keyset pages.
    let page: Value = w
        .admin
        .get("/api/v1/tasks?list=initiated&limit=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let next = page["next"].as_str().unwrap().to_owned();
    let page2: Value = w
        .admin
        .get(&format!(
            "/api/v1/tasks?list=initiated&limit=1&cursor={next}"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page2["items"].as_array().unwrap().len(), 1);
    assert_ne!(page2["items"][0]["id"], page["items"][0]["id"]);
    assert!(page2["next"].is_null());
    let found: Value = w
        .admin
        .get("/api/v1/tasks?list=initiated&q=%E5%BC%A0%E4%B8%89")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["items"].as_array().unwrap().len(), 2);
    let none: Value = w
        .admin
        .get("/api/v1/tasks?list=initiated&q=nothing-like-this")
        .await
        .json()
        .await
        .unwrap();
    assert!(none["items"].as_array().unwrap().is_empty());
    let bad = w.admin.get("/api/v1/tasks?list=everything").await;
    problem(bad, StatusCode::BAD_REQUEST, "invalid_field").await;

    // A revoked grant: the holder sees nothing any more.
    let mut tx = w.admin.platform.db.begin().await.unwrap();
    grants::revoke(
        &w.admin.platform,
        &mut tx,
        &w.enterprise_id,
        &seal,
        &holder.id,
        &w.admin_id,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(status_of(&holder.app, &secret).await, StatusCode::NOT_FOUND);
    assert_eq!(status_of(&holder.app, &open).await, StatusCode::NOT_FOUND);
    assert!(list_ids(&holder.app, "others").await.is_empty());
}

async fn status_of(client: &crate::support::TestApp, id: &str) -> StatusCode {
    client.get(&format!("/api/v1/tasks/{id}")).await.status()
}
