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

#[cfg(test)]
mod tests {
    use signet_token::agent::BundledConfig;

    /// The server writes the trailer and the agent reads it, in two crates that do not know each
    /// other: the binary knows both.
    #[test]
    fn the_agent_reads_the_origin_the_server_appends_to_its_downloads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("signet-agent.exe");
        let mut bytes = b"MZ a build".to_vec();
        bytes.extend_from_slice(&signet_server::downloads::trailer(
            "https://sign.example.com",
        ));
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(
            BundledConfig::read_from(&path).unwrap(),
            Some(BundledConfig {
                origin: "https://sign.example.com".into()
            })
        );
        assert_eq!(
            BundledConfig {
                origin: "https://sign.example.com".into()
            }
            .trailer(),
            signet_server::downloads::trailer("https://sign.example.com")
        );
    }
}
