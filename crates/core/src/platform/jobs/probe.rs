//! `sandbox.probe`: a job kind for demos and process tests, refused outside sandbox mode. It
//! leaves its effect in the dev inbox under its idempotency key (recipient `probe`), then
//! reports progress while it takes the time its payload asks for — long enough for a test to
//! kill the server under it and check that the rerun after the lease leaves one message.

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;

use super::worker::{Handler, RunningJob};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::providers::SmsMessage;

pub const PROBE: &str = "sandbox.probe";

#[derive(Deserialize)]
struct Payload {
    #[serde(default)]
    millis: u64,
    #[serde(default)]
    label: String,
}

pub struct Probe;

#[async_trait]
impl Handler for Probe {
    async fn run(&self, platform: &Platform, job: &RunningJob) -> Result<(), CoreError> {
        let Some(inbox) = platform.sandbox.as_ref() else {
            return Err(CoreError::internal(
                "sandbox.probe runs in sandbox mode only",
            ));
        };
        let payload: Payload = serde_json::from_value(job.payload().clone())
            .map_err(|e| CoreError::internal(format!("probe payload: {e}")))?;
        let message = SmsMessage {
            text: format!("probe {} ran by {}", payload.label, job.worker()),
            code: None,
        };
        crate::platform::providers::SmsSender::send_keyed(inbox, job.key(), "probe", &message)
            .await?;
        let steps = 10;
        for step in 1..=steps {
            tokio::time::sleep(Duration::from_millis(payload.millis.min(600_000) / steps)).await;
            job.progress(platform, i64::try_from(step).unwrap_or(0), 10)
                .await?;
        }
        Ok(())
    }
}
