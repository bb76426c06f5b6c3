//! Managing an enterprise's seals (administrator or delegate): create one per seal type, drawn
//! from the enterprise's facts or uploaded; replace its image; disable and enable it. Each change
//! is one transaction with its audit event; bad input is refused before anything is written.

use sqlx::Row as _;

use super::draw::{Enterprise, SealType, draw};
use super::{EnterpriseSeal, get};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::access::{self, Role};
use crate::contracts::seals::png;
use crate::contracts::seals::store::{self, NewSeal, SealView, StoredPng};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;

/// Audit actions of seal changes (the log the administrator reads, ES-13).
pub const CREATE: &str = "contracts.seal_create";
pub const REPLACE: &str = "contracts.seal_replace";
pub const ENABLE: &str = "contracts.seal_enable";
pub const DISABLE: &str = "contracts.seal_disable";

/// Where a new image comes from.
#[derive(Debug, Clone, Copy)]
pub enum Artwork<'a> {
    /// Drawn from the enterprise's facts by the seal type's shape.
    Generated,
    /// An uploaded PNG, checked by content.
    Uploaded(&'a [u8]),
}

impl Artwork<'_> {
    fn source(self) -> &'static str {
        match self {
            Self::Generated => "generated",
            Self::Uploaded(_) => "uploaded",
        }
    }

    /// The checked image, in the blob store.
    async fn store(
        self,
        platform: &Platform,
        enterprise_id: &str,
        enterprise: &Enterprise,
        seal_type: &SealType,
    ) -> Result<StoredPng, CoreError> {
        let image = match self {
            Self::Generated => draw(platform, enterprise_id, enterprise, seal_type)?,
            Self::Uploaded(bytes) => png::check(bytes)?,
        };
        StoredPng::put(platform, &image).await
    }
}

/// Creates the enterprise's seal of `seal_type`, bound to its certificate. A second live seal
/// of a type is [`ContractsError::SealExists`] (replace the image instead).
pub async fn create(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
    seal_type: &str,
    artwork: Artwork<'_>,
) -> Result<EnterpriseSeal, CoreError> {
    access::require(platform.db.pool(), enterprise_id, actor, Role::Delegate).await?;
    let view = create_as(platform, enterprise_id, actor, seal_type, artwork, true).await?;
    get(platform, enterprise_id, &view.id, actor).await
}

/// [`create`]; `check_role` false for [`ensure_default_seals`] (the demo data, certification).
async fn create_as(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
    seal_type: &str,
    artwork: Artwork<'_>,
    check_role: bool,
) -> Result<SealView, CoreError> {
    let seal_type = SealType::load(platform.db.pool(), seal_type).await?;
    let enterprise = Enterprise::load(platform.db.pool(), enterprise_id).await?;
    let certificate = enterprise.certificate()?;
    if live_seal(platform, enterprise_id, &seal_type.code).await? {
        return Err(ContractsError::SealExists.into());
    }
    let stored = artwork
        .store(platform, enterprise_id, &enterprise, &seal_type)
        .await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    if check_role {
        access::require(&mut *tx, enterprise_id, actor, Role::Delegate).await?;
    }
    let seal = NewSeal {
        enterprise_id: Some(enterprise_id),
        user_id: None,
        kind: &seal_type.code,
        name: &seal_type.name,
        image: &stored,
        source: artwork.source(),
        certificate_serial: Some(certificate),
        created_by: actor,
    };
    let view = match store::insert(&mut tx, &seal, now).await {
        Err(e) if store::is_unique_violation(&e) => return Err(ContractsError::SealExists.into()),
        other => other?,
    };
    let event = AuditEvent::new(actor, CREATE, format!("seal:{}", view.id)).change(
        serde_json::Value::Null,
        serde_json::json!({
            "enterprise_id": enterprise_id,
            "kind": view.kind,
            "source": view.source,
            "image": stored.blob,
            "certificate_serial": certificate,
        }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(view)
}

async fn live_seal(
    platform: &Platform,
    enterprise_id: &str,
    kind: &str,
) -> Result<bool, CoreError> {
    Ok(sqlx::query(
        "SELECT 1 AS one FROM ec_seals WHERE enterprise_id = $1 AND kind = $2 AND state <> 'void'",
    )
    .bind(enterprise_id)
    .bind(kind)
    .fetch_optional(platform.db.pool())
    .await?
    .is_some())
}

/// The state and kind of a seal of the enterprise; not found for another enterprise's.
async fn seal_state<'e, E>(
    executor: E,
    enterprise_id: &str,
    seal_id: &str,
) -> Result<(String, String), CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query("SELECT state, kind FROM ec_seals WHERE id = $1 AND enterprise_id = $2")
        .bind(seal_id)
        .bind(enterprise_id)
        .fetch_optional(executor)
        .await?
        .ok_or(PlatformError::NotFound)?;
    Ok((row.try_get("state")?, row.try_get("kind")?))
}

