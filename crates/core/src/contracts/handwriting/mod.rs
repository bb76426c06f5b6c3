//! Handwriting capture (ES-14, seed 004 §2.9.2): the PC's "my seals" page asks for a one-time
//! link for the signed-in person and shows it as a QR code; the phone opens it, draws with a
//! finger and sends a PNG; the server checks and trims it and stores it as the person's
//! handwriting seal; the PC page, waiting on the capture, shows it without reload. A link lives
//! ten minutes and takes one submission; the phone needs no session, the link is its credential.

mod png;

use std::time::Duration;

use serde::Serialize;
use serde_json::json;
use sqlx::Row as _;

pub use png::{MAX_BYTES, MAX_SIDE, Trimmed, trim};

use super::ContractsError;
use crate::error::{CoreError, PlatformError};
use crate::platform::Platform;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::waits;

/// How long a capture link works.
pub const LIFETIME: i64 = 600;

/// The blind-index namespace of capture tokens.
const TOKEN_INDEX: &str = "handwriting-capture";

/// A new capture link for the PC page: `id` to wait on, `url` to show as a QR code.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaptureLink {
    pub id: String,
    pub url: String,
    pub expires_at: Timestamp,
}

/// What the phone's drawing page needs to know.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaptureInfo {
    pub expires_at: Timestamp,
    pub max_bytes: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaptureState {
    Open,
    Submitted,
    Expired,
}

/// Stores the checked drawing as the person's handwriting seal through the seals part, which
/// owns `ec_seals` (a real-named person only; the earlier handwriting becomes void).
async fn store_handwriting(
    platform: &Platform,
    user_id: &str,
    png: &[u8],
) -> Result<String, CoreError> {
    Ok(
        super::seals::personal::store_handwriting(platform, user_id, png)
            .await?
            .id,
    )
}

/// Where a capture stands for the PC page; `seal_id` once the handwriting is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaptureStatus {
    pub state: CaptureState,
    pub seal_id: Option<String>,
}

