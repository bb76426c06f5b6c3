//! `signet agent`: the key agent on the user's machine. Listens on loopback only, answers only
//! the platform's origin (https, or plain http on this machine), drives the PKCS#11 module,
//! asks the PIN for every signing.

use std::net::SocketAddr;

use anyhow::Context as _;
use clap::Args;
use signet_token::Module;
use signet_token::agent::{AgentConfig, check_origin, serve};

use super::token::ModuleArgs;
use crate::settings::Settings;

#[derive(Args, Debug)]
pub struct AgentArgs {
    /// Loopback address to listen on (`127.0.0.1` or `[::1]` only).
    #[arg(long, default_value = "127.0.0.1:17780", env = "SIGNET_AGENT_LISTEN")]
    pub listen: SocketAddr,
    /// The platform's origin the web app is served from (default: the public URL).
    #[arg(long, env = "SIGNET_AGENT_ORIGIN")]
    pub origin: Option<String>,
    #[command(flatten)]
    pub module: ModuleArgs,
}

pub async fn run(settings: &Settings, args: AgentArgs) -> anyhow::Result<()> {
    // Refused before anything else: an agent serving a plain-http platform on another machine
    // would take orders from whoever sits on the network path.
    let origin = args.origin.clone().unwrap_or_else(|| settings.public_url());
    let origin = check_origin(&origin).map_err(|error| anyhow::anyhow!("{error}"))?;
    let module = match &args.module.module {
        Some(path) => path.clone(),
        None => Module::locate().context(
            "no PKCS#11 module found: pass --module (the USB key vendor's driver) or install SoftHSM2",
        )?,
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    println!(
        "证书助手已启动 / key agent listening on http://{} for {origin} (module {})",
        args.listen,
        module.display()
    );
    let config = AgentConfig {
        listen: args.listen,
        allowed_origin: origin,
        module,
    };
    tokio::select! {
        result = serve(listener, config) => result.context("key agent"),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}
