//! Sending email.

use async_trait::async_trait;

use crate::error::CoreError;

#[derive(Debug, Clone)]
pub struct EmailMessage {
    pub subject: String,
    pub body: String,
}

#[async_trait]
pub trait EmailSender: Send + Sync {
    async fn send(&self, to: &str, message: &EmailMessage) -> Result<(), CoreError>;
    /// Whether mail can go out at all.
    fn configured(&self) -> bool {
        true
    }

    /// Sends once per `key` where the transport can tell a repeat (a Message-ID the relay
    /// deduplicates); the outbox passes the job's idempotency key. Others send again.
    async fn send_keyed(
        &self,
        key: &str,
        to: &str,
        message: &EmailMessage,
    ) -> Result<(), CoreError> {
        let _ = key;
        self.send(to, message).await
    }
}
