//! The append-only, hash-chained audit log. Each row's hash is a keyed MAC (HMAC-SHA256 under a
//! key derived from the master key) over its content and the previous row's hash; `audit_head`
//! keeps the last link, so a changed, inserted or deleted row breaks the chain. Someone with the
//! database alone can still cut the tail and fix the head, or wipe both: [`checkpoint`] anchors
//! the head outside the database against that.
//!
//! Every event records the client address of the request that caused it: the server runs each
//! request inside [`with_client_ip`], and [`AuditLog::append`] fills an event's empty `ip` from it.

pub mod checkpoint;

use hmac::{Hmac, KeyInit as _, Mac};
use secrecy::{ExposeSecret, SecretBox};
use serde::Serialize;
use sha2::Sha256;
use sqlx::Row as _;

use super::clock::Timestamp;
use super::db::{Db, Tx};
use crate::error::CoreError;

/// One thing that happened: who did what to which target, from where, with the state before and
/// after (personal data already masked by the caller).
#[derive(Debug, Clone, Serialize)]
pub struct AuditEvent {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub ip: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

impl AuditEvent {
    pub fn new(actor: impl Into<String>, action: &str, target: impl Into<String>) -> Self {
        Self {
            actor: actor.into(),
            action: action.to_owned(),
            target: target.into(),
            ip: String::new(),
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
        }
    }

    #[must_use]
    pub fn from_ip(mut self, ip: &str) -> Self {
        ip.clone_into(&mut self.ip);
        self
    }

    #[must_use]
    pub fn change(mut self, before: serde_json::Value, after: serde_json::Value) -> Self {
        self.before = before;
        self.after = after;
        self
    }
}

pub struct AuditLog {
    key: SecretBox<[u8; 32]>,
}

/// The outcome of `verify`: rows checked, the first broken link (if any), and the newest
/// checkpoint the chain was checked against ([`checkpoint::verify`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    pub rows: i64,
    pub problem: Option<String>,
    pub checkpoint: Option<checkpoint::Checkpoint>,
}

tokio::task_local! {
    /// The client address of the request being served (set by the server per request).
    static CLIENT_IP: String;
}

/// Runs `work` with `ip` as the client address every audit event it writes records.
pub async fn with_client_ip<F: std::future::Future>(ip: String, work: F) -> F::Output {
    CLIENT_IP.scope(ip, work).await
}

/// The client address of the request being served, if any.
pub fn client_ip() -> Option<String> {
    CLIENT_IP
        .try_with(Clone::clone)
        .ok()
        .filter(|ip| !ip.is_empty())
}

impl AuditLog {
    pub fn new(key: [u8; 32]) -> Self {
        Self {
            key: SecretBox::new(Box::new(key)),
        }
    }

    fn link(
        &self,
        seq: i64,
        at: Timestamp,
        e: &AuditEvent,
        before: &str,
        after: &str,
        prev: &str,
    ) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.key.expose_secret()) else {
            return String::new();
        };
        for part in [
            seq.to_string().as_str(),
            at.to_string().as_str(),
            &e.actor,
            &e.action,
            &e.target,
            &e.ip,
            before,
            after,
            prev,
        ] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        hex::encode(mac.finalize().into_bytes())
    }

    /// Appends inside the caller's transaction, so the event commits with the change it records.
    pub async fn append(
        &self,
        tx: &mut Tx,
        at: Timestamp,
        event: &AuditEvent,
    ) -> Result<i64, CoreError> {
        // Updating the head first takes its row lock, serialising writers on PostgreSQL.
        sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1")
            .execute(&mut **tx)
            .await?;
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut **tx)
            .await?;
        let seq: i64 = head.try_get("seq")?;
        let prev: String = head.try_get("hash")?;
        let mut event = event.clone();
        if event.ip.is_empty()
            && let Some(ip) = client_ip()
        {
            event.ip = ip;
        }
        let event = &event;
        let before = event.before.to_string();
        let after = event.after.to_string();
        let hash = self.link(seq, at, event, &before, &after, &prev);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, action, target, ip, before_state, after_state, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(seq)
        .bind(at)
        .bind(&event.actor)
        .bind(&event.action)
        .bind(&event.target)
        .bind(&event.ip)
        .bind(&before)
        .bind(&after)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&hash)
            .execute(&mut **tx)
            .await?;
        Ok(seq)
    }

    /// The MAC of an audit checkpoint's statement (domain-separated from the chain's links).
    pub fn checkpoint_mac(&self, statement: &str) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.key.expose_secret()) else {
            return String::new();
        };
        mac.update(b"signet/audit-checkpoint\0");
        mac.update(statement.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Walks the whole chain and reports the first row that does not fit. This sees only the
    /// database; [`checkpoint::verify`] also checks it against the checkpoints outside it.
    ///
    /// The head is read before the rows: a row appended meanwhile (by this process or another
    /// node) comes after the head that was read and is checked as a link of the chain, so a
    /// verify beside running servers reports no false gap between the rows and the head.
    pub async fn verify(&self, db: &Db) -> Result<AuditReport, CoreError> {
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(db.pool())
            .await?;
        let Some(head) = head else {
            return Ok(AuditReport {
                rows: 0,
                problem: Some("the chain head is missing".into()),
                checkpoint: None,
            });
        };
        let head_seq: i64 = head.try_get("seq")?;
        let head_hash: String = head.try_get("hash")?;
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, target, ip, before_state, after_state, prev_hash, hash \
             FROM audit_log ORDER BY seq",
        )
        .fetch_all(db.pool())
        .await?;
        let mut expected_prev = "genesis".to_owned();
        // The link the head names: "genesis" for an empty log, else row `head_seq`'s hash.
        let mut at_head = (head_seq == 0).then(|| expected_prev.clone());
        let mut count = 0i64;
        for (expected_seq, row) in (1i64..).zip(rows) {
            let seq: i64 = row.try_get("seq")?;
            let event = AuditEvent {
                actor: row.try_get("actor")?,
                action: row.try_get("action")?,
                target: row.try_get("target")?,
                ip: row.try_get("ip")?,
                before: serde_json::Value::Null,
                after: serde_json::Value::Null,
            };
            let before: String = row.try_get("before_state")?;
            let after: String = row.try_get("after_state")?;
            let prev: String = row.try_get("prev_hash")?;
            let hash: String = row.try_get("hash")?;
            let at: i64 = row.try_get("at")?;
            let fail = |why: String| {
                Ok(AuditReport {
                    rows: count,
                    problem: Some(why),
                    checkpoint: None,
                })
            };
            if seq != expected_seq {
                return fail(format!("row {expected_seq} is missing (next row is {seq})"));
            }
            if prev != expected_prev {
                return fail(format!("row {seq} does not link to row {}", seq - 1));
            }
            if self.link(seq, at, &event, &before, &after, &prev) != hash {
                return fail(format!("row {seq} was changed after it was written"));
            }
            if seq == head_seq {
                at_head = Some(hash.clone());
            }
            expected_prev = hash;
            count += 1;
        }
        if count < head_seq {
            return Ok(AuditReport {
                rows: count,
                problem: Some(format!(
                    "the log ends at row {count} but its head says {head_seq}: rows were deleted"
                )),
                checkpoint: None,
            });
        }
        if at_head.as_deref() != Some(head_hash.as_str()) {
            return Ok(AuditReport {
                rows: count,
                problem: Some(format!(
                    "row {head_seq} differs from the chain head: the chain was rewritten"
                )),
                checkpoint: None,
            });
        }
        Ok(AuditReport {
            rows: count,
            problem: None,
            checkpoint: None,
        })
    }
}
