//! The enterprises' contract quota: a ledger (`ec_quota_ledger`) whose sum is the balance. A
//! launch spends one contract inside the launch's own transaction after locking the enterprise's
//! row (PostgreSQL `FOR UPDATE`; SQLite's `BEGIN IMMEDIATE` already holds the one write lock), so
//! parallel launches racing for the last contract leave exactly one winner; a withdrawal refunds
//! at once (one refund per task, kept by a unique index).

use sqlx::Row as _;

use super::super::ContractsError;
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::db::{Backend, Tx};

/// Reasons of ledger rows.
pub const PURCHASE: &str = "purchase";
pub const GRANT: &str = "grant";
pub const LAUNCH: &str = "launch";
pub const REFUND: &str = "refund";
pub const EXPIRY: &str = "expiry";

/// The balance: the sum of the enterprise's ledger.
pub async fn balance<'e, E>(executor: E, enterprise_id: &str) -> Result<i64, CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) AS n FROM ec_quota_ledger WHERE enterprise_id = $1",
    )
    .bind(enterprise_id)
    .fetch_one(executor)
    .await?;
    Ok(row.try_get("n")?)
}

/// Appends one row to the ledger in `tx`.
pub async fn record(
    tx: &mut Tx,
    enterprise_id: &str,
    delta: i64,
    reason: &str,
    task_id: Option<&str>,
    actor: &str,
    now: Timestamp,
) -> Result<(), CoreError> {
    sqlx::query(
        "INSERT INTO ec_quota_ledger (id, enterprise_id, delta, reason, task_id, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(enterprise_id)
    .bind(delta)
    .bind(reason)
    .bind(task_id)
    .bind(actor)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Grants (or sells, `reason` = [`PURCHASE`]) `count` contracts to the enterprise.
pub async fn grant(
    platform: &Platform,
    enterprise_id: &str,
    count: i64,
    reason: &str,
    actor: &str,
) -> Result<i64, CoreError> {
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    record(&mut tx, enterprise_id, count, reason, None, actor, now).await?;
    let left = balance(&mut *tx, enterprise_id).await?;
    tx.commit().await?;
    Ok(left)
}

/// Refuses, naming how many are missing, unless the enterprise has `count` contracts left. The
/// enterprise's row is locked first, so the balance read here cannot be spent by another
/// transaction before this one commits.
pub async fn require(
    platform: &Platform,
    tx: &mut Tx,
    enterprise_id: &str,
    count: i64,
) -> Result<(), CoreError> {
    let lock = match platform.db.backend() {
        Backend::Postgres => "SELECT id FROM ec_enterprises WHERE id = $1 FOR UPDATE",
        Backend::Sqlite => "SELECT id FROM ec_enterprises WHERE id = $1",
    };
    sqlx::query(lock)
        .bind(enterprise_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(PlatformError::NotFound)?;
    let left = balance(&mut **tx, enterprise_id).await?;
    if left < count {
        return Err(ContractsError::QuotaShort {
            missing: count - left,
        }
        .into());
    }
    Ok(())
}

/// Spends `count` contracts for `task_id` in the launch's transaction, or refuses naming how
/// many are missing.
pub async fn spend(
    platform: &Platform,
    tx: &mut Tx,
    enterprise_id: &str,
    count: i64,
    task_id: &str,
    actor: &str,
    now: Timestamp,
) -> Result<(), CoreError> {
    require(platform, tx, enterprise_id, count).await?;
    record(tx, enterprise_id, -count, LAUNCH, Some(task_id), actor, now).await
}

/// Spends one contract for each of `task_ids` (a chunk of a bulk launch) with one balance read,
/// or refuses them all naming how many are missing.
pub async fn spend_each(
    platform: &Platform,
    tx: &mut Tx,
    enterprise_id: &str,
    task_ids: &[String],
    actor: &str,
    now: Timestamp,
) -> Result<(), CoreError> {
    let count = i64::try_from(task_ids.len()).unwrap_or(i64::MAX);
    require(platform, tx, enterprise_id, count).await?;
    for task_id in task_ids {
        record(tx, enterprise_id, -1, LAUNCH, Some(task_id), actor, now).await?;
    }
    Ok(())
}

/// Returns what `task_id` spent (a withdrawn task), once.
pub async fn refund(
    tx: &mut Tx,
    enterprise_id: &str,
    task_id: &str,
    actor: &str,
    now: Timestamp,
) -> Result<(), CoreError> {
    let spent: i64 = sqlx::query(
        "SELECT CAST(COALESCE(SUM(-delta), 0) AS BIGINT) AS n FROM ec_quota_ledger \
         WHERE task_id = $1 AND reason = $2",
    )
    .bind(task_id)
    .bind(LAUNCH)
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?;
    if spent > 0 {
        record(tx, enterprise_id, spent, REFUND, Some(task_id), actor, now).await?;
    }
    Ok(())
}

/// Appends the row a purchase causes (its [`PURCHASE`] or its [`EXPIRY`]) in `tx`; a unique
/// index keeps one row of each reason per purchase, so a second writer fails instead of adding.
pub async fn record_for_purchase(
    tx: &mut Tx,
    enterprise_id: &str,
    delta: i64,
    reason: &str,
    purchase_id: &str,
    actor: &str,
    now: Timestamp,
) -> Result<(), CoreError> {
    sqlx::query(
        "INSERT INTO ec_quota_ledger (id, enterprise_id, delta, reason, purchase_id, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(enterprise_id)
    .bind(delta)
    .bind(reason)
    .bind(purchase_id)
    .bind(actor)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
