//! Signet's real providers behind `signet-core`'s provider traits: e-mail over SMTP, SMS through
//! Alibaba Cloud or Tencent Cloud, and native QR payments through WeChat Pay API v3 and Alipay.
//! Each request is signed the way its vendor documents; each module's tests pin the signature
//! to the vendor's published example where one exists, and `tests/it` runs every adapter
//! against a local stand-in that checks the signature of each request it receives.
//!
//! `signet serve` reads [`GatewaysConfig`] from the settings file and installs what is
//! configured with [`install`]; whatever is not configured stays `Unconfigured` and answers
//! `provider_not_configured` (503) for that method only.

pub mod alipay;
pub mod blobs;
pub mod config;
mod http;
pub mod payments;
pub mod pem;
pub mod regulator;
pub mod rsa;
pub mod sms_aliyun;
pub mod sms_tencent;
pub mod smtp;
pub mod webhooks;
pub mod wechat_pay;

use std::sync::Arc;

use signet_core::Platform;
use signet_core::platform::clock::Clock;

pub use config::{GatewaysConfig, SmsConfig};

/// Replaces the platform's unconfigured providers by the configured real ones. `public_url`
/// is where the gateways send their payment notifications unless the settings say otherwise.
pub fn install(
    platform: &mut Platform,
    config: &GatewaysConfig,
    public_url: &str,
) -> Result<Installed, ConfigError> {
    let clock: Arc<dyn Clock> = platform.clock.clone();
    let mut installed = Installed::default();
    if let Some(smtp) = &config.smtp {
        platform.email = Arc::new(smtp::SmtpSender::new(smtp)?);
        installed.email = Some("smtp");
    }
    if let Some(sms) = &config.sms {
        match (&sms.aliyun, &sms.tencent) {
            (Some(aliyun), None) => {
                platform.sms = Arc::new(sms_aliyun::AliyunSms::new(aliyun.clone(), clock.clone())?);
                installed.sms = Some("aliyun");
            }
            (None, Some(tencent)) => {
                platform.sms = Arc::new(sms_tencent::TencentSms::new(
                    tencent.clone(),
                    clock.clone(),
                )?);
                installed.sms = Some("tencent");
            }
            _ => {
                return Err(ConfigError(
                    "[sms] takes exactly one of [sms.aliyun] or [sms.tencent]".into(),
                ));
            }
        }
    }
    let wechat = config
        .wechat_pay
        .as_ref()
        .map(|c| wechat_pay::WechatPay::new(c, public_url, clock.clone()))
        .transpose()?;
    let alipay = config
        .alipay
        .as_ref()
        .map(|c| alipay::Alipay::new(c, public_url, clock.clone()))
        .transpose()?;
    if wechat.is_some() || alipay.is_some() {
        installed.payments = [
            wechat.as_ref().map(|_| "wechat"),
            alipay.as_ref().map(|_| "alipay"),
        ]
        .into_iter()
        .flatten()
        .collect();
        platform.payments = Arc::new(payments::Channels::new(wechat, alipay));
    }
    Ok(installed)
}

/// What [`install`] put in place, for the start-up log.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Installed {
    pub email: Option<&'static str>,
    pub sms: Option<&'static str>,
    pub payments: Vec<&'static str>,
}

/// A settings problem found at start-up (a missing key file, a bad address, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}
