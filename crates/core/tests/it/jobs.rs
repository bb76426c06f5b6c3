//! The job queue and the outbox on a real database: transactional enqueue, backoff and dead
//! letters, idempotency keys, leases, schedules shared by two nodes, and claims that never hand
//! one job to two workers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;
use signet_core::CoreError;
use signet_core::Platform;
use signet_core::platform::clock::Clock as _;
use signet_core::platform::jobs::queue::{self, BACKOFF_CAP_SECONDS, LEASE_SECONDS};
use signet_core::platform::jobs::worker::{self, Step};
use signet_core::platform::jobs::{
    Handler, NewJob, Registry, RunningJob, Schedule, Status, drain, enqueue, messages, schedules,
};

use crate::platform;

/// Counts its runs per job; fails while `failing` is set.
#[derive(Clone, Default)]
struct Probe {
    runs: Arc<Mutex<HashMap<String, usize>>>,
    failing: Arc<AtomicBool>,
}

impl Probe {
    fn total(&self) -> usize {
        self.runs.lock().unwrap().values().sum()
    }
}

#[async_trait::async_trait]
impl Handler for Probe {
    async fn run(&self, platform: &Platform, job: &RunningJob) -> Result<(), CoreError> {
        *self
            .runs
            .lock()
            .unwrap()
            .entry(job.job.id.clone())
            .or_default() += 1;
        job.progress(platform, 1, 1).await?;
        if self.failing.load(Ordering::SeqCst) {
            return Err(CoreError::internal("the probe was told to fail"));
        }
        Ok(())
    }
}

fn registry(probe: &Probe) -> Registry {
    signet_core::job_handlers().with("test.probe", probe.clone())
}

async fn put(p: &Platform, job: NewJob) -> bool {
    let mut tx = p.db.begin().await.unwrap();
    let new = enqueue(&mut tx, p.clock.now(), &job).await.unwrap();
    tx.commit().await.unwrap();
    new
}

fn probe_job(key: &str) -> NewJob {
    NewJob::new("test.probe", key, json!({"n": key}))
}

#[tokio::test]
async fn a_job_enqueued_in_a_rolled_back_transaction_never_runs() {
    let t = platform().await;
    let p = &t.platform;
    let probe = Probe::default();
    let mut tx = p.db.begin().await.unwrap();
    assert!(
        enqueue(&mut tx, p.clock.now(), &probe_job("rolled-back"))
            .await
            .unwrap()
    );
    tx.rollback().await.unwrap();
    assert_eq!(drain(p, &registry(&probe)).await.unwrap(), 0);
    assert_eq!(probe.total(), 0);
    assert!(queue::by_key(p, "rolled-back").await.unwrap().is_none());
    // The same key committed does run: the rollback, not the key, kept it out.
    assert!(put(p, probe_job("rolled-back")).await);
    assert_eq!(drain(p, &registry(&probe)).await.unwrap(), 1);
    assert_eq!(probe.total(), 1);
}

