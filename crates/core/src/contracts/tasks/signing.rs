//! Signing (ES-8, §2.5.1.2–3): the signer's intent is an SMS code sent to their own phone for
//! this task and party (replay-proof and try-limited by `platform::sms_codes`); then each
//! document gets the party's seal at its spots and a PAdES B-T signature under the party's own
//! certificate, and the new revisions are stored in the transaction that moves the task (next
//! party or group to sign, or completion with B-LTA). Signing is optimistic: the signature is
//! made outside the transaction over the revision read; if another party stored a revision
//! meanwhile (parallel signers of a group) it is made again over the new one.

use std::sync::Arc;

use serde::Deserialize;
use sqlx::Row as _;

use super::super::{ContractsError, grants, seals};
use super::events::{self, NewEvent, Origin};
use super::launch::{notify_turn, phone_of};
use super::pades::{self, SignerKey, Stamp, Work};
use super::view::{self, DocumentView};
use super::{party_state, state};
use crate::Platform;
use crate::ca;
use crate::error::CoreError;
use crate::platform::accounts::fields::Phone;
use crate::platform::clock::Clock as _;
use crate::platform::crypto::sha256_hex;
use crate::platform::db::Tx;
use crate::platform::jobs::messages;
use crate::platform::sms_codes::{self, Purpose, SentCode};

/// How many times a signature is made again when parallel signers keep moving the revision.
const ATTEMPTS: usize = 8;

/// The signer's confirmation and choices.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInput {
    /// The SMS code sent by `POST …/sign-code`.
    pub sms_code: String,
    /// An enterprise party: the seal stamped at company and contract seal spots (default: the
    /// enterprise's seal of each spot's type). It must be granted to the signer.
    #[serde(default)]
    pub seal_id: Option<String>,
    /// A person: `name` (the name seal) or `handwriting` at every personal spot (default: by the
    /// spot's kind).
    #[serde(default)]
    pub personal_seal: Option<String>,
}

/// The party the caller signs for now.
pub(crate) struct Turn {
    pub task_id: String,
    pub title: String,
    pub party_id: String,
    pub role: String,
    pub kind: String,
    pub enterprise_id: Option<String>,
    pub display_name: String,
    pub may_refuse: bool,
}

/// The caller's party whose turn it is: `NotFound` for a task they may not see, `TaskClosed`,
/// `NothingToSign`, `NotYourTurn` or `AlreadySigned` otherwise.
pub(crate) async fn my_turn(
    platform: &Platform,
    user_id: &str,
    task_id: &str,
) -> Result<Turn, CoreError> {
    let task = view::visible_row(platform, user_id, task_id).await?;
    let task_state: String = task.try_get("state")?;
    if task_state != state::LAUNCHED {
        return Err(ContractsError::TaskClosed(task_state).into());
    }
    let mine = view::my_parties(platform, user_id, task_id).await?;
    if mine.is_empty() {
        return Err(ContractsError::NothingToSign.into());
    }
    let rows = sqlx::query(
        "SELECT id, role_key, kind, user_id, enterprise_id, display_name, may_refuse, state \
         FROM ec_task_parties WHERE task_id = $1 ORDER BY position",
    )
    .bind(task_id)
    .fetch_all(platform.db.pool())
    .await?;
    let mut waiting = false;
    for row in &rows {
        let id: String = row.try_get("id")?;
        if !mine.contains(&id) {
            continue;
        }
        let party_state: String = row.try_get("state")?;
        match party_state.as_str() {
            party_state::TO_SIGN => {
                return Ok(Turn {
                    task_id: task_id.to_owned(),
                    title: task.try_get("title")?,
                    party_id: id,
                    role: row.try_get("role_key")?,
                    kind: row.try_get("kind")?,
                    enterprise_id: row.try_get("enterprise_id")?,
                    display_name: row.try_get("display_name")?,
                    may_refuse: row.try_get::<i64, _>("may_refuse")? != 0,
                });
            }
            party_state::WAITING => waiting = true,
            _ => {}
        }
    }
    Err(if waiting {
        ContractsError::NotYourTurn.into()
    } else {
        ContractsError::AlreadySigned.into()
    })
}

