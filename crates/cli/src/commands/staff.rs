//! `signet staff`: give CA staff their roles (reviewer, producer, channel admin).

use anyhow::Context as _;
use clap::{Args, Subcommand};
use signet_core::Platform;
use signet_core::desk::roles::{self, Role};
use signet_core::platform::accounts::fields::Identifier;

use super::core_error as core;
use crate::settings::Settings;

#[derive(Subcommand, Debug)]
pub enum StaffCommand {
    /// Grant a role to an account (by login name, phone or email).
    Grant(GrantArgs),
}

#[derive(Args, Debug)]
pub struct GrantArgs {
    /// The account: login name, phone or email.
    #[arg(long)]
    pub user: String,
    /// `reviewer`, `producer` or `channel_admin`.
    #[arg(long)]
    pub role: String,
}

pub async fn run(settings: Settings, command: StaffCommand) -> anyhow::Result<()> {
    let platform = Platform::open(&settings.platform(false)?)
        .await
        .map_err(core)
        .context("opening the platform")?;
    let result = match command {
        StaffCommand::Grant(args) => grant(&platform, &args).await,
    };
    platform.db.close().await;
    result
}

async fn grant(platform: &Platform, args: &GrantArgs) -> anyhow::Result<()> {
    let role = Role::parse(&args.role).with_context(|| {
        format!(
            "unknown role {} (reviewer, producer, channel_admin)",
            args.role
        )
    })?;
    let user = signet_core::platform::accounts::find_by_identifier(
        platform,
        &Identifier::parse(&args.user),
    )
    .await
    .map_err(core)?
    .with_context(|| format!("no account {}", args.user))?;
    roles::grant(platform, &user.id, role, "cli")
        .await
        .map_err(core)?;
    println!("已授予 / granted: {} → {}", args.user, role.as_str());
    Ok(())
}
