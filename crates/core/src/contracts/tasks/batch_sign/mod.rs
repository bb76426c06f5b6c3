//! Batch signing under one intent code (ES-8, issue 15): a signer picks up to [`MAX_TASKS`]
//! tasks where it is the party to sign now, all under one signing identity (the person, or the
//! same enterprise), and asks for ONE SMS code whose hash is bound to a hash of the sorted task
//! ids ([`send_code`]); confirming with that code ([`start`]) writes a batch and one
//! `contracts.batch_sign` job in the same transaction, and the job ([`job`]) signs each task on
//! the single signature's own path, recording a task that fails with its reason while the
//! others go on. Every refusal comes before the code is spent, with nothing changed.
//!
//! The code shares the single signature's purpose (`sign_contract`): one code open per phone,
//! the same resend gap, lifetime and try limit; a batch code does not sign a single task and a
//! single task's code does not confirm a batch.

pub mod job;

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::events::{self, NewEvent, Origin};
use super::launch::phone_of;
use super::signing::{self, SignInput, Turn, my_turn};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::error::{CoreError, ErrorKind, PlatformError};
use crate::platform::accounts::fields::Phone;
use crate::platform::clock::Clock as _;
use crate::platform::crypto::sha256_hex;
use crate::platform::jobs::{self, NewJob, Status};
use crate::platform::sms_codes::{self, Purpose, SentCode};

pub use job::{BATCH_SIGN, BatchSign, run_batch};

/// Most tasks in one batch.
pub const MAX_TASKS: usize = 1000;

/// Batch states as stored.
pub mod state {
    pub const SIGNING: &str = "signing";
    pub const DONE: &str = "done";
}

/// The tasks a batch code is asked for.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchTasks {
    /// Tasks where the caller is the party to sign now (1 to 1000, no repeats).
    pub task_ids: Vec<String>,
}

/// The confirmation of a batch and the choices every task is signed with.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchSignInput {
    /// Exactly the tasks the code was asked for (in any order).
    pub task_ids: Vec<String>,
    /// The SMS code sent by `POST /api/v1/tasks/batch-sign/code`.
    pub sms_code: String,
    /// As in the single signature: an enterprise's seal at company and contract seal spots.
    #[serde(default)]
    pub seal_id: Option<String>,
    /// As in the single signature: `name` or `handwriting` at a person's spots.
    #[serde(default)]
    pub personal_seal: Option<String>,
}

/// A started batch.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchStarted {
    pub id: String,
    pub total: i64,
}

/// A task of the batch that could not be signed, and why (as the single signature would have
/// answered).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchFailure {
    pub task_id: String,
    pub code: String,
    pub zh: String,
    pub en: String,
}

/// A batch as its signer sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchSignView {
    pub id: String,
    /// `signing` | `done`.
    pub state: String,
    pub total: i64,
    /// Tasks handled so far (`signed` + `failed`).
    pub done: i64,
    pub signed: i64,
    pub failed: i64,
    pub failures: Vec<BatchFailure>,
    /// The job's status (`queued`, `running`, `done`, `dead`) and its last error, if any.
    pub job_status: Option<Status>,
    pub job_error: Option<String>,
    pub created_at: i64,
}

fn list_error(zh: String, en: String) -> CoreError {
    ContractsError::BatchSignTasks { zh, en }.into()
}

/// SHA-256 (hex) of the sorted task ids joined by `,`.
fn tasks_hash(task_ids: &[String]) -> String {
    let mut sorted: Vec<&str> = task_ids.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sha256_hex(sorted.join(",").as_bytes())
}

/// What a batch code authorises: this signer, exactly this set of tasks.
fn code_subject(user_id: &str, hash: &str) -> String {
    format!("contract-batch-sign:{user_id}:{hash}")
}

