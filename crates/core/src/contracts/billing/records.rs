//! Purchase records and signing (consumption) records: the quota ledger's rows, with the task's
//! title for launches and refunds and the package's name for purchases and expiries, filtered by
//! kind and date range, as JSON or as an Excel workbook.

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::scope;
use crate::Platform;
use crate::error::CoreError;
use crate::platform::clock::{Timestamp, rfc3339};

/// At most this many rows in a list or a workbook.
pub const MAX_ROWS: i64 = 10_000;

/// Which ledger rows: `purchase` (purchases, grants, expiries), `signing` (launches and
/// refunds) or all.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct RecordFilter {
    /// `purchase` or `signing`; all when absent.
    pub kind: Option<String>,
    /// From this Unix time (inclusive).
    pub from: Option<Timestamp>,
    /// Up to this Unix time (exclusive).
    pub to: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaRecord {
    pub id: String,
    /// `purchase`, `grant`, `expiry`, `launch` or `refund`.
    pub reason: String,
    /// Contracts added (positive) or used (negative).
    pub delta: i64,
    pub task_id: Option<String>,
    pub task_title: Option<String>,
    pub purchase_id: Option<String>,
    pub package_name: Option<String>,
    pub amount_fen: Option<i64>,
    pub created_at: Timestamp,
}

fn reasons(kind: Option<&str>) -> Result<&'static str, CoreError> {
    match kind {
        None | Some("" | "all") => Ok("'purchase', 'grant', 'expiry', 'launch', 'refund'"),
        Some("purchase") => Ok("'purchase', 'grant', 'expiry'"),
        Some("signing") => Ok("'launch', 'refund'"),
        Some(_) => Err(crate::contracts::ContractsError::BillingInput {
            field: "kind",
            zh: "记录类型只能是 purchase（购买记录）或 signing（签署记录）".into(),
            en: "The record kind must be purchase or signing".into(),
        }
        .into()),
    }
}

/// The enterprise's ledger rows, newest first (administrator).
pub async fn list(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    filter: &RecordFilter,
) -> Result<Vec<QuotaRecord>, CoreError> {
    scope(platform, enterprise_id, user_id).await?;
    let reasons = reasons(filter.kind.as_deref())?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT l.id, l.reason, l.delta, l.task_id, t.title, l.purchase_id, p.package_name, \
         p.amount_fen, l.created_at FROM ec_quota_ledger l \
         LEFT JOIN ec_tasks t ON t.id = l.task_id \
         LEFT JOIN ec_purchases p ON p.id = l.purchase_id \
         WHERE l.enterprise_id = $1 AND l.reason IN ({reasons}) \
         AND l.created_at >= $2 AND l.created_at < $3 \
         ORDER BY l.created_at DESC, l.id LIMIT {MAX_ROWS}"
    )))
    .bind(enterprise_id)
    .bind(filter.from.unwrap_or(i64::MIN))
    .bind(filter.to.unwrap_or(i64::MAX))
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let reason: String = row.try_get("reason")?;
            Ok(QuotaRecord {
                id: row.try_get("id")?,
                task_id: row.try_get("task_id")?,
                task_title: row.try_get("title")?,
                purchase_id: row.try_get("purchase_id")?,
                package_name: row.try_get("package_name")?,
                // The money only on the purchase's own row.
                amount_fen: if reason == "purchase" {
                    row.try_get("amount_fen")?
                } else {
                    None
                },
                delta: row.try_get("delta")?,
                created_at: row.try_get("created_at")?,
                reason,
            })
        })
        .collect()
}

fn reason_zh(reason: &str) -> &'static str {
    match reason {
        "purchase" => "购买",
        "grant" => "赠送",
        "expiry" => "过期",
        "launch" => "发起签署",
        "refund" => "撤回退还",
        _ => "其他",
    }
}

/// The same rows as an Excel workbook (times in China time).
pub async fn workbook(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    filter: &RecordFilter,
) -> Result<Vec<u8>, CoreError> {
    use rust_xlsxwriter::{Format, Workbook};
    let records = list(platform, enterprise_id, user_id, filter).await?;
    let failed = |e: rust_xlsxwriter::XlsxError| CoreError::internal(format!("workbook: {e}"));
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet
        .set_name(match filter.kind.as_deref() {
            Some("purchase") => "购买记录",
            Some("signing") => "签署记录",
            _ => "合同份数明细",
        })
        .map_err(failed)?;
    let headers = [
        ("时间", 22),
        ("类型", 12),
        ("份数变动", 10),
        ("合同名称", 36),
        ("套餐", 20),
        ("金额（元）", 12),
        ("记录编号", 38),
    ];
    for (column, (title, width)) in (0u16..).zip(headers) {
        sheet.set_column_width(column, width).map_err(failed)?;
        sheet
            .write_string_with_format(0, column, title, &bold)
            .map_err(failed)?;
    }
    for (row, record) in (1u32..).zip(&records) {
        let china = rfc3339(record.created_at + 8 * 3600);
        let when = china.get(..19).unwrap_or(&china).replace('T', " ");
        sheet.write_string(row, 0, when).map_err(failed)?;
        sheet
            .write_string(row, 1, reason_zh(&record.reason))
            .map_err(failed)?;
        let delta = i32::try_from(record.delta).unwrap_or(if record.delta < 0 {
            i32::MIN
        } else {
            i32::MAX
        });
        sheet
            .write_number(row, 2, f64::from(delta))
            .map_err(failed)?;
        sheet
            .write_string(row, 3, record.task_title.as_deref().unwrap_or(""))
            .map_err(failed)?;
        sheet
            .write_string(row, 4, record.package_name.as_deref().unwrap_or(""))
            .map_err(failed)?;
        if let Some(fen) = record.amount_fen {
            sheet
                .write_string(row, 5, format!("{}.{:02}", fen / 100, fen % 100))
                .map_err(failed)?;
        }
        sheet.write_string(row, 6, &record.id).map_err(failed)?;
    }
    book.save_to_buffer().map_err(failed)
}
