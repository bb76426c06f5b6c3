//! PINs: the rule a new PIN must follow, and changing or unlocking the user PIN.

use cryptoki::error::{Error as CryptokiError, RvError};
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;

use crate::error::{Result, TokenError, p11};
use crate::module::TokenInfo;
use crate::token::Token;

/// What a new user PIN must look like, checked before the token sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinRule {
    min_length: usize,
    max_length: usize,
    digits_only: bool,
}

/// A PIN that passed a [`PinRule`]; the only form the PIN-setting calls take.
pub struct NewPin(AuthPin);

impl std::fmt::Debug for NewPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPin(..)")
    }
}

impl NewPin {
    pub(crate) fn secret(&self) -> &AuthPin {
        &self.0
    }
}

impl PinRule {
    /// 1 to 8 digits: what the CAs' unlock pages ask for (seed 003 §4, "请输入 1-8 位数字").
    /// Narrow it with [`PinRule::within`]: many tokens want at least 4 or 6.
    pub const DIGITS_1_TO_8: Self = Self {
        min_length: 1,
        max_length: 8,
        digits_only: true,
    };

    /// A rule of `min_length..=max_length` bytes, digits only or any characters.
    pub fn new(min_length: usize, max_length: usize, digits_only: bool) -> Result<Self> {
        if min_length == 0 || min_length > max_length {
            return Err(TokenError::PinRule(format!(
                "a PIN rule of {min_length} to {max_length} characters admits no PIN"
            )));
        }
        Ok(Self {
            min_length,
            max_length,
            digits_only,
        })
    }

    /// Shortest PIN allowed.
    pub fn min_length(self) -> usize {
        self.min_length
    }

    /// Longest PIN allowed.
    pub fn max_length(self) -> usize {
        self.max_length
    }

    /// Whether only the digits 0–9 are allowed.
    pub fn digits_only(self) -> bool {
        self.digits_only
    }

    /// This rule narrowed to the PIN lengths `token` accepts.
    #[must_use]
    pub fn within(self, token: &TokenInfo) -> Self {
        // Some modules report 0 for a limit they do not know.
        let token_max = if token.max_pin_length == 0 {
            usize::MAX
        } else {
            token.max_pin_length
        };
        Self {
            min_length: self.min_length.max(token.min_pin_length),
            max_length: self.max_length.min(token_max),
            digits_only: self.digits_only,
        }
    }

    /// Accept `pin` as a new PIN if it follows the rule.
    pub fn check(self, pin: &str) -> Result<NewPin> {
        if self.min_length > self.max_length {
            return Err(TokenError::PinRule(format!(
                "the PIN rule and the token's limits leave no length between {} and {}",
                self.min_length, self.max_length
            )));
        }
        let what = if self.digits_only {
            "digits"
        } else {
            "characters"
        };
        let advice = if self.min_length == self.max_length {
            format!("use exactly {} {what}", self.min_length)
        } else {
            format!("use {} to {} {what}", self.min_length, self.max_length)
        };
        if self.digits_only && !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TokenError::PinRule(format!(
                "only digits are allowed: {advice}"
            )));
        }
        if pin.chars().any(char::is_control) {
            return Err(TokenError::PinRule(format!(
                "control characters are not allowed: {advice}"
            )));
        }
        // PKCS#11 counts PIN length in bytes.
        if pin.len() < self.min_length || pin.len() > self.max_length {
            return Err(TokenError::PinRule(advice));
        }
        Ok(NewPin(AuthPin::from(pin)))
    }
}

/// Map a failure to set a PIN, naming the token's length limits when it refused the length.
pub(crate) fn pin_set_error(error: CryptokiError, token: &TokenInfo) -> TokenError {
    match error {
        CryptokiError::Pkcs11(RvError::PinLenRange, _) => TokenError::PinLength {
            min: token.min_pin_length,
            max: token.max_pin_length,
        },
        other => p11(other),
    }
}

impl Token {
    /// Change the user PIN (`C_SetPIN`); the old PIN must be right.
    pub fn change_user_pin(&self, old: &str, new: &NewPin) -> Result<()> {
        let info = self.info()?;
        if info.user_pin_locked {
            return Err(TokenError::PinLocked);
        }
        self.session()
            .set_pin(&AuthPin::from(old), new.secret())
            .map_err(|e| pin_set_error(e, &info))
    }

