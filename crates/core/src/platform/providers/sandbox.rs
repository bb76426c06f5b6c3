//! The sandbox providers: every SMS, email and captcha answer is kept in the database (so every
//! node and the `signet dev inbox` command see the same inbox) instead of leaving the machine.

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use sqlx::Row as _;

use super::{EmailMessage, EmailSender, SmsMessage, SmsSender};
use crate::error::CoreError;
use crate::platform::clock::{Clock, SystemClock, rfc3339};
use crate::platform::db::Db;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SandboxMessage {
    pub id: String,
    pub channel: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub code: Option<String>,
    pub created_at: String,
}

#[derive(Clone)]
pub struct SandboxInbox {
    db: Db,
    clock: Arc<SystemClock>,
}

impl SandboxInbox {
    pub fn new(db: Db, clock: Arc<SystemClock>) -> Self {
        Self { db, clock }
    }

    pub async fn keep(
        &self,
        channel: &str,
        to: &str,
        subject: &str,
        body: &str,
        code: Option<&str>,
    ) -> Result<(), CoreError> {
        self.keep_keyed(None, channel, to, subject, body, code)
            .await
    }

    /// Keeps a message once per delivery key (`None`: always), the way a gateway that takes a
    /// client message id drops a repeat.
    async fn keep_keyed(
        &self,
        key: Option<&str>,
        channel: &str,
        to: &str,
        subject: &str,
        body: &str,
        code: Option<&str>,
    ) -> Result<(), CoreError> {
        sqlx::query(
            // The aggregate yields a row even when nothing matches, so the key check filters
            // the outer query.
            "INSERT INTO sandbox_messages (id, channel, recipient, subject, body, code, created_at, seq, delivery_key) \
             SELECT $1, $2, $3, $4, $5, $6, $7, next_seq, $8 FROM \
             (SELECT COALESCE(MAX(seq), 0) + 1 AS next_seq FROM sandbox_messages) AS n \
             WHERE $8 IS NULL OR NOT EXISTS (SELECT 1 FROM sandbox_messages WHERE delivery_key = $8)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(channel)
        .bind(to)
        .bind(subject)
        .bind(body)
        .bind(code)
        .bind(self.clock.now())
        .bind(key)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// Newest first; `to` filters by recipient (phone, email or captcha id).
    pub async fn list(
        &self,
        to: Option<&str>,
        limit: i64,
    ) -> Result<Vec<SandboxMessage>, CoreError> {
        let rows = sqlx::query(
            "SELECT id, channel, recipient, subject, body, code, created_at FROM sandbox_messages \
             WHERE ($1 = '' OR recipient = $1) ORDER BY seq DESC LIMIT $2",
        )
        .bind(to.unwrap_or(""))
        .bind(limit)
        .fetch_all(self.db.pool())
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(SandboxMessage {
                    id: row.try_get("id")?,
                    channel: row.try_get("channel")?,
                    to: row.try_get("recipient")?,
                    subject: row.try_get("subject")?,
                    body: row.try_get("body")?,
                    code: row.try_get("code")?,
                    created_at: rfc3339(row.try_get("created_at")?),
                })
            })
            .collect()
    }
}

#[async_trait]
impl SmsSender for SandboxInbox {
    async fn send(&self, phone: &str, message: &SmsMessage) -> Result<(), CoreError> {
        self.keep("sms", phone, "", &message.text, message.code.as_deref())
            .await
    }

    async fn send_keyed(
        &self,
        key: &str,
        phone: &str,
        message: &SmsMessage,
    ) -> Result<(), CoreError> {
        self.keep_keyed(
            Some(key),
            "sms",
            phone,
            "",
            &message.text,
            message.code.as_deref(),
        )
        .await
    }
}

#[async_trait]
impl EmailSender for SandboxInbox {
    async fn send(&self, to: &str, message: &EmailMessage) -> Result<(), CoreError> {
        self.keep("email", to, &message.subject, &message.body, None)
            .await
    }

    async fn send_keyed(
        &self,
        key: &str,
        to: &str,
        message: &EmailMessage,
    ) -> Result<(), CoreError> {
        self.keep_keyed(
            Some(key),
            "email",
            to,
            &message.subject,
            &message.body,
            None,
        )
        .await
    }
}
