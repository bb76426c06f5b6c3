//! Recurring jobs. Each schedule is a row with the start of its next period; a node that finds
//! it due moves it on with a conditional UPDATE (only one node's UPDATE matches the old value)
//! and enqueues the period's job under a key naming the period, in the same transaction. So
//! several nodes on one PostgreSQL run each period once, and a period missed while every node
//! was down runs once when one comes back (not once per missed period).

use serde::Serialize;
use sqlx::Row as _;

use super::queue::{self, NewJob};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::clock::{Clock as _, Timestamp};

/// A recurring job: `kind` runs every `every_seconds`, the first time at once.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub name: &'static str,
    pub kind: &'static str,
    pub every_seconds: i64,
}

/// The platform's housekeeping, hourly as `signet serve` always did it.
pub const PLATFORM: &[Schedule] = &[Schedule {
    name: "platform.purge",
    kind: super::housekeeping::PURGE,
    every_seconds: 3600,
}];

/// Writes the schedules that do not exist yet (an existing one keeps its next run time; a
/// changed period applies from the next claim).
pub async fn ensure(platform: &Platform, schedules: &[Schedule]) -> Result<(), CoreError> {
    let now = platform.clock.now();
    for schedule in schedules {
        sqlx::query(
            "INSERT INTO job_schedules (name, kind, every_seconds, next_run_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, every_seconds = excluded.every_seconds",
        )
        .bind(schedule.name)
        .bind(schedule.kind)
        .bind(schedule.every_seconds.max(1))
        .bind(now)
        .execute(platform.db.pool())
        .await?;
    }
    Ok(())
}

/// Claims every due period and enqueues its job; returns how many periods this node claimed.
pub async fn tick(platform: &Platform) -> Result<usize, CoreError> {
    let now = platform.clock.now();
    let due = sqlx::query(
        "SELECT name, kind, every_seconds, next_run_at FROM job_schedules WHERE next_run_at <= $1",
    )
    .bind(now)
    .fetch_all(platform.db.pool())
    .await?;
    let mut claimed = 0;
    for row in due {
        let name: String = row.try_get("name")?;
        let kind: String = row.try_get("kind")?;
        let every: i64 = row.try_get("every_seconds")?;
        let period: Timestamp = row.try_get("next_run_at")?;
        // The next period starts at the first multiple of the interval after now, counted
        // from the claimed one: a node back after a long stop runs one catch-up, not many.
        let skipped = (now - period) / every;
        let next = period + (skipped + 1) * every;
        let mut tx = platform.db.begin().await?;
        let moved = sqlx::query(
            "UPDATE job_schedules SET next_run_at = $1 WHERE name = $2 AND next_run_at = $3",
        )
        .bind(next)
        .bind(&name)
        .bind(period)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() != 1 {
            // Another node claimed this period first.
            continue;
        }
        let job = NewJob::new(
            &kind,
            format!("schedule:{name}:{period}"),
            serde_json::json!({ "schedule": name, "period": period }),
        );
        queue::enqueue(&mut tx, now, &job).await?;
        tx.commit().await?;
        claimed += 1;
    }
    Ok(claimed)
}

/// A schedule as stored, for listings.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleRow {
    pub name: String,
    pub kind: String,
    pub every_seconds: i64,
    pub next_run_at: Timestamp,
}

pub async fn list(platform: &Platform) -> Result<Vec<ScheduleRow>, CoreError> {
    let rows = sqlx::query(
        "SELECT name, kind, every_seconds, next_run_at FROM job_schedules ORDER BY name",
    )
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ScheduleRow {
                name: row.try_get("name")?,
                kind: row.try_get("kind")?,
                every_seconds: row.try_get("every_seconds")?,
                next_run_at: row.try_get("next_run_at")?,
            })
        })
        .collect()
}
