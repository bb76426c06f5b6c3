//! The report rows: one per subject and kind, written in the transaction of the change that
//! causes it together with its delivery job, read back as the status an enterprise sees, and
//! listed for staff, who can resend a failed one.

use serde::Serialize;
use sqlx::Row as _;

use super::{JOB_KIND, MAX_ATTEMPTS, kind, state};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::db::Tx;
use crate::platform::jobs::{self, NewJob};

/// The status of a subject's report, as the enterprise sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportStatus {
    /// The report's id: the `Idempotency-Key` the regulator saw.
    pub id: String,
    /// `report` or `void`.
    pub kind: String,
    /// `pending` | `reported` | `failed`.
    pub state: String,
    /// 待上报 | 已上报 | 上报失败.
    pub state_label: String,
    pub attempts: i64,
    /// The regulator's receipt number, once reported.
    pub receipt_id: Option<String>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub reported_at: Option<Timestamp>,
}

/// A report as staff list it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportRow {
    #[serde(flatten)]
    pub status: ReportStatus,
    /// `task` or `archive`.
    pub subject_kind: String,
    pub subject_id: String,
    pub enterprise_id: String,
    pub enterprise_name: String,
    /// The HTTP status of the last answer, if any.
    pub last_status: Option<i64>,
    pub updated_at: Timestamp,
}

fn job(report_id: &str, suffix: &str) -> NewJob {
    NewJob::new(
        JOB_KIND,
        format!("{JOB_KIND}:{report_id}{suffix}"),
        serde_json::json!({ "report_id": report_id }),
    )
    .max_attempts(MAX_ATTEMPTS)
}

/// Writes the `kind` report of a subject and its delivery job in `tx`, once: `None` when the
/// subject already has that report.
async fn queue(
    tx: &mut Tx,
    now: Timestamp,
    subject_kind: &str,
    subject_id: &str,
    enterprise_id: &str,
    report_kind: &str,
) -> Result<Option<String>, CoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let written = sqlx::query(
        "INSERT INTO ec_regulator_reports (id, subject_kind, subject_id, enterprise_id, kind, state, \
           created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
         ON CONFLICT (subject_kind, subject_id, kind) DO NOTHING",
    )
    .bind(&id)
    .bind(subject_kind)
    .bind(subject_id)
    .bind(enterprise_id)
    .bind(report_kind)
    .bind(state::PENDING)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if written == 0 {
        return Ok(None);
    }
    jobs::enqueue(tx, now, &job(&id, "")).await?;
    Ok(Some(id))
}

/// Queues the report of a completed contract or a stored archive, in the transaction that
/// completes or stores it.
pub async fn queue_report(
    tx: &mut Tx,
    now: Timestamp,
    subject_kind: &str,
    subject_id: &str,
    enterprise_id: &str,
) -> Result<Option<String>, CoreError> {
    queue(
        tx,
        now,
        subject_kind,
        subject_id,
        enterprise_id,
        kind::REPORT,
    )
    .await
}

/// Queues a void report of a subject withdrawn or voided after its report was queued, in the
/// transaction that voids it; a subject never reported gets none.
pub async fn queue_void(
    tx: &mut Tx,
    now: Timestamp,
    subject_kind: &str,
    subject_id: &str,
) -> Result<Option<String>, CoreError> {
    let reported = sqlx::query(
        "SELECT enterprise_id FROM ec_regulator_reports \
         WHERE subject_kind = $1 AND subject_id = $2 AND kind = $3",
    )
    .bind(subject_kind)
    .bind(subject_id)
    .bind(kind::REPORT)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = reported else {
        return Ok(None);
    };
    let enterprise_id: String = row.try_get("enterprise_id")?;
    queue(
        tx,
        now,
        subject_kind,
        subject_id,
        &enterprise_id,
        kind::VOID,
    )
    .await
}