/// What an intent code authorises: this signer, this party of this task.
fn code_subject(turn: &Turn, user_id: &str) -> String {
    format!("contract-sign:{}:{}:{user_id}", turn.task_id, turn.party_id)
}

/// Sends the intent code to the signer's own phone.
pub async fn send_code(
    platform: &Platform,
    user_id: &str,
    task_id: &str,
    origin: &Origin,
) -> Result<SentCode, CoreError> {
    let turn = my_turn(platform, user_id, task_id).await?;
    let phone = Phone::parse(&phone_of(platform, user_id).await?, "phone")?;
    let sent = sms_codes::send_for(
        platform,
        &phone,
        Purpose::SignContract,
        &code_subject(&turn, user_id),
    )
    .await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let event = NewEvent {
        kind: events::SMS_SENT,
        actor: format!("user:{user_id}"),
        party_id: Some(&turn.party_id),
        phone_masked: Some(phone.masked()),
        ..NewEvent::default()
    };
    events::append(&mut tx, task_id, &event, origin, now).await?;
    tx.commit().await?;
    Ok(sent)
}

/// An enterprise seal of `kind` (or the one chosen) the signer is granted: its image.
async fn enterprise_seal(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    spot_kind: &str,
    chosen: Option<&str>,
) -> Result<Vec<u8>, CoreError> {
    let row = match chosen.filter(|_| matches!(spot_kind, "company" | "contract")) {
        Some(seal_id) => sqlx::query(
            "SELECT id, image_blob, state FROM ec_seals WHERE id = $1 AND enterprise_id = $2",
        )
        .bind(seal_id)
        .bind(enterprise_id)
        .fetch_optional(platform.db.pool())
        .await?
        .ok_or(CoreError::NotFound)?,
        None => sqlx::query(
            "SELECT id, image_blob, state FROM ec_seals WHERE enterprise_id = $1 AND kind = $2 \
             AND state <> 'void'",
        )
        .bind(enterprise_id)
        .bind(spot_kind)
        .fetch_optional(platform.db.pool())
        .await?
        .ok_or(ContractsError::SealUnusable)?,
    };
    if row.try_get::<String, _>("state")? != "active" {
        return Err(ContractsError::SealUnusable.into());
    }
    let seal_id: String = row.try_get("id")?;
    if !grants::may_use(platform, enterprise_id, &seal_id, user_id).await? {
        return Err(ContractsError::SealNotGranted.into());
    }
    platform
        .blobs
        .get(&row.try_get::<String, _>("image_blob")?)
        .await
}

/// The person's seal image for a spot.
async fn personal_seal(
    platform: &Platform,
    user_id: &str,
    spot_kind: &str,
    chosen: Option<&str>,
) -> Result<Vec<u8>, CoreError> {
    let kind = match chosen.unwrap_or(spot_kind) {
        "handwriting" => seals::personal::HANDWRITING,
        "name" | "name_seal" => seals::personal::NAME,
        _ => {
            return Err(CoreError::Invalid {
                field: "personal_seal",
                zh: "个人签章须为 name（人名章）或 handwriting（手写签名）",
                en: "The personal seal must be name or handwriting",
            });
        }
    };
    let found = seals::personal::list(platform, user_id)
        .await?
        .into_iter()
        .find(|s| s.kind == kind);
    let Some(seal) = found else {
        return Err(if kind == seals::personal::HANDWRITING {
            ContractsError::HandwritingRequired.into()
        } else {
            ContractsError::RealNameRequired.into()
        });
    };
    Ok(seals::personal::image(platform, user_id, &seal.id)
        .await?
        .png)
}

