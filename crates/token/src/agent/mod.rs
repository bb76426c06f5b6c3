//! The loopback agent behind `signet agent`: a small HTTP JSON API through which the platform's
//! web pages drive a USB token, since browsers cannot reach PKCS#11 themselves.
//!
//! Who may talk to it:
//! - it listens on loopback only ([`router`] and [`serve`] refuse any other address);
//! - a request carrying an `Origin` is answered only when that origin is the platform's
//!   ([`AgentConfig::allowed_origin`]); CORS preflights are answered for that origin alone,
//!   with `Access-Control-Allow-Private-Network` when Chrome asks for it;
//! - requests without an `Origin` (curl, the CLI) are answered, unless the browser marks them
//!   as coming from another site (`Sec-Fetch-Site`);
//! - the `Host` must name loopback (`127.0.0.1`, `[::1]`, `localhost`), which defeats DNS
//!   rebinding;
//! - bodies are JSON of at most 64 KiB;
//! - the platform's origin is `https://`, or plain `http://` on loopback only
//!   ([`check_origin`]).
//!
//! What even the platform's pages cannot make it do (a page there may carry injected script):
//! sign anything but the platform's own login and binding challenges (`signing`), or spend
//! the token's PIN tries until it locks (`throttle`: a few wrong PINs per token per quarter
//! hour, and never the try the token says is its last).
//!
//! What it does: list tokens and their certificates, initialise a blank token for the
//! producer's console (`init`: the agent makes its SO PIN), make a key pair and its PKCS#10 request
//! on a token, write the issued certificate, remove an old key pair, sign a login challenge,
//! and change or unlock the user PIN — for an unlock with a code from the platform, the agent
//! itself fetches the SO PIN from the platform and replaces it (`unlock`), so no PIN passes
//! through the page. Every call that needs the user PIN takes it in the
//! request, logs in, does its work and logs out: nobody stays logged in between requests.
//! There is no way to read a private key: the keys are made unextractable, and no endpoint
//! would return one.
//!
//! The platform's pages detect it by framing `/v1/hello` (`hello`), which posts a message to the
//! platform's origin: a frame that finds nothing listening leaves no error in the browser's
//! console, where a failed `fetch` would.
//!
//! At start-up it asks the platform which agent version it offers (`version`) and tells the page
//! in `/v1/status` whether an update is due.
//!
//! PKCS#11 calls block, so each runs on tokio's blocking pool, one at a time (a mutex guards
//! the module): tokens are slow and single-minded, and a login is per token, not per request.

mod error;
mod guard;
mod hello;
mod init;
mod keys;
mod pins;
mod signing;
mod throttle;
mod tokens;
mod unlock;
mod version;
mod wire;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};

use crate::error::TokenError;
use crate::module::Module;
use crate::token::Token;

use self::error::AgentError;
use self::guard::Policy;
use self::throttle::{PinKind, Tries};

pub use self::guard::check_origin;
pub use self::throttle::{SO_PIN_FAILURES, USER_PIN_FAILURES, WINDOW as PIN_TRY_WINDOW};
pub use self::unlock::REDEEMER_LIFETIME;
pub use self::version::{BundledConfig, RELEASES_PATH};

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What `signet agent` is started with.
#[derive(Clone, Debug)]
pub struct AgentConfig {
    /// Where to listen. Must be a loopback address (`127.0.0.1:…` or `[::1]:…`).
    pub listen: SocketAddr,
    /// The platform's origin, e.g. `https://sign.example.com` (plain http on loopback only):
    /// the only web origin answered, and where the agent redeems unlock codes.
    pub allowed_origin: String,
    /// The PKCS#11 module (the token's driver) to load.
    pub module: PathBuf,
}

