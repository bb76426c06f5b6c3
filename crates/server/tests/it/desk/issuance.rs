//! Cloud issuance after approval is a job (`desk.issue`, issue 11 item 1): the approval writes
//! the order's move and the job in one transaction, the job issues exactly once however often it
//! runs (again after a killed worker, or twice), and 40 approvals of one order at once make one
//! job and one certificate. The invoice is a job the same way.

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::Platform;
use signet_core::desk::invoices::invoice_key;
use signet_core::desk::orders::{self, Change, Event, Note};
use signet_core::desk::production::{INLINE_GRACE_SECONDS, issue_cloud, issue_key, queue_issuance};
use signet_core::platform::clock::Clock as _;
use signet_core::platform::db::Tx;
use signet_core::platform::jobs::{self, Status, queue};

use super::support::{Desk, approve, personal_form, start_check};
use crate::contracts::members_admin::at_once;

/// A paid personal cloud order (zfgjj: payment first) waiting for a reviewer; its id.
async fn paid_awaiting_review(desk: &Desk, phone: &str) -> String {
    let order_id = desk.checked_cloud_order(phone).await;
    let paid = desk.pay(&order_id).await;
    assert_eq!(paid["state"], "awaiting_review", "{paid}");
    order_id
}

async fn count(platform: &Platform, sql: &'static str, order_id: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(order_id)
        .fetch_one(platform.db.pool())
        .await
        .unwrap()
}

async fn cloud_keys(platform: &Platform, order_id: &str) -> i64 {
    count(
        platform,
        "SELECT COUNT(*) FROM desk_cloud_keys WHERE order_id = $1",
        order_id,
    )
    .await
}

async fn issued(platform: &Platform) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM ca_certificates")
        .fetch_one(platform.db.pool())
        .await
        .unwrap()
}

/// Writes the approval as the request does (the order's move and its issuance job) in a
/// transaction it hands back uncommitted.
async fn write_approval(platform: &Platform, order_id: &str) -> Tx {
    let order = orders::load(platform, order_id).await.unwrap();
    let product = signet_core::desk::catalog::product(platform, &order.product_id)
        .await
        .unwrap();
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await.unwrap();
    orders::apply(
        platform,
        &mut tx,
        &order,
        &Change::new(Event::Approve, "user:reviewer", Note::Approved, now),
    )
    .await
    .unwrap();
    assert!(
        queue_issuance(&mut tx, now, order_id, &product)
            .await
            .unwrap()
    );
    tx
}

/// Writes the approval as the request does, and commits it, but does not run the job: what a
/// request killed right after its commit leaves behind.
async fn approve_without_running(platform: &Platform, order_id: &str) {
    write_approval(platform, order_id)
        .await
        .commit()
        .await
        .unwrap();
}

