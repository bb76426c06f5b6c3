//! The evidence package of a completed document (X-6): a zip with the signed PDF
//! (`signed.pdf`), the task's events as `evidence.json` — linked in a hash chain — and
//! `evidence.pdf`, a report of the same events in Chinese, signed by the platform under a
//! one-off certificate from its own CA and timestamped by its own TSA (PAdES B-T). The report
//! carries the SHA-256 of `evidence.json` in its `/Info` (`SignetEvidence`) and in its text, so
//! the signed report vouches for the JSON byte for byte. `certificates.pem` holds the platform's
//! CA certificates for a reader without them. [`check`] verifies a package offline
//! (`signet verify --evidence FILE.zip`).
//!
//! # What the tasks code fills
//!
//! ```ignore
//! let zip = contracts::evidence::build(platform, EvidenceInput {
//!     task_id: task.id.clone(),           // the task
//!     task_title: task.title.clone(),
//!     document_id: document.id.clone(),   // the completed document
//!     document_name: document.name.clone(),
//!     signed_pdf: final_pdf_bytes,        // the document as completed (after B-LTA)
//!     events: vec![EvidenceEvent {
//!         kind: EvidenceKind::Signed,     // Launch | View | SmsSent | IntentConfirmed | Signed | Completed
//!         at: event.at,                   // Unix seconds
//!         actor: "张*丰".into(),          // who (a person's name masked; an enterprise's in full)
//!         phone: Some(phone),             // masked here whatever is given
//!         ip: Some(ip),
//!         user_agent: Some(user_agent),
//!         hash_before: Some(hex_sha256_before), // signed: the document before and after
//!         hash_after: Some(hex_sha256_after),
//!         detail: Some("甲方签署".into()),  // free text shown in the report
//!     }, /* … in time order */],
//! }).await?;
//! ```
//!
//! Events go in time order. The last event's `hash_after` must be the SHA-256 of `signed_pdf`
//! (for a completed document: the `Completed` event carries the final file's hash), or the
//! package will not pass [`check`].

mod build;
mod chain;
mod check;
mod report;

use serde::{Deserialize, Serialize};

pub use build::{SIGNER_NAME, build};
pub use chain::{Entry, EvidenceJson, FORMAT, TaskHeader, canonical_hash};
pub use check::{EvidenceCheck, Finding, check};

use crate::platform::clock::Timestamp;

/// The zip's entry names.
pub const SIGNED_PDF: &str = "signed.pdf";
pub const EVIDENCE_JSON: &str = "evidence.json";
pub const EVIDENCE_PDF: &str = "evidence.pdf";
pub const CERTIFICATES: &str = "certificates.pem";
/// The `/Info` key of the report that holds the SHA-256 (hex) of `evidence.json`.
pub const INFO_KEY: &str = "SignetEvidence";

/// What happened to the task and its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    Launch,
    View,
    SmsSent,
    IntentConfirmed,
    Signed,
    Completed,
}

impl EvidenceKind {
    /// The report's Chinese word for it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Launch => "发起签署",
            Self::View => "查看文件",
            Self::SmsSent => "发送短信验证码",
            Self::IntentConfirmed => "确认签署意愿",
            Self::Signed => "签署",
            Self::Completed => "签署完成",
        }
    }
}

/// One event, as the tasks code records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceEvent {
    pub kind: EvidenceKind,
    /// Unix seconds.
    pub at: Timestamp,
    /// Who: a person's masked name, an enterprise's name, or `系统`.
    pub actor: String,
    /// Masked by [`build`] whatever is given.
    pub phone: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// SHA-256 (hex) of the document before and after the event (signatures, completion).
    pub hash_before: Option<String>,
    pub hash_after: Option<String>,
    /// Free text shown in the report (e.g. `甲方签署`).
    pub detail: Option<String>,
}

/// Everything a package is made of.
#[derive(Debug, Clone)]
pub struct EvidenceInput {
    pub task_id: String,
    pub task_title: String,
    pub document_id: String,
    pub document_name: String,
    /// The completed document.
    pub signed_pdf: Vec<u8>,
    /// In time order.
    pub events: Vec<EvidenceEvent>,
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}
