//! An enterprise's webhook endpoints (its administrator only; anyone else reads them as not
//! found, a member below the administrator is refused): register one (the URL checked, the
//! secret generated, sealed, and returned this once), list, remove, rotate the secret, and send a
//! `ping`. Each change is one transaction with its audit event.

use serde::Serialize;
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::signature::new_secret;
use super::{AUDIT_CREATE, AUDIT_DELETE, AUDIT_ROTATE, EVENT_KINDS, PING};
use crate::Platform;
use crate::contracts::access::{self, Role};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::crypto::SealedAt;

/// Live endpoints an enterprise may have.
pub const MAX_ENDPOINTS: i64 = 20;
/// The longest description (characters).
pub const MAX_DESCRIPTION: usize = 100;

/// An endpoint as the administrator sees it (never its secret).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Endpoint {
    pub id: String,
    pub enterprise_id: String,
    pub url: String,
    pub description: String,
    /// The subscribed event kinds (`task.launched`, `task.signed`, `task.completed`, `task.void`).
    pub events: Vec<String>,
    pub active: bool,
    pub created_by: String,
    pub created_at: Timestamp,
    pub secret_rotated_at: Option<Timestamp>,
}

/// A new or rotated endpoint with its secret, shown this once.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedEndpoint {
    pub endpoint: Endpoint,
    /// The signing secret (`whsec_…`); it is not shown again.
    pub secret: String,
}

/// What the administrator registers.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
}

const COLUMNS: &str = "id, enterprise_id, url, description, events, active, created_by, created_at, \
    secret_rotated_at";

fn from_row(row: &AnyRow) -> Result<Endpoint, CoreError> {
    let events: String = row.try_get("events")?;
    Ok(Endpoint {
        id: row.try_get("id")?,
        enterprise_id: row.try_get("enterprise_id")?,
        url: row.try_get("url")?,
        description: row.try_get("description")?,
        events: serde_json::from_str(&events)
            .map_err(|e| CoreError::internal(format!("webhook events: {e}")))?,
        active: row.try_get::<i64, _>("active")? == 1,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        secret_rotated_at: row.try_get("secret_rotated_at")?,
    })
}

pub(super) fn sealed_at(endpoint_id: &str) -> SealedAt<'_> {
    SealedAt::new("webhook_endpoints", "secret", endpoint_id)
}

/// The subscribed kinds, known and without repeats, in the order of [`EVENT_KINDS`].
fn check_events(events: &[String]) -> Result<Vec<String>, CoreError> {
    if events.is_empty() {
        return Err(PlatformError::Invalid {
            field: "events",
            zh: "请至少选择一个事件",
            en: "Choose at least one event",
        }
        .into());
    }
    if events.iter().any(|e| !EVENT_KINDS.contains(&e.as_str())) {
        return Err(PlatformError::Invalid {
            field: "events",
            zh: "事件只能是 task.launched、task.signed、task.completed 或 task.void",
            en: "Events are task.launched, task.signed, task.completed or task.void",
        }
        .into());
    }
    Ok(EVENT_KINDS
        .iter()
        .filter(|k| events.iter().any(|e| e == *k))
        .map(|k| (*k).to_owned())
        .collect())
}

/// Registers an endpoint; its secret is in the answer and nowhere else in clear.
pub async fn create(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
    new: &NewEndpoint,
) -> Result<CreatedEndpoint, CoreError> {
    access::require(platform.db.pool(), enterprise_id, actor, Role::Admin).await?;
    let events = check_events(&new.events)?;
    let description = new.description.trim().to_owned();
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(PlatformError::Invalid {
            field: "description",
            zh: "备注最多 100 个字",
            en: "The description takes at most 100 characters",
        }
        .into());
    }
    let url = super::target::check(&new.url, platform.sandbox.is_some()).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let secret = new_secret(platform.random)?;
    let sealed = platform.cipher.seal(sealed_at(&id), &secret)?;
    let events_json = serde_json::to_string(&events)
        .map_err(|e| CoreError::internal(format!("webhook events: {e}")))?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Admin).await?;
    let live: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM webhook_endpoints WHERE enterprise_id = $1 AND deleted_at IS NULL",
    )
    .bind(enterprise_id)
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    if live >= MAX_ENDPOINTS {
        return Err(PlatformError::Invalid {
            field: "url",
            zh: "每个企业最多登记 20 个接收地址，请先删除不用的",
            en: "An enterprise can register at most 20 endpoints; remove one first",
        }
        .into());
    }
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, enterprise_id, url, description, events, secret, \
         active, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8)",
    )
    .bind(&id)
    .bind(enterprise_id)
    .bind(&url)
    .bind(&description)
    .bind(&events_json)
    .bind(&sealed)
    .bind(actor)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::new(actor, AUDIT_CREATE, format!("webhook:{id}")).change(
        serde_json::Value::Null,
        serde_json::json!({"enterprise_id": enterprise_id, "url": url, "events": events}),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(CreatedEndpoint {
        endpoint: get(platform, enterprise_id, &id).await?,
        secret,
    })
}

