//! The launch's one transaction: the task, its documents and first revisions, its parties (the
//! first group told by SMS), cc, one contract of the quota spent, and the launch in the log.

use std::collections::{BTreeMap, BTreeSet};

use super::documents::Checked;
use super::parties::Resolved;
use super::riding;
use crate::Platform;
use crate::contracts::tasks::events::{self, NewEvent, Origin};
use crate::contracts::tasks::{OrderKind, party_state, quota};
use crate::error::CoreError;
use crate::platform::clock::Timestamp;
use crate::platform::crypto::{SealedAt, sha256_hex};
use crate::platform::db::Tx;
use crate::platform::jobs::messages;

/// A task checked and ready to write (its documents already in the blob store).
pub(crate) struct Ready {
    pub task_id: String,
    pub enterprise_id: String,
    pub business_type_id: String,
    pub title: String,
    pub confidential: bool,
    pub deadline: Option<Timestamp>,
    pub order: OrderKind,
    pub parties: Vec<Resolved>,
    pub cc: BTreeSet<String>,
    pub documents: Vec<Checked>,
    pub blobs: Vec<String>,
}

/// Where a document's field values are sealed: its own row.
fn values_at(document_id: &str) -> SealedAt<'_> {
    SealedAt::new("ec_task_documents", "field_values", document_id)
}

/// The document's field values sealed for its row, or `None` when it has none (an uploaded PDF).
fn seal_values(
    platform: &Platform,
    document_id: &str,
    values: &BTreeMap<String, String>,
) -> Result<Option<String>, CoreError> {
    if values.is_empty() {
        return Ok(None);
    }
    let json = serde_json::to_string(values).map_err(|e| CoreError::internal(e.to_string()))?;
    platform
        .cipher
        .seal(values_at(document_id), &json)
        .map(Some)
}

/// The field values a document was filled with (empty for an uploaded PDF), opened.
pub(crate) fn open_values(
    platform: &Platform,
    document_id: &str,
    sealed: Option<&str>,
) -> Result<BTreeMap<String, String>, CoreError> {
    let Some(sealed) = sealed else {
        return Ok(BTreeMap::new());
    };
    let json = platform.cipher.open(values_at(document_id), sealed)?;
    serde_json::from_str(&json).map_err(|e| CoreError::internal(format!("field values: {e}")))
}

/// Queues the SMS telling `phones` it is their turn on `task_id`.
pub(crate) async fn notify_turn(
    platform: &Platform,
    tx: &mut Tx,
    task_id: &str,
    party_id: &str,
    title: &str,
    phones: &[String],
) -> Result<(), CoreError> {
    for (i, phone) in phones.iter().enumerate() {
        messages::sms(
            platform,
            tx,
            &format!("contracts.task:{task_id}:{party_id}:turn:{i}"),
            phone,
            &format!(
                "【Signet】您有一份合同《{title}》待签署，请打开 {}/contracts/tasks/{task_id} 签署。",
                platform.public_url
            ),
        )
        .await?;
    }
    Ok(())
}

/// Writes the task in `tx`: spends one contract, or refuses naming how many are missing.
pub(crate) async fn write(
    platform: &Platform,
    tx: &mut Tx,
    user_id: &str,
    ready: &Ready,
    origin: &Origin,
    now: Timestamp,
) -> Result<(), CoreError> {
    quota::spend(
        platform,
        tx,
        &ready.enterprise_id,
        1,
        &ready.task_id,
        user_id,
        now,
    )
    .await?;
    write_rows(platform, tx, user_id, ready, origin, now).await
}