#[tokio::test]
async fn an_approval_rolled_back_leaves_no_issuance_job() {
    let desk = Desk::start().await;
    let platform = &desk.app.platform;
    let order_id = paid_awaiting_review(&desk, "13500001701").await;
    let version = desk.version(&order_id).await;

    write_approval(platform, &order_id)
        .await
        .rollback()
        .await
        .unwrap();

    assert!(
        queue::by_key(platform, &issue_key(&order_id))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(desk.version(&order_id).await, version);
    assert_eq!(desk.detail(&order_id).await["state"], "awaiting_review");
    desk.app.advance_clock(INLINE_GRACE_SECONDS + 1).await;
    jobs::drain(platform, &signet_core::job_handlers())
        .await
        .unwrap();
    assert_eq!(cloud_keys(platform, &order_id).await, 0);

    // The approval through the API writes the job and runs it before answering.
    let staff = desk.staff().await;
    let approved: Value = approve(&staff, &order_id).await;
    assert_eq!(approved["state"], "completed", "{approved}");
    assert_eq!(approved["certificates"].as_array().unwrap().len(), 1);
    let job = queue::by_key(platform, &issue_key(&order_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.status, Status::Done);
    assert_eq!(job.attempts, 1);
}

#[tokio::test]
async fn the_issuance_job_issues_once_after_a_killed_worker_and_when_run_twice() {
    let desk = Desk::start().await;
    let platform = &desk.app.platform;
    let order_id = paid_awaiting_review(&desk, "13500001702").await;
    let before = issued(platform).await;

    // The request died after its commit: approved, the certificate being issued.
    approve_without_running(platform, &order_id).await;
    let detail = desk.detail(&order_id).await;
    assert_eq!(detail["state"], "awaiting_production", "{detail}");
    assert_eq!(detail["certificates"].as_array().unwrap().len(), 0);
    // Within the grace the workers leave it to the request that wrote it (they send the
    // approval's notices, due now).
    let handlers = signet_core::job_handlers();
    jobs::drain(platform, &handlers).await.unwrap();
    let job = queue::by_key(platform, &issue_key(&order_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.status, Status::Queued);
    assert_eq!(job.attempts, 0);

    // A worker takes it and is killed before it issues anything: the job waits for its lease.
    desk.app.advance_clock(INLINE_GRACE_SECONDS + 1).await;
    let taken = queue::claim(platform, "killed-worker")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.idempotency_key, issue_key(&order_id));
    jobs::drain(platform, &handlers).await.unwrap();
    let job = queue::by_key(platform, &issue_key(&order_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.status, Status::Running);
    assert_eq!(job.locked_by.as_deref(), Some("killed-worker"));
    assert_eq!(cloud_keys(platform, &order_id).await, 0);
    // After the lease another worker runs it: one certificate.
    desk.app.advance_clock(queue::LEASE_SECONDS + 1).await;
    assert!(jobs::drain(platform, &handlers).await.unwrap() >= 1);
    let job = queue::by_key(platform, &issue_key(&order_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.status, Status::Done);
    assert_eq!(job.attempts, 2);
    assert_eq!(cloud_keys(platform, &order_id).await, 1);
    assert_eq!(issued(platform).await, before + 1);
    assert_eq!(desk.detail(&order_id).await["state"], "completed");

    // The job runs again (a worker killed after the effect, before marking it done): nothing new.
    sqlx::query("UPDATE jobs SET status = 'queued', run_at = 0 WHERE idempotency_key = $1")
        .bind(issue_key(&order_id))
        .execute(platform.db.pool())
        .await
        .unwrap();
    assert!(jobs::drain(platform, &handlers).await.unwrap() >= 1);
    issue_cloud(platform, &order_id).await.unwrap();
    let job = queue::by_key(platform, &issue_key(&order_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.status, Status::Done);
    assert_eq!(cloud_keys(platform, &order_id).await, 1);
    assert_eq!(issued(platform).await, before + 1);
    let detail = desk.detail(&order_id).await;
    let issued_notes = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["code"] == "cloud_issued")
        .count();
    assert_eq!(issued_notes, 1, "{detail}");
}

#[tokio::test]
async fn forty_approvals_at_once_make_one_job_and_one_certificate() {
    let desk = Desk::start().await;
    let platform = &desk.app.platform;
    let order_id = paid_awaiting_review(&desk, "13500001703").await;
    let before = issued(platform).await;
    let staff = desk.staff().await;

    let statuses = at_once(
        &staff,
        &format!("/api/v1/staff/orders/{order_id}/approve"),
        std::iter::repeat_n(json!({}), 40),
    )
    .await;
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    assert_eq!(
        count(
            platform,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'desk.issue' AND payload LIKE '%' || $1 || '%'",
            &order_id,
        )
        .await,
        1
    );
    // Whoever runs the job again afterwards changes nothing.
    desk.app.advance_clock(INLINE_GRACE_SECONDS + 1).await;
    jobs::drain(platform, &signet_core::job_handlers())
        .await
        .unwrap();
    issue_cloud(platform, &order_id).await.unwrap();
    assert_eq!(cloud_keys(platform, &order_id).await, 1);
    assert_eq!(issued(platform).await, before + 1);
    let detail = desk.detail(&order_id).await;
    assert_eq!(detail["state"], "completed", "{detail}");
    assert_eq!(detail["certificates"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_invoice_is_a_job_written_with_the_payment_and_made_once() {
    let desk = Desk::start().await;
    let platform = &desk.app.platform;
    let order = desk.create("zfgjj-personal-cloud").await;
    let id = order["id"].as_str().unwrap().to_owned();
    let mut form = personal_form(&desk, &order, "13500001704").await;
    form["invoice"] =
        json!({"wanted": true, "title": "钱个人", "email": "invoice-job@example.com"});
    assert_eq!(desk.save(&id, &form).await.status(), StatusCode::OK);
    desk.sign_and_submit(&id, &form, false).await;
    start_check(
        &desk,
        &id,
        json!({"party": "person", "method": "three_factor"}),
    )
    .await;
    assert!(
        queue::by_key(platform, &invoice_key(&id))
            .await
            .unwrap()
            .is_none()
    );
    let paid = desk.pay(&id).await;
    assert_eq!(paid["invoice_ready"], true, "{paid}");
    let job = queue::by_key(platform, &invoice_key(&id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.status, Status::Done);

    // Run again: still one invoice, one e-mail.
    sqlx::query("UPDATE jobs SET status = 'queued', run_at = 0 WHERE idempotency_key = $1")
        .bind(invoice_key(&id))
        .execute(platform.db.pool())
        .await
        .unwrap();
    assert!(
        jobs::drain(platform, &signet_core::job_handlers())
            .await
            .unwrap()
            >= 1
    );
    assert_eq!(
        count(
            platform,
            "SELECT COUNT(*) FROM desk_invoices WHERE order_id = $1",
            &id
        )
        .await,
        1
    );
    let inbox: Value = desk
        .app
        .get("/dev/inbox?to=invoice-job%40example.com")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox.as_array().unwrap().len(), 1, "{inbox}");
}