/// The enterprise's live endpoints, oldest first.
pub async fn list(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
) -> Result<Vec<Endpoint>, CoreError> {
    access::require(platform.db.pool(), enterprise_id, actor, Role::Admin).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM webhook_endpoints WHERE enterprise_id = $1 AND deleted_at IS NULL \
         ORDER BY created_at, id"
    )))
    .bind(enterprise_id)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// One live endpoint of the enterprise (another enterprise's id, or a removed one: not found).
/// The caller has checked the role.
pub(super) async fn get(
    platform: &Platform,
    enterprise_id: &str,
    id: &str,
) -> Result<Endpoint, CoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM webhook_endpoints WHERE id = $1 AND enterprise_id = $2 \
         AND deleted_at IS NULL"
    )))
    .bind(id)
    .bind(enterprise_id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    from_row(&row)
}

/// Removes an endpoint: no new deliveries; pending ones end as failed when their job runs.
pub async fn delete(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
    id: &str,
) -> Result<(), CoreError> {
    access::require(platform.db.pool(), enterprise_id, actor, Role::Admin).await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Admin).await?;
    let removed = sqlx::query(
        "UPDATE webhook_endpoints SET active = 0, deleted_at = $1 \
         WHERE id = $2 AND enterprise_id = $3 AND deleted_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(enterprise_id)
    .execute(&mut *tx)
    .await?;
    if removed.rows_affected() != 1 {
        return Err(PlatformError::NotFound.into());
    }
    let event = AuditEvent::new(actor, AUDIT_DELETE, format!("webhook:{id}")).change(
        serde_json::json!({"enterprise_id": enterprise_id, "active": true}),
        serde_json::json!({"active": false}),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces the signing secret at once (deliveries from now on are signed with the new one) and
/// returns it, shown this once.
pub async fn rotate_secret(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
    id: &str,
) -> Result<CreatedEndpoint, CoreError> {
    access::require(platform.db.pool(), enterprise_id, actor, Role::Admin).await?;
    let secret = new_secret(platform.random)?;
    let sealed = platform.cipher.seal(sealed_at(id), &secret)?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Admin).await?;
    let moved = sqlx::query(
        "UPDATE webhook_endpoints SET secret = $1, secret_rotated_at = $2 \
         WHERE id = $3 AND enterprise_id = $4 AND deleted_at IS NULL",
    )
    .bind(&sealed)
    .bind(now)
    .bind(id)
    .bind(enterprise_id)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(PlatformError::NotFound.into());
    }
    let event = AuditEvent::new(actor, AUDIT_ROTATE, format!("webhook:{id}")).change(
        serde_json::Value::Null,
        serde_json::json!({"rotated_at": now}),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(CreatedEndpoint {
        endpoint: get(platform, enterprise_id, id).await?,
        secret,
    })
}

/// Queues a `ping` to the endpoint (whatever it subscribed to) and returns its delivery.
pub async fn ping(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
    id: &str,
) -> Result<super::Delivery, CoreError> {
    access::require(platform.db.pool(), enterprise_id, actor, Role::Admin).await?;
    let endpoint = get(platform, enterprise_id, id).await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let event_id = uuid::Uuid::new_v4().to_string();
    let body = super::events::body(
        &event_id,
        PING,
        now,
        enterprise_id,
        None,
        &serde_json::json!({"endpoint_id": endpoint.id}),
    )?;
    let delivery_id = super::events::write_delivery(
        &mut tx,
        now,
        &super::events::Target {
            endpoint_id: &endpoint.id,
            enterprise_id,
            event_id: &event_id,
            kind: PING,
            task_id: None,
        },
        &body,
    )
    .await?;
    tx.commit().await?;
    super::deliveries::get(platform, &endpoint.id, &delivery_id).await
}

/// The endpoint's URL and opened secret, and whether it still takes deliveries (the handler).
pub(super) async fn for_delivery(
    platform: &Platform,
    id: &str,
) -> Result<(String, String, bool), CoreError> {
    let row =
        sqlx::query("SELECT url, secret, active, deleted_at FROM webhook_endpoints WHERE id = $1")
            .bind(id)
            .fetch_optional(platform.db.pool())
            .await?
            .ok_or(PlatformError::NotFound)?;
    let live = row.try_get::<i64, _>("active")? == 1
        && row.try_get::<Option<i64>, _>("deleted_at")?.is_none();
    let sealed: String = row.try_get("secret")?;
    let secret = platform.cipher.open(sealed_at(id), &sealed)?;
    Ok((row.try_get("url")?, secret, live))
}