/// Serve the agent on `listener` until the listener fails.
///
/// Refuses (with [`std::io::ErrorKind::InvalidInput`]) a listener or a
/// [`AgentConfig::listen`] that is not loopback, and an invalid
/// [`AgentConfig::allowed_origin`]; a module that does not load is
/// [`std::io::ErrorKind::Other`]. The underlying [`TokenError`] is the error's source.
pub async fn serve(listener: tokio::net::TcpListener, config: AgentConfig) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    if !local.ip().is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            TokenError::AgentNotLoopback(local),
        ));
    }
    let (app, agent) = build(config).map_err(|error| {
        let kind = match error {
            TokenError::AgentNotLoopback(_) | TokenError::AgentOrigin(_) => {
                std::io::ErrorKind::InvalidInput
            }
            _ => std::io::ErrorKind::Other,
        };
        std::io::Error::new(kind, error)
    })?;
    tracing::info!(%local, "signet agent listening");
    tokio::spawn(version::check(agent));
    axum::serve(listener, app).await
}

/// The agent's routes, guarded, with the module loaded.
///
/// Refuses a non-loopback [`AgentConfig::listen`] ([`TokenError::AgentNotLoopback`]) and an
/// allowed origin that is not an origin ([`TokenError::AgentOrigin`]) before loading the module.
pub fn router(config: AgentConfig) -> Result<Router, TokenError> {
    build(config).map(|(router, _)| router)
}

fn build(config: AgentConfig) -> Result<(Router, Shared), TokenError> {
    let AgentConfig {
        listen,
        allowed_origin,
        module,
    } = config;
    let policy = Arc::new(Policy::new(listen, &allowed_origin)?);
    let platform = check_origin(&allowed_origin)?;
    let http = platform_client(&platform)?;
    let module = Module::load(module)?;
    let agent = Arc::new(Agent {
        module,
        lock: Mutex::new(Tries::default()),
        platform,
        http,
        redeemers: unlock::Redeemers::default(),
        latest: std::sync::OnceLock::new(),
    });
    let routes = Router::new()
        .route("/v1/status", get(tokens::status))
        .route(hello::PATH, get(hello::hello))
        .route("/v1/tokens", get(tokens::list))
        .route("/v1/slots/{slot}/init", post(init::init))
        .route("/v1/tokens/{serial}/keys", post(keys::create))
        .route("/v1/tokens/{serial}/keys/{key_id}", delete(keys::remove))
        .route(
            "/v1/tokens/{serial}/certificates",
            post(keys::write_certificate),
        )
        .route("/v1/tokens/{serial}/sign", post(signing::sign))
        .route("/v1/tokens/{serial}/pin", post(pins::change))
        .route("/v1/tokens/{serial}/unlock", post(pins::unlock))
        .route(
            "/v1/tokens/{serial}/unlock-redeemer",
            post(unlock::redeemer),
        )
        .fallback(|| async { AgentError::NotFound })
        .method_not_allowed_fallback(|| async { AgentError::MethodNotAllowed })
        .with_state(Arc::clone(&agent));
    let routes = routes
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(policy, guard::guard));
    Ok((routes, agent))
}

/// What the handlers share: the module, and the lock that lets one PKCS#11 job run at a time
/// (the PIN tries it rations ride under the same lock, so parallel requests cannot race them).
pub(crate) struct Agent {
    module: Module,
    lock: Mutex<Tries>,
    /// The platform's origin, which is also where its API answers.
    platform: String,
    http: reqwest::Client,
    redeemers: unlock::Redeemers,
    /// The agent version the platform offers, once asked at start-up ([`version::check`]).
    latest: std::sync::OnceLock<String>,
}

type Shared = Arc<Agent>;

/// The client the agent calls the platform with: https (plain http to loopback only, without a
/// proxy), no redirects (a secret is never sent on elsewhere), a timeout.
fn platform_client(platform: &str) -> Result<reqwest::Client, TokenError> {
    let local = platform.starts_with("http://");
    let mut builder = reqwest::Client::builder()
        .https_only(!local)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(unlock::PLATFORM_TIMEOUT)
        .user_agent(concat!("signet-agent/", env!("CARGO_PKG_VERSION")));
    if local {
        builder = builder.no_proxy();
    }
    builder
        .build()
        .map_err(|error| TokenError::AgentHttp(error.to_string()))
}

