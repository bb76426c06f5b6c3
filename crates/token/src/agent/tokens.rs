//! `GET /v1/status` and `GET /v1/tokens`: what the agent is, and which tokens it sees.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use super::Shared;
use super::error::AgentError;
use super::wire::CertificateView;
use crate::module::TokenInfo;
use crate::token::Token;

/// `GET /v1/status`.
#[derive(Serialize)]
pub(crate) struct Status {
    /// Always `signet-agent`: lets the page tell the agent from anything else on the port.
    agent: &'static str,
    version: &'static str,
    /// The PKCS#11 module's path.
    module: String,
    /// The version the platform offers (`null` until it answered at start-up).
    latest_version: Option<String>,
    /// The platform offers a newer agent: the page asks the holder to download it again.
    update_available: bool,
}

pub(crate) async fn status(State(agent): State<Shared>) -> Json<Status> {
    let latest = agent.latest.get().cloned();
    Json(Status {
        agent: "signet-agent",
        version: env!("CARGO_PKG_VERSION"),
        module: agent.module.path().display().to_string(),
        update_available: latest
            .as_deref()
            .is_some_and(|latest| super::version::is_newer(latest, env!("CARGO_PKG_VERSION"))),
        latest_version: latest,
    })
}

/// `GET /v1/tokens`.
#[derive(Serialize)]
pub(crate) struct TokenList {
    tokens: Vec<TokenView>,
}

/// One token and the certificates on it.
#[derive(Serialize)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "mirrors the PKCS#11 token flags the page shows"
)]
pub(crate) struct TokenView {
    slot: u64,
    label: String,
    serial: String,
    manufacturer: String,
    model: String,
    initialized: bool,
    user_pin_initialized: bool,
    user_pin_locked: bool,
    user_pin_count_low: bool,
    user_pin_final_try: bool,
    so_pin_locked: bool,
    /// One more wrong SO PIN locks the token: the agent will not try one.
    so_pin_final_try: bool,
    min_pin_length: usize,
    max_pin_length: usize,
    /// Certificates are public objects: listed without the PIN.
    certificates: Vec<CertificateView>,
}

impl TokenView {
    fn new(info: TokenInfo, certificates: Vec<CertificateView>) -> Self {
        Self {
            slot: info.slot.0,
            label: info.label,
            serial: info.serial,
            manufacturer: info.manufacturer,
            model: info.model,
            initialized: info.initialized,
            user_pin_initialized: info.user_pin_initialized,
            user_pin_locked: info.user_pin_locked,
            user_pin_count_low: info.user_pin_count_low,
            user_pin_final_try: info.user_pin_final_try,
            so_pin_locked: info.so_pin_locked,
            so_pin_final_try: info.so_pin_final_try,
            min_pin_length: info.min_pin_length,
            max_pin_length: info.max_pin_length,
            certificates,
        }
    }
}

pub(crate) async fn list(State(agent): State<Shared>) -> Result<Json<TokenList>, AgentError> {
    let tokens = agent
        .run(|module| {
            let mut out = Vec::new();
            for info in module.tokens()? {
                // A blank token has no objects (and no serial to open it by).
                let certificates = if info.initialized {
                    Token::open(module, &info.serial)?
                        .certificates()?
                        .iter()
                        .map(CertificateView::from)
                        .collect()
                } else {
                    Vec::new()
                };
                out.push(TokenView::new(info, certificates));
            }
            Ok(out)
        })
        .await?;
    Ok(Json(TokenList { tokens }))
}
