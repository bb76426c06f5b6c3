//! `signet serve`: open the platform and serve HTTP until stopped.
#![expect(
    clippy::doc_markdown,
    reason = "clap prints these doc comments as --help text, where backticks would show"
)]

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use signet_core::Platform;
use signet_server::{AppState, ServerConfig};

use crate::settings::Settings;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on. [env: SIGNET_LISTEN] [default: 127.0.0.1:8080]
    #[arg(long)]
    pub listen: Option<String>,
    /// Swap every external provider (SMS, email, …) for its sandbox and enable /dev routes.
    #[arg(long)]
    pub sandbox: bool,
    /// The built web app. [env: SIGNET_WEB_DIR] [default: web/dist when it exists]
    #[arg(long)]
    pub web_dir: Option<PathBuf>,
}

pub async fn run(mut settings: Settings, args: ServeArgs) -> anyhow::Result<()> {
    if let Some(listen) = args.listen {
        settings.listen = listen;
    }
    let sandbox = args.sandbox || settings.sandbox;
    let platform = Platform::open(&settings.platform(sandbox))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("opening the platform")?;
    anyhow::ensure!(
        platform.providers_ready(),
        "no SMS or email gateway is configured; real gateways are not available yet, so run `signet serve --sandbox` (messages go to /dev/inbox)"
    );
    let web_dir = args
        .web_dir
        .or(settings.web_dir.clone())
        .or_else(|| Some(PathBuf::from("web/dist")).filter(|d| d.join("index.html").is_file()));
    let public_url = settings.public_url();
    let config = ServerConfig {
        web_dir: web_dir.clone(),
        secure_cookies: public_url.starts_with("https://"),
        writes_per_minute: settings.writes_per_minute,
    };
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("listening on {}", settings.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(
        %address,
        database = platform.db.backend().name(),
        sandbox,
        web = ?web_dir,
        "Signet is serving on http://{address}"
    );
    let state = AppState::new(platform, config);
    // Housekeeping and the outbox run as jobs in this process; several `serve` processes on
    // one PostgreSQL share the queue and run each scheduled period once.
    signet_core::platform::jobs::schedules::ensure(&state.platform, &signet_core::job_schedules())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("writing the job schedules")?;
    let _workers = signet_core::platform::jobs::worker::start(
        state.platform.clone(),
        signet_core::job_handlers(),
        &signet_core::platform::jobs::WorkerConfig::default(),
    );
    signet_server::serve(listener, state).await?;
    Ok(())
}
