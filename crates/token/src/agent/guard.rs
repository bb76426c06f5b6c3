//! Who may talk to the agent: loopback `Host`s, the platform's `Origin`, and its CORS
//! preflights (with Chrome's Private Network Access).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_METHOD, CACHE_CONTROL, HOST, ORIGIN, VARY,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::AgentError;
use crate::error::TokenError;

/// Chrome's Private Network Access asks with this in a preflight…
const REQUEST_PRIVATE_NETWORK: &str = "access-control-request-private-network";
/// …and goes ahead only if the answer carries this.
const ALLOW_PRIVATE_NETWORK: &str = "access-control-allow-private-network";
/// Set by browsers on every request: where it comes from relative to its target.
const SEC_FETCH_SITE: &str = "sec-fetch-site";

/// Methods the platform's pages use.
const ALLOWED_METHODS: &str = "GET, POST, DELETE";
/// Request headers the platform's pages send.
const ALLOWED_HEADERS: &str = "content-type";
/// How long a browser may keep a preflight's answer (seconds).
const PREFLIGHT_MAX_AGE: &str = "600";

/// The checked listen address and allowed origin.
#[derive(Debug)]
pub(crate) struct Policy {
    allowed_origin: HeaderValue,
}

impl Policy {
    pub(crate) fn new(listen: SocketAddr, allowed_origin: &str) -> Result<Self, TokenError> {
        if !is_loopback(listen.ip()) {
            return Err(TokenError::AgentNotLoopback(listen));
        }
        let origin = check_origin(allowed_origin)?;
        let allowed_origin = HeaderValue::from_str(&origin)
            .map_err(|_| TokenError::AgentOrigin(allowed_origin.to_owned()))?;
        Ok(Self { allowed_origin })
    }
}

/// 127.0.0.0/8 or `::1` (also written as `::ffff:127.x.y.z`).
pub(crate) fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// The platform's origin as browsers send it, if the agent may serve it: `https://…`, or plain
/// `http://` on loopback only (a development platform on this machine). Over plain http to
/// another machine anyone on the network could serve pages as the platform, and the agent
/// would take their orders (and, for an unlock, hand them a redeemer).
pub fn check_origin(text: &str) -> Result<String, TokenError> {
    let refused = || TokenError::AgentOrigin(text.to_owned());
    let origin = normalise_origin(text).ok_or_else(refused)?;
    match origin.strip_prefix("http://") {
        Some(authority) if !host_is_loopback(authority) => Err(refused()),
        _ => Ok(origin),
    }
}

/// `scheme://host[:port]` as a browser serialises it (lower case, no trailing slash), or
/// `None` if `text` is not an http(s) origin.
fn normalise_origin(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches('/');
    let (scheme, authority) = text.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = authority.to_ascii_lowercase();
    let bad = |c: char| "/?#@*\\".contains(c) || c.is_whitespace() || c.is_control();
    if !matches!(scheme.as_str(), "http" | "https")
        || authority.is_empty()
        || !authority.is_ascii()
        || authority.contains(bad)
    {
        return None;
    }
    // Browsers leave the scheme's default port out of the Origin they send.
    let default_port = if scheme == "http" { ":80" } else { ":443" };
    let authority = authority.strip_suffix(default_port).unwrap_or(&authority);
    Some(format!("{scheme}://{authority}"))
}

/// Whether a `Host` value names this machine's loopback: `127.x.y.z`, `[::1]` or `localhost`,
/// with or without a port. Anything else is a name an attacker's DNS may point here.
pub(crate) fn host_is_loopback(host: &str) -> bool {
    let port_ok = |port: &str| port.is_empty() || port.parse::<u16>().is_ok();
    if let Some(rest) = host.strip_prefix('[') {
        let Some((ip, after)) = rest.split_once(']') else {
            return false;
        };
        let port = if after.is_empty() {
            ""
        } else if let Some(port) = after.strip_prefix(':').filter(|p| !p.is_empty()) {
            port
        } else {
            return false;
        };
        return port_ok(port)
            && ip
                .parse::<Ipv6Addr>()
                .is_ok_and(|ip| is_loopback(ip.into()));
    }
    let (name, port) = match host.split_once(':') {
        Some((_, "")) => return false,
        Some((name, port)) => (name, port),
        None => (host, ""),
    };
    port_ok(port)
        && (name.eq_ignore_ascii_case("localhost")
            || name.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback()))
}