const COLUMNS: &str = "r.id, r.kind, r.state, r.attempts, r.receipt_id, r.last_error, r.created_at, \
     r.reported_at, r.subject_kind, r.subject_id, r.enterprise_id, r.last_status, r.updated_at";

fn status(row: &sqlx::any::AnyRow) -> Result<ReportStatus, CoreError> {
    let state: String = row.try_get("state")?;
    Ok(ReportStatus {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        state_label: state::label(&state).to_owned(),
        state,
        attempts: row.try_get("attempts")?,
        receipt_id: row.try_get("receipt_id")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        reported_at: row.try_get("reported_at")?,
    })
}

/// The reports of a subject (the report, then its void report if any). Callers check that the
/// reader may see the subject.
pub async fn for_subject(
    platform: &Platform,
    subject_kind: &str,
    subject_id: &str,
) -> Result<Vec<ReportStatus>, CoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM ec_regulator_reports r \
         WHERE r.subject_kind = $1 AND r.subject_id = $2 ORDER BY r.created_at, r.kind"
    )))
    .bind(subject_kind)
    .bind(subject_id)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter().map(status).collect()
}

/// Reports for staff, newest first, optionally of one state.
pub async fn list(
    platform: &Platform,
    only_state: Option<&str>,
    limit: i64,
) -> Result<Vec<ReportRow>, CoreError> {
    if let Some(wanted) = only_state
        && ![state::PENDING, state::REPORTED, state::FAILED].contains(&wanted)
    {
        return Err(PlatformError::Invalid {
            field: "state",
            zh: "状态须为 pending、reported 或 failed",
            en: "state must be pending, reported or failed",
        }
        .into());
    }
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS}, e.name AS enterprise_name FROM ec_regulator_reports r \
         JOIN ec_enterprises e ON e.id = r.enterprise_id \
         WHERE ($1 = '' OR r.state = $1) ORDER BY r.updated_at DESC, r.id LIMIT $2"
    )))
    .bind(only_state.unwrap_or(""))
    .bind(limit.clamp(1, 500))
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ReportRow {
                status: status(row)?,
                subject_kind: row.try_get("subject_kind")?,
                subject_id: row.try_get("subject_id")?,
                enterprise_id: row.try_get("enterprise_id")?,
                enterprise_name: row.try_get("enterprise_name")?,
                last_status: row.try_get("last_status")?,
                updated_at: row.try_get("updated_at")?,
            })
        })
        .collect()
}

/// Counts of reports by state (the staff dashboard).
pub async fn counts(platform: &Platform) -> Result<Vec<(String, i64)>, CoreError> {
    let rows = sqlx::query(
        "SELECT state, CAST(COUNT(*) AS BIGINT) AS n FROM ec_regulator_reports GROUP BY state ORDER BY state",
    )
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("state")?, r.try_get("n")?)))
        .collect()
}

/// Sends a failed report again: back to 待上报 with a new delivery job (the same body and key).
/// Only a failed report can be resent; of racing resends exactly one re-queues it.
pub async fn resend(platform: &Platform, report_id: &str, staff_id: &str) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let moved = sqlx::query(
        "UPDATE ec_regulator_reports SET state = $1, last_error = NULL, updated_at = $2 \
         WHERE id = $3 AND state = $4",
    )
    .bind(state::PENDING)
    .bind(now)
    .bind(report_id)
    .bind(state::FAILED)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved == 0 {
        let exists = sqlx::query("SELECT state FROM ec_regulator_reports WHERE id = $1")
            .bind(report_id)
            .fetch_optional(&mut *tx)
            .await?;
        return Err(match exists {
            None => PlatformError::NotFound.into(),
            Some(_) => ContractsError::ReportNotFailed.into(),
        });
    }
    let suffix = format!(":resend:{}", uuid::Uuid::new_v4().simple());
    jobs::enqueue(&mut tx, now, &job(report_id, &suffix)).await?;
    platform
        .audit
        .append(
            &mut tx,
            now,
            &AuditEvent::new(staff_id, super::AUDIT_RESEND, report_id),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}
