//! The stand-in for a provider nobody configured: every use answers
//! [`PlatformError::ProviderNotConfigured`] (HTTP 503 with the code `provider_not_configured`), and
//! `configured()` says `false` so flows refuse before they change anything and the catalog can
//! hide methods that cannot run.

use async_trait::async_trait;

use super::{
    CheckOutcome, EmailMessage, EmailSender, IdentityChecks, Notification, PaymentCode,
    PaymentGateway, PaymentRequest, SmsMessage, SmsSender, Transfer,
};
use crate::error::{CoreError, PlatformError};

/// A provider that is not configured.
pub struct Unconfigured;

fn missing<T>(provider: &'static str) -> Result<T, CoreError> {
    Err(PlatformError::ProviderNotConfigured { provider }.into())
}

#[async_trait]
impl SmsSender for Unconfigured {
    async fn send(&self, _: &str, _: &SmsMessage) -> Result<(), CoreError> {
        missing("sms")
    }
    fn configured(&self) -> bool {
        false
    }
}

#[async_trait]
impl EmailSender for Unconfigured {
    async fn send(&self, _: &str, _: &EmailMessage) -> Result<(), CoreError> {
        missing("email")
    }
    fn configured(&self) -> bool {
        false
    }
}

#[async_trait]
impl IdentityChecks for Unconfigured {
    async fn three_factor(&self, _: &str, _: &str, _: &str) -> Result<CheckOutcome, CoreError> {
        missing("identity")
    }
    async fn four_factor(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: &str,
    ) -> Result<CheckOutcome, CoreError> {
        missing("identity")
    }
    async fn micro_deposit(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: i64,
        _: &str,
    ) -> Result<Transfer, CoreError> {
        missing("bank_transfer")
    }
    fn configured(&self) -> bool {
        false
    }
}

#[async_trait]
impl PaymentGateway for Unconfigured {
    async fn create(&self, _: &PaymentRequest<'_>) -> Result<PaymentCode, CoreError> {
        missing("payment")
    }
    fn verify(&self, _: &[u8], _: &str) -> Option<Notification> {
        None
    }
    async fn refund(&self, _: &str, _: i64) -> Result<(), CoreError> {
        missing("payment")
    }
    fn accepts(&self, _: &str) -> bool {
        false
    }
}

#[async_trait]
impl super::WebhookSender for Unconfigured {
    async fn post(&self, _: &super::WebhookPost) -> Result<u16, CoreError> {
        missing("webhooks")
    }
    fn configured(&self) -> bool {
        false
    }
}

#[async_trait]
impl super::RegulatorSender for Unconfigured {
    async fn post(&self, _: &super::RegulatorPost) -> Result<super::RegulatorAnswer, CoreError> {
        missing("regulator")
    }
}
