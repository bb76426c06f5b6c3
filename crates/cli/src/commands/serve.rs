//! `signet serve`: open the platform and serve HTTP until stopped.
#![expect(
    clippy::doc_markdown,
    reason = "clap prints these doc comments as --help text, where backticks would show"
)]

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use signet_core::Platform;
use signet_server::{AppState, ClientAddress, ServerConfig};

use crate::settings::Settings;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on. [env: SIGNET_LISTEN] [default: 127.0.0.1:8080]
    #[arg(long)]
    pub listen: Option<String>,
    /// Swap every external provider (SMS, email, …) for its sandbox and enable /dev routes.
    /// Without it the server runs in production mode: real providers from the settings file, a
    /// public URL required, no /dev routes.
    #[arg(long)]
    pub sandbox: bool,
    /// Allow the sandbox to listen on a non-loopback address (a shared demo machine). The
    /// sandbox publishes every SMS code and captcha answer at /dev/inbox. [env: SIGNET_SANDBOX_PUBLIC]
    #[arg(long)]
    pub sandbox_public: bool,
    /// The built web app. [env: SIGNET_WEB_DIR] [default: web/dist when it exists]
    #[arg(long)]
    pub web_dir: Option<PathBuf>,
    /// The key agent builds to offer for download (`cargo xtask` builds them into
    /// `<target>/agent-dist`). [env: SIGNET_AGENT_DIR]
    #[arg(long)]
    pub agent_dir: Option<PathBuf>,
}

pub async fn run(mut settings: Settings, args: ServeArgs) -> anyhow::Result<()> {
    if let Some(listen) = args.listen {
        settings.listen = listen;
    }
    let sandbox = args.sandbox || settings.sandbox;
    let sandbox_public = args.sandbox_public || settings.sandbox_public;
    // Production mode refuses to start without a public URL: SMS and e-mail carry absolute links.
    let production_url = if sandbox {
        None
    } else {
        Some(settings.production_public_url()?)
    };
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("listening on {}", settings.listen))?;
    let address = listener.local_addr()?;
    if sandbox {
        anyhow::ensure!(
            address.ip().is_loopback() || sandbox_public,
            "the sandbox publishes every SMS code and captcha answer at /dev/inbox, so it listens on loopback only; {address} is not loopback (pass --sandbox-public for a shared demo machine)"
        );
        sandbox_banner(address, sandbox_public);
    }
    let public_url = production_url.unwrap_or_else(|| match &settings.public_url {
        Some(_) => settings.public_url(),
        None => format!("http://{address}"),
    });
    let mut platform = Platform::open(&settings.platform(sandbox)?)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("opening the platform")?;
    platform.public_url.clone_from(&public_url);
    if let Some(mirror) = &settings.audit_mirror {
        platform.checkpoints.add_mirror(mirror.clone());
    }
    // A CA key on a token that is missing, locked or replaced stops the start here, with the
    // reason, rather than failing the first request that signs.
    let on_token = signet_core::ca::check_keys(&platform)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("CA 密钥检查失败 / checking the CA keys")?;
    if let Some(token) = &settings.ca_token {
        tracing::info!(
            token = %token.token_label,
            keys = on_token.len(),
            "CA keys on the PKCS#11 token"
        );
    }
    // CA keys kept in the format before ADR 0012 are rewritten before anything signs with them.
    signet_core::ca::rekey(&platform)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("rewriting CA keys in the current format")?;
    install_providers(&mut platform, &settings, sandbox, &public_url).await?;
    install_regulator(&mut platform, &settings, sandbox.then_some(address.port()))?;
    let web_dir = args
        .web_dir
        .or(settings.web_dir.clone())
        .or_else(|| Some(PathBuf::from("web/dist")).filter(|d| d.join("index.html").is_file()));
    let agent_dir = args.agent_dir.or(settings.agent_dir.clone());
    let config = ServerConfig {
        agent_dir,
        web_dir: web_dir.clone(),
        secure_cookies: public_url.starts_with("https://"),
        writes_per_minute: settings.writes_per_minute,
        pki_per_minute: settings.pki_per_minute,
        guarded_per_minute: settings.guarded_per_minute,
        client_address: ClientAddress::new(
            settings.client_ip_header.as_deref(),
            &settings.trusted_proxies,
        )
        .map_err(anyhow::Error::msg)
        .context("reading trusted_proxies and client_ip_header")?,
    };
    tracing::info!(
        %address,
        database = platform.db.backend().name(),
        blobs = %platform.blobs.describe(),
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
    let platform = state.platform.clone();
    signet_server::serve(listener, state).await?;
    // The last events before shutdown are anchored too, not only those the job saw.
    if let Err(error) = signet_core::audit_checkpoint(&platform).await {
        tracing::error!(%error, "audit checkpoint at shutdown");
    }
    Ok(())
}