/// The list's own checks, then each task's turn: every refusal names the task. The turns, in
/// the order given.
async fn turns(
    platform: &Platform,
    user_id: &str,
    task_ids: &[String],
) -> Result<Vec<Turn>, CoreError> {
    if task_ids.is_empty() {
        return Err(list_error(
            "请至少选择一份合同".into(),
            "Choose at least one contract".into(),
        ));
    }
    if task_ids.len() > MAX_TASKS {
        return Err(list_error(
            format!(
                "一次最多批量签署 {MAX_TASKS} 份合同，您选择了 {} 份",
                task_ids.len()
            ),
            format!(
                "At most {MAX_TASKS} contracts can be signed in one batch; {} were chosen",
                task_ids.len()
            ),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for id in task_ids {
        if !seen.insert(id.as_str()) {
            return Err(list_error(
                format!("合同 {id} 重复出现"),
                format!("The contract {id} appears more than once"),
            ));
        }
    }
    let mut out: Vec<Turn> = Vec::with_capacity(task_ids.len());
    for id in task_ids {
        let turn = match my_turn(platform, user_id, id).await {
            Ok(turn) => turn,
            Err(e) => return Err(naming(id, e)),
        };
        if let Some(first) = out.first()
            && (first.kind != turn.kind || first.enterprise_id != turn.enterprise_id)
        {
            return Err(list_error(
                "所选合同须以同一身份签署：都由您本人签署，或都代表同一家企业签署".into(),
                "The chosen contracts must be signed under one identity: all by yourself, or \
                 all for the same enterprise"
                    .into(),
            ));
        }
        out.push(turn);
    }
    Ok(out)
}

/// A task's refusal with the task named; internal errors pass as they are.
fn naming(task_id: &str, error: CoreError) -> CoreError {
    let described = error.describe();
    if described.kind == ErrorKind::Internal {
        return error;
    }
    ContractsError::BatchSignTask {
        task_id: task_id.to_owned(),
        kind: described.kind,
        code: described.code,
        zh: described.zh,
        en: described.en,
    }
    .into()
}

/// Sends one intent code for the whole set to the signer's own phone; each task's log records
/// it.
pub async fn send_code(
    platform: &Platform,
    user_id: &str,
    task_ids: &[String],
    origin: &Origin,
) -> Result<SentCode, CoreError> {
    let turns = turns(platform, user_id, task_ids).await?;
    let phone = Phone::parse(&phone_of(platform, user_id).await?, "phone")?;
    let sent = sms_codes::send_worded(
        platform,
        &phone,
        Purpose::SignContract,
        &code_subject(user_id, &tasks_hash(task_ids)),
        &format!("批量签署 {} 份合同", task_ids.len()),
    )
    .await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    for turn in &turns {
        let event = NewEvent {
            kind: events::SMS_SENT,
            actor: format!("user:{user_id}"),
            party_id: Some(&turn.party_id),
            phone_masked: Some(phone.masked()),
            ..NewEvent::default()
        };
        events::append(&mut tx, &turn.task_id, &event, origin, now).await?;
    }
    tx.commit().await?;
    Ok(sent)
}

/// Confirms the batch with its code and starts the job: every check (each task's turn, the
/// seal choice on the first task) before the code is spent.
pub async fn start(
    platform: &Platform,
    user_id: &str,
    input: &BatchSignInput,
    origin: &Origin,
) -> Result<BatchStarted, CoreError> {
    let turns = turns(platform, user_id, &input.task_ids).await?;
    let choices = SignInput {
        sms_code: String::new(),
        seal_id: input.seal_id.clone(),
        personal_seal: input.personal_seal.clone(),
    };
    if let Some(first) = turns.first() {
        signing::prepare(platform, user_id, &first.task_id, &choices).await?;
    }
    let hash = tasks_hash(&input.task_ids);
    let phone = Phone::parse(&phone_of(platform, user_id).await?, "phone")?;
    sms_codes::consume_for(
        platform,
        &phone,
        Purpose::SignContract,
        &code_subject(user_id, &hash),
        &input.sms_code,
    )
    .await?;
    let now = platform.clock.now();
    let id = uuid::Uuid::new_v4().to_string();
    let total = i64::try_from(turns.len()).unwrap_or(i64::MAX);
    let choices = serde_json::json!({
        "seal_id": input.seal_id,
        "personal_seal": input.personal_seal,
    })
    .to_string();
    let mut tx = platform.db.begin().await?;
    sqlx::query(
        "INSERT INTO ec_sign_batches (id, user_id, tasks_hash, choices, origin_ip, origin_agent, \
         state, total, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(&hash)
    .bind(&choices)
    .bind(origin.ip.as_deref())
    .bind(origin.user_agent.as_deref())
    .bind(state::SIGNING)
    .bind(total)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for (position, turn) in turns.iter().enumerate() {
        sqlx::query(
            "INSERT INTO ec_sign_batch_items (batch_id, position, task_id, state) \
             VALUES ($1, $2, $3, 'pending')",
        )
        .bind(&id)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(&turn.task_id)
        .execute(&mut *tx)
        .await?;
    }
    let job = NewJob::new(
        BATCH_SIGN,
        job::job_key(&id),
        serde_json::json!({ "batch_id": id }),
    )
    .owner(user_id);
    jobs::enqueue(&mut tx, now, &job).await?;
    tx.commit().await?;
    Ok(BatchStarted { id, total })
}

/// The caller's batch with its progress and failures; another user's batch is not found.
pub async fn view(
    platform: &Platform,
    user_id: &str,
    batch_id: &str,
) -> Result<BatchSignView, CoreError> {
    let batch = sqlx::query(
        "SELECT id, state, total, signed, failed, created_at FROM ec_sign_batches \
         WHERE id = $1 AND user_id = $2",
    )
    .bind(batch_id)
    .bind(user_id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    let rows = sqlx::query(
        "SELECT task_id, code, reason_zh, reason_en FROM ec_sign_batch_items \
         WHERE batch_id = $1 AND state = 'failed' ORDER BY position",
    )
    .bind(batch_id)
    .fetch_all(platform.db.pool())
    .await?;
    let mut failures = Vec::with_capacity(rows.len());
    for row in &rows {
        failures.push(BatchFailure {
            task_id: row.try_get("task_id")?,
            code: row
                .try_get::<Option<String>, _>("code")?
                .unwrap_or_default(),
            zh: row
                .try_get::<Option<String>, _>("reason_zh")?
                .unwrap_or_default(),
            en: row
                .try_get::<Option<String>, _>("reason_en")?
                .unwrap_or_default(),
        });
    }
    let job = jobs::queue::by_key(platform, &job::job_key(batch_id)).await?;
    let (signed, failed): (i64, i64) = (batch.try_get("signed")?, batch.try_get("failed")?);
    Ok(BatchSignView {
        id: batch.try_get("id")?,
        state: batch.try_get("state")?,
        total: batch.try_get("total")?,
        done: signed + failed,
        signed,
        failed,
        failures,
        job_status: job.as_ref().map(|j| j.status),
        job_error: job.and_then(|j| j.last_error),
        created_at: batch.try_get("created_at")?,
    })
}
