//! Who may touch an enterprise's webhooks (its administrator; another enterprise's ids read as
//! not found, a member is refused) and which URLs and events are refused; a refusal changes
//! nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::receiver::{Receiver, world};
use crate::contracts::support::{add_member, count, enterprise, person};
use crate::support::{TestApp, problem};

async fn endpoints(app: &TestApp) -> i64 {
    count(
        &app.platform,
        "SELECT COUNT(*) AS n FROM webhook_endpoints WHERE deleted_at IS NULL",
        &[],
    )
    .await
}

#[tokio::test]
async fn another_enterprise_reads_not_found_and_a_member_is_refused() {
    let w = world(4201).await;
    let receiver = Receiver::start(&[], 200).await;
    let (endpoint, _) = w.endpoint(&receiver.url, &["task.signed"]).await;
    w.signed("task-a").await;
    w.drain().await;
    let delivery = w.deliveries(&endpoint).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (other_admin, other_admin_id) = person(&w.app, 4202, Some("李四")).await;
    let other = enterprise(
        &w.app.platform,
        &other_admin_id,
        "别家公司",
        "91410100MA00000082",
        "李四",
        "certified",
    )
    .await;
    let (member, member_id) = person(&w.app, 4203, Some("赵六")).await;
    add_member(&w.app.platform, &w.enterprise_id, &member_id, "member").await;
    let before = endpoints(&w.app).await;

    let mine = |rest: &str| w.path(rest);
    let theirs = |rest: &str| format!("/api/v1/enterprises/{}/webhooks{rest}", other.id);
    let deliveries = format!("/{endpoint}/deliveries");
    let redeliver = format!("/{endpoint}/deliveries/{delivery}/redeliver");
    let rotate = format!("/{endpoint}/rotate-secret");
    let test = format!("/{endpoint}/test");
    let one = format!("/{endpoint}");
    let create = json!({"url": receiver.url, "events": ["task.void"]});
    // The other enterprise's administrator: this enterprise's paths, and its endpoint id under
    // their own enterprise, are not found.
    for (method, path, body) in [
        (Method::GET, mine(""), None),
        (Method::POST, mine(""), Some(create.clone())),
        (Method::GET, mine(&deliveries), None),
        (Method::POST, mine(&redeliver), Some(json!({}))),
        (Method::POST, mine(&rotate), Some(json!({}))),
        (Method::POST, mine(&test), Some(json!({}))),
        (Method::DELETE, mine(&one), None),
        (Method::GET, theirs(&deliveries), None),
        (Method::POST, theirs(&redeliver), Some(json!({}))),
        (Method::POST, theirs(&rotate), Some(json!({}))),
        (Method::POST, theirs(&test), Some(json!({}))),
        (Method::DELETE, theirs(&one), None),
    ] {
        let response = other_admin.send(method.clone(), &path, body).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    // A member of this enterprise is refused every webhook route.
    for (method, path, body) in [
        (Method::GET, mine(""), None),
        (Method::POST, mine(""), Some(create.clone())),
        (Method::GET, mine(&deliveries), None),
        (Method::POST, mine(&redeliver), Some(json!({}))),
        (Method::POST, mine(&rotate), Some(json!({}))),
        (Method::POST, mine(&test), Some(json!({}))),
        (Method::DELETE, mine(&one), None),
    ] {
        problem(
            member.send(method, &path, body).await,
            StatusCode::FORBIDDEN,
            "role_required",
        )
        .await;
    }
    assert_eq!(endpoints(&w.app).await, before);
    let listed: Value = w.admin.get(&w.path("")).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(listed[0]["secret_rotated_at"].is_null(), "not rotated");
    assert_eq!(w.deliveries(&endpoint).await[0]["redeliveries"], 0);
}

#[tokio::test]
async fn bad_urls_and_events_are_refused_and_change_nothing() {
    let w = world(4204).await;
    let good = "http://127.0.0.1:9/hook";
    for (url, events) in [
        ("", json!(["task.signed"])),
        ("not a url", json!(["task.signed"])),
        ("ftp://93.184.216.34/hook", json!(["task.signed"])),
        // The sandbox takes plain http for this machine only.
        ("http://93.184.216.34/hook", json!(["task.signed"])),
        ("https://10.0.0.1/hook", json!(["task.signed"])),
        ("https://192.168.1.20/hook", json!(["task.signed"])),
        (
            "https://169.254.169.254/latest/meta-data",
            json!(["task.signed"]),
        ),
        ("https://[fd00::1]/hook", json!(["task.signed"])),
        (
            "https://user:secret@93.184.216.34/hook",
            json!(["task.signed"]),
        ),
        (good, json!([])),
        (good, json!(["task.deleted"])),
    ] {
        let body = problem(
            w.admin
                .post(&w.path(""), json!({"url": url, "events": events}))
                .await,
            StatusCode::BAD_REQUEST,
            "invalid_field",
        )
        .await;
        let field = if url == good { "events" } else { "url" };
        assert_eq!(body["field"], field, "{url}: {body}");
    }
    problem(
        w.admin
            .post(
                &w.path(""),
                json!({"url": good, "events": ["task.signed"], "description": "备".repeat(101)}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    assert_eq!(endpoints(&w.app).await, 0);
    // Loopback is the sandbox's allowance; repeats in the events collapse.
    let created = w
        .admin
        .post(
            &w.path(""),
            json!({"url": good, "events": ["task.void", "task.launched", "task.void"]}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(
        created["endpoint"]["events"],
        json!(["task.launched", "task.void"])
    );
    assert_eq!(endpoints(&w.app).await, 1);
}
