//! A person's seals (ES-14, §2.9.2): the name seal, drawn for a real-named person the first time
//! their seals are listed, and the handwritten signature captured on a phone (a new one voids the
//! one before). Both are bound to the person's certificate; only their owner sees them.

use sqlx::Row as _;

use super::art::{SealFont, square};
use super::png;
use super::store::{self, COLUMNS, NewSeal, SealImage, SealView, StoredPng};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::error::CoreError;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;
use crate::platform::crypto::SealedAt;

/// Kinds of personal seal.
pub const NAME: &str = "name";
pub const HANDWRITING: &str = "handwriting";
/// Audit actions.
pub const CREATED: &str = "contracts.personal_seal_create";

/// The person's real name and certificate; [`ContractsError::RealNameRequired`] when they have
/// not passed real-name authentication.
async fn person(platform: &Platform, user_id: &str) -> Result<(String, Option<String>), CoreError> {
    let row =
        sqlx::query("SELECT name_sealed, certificate_serial FROM ec_persons WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(platform.db.pool())
            .await?
            .ok_or(ContractsError::RealNameRequired)?;
    let name = platform.cipher.open(
        SealedAt::new("ec_persons", "name_sealed", user_id),
        &row.try_get::<String, _>("name_sealed")?,
    )?;
    Ok((name, row.try_get("certificate_serial")?))
}

/// The person's active seals, oldest first; a real-named person without a name seal gets one
/// drawn now. A person who is not real-named has none (and gets an empty list).
pub async fn list(platform: &Platform, user_id: &str) -> Result<Vec<SealView>, CoreError> {
    let mut seals = active(platform, user_id).await?;
    if !seals.iter().any(|s| s.kind == NAME) {
        match person(platform, user_id).await {
            Ok((name, certificate)) => {
                create_name_seal(platform, user_id, &name, certificate.as_deref()).await?;
                seals = active(platform, user_id).await?;
            }
            Err(e) if matches!(e.as_wing(), Some(ContractsError::RealNameRequired)) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(seals)
}

async fn active(platform: &Platform, user_id: &str) -> Result<Vec<SealView>, CoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM ec_seals WHERE user_id = $1 AND enterprise_id IS NULL \
         AND state = 'active' ORDER BY kind DESC, created_at"
    )))
    .bind(user_id)
    .fetch_all(platform.db.pool())
    .await?
    .iter()
    .map(SealView::from_row)
    .collect()
}

/// Draws and stores the name seal; a concurrent first listing that stored one already wins.
async fn create_name_seal(
    platform: &Platform,
    user_id: &str,
    name: &str,
    certificate: Option<&str>,
) -> Result<(), CoreError> {
    let font = SealFont::shared()?;
    let image = png::encode(&square::draw(font, name)?)?;
    let stored = StoredPng::put(platform, &image).await?;
    let seal = NewSeal {
        enterprise_id: None,
        user_id: Some(user_id),
        kind: NAME,
        name: "人名章",
        image: &stored,
        source: "generated",
        certificate_serial: certificate,
        created_by: user_id,
    };
    match insert_replacing(platform, &seal, false).await {
        Err(e) if store::is_unique_violation(&e) => Ok(()),
        other => other.map(|_| ()),
    }
}

/// Stores a handwritten signature captured on the phone as the person's `handwriting` seal
/// (`source = captured`): the PNG is checked like an upload (transparent, within limits),
/// trimmed to the ink, and replaces the previous active handwriting, which becomes void. The
/// person must be real-named (the seal is bound to their certificate).
pub async fn store_handwriting(
    platform: &Platform,
    user_id: &str,
    png: &[u8],
) -> Result<SealView, CoreError> {
    let checked = png::check(png)?;
    let (_, certificate) = person(platform, user_id).await?;
    let stored = StoredPng::put(platform, &checked).await?;
    let seal = NewSeal {
        enterprise_id: None,
        user_id: Some(user_id),
        kind: HANDWRITING,
        name: "手写签名",
        image: &stored,
        source: "captured",
        certificate_serial: certificate.as_deref(),
        created_by: user_id,
    };
    insert_replacing(platform, &seal, true).await
}

/// In one transaction: voids the active seal of the same kind when `replace`, inserts `seal`,
/// and writes the audit event.
async fn insert_replacing(
    platform: &Platform,
    seal: &NewSeal<'_>,
    replace: bool,
) -> Result<SealView, CoreError> {
    let user_id = seal.user_id.unwrap_or_default();
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    // Writers of one person's seals queue on the person's row (SQLite's write lock already
    // serialises them), so two captures at once void one another in turn instead of colliding.
    sqlx::query("UPDATE ec_persons SET updated_at = updated_at WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let replaced: Vec<String> = if replace {
        sqlx::query(
            "UPDATE ec_seals SET state = 'void', void_reason = 'replaced', updated_at = $1 \
             WHERE user_id = $2 AND enterprise_id IS NULL AND kind = $3 AND state = 'active' \
             RETURNING id",
        )
        .bind(now)
        .bind(user_id)
        .bind(seal.kind)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| row.try_get("id"))
        .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    let view = store::insert(&mut tx, seal, now).await?;
    let event = AuditEvent::new(user_id, CREATED, format!("seal:{}", view.id)).change(
        serde_json::json!({ "replaced": replaced }),
        serde_json::json!({ "kind": view.kind, "source": view.source, "image": seal.image.blob }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(view)
}

/// The image of the caller's own seal `seal_id` (void ones too: contracts stamped with them
/// still show them); another person's seal is not found.
pub async fn image(
    platform: &Platform,
    user_id: &str,
    seal_id: &str,
) -> Result<SealImage, CoreError> {
    store::image_where(
        platform,
        "s.id = $1 AND s.user_id = $2 AND s.enterprise_id IS NULL",
        seal_id,
        user_id,
    )
    .await
}
