//! Sending reports to the supervising platform (the labour regulator, ES-17). The operator sets
//! the receiver's URL (`SIGNET_REGULATOR_URL` or the settings file); unlike an enterprise's
//! webhook it may be on the operator's own network, so no address rule applies. The HTTP client
//! lives in `signet-gateways`; the core builds the signed request and reads the answer.

use async_trait::async_trait;

use crate::error::CoreError;

/// One POST of a report: the exact JSON body the detached signature covers, and its headers
/// (`Idempotency-Key`, `Signet-Signature`, …).
#[derive(Debug, Clone)]
pub struct RegulatorPost {
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// What the receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegulatorAnswer {
    pub status: u16,
    /// The answer's body, cut at [`MAX_ANSWER`] bytes.
    pub body: Vec<u8>,
}

/// Longest answer body read.
pub const MAX_ANSWER: usize = 64 * 1024;

#[async_trait]
pub trait RegulatorSender: Send + Sync {
    /// Sends the POST. `Ok` when the receiver answered (whatever the status), an error when it
    /// did not (connection refused, timeout); the error's text is what the report records.
    async fn post(&self, post: &RegulatorPost) -> Result<RegulatorAnswer, CoreError>;
}
