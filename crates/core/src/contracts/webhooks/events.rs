//! Writing an event's deliveries: [`emit`] runs in the transaction of the change that caused the
//! event, so the deliveries and their jobs exist exactly when the change commits, and a stop of
//! the server between the commit and the POST delays them instead of losing them.

use sqlx::Row as _;

use super::{EVENT_KINDS, JOB_KIND, MAX_ATTEMPTS};
use crate::error::CoreError;
use crate::platform::clock::Timestamp;
use crate::platform::db::Tx;
use crate::platform::jobs::{self, NewJob};

/// A task event. `kind` is one of [`super::EVENT_KINDS`]; `data` carries ids, states, counts and
/// times (no personal data: the body is kept in clear and sent to the enterprise's server).
#[derive(Debug, Clone)]
pub struct WebhookEvent {
    pub kind: &'static str,
    pub task_id: String,
    pub data: serde_json::Value,
}

/// Writes one delivery and one job per active endpoint of the enterprise subscribed to the
/// event's kind, in `tx`; returns how many. An unknown kind is a programming error.
pub async fn emit(
    tx: &mut Tx,
    now: Timestamp,
    enterprise_id: &str,
    event: WebhookEvent,
) -> Result<usize, CoreError> {
    if !EVENT_KINDS.contains(&event.kind) {
        return Err(CoreError::internal(format!(
            "unknown webhook event kind {}",
            event.kind
        )));
    }
    let rows = sqlx::query(
        "SELECT id, events FROM webhook_endpoints WHERE enterprise_id = $1 AND active = 1 \
         AND deleted_at IS NULL ORDER BY created_at, id",
    )
    .bind(enterprise_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut subscribed = Vec::new();
    for row in &rows {
        let events: String = row.try_get("events")?;
        let events: Vec<String> = serde_json::from_str(&events)
            .map_err(|e| CoreError::internal(format!("webhook events: {e}")))?;
        if events.iter().any(|e| e == event.kind) {
            subscribed.push(row.try_get::<String, _>("id")?);
        }
    }
    if subscribed.is_empty() {
        return Ok(0);
    }
    let event_id = uuid::Uuid::new_v4().to_string();
    let body = body(
        &event_id,
        event.kind,
        now,
        enterprise_id,
        Some(&event.task_id),
        &event.data,
    )?;
    for endpoint_id in &subscribed {
        let target = Target {
            endpoint_id,
            enterprise_id,
            event_id: &event_id,
            kind: event.kind,
            task_id: Some(&event.task_id),
        };
        write_delivery(tx, now, &target, &body).await?;
    }
    Ok(subscribed.len())
}

/// The JSON body of an event, the same text for every endpoint and every attempt.
pub(super) fn body(
    event_id: &str,
    kind: &str,
    now: Timestamp,
    enterprise_id: &str,
    task_id: Option<&str>,
    data: &serde_json::Value,
) -> Result<String, CoreError> {
    serde_json::to_string(&serde_json::json!({
        "id": event_id,
        "type": kind,
        "created_at": now,
        "enterprise_id": enterprise_id,
        "task_id": task_id,
        "data": data,
    }))
    .map_err(|e| CoreError::internal(format!("webhook body: {e}")))
}

/// Where one delivery goes and what it is.
pub(super) struct Target<'a> {
    pub endpoint_id: &'a str,
    pub enterprise_id: &'a str,
    pub event_id: &'a str,
    pub kind: &'a str,
    pub task_id: Option<&'a str>,
}

/// The job key of a delivery's `n`th sending (0: the first; then each redelivery).
pub(super) fn job_key(delivery_id: &str, n: i64) -> String {
    if n == 0 {
        format!("{JOB_KIND}:{delivery_id}")
    } else {
        format!("{JOB_KIND}:{delivery_id}:{n}")
    }
}

pub(super) fn job(delivery_id: &str, n: i64) -> NewJob {
    NewJob::new(
        JOB_KIND,
        job_key(delivery_id, n),
        serde_json::json!({"delivery_id": delivery_id}),
    )
    .max_attempts(MAX_ATTEMPTS)
}

/// Writes a pending delivery and its job in `tx`; returns the delivery id.
pub(super) async fn write_delivery(
    tx: &mut Tx,
    now: Timestamp,
    target: &Target<'_>,
    body: &str,
) -> Result<String, CoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, endpoint_id, enterprise_id, event_id, event_kind, \
         task_id, payload, state, attempts, next_attempt_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8, $8)",
    )
    .bind(&id)
    .bind(target.endpoint_id)
    .bind(target.enterprise_id)
    .bind(target.event_id)
    .bind(target.kind)
    .bind(target.task_id)
    .bind(body)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    jobs::enqueue(tx, now, &job(&id, 0)).await?;
    Ok(id)
}
