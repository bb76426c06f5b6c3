//! Rewrites CA keys stored in an older format (PKCS#8 PBES2 with unauthenticated CBC) or under a
//! retired key-encryption key in the current format (Argon2id + AES-256-GCM, see ADR 0012).
//! `signet serve` runs it at start; `signet ca rekey` runs it on demand.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use signet_pki::keystore::{KeyLocation, StoredKey};
use sqlx::Row as _;

use super::{from_pki, internal, key_store, rng};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;

/// Rewrites every CA key that needs it; returns the names of the CAs rewritten. Each rewrite
/// replaces the row's key only if nobody changed it meanwhile, and is audited.
pub async fn rekey(platform: &Platform) -> Result<Vec<String>, CoreError> {
    let store = key_store(platform)?.software;
    // Keys on the CA token are not encrypted by the platform: nothing to rewrite.
    let rows = sqlx::query(
        "SELECT name, key_algorithm, sm2_id, key_encrypted FROM ca_authorities \
         WHERE key_token_id IS NULL ORDER BY name",
    )
    .fetch_all(platform.db.pool())
    .await?;
    let mut rewritten = Vec::new();
    for row in rows {
        let name: String = row.try_get("name")?;
        let algorithm: String = row.try_get("key_algorithm")?;
        let encrypted: String = row.try_get("key_encrypted")?;
        let key = StoredKey {
            algorithm: algorithm.parse().map_err(internal)?,
            sm2_id: row.try_get("sm2_id")?,
            location: KeyLocation::Software {
                encrypted_pkcs8_der: STANDARD.decode(&encrypted).map_err(internal)?,
            },
        };
        if !store.needs_rewrap(&key) {
            continue;
        }
        let fresh = store.rewrap(&key, &mut rng()).map_err(from_pki)?;
        let KeyLocation::Software {
            encrypted_pkcs8_der,
        } = &fresh.location
        else {
            return Err(internal("rewrapped key is not a software key"));
        };
        let now = platform.clock.now();
        let mut tx = platform.db.begin().await?;
        let done = sqlx::query(
            "UPDATE ca_authorities SET key_encrypted = $1 WHERE name = $2 AND key_encrypted = $3",
        )
        .bind(STANDARD.encode(encrypted_pkcs8_der))
        .bind(&name)
        .bind(&encrypted)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            continue;
        }
        let event = AuditEvent::new("system", "ca.key.rewrap", format!("ca:{name}"))
            .change(json!(null), json!({"format": "argon2id-aes256gcm"}));
        platform.audit.append(&mut tx, now, &event).await?;
        tx.commit().await?;
        rewritten.push(name);
    }
    if !rewritten.is_empty() {
        tracing::info!(?rewritten, "CA keys rewritten in the current format");
    }
    Ok(rewritten)
}
