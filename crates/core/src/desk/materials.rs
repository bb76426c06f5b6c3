//! Application materials (APP-9): images checked by their bytes, never their names, against the
//! product's size limit; kept in the blob store and reusable in later orders; uploadable from a
//! phone through a one-time link shown as a QR code.

use serde::Serialize;
use sqlx::Row as _;

use super::DeskError;
use super::catalog;
use super::orders::{Order, OrderState};
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::blobs::sniff_image;
use crate::platform::clock::{Clock as _, Timestamp};

/// How long a phone-upload link works.
pub const LINK_LIFETIME: i64 = 30 * 60;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Material {
    pub id: String,
    pub kind: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: Timestamp,
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<Material, CoreError> {
    Ok(Material {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Stores an upload for `order`: the kind must be one the product asks for, the bytes an image
/// (jpg/png/gif/bmp by content) within the product's limit. The order's form is not changed: the
/// wizard puts the returned id into the form when it saves.
pub async fn upload(
    platform: &Platform,
    order: &Order,
    kind: &str,
    bytes: &[u8],
) -> Result<Material, CoreError> {
    if !matches!(order.state, OrderState::Drafting | OrderState::Rejected) {
        return Err(DeskError::Transition("save", order.state.as_str()).into());
    }
    let product = catalog::product(platform, &order.product_id).await?;
    let spec = product.material(kind).ok_or(DeskError::UnknownMaterial)?;
    if bytes.len() > spec.max_bytes {
        return Err(PlatformError::TooLarge {
            field: "file",
            limit: spec.max_bytes,
        }
        .into());
    }
    let content_type =
        sniff_image(bytes).ok_or(PlatformError::ImageUnsupported { field: "file" })?;
    let digest = platform.blobs.put(bytes).await?;
    let now = platform.clock.now();
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO desk_materials (id, user_id, kind, blob, content_type, size, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(&order.user_id)
    .bind(kind)
    .bind(&digest)
    .bind(content_type)
    .bind(i64::try_from(bytes.len()).unwrap_or(i64::MAX))
    .bind(now)
    .execute(platform.db.pool())
    .await?;
    Ok(Material {
        id,
        kind: kind.to_owned(),
        content_type: content_type.to_owned(),
        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        created_at: now,
    })
}

/// The user's earlier uploads, newest first (the wizard offers them for reuse).
pub async fn list_for_user(
    platform: &Platform,
    user_id: &str,
    kind: Option<&str>,
) -> Result<Vec<Material>, CoreError> {
    let rows = sqlx::query(
        "SELECT id, kind, content_type, size, created_at FROM desk_materials \
         WHERE user_id = $1 AND ($2 = '' OR kind = $2) ORDER BY created_at DESC LIMIT 100",
    )
    .bind(user_id)
    .bind(kind.unwrap_or(""))
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Refuses a material that is not the user's or not of `kind` (another user's id is unknown).
pub async fn check_owned(
    platform: &Platform,
    id: &str,
    user_id: &str,
    kind: &str,
) -> Result<(), CoreError> {
    let row = sqlx::query("SELECT user_id, kind FROM desk_materials WHERE id = $1")
        .bind(id)
        .fetch_optional(platform.db.pool())
        .await?;
    match row {
        Some(row)
            if row.try_get::<String, _>("user_id")? == user_id
                && row.try_get::<String, _>("kind")? == kind =>
        {
            Ok(())
        }
        _ => Err(PlatformError::Invalid {
            field: "materials",
            zh: "所选材料不存在或类型不符，请重新上传",
            en: "The chosen material does not exist or is of another kind; upload it again",
        }
        .into()),
    }
}

/// A material's bytes and type, for its owner (`user_id`) or for staff (`None`).
pub async fn content(
    platform: &Platform,
    id: &str,
    user_id: Option<&str>,
) -> Result<(Vec<u8>, String), CoreError> {
    let row = sqlx::query("SELECT user_id, blob, content_type FROM desk_materials WHERE id = $1")
        .bind(id)
        .fetch_optional(platform.db.pool())
        .await?
        .ok_or(PlatformError::NotFound)?;
    if let Some(user_id) = user_id
        && row.try_get::<String, _>("user_id")? != user_id
    {
        return Err(PlatformError::NotFound.into());
    }
    let blob: String = row.try_get("blob")?;
    Ok((
        platform.blobs.get(&blob).await?,
        row.try_get("content_type")?,
    ))
}

/// A material's bytes and type for a member of staff; every view is audited (who saw whose
/// material, from where).
pub async fn content_for_staff(
    platform: &Platform,
    id: &str,
    staff_id: &str,
) -> Result<(Vec<u8>, String), CoreError> {
    let found = content(platform, id, None).await?;
    let owner: String = sqlx::query("SELECT user_id FROM desk_materials WHERE id = $1")
        .bind(id)
        .fetch_one(platform.db.pool())
        .await?
        .try_get("user_id")?;
    let mut tx = platform.db.begin().await?;
    let event = crate::platform::audit::AuditEvent::new(
        format!("user:{staff_id}"),
        "desk.material.view",
        format!("material:{id}"),
    )
    .change(
        serde_json::Value::Null,
        serde_json::json!({"owner": format!("user:{owner}"), "content_type": found.1}),
    );
    platform
        .audit
        .append(&mut tx, platform.clock.now(), &event)
        .await?;
    tx.commit().await?;
    Ok(found)
}

/// A one-time link for uploading one kind of material into `order` from a phone.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadLink {
    /// Path of the phone page; the web app shows it as a QR code.
    pub url: String,
    pub token: String,
    pub expires_at: Timestamp,
}

pub async fn create_link(
    platform: &Platform,
    order: &Order,
    kind: &str,
) -> Result<UploadLink, CoreError> {
    let product = catalog::product(platform, &order.product_id).await?;
    product.material(kind).ok_or(DeskError::UnknownMaterial)?;
    if !matches!(order.state, OrderState::Drafting | OrderState::Rejected) {
        return Err(DeskError::Transition("save", order.state.as_str()).into());
    }
    let token = platform.random.token()?;
    let now = platform.clock.now();
    sqlx::query(
        "INSERT INTO desk_links (token_hash, order_id, purpose, detail, used, expires_at, created_at) \
         VALUES ($1, $2, 'upload', $3, 0, $4, $5)",
    )
    .bind(platform.cipher.blind_index("desk-link", &token))
    .bind(&order.id)
    .bind(kind)
    .bind(now + LINK_LIFETIME)
    .bind(now)
    .execute(platform.db.pool())
    .await?;
    Ok(UploadLink {
        url: format!("/m/upload/{token}"),
        token,
        expires_at: now + LINK_LIFETIME,
    })
}

/// What a phone-upload link allows: the order and the material kind.
pub async fn open_link(platform: &Platform, token: &str) -> Result<(Order, String), CoreError> {
    let row = sqlx::query(
        "SELECT order_id, detail, used, expires_at FROM desk_links WHERE token_hash = $1 AND purpose = 'upload'",
    )
    .bind(platform.cipher.blind_index("desk-link", token))
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(DeskError::LinkExpired)?;
    let used: i64 = row.try_get("used")?;
    let expires_at: Timestamp = row.try_get("expires_at")?;
    if used != 0 || expires_at <= platform.clock.now() {
        return Err(DeskError::LinkExpired.into());
    }
    let order_id: String = row.try_get("order_id")?;
    Ok((
        super::orders::load(platform, &order_id).await?,
        row.try_get("detail")?,
    ))
}

/// Uploads through a phone link (once): the material is stored and put into the order's form.
pub async fn upload_by_link(
    platform: &Platform,
    token: &str,
    bytes: &[u8],
) -> Result<Material, CoreError> {
    let (order, kind) = open_link(platform, token).await?;
    let material = upload(platform, &order, &kind, bytes).await?;
    let used = sqlx::query("UPDATE desk_links SET used = 1 WHERE token_hash = $1 AND used = 0")
        .bind(platform.cipher.blind_index("desk-link", token))
        .execute(platform.db.pool())
        .await?;
    if used.rows_affected() != 1 {
        return Err(DeskError::LinkExpired.into());
    }
    let mut form = order.form.clone();
    form.materials.insert(kind, material.id.clone());
    super::orders::save_form(platform, &order, form, "phone-upload").await?;
    Ok(material)
}
