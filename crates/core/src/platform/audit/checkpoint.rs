//! Checkpoints of the audit chain kept outside the database. A checkpoint says "the chain had
//! `rows` rows ending in `head` at `at`", carries an HMAC under the audit key (only a holder of
//! the master key makes one) and an RFC 3161 token of our own TSA over the same statement (a
//! signed time anyone with the CA certificate can check). Whoever controls the database alone can
//! delete the tail or wipe the log and fix `audit_head`, but cannot reach these files: `verify`
//! compares the chain with the newest one.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use sqlx::Row as _;

use super::AuditReport;
use crate::Platform;
use crate::error::CoreError;
use crate::platform::clock::{Clock as _, Timestamp, rfc3339};

/// The first line of every checkpoint's statement, and its `format` field.
pub const FORMAT: &str = "signet-audit-checkpoint/v1";
/// The job kind that writes a checkpoint.
pub const CHECKPOINT: &str = "platform.audit_checkpoint";
/// How often the recurring job writes one (the window in which a cut tail goes unseen).
pub const EVERY_SECONDS: i64 = 300;
/// Checkpoints kept per directory (the newest one is what counts).
const KEEP: usize = 100;

/// One checkpoint as written to disk (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub format: String,
    /// Rows in the chain when it was made.
    pub rows: i64,
    /// The hash of the last of them.
    pub head: String,
    pub at: Timestamp,
    /// HMAC-SHA256 (hex) under the audit key over the statement.
    pub mac: String,
    /// The issuing CA whose TSA stamped the statement; `None` before `signet init`.
    #[serde(default)]
    pub tsa: Option<String>,
    /// Its RFC 3161 `TimeStampToken` (base64 DER) over SHA-256 of the statement.
    #[serde(default)]
    pub token: Option<String>,
}

impl Checkpoint {
    /// What the MAC and the time-stamp cover.
    pub fn statement(rows: i64, head: &str, at: Timestamp) -> String {
        format!("{FORMAT}\nrows={rows}\nhead={head}\nat={at}\n")
    }

    /// SHA-256 of the statement: the time-stamp's message imprint.
    pub fn digest(&self) -> [u8; 32] {
        sha2::Sha256::digest(Self::statement(self.rows, &self.head, self.at).as_bytes()).into()
    }

    fn file_name(&self) -> String {
        format!("checkpoint-{:012}-{}.json", self.rows, self.at)
    }
}

/// A time-stamping authority for checkpoints. The platform knows no CA: the CA wing's TSA
/// implements this (`ca::TsaNotary`).
#[async_trait]
pub trait Notary: Send + Sync {
    /// A token over `digest` (SHA-256) and the name of the TSA that made it; `None` when there
    /// is no TSA yet (before `signet init`).
    async fn stamp(
        &self,
        platform: &Platform,
        digest: &[u8; 32],
    ) -> Result<Option<(String, Vec<u8>)>, CoreError>;

    /// Why `token` is not a good stamp of `digest` by one of our TSAs; `None` when it is.
    async fn check(
        &self,
        platform: &Platform,
        token: &[u8],
        digest: &[u8; 32],
    ) -> Result<Option<String>, CoreError>;
}

/// Where checkpoints go: `audit/checkpoints` in the data directory, and optionally mirror
/// directories (a mount of other storage: NFS, an object-store mount, a WORM volume).
#[derive(Debug, Clone)]
pub struct CheckpointStore {
    dirs: Vec<PathBuf>,
}

impl CheckpointStore {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dirs: vec![data_dir.join("audit").join("checkpoints")],
        }
    }

    /// Also write to (and read from) `dir`.
    pub fn add_mirror(&mut self, dir: PathBuf) {
        if !self.dirs.contains(&dir) {
            self.dirs.push(dir);
        }
    }

    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// Writes `checkpoint` to every directory (atomically: a temporary file renamed) and keeps
    /// the newest [`KEEP`] in each. Every directory is tried; the first failure is returned.
    fn write(&self, checkpoint: &Checkpoint) -> Result<(), CoreError> {
        let json = serde_json::to_vec_pretty(checkpoint)
            .map_err(|e| CoreError::internal(format!("checkpoint json: {e}")))?;
        let mut first_error = None;
        for dir in &self.dirs {
            let written =
                write_atomically(dir, &checkpoint.file_name(), &json).map(|()| prune(dir));
            if let Err(error) = written {
                tracing::error!(dir = %dir.display(), %error, "audit checkpoint not written");
                first_error.get_or_insert(error);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Every checkpoint file in every directory, parsed; files that do not parse are returned
    /// as problems.
    fn read_all(&self) -> (Vec<(PathBuf, Checkpoint)>, Vec<String>) {
        let mut found = Vec::new();
        let mut problems = Vec::new();
        for dir in &self.dirs {
            for path in checkpoint_files(dir) {
                match std::fs::read(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|bytes| {
                        serde_json::from_slice::<Checkpoint>(&bytes).map_err(|e| e.to_string())
                    }) {
                    Ok(checkpoint) if checkpoint.format == FORMAT => found.push((path, checkpoint)),
                    Ok(_) => problems.push(format!("{}: unknown format", path.display())),
                    Err(why) => problems.push(format!("{}: unreadable ({why})", path.display())),
                }
            }
        }
        (found, problems)
    }
}

fn checkpoint_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("checkpoint-"))
                && path.extension().is_some_and(|e| e == "json")
        })
        .collect();
    // Zero-padded row counts first in the name: sorting by name sorts by rows, then time.
    files.sort();
    files
}

fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), CoreError> {
    let failed = |what: &str, e: std::io::Error| {
        CoreError::internal(format!("audit checkpoint {what} in {}: {e}", dir.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| failed("directory", e))?;
    let temporary = dir.join(format!(".{name}.tmp"));
    std::fs::write(&temporary, bytes).map_err(|e| failed("write", e))?;
    std::fs::rename(&temporary, dir.join(name)).map_err(|e| failed("rename", e))
}

fn prune(dir: &Path) {
    let files = checkpoint_files(dir);
    let extra = files.len().saturating_sub(KEEP);
    for old in &files[..extra] {
        if let Err(error) = std::fs::remove_file(old) {
            tracing::warn!(file = %old.display(), %error, "old audit checkpoint not removed");
        }
    }
}

/// Writes a checkpoint of the chain as it is now, unless the newest one already says the same
/// (or the chain is empty). Returns what was written.
pub async fn make(
    platform: &Platform,
    notary: &dyn Notary,
) -> Result<Option<Checkpoint>, CoreError> {
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(platform.db.pool())
        .await?;
    let Some(head) = head else {
        return Ok(None);
    };
    let rows: i64 = head.try_get("seq")?;
    let hash: String = head.try_get("hash")?;
    if rows == 0 {
        return Ok(None);
    }
    let (existing, _) = platform.checkpoints.read_all();
    if existing
        .iter()
        .any(|(_, c)| c.rows == rows && c.head == hash)
    {
        return Ok(None);
    }
    let at = platform.clock.now();
    let mut checkpoint = Checkpoint {
        format: FORMAT.to_owned(),
        rows,
        mac: platform
            .audit
            .checkpoint_mac(&Checkpoint::statement(rows, &hash, at)),
        head: hash,
        at,
        tsa: None,
        token: None,
    };
    if let Some((tsa, token)) = notary.stamp(platform, &checkpoint.digest()).await? {
        checkpoint.tsa = Some(tsa);
        checkpoint.token = Some(STANDARD.encode(token));
    }
    platform.checkpoints.write(&checkpoint)?;
    Ok(Some(checkpoint))
}

/// Walks the chain ([`super::AuditLog::verify`]) and checks it against the newest checkpoint
/// outside the database: a chain shorter than a checkpoint had its tail cut (or was wiped); a
/// chain whose row differs from the checkpoint's head was rewritten. A checkpoint that does not
/// verify (MAC or time-stamp) is itself reported.
pub async fn verify(platform: &Platform, notary: &dyn Notary) -> Result<AuditReport, CoreError> {
    let mut report = platform.audit.verify(&platform.db).await?;
    if report.problem.is_some() {
        return Ok(report);
    }
    let (found, mut problems) = platform.checkpoints.read_all();
    let mut newest: Option<Checkpoint> = None;
    for (path, checkpoint) in found {
        let statement = Checkpoint::statement(checkpoint.rows, &checkpoint.head, checkpoint.at);
        if platform.audit.checkpoint_mac(&statement) != checkpoint.mac {
            problems.push(format!(
                "{}: its MAC does not verify (forged or changed)",
                path.display()
            ));
            continue;
        }
        if let Some(token) = &checkpoint.token {
            let why = match STANDARD.decode(token) {
                Ok(der) => notary.check(platform, &der, &checkpoint.digest()).await?,
                Err(_) => Some("token is not base64".to_owned()),
            };
            if let Some(why) = why {
                problems.push(format!("{}: time-stamp refused: {why}", path.display()));
                continue;
            }
        }
        if newest
            .as_ref()
            .is_none_or(|n| (checkpoint.rows, checkpoint.at) > (n.rows, n.at))
        {
            newest = Some(checkpoint);
        }
    }
    if let Some(first) = problems.into_iter().next() {
        report.problem = Some(format!("audit checkpoint {first}"));
        return Ok(report);
    }
    let Some(newest) = newest else {
        return Ok(report);
    };
    let when = rfc3339(newest.at);
    if report.rows < newest.rows {
        report.problem = Some(if report.rows == 0 {
            format!(
                "the audit log is empty but the checkpoint of {when} vouches for {} rows: the log was wiped",
                newest.rows
            )
        } else {
            format!(
                "the log ends at row {} but the checkpoint of {when} vouches for {} rows: rows were deleted from its end",
                report.rows, newest.rows
            )
        });
    } else {
        let hash: Option<String> = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
            .bind(newest.rows)
            .fetch_optional(platform.db.pool())
            .await?
            .map(|row| row.try_get("hash"))
            .transpose()?;
        if hash.as_deref() != Some(newest.head.as_str()) {
            report.problem = Some(format!(
                "row {} differs from the checkpoint of {when}: the chain was rewritten",
                newest.rows
            ));
        }
    }
    report.checkpoint = Some(newest);
    Ok(report)
}

/// The recurring job ([`CHECKPOINT`]) that writes a checkpoint when the chain moved.
pub struct CheckpointJob(pub std::sync::Arc<dyn Notary>);

#[async_trait]
impl crate::platform::jobs::Handler for CheckpointJob {
    async fn run(
        &self,
        platform: &Platform,
        _job: &crate::platform::jobs::RunningJob,
    ) -> Result<(), CoreError> {
        if let Some(written) = make(platform, self.0.as_ref()).await? {
            tracing::debug!(rows = written.rows, "audit checkpoint written");
        }
        Ok(())
    }
}

/// The schedule of [`CheckpointJob`].
pub const SCHEDULE: crate::platform::jobs::Schedule = crate::platform::jobs::Schedule {
    name: "platform.audit_checkpoint",
    kind: CHECKPOINT,
    every_seconds: EVERY_SECONDS,
};
