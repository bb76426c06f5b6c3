//! What every wing stands on: database, secrets, clock, randomness, sessions, captchas, SMS codes,
//! accounts, audit log, blob store, provider traits with their sandboxes, and background jobs.

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod blobs;
pub mod captcha;
pub mod clock;
pub mod crypto;
pub mod db;
pub mod error;
pub mod ids;
pub mod jobs;
pub mod machine;
pub mod mask;
pub mod providers;
pub mod random;
pub mod rate_counters;
mod reseal;
pub mod sessions;
pub mod sms_codes;
pub mod sms_limits;
pub mod waits;
pub mod wing_state;

use std::path::PathBuf;
use std::sync::Arc;

use audit::AuditLog;
use audit::checkpoint::CheckpointStore;
use blobs::BlobStore;
use clock::SystemClock;
use crypto::{FieldCipher, MasterKey};
use db::Db;
use providers::{
    EmailSender, IdentityChecks, PaymentGateway, RegulatorSender, SandboxGateway, SandboxInbox,
    SmsSender, Unconfigured, WebhookSender,
};
use random::Random;
use wing_state::WingState;

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
    /// Where blobs are kept (`SIGNET_BLOB_URL`, opened by `signet_gateways::blobs::open`);
    /// `None` means the filesystem at `data_dir/blobs`.
    pub blobs: Option<BlobStore>,
    /// The PKCS#11 token the CA keys of the RSA and ECDSA hierarchies are made on and sign
    /// with (`SIGNET_CA_PKCS11_*`); `None`: software keys under the master key.
    pub ca_token: Option<signet_pki::keystore::Pkcs11Config>,
}

/// The platform's shared services, held in app state.
pub struct Platform {
    pub db: Db,
    pub cipher: FieldCipher,
    pub audit: AuditLog,
    /// Where audit checkpoints are kept outside the database (`signet serve` adds the mirror
    /// directory of the settings file).
    pub checkpoints: CheckpointStore,
    pub clock: Arc<SystemClock>,
    pub random: Random,
    pub blobs: BlobStore,
    pub sms: Arc<dyn SmsSender>,
    pub email: Arc<dyn EmailSender>,
    pub identity: Arc<dyn IdentityChecks>,
    pub payments: Arc<dyn PaymentGateway>,
    /// Posts webhook deliveries; `signet serve` installs the HTTP client of `signet-gateways`
    /// (in sandbox mode too, where loopback receivers are allowed).
    pub webhooks: Arc<dyn WebhookSender>,
    /// Sends reports to the supervising platform; `signet serve` installs the HTTP client of
    /// `signet-gateways` when a receiver is configured ([`Platform::regulator_url`]).
    pub regulator: Arc<dyn RegulatorSender>,
    /// The receiver of regulator reports (`SIGNET_REGULATOR_URL`); `None`: reports wait as
    /// 待上报 until one is configured.
    pub regulator_url: Option<String>,
    /// Present only in sandbox mode.
    pub sandbox: Option<SandboxInbox>,
    /// The public base URL (no trailing slash) that links in SMS and e-mail start with; empty
    /// means links stay relative (tests that never send a link). `signet serve` sets it.
    pub public_url: String,
    /// The sandbox payment gateway (sandbox mode only), for its pay/fail page.
    pub sandbox_gateway: Option<Arc<SandboxGateway>>,
    /// What each wing keeps for the whole process (the CA: its keys and OCSP answers), by type.
    pub wings: WingState,
    /// The CA token's settings, read by the CA when it first opens its keys.
    pub ca_token: Option<signet_pki::keystore::Pkcs11Config>,
    /// Held only to derive the wings' keys ([`Platform::derive_key`]).
    master: MasterKey,
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
        let blobs = config
            .blobs
            .clone()
            .unwrap_or_else(|| BlobStore::new(config.data_dir.join("blobs")));
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
        let cipher = FieldCipher::new(&master)?;
        reseal::legacy_values(&db, &cipher, clock::Clock::now(clock.as_ref())).await?;
        Ok(Self {
            cipher,
            audit: AuditLog::new(master.derive("signet/audit-chain/v1")?),
            checkpoints: CheckpointStore::new(&config.data_dir),
            wings: WingState::default(),
            ca_token: config.ca_token.clone(),
            clock,
            random: Random,
            blobs,
            sms,
            email,
            identity,
            payments,
            webhooks: Arc::new(Unconfigured),
            regulator: Arc::new(Unconfigured),
            regulator_url: None,
            sandbox,
            sandbox_gateway,
            public_url: String::new(),
            db,
            master,
        })
    }

    /// A key for `purpose` (e.g. `signet/ca-keys/v1`), derived from the master key: a wing asks
    /// for its own keys rather than the platform holding them for it.
    pub fn derive_key(&self, purpose: &str) -> Result<[u8; 32], CoreError> {
        self.master.derive(purpose)
    }

    /// Whether every provider has a real or sandbox implementation; `serve` refuses to start
    /// without them rather than fail on the first message.
    pub fn providers_ready(&self) -> bool {
        self.sandbox.is_some()
    }

    /// An absolute link to `path` (which starts with `/`) for SMS and e-mail.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }
}
