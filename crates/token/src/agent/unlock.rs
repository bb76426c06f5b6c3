//! Unlocking with an unlock code from the platform, without the page ever seeing a PIN
//! (finding 7).
//!
//! 1. `POST /v1/tokens/{serial}/unlock-redeemer`: the agent makes a random secret, keeps it for
//!    [`REDEEMER_LIFETIME`], and gives the page only its SHA-256, the *redeemer*; the page
//!    passes it to the platform, which binds the unlock code it issues to it.
//! 2. `POST /v1/tokens/{serial}/unlock` with `{unlock_code, new_pin}`: the agent redeems the
//!    code itself at the platform with the secret and a new SO PIN of its own making, gets the
//!    current SO PIN, sets the new user PIN and the new SO PIN on the token in one SO session,
//!    and confirms to the platform, which then keeps the new SO PIN. Neither SO PIN leaves the
//!    agent; the answer to the page is whether it worked.
//!
//! If the platform cannot be told (the confirmation fails after retries), the agent puts the
//! old SO PIN back so that the platform's copy stays right.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use super::Shared;
use super::error::AgentError;
use super::throttle::PinKind;
use super::wire::Params;
use crate::module::TokenInfo;
use crate::pin::PinRule;
use crate::token::Token;

/// How long the agent keeps a redeemer's secret.
pub const REDEEMER_LIFETIME: Duration = Duration::from_mins(30);
/// Digits of the SO PIN the agent sets, when the token allows that many.
const SO_PIN_DIGITS: usize = 16;
/// How long one call to the platform may take.
pub(crate) const PLATFORM_TIMEOUT: Duration = Duration::from_secs(20);
/// Tries to confirm before the agent gives up and puts the old SO PIN back.
const CONFIRM_TRIES: u32 = 3;

/// Redeemer secrets, one per token (a new one replaces the old), with when each was made.
#[derive(Debug, Default)]
pub(crate) struct Redeemers(Mutex<HashMap<String, (String, Instant)>>);

impl Redeemers {
    fn keep(&self, serial: &str, secret: String, now: Instant) {
        let mut secrets = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        secrets.retain(|_, (_, made)| now.saturating_duration_since(*made) < REDEEMER_LIFETIME);
        secrets.insert(serial.to_owned(), (secret, now));
    }

    fn get(&self, serial: &str, now: Instant) -> Option<String> {
        let secrets = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        secrets
            .get(serial)
            .filter(|(_, made)| now.saturating_duration_since(*made) < REDEEMER_LIFETIME)
            .map(|(secret, _)| secret.clone())
    }

    fn forget(&self, serial: &str) {
        let mut secrets = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        secrets.remove(serial);
    }
}

#[derive(Serialize)]
pub(crate) struct Redeemer {
    /// SHA-256 (hex) of the secret the agent keeps: give it to the platform with the request
    /// for an unlock code.
    redeemer: String,
    /// Seconds the agent keeps the secret.
    expires_in: u64,
}

/// `POST /v1/tokens/{serial}/unlock-redeemer`.
pub(crate) async fn redeemer(
    State(agent): State<Shared>,
    Params(serial): Params<String>,
) -> Result<Json<Redeemer>, AgentError> {
    // The token must be here; the secret is kept under its serial, however the page named it.
    let serial = agent
        .run(move |module| Ok(Token::open(module, &serial)?.serial().to_owned()))
        .await?;
    let secret = hex(&random::<32>()?);
    let redeemer = hex(&sha2::Sha256::digest(secret.as_bytes()));
    agent.redeemers.keep(&serial, secret, Instant::now());
    Ok(Json(Redeemer {
        redeemer,
        expires_in: REDEEMER_LIFETIME.as_secs(),
    }))
}

#[derive(Serialize)]
pub(crate) struct Unlocked {
    ok: bool,
    /// Whether the token's SO PIN was replaced (and the platform keeps the new one). `false`
    /// only when the platform could not be told: the old SO PIN was put back.
    so_pin_rotated: bool,
}

#[derive(Serialize)]
struct RedeemBody<'a> {
    token_serial: &'a str,
    redeemer_secret: &'a str,
    new_so_pin: &'a str,
}

#[derive(Serialize)]
struct ConfirmBody<'a> {
    token_serial: &'a str,
    redeemer_secret: &'a str,
}

#[derive(Deserialize)]
struct Redeemed {
    so_pin: String,
}

