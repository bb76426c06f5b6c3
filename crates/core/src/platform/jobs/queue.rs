//! The `jobs` table: enqueueing in the caller's transaction, claiming under a lease, finishing,
//! retrying with backoff, dead letters, progress and the listings staff and operators read.

use serde::Serialize;
use sqlx::Row as _;

use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::db::{Backend, Db, Tx};

/// How long a worker holds a job before another may take it (a worker killed mid-job loses its
/// lease after this; long handlers extend it by reporting progress).
pub const LEASE_SECONDS: i64 = 120;
/// The first retry waits this long; each later one twice as long as the one before …
pub const BACKOFF_BASE_SECONDS: i64 = 10;
/// … up to this cap.
pub const BACKOFF_CAP_SECONDS: i64 = 3600;
/// Attempts before a job is dead-lettered, unless the job says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Status {
    Queued,
    Running,
    Done,
    Dead,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }

    /// Parses `queued`, `running`, `done` or `dead`.
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        match text {
            "queued" => Ok(Self::Queued),
            "running" => Ok(Self::Running),
            "done" => Ok(Self::Done),
            "dead" => Ok(Self::Dead),
            _ => Err(PlatformError::Invalid {
                field: "status",
                zh: "状态应为 queued、running、done 或 dead",
                en: "The status must be queued, running, done or dead",
            }
            .into()),
        }
    }
}

/// A job to write: what to do (`kind` names a registered handler), with what, under which key.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub key: String,
    pub payload: serde_json::Value,
    pub run_at: Option<Timestamp>,
    pub max_attempts: i64,
    pub owner_id: Option<String>,
}

impl NewJob {
    /// A job of `kind` that runs as soon as a worker is free. The key must name the effect
    /// (e.g. `desk.refund:<payment id>`): the same key twice is one job.
    pub fn new(kind: &str, key: impl Into<String>, payload: serde_json::Value) -> Self {
        Self {
            kind: kind.to_owned(),
            key: key.into(),
            payload,
            run_at: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            owner_id: None,
        }
    }

    #[must_use]
    pub fn at(mut self, run_at: Timestamp) -> Self {
        self.run_at = Some(run_at);
        self
    }

    #[must_use]
    pub fn max_attempts(mut self, attempts: i64) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    #[must_use]
    pub fn owner(mut self, user_id: &str) -> Self {
        self.owner_id = Some(user_id.to_owned());
        self
    }
}

/// A job as stored.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub idempotency_key: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    pub status: Status,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: Timestamp,
    pub locked_by: Option<String>,
    pub locked_until: Option<Timestamp>,
    pub last_error: Option<String>,
    pub progress_done: i64,
    pub progress_total: i64,
    pub owner_id: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

const COLUMNS: &str = "id, kind, idempotency_key, payload, status, attempts, max_attempts, run_at, \
     locked_by, locked_until, last_error, progress_done, progress_total, owner_id, created_at, \
     updated_at, finished_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Job, CoreError> {
    let payload: String = row.try_get("payload")?;
    Ok(Job {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        idempotency_key: row.try_get("idempotency_key")?,
        payload: serde_json::from_str(&payload)
            .map_err(|e| CoreError::internal(format!("job payload: {e}")))?,
        status: Status::parse(&row.try_get::<String, _>("status")?)?,
        attempts: row.try_get("attempts")?,
        max_attempts: row.try_get("max_attempts")?,
        run_at: row.try_get("run_at")?,
        locked_by: row.try_get("locked_by")?,
        locked_until: row.try_get("locked_until")?,
        last_error: row.try_get("last_error")?,
        progress_done: row.try_get("progress_done")?,
        progress_total: row.try_get("progress_total")?,
        owner_id: row.try_get("owner_id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

/// Writes a job in the caller's transaction: it exists if and only if the transaction commits.
/// Returns `true` when the job is new, `false` when a job with the same key already exists (the
/// earlier one stands, whatever its state).
pub async fn enqueue(tx: &mut Tx, now: Timestamp, job: &NewJob) -> Result<bool, CoreError> {
    let payload = serde_json::to_string(&job.payload)
        .map_err(|e| CoreError::internal(format!("job payload: {e}")))?;
    // `ON CONFLICT DO NOTHING` (SQLite and PostgreSQL alike) keeps a concurrent twin from
    // failing the caller's transaction.
    let written = sqlx::query(
        "INSERT INTO jobs (id, kind, idempotency_key, payload, status, attempts, max_attempts, \
         run_at, owner_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7, $8, $8) \
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(&job.kind)
    .bind(&job.key)
    .bind(payload)
    .bind(job.max_attempts)
    .bind(job.run_at.unwrap_or(now))
    .bind(job.owner_id.as_deref())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    super::worker::wake();
    Ok(written.rows_affected() == 1)
}

/// Whether some job is due (a cheap read before a claim takes SQLite's write lock).
pub async fn any_due(db: &Db, now: Timestamp) -> Result<bool, CoreError> {
    Ok(sqlx::query(
        "SELECT 1 AS due FROM jobs WHERE (status = 'queued' AND run_at <= $1) \
         OR (status = 'running' AND locked_until < $1) LIMIT 1",
    )
    .bind(now)
    .fetch_optional(db.pool())
    .await?
    .is_some())
}

/// Takes the next due job (queued and due, or running with an expired lease) for `worker`, and
/// counts the attempt. PostgreSQL skips rows other workers hold (`FOR UPDATE SKIP LOCKED`);
/// SQLite's single writer (`BEGIN IMMEDIATE`) serialises claims.
pub async fn claim(platform: &Platform, worker: &str) -> Result<Option<Job>, CoreError> {
    let now = platform.clock.now();
    let lock = match platform.db.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, \
         attempts = attempts + 1, updated_at = $3 \
         WHERE id = (SELECT id FROM jobs WHERE (status = 'queued' AND run_at <= $3) \
         OR (status = 'running' AND locked_until < $3) ORDER BY run_at, created_at LIMIT 1{lock}) \
         RETURNING {COLUMNS}"
    );
    let mut tx = platform.db.begin().await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(worker)
        .bind(now + LEASE_SECONDS)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    row.as_ref().map(from_row).transpose()
}

/// Takes the queued job written under `key` for `worker` whatever its `run_at`, and counts the
/// attempt: the request that wrote a job runs it at once ([`super::worker::run_key`]), while the
/// job's later `run_at` keeps the workers off it unless that request dies first. `None` when the
/// job is not queued (another worker holds it, or it ran).
pub async fn claim_key(
    platform: &Platform,
    key: &str,
    worker: &str,
) -> Result<Option<Job>, CoreError> {
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, \
         attempts = attempts + 1, updated_at = $3 \
         WHERE idempotency_key = $4 AND status = 'queued' RETURNING {COLUMNS}"
    )))
    .bind(worker)
    .bind(now + LEASE_SECONDS)
    .bind(now)
    .bind(key)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    row.as_ref().map(from_row).transpose()
}

