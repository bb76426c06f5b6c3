//! The user PIN: change it with the old one, or set a new one with the SO PIN (which also
//! unlocks a locked PIN). New PINs follow [`PinRule::DIGITS_1_TO_8`], narrowed to the
//! lengths the token takes, and are checked before the token sees them.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse as _, Response};
use serde::{Deserialize, Serialize};

use super::Shared;
use super::error::AgentError;
use super::throttle::PinKind;
use super::wire::{Body, Params, required_pin};
use crate::pin::{NewPin, PinRule};
use crate::token::Token;

/// `POST /v1/tokens/{serial}/pin`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangePin {
    old_pin: Option<String>,
    new_pin: Option<String>,
}

/// `POST /v1/tokens/{serial}/unlock`: with an `unlock_code` from the platform (the agent
/// redeems it itself, see `unlock`), or with the SO PIN the holder types.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UnlockPin {
    /// The SO PIN, as typed.
    so_pin: Option<String>,
    /// The unlock code the platform gave for an unlock redeemer of this agent.
    unlock_code: Option<String>,
    new_pin: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct Done {
    ok: bool,
}

pub(crate) async fn change(
    State(agent): State<Shared>,
    Params(serial): Params<String>,
    Body(request): Body<ChangePin>,
) -> Result<Json<Done>, AgentError> {
    let old = required_pin("old_pin", request.old_pin)?;
    let new = required_pin("new_pin", request.new_pin)?;
    agent
        .with_pin(serial, PinKind::User, move |token| {
            let new = checked(token, &new)?;
            token.change_user_pin(&old, &new)?;
            Ok(())
        })
        .await?;
    Ok(Json(Done { ok: true }))
}

pub(crate) async fn unlock(
    State(agent): State<Shared>,
    Params(serial): Params<String>,
    Body(request): Body<UnlockPin>,
) -> Result<Response, AgentError> {
    let new = required_pin("new_pin", request.new_pin)?;
    let so_pin = match (request.unlock_code, request.so_pin) {
        (Some(code), None) => {
            return Ok(
                super::unlock::with_code(agent, serial, code.trim().to_owned(), new)
                    .await?
                    .into_response(),
            );
        }
        (None, so_pin) => required_pin("so_pin", so_pin)?,
        (Some(_), Some(_)) => {
            return Err(AgentError::BadRequest(
                "give either `unlock_code` or `so_pin`, not both".into(),
            ));
        }
    };
    agent
        .with_pin(serial, PinKind::So, move |token| {
            let new = checked(token, &new)?;
            token.unlock_user_pin(&so_pin, &new)?;
            Ok(())
        })
        .await?;
    Ok(Json(Done { ok: true }).into_response())
}

pub(crate) fn checked(token: &Token, pin: &str) -> Result<NewPin, AgentError> {
    Ok(PinRule::DIGITS_1_TO_8.within(&token.info()?).check(pin)?)
}
