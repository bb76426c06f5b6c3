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
use signet_pki::keystore::Pkcs11Config;

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
    ca_pkcs11_module: Option<PathBuf>,
    ca_pkcs11_token: Option<String>,
    ca_pkcs11_pin: Option<String>,
    ca_pkcs11_pin_file: Option<PathBuf>,
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
    /// The PKCS#11 token the RSA and ECDSA CA keys live on (`ca_pkcs11_module`, `ca_pkcs11_token`
    /// and `ca_pkcs11_pin` or `ca_pkcs11_pin_file`); `None`: software keys. Its `Debug` hides
    /// the PIN.
    pub ca_token: Option<Pkcs11Config>,
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
        // Read as they are, not through figment, which would turn a PIN or label of digits
        // into a number (and drop a PIN's leading zeros).
        let raw = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let ca_token = ca_token(
            raw("SIGNET_CA_PKCS11_MODULE")
                .map(PathBuf::from)
                .or(file.ca_pkcs11_module),
            raw("SIGNET_CA_PKCS11_TOKEN").or(file.ca_pkcs11_token),
            raw("SIGNET_CA_PKCS11_PIN").or(file.ca_pkcs11_pin),
            raw("SIGNET_CA_PKCS11_PIN_FILE")
                .map(PathBuf::from)
                .or(file.ca_pkcs11_pin_file),
        )?;
        Ok(Self {
            ca_token,
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
            ca_token: self.ca_token.clone(),
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

/// The CA token's settings: all of module, token and a PIN (from the setting or, better, a
/// file only the service can read), or none of them. The PIN is never printed.
fn ca_token(
    module: Option<PathBuf>,
    token: Option<String>,
    pin: Option<String>,
    pin_file: Option<PathBuf>,
) -> anyhow::Result<Option<Pkcs11Config>> {
    let token = token.filter(|t| !t.trim().is_empty());
    let module = module.filter(|m| !m.as_os_str().is_empty());
    let pin = pin.filter(|p| !p.is_empty());
    if module.is_none() && token.is_none() && pin.is_none() && pin_file.is_none() {
        return Ok(None);
    }
    let (Some(module), Some(token_label)) = (module, token) else {
        anyhow::bail!(
            "CA 令牌设置不完整 / the CA token settings go together: set both SIGNET_CA_PKCS11_MODULE (ca_pkcs11_module) and SIGNET_CA_PKCS11_TOKEN (ca_pkcs11_token), with SIGNET_CA_PKCS11_PIN or SIGNET_CA_PKCS11_PIN_FILE"
        );
    };
    anyhow::ensure!(
        module.is_file(),
        "SIGNET_CA_PKCS11_MODULE: no PKCS#11 module at {}",
        module.display()
    );
    let user_pin = match (pin, pin_file) {
        (Some(_), Some(_)) => anyhow::bail!(
            "SIGNET_CA_PKCS11_PIN and SIGNET_CA_PKCS11_PIN_FILE: set one of them, not both"
        ),
        (Some(pin), None) => pin,
        (None, Some(file)) => std::fs::read_to_string(&file)
            .with_context(|| format!("reading SIGNET_CA_PKCS11_PIN_FILE {}", file.display()))?
            .trim_end_matches(['\r', '\n'])
            .to_owned(),
        (None, None) => anyhow::bail!(
            "the CA token {token_label} needs its user PIN: SIGNET_CA_PKCS11_PIN_FILE (a file only the service reads) or SIGNET_CA_PKCS11_PIN"
        ),
    };
    anyhow::ensure!(
        !user_pin.is_empty(),
        "the CA token's PIN (SIGNET_CA_PKCS11_PIN_FILE) is empty"
    );
    Ok(Some(Pkcs11Config {
        module,
        token_label,
        user_pin,
    }))
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
            ca_token: None,
        }
    }

    #[test]
    fn the_ca_token_settings_go_together_and_read_the_pin_file() {
        let dir = tempfile::tempdir().unwrap();
        let module = dir.path().join("libvendor-pkcs11.so");
        std::fs::write(&module, b"").unwrap();
        let pin_file = dir.path().join("pin");
        std::fs::write(&pin_file, "4711\n").unwrap();
        assert!(ca_token(None, None, None, None).unwrap().is_none());
        let read = ca_token(
            Some(module.clone()),
            Some("signet-ca".into()),
            None,
            Some(pin_file.clone()),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (read.token_label.as_str(), read.user_pin.as_str()),
            ("signet-ca", "4711")
        );
        let refused = |m: Option<PathBuf>, t: Option<&str>, p: Option<&str>, f: Option<PathBuf>| {
            let error = ca_token(m, t.map(str::to_owned), p.map(str::to_owned), f)
                .unwrap_err()
                .to_string();
            assert!(!error.contains("4711"), "{error}");
            error
        };
        assert!(refused(None, Some("signet-ca"), Some("4711"), None).contains("go together"));
        assert!(refused(Some(module.clone()), None, Some("4711"), None).contains("go together"));
        assert!(refused(Some(module.clone()), Some("t"), None, None).contains("PIN"));
        assert!(
            refused(
                Some(module.clone()),
                Some("t"),
                Some("4711"),
                Some(pin_file)
            )
            .contains("not both")
        );
        assert!(
            refused(
                Some(dir.path().join("absent.so")),
                Some("t"),
                Some("4711"),
                None
            )
            .contains("no PKCS#11 module")
        );
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
