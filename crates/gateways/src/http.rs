//! The HTTP client the gateways share, and reading vendors' error answers.

use std::time::Duration;

use signet_core::CoreError;

/// One client per gateway: rustls, 15 s per request (vendors answer in well under a second).
pub fn client() -> Result<reqwest::Client, crate::ConfigError> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .connect_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| crate::ConfigError(format!("HTTP client: {e}")))
}

/// A failed exchange with a vendor, for the log; users see the generic 500 wording.
pub fn failed(vendor: &str, what: impl std::fmt::Display) -> CoreError {
    CoreError::internal(format!("{vendor}: {what}"))
}

/// `host[:port]` of an endpoint URL, as the `Host` header carries it.
pub fn authority(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

pub fn parse_endpoint(text: &str) -> Result<reqwest::Url, crate::ConfigError> {
    let url = reqwest::Url::parse(text)
        .map_err(|e| crate::ConfigError(format!("endpoint {text}: {e}")))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
        return Err(crate::ConfigError(format!(
            "endpoint {text}: must be https (http only on loopback, for a local stand-in)"
        )));
    }
    Ok(url)
}
