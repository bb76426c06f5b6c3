//! Workers: take a due job, run the handler registered for its kind, and record done, retry or
//! dead. The server runs a few as tasks; tests call `drain` to run everything due, then look.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Notify;

use super::queue::{self, Job, Status};
use crate::Platform;
use crate::error::CoreError;

/// Something that carries out one kind of job. It must be idempotent: a job can run twice (its
/// worker was killed after the effect and before `done`), so it keys its effect by
/// `job.idempotency_key` (a delivery key at the provider, a row written under the key, a
/// guarded state change).
#[async_trait]
pub trait Handler: Send + Sync {
    async fn run(&self, platform: &Platform, job: &RunningJob) -> Result<(), CoreError>;
}

/// The job a handler runs, and the worker that holds it (to report progress).
pub struct RunningJob {
    pub job: Job,
    worker: String,
}

impl RunningJob {
    pub fn key(&self) -> &str {
        &self.job.idempotency_key
    }

    pub fn payload(&self) -> &serde_json::Value {
        &self.job.payload
    }

    /// The name of the worker running it.
    pub fn worker(&self) -> &str {
        &self.worker
    }

    /// Reports `done` of `total` steps; the API shows it, and it extends the lease.
    pub async fn progress(
        &self,
        platform: &Platform,
        done: i64,
        total: i64,
    ) -> Result<(), CoreError> {
        queue::progress(platform, &self.job.id, &self.worker, done, total).await
    }
}

/// The handlers by kind. Each wing adds its own kinds; the queue knows none of them.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Arc<dyn Handler>>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    #[must_use]
    pub fn with(mut self, kind: &str, handler: impl Handler + 'static) -> Self {
        self.handlers.insert(kind.to_owned(), Arc::new(handler));
        self
    }

    pub fn kinds(&self) -> Vec<&str> {
        let mut kinds: Vec<&str> = self.handlers.keys().map(String::as_str).collect();
        kinds.sort_unstable();
        kinds
    }
}

/// Wakes idle workers of this process when a job is written (they still check the database, so
/// a wake before the enqueueing transaction commits only costs a look).
static WAKE: Notify = Notify::const_new();

pub(super) fn wake() {
    WAKE.notify_waiters();
}

/// A name for a worker, unique across processes and nodes.
pub fn worker_name(label: &str) -> String {
    format!(
        "{label}:{}:{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// What one step of a worker did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Nothing was due.
    Idle,
    /// A job ran; its new status.
    Ran { id: String, status: Status },
}

/// Takes one due job and runs it. An unknown kind or a handler error counts as a failed attempt.
pub async fn run_one(
    platform: &Platform,
    registry: &Registry,
    worker: &str,
) -> Result<Step, CoreError> {
    if !queue::any_due(
        &platform.db,
        crate::platform::clock::Clock::now(&*platform.clock),
    )
    .await?
    {
        return Ok(Step::Idle);
    }
    let Some(job) = queue::claim(platform, worker).await? else {
        return Ok(Step::Idle);
    };
    run_claimed(platform, registry, worker, job).await
}

/// Runs, in the caller, the queued job written under `key` (the request that enqueued it, right
/// after its commit), as a worker would: done, or a failed attempt that a worker retries after
/// the backoff. `None` when the job is not queued (a worker took it, or it ran already).
pub async fn run_key(
    platform: &Platform,
    registry: &Registry,
    key: &str,
) -> Result<Option<Status>, CoreError> {
    let worker = worker_name("inline");
    let Some(job) = queue::claim_key(platform, key, &worker).await? else {
        return Ok(None);
    };
    match run_claimed(platform, registry, &worker, job).await? {
        Step::Ran { status, .. } => Ok(Some(status)),
        Step::Idle => Ok(None),
    }
}

/// Runs a job `worker` has claimed and records its outcome.
async fn run_claimed(
    platform: &Platform,
    registry: &Registry,
    worker: &str,
    job: Job,
) -> Result<Step, CoreError> {
    let id = job.id.clone();
    if job.attempts > job.max_attempts {
        // Its lease ran out on every attempt (workers dying under it): stop taking it.
        let status =
            queue::fail(platform, &job, worker, "lease expired on the last attempt").await?;
        return Ok(Step::Ran { id, status });
    }
    let outcome = match registry.handlers.get(&job.kind) {
        Some(handler) => {
            let running = RunningJob {
                job: job.clone(),
                worker: worker.to_owned(),
            };
            handler.run(platform, &running).await
        }
        None => Err(CoreError::internal(format!(
            "no handler for job kind {}",
            job.kind
        ))),
    };
    let status = match outcome {
        Ok(()) => {
            queue::complete(platform, &job.id, worker).await?;
            Status::Done
        }
        Err(error) => {
            let status = queue::fail(platform, &job, worker, &error.to_string()).await?;
            tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, %error, status = status.as_str(), "job failed");
            status
        }
    };
    Ok(Step::Ran { id, status })
}

/// Runs due jobs until none is left (failed ones wait for their backoff, so this ends) and
/// returns how many ran. What tests and the sandbox inbox call to see the outbox delivered.
pub async fn drain(platform: &Platform, registry: &Registry) -> Result<usize, CoreError> {
    let worker = worker_name("drain");
    let mut ran = 0;
    while let Step::Ran { .. } = run_one(platform, registry, &worker).await? {
        ran += 1;
    }
    Ok(ran)
}

/// Settings of the in-process workers.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// How many jobs this process runs at once.
    pub workers: usize,
    /// How often an idle worker looks for due jobs (other nodes' jobs, backoffs ending).
    pub poll: Duration,
    /// How often this process looks for due recurring schedules.
    pub schedule_poll: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            workers: 2,
            poll: Duration::from_millis(500),
            schedule_poll: Duration::from_secs(1),
        }
    }
}

/// Starts the workers and the schedule ticker as tasks of the current runtime. They run until
/// the process ends (a job cut off by the end is taken again after its lease).
pub fn start(
    platform: Arc<Platform>,
    registry: Registry,
    config: &WorkerConfig,
) -> Vec<tokio::task::JoinHandle<()>> {
    let registry = Arc::new(registry);
    let mut tasks = Vec::new();
    for n in 0..config.workers.max(1) {
        let platform = platform.clone();
        let registry = registry.clone();
        let poll = config.poll;
        tasks.push(tokio::spawn(async move {
            let name = worker_name(&format!("worker{n}"));
            loop {
                match run_one(&platform, &registry, &name).await {
                    Ok(Step::Ran { .. }) => continue,
                    Ok(Step::Idle) => {}
                    Err(error) => tracing::warn!(%error, "job worker"),
                }
                tokio::select! {
                    () = WAKE.notified() => {
                        // Let the enqueueing transaction commit before looking.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    () = tokio::time::sleep(poll) => {}
                }
            }
        }));
    }
    let poll = config.schedule_poll;
    tasks.push(tokio::spawn(async move {
        loop {
            if let Err(error) = super::schedules::tick(&platform).await {
                tracing::warn!(%error, "job schedules");
            }
            tokio::time::sleep(poll).await;
        }
    }));
    tasks
}