/// A capture link for `user_id` (the signed-in person), audited.
pub async fn create(platform: &Platform, user_id: &str) -> Result<CaptureLink, CoreError> {
    let id = platform.random.token()?;
    let token = platform.random.token()?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    sqlx::query(
        "INSERT INTO ec_handwriting_captures (id, token_index, user_id, state, created_at, expires_at) \
         VALUES ($1, $2, $3, 'open', $4, $5)",
    )
    .bind(&id)
    .bind(platform.cipher.blind_index(TOKEN_INDEX, &token))
    .bind(user_id)
    .bind(now)
    .bind(now + LIFETIME)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::new(
        user_id,
        "contracts.handwriting.link",
        format!("capture:{id}"),
    )
    .change(
        serde_json::Value::Null,
        json!({"expires_at": now + LIFETIME}),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(CaptureLink {
        id,
        url: platform.link(&format!("/m/handwriting/{token}")),
        expires_at: now + LIFETIME,
    })
}

/// The capture a phone's link names, while it can still take the handwriting: refused once
/// submitted ([`ContractsError::CaptureUsed`]) or expired ([`ContractsError::CaptureExpired`]).
pub async fn open(platform: &Platform, token: &str) -> Result<CaptureInfo, CoreError> {
    let row =
        sqlx::query("SELECT state, expires_at FROM ec_handwriting_captures WHERE token_index = $1")
            .bind(platform.cipher.blind_index(TOKEN_INDEX, token))
            .fetch_optional(platform.db.pool())
            .await?
            .ok_or(PlatformError::NotFound)?;
    let expires_at: Timestamp = row.try_get("expires_at")?;
    if row.try_get::<String, _>("state")? != "open" {
        return Err(ContractsError::CaptureUsed.into());
    }
    if expires_at <= platform.clock.now() {
        return Err(ContractsError::CaptureExpired.into());
    }
    Ok(CaptureInfo {
        expires_at,
        max_bytes: MAX_BYTES,
    })
}

/// Takes the phone's PNG: checked and trimmed first (a bad image leaves the link working), then
/// the link is spent by one conditional update with its audit event, then the handwriting is
/// stored as the person's seal. Should storing fail, the link works again.
pub async fn submit(
    platform: &Platform,
    token: &str,
    bytes: &[u8],
) -> Result<CaptureStatus, CoreError> {
    open(platform, token).await?;
    let input = bytes.to_vec();
    let trimmed = tokio::task::spawn_blocking(move || trim(&input))
        .await
        .map_err(|e| CoreError::internal(format!("trim task: {e}")))??;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let claimed = sqlx::query(
        "UPDATE ec_handwriting_captures SET state = 'submitted', submitted_at = $1 \
         WHERE token_index = $2 AND state = 'open' AND expires_at > $1 RETURNING id, user_id",
    )
    .bind(now)
    .bind(platform.cipher.blind_index(TOKEN_INDEX, token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = claimed else {
        drop(tx);
        // Another submission won the race, or the link expired meanwhile: say which.
        open(platform, token).await?;
        return Err(ContractsError::CaptureUsed.into());
    };
    let id: String = row.try_get("id")?;
    let user_id: String = row.try_get("user_id")?;
    let event = AuditEvent::new(
        &user_id,
        "contracts.handwriting.submit",
        format!("capture:{id}"),
    )
    .change(
        json!({"state": "open"}),
        json!({"state": "submitted", "width": trimmed.width, "height": trimmed.height}),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    let seal_id = match store_handwriting(platform, &user_id, &trimmed.png).await {
        Ok(seal_id) => seal_id,
        Err(error) => {
            sqlx::query("UPDATE ec_handwriting_captures SET state = 'open', submitted_at = NULL WHERE id = $1")
                .bind(&id)
                .execute(platform.db.pool())
                .await?;
            return Err(error);
        }
    };
    sqlx::query("UPDATE ec_handwriting_captures SET seal_id = $1 WHERE id = $2")
        .bind(&seal_id)
        .bind(&id)
        .execute(platform.db.pool())
        .await?;
    waits::notify(platform);
    Ok(CaptureStatus {
        state: CaptureState::Submitted,
        seal_id: Some(seal_id),
    })
}

/// The capture `id` of `user_id` (another person's reads as not found).
pub async fn status(
    platform: &Platform,
    user_id: &str,
    id: &str,
) -> Result<CaptureStatus, CoreError> {
    let row = sqlx::query(
        "SELECT state, seal_id, expires_at FROM ec_handwriting_captures WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    let seal_id: Option<String> = row.try_get("seal_id")?;
    let state = if seal_id.is_some() {
        CaptureState::Submitted
    } else if row.try_get::<Timestamp, _>("expires_at")? <= platform.clock.now() {
        CaptureState::Expired
    } else {
        CaptureState::Open
    };
    Ok(CaptureStatus { state, seal_id })
}

/// [`status`], held until the handwriting is stored, the link expires, or `hold` has passed.
pub async fn wait(
    platform: &Platform,
    user_id: &str,
    id: &str,
    hold: Duration,
) -> Result<CaptureStatus, CoreError> {
    let changed = waits::until(platform, hold, move || async move {
        let found = status(platform, user_id, id).await?;
        Ok((found.state != CaptureState::Open).then_some(found))
    })
    .await?;
    match changed {
        Some(found) => Ok(found),
        None => status(platform, user_id, id).await,
    }
}

/// The PNG stored from capture `id` of `user_id`.
pub async fn image(platform: &Platform, user_id: &str, id: &str) -> Result<Vec<u8>, CoreError> {
    let row = sqlx::query(
        "SELECT s.image_blob FROM ec_handwriting_captures c JOIN ec_seals s ON s.id = c.seal_id \
         WHERE c.id = $1 AND c.user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    platform
        .blobs
        .get(&row.try_get::<String, _>("image_blob")?)
        .await
}