/// The images stamped at the party's spots, per document (`None` for a spot with nothing to
/// stamp: a person's signing date is not drawn). Checked before the intent code is spent.
async fn stamps(
    platform: &Platform,
    user_id: &str,
    turn: &Turn,
    input: &SignInput,
    documents: &[(DocumentView, String)],
) -> Result<Vec<Vec<Stamp>>, CoreError> {
    let mut out = Vec::new();
    for (document, _) in documents {
        let mut stamps = Vec::new();
        for spot in document.spots.iter().filter(|s| s.role == turn.role) {
            let png = match (turn.kind.as_str(), turn.enterprise_id.as_deref()) {
                ("enterprise", Some(enterprise_id)) => {
                    enterprise_seal(
                        platform,
                        enterprise_id,
                        user_id,
                        &spot.kind,
                        input.seal_id.as_deref(),
                    )
                    .await?
                }
                _ if spot.kind == "sign_date" => continue,
                _ => {
                    personal_seal(
                        platform,
                        user_id,
                        &spot.kind,
                        input.personal_seal.as_deref(),
                    )
                    .await?
                }
            };
            let page = usize::try_from(spot.page).unwrap_or(1);
            let height = document
                .pages
                .get(page.saturating_sub(1))
                .map_or(0.0, |p| p.height);
            stamps.push(Stamp {
                png,
                page,
                rect: [spot.x, height - spot.y - spot.h, spot.w, spot.h],
            });
        }
        out.push(stamps);
    }
    Ok(out)
}

/// Signs for the caller's party whose turn it is, after the intent code.
pub async fn sign(
    platform: &Platform,
    user_id: &str,
    task_id: &str,
    input: &SignInput,
    origin: &Origin,
) -> Result<super::TaskView, CoreError> {
    let turn = my_turn(platform, user_id, task_id).await?;
    let first = view::documents(platform, task_id).await?;
    let stamps = stamps(platform, user_id, &turn, input, &first).await?;
    if turn.kind == "enterprise"
        && let Some(seal_id) = input.seal_id.as_deref()
        && !grants::may_use(
            platform,
            turn.enterprise_id.as_deref().unwrap_or_default(),
            seal_id,
            user_id,
        )
        .await?
    {
        return Err(ContractsError::SealNotGranted.into());
    }
    let phone = Phone::parse(&phone_of(platform, user_id).await?, "phone")?;
    sms_codes::consume_for(
        platform,
        &phone,
        Purpose::SignContract,
        &code_subject(&turn, user_id),
        &input.sms_code,
    )
    .await?;
    let key = Arc::new(match turn.enterprise_id.as_deref() {
        Some(enterprise_id) if turn.kind == "enterprise" => {
            pades::enterprise_key(platform, enterprise_id).await?
        }
        _ => pades::person_key(platform, user_id).await?,
    });
    let tsa = Arc::new(ca::tsa_handle(platform, &key.ca).await?);
    let contacts = Contacts::load(platform, task_id, user_id).await?;
    for _ in 0..ATTEMPTS {
        let documents = view::documents(platform, task_id).await?;
        let others_left: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM ec_task_parties WHERE task_id = $1 AND id <> $2 AND state <> 'signed'",
        )
        .bind(task_id)
        .bind(&turn.party_id)
        .fetch_one(platform.db.pool())
        .await?
        .try_get("n")?;
        let complete = if others_left == 0 {
            Some(Arc::new(pades::ca_revocation(platform).await?))
        } else {
            None
        };
        let now = platform.clock.now();
        let mut works = Vec::new();
        for ((_, blob), stamps) in documents.iter().zip(&stamps) {
            works.push(Work {
                pdf: platform.blobs.get(blob).await?,
                stamps: stamps.clone(),
                name: turn.display_name.clone(),
                reason: format!("签署《{}》", turn.title),
                now: ca::system_time(now),
            });
        }
        let (key_, tsa_, complete_) = (key.clone(), tsa.clone(), complete.clone());
        let signed = tokio::task::spawn_blocking(move || {
            works
                .into_iter()
                .map(|work| pades::sign_document(work, &key_, &tsa_, complete_.as_deref()))
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(|e| CoreError::internal(e.to_string()))??;
        if store(
            platform,
            user_id,
            &turn,
            &key,
            &documents,
            signed,
            complete.is_some(),
            &contacts,
            origin,
        )
        .await?
        {
            return view::show(platform, user_id, task_id).await;
        }
    }
    Err(CoreError::internal(
        "the documents kept changing while signing; try again",
    ))
}

/// Stores the signed revisions and moves the task in one transaction. `false` when another
/// signer stored a revision first (sign again over it).
#[expect(clippy::too_many_arguments, reason = "one signature's parts")]
#[expect(
    clippy::too_many_lines,
    reason = "the state move and the revision stored in one transaction, read top to bottom"
)]
async fn store(
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
