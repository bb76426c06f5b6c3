//! Paper archives (ES-10, seed 004 §2.5.2): a contract signed on paper is scanned to one PDF and
//! archived with its business type's contract fields and its parties — the archiving enterprise
//! and people on its roster — one at a time ([`single`]) or in bulk from a zip of an Excel
//! workbook and the PDFs it names ([`bulk`], with the zip's checks in [`package`]).
//!
//! An archive is digitised paper, never an e-signature: the PDF is kept exactly as uploaded,
//! hashed (SHA-256) and timestamped by the platform's TSA, and every view says so. Storing one
//! queues its report to the regulator in the same transaction ([`super::regulator`]); voiding
//! it ([`lists::void`]) queues the void report.
//!
//! - [`fields`]: the contract fields an archive of a business type asks for, and their checks;
//! - [`parties`]: the people, each checked against the roster;
//! - [`scan`]: the uploaded PDF's checks (not encrypted, readable, with pages, within limits);
//! - [`store`]: writing archives, their parties and reports, in one transaction;
//! - [`lists`]: 我发起的归档 and 已完成的归档, one archive, its file, voiding.

pub mod bulk;
pub(crate) mod errors;
pub mod fields;
pub mod lists;
pub mod package;
pub mod parties;
pub mod scan;
pub mod single;
mod store;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use lists::{ArchiveItem, ArchiveList, ArchiveQuery, ArchiveView};

/// Audit actions.
pub const AUDIT_CREATE: &str = "contracts.archive_create";
pub const AUDIT_BULK: &str = "contracts.archive_bulk";
pub const AUDIT_VOID: &str = "contracts.archive_void";

/// The label every archive carries: what it is, and what it is not.
pub const LABEL_ZH: &str = "纸质合同电子化归档（非电子签署）";
pub const LABEL_EN: &str = "Digitised paper contract (not e-signed)";

/// An archive's states.
pub mod state {
    /// 已归档.
    pub const ARCHIVED: &str = "archived";
    /// 已作废.
    pub const VOID: &str = "void";

    pub fn label(state: &str) -> &'static str {
        if state == VOID {
            "已作废"
        } else {
            "已归档"
        }
    }
}

/// Longest title (characters).
pub const MAX_TITLE: usize = 100;
/// Most people on one archive.
pub const MAX_PERSONS: usize = 10;

/// A person party as entered: their name and ID number, as on the roster.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonInput {
    pub name: String,
    pub id_number: String,
}

/// A single archive as entered (the PDF travels beside it).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArchiveInput {
    pub business_type_id: String,
    pub title: String,
    /// The contract's fields of the business type, by key ([`fields::for_type`]).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// The people who signed the paper, each on the enterprise's roster.
    pub persons: Vec<PersonInput>,
}

/// A bulk archive's settings (the zip travels beside them).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkInput {
    pub business_type_id: String,
    /// The task's title; a row without its own 合同名称 takes it.
    pub title: String,
}

/// The checked title.
pub(crate) fn title(raw: &str) -> Result<String, (&'static str, &'static str)> {
    let title = crate::contracts::templates::values::clean(raw);
    if title.is_empty() {
        return Err(("请填写合同名称", "Enter the contract's title"));
    }
    if title.chars().count() > MAX_TITLE {
        return Err((
            "合同名称最多 100 个字",
            "The title has at most 100 characters",
        ));
    }
    Ok(title)
}
