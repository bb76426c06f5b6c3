//! Re-seals values of the first sealed format (bound to nothing) as values bound to their row,
//! once, at start-up. The list of sealed columns is the schema's: it sits in the platform beside
//! the migrations that made every wing's tables.

use sqlx::Row as _;

use super::crypto::{FieldCipher, LEGACY_PREFIX, SealedAt};
use super::db::Db;
use crate::error::CoreError;

/// The upgrade's name in `platform_upgrades`.
const UPGRADE: &str = "sealed-v2";

/// Every column that holds a sealed value: table, the column that keys the row, the column.
const SEALED_COLUMNS: &[(&str, &str, &str)] = &[
    ("users", "id", "phone_sealed"),
    ("users", "id", "email_sealed"),
    ("users", "id", "real_name_sealed"),
    ("sessions", "token_hash", "verified_phone_sealed"),
    ("desk_orders", "id", "form_sealed"),
    ("desk_verifications", "id", "secret_sealed"),
    ("desk_cloud_keys", "serial", "key_sealed"),
    ("desk_tokens", "certificate_serial", "so_pin_sealed"),
];

/// Re-seals every first-format value unless this database was upgraded already; returns how
/// many values were rewritten. Each rewrite is conditional on the old value, so nodes starting
/// together do the work twice at worst, never wrongly.
pub async fn legacy_values(db: &Db, cipher: &FieldCipher, now: i64) -> Result<u64, CoreError> {
    let done = sqlx::query("SELECT name FROM platform_upgrades WHERE name = $1")
        .bind(UPGRADE)
        .fetch_optional(db.pool())
        .await?
        .is_some();
    if done {
        return Ok(0);
    }
    let mut rewritten = 0;
    for &(table, key, column) in SEALED_COLUMNS {
        let select = format!(
            "SELECT {key} AS row_key, {column} AS sealed FROM {table} WHERE {column} LIKE '{LEGACY_PREFIX}%'"
        );
        let update = format!("UPDATE {table} SET {column} = $1 WHERE {key} = $2 AND {column} = $3");
        for row in sqlx::query(sqlx::AssertSqlSafe(select))
            .fetch_all(db.pool())
            .await?
        {
            let row_key: String = row.try_get("row_key")?;
            let sealed: String = row.try_get("sealed")?;
            let at = SealedAt::new(table, column, &row_key);
            let Some(bound) = cipher.reseal_legacy(at, &sealed)? else {
                continue;
            };
            rewritten += sqlx::query(sqlx::AssertSqlSafe(update.clone()))
                .bind(&bound)
                .bind(&row_key)
                .bind(&sealed)
                .execute(db.pool())
                .await?
                .rows_affected();
        }
    }
    rewritten += job_payloads(db, cipher).await?;
    sqlx::query(
        "INSERT INTO platform_upgrades (name, done_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(UPGRADE)
    .bind(now)
    .execute(db.pool())
    .await?;
    if rewritten > 0 {
        tracing::info!(rewritten, "sealed values bound to their rows");
    }
    Ok(rewritten)
}

/// Outbox messages keep their sealed text inside the JSON payload, sealed for the job's key.
async fn job_payloads(db: &Db, cipher: &FieldCipher) -> Result<u64, CoreError> {
    let pattern = format!("%\"sealed\":\"{LEGACY_PREFIX}%");
    let rows = sqlx::query("SELECT idempotency_key, payload FROM jobs WHERE payload LIKE $1")
        .bind(&pattern)
        .fetch_all(db.pool())
        .await?;
    let mut rewritten = 0;
    for row in rows {
        let key: String = row.try_get("idempotency_key")?;
        let payload: String = row.try_get("payload")?;
        let mut json: serde_json::Value = serde_json::from_str(&payload)
            .map_err(|e| CoreError::internal(format!("job payload: {e}")))?;
        let Some(sealed) = json.get("sealed").and_then(|v| v.as_str()) else {
            continue;
        };
        let Some(bound) = cipher.reseal_legacy(SealedAt::new("jobs", "payload", &key), sealed)?
        else {
            continue;
        };
        json["sealed"] = serde_json::Value::String(bound);
        rewritten +=
            sqlx::query("UPDATE jobs SET payload = $1 WHERE idempotency_key = $2 AND payload = $3")
                .bind(json.to_string())
                .bind(&key)
                .bind(&payload)
                .execute(db.pool())
                .await?
                .rows_affected();
    }
    Ok(rewritten)
}
