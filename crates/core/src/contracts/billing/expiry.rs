//! Validity: a purchase's contracts lapse `validity_days` after its payment. A recurring job
//! writes, for each lapsed purchase, one `expiry` row taking off what is left of it, so the
//! balance stays the ledger's sum.
//!
//! What is left of a purchase is counted first in, first out: launches use the oldest paid
//! purchase first and granted contracts (which never lapse) last. So the balance is held by the
//! newest lots, and at its lapse a purchase still holds
//! `clamp(balance − grants − contracts of the live purchases paid after it, 0, its contracts)`.
//! A refund (a withdrawn task) goes back to the balance and so to the newest lots. Purchases
//! lapsing together are written off oldest first, each against the balance the previous left.

use async_trait::async_trait;
use sqlx::Row as _;

use crate::Platform;
use crate::contracts::tasks::quota;
use crate::error::CoreError;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;
use crate::platform::db::Backend;
use crate::platform::jobs::{Handler, RunningJob, Schedule};

/// The job kind.
pub const EXPIRE_PURCHASES: &str = "contracts.expire_purchases";
/// Every ten minutes.
pub const SCHEDULE: Schedule = Schedule {
    name: "contracts.expire_purchases",
    kind: EXPIRE_PURCHASES,
    every_seconds: 600,
};

/// Writes off every lapsed purchase; returns how many contracts were taken off in all.
pub async fn expire_due(platform: &Platform) -> Result<i64, CoreError> {
    let now = platform.clock.now();
    let due = sqlx::query(
        "SELECT id, enterprise_id FROM ec_purchases WHERE state = 'paid' AND expired_at IS NULL \
         AND expires_at <= $1 ORDER BY paid_at, id LIMIT 1000",
    )
    .bind(now)
    .fetch_all(platform.db.pool())
    .await?;
    let mut total = 0;
    for row in &due {
        let id: String = row.try_get("id")?;
        let enterprise_id: String = row.try_get("enterprise_id")?;
        total += expire_one(platform, &enterprise_id, &id).await?;
    }
    Ok(total)
}

/// Writes one purchase off in its own transaction, with the enterprise's row locked like a
/// launch locks it; a purchase another node already wrote off is left alone.
async fn expire_one(
    platform: &Platform,
    enterprise_id: &str,
    purchase_id: &str,
) -> Result<i64, CoreError> {
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let lock = match platform.db.backend() {
        Backend::Postgres => "SELECT id FROM ec_enterprises WHERE id = $1 FOR UPDATE",
        Backend::Sqlite => "SELECT id FROM ec_enterprises WHERE id = $1",
    };
    sqlx::query(lock)
        .bind(enterprise_id)
        .fetch_one(&mut *tx)
        .await?;
    let claimed = sqlx::query(
        "UPDATE ec_purchases SET expired_at = $1 WHERE id = $2 AND expired_at IS NULL AND state = 'paid'",
    )
    .bind(now)
    .bind(purchase_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed != 1 {
        return Ok(0);
    }
    let row = sqlx::query("SELECT contracts, paid_at FROM ec_purchases WHERE id = $1")
        .bind(purchase_id)
        .fetch_one(&mut *tx)
        .await?;
    let contracts: i64 = row.try_get("contracts")?;
    let paid_at: i64 = row.try_get("paid_at")?;
    let balance = quota::balance(&mut *tx, enterprise_id).await?;
    let held_after: i64 = sqlx::query(
        "SELECT CAST(COALESCE(SUM(contracts), 0) AS BIGINT) AS n FROM ec_purchases \
         WHERE enterprise_id = $1 AND state = 'paid' AND expired_at IS NULL \
         AND (paid_at > $2 OR (paid_at = $2 AND id > $3))",
    )
    .bind(enterprise_id)
    .bind(paid_at)
    .bind(purchase_id)
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    let grants: i64 = sqlx::query(
        "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) AS n FROM ec_quota_ledger \
         WHERE enterprise_id = $1 AND reason = $2 AND delta > 0",
    )
    .bind(enterprise_id)
    .bind(quota::GRANT)
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    let left = (balance - grants - held_after).clamp(0, contracts);
    if left > 0 {
        quota::record_for_purchase(
            &mut tx,
            enterprise_id,
            -left,
            quota::EXPIRY,
            purchase_id,
            "system",
            now,
        )
        .await?;
    }
    let event = AuditEvent::new(
        "system",
        "contracts.purchase.expired",
        format!("purchase:{purchase_id}"),
    )
    .change(
        serde_json::Value::Null,
        serde_json::json!({"contracts": contracts, "expired": left, "balance_before": balance}),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(left)
}

/// The recurring job.
pub struct ExpirePurchases;

#[async_trait]
impl Handler for ExpirePurchases {
    async fn run(&self, platform: &Platform, _job: &RunningJob) -> Result<(), CoreError> {
        expire_due(platform).await.map(drop)
    }
}