/// The middleware in front of every route.
pub(crate) async fn guard(
    State(policy): State<Arc<Policy>>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let host = headers
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(ToString::to_string));
    match host {
        Some(host) if host_is_loopback(&host) => {}
        other => {
            let host = other.unwrap_or_default();
            tracing::warn!(host, "refused a request addressed to a non-loopback host");
            return refuse(AgentError::HostRefused(host));
        }
    }
    let from_platform = match headers.get(ORIGIN) {
        None => false,
        Some(origin) if *origin == policy.allowed_origin => true,
        Some(origin) => {
            let origin = String::from_utf8_lossy(origin.as_bytes()).into_owned();
            tracing::warn!(origin, "refused a request from another origin");
            return refuse(AgentError::OriginRefused(origin));
        }
    };
    // The hello page is framed by the platform's pages (a navigation carries no Origin); it
    // answers only a `postMessage` to the platform's origin and may be framed by it alone.
    let hello = request.method() == Method::GET && request.uri().path() == super::hello::PATH;
    if !from_platform
        && !hello
        && let Some(site) = cross_site(headers)
    {
        tracing::warn!(site, "refused a cross-site request without an Origin");
        return refuse(AgentError::CrossSite(site));
    }
    if from_platform
        && request.method() == Method::OPTIONS
        && headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD)
    {
        return preflight(&policy, headers);
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if from_platform {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, policy.allowed_origin.clone());
    }
    common_headers(headers);
    response
}

/// A browser's `Sec-Fetch-Site` when it says the request comes from another site.
fn cross_site(headers: &HeaderMap) -> Option<String> {
    let site = headers.get(SEC_FETCH_SITE)?.to_str().ok()?;
    matches!(site, "cross-site" | "same-site").then(|| site.to_owned())
}

/// Answer a CORS preflight from the platform.
fn preflight(policy: &Policy, request: &HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, policy.allowed_origin.clone());
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOWED_METHODS),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOWED_HEADERS),
    );
    headers.insert(
        ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(PREFLIGHT_MAX_AGE),
    );
    let private_network = request
        .get(REQUEST_PRIVATE_NETWORK)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"true"));
    if private_network {
        headers.insert(
            HeaderName::from_static(ALLOW_PRIVATE_NETWORK),
            HeaderValue::from_static("true"),
        );
    }
    common_headers(headers);
    response
}

fn refuse(error: AgentError) -> Response {
    let mut response = error.into_response();
    common_headers(response.headers_mut());
    response
}

/// On every answer: it depends on the Origin, must not be cached, and is what it says it is.
fn common_headers(headers: &mut HeaderMap) {
    headers.insert(VARY, HeaderValue::from_static("origin"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_hosts_pass() {
        for good in [
            "127.0.0.1",
            "127.0.0.1:54321",
            "127.1.2.3:80",
            "localhost",
            "LOCALHOST:8080",
            "[::1]",
            "[::1]:54321",
        ] {
            assert!(host_is_loopback(good), "{good}");
        }
        for bad in [
            "",
            "evil.example",
            "evil.example:54321",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
            "10.0.0.1:80",
            "0.0.0.0:80",
            "[::]:80",
            "[::1",
            "[::1]x",
            "[::1]:",
            "127.0.0.1:",
            "127.0.0.1:99999",
            "127.0.0.1:80:80",
            "127.1",
        ] {
            assert!(!host_is_loopback(bad), "{bad}");
        }
    }

    #[test]
    fn only_loopback_listen_addresses_and_real_origins_are_accepted() {
        let origin = "http://127.0.0.1:8080";
        for good in ["127.0.0.1:0", "[::1]:7000", "127.0.0.2:1"] {
            assert!(Policy::new(good.parse().unwrap(), origin).is_ok(), "{good}");
        }
        for bad in ["0.0.0.0:0", "[::]:0", "192.168.1.10:7000", "[fe80::1]:1"] {
            let error = Policy::new(bad.parse().unwrap(), origin).unwrap_err();
            assert_eq!(error.code(), "agent.not_loopback", "{bad}");
        }
        assert_eq!(
            normalise_origin("HTTPS://Sign.Example.com/").as_deref(),
            Some("https://sign.example.com")
        );
        assert_eq!(
            normalise_origin("https://sign.example.com:443").as_deref(),
            Some("https://sign.example.com")
        );
        assert_eq!(
            normalise_origin("http://127.0.0.1:80").as_deref(),
            Some("http://127.0.0.1")
        );
        assert_eq!(
            normalise_origin("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        for bad in [
            "*",
            "null",
            "",
            "127.0.0.1:8080",
            "ftp://x",
            "http://",
            "http://a/b",
        ] {
            assert!(normalise_origin(bad).is_none(), "{bad}");
            let error = Policy::new("127.0.0.1:0".parse().unwrap(), bad).unwrap_err();
            assert_eq!(error.code(), "agent.invalid_origin", "{bad}");
        }
    }

    #[test]
    fn finding_15_the_platform_is_https_unless_it_is_on_this_machine() {
        for good in [
            "https://sign.example.com",
            "https://sign.example.com:8443",
            "https://127.0.0.1:8443",
            "http://127.0.0.1:8080",
            "http://localhost:5173",
            "http://[::1]:8080",
        ] {
            assert!(check_origin(good).is_ok(), "{good}");
        }
        for bad in [
            "http://sign.example.com",
            "http://sign.example.com:80",
            "http://10.0.0.5:8080",
            "http://0.0.0.0:8080",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example:8080",
        ] {
            let error = check_origin(bad).unwrap_err();
            assert_eq!(error.code(), "agent.invalid_origin", "{bad}");
            assert!(error.to_string().contains("https://"), "{error}");
        }
    }
}
