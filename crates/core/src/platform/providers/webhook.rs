//! Posting webhook deliveries to the endpoints enterprises registered, and the address rule the
//! registration and the poster both apply: webhooks go to public addresses only (no loopback,
//! private, link-local or otherwise special address), so an endpoint cannot make the server
//! reach into its own network (SSRF). The sandbox also allows loopback, for a local receiver.
//!
//! The HTTP client lives outside `signet-core` (`signet-gateways`, ADR 0011 and 0018); the core
//! builds the signed request and records what came back.

use std::net::{IpAddr, Ipv4Addr};

use async_trait::async_trait;

use crate::error::CoreError;

/// One POST of a delivery: the URL, the headers (`Signet-Event`, `Signet-Delivery`,
/// `Signet-Timestamp`, `Signet-Signature`) and the exact JSON body the signature covers.
#[derive(Debug, Clone)]
pub struct WebhookPost {
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

#[async_trait]
pub trait WebhookSender: Send + Sync {
    /// Sends the POST without following redirects. `Ok(status)` when the endpoint answered
    /// (whatever the status), an error when it did not (address refused, DNS, connection,
    /// timeout); the error's text is what the attempt records.
    async fn post(&self, post: &WebhookPost) -> Result<u16, CoreError>;

    /// Whether deliveries can go out at all.
    fn configured(&self) -> bool {
        true
    }
}

/// Whether a webhook may be sent to `ip`: a public unicast address, or loopback when
/// `allow_loopback` (sandbox mode). IPv4 inside IPv6 (mapped, NAT64) is judged as IPv4.
pub fn address_allowed(ip: IpAddr, allow_loopback: bool) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_allowed(v4, allow_loopback),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return v4_allowed(v4, allow_loopback);
            }
            let segments = v6.segments();
            // 64:ff9b::/96 (NAT64) carries an IPv4 address in its last 32 bits.
            if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let octets = v6.octets();
                return v4_allowed(
                    Ipv4Addr::new(octets[12], octets[13], octets[14], octets[15]),
                    allow_loopback,
                );
            }
            if v6.is_loopback() {
                return allow_loopback;
            }
            !(v6.is_unspecified()
                || v6.is_multicast()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
                // fec0::/10, the deprecated site-local range.
                || segments[0] & 0xffc0 == 0xfec0
                // 2001:db8::/32, documentation.
                || (segments[0] == 0x2001 && segments[1] == 0x0db8)
                // ::/96, the old IPv4-compatible form.
                || segments[..6] == [0; 6])
        }
    }
}

fn v4_allowed(ip: Ipv4Addr, allow_loopback: bool) -> bool {
    if ip.is_loopback() {
        return allow_loopback;
    }
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        // 0.0.0.0/8 "this network".
        || a == 0
        // 100.64.0.0/10, carrier-grade NAT.
        || (a == 100 && (64..128).contains(&b))
        // 192.0.0.0/24, protocol assignments.
        || (a == 192 && b == 0 && c == 0)
        // 198.18.0.0/15, benchmarking.
        || (a == 198 && (b == 18 || b == 19))
        // 240.0.0.0/4, reserved.
        || a >= 240)
}

#[cfg(test)]
mod tests {
    use super::address_allowed;

    fn allowed(text: &str, loopback: bool) -> bool {
        address_allowed(text.parse().unwrap(), loopback)
    }

    #[test]
    fn public_addresses_pass_and_special_ones_do_not() {
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"] {
            assert!(allowed(public, false), "{public}");
        }
        for special in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(!allowed(special, false), "{special}");
        }
    }

    #[test]
    fn loopback_only_in_the_sandbox() {
        assert!(allowed("127.0.0.1", true));
        assert!(allowed("::1", true));
        assert!(allowed("::ffff:127.0.0.1", true));
        assert!(!allowed("10.0.0.1", true));
        assert!(!allowed("169.254.169.254", true));
    }
}
