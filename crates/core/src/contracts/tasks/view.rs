//! One task as its reader may see it, and who may see it. Visibility is a SQL condition shared
//! with the lists: the initiator, a person party, a cc'd person, a signer of an enterprise party
//! (its administrator or a member holding an open grant of an active seal), and inside the
//! launching enterprise its administrator and — unless the task is confidential — the members
//! holding its business type. Everyone else gets `NotFound`.

use serde::Serialize;
use sqlx::Row as _;

use super::PageSize;
use super::SigningSpot;
use super::events::{self, EventView};
use super::launch::riding::{self, RidingSeal};
use crate::Platform;
use crate::contracts::regulator::{self, ReportStatus, reports};
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::{Clock as _, Timestamp};

/// Who may sign for enterprise `{e}` (a column or bind): `$1` is the user, `$2` now.
pub(crate) fn may_sign_for(enterprise: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM ec_members sm WHERE sm.enterprise_id = {enterprise} AND sm.user_id = $1 \
           AND sm.state = 'active' AND (sm.role = 'admin' OR EXISTS (SELECT 1 FROM ec_seal_grants g \
           JOIN ec_seals s ON s.id = g.seal_id WHERE g.enterprise_id = {enterprise} AND g.user_id = $1 \
           AND s.state = 'active' AND g.revoked_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > $2))))"
    )
}

/// Whether the task `t` is visible to user `$1` at time `$2`.
pub(crate) fn visible() -> String {
    format!(
        "(t.initiator_id = $1 \
          OR EXISTS (SELECT 1 FROM ec_task_parties vp WHERE vp.task_id = t.id AND vp.user_id = $1) \
          OR EXISTS (SELECT 1 FROM ec_task_cc vc WHERE vc.task_id = t.id AND vc.user_id = $1) \
          OR EXISTS (SELECT 1 FROM ec_task_parties vp WHERE vp.task_id = t.id AND vp.kind = 'enterprise' \
                     AND {}) \
          OR EXISTS (SELECT 1 FROM ec_members vm WHERE vm.enterprise_id = t.enterprise_id AND vm.user_id = $1 \
                     AND vm.state = 'active' AND (vm.role = 'admin' OR (t.confidential = 0 AND EXISTS \
                     (SELECT 1 FROM ec_member_business_types vb WHERE vb.enterprise_id = t.enterprise_id \
                      AND vb.user_id = $1 AND vb.business_type_id = t.business_type_id)))))",
        may_sign_for("vp.enterprise_id")
    )
}

/// A party as readers see it: names masked, phone masked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartyView {
    pub id: String,
    pub role: String,
    /// `person` or `enterprise`.
    pub kind: String,
    /// The enterprise's name, or the person's masked name.
    pub name: String,
    pub phone_masked: Option<String>,
    pub enterprise_id: Option<String>,
    pub group: i64,
    pub may_refuse: bool,
    /// `waiting`, `to_sign`, `signed` or `refused`.
    pub state: String,
    pub signed_at: Option<Timestamp>,
    pub refused_reason: Option<String>,
    /// An enterprise party's riding seal (骑缝章), as chosen at launch.
    pub riding_seal: Option<RidingSeal>,
    /// The caller may sign (or refuse) for this party now.
    pub mine: bool,
}

/// A document of the task (its PDF at `/documents/{id}/pdf`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentView {
    pub id: String,
    pub name: String,
    pub template_version_id: Option<String>,
    pub revision: i64,
    pub sha256: String,
    pub pages: Vec<PageSize>,
    pub spots: Vec<SigningSpot>,
}

/// A task as its reader sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskView {
    pub id: String,
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub business_type_id: String,
    pub initiator_id: String,
    pub title: String,
    pub confidential: bool,
    pub deadline: Option<Timestamp>,
    /// `unordered`, `serial` or `groups`.
    pub order: String,
    /// `launched`, `completed` or `void`.
    pub state: String,
    /// `expired`, `withdrawn` or `refused` when void.
    pub void_reason: Option<String>,
    pub void_note: Option<String>,
    pub created_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    pub voided_at: Option<Timestamp>,
    pub parties: Vec<PartyView>,
    pub documents: Vec<DocumentView>,
    /// The event log (for the initiator and the launching enterprise's administrator).
    pub events: Option<Vec<EventView>>,
    /// The reports to the supervising platform (待上报 / 已上报 / 上报失败), for the initiator
    /// and the launching enterprise's administrator; empty until the task completes.
    pub regulator: Option<Vec<ReportStatus>>,
}

/// The task's row when `user_id` may see it; `NotFound` otherwise.
pub(crate) async fn visible_row(
    platform: &Platform,
    user_id: &str,
    task_id: &str,
) -> Result<sqlx::any::AnyRow, CoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT t.*, e.name AS enterprise_name FROM ec_tasks t \
         JOIN ec_enterprises e ON e.id = t.enterprise_id WHERE t.id = $3 AND {}",
        visible()
    )))
    .bind(user_id)
    .bind(platform.clock.now())
    .bind(task_id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound.into())
}

