//! Masking personal data for lists, responses and logs.

/// `17712347069` → `177****7069`.
pub fn phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 8 {
        return "****".to_owned();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// `zhangsan@example.com` → `zh***@example.com`.
pub fn email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let head: String = local.chars().take(2).collect();
            format!("{head}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

/// ID numbers, credit codes and account numbers: first 4 and last 4 kept,
/// `110101199003071234` → `1101**********1234`.
pub fn identifier(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < 10 {
        return "****".to_owned();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

/// Client addresses shown to someone else (the phone confirming a QR login): an IPv4 address
/// keeps its first two parts (`203.0.*.*`), an IPv6 address its first two groups (`2001:db8:*`).
pub fn ip(address: &str) -> String {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => {
            let [a, b, _, _] = v4.octets();
            format!("{a}.{b}.*.*")
        }
        Ok(std::net::IpAddr::V6(v6)) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                ip(&v4.to_string())
            } else {
                let [a, b, ..] = v6.segments();
                format!("{a:x}:{b:x}:*")
            }
        }
        Err(_) => "*".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn phones_and_emails_are_masked() {
        assert_eq!(super::phone("17712347069"), "177****7069");
        assert_eq!(super::phone("123"), "****");
        assert_eq!(super::email("zhangsan@example.com"), "zh***@example.com");
        assert_eq!(super::email("a@b.cn"), "a***@b.cn");
        assert_eq!(
            super::identifier("110101199003071234"),
            "1101**********1234"
        );
        assert_eq!(super::identifier("123"), "****");
    }

    #[test]
    fn addresses_are_masked() {
        assert_eq!(super::ip("203.0.113.9"), "203.0.*.*");
        assert_eq!(super::ip("2001:db8::1"), "2001:db8:*");
        assert_eq!(super::ip("::ffff:10.1.2.3"), "10.1.*.*");
        assert_eq!(super::ip(""), "*");
    }
}
