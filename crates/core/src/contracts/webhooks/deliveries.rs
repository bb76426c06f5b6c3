//! What the administrator reads of an endpoint's deliveries (newest first, each with its
//! attempts) and redelivery: a delivered or failed delivery is sent again under a new job, with
//! the same delivery id (so the receiver can tell it is the same event) and a fresh signature.

use serde::Serialize;
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::AUDIT_REDELIVER;
use crate::Platform;
use crate::contracts::access::{self, Role};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::jobs;

/// The most deliveries one listing returns.
pub const MAX_LIST: i64 = 200;

/// One attempt at a delivery.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attempt {
    pub attempted_at: Timestamp,
    /// The HTTP status the endpoint answered, when it answered.
    pub status: Option<i64>,
    /// Why there was no answer (address refused, DNS, connection, timeout).
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// One event sent (or being sent) to one endpoint.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// Sent as `Signet-Delivery`: the receiver's key for dropping repeats.
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    /// `task.launched`, `task.signed`, `task.completed`, `task.void` or `ping`.
    pub event_kind: String,
    pub task_id: Option<String>,
    /// The JSON body every attempt sends.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<Timestamp>,
    pub redeliveries: i64,
    pub created_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
    /// Oldest first.
    pub attempt_log: Vec<Attempt>,
}

const COLUMNS: &str = "id, endpoint_id, event_id, event_kind, task_id, payload, state, attempts, \
    last_status, last_error, next_attempt_at, redeliveries, created_at, delivered_at";

fn from_row(row: &AnyRow) -> Result<Delivery, CoreError> {
    let payload: String = row.try_get("payload")?;
    Ok(Delivery {
        id: row.try_get("id")?,
        endpoint_id: row.try_get("endpoint_id")?,
        event_id: row.try_get("event_id")?,
        event_kind: row.try_get("event_kind")?,
        task_id: row.try_get("task_id")?,
        payload: serde_json::from_str(&payload)
            .map_err(|e| CoreError::internal(format!("webhook payload: {e}")))?,
        state: row.try_get("state")?,
        attempts: row.try_get("attempts")?,
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        redeliveries: row.try_get("redeliveries")?,
        created_at: row.try_get("created_at")?,
        delivered_at: row.try_get("delivered_at")?,
        attempt_log: Vec::new(),
    })
}

async fn with_attempts(platform: &Platform, mut delivery: Delivery) -> Result<Delivery, CoreError> {
    let rows = sqlx::query(
        "SELECT attempted_at, status, error, duration_ms FROM webhook_attempts \
         WHERE delivery_id = $1 ORDER BY attempted_at, id",
    )
    .bind(&delivery.id)
    .fetch_all(platform.db.pool())
    .await?;
    delivery.attempt_log = rows
        .iter()
        .map(|row| {
            Ok(Attempt {
                attempted_at: row.try_get("attempted_at")?,
                status: row.try_get("status")?,
                error: row.try_get("error")?,
                duration_ms: row.try_get("duration_ms")?,
            })
        })
        .collect::<Result<_, CoreError>>()?;
    Ok(delivery)
}

/// One delivery of a live endpoint (the caller has checked the endpoint's enterprise and role).
pub(super) async fn get(
    platform: &Platform,
    endpoint_id: &str,
    id: &str,
) -> Result<Delivery, CoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM webhook_deliveries WHERE id = $1 AND endpoint_id = $2"
    )))
    .bind(id)
    .bind(endpoint_id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    with_attempts(platform, from_row(&row)?).await
}

/// The endpoint's deliveries, newest first, at most `limit` (1 to [`MAX_LIST`]).
pub async fn list(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
    endpoint_id: &str,
    limit: i64,
) -> Result<Vec<Delivery>, CoreError> {
    access::require(platform.db.pool(), enterprise_id, actor, Role::Admin).await?;
    super::endpoints::get(platform, enterprise_id, endpoint_id).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM webhook_deliveries WHERE endpoint_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2"
    )))
    .bind(endpoint_id)
    .bind(limit.clamp(1, MAX_LIST))
    .fetch_all(platform.db.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(with_attempts(platform, from_row(row)?).await?);
    }
    Ok(out)
}

/// Sends a delivered or failed delivery again (a pending one is refused: it is on its way).
/// Two redeliveries at once queue one job: the state move is conditional.
pub async fn redeliver(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
    endpoint_id: &str,
    id: &str,
) -> Result<Delivery, CoreError> {
    access::require(platform.db.pool(), enterprise_id, actor, Role::Admin).await?;
    super::endpoints::get(platform, enterprise_id, endpoint_id).await?;
    let current = get(platform, endpoint_id, id).await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let moved = sqlx::query(
        "UPDATE webhook_deliveries SET state = 'pending', redeliveries = redeliveries + 1, \
         next_attempt_at = $1, updated_at = $1 \
         WHERE id = $2 AND endpoint_id = $3 AND state <> 'pending' RETURNING redeliveries",
    )
    .bind(now)
    .bind(id)
    .bind(endpoint_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(moved) = moved else {
        return Err(PlatformError::Invalid {
            field: "state",
            zh: "这次推送正在投递中，结束后才能重新推送",
            en: "This delivery is still being sent; redeliver it once it has finished",
        }
        .into());
    };
    let n: i64 = moved.try_get("redeliveries")?;
    jobs::enqueue(&mut tx, now, &super::events::job(id, n)).await?;
    let event = AuditEvent::new(actor, AUDIT_REDELIVER, format!("webhook_delivery:{id}")).change(
        serde_json::json!({"state": current.state}),
        serde_json::json!({"state": "pending", "redelivery": n}),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    get(platform, endpoint_id, id).await
}
