//! A batch: the upload checked row by row and stored (each row's values sealed), read back with
//! its errors and progress, a row's contract previewed, and the launch started — the quota
//! checked for every row to launch and the job written in the transaction that moves the batch.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::columns::{self, Column};
use super::rows::{self, CellError, RowContent, RowReport};
use super::{BULK_LAUNCH, BulkSpec, sheet};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::access::{self, Role};
use crate::contracts::tasks::launch::templates::{fill_options, page_qr_on, versions_for};
use crate::contracts::tasks::launch::{
    LaunchInput, LaunchParty, parties, require_business_type, riding,
};
use crate::contracts::tasks::{OrderKind, quota};
use crate::contracts::templates::{self, PreparedTemplate, RoleKind, TemplateVersion};
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::Clock as _;
use crate::platform::crypto::SealedAt;
use crate::platform::jobs::{self, NewJob, Status};

/// Batch states as stored.
pub mod state {
    pub const VALIDATED: &str = "validated";
    pub const LAUNCHING: &str = "launching";
    pub const DONE: &str = "done";
}

/// The job's progress, as the worker reports it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchProgress {
    pub status: Status,
    pub done: i64,
    pub total: i64,
    pub last_error: Option<String>,
}

/// A batch as its initiator (or the enterprise's administrator) sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchView {
    pub id: String,
    pub enterprise_id: String,
    /// `validated` | `launching` | `done`.
    pub state: String,
    pub columns: Vec<Column>,
    pub valid_rows: i64,
    pub invalid_rows: i64,
    /// Rows chosen to launch; of them launched and failed so far.
    pub total: i64,
    pub launched: i64,
    pub failed: i64,
    /// Every data row with its errors (blank rows are not listed).
    pub rows: Vec<RowReport>,
    pub job: Option<BatchProgress>,
}

/// The launch's choice.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LaunchChoice {
    /// Launch only the rows that pass; without it a batch with a refused row is not launched.
    #[serde(default)]
    pub valid_only: bool,
}

pub(crate) fn job_key(batch_id: &str) -> String {
    format!("{BULK_LAUNCH}:{batch_id}")
}

pub(crate) fn content_at(key: &str) -> SealedAt<'_> {
    SealedAt::new("ec_bulk_rows", "content", key)
}

pub(crate) fn row_key(batch_id: &str, row: i64) -> String {
    format!("{batch_id}:{row}")
}

