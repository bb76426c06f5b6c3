//! The job that delivers one report: make and keep the signed body on the first attempt, POST it
//! with its `Idempotency-Key`, and judge the answer.
//!
//! - 2xx (or 409, a repeat of a key the receiver has) with a JSON body naming a `receipt_id`:
//!   已上报, the answer kept as the receipt. A receiver that answers a repeat with the same
//!   receipt changes nothing more.
//! - No answer (refused, timeout), 408, 429, 5xx, or a 2xx whose body names no receipt: the
//!   attempt failed and the jobs' backoff retries it; after the last attempt 上报失败 and the
//!   job is dead-lettered.
//! - Any other 4xx: the receiver refused the report; 上报失败 at once (retrying the same bytes
//!   cannot help). Staff see it and may resend after the cause is fixed.

use async_trait::async_trait;
use sqlx::Row as _;

use super::envelope::{self, Signed};
use super::{FORMAT, kind, paper, payload, state, subject};
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::Clock as _;
use crate::platform::crypto::{SealedAt, sha256_hex};
use crate::platform::jobs::{Handler, RunningJob};
use crate::platform::providers::regulator::MAX_ANSWER;
use crate::platform::providers::{RegulatorAnswer, RegulatorPost};

/// Longest error text and receipt kept.
const MAX_ERROR: usize = 500;
const MAX_RECEIPT_ID: usize = 128;

/// The handler of [`super::JOB_KIND`].
pub struct SendReport;

fn body_at(report_id: &str) -> SealedAt<'_> {
    SealedAt::new("ec_regulator_reports", "body_sealed", report_id)
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Reported {
        status: u16,
        receipt_id: String,
        receipt: String,
    },
    /// Worth another attempt.
    Retry { status: Option<u16>, error: String },
    /// Refused by the receiver: no further attempt.
    Refused { status: u16, error: String },
}

fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Judges an answer (or its absence).
pub fn judge(answer: Result<RegulatorAnswer, String>) -> Outcome {
    let answer = match answer {
        Ok(answer) => answer,
        Err(error) => {
            return Outcome::Retry {
                status: None,
                error: clip(&format!("无应答：{error}"), MAX_ERROR),
            };
        }
    };
    let status = answer.status;
    let text = String::from_utf8_lossy(&answer.body).into_owned();
    let receipt_id = serde_json::from_slice::<serde_json::Value>(&answer.body)
        .ok()
        .and_then(|v| v.get("receipt_id")?.as_str().map(str::to_owned))
        .filter(|r| !r.trim().is_empty() && r.len() <= MAX_RECEIPT_ID);
    match (status, receipt_id) {
        (200..=299 | 409, Some(receipt_id)) => Outcome::Reported {
            status,
            receipt_id,
            receipt: text,
        },
        (200..=299, None) => Outcome::Retry {
            status: Some(status),
            error: clip(
                &format!("应答格式不正确（缺少 receipt_id）：{text}"),
                MAX_ERROR,
            ),
        },
        (408 | 409 | 429 | 500..=599, _) => Outcome::Retry {
            status: Some(status),
            error: clip(&format!("HTTP {status}：{text}"), MAX_ERROR),
        },
        _ => Outcome::Refused {
            status,
            error: clip(&format!("监管平台拒收，HTTP {status}：{text}"), MAX_ERROR),
        },
    }
}

#[async_trait]
impl Handler for SendReport {
    async fn run(&self, platform: &Platform, job: &RunningJob) -> Result<(), CoreError> {
        let report_id = job
            .payload()
            .get("report_id")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| CoreError::internal("regulator job without report_id"))?
            .to_owned();
        let row = sqlx::query(
            "SELECT subject_kind, subject_id, kind, state FROM ec_regulator_reports WHERE id = $1",
        )
        .bind(&report_id)
        .fetch_optional(platform.db.pool())
        .await?
        .ok_or(PlatformError::NotFound)?;
        if row.try_get::<String, _>("state")? != state::PENDING {
            // Reported already, or failed (a resend queues a new job after moving it back).
            return Ok(());
        }
        let last = job.job.attempts >= job.job.max_attempts;
        let outcome = match platform.regulator_url.clone() {
            None => Outcome::Retry {
                status: None,
                error: "未配置监管平台地址（SIGNET_REGULATOR_URL）".to_owned(),
            },
            Some(url) => {
                let signed = body(platform, &report_id, &row).await?;
                let post = RegulatorPost {
                    url,
                    headers: vec![
                        ("Content-Type", "application/json; charset=utf-8".to_owned()),
                        ("Idempotency-Key", report_id.clone()),
                        ("Signet-Report-Format", FORMAT.to_owned()),
                        ("Signet-Report-Kind", row.try_get("kind")?),
                        ("Signet-Body-SHA256", sha256_hex(&signed.body)),
                        ("Signet-Signature", signed.signature),
                    ],
                    body: signed.body,
                };
                judge(
                    platform
                        .regulator
                        .post(&post)
                        .await
                        .map_err(|e| error_text(&e)),
                )
            }
        };
        record(platform, &report_id, &outcome, last).await?;
        match outcome {
            Outcome::Reported { .. } | Outcome::Refused { .. } => Ok(()),
            Outcome::Retry { error, .. } => Err(CoreError::internal(format!(
                "regulator report {report_id}: {error}"
            ))),
        }
    }
}

fn error_text(error: &CoreError) -> String {
    match error {
        CoreError::Platform(PlatformError::Internal(message)) => message.clone(),
        other => other.to_string(),
    }
}