    /// Set a new user PIN with the SO PIN (`C_InitPIN` as SO), which also unlocks a locked
    /// user PIN. The user is logged out afterwards: log in with the new PIN.
    pub fn unlock_user_pin(&self, so_pin: &str, new: &NewPin) -> Result<()> {
        let info = self.info()?;
        let session = self.session();
        // Login state is per token, not per session: the SO cannot log in while the user is.
        match session.logout() {
            Ok(()) | Err(CryptokiError::Pkcs11(RvError::UserNotLoggedIn, _)) => {}
            Err(error) => return Err(p11(error)),
        }
        session
            .login(UserType::So, Some(&AuthPin::from(so_pin)))
            .map_err(TokenError::from_so_login)?;
        let result = session
            .init_pin(new.secret())
            .map_err(|e| pin_set_error(e, &info));
        let logout = session.logout().map_err(p11);
        result.and(logout)
    }

    /// Unlock with the SO PIN and replace it, in one SO session: set a new user PIN
    /// (`C_InitPIN`), then the new SO PIN (`C_SetPIN` as SO). An SO PIN handed out for one
    /// unlock is worthless afterwards. If the user PIN was set but the SO PIN could not be, the
    /// old SO PIN stays and the error says so.
    pub fn unlock_and_replace_so_pin(
        &self,
        so_pin: &str,
        new_so_pin: &NewPin,
        new_user_pin: &NewPin,
    ) -> Result<()> {
        let info = self.info()?;
        let session = self.session();
        match session.logout() {
            Ok(()) | Err(CryptokiError::Pkcs11(RvError::UserNotLoggedIn, _)) => {}
            Err(error) => return Err(p11(error)),
        }
        let current = AuthPin::from(so_pin);
        session
            .login(UserType::So, Some(&current))
            .map_err(TokenError::from_so_login)?;
        let result = session
            .init_pin(new_user_pin.secret())
            .and_then(|()| session.set_pin(&current, new_so_pin.secret()))
            .map_err(|e| pin_set_error(e, &info));
        let logout = session.logout().map_err(p11);
        result.and(logout)
    }

    /// Change the SO PIN (`C_SetPIN` as SO); the old SO PIN must be right.
    pub fn change_so_pin(&self, old: &str, new: &NewPin) -> Result<()> {
        let info = self.info()?;
        let session = self.session();
        match session.logout() {
            Ok(()) | Err(CryptokiError::Pkcs11(RvError::UserNotLoggedIn, _)) => {}
            Err(error) => return Err(p11(error)),
        }
        let old = AuthPin::from(old);
        session
            .login(UserType::So, Some(&old))
            .map_err(TokenError::from_so_login)?;
        let result = session
            .set_pin(&old, new.secret())
            .map_err(|e| pin_set_error(e, &info));
        let logout = session.logout().map_err(p11);
        result.and(logout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(min: usize, max: usize) -> TokenInfo {
        TokenInfo::for_tests(min, max)
    }

    #[test]
    fn seed_rule_takes_one_to_eight_digits() {
        let rule = PinRule::DIGITS_1_TO_8;
        assert!(rule.check("1").is_ok());
        assert!(rule.check("12345678").is_ok());
        for bad in ["", "123456789", "12a4", "１２３", "12 4"] {
            let error = rule.check(bad).unwrap_err();
            assert_eq!(error.code(), "token.pin_rule", "{bad}");
        }
        assert!(
            rule.check("abc")
                .unwrap_err()
                .to_string()
                .contains("use 1 to 8 digits")
        );
    }

    #[test]
    fn rule_narrows_to_the_token() {
        let rule = PinRule::DIGITS_1_TO_8.within(&token(4, 255));
        assert_eq!((rule.min_length(), rule.max_length()), (4, 8));
        assert!(rule.check("123").is_err());
        assert!(rule.check("1234").is_ok());
        let unknown = PinRule::DIGITS_1_TO_8.within(&token(0, 0));
        assert_eq!(unknown.max_length(), 8);
        let impossible = PinRule::DIGITS_1_TO_8.within(&token(10, 16));
        assert!(impossible.check("1234567890").is_err());
        assert!(PinRule::new(0, 8, true).is_err());
        assert!(PinRule::new(6, 4, true).is_err());
        let any = PinRule::new(4, 16, false).unwrap();
        assert!(any.check("pass word").is_ok());
        assert!(!any.digits_only());
    }

    #[test]
    fn new_pin_does_not_print() {
        let pin = PinRule::DIGITS_1_TO_8.check("1234").unwrap();
        assert_eq!(format!("{pin:?}"), "NewPin(..)");
    }
}
