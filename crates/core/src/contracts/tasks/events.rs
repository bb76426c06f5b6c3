//! The task's event log: append-only rows numbered per task and linked in a hash chain, written
//! in the transaction of the change they record. The evidence package reads them: every field a
//! report needs is here (time, actor, IP, user agent, masked phone, document hashes around a
//! signature).

use serde::Serialize;
use sqlx::Row as _;

use crate::error::CoreError;
use crate::platform::clock::Timestamp;
use crate::platform::crypto::sha256_hex;
use crate::platform::db::Tx;

/// Event kinds.
pub const LAUNCHED: &str = "launched";
pub const SMS_SENT: &str = "sms_sent";
pub const INTENT_CONFIRMED: &str = "intent_confirmed";
pub const SIGNED: &str = "signed";
pub const COMPLETED: &str = "completed";
pub const REFUSED: &str = "refused";
pub const WITHDRAWN: &str = "withdrawn";
pub const EXPIRED: &str = "expired";
pub const REMINDED: &str = "reminded";
pub const VIEWED: &str = "viewed";

/// Where a request came from, for the log.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// One event to append.
#[derive(Debug, Clone, Default)]
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub actor: String,
    pub party_id: Option<&'a str>,
    pub document_id: Option<&'a str>,
    pub phone_masked: Option<String>,
    pub hash_before: Option<String>,
    pub hash_after: Option<String>,
    pub detail: serde_json::Value,
}

/// An event as stored.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventView {
    pub seq: i64,
    pub kind: String,
    pub actor: String,
    pub party_id: Option<String>,
    pub document_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub phone_masked: Option<String>,
    pub hash_before: Option<String>,
    pub hash_after: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub detail: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
    pub created_at: Timestamp,
}

/// The hash of a row: SHA-256 over the previous hash and the row's fields, one per line.
fn link(
    prev: &str,
    task_id: &str,
    seq: i64,
    event: &NewEvent<'_>,
    origin: &Origin,
    detail: &str,
    now: Timestamp,
) -> String {
    let opt = |v: Option<&str>| v.unwrap_or("").to_owned();
    let text = [
        prev.to_owned(),
        task_id.to_owned(),
        seq.to_string(),
        event.kind.to_owned(),
        event.actor.clone(),
        opt(event.party_id),
        opt(event.document_id),
        opt(origin.ip.as_deref()),
        opt(origin.user_agent.as_deref()),
        opt(event.phone_masked.as_deref()),
        opt(event.hash_before.as_deref()),
        opt(event.hash_after.as_deref()),
        detail.to_owned(),
        now.to_string(),
    ]
    .join("\n");
    sha256_hex(text.as_bytes())
}

/// Appends `event` to the task's log in `tx` (the caller holds the task's row lock or SQLite's
/// write lock, so numbers do not collide), and announces it to the enterprise's webhooks
/// (`hooks`) in the same transaction.
pub async fn append(
    tx: &mut Tx,
    task_id: &str,
    event: &NewEvent<'_>,
    origin: &Origin,
    now: Timestamp,
) -> Result<(), CoreError> {
    let last = sqlx::query(
        "SELECT seq, hash FROM ec_task_events WHERE task_id = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(task_id)
    .fetch_optional(&mut **tx)
    .await?;
    let (seq, prev) = match last {
        Some(row) => (
            row.try_get::<i64, _>("seq")? + 1,
            row.try_get::<String, _>("hash")?,
        ),
        None => (1, "0".repeat(64)),
    };
    let detail = if event.detail.is_null() {
        "{}".to_owned()
    } else {
        event.detail.to_string()
    };
    let hash = link(&prev, task_id, seq, event, origin, &detail, now);
    sqlx::query(
        "INSERT INTO ec_task_events (task_id, seq, kind, actor, party_id, document_id, ip, \
           user_agent, phone_masked, hash_before, hash_after, detail, prev_hash, hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(task_id)
    .bind(seq)
    .bind(event.kind)
    .bind(&event.actor)
    .bind(event.party_id)
    .bind(event.document_id)
    .bind(origin.ip.as_deref())
    .bind(origin.user_agent.as_deref())
    .bind(event.phone_masked.as_deref())
    .bind(event.hash_before.as_deref())
    .bind(event.hash_after.as_deref())
    .bind(&detail)
    .bind(&prev)
    .bind(&hash)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    super::hooks::announce(tx, task_id, seq, event, now).await
}

/// The task's events in order.
pub async fn list<'e, E>(executor: E, task_id: &str) -> Result<Vec<EventView>, CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT seq, kind, actor, party_id, document_id, ip, user_agent, phone_masked, \
           hash_before, hash_after, detail, prev_hash, hash, created_at \
         FROM ec_task_events WHERE task_id = $1 ORDER BY seq",
    )
    .bind(task_id)
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|r| {
            let detail: String = r.try_get("detail")?;
            Ok(EventView {
                seq: r.try_get("seq")?,
                kind: r.try_get("kind")?,
                actor: r.try_get("actor")?,
                party_id: r.try_get("party_id")?,
                document_id: r.try_get("document_id")?,
                ip: r.try_get("ip")?,
                user_agent: r.try_get("user_agent")?,
                phone_masked: r.try_get("phone_masked")?,
                hash_before: r.try_get("hash_before")?,
                hash_after: r.try_get("hash_after")?,
                detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                prev_hash: r.try_get("prev_hash")?,
                hash: r.try_get("hash")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// Whether the chain of `events` links up (each `prev_hash` is the hash before it).
pub fn chain_links(events: &[EventView]) -> bool {
    let mut prev = "0".repeat(64);
    for event in events {
        if event.prev_hash != prev {
            return false;
        }
        prev.clone_from(&event.hash);
    }
    true
}
