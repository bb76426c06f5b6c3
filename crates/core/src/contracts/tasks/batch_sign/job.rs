//! The batch signing job: the batch's tasks one by one, in the order chosen, each signed on the
//! single signature's path ([`signing::sign_confirmed`]) with the batch's seal choices and the
//! confirming request's origin. Each task's outcome is committed with the batch's counters; an
//! item is marked `signing` before its signature, so a rerun after a restart that finds the
//! party already signed counts it as signed, and a task is never signed twice (the signature
//! itself moves the party only once). A task that cannot be signed (withdrawn meanwhile, a seal
//! no longer granted …) fails with the reason while the others go on; a database failure stops
//! the job, which the queue retries from the first task not yet handled.

use async_trait::async_trait;
use sqlx::Row as _;

use super::state;
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::tasks::events::Origin;
use crate::contracts::tasks::signing::{self, SignInput};
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::Clock as _;
use crate::platform::jobs::{Handler, RunningJob};

/// The job kind.
pub const BATCH_SIGN: &str = "contracts.batch_sign";

pub(crate) fn job_key(batch_id: &str) -> String {
    format!("{BATCH_SIGN}:{batch_id}")
}

/// The handler of [`BATCH_SIGN`] jobs.
pub struct BatchSign;

#[async_trait]
impl Handler for BatchSign {
    async fn run(&self, platform: &Platform, job: &RunningJob) -> Result<(), CoreError> {
        let batch_id = job
            .payload()
            .get("batch_id")
            .and_then(|v| v.as_str())
            .ok_or_else(|| CoreError::internal("batch sign job without batch_id"))?
            .to_owned();
        run_batch(platform, &batch_id, None, Some(job))
            .await
            .map(|_| ())
    }
}

/// How one task ended.
enum Outcome {
    Signed,
    Failed {
        code: &'static str,
        zh: String,
        en: String,
    },
}

/// Signs the batch's remaining tasks, at most `max_tasks` of them (all when `None`); returns
/// how many were handled. Progress goes to `job` when one runs this.
pub async fn run_batch(
    platform: &Platform,
    batch_id: &str,
    max_tasks: Option<usize>,
    job: Option<&RunningJob>,
) -> Result<usize, CoreError> {
    let batch = sqlx::query(
        "SELECT user_id, choices, origin_ip, origin_agent, state, total FROM ec_sign_batches \
         WHERE id = $1",
    )
    .bind(batch_id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    if batch.try_get::<String, _>("state")? != state::SIGNING {
        return Ok(0);
    }
    let user_id: String = batch.try_get("user_id")?;
    let total: i64 = batch.try_get("total")?;
    let choices: serde_json::Value = serde_json::from_str(&batch.try_get::<String, _>("choices")?)
        .map_err(|e| CoreError::internal(format!("batch sign choices: {e}")))?;
    let text = |key: &str| choices.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let input = SignInput {
        sms_code: String::new(),
        seal_id: text("seal_id"),
        personal_seal: text("personal_seal"),
    };
    let origin = Origin {
        ip: batch.try_get("origin_ip")?,
        user_agent: batch.try_get("origin_agent")?,
    };
    let mut handled = 0;
    loop {
        if max_tasks.is_some_and(|m| handled >= m) {
            return Ok(handled);
        }
        let next = sqlx::query(
            "SELECT position, task_id, state FROM ec_sign_batch_items \
             WHERE batch_id = $1 AND state IN ('pending', 'signing') ORDER BY position LIMIT 1",
        )
        .bind(batch_id)
        .fetch_optional(platform.db.pool())
        .await?;
        let Some(next) = next else {
            sqlx::query(
                "UPDATE ec_sign_batches SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
            )
            .bind(state::DONE)
            .bind(platform.clock.now())
            .bind(batch_id)
            .bind(state::SIGNING)
            .execute(platform.db.pool())
            .await?;
            return Ok(handled);
        };
        let position: i64 = next.try_get("position")?;
        let task_id: String = next.try_get("task_id")?;
        let resumed = next.try_get::<String, _>("state")? == "signing";
        if !resumed {
            sqlx::query(
                "UPDATE ec_sign_batch_items SET state = 'signing' \
                 WHERE batch_id = $1 AND position = $2 AND state = 'pending'",
            )
            .bind(batch_id)
            .bind(position)
            .execute(platform.db.pool())
            .await?;
        }
        let outcome = match signing::sign_confirmed(platform, &user_id, &task_id, &input, &origin)
            .await
        {
            Ok(_) => Outcome::Signed,
            Err(e)
                if resumed
                    && matches!(
                        e.as_wing::<ContractsError>(),
                        Some(ContractsError::AlreadySigned)
                    ) =>
            {
                // Signed by the run before a restart, which stopped before recording it.
                Outcome::Signed
            }
            Err(e @ CoreError::Platform(PlatformError::Database(_))) => return Err(e),
            Err(e) => {
                let described = e.describe();
                tracing::info!(batch_id, task_id = %task_id, code = described.code, "batch sign: task failed");
                Outcome::Failed {
                    code: described.code,
                    zh: described.zh,
                    en: described.en,
                }
            }
        };
        let done = record(platform, batch_id, position, &outcome).await?;
        if let Some(job) = job {
            job.progress(platform, done, total).await?;
        }
        handled += 1;
    }
}

/// Stores how the task at `position` ended with the batch's counters; the number handled so far.
async fn record(
    platform: &Platform,
    batch_id: &str,
    position: i64,
    outcome: &Outcome,
) -> Result<i64, CoreError> {
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let (item_state, code, zh, en, signed, failed) = match outcome {
        Outcome::Signed => ("signed", None, None, None, 1_i64, 0_i64),
        Outcome::Failed { code, zh, en } => (
            "failed",
            Some(*code),
            Some(zh.as_str()),
            Some(en.as_str()),
            0,
            1,
        ),
    };
    let moved = sqlx::query(
        "UPDATE ec_sign_batch_items SET state = $1, code = $2, reason_zh = $3, reason_en = $4 \
         WHERE batch_id = $5 AND position = $6 AND state = 'signing'",
    )
    .bind(item_state)
    .bind(code)
    .bind(zh)
    .bind(en)
    .bind(batch_id)
    .bind(position)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(CoreError::internal(format!(
            "batch sign {batch_id}: task {position} was handled by another run"
        )));
    }
    let counters = sqlx::query(
        "UPDATE ec_sign_batches SET signed = signed + $1, failed = failed + $2, updated_at = $3 \
         WHERE id = $4 RETURNING signed, failed",
    )
    .bind(signed)
    .bind(failed)
    .bind(now)
    .bind(batch_id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let done = counters.try_get::<i64, _>("signed")? + counters.try_get::<i64, _>("failed")?;
    Ok(done)
}
