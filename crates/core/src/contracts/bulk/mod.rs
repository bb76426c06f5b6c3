//! Bulk launch from Excel (ES-7 §2.5.1.1, issue 15): one task per row of a workbook made from
//! the task's templates. The member downloads the `.xlsx` ([`columns::workbook`]: one column per
//! launcher field, one mobile column per person role, the enterprise's known values prefilled in
//! the first data row, a hidden sheet describing the columns), fills it and uploads it; every
//! row is checked ([`sheet`] reads the file, [`rows`] the values) into a batch with its errors by
//! row and column; any row's contract can be previewed; launching (all rows, or only the rows
//! that pass) spends nothing up front but refuses when the quota is short, and writes one
//! `contracts.bulk_launch` job in the transaction that moves the batch; the job ([`job`])
//! launches the rows in chunks, each chunk's tasks committed with the rows' states and the
//! batch's counters, so a rerun after a restart never launches a row twice.

pub mod batch;
pub mod columns;
pub(crate) mod errors;
pub mod job;
pub mod rows;
pub mod sheet;

use serde::{Deserialize, Serialize};

use super::tasks::OrderKind;
use super::tasks::launch::RidingSeal;
use crate::platform::clock::Timestamp;

pub use batch::{
    BatchProgress, BatchView, LaunchChoice, create, preview, start, template_workbook, view,
};
pub use columns::{Column, ColumnKind, workbook};
pub use job::{BULK_LAUNCH, BulkLaunch, run_chunks};
pub use rows::{CellError, RowReport};

/// Most data rows in one workbook.
pub const MAX_ROWS: usize = 10_000;
/// Largest upload (a full 10,000-row workbook is a few MiB).
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// Rows launched per transaction by the job.
pub const CHUNK_ROWS: usize = 200;

/// How one of the templates' roles signs in every row's task. Person roles take their mobile
/// from the row; enterprise roles are the caller's enterprise unless `enterprise_id` names
/// another certified enterprise.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkParty {
    pub role: String,
    #[serde(default)]
    pub enterprise_id: Option<String>,
    /// For `groups` order.
    #[serde(default)]
    pub group: Option<u32>,
    #[serde(default)]
    pub may_refuse: bool,
    /// An enterprise role's riding seal (骑缝章) over a page range of every document.
    #[serde(default)]
    pub riding_seal: Option<RidingSeal>,
}

/// What every row's task shares.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkSpec {
    pub business_type_id: String,
    /// The tasks' title; `{字段}` is replaced by the row's value of that field.
    pub title: String,
    #[serde(default)]
    pub confidential: bool,
    /// Unix seconds; past it a task becomes void.
    #[serde(default)]
    pub deadline: Option<Timestamp>,
    pub order: OrderKind,
    /// Published templates of the business type, one document each.
    pub template_ids: Vec<String>,
    /// The roles in signing order (roles left out follow in the templates' order).
    #[serde(default)]
    pub parties: Vec<BulkParty>,
    /// A QR code on every page; `None`: on for labour contracts.
    #[serde(default)]
    pub page_qr: Option<bool>,
}
