//! `signet dev …`: sandbox tools.

use clap::Subcommand;
use signet_core::Platform;
use signet_core::platform::providers::SandboxInbox;

use crate::settings::Settings;

#[derive(Subcommand, Debug)]
pub enum DevCommand {
    /// Messages and captcha answers the sandbox providers kept, newest first (after sending the
    /// outbox messages that are due).
    Inbox {
        /// Only messages to this phone, email or captcha id.
        #[arg(long)]
        to: Option<String>,
        /// How many to show.
        #[arg(long, default_value_t = 20)]
        limit: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(settings: Settings, command: DevCommand) -> anyhow::Result<()> {
    let mut platform = Platform::open(&settings.platform(true)?)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // The drain below may send webhook deliveries too: as `signet serve --sandbox` does.
    platform.webhooks = std::sync::Arc::new(
        signet_gateways::webhooks::HttpWebhooks::new(true).map_err(|e| anyhow::anyhow!("{e}"))?,
    );
    // And regulator reports, to the sandbox server's receiver on the settings' listen address.
    let port = settings
        .listen
        .parse::<std::net::SocketAddr>()
        .map_or(8080, |a| a.port());
    super::serve::install_regulator(&mut platform, &settings, Some(port))?;
    match command {
        DevCommand::Inbox { to, limit, json } => {
            // Like `GET /dev/inbox`: outbox messages that are due go out first.
            signet_core::platform::jobs::drain(&platform, &signet_core::job_handlers())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let inbox = SandboxInbox::new(platform.db.clone(), platform.clock.clone());
            let messages = inbox
                .list(to.as_deref(), limit)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&messages)?);
            } else if messages.is_empty() {
                println!("收件箱为空 / inbox is empty");
            } else {
                for m in &messages {
                    let code = m
                        .code
                        .as_deref()
                        .map(|c| format!(" [{c}]"))
                        .unwrap_or_default();
                    println!(
                        "{}  {:<7} {:<20}{code}  {} {}",
                        m.created_at, m.channel, m.to, m.subject, m.body
                    );
                }
            }
        }
    }
    platform.db.close().await;
    Ok(())
}