#[tokio::test]
async fn a_failing_job_backs_off_with_growing_capped_gaps_then_dead_letters_and_retry_revives_it() {
    let t = platform().await;
    let p = &t.platform;
    let probe = Probe::default();
    probe.failing.store(true, Ordering::SeqCst);
    let registry = registry(&probe);
    assert!(put(p, probe_job("failing").max_attempts(11)).await);
    let mut gaps = Vec::new();
    loop {
        // Nothing runs before the backoff ends …
        let ran = drain(p, &registry).await.unwrap();
        assert_eq!(ran, 1, "one attempt per due time");
        let job = queue::by_key(p, "failing").await.unwrap().unwrap();
        assert!(job.last_error.as_deref().unwrap().contains("told to fail"));
        if job.status == Status::Dead {
            assert_eq!(job.attempts, 11);
            break;
        }
        assert_eq!(job.status, Status::Queued);
        gaps.push(job.run_at - job.updated_at);
        assert_eq!(
            drain(p, &registry).await.unwrap(),
            0,
            "not due during the backoff"
        );
        // … and the moved clock reaches it without sleeping.
        p.clock.advance(job.run_at - p.clock.now());
    }
    assert_eq!(gaps.len(), 10);
    assert_eq!(gaps[0], 10);
    for pair in gaps.windows(2) {
        assert!(
            pair[1] == pair[0] * 2 || pair[1] == BACKOFF_CAP_SECONDS,
            "gaps double up to the cap: {gaps:?}"
        );
    }
    assert_eq!(*gaps.last().unwrap(), BACKOFF_CAP_SECONDS, "{gaps:?}");
    assert_eq!(probe.total(), 11);

    // Dead jobs are what staff list; a retry brings one back with fresh attempts.
    let dead = queue::list(p, Some(Status::Dead), None, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    probe.failing.store(false, Ordering::SeqCst);
    let again = queue::retry(p, &dead[0].id).await.unwrap();
    assert_eq!((again.status, again.attempts), (Status::Queued, 0));
    assert_eq!(drain(p, &registry).await.unwrap(), 1);
    let done = queue::get(p, &dead[0].id).await.unwrap();
    assert_eq!(
        (done.status, done.progress_done, done.progress_total),
        (Status::Done, 1, 1)
    );
    // Only dead jobs can be retried.
    let refused = queue::retry(p, &dead[0].id).await.unwrap_err();
    assert_eq!(refused.code(), "invalid_field");
}

#[tokio::test]
async fn enqueueing_the_same_key_twice_makes_one_job() {
    let t = platform().await;
    let p = &t.platform;
    assert!(put(p, probe_job("once")).await);
    assert!(!put(p, NewJob::new("test.probe", "once", json!({"other": true}))).await);
    let jobs = queue::list(p, None, Some("test.probe"), 10).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        jobs[0].payload,
        json!({"n": "once"}),
        "the first job stands"
    );
    let probe = Probe::default();
    assert_eq!(drain(p, &registry(&probe)).await.unwrap(), 1);
    // Done, the key still names the one job: a late repeat does not run the effect again.
    assert!(!put(p, probe_job("once")).await);
    assert_eq!(drain(p, &registry(&probe)).await.unwrap(), 0);
    assert_eq!(probe.total(), 1);
}

