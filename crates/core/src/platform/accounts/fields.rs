//! Account fields as types that can only be built by parsing: once you hold a `Phone`, it is a
//! valid mainland mobile number with spaces and dashes removed.

use crate::error::{CoreError, PlatformError};
use crate::platform::mask;

/// The multipart field that carries an avatar upload.
pub const AVATAR_FIELD: &str = "avatar";

fn invalid(field: &'static str, zh: &'static str, en: &'static str) -> CoreError {
    PlatformError::Invalid { field, zh, en }.into()
}

/// A mainland China mobile number: 11 digits starting 13–19. Spaces, dashes and a `+86` prefix
/// pasted with it are removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str, field: &'static str) -> Result<Self, CoreError> {
        let cleaned: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        let digits = cleaned.strip_prefix("+86").unwrap_or(&cleaned).to_owned();
        let bytes = digits.as_bytes();
        let valid = bytes.len() == 11
            && bytes.iter().all(u8::is_ascii_digit)
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1]);
        if valid {
            Ok(Self(digits))
        } else {
            Err(invalid(
                field,
                "请输入正确的 11 位手机号码",
                "Enter a valid 11-digit mobile number",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn masked(&self) -> String {
        mask::phone(&self.0)
    }
}

/// An email address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, CoreError> {
        let value = input.trim().to_lowercase();
        let ok = value.len() <= 254
            && value.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !value.chars().any(|c| c.is_whitespace() || c == ',')
                    && !domain.contains('@')
            });
        if ok {
            Ok(Self(value))
        } else {
            Err(invalid(
                "email",
                "请输入正确的邮箱地址",
                "Enter a valid email address",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 4–32 characters of letters, digits, `_`, `-`, `.`, starting with a letter. Compared without
/// regard to case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginName(String);

impl LoginName {
    pub fn parse(input: &str) -> Result<Self, CoreError> {
        let value = input.trim();
        let len = value.chars().count();
        let ok = (4..=32).contains(&len)
            && value
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(invalid(
                "login_name",
                "用户名须为 4–32 位字母、数字、下划线、短横线或点，且以字母开头",
                "The login name must be 4–32 letters, digits, _, - or ., starting with a letter",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

/// A person's real name as on their ID: 1–50 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealName(String);

impl RealName {
    pub fn parse(input: &str) -> Result<Self, CoreError> {
        let value = input.trim();
        let len = value.chars().count();
        if (1..=50).contains(&len) && !value.chars().any(char::is_control) {
            Ok(Self(value.to_owned()))
        } else {
            Err(invalid(
                "real_name",
                "请输入真实姓名",
                "Enter your real name",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password meeting the rule: 8–16 characters, at least three of upper case, lower case,
/// digits and symbols. Never trimmed: spaces are the user's choice.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    pub fn parse(input: &str, field: &'static str) -> Result<Self, CoreError> {
        let len = input.chars().count();
        let classes = [
            input.chars().any(|c| c.is_ascii_uppercase()),
            input.chars().any(|c| c.is_ascii_lowercase()),
            input.chars().any(|c| c.is_ascii_digit()),
            input.chars().any(|c| c.is_ascii_punctuation()),
        ]
        .iter()
        .filter(|present| **present)
        .count();
        if (8..=16).contains(&len) && classes >= 3 {
            Ok(Self(input.to_owned()))
        } else {
            Err(PlatformError::WeakPassword { field }.into())
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// What a user typed to identify themselves at login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    Phone(Phone),
    Email(Email),
    LoginName(String),
}

impl Identifier {
    pub fn parse(input: &str) -> Self {
        let value = input.trim();
        if value.contains('@') {
            if let Ok(email) = Email::parse(value) {
                return Self::Email(email);
            }
        } else if let Ok(phone) = Phone::parse(value, "identifier") {
            return Self::Phone(phone);
        }
        Self::LoginName(value.to_ascii_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalised_or_refused() {
        assert_eq!(
            Phone::parse(" 177 1234-7069", "phone").unwrap().as_str(),
            "17712347069"
        );
        assert_eq!(
            Phone::parse("+8617712347069", "phone").unwrap().as_str(),
            "17712347069"
        );
        for bad in [
            "1771234706",
            "27712347069",
            "12712347069",
            "1771234706x",
            "",
        ] {
            assert!(Phone::parse(bad, "phone").is_err(), "{bad}");
        }
    }

    #[test]
    fn password_rule_needs_three_classes_and_8_to_16_chars() {
        assert!(Password::parse("Abcdefg1", "password").is_ok());
        assert!(Password::parse("abcdef1!", "password").is_ok());
        assert!(
            Password::parse("abcdefg1", "password").is_err(),
            "two classes"
        );
        assert!(Password::parse("Ab1!", "password").is_err(), "too short");
        assert!(
            Password::parse("Abcdefghijklmn123", "password").is_err(),
            "17 chars"
        );
        assert!(Password::parse("ABCDEFGH", "password").is_err());
    }

    #[test]
    fn login_names_and_emails() {
        assert!(LoginName::parse("zhang_san").is_ok());
        assert!(LoginName::parse("1zhang").is_err());
        assert!(LoginName::parse("abc").is_err());
        assert!(LoginName::parse("张三丰丰").is_err());
        assert_eq!(
            Email::parse(" Zhang@Example.COM ").unwrap().as_str(),
            "zhang@example.com"
        );
        assert!(Email::parse("zhang@").is_err());
        assert!(Email::parse("zhang@example").is_err());
    }

    #[test]
    fn identifiers_are_classified() {
        assert!(matches!(
            Identifier::parse("17712347069"),
            Identifier::Phone(_)
        ));
        assert!(matches!(Identifier::parse("a@b.cn"), Identifier::Email(_)));
        assert_eq!(
            Identifier::parse("Zhang"),
            Identifier::LoginName("zhang".into())
        );
    }
}