/// `POST /v1/tokens/{serial}/unlock` with an unlock code: see the module's description.
pub(crate) async fn with_code(
    agent: Shared,
    serial: String,
    unlock_code: String,
    new_pin: String,
) -> Result<Json<Unlocked>, AgentError> {
    if unlock_code.is_empty() || !unlock_code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(AgentError::BadRequest(
            "`unlock_code` is the code the platform gave, letters and digits".into(),
        ));
    }
    // Everything that can be checked before the code is spent: the token, the new user PIN,
    // and whether an SO PIN may be tried now.
    let new_user_pin = new_pin.clone();
    let (serial, new_so_pin) = agent
        .run_alone(move |module, tries| {
            let token = Token::open(module, &serial)?;
            let info = token.info()?;
            tries.before(token.serial(), PinKind::So, &info, Instant::now())?;
            super::pins::checked(&token, &new_pin)?;
            Ok((token.serial().to_owned(), fresh_so_pin(&info)?))
        })
        .await?;
    let secret = agent
        .redeemers
        .get(&serial, Instant::now())
        .ok_or(AgentError::NoRedeemer)?;
    let path = format!("/api/v1/token-unlock/{unlock_code}");
    let redeemed: Redeemed = agent
        .platform_post(
            &path,
            &RedeemBody {
                token_serial: &serial,
                redeemer_secret: &secret,
                new_so_pin: &new_so_pin,
            },
        )
        .await?;
    // The code is spent: its secret is of no more use for another.
    agent.redeemers.forget(&serial);
    let current = redeemed.so_pin;
    let (so_pin, next) = (current.clone(), new_so_pin.clone());
    agent
        .with_pin(serial.clone(), PinKind::So, move |token| {
            let new_user = super::pins::checked(token, &new_user_pin)?;
            let next = so_pin_rule(&token.info()?)?.check(&next)?;
            token.unlock_and_replace_so_pin(&so_pin, &next, &new_user)?;
            Ok(())
        })
        .await?;
    let confirm_path = format!("{path}/confirm");
    let body = ConfirmBody {
        token_serial: &serial,
        redeemer_secret: &secret,
    };
    let mut confirmed = agent
        .platform_post::<serde_json::Value, _>(&confirm_path, &body)
        .await;
    for attempt in 1..CONFIRM_TRIES {
        if !matches!(confirmed, Err(AgentError::PlatformUnreachable(_))) {
            break;
        }
        tokio::time::sleep(Duration::from_secs(u64::from(attempt))).await;
        confirmed = agent.platform_post(&confirm_path, &body).await;
    }
    if let Err(error) = confirmed {
        tracing::warn!(%serial, code = error.code(), "the platform did not take the new SO PIN");
        // Put the old SO PIN back, so that the platform's copy is the token's again.
        agent
            .run(move |module| {
                let token = Token::open(module, &serial)?;
                let old = so_pin_rule(&token.info()?)?.check(&current)?;
                token.change_so_pin(&new_so_pin, &old)?;
                Ok(())
            })
            .await
            .map_err(|_| AgentError::UnlockUnconfirmed)?;
        return Ok(Json(Unlocked {
            ok: true,
            so_pin_rotated: false,
        }));
    }
    Ok(Json(Unlocked {
        ok: true,
        so_pin_rotated: true,
    }))
}

/// What an SO PIN may look like on this token: any characters, within its lengths.
fn so_pin_rule(info: &TokenInfo) -> Result<PinRule, AgentError> {
    Ok(PinRule::new(1, 255, false)?.within(info))
}

/// A new SO PIN: [`SO_PIN_DIGITS`] random digits, or as many as the token takes.
pub(crate) fn fresh_so_pin(info: &TokenInfo) -> Result<String, AgentError> {
    let max = if info.max_pin_length == 0 {
        SO_PIN_DIGITS
    } else {
        info.max_pin_length
    };
    let length = SO_PIN_DIGITS.min(max).max(info.min_pin_length).max(1);
    let mut pin = String::with_capacity(length);
    while pin.len() < length {
        for byte in random::<32>()? {
            // 250 = 25 × 10: rejecting 250..=255 keeps each digit uniform.
            if byte < 250 && pin.len() < length {
                pin.push(char::from(b'0' + byte % 10));
            }
        }
    }
    Ok(pin)
}

fn random<const N: usize>() -> Result<[u8; N], AgentError> {
    let mut bytes = [0_u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|error| AgentError::Internal(format!("no randomness: {error}")))?;
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(min: usize, max: usize) -> TokenInfo {
        TokenInfo::for_tests(min, max)
    }

    #[test]
    fn finding_7_new_so_pins_are_random_digits_the_token_takes() {
        let pin = fresh_so_pin(&info(4, 255)).unwrap();
        assert_eq!(pin.len(), SO_PIN_DIGITS);
        assert!(pin.bytes().all(|b| b.is_ascii_digit()));
        assert_ne!(pin, fresh_so_pin(&info(4, 255)).unwrap());
        assert_eq!(fresh_so_pin(&info(4, 8)).unwrap().len(), 8);
        assert_eq!(fresh_so_pin(&info(20, 32)).unwrap().len(), 20);
        assert_eq!(fresh_so_pin(&info(0, 0)).unwrap().len(), SO_PIN_DIGITS);
    }

    #[test]
    fn finding_7_redeemer_secrets_are_kept_per_token_for_30_minutes() {
        let redeemers = Redeemers::default();
        let now = Instant::now();
        redeemers.keep("A", "one".into(), now);
        redeemers.keep("A", "two".into(), now);
        assert_eq!(redeemers.get("A", now).as_deref(), Some("two"));
        assert_eq!(redeemers.get("B", now), None);
        assert_eq!(redeemers.get("A", now + REDEEMER_LIFETIME), None);
        redeemers.forget("A");
        assert_eq!(redeemers.get("A", now), None);
    }
}
