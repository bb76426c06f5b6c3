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
use signet_core::platform::blobs::S3Credentials;
use signet_gateways::GatewaysConfig;
use signet_gateways::config::{AlipayConfig, SmsConfig, SmtpConfig, WechatPayConfig};

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
    agent_dir: Option<PathBuf>,
    secret_key: Option<String>,
    audit_mirror: Option<PathBuf>,
    sandbox: Option<bool>,
    sandbox_public: Option<bool>,
    writes_per_minute: Option<u32>,
    pki_per_minute: Option<u32>,
    guarded_per_minute: Option<u32>,
    trusted_proxies: Option<Vec<String>>,
    client_ip_header: Option<String>,
    regulator_url: Option<String>,
    smtp: Option<SmtpConfig>,
    sms: Option<SmsConfig>,
    wechat_pay: Option<WechatPayConfig>,
    alipay: Option<AlipayConfig>,
    blob_url: Option<String>,
    aws_access_key_id: Option<String>,
    aws_secret_access_key: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: String,
    pub data: PathBuf,
    pub database_url: Option<String>,
    pub public_url: Option<String>,
    pub web_dir: Option<PathBuf>,
    /// The key agent builds offered for download.
    pub agent_dir: Option<PathBuf>,
    pub secret_key: Option<String>,
    /// A second directory for audit checkpoints (a mount of other storage), besides the data
    /// directory's `audit/checkpoints`.
    pub audit_mirror: Option<PathBuf>,
    pub sandbox: bool,
    /// Sandbox on a non-loopback address (a shared demo machine): refused without it.
    pub sandbox_public: bool,
    pub writes_per_minute: u32,
    /// `/pki` requests per client address per minute.
    pub pki_per_minute: u32,
    /// Requests that guard accounts (SMS, logins, PIN tries) per client address per minute,
    /// counted in the database across nodes.
    pub guarded_per_minute: u32,
    /// Reverse proxies (addresses or CIDR ranges) whose `client_ip_header` is believed.
    pub trusted_proxies: Vec<String>,
    /// The header those proxies put the client's address in (`X-Forwarded-For`, `X-Real-IP`).
    pub client_ip_header: Option<String>,
    /// The supervising platform's receiver of contract reports (`SIGNET_REGULATOR_URL`); the
    /// sandbox defaults to its own `/dev/regulator`.
    pub regulator_url: Option<String>,
    /// The real providers (production mode only).
    pub gateways: GatewaysConfig,
    /// Where blobs live: `file:///path` or `s3://bucket?endpoint=…` (`None`: `data/blobs`).
    pub blob_url: Option<String>,
    /// S3 keys: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` from the environment, else the
    /// settings file's `aws_access_key_id` / `aws_secret_access_key`.
    pub blob_credentials: Option<S3Credentials>,
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
                "agent_dir",
                "secret_key",
                "audit_mirror",
                "sandbox",
                "sandbox_public",
                "writes_per_minute",
                "pki_per_minute",
                "guarded_per_minute",
                "client_ip_header",
                "regulator_url",
                "blob_url",
            ]))
            .extract()
            .context("reading settings")?;
        let file_credentials = match (file.aws_access_key_id, file.aws_secret_access_key) {
            (Some(access_key_id), Some(secret_access_key)) => Some(S3Credentials {
                access_key_id,
                secret_access_key,
            }),
            (None, None) => None,
            _ => anyhow::bail!(
                "settings file: aws_access_key_id and aws_secret_access_key go together"
            ),
        };
        Ok(Self {
            blob_url: file.blob_url.filter(|u| !u.trim().is_empty()),
            blob_credentials: S3Credentials::from_env().or(file_credentials),
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
            agent_dir: file.agent_dir,
            secret_key: file.secret_key,
            audit_mirror: file.audit_mirror,
            sandbox: file.sandbox.unwrap_or(false),
            sandbox_public: file.sandbox_public.unwrap_or(false),
            writes_per_minute: file.writes_per_minute.unwrap_or(300),
            pki_per_minute: file.pki_per_minute.unwrap_or(6_000),
            guarded_per_minute: file.guarded_per_minute.unwrap_or(30),
            trusted_proxies: file.trusted_proxies.unwrap_or_default(),
            client_ip_header: file.client_ip_header,
            regulator_url: file.regulator_url.filter(|u| !u.trim().is_empty()),
            gateways: GatewaysConfig {
                smtp: file.smtp,
                sms: file.sms,
                wechat_pay: file.wechat_pay,
                alipay: file.alipay,
            },
        })
    }

    pub fn platform(&self, sandbox: bool) -> anyhow::Result<PlatformConfig> {
        let blobs = signet_gateways::blobs::open(
            self.blob_url.as_deref(),
            &self.data,
            self.blob_credentials.as_ref(),
        )
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("blob_url (SIGNET_BLOB_URL)")?;
        Ok(PlatformConfig {
            data_dir: self.data.clone(),
            database_url: self.database_url.clone(),
            sandbox,
            secret_key: self.secret_key.clone(),
            blobs: Some(blobs),
        })
    }

    /// The public URL production mode requires: set explicitly, and https unless the host is
    /// loopback (a server behind a local TLS proxy, or a test).
    pub fn production_public_url(&self) -> anyhow::Result<String> {
        let Some(url) = self.public_url.as_deref().filter(|u| !u.trim().is_empty()) else {
            anyhow::bail!(
                "production mode needs the public URL that links in SMS and e-mail start with: set public_url in the settings file, SIGNET_PUBLIC_URL or --public-url (https://…); or run `signet serve --sandbox`"
            );
        };
        let url = url.trim().trim_end_matches('/');
        let host = if let Some(rest) = url.strip_prefix("https://") {
            rest
        } else if let Some(rest) = url.strip_prefix("http://") {
            let host = rest.split('/').next().unwrap_or_default();
            let name = host
                .strip_prefix('[')
                .and_then(|h| h.split_once(']').map(|(ip, _)| ip))
                .unwrap_or_else(|| host.rsplit_once(':').map_or(host, |(h, _)| h));
            let loopback = name == "localhost"
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            anyhow::ensure!(
                loopback,
                "public URL {url}: production mode needs https:// (http:// only on loopback)"
            );
            rest
        } else {
            anyhow::bail!("public URL {url}: must start with https://");
        };
        anyhow::ensure!(
            !host.split('/').next().unwrap_or_default().is_empty(),
            "public URL {url}: no host"
        );
        Ok(url.to_owned())
    }

    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_url(url: Option<&str>) -> Settings {
        Settings {
            listen: "127.0.0.1:8080".into(),
            data: PathBuf::from("./data"),
            database_url: None,
            public_url: url.map(str::to_owned),
            web_dir: None,
            agent_dir: None,
            secret_key: None,
            audit_mirror: None,
            sandbox: false,
            sandbox_public: false,
            writes_per_minute: 300,
            pki_per_minute: 6_000,
            guarded_per_minute: 30,
            trusted_proxies: Vec::new(),
            client_ip_header: None,
            regulator_url: None,
            gateways: GatewaysConfig::default(),
            blob_url: None,
            blob_credentials: None,
        }
    }

    #[test]
    fn production_needs_https_or_loopback_http() {
        let ok = |u: &str| with_url(Some(u)).production_public_url();
        assert_eq!(
            ok("https://ca.example.cn/").unwrap(),
            "https://ca.example.cn"
        );
        assert_eq!(
            ok("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            ok("http://localhost:9000/").unwrap(),
            "http://localhost:9000"
        );
        assert_eq!(ok("http://[::1]:9000").unwrap(), "http://[::1]:9000");
        assert!(ok("http://ca.example.cn").is_err());
        assert!(ok("http://10.0.0.5:8080").is_err());
        assert!(ok("ftp://ca.example.cn").is_err());
        assert!(ok("https://").is_err());
        assert!(with_url(None).production_public_url().is_err());
        assert!(with_url(Some("  ")).production_public_url().is_err());
    }
}