/// Writes the task in `tx` whose contract the caller has spent (`quota::spend_each`).
#[expect(
    clippy::too_many_lines,
    reason = "the task's rows in the order they reference each other"
)]
pub(crate) async fn write_rows(
    platform: &Platform,
    tx: &mut Tx,
    user_id: &str,
    ready: &Ready,
    origin: &Origin,
    now: Timestamp,
) -> Result<(), CoreError> {
    let Ready {
        task_id,
        title,
        parties,
        cc,
        documents,
        blobs,
        ..
    } = ready;
    sqlx::query(
        "INSERT INTO ec_tasks (id, enterprise_id, business_type_id, initiator_id, title, confidential, \
           deadline, order_kind, state, current_group, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'launched', 0, $9, $9)",
    )
    .bind(task_id)
    .bind(&ready.enterprise_id)
    .bind(&ready.business_type_id)
    .bind(user_id)
    .bind(title)
    .bind(i64::from(ready.confidential))
    .bind(ready.deadline)
    .bind(ready.order.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    for (position, (document, blob)) in documents.iter().zip(blobs).enumerate() {
        let id = uuid::Uuid::new_v4().to_string();
        let sha = sha256_hex(&document.pdf);
        sqlx::query(
            "INSERT INTO ec_task_documents (id, task_id, position, name, template_version_id, blob, \
               revision, sha256, pages, spots, created_at, updated_at, field_values) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9, $10, $10, $11)",
        )
        .bind(&id)
        .bind(task_id)
        .bind(i64::try_from(position).unwrap_or(0))
        .bind(&document.name)
        .bind(document.template_version_id.as_deref())
        .bind(blob)
        .bind(&sha)
        .bind(serde_json::to_string(&document.pages).map_err(|e| CoreError::internal(e.to_string()))?)
        .bind(serde_json::to_string(&document.spots).map_err(|e| CoreError::internal(e.to_string()))?)
        .bind(now)
        .bind(seal_values(platform, &id, &document.values)?)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO ec_task_revisions (document_id, revision, blob, sha256, party_id, kind, created_at) \
             VALUES ($1, 0, $2, $3, NULL, 'launched', $4)",
        )
        .bind(&id)
        .bind(blob)
        .bind(&sha)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    let first_group = parties.iter().map(|p| p.group).min().unwrap_or(0);
    let mut turn = Vec::new();
    for (position, party) in parties.iter().enumerate() {
        let id = uuid::Uuid::new_v4().to_string();
        let state = if party.group == first_group {
            turn.push((id.clone(), party.notify.clone()));
            party_state::TO_SIGN
        } else {
            party_state::WAITING
        };
        let (riding_seal_id, riding_pages) = riding::to_columns(party.riding.as_ref())?;
        sqlx::query(
            "INSERT INTO ec_task_parties (id, task_id, position, role_key, kind, user_id, enterprise_id, \
               display_name, group_index, may_refuse, state, riding_seal_id, riding_pages) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(&id)
        .bind(task_id)
        .bind(i64::try_from(position).unwrap_or(0))
        .bind(&party.role)
        .bind(party.kind)
        .bind(party.user_id.as_deref())
        .bind(party.enterprise_id.as_deref())
        .bind(&party.display_name)
        .bind(party.group)
        .bind(i64::from(party.may_refuse))
        .bind(state)
        .bind(riding_seal_id)
        .bind(riding_pages)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("UPDATE ec_tasks SET current_group = $1 WHERE id = $2")
        .bind(first_group)
        .bind(task_id)
        .execute(&mut **tx)
        .await?;
    for cc_user in cc {
        sqlx::query("INSERT INTO ec_task_cc (task_id, user_id) VALUES ($1, $2)")
            .bind(task_id)
            .bind(cc_user)
            .execute(&mut **tx)
            .await?;
    }
    let event = NewEvent {
        kind: events::LAUNCHED,
        actor: format!("user:{user_id}"),
        detail: serde_json::json!({
            "title": title,
            "order": ready.order.as_str(),
            "documents": documents.iter().map(|d| serde_json::json!({"name": d.name, "sha256": sha256_hex(&d.pdf)})).collect::<Vec<_>>(),
            "parties": parties.iter().map(|p| serde_json::json!({"role": p.role, "kind": p.kind, "name": p.display_name})).collect::<Vec<_>>(),
        }),
        ..NewEvent::default()
    };
    events::append(tx, task_id, &event, origin, now).await?;
    for (party_id, phones) in &turn {
        notify_turn(platform, tx, task_id, party_id, title, phones).await?;
    }
    Ok(())
}
