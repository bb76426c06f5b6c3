//! Writing archives: the PDFs are already in the blob store (content-addressed, so a write that
//! fails leaves at most an unreferenced blob) and timestamped; here the archives, their parties
//! and their regulator reports are written in one transaction, with the batch of a bulk archive,
//! so either every archive of an upload is stored or none is.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use signet_pdf::sign::timestamp::TimestampSource as _;
use signet_pki::algorithm::SHA256;
use sqlx::Row as _;

use super::parties::Person;
use super::scan::Scan;
use super::{AUDIT_BULK, AUDIT_CREATE, state};
use crate::Platform;
use crate::contracts::persons::mask_name;
use crate::contracts::regulator::{self, subject};
use crate::contracts::{platform_signer, templates::TemplateBusinessType};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;
use crate::platform::crypto::SealedAt;
use crate::platform::mask;

/// Where an archive's sealed values live.
pub(super) fn values_at(archive_id: &str) -> SealedAt<'_> {
    SealedAt::new("ec_archives", "field_values", archive_id)
}

/// The row key of a party's sealed columns.
pub(super) fn party_key(archive_id: &str, position: i64) -> String {
    format!("{archive_id}:{position}")
}

/// Who archives, under which type.
pub(super) struct Context {
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub credit_code: String,
    pub business_type: TemplateBusinessType,
    pub creator_id: String,
}

impl Context {
    pub async fn load(
        platform: &Platform,
        enterprise_id: &str,
        business_type_id: &str,
        creator_id: &str,
    ) -> Result<Self, CoreError> {
        crate::contracts::tasks::launch::parties::require_business_type(
            platform,
            enterprise_id,
            business_type_id,
            creator_id,
        )
        .await?;
        let (business_type, _) = crate::contracts::templates::store::business_type(
            platform.db.pool(),
            enterprise_id,
            business_type_id,
        )
        .await?;
        let row = sqlx::query("SELECT name, credit_code FROM ec_enterprises WHERE id = $1")
            .bind(enterprise_id)
            .fetch_optional(platform.db.pool())
            .await?
            .ok_or(PlatformError::NotFound)?;
        Ok(Self {
            enterprise_id: enterprise_id.to_owned(),
            enterprise_name: row.try_get("name")?,
            credit_code: row.try_get("credit_code")?,
            business_type,
            creator_id: creator_id.to_owned(),
        })
    }

    /// The fields an archive of this type asks for.
    pub async fn fields(
        &self,
        platform: &Platform,
    ) -> Result<Vec<super::fields::ArchiveField>, CoreError> {
        let custom = super::fields::custom(platform.db.pool(), &self.enterprise_id).await?;
        Ok(super::fields::for_type(
            &self.business_type.code,
            &self.business_type.required_fields,
            &custom,
        ))
    }
}

/// An archive checked and ready to write.
pub(super) struct NewArchive {
    pub title: String,
    pub file_name: String,
    pub scan: Scan,
    pub values: BTreeMap<String, String>,
    pub persons: Vec<Person>,
    /// The row of the bulk workbook it came from.
    pub batch_row: Option<i64>,
}

/// RFC 3161 tokens (base64 DER) of the platform's TSA over each SHA-256 (hex).
pub(super) async fn timestamp_all(
    platform: &Platform,
    digests: Vec<String>,
) -> Result<Vec<String>, CoreError> {
    let tsa = platform_signer::timestamps(platform).await?;
    tokio::task::spawn_blocking(move || {
        digests
            .iter()
            .map(|digest| {
                let bytes = hex::decode(digest)
                    .map_err(|e| CoreError::internal(format!("archive digest: {e}")))?;
                let token = tsa
                    .timestamp(SHA256, &bytes)
                    .map_err(|e| CoreError::internal(format!("archive timestamp: {e}")))?;
                Ok(STANDARD.encode(token))
            })
            .collect()
    })
    .await
    .map_err(|e| CoreError::internal(format!("archive timestamp: {e}")))?
}