/// The signed body of the report: made and kept on the first attempt, read back on the others
/// (so every attempt sends the same bytes).
async fn body(
    platform: &Platform,
    report_id: &str,
    row: &sqlx::any::AnyRow,
) -> Result<Signed, CoreError> {
    if let Some(kept) = kept(platform, report_id).await? {
        return Ok(kept);
    }
    let now = platform.clock.now();
    let subject_kind: String = row.try_get("subject_kind")?;
    let subject_id: String = row.try_get("subject_id")?;
    let report_kind: String = row.try_get("kind")?;
    let signed = match (&*report_kind, &*subject_kind) {
        (kind::REPORT, subject::TASK) => {
            let report = payload::task_report(platform, report_id, &subject_id, now).await?;
            envelope::seal_report(platform, report).await?
        }
        (kind::REPORT, subject::ARCHIVE) => {
            let report = paper::archive_report(platform, report_id, &subject_id, now).await?;
            envelope::seal_report(platform, report).await?
        }
        (kind::VOID, _) => {
            let report =
                payload::void_report(platform, report_id, &subject_kind, &subject_id, now).await?;
            envelope::seal_void(platform, report).await?
        }
        (other_kind, other_subject) => {
            return Err(CoreError::internal(format!(
                "no {other_kind} report of a {other_subject} can be made"
            )));
        }
    };
    let text = std::str::from_utf8(&signed.body).map_err(|e| CoreError::internal(e.to_string()))?;
    let sealed = platform.cipher.seal(body_at(report_id), text)?;
    sqlx::query(
        "UPDATE ec_regulator_reports SET body_sealed = $1, body_sha256 = $2, signature = $3 \
         WHERE id = $4 AND body_sealed IS NULL",
    )
    .bind(&sealed)
    .bind(sha256_hex(&signed.body))
    .bind(&signed.signature)
    .bind(report_id)
    .execute(platform.db.pool())
    .await?;
    // Whichever body was kept first is the one sent, now and on every retry.
    kept(platform, report_id)
        .await?
        .ok_or_else(|| CoreError::internal("regulator report body not kept"))
}

async fn kept(platform: &Platform, report_id: &str) -> Result<Option<Signed>, CoreError> {
    let row = sqlx::query("SELECT body_sealed, signature FROM ec_regulator_reports WHERE id = $1")
        .bind(report_id)
        .fetch_one(platform.db.pool())
        .await?;
    let (Some(sealed), Some(signature)) = (
        row.try_get::<Option<String>, _>("body_sealed")?,
        row.try_get::<Option<String>, _>("signature")?,
    ) else {
        return Ok(None);
    };
    let body = platform.cipher.open(body_at(report_id), &sealed)?;
    Ok(Some(Signed {
        body: body.into_bytes(),
        signature,
    }))
}

/// Writes the attempt: reported, failed (refused, or the last attempt failed), or still pending.
async fn record(
    platform: &Platform,
    report_id: &str,
    outcome: &Outcome,
    last: bool,
) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let (next, status, error, receipt_id, receipt) = match outcome {
        Outcome::Reported {
            status,
            receipt_id,
            receipt,
        } => (
            state::REPORTED,
            Some(*status),
            None,
            Some(receipt_id.as_str()),
            Some(receipt.as_str()),
        ),
        Outcome::Refused { status, error } => (
            state::FAILED,
            Some(*status),
            Some(error.as_str()),
            None,
            None,
        ),
        Outcome::Retry { status, error } => (
            if last { state::FAILED } else { state::PENDING },
            *status,
            Some(error.as_str()),
            None,
            None,
        ),
    };
    let receipt = receipt.map(|r| clip(r, MAX_ANSWER));
    sqlx::query(
        "UPDATE ec_regulator_reports SET state = $1, attempts = attempts + 1, last_status = $2, \
           last_error = $3, receipt_id = COALESCE($4, receipt_id), receipt = COALESCE($5, receipt), \
           reported_at = COALESCE($6, reported_at), updated_at = $7 \
         WHERE id = $8 AND state = 'pending'",
    )
    .bind(next)
    .bind(status.map(i64::from))
    .bind(error)
    .bind(receipt_id)
    .bind(receipt)
    .bind((next == state::REPORTED).then_some(now))
    .bind(now)
    .bind(report_id)
    .execute(platform.db.pool())
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[expect(
        clippy::unnecessary_wraps,
        reason = "judge takes what the sender gives: an answer or why there was none"
    )]
    fn answer(status: u16, body: &str) -> Result<RegulatorAnswer, String> {
        Ok(RegulatorAnswer {
            status,
            body: body.as_bytes().to_vec(),
        })
    }

    #[test]
    fn answers_are_judged() {
        assert!(matches!(
            judge(answer(200, r#"{"receipt_id":"R1"}"#)),
            Outcome::Reported { receipt_id, .. } if receipt_id == "R1"
        ));
        assert!(matches!(
            judge(answer(409, r#"{"receipt_id":"R1","duplicate":true}"#)),
            Outcome::Reported { .. }
        ));
        for malformed in ["ok", "{}", r#"{"receipt_id":""}"#, r#"{"receipt_id":7}"#] {
            assert!(
                matches!(
                    judge(answer(200, malformed)),
                    Outcome::Retry {
                        status: Some(200),
                        ..
                    }
                ),
                "{malformed}"
            );
        }
        assert!(matches!(
            judge(answer(503, "busy")),
            Outcome::Retry {
                status: Some(503),
                ..
            }
        ));
        assert!(matches!(
            judge(answer(400, "bad")),
            Outcome::Refused { status: 400, .. }
        ));
        assert!(matches!(
            judge(Err("timeout".into())),
            Outcome::Retry { status: None, error } if error.contains("timeout")
        ));
    }
}
