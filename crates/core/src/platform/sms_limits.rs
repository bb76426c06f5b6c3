//! The gate every SMS a request triggers passes (codes of every purpose, face-check links): a
//! resend gap per number and kind, and a cap per number and 24 hours. Both are conditional
//! updates in the database, so parallel requests and several server nodes share them.

use sqlx::Row as _;

use super::Platform;
use super::accounts::fields::Phone;
use super::clock::Clock as _;
use crate::error::{CoreError, PlatformError};

/// Seconds between two messages of one kind to one number.
pub const RESEND_GAP: i64 = 60;
/// Messages to one number in 24 hours, all kinds together.
pub const DAILY_CAP: i64 = 20;
const DAY: i64 = 24 * 3600;
/// The row that counts a number's messages of every kind.
const ALL: &str = "*";

/// Takes one message of `kind` to `phone` from the gap and the daily cap, or refuses:
/// `sms_too_soon` within the gap (nothing counted), `sms_daily_limit` past the cap.
pub async fn admit(platform: &Platform, phone: &Phone, kind: &str) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let index = platform.cipher.blind_index("phone", phone.as_str());
    for row_kind in [kind, ALL] {
        sqlx::query(
            "INSERT INTO sms_quota (phone_index, kind, last_at, window_start, sent) \
             VALUES ($1, $2, $3, $3, 0) ON CONFLICT (phone_index, kind) DO NOTHING",
        )
        .bind(&index)
        .bind(row_kind)
        .bind(now - DAY)
        .execute(platform.db.pool())
        .await?;
    }
    // The gap first: of parallel requests only one passes it, so refused ones use no quota.
    let gap = sqlx::query(
        "UPDATE sms_quota SET last_at = $1 WHERE phone_index = $2 AND kind = $3 AND last_at <= $4",
    )
    .bind(now)
    .bind(&index)
    .bind(kind)
    .bind(now - RESEND_GAP)
    .execute(platform.db.pool())
    .await?;
    if gap.rows_affected() != 1 {
        let row = sqlx::query("SELECT last_at FROM sms_quota WHERE phone_index = $1 AND kind = $2")
            .bind(&index)
            .bind(kind)
            .fetch_one(platform.db.pool())
            .await?;
        let last: i64 = row.try_get("last_at")?;
        return Err(PlatformError::SmsTooSoon {
            retry_after: (last + RESEND_GAP - now).clamp(1, RESEND_GAP),
        }
        .into());
    }
    let day = sqlx::query(
        "UPDATE sms_quota SET \
         sent = CASE WHEN window_start <= $1 THEN 1 ELSE sent + 1 END, \
         window_start = CASE WHEN window_start <= $1 THEN $2 ELSE window_start END \
         WHERE phone_index = $3 AND kind = $4 AND (window_start <= $1 OR sent < $5)",
    )
    .bind(now - DAY)
    .bind(now)
    .bind(&index)
    .bind(ALL)
    .bind(DAILY_CAP)
    .execute(platform.db.pool())
    .await?;
    if day.rows_affected() != 1 {
        return Err(PlatformError::SmsDailyLimit.into());
    }
    Ok(())
}
