//! Sending text messages to mobile phones.

use async_trait::async_trait;

use crate::error::CoreError;

/// One SMS. `code` is the verification code it carries, if any (real gateways fill it into a
/// registered template; the sandbox keeps it so demos and tests can read it).
#[derive(Debug, Clone)]
pub struct SmsMessage {
    pub text: String,
    pub code: Option<String>,
}

#[async_trait]
pub trait SmsSender: Send + Sync {
    async fn send(&self, phone: &str, message: &SmsMessage) -> Result<(), CoreError>;
    /// Whether messages can go out at all; flows check it before they change anything.
    fn configured(&self) -> bool {
        true
    }

    /// Sends once per `key` where the gateway can tell a repeat (a client message id); the
    /// outbox passes the job's idempotency key. Gateways without one send again.
    async fn send_keyed(
        &self,
        key: &str,
        phone: &str,
        message: &SmsMessage,
    ) -> Result<(), CoreError> {
        let _ = key;
        self.send(phone, message).await
    }
}
