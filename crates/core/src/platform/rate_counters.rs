//! Rate limits that must hold across nodes: a counter per bucket, client and fixed window in the
//! database, raised with one atomic upsert, so two servers on one database share the count. The
//! server counts here the requests that guard accounts (SMS sends, logins, PIN tries); the
//! cheaper per-process limits stay in memory.

use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::Clock as _;

/// Counters are kept this long past their window (the hourly purge deletes older ones).
pub const KEEP_SECONDS: i64 = 86_400;

/// Counts one request of `client` in `bucket` and refuses it when more than `limit` came in the
/// current window of `window_seconds`: [`PlatformError::RateLimited`] with the seconds until the
/// window ends. The count and the check are one statement, so parallel requests on any number
/// of nodes cannot slip past the limit.
pub async fn hit(
    platform: &Platform,
    bucket: &str,
    client: &str,
    window_seconds: i64,
    limit: u32,
) -> Result<(), CoreError> {
    let window_seconds = window_seconds.max(1);
    let now = platform.clock.now();
    let window_start = now - now.rem_euclid(window_seconds);
    let hits: i64 = sqlx::query_scalar(
        "INSERT INTO rate_counters (bucket, client, window_start, hits) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (bucket, client, window_start) DO UPDATE SET hits = rate_counters.hits + 1 \
         RETURNING hits",
    )
    .bind(bucket)
    .bind(client)
    .bind(window_start)
    .fetch_one(platform.db.pool())
    .await?;
    if hits > i64::from(limit) {
        return Err(PlatformError::RateLimited {
            retry_after: (window_start + window_seconds - now).max(1),
        }
        .into());
    }
    Ok(())
}

/// Deletes counters of windows that ended more than [`KEEP_SECONDS`] ago.
pub async fn purge(platform: &Platform) -> Result<u64, CoreError> {
    let before = platform.clock.now() - KEEP_SECONDS;
    Ok(
        sqlx::query("DELETE FROM rate_counters WHERE window_start < $1")
            .bind(before)
            .execute(platform.db.pool())
            .await?
            .rows_affected(),
    )
}
