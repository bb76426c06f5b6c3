//! The outbox of messages: an SMS or e-mail to send because of a change is a job written in the
//! change's transaction, so a crash after the commit delays the message instead of losing it.
//! The recipient and text are sealed in the payload (the jobs table never holds them in clear),
//! and the job's key goes to the provider as the delivery key, so a job that runs twice sends once.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::queue::{self, NewJob};
use super::worker::{Handler, RunningJob};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;
use crate::platform::crypto::SealedAt;
use crate::platform::db::Tx;
use crate::platform::providers::{EmailMessage, SmsMessage};

pub const SMS: &str = "platform.sms";
pub const EMAIL: &str = "platform.email";

#[derive(Serialize, Deserialize)]
struct Sealed {
    sealed: String,
}

#[derive(Serialize, Deserialize)]
struct Message {
    to: String,
    #[serde(default)]
    subject: String,
    body: String,
}

/// The payload is sealed for the job's key: the `jobs` row that carries it.
fn sealed_at(key: &str) -> SealedAt<'_> {
    SealedAt::new("jobs", "payload", key)
}

fn payload(
    platform: &Platform,
    key: &str,
    message: &Message,
) -> Result<serde_json::Value, CoreError> {
    let json = serde_json::to_string(message)
        .map_err(|e| CoreError::internal(format!("message json: {e}")))?;
    serde_json::to_value(Sealed {
        sealed: platform.cipher.seal(sealed_at(key), &json)?,
    })
    .map_err(|e| CoreError::internal(format!("message json: {e}")))
}

fn open(platform: &Platform, job: &RunningJob) -> Result<Message, CoreError> {
    let sealed: Sealed = serde_json::from_value(job.payload().clone())
        .map_err(|e| CoreError::internal(format!("message job payload: {e}")))?;
    serde_json::from_str(&platform.cipher.open(sealed_at(job.key()), &sealed.sealed)?)
        .map_err(|e| CoreError::internal(format!("message job payload: {e}")))
}

/// Queues an SMS in `tx`. `key` names this message (e.g. `order:<id>:approved:sms`); the same
/// key twice is one message.
pub async fn sms(
    platform: &Platform,
    tx: &mut Tx,
    key: &str,
    phone: &str,
    text: &str,
) -> Result<(), CoreError> {
    let message = Message {
        to: phone.to_owned(),
        subject: String::new(),
        body: text.to_owned(),
    };
    let job = NewJob::new(SMS, key, payload(platform, key, &message)?);
    queue::enqueue(tx, platform.clock.now(), &job).await?;
    Ok(())
}

/// Queues an e-mail in `tx`, like [`sms`].
pub async fn email(
    platform: &Platform,
    tx: &mut Tx,
    key: &str,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<(), CoreError> {
    let message = Message {
        to: to.to_owned(),
        subject: subject.to_owned(),
        body: body.to_owned(),
    };
    let job = NewJob::new(EMAIL, key, payload(platform, key, &message)?);
    queue::enqueue(tx, platform.clock.now(), &job).await?;
    Ok(())
}

/// Sends a queued SMS.
pub struct SendSms;

#[async_trait]
impl Handler for SendSms {
    async fn run(&self, platform: &Platform, job: &RunningJob) -> Result<(), CoreError> {
        let message = open(platform, job)?;
        let sms = SmsMessage {
            text: message.body,
            code: None,
        };
        platform
            .sms
            .send_keyed(job.key(), &message.to, &sms)
            .await?;
        let mut tx = platform.db.begin().await?;
        let event = AuditEvent::new(
            "system",
            "sms.sent",
            format!("phone:{}", crate::platform::mask::phone(&message.to)),
        )
        .change(
            serde_json::Value::Null,
            serde_json::json!({"job": job.key()}),
        );
        platform
            .audit
            .append(&mut tx, platform.clock.now(), &event)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Sends a queued e-mail.
pub struct SendEmail;

#[async_trait]
impl Handler for SendEmail {
    async fn run(&self, platform: &Platform, job: &RunningJob) -> Result<(), CoreError> {
        let message = open(platform, job)?;
        let mail = EmailMessage {
            subject: message.subject,
            body: message.body,
        };
        platform
            .email
            .send_keyed(job.key(), &message.to, &mail)
            .await
    }
}
