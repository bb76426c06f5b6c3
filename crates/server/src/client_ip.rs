//! The client's address, worked out once per request: the TCP peer, or — only when the peer is
//! one of the configured trusted proxies — the address that proxy wrote into the configured
//! header. Rate limits, sessions and the audit log all read it from here.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

use crate::state::AppState;

/// Which peers may tell us the client's address, and in which header.
#[derive(Debug, Clone, Default)]
pub struct ClientAddress {
    /// `X-Forwarded-For` (the rightmost address not itself a trusted proxy is the client) or a
    /// single-address header such as `X-Real-IP`; `None`: the peer is the client.
    header: Option<HeaderName>,
    /// The proxies whose header is believed (addresses or CIDR ranges).
    trusted: Vec<IpNet>,
}

impl ClientAddress {
    /// From the settings: a header name and the trusted proxies (`10.0.0.5`, `10.0.0.0/8`,
    /// `::1`). A header without proxies, or proxies without a header, is refused: either would
    /// silently do nothing.
    pub fn new(header: Option<&str>, trusted: &[String]) -> Result<Self, String> {
        let header = header
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(|h| {
                HeaderName::try_from(h.to_ascii_lowercase())
                    .map_err(|_| format!("client_ip_header {h:?} is not a header name"))
            })
            .transpose()?;
        let trusted = trusted
            .iter()
            .map(|text| {
                let text = text.trim();
                text.parse::<IpNet>()
                    .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!("trusted_proxies: {text:?} is not an address or CIDR range")
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if header.is_some() && trusted.is_empty() {
            return Err(
                "client_ip_header needs trusted_proxies: the header is believed only \
                        from them"
                    .into(),
            );
        }
        if header.is_none() && !trusted.is_empty() {
            return Err(
                "trusted_proxies needs client_ip_header: the header they write the \
                        client's address in"
                    .into(),
            );
        }
        Ok(Self { header, trusted })
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request that came from `peer` with `headers`.
    pub fn resolve(&self, peer: IpAddr, headers: &axum::http::HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        let Some(header) = &self.header else {
            return peer;
        };
        if !self.trusts(peer) {
            // Anyone can send the header; only our proxies' word counts.
            return peer;
        }
        // Several headers of the name are one list, in order; each proxy appends on the right.
        let listed: Vec<IpAddr> = headers
            .get_all(header)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(parse_entry)
            .collect();
        // Walking from the right past our own proxies, the first other address is the client:
        // entries left of it were written by the client itself and prove nothing.
        listed
            .iter()
            .rev()
            .copied()
            .find(|ip| !self.trusts(*ip))
            .or_else(|| listed.first().copied())
            .unwrap_or(peer)
    }
}

/// One entry of a forwarding header: `203.0.113.7`, `[2001:db8::1]:443`, `203.0.113.7:51234`.
fn parse_entry(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(canonical(socket.ip()));
    }
    text.strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(ip, _)| ip.parse::<IpAddr>().ok())
        .map(canonical)
}

/// IPv4-mapped IPv6 addresses (a dual-stack listener) as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The request's client address, for every later layer and handler.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The key rate limits count under: the address, or an IPv6 client's /64 (one subscriber's
    /// allocation, which it can otherwise walk through freely).
    pub fn limit_key(self) -> IpAddr {
        match self.0 {
            IpAddr::V6(v6) => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
            IpAddr::V4(_) => self.0,
        }
    }
}

/// Works out the client address and files it in the request's extensions.
pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if let Some(peer) = peer {
        let client = state.config.client_address.resolve(peer, request.headers());
        request.extensions_mut().insert(ClientIp(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn finding_14_the_forwarded_address_counts_only_from_a_trusted_proxy() {
        let config = ClientAddress::new(
            Some("X-Forwarded-For"),
            &["10.0.0.0/8".into(), "::1".into()],
        )
        .unwrap();
        let proxy = ip("10.1.2.3");
        // The client forged an entry on the left; our proxy appended the real one.
        let forged = headers(&["1.2.3.4, 203.0.113.9"]);
        assert_eq!(config.resolve(proxy, &forged), ip("203.0.113.9"));
        // Two of our proxies in a row, and the header split over two lines.
        let chained = headers(&["198.51.100.7", "10.9.9.9"]);
        assert_eq!(config.resolve(proxy, &chained), ip("198.51.100.7"));
        assert_eq!(
            config.resolve(ip("::ffff:10.1.2.3"), &headers(&["[2001:db8::5]:443"])),
            ip("2001:db8::5")
        );
        // Anyone else sending the header is the client themselves.
        assert_eq!(
            config.resolve(ip("203.0.113.50"), &forged),
            ip("203.0.113.50")
        );
        // Without the setting the header means nothing.
        assert_eq!(ClientAddress::default().resolve(proxy, &forged), proxy);
        // A header with nothing usable: the proxy itself.
        assert_eq!(config.resolve(proxy, &headers(&["unknown"])), proxy);
    }

    #[test]
    fn finding_14_half_a_proxy_setting_is_refused() {
        assert!(ClientAddress::new(Some("X-Forwarded-For"), &[]).is_err());
        assert!(ClientAddress::new(None, &["10.0.0.1".into()]).is_err());
        assert!(ClientAddress::new(Some("X-Real-IP"), &["not an address".into()]).is_err());
        assert!(ClientAddress::new(Some("bad header"), &["10.0.0.1".into()]).is_err());
        assert!(ClientAddress::new(None, &[]).is_ok());
    }

    #[test]
    fn ipv6_clients_are_limited_per_64() {
        let a = ClientIp(ip("2001:db8:1:2:aaaa::1")).limit_key();
        let b = ClientIp(ip("2001:db8:1:2:bbbb::2")).limit_key();
        assert_eq!(a, b);
        assert_eq!(ClientIp(ip("192.0.2.1")).limit_key(), ip("192.0.2.1"));
    }
}