/// The sandbox checks that it never signs with a production hierarchy and ignores the provider
/// sections; production installs the providers the settings file configures. Both post
/// webhooks.
async fn install_providers(
    platform: &mut Platform,
    settings: &Settings,
    sandbox: bool,
    public_url: &str,
) -> anyhow::Result<()> {
    if sandbox {
        let test = signet_core::ca::hierarchies_are_test(platform)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::ensure!(
            test != Some(false),
            "this data directory holds production CA hierarchies; the sandbox never signs with them (its identities are not verified): use a data directory prepared with `signet init --sandbox` (or --demo)"
        );
        if settings.gateways.smtp.is_some()
            || settings.gateways.sms.is_some()
            || settings.gateways.wechat_pay.is_some()
            || settings.gateways.alipay.is_some()
        {
            tracing::warn!("sandbox mode: the provider sections of the settings file are ignored");
        }
    } else {
        let installed = signet_gateways::install(platform, &settings.gateways, public_url)
            .context("configuring the providers")?;
        tracing::info!(
            email = installed.email.unwrap_or("not configured"),
            sms = installed.sms.unwrap_or("not configured"),
            payments = ?installed.payments,
            "production mode"
        );
    }
    // Webhook deliveries go out in both modes; the sandbox also reaches loopback receivers.
    platform.webhooks = std::sync::Arc::new(
        signet_gateways::webhooks::HttpWebhooks::new(sandbox)
            .context("configuring webhook deliveries")?,
    );
    Ok(())
}

/// Regulator reports go to `SIGNET_REGULATOR_URL`; the sandbox defaults to its own receiver at
/// `/dev/regulator` on `sandbox_port`. Without one, production reports wait as 待上报 and say
/// why.
pub(crate) fn install_regulator(
    platform: &mut Platform,
    settings: &Settings,
    sandbox_port: Option<u16>,
) -> anyhow::Result<()> {
    let url = settings
        .regulator_url
        .clone()
        .or_else(|| sandbox_port.map(|port| format!("http://127.0.0.1:{port}/dev/regulator")));
    if let Some(url) = &url {
        signet_gateways::regulator::check_url(url)
            .map_err(anyhow::Error::msg)
            .context("SIGNET_REGULATOR_URL (regulator_url)")?;
        tracing::info!(%url, "contract reports go to the regulator's receiver");
    } else {
        tracing::warn!(
            "no regulator receiver (SIGNET_REGULATOR_URL): contract reports stay 待上报 and fail after their attempts until one is set"
        );
    }
    platform.regulator = std::sync::Arc::new(
        signet_gateways::regulator::HttpRegulator::new(signet_gateways::regulator::TIMEOUT)
            .context("configuring regulator reports")?,
    );
    platform.regulator_url = url;
    Ok(())
}

/// The sandbox says so loudly, on standard error, before it serves.
fn sandbox_banner(address: std::net::SocketAddr, public: bool) {
    let rule = "=".repeat(78);
    eprintln!("{rule}");
    eprintln!("  沙箱模式 SANDBOX MODE: not for real applicants");
    eprintln!("  Every SMS code, e-mail and captcha answer is published at /dev/inbox; payments,");
    eprintln!("  identity checks and face checks are simulated; certificates come from the");
    eprintln!("  TEST (测试) hierarchy. Listening on {address}.");
    if public {
        eprintln!(
            "  --sandbox-public: reachable from other machines. Do not use real personal data."
        );
    }
    eprintln!("{rule}");
}
