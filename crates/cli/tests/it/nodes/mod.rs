//! Two `signet serve` processes on one PostgreSQL and one S3 bucket (issue 16, "Several nodes"):
//! a session opened on one node continues on the other; a bulk task launched on one is signed on
//! the other; the report and deadline jobs run once between them; and the node running a bulk
//! launch, killed with SIGKILL midway, leaves it to the other, which finishes it with every row
//! launched once and the quota spent once per row.
//!
//! It needs PostgreSQL (`SIGNET_TEST_DATABASE_URL`) and a bucket (`SIGNET_TEST_S3_URL`): on
//! SQLite it is skipped, saying so (the PostgreSQL pass of `cargo xtask test` runs it, and
//! `cargo xtask test` fails under `CI=true` without PostgreSQL); without a bucket it is skipped,
//! or fails under `CI=true`.

use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;

use serde_json::Value;
use signet_core::Platform;
use signet_core::platform::PlatformConfig;
use signet_core::platform::clock::Clock as _;
use signet_core::platform::jobs::{Status, queue};
use signet_core::testing::{backend_name, fresh_database_url, s3_blob_url};
use sqlx::Row as _;

use self::contracts::{
    ADMIN_LOGIN, ADMIN_PHONE, DEMO_PASSWORD, MEMBER_LOGIN, MEMBER_PHONE, demo_enterprise,
    launch_batch, launch_with_deadline, publish_template, upload_batch, workbook,
};
use self::node::{Node, Shared};
use self::web::Web;
use crate::text;

mod contracts;
mod node;
mod web;

/// Rows of the launch that is cut: three chunks of the job (200 rows each), so that the kill
/// after the first leaves two to the other node.
const BULK_ROWS: usize = 600;
/// The contracts `signet init --demo` grants the demo enterprise.
const DEMO_QUOTA: i64 = 1000;

/// The database and the bucket, or `None` (and why, printed) when this run has not got them.
async fn shared_services() -> Option<Shared> {
    if backend_name() != "postgres" {
        eprintln!(
            "SKIPPED the two-node test: it needs PostgreSQL (SIGNET_TEST_DATABASE_URL); the PostgreSQL pass of `cargo xtask test` runs it"
        );
        return None;
    }
    let Some(blob_url) = s3_blob_url() else {
        eprintln!("SKIPPED the two-node test: it needs an S3 bucket (SIGNET_TEST_S3_URL)");
        return None;
    };
    let database_url = fresh_database_url()
        .await
        .unwrap_or_else(|| panic!("no database could be created on SIGNET_TEST_DATABASE_URL"));
    Some(Shared {
        database_url,
        blob_url,
    })
}

