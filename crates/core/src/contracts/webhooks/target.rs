//! Where an endpoint may point (checked when it is registered; the poster checks the address
//! again at every delivery, after its own DNS lookup, so a name that later resolves elsewhere
//! is still refused): `https://` to a public address; in sandbox mode also `http://` or
//! `https://` to `127.0.0.1`, `[::1]` or `localhost`, for a receiver on the same machine.

use std::time::Duration;

use url::{Host, Url};

use crate::error::{CoreError, PlatformError};
use crate::platform::providers::webhook::address_allowed;

/// The longest URL accepted.
pub const MAX_URL: usize = 2000;

fn invalid(zh: &'static str, en: &'static str) -> CoreError {
    PlatformError::Invalid {
        field: "url",
        zh,
        en,
    }
    .into()
}

/// The endpoint URL as stored, or why it is refused. `sandbox` allows loopback receivers.
pub async fn check(text: &str, sandbox: bool) -> Result<String, CoreError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid("请填写接收地址", "Enter the endpoint URL"));
    }
    if text.chars().count() > MAX_URL {
        return Err(invalid(
            "接收地址过长（最多 2000 个字符）",
            "The endpoint URL is too long (at most 2000 characters)",
        ));
    }
    let url = Url::parse(text).map_err(|_| {
        invalid(
            "接收地址不是有效的网址，例如 https://example.com/signet/webhook",
            "The endpoint URL is not a valid URL, e.g. https://example.com/signet/webhook",
        )
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "接收地址不能包含用户名或密码，请用签名校验请求来源",
            "The endpoint URL must not carry a user name or password; verify the signature instead",
        ));
    }
    if url.fragment().is_some() {
        return Err(invalid(
            "接收地址不能包含 # 片段",
            "The endpoint URL must not carry a # fragment",
        ));
    }
    let loopback_name = |name: &str| {
        let name = name.to_ascii_lowercase();
        name == "localhost" || name.ends_with(".localhost")
    };
    let loopback = match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => loopback_name(name),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if sandbox && loopback => {}
        "http" => {
            return Err(invalid(
                "接收地址必须使用 HTTPS（http 仅在沙箱模式下用于本机地址）",
                "The endpoint URL must use HTTPS (http only for this machine, in sandbox mode)",
            ));
        }
        _ => {
            return Err(invalid(
                "接收地址必须以 https:// 开头",
                "The endpoint URL must start with https://",
            ));
        }
    }
    let refused = || {
        invalid(
            "接收地址指向本机、内网或保留地址，不能接收推送",
            "The endpoint URL points to this machine, a private network or a reserved address",
        )
    };
    match url.host() {
        Some(Host::Ipv4(ip)) if !address_allowed(ip.into(), sandbox) => return Err(refused()),
        Some(Host::Ipv6(ip)) if !address_allowed(ip.into(), sandbox) => return Err(refused()),
        Some(Host::Domain(name)) if loopback_name(name) && !sandbox => return Err(refused()),
        Some(Host::Domain(name)) if loopback_name(name) => {}
        Some(Host::Domain(name)) => {
            let port = url.port_or_known_default().unwrap_or(443);
            let lookup = tokio::time::timeout(
                Duration::from_secs(5),
                tokio::net::lookup_host((name.to_owned(), port)),
            )
            .await;
            match lookup {
                Ok(Ok(addresses)) => {
                    let addresses: Vec<_> = addresses.collect();
                    if addresses.is_empty() && !sandbox {
                        return Err(unresolved());
                    }
                    if addresses.iter().any(|a| !address_allowed(a.ip(), sandbox)) {
                        return Err(refused());
                    }
                }
                // An offline sandbox may still register a name; deliveries will show the error.
                _ if sandbox => {}
                _ => return Err(unresolved()),
            }
        }
        None => {
            return Err(invalid(
                "接收地址缺少主机名",
                "The endpoint URL has no host",
            ));
        }
        _ => {}
    }
    Ok(url.to_string())
}

fn unresolved() -> CoreError {
    invalid(
        "接收地址的域名无法解析，请检查拼写或 DNS 设置",
        "The endpoint's host name does not resolve; check its spelling or DNS",
    )
}

#[cfg(test)]
mod tests {
    use super::check;

    async fn refused(url: &str, sandbox: bool) -> String {
        match check(url, sandbox).await {
            Err(crate::CoreError::Platform(crate::PlatformError::Invalid {
                field, en, ..
            })) => {
                assert_eq!(field, "url");
                en.to_owned()
            }
            other => panic!("{url} (sandbox {sandbox}): {other:?}"),
        }
    }

    #[tokio::test]
    async fn production_takes_https_to_public_addresses_only() {
        assert_eq!(
            check("https://93.184.216.34/hook", false).await.unwrap(),
            "https://93.184.216.34/hook"
        );
        for url in [
            "http://93.184.216.34/hook",
            "http://127.0.0.1:8080/hook",
            "https://127.0.0.1/hook",
            "https://localhost/hook",
            "https://api.localhost/hook",
            "https://10.0.0.5/hook",
            "https://192.168.1.1/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hook",
            "https://[fd00::1]/hook",
            "https://[::ffff:10.0.0.1]/hook",
        ] {
            let why = refused(url, false).await;
            assert!(
                why.contains("HTTPS") || why.contains("private"),
                "{url}: {why}"
            );
        }
    }

    #[tokio::test]
    async fn the_sandbox_adds_loopback_and_nothing_else() {
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://localhost:9000/hook",
            "https://[::1]:9000/hook",
        ] {
            assert!(check(url, true).await.is_ok(), "{url}");
        }
        for url in [
            "http://93.184.216.34/hook",
            "https://10.0.0.5/hook",
            "https://192.168.0.10/hook",
        ] {
            refused(url, true).await;
        }
    }

    #[tokio::test]
    async fn malformed_urls_are_refused_with_their_reason() {
        for (url, reason) in [
            ("", "Enter"),
            ("not a url", "not a valid URL"),
            ("ftp://93.184.216.34/x", "https://"),
            ("file:///etc/passwd", "https://"),
            ("https://user:pw@93.184.216.34/x", "user name"),
            ("https://93.184.216.34/x#frag", "fragment"),
        ] {
            let why = refused(url, false).await;
            assert!(why.contains(reason), "{url}: {why}");
        }
        let long = format!("https://93.184.216.34/{}", "a".repeat(2000));
        assert!(refused(&long, false).await.contains("too long"));
    }
}
