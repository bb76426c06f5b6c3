//! Each completed document's evidence package: the transaction that completes a task queues
//! one `contracts.evidence` job; the job makes each document's package from the task's log
//! (`contracts::evidence::build`: the signed PDF, the events as JSON in a hash chain, and the
//! report signed by the platform and timestamped) and stores it once. Readers of the task
//! download it; before the job has run they are told to try again shortly.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::Row as _;

use super::events::{self, EventView};
use super::view::visible_row;
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::evidence::{self, EvidenceEvent, EvidenceInput, EvidenceKind};
use crate::contracts::persons::mask_name;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::db::Tx;
use crate::platform::jobs::{self, Handler, NewJob, RunningJob};

/// The job kind.
pub const BUILD_EVIDENCE: &str = "contracts.evidence";

/// Queues the task's evidence job in the completing transaction (once per task).
pub(super) async fn queue(tx: &mut Tx, task_id: &str, now: Timestamp) -> Result<(), CoreError> {
    let job = NewJob::new(
        BUILD_EVIDENCE,
        format!("{BUILD_EVIDENCE}:{task_id}"),
        serde_json::json!({ "task_id": task_id }),
    );
    jobs::enqueue(tx, now, &job).await?;
    Ok(())
}

/// The handler of [`BUILD_EVIDENCE`] jobs.
pub struct BuildEvidence;

#[async_trait]
impl Handler for BuildEvidence {
    async fn run(&self, platform: &Platform, job: &RunningJob) -> Result<(), CoreError> {
        let task_id = job
            .payload()
            .get("task_id")
            .and_then(|v| v.as_str())
            .ok_or_else(|| CoreError::internal("evidence job without task_id"))?
            .to_owned();
        build_for_task(platform, &task_id).await.map(|_| ())
    }
}

/// Makes and stores the package of each document of a completed task that has none yet; returns
/// how many were made. A task that is not completed gets none.
pub async fn build_for_task(platform: &Platform, task_id: &str) -> Result<usize, CoreError> {
    let pool = platform.db.pool();
    let task = sqlx::query("SELECT title, state FROM ec_tasks WHERE id = $1")
        .bind(task_id)
        .fetch_optional(pool)
        .await?
        .ok_or(PlatformError::NotFound)?;
    if task.try_get::<String, _>("state")? != super::state::COMPLETED {
        return Ok(0);
    }
    let title: String = task.try_get("title")?;
    let log = events::list(pool, task_id).await?;
    let names = Names::load(platform, task_id, &log).await?;
    let documents = sqlx::query(
        "SELECT d.id, d.name, d.blob, d.sha256 FROM ec_task_documents d \
         LEFT JOIN ec_task_evidence e ON e.document_id = d.id \
         WHERE d.task_id = $1 AND e.document_id IS NULL ORDER BY d.position",
    )
    .bind(task_id)
    .fetch_all(pool)
    .await?;
    let mut made = 0;
    for document in &documents {
        let document_id: String = document.try_get("id")?;
        let sha256: String = document.try_get("sha256")?;
        let signed_pdf = platform
            .blobs
            .get(&document.try_get::<String, _>("blob")?)
            .await?;
        let input = EvidenceInput {
            task_id: task_id.to_owned(),
            task_title: title.clone(),
            document_id: document_id.clone(),
            document_name: document.try_get("name")?,
            signed_pdf,
            events: evidence_events(&log, &document_id, &sha256, &names),
        };
        let zip = evidence::build(platform, input).await?;
        let blob = platform.blobs.put(&zip).await?;
        let stored = sqlx::query(
            "INSERT INTO ec_task_evidence (document_id, task_id, blob, sha256, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (document_id) DO NOTHING",
        )
        .bind(&document_id)
        .bind(task_id)
        .bind(&blob)
        .bind(evidence::sha256_hex(&zip))
        .bind(platform.clock.now())
        .execute(pool)
        .await?
        .rows_affected();
        made += usize::try_from(stored).unwrap_or(0);
    }
    Ok(made)
}

/// Who the log's actors are, as the report names them: a party by its name (a person's masked),
/// another user by their real name masked, the system as 系统.
struct Names {
    parties: HashMap<String, (String, String)>,
    users: HashMap<String, String>,
}