/// Waits (real time: the nodes run on their own) until `check` gives a value.
async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = std::time::Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn count(platform: &Platform, sql: &str, bind: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(bind)
        .fetch_one(platform.db.pool())
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

/// The batch once its launch is done, read through `node`.
async fn batch_done(admin: &Web, node: &Node, batch: &str, limit: Duration) -> Value {
    eventually(&format!("batch {batch} to be launched"), limit, || async {
        let view = admin
            .get_ok(node, &format!("/api/v1/bulk-launches/{batch}"))
            .await;
        (view["state"] == "done").then_some(view)
    })
    .await
}

/// The process id in a job's `locked_by` (`label:pid:suffix`).
fn pid_of(locked_by: &str) -> u32 {
    locked_by
        .split(':')
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("locked_by {locked_by}"))
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario across two processes, read top to bottom"
)]
async fn two_nodes_share_sessions_tasks_and_jobs_and_finish_a_launch_cut_by_kill_9() {
    let Some(shared) = shared_services().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (data_a, data_b) = (dir.path().join("a"), dir.path().join("b"));
    let init = shared
        .command(&data_a, &["init", "--demo"])
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", text(&init));
    // Node B has a data directory of its own; all it needs of A's is the master key (given in
    // the environment, as a secret manager would).
    let master_key = std::fs::read_to_string(data_a.join("secrets").join("master.key")).unwrap();
    let mut a = Node::start("A", &shared, &data_a, None).await;
    let mut b = Node::start("B", &shared, &data_b, Some(master_key.trim())).await;
    assert!(
        !data_b.join("secrets").exists(),
        "node B made a master key of its own"
    );
    let platform = Platform::open(&PlatformConfig {
        data_dir: data_a.clone(),
        database_url: Some(shared.database_url.clone()),
        sandbox: true,
        secret_key: None,
        blobs: None,
        ca_token: None,
    })
    .await
    .unwrap();

    // A session opened on A is the same session on B.
    let mut admin = Web::new();
    admin.login(&a, ADMIN_LOGIN, DEMO_PASSWORD).await;
    let me = admin.get_ok(&b, "/api/v1/me").await;
    assert_eq!(me["login_name"], ADMIN_LOGIN, "{me}");

    // A template made going back and forth; a bulk task launched on A, signed on B.
    let e = demo_enterprise(&admin, &b).await;
    let template = publish_template(&admin, &a, &b, &e).await;
    let small = upload_batch(&admin, &a, &e, &template, workbook("两节点", 3)).await;
    let small = small["id"].as_str().unwrap().to_owned();
    launch_batch(&admin, &a, &small).await;
    let done = batch_done(&admin, &b, &small, Duration::from_mins(1)).await;
    assert_eq!(done["launched"], 3, "{done}");
    let task = done["rows"][0]["task_id"].as_str().unwrap().to_owned();
    let mut member = Web::new();
    member.login(&b, MEMBER_LOGIN, DEMO_PASSWORD).await;
    let signed = member.sign(&b, &task, MEMBER_PHONE).await;
    assert_eq!(
        signed["state"], "launched",
        "the enterprise's turn: {signed}"
    );
    let completed = admin.sign(&a, &task, ADMIN_PHONE).await;
    assert_eq!(completed["state"], "completed", "{completed}");
    // Signing out on B ends the session on A too.
    web::expect(
        member
            .post(&b, "/api/v1/logout", &serde_json::json!({}))
            .await,
        reqwest::StatusCode::NO_CONTENT,
    )
    .await;
    web::expect(
        member.get(&a, "/api/v1/me").await,
        reqwest::StatusCode::UNAUTHORIZED,
    )
    .await;

    // Its report reaches the regulator once, whichever node's worker sent it.
    let report = eventually(
        "the report to be 已上报",
        Duration::from_mins(1),
        || async {
            let view = admin.get_ok(&b, &format!("/api/v1/tasks/{task}")).await;
            let reports = view["regulator"].as_array().cloned().unwrap_or_default();
            reports.into_iter().find(|r| r["state"] == "reported")
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    for node in [&a, &b] {
        let received = admin.get_ok(node, "/dev/regulator").await;
        let ours: Vec<&Value> = received
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["subject_id"] == task.as_str())
            .collect();
        assert_eq!(ours.len(), 1, "{received}");
        assert_eq!(ours[0]["idempotency_key"], report["id"], "{received}");
        assert_eq!(ours[0]["deliveries"], 1, "delivered once: {received}");
        assert_eq!(ours[0]["receipt_id"], report["receipt_id"], "{received}");
    }
    let reports = queue::list(
        &platform,
        None,
        Some(signet_core::contracts::regulator::JOB_KIND),
        10,
    )
    .await
    .unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!((reports[0].status, reports[0].attempts), (Status::Done, 1));

    // A deadline passes on both nodes' clocks: the task is voided once, its initiator told once.
    let expiring = launch_with_deadline(&admin, &b, &e, platform.clock.now() + 120).await;
    let mut staff = Web::new();
    staff.login(&a, "staff", "Staff@2026").await;
    staff.advance_clock(&a, 300).await;
    staff.advance_clock(&b, 300).await;
    eventually("the deadline job", Duration::from_mins(1), || async {
        let view = admin.get_ok(&a, &format!("/api/v1/tasks/{expiring}")).await;
        (view["state"] == "void").then_some(view)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let view = admin.get_ok(&b, &format!("/api/v1/tasks/{expiring}")).await;
    assert_eq!(view["void_reason"], "expired", "{view}");
    assert_eq!(
        count(
            &platform,
            "SELECT COUNT(*) FROM ec_task_events WHERE task_id = $1 AND kind = 'expired'",
            &expiring,
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &platform,
            "SELECT COUNT(*) FROM jobs WHERE idempotency_key LIKE $1",
            &format!("%{expiring}:expired%"),
        )
        .await,
        1,
        "one SMS to the initiator"
    );
    assert_eq!(
        count(
            &platform,
            "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND attempts > 1",
            signet_core::contracts::tasks::EXPIRE,
        )
        .await,
        0,
        "no deadline run ran twice"
    );

    // The launch of many rows; the node running it is killed after its first chunk.
    let big = upload_batch(&admin, &b, &e, &template, workbook("断电", BULK_ROWS)).await;
    let big = big["id"].as_str().unwrap().to_owned();
    // Launched on A, whose workers the launch wakes at once: A runs it (most likely; the test
    // kills whichever node does).
    launch_batch(&admin, &a, &big).await;
    let key = format!("{}:{big}", signet_core::contracts::bulk::BULK_LAUNCH);
    let running = eventually(
        "the launch to be midway",
        Duration::from_mins(2),
        || async {
            let job = queue::by_key(&platform, &key).await.unwrap()?;
            assert_ne!(
                job.status,
                Status::Done,
                "the launch finished before it could be cut: more rows are needed"
            );
            (job.status == Status::Running && job.progress_done > 0).then_some(job)
        },
    )
    .await;
    let holder = pid_of(running.locked_by.as_deref().unwrap());
    let a_ran_it = holder == a.pid();
    if a_ran_it {
        a.kill9();
    } else {
        assert_eq!(holder, b.pid(), "{running:?}");
        b.kill9();
    }
    let survivor = if a_ran_it { &b } else { &a };
    let cut = queue::get(&platform, &running.id).await.unwrap();
    assert_eq!(
        (cut.status, cut.attempts),
        (Status::Running, 1),
        "left running by the dead node"
    );
    let launched_at_kill = count(
        &platform,
        "SELECT launched FROM ec_bulk_batches WHERE id = $1",
        &big,
    )
    .await;
    let at_kill = usize::try_from(launched_at_kill).unwrap();
    assert!(
        0 < at_kill && at_kill < BULK_ROWS,
        "cut midway: {launched_at_kill} launched"
    );
    eprintln!(
        "node {} killed with {launched_at_kill} of {BULK_ROWS} rows launched",
        if a_ran_it { "A" } else { "B" }
    );

    // Once the dead node's lease has run out on the survivor's clock, it takes the job over.
    let taken_over = std::time::Instant::now();
    staff
        .advance_clock(survivor, queue::LEASE_SECONDS + 1)
        .await;
    let finished = batch_done(&admin, survivor, &big, Duration::from_mins(2)).await;
    eprintln!(
        "the other node launched the remaining {} rows in {:.1} s",
        BULK_ROWS - at_kill,
        taken_over.elapsed().as_secs_f64()
    );
    assert_eq!(finished["launched"], BULK_ROWS, "{}", finished["job"]);
    assert_eq!(finished["failed"], 0, "{}", finished["job"]);
    let job = queue::get(&platform, &running.id).await.unwrap();
    assert_eq!((job.status, job.attempts), (Status::Done, 2), "{job:?}");
    assert_eq!(pid_of(job.locked_by.as_deref().unwrap()), survivor.pid());
    let rows = finished["rows"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["state"] == "launched"), "{finished}");
    let tasks: BTreeSet<&str> = rows
        .iter()
        .map(|r| r["task_id"].as_str().unwrap())
        .collect();
    assert_eq!(tasks.len(), BULK_ROWS);

    // Nothing launched twice, nothing lost, each contract spent once.
    let titles = sqlx::query(
        "SELECT COUNT(*) AS n, COUNT(DISTINCT title) AS distinct_titles FROM ec_tasks \
         WHERE enterprise_id = $1 AND title LIKE '劳动合同（断电%'",
    )
    .bind(&e.id)
    .fetch_one(platform.db.pool())
    .await
    .unwrap();
    let expected = i64::try_from(BULK_ROWS).unwrap();
    assert_eq!(titles.try_get::<i64, _>("n").unwrap(), expected);
    assert_eq!(
        titles.try_get::<i64, _>("distinct_titles").unwrap(),
        expected
    );
    assert_eq!(
        count(
            &platform,
            "SELECT COUNT(*) FROM ec_quota_ledger WHERE reason = 'launch' AND task_id IN \
             (SELECT task_id FROM ec_bulk_rows WHERE batch_id = $1)",
            &big,
        )
        .await,
        expected
    );
    assert_eq!(
        count(
            &platform,
            "SELECT COUNT(*) FROM ec_quota_ledger l WHERE l.enterprise_id = $1 AND l.reason = 'launch' \
             AND NOT EXISTS (SELECT 1 FROM ec_tasks t WHERE t.id = l.task_id)",
            &e.id,
        )
        .await,
        0,
        "a contract spent for a task that does not exist"
    );
    assert_eq!(
        count(
            &platform,
            "SELECT COUNT(*) FROM ec_tasks t WHERE t.enterprise_id = $1 AND (SELECT COUNT(*) \
             FROM ec_quota_ledger l WHERE l.task_id = t.id AND l.reason = 'launch') <> 1",
            &e.id,
        )
        .await,
        0,
        "a task that did not spend exactly one contract"
    );
    let tasks_in_all = count(
        &platform,
        "SELECT COUNT(*) FROM ec_tasks WHERE enterprise_id = $1",
        &e.id,
    )
    .await;
    assert_eq!(
        tasks_in_all,
        expected + 4,
        "the bulk rows, three more and one"
    );
    let billing = admin
        .get_ok(survivor, &format!("/api/v1/enterprises/{}/billing", e.id))
        .await;
    assert_eq!(billing["balance"], DEMO_QUOTA - tasks_in_all, "{billing}");

    // Both nodes ran jobs, and the audit chain they wrote together verifies from each data
    // directory.
    let pids: BTreeSet<u32> = sqlx::query(
        "SELECT DISTINCT locked_by FROM jobs WHERE status = 'done' AND locked_by IS NOT NULL",
    )
    .fetch_all(platform.db.pool())
    .await
    .unwrap()
    .iter()
    .map(|row| pid_of(&row.try_get::<String, _>("locked_by").unwrap()))
    .collect();
    assert!(
        pids.contains(&a.pid()) && pids.contains(&b.pid()),
        "jobs ran on {pids:?}; nodes {} and {}",
        a.pid(),
        b.pid()
    );
    platform.db.close().await;
    for (data, key) in [(&data_a, None), (&data_b, Some(master_key.trim()))] {
        let mut command = shared.command(data, &["audit", "verify"]);
        if let Some(key) = key {
            command.env("SIGNET_SECRET_KEY", key);
        }
        let verify = command.output().unwrap();
        assert!(verify.status.success(), "{}", text(&verify));
    }
}
