//! What every wing stands on: database, secrets, clock, randomness, sessions, captchas, SMS codes,
//! accounts, audit log, blob store, provider traits with their sandboxes, and background jobs.

pub mod accounts;
pub mod audit;
pub mod blobs;
pub mod captcha;
pub mod clock;
pub mod crypto;
pub mod db;
pub mod jobs;
pub mod mask;
pub mod providers;
pub mod random;
pub mod roles;
pub mod sessions;
pub mod sms_codes;

use std::path::PathBuf;
use std::sync::Arc;

use secrecy::SecretBox;

use audit::AuditLog;
use blobs::BlobStore;
use clock::SystemClock;
use crypto::{FieldCipher, MasterKey};
use db::Db;
use providers::{
    EmailSender, IdentityChecks, PaymentGateway, SandboxGateway, SandboxInbox, SmsSender,
};
use random::Random;

use crate::error::CoreError;

/// How to open the platform: where its data lives, which database, and whether the external
/// providers are the sandbox ones.
#[derive(Debug, Clone)]
pub struct PlatformConfig {
    pub data_dir: PathBuf,
    /// `None` means the embedded SQLite file in `data_dir`.
    pub database_url: Option<String>,
    pub sandbox: bool,
    /// Base64 of 32 bytes; `None` means `data_dir/secrets/master.key`, created on first start.
    pub secret_key: Option<String>,
}

/// The platform's shared services, held in app state.
pub struct Platform {
    pub db: Db,
    pub cipher: FieldCipher,
    pub audit: AuditLog,
    pub clock: Arc<SystemClock>,
    pub random: Random,
    pub blobs: BlobStore,
    pub sms: Arc<dyn SmsSender>,
    pub email: Arc<dyn EmailSender>,
    pub identity: Arc<dyn IdentityChecks>,
    pub payments: Arc<dyn PaymentGateway>,
    /// Present only in sandbox mode.
    pub sandbox: Option<SandboxInbox>,
    /// The sandbox payment gateway (sandbox mode only), for its pay/fail page.
    pub sandbox_gateway: Option<Arc<SandboxGateway>>,
    /// The key-encryption key of the CA keys, derived from the master key.
    pub ca_key: SecretBox<[u8; 32]>,
    /// Decrypted CA keys and pre-signed OCSP answers (the desk's CA keeps them here so every
    /// request of this process shares them).
    pub ca_cache: crate::desk::ca::CaCache,
}

impl Platform {
    pub async fn open(config: &PlatformConfig) -> Result<Self, CoreError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            CoreError::internal(format!("create {}: {e}", config.data_dir.display()))
        })?;
        let master = match &config.secret_key {
            Some(text) => MasterKey::from_base64(text)?,
            None => MasterKey::load_or_create(&config.data_dir.join("secrets").join("master.key"))?,
        };
        let url = config
            .database_url
            .clone()
            .unwrap_or_else(|| db::sqlite_url(&config.data_dir));
        let db = Db::connect(&url).await?;
        let clock = SystemClock::shared();
        let inbox = SandboxInbox::new(db.clone(), clock.clone());
        let (sms, email, sandbox): (Arc<dyn SmsSender>, Arc<dyn EmailSender>, _) = if config.sandbox
        {
            (
                Arc::new(inbox.clone()),
                Arc::new(inbox.clone()),
                Some(inbox.clone()),
            )
        } else {
            (Arc::new(Unconfigured), Arc::new(Unconfigured), None)
        };
        let gateway = Arc::new(SandboxGateway::new(master.derive("signet/sandbox-pay/v1")?));
        let (identity, payments, sandbox_gateway): (
            Arc<dyn IdentityChecks>,
            Arc<dyn PaymentGateway>,
            _,
        ) = if config.sandbox {
            (Arc::new(inbox), gateway.clone(), Some(gateway))
        } else {
            (Arc::new(Unconfigured), Arc::new(Unconfigured), None)
        };
        Ok(Self {
            cipher: FieldCipher::new(&master)?,
            audit: AuditLog::new(master.derive("signet/audit-chain/v1")?),
            ca_key: SecretBox::new(Box::new(master.derive(crate::desk::ca::KEY_PURPOSE)?)),
            ca_cache: crate::desk::ca::CaCache::default(),
            clock,
            random: Random,
            blobs: BlobStore::new(config.data_dir.join("blobs")),
            sms,
            email,
            identity,
            payments,
            sandbox,
            sandbox_gateway,
            db,
        })
    }

    /// Whether every provider has a real or sandbox implementation; `serve` refuses to start
    /// without them rather than fail on the first message.
    pub fn providers_ready(&self) -> bool {
        self.sandbox.is_some()
    }
}

/// Stands in for a provider nobody configured: every use fails with a clear message.
struct Unconfigured;

#[async_trait::async_trait]
impl SmsSender for Unconfigured {
    async fn send(&self, _: &str, _: &providers::SmsMessage) -> Result<(), CoreError> {
        Err(CoreError::internal("no SMS gateway is configured"))
    }
}

#[async_trait::async_trait]
impl EmailSender for Unconfigured {
    async fn send(&self, _: &str, _: &providers::EmailMessage) -> Result<(), CoreError> {
        Err(CoreError::internal("no email gateway is configured"))
    }
}

#[async_trait::async_trait]
impl IdentityChecks for Unconfigured {
    async fn three_factor(
        &self,
        _: &str,
        _: &str,
        _: &str,
    ) -> Result<providers::CheckOutcome, CoreError> {
        Err(CoreError::internal(
            "no identity-check provider is configured",
        ))
    }
    async fn four_factor(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: &str,
    ) -> Result<providers::CheckOutcome, CoreError> {
        Err(CoreError::internal(
            "no identity-check provider is configured",
        ))
    }
    async fn micro_deposit(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: i64,
        _: &str,
    ) -> Result<providers::Transfer, CoreError> {
        Err(CoreError::internal(
            "no bank-transfer provider is configured",
        ))
    }
}

#[async_trait::async_trait]
impl PaymentGateway for Unconfigured {
    async fn create(
        &self,
        _: &providers::PaymentRequest<'_>,
    ) -> Result<providers::PaymentCode, CoreError> {
        Err(CoreError::internal("no payment gateway is configured"))
    }
    fn verify(&self, _: &[u8], _: &str) -> Option<providers::Notification> {
        None
    }
    async fn refund(&self, _: &str, _: i64) -> Result<(), CoreError> {
        Err(CoreError::internal("no payment gateway is configured"))
    }
}
