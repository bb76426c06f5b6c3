//! The provider sections of the settings file (`[smtp]`, `[sms.aliyun]` or `[sms.tencent]`,
//! `[wechat_pay]`, `[alipay]`). Unknown keys are refused like everywhere else in the file.

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewaysConfig {
    pub smtp: Option<SmtpConfig>,
    pub sms: Option<SmsConfig>,
    pub wechat_pay: Option<WechatPayConfig>,
    pub alipay: Option<AlipayConfig>,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Implicit TLS (usually port 465).
    Tls,
    /// STARTTLS, required (usually port 587).
    Starttls,
    /// No encryption: accepted only for a server on the loopback interface (a local relay or a
    /// test server).
    Plain,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: Option<u16>,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender, e.g. `Signet <noreply@ca.example.cn>`.
    pub from: String,
}

/// Exactly one of the two SMS providers.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    pub aliyun: Option<AliyunSmsConfig>,
    pub tencent: Option<TencentSmsConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliyunSmsConfig {
    pub access_key_id: String,
    pub access_key_secret: String,
    /// The approved signature (签名名称), e.g. `Signet`.
    pub sign_name: String,
    /// Template for verification codes; its one variable is `${code}`.
    pub code_template: String,
    /// Template for notices (order status, face-check links); its one variable is `${content}`.
    pub notice_template: String,
    /// Default `https://dysmsapi.aliyuncs.com`.
    pub endpoint: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TencentSmsConfig {
    pub secret_id: String,
    pub secret_key: String,
    /// The SMS application (`SdkAppId`), e.g. `1400006666`.
    pub sdk_app_id: String,
    pub sign_name: String,
    /// Template id for verification codes (one parameter: the code).
    pub code_template: String,
    /// Template id for notices (one parameter: the text).
    pub notice_template: String,
    /// Default `ap-guangzhou`.
    pub region: Option<String>,
    /// Default `https://sms.tencentcloudapi.com`.
    pub endpoint: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatPayConfig {
    /// 商户号.
    pub mch_id: String,
    /// The app id bound to the merchant (公众号/小程序/应用 `AppID`).
    pub app_id: String,
    /// Serial number of the merchant's API certificate (商户 API 证书序列号).
    pub serial_no: String,
    /// The merchant's API private key, PKCS#8 PEM (`apiclient_key.pem`).
    pub private_key_file: PathBuf,
    /// WeChat Pay's platform public key, PEM (微信支付公钥), which signs responses and
    /// notifications.
    pub platform_public_key_file: PathBuf,
    /// The id of that public key (`PUB_KEY_ID_…`) or the platform certificate's serial; responses
    /// and notifications signed under another serial are refused.
    pub platform_serial: String,
    /// The `APIv3` key (32 characters) that encrypts notification resources.
    pub api_v3_key: String,
    /// Default `<public_url>/api/v1/payments/notify/wechat`.
    pub notify_url: Option<String>,
    /// Default `https://api.mch.weixin.qq.com`.
    pub endpoint: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlipayConfig {
    pub app_id: String,
    /// The application's private key, PKCS#8 PEM (RSA2).
    pub private_key_file: PathBuf,
    /// Alipay's public key, PEM (支付宝公钥), which signs responses and notifications.
    pub alipay_public_key_file: PathBuf,
    /// Default `<public_url>/api/v1/payments/notify/alipay`.
    pub notify_url: Option<String>,
    /// Default `https://openapi.alipay.com/gateway.do`.
    pub endpoint: Option<String>,
}
