//! `signet backup` and `signet restore`: an encrypted, consistent snapshot of the database, the
//! blobs, the audit checkpoints and (only with `--with-secrets`) the data directory's secrets,
//! taken while the server runs; and its restoration into a fresh data directory.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use signet_core::Platform;
use signet_core::platform::backup;

use crate::settings::Settings;

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The backup file to write (it must not exist).
    #[arg(long)]
    pub out: PathBuf,
    /// Also include the data directory's secrets (the master key): the backup alone then opens
    /// every sealed value, so keep it as safe as the key itself.
    #[arg(long)]
    pub with_secrets: bool,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The backup file.
    pub file: PathBuf,
}

/// `SIGNET_BACKUP_PASSPHRASE`, else asked on the terminal (twice when `confirm`).
fn passphrase(confirm: bool) -> anyhow::Result<String> {
    if let Ok(value) = std::env::var("SIGNET_BACKUP_PASSPHRASE")
        && !value.is_empty()
    {
        return Ok(value);
    }
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "set SIGNET_BACKUP_PASSPHRASE or run on a terminal to be asked for the passphrase"
    );
    let first = rpassword::prompt_password("备份口令 / backup passphrase: ")?;
    anyhow::ensure!(
        first.chars().count() >= 12,
        "the passphrase must be at least 12 characters"
    );
    if confirm {
        let again = rpassword::prompt_password("再输入一次 / again: ")?;
        anyhow::ensure!(first == again, "the two passphrases differ");
    }
    Ok(first)
}

pub async fn backup(settings: Settings, args: BackupArgs) -> anyhow::Result<()> {
    let secret = passphrase(true)?;
    let platform = Platform::open(&settings.platform(false)?)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let written = backup::backup(
        &platform,
        &settings.data,
        settings.database_url.as_deref(),
        &args.out,
        secret.as_bytes(),
        args.with_secrets,
    )
    .await;
    platform.db.close().await;
    let manifest = written.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "备份完成 / backup written: {} ({} database, {} blobs{})",
        args.out.display(),
        manifest.database,
        manifest.blobs,
        if manifest.with_secrets {
            ", with the data directory's secrets"
        } else {
            "; secrets NOT included: keep the master key (secrets/master.key or SIGNET_SECRET_KEY) yourself"
        }
    );
    Ok(())
}

pub async fn restore(settings: Settings, args: RestoreArgs) -> anyhow::Result<()> {
    let secret = passphrase(false)?;
    let manifest = backup::restore(
        &args.file,
        &settings.data,
        secret.as_bytes(),
        settings.database_url.as_deref(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))
    .with_context(|| format!("restoring {}: nothing was written", args.file.display()))?;
    println!(
        "已恢复 / restored into {}: {} database, {} blobs{}",
        settings.data.display(),
        manifest.database,
        manifest.blobs,
        if manifest.with_secrets {
            ", secrets included"
        } else {
            "; no secrets in the backup: put the master key back (secrets/master.key or SIGNET_SECRET_KEY) before starting"
        }
    );
    Ok(())
}
