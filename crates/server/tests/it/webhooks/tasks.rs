//! The task engine announces its log to the launching enterprise's endpoints: the launch, each
//! party's signature once (not once per document), the completion at B-LTA, and a withdrawal as
//! void; only the kinds an endpoint subscribed to, signed, and without names or phones.

use serde_json::{Value, json};

use super::receiver::Receiver;
use crate::contracts::tasks_support::{launch_person_then_enterprise, person, signed_ok, world};
use crate::support::phone;

/// Registers `url` for `events` on the world's enterprise; returns the secret.
async fn subscribe(
    w: &crate::contracts::tasks_support::World,
    url: &str,
    events: &[&str],
) -> String {
    let response = w
        .admin
        .post(
            &format!("/api/v1/enterprises/{}/webhooks", w.enterprise_id),
            json!({"url": url, "events": events}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["secret"].as_str().unwrap().to_owned()
}

/// Runs the due jobs, then what the receiver got, in the order of the task's log.
async fn heard(w: &crate::contracts::tasks_support::World, receiver: &Receiver) -> Vec<Value> {
    signet_core::platform::jobs::drain(&w.admin.platform, &signet_core::job_handlers())
        .await
        .unwrap();
    let mut bodies: Vec<Value> = receiver
        .seen()
        .iter()
        .map(super::receiver::Seen::json)
        .collect();
    bodies.sort_by_key(|b| b["data"]["seq"].as_i64());
    bodies
}

#[tokio::test]
async fn a_task_announces_its_launch_each_signature_and_its_completion() {
    let w = world().await;
    let receiver = Receiver::start(&[], 200).await;
    let secret = subscribe(
        &w,
        &receiver.url,
        &[
            "task.launched",
            "task.signed",
            "task.completed",
            "task.void",
        ],
    )
    .await;
    let zhang = person(&w, 7_301, "张三").await;
    let id = launch_person_then_enterprise(&w, &zhang.phone).await;
    let launched = heard(&w, &receiver).await;
    assert_eq!(launched.len(), 1, "{launched:?}");
    assert_eq!(launched[0]["type"], "task.launched");

    signed_ok(&zhang.app, &zhang.phone, &id, json!({})).await;
    signed_ok(&w.admin, &phone(7_100), &id, json!({})).await;
    let bodies = heard(&w, &receiver).await;
    let kinds: Vec<&str> = bodies.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "task.launched",
            "task.signed",
            "task.signed",
            "task.completed"
        ]
    );
    assert!(receiver.seen().iter().all(|s| s.signed_with(&secret)));
    for body in &bodies {
        assert_eq!(body["task_id"], id.as_str());
        assert_eq!(body["enterprise_id"], w.enterprise_id.as_str());
    }
    let parties: Vec<&Value> = bodies[1..3]
        .iter()
        .map(|b| &b["data"]["party_id"])
        .collect();
    assert!(parties.iter().all(|p| p.is_string()) && parties[0] != parties[1]);
    assert_eq!(bodies[3]["data"]["level"], "B-LTA");
    let text = receiver
        .seen()
        .iter()
        .map(|s| s.body.clone())
        .collect::<String>();
    assert!(
        !text.contains("张三") && !text.contains(&zhang.phone) && !text.contains(&phone(7_100)),
        "no names or phones leave the platform: {text}"
    );
}

#[tokio::test]
async fn a_withdrawn_task_is_announced_void_and_only_to_endpoints_that_asked() {
    let w = world().await;
    let void_only = Receiver::start(&[], 200).await;
    let launches_only = Receiver::start(&[], 200).await;
    subscribe(&w, &void_only.url, &["task.void"]).await;
    subscribe(&w, &launches_only.url, &["task.launched"]).await;
    let zhang = person(&w, 7_302, "李四").await;
    let id = launch_person_then_enterprise(&w, &zhang.phone).await;
    let response = w
        .admin
        .post(
            "/api/v1/tasks/withdraw",
            json!({"task_ids": [id], "reason": "发错了"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let void = heard(&w, &void_only).await;
    assert_eq!(void.len(), 1, "{void:?}");
    assert_eq!(void[0]["type"], "task.void");
    assert_eq!(void[0]["data"]["event"], "withdrawn");
    assert!(
        !void[0].to_string().contains("发错了"),
        "the reason is free text and stays on the platform"
    );
    let launches = heard(&w, &launches_only).await;
    let kinds: Vec<&str> = launches
        .iter()
        .map(|b| b["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["task.launched"]);
}
