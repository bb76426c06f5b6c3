//! Signet's domain: the `platform` floor (accounts, database, audit, providers) and three wings on
//! it: `ca` (the certificate authority), `desk` (the certificate registration desk) and `contracts`
//! (the e-contract platform). Nothing here knows HTTP.

pub mod ca;
pub mod contracts;
pub mod desk;
pub mod error;
pub mod platform;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{CoreError, ErrorKind, PlatformError};
pub use platform::Platform;

use platform::audit::checkpoint;

/// Every job kind the wings handle: the platform's (messages, purge, audit checkpoints), the
/// desk's (refunds, expiry reminders), the CA's (renewing the OCSP responder certificates) and
/// the e-contract wing's (webhook deliveries).
/// The server's workers and the sandbox inbox run jobs with this registry.
pub fn job_handlers() -> platform::jobs::Registry {
    let audit_checkpoint = checkpoint::CheckpointJob(std::sync::Arc::new(ca::TsaNotary));
    desk::jobs::handlers(platform::jobs::platform_handlers(
        platform::jobs::Registry::new(),
    ))
    .with(checkpoint::CHECKPOINT, audit_checkpoint)
    .with(ca::RENEW_RESPONDERS, ca::RenewResponders)
    .with(desk::ORDER_SETTLED, contracts::settle::OrderSettled)
    .with(contracts::tasks::EXPIRE, contracts::tasks::ExpireTasks)
    .with(
        contracts::tasks::BUILD_EVIDENCE,
        contracts::tasks::BuildEvidence,
    )
    .with(contracts::bulk::BULK_LAUNCH, contracts::bulk::BulkLaunch)
    .with(contracts::tasks::BATCH_SIGN, contracts::tasks::BatchSign)
    .with(
        contracts::billing::EXPIRE_PURCHASES,
        contracts::billing::ExpirePurchases,
    )
    .with(
        contracts::webhooks::JOB_KIND,
        contracts::webhooks::DeliverWebhook,
    )
    .with(
        contracts::regulator::JOB_KIND,
        contracts::regulator::SendReport,
    )
}

/// Every recurring schedule of the wings.
pub fn job_schedules() -> Vec<platform::jobs::Schedule> {
    let mut all = platform::jobs::schedules::PLATFORM.to_vec();
    all.extend_from_slice(desk::jobs::SCHEDULES);
    all.push(checkpoint::SCHEDULE);
    all.extend_from_slice(ca::SCHEDULES);
    all.push(contracts::tasks::SCHEDULE);
    all.push(contracts::billing::SCHEDULE);
    all
}

/// Writes an audit checkpoint now, stamped by the CA's TSA, if the chain moved since the last
/// one (the recurring job does it every five minutes; `signet serve` also at shutdown).
pub async fn audit_checkpoint(
    platform: &Platform,
) -> Result<Option<checkpoint::Checkpoint>, CoreError> {
    checkpoint::make(platform, &ca::TsaNotary).await
}

/// `signet audit verify`: the chain, checked against the newest checkpoint outside the
/// database; after a clean pass, a fresh checkpoint is written.
pub async fn audit_verify(platform: &Platform) -> Result<platform::audit::AuditReport, CoreError> {
    let report = checkpoint::verify(platform, &ca::TsaNotary).await?;
    if report.problem.is_none() {
        audit_checkpoint(platform).await?;
    }
    Ok(report)
}
