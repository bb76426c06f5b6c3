//! The job that sends a delivery: sign `{timestamp}.{body}` with the endpoint's secret, POST
//! the body with the `Signet-*` headers, and record the attempt. A 2xx answer delivers it; any
//! other answer or no answer is a failed attempt, retried by the jobs' backoff until the job's
//! last attempt, after which the delivery is `failed` and the job dead-lettered.
//!
//! At least once: a worker stopped after the POST and before the record sends it again, with
//! the same `Signet-Delivery` id, which receivers use to drop repeats.

use std::time::Instant;

use async_trait::async_trait;
use sqlx::Row as _;

use super::signature::sign;
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::jobs::queue::backoff;
use crate::platform::jobs::{Handler, RunningJob};
use crate::platform::providers::WebhookPost;

/// The job kind of a delivery.
pub const JOB_KIND: &str = "contracts.webhook";

/// Longest error text kept per attempt.
const MAX_ERROR: usize = 500;

/// The handler of [`JOB_KIND`].
pub struct DeliverWebhook;

/// What one attempt came to.
struct Outcome {
    status: Option<i64>,
    error: Option<String>,
    duration_ms: i64,
}

impl Outcome {
    fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    fn describe(&self) -> String {
        match (&self.status, &self.error) {
            (Some(status), _) => format!("HTTP {status}"),
            (None, Some(error)) => error.clone(),
            (None, None) => "no answer".to_owned(),
        }
    }
}

#[async_trait]
impl Handler for DeliverWebhook {
    async fn run(&self, platform: &Platform, job: &RunningJob) -> Result<(), CoreError> {
        let delivery_id = job
            .payload()
            .get("delivery_id")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| CoreError::internal("webhook job without delivery_id"))?
            .to_owned();
        let row = sqlx::query(
            "SELECT endpoint_id, event_kind, payload, state FROM webhook_deliveries WHERE id = $1",
        )
        .bind(&delivery_id)
        .fetch_optional(platform.db.pool())
        .await?
        .ok_or(PlatformError::NotFound)?;
        let state: String = row.try_get("state")?;
        if state == "delivered" {
            return Ok(());
        }
        let endpoint_id: String = row.try_get("endpoint_id")?;
        let (url, secret, live) = super::endpoints::for_delivery(platform, &endpoint_id).await?;
        if !live {
            finish_removed(platform, &delivery_id).await?;
            return Ok(());
        }
        let kind: String = row.try_get("event_kind")?;
        let body: String = row.try_get("payload")?;
        let timestamp = platform.clock.now();
        let post = WebhookPost {
            url,
            headers: vec![
                ("Content-Type", "application/json".to_owned()),
                ("Signet-Event", kind),
                ("Signet-Delivery", delivery_id.clone()),
                ("Signet-Timestamp", timestamp.to_string()),
                ("Signet-Signature", sign(&secret, timestamp, &body)?),
            ],
            body,
        };
        let started = Instant::now();
        let answer = platform.webhooks.post(&post).await;
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let outcome = match answer {
            Ok(status) => Outcome {
                status: Some(i64::from(status)),
                error: None,
                duration_ms,
            },
            Err(error) => Outcome {
                status: None,
                error: Some(error_text(&error)),
                duration_ms,
            },
        };
        let last = job.job.attempts >= job.job.max_attempts;
        record(platform, &delivery_id, &outcome, last, job.job.attempts).await?;
        if outcome.delivered() {
            Ok(())
        } else {
            Err(CoreError::internal(format!(
                "webhook delivery {delivery_id}: {}",
                outcome.describe()
            )))
        }
    }
}

fn error_text(error: &CoreError) -> String {
    let text = match error {
        CoreError::Platform(PlatformError::Internal(message)) => message.clone(),
        other => other.to_string(),
    };
    text.chars().take(MAX_ERROR).collect()
}

/// Writes the attempt and moves the delivery: delivered, failed after the last attempt, or
/// pending until the next one.
async fn record(
    platform: &Platform,
    delivery_id: &str,
    outcome: &Outcome,
    last: bool,
    attempt: i64,
) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let (state, next): (&str, Option<Timestamp>) = if outcome.delivered() {
        ("delivered", None)
    } else if last {
        ("failed", None)
    } else {
        ("pending", Some(now + backoff(attempt)))
    };
    let mut tx = platform.db.begin().await?;
    sqlx::query(
        "INSERT INTO webhook_attempts (id, delivery_id, attempted_at, status, error, duration_ms) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(delivery_id)
    .bind(now)
    .bind(outcome.status)
    .bind(outcome.error.as_deref())
    .bind(outcome.duration_ms)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE webhook_deliveries SET state = $1, attempts = attempts + 1, last_status = $2, \
         last_error = $3, next_attempt_at = $4, updated_at = $5, \
         delivered_at = COALESCE($6, delivered_at) WHERE id = $7 AND state <> 'delivered'",
    )
    .bind(state)
    .bind(outcome.status)
    .bind(outcome.error.as_deref())
    .bind(next)
    .bind(now)
    .bind(outcome.delivered().then_some(now))
    .bind(delivery_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The endpoint was removed: the delivery ends as failed without a POST.
async fn finish_removed(platform: &Platform, delivery_id: &str) -> Result<(), CoreError> {
    sqlx::query(
        "UPDATE webhook_deliveries SET state = 'failed', last_error = $1, next_attempt_at = NULL, \
         updated_at = $2 WHERE id = $3 AND state = 'pending'",
    )
    .bind("endpoint removed")
    .bind(platform.clock.now())
    .bind(delivery_id)
    .execute(platform.db.pool())
    .await?;
    Ok(())
}
