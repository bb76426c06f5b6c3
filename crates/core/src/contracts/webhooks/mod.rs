//! Webhooks (X-5): an enterprise's administrator registers HTTPS endpoints for task events, and
//! each event reaches each subscribed endpoint as a signed POST through the jobs outbox.
//!
//! The task engine calls, **inside the transaction of the change**:
//!
//! ```text
//! pub async fn emit(
//!     tx: &mut Tx,                 // crate::platform::db::Tx
//!     now: Timestamp,              // crate::platform::clock::Timestamp (unix seconds)
//!     enterprise_id: &str,
//!     event: &WebhookEvent,        // WebhookEvent { kind: "task.signed", task_id, data }
//! ) -> Result<usize, CoreError>   // deliveries written (one per subscribed active endpoint)
//! ```
//!
//! `kind` is one of [`TASK_LAUNCHED`], [`TASK_SIGNED`], [`TASK_COMPLETED`], [`TASK_VOID`];
//! `data` carries ids, states, counts and times only (the body is stored in clear and sent to
//! a third party): no names, phones or ID numbers.
//!
//! - `endpoints`: register (URL checked by `target`, secret sealed and shown once), list,
//!   remove, rotate the secret, send a `ping`;
//! - `events`: [`emit`] writes one delivery and one job per endpoint;
//! - `delivery`: the job handler that signs (`signature`) and POSTs, and records the attempt;
//! - `deliveries`: the administrator's view of deliveries and attempts, and redelivery.

pub mod deliveries;
pub mod delivery;
pub mod endpoints;
pub mod events;
pub mod signature;
pub mod target;

pub use deliveries::{Attempt, Delivery};
pub use delivery::{DeliverWebhook, JOB_KIND};
pub use endpoints::{CreatedEndpoint, Endpoint, NewEndpoint};
pub use events::{WebhookEvent, emit};

/// A task was launched (its parties are notified).
pub const TASK_LAUNCHED: &str = "task.launched";
/// A party signed a task.
pub const TASK_SIGNED: &str = "task.signed";
/// The last party signed: the task is complete.
pub const TASK_COMPLETED: &str = "task.completed";
/// The task is void (withdrawn, refused or past its deadline).
pub const TASK_VOID: &str = "task.void";
/// The test event of `POST …/webhooks/{id}/test`; every endpoint receives it when asked.
pub const PING: &str = "ping";

/// The events an endpoint can subscribe to.
pub const EVENT_KINDS: [&str; 4] = [TASK_LAUNCHED, TASK_SIGNED, TASK_COMPLETED, TASK_VOID];

/// Attempts of one delivery job before it is failed (dead-lettered): with the jobs' backoff
/// (10 s doubling, capped at an hour) the last one is about 1 h 25 min after the first.
pub const MAX_ATTEMPTS: i64 = 10;

/// The audit actions of endpoint changes.
pub const AUDIT_CREATE: &str = "contracts.webhook_create";
pub const AUDIT_DELETE: &str = "contracts.webhook_delete";
pub const AUDIT_ROTATE: &str = "contracts.webhook_rotate_secret";
pub const AUDIT_REDELIVER: &str = "contracts.webhook_redeliver";