impl Names {
    async fn load(
        platform: &Platform,
        task_id: &str,
        log: &[EventView],
    ) -> Result<Self, CoreError> {
        let pool = platform.db.pool();
        let mut parties = HashMap::new();
        for row in sqlx::query(
            "SELECT id, kind, role_key, display_name FROM ec_task_parties WHERE task_id = $1",
        )
        .bind(task_id)
        .fetch_all(pool)
        .await?
        {
            let display: String = row.try_get("display_name")?;
            let kind: String = row.try_get("kind")?;
            let name = if kind == "person" {
                mask_name(&display)
            } else {
                display
            };
            parties.insert(row.try_get("id")?, (name, row.try_get("role_key")?));
        }
        let mut users = HashMap::new();
        for user_id in log.iter().filter_map(|e| e.actor.strip_prefix("user:")) {
            if users.contains_key(user_id) {
                continue;
            }
            let masked = sqlx::query("SELECT name_masked FROM ec_persons WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await?
                .map(|row| row.try_get::<String, _>("name_masked"))
                .transpose()?
                .unwrap_or_else(|| "平台用户".to_owned());
            users.insert(user_id.to_owned(), masked);
        }
        Ok(Self { parties, users })
    }

    fn actor(&self, event: &EventView) -> String {
        if let Some((name, _)) = event.party_id.as_ref().and_then(|p| self.parties.get(p)) {
            return name.clone();
        }
        event
            .actor
            .strip_prefix("user:")
            .and_then(|u| self.users.get(u).cloned())
            .unwrap_or_else(|| "系统".to_owned())
    }
}

/// The log as the report tells it, for one document: the task's own events and this document's,
/// up to the completion (a later view is not part of the signed story); the completion carries
/// the final file's hash.
fn evidence_events(
    log: &[EventView],
    document_id: &str,
    final_sha256: &str,
    names: &Names,
) -> Vec<EvidenceEvent> {
    let mut out = Vec::new();
    for event in log {
        if event
            .document_id
            .as_deref()
            .is_some_and(|d| d != document_id)
        {
            continue;
        }
        let kind = match event.kind.as_str() {
            events::LAUNCHED => EvidenceKind::Launch,
            events::VIEWED => EvidenceKind::View,
            events::SMS_SENT => EvidenceKind::SmsSent,
            events::INTENT_CONFIRMED => EvidenceKind::IntentConfirmed,
            events::SIGNED => EvidenceKind::Signed,
            events::COMPLETED => EvidenceKind::Completed,
            _ => continue,
        };
        let role = event
            .party_id
            .as_ref()
            .and_then(|p| names.parties.get(p))
            .map(|(_, role)| role.clone());
        let detail = match (kind, &role) {
            (EvidenceKind::Signed, Some(role)) => Some(format!(
                "{role} 方签署（{}）",
                event.detail["level"].as_str().unwrap_or("B-T")
            )),
            (EvidenceKind::Completed, _) => Some("全部签署方已签署，PAdES B-LTA".to_owned()),
            _ => None,
        };
        let completed = kind == EvidenceKind::Completed;
        out.push(EvidenceEvent {
            kind,
            at: event.created_at,
            actor: names.actor(event),
            phone: event.phone_masked.clone(),
            ip: event.ip.clone(),
            user_agent: event.user_agent.clone(),
            hash_before: if completed {
                Some(final_sha256.to_owned())
            } else {
                event.hash_before.clone()
            },
            hash_after: if completed {
                Some(final_sha256.to_owned())
            } else {
                event.hash_after.clone()
            },
            detail,
        });
        if completed {
            break;
        }
    }
    out
}

/// The stored package of a document, for a reader of the task: `(file name, zip)`.
/// `EvidenceNotReady` while the task is not completed or its job has not run yet.
pub async fn evidence_zip(
    platform: &Platform,
    user_id: &str,
    task_id: &str,
    document_id: &str,
) -> Result<(String, Vec<u8>), CoreError> {
    let task = visible_row(platform, user_id, task_id).await?;
    let pool = platform.db.pool();
    let document = sqlx::query("SELECT id FROM ec_task_documents WHERE id = $1 AND task_id = $2")
        .bind(document_id)
        .bind(task_id)
        .fetch_optional(pool)
        .await?;
    if document.is_none() {
        return Err(PlatformError::NotFound.into());
    }
    let stored = sqlx::query("SELECT blob FROM ec_task_evidence WHERE document_id = $1")
        .bind(document_id)
        .fetch_optional(pool)
        .await?;
    match stored {
        Some(row) => {
            let zip = platform
                .blobs
                .get(&row.try_get::<String, _>("blob")?)
                .await?;
            Ok((format!("evidence-{document_id}.zip"), zip))
        }
        None => Err(ContractsError::EvidenceNotReady {
            completed: task.try_get::<String, _>("state")? == super::state::COMPLETED,
        }
        .into()),
    }
}
