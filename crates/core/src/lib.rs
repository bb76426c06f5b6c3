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

pub use error::{CoreError, ErrorKind};
pub use platform::Platform;

/// Every job kind the wings handle: the platform's (messages, purge), the desk's (refunds,
/// expiry reminders) and the CA's (renewing the OCSP responder certificates). The server's
/// workers and the sandbox inbox run jobs with this registry.
pub fn job_handlers() -> platform::jobs::Registry {
    desk::jobs::handlers(platform::jobs::platform_handlers(
        platform::jobs::Registry::new(),
    ))
    .with(ca::RENEW_RESPONDERS, ca::RenewResponders)
}

/// Every recurring schedule of the wings.
pub fn job_schedules() -> Vec<platform::jobs::Schedule> {
    let mut all = platform::jobs::schedules::PLATFORM.to_vec();
    all.extend_from_slice(desk::jobs::SCHEDULES);
    all.extend_from_slice(ca::SCHEDULES);
    all
}
