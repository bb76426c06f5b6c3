//! `evidence.json`: the task header and its events linked in a hash chain. Each entry's `prev`
//! is the SHA-256 of the previous entry's canonical JSON (the first entry's: of the header's),
//! and `head` is the last entry's. Canonical JSON is the entry serialised compactly with its
//! fields in declared order, so a reader re-serialising the parsed entry gets the same bytes.

use serde::{Deserialize, Serialize};

use super::{EvidenceEvent, EvidenceInput, EvidenceKind, sha256_hex};
use crate::platform::clock::Timestamp;
use crate::platform::mask;

/// The `format` of packages this code writes and reads.
pub const FORMAT: &str = "signet-evidence/1";

/// What the events are about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskHeader {
    pub task_id: String,
    pub task_title: String,
    pub document_id: String,
    pub document_name: String,
}

/// One link of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// 1-based, without gaps.
    pub seq: u64,
    pub kind: EvidenceKind,
    pub at: Timestamp,
    pub actor: String,
    pub phone: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub hash_before: Option<String>,
    pub hash_after: Option<String>,
    pub detail: Option<String>,
    /// SHA-256 (hex) of the previous entry's canonical JSON (the header's for the first).
    pub prev: String,
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceJson {
    pub format: String,
    pub task: TaskHeader,
    /// SHA-256 (hex) of `signed.pdf`.
    pub signed_pdf_sha256: String,
    pub generated_at: Timestamp,
    pub events: Vec<Entry>,
    /// SHA-256 (hex) of the last entry's canonical JSON.
    pub head: String,
}

/// SHA-256 (hex) of `value`'s canonical JSON.
pub fn canonical_hash<T: Serialize>(value: &T) -> String {
    // Serialising these plain structs cannot fail; an empty input would still hash.
    sha256_hex(&serde_json::to_vec(value).unwrap_or_default())
}

fn entry(seq: u64, event: &EvidenceEvent, prev: String) -> Entry {
    Entry {
        seq,
        kind: event.kind,
        at: event.at,
        actor: event.actor.clone(),
        phone: event.phone.as_deref().map(mask::phone),
        ip: event.ip.clone(),
        user_agent: event.user_agent.clone(),
        hash_before: event.hash_before.clone(),
        hash_after: event.hash_after.clone(),
        detail: event.detail.clone(),
        prev,
    }
}

/// The chained JSON of `input`, made at `now`.
pub(super) fn chain(input: &EvidenceInput, now: Timestamp) -> EvidenceJson {
    let task = TaskHeader {
        task_id: input.task_id.clone(),
        task_title: input.task_title.clone(),
        document_id: input.document_id.clone(),
        document_name: input.document_name.clone(),
    };
    let mut prev = canonical_hash(&task);
    let mut events = Vec::with_capacity(input.events.len());
    for (index, event) in input.events.iter().enumerate() {
        let linked = entry(u64::try_from(index + 1).unwrap_or(u64::MAX), event, prev);
        prev = canonical_hash(&linked);
        events.push(linked);
    }
    EvidenceJson {
        format: FORMAT.into(),
        task,
        signed_pdf_sha256: sha256_hex(&input.signed_pdf),
        generated_at: now,
        events,
        head: prev,
    }
}
