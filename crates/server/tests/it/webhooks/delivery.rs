//! Deliveries: signed so a receiver can check them, only to subscribed endpoints, retried after
//! a failure with the jobs' backoff, dead-lettered after the last attempt, redelivered on
//! request, and not lost when the server stops between the commit and the POST.

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::Platform;
use signet_core::contracts::webhooks::{JOB_KIND, MAX_ATTEMPTS, TASK_COMPLETED, TASK_LAUNCHED};
use signet_core::platform::jobs::{self, queue};

use super::receiver::{Receiver, world};
use crate::contracts::support::count;
use crate::support::problem;

#[tokio::test]
async fn a_receiver_verifies_the_signature_of_each_delivery() {
    let w = world(4101).await;
    let receiver = Receiver::start(&[], 200).await;
    let (endpoint, secret) = w
        .endpoint(&receiver.url, &["task.signed", "task.completed"])
        .await;
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    // The secret is shown once: the list and the database hold no clear copy.
    let listed: Value = w.admin.get(&w.path("")).await.json().await.unwrap();
    assert_eq!(listed[0]["id"], endpoint.as_str());
    assert!(!listed.to_string().contains(&secret));
    assert_eq!(
        count(
            &w.app.platform,
            "SELECT COUNT(*) AS n FROM webhook_endpoints WHERE secret LIKE $1",
            &["whsec_%"]
        )
        .await,
        0
    );

    assert_eq!(w.emit(TASK_LAUNCHED, "task-1").await, 0, "not subscribed");
    assert_eq!(w.signed("task-1").await, 1);
    assert_eq!(w.emit(TASK_COMPLETED, "task-1").await, 1);
    w.drain().await;
    let seen = receiver.seen();
    assert_eq!(seen.len(), 2);
    let deliveries = w.deliveries(&endpoint).await;
    for (request, kind) in seen.iter().zip(["task.signed", "task.completed"]) {
        assert!(request.signed_with(&secret), "{request:?}");
        assert!(!request.signed_with("whsec_other"));
        assert_eq!(request.header("signet-event"), kind);
        assert_eq!(request.header("content-type"), "application/json");
        let timestamp: i64 = request.header("signet-timestamp").parse().unwrap();
        assert!(
            (timestamp - signet_core::platform::clock::Clock::now(&*w.app.platform.clock)).abs()
                < 60
        );
        let body = request.json();
        assert_eq!(body["type"], kind);
        assert_eq!(body["task_id"], "task-1");
        assert_eq!(body["enterprise_id"], w.enterprise_id.as_str());
        assert_eq!(body["data"]["signed_parties"], 1);
        let delivery = deliveries
            .iter()
            .find(|d| d["id"] == request.header("signet-delivery"))
            .unwrap();
        assert_eq!(delivery["state"], "delivered");
        assert_eq!(delivery["event_kind"], kind);
        assert_eq!(delivery["attempts"], 1);
        assert_eq!(delivery["attempt_log"][0]["status"], 200);
        assert_eq!(delivery["payload"], body);
    }
    // A changed body no longer matches its signature.
    let mut forged = seen[0].clone();
    forged.body = forged.body.replace("task-1", "task-2");
    assert!(!forged.signed_with(&secret));

    // Rotation: the old secret stops signing at once; a ping proves the new one.
    let rotated: Value = w
        .admin
        .post(&w.path(&format!("/{endpoint}/rotate-secret")), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let new_secret = rotated["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    let ping = w
        .admin
        .post(&w.path(&format!("/{endpoint}/test")), json!({}))
        .await;
    assert_eq!(ping.status(), StatusCode::ACCEPTED);
    let ping: Value = ping.json().await.unwrap();
    assert_eq!(ping["state"], "pending");
    w.drain().await;
    let last = receiver.seen().pop().unwrap();
    assert_eq!(last.header("signet-event"), "ping");
    assert_eq!(last.header("signet-delivery"), ping["id"].as_str().unwrap());
    assert!(last.signed_with(new_secret) && !last.signed_with(&secret));
}

#[tokio::test]
async fn a_500_is_retried_after_the_backoff_then_delivered_and_can_be_redelivered() {
    let w = world(4102).await;
    let receiver = Receiver::start(&[500], 204).await;
    let (endpoint, secret) = w.endpoint(&receiver.url, &["task.signed"]).await;
    w.signed("task-2").await;
    w.drain().await;
    assert_eq!(receiver.seen().len(), 1);
    let delivery = w.deliveries(&endpoint).await.remove(0);
    assert_eq!(delivery["state"], "pending");
    assert_eq!(delivery["last_status"], 500);
    let now = signet_core::platform::clock::Clock::now(&*w.app.platform.clock);
    let next = delivery["next_attempt_at"].as_i64().unwrap();
    assert!(
        (next - now - queue::BACKOFF_BASE_SECONDS).abs() <= 2,
        "{next} {now}"
    );

    // Not before the backoff ends.
    w.drain().await;
    assert_eq!(receiver.seen().len(), 1);
    w.app.advance_clock(queue::BACKOFF_BASE_SECONDS + 1).await;
    w.drain().await;
    let seen = receiver.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].header("signet-delivery"),
        seen[1].header("signet-delivery")
    );
    assert!(seen[1].signed_with(&secret));
    let delivery = w.deliveries(&endpoint).await.remove(0);
    assert_eq!(delivery["state"], "delivered");
    assert_eq!(delivery["attempts"], 2);
    let statuses: Vec<&Value> = delivery["attempt_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["status"])
        .collect();
    assert_eq!(statuses, [&json!(500), &json!(204)]);

    // Redelivery sends it again under the same id; while it is pending, another is refused.
    let did = delivery["id"].as_str().unwrap();
    let path = w.path(&format!("/{endpoint}/deliveries/{did}/redeliver"));
    let again = w.admin.post(&path, json!({})).await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    problem(
        w.admin.post(&path, json!({})).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    w.drain().await;
    let seen = receiver.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[2].header("signet-delivery"), did);
    let delivery = w.deliveries(&endpoint).await.remove(0);
    assert_eq!(
        (
            delivery["state"].as_str(),
            delivery["redeliveries"].as_i64()
        ),
        (Some("delivered"), Some(1))
    );
    assert_eq!(delivery["attempts"], 3);
}

#[tokio::test]
async fn the_last_failed_attempt_fails_the_delivery_and_dead_letters_its_job() {
    let w = world(4103).await;
    let receiver = Receiver::start(&[], 503).await;
    let (endpoint, _) = w.endpoint(&receiver.url, &["task.signed"]).await;
    w.signed("task-3").await;
    for _ in 0..MAX_ATTEMPTS + 2 {
        w.drain().await;
        w.app.advance_clock(queue::BACKOFF_CAP_SECONDS + 1).await;
    }
    let max = usize::try_from(MAX_ATTEMPTS).unwrap();
    assert_eq!(receiver.seen().len(), max, "no attempt after the cap");
    let delivery = w.deliveries(&endpoint).await.remove(0);
    assert_eq!(delivery["state"], "failed");
    assert_eq!(delivery["attempts"], MAX_ATTEMPTS);
    assert_eq!(delivery["attempt_log"].as_array().unwrap().len(), max);
    assert_eq!(delivery["next_attempt_at"], Value::Null);
    let job = queue::by_key(
        &w.app.platform,
        &format!("{JOB_KIND}:{}", delivery["id"].as_str().unwrap()),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(job.status, jobs::Status::Dead);
    assert!(job.last_error.unwrap().contains("HTTP 503"));

    // A failed delivery can be sent again once the receiver is fixed.
    let fixed = Receiver::start(&[], 200).await;
    sqlx::query("UPDATE webhook_endpoints SET url = $1 WHERE id = $2")
        .bind(&fixed.url)
        .bind(&endpoint)
        .execute(w.app.platform.db.pool())
        .await
        .unwrap();
    let did = delivery["id"].as_str().unwrap();
    let again = w
        .admin
        .post(
            &w.path(&format!("/{endpoint}/deliveries/{did}/redeliver")),
            json!({}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    w.drain().await;
    assert_eq!(fixed.seen().len(), 1);
    assert_eq!(w.deliveries(&endpoint).await[0]["state"], "delivered");
}

#[tokio::test]
async fn a_stop_between_the_commit_and_the_post_loses_nothing() {
    let w = world(4104).await;
    let receiver = Receiver::start(&[], 200).await;
    let (endpoint, secret) = w.endpoint(&receiver.url, &["task.signed"]).await;
    // An event whose transaction rolls back leaves nothing behind.
    {
        let platform = &w.app.platform;
        let mut tx = platform.db.begin().await.unwrap();
        let written = signet_core::contracts::webhooks::emit(
            &mut tx,
            signet_core::platform::clock::Clock::now(&*platform.clock),
            &w.enterprise_id,
            signet_core::contracts::webhooks::WebhookEvent {
                kind: "task.signed",
                task_id: "rolled-back".into(),
                data: json!({}),
            },
        )
        .await
        .unwrap();
        assert_eq!(written, 1);
        tx.rollback().await.unwrap();
    }
    w.signed("task-4").await;
    // The first process's worker takes the job and dies before posting (no record, no POST).
    let dead = queue::claim(&w.app.platform, "worker-killed")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dead.kind, JOB_KIND);
    w.drain().await;
    assert!(receiver.seen().is_empty(), "the lease still holds the job");

    // The next process on the same database, after the lease ran out, delivers it.
    let mut next = Platform::open(&w.app.config).await.unwrap();
    next.webhooks =
        std::sync::Arc::new(signet_gateways::webhooks::HttpWebhooks::new(true).unwrap());
    next.clock.advance(queue::LEASE_SECONDS + 1);
    jobs::drain(&next, &signet_core::job_handlers())
        .await
        .unwrap();
    let seen = receiver.seen();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].signed_with(&secret));
    assert_eq!(seen[0].json()["task_id"], "task-4");
    let deliveries = w.deliveries(&endpoint).await;
    assert_eq!(deliveries.len(), 1, "the rolled-back event has no delivery");
    assert_eq!(deliveries[0]["state"], "delivered");
}

#[tokio::test]
async fn a_removed_endpoint_gets_nothing_more() {
    let w = world(4105).await;
    let receiver = Receiver::start(&[], 200).await;
    let (endpoint, _) = w.endpoint(&receiver.url, &["task.signed"]).await;
    w.signed("task-5").await;
    let removed = w
        .admin
        .send(
            reqwest::Method::DELETE,
            &w.path(&format!("/{endpoint}")),
            None,
        )
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(w.signed("task-5").await, 0, "no new deliveries");
    w.drain().await;
    assert!(receiver.seen().is_empty());
    let state: i64 = count(
        &w.app.platform,
        "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = $1 AND state = 'failed'",
        &[endpoint.as_str()],
    )
    .await;
    assert_eq!(state, 1, "the pending delivery ends as failed");
    let listed: Value = w.admin.get(&w.path("")).await.json().await.unwrap();
    assert_eq!(listed, json!([]));
    problem(
        w.admin
            .get(&w.path(&format!("/{endpoint}/deliveries")))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn forty_redeliveries_at_once_queue_one_job() {
    let w = world(4106).await;
    let receiver = Receiver::start(&[], 200).await;
    let (endpoint, _) = w.endpoint(&receiver.url, &["task.signed"]).await;
    w.signed("task-6").await;
    w.drain().await;
    let did = w.deliveries(&endpoint).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = w.path(&format!("/{endpoint}/deliveries/{did}/redeliver"));
    let answers = at_once(&w.admin, &path, 40).await;
    let accepted = answers
        .iter()
        .filter(|s| **s == StatusCode::ACCEPTED)
        .count();
    assert_eq!(accepted, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|s| *s == StatusCode::ACCEPTED || *s == StatusCode::BAD_REQUEST)
    );
    let jobs = count(
        &w.app.platform,
        "SELECT COUNT(*) AS n FROM jobs WHERE kind = $1 AND idempotency_key LIKE $2",
        &[JOB_KIND, format!("%{did}%").as_str()],
    )
    .await;
    assert_eq!(jobs, 2, "the first sending and one redelivery");
    w.drain().await;
    assert_eq!(receiver.seen().len(), 2);
}

/// Sends `n` POSTs to `path` at once (each its own task) and returns their statuses.
async fn at_once(client: &crate::support::TestApp, path: &str, n: usize) -> Vec<StatusCode> {
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let request = client
                .client
                .post(client.url(path))
                .header("x-csrf-token", &client.csrf)
                .json(&json!({}));
            tokio::spawn(async move { request.send().await.unwrap().status() })
        })
        .collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}