/// Marks a job this worker holds as done (`locked_by` stays: it says who ran it). A worker that
/// lost its lease changes nothing.
pub async fn complete(platform: &Platform, id: &str, worker: &str) -> Result<bool, CoreError> {
    let now = platform.clock.now();
    let done = sqlx::query(
        "UPDATE jobs SET status = 'done', locked_until = NULL, finished_at = $1, \
         updated_at = $1 WHERE id = $2 AND status = 'running' AND locked_by = $3",
    )
    .bind(now)
    .bind(id)
    .bind(worker)
    .execute(platform.db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The wait before attempt `attempts + 1`: doubling from the base, capped.
pub fn backoff(attempts: i64) -> i64 {
    let exponent = u32::try_from((attempts - 1).clamp(0, 30)).unwrap_or(30);
    BACKOFF_BASE_SECONDS
        .saturating_mul(1_i64 << exponent)
        .min(BACKOFF_CAP_SECONDS)
}

/// Records a failed attempt: back to the queue after the backoff, or dead after the last attempt.
/// Returns the new status.
pub async fn fail(
    platform: &Platform,
    job: &Job,
    worker: &str,
    error: &str,
) -> Result<Status, CoreError> {
    let now = platform.clock.now();
    let status = if job.attempts >= job.max_attempts {
        Status::Dead
    } else {
        Status::Queued
    };
    let error: String = error.chars().take(2000).collect();
    sqlx::query(
        "UPDATE jobs SET status = $1, run_at = $2, last_error = $3, locked_by = NULL, \
         locked_until = NULL, updated_at = $4, finished_at = $5 \
         WHERE id = $6 AND status = 'running' AND locked_by = $7",
    )
    .bind(status.as_str())
    .bind(now + backoff(job.attempts))
    .bind(error)
    .bind(now)
    .bind((status == Status::Dead).then_some(now))
    .bind(&job.id)
    .bind(worker)
    .execute(platform.db.pool())
    .await?;
    Ok(status)
}

/// Reports progress of a long job (and extends its lease, since it is evidently alive).
pub async fn progress(
    platform: &Platform,
    id: &str,
    worker: &str,
    done: i64,
    total: i64,
) -> Result<(), CoreError> {
    let now = platform.clock.now();
    sqlx::query(
        "UPDATE jobs SET progress_done = $1, progress_total = $2, locked_until = $3, updated_at = $4 \
         WHERE id = $5 AND status = 'running' AND locked_by = $6",
    )
    .bind(done)
    .bind(total)
    .bind(now + LEASE_SECONDS)
    .bind(now)
    .bind(id)
    .bind(worker)
    .execute(platform.db.pool())
    .await?;
    Ok(())
}

/// Puts a dead job back in the queue with fresh attempts (`signet jobs retry`, the staff route).
pub async fn retry(platform: &Platform, id: &str) -> Result<Job, CoreError> {
    let now = platform.clock.now();
    let job = get(platform, id).await?;
    let moved = sqlx::query(
        "UPDATE jobs SET status = 'queued', attempts = 0, run_at = $1, finished_at = NULL, \
         updated_at = $1 WHERE id = $2 AND status = 'dead'",
    )
    .bind(now)
    .bind(&job.id)
    .execute(platform.db.pool())
    .await?;
    if moved.rows_affected() != 1 {
        return Err(PlatformError::Invalid {
            field: "status",
            zh: "只有已进入死信的任务可以重试",
            en: "Only dead jobs can be retried",
        }
        .into());
    }
    super::worker::wake();
    get(platform, id).await
}

pub async fn get(platform: &Platform, id: &str) -> Result<Job, CoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM jobs WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    from_row(&row)
}

/// The job written under `key`, if any.
pub async fn by_key(platform: &Platform, key: &str) -> Result<Option<Job>, CoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM jobs WHERE idempotency_key = $1"
    )))
    .bind(key)
    .fetch_optional(platform.db.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Newest first, optionally filtered by status and kind.
pub async fn list(
    platform: &Platform,
    status: Option<Status>,
    kind: Option<&str>,
    limit: i64,
) -> Result<Vec<Job>, CoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM jobs WHERE ($1 = '' OR status = $1) AND ($2 = '' OR kind = $2) \
         ORDER BY created_at DESC, id LIMIT $3"
    )))
    .bind(status.map_or("", Status::as_str))
    .bind(kind.unwrap_or(""))
    .bind(limit.clamp(1, 1000))
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}
