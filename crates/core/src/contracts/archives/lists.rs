//! Reading and voiding archives (§2.5.2.3–2.5.2.4): 我发起的归档 (`mine`: the caller's, void ones
//! included) and 已完成的归档 (`completed`: every archived one the caller may see), filtered by
//! business type; one archive with its fields, parties and report status; its PDF and its
//! timestamp token; and voiding with a reason (作废), which sends the regulator a void report.
//!
//! A member sees an archive of their enterprise when they administer it, made it, or hold its
//! business type; anyone else gets not found.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::store::values_at;
use super::{AUDIT_VOID, LABEL_EN, LABEL_ZH, state};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::regulator::{self, ReportStatus, subject};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};

/// Largest page.
pub const MAX_LIMIT: i64 = 100;
/// Longest void reason (characters).
pub const MAX_REASON: usize = 200;

/// A list request.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
pub struct ArchiveQuery {
    /// `mine` (我发起的归档) or `completed` (已完成的归档).
    pub list: String,
    /// Only archives of this business type.
    #[serde(default)]
    pub business_type_id: Option<String>,
    /// Words of the title.
    #[serde(default)]
    pub q: Option<String>,
    /// The `next` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
}

/// An archive in a list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArchiveItem {
    pub id: String,
    pub enterprise_id: String,
    pub title: String,
    pub business_type_id: String,
    pub business_type_name: String,
    /// `archived` | `void`.
    pub state: String,
    /// 已归档 | 已作废.
    pub state_label: String,
    pub file_name: String,
    pub pages: i64,
    /// The people, names masked.
    pub persons: Vec<String>,
    pub batch_id: Option<String>,
    pub void_reason: Option<String>,
    /// 待上报 | 已上报 | 上报失败 of its report.
    pub report_label: Option<String>,
    pub created_at: Timestamp,
}

/// A page of a list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArchiveList {
    pub items: Vec<ArchiveItem>,
    pub next: Option<String>,
}

/// A party of an archive.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArchiveParty {
    pub role: String,
    /// `enterprise` or `person`.
    pub kind: String,
    /// The enterprise's name, or the person's masked name.
    pub name: String,
    pub credit_code: Option<String>,
    pub id_masked: Option<String>,
}

/// One archive.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArchiveView {
    #[serde(flatten)]
    pub item: ArchiveItem,
    /// 纸质合同电子化归档（非电子签署）.
    pub label_zh: String,
    pub label_en: String,
    pub sha256: String,
    pub size: i64,
    /// When the platform's TSA stamped the SHA-256.
    pub timestamped_at: Timestamp,
    pub fields: BTreeMap<String, String>,
    pub parties: Vec<ArchiveParty>,
    pub voided_at: Option<Timestamp>,
    /// The regulator reports (the report, then its void report).
    pub reports: Vec<ReportStatus>,
    /// Whether the caller may void it (its maker or the administrator, while archived).
    pub may_void: bool,
}

/// Whether `$1` (the user) may see archive `a`.
const VISIBLE: &str = "EXISTS (SELECT 1 FROM ec_members m WHERE m.enterprise_id = a.enterprise_id \
       AND m.user_id = $1 AND m.state = 'active' AND (m.role = 'admin' OR a.creator_id = $1 \
       OR EXISTS (SELECT 1 FROM ec_member_business_types mt WHERE mt.enterprise_id = a.enterprise_id \
         AND mt.user_id = $1 AND mt.business_type_id = a.business_type_id)))";

const COLUMNS: &str = "a.id, a.enterprise_id, a.title, a.business_type_id, b.name AS type_name, \
     a.state, a.file_name, a.pages, a.batch_id, a.void_reason, a.created_at, a.creator_id, \
     (SELECT r.state FROM ec_regulator_reports r WHERE r.subject_kind = 'archive' \
        AND r.subject_id = a.id AND r.kind = 'report') AS report_state";

fn item(row: &sqlx::any::AnyRow, persons: Vec<String>) -> Result<ArchiveItem, CoreError> {
    let state: String = row.try_get("state")?;
    let report: Option<String> = row.try_get("report_state")?;
    Ok(ArchiveItem {
        id: row.try_get("id")?,
        enterprise_id: row.try_get("enterprise_id")?,
        title: row.try_get("title")?,
        business_type_id: row.try_get("business_type_id")?,
        business_type_name: row.try_get("type_name")?,
        state_label: state::label(&state).to_owned(),
        state,
        file_name: row.try_get("file_name")?,
        pages: row.try_get("pages")?,
        persons,
        batch_id: row.try_get("batch_id")?,
        void_reason: row.try_get("void_reason")?,
        report_label: report.map(|s| regulator::state::label(&s).to_owned()),
        created_at: row.try_get("created_at")?,
    })
}

