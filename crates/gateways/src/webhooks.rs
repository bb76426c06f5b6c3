//! The HTTP client of webhook deliveries (`signet-core`'s `WebhookSender`): rustls, 10 s per
//! request, no redirects, no proxy from the environment, and a DNS resolver that drops every
//! address the address rule refuses (`address_allowed`), so a name that resolves to a private
//! or loopback address (or starts to, after registration) is never connected to.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use signet_core::CoreError;
use signet_core::platform::providers::webhook::address_allowed;
use signet_core::platform::providers::{WebhookPost, WebhookSender};

/// How long one delivery may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Posts deliveries; `allow_loopback` in sandbox mode only.
pub struct HttpWebhooks {
    client: reqwest::Client,
    allow_loopback: bool,
}

impl HttpWebhooks {
    pub fn new(allow_loopback: bool) -> Result<Self, crate::ConfigError> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("Signet-Webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(Guarded { allow_loopback }))
            .build()
            .map_err(|e| crate::ConfigError(format!("webhook HTTP client: {e}")))?;
        Ok(Self {
            client,
            allow_loopback,
        })
    }
}

/// The system resolver, keeping only allowed addresses.
struct Guarded {
    allow_loopback: bool,
}

impl Resolve for Guarded {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(allowed_addresses(
            name.as_str().to_owned(),
            self.allow_loopback,
        ))
    }
}

async fn allowed_addresses(
    host: String,
    allow_loopback: bool,
) -> Result<Addrs, Box<dyn std::error::Error + Send + Sync>> {
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
        .await?
        .filter(|a| address_allowed(a.ip(), allow_loopback))
        .collect();
    if found.is_empty() {
        return Err(format!("{host} resolves to no public address").into());
    }
    Ok(Box::new(found.into_iter()))
}

fn refused(what: impl std::fmt::Display) -> CoreError {
    CoreError::internal(format!("refused: {what}"))
}

#[async_trait]
impl WebhookSender for HttpWebhooks {
    async fn post(&self, post: &WebhookPost) -> Result<u16, CoreError> {
        let url = reqwest::Url::parse(&post.url).map_err(|e| refused(format!("URL: {e}")))?;
        // Literal addresses never reach the resolver: check them here.
        let literal = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        if literal.is_some_and(|ip| !address_allowed(ip, self.allow_loopback)) {
            return Err(refused("a private or loopback address"));
        }
        let loopback =
            literal.is_some_and(|ip| ip.is_loopback()) || url.host_str() == Some("localhost");
        if url.scheme() != "https" && !(url.scheme() == "http" && self.allow_loopback && loopback) {
            return Err(refused("not https"));
        }
        let mut request = self.client.post(url).body(post.body.clone());
        for (name, value) in &post.headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.map_err(|e| {
            let kind = if e.is_timeout() {
                "timeout"
            } else if e.is_connect() {
                "connection failed"
            } else {
                "request failed"
            };
            CoreError::internal(format!("{kind}: {}", error_chain(&e)))
        })?;
        Ok(response.status().as_u16())
    }
}

/// The error and its sources on one line (reqwest's top message alone says little).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::{HttpWebhooks, WebhookPost, WebhookSender as _};

    fn post(url: &str) -> WebhookPost {
        WebhookPost {
            url: url.to_owned(),
            headers: vec![("Content-Type", "application/json".to_owned())],
            body: "{}".to_owned(),
        }
    }

    #[tokio::test]
    async fn production_refuses_loopback_private_and_plain_http_before_connecting() {
        let client = HttpWebhooks::new(false).unwrap();
        for url in [
            "http://127.0.0.1:9/hook",
            "https://127.0.0.1:9/hook",
            "https://10.0.0.1/hook",
            "https://[::1]:9/hook",
            "https://169.254.169.254/latest",
        ] {
            let error = client.post(&post(url)).await.unwrap_err().to_string();
            assert!(error.contains("refused"), "{url}: {error}");
        }
        // A name is resolved by the guarded resolver, which drops 127.0.0.1.
        let error = client
            .post(&post("https://localhost:9/hook"))
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("no public address"), "{error}");
    }

    #[tokio::test]
    async fn the_sandbox_reaches_loopback_but_not_private_networks() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let router = axum::Router::new().route(
            "/hook",
            axum::routing::post(|| async { axum::http::StatusCode::ACCEPTED }),
        );
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let client = HttpWebhooks::new(true).unwrap();
        assert_eq!(
            client
                .post(&post(&format!("http://{address}/hook")))
                .await
                .unwrap(),
            202
        );
        assert_eq!(
            client
                .post(&post(&format!("http://localhost:{}/hook", address.port())))
                .await
                .unwrap(),
            202
        );
        let error = client
            .post(&post("https://10.0.0.1/hook"))
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("refused"), "{error}");
    }
}