impl Agent {
    /// Run `job` on the blocking pool, alone on the module. A job that presents a PIN goes
    /// through [`Agent::with_pin`] instead.
    async fn run<T, F>(self: &Arc<Self>, job: F) -> Result<T, AgentError>
    where
        T: Send + 'static,
        F: FnOnce(&Module) -> Result<T, AgentError> + Send + 'static,
    {
        self.run_alone(move |module, _| job(module)).await
    }

    async fn run_alone<T, F>(self: &Arc<Self>, job: F) -> Result<T, AgentError>
    where
        T: Send + 'static,
        F: FnOnce(&Module, &mut Tries) -> Result<T, AgentError> + Send + 'static,
    {
        let agent = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            // A panic in an earlier job left nothing half-done on our side: take the lock over.
            let mut tries = agent.lock.lock().unwrap_or_else(PoisonError::into_inner);
            job(&agent.module, &mut tries)
        })
        .await
        .map_err(|error| AgentError::Internal(format!("the token job stopped: {error}")))?
    }

    /// POST `body` as JSON to the platform's `path`; its JSON answer, or why not.
    async fn platform_post<T, B>(&self, path: &str, body: &B) -> Result<T, AgentError>
    where
        T: serde::de::DeserializeOwned,
        B: serde::Serialize + ?Sized,
    {
        let url = format!("{}{path}", self.platform);
        // Without the URL: it carries the unlock code.
        let unreachable = |error: reqwest::Error| {
            AgentError::PlatformUnreachable(error.without_url().to_string())
        };
        let response = self
            .http
            .post(&url)
            .json(body)
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        if status.is_success() {
            return response.json().await.map_err(unreachable);
        }
        if status.is_server_error() {
            return Err(AgentError::PlatformUnreachable(format!(
                "the platform answered {status}"
            )));
        }
        // A refusal is problem+json: its code and the holder's message.
        let problem: serde_json::Value = response.json().await.unwrap_or_default();
        let text = |value: &serde_json::Value| value.as_str().map(str::to_owned);
        Err(AgentError::PlatformRefused {
            code: text(&problem["code"]).unwrap_or_else(|| status.as_u16().to_string()),
            message: text(&problem["message"]["zh-CN"])
                .or_else(|| text(&problem["message"]["en"]))
                .unwrap_or_default(),
        })
    }

    /// Open the token `serial` and run `job`, which presents a `kind` PIN to it, if the token's
    /// recent wrong tries and its flags allow ([`throttle`]); count how it went.
    async fn with_pin<T, F>(
        self: &Arc<Self>,
        serial: String,
        kind: PinKind,
        job: F,
    ) -> Result<T, AgentError>
    where
        T: Send + 'static,
        F: FnOnce(&Token) -> Result<T, AgentError> + Send + 'static,
    {
        self.run_alone(move |module, tries| {
            let token = Token::open(module, &serial)?;
            tries.before(token.serial(), kind, &token.info()?, Instant::now())?;
            let outcome = job(&token);
            tries.after(token.serial(), kind, &outcome, Instant::now());
            outcome
        })
        .await
    }

    /// Open the token `serial`, log the user in with `pin`, run `job`, and log out whatever
    /// happened: the PIN is asked for on every request, and no login outlives it.
    async fn as_user<T, F>(
        self: &Arc<Self>,
        serial: String,
        pin: String,
        job: F,
    ) -> Result<T, AgentError>
    where
        T: Send + 'static,
        F: FnOnce(&Token) -> Result<T, AgentError> + Send + 'static,
    {
        self.with_pin(serial, PinKind::User, move |token| {
            token.login_user(&pin)?;
            let result = job(token);
            let logout = token.logout();
            let value = result?;
            logout?;
            Ok(value)
        })
        .await
    }
}
