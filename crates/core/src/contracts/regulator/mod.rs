//! Reporting to the supervising platform (ES-17, seed 004 §2.5.1.1 and §2.5.2): every completed
//! contract (and every paper archive) is reported to the labour regulator's receiver through the
//! jobs outbox, and a reported subject that is later withdrawn or voided is followed by a void
//! report.
//!
//! - [`reports`]: the report rows (`ec_regulator_reports`): queued in the transaction that
//!   completes the contract, read as a status per contract (待上报 / 已上报 / 上报失败), listed
//!   for staff, resent after a permanent failure;
//! - [`paper`]: the body of a paper archive's report (the same format);
//! - [`payload`]: the JSON body, the elements of a labour contract (`docs/regulator.md` and its
//!   JSON Schema describe it);
//! - [`envelope`]: the body signed by the platform (a detached CMS signature under a one-off
//!   certificate of its CA, timestamped by its TSA) and each document's hash timestamped;
//! - [`send`]: the job that POSTs it with its `Idempotency-Key` and records the answer;
//! - [`sandbox`]: the sandbox's stand-in receiver (`/dev/regulator`).
//!
//! The body is made on the first attempt and stored (sealed: it holds ID numbers), so every
//! retry sends the same bytes under the same key, and the receiver can drop repeats.

pub mod envelope;
pub mod paper;
pub mod payload;
pub mod reports;
pub mod sandbox;
pub mod send;

pub use reports::{ReportRow, ReportStatus, queue_report, queue_void};
pub use send::SendReport;

/// The job kind of one report's delivery.
pub const JOB_KIND: &str = "contracts.regulator_report";

/// Attempts of one delivery before the report is failed (上报失败): with the jobs' backoff
/// (10 s doubling, capped at an hour) the last is about 21 minutes after the first.
pub const MAX_ATTEMPTS: i64 = 8;

/// The payload's format name and version.
pub const FORMAT: &str = "signet-regulator-report/1";

/// The audit action of a staff resend.
pub const AUDIT_RESEND: &str = "contracts.regulator_resend";

/// What a report is about.
pub mod subject {
    /// A contract task, reported when it completes.
    pub const TASK: &str = "task";
    /// A paper archive, reported when it is stored.
    pub const ARCHIVE: &str = "archive";
}

/// A report, or the void report of an earlier one.
pub mod kind {
    pub const REPORT: &str = "report";
    pub const VOID: &str = "void";
}

/// A report's states.
pub mod state {
    /// 待上报: queued or being retried.
    pub const PENDING: &str = "pending";
    /// 已上报: the regulator answered with a receipt.
    pub const REPORTED: &str = "reported";
    /// 上报失败: every attempt failed, or the regulator refused it; staff may resend.
    pub const FAILED: &str = "failed";

    /// The label the enterprise reads.
    pub fn label(state: &str) -> &'static str {
        match state {
            REPORTED => "已上报",
            FAILED => "上报失败",
            _ => "待上报",
        }
    }
}
