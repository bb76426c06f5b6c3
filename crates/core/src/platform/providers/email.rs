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
}