/// The masked names of the people of each archive.
async fn persons_of(
    platform: &Platform,
    ids: &[String],
) -> Result<BTreeMap<String, Vec<String>>, CoreError> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let holes: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT archive_id, display_name FROM ec_archive_parties \
         WHERE kind = 'person' AND archive_id IN ({}) ORDER BY archive_id, position",
        holes.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(id);
    }
    for row in query.fetch_all(platform.db.pool()).await? {
        out.entry(row.try_get("archive_id")?)
            .or_default()
            .push(row.try_get("display_name")?);
    }
    Ok(out)
}

/// One page of a list of the enterprise's archives for `user_id`.
pub async fn list(
    platform: &Platform,
    user_id: &str,
    enterprise_id: &str,
    query: &ArchiveQuery,
) -> Result<ArchiveList, CoreError> {
    crate::contracts::access::membership(platform.db.pool(), enterprise_id, user_id).await?;
    let condition = match query.list.as_str() {
        "mine" => "a.creator_id = $1",
        "completed" => "a.state = 'archived'",
        _ => {
            return Err(PlatformError::Invalid {
                field: "list",
                zh: "列表须为 mine（我发起的归档）或 completed（已完成的归档）",
                en: "The list must be mine or completed",
            }
            .into());
        }
    };
    let limit = query.limit.unwrap_or(20).clamp(1, MAX_LIMIT);
    let (after_time, after_id) = crate::contracts::tasks::lists::after(query.cursor.as_deref())?
        .unwrap_or((i64::MAX, String::new()));
    let search = query
        .q
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let sql = format!(
        "SELECT {COLUMNS} FROM ec_archives a JOIN ec_business_types b ON b.id = a.business_type_id \
         WHERE a.enterprise_id = $2 AND {condition} AND {VISIBLE} \
           AND ($3 = '' OR a.business_type_id = $3) \
           AND ($4 = '' OR a.title LIKE $5 ESCAPE '\\') \
           AND (a.created_at < $6 OR (a.created_at = $6 AND a.id < $7)) \
         ORDER BY a.created_at DESC, a.id DESC LIMIT {fetch}",
        fetch = limit + 1,
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .bind(enterprise_id)
        .bind(query.business_type_id.as_deref().unwrap_or(""))
        .bind(&search)
        .bind(format!("%{search}%"))
        .bind(after_time)
        .bind(&after_id)
        .fetch_all(platform.db.pool())
        .await?;
    let take = usize::try_from(limit).unwrap_or(0);
    let more = rows.len() > take;
    let rows = &rows[..rows.len().min(take)];
    let ids: Vec<String> = rows
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    let mut persons = persons_of(platform, &ids).await?;
    let items = rows
        .iter()
        .zip(&ids)
        .map(|(row, id)| item(row, persons.remove(id).unwrap_or_default()))
        .collect::<Result<Vec<_>, _>>()?;
    let next = if more {
        items.last().map(|i| format!("{}:{}", i.created_at, i.id))
    } else {
        None
    };
    Ok(ArchiveList { items, next })
}

/// The archive row if `user_id` may see it, with whether they may void it.
async fn visible_row(
    platform: &Platform,
    user_id: &str,
    archive_id: &str,
) -> Result<(sqlx::any::AnyRow, bool), CoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS}, a.sha256, a.size, a.timestamped_at, a.timestamp_token, a.field_values, \
           a.voided_at, \
           (SELECT m.role FROM ec_members m WHERE m.enterprise_id = a.enterprise_id \
              AND m.user_id = $1 AND m.state = 'active') AS my_role \
         FROM ec_archives a JOIN ec_business_types b ON b.id = a.business_type_id \
         WHERE a.id = $2 AND {VISIBLE}"
    )))
    .bind(user_id)
    .bind(archive_id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    let role: Option<String> = row.try_get("my_role")?;
    let creator: String = row.try_get("creator_id")?;
    let may_void = role.as_deref() == Some("admin") || creator == user_id;
    Ok((row, may_void))
}

