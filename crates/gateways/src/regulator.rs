//! The HTTP client of regulator reports (`signet-core`'s `RegulatorSender`): rustls, a timeout
//! per request (10 s unless told), no redirects and no proxy from the environment. The receiver
//! is the operator's choice (`SIGNET_REGULATOR_URL`), so it may be on a private network; plain
//! `http` is allowed only to a loopback address (a receiver on the same machine).

use std::time::Duration;

use async_trait::async_trait;
use signet_core::CoreError;
use signet_core::platform::providers::regulator::MAX_ANSWER;
use signet_core::platform::providers::{RegulatorAnswer, RegulatorPost, RegulatorSender};

/// How long one report may take, connection included, unless told otherwise.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Posts reports.
pub struct HttpRegulator {
    client: reqwest::Client,
}

impl HttpRegulator {
    pub fn new(timeout: Duration) -> Result<Self, crate::ConfigError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("Signet-Regulator/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| crate::ConfigError(format!("regulator HTTP client: {e}")))?;
        Ok(Self { client })
    }
}

/// Checks a receiver URL: `https`, or `http` to a loopback host.
pub fn check_url(text: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(text).map_err(|e| format!("{text}: {e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => return Err(format!("{text}: no host")),
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(format!(
            "{text}: the regulator's URL must use https (http only to a loopback address)"
        )),
    }
}

#[async_trait]
impl RegulatorSender for HttpRegulator {
    async fn post(&self, post: &RegulatorPost) -> Result<RegulatorAnswer, CoreError> {
        let url = check_url(&post.url).map_err(|e| CoreError::internal(format!("refused: {e}")))?;
        let mut request = self.client.post(url).body(post.body.clone());
        for (name, value) in &post.headers {
            request = request.header(*name, value);
        }
        let failed = |e: reqwest::Error| {
            let kind = if e.is_timeout() {
                "timeout"
            } else if e.is_connect() {
                "connection failed"
            } else {
                "request failed"
            };
            CoreError::internal(format!("{kind}: {e}"))
        };
        let mut response = request.send().await.map_err(failed)?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            let room = MAX_ANSWER.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() >= MAX_ANSWER {
                break;
            }
        }
        Ok(RegulatorAnswer { status, body })
    }
}

#[cfg(test)]
mod tests {
    use super::check_url;

    #[test]
    fn receivers_use_https_or_loopback_http() {
        assert!(check_url("https://report.example.gov.cn/api/contracts").is_ok());
        assert!(check_url("https://10.1.2.3/intranet").is_ok());
        assert!(check_url("http://127.0.0.1:8080/dev/regulator").is_ok());
        assert!(check_url("http://localhost/dev/regulator").is_ok());
        assert!(check_url("http://report.example.gov.cn/").is_err());
        assert!(check_url("ftp://127.0.0.1/").is_err());
        assert!(check_url("not a url").is_err());
    }
}
