//! Application state handed to every handler.

use std::path::PathBuf;
use std::sync::Arc;

use signet_core::Platform;

use crate::rate_limit::Limiter;

/// Settings of the HTTP layer itself.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Built web app (`web/dist`); `None` serves a short page saying the web app is not built.
    pub web_dir: Option<PathBuf>,
    /// Adds `Secure` to cookies and sends HSTS; on when the public URL is https.
    pub secure_cookies: bool,
    /// State-changing requests allowed per client address per minute.
    pub writes_per_minute: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            web_dir: None,
            secure_cookies: false,
            writes_per_minute: 300,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub platform: Arc<Platform>,
    pub config: Arc<ServerConfig>,
    pub(crate) limiter: Arc<Limiter>,
}

impl AppState {
    pub fn new(platform: Platform, config: ServerConfig) -> Self {
        Self {
            platform: Arc::new(platform),
            limiter: Arc::new(Limiter::new(config.writes_per_minute)),
            config: Arc::new(config),
        }
    }
}
