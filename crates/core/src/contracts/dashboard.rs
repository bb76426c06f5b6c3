//! What an operator watches (issue 16's staff dashboard): contracts launched, completed and
//! voided per day (China time), regulator reports by state, jobs in the dead letters, and the
//! contract quota sold. Counted from the database, so every node tells the same numbers; the
//! staff page shows them and `/metrics` exports them.

use serde::Serialize;
use sqlx::Row as _;

use crate::Platform;
use crate::error::CoreError;
use crate::platform::clock::{Clock as _, Timestamp};

/// Sets one day's count of one kind.
type Setter = fn(&mut DayCounts, i64);

/// China is UTC+8 all year.
const CHINA_OFFSET: i64 = 8 * 3600;
const DAY: i64 = 24 * 3600;

/// One day's contract counts.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayCounts {
    /// `YYYY-MM-DD`, China time.
    pub day: String,
    pub launched: i64,
    pub completed: i64,
    pub void: i64,
}

/// The dashboard.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    /// The last `days` days, oldest first, today last.
    pub days: Vec<DayCounts>,
    pub contracts_launched: i64,
    pub contracts_completed: i64,
    pub contracts_void: i64,
    pub reports_pending: i64,
    pub reports_reported: i64,
    pub reports_failed: i64,
    pub jobs_dead: i64,
    /// Contracts of quota sold (purchases), and granted (demo and staff grants).
    pub quota_sold: i64,
    pub quota_granted: i64,
}

/// The China-time day number of `at` (days since 1970-01-01 in UTC+8).
fn day_of(at: Timestamp) -> i64 {
    (at + CHINA_OFFSET).div_euclid(DAY)
}

fn day_text(day: i64) -> String {
    crate::platform::clock::rfc3339(day * DAY)
        .get(..10)
        .unwrap_or_default()
        .to_owned()
}

async fn count(platform: &Platform, sql: &'static str) -> Result<i64, CoreError> {
    Ok(sqlx::query(sql)
        .fetch_one(platform.db.pool())
        .await?
        .try_get("n")?)
}

/// How many tasks have `column` (a time) on each China-time day since `since`, counted by the
/// database: `(day number, count)` pairs.
async fn per_day(
    platform: &Platform,
    column: &'static str,
    since: Timestamp,
) -> Result<Vec<(i64, i64)>, CoreError> {
    let day = format!("({column} + {CHINA_OFFSET}) / {DAY}");
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT CAST({day} AS BIGINT) AS day, CAST(COUNT(*) AS BIGINT) AS n FROM ec_tasks \
         WHERE {column} >= $1 GROUP BY {day}"
    )))
    .bind(since)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("day")?, r.try_get("n")?)))
        .collect()
}

/// The dashboard of the last `days` days (1–90).
pub async fn dashboard(platform: &Platform, days: i64) -> Result<Dashboard, CoreError> {
    let days = days.clamp(1, 90);
    let today = day_of(platform.clock.now());
    let first = today - days + 1;
    let since = first * DAY - CHINA_OFFSET;
    let mut out: Vec<DayCounts> = (first..=today)
        .map(|d| DayCounts {
            day: day_text(d),
            launched: 0,
            completed: 0,
            void: 0,
        })
        .collect();
    let slot = |day: i64| usize::try_from(day - first).ok();
    let columns: [(&'static str, Setter); 3] = [
        ("created_at", |d, n| d.launched = n),
        ("completed_at", |d, n| d.completed = n),
        ("voided_at", |d, n| d.void = n),
    ];
    for (column, set) in columns {
        for (day, n) in per_day(platform, column, since).await? {
            if let Some(d) = slot(day).and_then(|i| out.get_mut(i)) {
                set(d, n);
            }
        }
    }
    let reports = super::regulator::reports::counts(platform).await?;
    let report = |state: &str| {
        reports
            .iter()
            .find(|(s, _)| s == state)
            .map_or(0, |(_, n)| *n)
    };
    Ok(Dashboard {
        days: out,
        contracts_launched: count(
            platform,
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM ec_tasks",
        )
        .await?,
        contracts_completed: count(
            platform,
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM ec_tasks WHERE state = 'completed'",
        )
        .await?,
        contracts_void: count(
            platform,
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM ec_tasks WHERE state = 'void'",
        )
        .await?,
        reports_pending: report(super::regulator::state::PENDING),
        reports_reported: report(super::regulator::state::REPORTED),
        reports_failed: report(super::regulator::state::FAILED),
        jobs_dead: count(
            platform,
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM jobs WHERE status = 'dead'",
        )
        .await?,
        quota_sold: count(
            platform,
            "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) AS n FROM ec_quota_ledger WHERE reason = 'purchase'",
        )
        .await?,
        quota_granted: count(
            platform,
            "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) AS n FROM ec_quota_ledger WHERE reason = 'grant'",
        )
        .await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_counted_in_china_time() {
        // 2026-12-06 16:00 UTC is 2026-12-07 00:00 in China.
        let at = 1_796_572_800;
        assert_eq!(day_text(day_of(at)), "2026-12-07");
        assert_eq!(day_text(day_of(at - 1)), "2026-12-06");
    }
}
