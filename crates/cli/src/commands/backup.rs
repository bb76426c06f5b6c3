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
    if let Some(url) = settings
        .blob_url
        .as_deref()
        .filter(|u| u.trim().starts_with("s3:"))
    {
        let copied = blobs_to_bucket(&settings, url).await.with_context(|| {
            format!(
                "the data directory is restored into {}, but its blobs are still in {}: copying them to the bucket failed",
                settings.data.display(),
                settings.data.join("blobs").display()
            )
        })?;
        println!("已上传 / copied {copied} blobs to {url}");
    }
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

/// Copies the restored blobs (`<data>/blobs/xx/<sha256>`) into the bucket the settings name, each
/// checked against its name, then removes the local copies: a server on S3 never reads them.
/// Blobs are content-addressed, so one already in the bucket is left as it is.
async fn blobs_to_bucket(settings: &Settings, url: &str) -> anyhow::Result<usize> {
    let store = signet_gateways::blobs::open(
        Some(url),
        &settings.data,
        settings.blob_credentials.as_ref(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
    .context("blob_url (SIGNET_BLOB_URL)")?;
    let root = settings.data.join("blobs");
    let mut files = Vec::new();
    if root.is_dir() {
        for dir in std::fs::read_dir(&root)? {
            let dir = dir?.path();
            if dir.is_dir() {
                for file in std::fs::read_dir(&dir)? {
                    files.push(file?.path());
                }
            }
        }
    }
    for path in &files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let stored = store
            .put_file(path)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("uploading {}", path.display()))?;
        anyhow::ensure!(
            stored.digest == name,
            "{} does not hash to its name",
            path.display()
        );
    }
    if root.is_dir() {
        std::fs::remove_dir_all(&root)?;
    }
    Ok(files.len())
}
