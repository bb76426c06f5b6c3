//! The platform's recurring housekeeping: rows past their life are refused already; deleting
//! them keeps the tables small. Run hourly by a schedule (`schedules::PLATFORM`).

use async_trait::async_trait;

use super::worker::{Handler, RunningJob};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::clock::Clock as _;

pub const PURGE: &str = "platform.purge";

/// SMS codes are kept a day past their expiry (the resend gap and per-day counts read recent
/// codes); sessions and captchas go at once.
pub const GRACE_SECONDS: i64 = 86_400;

/// Deletes expired sessions, captchas, SMS codes, QR login requests and rate-limit counters of
/// past windows.
pub struct Purge;

#[async_trait]
impl Handler for Purge {
    async fn run(&self, platform: &Platform, _job: &RunningJob) -> Result<(), CoreError> {
        let now = platform.clock.now();
        let sessions = crate::platform::sessions::purge(platform).await?;
        let captchas = crate::platform::captcha::purge(platform).await?;
        let codes = sqlx::query("DELETE FROM sms_codes WHERE expires_at <= $1")
            .bind(now - GRACE_SECONDS)
            .execute(platform.db.pool())
            .await?
            .rows_affected();
        let counters = crate::platform::rate_counters::purge(platform).await?;
        // QR login requests: kept a day past their expiry for anyone looking into a sign-in.
        let qr_logins = sqlx::query("DELETE FROM qr_logins WHERE expires_at <= $1")
            .bind(now - GRACE_SECONDS)
            .execute(platform.db.pool())
            .await?
            .rows_affected();
        tracing::debug!(
            sessions,
            captchas,
            sms_codes = codes,
            rate_counters = counters,
            qr_logins,
            "expired rows purged"
        );
        Ok(())
    }
}