fn json<T: Serialize>(value: &T) -> Result<String, CoreError> {
    serde_json::to_string(value).map_err(|e| CoreError::internal(format!("bulk json: {e}")))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, CoreError> {
    serde_json::from_str(text).map_err(|e| CoreError::internal(format!("bulk json: {e}")))
}

fn party_error(zh: String, en: String) -> CoreError {
    ContractsError::BulkParty { zh, en }.into()
}

/// The parties of every row's task, in signing order: the spec's roles first, then the
/// templates' other roles; person roles without an account yet (each row gives it).
pub(crate) fn plan(
    spec: &BulkSpec,
    versions: &[TemplateVersion],
    enterprise_id: &str,
) -> Result<Vec<LaunchParty>, CoreError> {
    let mut roles: Vec<(String, RoleKind)> = Vec::new();
    for role in versions.iter().flat_map(|v| &v.roles) {
        if !roles.iter().any(|(k, _)| k == &role.key) {
            roles.push((role.key.clone(), role.kind));
        }
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for party in &spec.parties {
        let Some((_, kind)) = roles.iter().find(|(k, _)| k == &party.role) else {
            return Err(party_error(
                format!("模板中没有角色“{}”", party.role),
                format!("the templates have no role \"{}\"", party.role),
            ));
        };
        if !seen.insert(party.role.clone()) {
            return Err(party_error(
                format!("角色“{}”重复", party.role),
                format!("the role \"{}\" appears twice", party.role),
            ));
        }
        out.push(launch_party(&party.role, *kind, party, enterprise_id));
    }
    for (key, kind) in &roles {
        if seen.insert(key.clone()) {
            let default = super::BulkParty {
                role: key.clone(),
                enterprise_id: None,
                group: None,
                may_refuse: false,
                riding_seal: None,
            };
            out.push(launch_party(key, *kind, &default, enterprise_id));
        }
    }
    if spec.order == OrderKind::Groups && out.iter().any(|p| p.group.is_none()) {
        return Err(party_error(
            "按组签署时每个角色都须指定签署组".into(),
            "with groups, every role needs a group".into(),
        ));
    }
    Ok(out)
}

fn launch_party(
    role: &str,
    kind: RoleKind,
    party: &super::BulkParty,
    enterprise_id: &str,
) -> LaunchParty {
    LaunchParty {
        role: role.to_owned(),
        kind: match kind {
            RoleKind::Person => "person".into(),
            RoleKind::Enterprise => "enterprise".into(),
        },
        user_id: None,
        phone: None,
        enterprise_id: (kind == RoleKind::Enterprise).then(|| {
            party
                .enterprise_id
                .clone()
                .unwrap_or_else(|| enterprise_id.to_owned())
        }),
        group: party.group,
        may_refuse: party.may_refuse,
        riding_seal: party.riding_seal.clone(),
        contact_id: None,
    }
}

/// The launch input of one row (no documents: the job adds them).
pub(crate) fn row_input(
    spec: &BulkSpec,
    enterprise_id: &str,
    planned: &[LaunchParty],
    content: &RowContent,
) -> LaunchInput {
    let mut title = spec.title.clone();
    for (key, value) in &content.values {
        title = title.replace(&format!("{{{key}}}"), value);
    }
    LaunchInput {
        enterprise_id: enterprise_id.to_owned(),
        business_type_id: spec.business_type_id.clone(),
        title,
        confidential: spec.confidential,
        deadline: spec.deadline,
        order: spec.order,
        parties: planned
            .iter()
            .map(|p| {
                let mut p = p.clone();
                if p.kind == "person" {
                    p.user_id = content.persons.get(&p.role).map(|r| r.user_id.clone());
                }
                p
            })
            .collect(),
        cc: Vec::new(),
        documents: Vec::new(),
    }
}

/// The enterprise's known values, by the field keys templates use for them.
pub async fn prefill(
    platform: &Platform,
    enterprise_id: &str,
) -> Result<BTreeMap<String, String>, CoreError> {
    let row = sqlx::query("SELECT name, credit_code FROM ec_enterprises WHERE id = $1")
        .bind(enterprise_id)
        .fetch_optional(platform.db.pool())
        .await?
        .ok_or(PlatformError::NotFound)?;
    let name: String = row.try_get("name")?;
    let code: String = row.try_get("credit_code")?;
    let mut out = BTreeMap::new();
    for key in ["甲方", "用人单位", "用人单位名称", "企业名称", "公司名称"] {
        out.insert(key.to_owned(), name.clone());
    }
    out.insert("统一社会信用代码".to_owned(), code);
    Ok(out)
}

/// The workbook of `template_ids` for the caller (a member who may launch under the type).
pub async fn template_workbook(
    platform: &Platform,
    user_id: &str,
    enterprise_id: &str,
    business_type_id: &str,
    template_ids: &[String],
) -> Result<Vec<u8>, CoreError> {
    require_business_type(platform, enterprise_id, business_type_id, user_id).await?;
    let versions = versions_for(platform, enterprise_id, business_type_id, template_ids).await?;
    let columns = columns::columns(&versions);
    let prefill = prefill(platform, enterprise_id).await?;
    columns::workbook(&versions, &columns, &prefill)
}

/// Checks an upload into a new batch; nothing is launched.
pub async fn create(
    platform: &Platform,
    user_id: &str,
    enterprise_id: &str,
    spec: BulkSpec,
    bytes: &[u8],
) -> Result<BatchView, CoreError> {
    require_business_type(platform, enterprise_id, &spec.business_type_id, user_id).await?;
    let versions = versions_for(
        platform,
        enterprise_id,
        &spec.business_type_id,
        &spec.template_ids,
    )
    .await?;
    let planned = plan(&spec, &versions, enterprise_id)?;
    // The enterprises sign in every row: resolved once now, so a bad one is refused up front.
    let enterprises: Vec<LaunchParty> = planned
        .iter()
        .filter(|p| p.kind == "enterprise")
        .cloned()
        .collect();
    if !enterprises.is_empty() {
        let probe = LaunchInput {
            order: OrderKind::Unordered,
            parties: enterprises,
            ..row_input(&spec, enterprise_id, &[], &RowContent::default())
        };
        parties::resolve_parties(platform, &probe).await?;
    }
    let pages: Vec<(String, usize)> = versions
        .iter()
        .map(|v| (v.name.clone(), v.pages.len()))
        .collect();
    riding::check(platform, &planned, &pages).await?;
    let columns = columns::columns(&versions);
    let upload = sheet::read(bytes, &columns)?;
    let mut checked = Vec::with_capacity(upload.rows.len());
    for row in &upload.rows {
        let merged = upload.merged_rows.binary_search(&row.row).is_ok();
        let (content, errors) = rows::check(platform, &versions, &columns, row, merged).await?;
        checked.push((i64::from(row.row), content, errors));
    }
    let valid = checked.iter().filter(|(_, _, e)| e.is_empty()).count();
    let invalid = checked.len() - valid;
    let now = platform.clock.now();
    let id = uuid::Uuid::new_v4().to_string();
    let version_ids: Vec<&str> = versions.iter().map(|v| v.id.as_str()).collect();
    let mut tx = platform.db.begin().await?;
    sqlx::query(
        "INSERT INTO ec_bulk_batches (id, enterprise_id, initiator_id, spec, versions, columns, state, \
           valid_rows, invalid_rows, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(&id)
    .bind(enterprise_id)
    .bind(user_id)
    .bind(json(&spec)?)
    .bind(json(&version_ids)?)
    .bind(json(&columns)?)
    .bind(state::VALIDATED)
    .bind(i64::try_from(valid).unwrap_or(0))
    .bind(i64::try_from(invalid).unwrap_or(0))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for (row, content, errors) in &checked {
        let key = row_key(&id, *row);
        sqlx::query(
            "INSERT INTO ec_bulk_rows (batch_id, row_no, state, content, errors) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(row)
        .bind(if errors.is_empty() { "valid" } else { "invalid" })
        .bind(platform.cipher.seal(content_at(&key), &json(content)?)?)
        .bind(json(errors)?)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    view(platform, user_id, &id).await
}

/// The batch's enterprise and initiator, when the caller may see it (its initiator or the
/// enterprise's administrator); `NotFound` otherwise.
async fn owned(
    platform: &Platform,
    user_id: &str,
    batch_id: &str,
) -> Result<sqlx::any::AnyRow, CoreError> {
    let row = sqlx::query(
        "SELECT id, enterprise_id, initiator_id, spec, versions, columns, state, valid_rows, \
           invalid_rows, total, launched, failed FROM ec_bulk_batches WHERE id = $1",
    )
    .bind(batch_id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    let enterprise_id: String = row.try_get("enterprise_id")?;
    let initiator: String = row.try_get("initiator_id")?;
    let role = access::require(platform.db.pool(), &enterprise_id, user_id, Role::Member)
        .await
        .map_err(|_| PlatformError::NotFound)?;
    if initiator != user_id && role != Role::Admin {
        return Err(PlatformError::NotFound.into());
    }
    Ok(row)
}

/// The batch with its rows and progress.
pub async fn view(
    platform: &Platform,
    user_id: &str,
    batch_id: &str,
) -> Result<BatchView, CoreError> {
    let batch = owned(platform, user_id, batch_id).await?;
    let rows = sqlx::query(
        "SELECT row_no, state, errors, task_id FROM ec_bulk_rows WHERE batch_id = $1 ORDER BY row_no",
    )
    .bind(batch_id)
    .fetch_all(platform.db.pool())
    .await?;
    let mut reports = Vec::with_capacity(rows.len());
    for row in &rows {
        let errors: Vec<CellError> = from_json(&row.try_get::<String, _>("errors")?)?;
        let state: String = row.try_get("state")?;
        reports.push(RowReport {
            row: u32::try_from(row.try_get::<i64, _>("row_no")?).unwrap_or(0),
            ok: errors.is_empty(),
            errors,
            state,
            task_id: row.try_get("task_id")?,
        });
    }
    let job = jobs::queue::by_key(platform, &job_key(batch_id))
        .await?
        .map(|j| BatchProgress {
            status: j.status,
            done: j.progress_done,
            total: j.progress_total,
            last_error: j.last_error,
        });
    Ok(BatchView {
        id: batch.try_get("id")?,
        enterprise_id: batch.try_get("enterprise_id")?,
        state: batch.try_get("state")?,
        columns: from_json(&batch.try_get::<String, _>("columns")?)?,
        valid_rows: batch.try_get("valid_rows")?,
        invalid_rows: batch.try_get("invalid_rows")?,
        total: batch.try_get("total")?,
        launched: batch.try_get("launched")?,
        failed: batch.try_get("failed")?,
        rows: reports,
        job,
    })
}

/// The contract of row `row` (document `document`, 0-based) as it will look when launched.
pub async fn preview(
    platform: &Platform,
    user_id: &str,
    batch_id: &str,
    row: i64,
    document: usize,
) -> Result<Vec<u8>, CoreError> {
    let batch = owned(platform, user_id, batch_id).await?;
    let found =
        sqlx::query("SELECT state, content FROM ec_bulk_rows WHERE batch_id = $1 AND row_no = $2")
            .bind(batch_id)
            .bind(row)
            .fetch_optional(platform.db.pool())
            .await?
            .ok_or(PlatformError::NotFound)?;
    if matches!(
        found.try_get::<String, _>("state")?.as_str(),
        "invalid" | "skipped"
    ) {
        return Err(ContractsError::BulkRowInvalid.into());
    }
    let key = row_key(batch_id, row);
    let content: RowContent = from_json(
        &platform
            .cipher
            .open(content_at(&key), &found.try_get::<String, _>("content")?)?,
    )?;
    let version_ids: Vec<String> = from_json(&batch.try_get::<String, _>("versions")?)?;
    let version_id = version_ids.get(document).ok_or(PlatformError::NotFound)?;
    let version = templates::version(platform, version_id).await?;
    let spec: BulkSpec = from_json(&batch.try_get::<String, _>("spec")?)?;
    let qr = page_qr_on(platform, &spec.business_type_id, spec.page_qr).await?;
    let options = fill_options(platform, qr, "preview", document);
    let values = version_values(&version, &content);
    let source = platform.blobs.get(&version.pdf_blob).await?;
    tokio::task::spawn_blocking(move || {
        PreparedTemplate::new(&source, &version)?
            .fill(&values, &options)
            .map(|f| f.pdf)
    })
    .await
    .map_err(|e| CoreError::internal(format!("preview: {e}")))?
}

/// The row's values that `version` has fields for.
pub(crate) fn version_values(
    version: &TemplateVersion,
    content: &RowContent,
) -> templates::Normalised {
    let mut out = templates::Normalised::default();
    for field in version.fields.iter().filter(|f| f.role.is_none()) {
        if let Some(value) = content.values.get(&field.key) {
            out.values.insert(field.key.clone(), value.clone());
        }
    }
    out
}

/// Starts the launch: the rows to launch (all, or with `valid_only` the ones that pass), the
/// quota checked for all of them (refused naming how many are missing), and the job written in
/// the transaction that moves the batch to `launching`.
pub async fn start(
    platform: &Platform,
    user_id: &str,
    batch_id: &str,
    choice: &LaunchChoice,
) -> Result<BatchView, CoreError> {
    let batch = owned(platform, user_id, batch_id).await?;
    let enterprise_id: String = batch.try_get("enterprise_id")?;
    let spec: BulkSpec = from_json(&batch.try_get::<String, _>("spec")?)?;
    require_business_type(platform, &enterprise_id, &spec.business_type_id, user_id).await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let current =
        sqlx::query("SELECT state, valid_rows, invalid_rows FROM ec_bulk_batches WHERE id = $1")
            .bind(batch_id)
            .fetch_one(&mut *tx)
            .await?;
    let now_state: String = current.try_get("state")?;
    if now_state != state::VALIDATED {
        return Err(ContractsError::BulkState(now_state).into());
    }
    let valid: i64 = current.try_get("valid_rows")?;
    let invalid: i64 = current.try_get("invalid_rows")?;
    if invalid > 0 && !choice.valid_only {
        return Err(ContractsError::BulkInvalidRows { count: invalid }.into());
    }
    if valid == 0 {
        return Err(ContractsError::BulkEmpty.into());
    }
    quota::require(platform, &mut tx, &enterprise_id, valid).await?;
    let moved = sqlx::query(
        "UPDATE ec_bulk_batches SET state = $1, total = $2, updated_at = $3 WHERE id = $4 AND state = $5",
    )
    .bind(state::LAUNCHING)
    .bind(valid)
    .bind(now)
    .bind(batch_id)
    .bind(state::VALIDATED)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(ContractsError::BulkState(state::LAUNCHING.into()).into());
    }
    sqlx::query(
        "UPDATE ec_bulk_rows SET state = 'skipped' WHERE batch_id = $1 AND state = 'invalid'",
    )
    .bind(batch_id)
    .execute(&mut *tx)
    .await?;
    let job = NewJob::new(
        BULK_LAUNCH,
        job_key(batch_id),
        serde_json::json!({ "batch_id": batch_id }),
    )
    .owner(user_id);
    jobs::enqueue(&mut tx, now, &job).await?;
    tx.commit().await?;
    view(platform, user_id, batch_id).await
}