/// Replaces the image of a seal that is not void: drawn again or uploaded. The seal keeps its
/// id, state and grants.
pub async fn replace_image(
    platform: &Platform,
    enterprise_id: &str,
    seal_id: &str,
    actor: &str,
    artwork: Artwork<'_>,
) -> Result<EnterpriseSeal, CoreError> {
    access::require(platform.db.pool(), enterprise_id, actor, Role::Delegate).await?;
    let (state, kind) = seal_state(platform.db.pool(), enterprise_id, seal_id).await?;
    if state == "void" {
        return Err(ContractsError::SealState { state }.into());
    }
    let seal_type = SealType::load(platform.db.pool(), &kind).await?;
    let enterprise = Enterprise::load(platform.db.pool(), enterprise_id).await?;
    let stored = artwork
        .store(platform, enterprise_id, &enterprise, &seal_type)
        .await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Delegate).await?;
    let before = sqlx::query(
        "UPDATE ec_seals SET image_blob = $1, image_width = $2, image_height = $3, source = $4, \
           updated_at = $5 WHERE id = $6 AND enterprise_id = $7 AND state <> 'void' \
         RETURNING id",
    )
    .bind(&stored.blob)
    .bind(i64::from(stored.width))
    .bind(i64::from(stored.height))
    .bind(artwork.source())
    .bind(now)
    .bind(seal_id)
    .bind(enterprise_id)
    .fetch_optional(&mut *tx)
    .await?;
    if before.is_none() {
        let (state, _) = seal_state(&mut *tx, enterprise_id, seal_id).await?;
        return Err(ContractsError::SealState { state }.into());
    }
    let event = AuditEvent::new(actor, REPLACE, format!("seal:{seal_id}")).change(
        serde_json::Value::Null,
        serde_json::json!({ "enterprise_id": enterprise_id, "source": artwork.source(), "image": stored.blob }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    get(platform, enterprise_id, seal_id, actor).await
}

/// Enables (`true`) or disables a seal. A disabled seal cannot be used or granted; its grants
/// stay and count again once it is enabled. A void seal cannot be either.
pub async fn set_enabled(
    platform: &Platform,
    enterprise_id: &str,
    seal_id: &str,
    actor: &str,
    enabled: bool,
) -> Result<EnterpriseSeal, CoreError> {
    let (from, to, action) = if enabled {
        ("disabled", "active", ENABLE)
    } else {
        ("active", "disabled", DISABLE)
    };
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Delegate).await?;
    let changed = sqlx::query(
        "UPDATE ec_seals SET state = $1, updated_at = $2 \
         WHERE id = $3 AND enterprise_id = $4 AND state = $5",
    )
    .bind(to)
    .bind(now)
    .bind(seal_id)
    .bind(enterprise_id)
    .bind(from)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        let (state, _) = seal_state(&mut *tx, enterprise_id, seal_id).await?;
        return Err(ContractsError::SealState { state }.into());
    }
    let event = AuditEvent::new(actor, action, format!("seal:{seal_id}")).change(
        serde_json::json!({ "enterprise_id": enterprise_id, "state": from }),
        serde_json::json!({ "enterprise_id": enterprise_id, "state": to }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    get(platform, enterprise_id, seal_id, actor).await
}

/// Draws every active seal type the enterprise has no live seal of (company, contract,
/// legal-rep and date seals with the default types), as `actor`; returns the seals created.
/// For the demo data and certification: no role check.
pub async fn ensure_default_seals(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
) -> Result<Vec<SealView>, CoreError> {
    let mut created = Vec::new();
    for seal_type in super::seal_types(platform).await? {
        match create_as(
            platform,
            enterprise_id,
            actor,
            &seal_type.code,
            Artwork::Generated,
            false,
        )
        .await
        {
            Ok(view) => created.push(view),
            Err(e) if matches!(e.as_wing(), Some(ContractsError::SealExists)) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(created)
}
