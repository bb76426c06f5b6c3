//! The `ec_seals` rows of both kinds of seal: what the API shows, inserting a seal, and reading
//! one (with its image) scoped to its owner so another's id reads as not found.

use serde::Serialize;
use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::Timestamp;
use crate::platform::db::Tx;

/// The columns [`SealView::from_row`] reads.
pub(super) const COLUMNS: &str = "id, enterprise_id, kind, name, image_blob, image_width, \
    image_height, source, state, void_reason, certificate_serial, created_at, updated_at";

/// A seal as the API shows it (the image is served by its own route).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SealView {
    pub id: String,
    /// `None` for a personal seal.
    pub enterprise_id: Option<String>,
    /// A seal type code (`company`, `contract`, `legal_rep`, `date`, …) or, for a person,
    /// `name` or `handwriting`.
    pub kind: String,
    pub name: String,
    /// `generated`, `uploaded` or `captured`.
    pub source: String,
    /// `active`, `disabled` or `void`.
    pub state: String,
    pub void_reason: Option<String>,
    pub width: i64,
    pub height: i64,
    /// The certificate the seal is bound to (the enterprise's or the person's).
    pub certificate_serial: Option<String>,
    /// Changes whenever the image does (its content hash), for cache-busting image URLs.
    pub image_version: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl SealView {
    pub(super) fn from_row(row: &AnyRow) -> Result<Self, CoreError> {
        let blob: String = row.try_get("image_blob")?;
        Ok(Self {
            id: row.try_get("id")?,
            enterprise_id: row.try_get("enterprise_id")?,
            kind: row.try_get("kind")?,
            name: row.try_get("name")?,
            source: row.try_get("source")?,
            state: row.try_get("state")?,
            void_reason: row.try_get("void_reason")?,
            width: row.try_get("image_width")?,
            height: row.try_get("image_height")?,
            certificate_serial: row.try_get("certificate_serial")?,
            image_version: blob.get(..12).unwrap_or_default().to_owned(),
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

/// A seal's image, ready to serve.
#[derive(Debug, Clone)]
pub struct SealImage {
    pub png: Vec<u8>,
    /// The blob's content hash (an `ETag`).
    pub digest: String,
}

/// A new seal's row.
pub(super) struct NewSeal<'a> {
    pub enterprise_id: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub kind: &'a str,
    pub name: &'a str,
    pub image: &'a StoredPng,
    pub source: &'a str,
    pub certificate_serial: Option<&'a str>,
    pub created_by: &'a str,
}

/// A PNG already in the blob store, with its size.
pub(super) struct StoredPng {
    pub blob: String,
    pub width: u32,
    pub height: u32,
}

impl StoredPng {
    pub async fn put(platform: &Platform, png: &super::png::CheckedPng) -> Result<Self, CoreError> {
        Ok(Self {
            blob: platform.blobs.put(&png.bytes).await?,
            width: png.width,
            height: png.height,
        })
    }
}

/// Inserts an active seal and returns its view. A second live seal of the same type (or a
/// second active personal seal of the same kind) violates the migration's unique indexes.
pub(super) async fn insert(
    tx: &mut Tx,
    seal: &NewSeal<'_>,
    now: Timestamp,
) -> Result<SealView, CoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO ec_seals (id, enterprise_id, user_id, kind, name, image_blob, image_width, \
           image_height, source, state, certificate_serial, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', $10, $11, $12, $12) RETURNING {COLUMNS}"
    )))
    .bind(&id)
    .bind(seal.enterprise_id)
    .bind(seal.user_id)
    .bind(seal.kind)
    .bind(seal.name)
    .bind(&seal.image.blob)
    .bind(i64::from(seal.image.width))
    .bind(i64::from(seal.image.height))
    .bind(seal.source)
    .bind(seal.certificate_serial)
    .bind(seal.created_by)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    SealView::from_row(&row)
}

/// Whether a database error is a unique-index violation (a concurrent writer won).
pub(super) fn is_unique_violation(error: &CoreError) -> bool {
    match error {
        CoreError::Platform(PlatformError::Database(sqlx::Error::Database(e))) => {
            e.is_unique_violation()
        }
        _ => false,
    }
}

/// The image of the seal that `filter` (a `WHERE` over `s`, binding `$1` and `$2`) finds.
pub(super) async fn image_where(
    platform: &Platform,
    filter: &str,
    first: &str,
    second: &str,
) -> Result<SealImage, CoreError> {
    let digest: String = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT s.image_blob FROM ec_seals s WHERE {filter}"
    )))
    .bind(first)
    .bind(second)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?
    .try_get("image_blob")?;
    let png = platform.blobs.get(&digest).await?;
    Ok(SealImage { png, digest })
}
