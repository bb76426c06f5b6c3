//! What a stored signature moves: the signed revisions and the party's state written in one
//! transaction with their log events, then the next group's turn or the task's completion, and
//! who is told (read before the transaction: [`Contacts`]).

use sqlx::Row as _;

use super::super::ContractsError;
use super::events::{self, NewEvent, Origin};
use super::launch::{notify_turn, phone_of};
use super::pades::SignerKey;
use super::party_state;
use super::signing::Turn;
use super::view::DocumentView;
use crate::Platform;
use crate::error::CoreError;
use crate::platform::clock::Clock as _;
use crate::platform::crypto::sha256_hex;
use crate::platform::db::Tx;
use crate::platform::jobs::messages;

/// Stores the signed revisions and moves the task in one transaction. `false` when another
/// signer stored a revision first (sign again over it).
#[expect(clippy::too_many_arguments, reason = "one signature's parts")]
#[expect(
    clippy::too_many_lines,
    reason = "the state move and the revision stored in one transaction, read top to bottom"
)]
pub(super) async fn store(
    platform: &Platform,
    user_id: &str,
    turn: &Turn,
    key: &SignerKey,
    documents: &[(DocumentView, String)],
    signed: Vec<Vec<u8>>,
    complete: bool,
    contacts: &Contacts,
    origin: &Origin,
) -> Result<bool, CoreError> {
    let now = platform.clock.now();
    let mut blobs = Vec::new();
    for pdf in &signed {
        blobs.push((platform.blobs.put(pdf).await?, sha256_hex(pdf)));
    }
    let mut tx = platform.db.begin().await?;
    let locked =
        sqlx::query("UPDATE ec_tasks SET updated_at = $1 WHERE id = $2 AND state = 'launched'")
            .bind(now)
            .bind(&turn.task_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if locked == 0 {
        let state: String = sqlx::query("SELECT state FROM ec_tasks WHERE id = $1")
            .bind(&turn.task_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("state")?;
        return Err(ContractsError::TaskClosed(state).into());
    }
    let moved = sqlx::query(
        "UPDATE ec_task_parties SET state = 'signed', signed_by = $1, signed_at = $2 \
         WHERE id = $3 AND state = 'to_sign'",
    )
    .bind(user_id)
    .bind(now)
    .bind(&turn.party_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved == 0 {
        return Err(ContractsError::AlreadySigned.into());
    }
    for ((document, _), (blob, sha)) in documents.iter().zip(&blobs) {
        let updated = sqlx::query(
            "UPDATE ec_task_documents SET blob = $1, sha256 = $2, revision = revision + 1, updated_at = $3 \
             WHERE id = $4 AND revision = $5",
        )
        .bind(blob)
        .bind(sha)
        .bind(now)
        .bind(&document.id)
        .bind(document.revision)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            // Another party's revision came first: nothing of this attempt is kept.
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO ec_task_revisions (document_id, revision, blob, sha256, party_id, kind, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&document.id)
        .bind(document.revision + 1)
        .bind(blob)
        .bind(sha)
        .bind(&turn.party_id)
        .bind(if complete { "signed_lta" } else { "signed" })
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let actor = format!("user:{user_id}");
    let phone = contacts.signer_masked.clone();
    events::append(
        &mut tx,
        &turn.task_id,
        &NewEvent {
            kind: events::INTENT_CONFIRMED,
            actor: actor.clone(),
            party_id: Some(&turn.party_id),
            phone_masked: Some(phone.clone()),
            ..NewEvent::default()
        },
        origin,
        now,
    )
    .await?;
    for ((document, _), (_, sha)) in documents.iter().zip(&blobs) {
        events::append(
            &mut tx,
            &turn.task_id,
            &NewEvent {
                kind: events::SIGNED,
                actor: actor.clone(),
                party_id: Some(&turn.party_id),
                document_id: Some(&document.id),
                phone_masked: Some(phone.clone()),
                hash_before: Some(document.sha256.clone()),
                hash_after: Some(sha.clone()),
                detail: serde_json::json!({
                    "certificate": key.serial,
                    "subject": key.subject,
                    "level": if complete { "B-LTA" } else { "B-T" },
                }),
            },
            origin,
            now,
        )
        .await?;
    }
    advance(platform, &mut tx, turn, complete, contacts, origin).await?;
    tx.commit().await?;
    Ok(true)
}

/// Whom to tell, read before the transaction (which reads nothing outside itself): each
/// party's phones, the initiator's, and the signer's masked phone.
pub(crate) struct Contacts {
    pub parties: std::collections::HashMap<String, Vec<String>>,
    pub initiator: String,
    pub signer_masked: String,
}

impl Contacts {
    pub(crate) async fn load(
        platform: &Platform,
        task_id: &str,
        user_id: &str,
    ) -> Result<Self, CoreError> {
        let rows = sqlx::query(
            "SELECT id, user_id, enterprise_id FROM ec_task_parties WHERE task_id = $1",
        )
        .bind(task_id)
        .fetch_all(platform.db.pool())
        .await?;
        let mut parties = std::collections::HashMap::new();
        for row in &rows {
            parties.insert(row.try_get("id")?, party_phones(platform, row).await?);
        }
        let initiator: String = sqlx::query("SELECT initiator_id FROM ec_tasks WHERE id = $1")
            .bind(task_id)
            .fetch_one(platform.db.pool())
            .await?
            .try_get("initiator_id")?;
        Ok(Self {
            parties,
            initiator: phone_of(platform, &initiator).await?,
            signer_masked: crate::platform::mask::phone(&phone_of(platform, user_id).await?),
        })
    }
}

/// After a signature: the next group's turn, or completion.
async fn advance(
    platform: &Platform,
    tx: &mut Tx,
    turn: &Turn,
    complete: bool,
    contacts: &Contacts,
    origin: &Origin,
) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let open = sqlx::query(
        "SELECT id, kind, user_id, enterprise_id, group_index, state FROM ec_task_parties \
         WHERE task_id = $1 AND state <> 'signed' ORDER BY group_index, position",
    )
    .bind(&turn.task_id)
    .fetch_all(&mut **tx)
    .await?;
    if open.is_empty() {
        if !complete {
            return Err(CoreError::internal("last signature made without B-LTA"));
        }
        sqlx::query(
            "UPDATE ec_tasks SET state = 'completed', completed_at = $1, updated_at = $1 WHERE id = $2",
        )
        .bind(now)
        .bind(&turn.task_id)
        .execute(&mut **tx)
        .await?;
        events::append(
            tx,
            &turn.task_id,
            &NewEvent {
                kind: events::COMPLETED,
                actor: "system".into(),
                detail: serde_json::json!({ "level": "B-LTA" }),
                ..NewEvent::default()
            },
            origin,
            now,
        )
        .await?;
        super::evidence::queue(tx, &turn.task_id, now).await?;
        let launcher: String = sqlx::query("SELECT enterprise_id FROM ec_tasks WHERE id = $1")
            .bind(&turn.task_id)
            .fetch_one(&mut **tx)
            .await?
            .try_get("enterprise_id")?;
        crate::contracts::regulator::queue_report(
            tx,
            now,
            crate::contracts::regulator::subject::TASK,
            &turn.task_id,
            &launcher,
        )
        .await?;
        return notify_completed(platform, tx, &turn.task_id, &turn.title, contacts).await;
    }
    if open.iter().any(|r| {
        r.try_get::<String, _>("state")
            .is_ok_and(|s| s == party_state::TO_SIGN)
    }) {
        return Ok(());
    }
    let next: i64 = open[0].try_get("group_index")?;
    sqlx::query("UPDATE ec_tasks SET current_group = $1 WHERE id = $2")
        .bind(next)
        .bind(&turn.task_id)
        .execute(&mut **tx)
        .await?;
    for row in open
        .iter()
        .filter(|r| r.try_get::<i64, _>("group_index").is_ok_and(|g| g == next))
    {
        let party_id: String = row.try_get("id")?;
        sqlx::query(
            "UPDATE ec_task_parties SET state = 'to_sign' WHERE id = $1 AND state = 'waiting'",
        )
        .bind(&party_id)
        .execute(&mut **tx)
        .await?;
        let phones = contacts.parties.get(&party_id).cloned().unwrap_or_default();
        notify_turn(platform, tx, &turn.task_id, &party_id, &turn.title, &phones).await?;
    }
    Ok(())
}

/// Whom to tell about a party: the person, or the enterprise's administrator.
pub(crate) async fn party_phones(
    platform: &Platform,
    row: &sqlx::any::AnyRow,
) -> Result<Vec<String>, CoreError> {
    if let Some(user_id) = row.try_get::<Option<String>, _>("user_id")? {
        return Ok(vec![phone_of(platform, &user_id).await?]);
    }
    let Some(enterprise_id) = row.try_get::<Option<String>, _>("enterprise_id")? else {
        return Ok(Vec::new());
    };
    let admin = sqlx::query(
        "SELECT user_id FROM ec_members WHERE enterprise_id = $1 AND role = 'admin' AND state = 'active'",
    )
    .bind(&enterprise_id)
    .fetch_optional(platform.db.pool())
    .await?;
    match admin {
        Some(row) => Ok(vec![
            phone_of(platform, &row.try_get::<String, _>("user_id")?).await?,
        ]),
        None => Ok(Vec::new()),
    }
}

/// Every party and the initiator: the contract is complete, with its link.
async fn notify_completed(
    platform: &Platform,
    tx: &mut Tx,
    task_id: &str,
    title: &str,
    contacts: &Contacts,
) -> Result<(), CoreError> {
    let mut phones = vec![contacts.initiator.clone()];
    for list in contacts.parties.values() {
        for phone in list {
            if !phones.contains(phone) {
                phones.push(phone.clone());
            }
        }
    }
    for (i, phone) in phones.iter().enumerate() {
        messages::sms(
            platform,
            tx,
            &format!("contracts.task:{task_id}:completed:{i}"),
            phone,
            &format!(
                "【Signet】合同《{title}》已全部签署完成，下载：{}/contracts/tasks/{task_id}",
                platform.public_url
            ),
        )
        .await?;
    }
    Ok(())
}
