//! Application state handed to every handler.

use std::path::PathBuf;
use std::sync::Arc;

use signet_core::Platform;
use signet_core::contracts::tasks::page_image::PageImages;

use crate::client_ip::ClientAddress;
use crate::rate_limit::Limiter;

/// Settings of the HTTP layer itself.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Built web app (`web/dist`); `None` serves a short page saying the web app is not built.
    pub web_dir: Option<PathBuf>,
    /// Adds `Secure` to cookies and sends HSTS; on when the public URL is https.
    pub secure_cookies: bool,
    /// State-changing requests allowed per client address per minute (in this process).
    pub writes_per_minute: u32,
    /// `/pki` requests (OCSP, TSA, CRLs, CA certificates) per client address per minute.
    pub pki_per_minute: u32,
    /// Requests that guard accounts (SMS sends, logins and code checks, PIN tries) per client
    /// address per minute, counted in the database across every node.
    pub guarded_per_minute: u32,
    /// Where the client's address comes from behind a trusted reverse proxy.
    pub client_address: ClientAddress,
    /// The key agent builds offered for download (`signet-agent-linux-x86_64`,
    /// `signet-agent-windows-x86_64.exe`), as `cargo xtask` builds them; `None` offers none.
    pub agent_dir: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            web_dir: None,
            secure_cookies: false,
            writes_per_minute: 300,
            pki_per_minute: 6_000,
            guarded_per_minute: 30,
            client_address: ClientAddress::default(),
            agent_dir: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub platform: Arc<Platform>,
    pub config: Arc<ServerConfig>,
    pub(crate) limiter: Arc<Limiter>,
    /// The pages the public page of a page QR code has rendered, per revision.
    pub page_images: Arc<PageImages>,
}

impl AppState {
    pub fn new(platform: Platform, config: ServerConfig) -> Self {
        Self {
            platform: Arc::new(platform),
            limiter: Arc::new(Limiter::new(&config)),
            page_images: Arc::new(PageImages::default()),
            config: Arc::new(config),
        }
    }
}
