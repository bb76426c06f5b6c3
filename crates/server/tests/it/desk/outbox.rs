//! Messages and refunds through the outbox (issue 12, finding 11): a payment completed after its
//! order was cancelled is refunded by a job without anyone noticing it; order messages are jobs
//! written with the change and delivered by the worker.

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::platform::jobs::{self, Status, queue};

use super::support::Desk;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn finding_11_a_payment_completed_after_cancellation_is_refunded_by_a_job() {
    let desk = Desk::start().await;
    let order_id = desk.checked_cloud_order("13600000011").await;
    let payment: Value = desk
        .app
        .post(
            &format!("/api/v1/orders/{order_id}/payments"),
            json!({"channel": "wechat"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let payment_id = id(&payment);
    // The applicant cancels while the QR code is still on someone's phone …
    let cancelled: Value = desk
        .app
        .post(&format!("/api/v1/orders/{order_id}/cancel"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cancelled["state"], "cancelled");
    // … and the payment completes afterwards: accepted, and its money goes back by itself.
    let paid = desk
        .app
        .post(
            &format!("/dev/payments/{payment_id}"),
            json!({"result": "paid"}),
        )
        .await;
    assert_eq!(paid.status(), reqwest::StatusCode::OK);
    let paid: Value = paid.json().await.unwrap();
    assert_eq!(paid["state"], "refunded");
    assert_eq!(desk.detail(&order_id).await["state"], "cancelled");
    let platform = &desk.app.platform;
    let refund = queue::by_key(platform, &format!("desk.refund:{payment_id}"))
        .await
        .unwrap()
        .expect("a refund job was queued with the payment");
    assert_eq!(refund.kind, "desk.refund");
    assert_eq!(refund.payload["amount_fen"], payment["amount_fen"]);
    jobs::drain(platform, &signet_core::job_handlers())
        .await
        .unwrap();
    let refund = queue::get(platform, &refund.id).await.unwrap();
    assert_eq!((refund.status, refund.attempts), (Status::Done, 1));
}

#[tokio::test]
async fn a_rejection_message_waits_in_the_outbox_and_staff_see_and_retry_dead_jobs() {
    let desk = Desk::start().await;
    let order_id = desk.checked_cloud_order("13600000012").await;
    desk.pay(&order_id).await;
    let staff = desk.staff().await;
    let rejected = staff
        .post(
            &format!("/api/v1/staff/orders/{order_id}/reject"),
            json!({"reason": "身份证照片模糊"}),
        )
        .await;
    assert_eq!(rejected.status(), StatusCode::OK);
    let platform = &desk.app.platform;
    let inbox = platform.sandbox.as_ref().unwrap();
    let rejection =
        |m: &&signet_core::platform::providers::SandboxMessage| m.body.contains("身份证照片模糊");
    // Written with the rejection, not sent yet (this test runs no worker) …
    assert!(
        !inbox
            .list(Some("13600000012"), 50)
            .await
            .unwrap()
            .iter()
            .any(|m| rejection(&m))
    );
    let queued = queue::list(platform, Some(Status::Queued), Some("platform.sms"), 100)
        .await
        .unwrap();
    assert!(!queued.is_empty());
    assert!(
        queued
            .iter()
            .all(|j| !j.payload.to_string().contains("13600000012")),
        "the phone is sealed in the payload"
    );
    // … delivered once a worker runs (the sandbox inbox runs what is due before answering).
    let sms: Vec<Value> = desk
        .app
        .get("/dev/inbox?to=13600000012")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        sms.iter()
            .filter(|m| m["body"].as_str().unwrap().contains("身份证照片模糊"))
            .count(),
        1
    );

    // A job that fails to the end is a dead letter staff can list and retry; applicants cannot.
    let mut tx = platform.db.begin().await.unwrap();
    let doomed = jobs::NewJob::new("test.unknown", "doomed", json!({})).max_attempts(1);
    jobs::enqueue(&mut tx, 0, &doomed).await.unwrap();
    tx.commit().await.unwrap();
    jobs::drain(platform, &signet_core::job_handlers())
        .await
        .unwrap();
    let dead: Vec<Value> = staff
        .get("/api/v1/staff/jobs?status=dead")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["idempotency_key"], "doomed");
    assert!(
        dead[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("no handler")
    );
    let dead_id = dead[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        desk.app
            .get("/api/v1/staff/jobs?status=dead")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        staff.get("/api/v1/staff/jobs?status=lost").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        desk.app
            .get(&format!("/api/v1/jobs/{dead_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "not the applicant's job"
    );
    let progress: Value = staff
        .get(&format!("/api/v1/jobs/{dead_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(progress["status"], "dead");
    let retried = staff
        .post(&format!("/api/v1/staff/jobs/{dead_id}/retry"), json!({}))
        .await;
    assert_eq!(retried.status(), StatusCode::OK);
    let retried: Value = retried.json().await.unwrap();
    assert_eq!(
        (retried["status"].as_str(), retried["attempts"].as_i64()),
        (Some("queued"), Some(0))
    );
    // A job that is not dead is not retried.
    assert_eq!(
        staff
            .post(&format!("/api/v1/staff/jobs/{dead_id}/retry"), json!({}))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
}

/// Polls every future on this task until all are done; their outputs in order.
async fn all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in pinned.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match std::future::Future::poll(future.as_mut(), cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}

#[tokio::test]
async fn finding_11_forty_concurrent_refunds_queue_one_gateway_refund() {
    let desk = Desk::start().await;
    let order_id = desk.checked_cloud_order("13600000013").await;
    desk.pay(&order_id).await;
    let staff = desk.staff().await;
    let rejected = staff
        .post(
            &format!("/api/v1/staff/orders/{order_id}/reject"),
            json!({"reason": "材料不全"}),
        )
        .await;
    assert_eq!(rejected.status(), StatusCode::OK);
    let path = format!("/api/v1/orders/{order_id}/refund");
    let answers = all((0..40).map(|_| desk.app.post(&path, json!({}))).collect()).await;
    let statuses: Vec<StatusCode> = answers.iter().map(reqwest::Response::status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || s.is_client_error()),
        "{statuses:?}"
    );
    let platform = &desk.app.platform;
    let refunds = queue::list(platform, None, Some("desk.refund"), 100)
        .await
        .unwrap();
    assert_eq!(refunds.len(), 1, "one gateway refund queued");
    let payments: Vec<Value> = desk
        .app
        .get(&format!("/api/v1/orders/{order_id}/payments"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        payments.iter().filter(|p| p["state"] == "refunded").count(),
        1
    );
    jobs::drain(platform, &signet_core::job_handlers())
        .await
        .unwrap();
    assert_eq!(
        queue::get(platform, &refunds[0].id).await.unwrap().status,
        Status::Done
    );
    assert_eq!(desk.detail(&order_id).await["state"], "refunded");
}
