//! Settings, layered: built-in defaults, then an optional TOML file, then `SIGNET_*` environment
//! variables (and `DATABASE_URL`), then command-line flags. Unknown keys in the file are refused.
#![expect(
    clippy::doc_markdown,
    reason = "clap prints these doc comments as --help text, where backticks would show"
)]

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use figment::Figment;
use figment::providers::{Env, Format as _, Toml};
use serde::Deserialize;
use signet_core::platform::PlatformConfig;

/// Options every subcommand takes.
#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Data directory (database, keys, blobs). [env: SIGNET_DATA] [default: ./data]
    #[arg(long, global = true)]
    pub data: Option<PathBuf>,
    /// Optional TOML settings file. [env: SIGNET_CONFIG]
    #[arg(long, global = true, env = "SIGNET_CONFIG")]
    pub config: Option<PathBuf>,
    /// `postgres://…` to use PostgreSQL; the embedded SQLite file in the data directory otherwise.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Public base URL used in links and certificates. [env: SIGNET_PUBLIC_URL] [default: http:// + listen address]
    #[arg(long, global = true)]
    pub public_url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    data: Option<PathBuf>,
    database_url: Option<String>,
    public_url: Option<String>,
    web_dir: Option<PathBuf>,
    secret_key: Option<String>,
    sandbox: Option<bool>,
    writes_per_minute: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: String,
    pub data: PathBuf,
    pub database_url: Option<String>,
    pub public_url: Option<String>,
    pub web_dir: Option<PathBuf>,
    pub secret_key: Option<String>,
    pub sandbox: bool,
    pub writes_per_minute: u32,
}

impl Settings {
    pub fn load(args: &GlobalArgs) -> anyhow::Result<Self> {
        let mut figment = Figment::new();
        if let Some(path) = &args.config {
            anyhow::ensure!(path.is_file(), "settings file {} not found", path.display());
            figment = figment.merge(Toml::file(path));
        }
        let file: FileSettings = figment
            .merge(Env::prefixed("SIGNET_").only(&[
                "listen",
                "data",
                "public_url",
                "web_dir",
                "secret_key",
                "sandbox",
                "writes_per_minute",
            ]))
            .extract()
            .context("reading settings")?;
        Ok(Self {
            listen: file.listen.unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            data: args
                .data
                .clone()
                .or(file.data)
                .unwrap_or_else(|| PathBuf::from("./data")),
            database_url: args
                .database_url
                .clone()
                .or(file.database_url)
                .filter(|u| !u.is_empty()),
            public_url: args.public_url.clone().or(file.public_url),
            web_dir: file.web_dir,
            secret_key: file.secret_key,
            sandbox: file.sandbox.unwrap_or(false),
            writes_per_minute: file.writes_per_minute.unwrap_or(300),
        })
    }

    pub fn platform(&self, sandbox: bool) -> PlatformConfig {
        PlatformConfig {
            data_dir: self.data.clone(),
            database_url: self.database_url.clone(),
            sandbox,
            secret_key: self.secret_key.clone(),
        }
    }

    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_owned()
    }
}