/// The ids of the task's parties `user_id` may act for now (a person party of theirs, an
/// enterprise party they may sign for).
pub(crate) async fn my_parties(
    platform: &Platform,
    user_id: &str,
    task_id: &str,
) -> Result<Vec<String>, CoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT p.id FROM ec_task_parties p WHERE p.task_id = $3 AND (p.user_id = $1 OR \
         (p.kind = 'enterprise' AND {}))",
        may_sign_for("p.enterprise_id")
    )))
    .bind(user_id)
    .bind(platform.clock.now())
    .bind(task_id)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}

pub(crate) async fn documents(
    platform: &Platform,
    task_id: &str,
) -> Result<Vec<(DocumentView, String)>, CoreError> {
    let rows = sqlx::query(
        "SELECT id, name, template_version_id, revision, sha256, pages, spots, blob \
         FROM ec_task_documents WHERE task_id = $1 ORDER BY position",
    )
    .bind(task_id)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let pages: String = r.try_get("pages")?;
            let spots: String = r.try_get("spots")?;
            Ok((
                DocumentView {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    template_version_id: r.try_get("template_version_id")?,
                    revision: r.try_get("revision")?,
                    sha256: r.try_get("sha256")?,
                    pages: serde_json::from_str(&pages)
                        .map_err(|e| CoreError::internal(e.to_string()))?,
                    spots: serde_json::from_str(&spots)
                        .map_err(|e| CoreError::internal(e.to_string()))?,
                },
                r.try_get("blob")?,
            ))
        })
        .collect()
}

pub(crate) async fn parties(
    platform: &Platform,
    task_id: &str,
    mine: &[String],
) -> Result<Vec<PartyView>, CoreError> {
    let rows = sqlx::query(
        "SELECT p.*, u.phone_masked AS phone_masked FROM ec_task_parties p LEFT JOIN users u ON u.id = p.user_id \
         WHERE p.task_id = $1 ORDER BY p.position",
    )
    .bind(task_id)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let id: String = r.try_get("id")?;
            Ok(PartyView {
                mine: mine.contains(&id),
                id,
                role: r.try_get("role_key")?,
                kind: r.try_get("kind")?,
                name: r.try_get("display_name")?,
                phone_masked: r.try_get("phone_masked")?,
                enterprise_id: r.try_get("enterprise_id")?,
                group: r.try_get("group_index")?,
                may_refuse: r.try_get::<i64, _>("may_refuse")? != 0,
                state: r.try_get("state")?,
                signed_at: r.try_get("signed_at")?,
                refused_reason: r.try_get("refused_reason")?,
                riding_seal: riding::from_row(r)?,
            })
        })
        .collect()
}

/// The task `task_id` as `user_id` sees it.
pub async fn show(
    platform: &Platform,
    user_id: &str,
    task_id: &str,
) -> Result<TaskView, CoreError> {
    let row = visible_row(platform, user_id, task_id).await?;
    let mine = my_parties(platform, user_id, task_id).await?;
    let enterprise_id: String = row.try_get("enterprise_id")?;
    let initiator_id: String = row.try_get("initiator_id")?;
    let admin = super::super::access::membership(platform.db.pool(), &enterprise_id, user_id)
        .await
        .is_ok_and(|m| m.role == super::super::access::Role::Admin);
    let (events, regulator) = if initiator_id == user_id || admin {
        (
            Some(events::list(platform.db.pool(), task_id).await?),
            Some(reports::for_subject(platform, regulator::subject::TASK, task_id).await?),
        )
    } else {
        (None, None)
    };
    Ok(TaskView {
        id: row.try_get("id")?,
        enterprise_name: row.try_get("enterprise_name")?,
        business_type_id: row.try_get("business_type_id")?,
        title: row.try_get("title")?,
        confidential: row.try_get::<i64, _>("confidential")? != 0,
        deadline: row.try_get("deadline")?,
        order: row.try_get("order_kind")?,
        state: row.try_get("state")?,
        void_reason: row.try_get("void_reason")?,
        void_note: row.try_get("void_note")?,
        created_at: row.try_get("created_at")?,
        completed_at: row.try_get("completed_at")?,
        voided_at: row.try_get("voided_at")?,
        parties: parties(platform, task_id, &mine).await?,
        documents: documents(platform, task_id)
            .await?
            .into_iter()
            .map(|(d, _)| d)
            .collect(),
        events,
        regulator,
        enterprise_id,
        initiator_id,
    })
}

/// The current revision of a document of a task `user_id` may see: `(file name, PDF)`.
pub async fn document_pdf(
    platform: &Platform,
    user_id: &str,
    task_id: &str,
    document_id: &str,
) -> Result<(String, Vec<u8>), CoreError> {
    visible_row(platform, user_id, task_id).await?;
    let row =
        sqlx::query("SELECT name, blob FROM ec_task_documents WHERE id = $1 AND task_id = $2")
            .bind(document_id)
            .bind(task_id)
            .fetch_optional(platform.db.pool())
            .await?
            .ok_or(PlatformError::NotFound)?;
    let blob: String = row.try_get("blob")?;
    Ok((row.try_get("name")?, platform.blobs.get(&blob).await?))
}