/// One archive as `user_id` may see it.
pub async fn view(
    platform: &Platform,
    user_id: &str,
    archive_id: &str,
) -> Result<ArchiveView, CoreError> {
    let (row, may_void) = visible_row(platform, user_id, archive_id).await?;
    let parties = sqlx::query(
        "SELECT role_key, kind, display_name, credit_code, id_masked FROM ec_archive_parties \
         WHERE archive_id = $1 ORDER BY position",
    )
    .bind(archive_id)
    .fetch_all(platform.db.pool())
    .await?
    .iter()
    .map(|p| {
        Ok(ArchiveParty {
            role: p.try_get("role_key")?,
            kind: p.try_get("kind")?,
            name: p.try_get("display_name")?,
            credit_code: p.try_get("credit_code")?,
            id_masked: p.try_get("id_masked")?,
        })
    })
    .collect::<Result<Vec<_>, CoreError>>()?;
    let persons = parties
        .iter()
        .filter(|p| p.kind == "person")
        .map(|p| p.name.clone())
        .collect();
    let sealed: String = row.try_get("field_values")?;
    let fields: BTreeMap<String, String> =
        serde_json::from_str(&platform.cipher.open(values_at(archive_id), &sealed)?)
            .map_err(|e| CoreError::internal(format!("archive values: {e}")))?;
    let item = item(&row, persons)?;
    Ok(ArchiveView {
        may_void: may_void && item.state == state::ARCHIVED,
        item,
        label_zh: LABEL_ZH.to_owned(),
        label_en: LABEL_EN.to_owned(),
        sha256: row.try_get("sha256")?,
        size: row.try_get("size")?,
        timestamped_at: row.try_get("timestamped_at")?,
        fields,
        parties,
        voided_at: row.try_get("voided_at")?,
        reports: regulator::reports::for_subject(platform, subject::ARCHIVE, archive_id).await?,
    })
}

/// The archive's PDF exactly as uploaded, and its file name.
pub async fn pdf(
    platform: &Platform,
    user_id: &str,
    archive_id: &str,
) -> Result<(String, Vec<u8>), CoreError> {
    let (row, _) = visible_row(platform, user_id, archive_id).await?;
    let sha256: String = row.try_get("sha256")?;
    Ok((
        row.try_get("file_name")?,
        platform.blobs.get(&sha256).await?,
    ))
}

/// The RFC 3161 token over the PDF's SHA-256 (DER), for `openssl ts -verify`.
pub async fn timestamp_token(
    platform: &Platform,
    user_id: &str,
    archive_id: &str,
) -> Result<Vec<u8>, CoreError> {
    let (row, _) = visible_row(platform, user_id, archive_id).await?;
    let token: String = row.try_get("timestamp_token")?;
    STANDARD
        .decode(token)
        .map_err(|e| CoreError::internal(format!("archive token: {e}")))
}

/// Voids an archive with a reason: its maker or the administrator, once; the regulator gets a
/// void report in the same transaction.
pub async fn void(
    platform: &Platform,
    user_id: &str,
    archive_id: &str,
    reason: &str,
) -> Result<ArchiveView, CoreError> {
    let (row, may_void) = visible_row(platform, user_id, archive_id).await?;
    if !may_void {
        return Err(ContractsError::RoleRequired("admin").into());
    }
    let reason = crate::contracts::templates::values::clean(reason);
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        return Err(ContractsError::ArchiveInput {
            field: "reason",
            zh: format!("请填写作废原因（最多 {MAX_REASON} 个字）"),
            en: format!("Give the reason for voiding (at most {MAX_REASON} characters)"),
        }
        .into());
    }
    let enterprise_id: String = row.try_get("enterprise_id")?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let moved = sqlx::query(
        "UPDATE ec_archives SET state = $1, void_reason = $2, voided_by = $3, voided_at = $4 \
         WHERE id = $5 AND state = $6",
    )
    .bind(state::VOID)
    .bind(&reason)
    .bind(user_id)
    .bind(now)
    .bind(archive_id)
    .bind(state::ARCHIVED)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved == 0 {
        return Err(ContractsError::ArchiveVoid.into());
    }
    regulator::queue_void(&mut tx, now, subject::ARCHIVE, archive_id).await?;
    platform
        .audit
        .append(
            &mut tx,
            now,
            &AuditEvent::new(user_id, AUDIT_VOID, archive_id).change(
                serde_json::json!({ "state": state::ARCHIVED }),
                serde_json::json!({ "state": state::VOID, "enterprise_id": enterprise_id }),
            ),
        )
        .await?;
    tx.commit().await?;
    view(platform, user_id, archive_id).await
}
