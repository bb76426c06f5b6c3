//! The sandbox's stand-in for the regulator's receiver (`/dev/regulator`): it checks a report as
//! a real receiver would (JSON body, the `Signet-Body-SHA256` header, the detached signature
//! made under this platform's CA) and answers `{"receipt_id": …}`, the same receipt for every
//! delivery of one `Idempotency-Key`.

use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use sqlx::Row as _;

use super::envelope::check_signature;
use crate::Platform;
use crate::ca;
use crate::error::CoreError;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::crypto::{SealedAt, sha256_hex};

/// What arrived with one POST.
pub struct Delivery<'a> {
    pub idempotency_key: Option<&'a str>,
    pub body_sha256: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub body: &'a [u8],
}

/// The receiver's answer: a receipt, or why the report was refused.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Answer {
    Receipt {
        receipt_id: String,
        /// The key was received before: this is the same receipt.
        duplicate: bool,
    },
    Refused {
        error: String,
    },
    /// During an outage ([`set_outage`]).
    Unavailable {
        unavailable: String,
    },
}

/// Whether the stand-in is down: it answers 503 to every report until brought back. One flag
/// for the process (the sandbox serves one platform).
static OUTAGE: AtomicBool = AtomicBool::new(false);

/// Takes the stand-in down (`true`) or brings it back.
pub fn set_outage(down: bool) {
    OUTAGE.store(down, Ordering::SeqCst);
}

/// One report received, as the receiver lists it (no personal data).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Received {
    pub idempotency_key: String,
    pub receipt_id: String,
    pub report_kind: String,
    pub subject_id: String,
    pub title: Option<String>,
    pub signer: String,
    pub body_sha256: String,
    pub deliveries: i64,
    pub first_at: Timestamp,
    pub last_at: Timestamp,
}

fn refused(error: impl Into<String>) -> Answer {
    Answer::Refused {
        error: error.into(),
    }
}

/// Receives one delivery.
pub async fn receive(platform: &Platform, delivery: &Delivery<'_>) -> Result<Answer, CoreError> {
    if OUTAGE.load(Ordering::SeqCst) {
        return Ok(Answer::Unavailable {
            unavailable: "监管平台维护中（沙箱模拟停机）".to_owned(),
        });
    }
    let Some(key) = delivery
        .idempotency_key
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 128)
    else {
        return Ok(refused("缺少 Idempotency-Key"));
    };
    let Ok(report) = serde_json::from_slice::<serde_json::Value>(delivery.body) else {
        return Ok(refused("报文不是 JSON"));
    };
    let digest = sha256_hex(delivery.body);
    if delivery.body_sha256 != Some(digest.as_str()) {
        return Ok(refused("Signet-Body-SHA256 与报文不符"));
    }
    let trust = ca::trust_material(platform).await?;
    let signer = match check_signature(delivery.body, delivery.signature.unwrap_or(""), &trust) {
        Ok(signer) => signer,
        Err(error) => return Ok(refused(error)),
    };
    let text = |pointer: &str| {
        report
            .pointer(pointer)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    let now = platform.clock.now();
    let receipt = format!("DEV-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let body = std::str::from_utf8(delivery.body).unwrap_or_default();
    let sealed = platform.cipher.seal(
        SealedAt::new("sandbox_regulator_received", "body_sealed", key),
        body,
    )?;
    let mut tx = platform.db.begin().await?;
    let new = sqlx::query(
        "INSERT INTO sandbox_regulator_received (idempotency_key, receipt_id, report_kind, subject_id, \
           title, signer, body_sha256, body_sealed, deliveries, first_at, last_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(key)
    .bind(&receipt)
    .bind(text("/kind").unwrap_or_default())
    .bind(text("/subject/id").unwrap_or_default())
    .bind(text("/contract/title"))
    .bind(&signer)
    .bind(&digest)
    .bind(&sealed)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !new {
        sqlx::query(
            "UPDATE sandbox_regulator_received SET deliveries = deliveries + 1, last_at = $1 \
             WHERE idempotency_key = $2",
        )
        .bind(now)
        .bind(key)
        .execute(&mut *tx)
        .await?;
    }
    let receipt_id: String =
        sqlx::query("SELECT receipt_id FROM sandbox_regulator_received WHERE idempotency_key = $1")
            .bind(key)
            .fetch_one(&mut *tx)
            .await?
            .try_get("receipt_id")?;
    tx.commit().await?;
    Ok(Answer::Receipt {
        receipt_id,
        duplicate: !new,
    })
}

/// What the receiver got, latest first.
pub async fn list(platform: &Platform, limit: i64) -> Result<Vec<Received>, CoreError> {
    let rows = sqlx::query(
        "SELECT idempotency_key, receipt_id, report_kind, subject_id, title, signer, body_sha256, \
           deliveries, first_at, last_at FROM sandbox_regulator_received \
         ORDER BY last_at DESC, idempotency_key LIMIT $1",
    )
    .bind(limit.clamp(1, 1000))
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Received {
                idempotency_key: r.try_get("idempotency_key")?,
                receipt_id: r.try_get("receipt_id")?,
                report_kind: r.try_get("report_kind")?,
                subject_id: r.try_get("subject_id")?,
                title: r.try_get("title")?,
                signer: r.try_get("signer")?,
                body_sha256: r.try_get("body_sha256")?,
                deliveries: r.try_get("deliveries")?,
                first_at: r.try_get("first_at")?,
                last_at: r.try_get("last_at")?,
            })
        })
        .collect()
}
