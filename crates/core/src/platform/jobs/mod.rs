//! Background jobs and the transactional outbox. A change writes its jobs in its own transaction
//! (`queue::enqueue`); workers in the server process claim due jobs under a lease, run the
//! handler registered for the kind, and record done, a retry after backoff, or a dead letter.
//! Recurring schedules enqueue one job per period however many nodes run.
//!
//! `queue` is the table, `worker` the registry and the run loop, `schedules` the recurring
//! jobs, `messages` the SMS/e-mail outbox and `housekeeping` the platform's purge.

pub mod housekeeping;
pub mod messages;
pub mod probe;
pub mod queue;
pub mod schedules;
pub mod worker;

pub use queue::{Job, NewJob, Status, enqueue};
pub use schedules::Schedule;
pub use worker::{Handler, Registry, RunningJob, WorkerConfig, drain};

/// The platform's own kinds; the wings add theirs (see `signet_core::job_handlers`).
pub fn platform_handlers(registry: Registry) -> Registry {
    registry
        .with(messages::SMS, messages::SendSms)
        .with(messages::EMAIL, messages::SendEmail)
        .with(housekeeping::PURGE, housekeeping::Purge)
        .with(probe::PROBE, probe::Probe)
}
