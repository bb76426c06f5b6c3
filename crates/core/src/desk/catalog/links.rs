//! Which catalog links may be published (issue 12, finding 10): a channel admin's `manual_url`
//! and `client_download_url` are rendered as links on the origin the key agent trusts, so only
//! https URLs and references on this site are accepted, never `javascript:`, `data:` and the
//! like, nor the spellings browsers fold into them (`java\tscript:`, `//host`, `/\host`).

use super::Help;
use crate::error::{CoreError, PlatformError};

/// Whether `url` may be an `href`: `https://` with a host and no credentials, or a reference
/// on this site (a path, `/help/agent`, or a relative `manual.pdf`). Empty is no link at all.
pub fn is_safe_link(url: &str) -> bool {
    if url.is_empty()
        || url
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        || url.starts_with("//")
    {
        return false;
    }
    // A scheme is what comes before the first `:` when no `/`, `?` or `#` comes earlier.
    match url.find([':', '/', '?', '#']) {
        Some(at) if url[at..].starts_with(':') => {
            url[..at].eq_ignore_ascii_case("https") && https_authority_ok(&url[at + 1..])
        }
        _ => true,
    }
}

/// `//host[:port]` and the rest of an https URL: a host name or IP literal, no `user@`.
fn https_authority_ok(rest: &str) -> bool {
    let Some(rest) = rest.strip_prefix("//") else {
        return false;
    };
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    if authority.contains('@') {
        return false;
    }
    let (host, port) = if let Some(literal) = authority.strip_prefix('[') {
        let Some((inside, after)) = literal.split_once(']') else {
            return false;
        };
        if inside.is_empty() || !inside.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return false;
        }
        (inside, after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':'));
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

impl Help {
    /// Refuses a help text whose links are neither https nor on this site.
    pub(super) fn check_links(&self) -> Result<(), CoreError> {
        for (field, url) in [
            ("help.manual_url", &self.manual_url),
            ("help.client_download_url", &self.client_download_url),
        ] {
            if !url.is_empty() && !is_safe_link(url) {
                return Err(PlatformError::Invalid {
                    field,
                    zh: "链接须以 https:// 开头，或为本站地址（如 /help/manual.pdf）",
                    en: "Links must be https:// URLs or addresses on this site (such as /help/manual.pdf)",
                }.into());
            }
        }
        Ok(())
    }

    /// The help with unsafe links blanked: rows saved before links were checked are never
    /// published as they are.
    pub(super) fn without_unsafe_links(mut self) -> Self {
        for url in [&mut self.manual_url, &mut self.client_download_url] {
            if !is_safe_link(url) {
                url.clear();
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::is_safe_link;

    #[test]
    fn https_and_site_links_pass() {
        for url in [
            "https://ca.example.com/manual.pdf?v=2#p1",
            "HTTPS://CA.EXAMPLE.COM",
            "https://ca.example.com:8443/x",
            "https://[2001:db8::1]/x",
            "/help/signet-agent",
            "manual.pdf",
            "/a:b",
            "?download=1",
        ] {
            assert!(is_safe_link(url), "{url}");
        }
    }

    #[test]
    fn everything_else_is_refused() {
        for url in [
            "",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "\u{0}javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "http://ca.example.com/manual.pdf",
            "//evil.example/x",
            "/\\evil.example/x",
            "https://",
            "https:evil.example",
            "https://user:secret@evil.example/",
            "https://evil.example:/x",
            "https://ev il.example/",
            "https://evil%2eexample/",
        ] {
            assert!(!is_safe_link(url), "{url:?}");
        }
    }
}
