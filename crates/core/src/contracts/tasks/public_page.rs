//! The public page a page QR code opens (ES-15): one page of a task's document as the platform
//! holds it now, with the contract's state and its parties under masked names — for anyone
//! holding the printed contract, so no session. The URL printed on the paper
//! (`/verify/tasks/{task}/documents/{position}/pages/{page}`, see `launch::templates::page_url`)
//! names the task by its random UUID, the document by its 0-based position and the page from 1.
//!
//! Nothing personal leaves here beyond what the paper shows: no title (it often carries the
//! person's name), no phone, no ID number, no note or refusal reason; a person party is the
//! masked name stored at launch, an enterprise party its registered name.

use serde::Serialize;
use sqlx::Row as _;

use super::PageSize;
use crate::Platform;
use crate::contracts::ContractsError;
use crate::error::CoreError;
use crate::platform::clock::Timestamp;

/// A party as the public sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicParty {
    /// The party's role key (`A`, `B`, …).
    pub role: String,
    /// `person` or `enterprise`.
    pub kind: String,
    /// The enterprise's name, or the person's masked name (`张*`).
    pub name: String,
    /// `waiting`, `to_sign`, `signed` or `refused`.
    pub state: String,
    pub signed_at: Option<Timestamp>,
}

/// One page of a document of a task, for the public.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicPage {
    pub task_id: String,
    /// `launched`, `completed` or `void`.
    pub state: String,
    /// `expired`, `withdrawn` or `refused` when void.
    pub void_reason: Option<String>,
    pub launched_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    pub voided_at: Option<Timestamp>,
    /// The launching enterprise.
    pub enterprise_name: String,
    /// The document's 0-based position in the task (as in the URL).
    pub document: u32,
    /// How many documents the task has.
    pub documents: u32,
    pub document_name: String,
    /// The revision of the electronic original shown (0 = as launched, +1 per signature).
    pub revision: i64,
    /// SHA-256 of that revision (hex): the image of the page is of exactly these bytes.
    pub sha256: String,
    /// 1-based.
    pub page: u32,
    pub pages: u32,
    pub size: PageSize,
    pub parties: Vec<PublicParty>,
}

/// The stored document behind a page: enough to render it.
#[derive(Debug, Clone)]
pub(crate) struct PageSource {
    pub sha256: String,
    pub blob: String,
    pub pages: Vec<PageSize>,
}

fn not_found() -> CoreError {
    ContractsError::PageNotFound.into()
}

/// The document at `position` of `task_id`, when `page` (1-based) is one of its pages.
pub(crate) async fn source(
    platform: &Platform,
    task_id: &str,
    position: u32,
    page: u32,
) -> Result<(sqlx::any::AnyRow, PageSource), CoreError> {
    let row = sqlx::query(
        "SELECT name, revision, sha256, pages, blob FROM ec_task_documents \
         WHERE task_id = $1 AND position = $2",
    )
    .bind(task_id)
    .bind(i64::from(position))
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or_else(not_found)?;
    let pages: Vec<PageSize> = serde_json::from_str(&row.try_get::<String, _>("pages")?)
        .map_err(|e| CoreError::internal(e.to_string()))?;
    if page == 0 || page as usize > pages.len() {
        return Err(not_found());
    }
    let source = PageSource {
        sha256: row.try_get("sha256")?,
        blob: row.try_get("blob")?,
        pages,
    };
    Ok((row, source))
}

/// Page `page` (1-based) of the document at `position` (0-based) of `task_id`, for anyone.
/// An unknown task, document or page is [`ContractsError::PageNotFound`]; a void task still
/// shows its pages.
pub async fn show(
    platform: &Platform,
    task_id: &str,
    position: u32,
    page: u32,
) -> Result<PublicPage, CoreError> {
    let (document, source) = self::source(platform, task_id, position, page).await?;
    let task = sqlx::query(
        "SELECT t.state, t.void_reason, t.created_at, t.completed_at, t.voided_at, \
         e.name AS enterprise_name, \
         (SELECT COUNT(*) FROM ec_task_documents d WHERE d.task_id = t.id) AS documents \
         FROM ec_tasks t JOIN ec_enterprises e ON e.id = t.enterprise_id WHERE t.id = $1",
    )
    .bind(task_id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or_else(not_found)?;
    let parties = sqlx::query(
        "SELECT role_key, kind, display_name, state, signed_at FROM ec_task_parties \
         WHERE task_id = $1 ORDER BY position",
    )
    .bind(task_id)
    .fetch_all(platform.db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(PublicParty {
            role: r.try_get("role_key")?,
            kind: r.try_get("kind")?,
            name: r.try_get("display_name")?,
            state: r.try_get("state")?,
            signed_at: r.try_get("signed_at")?,
        })
    })
    .collect::<Result<Vec<_>, CoreError>>()?;
    let size = source.pages[page as usize - 1];
    Ok(PublicPage {
        task_id: task_id.to_owned(),
        state: task.try_get("state")?,
        void_reason: task.try_get("void_reason")?,
        launched_at: task.try_get("created_at")?,
        completed_at: task.try_get("completed_at")?,
        voided_at: task.try_get("voided_at")?,
        enterprise_name: task.try_get("enterprise_name")?,
        document: position,
        documents: u32::try_from(task.try_get::<i64, _>("documents")?).unwrap_or(0),
        document_name: document.try_get("name")?,
        revision: document.try_get("revision")?,
        sha256: source.sha256,
        page,
        pages: u32::try_from(source.pages.len()).unwrap_or(u32::MAX),
        size,
        parties,
    })
}
