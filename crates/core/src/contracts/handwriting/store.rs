//! Where a captured handwriting goes: the person's handwriting seal. This stands in for
//! `contracts::seals::personal::store_handwriting` (the seals part owns `ec_seals`); at merge the
//! capture calls that function instead and this file goes.

use serde_json::json;
use sqlx::Row as _;

use crate::error::CoreError;
use crate::platform::Platform;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;

/// Stores `png_bytes` (already checked and trimmed) as `user_id`'s handwriting seal, bound to the
/// person's certificate when there is one; an earlier handwriting seal is voided. Returns the
/// new seal's id.
pub async fn store_handwriting(
    platform: &Platform,
    user_id: &str,
    png_bytes: &[u8],
) -> Result<String, CoreError> {
    let (width, height) = dimensions(png_bytes)?;
    let blob = platform.blobs.put(png_bytes).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let replaced = sqlx::query(
        "UPDATE ec_seals SET state = 'void', void_reason = 'replaced', updated_at = $1 \
         WHERE user_id = $2 AND enterprise_id IS NULL AND kind = 'handwriting' AND state = 'active' \
         RETURNING id",
    )
    .bind(now)
    .bind(user_id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|row| row.try_get::<String, _>("id"))
    .collect::<Result<Vec<_>, _>>()?;
    sqlx::query(
        "INSERT INTO ec_seals (id, enterprise_id, user_id, kind, name, image_blob, image_width, image_height, \
         source, state, certificate_serial, created_by, created_at, updated_at) \
         VALUES ($1, NULL, $2, 'handwriting', '手写签名', $3, $4, $5, 'captured', 'active', \
         (SELECT certificate_serial FROM ec_persons WHERE user_id = $2), $2, $6, $6)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(&blob)
    .bind(i64::from(width))
    .bind(i64::from(height))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::new(user_id, "contracts.seal.handwriting", format!("seal:{id}")).change(
        json!({ "replaced": replaced }),
        json!({"kind": "handwriting", "source": "captured", "image": blob, "width": width, "height": height}),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(id)
}

/// Width and height from a PNG's header chunk.
fn dimensions(png: &[u8]) -> Result<(u32, u32), CoreError> {
    let read = |at: usize| {
        png.get(at..at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_be_bytes)
    };
    match (png.get(12..16), read(16), read(20)) {
        (Some(b"IHDR"), Some(width), Some(height)) => Ok((width, height)),
        _ => Err(crate::contracts::ContractsError::HandwritingNotPng.into()),
    }
}
