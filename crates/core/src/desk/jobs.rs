//! The desk's job kinds: cloud issuance after approval, invoices, refunds through the gateway,
//! the hourly expiry reminders and the purge of expired certificate-login challenges and one-time
//! links.

use async_trait::async_trait;

use crate::Platform;
use crate::error::CoreError;
use crate::platform::clock::Clock as _;
use crate::platform::jobs::{Handler, Registry, RunningJob, Schedule, Status};

pub const EXPIRY_REMINDERS: &str = "desk.expiry_reminders";
pub const PURGE: &str = "desk.purge";
/// Queued by [`super::orders::apply`] when an order completes, is cancelled or refunded (payload
/// `{"order_id": …}`), for whoever builds on desk orders (the e-contract wing registers the
/// handler); the desk itself does nothing with it.
pub const ORDER_SETTLED: &str = "desk.order_settled";

/// The desk's recurring jobs.
pub const SCHEDULES: &[Schedule] = &[
    Schedule {
        name: EXPIRY_REMINDERS,
        kind: EXPIRY_REMINDERS,
        every_seconds: 3600,
    },
    Schedule {
        name: PURGE,
        kind: PURGE,
        every_seconds: 3600,
    },
];

/// Adds the desk's kinds to `registry`.
pub fn handlers(registry: Registry) -> Registry {
    registry
        .with(super::production::ISSUE, super::production::IssueHandler)
        .with(super::invoices::INVOICE, super::invoices::InvoiceHandler)
        .with(super::payments::REFUND, super::payments::RefundHandler)
        .with(EXPIRY_REMINDERS, ExpiryReminders)
        .with(PURGE, Purge)
}

/// Runs the desk job written under `key` right after the request that wrote it committed, so the
/// answer shows its effect (the issued certificate, the invoice) as before it was a job. A job a
/// worker took first, or one that fails here, is left to the workers and their retries: the
/// request's own change has committed and stands.
pub(crate) async fn run_now(platform: &Platform, key: &str) {
    match crate::platform::jobs::worker::run_key(platform, &handlers(Registry::new()), key).await {
        Ok(None | Some(Status::Done)) => {}
        Ok(Some(status)) => {
            tracing::warn!(
                key,
                status = status.as_str(),
                "desk job left to the workers"
            );
        }
        Err(error) => tracing::warn!(key, %error, "desk job left to the workers"),
    }
}

/// Deletes certificate-login challenges and one-time links a day past their expiry (they are
/// refused from their expiry on; the day keeps them for a support question).
struct Purge;

#[async_trait]
impl Handler for Purge {
    async fn run(&self, platform: &Platform, _job: &RunningJob) -> Result<(), CoreError> {
        let before = platform.clock.now() - crate::platform::jobs::housekeeping::GRACE_SECONDS;
        let challenges = sqlx::query("DELETE FROM cert_challenges WHERE expires_at <= $1")
            .bind(before)
            .execute(platform.db.pool())
            .await?
            .rows_affected();
        let links = sqlx::query("DELETE FROM desk_links WHERE expires_at <= $1")
            .bind(before)
            .execute(platform.db.pool())
            .await?
            .rows_affected();
        tracing::debug!(challenges, links, "expired desk rows purged");
        Ok(())
    }
}

/// Queues the expiry reminders that are due (each certificate's reminder once).
struct ExpiryReminders;

#[async_trait]
impl Handler for ExpiryReminders {
    async fn run(&self, platform: &Platform, _job: &RunningJob) -> Result<(), CoreError> {
        let queued = super::certificates::send_expiry_reminders(platform).await?;
        tracing::debug!(queued, "expiry reminders");
        Ok(())
    }
}
