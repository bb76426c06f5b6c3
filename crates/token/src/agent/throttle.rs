//! PIN tries through the agent, rationed per token, so that a page able to reach the agent
//! cannot use it to lock the holder's user PIN or brick the token by spending its SO PIN tries.
//!
//! Two rules, checked before a PIN reaches the token:
//! - at most [`USER_PIN_FAILURES`] wrong user PINs and [`SO_PIN_FAILURES`] wrong SO PIN per
//!   token in any [`WINDOW`]; past that the try is refused (`429 agent.pin_throttled`) without
//!   touching the token;
//! - a PIN is never tried when the token says one more wrong one locks it
//!   (`CKF_USER_PIN_FINAL_TRY`, `CKF_SO_PIN_FINAL_TRY`): `423 agent.pin_final_try`.
//!
//! A right PIN clears its failures, as the token's own counter does. The state lives in memory
//! under the lock that lets one PKCS#11 job run at a time, so parallel requests cannot race
//! past the count.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::error::AgentError;
use crate::error::TokenError;
use crate::module::TokenInfo;

/// How long a wrong PIN counts against its token.
pub const WINDOW: Duration = Duration::from_mins(15);
/// Wrong user PINs allowed per token in a [`WINDOW`].
pub const USER_PIN_FAILURES: usize = 3;
/// Wrong SO PINs allowed per token in a [`WINDOW`]: a locked SO PIN bricks most tokens.
pub const SO_PIN_FAILURES: usize = 1;

/// Which PIN a job presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum PinKind {
    User,
    So,
}

impl PinKind {
    fn allowed(self) -> usize {
        match self {
            Self::User => USER_PIN_FAILURES,
            Self::So => SO_PIN_FAILURES,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::User => "user PIN",
            Self::So => "SO PIN",
        }
    }

    /// Whether the token says the next wrong PIN of this kind locks it.
    fn final_try(self, info: &TokenInfo) -> bool {
        match self {
            Self::User => info.user_pin_final_try,
            Self::So => info.so_pin_final_try,
        }
    }

    /// Whether `error` is the token saying this PIN was wrong.
    fn wrong(self, error: &AgentError) -> bool {
        matches!(
            (self, error),
            (Self::User, AgentError::Token(TokenError::PinIncorrect))
                | (Self::So, AgentError::Token(TokenError::SoPinIncorrect))
        )
    }
}

/// Wrong PINs per token and kind, with when they were given.
#[derive(Debug, Default)]
pub(crate) struct Tries {
    failures: HashMap<(String, PinKind), Vec<Instant>>,
}

impl Tries {
    /// May a `kind` PIN be presented to the token `serial` (whose flags are `info`) at `now`?
    pub(crate) fn before(
        &mut self,
        serial: &str,
        kind: PinKind,
        info: &TokenInfo,
        now: Instant,
    ) -> Result<(), AgentError> {
        self.forget_old(now);
        if let Some(failures) = self.failures.get(&(serial.to_owned(), kind))
            && failures.len() >= kind.allowed()
        {
            let oldest = failures.iter().min().copied().unwrap_or(now);
            let wait = WINDOW.saturating_sub(now.saturating_duration_since(oldest));
            return Err(AgentError::PinThrottled {
                kind,
                retry_after: wait.as_secs().max(1),
            });
        }
        if kind.final_try(info) {
            return Err(AgentError::PinFinalTry(kind));
        }
        Ok(())
    }

    /// Record how a `kind` PIN presented to `serial` fared.
    pub(crate) fn after<T>(
        &mut self,
        serial: &str,
        kind: PinKind,
        outcome: &Result<T, AgentError>,
        now: Instant,
    ) {
        let key = (serial.to_owned(), kind);
        match outcome {
            Ok(_) => {
                self.failures.remove(&key);
            }
            Err(error) if kind.wrong(error) => self.failures.entry(key).or_default().push(now),
            Err(_) => {}
        }
    }

    fn forget_old(&mut self, now: Instant) {
        self.failures.retain(|_, failures| {
            failures.retain(|at| now.saturating_duration_since(*at) < WINDOW);
            !failures.is_empty()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> TokenInfo {
        TokenInfo::for_tests(4, 8)
    }

    fn wrong(kind: PinKind) -> Result<(), AgentError> {
        Err(match kind {
            PinKind::User => TokenError::PinIncorrect,
            PinKind::So => TokenError::SoPinIncorrect,
        }
        .into())
    }

    #[test]
    fn finding_15_wrong_pins_are_rationed_per_token_and_window() {
        let start = Instant::now();
        let mut tries = Tries::default();
        let info = info();
        for _ in 0..USER_PIN_FAILURES {
            tries.before("A", PinKind::User, &info, start).unwrap();
            tries.after("A", PinKind::User, &wrong(PinKind::User), start);
        }
        let refused = tries
            .before("A", PinKind::User, &info, start + Duration::from_mins(1))
            .unwrap_err();
        assert_eq!(refused.code(), "agent.pin_throttled");
        assert_eq!(refused.status(), 429);
        assert!(
            refused.message().contains("14 min"),
            "{}",
            refused.message()
        );
        // Another token, and the other PIN of the same token, are not affected.
        tries.before("B", PinKind::User, &info, start).unwrap();
        tries.before("A", PinKind::So, &info, start).unwrap();
        // Failures age out of the window.
        tries
            .before("A", PinKind::User, &info, start + WINDOW)
            .unwrap();

        // One wrong SO PIN is all a window allows.
        let mut tries = Tries::default();
        tries.after("A", PinKind::So, &wrong(PinKind::So), start);
        let refused = tries.before("A", PinKind::So, &info, start).unwrap_err();
        assert_eq!(refused.code(), "agent.pin_throttled");

        // A right PIN clears the failures; errors that are not a wrong PIN do not count.
        let mut tries = Tries::default();
        tries.after("A", PinKind::User, &wrong(PinKind::User), start);
        tries.after("A", PinKind::User, &wrong(PinKind::User), start);
        tries.after("A", PinKind::User, &Ok(()), start);
        for _ in 0..5 {
            let other: Result<(), AgentError> = Err(TokenError::PinRule("x".into()).into());
            tries.after("A", PinKind::User, &other, start);
            tries.after("A", PinKind::User, &wrong(PinKind::So), start);
        }
        tries.before("A", PinKind::User, &info, start).unwrap();
    }

    #[test]
    fn finding_15_the_try_that_would_lock_the_token_is_not_made() {
        let mut tries = Tries::default();
        let now = Instant::now();
        let mut last_user_try = info();
        last_user_try.user_pin_final_try = true;
        let refused = tries
            .before("A", PinKind::User, &last_user_try, now)
            .unwrap_err();
        assert_eq!(refused.code(), "agent.pin_final_try");
        assert_eq!(refused.status(), 423);
        tries.before("A", PinKind::So, &last_user_try, now).unwrap();
        let mut last_so_try = info();
        last_so_try.so_pin_final_try = true;
        let refused = tries
            .before("A", PinKind::So, &last_so_try, now)
            .unwrap_err();
        assert_eq!(refused.code(), "agent.pin_final_try");
        tries.before("A", PinKind::User, &last_so_try, now).unwrap();
    }
}