#[tokio::test]
async fn an_outbox_message_run_twice_is_delivered_once_and_sealed_at_rest() {
    let t = platform().await;
    let p = &t.platform;
    let mut tx = p.db.begin().await.unwrap();
    messages::sms(
        p,
        &mut tx,
        "test.sms:1",
        "13900000042",
        "【Signet】hello outbox",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let job = queue::by_key(p, "test.sms:1").await.unwrap().unwrap();
    assert!(
        !job.payload.to_string().contains("13900000042"),
        "phone sealed"
    );
    let inbox = p.sandbox.as_ref().unwrap();
    assert!(
        inbox
            .list(Some("13900000042"), 10)
            .await
            .unwrap()
            .is_empty(),
        "nothing before a worker runs it"
    );
    let handlers = signet_core::job_handlers();
    assert_eq!(drain(p, &handlers).await.unwrap(), 1);
    assert_eq!(inbox.list(Some("13900000042"), 10).await.unwrap().len(), 1);
    // A worker killed after the send and before `done` leaves the job to be taken again.
    sqlx::query("UPDATE jobs SET status = 'queued', finished_at = NULL WHERE id = $1")
        .bind(&job.id)
        .execute(p.db.pool())
        .await
        .unwrap();
    assert_eq!(drain(p, &handlers).await.unwrap(), 1);
    assert_eq!(queue::get(p, &job.id).await.unwrap().status, Status::Done);
    let sent = inbox.list(Some("13900000042"), 10).await.unwrap();
    assert_eq!(sent.len(), 1, "the second run delivered nothing new");
    assert_eq!(sent[0].body, "【Signet】hello outbox");
}

#[tokio::test]
async fn a_job_whose_worker_died_is_taken_again_after_its_lease() {
    let t = platform().await;
    let p = &t.platform;
    let probe = Probe::default();
    let registry = registry(&probe);
    assert!(put(p, probe_job("leased")).await);
    // A worker takes it and dies (never completes).
    let taken = queue::claim(p, "dead-worker").await.unwrap().unwrap();
    assert_eq!((taken.status, taken.attempts), (Status::Running, 1));
    assert_eq!(drain(p, &registry).await.unwrap(), 0, "the lease holds");
    p.clock.advance(LEASE_SECONDS + 1);
    assert_eq!(drain(p, &registry).await.unwrap(), 1);
    let job = queue::get(p, &taken.id).await.unwrap();
    assert_eq!((job.status, job.attempts), (Status::Done, 2));
    // The dead worker's late word changes nothing.
    assert!(!queue::complete(p, &taken.id, "dead-worker").await.unwrap());
    assert_eq!(probe.total(), 1);
}

/// A second platform ("node") on the same database as `t`.
async fn second_node(t: &crate::TestPlatform) -> Platform {
    Platform::open(&t.config).await.unwrap()
}

#[tokio::test]
async fn two_nodes_run_a_recurring_schedule_once_per_period() {
    let t = platform().await;
    let a = &t.platform;
    let b = second_node(&t).await;
    let every = Schedule {
        name: "test.every_hour",
        kind: "test.probe",
        every_seconds: 3600,
    };
    schedules::ensure(a, &[every]).await.unwrap();
    schedules::ensure(&b, &[every]).await.unwrap();
    let mut claimed = 0;
    for _ in 0..10 {
        let (on_a, on_b) = tokio::join!(schedules::tick(a), schedules::tick(&b));
        claimed += on_a.unwrap() + on_b.unwrap();
    }
    assert_eq!(claimed, 1);
    // Each node has its own movable clock: move both into the next period.
    a.clock.advance(3600);
    b.clock.advance(3600);
    for _ in 0..10 {
        let (on_a, on_b) = tokio::join!(schedules::tick(a), schedules::tick(&b));
        claimed += on_a.unwrap() + on_b.unwrap();
    }
    assert_eq!(claimed, 2);
    // A node back after five missed periods runs one catch-up, not five.
    a.clock.advance(5 * 3600);
    assert_eq!(schedules::tick(a).await.unwrap(), 1);
    assert_eq!(schedules::tick(a).await.unwrap(), 0);
    let jobs = queue::list(a, None, Some("test.probe"), 100).await.unwrap();
    assert_eq!(jobs.len(), 3);
    b.db.close().await;
}

#[tokio::test]
async fn workers_on_two_nodes_share_the_queue_and_never_run_a_job_twice() {
    let t = platform().await;
    let a = &t.platform;
    let b = second_node(&t).await;
    let probe = Probe::default();
    let registry = registry(&probe);
    let mut tx = a.db.begin().await.unwrap();
    for n in 0..40 {
        let job = probe_job(&format!("shared:{n}"));
        assert!(enqueue(&mut tx, a.clock.now(), &job).await.unwrap());
    }
    tx.commit().await.unwrap();
    // Eight workers, four per node, all claiming at once.
    let ran_by = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
    let mut tasks = Vec::new();
    for n in 0..8 {
        let node = if n % 2 == 0 { a } else { &b };
        let registry = registry.clone();
        let ran_by = ran_by.clone();
        tasks.push(async move {
            let name = worker::worker_name(&format!("w{n}"));
            loop {
                match worker::run_one(node, &registry, &name).await.unwrap() {
                    Step::Idle => break,
                    Step::Ran { status, .. } => {
                        assert_eq!(status, Status::Done);
                        *ran_by.lock().unwrap().entry(name.clone()).or_default() += 1;
                    }
                }
            }
        });
    }
    futures_join_all(tasks).await;
    assert_eq!(probe.total(), 40);
    assert!(
        probe.runs.lock().unwrap().values().all(|&n| n == 1),
        "no job ran twice"
    );
    assert_eq!(ran_by.lock().unwrap().values().sum::<usize>(), 40);
    let done = queue::list(a, Some(Status::Done), None, 100).await.unwrap();
    assert_eq!(done.len(), 40);
    b.db.close().await;
}

/// Runs futures concurrently on this task (no extra dependency for `join_all`).
async fn futures_join_all<F: std::future::Future<Output = ()>>(tasks: Vec<F>) {
    let mut pinned: Vec<_> = tasks.into_iter().map(Box::pin).collect();
    std::future::poll_fn(move |cx| {
        pinned.retain_mut(|f| std::future::Future::poll(f.as_mut(), cx).is_pending());
        if pinned.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}

#[tokio::test]
async fn an_unknown_kind_fails_like_an_error_and_status_words_are_checked() {
    let t = platform().await;
    let p = &t.platform;
    assert!(
        put(
            p,
            NewJob::new("test.nobody", "nobody", json!({})).max_attempts(1)
        )
        .await
    );
    assert_eq!(drain(p, &Registry::new()).await.unwrap(), 1);
    let job = queue::by_key(p, "nobody").await.unwrap().unwrap();
    assert_eq!(job.status, Status::Dead);
    assert!(job.last_error.unwrap().contains("no handler"));
    assert_eq!(Status::parse("gone").unwrap_err().code(), "invalid_field");
}