/// Writes the archives (and, for a bulk archive, their batch named `batch_title`) with their
/// parties and regulator reports; returns the archives' ids and the batch's.
pub(super) async fn write(
    platform: &Platform,
    context: &Context,
    batch_title: Option<&str>,
    archives: Vec<NewArchive>,
) -> Result<(Vec<String>, Option<String>), CoreError> {
    let tokens = timestamp_all(
        platform,
        archives.iter().map(|a| a.scan.sha256.clone()).collect(),
    )
    .await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let batch_id = match batch_title {
        Some(title) => {
            let id = uuid::Uuid::new_v4().to_string();
            sqlx::query(
                "INSERT INTO ec_archive_batches (id, enterprise_id, business_type_id, title, \
                   creator_id, archives, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&id)
            .bind(&context.enterprise_id)
            .bind(&context.business_type.id)
            .bind(title)
            .bind(&context.creator_id)
            .bind(i64::try_from(archives.len()).unwrap_or(i64::MAX))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Some(id)
        }
        None => None,
    };
    let mut ids = Vec::with_capacity(archives.len());
    for (archive, token) in archives.into_iter().zip(tokens) {
        let id = insert(
            platform,
            &mut tx,
            context,
            batch_id.as_deref(),
            &archive,
            &token,
            now,
        )
        .await?;
        if batch_id.is_none() {
            platform
                .audit
                .append(
                    &mut tx,
                    now,
                    &AuditEvent::new(&context.creator_id, AUDIT_CREATE, &id).change(
                        serde_json::Value::Null,
                        serde_json::json!({
                            "enterprise_id": context.enterprise_id,
                            "sha256": archive.scan.sha256,
                        }),
                    ),
                )
                .await?;
        }
        ids.push(id);
    }
    if let Some(batch) = &batch_id {
        platform
            .audit
            .append(
                &mut tx,
                now,
                &AuditEvent::new(&context.creator_id, AUDIT_BULK, batch).change(
                    serde_json::Value::Null,
                    serde_json::json!({
                        "enterprise_id": context.enterprise_id,
                        "archives": ids.len(),
                    }),
                ),
            )
            .await?;
    }
    tx.commit().await?;
    Ok((ids, batch_id))
}

/// One archive, its parties and its regulator report, in `tx`; its id.
async fn insert(
    platform: &Platform,
    tx: &mut crate::platform::db::Tx,
    context: &Context,
    batch_id: Option<&str>,
    archive: &NewArchive,
    token: &str,
    now: i64,
) -> Result<String, CoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let values = serde_json::to_string(&archive.values)
        .map_err(|e| CoreError::internal(format!("archive values: {e}")))?;
    sqlx::query(
        "INSERT INTO ec_archives (id, enterprise_id, business_type_id, batch_id, batch_row, \
           title, creator_id, state, file_name, sha256, size, pages, timestamp_token, \
           timestamped_at, field_values, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $14)",
    )
    .bind(&id)
    .bind(&context.enterprise_id)
    .bind(&context.business_type.id)
    .bind(batch_id)
    .bind(archive.batch_row)
    .bind(&archive.title)
    .bind(&context.creator_id)
    .bind(state::ARCHIVED)
    .bind(&archive.file_name)
    .bind(&archive.scan.sha256)
    .bind(archive.scan.size)
    .bind(archive.scan.pages)
    .bind(token)
    .bind(now)
    .bind(platform.cipher.seal(values_at(&id), &values)?)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO ec_archive_parties (archive_id, position, role_key, kind, display_name, \
           credit_code) VALUES ($1, 0, 'A', 'enterprise', $2, $3)",
    )
    .bind(&id)
    .bind(&context.enterprise_name)
    .bind(&context.credit_code)
    .execute(&mut **tx)
    .await?;
    for (position, person) in (1i64..).zip(&archive.persons) {
        let key = party_key(&id, position);
        let seal = |column, value: &str| {
            platform
                .cipher
                .seal(SealedAt::new("ec_archive_parties", column, &key), value)
        };
        let role = char::from(b'A' + u8::try_from(position).unwrap_or(25)).to_string();
        sqlx::query(
            "INSERT INTO ec_archive_parties (archive_id, position, role_key, kind, \
               display_name, employee_id, name_sealed, id_sealed, id_masked) \
             VALUES ($1, $2, $3, 'person', $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(position)
        .bind(role)
        .bind(mask_name(&person.name))
        .bind(&person.employee_id)
        .bind(seal("name_sealed", &person.name)?)
        .bind(seal("id_sealed", &person.id_number)?)
        .bind(mask::identifier(&person.id_number))
        .execute(&mut **tx)
        .await?;
    }
    regulator::queue_report(tx, now, subject::ARCHIVE, &id, &context.enterprise_id).await?;
    Ok(id)
}
