//! Launching a task (the core of ES-7): already-rendered documents (from a template and values,
//! or an uploaded PDF) with their signing spots, parties in an order, cc. Everything is checked
//! before anything is written; then one transaction writes the task, spends one contract of the
//! enterprise's quota, logs the launch and queues the SMS to the parties who sign first.
//!
//! [`parties`] resolves who signs (and who may launch), [`documents`] checks the PDFs and their
//! spots, [`write`] is the launch's transaction; [`templates`] fills published templates with
//! values first; [`options`] tells the launch page what a member may launch.

pub mod documents;
pub mod options;
pub mod parties;
pub mod riding;
pub mod templates;
pub mod write;

use std::collections::BTreeMap;

use std::collections::BTreeSet;

use serde::Deserialize;

use super::events::Origin;
use super::{OrderKind, SigningSpot};
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::{Clock as _, Timestamp};

pub use documents::page_sizes;
pub(crate) use parties::{phone_of, require_business_type};
pub use riding::{AllPages, RidingPages, RidingSeal};
pub use templates::{TemplateDocument, TemplateLaunchInput, launch_from_templates};
pub(crate) use write::notify_turn;

/// Most documents in one task, and the largest one.
pub const MAX_DOCUMENTS: usize = 20;
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;
pub const MAX_PARTIES: usize = 20;

/// A rendered document to launch.
#[derive(Debug, Clone)]
pub struct LaunchDocument {
    pub name: String,
    pub template_version_id: Option<String>,
    pub pdf: Vec<u8>,
    pub spots: Vec<SigningSpot>,
    /// The launcher's field values it was filled with (empty for an uploaded PDF); kept sealed
    /// with the document for the regulator's report.
    pub values: BTreeMap<String, String>,
}

/// A party: a registered, real-named person (by user id or phone) or a certified enterprise, or
/// one of the enterprise's frequent contacts (`contact_id`, which gives the kind, the phone or
/// the enterprise).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LaunchParty {
    /// The role key the documents' spots name (`A`, `B`, …).
    pub role: String,
    /// `person` or `enterprise` (may be left out with `contact_id`).
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub enterprise_id: Option<String>,
    /// For `groups` order: the group (signed in ascending order).
    #[serde(default)]
    pub group: Option<u32>,
    /// Whether this party may refuse (refusal voids the task).
    #[serde(default)]
    pub may_refuse: bool,
    /// An enterprise party's riding seal (骑缝章) over a page range of every document.
    #[serde(default)]
    pub riding_seal: Option<RidingSeal>,
    /// A frequent contact of the launching enterprise (`GET …/contacts`): the party is that
    /// person (by the contact's mobile, opened on the server) or that enterprise.
    #[serde(default)]
    pub contact_id: Option<String>,
}

/// What to launch.
#[derive(Debug, Clone)]
pub struct LaunchInput {
    pub enterprise_id: String,
    pub business_type_id: String,
    pub title: String,
    pub confidential: bool,
    pub deadline: Option<Timestamp>,
    pub order: OrderKind,
    pub parties: Vec<LaunchParty>,
    /// Phones of registered, real-named persons copied on the task.
    pub cc: Vec<String>,
    pub documents: Vec<LaunchDocument>,
}

/// The title trimmed, or refused; a deadline in the past refused.
pub(crate) fn check_title(
    title: &str,
    deadline: Option<Timestamp>,
    now: Timestamp,
) -> Result<String, CoreError> {
    let title = title.trim().to_owned();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(PlatformError::Invalid {
            field: "title",
            zh: "合同主题须为 1–200 个字",
            en: "The title must be 1–200 characters",
        }
        .into());
    }
    if deadline.is_some_and(|d| d <= now) {
        return Err(PlatformError::Invalid {
            field: "deadline",
            zh: "签署截止时间须晚于现在",
            en: "The signing deadline must be in the future",
        }
        .into());
    }
    Ok(title)
}

/// Launches the task; returns its id.
pub async fn launch(
    platform: &Platform,
    user_id: &str,
    input: LaunchInput,
    origin: &Origin,
) -> Result<String, CoreError> {
    let task_id = uuid::Uuid::new_v4().to_string();
    launch_with_id(platform, user_id, input, origin, task_id).await
}

/// [`launch`] under an id chosen before (the documents' page QR codes name it).
pub(crate) async fn launch_with_id(
    platform: &Platform,
    user_id: &str,
    mut input: LaunchInput,
    origin: &Origin,
    task_id: String,
) -> Result<String, CoreError> {
    require_business_type(
        platform,
        &input.enterprise_id,
        &input.business_type_id,
        user_id,
    )
    .await?;
    let contacts = crate::contracts::contacts::launch::apply(
        platform,
        &input.enterprise_id,
        &mut input.parties,
    )
    .await?;
    let now = platform.clock.now();
    let title = check_title(&input.title, input.deadline, now)?;
    let parties = parties::resolve_parties(platform, &input).await?;
    let mut cc = BTreeSet::new();
    for phone in &input.cc {
        cc.insert(
            parties::person(platform, None, Some(phone), "抄送人")
                .await?
                .0,
        );
    }
    let documents = documents::check_documents(input.documents, &parties)?;
    let pages: Vec<(String, usize)> = documents
        .iter()
        .map(|d| (d.name.clone(), d.pages.len()))
        .collect();
    riding::check(platform, &input.parties, &pages).await?;
    let mut blobs = Vec::new();
    for document in &documents {
        blobs.push(platform.blobs.put(&document.pdf).await?);
    }
    let ready = write::Ready {
        task_id,
        enterprise_id: input.enterprise_id.clone(),
        business_type_id: input.business_type_id,
        title,
        confidential: input.confidential,
        deadline: input.deadline,
        order: input.order,
        parties,
        cc,
        documents,
        blobs,
    };
    let mut tx = platform.db.begin().await?;
    write::write(platform, &mut tx, user_id, &ready, origin, now).await?;
    tx.commit().await?;
    crate::contracts::contacts::launch::touch(platform, &input.enterprise_id, &contacts).await;
    Ok(ready.task_id)
}
